"""Following the change log, so that one process's delivery cache stays exact across processes.

Every publish or unpublish (and every change of a stack's delivery settings) appends a row to
`changes` in the same transaction. Before each delivery request the process reads the newest
sequence number (one indexed lookup); when it moved, it reads the new rows and hands them to the
cache's `purge()`, which drops exactly what they name.
"""

from __future__ import annotations

from veneer.api.delivery.cache import DeliveryCache
from veneer.store.published import PublishedReader


class ChangeFollower:
    """Brings a `DeliveryCache` up to date with the change log before a request."""

    def __init__(self, published: PublishedReader, cache: DeliveryCache) -> None:
        self.published = published
        self.cache = cache
        self.last_seq: int | None = None

    def sync(self) -> None:
        """Purges what changed since the last sync; everything on the first one, or when the log
        went back (it was reset), since nothing cached before can be trusted."""
        newest, last = self.published.newest_change(), self.last_seq
        if last is None or newest < last:
            self.cache.clear()
        elif newest > last:
            self.cache.purge(self.published.changes_after(last, newest))
        self.last_seq = newest
