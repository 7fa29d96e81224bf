"""`/v3/content_types` (management). Content types are stored with the schemas of the global
fields they name copied in; they are answered naming them by reference only, unless the caller
asks for `include_global_field_schema=true`."""

from __future__ import annotations

from typing import Any

from veneer.api.call import Call, collection, created, endpoint, imported_file
from veneer.domain.branches import branched
from veneer.domain.global_fields import shaped
from veneer.domain.listing import flag, list_params
from veneer.services import content_types


@endpoint
def list_content_types(call: Call) -> dict[str, Any]:
    page, count = content_types.page_content_types(
        call.services, call.actor(), call.api_key, list_params(call.params)
    )
    full = flag(call.params, "include_global_field_schema")
    docs = branched(call.params, [shaped(ct, full) for ct in page])
    return collection("content_types", docs, count)


@endpoint
def get_content_type(call: Call) -> dict[str, Any]:
    found = content_types.get_content_type(
        call.services, call.actor(), call.api_key, call.path("ct")
    )
    doc = shaped(found, flag(call.params, "include_global_field_schema"))
    return {"content_type": branched(call.params, [doc])[0]}


@endpoint
def create_content_type(call: Call) -> Any:
    ct = content_types.create_content_type(
        call.services, call.actor(), call.api_key, call.section("content_type")
    )
    body = {"notice": "Content Type created successfully.", "content_type": shaped(ct, False)}
    return created(body)


@endpoint
def update_content_type(call: Call) -> dict[str, Any]:
    ct = content_types.update_content_type(
        call.services, call.actor(), call.api_key, call.path("ct"), call.section("content_type")
    )
    return {"notice": "Content Type updated successfully.", "content_type": shaped(ct, False)}


@endpoint
def delete_content_type(call: Call) -> dict[str, Any]:
    content_types.delete_content_type(call.services, call.actor(), call.api_key, call.path("ct"))
    return {"notice": "Content Type deleted successfully."}


@endpoint
def content_type_references(call: Call) -> dict[str, Any]:
    found = content_types.references(
        call.services,
        call.actor(),
        call.api_key,
        call.path("ct"),
        flag(call.params, "include_global_fields"),
    )
    return {"references": found}


@endpoint
def export_content_type(call: Call) -> dict[str, Any]:
    doc = content_types.export_content_type(
        call.services, call.actor(), call.api_key, call.path("ct"), call.params.get("version")
    )
    return branched(call.params, [shaped(doc, False)])[0]


def _import(call: Call) -> dict[str, Any]:
    ct = content_types.import_content_type(
        call.services,
        call.actor(),
        call.api_key,
        lambda: imported_file(call, "content_type"),
        flag(call.params, "overwrite"),
    )
    doc = branched(call.params, [shaped(ct, False)])[0]
    return {"notice": "Content Type imported successfully.", "content_type": doc}


import_content_type = endpoint(_import, uploads=True)
