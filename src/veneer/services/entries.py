"""Entries: validated documents with a version history, one per locale they are localized in."""

from __future__ import annotations

from typing import Any

from veneer import ids
from veneer.domain import assets as domain_assets
from veneer.domain import atomic, embedded
from veneer.domain import schema as domain_schema
from veneer.domain.assets import ASSET_CONTENT_TYPE
from veneer.domain.listing import ListParams
from veneer.domain.references import reference_paths
from veneer.errors import NotFoundObject, ValidationFailed
from veneer.services import access, assets, loaders, taxonomies
from veneer.services.context import Actor, Services
from veneer.services.documents import (
    SYSTEM_FIELDS,
    body_entry,
    entry_fields,
    entry_tags,
    new_entry,
)
from veneer.store import Transaction
from veneer.store.entries import VERSION_NAME
from veneer.store.sqllist import Listing
from veneer.store.uniques import Holder


def _claim_unique(tx: Transaction, stack: str, ct: dict[str, Any], doc: dict[str, Any]) -> None:
    """Make the entry's localization hold its unique values (refused, 422, if another holds one)."""
    values = domain_schema.unique_values(ct["schema"], doc)
    tx.uniques.claim(stack, ct["uid"], Holder(doc["uid"], doc["locale"], values))


def create_entry(
    services: Services,
    actor: Actor,
    api_key: str | None,
    ct_uid: str,
    body: dict[str, Any],
    locale: str | None = None,
) -> dict[str, Any]:
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, "entry", write=True)
        entry = body_entry(body)
        ct = loaders.content_type(tx, stack["api_key"], ct_uid)
        code = loaders.entry_locale(tx, stack, locale)
        doc = new_entry(ct["schema"], entry, code, actor.uid, ids.now())
        assets.check_entry_assets(tx, stack["api_key"], ct["schema"], doc)
        taxonomies.check_entry_terms(tx, stack["api_key"], doc)
        _claim_unique(tx, stack["api_key"], ct, doc)
        tx.entries.save(stack["api_key"], ct_uid, doc, new=True)
    return doc


def update_entry(
    services: Services,
    actor: Actor,
    api_key: str | None,
    ct_uid: str,
    uid: str,
    body: dict[str, Any],
    locale: str | None = None,
    *,
    expected_version: int | None = None,
    skip_unchanged: bool = False,
) -> dict[str, Any]:
    """Update in `locale`; an entry not yet localized there is localized by this call (version 1).

    With `expected_version` (`If-Match`) or a `_version` in the body, the update is refused
    (StaleVersion) unless the version it would replace, the one a read in `locale` returns, is
    that one: checked under the write lock.

    With `skip_unchanged` (the editor's Save), an update that leaves the fields and tags as they
    are writes nothing and returns the latest version as it is (same `_version`). The API's PUT
    does not pass it: Contentstack makes a new version on every PUT, and so does Veneer."""
    with services.store.write() as tx:
        return _update(
            tx, actor, api_key, ct_uid, uid, body, locale, expected_version, skip_unchanged
        )


def _update(
    tx: Transaction,
    actor: Actor,
    api_key: str | None,
    ct_uid: str,
    uid: str,
    body: dict[str, Any],
    locale: str | None,
    expected_version: int | None,
    skip_unchanged: bool = False,
) -> dict[str, Any]:
    stack = access.stack_row(tx, actor, api_key, "entry", write=True)
    entry = body_entry(body)
    ct = loaders.content_type(tx, stack["api_key"], ct_uid)
    code = loaders.entry_locale(tx, stack, locale)
    tx.entries.lock(stack["api_key"], uid, code)
    previous = loaders.latest_entry(tx, stack["api_key"], ct_uid, uid, code)
    loaders.check_version(previous["_version"], expected_version)
    loaders.check_version(previous["_version"], loaders.stated_version(entry))
    entry = atomic.resolve(entry, previous)  # PUSH, PULL, UPDATE, ADD, SUB on the stored values
    localized = previous["locale"] == code
    merged = {**{k: v for k, v in previous.items() if k not in SYSTEM_FIELDS}, **entry}
    fields, tags = entry_fields(ct["schema"], merged), entry_tags(entry, previous)
    if skip_unchanged and localized and _unchanged(ct["schema"], previous, fields, tags):
        return previous
    now = ids.now()
    doc = {
        **fields,
        "tags": tags,
        "locale": code,
        "uid": uid,
        "created_by": previous["created_by"] if localized else actor.uid,
        "created_at": previous["created_at"] if localized else now,
        "updated_by": actor.uid,
        "updated_at": now,
        "ACL": previous.get("ACL", {}),
        "_version": previous["_version"] + 1 if localized else 1,
        "_in_progress": False,
    }
    assets.check_entry_assets(tx, stack["api_key"], ct["schema"], doc, previous)
    taxonomies.check_entry_terms(tx, stack["api_key"], doc, previous)
    _claim_unique(tx, stack["api_key"], ct, doc)
    tx.entries.save(stack["api_key"], ct_uid, doc, new=not localized)
    return doc


