"""`/v3/global_fields` (management). Global fields answer their schema as stored (the references
to nested global fields, as Contentstack's `api_version: 3.2` does)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from veneer.api.call import Call, collection, created, endpoint, imported_file
from veneer.domain.listing import flag, list_params
from veneer.services import global_fields


@endpoint
def list_global_fields(call: Call) -> dict[str, Any]:
    lp = list_params(call.params)
    counting = flag(call.params, "count")
    if counting:
        lp = replace(lp, skip=0, limit=1, include_count=True)
    page, count = global_fields.page_global_fields(call.services, call.actor(), call.api_key, lp)
    if counting:
        return {"global_fields": count}
    return collection("global_fields", page, count)


@endpoint
def get_global_field(call: Call) -> dict[str, Any]:
    found = global_fields.get_global_field(
        call.services, call.actor(), call.api_key, call.path("uid")
    )
    return {"global_field": found}


@endpoint
def create_global_field(call: Call) -> Any:
    found = global_fields.create_global_field(
        call.services, call.actor(), call.api_key, call.section("global_field")
    )
    return created({"notice": "Global Field created successfully.", "global_field": found})


@endpoint
def update_global_field(call: Call) -> dict[str, Any]:
    found = global_fields.update_global_field(
        call.services, call.actor(), call.api_key, call.path("uid"), call.section("global_field")
    )
    return {"notice": "Global Field updated successfully.", "global_field": found}


@endpoint
def delete_global_field(call: Call) -> dict[str, Any]:
    global_fields.delete_global_field(call.services, call.actor(), call.api_key, call.path("uid"))
    return {"notice": "Global Field deleted successfully."}


@endpoint
def export_global_field(call: Call) -> dict[str, Any]:
    return global_fields.export_global_field(
        call.services, call.actor(), call.api_key, call.path("uid"), call.params.get("version")
    )


def _import(call: Call) -> dict[str, Any]:
    found = global_fields.import_global_field(
        call.services,
        call.actor(),
        call.api_key,
        lambda: imported_file(call, "global_field"),
        flag(call.params, "overwrite"),
    )
    return {"notice": "Global Field imported successfully.", "global_field": found}


import_global_field = endpoint(_import, uploads=True)
