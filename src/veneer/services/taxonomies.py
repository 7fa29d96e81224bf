"""Taxonomies and terms (`/v3/taxonomies`, `/v3/taxonomies/{t}/terms`; docs/taxonomies.md).

A taxonomy is a module document; its terms are rows with their place in the tree. Creating or
moving a term places it among its siblings (`order`, from 1; the others shift) at most
`domain.taxonomies.MAX_DEPTH` levels deep. Deleting a term with children, or a taxonomy with
terms, needs `force=true` and takes the subtree (or every term) with it; a taxonomy that a content
type's taxonomy field names is not deleted. Entries keep the terms they hold: no write here
touches entries, so none costs in proportion to them; a term deleted since is kept by the entries
holding it and refused only when an entry is saved with it anew.

Every change records a stack change: delivery lists expand `$eq_below`… with the terms."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from veneer import ids
from veneer.domain import taxonomies as domain
from veneer.domain.listing import ListParams
from veneer.errors import NotFoundObject, ValidationFailed
from veneer.services import access
from veneer.services.context import Actor, Services
from veneer.store import Transaction

MODULE = "taxonomy"
ALL = "$all"  # in a terms path: every taxonomy of the stack


def _not_found(what: str, uid: str) -> NotFoundObject:
    return NotFoundObject(
        f"{what} '{uid}' was not found.", {"uid": ["is not valid."]}, error_code=141
    )


def _taxonomy(tx: Transaction, stack: str, uid: str) -> dict[str, Any]:
    doc = tx.taxonomies.get(stack, uid)
    if doc is None:
        raise _not_found("Taxonomy", uid)
    return doc


def _term(tx: Transaction, stack: str, taxonomy: str, uid: str) -> dict[str, Any]:
    doc = tx.terms.get(stack, taxonomy, uid)
    if doc is None:
        raise _not_found("Term", uid)
    return doc


def _stamp(doc: dict[str, Any], previous: dict[str, Any] | None, actor: Actor) -> dict[str, Any]:
    now = ids.now()
    return {
        **doc,
        "created_at": previous["created_at"] if previous else now,
        "created_by": previous["created_by"] if previous else actor.uid,
        "updated_at": now,
        "updated_by": actor.uid,
    }


# -- taxonomies --------------------------------------------------------------------------------


def page_taxonomies(
    services: Services, actor: Actor, api_key: str | None, lp: ListParams
) -> tuple[list[dict[str, Any]], int | None]:
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, MODULE)
        return tx.taxonomies.page(stack["api_key"], lp)


def get_taxonomy(
    services: Services, actor: Actor, api_key: str | None, uid: str, terms_count: bool = False
) -> dict[str, Any]:
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, MODULE)
        return read_taxonomy(tx, stack["api_key"], uid, terms_count)


def read_taxonomy(tx: Transaction, key: str, uid: str, terms_count: bool) -> dict[str, Any]:
    doc = _taxonomy(tx, key, uid)
    if terms_count:
        doc["terms_count"] = tx.terms.count(key, uid)
    return doc


def create_taxonomy(
    services: Services, actor: Actor, api_key: str | None, body: Any
) -> dict[str, Any]:
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, MODULE, write=True)
        clean = domain.validate_taxonomy(body, "Taxonomy creation", new=True)
        if tx.taxonomies.get(stack["api_key"], clean["uid"]) is not None:
            raise ValidationFailed(
                "Taxonomy creation failed. Please enter valid data.",
                {"uid": ["is not unique."]},
                error_code=119,
            )
        doc = _stamp(clean, None, actor)
        tx.taxonomies.add(stack["api_key"], doc)
        tx.changes.record(stack["api_key"])
    return doc


def update_taxonomy(
    services: Services, actor: Actor, api_key: str | None, uid: str, body: Any
) -> dict[str, Any]:
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, MODULE, write=True)
        previous = _taxonomy(tx, stack["api_key"], uid)
        merged = {**previous, **(body if isinstance(body, dict) else {}), "uid": uid}
        clean = domain.validate_taxonomy(merged, "Taxonomy update", new=False)
        doc = _stamp({**clean, "uid": uid}, previous, actor)
        tx.taxonomies.replace(stack["api_key"], doc)
        tx.changes.record(stack["api_key"])
    return doc


def delete_taxonomy(
    services: Services, actor: Actor, api_key: str | None, uid: str, force: bool
) -> None:
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, MODULE, write=True)
        key = stack["api_key"]
        _taxonomy(tx, key, uid)
        users = [
            ct["uid"]
            for ct in tx.content_types.all(key)
            if uid in domain.field_taxonomies(ct.get("schema") or [])
        ]
        if users:
            raise ValidationFailed(
                "Taxonomy cannot be deleted: content types use it. Remove it from them first.",
                {"taxonomy": [f"is used by {', '.join(users)}."]},
                error_code=119,
            )
        if not force and tx.terms.count(key, uid):
            raise _needs_force("Taxonomy", "it has terms")
        tx.terms.delete_taxonomy(key, uid)
        tx.taxonomies.delete(key, uid)
        tx.changes.record(key)


def export_taxonomy(
    services: Services, actor: Actor, api_key: str | None, uid: str
) -> dict[str, Any]:
    """`{"taxonomy", "terms"}`: the taxonomy and every term, parents first."""
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, MODULE)
        doc = _taxonomy(tx, stack["api_key"], uid)
        return {"taxonomy": doc, "terms": tx.terms.all(stack["api_key"], uid)}


def import_taxonomy(
    services: Services, actor: Actor, api_key: str | None, raw: Any
) -> dict[str, Any]:
    """Create a taxonomy with its terms from an export, in one transaction."""
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, MODULE, write=True)
        key = stack["api_key"]
        taxonomy, terms = domain.import_document(raw)
        if tx.taxonomies.get(key, taxonomy["uid"]) is not None:
            raise ValidationFailed(
                "Taxonomy import failed. Please enter valid data.",
                {"uid": ["is not unique."]},
                error_code=119,
            )
        doc = _stamp(taxonomy, None, actor)
        tx.taxonomies.add(key, doc)
        places: dict[str, int] = {}
        for term in terms:
            parent = term["parent_uid"] or ""
            places[parent] = places.get(parent, 0) + 1
            placed = {
                "uid": term["uid"],
                "name": term["name"],
                "parent_uid": term["parent_uid"],
                "depth": term["depth"],
                "order": places[parent],
                "taxonomy_uid": taxonomy["uid"],
            }
            tx.terms.add(key, taxonomy["uid"], _stamp(placed, None, actor))
        tx.changes.record(key)
    return doc


def _needs_force(what: str, why: str) -> ValidationFailed:
    return ValidationFailed(
        f"{what} cannot be deleted: {why}. Delete with force=true to remove them too.",
        {"force": ["must be true."]},
        error_code=119,
    )


# -- terms ---------------------------------------------------------------------------------------


def page_terms(
    services: Services,
    actor: Actor,
    api_key: str | None,
    taxonomy: str,
    lp: ListParams,
    depth: int | None,
    typeahead: str | None,
) -> tuple[list[dict[str, Any]], int | None]:
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, MODULE)
        return read_terms(tx, stack["api_key"], taxonomy, lp, depth, typeahead)


def read_terms(
    tx: Transaction,
    key: str,
    taxonomy: str,
    lp: ListParams,
    depth: int | None,
    typeahead: str | None,
) -> tuple[list[dict[str, Any]], int | None]:
    """`taxonomy` "$all": the terms of every taxonomy (the JS SDK's term search)."""
    if taxonomy == ALL:
        return tx.terms.page(key, None, lp, depth, typeahead)
    _taxonomy(tx, key, taxonomy)
    return tx.terms.page(key, taxonomy, lp, depth, typeahead)


def get_term(
    services: Services, actor: Actor, api_key: str | None, taxonomy: str, uid: str
) -> dict[str, Any]:
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, MODULE)
        return read_term(tx, stack["api_key"], taxonomy, uid)


