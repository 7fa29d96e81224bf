"""Labels and extensions (`/v3/labels`, `/v3/extensions`): documents a stack keeps so that the
Contentstack CLI exports and imports them, with Contentstack's create, read, update and delete.
The two differ only in their name and their check (`domain.labels`), so one set of operations,
parametrized by `Kind`, serves both. A label's `parent` must name labels of the stack; deleting a
label that others sit under is refused. An extension list takes a `query` (`domain.doc_filters`),
and an unknown extension is a 404 with Contentstack's error_code 347 (an unknown label is the
422, error_code 141, of the other modules)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from veneer import ids
from veneer.domain import labels as domain
from veneer.domain.doc_filters import doc_filters
from veneer.domain.listing import ListParams
from veneer.errors import NotFound, NotFoundObject, ValidationFailed, VeneerError
from veneer.services import access
from veneer.services.context import Actor, Services
from veneer.store import Transaction
from veneer.store.modules import ModuleDocs


@dataclass(frozen=True)
class Kind:
    module: str  # the access module and the body's key: "label", "extension"
    title: str  # as notices name it: "Label"
    validate: Callable[[dict[str, Any], str], dict[str, Any]]
    missing: Callable[[str], VeneerError]  # the error for an unknown uid
    queried: bool = False  # whether its list takes a `query`

    def docs(self, tx: Transaction) -> ModuleDocs:
        return tx.labels if self.module == "label" else tx.extensions


def _missing_label(uid: str) -> VeneerError:
    return NotFoundObject("Label was not found.", {"uid": [f"'{uid}' is not valid."]})


def _missing_extension(uid: str) -> VeneerError:
    """Contentstack answers an unknown extension with a 404 and its error_code 347 (what the JS
    management SDK's own suite checks for), not the 422 of other modules."""
    return NotFound("Extension was not found.", {"uid": [f"'{uid}' is not valid."]}, error_code=347)


LABEL = Kind("label", "Label", domain.validate_label, _missing_label)
EXTENSION = Kind(
    "extension", "Extension", domain.validate_extension, _missing_extension, queried=True
)


def page(
    kind: Kind, services: Services, actor: Actor, api_key: str | None, lp: ListParams
) -> tuple[list[dict[str, Any]], int | None]:
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, kind.module)
        matches = doc_filters(lp.where) if kind.queried else ()
        return kind.docs(tx).page(stack["api_key"], lp, matches)


def get(
    kind: Kind, services: Services, actor: Actor, api_key: str | None, uid: str
) -> dict[str, Any]:
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, kind.module)
        return _load(kind, tx, stack["api_key"], uid)


def _load(kind: Kind, tx: Transaction, stack: str, uid: str) -> dict[str, Any]:
    doc = kind.docs(tx).get(stack, uid)
    if doc is None:
        raise kind.missing(uid)
    return doc


def create(
    kind: Kind, services: Services, actor: Actor, api_key: str | None, body: dict[str, Any]
) -> dict[str, Any]:
    now = ids.now()
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, kind.module, write=True)
        clean = kind.validate(body, f"{kind.title} creation")
        doc = {
            **clean,
            "uid": ids.blt(),
            "created_at": now,
            "created_by": actor.uid,
            "updated_at": now,
            "updated_by": actor.uid,
            "_version": 1,
            "ACL": [],
        }
        _check_parents(kind, tx, stack["api_key"], doc)
        kind.docs(tx).add(stack["api_key"], doc)
    return doc


def update(
    kind: Kind,
    services: Services,
    actor: Actor,
    api_key: str | None,
    uid: str,
    body: dict[str, Any],
) -> dict[str, Any]:
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, kind.module, write=True)
        previous = _load(kind, tx, stack["api_key"], uid)
        clean = kind.validate({**previous, **body}, f"{kind.title} update")
        doc = {
            **clean,
            "uid": uid,
            "created_at": previous["created_at"],
            "created_by": previous["created_by"],
            "updated_at": ids.now(),
            "updated_by": actor.uid,
            "_version": int(previous.get("_version", 1)) + 1,
        }
        _check_parents(kind, tx, stack["api_key"], doc)
        kind.docs(tx).replace(stack["api_key"], doc)
    return doc


def delete(kind: Kind, services: Services, actor: Actor, api_key: str | None, uid: str) -> None:
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, kind.module, write=True)
        key = stack["api_key"]
        _load(kind, tx, key, uid)
        if kind is LABEL:
            children = [d["uid"] for d in tx.labels.all(key) if uid in d.get("parent", [])]
            if children:
                raise ValidationFailed(
                    "Label cannot be deleted: other labels sit under it. Delete them first.",
                    {"label": [f"is the parent of {', '.join(children)}."]},
                )
        kind.docs(tx).delete(key, uid)


def _check_parents(kind: Kind, tx: Transaction, stack: str, doc: dict[str, Any]) -> None:
    """A label's parents are other labels of the stack, none of them sitting under it."""
    if kind is not LABEL:
        return
    missing = [p for p in doc["parent"] if p == doc["uid"] or tx.labels.get(stack, p) is None]
    if missing:
        raise _bad_parent([f"'{p}' is not another label of this stack." for p in missing])
    if doc["uid"] in _ancestors(tx, stack, doc["parent"]):
        raise _bad_parent(["would make the label sit under itself."])


def _ancestors(tx: Transaction, stack: str, parents: list[str]) -> set[str]:
    seen: set[str] = set()
    pending = list(parents)
    while pending:
        uid = pending.pop()
        if uid not in seen:
            seen.add(uid)
            pending.extend((tx.labels.get(stack, uid) or {}).get("parent", []))
    return seen


def _bad_parent(why: list[str]) -> ValidationFailed:
    return ValidationFailed("Label could not be saved. Please enter valid data.", {"parent": why})
