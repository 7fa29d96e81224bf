"""Entries: validated documents with a version history, one per locale they are localized in."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from veneer import ids
from veneer.domain import schema as domain_schema
from veneer.domain.listing import ListParams, first_in_chain, select_page
from veneer.errors import NotFoundObject, StaleVersion, ValidationFailed
from veneer.services import access, content_types, locales
from veneer.services.context import Actor, Services
from veneer.store import dumps, loads
from veneer.store import tables as t

SYSTEM_FIELDS = (
    "uid",
    "locale",
    "_version",
    "created_at",
    "created_by",
    "updated_at",
    "updated_by",
    "tags",
    "ACL",
    "_in_progress",
    "publish_details",
    "_variant",
    "_metadata",
)
NOT_FOUND = "The requested object doesn't exist."


def entry_locale(services: Services, conn: Any, stack: dict[str, Any], locale: str | None) -> str:
    code = (locale or stack["master_locale"]).lower()
    if not services.store.one(conn, t.locales, stack=stack["api_key"], code=code):
        raise ValidationFailed(
            f"The locale '{code}' is not added to this stack.",
            {"locale": ["is not valid."]},
            error_code=161,
        )
    return code


def not_found(uid: str) -> NotFoundObject:
    return NotFoundObject(NOT_FOUND, {"uid": [f"'{uid}' is not valid."]})


def latest(
    services: Services,
    conn: Any,
    stack: str,
    ct: str,
    uid: str,
    locale: str,
    *,
    fallback: bool = True,
) -> dict[str, Any]:
    """The latest version of an entry in `locale`, or along its fallback chain."""
    chain = locales.fallback_chain(services, conn, stack, locale) if fallback else [locale]
    for code in chain:
        row = services.store.one(conn, t.entries, stack=stack, uid=uid, locale=code)
        if row is not None and row["content_type"] == ct:
            return loads(row["doc"])
    raise not_found(uid)


def version_of(
    services: Services, conn: Any, stack: str, ct: str, uid: str, locale: str, version: int | None
) -> dict[str, Any]:
    doc = latest(services, conn, stack, ct, uid, locale)
    if version is None or version == doc["_version"]:
        return doc
    # Versions run from 1 to the latest: anything else is absent (and may not fit the column).
    old = (
        services.store.doc(
            conn, t.entry_versions, stack=stack, uid=uid, locale=doc["locale"], version=version
        )
        if 0 < version < doc["_version"]
        else None
    )
    if old is None:
        raise NotFoundObject(
            f"Version {version} of this entry doesn't exist.", {"version": ["is not valid."]}
        )
    return old


def check_version(stored: int, expected: int | None) -> None:
    if expected is not None and expected != stored:
        raise StaleVersion(errors={"_version": [f"is {stored}; the request expected {expected}."]})


def _clean_fields(schema_fields: list[dict[str, Any]], body: dict[str, Any]) -> dict[str, Any]:
    fields = domain_schema.validate_entry(schema_fields, body, new_uid=ids.cs)
    return {k: v for k, v in fields.items() if k not in SYSTEM_FIELDS}


def _tags(body: dict[str, Any], previous: dict[str, Any] | None) -> list[str]:
    tags = body.get("tags", previous.get("tags", []) if previous else [])
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise ValidationFailed(
            "Entry creation failed. Please enter valid data.",
            {"tags": ["must be a list of strings."]},
        )
    return tags


def _check_unique(
    services: Services, conn: Any, stack: str, ct: dict[str, Any], doc: dict[str, Any]
) -> None:
    wanted = domain_schema.unique_values(ct["schema"], doc)
    if not wanted:
        return
    rows = conn.execute(
        select(t.entries.c.doc).where(
            t.entries.c.stack == stack,
            t.entries.c.content_type == ct["uid"],
            t.entries.c.locale == doc["locale"],
            t.entries.c.uid != doc["uid"],
        )
    ).all()
    for row in rows:
        other = loads(row[0])
        clashes = [field for field, value in wanted.items() if other.get(field) == value]
        if clashes:
            raise ValidationFailed(
                "Entry creation failed. Please enter valid data.",
                {field: ["is not unique."] for field in clashes},
            )


def _save(
    services: Services, conn: Any, stack: str, ct: str, doc: dict[str, Any], *, new: bool
) -> None:
    values = {"content_type": ct, "version": doc["_version"], "doc": dumps(doc)}
    keys = {"stack": stack, "uid": doc["uid"], "locale": doc["locale"]}
    if new:
        services.store.insert(conn, t.entries, **keys, **values)
    else:
        services.store.update(conn, t.entries, keys, **values)
    services.store.insert(conn, t.entry_versions, **keys, version=doc["_version"], doc=dumps(doc))


def _body_entry(body: dict[str, Any]) -> dict[str, Any]:
    entry = body.get("entry")
    if not isinstance(entry, dict):
        raise ValidationFailed(
            "The request body must hold an 'entry' object.", {"entry": ["is required."]}
        )
    return entry


def create_entry(
    services: Services,
    actor: Actor,
    api_key: str | None,
    ct_uid: str,
    body: dict[str, Any],
    locale: str | None = None,
) -> dict[str, Any]:
    with services.store.write() as conn:
        stack = access.stack_row(services, conn, actor, api_key, write=True)
        entry = _body_entry(body)
        ct = content_types.load(services, conn, stack["api_key"], ct_uid)
        code = entry_locale(services, conn, stack, locale)
        now = ids.now()
        doc = {
            **_clean_fields(ct["schema"], entry),
            "tags": _tags(entry, None),
            "locale": code,
            "uid": ids.blt(),
            "created_by": actor.uid,
            "updated_by": actor.uid,
            "created_at": now,
            "updated_at": now,
            "ACL": {},
            "_version": 1,
            "_in_progress": False,
        }
        _check_unique(services, conn, stack["api_key"], ct, doc)
        _save(services, conn, stack["api_key"], ct_uid, doc, new=True)
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
) -> dict[str, Any]:
    """Update in `locale`; an entry not yet localized there is localized by this call (version 1).

    With `expected_version`, the update is refused (StaleVersion) unless the version it would
    replace, the one a read in `locale` returns, is that one: checked under the write lock."""
    try:
        with services.store.write() as conn:
            return _update(
                services, conn, actor, api_key, ct_uid, uid, body, locale, expected_version
            )
    except IntegrityError:
        raise ValidationFailed(
            "The entry was changed by another request at the same time. Please retry.",
            {"entry": ["was changed concurrently."]},
        ) from None


def _update(
    services: Services,
    conn: Any,
    actor: Actor,
    api_key: str | None,
    ct_uid: str,
    uid: str,
    body: dict[str, Any],
    locale: str | None,
    expected_version: int | None,
) -> dict[str, Any]:
    stack = access.stack_row(services, conn, actor, api_key, write=True)
    entry = _body_entry(body)
    ct = content_types.load(services, conn, stack["api_key"], ct_uid)
    code = entry_locale(services, conn, stack, locale)
    services.store.lock_rows(conn, t.entries, stack=stack["api_key"], uid=uid, locale=code)
    previous = latest(services, conn, stack["api_key"], ct_uid, uid, code)
    check_version(previous["_version"], expected_version)
    localized = previous["locale"] == code
    merged = {**{k: v for k, v in previous.items() if k not in SYSTEM_FIELDS}, **entry}
    now = ids.now()
    doc = {
        **_clean_fields(ct["schema"], merged),
        "tags": _tags(entry, previous),
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
    _check_unique(services, conn, stack["api_key"], ct, doc)
    _save(services, conn, stack["api_key"], ct_uid, doc, new=not localized)
    return doc


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
    with services.store.read() as conn:
        stack = access.stack_row(services, conn, actor, api_key)
        content_types.load(services, conn, stack["api_key"], ct_uid)
        code = entry_locale(services, conn, stack, locale)
        doc = version_of(services, conn, stack["api_key"], ct_uid, uid, code, version)
        if publish_details:
            attach_publish_details(services, conn, stack["api_key"], [doc])
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
    with services.store.read() as conn:
        stack = access.stack_row(services, conn, actor, api_key)
        content_types.load(services, conn, stack["api_key"], ct_uid)
        code = entry_locale(services, conn, stack, locale)
        chain = (
            locales.fallback_chain(services, conn, stack["api_key"], code)
            if include_fallback
            else [code]
        )
        docs = _in_locales(conn, stack["api_key"], ct_uid, chain)
        page, count = select_page(docs, lp)
        if publish_details:
            attach_publish_details(services, conn, stack["api_key"], page)
    return page, count


def _in_locales(conn: Any, stack: str, ct: str, chain: list[str]) -> list[dict[str, Any]]:
    """Each entry once, in the first locale of `chain` it is localized in."""
    rows = conn.execute(
        select(t.entries.c.uid, t.entries.c.locale, t.entries.c.doc).where(
            t.entries.c.stack == stack,
            t.entries.c.content_type == ct,
            t.entries.c.locale.in_(chain),
        )
    ).all()
    best = first_in_chain(((uid, code, doc) for uid, code, doc in rows), chain)
    return [loads(doc) for _, doc in best.values()]


def attach_publish_details(
    services: Services, conn: Any, stack: str, docs: list[dict[str, Any]]
) -> None:
    """`publish_details` as the management API lists it: where the base entry is published."""
    for doc in docs:
        rows = services.store.all(conn, t.publications, stack=stack, entry=doc["uid"], variant="")
        doc["publish_details"] = [
            {
                "environment": r["environment"],
                "locale": r["locale"],
                "time": r["published_at"],
                "user": r["published_by"],
                "version": r["version"],
            }
            for r in rows
        ]


def list_versions(
    services: Services,
    actor: Actor,
    api_key: str | None,
    ct_uid: str,
    uid: str,
    locale: str | None = None,
) -> list[dict[str, Any]]:
    with services.store.read() as conn:
        stack = access.stack_row(services, conn, actor, api_key)
        code = entry_locale(services, conn, stack, locale)
        doc = latest(services, conn, stack["api_key"], ct_uid, uid, code)
        rows = conn.execute(
            select(t.entry_versions.c.doc)
            .where(
                t.entry_versions.c.stack == stack["api_key"],
                t.entry_versions.c.uid == uid,
                t.entry_versions.c.locale == doc["locale"],
            )
            .order_by(t.entry_versions.c.version.desc())
        ).all()
    return [
        {
            "_version": v["_version"],
            "locale": v["locale"],
            "updated_at": v["updated_at"],
            "updated_by": v["updated_by"],
        }
        for v in (loads(r[0]) for r in rows)
    ]


def delete_entry(
    services: Services,
    actor: Actor,
    api_key: str | None,
    ct_uid: str,
    uid: str,
    locale: str | None = None,
) -> None:
    """Deleting in the master locale (the default) deletes the entry everywhere, variants included."""
    with services.store.write() as conn:
        stack = access.stack_row(services, conn, actor, api_key, write=True)
        code = entry_locale(services, conn, stack, locale)
        doc = latest(services, conn, stack["api_key"], ct_uid, uid, code, fallback=False)
        purge(
            services,
            conn,
            stack["api_key"],
            uid,
            None if code == stack["master_locale"] else doc["locale"],
        )


def purge(services: Services, conn: Any, stack: str, uid: str, locale: str | None = None) -> None:
    """Remove an entry (or one localization) with its versions, variants and publications."""
    from veneer.services import publishing  # publishing depends on this module

    scope = {"locale": locale} if locale else {}
    publishing.drop_publications(services, conn, stack, entry=uid, **scope)
    for table in (t.entries, t.entry_versions, t.entry_variants, t.entry_variant_versions):
        key = "uid" if table in (t.entries, t.entry_versions) else "entry"
        services.store.delete(conn, table, stack=stack, **{key: uid}, **scope)
