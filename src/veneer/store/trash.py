"""The editor's trash: an entry deleted in the editor keeps its rows here, restorable.

Moving an entry in copies the rows of that one entry (keyed by stack and uid) into `trash_rows`
with INSERT … SELECT; the caller then purges the entry as the API's DELETE does, so it is gone from
every list, query and delivery at once. Restoring copies them back. Both are proportional to the
one entry's history, never to the stack."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, literal, select

import veneer.store.tables as t
from veneer.errors import Conflict
from veneer.store.core import Rows, dumps, loads, refusals

ENTRY, VERSION, VARIANT, VARIANT_VERSION = "entry", "version", "variant", "variant_version"


def taken() -> Conflict:
    """A trashed entry's uid is in use again (an import brought an entry with it)."""
    return Conflict(
        "Another entry now has this entry's uid, so it cannot be restored.",
        {"uid": ["is taken."]},
    )


@dataclass(frozen=True)
class Trashed:
    """What `Trash.take_back` hands back to be re-indexed: the latest versions, per locale."""

    content_type: str
    latest: list[dict[str, Any]]


class Trash(Rows):
    def put(self, stack: str, uid: str, content_type: str, title: str, actor: str, at: str) -> None:
        """Copy an entry's rows (every locale, version and entry variant) into the trash."""
        e, h = t.entries, t.entry_versions
        v, vh = t.entry_variants, t.entry_variant_versions
        sources = [
            (ENTRY, e, e.c.uid, e.c.locale, literal(""), e.c.version),
            (VERSION, h, h.c.uid, h.c.locale, literal(""), h.c.version),
            (VARIANT, v, v.c.entry, v.c.locale, v.c.variant, v.c.version),
            (VARIANT_VERSION, vh, vh.c.entry, vh.c.locale, vh.c.variant, vh.c.version),
        ]
        r = t.trash_rows
        columns = [r.c.stack, r.c.entry, r.c.kind, r.c.locale, r.c.variant, r.c.version, r.c.doc]
        for kind, table, entry, locale, variant, version in sources:
            rows = select(
                table.c.stack, entry, literal(kind), locale, variant, version, table.c.doc
            ).where(table.c.stack == stack, entry == uid)
            self._conn.execute(insert(r).from_select(columns, rows))
        codes = self._conn.execute(
            select(e.c.locale).where(e.c.stack == stack, e.c.uid == uid).order_by(e.c.locale)
        ).scalars()
        self._insert(
            t.trash,
            stack=stack,
            uid=uid,
            content_type=content_type,
            title=title,
            locales=dumps(list(codes)),
            deleted_by=actor,
            deleted_at=at,
        )

    def get(self, stack: str, uid: str) -> dict[str, Any] | None:
        """One trashed entry's summary row (`locales` as a list), or None."""
        row = self._row(t.trash, stack=stack, uid=uid)
        return {**row, "locales": loads(row["locales"])} if row is not None else None

    def page(
        self, stack: str, skip: int, limit: int, count_limit: int
    ) -> tuple[list[dict[str, Any]], int]:
        """The trash of a stack, most recently deleted first, one page, and how many in all,
        counted no further than `count_limit` + 1 (the page then says "more than")."""
        tr = t.trash
        query = (
            select(tr)
            .where(tr.c.stack == stack)
            .order_by(tr.c.deleted_at.desc(), tr.c.uid.desc())
            .offset(skip)
            .limit(limit)
        )
        rows = [{**row, "locales": loads(row["locales"])} for row in self._rows(query)]
        some = select(tr.c.uid).where(tr.c.stack == stack).limit(count_limit + 1).subquery()
        count = select(func.count()).select_from(some)
        return rows, int(self._conn.execute(count).scalar_one())

    def take_back(
        self, stack: str, uid: str, locales: set[str], variant_exists: Callable[[str], bool]
    ) -> Trashed | None:
        """Put a trashed entry's rows back, in the `locales` the stack still has and for the
        variants that still exist, and empty its place in the trash; None when it is not there.
        The caller re-indexes `latest` and claims its unique values."""
        found = self.get(stack, uid)
        if found is None:
            return None
        ct = found["content_type"]
        r = t.trash_rows
        rows = self._conn.execute(
            select(r.c.kind, r.c.locale, r.c.variant, r.c.version, r.c.doc).where(
                r.c.stack == stack, r.c.entry == uid
            )
        ).all()
        latest = []
        existing = {v: variant_exists(v) for v in {row[2] for row in rows} if v}
        with refusals(taken):
            for kind, code, variant, version, doc in rows:
                if code not in locales or (variant and not existing[variant]):
                    continue
                self._put_back(stack, uid, ct, kind, code, variant, version, doc)
                if kind == ENTRY:
                    latest.append(loads(doc))
        self.forget(stack, uid)
        return Trashed(ct, latest)

    def _put_back(
        self,
        stack: str,
        uid: str,
        ct: str,
        kind: str,
        code: str,
        variant: str,
        version: int,
        doc: str,
    ) -> None:
        """One trashed row back in its table."""
        keys: dict[str, Any] = {"stack": stack, "locale": code, "doc": doc, "version": version}
        if kind == ENTRY:
            self._insert(t.entries, **keys, uid=uid, content_type=ct)
        elif kind == VERSION:
            self._insert(t.entry_versions, **keys, uid=uid)
        elif kind == VARIANT:
            self._insert(t.entry_variants, **keys, entry=uid, variant=variant, content_type=ct)
        else:
            self._insert(t.entry_variant_versions, **keys, entry=uid, variant=variant)

    def forget(self, stack: str, uid: str) -> None:
        """Empty one entry's place in the trash (restored, or deleted for good)."""
        self._conn.execute(
            delete(t.trash_rows).where(t.trash_rows.c.stack == stack, t.trash_rows.c.entry == uid)
        )
        self._delete(t.trash, stack=stack, uid=uid)

    def forget_type(self, stack: str, content_type: str) -> None:
        """Empty the trash of a content type's entries (the content type is being deleted)."""
        tr = t.trash
        uids = self._conn.execute(
            select(tr.c.uid).where(tr.c.stack == stack, tr.c.content_type == content_type)
        ).scalars()
        for uid in list(uids):
            self.forget(stack, uid)