def _unchanged(
    schema: list[dict[str, Any]], previous: dict[str, Any], fields: dict[str, Any], tags: list[str]
) -> bool:
    """True when an update's fields and tags are those of the version it would replace."""
    uids = {f.get("uid") for f in schema}
    before = {k: v for k, v in previous.items() if k in uids}
    return before == fields and (previous.get("tags") or []) == tags


def get_entry(
    services: Services,
    actor: Actor,
    api_key: str | None,
    ct_uid: str,
    uid: str,
    locale: str | None = None,
    version: int | None = None,
    publish_details: bool = False,
) -> dict[str, Any]:
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, "entry")
        loaders.content_type(tx, stack["api_key"], ct_uid)
        code = loaders.entry_locale(tx, stack, locale)
        doc = loaders.entry_version(tx, stack["api_key"], ct_uid, uid, code, version)
        if publish_details:
            doc["publish_details"] = tx.publications.details(stack["api_key"], uid)
    return doc


def list_entries(
    services: Services,
    actor: Actor,
    api_key: str | None,
    ct_uid: str,
    lp: ListParams,
    locale: str | None = None,
    include_fallback: bool = False,
    publish_details: bool = False,
) -> tuple[list[dict[str, Any]], int]:
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, "entry")
        loaders.content_type(tx, stack["api_key"], ct_uid)
        code = loaders.entry_locale(tx, stack, locale)
        chain = tx.locales.chain(stack["api_key"], code) if include_fallback else [code]
        page, count = tx.entries.page(stack["api_key"], ct_uid, chain, _listing(lp))
        if publish_details:
            for doc in page:
                doc["publish_details"] = tx.publications.details(stack["api_key"], doc["uid"])
    return page, count or 0


def _listing(lp: ListParams) -> Listing:
    """The SQL list of list parameters; counting is cheap only when asked for."""
    return Listing(lp.where, lp.asc, lp.desc, lp.skip, lp.limit, lp.include_count, lp.count_limit)


def list_versions(
    services: Services,
    actor: Actor,
    api_key: str | None,
    ct_uid: str,
    uid: str,
    locale: str | None = None,
    *,
    named: bool = False,
) -> list[dict[str, Any]]:
    """`{_version, locale, updated_at, updated_by}` of each version, newest first, with
    `_version_name` when the version has a name; only the named ones with `named`."""
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, "entry")
        code = loaders.entry_locale(tx, stack, locale)
        doc = loaders.latest_entry(tx, stack["api_key"], ct_uid, uid, code)
        history = tx.entries.history(stack["api_key"], uid, doc["locale"])
    found = []
    for v in history:
        shown = {k: v[k] for k in ("_version", "locale", "updated_at", "updated_by")}
        if VERSION_NAME in v:
            shown[VERSION_NAME] = v[VERSION_NAME]
        if VERSION_NAME in shown or not named:
            found.append(shown)
    return found


