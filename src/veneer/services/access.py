"""Who may reach which stack. Every stack-scoped operation starts here."""

from __future__ import annotations

from typing import Any

from veneer.errors import Forbidden, PreconditionFailed, Unauthorized
from veneer.services.context import Actor
from veneer.store import Transaction


def stack_row(
    tx: Transaction, actor: Actor, api_key: str | None, *, write: bool = False
) -> dict[str, Any]:
    """The stack named by `api_key`, if `actor` may use it; 412 for a key it cannot see."""
    if not api_key:
        raise PreconditionFailed(errors={"api_key": ["is required."]})
    row = tx.stacks.get(api_key)
    if row is None or not _reaches(tx, actor, row):
        raise PreconditionFailed(errors={"api_key": ["is not valid."]})
    if actor.kind == "delivery":
        raise Unauthorized(
            "Delivery tokens can only read published content.",
            error_code=105,
            errors={"access_token": ["cannot be used for the Content Management API."]},
        )
    if write and not actor.can_write:
        raise Forbidden(
            "This management token can only read.", errors={"authorization": ["is read-only."]}
        )
    return row


def _reaches(tx: Transaction, actor: Actor, row: dict[str, Any]) -> bool:
    if not actor.is_user:
        return bool(actor.stack == row["api_key"])
    return tx.accounts.role(row["org_uid"], actor.uid) is not None


def require_user(actor: Actor) -> None:
    if not actor.is_user:
        raise Forbidden(
            "This action needs a user's authtoken, not a token.",
            errors={"authtoken": ["is required for this action."]},
        )
