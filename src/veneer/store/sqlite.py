"""SQLite: WAL on files, a busy timeout, and BEGIN IMMEDIATE for writers so that two writers never
deadlock on a lock upgrade (the readers never block them). A progress handler stops a statement
that runs past a request's deadline, which sqlite3 reports as "interrupted"."""

from __future__ import annotations

import contextlib
import functools
import itertools
import math
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Table, create_engine, event
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, ExceptionContext
from sqlalchemy.exc import DataError, DisconnectionError, IntegrityError
from sqlalchemy.sql.dml import Insert

from veneer.store.base import Store, time_left
from veneer.store.core import CutOff, on_conflict
from veneer.store.published import PublishedReader

BUSY_TIMEOUT_MS = 30_000
PROGRESS_STEPS = 1000  # the progress handler is asked every this many VM instructions
INSERT_SLICE = 5_000  # rows per executemany of the bulk path
BULK_CACHE_KIB = -262_144  # PRAGMA cache_size of a bulk transaction: 256 MB (negative: KiB)


@functools.lru_cache(maxsize=64)
def _insert_sql(table: Table) -> str:
    columns = [column.name for column in table.columns]
    return (
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    )


def _configure(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (see _on_begin)
    cursor = dbapi_conn.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _on_begin(conn: Connection) -> None:
    """A reader's BEGIN, or a writer's BEGIN IMMEDIATE, which waits for the write lock up to the
    busy timeout, and inside a request only until its deadline (`_cut_off` tells that apart)."""
    if "write" not in conn.info:
        conn.exec_driver_sql("BEGIN")
        return
    left = conn.info.pop("write")
    if left is None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        return
    dbapi_conn = conn.connection.driver_connection
    assert isinstance(dbapi_conn, sqlite3.Connection)
    dbapi_conn.execute(f"PRAGMA busy_timeout = {math.ceil(max(left, 0.001) * 1000)}")
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    finally:  # on the driver's connection: past the deadline, the store runs no statement
        dbapi_conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


def _cut_off(exc: BaseException) -> bool:
    """Whether `exc` is sqlite3 reporting that the progress handler stopped a statement, or that
    a writer gave up waiting for the write lock at the request's deadline."""
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    left = time_left()
    return "interrupted" in str(exc) or ("locked" in str(exc) and left is not None and left <= 0)


def _on_error(context: ExceptionContext) -> DataError | CutOff | None:
    """sqlite3 refuses an integer too large for a column with OverflowError, where PostgreSQL's
    driver raises DataError: raise that instead, for the store to translate the same way; and a
    statement stopped at a request's deadline as `CutOff`. A connection opened while the file was
    read-only stays read-only: it is thrown away (with the pool), so that writes work again as
    soon as the file is writable."""
    original = context.original_exception
    if isinstance(original, OverflowError):
        return DataError(context.statement, context.parameters, original)
    if _cut_off(original):
        return CutOff(context.statement, context.parameters, original)
    if isinstance(original, sqlite3.OperationalError) and "readonly" in str(original):
        context.is_disconnect = True
    return None


class SqliteStore(Store):
    dialect = "sqlite"

    def __init__(self, url: str) -> None:
        path = url.split("sqlite:///", 1)[1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        engine = create_engine(
            url,
            pool_size=8,
            max_overflow=16,
            connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
        )
        event.listen(engine, "connect", _configure)
        event.listen(engine, "connect", self._note_mode)
        event.listen(engine, "checkout", self._drop_if_writable_again)
        event.listen(engine, "begin", _on_begin)
        event.listen(engine, "handle_error", _on_error)
        super().__init__(engine, url)

    def _file_writable(self) -> bool:
        return self.path in ("", ":memory:") or os.access(self.path, os.W_OK)

    def _note_mode(self, _dbapi_conn: Any, record: Any) -> None:
        """sqlite3 opens a file it may not write read-only, for good: remember that."""
        record.info["read_only"] = not self._file_writable()

    def _drop_if_writable_again(self, _dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        """A connection opened read-only is replaced once the file is writable again."""
        if record.info.get("read_only") and self._file_writable():
            raise DisconnectionError("the database file is writable again")

    def _begin_write(self, conn: Connection) -> None:
        conn.info["write"] = time_left()

    @contextlib.contextmanager
    def _tuned(self, conn: Connection, bulk: bool) -> Iterator[None]:
        """A bulk transaction writes index pages all over the B-trees: with SQLite's default page
        cache (2 MB) each batch re-reads them from the WAL (measured: ~18% less CPU with 256 MB).
        The pooled connection gets its default back."""
        if not bulk:
            yield
            return
        dbapi_conn = conn.connection.driver_connection
        assert isinstance(dbapi_conn, sqlite3.Connection)
        default = dbapi_conn.execute("PRAGMA cache_size").fetchone()[0]
        dbapi_conn.execute(f"PRAGMA cache_size = {BULK_CACHE_KIB}")
        try:
            yield
        finally:
            with contextlib.suppress(sqlite3.ProgrammingError):  # the connection broke and closed
                dbapi_conn.execute(f"PRAGMA cache_size = {int(default)}")

    @contextlib.contextmanager
    def _cut_off_at(self, conn: Connection, deadline: float) -> Iterator[None]:
        """A progress handler on the pooled sqlite3 connection, removed at the end of the block so
        that the pool never hands out a connection with a stale deadline."""
        dbapi_conn = conn.connection.driver_connection
        assert isinstance(dbapi_conn, sqlite3.Connection)
        dbapi_conn.set_progress_handler(lambda: time.monotonic() > deadline, PROGRESS_STEPS)
        try:
            yield
        finally:
            with contextlib.suppress(sqlite3.ProgrammingError):  # the connection broke and closed
                dbapi_conn.set_progress_handler(None, PROGRESS_STEPS)

    def upsert(
        self, table: Table, values: Mapping[str, Any], changes: Mapping[str, Any] | None = None
    ) -> Insert:
        statement = sqlite_insert(table).values(**values)
        return statement.on_conflict_do_update(**on_conflict(table, values, changes))

    def lock(self, conn: Connection, table: Table, keys: Mapping[str, Any]) -> None:
        """Nothing to do: a writer holds the database's write lock from BEGIN IMMEDIATE."""

    def order_changes(self, conn: Connection) -> None:
        """Nothing to do: writers run one at a time, so sequence numbers follow commit order."""

    def lock_migrations(self, conn: Connection) -> None:
        """Nothing to do: SQLite admits one writer at a time."""

    def _writable(self, conn: Connection) -> bool:
        """Whether this process may write the database file (an in-memory database always)."""
        return self._file_writable()

    def insert_rows(self, conn: Connection, table: Table, rows: Iterable[Sequence[Any]]) -> None:
        """executemany straight on the driver, in slices: SQLAlchemy's per-row work is the cost."""
        sql = _insert_sql(table)
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        rows = iter(rows)
        while batch := list(itertools.islice(rows, INSERT_SLICE)):
            try:
                cursor.executemany(sql, batch)
            except sqlite3.IntegrityError as exc:  # as SQLAlchemy would raise them: see refusals
                raise IntegrityError(sql, None, exc) from exc
            except OverflowError as exc:
                raise DataError(sql, None, exc) from exc

    def published_reader(self, timeout: float, replica_url: str = "") -> PublishedReader:
        if replica_url:
            raise ValueError("SQLite has no read replicas")
        return PublishedReader(SqliteReadDriver(self.path), timeout)


# -- the delivery read path (store/published.py) -------------------------------------------------
class SqliteReadDriver:
    """Raw sqlite3 connections for `PublishedReader`: a progress handler stops a statement that
    runs past the request's deadline, which sqlite3 reports as "interrupted"."""

    def __init__(self, path: str) -> None:
        self.path = path

    def connect(self, timeout: float, past_deadline: Callable[[], bool]) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, check_same_thread=False, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000
        )
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.set_progress_handler(past_deadline, PROGRESS_STEPS)
        return conn

    def statement(self, sql: str) -> str:
        return sql  # sqlite3 takes `?` placeholders

    def cut_off(self, exc: Exception) -> bool:
        return _cut_off(exc)

    def unavailable(self, exc: Exception) -> bool:
        return isinstance(exc, sqlite3.OperationalError)
