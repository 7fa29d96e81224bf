"""The delivery read path's storage contract: everything the Content Delivery API reads, as named
operations of `PublishedReader`.

Publishing stored each document ready to serve, so delivery answers from its process cache or with
a few keyed lookups. It skips SQLAlchemy for them: each thread holds one raw driver connection,
which measured 2-4x faster than a pool, a thread hop or aiosqlite. The database itself enforces a
request's deadline, so a slow statement is stopped while it runs: a statement cut off raises
`RequestTimeout`; any other driver error closes the connection (the next request opens a new one)
and propagates, as `Unavailable` (503) when the database cannot be reached.

The SQL is written here once, with `?` placeholders. What differs between the databases
(connecting, the placeholder style, setting up the deadline, recognising a cut-off) is a
`ReadDriver`, defined at the end of `sqlite.py` and `postgres.py`; `Store.published_reader()` pairs
the store's driver with a reader.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, Protocol

import orjson

from veneer.errors import RequestTimeout, Unavailable
from veneer.metrics import METRICS

log = logging.getLogger("veneer")


class Cursor(Protocol):
    def fetchall(self) -> list[Any]: ...


class Connection(Protocol):
    """The part of a DB-API connection the reader uses."""

    def execute(self, sql: str, args: Sequence[Any], /) -> Cursor: ...

    def close(self) -> None: ...


class ReadDriver(Protocol):
    """What differs between the databases on the delivery read path."""

    def connect(self, timeout: float, past_deadline: Callable[[], bool]) -> Connection:
        """A new autocommit connection on which the database stops a statement past the request's
        deadline (`timeout` seconds after its start; `past_deadline()` tells whether it passed)."""
        ...

    def statement(self, sql: str) -> str:
        """`sql`, written with `?` placeholders, in the driver's parameter style."""
        ...

    def cut_off(self, exc: Exception) -> bool:
        """Whether `exc` is the database stopping a statement at the deadline."""
        ...

    def unavailable(self, exc: Exception) -> bool:
        """Whether `exc` says the database cannot be reached (or opened) right now."""
        ...


class Change(NamedTuple):
    """One row of the change log: what a publish, an unpublish or a settings change touched."""

    stack: str
    environment: str
    entry: str
    variant: str
    content_type: str


class PublishedVariant(NamedTuple):
    """A variant published for an entry in one locale, with its stored patch document."""

    entry: str
    locale: str
    variant: str
    alias: str | None
    doc: bytes


def timed_out() -> RequestTimeout:
    """The error of a request that ran past its deadline."""
    return RequestTimeout(errors={"request": ["took longer than the configured limit."]})


class _Throttle:
    """At most one log line a second for a repeated failure, counting the ones left out."""

    def __init__(self) -> None:
        self.next_at = 0.0
        self.left_out = 0

    def warn(self, message: str) -> None:
        now = time.monotonic()
        if now < self.next_at:
            self.left_out += 1
            return
        more = f" (and {self.left_out} more)" if self.left_out else ""
        log.warning("database unavailable: %s%s", message, more)
        self.next_at, self.left_out = now + 1.0, 0


_unavailable_log = _Throttle()


def unavailable(cause: BaseException) -> Unavailable:
    """The error of a request the database could not serve (unreachable, or refusing writes);
    logged here in one line (at most one a second)."""
    _unavailable_log.warn((str(cause).strip().splitlines() or [type(cause).__name__])[0])
    return Unavailable(errors={"database": ["is unreachable or read-only; retry shortly."]})


def _marks(values: Sequence[Any]) -> str:
    return ",".join("?" * len(values))


