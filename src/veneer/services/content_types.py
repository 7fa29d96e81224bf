"""Content types: schemas that entries are validated against."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from veneer import ids
from veneer.domain import schema as domain_schema
from veneer.errors import NotFoundObject, ValidationFailed
from veneer.services import access
from veneer.services.changes import record_change
from veneer.services.context import Actor, Services
from veneer.store import dumps, loads
from veneer.store import tables as t

NOT_FOUND = "The Content Type '{uid}' was not found. Please try again."


def load(services: Services, conn: Any, stack: str, uid: str) -> dict[str, Any]:
    doc = services.store.doc(conn, t.content_types, stack=stack, uid=uid)
    if doc is None:
        raise NotFoundObject(NOT_FOUND.format(uid=uid), {"uid": ["is not valid."]}, error_code=118)
    return doc


def list_content_types(
    services: Services, actor: Actor, api_key: str | None
) -> list[dict[str, Any]]:
    with services.store.read() as conn:
        stack = access.stack_row(services, conn, actor, api_key)
        rows = conn.execute(
            select(t.content_types.c.doc)
            .where(t.content_types.c.stack == stack["api_key"])
            .order_by(t.content_types.c.created_at, t.content_types.c.uid)
        ).all()
    return [loads(r[0]) for r in rows]


def get_content_type(
    services: Services, actor: Actor, api_key: str | None, uid: str
) -> dict[str, Any]:
    with services.store.read() as conn:
        stack = access.stack_row(services, conn, actor, api_key)
        return load(services, conn, stack["api_key"], uid)


def create_content_type(
    services: Services, actor: Actor, api_key: str | None, body: dict[str, Any]
) -> dict[str, Any]:
    now = ids.now()
    with services.store.write() as conn:
        stack = access.stack_row(services, conn, actor, api_key, write=True)
        clean = domain_schema.validate_content_type(body)
        if services.store.one(conn, t.content_types, stack=stack["api_key"], uid=clean["uid"]):
            raise ValidationFailed(
                "Content Type creation failed. Please enter valid data.",
                {"uid": ["is not unique."]},
                error_code=115,
            )
        doc = _document(clean, None, actor, now)
        services.store.insert(
            conn,
            t.content_types,
            stack=stack["api_key"],
            uid=clean["uid"],
            doc=dumps(doc),
            created_at=now,
        )
        record_change(services, conn, stack["api_key"])  # delivery serves schemas too
    return doc


def update_content_type(
    services: Services, actor: Actor, api_key: str | None, uid: str, body: dict[str, Any]
) -> dict[str, Any]:
    with services.store.write() as conn:
        stack = access.stack_row(services, conn, actor, api_key, write=True)
        previous = load(services, conn, stack["api_key"], uid)
        clean = domain_schema.validate_content_type({**previous, **body, "uid": uid})
        doc = _document(clean, previous, actor, ids.now())
        services.store.update(
            conn, t.content_types, {"stack": stack["api_key"], "uid": uid}, doc=dumps(doc)
        )
        record_change(services, conn, stack["api_key"])
    return doc


def _document(
    clean: dict[str, Any], previous: dict[str, Any] | None, actor: Actor, now: str
) -> dict[str, Any]:
    system = (
        {"created_at": now, "created_by": actor.uid, "_version": 0}
        if previous is None
        else previous
    )
    options = {
        "is_page": False,
        "singleton": False,
        "title": "title",
        "sub_title": [],
        **(clean.get("options") or {}),
    }
    return {
        **clean,
        "options": options,
        "description": clean.get("description") or "",
        "created_at": system["created_at"],
        "created_by": system.get("created_by", actor.uid),
        "updated_at": now,
        "updated_by": actor.uid,
        "_version": system["_version"] + 1,
        "inbuilt_class": False,
        "last_activity": {},
        "maintain_revisions": True,
        "DEFAULT_ACL": [],
        "SYS_ACL": {},
        "abilities": {
            "get_one_object": True,
            "get_all_objects": True,
            "create_object": True,
            "update_object": True,
            "delete_object": True,
            "delete_all_objects": True,
        },
    }


def delete_content_type(services: Services, actor: Actor, api_key: str | None, uid: str) -> None:
    from veneer.services import entries  # entries depends on this module

    with services.store.write() as conn:
        stack = access.stack_row(services, conn, actor, api_key, write=True)
        load(services, conn, stack["api_key"], uid)
        rows = conn.execute(
            select(t.entries.c.uid).where(
                t.entries.c.stack == stack["api_key"], t.entries.c.content_type == uid
            )
        ).all()
        for entry_uid in {row[0] for row in rows}:
            entries.purge(services, conn, stack["api_key"], entry_uid)
        services.store.delete(conn, t.content_types, stack=stack["api_key"], uid=uid)
        record_change(services, conn, stack["api_key"])
