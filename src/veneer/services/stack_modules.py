"""What a stack answers that Veneer does not (yet) let anyone change: its one branch (`main`),
and the modules the Contentstack CLI exports (workflows), empty until Veneer stores them (roles
are `services/roles.py`'s, webhooks `services/webhooks.py`'s, labels and extensions
`services/labels.py`'s); and its settings, which its managers may change (`update_settings`:
Contentstack's own keys, and the delivery ones of `domain.delivery_settings`, the variant limit
among them). Each answer has Contentstack's shape."""

from __future__ import annotations

from typing import Any

from veneer import ids
from veneer.domain import delivery_settings
from veneer.errors import NotFoundObject, ValidationFailed
from veneer.services import access
from veneer.services.context import Actor, Services

MAIN_BRANCH = "main"
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


# What `update_settings` checks before storing: Contentstack's objects, and Veneer's delivery keys.
_OBJECTS = ("stack_variables", "live_preview", "discrete_variables", "rte")
_CHECKS: dict[str, Any] = {
    delivery_settings.CACHE_CONTROL: delivery_settings.cache_control,
    delivery_settings.CORS_ORIGINS: delivery_settings.origins,
    delivery_settings.VARIANT_LIMIT: delivery_settings.variant_limit,
}


def update_settings(
    services: Services, actor: Actor, api_key: str | None, body: dict[str, Any]
) -> dict[str, Any]:
    """`POST /v3/stacks/settings`: each key given replaces the stored one, `null` removes it (the
    default applies again). Delivery answers follow at once (a change of the stack)."""
    for key, value in body.items():
        _check_setting(key, value)
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, access.STACK, write=True)
        stored = {**stack["settings"], **body}
        stored = {key: value for key, value in stored.items() if value is not None}
        tx.stacks.update(stack["api_key"], settings=stored, updated_at=ids.now())
        tx.changes.record(stack["api_key"])
    return {**DEFAULT_SETTINGS, **stored}


def reset_settings(services: Services, actor: Actor, api_key: str | None) -> dict[str, Any]:
    """`POST /v3/stacks/settings/reset`: Contentstack's settings back to their defaults. Veneer's
    own delivery settings (`delivery_cache_control`, `delivery_cors_origins`, `variant_limit`),
    which no Contentstack client knows of, are kept: a reset must not change how a site is
    served. Remove them with `null` in an update."""
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, access.STACK, write=True)
        kept = {key: value for key, value in stack["settings"].items() if key in _CHECKS}
        tx.stacks.update(stack["api_key"], settings=kept, updated_at=ids.now())
        tx.changes.record(stack["api_key"])
    return {**DEFAULT_SETTINGS, **kept}


def _check_setting(key: str, value: Any) -> None:
    if value is None:
        return
    if key in _CHECKS:
        _CHECKS[key](value)
    elif key in _OBJECTS and not isinstance(value, dict):
        raise _bad_setting(key, "must be an object.")
    elif key == "language_fallback" and not isinstance(value, bool):
        raise _bad_setting(key, "must be true or false.")
    elif key not in _OBJECTS and key != "language_fallback":
        raise _bad_setting(key, "is not a stack setting Veneer stores.")


def _bad_setting(key: str, why: str) -> ValidationFailed:
    return ValidationFailed("Stack settings update failed. Please enter valid data.", {key: [why]})


def not_stored(services: Services, actor: Actor, api_key: str | None) -> list[dict[str, Any]]:
    """A module Veneer does not store yet (workflows): nothing, once
    the caller is known to reach the stack."""
    _stack(services, actor, api_key)
    return []
