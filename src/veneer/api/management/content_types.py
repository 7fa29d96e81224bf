"""`/v3/content_types` (management)."""

from __future__ import annotations

from typing import Any

from veneer.api.call import Call, collection, created, endpoint
from veneer.domain.listing import list_params
from veneer.services import content_types


@endpoint
def list_content_types(call: Call) -> dict[str, Any]:
    page, count = content_types.page_content_types(
        call.services, call.actor(), call.api_key, list_params(call.params)
    )
    return collection("content_types", page, count)


@endpoint
def get_content_type(call: Call) -> dict[str, Any]:
    return {
        "content_type": content_types.get_content_type(
            call.services, call.actor(), call.api_key, call.path("ct")
        )
    }


@endpoint
def create_content_type(call: Call) -> Any:
    ct = content_types.create_content_type(
        call.services, call.actor(), call.api_key, call.section("content_type")
    )
    return created({"notice": "Content Type created successfully.", "content_type": ct})


@endpoint
def update_content_type(call: Call) -> dict[str, Any]:
    ct = content_types.update_content_type(
        call.services, call.actor(), call.api_key, call.path("ct"), call.section("content_type")
    )
    return {"notice": "Content Type updated successfully.", "content_type": ct}


@endpoint
def delete_content_type(call: Call) -> dict[str, Any]:
    content_types.delete_content_type(call.services, call.actor(), call.api_key, call.path("ct"))
    return {"notice": "Content Type deleted successfully."}