def read_term(tx: Transaction, key: str, taxonomy: str, uid: str) -> dict[str, Any]:
    _taxonomy(tx, key, taxonomy)
    return _term(tx, key, taxonomy, uid)


def create_term(
    services: Services, actor: Actor, api_key: str | None, taxonomy: str, body: dict[str, Any]
) -> dict[str, Any]:
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, MODULE, write=True)
        clean = domain.validate_term(body, "Term creation", new=True)
        key = stack["api_key"]
        _taxonomy(tx, key, taxonomy)
        if tx.terms.get(key, taxonomy, clean["uid"]) is not None:
            raise ValidationFailed(
                "Term creation failed. Please enter valid data.",
                {"uid": ["is not unique."]},
                error_code=119,
            )
        parent = clean.get("parent_uid")
        depth = _depth_under(tx, key, taxonomy, parent, 1)
        order = _make_room(tx, key, taxonomy, parent or "", clean.get("order"))
        doc = _stamp(
            {
                "uid": clean["uid"],
                "name": clean["name"],
                "parent_uid": parent,
                "depth": depth,
                "order": order,
                "taxonomy_uid": taxonomy,
            },
            None,
            actor,
        )
        tx.terms.add(key, taxonomy, doc)
        tx.changes.record(key)
    return doc


