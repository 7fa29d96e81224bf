"""`/v3/roles` (built-in and custom roles), `/v3/stacks/branches`, `/v3/stacks/settings` (read and change), and the lists of
the modules Veneer does not store yet (`/v3/workflows`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from veneer.api.call import Call, collection, created, endpoint
from veneer.domain.listing import flag, list_params
from veneer.services import roles, stack_modules

# The modules the Contentstack CLI exports that Veneer does not store yet: each answers an empty list.
NOT_STORED = ("workflows",)


def _listed(call: Call, key: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    lp = list_params(call.params)
    return collection(key, lp.page(items), len(items) if lp.include_count else None)


def _with_rules(call: Call) -> bool:
    """`include_rules` (or `include_permissions`: a role's permissions are its rules)."""
    return flag(call.params, "include_rules") or flag(call.params, "include_permissions")


@endpoint
def list_roles(call: Call) -> dict[str, Any]:
    lp = list_params(call.params)
    found, count = roles.page(call.services, call.actor(), call.api_key, lp, _with_rules(call))
    return collection("roles", found, count)


@endpoint
def get_role(call: Call) -> dict[str, Any]:
    uid = call.path("uid")
    return {"role": roles.get(call.services, call.actor(), call.api_key, uid, _with_rules(call))}


@endpoint
def create_role(call: Call) -> Any:
    doc = roles.create(call.services, call.actor(), call.api_key, call.section("role"))
    return created({"notice": roles.CREATED, "role": doc})


@endpoint
def update_role(call: Call) -> dict[str, Any]:
    uid, body = call.path("uid"), call.section("role")
    doc = roles.update(call.services, call.actor(), call.api_key, uid, body)
    return {"notice": roles.UPDATED, "role": doc}


@endpoint
def delete_role(call: Call) -> dict[str, Any]:
    roles.delete(call.services, call.actor(), call.api_key, call.path("uid"))
    return {"notice": roles.DELETED}


@endpoint
def list_branches(call: Call) -> dict[str, Any]:
    found = stack_modules.branches(call.services, call.actor(), call.api_key)
    return _listed(call, "branches", found)


@endpoint
def get_branch(call: Call) -> dict[str, Any]:
    found = stack_modules.branch(call.services, call.actor(), call.api_key, call.path("uid"))
    return {"branch": found}


@endpoint
def get_settings(call: Call) -> dict[str, Any]:
    return {"stack_settings": stack_modules.settings(call.services, call.actor(), call.api_key)}


@endpoint
def update_settings(call: Call) -> dict[str, Any]:
    found = stack_modules.update_settings(
        call.services, call.actor(), call.api_key, call.section("stack_settings")
    )
    return {"notice": "Stack settings updated successfully.", "stack_settings": found}


@endpoint
def reset_settings(call: Call) -> dict[str, Any]:
    found = stack_modules.reset_settings(call.services, call.actor(), call.api_key)
    return {"notice": "Stack settings updated successfully.", "stack_settings": found}


def not_stored(key: str) -> Callable[[Request], Awaitable[Response]]:
    """The list endpoint of a module Veneer does not store yet: always empty."""

    def handler(call: Call) -> dict[str, Any]:
        found = stack_modules.not_stored(call.services, call.actor(), call.api_key)
        return _listed(call, key, found)

    handler.__name__ = f"list_{key}"
    handler.__doc__ = f"`GET /v3/{key}`: Veneer stores no {key} yet, so the list is empty."
    return endpoint(handler)
