"""Stacks: create, list, read, update, delete. A stack is the tenant of all content."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from veneer import ids
from veneer.errors import ValidationFailed
from veneer.services import access
from veneer.services.changes import record_change
from veneer.services.context import Actor, Services
from veneer.services.locales import LOCALE_NAMES, locale_doc
from veneer.store import dumps, loads
from veneer.store import tables as t

NAME_MAX = 200  # the width of stacks.name
STACK_TABLES = (
    t.tokens,
    t.environments,
    t.locales,
    t.content_types,
    t.entries,
    t.entry_versions,
    t.publications,
    t.variant_groups,
    t.variants,
    t.entry_variants,
    t.entry_variant_versions,
    t.jobs,
)


def stack_body(row: dict[str, Any]) -> dict[str, Any]:
    settings = row["settings"] if isinstance(row["settings"], dict) else loads(row["settings"])
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
        "settings": settings,
        "SYS_ACL": {},
    }


def create_stack(
    services: Services, actor: Actor, body: dict[str, Any], org_uid: str | None = None
) -> dict[str, Any]:
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
    with services.store.write() as conn:
        org = _organization_for(conn, actor, org_uid)
        row = {
            "api_key": ids.blt(),
            "org_uid": org,
            "name": name.strip(),
            "description": str(body.get("description") or ""),
            "master_locale": master.lower(),
            "owner_uid": actor.uid,
            "settings": dumps({}),
            "created_at": now,
            "updated_at": now,
        }
        services.store.insert(conn, t.stacks, **row)
        doc = locale_doc(
            ids.blt(),
            master.lower(),
            LOCALE_NAMES.get(master.lower(), master),
            None,
            actor.uid,
            now,
        )
        services.store.insert(
            conn, t.locales, stack=row["api_key"], code=master.lower(), doc=dumps(doc)
        )
    return stack_body(row)


def _organization_for(conn: Any, actor: Actor, org_uid: str | None) -> str:
    """The Python SDK never names the organization: when the user has exactly one, use it."""
    rows = conn.execute(
        select(t.org_members.c.org_uid).where(t.org_members.c.user_uid == actor.uid)
    ).all()
    orgs = [r[0] for r in rows]
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
    with services.store.read() as conn:
        if not actor.is_user:
            rows = services.store.all(conn, t.stacks, api_key=actor.stack)
        else:
            rows = [
                dict(r)
                for r in conn.execute(
                    select(t.stacks)
                    .join(t.org_members, t.org_members.c.org_uid == t.stacks.c.org_uid)
                    .where(t.org_members.c.user_uid == actor.uid)
                    .order_by(t.stacks.c.created_at)
                ).mappings()
            ]
    return [stack_body(r) for r in rows]


def get_stack(services: Services, actor: Actor, api_key: str | None) -> dict[str, Any]:
    with services.store.read() as conn:
        return stack_body(access.stack_row(services, conn, actor, api_key))


def update_stack(
    services: Services, actor: Actor, api_key: str | None, body: dict[str, Any]
) -> dict[str, Any]:
    with services.store.write() as conn:
        row = access.stack_row(services, conn, actor, api_key, write=True)
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
        services.store.update(conn, t.stacks, {"api_key": row["api_key"]}, **changes)
        row.update(changes)
    return stack_body(row)


def delete_stack(services: Services, actor: Actor, api_key: str | None) -> None:
    access.require_user(actor)
    with services.store.write() as conn:
        row = access.stack_row(services, conn, actor, api_key, write=True)
        for table in STACK_TABLES:
            conn.execute(delete(table).where(table.c.stack == row["api_key"]))
        services.store.delete(conn, t.stacks, api_key=row["api_key"])
        record_change(services, conn, row["api_key"])
