"""Stacks: create, list, read, update, delete. A stack is the tenant of all content."""

from __future__ import annotations

from typing import Any

from veneer import ids
from veneer.errors import ValidationFailed
from veneer.services import access, assets
from veneer.services.context import Actor, Services
from veneer.services.documents import LOCALE_NAMES, locale_doc
from veneer.store import Transaction

NAME_MAX = 200  # the width of stacks.name


def stack_body(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "uid": row["api_key"],
        "api_key": row["api_key"],
        "name": row["name"],
        "description": row["description"],
        "org_uid": row["org_uid"],
        "master_locale": row["master_locale"],
        "owner_uid": row["owner_uid"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "settings": row["settings"],
        "SYS_ACL": {},
    }


def create_stack(
    services: Services,
    actor: Actor,
    body: dict[str, Any],
    org_uid: str | None = None,
    *,
    settings: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """`settings`: the new stack's (`veneer import` marks the stack it is importing into)."""
    access.require_user(actor)
    name = body.get("name")
    master = body.get("master_locale") or "en-us"
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > NAME_MAX:
        raise ValidationFailed(
            "Stack creation failed. Please enter valid data.",
            {"name": [f"is required, at most {NAME_MAX} characters."]},
        )
    if not isinstance(master, str) or len(master) > 32:
        raise ValidationFailed(
            "Stack creation failed. Please enter valid data.",
            {"master_locale": ["is not a valid locale code."]},
        )
    now = ids.now()
    with services.store.write() as tx:
        org = _organization_for(tx, actor, org_uid)
        row: dict[str, Any] = {
            "api_key": ids.blt(),
            "org_uid": org,
            "name": name.strip(),
            "description": str(body.get("description") or ""),
            "master_locale": master.lower(),
            "owner_uid": actor.uid,
            "settings": settings or {},
            "created_at": now,
            "updated_at": now,
        }
        tx.stacks.add(row)
        doc = locale_doc(
            ids.blt(),
            master.lower(),
            LOCALE_NAMES.get(master.lower(), master),
            None,
            actor.uid,
            now,
        )
        tx.locales.add(row["api_key"], doc)
    return stack_body(row)


def _organization_for(tx: Transaction, actor: Actor, org_uid: str | None) -> str:
    """The Python SDK never names the organization: when the user has exactly one, use it."""
    orgs: list[str] = [org["uid"] for org in tx.accounts.memberships(actor.uid)]
    if org_uid:
        if org_uid not in orgs:
            raise ValidationFailed(
                "You are not a member of this organization.",
                {"organization_uid": ["is not valid."]},
            )
        return org_uid
    if len(orgs) != 1:
        raise ValidationFailed(
            "Name the organization of the new stack.",
            {"organization_uid": ["is required when you belong to several organizations."]},
        )
    return orgs[0]


def list_stacks(services: Services, actor: Actor) -> list[dict[str, Any]]:
    with services.store.read() as tx:
        if actor.is_user:
            rows = tx.stacks.of_user(actor.uid)
        else:
            row = tx.stacks.get(actor.stack) if actor.stack else None
            rows = [row] if row is not None else []
    return [stack_body(r) for r in rows]


def get_stack(services: Services, actor: Actor, api_key: str | None) -> dict[str, Any]:
    with services.store.read() as tx:
        return stack_body(access.stack_row(tx, actor, api_key, access.STACK))


def update_stack(
    services: Services, actor: Actor, api_key: str | None, body: dict[str, Any]
) -> dict[str, Any]:
    with services.store.write() as tx:
        row = access.stack_row(tx, actor, api_key, access.STACK, write=True)
        changes: dict[str, Any] = {"updated_at": ids.now()}
        for key in ("name", "description"):
            if key in body:
                if not isinstance(body[key], str) or (
                    key == "name" and not 0 < len(body[key].strip()) <= NAME_MAX
                ):
                    raise ValidationFailed(
                        "Stack update failed. Please enter valid data.", {key: ["is not valid."]}
                    )
                changes[key] = body[key]
        tx.stacks.update(row["api_key"], **changes)
        row.update(changes)
    return stack_body(row)


def delete_stack(services: Services, actor: Actor, api_key: str | None) -> None:
    access.require_user(actor)
    with services.store.write() as tx:
        row = access.stack_row(tx, actor, api_key, access.STACK, write=True)
        blobs = tx.assets.blobs(row["api_key"])
        tx.stacks.delete(row["api_key"])
        tx.changes.record(row["api_key"])
    assets.release_blobs(services, blobs)