def _depth_under(
    tx: Transaction, stack: str, taxonomy: str, parent: str | None, height: int
) -> int:
    """The depth of a term under `parent` (None: a root), refusing a missing parent and a
    subtree `height` levels tall that would reach deeper than MAX_DEPTH."""
    depth = 1
    if parent is not None:
        above = tx.terms.get(stack, taxonomy, parent)
        if above is None:
            raise ValidationFailed(
                "The parent term was not found.",
                {"parent_uid": [f"'{parent}' is not a term of this taxonomy."]},
                error_code=119,
            )
        depth = above["depth"] + 1
    if depth + height - 1 > domain.MAX_DEPTH:
        raise ValidationFailed(
            f"Terms nest at most {domain.MAX_DEPTH} levels deep.",
            {"parent_uid": [f"would put a term at level {depth + height - 1}."]},
            error_code=119,
        )
    return depth


def _make_room(tx: Transaction, stack: str, taxonomy: str, parent: str, order: int | None) -> int:
    """The place for a term among `parent`'s children: `order` (the later siblings shift), or
    the end."""
    last = tx.terms.last_position(stack, taxonomy, parent)
    if order is None or order > last:
        return last + 1
    tx.terms.shift(stack, taxonomy, parent, order, 1)
    return order


def update_term(
    services: Services,
    actor: Actor,
    api_key: str | None,
    taxonomy: str,
    uid: str,
    body: dict[str, Any],
) -> dict[str, Any]:
    """Rename a term; with `parent_uid` or `order`, move it too (as `move_term`)."""
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, MODULE, write=True)
        clean = domain.validate_term(body, "Term update", new=False)
        key = stack["api_key"]
        _taxonomy(tx, key, taxonomy)
        previous = _term(tx, key, taxonomy, uid)
        doc = {**previous, "name": clean.get("name", previous["name"])}
        if "parent_uid" in clean or "order" in clean:
            doc = _moved(tx, key, taxonomy, doc, clean)
        doc = _stamp(doc, previous, actor)
        tx.terms.replace(key, taxonomy, doc)
        tx.changes.record(key)
    return doc


def move_term(
    services: Services,
    actor: Actor,
    api_key: str | None,
    taxonomy: str,
    uid: str,
    body: dict[str, Any],
) -> dict[str, Any]:
    """`PUT …/terms/{uid}/move`: `{"term": {"parent_uid", "order"}}` (a missing `parent_uid`
    keeps the parent; null makes it a root term)."""
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, MODULE, write=True)
        errors: dict[str, list[str]] = {}
        place = domain.placement(body, errors)
        if errors:
            raise ValidationFailed("Term move failed. Please enter valid data.", errors)
        key = stack["api_key"]
        _taxonomy(tx, key, taxonomy)
        previous = _term(tx, key, taxonomy, uid)
        doc = _stamp(_moved(tx, key, taxonomy, previous, place), previous, actor)
        tx.terms.replace(key, taxonomy, doc)
        tx.changes.record(key)
    return doc


def _moved(
    tx: Transaction, stack: str, taxonomy: str, term: dict[str, Any], place: dict[str, Any]
) -> dict[str, Any]:
    """`term` at its new place; its old siblings close the gap, its subtree's depths follow."""
    parent = place.get("parent_uid", term["parent_uid"])
    if parent is not None and (
        parent == term["uid"] or term["uid"] in _ancestor_uids(tx, stack, taxonomy, parent)
    ):
        raise ValidationFailed(
            "A term cannot move under itself.",
            {"parent_uid": [f"'{parent}' is the term or one of its descendants."]},
            error_code=119,
        )
    subtree, levels = _subtree(tx, stack, taxonomy, term["uid"])
    depth = _depth_under(tx, stack, taxonomy, parent, 1 + levels)
    tx.terms.shift(stack, taxonomy, term["parent_uid"] or "", term["order"] + 1, -1)
    tx.terms.set_position(stack, taxonomy, term["uid"], 0)  # out of the way of the shifts
    order = _make_room(tx, stack, taxonomy, parent or "", place.get("order"))
    tx.terms.set_depth(stack, taxonomy, subtree, depth - term["depth"])
    return {**term, "parent_uid": parent, "depth": depth, "order": order}


def delete_term(
    services: Services,
    actor: Actor,
    api_key: str | None,
    taxonomy: str,
    uid: str,
    force: bool,
) -> None:
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, MODULE, write=True)
        key = stack["api_key"]
        _taxonomy(tx, key, taxonomy)
        term = _term(tx, key, taxonomy, uid)
        subtree, _levels = _subtree(tx, key, taxonomy, uid)
        if subtree and not force:
            raise _needs_force("Term", "it has child terms")
        tx.terms.delete(key, taxonomy, [uid, *subtree])
        tx.terms.shift(key, taxonomy, term["parent_uid"] or "", term["order"] + 1, -1)
        tx.changes.record(key)


