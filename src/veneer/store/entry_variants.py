"""Entry variants: the latest version of each (entry, locale, variant) layer, and its history."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.engine import Connection

import veneer.store.tables as t
from veneer.store.core import Dialect, Rows, dumps, scope, where
from veneer.store.lineage import published_from
from veneer.store.publications import Publications


class EntryVariants(Rows):
    def __init__(self, conn: Connection, sql: Dialect, publications: Publications) -> None:
        super().__init__(conn, sql)
        self._publications = publications

    def get(self, stack: str, entry: str, locale: str, variant: str) -> dict[str, Any] | None:
        """The latest version of an entry variant in one locale, or None."""
        return self._doc(t.entry_variants, stack=stack, entry=entry, locale=locale, variant=variant)

    def version(
        self, stack: str, entry: str, locale: str, variant: str, version: int
    ) -> dict[str, Any] | None:
        """One version of an entry variant from its history, or None."""
        keys = {"stack": stack, "entry": entry, "locale": locale, "variant": variant}
        return self._doc(t.entry_variant_versions, **keys, version=version)

    def in_locale(self, stack: str, entry: str, locale: str) -> list[dict[str, Any]]:
        """The latest version of every variant of an entry in one locale, by variant uid."""
        v = t.entry_variants
        return self._docs(
            select(v.c.doc)
            .where(v.c.stack == stack, v.c.entry == entry, v.c.locale == locale)
            .order_by(v.c.variant)
        )

    def latest_versions(self, stack: str, entry: str) -> dict[tuple[str, str], int]:
        """The latest version of each variant of an entry, by (variant, locale), every locale."""
        v = t.entry_variants
        query = select(v.c.variant, v.c.locale, v.c.version).where(
            v.c.stack == stack, v.c.entry == entry
        )
        return {(variant, code): int(n) for variant, code, n in self._conn.execute(query)}

    def of_entries(
        self, stack: str, shown: Sequence[tuple[str, str]]
    ) -> list[tuple[str, str, int]]:
        """(entry, variant, latest version) of the entry variants of a page of entries, each in
        the locale it is shown in (pairs of entry and locale), by the primary key."""
        if not shown:
            return []
        v, wanted = t.entry_variants, set(shown)
        query = select(v.c.entry, v.c.locale, v.c.variant, v.c.version).where(
            v.c.stack == stack,
            v.c.entry.in_(sorted({e for e, _ in wanted})),
            v.c.locale.in_(sorted({code for _, code in wanted})),
        )
        return [
            (e, variant, int(n))
            for e, code, variant, n in self._conn.execute(query)
            if (e, code) in wanted
        ]

    def versions(self, stack: str, entry: str, locale: str, variant: str) -> list[int]:
        """The version numbers of an entry variant in one locale, newest first."""
        h = t.entry_variant_versions
        keys = {"stack": stack, "entry": entry, "locale": locale, "variant": variant}
        query = select(h.c.version).where(where(h, keys)).order_by(h.c.version.desc())
        return [int(version) for version in self._conn.execute(query).scalars()]

    def save(self, stack: str, content_type: str, stored: dict[str, Any], *, new: bool) -> None:
        """Write a new latest version of an entry variant (its `system` names the entry, locale,
        variant and version) and keep it in the variant's history."""
        system = stored["system"]
        keys = {
            "stack": stack,
            "entry": system["uid"],
            "locale": system["locale"],
            "variant": system["variant"],
        }
        doc = dumps(stored)
        values = {"content_type": content_type, "version": system["_version"], "doc": doc}
        if new:
            self._insert(t.entry_variants, **keys, **values)
        else:
            self._update(t.entry_variants, keys, **values)
        self._insert(t.entry_variant_versions, **keys, version=system["_version"], doc=doc)

    def insert_many(self, stack: str, content_type: str, stored: Sequence[dict[str, Any]]) -> None:
        """Write entry variants new in their locale (`save(..., new=True)`) in bulk."""
        docs = [(item["system"], dumps(item)) for item in stored]
        self._sql.insert_rows(
            self._conn,
            t.entry_variants,
            (
                (stack, s["uid"], s["locale"], s["variant"], content_type, s["_version"], doc)
                for s, doc in docs
            ),
        )
        self._sql.insert_rows(
            self._conn,
            t.entry_variant_versions,
            ((stack, s["uid"], s["locale"], s["variant"], s["_version"], doc) for s, doc in docs),
        )

    def purge(
        self,
        stack: str,
        *,
        entry: str | None = None,
        locale: str | None = None,
        variant: str | None = None,
        content_type: str | None = None,
    ) -> None:
        """Delete the entry variants of a stack that match the given entry, locale, variant and
        content type, with their versions and every publication made from them: in their own
        locale and in each locale that fell back to it. Without `locale` an entry variant goes in
        every locale, and so do all its publications, whatever their source."""
        keys = scope(stack, entry=entry, locale=locale, variant=variant, content_type=content_type)
        v = t.entry_variants
        rows = self._conn.execute(
            select(v.c.entry, v.c.locale, v.c.variant).where(where(v, keys))
        ).all()
        for uid, code, name in rows:
            self._delete(
                t.entry_variant_versions, stack=stack, entry=uid, locale=code, variant=name
            )
        self._conn.execute(delete(v).where(where(v, keys)))
        for uid, name in sorted({(uid, name) for uid, _code, name in rows}):
            if locale is None:
                self._publications.drop(stack, entry=uid, variant=name, reason="deleted")
                continue
            self._publications.drop(stack, entry=uid, variant=name, locale=locale, reason="deleted")
            for code, _name in published_from(self._conn, stack, uid, locale, name):
                self._publications.drop(
                    stack, entry=uid, variant=name, locale=code, reason="deleted"
                )
