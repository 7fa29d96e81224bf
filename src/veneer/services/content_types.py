"""Content types: schemas that entries are validated against."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from veneer import ids
from veneer.domain import global_fields as domain_global_fields
from veneer.domain import schema as domain_schema
from veneer.domain import schema_changes
from veneer.domain.listing import ListParams
from veneer.domain.references import reference_fields
from veneer.errors import ValidationFailed
from veneer.services import access, definitions, global_fields, loaders, taxonomies
from veneer.services.context import Actor, Services
from veneer.store import Transaction


def list_content_types(
    services: Services, actor: Actor, api_key: str | None
) -> list[dict[str, Any]]:
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, "content_type")
        return tx.content_types.all(stack["api_key"])


def page_content_types(
    services: Services, actor: Actor, api_key: str | None, lp: ListParams
) -> tuple[list[dict[str, Any]], int | None]:
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, "content_type")
        return tx.content_types.page(stack["api_key"], lp)


def get_content_type(
    services: Services, actor: Actor, api_key: str | None, uid: str
) -> dict[str, Any]:
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, "content_type")
        return loaders.content_type(tx, stack["api_key"], uid)


def create_content_type(
    services: Services, actor: Actor, api_key: str | None, body: dict[str, Any]
) -> dict[str, Any]:
    now = ids.now()
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, "content_type", write=True)
        clean = _expanded(tx, stack["api_key"], domain_schema.validate_content_type(body))
        if tx.content_types.get(stack["api_key"], clean["uid"]) is not None:
            raise ValidationFailed(
                "Content Type creation failed. Please enter valid data.",
                {"uid": ["is not unique."]},
                error_code=115,
            )
        doc = _document(clean, None, actor, now)
        tx.content_types.add(stack["api_key"], doc)
        tx.changes.record(stack["api_key"])  # delivery serves schemas too
    return doc


def update_content_type(
    services: Services, actor: Actor, api_key: str | None, uid: str, body: dict[str, Any]
) -> dict[str, Any]:
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, "content_type", write=True)
        previous = loaders.content_type(tx, stack["api_key"], uid)
        clean = domain_schema.validate_content_type({**previous, **body, "uid": uid})
        clean = _expanded(tx, stack["api_key"], clean)
        doc = _document(clean, previous, actor, ids.now())
        tx.content_types.replace(stack["api_key"], doc)
        if _unique_fields(doc) != _unique_fields(previous):
            holders = tx.entries.holders(stack["api_key"], uid, doc["schema"])
            tx.uniques.rebuild(stack["api_key"], uid, holders)
        tx.changes.record(stack["api_key"])
    return doc


def removed_with_data(
    services: Services, actor: Actor, api_key: str | None, uid: str, schema: list[Any]
) -> list[str]:
    """The fields (dotted paths) that the content type has and `schema` drops, and in which some
    entry holds a value: what the editor warns about before it saves `schema`. `schema` names
    global fields by reference, as the editor and the API answer it."""
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, "content_type")
        key = stack["api_key"]
        previous = loaders.content_type(tx, key, uid)
        new = domain_global_fields.expand(schema, global_fields.resolver(tx, key))
        dropped = schema_changes.removed_paths(previous["schema"], new)
        if not dropped:
            return []
        codes = sorted({stack["master_locale"], *(c["code"] for c in tx.locales.all(key))})
        return tx.entries.paths_in_use(key, uid, codes, dropped)


def references(
    services: Services, actor: Actor, api_key: str | None, uid: str, global_fields_too: bool
) -> list[str]:
    """`GET /content_types/{uid}/references`: the content types in which `uid` is referenced,
    directly or through others (a type referencing one that references `uid`; `uid` itself
    when it references itself), in the stack's order; with `global_fields_too`, then the global fields whose fields reference any of
    them. The walk reads the stack's content types and global fields, never its entries."""
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, "content_type")
        key = stack["api_key"]
        loaders.content_type(tx, key, uid)
        types = tx.content_types.all(key)
        targets = {ct["uid"]: _targets(ct["schema"]) for ct in types}
        reached = _referrers({uid}, targets)
        found = [ct["uid"] for ct in types if ct["uid"] in reached]
        if global_fields_too:
            # A global field's own schema holds the references (nested global fields are
            # expanded, so a reference two global fields deep counts too).
            expand = global_fields.resolver(tx, key)
            found += [
                gf["uid"]
                for gf in tx.global_fields.all(key)
                if _targets(domain_global_fields.expand(gf["schema"], expand)) & (reached | {uid})
            ]
        return found


