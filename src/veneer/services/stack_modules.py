"""What a stack answers that Veneer does not (yet) let anyone change: its built-in roles, its one
branch (`main`), its settings, and the modules the Contentstack CLI exports (extensions, labels,
workflows), empty until Veneer stores them (webhooks are `services/webhooks.py`'s). Each answer
has Contentstack's shape."""

from __future__ import annotations

from typing import Any

from veneer import ids
from veneer.errors import NotFoundObject
from veneer.services import access
from veneer.services.context import Actor, Services

MAIN_BRANCH = "main"
# Contentstack's three built-in stack roles; the owner is a property of the stack, not a role.
BUILT_IN_ROLES = (
    (
        "Admin",
        (
            "Admin can perform all actions and manage all settings of the stack, except the "
            "ability to delete or transfer ownership of the stack."
        ),
    ),
    (
        "Developer",
        (
            "Developer can perform all Content Manager's actions, view audit logs, create roles, "
            "invite users, manage content types, languages, and environments."
        ),
    ),
    (
        "Content Manager",
        (
            "Content Manager can view all content types, manage entries and assets, and publish "
            "content, but cannot change content types or the stack's settings."
        ),
    ),
)
# The settings every stack answers with; what the stack stores overrides them.
DEFAULT_SETTINGS: dict[str, Any] = {
    "stack_variables": {},
    "live_preview": {},
    "discrete_variables": {},
    "language_fallback": False,
    "rte": {},
}


def _stack(services: Services, actor: Actor, api_key: str | None) -> dict[str, Any]:
    with services.store.read() as tx:
        return access.stack_row(tx, actor, api_key, access.STACK)


def _audit(stack: dict[str, Any]) -> dict[str, Any]:
    owner = stack["owner_uid"]
    return {
        "created_by": owner,
        "updated_by": owner,
        "created_at": stack["created_at"],
        "updated_at": stack["created_at"],
    }


def roles(services: Services, actor: Actor, api_key: str | None) -> list[dict[str, Any]]:
    """The stack's built-in roles, with uids stable for the stack."""
    stack = _stack(services, actor, api_key)
    return [
        {
            "name": name,
            "description": description,
            "uid": ids.derived(stack["api_key"], "role", name),
            **_audit(stack),
            "users": [],
            "roles": [],
            "owner": stack["owner_uid"],
            "SYS_ACL": {},
        }
        for name, description in BUILT_IN_ROLES
    ]


def role(services: Services, actor: Actor, api_key: str | None, uid: str) -> dict[str, Any]:
    found = [r for r in roles(services, actor, api_key) if r["uid"] == uid]
    if not found:
        raise NotFoundObject(errors={"role": [f"'{uid}' is not a role of this stack."]})
    return found[0]


def branches(services: Services, actor: Actor, api_key: str | None) -> list[dict[str, Any]]:
    """Veneer stacks have one branch, `main`."""
    stack = _stack(services, actor, api_key)
    return [{"uid": MAIN_BRANCH, "source": "", **_audit(stack), "deleted_at": False, "alias": []}]


def branch(services: Services, actor: Actor, api_key: str | None, uid: str) -> dict[str, Any]:
    found = [b for b in branches(services, actor, api_key) if b["uid"] == uid]
    if not found:
        raise NotFoundObject(
            errors={"branch": [f"'{uid}' does not exist: the only branch is main."]}
        )
    return found[0]


def settings(services: Services, actor: Actor, api_key: str | None) -> dict[str, Any]:
    stack = _stack(services, actor, api_key)
    return {**DEFAULT_SETTINGS, **stack["settings"]}


def not_stored(services: Services, actor: Actor, api_key: str | None) -> list[dict[str, Any]]:
    """A module Veneer does not store yet (extensions, labels, workflows): nothing, once
    the caller is known to reach the stack."""
    _stack(services, actor, api_key)
    return []
