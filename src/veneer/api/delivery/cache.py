"""The delivery cache of one process, kept exact across processes by the change log.

Every publish or unpublish appends a row to `changes` in the same transaction. Before each
delivery request a process reads the newest sequence number (one indexed lookup); when it moved, the
process reads the new rows and drops exactly the cached responses that depend on what they name:
for a base entry, that entry (in that environment: a response that expanded it as a reference
depends on it too) and lists of its content type; for an entry variant, what was merged with that
variant, the variant reads of that entry and the variant lists of its content type (base reads stay);
for a row with no entry (tokens, environments, locales, content types changed), everything it
cached for that stack. So once a publish has been acknowledged, no process serves what it replaced. The lookup and the reads run on one driver connection per thread,
on which the database itself stops a query that outlives the request's deadline.
"""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Any

from veneer.errors import RequestTimeout
from veneer.services.context import Services

Dep = tuple[str, ...]
MEMO_LIMIT = 10_000
# Every delivery response: the variant header changes what an entry read serves.
VARY = (b"vary", b"x-cs-variant-uid")


@dataclass(frozen=True)
class Cached:
    """One response, ready to send: the bytes, their strong ETag and the ASGI headers."""

    body: bytes
    etag: str
    deps: tuple[Dep, ...]
    headers: tuple[tuple[bytes, bytes], ...]

    @classmethod
    def of(cls, body: bytes, deps: tuple[Dep, ...]) -> Cached:
        etag = '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'
        headers = (
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"etag", etag.encode()),
            (b"cache-control", b"no-cache"),
            VARY,
        )
        return cls(body, etag, deps, headers)

    @property
    def validators(self) -> list[tuple[bytes, bytes]]:
        """The headers of a 304 answer."""
        return [(b"etag", self.etag.encode()), (b"cache-control", b"no-cache"), VARY]


@dataclass
class Merged:
    """One entry merged with the variants it has published, as JSON bytes: cached per effective
    set of variants (see `variants`), below the responses. `response` is the plain single-entry
    answer built on it, made once and shared by every request that lands here."""

    body: bytes
    deps: tuple[Dep, ...]
    response: Cached | None = None


def _cut_off(exc: Exception) -> bool:
    """The database gave up because the request ran out of time."""
    if isinstance(exc, sqlite3.OperationalError):
        return "interrupted" in str(exc)
    return type(exc).__name__ == "QueryCanceled"


def entry_dep(stack: str, environment: str, entry: str) -> Dep:
    return ("entry", stack, environment, entry)


def list_dep(stack: str, environment: str, content_type: str) -> Dep:
    return ("list", stack, environment, content_type)


def stack_dep(stack: str) -> Dep:
    return ("stack", stack)


def variant_dep(stack: str, environment: str, entry: str, variant: str) -> Dep:
    """One published entry variant: what was merged with it."""
    return ("variant", stack, environment, entry, variant)


def entry_variants_dep(stack: str, environment: str, entry: str) -> Dep:
    """Any variant of the entry: a variant read, since which variants apply may change."""
    return ("entry-variants", stack, environment, entry)


def variant_list_dep(stack: str, environment: str, content_type: str) -> Dep:
    return ("variant-list", stack, environment, content_type)


class DeliveryCache:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.enabled = services.settings.delivery_cache
        self.capacity = services.settings.delivery_cache_entries
        self.items: OrderedDict[Hashable, Cached | Merged] = OrderedDict()
        self.index: dict[Dep, set[Hashable]] = {}
        self.memo: dict[
            tuple[str, ...], Any
        ] = {}  # tokens, environments, locale chains (stack-scoped)
        self.last_seq: int | None = None
        self._local = threading.local()
        self._lock = threading.Lock()

    # -- the driver connection of this thread ---------------------------------------------------
    def conn(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
        return conn

    def _connect(self) -> Any:
        """The database itself cuts off a read that runs past the request's deadline: SQLite through
        a progress handler, PostgreSQL through `statement_timeout`."""
        conn = self.services.store.raw_connection()
        if isinstance(conn, sqlite3.Connection):
            conn.set_progress_handler(self._past_deadline, 1000)
        else:
            conn.execute(
                f"SET statement_timeout = {max(1, int(self.services.settings.request_timeout * 1000))}"
            )
        return conn

    def start(self) -> float:
        """Begins a request on this thread; returns its deadline."""
        deadline = self._local.deadline = time.monotonic() + self.services.settings.request_timeout
        return deadline

    def deadline(self) -> float:
        return getattr(self._local, "deadline", float("inf"))

    def _past_deadline(self) -> int:
        return int(time.monotonic() > getattr(self._local, "deadline", float("inf")))

    def query(self, sql: str, args: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        """`sql` uses `?` placeholders; PostgreSQL's driver wants `%s`."""
        postgres = self.services.store.dialect == "postgresql"
        if postgres:
            sql = sql.replace("?", "%s")
        try:
            return self.conn().execute(sql, args).fetchall()
        except Exception as exc:
            if _cut_off(exc):
                raise RequestTimeout(
                    errors={"request": ["took longer than the configured limit."]}
                ) from None
            self.close()  # a broken connection is replaced on the next request
            raise

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            with contextlib.suppress(Exception):  # closing a connection that already broke
                conn.close()

    # -- keeping it exact -----------------------------------------------------------------------
    def sync(self) -> None:
        newest = self.query("SELECT MAX(seq) FROM changes", ())[0][0] or 0
        if self.last_seq is None or newest < self.last_seq:
            self.clear()  # first request, or the log was reset: trust nothing cached before
        elif newest > self.last_seq:
            rows = self.query(
                "SELECT stack, environment, entry, variant, content_type FROM changes "
                "WHERE seq > ? AND seq <= ?",
                (self.last_seq, newest),
            )
            self.purge(rows)
        self.last_seq = newest

    def purge(self, rows: Iterable[tuple[str, str, str, str, str]]) -> None:
        with self._lock:
            for stack, environment, entry, variant, content_type in rows:
                if not entry:
                    self._drop(stack_dep(stack))
                    self.memo = {k: v for k, v in self.memo.items() if k[1] != stack}
                elif variant:
                    self._drop(variant_dep(stack, environment, entry, variant))
                    self._drop(entry_variants_dep(stack, environment, entry))
                    self._drop(variant_list_dep(stack, environment, content_type))
                else:
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

    def remember(self, key: tuple[str, ...], value: Any) -> Any:
        """Memoize a token, environment or locale chain; bounded, as callers choose the keys."""
        if len(self.memo) >= MEMO_LIMIT:
            self.memo = {}
        self.memo[key] = value
        return value

    # -- responses and merged entries ----------------------------------------------------------
    def get(self, key: Hashable) -> Cached | None:
        item = self.items.get(key) if self.enabled else None
        return item if isinstance(item, Cached) else None

    def merged(self, key: Hashable) -> Merged | None:
        item = self.items.get(key) if self.enabled else None
        return item if isinstance(item, Merged) else None

    def put(self, key: Hashable, cached: Cached | Merged) -> None:
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
