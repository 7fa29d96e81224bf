"""Following the change log, so that one process's delivery cache stays exact across processes.

Every publish or unpublish (and every change of a stack's delivery settings) appends a row to
`changes` in the same transaction. Before each delivery request the process reads the newest
sequence number (one indexed lookup); when it moved, it reads the new rows and hands them to the
cache's `purge()`, which drops exactly what they name.

While the database cannot be reached, the follower keeps its place and the process goes on serving
what it cached (nothing can be published through an unreachable database); the first request after
it is back purges whatever changed meanwhile.
"""

from __future__ import annotations

from veneer.api.delivery.cache import DeliveryCache
from veneer.errors import Unavailable
from veneer.store.published import PublishedReader


class ChangeFollower:
    """Brings a `DeliveryCache` up to date with the change log before a request."""

    def __init__(self, published: PublishedReader, cache: DeliveryCache) -> None:
        self.published = published
        self.cache = cache
        self.last_seq: int | None = None

    def sync(self) -> None:
        """Purges what changed since the last sync; everything on the first one, or when the log
        went back (it was reset), since nothing cached before can be trusted. Nothing while the
        database is away: the cache is served as it stands."""
        try:
            newest = self.published.newest_change()
        except Unavailable:
            return
        last = self.last_seq
        if last is None or newest < last:
            self.cache.clear()
        elif newest > last:
            try:
                self.cache.purge(self.published.changes_after(last, newest))
            except Unavailable:
                return
        self.last_seq = newest
