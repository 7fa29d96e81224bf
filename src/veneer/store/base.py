"""The store: transactions over one database. Every operation is written once, in SQLAlchemy Core,
in the resource modules `Transaction` gathers; the subclasses in `sqlite.py` and `postgres.py`
supply only what differs: connecting, how a write transaction takes its lock, upserts, row locks,
the change log's ordering, how the database cuts a statement off at a deadline, and the
driver-level connection of the delivery hot path.

Request deadlines: the interfaces run each request inside `Store.deadline(timeout)`; every
transaction opened there (in the request's threads too: Starlette's thread pool copies the
context) runs under the request's deadline, enforced by the database itself, and a statement cut
off raises `RequestTimeout` (504). Work that is not a request (the scheduler, migrations, the CLI,
the demo loader) never enters one, so it is never cut off. A context rather than a parameter of
`read()`/`write()` keeps the services, which open transactions in many places, unaware of it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import Table, event
from sqlalchemy.engine import Connection, Engine, ExceptionContext
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.dml import Insert

from veneer.errors import Unavailable
from veneer.metrics import METRICS
from veneer.store.core import refusals, unreachable
from veneer.store.published import PublishedReader, timed_out
from veneer.store.transaction import Transaction

# The `time.monotonic()` deadline of the request this context serves; None outside requests.
_deadline: ContextVar[float | None] = ContextVar("veneer_request_deadline", default=None)
# What each write transaction also writes before it commits (`Store.recording`), or None.
_recording: ContextVar[Callable[[Transaction], None] | None] = ContextVar(
    "veneer_write_recording", default=None
)


def time_left() -> float | None:
    """Seconds left before the deadline of the request this context serves; None outside one."""
    deadline = _deadline.get()
    return None if deadline is None else deadline - time.monotonic()


def _no_statement_past_deadline(*_args: Any) -> None:
    """Before each statement: none starts once the request's deadline has passed."""
    deadline = _deadline.get()
    if deadline is not None and time.monotonic() >= deadline:
        raise timed_out()


def _query_started(conn: Connection, *_args: Any) -> None:
    conn.info["query_started"] = time.perf_counter()


def _query_ended(conn: Connection, *_args: Any) -> None:
    """Each statement's time, for /-/metrics (a failed one is not counted)."""
    started = conn.info.pop("query_started", None)
    if started is not None:
        METRICS.query("store", time.perf_counter() - started)