def ancestors(
    services: Services, actor: Actor, api_key: str | None, taxonomy: str, uid: str
) -> list[dict[str, Any]]:
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, MODULE)
        return read_ancestors(tx, stack["api_key"], taxonomy, uid)


def read_ancestors(tx: Transaction, key: str, taxonomy: str, uid: str) -> list[dict[str, Any]]:
    """A term's ancestors, the root first."""
    _taxonomy(tx, key, taxonomy)
    _term(tx, key, taxonomy, uid)
    found = [tx.terms.get(key, taxonomy, a) for a in _ancestor_uids(tx, key, taxonomy, uid)]
    return [doc for doc in reversed(found) if doc is not None]


def descendants(
    services: Services,
    actor: Actor,
    api_key: str | None,
    taxonomy: str,
    uid: str,
    depth: int | None,
) -> list[dict[str, Any]]:
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, MODULE)
        return read_descendants(tx, stack["api_key"], taxonomy, uid, depth)


def read_descendants(
    tx: Transaction, key: str, taxonomy: str, uid: str, depth: int | None
) -> list[dict[str, Any]]:
    """A term's descendants, level by level, `depth` levels (every level by default)."""
    _taxonomy(tx, key, taxonomy)
    _term(tx, key, taxonomy, uid)
    found: list[dict[str, Any]] = []
    frontier = [uid]
    for _ in range(depth or domain.MAX_DEPTH):
        level = tx.terms.children(key, taxonomy, frontier)
        if not level:
            break
        found.extend(level)
        frontier = [d["uid"] for d in level]
    return found


def _ancestor_uids(tx: Transaction, stack: str, taxonomy: str, uid: str) -> list[str]:
    """The parent, its parent, … up to the root: one lookup per level."""
    found: list[str] = []
    current = tx.terms.parent(stack, taxonomy, uid)
    while current and current not in found and len(found) < domain.MAX_DEPTH:
        found.append(current)
        current = tx.terms.parent(stack, taxonomy, current)
    return found


def _subtree(tx: Transaction, stack: str, taxonomy: str, uid: str) -> tuple[list[str], int]:
    """Every descendant of a term, and how many levels they span: one lookup per level."""
    found: list[str] = []
    frontier, levels = [uid], 0
    while levels < domain.MAX_DEPTH:
        frontier = tx.terms.child_uids(stack, taxonomy, frontier)
        if not frontier:
            break
        found.extend(frontier)
        levels += 1
    return found, levels


# -- entries and content types -----------------------------------------------------------------


def check_content_type(tx: Transaction, stack: str, schema: list[dict[str, Any]]) -> None:
    """Refuse a taxonomy field naming a taxonomy the stack does not have (one lookup each)."""
    missing = [t for t in domain.field_taxonomies(schema) if tx.taxonomies.get(stack, t) is None]
    if missing:
        raise ValidationFailed(
            "Content Type creation failed. Please enter valid data.",
            {"taxonomies": [f"'{t}' is not a taxonomy of this stack." for t in missing]},
        )


def check_entry_terms(
    tx: Transaction, stack: str, doc: dict[str, Any], previous: dict[str, Any] | None = None
) -> None:
    """Refuse an entry naming terms that do not exist; only the terms `previous` did not hold
    are looked up (a term deleted since does not block edits of other fields)."""
    added = sorted(domain.entry_terms(doc) - domain.entry_terms(previous))
    if not added:
        return
    found = tx.terms.existing(stack, added)
    missing = [pair for pair in added if pair not in found]
    if missing:
        raise missing_terms(missing)


def missing_terms(missing: list[tuple[str, str]]) -> ValidationFailed:
    """The refusal of an entry naming (taxonomy, term) pairs the stack does not have."""
    return ValidationFailed(
        None,
        {
            domain.FIELD_UID: [
                f"'{term}' is not a term of the taxonomy '{taxonomy}'."
                for taxonomy, term in missing
            ]
        },
    )


def expansion(tx: Transaction, stack: str) -> domain.Expansion:
    """The hierarchical operators' terms, read from `tx` by keyed lookups (one per level)."""

    def expand(taxonomy: str, term: str, op: str, levels: int) -> list[str]:
        return domain.related_terms(
            op,
            term,
            levels,
            lambda uid: tx.terms.parent(stack, taxonomy, uid),
            lambda parents: tx.terms.child_uids(stack, taxonomy, parents),
        )

    return expand


def expand_query(
    services: Services, actor: Actor, api_key: str | None
) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """For management lists: a query with its hierarchical operators expanded (read only when
    the query has one)."""

    def expand(q: dict[str, Any]) -> dict[str, Any]:
        if not domain.hierarchical(q):
            return q
        with services.store.read() as tx:
            stack = access.stack_row(tx, actor, api_key, "entry")
            return domain.expand_query(q, expansion(tx, stack["api_key"]))

    return expand
