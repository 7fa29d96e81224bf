"""The editor's trash (docs/editor-trash.md): deleting an entry in the editor moves it here, from where
it can be restored with its versions, locales and entry variants (not its publications).

The API's DELETE keeps Contentstack's meaning (the entry is gone for good); only the editor's
Delete goes through here. Either way the entry leaves every list, query and delivery at once: a
trashed entry is purged exactly as a deleted one is, its rows kept aside in the trash tables."""

from __future__ import annotations

from typing import Any

from veneer import ids
from veneer.domain import schema as domain_schema
from veneer.errors import NotFoundObject
from veneer.services import access, loaders
from veneer.services.context import Actor, Services
from veneer.store import Transaction
from veneer.store.uniques import Holder

TRASH_PAGE = 50  # trashed entries per page of the trash
COUNT_LIMIT = 10_000  # the trash counts this many at most, then says "more than"
CANCELLED = "The entry was moved to the trash."


def not_in_trash(uid: str) -> NotFoundObject:
    return NotFoundObject(
        "The entry is not in the trash (restored or deleted already).",
        {"uid": [f"'{uid}' is not valid."]},
    )


def trash_entry(
    services: Services,
    actor: Actor,
    api_key: str | None,
    ct_uid: str,
    uid: str,
    locale: str | None = None,
) -> dict[str, Any]:
    """Move an entry, in every locale and with its entry variants, to the trash; its publications
    are dropped and its pending schedules cancelled. `locale` is where the editor shows it (its
    title is read there, along the fallback chain). Returns its trash row."""
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, "entry", write=True)
        key = stack["api_key"]
        loaders.content_type(tx, key, ct_uid)
        code = loaders.entry_locale(tx, stack, locale)
        if not tx.entries.localized_in(key, uid):
            raise loaders.entry_not_found(uid)
        doc = tx.entries.latest(key, ct_uid, uid, code) or _any_localization(tx, key, ct_uid, uid)
        tx.entries.lock(key, uid, doc["locale"])
        title = str(doc.get("title") or uid)
        tx.trash.put(key, uid, ct_uid, title, actor.uid, ids.now())
        tx.jobs.cancel_for(key, uid, CANCELLED)
        tx.entries.purge(key, uid, None, actor=actor.uid)
        found = tx.trash.get(key, uid)
    assert found is not None
    return found


def _any_localization(tx: Transaction, stack: str, ct_uid: str, uid: str) -> dict[str, Any]:
    """The entry in the first locale it is localized in (one not in the editor's locale)."""
    for code in tx.entries.localized_in(stack, uid):
        doc = tx.entries.latest(stack, ct_uid, uid, code)
        if doc is not None:
            return doc
    raise loaders.entry_not_found(uid)


def list_trash(
    services: Services, actor: Actor, api_key: str | None, skip: int = 0, limit: int = TRASH_PAGE
) -> tuple[list[dict[str, Any]], int]:
    """One page of a stack's trash, most recently deleted first, and how many are in it (at most
    COUNT_LIMIT + 1: more than COUNT_LIMIT)."""
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, "entry")
        return tx.trash.page(
            stack["api_key"], max(skip, 0), min(max(limit, 1), TRASH_PAGE), COUNT_LIMIT
        )


def restore_entry(
    services: Services, actor: Actor, api_key: str | None, uid: str
) -> dict[str, Any]:
    """Put a trashed entry back, with its versions, locales and entry variants (in the locales
    and variants the stack still has). It comes back unpublished. Refused (422) when one of its
    unique values is held by another entry now, or (404) when its content type is gone."""
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, "entry", write=True)
        key = stack["api_key"]
        found = tx.trash.get(key, uid)
        if found is None:
            raise not_in_trash(uid)
        ct = loaders.content_type(tx, key, found["content_type"])
        codes = {code["code"] for code in tx.locales.all(key)}
        back = tx.trash.take_back(key, uid, codes, lambda v: tx.variants.get(key, v) is not None)
        assert back is not None
        _reindex(tx, key, ct, back.latest, actor)
    return found


def delete_forever(services: Services, actor: Actor, api_key: str | None, uid: str) -> None:
    """Empty one entry's place in the trash: it can no longer be restored."""
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, "entry", write=True)
        if tx.trash.get(stack["api_key"], uid) is None:
            raise not_in_trash(uid)
        tx.trash.forget(stack["api_key"], uid)


def _reindex(
    tx: Transaction, stack: str, ct: dict[str, Any], docs: list[dict[str, Any]], actor: Actor
) -> None:
    """Claim restored latest versions' unique values, index them, and say they are back."""
    for doc in docs:
        values = domain_schema.unique_values(ct["schema"], doc)
        tx.uniques.claim(stack, ct["uid"], Holder(doc["uid"], doc["locale"], values))
    tx.entries.restored(stack, ct["uid"], docs, actor.uid)