def name_version(
    services: Services,
    actor: Actor,
    api_key: str | None,
    ct_uid: str,
    uid: str,
    version: str,
    body: dict[str, Any] | None,
    locale: str | None = None,
) -> None:
    """Name a version (its number as the path gives it) of an entry in a locale, or (`body`
    None) take its name away; as assets' versions are named (`assets.name_version`)."""
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, "entry", write=True)
        title = None if body is None else version_title(body)
        number = assets.version_number(version, "version_number") or 0
        code = loaders.entry_locale(tx, stack, locale)
        doc = loaders.latest_entry(tx, stack["api_key"], ct_uid, uid, code, fallback=False)
        if tx.entries.version(stack["api_key"], uid, doc["locale"], number) is None:
            raise NotFoundObject(
                f"Version {number} of this entry doesn't exist.", {"version": ["is not valid."]}
            )
        name = (
            None
            if title is None
            else {"title": title, "updated_by": actor.uid, "updated_at": ids.now()}
        )
        tx.entries.rename_version(stack["api_key"], uid, doc["locale"], number, name)


def version_title(body: dict[str, Any]) -> str:
    """The name in a version naming body: `{"entry": {"_version_name": "…", "locale"?,
    "force"?}}`, 1 to 100 characters."""
    entry = body.get("entry")
    title = entry.get(VERSION_NAME) if isinstance(entry, dict) else None
    if not isinstance(title, str) or not title.strip() or len(title) > 100:
        raise ValidationFailed(
            "The version name is not valid.",
            {f"entry.{VERSION_NAME}": ["is required: 1 to 100 characters."]},
        )
    return title.strip()


def delete_entry(
    services: Services,
    actor: Actor,
    api_key: str | None,
    ct_uid: str,
    uid: str,
    locale: str | None = None,
) -> None:
    """Deleting in the master locale (the default) deletes the entry everywhere, variants included."""
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, "entry", write=True)
        code = loaders.entry_locale(tx, stack, locale)
        doc = loaders.latest_entry(tx, stack["api_key"], ct_uid, uid, code, fallback=False)
        everywhere = code == stack["master_locale"]
        tx.entries.purge(
            stack["api_key"], uid, None if everywhere else doc["locale"], actor=actor.uid
        )


def references(
    services: Services,
    actor: Actor,
    api_key: str | None,
    ct_uid: str,
    uid: str,
    locale: str | None = None,
) -> list[dict[str, Any]]:
    """The entries (latest versions, per locale; only `locale`'s when named) whose reference
    fields hold this entry, in Contentstack's shape: `{entry_uid, content_type_uid, locale,
    _version, title, content_type_title}`. Read by the field-value index at the paths of the
    reference fields that may point to this entry's content type (`domain.references`)."""
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, "entry")
        key = stack["api_key"]
        loaders.content_type(tx, key, ct_uid)
        codes = [loaders.entry_locale(tx, stack, locale)] if locale else None
        _existing(tx, key, ct_uid, uid)
        types = {ct["uid"]: ct for ct in tx.content_types.all(key)}
        keys = [
            (ct["uid"], path)
            for ct in types.values()
            for path in reference_paths(ct.get("schema") or [], ct_uid)
        ]
        codes = codes or [code["code"] for code in tx.locales.all(key)]
        found = []
        for holder_ct, entry_uid, code in tx.entries.referrers(key, keys, uid, codes):
            doc = tx.entries.latest(key, holder_ct, entry_uid, code)
            if doc is None:
                continue
            found.append(
                {
                    "entry_uid": entry_uid,
                    "content_type_uid": holder_ct,
                    "locale": code,
                    "_version": doc.get("_version"),
                    "title": doc.get("title"),
                    "content_type_title": types[holder_ct].get("title"),
                }
            )
        return found


def titles(
    services: Services,
    actor: Actor,
    api_key: str | None,
    refs: list[tuple[str, str]],
    locale: str | None = None,
) -> dict[tuple[str, str], str]:
    """The title (the uid when it has none) of each (content type, uid) that exists, as a read in
    `locale` finds it along its fallback chain: each one read by its key (a reference picker
    showing what a field holds)."""
    found: dict[tuple[str, str], str] = {}
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, "entry")
        key = stack["api_key"]
        chain = tx.locales.chain(key, loaders.entry_locale(tx, stack, locale))
        for ct_uid, uid in refs:
            for code in chain:
                doc = tx.entries.latest(key, ct_uid, uid, code)
                if doc is not None:
                    found[(ct_uid, uid)] = str(doc.get("title") or uid)
                    break
    return found


