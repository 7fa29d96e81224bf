"""Variant groups and their variants (semantics §5).

A group's `content_types` keeps one `{uid, status}` per content type it was ever linked to; only
`status: "linked"` ones let new entry variants be made. Unlinking deletes (and unpublishes) the
entry variants of that content type for the group's variants (semantics §2).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from veneer import ids
from veneer.domain.listing import flag, list_params, parse_query
from veneer.errors import NotFoundObject, ValidationFailed
from veneer.services import access, loaders
from veneer.services.context import Actor, Services
from veneer.store import Transaction

UID = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")
SORTABLE = {"created_at", "name"}
ALIAS_MAX = 200  # the width of variants.alias


def _fail(message: str, field: str, problem: str) -> ValidationFailed:
    return ValidationFailed(message, {field: [problem]})


def _uid(body: Mapping[str, Any], what: str) -> str:
    uid = body.get("uid")
    if uid in (None, ""):
        return ids.cs()
    if not isinstance(uid, str) or not UID.match(uid):
        raise _fail(
            f"{what} creation failed. Please enter valid data.",
            "uid",
            "must be 1-64 letters, digits, '_' or '-'.",
        )
    return uid


def _name(body: Mapping[str, Any], what: str, required: bool = True) -> str | None:
    name = body.get("name")
    if name is None and not required:
        return None
    if not isinstance(name, str) or not name.strip():
        raise _fail(f"{what} creation failed. Please enter valid data.", "name", "is required.")
    return name.strip()


def _metadata(body: Mapping[str, Any]) -> dict[str, Any] | None:
    meta = body.get("personalize_metadata")
    if meta is not None and not isinstance(meta, dict):
        raise _fail("Please enter valid data.", "personalize_metadata", "must be an object.")
    return meta


# -- groups --------------------------------------------------------------------------------------
def _link_requests(tx: Transaction, stack: str, raw: Any) -> list[dict[str, str]]:
    """`content_types` as strings or `{uid, status}` objects, each naming an existing content type."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise _fail("Please enter valid data.", "content_types", "must be a list.")
    items = []
    for position, item in enumerate(raw):
        uid, status = (
            (item, "linked")
            if isinstance(item, str)
            else (
                (item.get("uid"), item.get("status", "linked"))
                if isinstance(item, dict)
                else (None, None)
            )
        )
        if not isinstance(uid, str) or status not in ("linked", "unlinked"):  # status: any JSON
            raise _fail(
                "Please enter valid data.",
                f"content_types.{position}",
                "must be a content type uid or {uid, status: linked|unlinked}.",
            )
        if status == "linked" and tx.content_types.get(stack, uid) is None:
            raise _fail(
                "Please enter valid data.",
                f"content_types.{position}",
                f"'{uid}' is not a content type of this stack.",
            )
        items.append({"uid": uid, "status": status})
    return items


def create_group(
    services: Services, actor: Actor, api_key: str | None, body: dict[str, Any]
) -> dict[str, Any]:
    now = ids.now()
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, "variant_group", write=True)["api_key"]
        uid = _uid(body, "Variant Group")
        if tx.variant_groups.get(stack, uid) is not None:
            raise _fail(
                "Variant Group creation failed. Please enter valid data.", "uid", "is not unique."
            )
        doc: dict[str, Any] = {
            "uid": uid,
            "name": _name(body, "Variant Group"),
            "description": str(body.get("description") or ""),
            "content_types": _link_requests(tx, stack, body.get("content_types")),
            "branches": ["main"],
            "created_by": actor.uid,
            "updated_by": actor.uid,
            "created_at": now,
            "updated_at": now,
        }
        meta = _metadata(body)
        if meta is not None:
            doc["personalize_metadata"] = meta
        tx.variant_groups.add(stack, doc)
    return doc


def update_group(
    services: Services, actor: Actor, api_key: str | None, uid: str, body: dict[str, Any]
) -> dict[str, Any]:
    """Rename, describe, and link or unlink content types (each listed one gets its status)."""
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, "variant_group", write=True)["api_key"]
        doc = loaders.variant_group(tx, stack, uid)
        name = _name(body, "Variant Group", required=False)
        if name:
            doc["name"] = name
        if isinstance(body.get("description"), str):
            doc["description"] = body["description"]
        if _metadata(body) is not None:
            doc["personalize_metadata"] = body["personalize_metadata"]
        for item in _link_requests(tx, stack, body.get("content_types")):
            doc["content_types"] = [c for c in doc["content_types"] if c["uid"] != item["uid"]] + [
                item
            ]
            if item["status"] == "unlinked":
                for variant in tx.variants.all(stack, uid):
                    tx.entry_variants.purge(stack, variant=variant["uid"], content_type=item["uid"])
        doc.update(updated_by=actor.uid, updated_at=ids.now())
        tx.variant_groups.replace(stack, doc)
        variants = tx.variants.all(stack, uid)
    return {**doc, "variants": variants}


