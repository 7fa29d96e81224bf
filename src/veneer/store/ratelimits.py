"""Rate-limit counters: hits per key in fixed time windows, shared by every worker process."""

from __future__ import annotations

from sqlalchemy import delete, select, update

import veneer.store.tables as t
from veneer.store.core import Rows


class RateCounters(Rows):
    def count(self, key: str, window: int) -> int:
        """How many hits `key` had in a window."""
        c = t.rate_counters
        query = select(c.c.count).where(c.c.key == key, c.c.window == window)
        return int(self._conn.execute(query).scalar() or 0)

    def hit(self, key: str, window: int) -> int:
        """Count one more hit of `key` in a window and return the window's count; the first hit of
        a window forgets the windows that ended."""
        c = t.rate_counters
        statement = self._sql.upsert(
            c, {"key": key, "window": window, "count": 1}, {"count": c.c.count + 1}
        )
        count = int(self._conn.execute(statement.returning(c.c.count)).scalar_one())
        if count == 1:
            self._conn.execute(delete(c).where(c.c.key == key, c.c.window < window))
        return count

    def release(self, key: str, window: int) -> None:
        """Take back one hit of `key` in a window (an attempt reserved and then not spent)."""
        c = t.rate_counters
        self._conn.execute(
            update(c)
            .where(c.c.key == key, c.c.window == window, c.c.count > 0)
            .values(count=c.c.count - 1)
        )