def _existing(tx: Transaction, stack: str, ct_uid: str, uid: str) -> list[str]:
    """The locales an entry of this content type is localized in; 404 when there is no such entry."""
    codes = tx.entries.localized_in(stack, uid)
    if not codes or tx.entries.latest(stack, ct_uid, uid, codes[0]) is None:
        raise loaders.entry_not_found(uid)
    return codes


def entry_locales(
    services: Services, actor: Actor, api_key: str | None, ct_uid: str, uid: str
) -> list[dict[str, Any]]:
    """Every locale of the stack, by code, with whether the entry is localized in it (else a read
    there falls back): `{code, localized}`, as Contentstack answers `…/entries/{uid}/locales`."""
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, "entry")
        key = stack["api_key"]
        loaders.content_type(tx, key, ct_uid)
        localized = set(_existing(tx, key, ct_uid, uid))
        return [
            {"code": code["code"], "localized": code["code"] in localized}
            for code in tx.locales.all(key)
        ]


def unlocalize(
    services: Services, actor: Actor, api_key: str | None, ct_uid: str, uid: str, locale: str | None
) -> None:
    """Delete an entry's localization in `locale` (with its versions, variants and publications),
    so that reads there fall back again. The master locale's is the entry itself: refused."""
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, "entry", write=True)
        key = stack["api_key"]
        loaders.content_type(tx, key, ct_uid)
        if not locale:
            raise ValidationFailed("Name the locale to unlocalize.", {"locale": ["is required."]})
        code = loaders.entry_locale(tx, stack, locale)
        if code == stack["master_locale"]:
            raise ValidationFailed(
                "An entry cannot be unlocalized from the master locale.",
                {"locale": ["is the master locale."]},
            )
        if code not in _existing(tx, key, ct_uid, uid):
            raise ValidationFailed(
                f"The entry is not localized in '{code}'.", {"locale": ["is not localized."]}
            )
        tx.entries.purge(key, uid, code, actor=actor.uid)


def embedded_items(
    services: Services, actor: Actor, api_key: str | None, ct_uid: str, docs: list[dict[str, Any]]
) -> tuple[list[dict[str, list[embedded.Ref]]], dict[embedded.Ref, dict[str, Any]]]:
    """For `include_embedded_items[]=BASE` on management reads: each document's embedded refs by
    JSON RTE path, and the latest version of each embedded entry (in the document's locale, along
    its fallback chain) and asset. Missing ones are left out."""
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, "entry")
        key = stack["api_key"]
        schema = loaders.content_type(tx, key, ct_uid).get("schema") or []
        found = [embedded.refs(schema, doc) for doc in docs]
        items: dict[embedded.Ref, dict[str, Any]] = {}
        for doc, paths in zip(docs, found, strict=True):
            for ref in {ref for refs in paths.values() for ref in refs} - set(items):
                item = _embedded_item(
                    tx, key, ref, str(doc.get("locale") or stack["master_locale"])
                )
                if item is not None:
                    items[ref] = item
        return found, items


def file_assets(
    services: Services, actor: Actor, api_key: str | None, ct_uid: str, docs: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """The content type's schema and the latest object of every asset the documents' file fields
    and JSON RTE asset nodes hold (the management API shows them), by uid; one keyed lookup."""
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, "entry")
        key = stack["api_key"]
        schema = loaders.content_type(tx, key, ct_uid).get("schema") or []
        uids = sorted({uid for doc in docs for uid in domain_assets.asset_uids(schema, doc)})
        found = tx.assets.get_many(key, uids) if uids else {}
        return schema, {uid: doc for uid, doc in found.items() if not doc.get("is_dir")}


def _embedded_item(
    tx: Transaction, stack: str, ref: embedded.Ref, locale: str
) -> dict[str, Any] | None:
    kind, uid = ref
    if kind == ASSET_CONTENT_TYPE:
        return tx.assets.get(stack, uid)
    for code in tx.locales.chain(stack, locale):
        doc = tx.entries.latest(stack, kind, uid, code)
        if doc is not None:
            return doc
    return None