def get_group(services: Services, actor: Actor, api_key: str | None, uid: str) -> dict[str, Any]:
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, "variant_group")["api_key"]
        doc = loaders.variant_group(tx, stack, uid)
        return {**doc, "variants": tx.variants.all(stack, uid)}


def delete_group(services: Services, actor: Actor, api_key: str | None, uid: str) -> None:
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, "variant_group", write=True)["api_key"]
        loaders.variant_group(tx, stack, uid)
        for variant in tx.variants.all(stack, uid):
            _delete_variant(tx, stack, variant["uid"])
        tx.variant_groups.delete(stack, uid)


def list_groups(
    services: Services, actor: Actor, api_key: str | None, params: Mapping[str, Any]
) -> tuple[list[dict[str, Any]], int]:
    lp = list_params({k: v for k, v in params.items() if k not in {"asc", "desc", "query"}})
    predicate = parse_query(params.get("query"))
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, "variant_group")["api_key"]
        groups = [g for g in tx.variant_groups.all(stack) if _matches(g, params, predicate)]
        groups = _sorted(groups, params)
        page = lp.page(groups)
        for group in page:
            variants = tx.variants.all(stack, group["uid"])
            if flag(params, "include_variant_info"):
                group["variants"] = variants
            if flag(params, "include_variant_count"):
                group["variant_count"] = len(variants)
    return page, len(groups)


def _matches(group: dict[str, Any], params: Mapping[str, Any], predicate: Any) -> bool:
    ct = params.get("content_type")
    if ct and not loaders.linked(group, ct):
        return False
    experience = params.get("experience_uid")
    # A group Personalize did not make is the experience with its uid (services.personalize).
    linked_to = (group.get("personalize_metadata") or {}).get("experience_uid") or group["uid"]
    if experience and linked_to != experience:
        return False
    name = params.get("name")
    if name and group["name"] != name:
        return False
    return predicate is None or predicate(group)


def _sorted(groups: list[dict[str, Any]], params: Mapping[str, Any]) -> list[dict[str, Any]]:
    field, reverse = (
        (params.get("asc"), False)
        if params.get("asc")
        else (params.get("desc") or "created_at", True)
    )
    if field not in SORTABLE:
        raise _fail(
            f"Variant groups can be sorted by {' or '.join(sorted(SORTABLE))}.",
            "asc" if not reverse else "desc",
            f"'{field}' is not sortable.",
        )
    return sorted(
        groups, key=lambda g: (str(g.get(field) or "").lower(), g["uid"]), reverse=reverse
    )


# -- variants ------------------------------------------------------------------------------------
def alias_for(meta: dict[str, Any] | None, group_meta: dict[str, Any] | None) -> str | None:
    """`cs_personalize_<experience_short_uid>_<variant_short_uid>`, when Personalize says so."""
    meta, group_meta = meta or {}, group_meta or {}
    experience = meta.get("experience_short_uid", group_meta.get("experience_short_uid"))
    short = meta.get("variant_short_uid")
    if experience is None or short is None:
        return None
    return f"cs_personalize_{experience}_{short}"


def _alias(
    body: Mapping[str, Any], meta: dict[str, Any] | None, group: dict[str, Any] | None
) -> str | None:
    """The alias asked for (or Personalize's), in Unicode normal form C: the same name typed on
    another keyboard (NFD "Café") is the same alias, and names it in `x-cs-variant-uid`."""
    asked = body.get("alias")
    if not isinstance(asked, str):
        asked = alias_for(meta, group.get("personalize_metadata") if group else None)
    return unicodedata.normalize("NFC", asked) if asked else None