def _targets(schema: list[Any]) -> set[str]:
    """The content types the reference fields of `schema` may point to."""
    return {target for _path, kinds in reference_fields(schema) for target in kinds}


def _referrers(start: set[str], targets: dict[str, set[str]]) -> set[str]:
    """Every content type from which a chain of references leads to one of `start` (one of
    `start` itself only when such a chain leads back to it)."""
    reached: set[str] = set()
    frontier = start
    while frontier:
        frontier = {ct for ct, kinds in targets.items() if kinds & frontier} - reached
        reached |= frontier
    return reached


def export_content_type(
    services: Services, actor: Actor, api_key: str | None, uid: str, version: str | None
) -> dict[str, Any]:
    """`GET /content_types/{uid}/export`: the content type as a file to import elsewhere. Only
    the latest version is kept, so another `version` is refused rather than answered with it."""
    doc = get_content_type(services, actor, api_key, uid)
    return definitions.latest_only(doc, version, "content type")


def import_content_type(
    services: Services,
    actor: Actor,
    api_key: str | None,
    read: Callable[[], dict[str, Any]],
    overwrite: bool,
) -> dict[str, Any]:
    """`POST /content_types/import`: create the content type a file describes (as `export` wrote
    it, or wrapped in `{"content_type": …}`); an existing one of its uid is replaced only with
    `overwrite`, else refused as a create would be. The file's system keys (versions, dates,
    ACLs) are Veneer's to set, so they are dropped. `read` gives the file, once the caller may
    write content types here (so a stranger learns nothing about what it sent)."""
    with services.store.read() as tx:
        access.stack_row(tx, actor, api_key, "content_type", write=True)
    clean = definitions.imported(read(), "content_type", "Content Type", "content type")
    uid = clean.get("uid")
    if overwrite and isinstance(uid, str):
        with services.store.read() as tx:
            stack = access.stack_row(tx, actor, api_key, "content_type")
            exists = tx.content_types.get(stack["api_key"], uid) is not None
        if exists:
            return update_content_type(services, actor, api_key, uid, _replacing(clean))
    return create_content_type(services, actor, api_key, clean)


def _replacing(clean: dict[str, Any]) -> dict[str, Any]:
    """An import replaces a content type's definition whole: keys the file leaves out are not
    kept from the old one (an update merges them)."""
    return {"options": {}, "description": "", **clean}


def _expanded(tx: Transaction, stack: str, clean: dict[str, Any]) -> dict[str, Any]:
    """The content type with the schema of each global field it names copied in."""
    schema = domain_global_fields.expand(clean["schema"], global_fields.resolver(tx, stack))
    taxonomies.check_content_type(tx, stack, schema)
    return {**clean, "schema": schema}


def _unique_fields(ct: dict[str, Any]) -> list[dict[str, Any]]:
    """The definitions of a content type's unique top-level fields: when they change, so do the
    values its entries hold."""
    return [field for field in ct["schema"] if field.get("unique")]


def _document(
    clean: dict[str, Any], previous: dict[str, Any] | None, actor: Actor, now: str
) -> dict[str, Any]:
    system: dict[str, Any] = (
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
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, "content_type", write=True)
        loaders.content_type(tx, stack["api_key"], uid)
        tx.entries.purge_type(stack["api_key"], uid)
        tx.trash.forget_type(stack["api_key"], uid)
        _unlink_everywhere(tx, stack["api_key"], uid, actor)
        tx.content_types.delete(stack["api_key"], uid)
        tx.changes.record(stack["api_key"])


def _unlink_everywhere(tx: Transaction, stack: str, uid: str, actor: Actor) -> None:
    """A deleted content type is unlinked from every variant group, so one re-created with its uid
    is linked only when someone links it again."""
    for group in tx.variant_groups.all(stack):
        if loaders.linked(group, uid):
            group["content_types"] = [
                {**c, "status": "unlinked"} if c["uid"] == uid else c
                for c in group["content_types"]
            ]
            group.update(updated_by=actor.uid, updated_at=ids.now())
            tx.variant_groups.replace(stack, group)
