"""Entries: the latest version of each entry in each locale it is localized in, and its history."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

import veneer.store.tables as t
from veneer.domain import schema as domain_schema
from veneer.domain.fieldindex import KIND_JSON, KIND_NULL, KIND_STRING, ROOT, Row, split_text
from veneer.errors import ValidationFailed
from veneer.store import sqllist
from veneer.store.core import Dialect, Rows, dumps, loads, refusals, scope, where
from veneer.store.events import Events, NewEvent
from veneer.store.lineage import published_from
from veneer.store.publications import BASE, Publications
from veneer.store.uniques import Holder, Uniques
from veneer.store.values import Document, insert_documents, replace_documents

LATEST = ""  # the field-value index's scope of the latest versions (docs/queries.md)


VERSION_NAME = "_version_name"  # a named version's name, kept in its row of the history


def changed_concurrently() -> ValidationFailed:
    """Two requests localized one entry at once (PostgreSQL): the second one's insert is refused."""
    return ValidationFailed(
        "The entry was changed by another request at the same time. Please retry.",
        {"entry": ["was changed concurrently."]},
    )


class Entries(Rows):
    def __init__(
        self,
        conn: Connection,
        sql: Dialect,
        publications: Publications,
        uniques: Uniques,
        events: Events,
    ) -> None:
        super().__init__(conn, sql)
        self._publications = publications
        self._uniques = uniques
        self._events = events

    def latest(self, stack: str, content_type: str, uid: str, locale: str) -> dict[str, Any] | None:
        """The latest version of an entry of a content type in one locale, or None."""
        e = t.entries
        keys = {"stack": stack, "uid": uid, "locale": locale, "content_type": content_type}
        text = self._conn.execute(select(e.c.doc).where(where(e, keys))).scalar()
        return loads(text) if text is not None else None

    def version(
        self, stack: str, uid: str, locale: str, version: int, *, named: bool = False
    ) -> dict[str, Any] | None:
        """One version of an entry in one locale from its history, or None. Its name
        (`_version_name`) only with `named`: the content it holds is the rest, which reads,
        publishes and restores of that version take."""
        doc = self._doc(t.entry_versions, stack=stack, uid=uid, locale=locale, version=version)
        if doc is not None and not named:
            doc.pop(VERSION_NAME, None)
        return doc

    def rename_version(
        self, stack: str, uid: str, locale: str, version: int, name: dict[str, Any] | None
    ) -> None:
        """Give a version of an entry a name (`{title, updated_by, updated_at}`), or (None) take
        its name away. Only the history row changes: the latest document, publications and
        delivery are untouched."""
        doc = self.version(stack, uid, locale, version, named=True)
        if doc is None:
            return
        doc.pop(VERSION_NAME, None)
        if name is not None:
            doc[VERSION_NAME] = name
        keys = {"stack": stack, "uid": uid, "locale": locale, "version": version}
        self._update(t.entry_versions, keys, doc=dumps(doc))

    def history(self, stack: str, uid: str, locale: str) -> list[dict[str, Any]]:
        """Every version of an entry in one locale, newest first."""
        h = t.entry_versions
        return self._docs(
            select(h.c.doc)
            .where(h.c.stack == stack, h.c.uid == uid, h.c.locale == locale)
            .order_by(h.c.version.desc())
        )

    def matching(
        self,
        stack: str,
        scope: str,
        content_type: str,
        chain: list[str],
        query: dict[str, Any],
        limit: int,
    ) -> list[str]:
        """The uids of at most `limit` entries of a content type matching `query`, in `scope`
        ('' the latest versions, else an environment's published ones): the field-value index
        answers, no document is read (`$in_query`, domain/reference_queries.py)."""
        target = sqllist.Target(stack, scope, content_type, tuple(chain))
        found = sqllist.list_entries(self._conn, target, sqllist.Listing(query, limit=limit))
        return [uid for uid, _code in found.entries]

    def page(
        self, stack: str, content_type: str, chain: list[str], listing: sqllist.Listing
    ) -> tuple[list[dict[str, Any]], int | None]:
        """One page of the latest entries of a content type, each in the first locale of `chain`
        it is localized in, answered by the field-value index; loads only the page's documents.
        The count is None unless `listing.include_count`."""
        target = sqllist.Target(stack, LATEST, content_type, tuple(chain))
        found = sqllist.list_entries(self._conn, target, listing)
        if not found.entries:
            return [], found.count
        e = t.entries
        # Not `(uid, locale) IN (VALUES …)`: SQLite answers that by walking the stack's entries.
        # Each list of keys is searched in the primary key; extra (uid, locale) pairs are dropped.
        uids, codes = {uid for uid, _ in found.entries}, {code for _, code in found.entries}
        rows = self._conn.execute(
            select(e.c.uid, e.c.locale, e.c.doc).where(
                e.c.stack == stack, e.c.uid.in_(sorted(uids)), e.c.locale.in_(sorted(codes))
            )
        )
        docs = {(uid, code): doc for uid, code, doc in rows}
        return [loads(docs[key]) for key in found.entries], found.count

    def holders(self, stack: str, content_type: str, schema: list[dict[str, Any]]) -> list[Holder]:
        """The values of `schema`'s unique fields in the latest version of every localization of
        every entry of a content type, oldest entry first (a schema change checks them all)."""
        e = t.entries
        rows = self._conn.execute(
            select(e.c.uid, e.c.locale, e.c.doc)
            .where(e.c.stack == stack, e.c.content_type == content_type)
            .order_by(e.c.uid, e.c.locale)
        )
        return [
            Holder(uid, locale, domain_schema.unique_values(schema, loads(doc)))
            for uid, locale, doc in rows
        ]

    def lock(self, stack: str, uid: str, locale: str) -> None:
        """Make other writers of an entry's localization wait until this transaction ends."""
        self._sql.lock(self._conn, t.entries, {"stack": stack, "uid": uid, "locale": locale})

    def save(self, stack: str, content_type: str, doc: dict[str, Any], *, new: bool) -> None:
        """Write a new latest version of an entry in its locale (`new`: its first there) and keep
        it in the entry's history."""
        keys = {"stack": stack, "uid": doc["uid"], "locale": doc["locale"]}
        text = dumps(doc)
        values = {"content_type": content_type, "version": doc["_version"], "doc": text}
        with refusals(changed_concurrently):
            if new:
                self._insert(t.entries, **keys, **values)
            else:
                self._update(t.entries, keys, **values)
            self._insert(t.entry_versions, **keys, version=doc["_version"], doc=text)
        document = Document(stack, LATEST, doc["locale"], content_type, doc["uid"], doc)
        replace_documents(self._conn, [document])
        kind = "entry_created" if doc["_version"] == 1 else "entry_updated"
        self._events.record(
            stack,
            NewEvent(
                kind,
                "",
                doc["locale"],
                content_type,
                doc["uid"],
                "",
                doc.get("updated_by", ""),
                doc,
            ),
        )

    def insert_many(
        self,
        stack: str,
        content_type: str,
        docs: Sequence[dict[str, Any]],
        rows: Sequence[list[Row]] | None = None,
    ) -> None:
        """Write entries new in their locale (version 1 of each, as `save(..., new=True)` does)
        in bulk; `rows` are their field-value rows when the caller computed them already."""
        texts = [dumps(doc) for doc in docs]
        self._sql.insert_rows(
            self._conn,
            t.entries,
            (
                (stack, doc["uid"], doc["locale"], content_type, doc["_version"], text)
                for doc, text in zip(docs, texts, strict=True)
            ),
        )
        self._sql.insert_rows(
            self._conn,
            t.entry_versions,
            (
                (stack, doc["uid"], doc["locale"], doc["_version"], text)
                for doc, text in zip(docs, texts, strict=True)
            ),
        )
        found: Sequence[list[Row] | None] = rows or [None] * len(docs)
        documents = [
            Document(stack, LATEST, doc["locale"], content_type, doc["uid"], doc, doc_rows)
            for doc, doc_rows in zip(docs, found, strict=True)
        ]
        insert_documents(self._conn, documents)
        self._events.record_many(
            stack,
            [
                NewEvent(
                    "entry_created",
                    "",
                    doc["locale"],
                    content_type,
                    doc["uid"],
                    "",
                    doc.get("updated_by", ""),
                    doc,
                )
                for doc in docs
            ],
        )

    def purge(self, stack: str, uid: str, locale: str | None = None, actor: str = "") -> None:
        """Delete an entry (or only its localization in `locale`) with its versions, variants and
        publications: also those that fell back to the deleted localization (a base publication
        takes its variants with it)."""
        deleted = {"reason": "deleted", "actor": actor}
        if locale is not None:
            for code, variant in published_from(self._conn, stack, uid, locale):
                self._publications.drop(
                    stack,
                    entry=uid,
                    locale=code,
                    variant=None if variant == BASE else variant,
                    **deleted,
                )
        self._publications.drop(stack, entry=uid, locale=locale, **deleted)
        e = t.entries
        localized = self._conn.execute(
            select(e.c.locale, e.c.content_type).where(
                e.c.stack == stack, e.c.uid == uid, *([e.c.locale == locale] if locale else [])
            )
        ).all()
        self._events.record_many(
            stack,
            [
                NewEvent(
                    "entry_deleted", "", code, ct, uid, "", actor, {"uid": uid, "locale": code}
                )
                for code, ct in localized
            ],
        )
        self._uniques.release(stack, uid, locale)
        # The index's key leads with the locale: name each one, or the delete walks the stack.
        for code in [locale] if locale is not None else self._locales(stack, uid):
            self._delete(t.entry_values, stack=stack, scope=LATEST, locale=code, entry=uid)
        for table in (t.entries, t.entry_versions):
            self._delete(table, **scope(stack, uid=uid, locale=locale))
        for table in (t.entry_variants, t.entry_variant_versions):
            self._delete(table, **scope(stack, entry=uid, locale=locale))

    def restored(
        self, stack: str, content_type: str, docs: Sequence[dict[str, Any]], actor: str
    ) -> None:
        """Index the latest versions of an entry put back from the trash (`Trash.take_back`), and
        record them as created again."""
        documents = [
            Document(stack, LATEST, doc["locale"], content_type, doc["uid"], doc) for doc in docs
        ]
        replace_documents(self._conn, documents)
        self._events.record_many(
            stack,
            [
                NewEvent("entry_created", "", d["locale"], content_type, d["uid"], "", actor, d)
                for d in docs
            ],
        )

    def referrers(
        self, stack: str, keys: Sequence[tuple[str, str]], uid: str, locales: Sequence[str]
    ) -> list[tuple[str, str, str]]:
        """(content type, entry, locale) of every latest entry holding the string `uid` at one of
        the (content type, path) `keys`, in one of `locales`: each key is a range of the field-value
        index's lookup key, never a walk of the stack's rows."""
        v = t.entry_values
        text, tail = split_text(uid)
        found: set[tuple[str, str, str]] = set()
        for content_type, path in keys:
            rows = self._conn.execute(
                select(v.c.content_type, v.c.entry, v.c.locale).where(
                    v.c.stack == stack,
                    v.c.scope == LATEST,
                    v.c.locale.in_(sorted(locales)),
                    v.c.content_type == content_type,
                    v.c.path == path,
                    v.c.kind == KIND_STRING,
                    v.c.num == 0,  # a string's: so the search is bound through `text`
                    v.c.text == text,
                    v.c.tail == tail,
                )
            )
            found.update((ct, entry, locale) for ct, entry, locale in rows)
        return sorted(found)

    def uids(
        self, stack: str, content_type: str, locales: Sequence[str], after: str, stop: int
    ) -> list[str]:
        """The first `stop` uids after `after` (in code-point order) of the entries of a content
        type localized in any of `locales`: per locale, one range of the field-value index's root
        rows (ix_entry_values_lookup, in entry order), cut at `stop` by the database, so the cost
        is `stop` rows per locale whatever the type holds."""
        v = t.entry_values
        found: set[str] = set()
        for code in locales:
            query = (
                select(v.c.entry)
                .where(
                    v.c.stack == stack,
                    v.c.scope == LATEST,
                    v.c.locale == code,
                    v.c.content_type == content_type,
                    v.c.path == ROOT,
                    v.c.kind == KIND_JSON,
                    v.c.num == 0,
                    v.c.text == "",
                    v.c.entry > after,
                )
                .order_by(v.c.entry)
                .limit(stop)
            )
            found.update(self._conn.execute(query).scalars())
        return sorted(found)[:stop]

    def existing(self, stack: str, locale: str, uids: Sequence[str]) -> set[str]:
        """Which of `uids` are entries of the stack localized in `locale` (by the primary key, a
        few hundred uids a query)."""
        e, found = t.entries, set[str]()
        for start in range(0, len(uids), 500):
            part = list(uids[start : start + 500])
            query = select(e.c.uid).where(
                e.c.stack == stack, e.c.locale == locale, e.c.uid.in_(part)
            )
            found.update(self._conn.execute(query).scalars())
        return found

    def paths_in_use(
        self, stack: str, content_type: str, locales: Sequence[str], paths: Sequence[str]
    ) -> list[str]:
        """Those of `paths` at which the latest version of some entry of a content type, in one of
        `locales`, holds a value other than null: one probe of ix_entry_values_lookup per path
        and locale, a row at most each, whatever the type holds."""
        v = t.entry_values
        found = []
        for path in paths:
            for code in locales:
                query = (
                    select(v.c.entry)
                    .where(
                        v.c.stack == stack,
                        v.c.scope == LATEST,
                        v.c.locale == code,
                        v.c.content_type == content_type,
                        v.c.path == path,
                        v.c.kind > KIND_NULL,
                    )
                    .limit(1)
                )
                if self._conn.execute(query).first() is not None:
                    found.append(path)
                    break
        return found

    def localized_in(self, stack: str, uid: str) -> list[str]:
        """The locales an entry is localized in."""
        return sorted(self._locales(stack, uid))

    def _locales(self, stack: str, uid: str) -> list[str]:
        """The locales an entry is localized in."""
        e = t.entries
        query = select(e.c.locale).where(e.c.stack == stack, e.c.uid == uid)
        return list(self._conn.execute(query).scalars())

    def purge_type(self, stack: str, content_type: str) -> None:
        """Delete every entry of a content type with its versions, variants and publications."""
        e = t.entries
        uids = self._conn.execute(
            select(e.c.uid).where(e.c.stack == stack, e.c.content_type == content_type)
        ).scalars()
        for uid in set(uids):
            self.purge(stack, uid)

    def drop_locale(self, stack: str, locale: str) -> None:
        """Delete every entry and entry variant localized in a locale, with their versions, and
        unpublish everything published in it."""
        self._publications.drop(stack, locale=locale, reason="deleted")
        self._uniques.release_locale(stack, locale)
        for table in (t.entries, t.entry_versions, t.entry_variants, t.entry_variant_versions):
            self._delete(table, stack=stack, locale=locale)
        self._delete(t.entry_values, stack=stack, scope=LATEST, locale=locale)
