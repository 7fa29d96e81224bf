"""Global fields (`/v3/global_fields`): reusable groups of fields that content types name by
`reference_to`. Content types store the referenced schema copied in (`domain.global_fields`), so
changing a global field expands every content type using it again, in the same transaction; the
entries of those types keep what they hold (a value of a removed subfield stays stored and is
dropped the next time the entry is saved; a new required subfield is enforced on that save, as
after any content type change). Deleting a global field still in use is refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from veneer import ids
from veneer.domain import global_fields as domain
from veneer.domain import schema as domain_schema
from veneer.domain.listing import ListParams
from veneer.errors import NotFoundObject, ValidationFailed
from veneer.services import access, definitions
from veneer.services.context import Actor, Services
from veneer.store import Transaction

MODULE = "global_field"


def page_global_fields(
    services: Services, actor: Actor, api_key: str | None, lp: ListParams
) -> tuple[list[dict[str, Any]], int | None]:
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, MODULE)
        return tx.global_fields.page(stack["api_key"], lp)


def get_global_field(
    services: Services, actor: Actor, api_key: str | None, uid: str
) -> dict[str, Any]:
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, MODULE)
        return load(tx, stack["api_key"], uid)


def load(tx: Transaction, stack: str, uid: str) -> dict[str, Any]:
    doc = tx.global_fields.get(stack, uid)
    if doc is None:
        raise NotFoundObject(
            f"Global Field '{uid}' was not found.", {"uid": ["is not valid."]}, error_code=118
        )
    return doc


def create_global_field(
    services: Services, actor: Actor, api_key: str | None, body: dict[str, Any]
) -> dict[str, Any]:
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, MODULE, write=True)
        key = stack["api_key"]
        clean = domain_schema.validate_global_field(body)
        if tx.global_fields.get(key, clean["uid"]) is not None:
            raise ValidationFailed(
                "Global Field creation failed. Please enter valid data.",
                {"uid": ["is not unique."]},
                error_code=115,
            )
        _check_nesting(tx, key, clean)
        doc = _document(clean, None, actor, ids.now())
        tx.global_fields.add(key, doc)
        tx.changes.record(key)  # delivery serves global fields
    return doc


def update_global_field(
    services: Services, actor: Actor, api_key: str | None, uid: str, body: dict[str, Any]
) -> dict[str, Any]:
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, MODULE, write=True)
        key = stack["api_key"]
        previous = load(tx, key, uid)
        clean = domain_schema.validate_global_field({**previous, **body, "uid": uid})
        doc = _document(clean, previous, actor, ids.now())
        tx.global_fields.replace(key, doc)
        _check_nesting(tx, key, doc)
        _reexpand_users(tx, key, uid, actor)
    return doc


def delete_global_field(services: Services, actor: Actor, api_key: str | None, uid: str) -> None:
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, MODULE, write=True)
        key = stack["api_key"]
        load(tx, key, uid)
        users = _users(tx, key, uid)
        if users:
            raise ValidationFailed(
                "Global Field cannot be deleted: it is referred to in content types or global "
                "fields. Remove it from them first.",
                {"global_field": [f"is used by {', '.join(users)}."]},
                error_code=115,
            )
        tx.global_fields.delete(key, uid)
        tx.changes.record(key)


def export_global_field(
    services: Services, actor: Actor, api_key: str | None, uid: str, version: str | None
) -> dict[str, Any]:
    """`GET /global_fields/{uid}/export`: the global field as a file to import elsewhere (only
    the latest version is kept: another `version` is refused)."""
    doc = get_global_field(services, actor, api_key, uid)
    return definitions.latest_only(doc, version, "global field")


def import_global_field(
    services: Services,
    actor: Actor,
    api_key: str | None,
    read: Callable[[], dict[str, Any]],
    overwrite: bool,
) -> dict[str, Any]:
    """`POST /global_fields/import`: create the global field a file describes (as `export`
    wrote it, or wrapped in `{"global_field": …}`); an existing one of its uid is replaced only
    with `overwrite` (and the content types using it are expanded again). `read` gives the
    file, once the caller may write global fields here."""
    with services.store.read() as tx:
        access.stack_row(tx, actor, api_key, MODULE, write=True)
    clean = definitions.imported(read(), "global_field", "Global Field", "global field")
    uid = clean.get("uid")
    if overwrite and isinstance(uid, str):
        with services.store.read() as tx:
            stack = access.stack_row(tx, actor, api_key, MODULE)
            exists = tx.global_fields.get(stack["api_key"], uid) is not None
        if exists:
            return update_global_field(services, actor, api_key, uid, {"description": "", **clean})
    return create_global_field(services, actor, api_key, clean)


def _users(tx: Transaction, stack: str, uid: str) -> list[str]:
    """The content types and global fields naming global field `uid`, at any depth."""
    types = [ct["uid"] for ct in tx.content_types.all(stack) if uid in domain.uses(ct["schema"])]
    fields = [gf["uid"] for gf in tx.global_fields.all(stack) if uid in domain.uses(gf["schema"])]
    return types + [f"global field {name}" for name in fields]


def resolver(tx: Transaction, stack: str) -> domain.Resolve:
    return lambda uid: tx.global_fields.get(stack, uid)


def _check_nesting(tx: Transaction, stack: str, doc: dict[str, Any]) -> None:
    """A global field's own references must exist and not loop (expanding them proves both)."""
    domain.expand(doc["schema"], resolver(tx, stack))


def _reexpand_users(tx: Transaction, stack: str, uid: str, actor: Actor) -> None:
    """Copy a changed global field's schema into every content type that uses it."""
    for ct in tx.content_types.all(stack):
        if uid not in domain.uses(ct["schema"]):
            continue
        ct["schema"] = domain.expand(ct["schema"], resolver(tx, stack))
        ct.update(updated_at=ids.now(), updated_by=actor.uid)
        tx.content_types.replace(stack, ct)
    tx.changes.record(stack)  # delivery serves the schemas


def _document(
    clean: dict[str, Any], previous: dict[str, Any] | None, actor: Actor, now: str
) -> dict[str, Any]:
    system = previous or {"created_at": now, "created_by": actor.uid, "_version": 0}
    return {
        **clean,
        "description": clean.get("description") or "",
        "created_at": system["created_at"],
        "created_by": system.get("created_by", actor.uid),
        "updated_at": now,
        "updated_by": actor.uid,
        "_version": system["_version"] + 1,
        "inbuilt_class": False,
        "last_activity": {},
        "maintain_revisions": True,
    }