def create_variant(
    services: Services,
    actor: Actor,
    api_key: str | None,
    body: dict[str, Any],
    group_uid: str | None = None,
) -> dict[str, Any]:
    now = ids.now()
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, "variant_group", write=True)["api_key"]
        group = loaders.variant_group(tx, stack, group_uid) if group_uid else None
        uid = _uid(body, "Variant")
        if tx.variants.find(stack, uid) is not None:  # a uid or an alias of another variant
            raise _fail(
                "Variant creation failed. Please enter valid data.", "uid", "is not unique."
            )
        doc: dict[str, Any] = {
            "uid": uid,
            "name": _name(body, "Variant"),
            "created_by": actor.uid,
            "updated_by": actor.uid,
            "created_at": now,
            "updated_at": now,
        }
        if group_uid:
            doc["variant_group_uid"] = group_uid
        meta = _metadata(body)
        if meta is not None:
            doc["personalize_metadata"] = meta
        alias = _alias(body, meta, group)
        if alias and len(alias) > ALIAS_MAX:
            raise _fail(
                "Variant creation failed. Please enter valid data.",
                "alias",
                f"must be at most {ALIAS_MAX} characters.",
            )
        if alias:
            if tx.variants.find(stack, alias) is not None:  # an alias or a uid of another variant
                raise _fail(
                    "Variant creation failed. Please enter valid data.", "alias", "is not unique."
                )
            doc["alias"] = alias
        tx.variants.add(stack, doc, alias)
    return doc


def rename_variant(
    services: Services,
    actor: Actor,
    api_key: str | None,
    group_uid: str | None,
    uid: str,
    body: dict[str, Any],
) -> dict[str, Any]:
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, "variant_group", write=True)["api_key"]
        doc = _variant_in(tx, stack, group_uid, uid)
        doc["name"] = _name(body, "Variant")
        if _metadata(body) is not None:
            doc["personalize_metadata"] = body["personalize_metadata"]
        doc.update(updated_by=actor.uid, updated_at=ids.now())
        tx.variants.replace(stack, doc)
    return doc


def _variant_in(tx: Transaction, stack: str, group_uid: str | None, ref: str) -> dict[str, Any]:
    if group_uid:
        loaders.variant_group(tx, stack, group_uid)
    doc = loaders.variant(tx, stack, ref)
    if group_uid and doc.get("variant_group_uid") != group_uid:
        raise NotFoundObject(errors={"variant": [f"'{ref}' is not a variant of this group."]})
    return doc


def get_variant(
    services: Services, actor: Actor, api_key: str | None, uid: str, group_uid: str | None = None
) -> dict[str, Any]:
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, "variant_group")["api_key"]
        return _variant_in(tx, stack, group_uid, uid)


def list_variants(
    services: Services,
    actor: Actor,
    api_key: str | None,
    params: Mapping[str, Any],
    group_uid: str | None = None,
) -> tuple[dict[str, Any] | None, list[dict[str, Any]], int]:
    """Variants of a group (with the group's document), or of the whole stack (no group);
    `uid=a,b` / `uids[]=a&uids[]=b` pick some."""
    lp = list_params({k: v for k, v in params.items() if k in {"skip", "limit", "include_count"}})
    wanted = _wanted_uids(params)
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, "variant_group")["api_key"]
        group = loaders.variant_group(tx, stack, group_uid) if group_uid else None
        docs = tx.variants.all(stack, group_uid or None)
    if wanted:
        docs = [d for d in docs if d["uid"] in wanted or d.get("alias") in wanted]
    return group, lp.page(docs), len(docs)


def _wanted_uids(params: Any) -> set[str]:
    listed = params.getlist("uids[]") if hasattr(params, "getlist") else []
    joined = params.get("uid") or ""
    return {
        unicodedata.normalize("NFC", u.strip()) for u in [*listed, *joined.split(",")] if u.strip()
    }


def delete_variant(
    services: Services, actor: Actor, api_key: str | None, uid: str, group_uid: str | None = None
) -> None:
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, "variant_group", write=True)["api_key"]
        doc = _variant_in(tx, stack, group_uid, uid)
        _delete_variant(tx, stack, doc["uid"])


def _delete_variant(tx: Transaction, stack: str, uid: str) -> None:
    """A variant goes with its entry variants and every publication of it, in every environment
    and locale (also any left without a source), so a new variant with its uid starts clean."""
    tx.entry_variants.purge(stack, variant=uid)
    tx.publications.drop(stack, variant=uid, reason="deleted")
    tx.variants.delete(stack, uid)
