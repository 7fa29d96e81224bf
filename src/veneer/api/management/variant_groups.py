"""`/v3/variant_groups`, `/v3/variant_groups/{g}/variants`, `/v3/variants`."""

from __future__ import annotations

from typing import Any

from veneer.api.call import Call, collection, created, endpoint
from veneer.domain.listing import flag
from veneer.services import variant_groups as groups

LINK_MESSAGE = "Variant Group and Variants updated successfully"


@endpoint
def list_groups(call: Call) -> dict[str, Any]:
    page, count = groups.list_groups(call.services, call.actor(), call.api_key, call.params)
    return collection("variant_groups", page, count if flag(call.params, "include_count") else None)


@endpoint
def create_group(call: Call) -> Any:
    group = groups.create_group(
        call.services, call.actor(), call.api_key, call.section("variant_group")
    )
    return created({**group, "notice": "Variant Group created successfully."})


@endpoint
def get_group(call: Call) -> dict[str, Any]:
    return groups.get_group(call.services, call.actor(), call.api_key, call.path("group"))


@endpoint
def update_group(call: Call) -> dict[str, Any]:
    """Also what the SDKs send to link and unlink content types."""
    group = groups.update_group(
        call.services, call.actor(), call.api_key, call.path("group"), call.section("variant_group")
    )
    return {**group, "message": LINK_MESSAGE}


def _link(call: Call) -> dict[str, Any]:
    """`PUT /variant_groups/{uid}/variants`, the reference page's link/unlink: `content_types` or a bare list."""
    body = call.section("variant_group")
    if "content_types" not in body and isinstance(call.body.get("__list__"), list):
        body = {"content_types": call.body["__list__"]}
    group = groups.update_group(call.services, call.actor(), call.api_key, call.path("group"), body)
    return {**group, "message": LINK_MESSAGE}


link_content_types = endpoint(_link, lists=True)


@endpoint
def delete_group(call: Call) -> dict[str, Any]:
    groups.delete_group(call.services, call.actor(), call.api_key, call.path("group"))
    return {"notice": "Variant Group deleted successfully."}


def _group(call: Call) -> str | None:
    return call.request.path_params.get("group")


@endpoint
def list_variants(call: Call) -> dict[str, Any]:
    """Under a group the body is the group's document holding its variants, as Contentstack
    answers: the JS SDK reads the group's `uid` from it to address each variant."""
    group, page, count = groups.list_variants(
        call.services, call.actor(), call.api_key, call.params, _group(call)
    )
    body = collection("variants", page, count if flag(call.params, "include_count") else None)
    return {**group, **body} if group is not None else body


@endpoint
def create_variant(call: Call) -> Any:
    variant = groups.create_variant(
        call.services, call.actor(), call.api_key, call.section("variant"), _group(call)
    )
    return created({**variant, "notice": "Variant created successfully."})


@endpoint
def get_variant(call: Call) -> dict[str, Any]:
    return groups.get_variant(
        call.services, call.actor(), call.api_key, call.path("variant"), _group(call)
    )


@endpoint
def rename_variant(call: Call) -> dict[str, Any]:
    variant = groups.rename_variant(
        call.services,
        call.actor(),
        call.api_key,
        _group(call),
        call.path("variant"),
        call.section("variant"),
    )
    return {**variant, "notice": "Variant updated successfully."}


@endpoint
def delete_variant(call: Call) -> dict[str, Any]:
    groups.delete_variant(
        call.services, call.actor(), call.api_key, call.path("variant"), _group(call)
    )
    return {"notice": "Variants deleted successfully."}
