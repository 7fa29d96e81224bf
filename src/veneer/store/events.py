"""Events: what happened to a stack's content, appended in the transaction that made it happen
(docs/events.md). Webhooks are sent from them (an outbox: an event exists exactly when its change
committed) and the Sync API reads its deltas from them. Sequence numbers follow commit order, as
the change log's do (`Dialect.order_changes`), so a reader that remembers the last number it
handled never skips an event committed later with a smaller one.

Types: `entry_created`, `entry_updated`, `entry_deleted`, `entry_published`, `entry_unpublished`
(with `variant` set for an entry variant), `asset_created`, `asset_updated`, `asset_deleted`,
`asset_published`, `asset_unpublished`, `content_type_created`, `content_type_updated`,
`content_type_deleted`. Publishing events name their environment and locale; the others have
environment ''. A published entry deleted, or unpublished because its entry was, is
`entry_deleted` in that environment and locale.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select

import veneer.store.tables as t
from veneer import ids
from veneer.store.core import Rows, dumps, loads


@dataclass(frozen=True)
class Event:
    seq: int
    stack: str
    type: str
    environment: str
    locale: str
    content_type: str
    uid: str
    variant: str
    at: str
    actor: str
    data: dict[str, Any]


@dataclass(frozen=True)
class NewEvent:
    """An event to append (`Events.record_many`)."""

    type: str
    environment: str = ""
    locale: str = ""
    content_type: str = ""
    uid: str = ""
    variant: str = ""
    actor: str = ""
    data: dict[str, Any] | None = None


class Events(Rows):
    def record(self, stack: str, event: NewEvent) -> None:
        """Append one event of a stack."""
        self.record_many(stack, [event])

    def record_many(self, stack: str, events: Sequence[NewEvent]) -> None:
        """Append events of a stack, in order."""
        if not events:
            return
        self._sql.order_changes(self._conn)
        at = ids.now()
        self._conn.execute(
            insert(t.events),
            [
                {
                    "stack": stack,
                    "type": e.type,
                    "environment": e.environment,
                    "locale": e.locale,
                    "content_type": e.content_type,
                    "uid": e.uid,
                    "variant": e.variant,
                    "at": at,
                    "actor": e.actor,
                    "data": dumps(e.data or {}),
                }
                for e in events
            ],
        )

    def after(
        self,
        seq: int,
        limit: int,
        *,
        stack: str | None = None,
        environment: str | None = None,
    ) -> list[Event]:
        """Up to `limit` events after `seq`, in order: of every stack, of one stack, or of one
        environment of a stack (each answered by an index range)."""
        e = t.events
        query = select(e).where(e.c.seq > seq)
        if stack is not None:
            query = query.where(e.c.stack == stack)
        if environment is not None:
            query = query.where(e.c.environment == environment)
        rows = self._conn.execute(query.order_by(e.c.seq).limit(limit)).mappings()
        return [Event(**{**row, "data": loads(row["data"])}) for row in rows]

    def last(self) -> int:
        """The sequence number of the latest event (0 without any)."""
        e = t.events
        found = self._conn.execute(select(e.c.seq).order_by(e.c.seq.desc()).limit(1)).scalar()
        return int(found or 0)
