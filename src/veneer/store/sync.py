"""What the Sync API reads (docs/sync.md): an environment's published entries and assets in change
order, and its events after a point, each as a keyset page over an index, so that a page costs
the same on the first page of a million-entry stack as on the last.

An initial sync is bounded by `marks()`, read when it starts: publications whose change number is
at most the change log's mark (anything published later is in the events after the event log's
mark, which is where the sync token that ends the initial sync resumes).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, func, literal, select, union_all

import veneer.store.tables as t
from veneer.domain.assets import ASSET_CONTENT_TYPE
from veneer.domain.sync import CONTENT_TYPE_DELETED, Filters
from veneer.store.core import Rows, loads
from veneer.store.events import Event


@dataclass(frozen=True)
class Published:
    """One published entry or asset (`content_type` is `sys_assets` for an asset)."""

    seq: int
    content_type: str
    published_at: str
    doc: str  # the stored JSON


class SyncReads(Rows):
    def marks(self) -> tuple[int, int]:
        """(the last event's number, the last change's number), read in one statement (so one
        snapshot on either database)."""
        query = select(
            select(func.max(t.events.c.seq)).scalar_subquery(),
            select(func.max(t.changes.c.seq)).scalar_subquery(),
        )
        events, changes = self._conn.execute(query).one()
        return int(events or 0), int(changes or 0)

    def published(
        self, stack: str, environment: str, after: int, cap: int, limit: int, filters: Filters
    ) -> list[Published]:
        """Up to `limit` published entries and assets of an environment whose change number is
        after `after` and at most `cap`, in change order."""
        parts = self._published_queries(stack, environment, after, cap, filters)
        query = _first(parts, limit)
        return [] if query is None else [Published(*row) for row in self._conn.execute(query)]

    def count_published(self, stack: str, environment: str, cap: int, filters: Filters) -> int:
        """How many publications an initial sync bounded by `cap` holds."""
        return self._count(self._published_queries(stack, environment, 0, cap, filters))

    def _published_queries(
        self, stack: str, environment: str, after: int, cap: int, filters: Filters
    ) -> list[Select[Any]]:
        queries: list[Select[Any]] = []
        if "entry_published" in filters.types and filters.entries():
            p = t.publications
            match = [p.c.stack == stack, p.c.environment == environment, p.c.variant == ""]
            if filters.content_type:
                match.append(p.c.content_type == filters.content_type)
            queries.append(
                select(p.c.seq, p.c.content_type, p.c.published_at, p.c.doc)
                .where(*match, *_window(p.c.seq, after, cap), *_refine(p, filters))
                .order_by(p.c.seq)
            )
        if "asset_published" in filters.types and filters.assets():
            a = t.asset_publications
            kind = literal(ASSET_CONTENT_TYPE).label("content_type")
            queries.append(
                select(a.c.seq, kind, a.c.published_at, a.c.doc)
                .where(
                    a.c.stack == stack,
                    a.c.environment == environment,
                    *_window(a.c.seq, after, cap),
                    *_refine(a, filters),
                )
                .order_by(a.c.seq)
            )
        return queries

    def events(
        self, stack: str, environment: str, after: int, cap: int, limit: int, filters: Filters
    ) -> list[Event]:
        """Up to `limit` events a sync of an environment reports, numbered after `after` and at
        most `cap`, in order: its entries' and assets' publishing events (not entry variants'),
        and the stack's content type deletions."""
        query = _first(self._event_queries(stack, environment, after, cap, filters), limit)
        if query is None:
            return []
        rows = self._conn.execute(query).mappings()
        return [Event(**{**row, "data": loads(row["data"])}) for row in rows]

    def count_events(
        self, stack: str, environment: str, after: int, cap: int, filters: Filters
    ) -> int:
        return self._count(self._event_queries(stack, environment, after, cap, filters))

    def _count(self, parts: list[Select[Any]]) -> int:
        """The rows of queries over one table each, counted by their conditions alone (reading
        no documents: an index-only count where the conditions are the index's)."""
        counted = [
            select(func.count()).select_from(part.get_final_froms()[0]).where(part.whereclause)
            for part in parts
            if part.whereclause is not None
        ]
        return sum(int(self._conn.execute(query).scalar() or 0) for query in counted)

    def _event_queries(
        self, stack: str, environment: str, after: int, cap: int, filters: Filters
    ) -> list[Select[Any]]:
        e = t.events
        queries: list[Select[Any]] = []
        wanted = filters.event_types()
        if wanted:
            match = [e.c.stack == stack, e.c.environment == environment, e.c.variant == ""]
            if filters.content_type and filters.content_type != ASSET_CONTENT_TYPE:
                match.append(e.c.content_type == filters.content_type)
            if filters.locale:
                match.append(e.c.locale == filters.locale)
            queries.append(
                select(e)
                .where(*match, e.c.type.in_(wanted), *_window(e.c.seq, after, cap))
                .order_by(e.c.seq)
            )
        if CONTENT_TYPE_DELETED in filters.types and filters.content_type != ASSET_CONTENT_TYPE:
            match = [e.c.stack == stack, e.c.type == CONTENT_TYPE_DELETED]
            if filters.content_type:
                match.append(e.c.content_type == filters.content_type)
            queries.append(select(e).where(*match, *_window(e.c.seq, after, cap)).order_by(e.c.seq))
        return queries

    def key(self, name: str) -> str | None:
        """A server key (`server_keys`), if made."""
        k = t.server_keys
        found = self._conn.execute(select(k.c.value).where(k.c.name == name)).scalar()
        return str(found) if found is not None else None

    def make_key(self, name: str) -> str:
        """The server key `name`, made now if no process made it before."""
        values = {"name": name, "value": secrets.token_hex(32)}
        self._conn.execute(self._sql.upsert(t.server_keys, values, {"name": name}))
        made = self.key(name)
        assert made is not None
        return made


def _first(parts: list[Select[Any]], limit: int) -> Select[Any] | None:
    """The first `limit` rows of several queries ordered by `seq`, merged: each reads at most
    `limit` rows off its index (SQLite allows no LIMIT inside a UNION's member, hence the
    subqueries)."""
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0].limit(limit)
    members = [select(part.limit(limit).subquery()) for part in parts]
    merged = union_all(*members).subquery()
    return select(merged).order_by(merged.c.seq).limit(limit)


def _window(seq: Any, after: int, cap: int) -> list[ColumnElement[bool]]:
    return [seq > after, seq <= cap]


def _refine(table: Any, filters: Filters) -> list[ColumnElement[bool]]:
    """The locale and start-time filters of a publications table."""
    match: list[ColumnElement[bool]] = []
    if filters.locale:
        match.append(table.c.locale == filters.locale)
    if filters.start:
        match.append(table.c.published_at >= filters.start)
    return match
