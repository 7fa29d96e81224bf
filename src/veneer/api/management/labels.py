"""`/v3/labels` and `/v3/extensions` (management): the same five handlers for each, bound to its
`services.labels.Kind`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from veneer.api.call import Call, collection, created, endpoint
from veneer.domain.listing import list_params
from veneer.services import labels
from veneer.services.labels import Kind

Handler = Callable[[Request], Awaitable[Response]]


def _named(handler: Callable[[Call], Any], name: str, doc: str) -> Handler:
    handler.__name__ = name
    handler.__doc__ = doc
    return endpoint(handler)


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
        doc = labels.create(kind, call.services, call.actor(), call.api_key, call.section(key))
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
        "create": _named(create, f"create_{key}", f"`POST /v3/{plural}`"),
        "update": _named(update, f"update_{key}", f"`PUT /v3/{plural}/{{uid}}`"),
        "delete": _named(delete, f"delete_{key}", f"`DELETE /v3/{plural}/{{uid}}`"),
    }


LABELS = handlers(labels.LABEL)
EXTENSIONS = handlers(labels.EXTENSION)
