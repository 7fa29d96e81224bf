"""Following the change log, so that one process's delivery cache stays exact across processes.

Every publish or unpublish (and every change of a stack's delivery settings) appends a row to
`changes` in the same transaction. Before each delivery request the process reads the newest
sequence number (one indexed lookup); when it moved, it reads the new rows and hands them to the
cache's `purge()`, which drops exactly what they name.

While the database cannot be reached, the follower keeps its place and the process goes on serving
what it cached (nothing can be published through an unreachable database); the first request after
it is back purges whatever changed meanwhile.

`VENEER_CHANGE_CHECK_INTERVAL` (opt-in, at most 1 s) trades that exactness for speed: the lookup is
a database round trip that, on PostgreSQL, costs more than serving a cached answer
(benchmarks/cluster.py), so a process may look at most once per interval instead, and a replaced
document may be served for up to that long.

With a read replica (`VENEER_READ_DATABASE_URL`) the newest sequence number is still read on the
primary, and the request reads from the replica only when the replica's own newest row is at least
that number (asked again only when the primary has moved past what the replica was last seen to
hold); else from the primary. The log follows commit order and a streaming replica applies commits
in that order, so a replica holding row N holds everything committed up to it: a request that began
after a publish was acknowledged never reads what it replaced, from either database.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from veneer.api.delivery.cache import DeliveryCache
from veneer.errors import Unavailable
from veneer.store.published import PublishedReader

REPLICA_REST = 5.0  # seconds before a replica that could not be reached is tried again


class ChangeFollower:
    """Brings a `DeliveryCache` up to date with the change log before a request."""

    def __init__(
        self,
        published: PublishedReader,
        cache: DeliveryCache,
        interval: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.published = published
        self.cache = cache
        self.interval = interval  # VENEER_CHANGE_CHECK_INTERVAL
        self.clock = clock
        self.checked_at = 0.0
        self.last_seq: int | None = None
        self.replica_seq = 0  # the newest change the replica was seen to hold
        self.replica_down_until = 0.0  # a replica that could not be reached rests until then

    def sync(self) -> None:
        """Purges what changed since the last sync; everything on the first one, or when the log
        went back (it was reset), since nothing cached before can be trusted. Nothing while the
        database is away: the cache is served as it stands. With an `interval`, at most once
        per interval: the requests between are served as the last look left things."""
        if self.interval:
            now = self.clock()
            if self.last_seq is not None and now - self.checked_at < self.interval:
                return
            self.checked_at = now
        try:
            newest = self.published.newest_change()
        except Unavailable:
            self.published.use_replica(False)
            return
        last = self.last_seq
        if last is None or newest < last:
            self.cache.clear()
            self.replica_seq = 0
        elif newest > last:
            try:
                self.cache.purge(self.published.changes_after(last, newest))
            except Unavailable:
                self.published.use_replica(False)
                return
        self.last_seq = newest
        self.published.use_replica(self._replica_holds(newest))

    def _replica_holds(self, newest: int) -> bool:
        """Whether the replica has applied the primary's change `newest` (False without one, or
        while it cannot be reached: the primary serves, and the replica is left alone for
        `REPLICA_REST` seconds)."""
        if not self.published.has_replica:
            return False
        now = self.clock()
        if self.published.replica_failed:  # a request found it gone
            self.published.replica_failed = False
            self.replica_down_until, self.replica_seq = now + REPLICA_REST, 0
        if now < self.replica_down_until:
            return False
        if self.replica_seq < newest:
            try:
                self.replica_seq = self.published.replica_newest_change()
            except Unavailable:
                # A host that does not answer takes the connect timeout (2 s) to fail: not
                # again on every request.
                self.replica_down_until = now + REPLICA_REST
                return False
        return self.replica_seq >= newest
