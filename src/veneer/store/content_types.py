"""Content types: the schemas entries are validated against."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

import veneer.store.tables as t
from veneer.domain.listing import ListParams
from veneer.store.core import Dialect, Rows, dumps
from veneer.store.events import Events, NewEvent


class ContentTypes(Rows):
    def __init__(self, conn: Connection, sql: Dialect, events: Events) -> None:
        super().__init__(conn, sql)
        self._events = events

    def _event(self, stack: str, kind: str, doc: dict[str, Any]) -> None:
        actor = str(doc.get("updated_by", ""))
        self._events.record(
            stack, NewEvent(f"content_type_{kind}", content_type=doc["uid"], actor=actor, data=doc)
        )

    def get(self, stack: str, uid: str) -> dict[str, Any] | None:
        """A content type of a stack, or None."""
        return self._doc(t.content_types, stack=stack, uid=uid)

    def all(self, stack: str) -> list[dict[str, Any]]:
        """Every content type of a stack, oldest first."""
        c = t.content_types
        return self._docs(
            select(c.c.doc).where(c.c.stack == stack).order_by(c.c.created_at, c.c.uid)
        )

    def page(self, stack: str, lp: ListParams) -> tuple[list[dict[str, Any]], int | None]:
        """A page of a stack's content types, oldest first, and their number with
        `include_count`."""
        c = t.content_types
        query = select(c.c.doc).where(c.c.stack == stack).order_by(c.c.created_at, c.c.uid)
        return self._page(query, lp)

    def add(self, stack: str, doc: dict[str, Any]) -> None:
        """Store a new content type (its `uid` and `created_at` come from `doc`)."""
        self._insert(
            t.content_types,
            stack=stack,
            uid=doc["uid"],
            doc=dumps(doc),
            created_at=doc["created_at"],
        )
        self._event(stack, "created", doc)

    def replace(self, stack: str, doc: dict[str, Any]) -> None:
        """Replace a content type's document with `doc` (same `uid`)."""
        self._update(t.content_types, {"stack": stack, "uid": doc["uid"]}, doc=dumps(doc))
        self._event(stack, "updated", doc)

    def delete(self, stack: str, uid: str) -> None:
        """Delete a content type (its entries are purged separately)."""
        self._delete(t.content_types, stack=stack, uid=uid)
        self._event(stack, "deleted", {"uid": uid})
