"""`/v3/labels` and `/v3/extensions` (management): the same five handlers for each, bound to its
`services.labels.Kind`. An extension may also be created from an uploaded HTML file (multipart,
`extension[upload]` and `extension[...]` details: the SDKs' `extension().upload()`), within the
JSON body's size limit since the file becomes the extension's `srcdoc`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from veneer.api.call import Call, Uploads, collection, created, endpoint
from veneer.domain.labels import UPLOAD_FIELD, extension_form
from veneer.domain.listing import list_params
from veneer.services import labels
from veneer.services.labels import Kind

Handler = Callable[[Request], Awaitable[Response]]


EXTENSION_UPLOADS = Uploads(UPLOAD_FIELD, "max_body_bytes")
FILE_FIELDS = (UPLOAD_FIELD, "upload")


def _named(
    handler: Callable[[Call], Any], name: str, doc: str, uploads: Uploads | None = None
) -> Handler:
    handler.__name__ = name
    handler.__doc__ = doc
    return endpoint(handler, uploads=uploads or False)


def _details(call: Call, key: str) -> dict[str, Any]:
    """A create's body: the JSON `key` object, or an uploaded extension's form."""
    if call.form is None:
        return call.section(key)
    file = call.form.file
    html = file[2] if file is not None and file[0] in FILE_FIELDS else None
    return extension_form(call.form.fields, html)


def handlers(kind: Kind) -> dict[str, Handler]:
    """The list, get, create, update and delete handlers of `kind`, by verb name."""
    key, plural = kind.module, kind.module + "s"

    def list_(call: Call) -> dict[str, Any]:
        page, count = labels.page(
            kind, call.services, call.actor(), call.api_key, list_params(call.params)
        )
        return collection(plural, page, count)

    def get(call: Call) -> dict[str, Any]:
        return {key: labels.get(kind, call.services, call.actor(), call.api_key, call.path("uid"))}

    def create(call: Call) -> Any:
        doc = labels.create(kind, call.services, call.actor(), call.api_key, _details(call, key))
        return created({"notice": f"{kind.title} created successfully.", key: doc})

    def update(call: Call) -> dict[str, Any]:
        doc = labels.update(
            kind, call.services, call.actor(), call.api_key, call.path("uid"), call.section(key)
        )
        return {"notice": f"{kind.title} updated successfully.", key: doc}

    def delete(call: Call) -> dict[str, Any]:
        labels.delete(kind, call.services, call.actor(), call.api_key, call.path("uid"))
        return {"notice": f"{kind.title} deleted successfully."}

    return {
        "list": _named(list_, f"list_{plural}", f"`GET /v3/{plural}`"),
        "get": _named(get, f"get_{key}", f"`GET /v3/{plural}/{{uid}}`"),
        "create": _named(
            create,
            f"create_{key}",
            f"`POST /v3/{plural}`",
            EXTENSION_UPLOADS if kind is labels.EXTENSION else None,
        ),
        "update": _named(update, f"update_{key}", f"`PUT /v3/{plural}/{{uid}}`"),
        "delete": _named(delete, f"delete_{key}", f"`DELETE /v3/{plural}/{{uid}}`"),
    }


LABELS = handlers(labels.LABEL)
EXTENSIONS = handlers(labels.EXTENSION)
