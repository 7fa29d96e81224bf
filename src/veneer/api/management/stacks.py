"""`/v3/stacks`, `/v3/stacks/management_tokens`, `/v3/stacks/delivery_tokens`."""

from __future__ import annotations

from typing import Any

from veneer.api.call import Call, collection, created, endpoint
from veneer.domain.listing import flag, list_params
from veneer.services import collaborators, stacks, tokens


@endpoint
def get_stacks(call: Call) -> dict[str, Any]:
    """With an `api_key` header: that stack; without: every stack the caller reaches."""
    actor = call.actor()
    if call.api_key:
        stack = stacks.get_stack(call.services, actor, call.api_key)
        if flag(call.params, "include_collaborators"):  # what the JS SDK's stack.users() reads
            stack["collaborators"] = collaborators.stack_users(call.services, actor, call.api_key)
        return {"stack": stack}
    # A user's stacks are a handful, read whole (with their organizations) and paged here.
    lp = list_params(call.params)
    found = stacks.list_stacks(call.services, actor)
    return collection("stacks", lp.page(found), len(found) if lp.include_count else None)


@endpoint
def create_stack(call: Call) -> Any:
    org = call.header("organization_uid") or call.params.get("organization_uid")
    stack = stacks.create_stack(call.services, call.actor(), call.section("stack"), org)
    return created({"notice": "Stack created successfully.", "stack": stack})


@endpoint
def update_stack(call: Call) -> dict[str, Any]:
    stack = stacks.update_stack(call.services, call.actor(), call.api_key, call.section("stack"))
    return {"notice": "Stack updated successfully.", "stack": stack}


@endpoint
def delete_stack(call: Call) -> dict[str, Any]:
    stacks.delete_stack(call.services, call.actor(), call.api_key)
    return {"notice": "Stack deleted successfully!"}


def _kind(call: Call) -> str:
    return "management" if "management_tokens" in call.request.url.path else "delivery"


def _label(kind: str) -> str:
    return tokens.KINDS[kind]


@endpoint
def list_tokens(call: Call) -> dict[str, Any]:
    page, count = tokens.list_tokens(
        call.services, call.actor(), call.api_key, _kind(call), list_params(call.params)
    )
    return collection("tokens", page, count)


@endpoint
def get_token(call: Call) -> dict[str, Any]:
    return {
        "token": tokens.get_token(
            call.services, call.actor(), call.api_key, _kind(call), call.path("uid")
        )
    }


@endpoint
def create_token(call: Call) -> Any:
    kind = _kind(call)
    token = tokens.create_token(
        call.services, call.actor(), call.api_key, kind, call.section("token")
    )
    return created({"notice": f"{_label(kind)} created successfully.", "token": token})


@endpoint
def update_token(call: Call) -> dict[str, Any]:
    kind = _kind(call)
    token = tokens.update_token(
        call.services, call.actor(), call.api_key, kind, call.path("uid"), call.section("token")
    )
    return {"notice": f"{_label(kind)} updated successfully.", "token": token}


@endpoint
def delete_token(call: Call) -> dict[str, Any]:
    kind = _kind(call)
    tokens.delete_token(call.services, call.actor(), call.api_key, kind, call.path("uid"))
    return {"notice": f"{_label(kind)} deleted successfully."}


@endpoint
def create_preview_token(call: Call) -> Any:
    token = tokens.create_preview_token(call.services, call.actor(), call.api_key, call.path("uid"))
    return created({"notice": "Preview token created successfully.", "token": token})


@endpoint
def delete_preview_token(call: Call) -> dict[str, Any]:
    tokens.delete_preview_token(call.services, call.actor(), call.api_key, call.path("uid"))
    return {"notice": "Preview token deleted successfully."}