class PublishedReader:
    """Reads published content and what a delivery request needs to resolve, on this thread's
    connection and under this thread's request deadline (see `start`).

    With a `replica` (`VENEER_READ_DATABASE_URL`), the change log is always read on the primary
    and everything else on the replica while `use_replica(True)` holds for this thread: the
    follower (`api/delivery/follower.py`) says so only once the replica holds every change the
    primary had logged when the request began."""

    def __init__(
        self, driver: ReadDriver, timeout: float, replica: ReadDriver | None = None
    ) -> None:
        self._driver = driver
        self._replica = replica
        self._timeout = timeout
        self._local = threading.local()
        self.replica_reads = 0  # statements the replica answered for requests
        self.replica_failed = False  # set when it could not be reached; the follower reads it

    # -- one request on this thread -------------------------------------------------------------
    def start(self) -> float:
        """Begins a request on this thread; returns its deadline (a `time.monotonic()` value)."""
        deadline: float = time.monotonic() + self._timeout
        self._local.deadline = deadline
        return deadline

    def deadline(self) -> float:
        """The deadline of this thread's request (none before the first)."""
        deadline: float = getattr(self._local, "deadline", float("inf"))
        return deadline

    def _past_deadline(self) -> bool:
        return time.monotonic() > self.deadline()

    @property
    def has_replica(self) -> bool:
        return self._replica is not None

    def use_replica(self, on: bool) -> None:
        """Whether this thread's next reads (the change log's aside) go to the replica."""
        self._local.on_replica = on and self._replica is not None

    def mark_replica_failed(self) -> None:
        """The replica could not be reached: this thread reads the primary from now on, and the
        follower leaves the replica alone for a while."""
        self.replica_failed = True
        self.use_replica(False)

    def on_replica(self) -> bool:
        """Whether this thread's reads go to the replica now."""
        return bool(getattr(self._local, "on_replica", False))

    def _rows(self, sql: str, args: Sequence[Any], *, replica: bool | None = None) -> list[Any]:
        """Every row of one statement, run under the request's deadline: on the replica when
        `replica` is True, or when it is None and this thread uses it; else on the primary."""
        follow = replica is None
        if follow:
            replica = self.on_replica()
        if replica and self._replica is not None:
            driver, name = self._replica, "replica_conn"
        else:
            driver, name = self._driver, "conn"
        try:
            conn: Connection | None = getattr(self._local, name, None)
            if conn is None:
                conn = driver.connect(self._timeout, self._past_deadline)
                setattr(self._local, name, conn)
            started = time.perf_counter()
            rows = conn.execute(driver.statement(sql), args).fetchall()
            METRICS.query("delivery", time.perf_counter() - started)
            if follow and name == "replica_conn":
                self.replica_reads += 1  # what the replica served (its position checks aside)
            return rows
        except Exception as exc:
            if driver.cut_off(exc):
                raise timed_out() from None
            self._close(name)  # a broken connection is replaced on the next request
            if driver.unavailable(exc):
                if follow and name == "replica_conn":  # the primary holds all it did, and more
                    self.mark_replica_failed()
                    return self._rows(sql, args, replica=False)
                raise unavailable(exc) from None
            raise

    def close(self) -> None:
        """Closes this thread's connections, if it has any."""
        self._close("conn")
        self._close("replica_conn")

    def _close(self, name: str) -> None:
        conn = getattr(self._local, name, None)
        setattr(self._local, name, None)
        if conn is not None:
            with contextlib.suppress(Exception):  # closing a connection that already broke
                conn.close()

    # -- the change log -------------------------------------------------------------------------
    def newest_change(self) -> int:
        """The sequence number of the newest change-log row on the primary (0 while the log is
        empty)."""
        return int(self._rows("SELECT MAX(seq) FROM changes", (), replica=False)[0][0] or 0)

    def replica_newest_change(self) -> int:
        """The same on the replica: how far it has applied the primary's changes (the change log
        follows commit order, which a streaming replica applies in)."""
        return int(self._rows("SELECT MAX(seq) FROM changes", (), replica=True)[0][0] or 0)

    def changes_after(self, seq: int, upto: int) -> list[Change]:
        """The change-log rows after sequence number `seq`, up to `upto` included (primary)."""
        rows = self._rows(
            "SELECT stack, environment, entry, variant, content_type FROM changes "
            "WHERE seq > ? AND seq <= ?",
            (seq, upto),
            replica=False,
        )
        return [Change(*row) for row in rows]

    # -- who asks, and where ---------------------------------------------------------------------
    def delivery_token(self, token_hash: str) -> tuple[str, dict[str, Any]] | None:
        """The stack and the document (scope, expiry) of the delivery token with this hash."""
        rows = self._rows(
            "SELECT stack, doc FROM tokens WHERE token_hash = ? AND kind = 'delivery'",
            (token_hash,),
        )
        return (rows[0][0], orjson.loads(rows[0][1])) if rows else None

    def stack_exists(self, api_key: str) -> bool:
        """Whether a stack has this api key."""
        return bool(self._rows("SELECT 1 FROM stacks WHERE api_key = ?", (api_key,)))

    def master_locale(self, stack: str) -> str | None:
        """The code of the stack's master locale (None when there is no such stack)."""
        rows = self._rows("SELECT master_locale FROM stacks WHERE api_key = ?", (stack,))
        return rows[0][0] if rows else None

    def stack_settings(self, stack: str) -> dict[str, Any] | None:
        """The stack's settings document (None when there is no such stack)."""
        rows = self._rows("SELECT settings FROM stacks WHERE api_key = ?", (stack,))
        return orjson.loads(rows[0][0] or "{}") if rows else None

    def environment_uid(self, stack: str, name: str) -> str | None:
        """The uid of the stack's environment named `name`, or whose uid is `name`."""
        rows = self._rows(
            "SELECT uid FROM environments WHERE stack = ? AND (name = ? OR uid = ?)",
            (stack, name, name),
        )
        return rows[0][0] if rows else None

    def locale_fallback(self, stack: str, code: str) -> str | None | bool:
        """The fallback of the stack's locale `code`: a code, None when it has none, False when
        the stack has no such locale (what `domain.listing.fallback_chain` asks)."""
        rows = self._rows("SELECT doc FROM locales WHERE stack = ? AND code = ?", (stack, code))
        return orjson.loads(rows[0][0]).get("fallback_locale") if rows else False

    # -- content types -------------------------------------------------------------------------
    def content_type(self, stack: str, uid: str) -> dict[str, Any] | None:
        """The schema document of one content type of the stack."""
        rows = self._rows("SELECT doc FROM content_types WHERE stack = ? AND uid = ?", (stack, uid))
        return orjson.loads(rows[0][0]) if rows else None

    def content_types(self, stack: str) -> list[dict[str, Any]]:
        """The schema documents of the stack's content types, oldest first."""
        rows = self._rows(
            "SELECT doc FROM content_types WHERE stack = ? ORDER BY created_at, uid", (stack,)
        )
        return [orjson.loads(row[0]) for row in rows]

    # -- published documents -------------------------------------------------------------------
    def published_entry(
        self, stack: str, environment: str, locale: str, content_type: str, entry: str
    ) -> bytes | None:
        """The stored published base document of one entry of `content_type` in one locale."""
        rows = self._rows(
            "SELECT doc FROM publications WHERE stack = ? AND environment = ? AND locale = ? "
            "AND entry = ? AND variant = '' AND content_type = ?",
            (stack, environment, locale, entry, content_type),
        )
        return rows[0][0].encode() if rows else None  # both drivers return text as str

    def variant_names(self, stack: str, names: Sequence[str]) -> list[tuple[str, str | None]]:
        """(uid, alias) of the stack's variants named by `names` (uid or alias): one indexed read,
        made only when a request asks for `include_variant_explain`."""
        if not names:
            return []
        rows = self._rows(
            "SELECT uid, alias FROM variants "
            f"WHERE stack = ? AND (uid IN ({_marks(names)}) OR alias IN ({_marks(names)}))",
            (stack, *names, *names),
        )
        return [(uid, alias) for uid, alias in rows]

    def touching(
        self,
        stack: str,
        environment: str,
        content_type: str,
        locales: Sequence[str],
        variants: Sequence[str],
        fields: Sequence[str],
    ) -> list[str]:
        """The entries of `content_type` with one of `variants` (uids) published in `environment`
        in one of `locales` whose patch touches one of the top-level `fields` (merged queries,
        docs/variants-beyond.md §5): one range of ix_variant_fields_lookup per variant and field."""
        if not (locales and variants and fields):
            return []
        rows = self._rows(
            "SELECT entry FROM variant_fields "
            "WHERE stack = ? AND environment = ? AND content_type = ? "
            f"AND variant IN ({_marks(variants)}) AND field IN ({_marks(fields)}) "
            f"AND locale IN ({_marks(locales)})",
            (stack, environment, content_type, *variants, *fields, *locales),
        )
        return sorted({entry for (entry,) in rows})  # no DISTINCT: SQLite then walks the key

    def published_variants(
        self,
        stack: str,
        environment: str,
        entries: Sequence[str],
        locales: Sequence[str],
        names: Sequence[str],
    ) -> list[PublishedVariant]:
        """The variants named by `names` (uid or alias) that are published for any of `entries` in
        any of `locales`, with their stored patch documents: one indexed read, from the named
        variants to their publications of the entries (`CROSS JOIN` keeps SQLite to that order:
        from the publications' side, with a page of entries, it read every publication of the
        environment and locale, 1.5 s a list at 1,000,000 entries)."""
        if not (entries and locales and names):
            return []
        rows = self._rows(
            "SELECT p.entry, p.locale, v.uid, v.alias, p.doc FROM variants v "
            "CROSS JOIN publications p "
            f"WHERE v.stack = ? AND (v.uid IN ({_marks(names)}) OR v.alias IN ({_marks(names)})) "
            "AND p.stack = v.stack AND p.variant = v.uid AND p.environment = ? "
            f"AND p.locale IN ({_marks(locales)}) AND p.entry IN ({_marks(entries)})",
            (stack, *names, *names, environment, *locales, *entries),
        )
        return [
            PublishedVariant(entry, locale, uid, alias, doc.encode())
            for entry, locale, uid, alias, doc in rows
        ]
