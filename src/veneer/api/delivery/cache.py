"""The delivery cache of one process, kept exact across processes by the change log.

Every publish or unpublish appends a row to `changes` in the same transaction. Before each
delivery request a process reads the newest sequence number (one indexed lookup); when it moved, the
process reads the new rows and drops exactly the cached responses that depend on what they name:
the entry (in that environment), lists of its content type, or, for a row with no entry (tokens,
environments, locales changed), everything it cached for that stack. So once a publish has been
acknowledged, no process serves what it replaced.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Hashable, Iterable

from veneer.services.context import Services

Dep = tuple[str, ...]


@dataclass(frozen=True)
class Cached:
    body: bytes
    etag: str
    deps: tuple[Dep, ...]


def entry_dep(stack: str, environment: str, entry: str) -> Dep:
    return ("entry", stack, environment, entry)


def list_dep(stack: str, environment: str, content_type: str) -> Dep:
    return ("list", stack, environment, content_type)


def stack_dep(stack: str) -> Dep:
    return ("stack", stack)


class DeliveryCache:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.enabled = services.settings.delivery_cache
        self.capacity = services.settings.delivery_cache_entries
        self.items: OrderedDict[Hashable, Cached] = OrderedDict()
        self.index: dict[Dep, set[Hashable]] = {}
        self.memo: dict[Hashable, Any] = {}  # tokens, environments, locale chains (stack-scoped)
        self.last_seq: int | None = None
        self._local = threading.local()
        self._lock = threading.Lock()

    # -- the driver connection of this thread ---------------------------------------------------
    def conn(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self.services.store.raw_connection()
        return conn

    def query(self, sql: str, args: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        """`sql` uses `?` placeholders; PostgreSQL's driver wants `%s`."""
        if self.services.store.dialect == "postgresql":
            sql = sql.replace("?", "%s")
        cursor = self.conn().execute(sql, args)
        return cursor.fetchall()

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # -- keeping it exact -----------------------------------------------------------------------
    def sync(self) -> None:
        newest = self.query("SELECT MAX(seq) FROM changes", ())[0][0] or 0
        if self.last_seq is None or newest < self.last_seq:
            self.clear()  # first request, or the log was reset: trust nothing cached before
        elif newest > self.last_seq:
            rows = self.query("SELECT stack, environment, entry, content_type FROM changes WHERE seq > ? AND seq <= ?",
                              (self.last_seq, newest))
            self.purge(rows)
        self.last_seq = newest

    def purge(self, rows: Iterable[tuple[str, str, str, str]]) -> None:
        with self._lock:
            for stack, environment, entry, content_type in rows:
                if not entry:
                    self._drop(stack_dep(stack))
                    self.memo = {k: v for k, v in self.memo.items() if k[1] != stack}
                    continue
                self._drop(entry_dep(stack, environment, entry))
                self._drop(list_dep(stack, environment, content_type))

    def _drop(self, dep: Dep) -> None:
        for key in self.index.pop(dep, ()):
            cached = self.items.pop(key, None)
            if cached is not None:
                for other in cached.deps:
                    if other != dep and other in self.index:
                        self.index[other].discard(key)

    def clear(self) -> None:
        with self._lock:
            self.items.clear()
            self.index.clear()
            self.memo.clear()

    # -- responses ------------------------------------------------------------------------------
    def get(self, key: Hashable) -> Cached | None:
        if not self.enabled:
            return None
        return self.items.get(key)

    def put(self, key: Hashable, cached: Cached) -> None:
        if not self.enabled:
            return
        with self._lock:
            self.items[key] = cached
            for dep in cached.deps:
                self.index.setdefault(dep, set()).add(key)
            while len(self.items) > self.capacity:
                old_key, old = self.items.popitem(last=False)
                for dep in old.deps:
                    if dep in self.index:
                        self.index[dep].discard(old_key)