class Store:
    dialect = "base"

    def __init__(self, engine: Engine, url: str) -> None:
        self.engine = engine
        self.url = url
        event.listen(engine, "before_cursor_execute", _no_statement_past_deadline)
        event.listen(engine, "before_cursor_execute", _query_started)
        event.listen(engine, "after_cursor_execute", _query_ended)

    # -- transactions -------------------------------------------------------------------------
    @contextmanager
    def read(self) -> Iterator[Transaction]:
        """A transaction for reading; it never blocks a writer."""
        with refusals(), self.engine.connect() as conn, self._bounded(conn):
            yield Transaction(conn, self)

    @contextmanager
    def snapshot(self) -> Iterator[Transaction]:
        """A read transaction that sees the database as of its first statement however long it
        lasts (an export): SQLite's read transactions do; PostgreSQL's need REPEATABLE READ."""
        with refusals(), self.engine.connect() as conn:
            if self.dialect == "postgresql":
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            yield Transaction(conn, self)

    @contextmanager
    def write(self, *, bulk: bool = False, durable: bool = True) -> Iterator[Transaction]:
        """A transaction for writing: it holds the write lock from its start (so writers queue
        instead of deadlocking), commits on success and rolls back entirely on any exception,
        a request's deadline included (the deadline is lifted before COMMIT). `bulk`: a large
        transaction of the bulk write path, which the database may be tuned for. `durable=False`:
        bookkeeping that a crash of the database server may lose (the last fraction of a second
        of rate-limit counts), so COMMIT need not wait for the disk; still atomic."""
        with refusals(), self.engine.connect() as conn:
            self._begin_write(conn)
            with self._tuned(conn, bulk), conn.begin(), self._bounded(conn):
                if not durable:
                    self._not_durable(conn)
                tx = Transaction(conn, self)
                yield tx
                record = _recording.get()
                if record is not None:
                    record(tx)

    @staticmethod
    @contextmanager
    def recording(record: Callable[[Transaction], None] | None) -> Iterator[None]:
        """Run the block with `record(tx)` called at the end of each write transaction it opens,
        in that transaction (so what it writes commits with it or not at all): how far an import
        got is written with each step it takes (`veneer.transfer.csdx_journal`). None: nothing."""
        token = _recording.set(record)
        try:
            yield
        finally:
            _recording.reset(token)

    @contextmanager
    def _tuned(self, conn: Connection, bulk: bool) -> Iterator[None]:
        """Hook: tune `conn` for a bulk transaction until the block ends (SQLite: a page cache
        that holds the indexes being written)."""
        yield

    def _not_durable(self, conn: Connection) -> None:
        """Hook: let the transaction open on `conn` commit without waiting for the disk (SQLite in
        WAL mode with `synchronous = NORMAL` already does not sync at COMMIT)."""

    @staticmethod
    @contextmanager
    def deadline(timeout: float) -> Iterator[None]:
        """Run the block as a request: the transactions it opens are cut off by the database
        `timeout` seconds from now (see the module's docstring)."""
        token = _deadline.set(time.monotonic() + timeout)
        try:
            yield
        finally:
            _deadline.reset(token)

    @contextmanager
    def _bounded(self, conn: Connection) -> Iterator[None]:
        """Inside a request, the database cuts off `conn`'s statements at its deadline until the
        block ends; outside one, nothing changes."""
        deadline = _deadline.get()
        if deadline is None:
            yield
            return
        if time.monotonic() >= deadline:
            raise timed_out()
        with self._cut_off_at(conn, deadline):
            yield

    def _begin_write(self, conn: Connection) -> None:
        """Hook: SQLite marks the connection so that its BEGIN takes the write lock at once (and
        waits for it no longer than the request's deadline)."""

    def _cut_off_at(self, conn: Connection, deadline: float) -> AbstractContextManager[None]:
        """Hook: make the database stop `conn`'s statements at `deadline` (a `time.monotonic()`
        value) until the block ends, and report that as `core.CutOff`."""
        raise NotImplementedError

    # -- what differs between the databases (`core.Dialect`) ---------------------------------
    def upsert(
        self, table: Table, values: Mapping[str, Any], changes: Mapping[str, Any] | None = None
    ) -> Insert:
        raise NotImplementedError

    def lock(self, conn: Connection, table: Table, keys: Mapping[str, Any]) -> None:
        raise NotImplementedError

    def order_changes(self, conn: Connection) -> None:
        raise NotImplementedError

    def insert_rows(self, conn: Connection, table: Table, rows: Iterable[Sequence[Any]]) -> None:
        raise NotImplementedError

    def lock_migrations(self, conn: Connection) -> None:
        """Make other processes that migrate at the same time wait until this one is done."""
        raise NotImplementedError

    def refresh_statistics(self) -> None:
        """After a bulk load: bring the planner's statistics of the content tables up to date
        (PostgreSQL plans the lists' per-entry checks well only with them; docs/queries.md).
        SQLite keeps none unless asked, and its plans are made for that: nothing to do."""

    # -- delivery hot path --------------------------------------------------------------------
    def published_reader(self, timeout: float, replica_url: str = "") -> PublishedReader:
        """The delivery read path's reader (`store/published.py`), which skips SQLAlchemy's
        overhead; the database cuts off its statements `timeout` seconds into a request. With
        `replica_url`, it reads from that replica when told to (PostgreSQL only)."""
        raise NotImplementedError

    # -- health -------------------------------------------------------------------------------
    def problem(self, *, writes: bool = True) -> str | None:
        """What keeps the database from serving, or None: "is unreachable." when no statement gets
        through, "is read-only." when `writes` are expected and it refuses them."""
        try:
            with refusals(), self.engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
                if writes and not self._writable(conn):
                    return "is read-only."
        except Unavailable:
            return "is unreachable."
        return None

    def _writable(self, conn: Connection) -> bool:
        """Hook: whether the database takes writes from this process."""
        raise NotImplementedError

    def dispose(self) -> None:
        self.engine.dispose()

    def on_unreachable(self, callback: Callable[[], None]) -> None:
        """Calls `callback` whenever a connection or a statement fails because the database cannot
        be reached (or cut a statement off: a replica that slow is left alone too)."""

        def check(context: ExceptionContext) -> None:
            error = context.sqlalchemy_exception
            if isinstance(error, DBAPIError) and unreachable(error):
                callback()

        event.listen(self.engine, "handle_error", check)


class GrowingStatistics:
    """Keeps the planner's statistics in step with a load into a database (the bulk path, an
    import): refreshed once `FIRST` items are written, then each time their number doubled, so
    a load of n items refreshes them O(log n) times.

    Without it PostgreSQL plans a batch's look-ups (`value IN (…)` on `unique_values`'s primary
    key, `uid IN (…)` on `entries`') from statistics taken when the stack was empty or absent: it
    expects the key's prefix to hold a row or two, so it reads every row of the prefix and
    filters, instead of probing the key once per value. Each batch then costs time proportional
    to what the load has written so far, and the load is quadratic (an import of 100,000 entries
    ran at 270 entries/s against 1,449 for 10,000; docs/export-import.md)."""

    FIRST = 1_000

    def __init__(self, store: Store) -> None:
        self._store = store
        self._written = 0
        self._next = self.FIRST

    def wrote(self, count: int) -> None:
        """`count` more items were written (and committed)."""
        self._written += count
        if self._written >= self._next:
            self._store.refresh_statistics()
            self._next = 2 * self._written
