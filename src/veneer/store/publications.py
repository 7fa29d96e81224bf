"""Publications: the ready-to-serve documents delivery reads, one per (environment, locale,
entry, variant), each write also appended to the change log. A published base document is also
in the field-value index (`entry_values`, scope = its environment), which delivery lists read; a
published entry variant names the fields its patch touches in `variant_fields` (merged queries)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection

import veneer.store.tables as t
from veneer.domain.fieldindex import Row
from veneer.domain.patches import patch_fields
from veneer.store import sqllist
from veneer.store.changes import ChangeLog
from veneer.store.core import Dialect, Rows, dumps, scope, where
from veneer.store.events import Events, NewEvent
from veneer.store.values import Document, delete_documents, insert_documents, replace_documents

BASE = ""  # the variant of a base entry's publication


@dataclass(frozen=True)
class Publication:
    """A ready-to-serve document to publish (`Publications.insert_many`)."""

    environment: str
    locale: str
    entry: str
    variant: str  # BASE: the base entry
    content_type: str
    doc: dict[str, Any]
    published_at: str
    published_by: str
    rows: list[Row] | None = None  # a base document's field-value rows, when already computed


class Publications(Rows):
    def __init__(self, conn: Connection, sql: Dialect, changes: ChangeLog, events: Events) -> None:
        super().__init__(conn, sql)
        self._changes = changes
        self._events = events

    def put(
        self,
        stack: str,
        environment: str,
        locale: str,
        entry: str,
        variant: str,
        content_type: str,
        doc: dict[str, Any],
        *,
        published_at: str,
        published_by: str,
    ) -> None:
        """Publish a ready-to-serve document (variant '': the base entry) to an environment in a
        locale, replacing what was published there, and record the change."""
        seq = self._changes.record(stack, environment, locale, entry, variant, content_type)
        values = {
            "stack": stack,
            "environment": environment,
            "locale": locale,
            "entry": entry,
            "variant": variant,
            "content_type": content_type,
            "version": doc["_version"],
            "doc": dumps(doc),
            "published_at": published_at,
            "published_by": published_by,
            "seq": seq,
        }
        self._conn.execute(self._sql.upsert(t.publications, values))
        self._events.record(
            stack,
            NewEvent(
                "entry_published",
                environment,
                locale,
                content_type,
                entry,
                variant,
                published_by,
                doc,
            ),
        )
        if variant == BASE:
            document = Document(stack, environment, locale, content_type, entry, doc)
            replace_documents(self._conn, [document])
        else:
            self._delete(
                t.variant_fields,
                stack=stack,
                entry=entry,
                variant=variant,
                locale=locale,
                environment=environment,
            )
            self._insert_fields(stack, [(environment, locale, entry, variant, content_type, doc)])

    def insert_many(self, stack: str, publications: Sequence[Publication]) -> None:
        """Publish documents where nothing is published yet (a bulk load of new entries), each
        recorded in the change log; base documents are indexed in the scope of their
        environment, as `put` indexes them."""
        seqs = self._changes.record_many(
            stack,
            [(p.environment, p.locale, p.entry, p.variant, p.content_type) for p in publications],
        )
        self._sql.insert_rows(
            self._conn,
            t.publications,
            (
                (
                    stack,
                    p.environment,
                    p.locale,
                    p.entry,
                    p.variant,
                    p.content_type,
                    p.doc["_version"],
                    dumps(p.doc),
                    p.published_at,
                    p.published_by,
                    seq,
                )
                for p, seq in zip(publications, seqs, strict=True)
            ),
        )
        self._events.record_many(
            stack,
            [
                NewEvent(
                    "entry_published",
                    p.environment,
                    p.locale,
                    p.content_type,
                    p.entry,
                    p.variant,
                    p.published_by,
                    p.doc,
                )
                for p in publications
            ],
        )
        self._insert_fields(
            stack,
            [
                (p.environment, p.locale, p.entry, p.variant, p.content_type, p.doc)
                for p in publications
                if p.variant != BASE
            ],
        )
        base = [p for p in publications if p.variant == BASE]
        insert_documents(
            self._conn,
            [
                Document(stack, p.environment, p.locale, p.content_type, p.entry, p.doc, p.rows)
                for p in base
            ],
        )

    def _insert_fields(
        self, stack: str, published: Sequence[tuple[str, str, str, str, str, dict[str, Any]]]
    ) -> None:
        """The `variant_fields` rows of newly published entry variants:
        (environment, locale, entry, variant, content type, document) each."""
        rows = [
            {
                "stack": stack,
                "entry": entry,
                "variant": variant,
                "locale": locale,
                "environment": env,
                "field": field,
                "content_type": content_type,
            }
            for env, locale, entry, variant, content_type, doc in published
            for field in patch_fields(doc.get("patch") or {})
        ]
        if rows:
            self._conn.execute(insert(t.variant_fields), rows)

    def exists(self, stack: str, environment: str, locale: str, entry: str, variant: str) -> bool:
        """Whether an entry (variant '': its base) is published to an environment in a locale."""
        keys = scope(stack, environment=environment, locale=locale, entry=entry, variant=variant)
        query = select(t.publications.c.seq).where(where(t.publications, keys))
        return self._conn.execute(query).first() is not None

    def details(self, stack: str, entry: str, variant: str = "") -> list[dict[str, Any]]:
        """Where an entry (variant '': its base) is published, as the management API lists it."""
        p = t.publications
        query = select(p.c.environment, p.c.locale, p.c.published_at, p.c.published_by, p.c.version)
        rows = self._conn.execute(
            query.where(p.c.stack == stack, p.c.entry == entry, p.c.variant == variant)
        )
        return [
            {"environment": env, "locale": code, "time": at, "user": by, "version": version}
            for env, code, at, by, version in rows
        ]

    def of_variants(self, stack: str, entry: str) -> list[dict[str, Any]]:
        """`details` of every variant of an entry that is published, in every locale, each with
        its `variant` uid (one read by the primary key)."""
        p = t.publications
        query = select(
            p.c.variant,
            p.c.environment,
            p.c.locale,
            p.c.published_at,
            p.c.published_by,
            p.c.version,
        ).where(p.c.stack == stack, p.c.entry == entry, p.c.variant != BASE)
        return [
            {
                "variant": variant,
                "environment": env,
                "locale": code,
                "time": at,
                "user": by,
                "version": int(version),
            }
            for variant, env, code, at, by, version in self._conn.execute(query)
        ]

    def of_entries(
        self, stack: str, entries: Sequence[str], locale: str
    ) -> list[tuple[str, str, str, int]]:
        """(entry, variant, environment, version) of what is published of a page of entries
        (variant '': the base) in one locale, by ix_publications_entry."""
        p = t.publications
        query = select(p.c.entry, p.c.variant, p.c.environment, p.c.version).where(
            p.c.stack == stack, p.c.entry.in_(sorted(set(entries))), p.c.locale == locale
        )
        return [(e, v, env, int(n)) for e, v, env, n in self._conn.execute(query)]

    def versions(self, stack: str, entry: str) -> list[tuple[str, str, str, int]]:
        """(variant, locale, environment, version) of everything published of one entry (variant
        '': its base), by ix_publications_entry."""
        p = t.publications
        query = select(p.c.variant, p.c.locale, p.c.environment, p.c.version).where(
            p.c.stack == stack, p.c.entry == entry
        )
        return [(v, code, env, int(n)) for v, code, env, n in self._conn.execute(query)]

    def drop(
        self,
        stack: str,
        *,
        environment: str | None = None,
        locale: str | None = None,
        entry: str | None = None,
        variant: str | None = None,
        reason: str = "unpublished",
        actor: str = "",
    ) -> None:
        """Unpublish everything published in a stack that matches the given environment, locale,
        entry and variant, recording each in the change log, and as an `entry_{reason}` event
        ("unpublished", or "deleted" when what was published is being deleted)."""
        keys = scope(stack, environment=environment, locale=locale, entry=entry, variant=variant)
        p = t.publications
        rows = self._conn.execute(
            select(p.c.environment, p.c.locale, p.c.entry, p.c.variant, p.c.content_type).where(
                where(p, keys)
            )
        ).all()
        for env, code, uid, name, content_type in rows:
            self._changes.record(stack, env, code, uid, name, content_type)
        self._events.record_many(
            stack,
            [
                NewEvent(
                    f"entry_{reason}",
                    env,
                    code,
                    content_type,
                    uid,
                    name,
                    actor,
                    {"uid": uid, "locale": code},
                )
                for env, code, uid, name, content_type in rows
            ],
        )
        self._conn.execute(delete(p).where(where(p, keys)))
        for env, code, uid, name, _content_type in rows:
            if name != BASE:
                self._delete(
                    t.variant_fields,
                    stack=stack,
                    entry=uid,
                    variant=name,
                    locale=code,
                    environment=env,
                )
        delete_documents(
            self._conn,
            (
                Document(stack, env, code, content_type, uid, {})
                for env, code, uid, name, content_type in rows
                if name == BASE
            ),
        )

    def page(
        self,
        stack: str,
        environment: str,
        content_type: str,
        chain: list[str],
        listing: sqllist.Listing,
    ) -> tuple[list[tuple[str, str, str]], int | None]:
        """One page of the published base entries of a content type in an environment, each in
        the first locale of `chain` it is published in, answered by the field-value index:
        (entry uid, locale, stored document) in list order, and the count with
        `listing.include_count` (else None). Reads only the page's documents."""
        target = sqllist.Target(stack, environment, content_type, tuple(chain))
        found = sqllist.list_entries(self._conn, target, listing)
        if not found.entries:
            return [], found.count
        p = t.publications
        # Not `(entry, locale) IN (VALUES …)`: SQLite answers that by walking the environment.
        # Each list of keys is searched in the primary key; extra (entry, locale) pairs are dropped.
        uids, codes = {uid for uid, _ in found.entries}, {code for _, code in found.entries}
        rows = self._conn.execute(
            select(p.c.entry, p.c.locale, p.c.doc).where(
                p.c.stack == stack,
                p.c.environment == environment,
                p.c.locale.in_(sorted(codes)),
                p.c.entry.in_(sorted(uids)),
                p.c.variant == BASE,
            )
        )
        docs = {(uid, code): doc for uid, code, doc in rows}
        return [(uid, code, docs[uid, code]) for uid, code in found.entries], found.count
