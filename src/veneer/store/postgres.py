"""PostgreSQL through psycopg 3. Writers serialize on the rows they change with FOR UPDATE, and on
one advisory lock to append to the change log. `statement_timeout` makes the server cancel a
statement that runs past a request's deadline (QueryCanceled)."""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import TupleRow
from sqlalchemy import Table, create_engine, event, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Connection, ExceptionContext
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.sql.dml import Insert

from veneer.store.base import Store
from veneer.store.core import CutOff, on_conflict, where
from veneer.store.published import PublishedReader


def sqlalchemy_url(url: str) -> str:
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def libpq_url(url: str) -> str:
    return "postgresql://" + sqlalchemy_url(url).split("://", 1)[1]


def _cut_off(exc: BaseException) -> bool:
    """Whether `exc` is the server cancelling a statement at `statement_timeout`."""
    return isinstance(exc, psycopg.errors.QueryCanceled)


def _on_error(context: ExceptionContext) -> CutOff | None:
    """A statement cancelled at a request's deadline is raised as `CutOff`."""
    original = context.original_exception
    if _cut_off(original):
        return CutOff(context.statement, context.parameters, original)
    return None


CONNECT_TIMEOUT = 5  # seconds: an unreachable server is reported (503), not waited for
READ_CONNECT_TIMEOUT = 2  # the delivery path connects on the event loop (libpq's least is 2)
# No JIT compilation on Veneer's connections: a list's plan is priced by its worst case (the
# entries with several values at a path), so at a million entries its cost passed `jit_above_cost`
# and PostgreSQL spent ~190 ms compiling a statement that ran in 1 ms (docs/scale-audit.md).
NO_JIT = "-c jit=off"


def _options(url: str) -> str:
    """libpq's `options` for `url`: the URL's own (a `search_path`, say), then no JIT (a keyword
    argument would replace the URL's rather than add to it)."""
    own = conninfo_to_dict(libpq_url(url)).get("options") or ""
    return f"{own} {NO_JIT}".strip()


def _milliseconds(seconds: float) -> int:
    """`statement_timeout`'s value for `seconds` (at least 1: 0 would mean no limit)."""
    return max(1, int(seconds * 1000))


class PostgresStore(Store):
    dialect = "postgresql"

    def __init__(self, url: str) -> None:
        engine = create_engine(
            sqlalchemy_url(url),
            pool_size=8,
            max_overflow=16,
            pool_pre_ping=True,
            connect_args={"connect_timeout": CONNECT_TIMEOUT, "options": _options(url)},
        )
        event.listen(engine, "handle_error", _on_error)
        super().__init__(engine, url)

    def _not_durable(self, conn: Connection) -> None:
        """An asynchronous commit: COMMIT returns before its WAL record is flushed (a crash of the
        server loses at most the last `wal_writer_delay` x 3 of such commits, never half of one)."""
        conn.exec_driver_sql("SET LOCAL synchronous_commit = off")

    @contextlib.contextmanager
    def _cut_off_at(self, conn: Connection, deadline: float) -> Iterator[None]:
        """`SET LOCAL statement_timeout` to the time left: it ends with the transaction, so the
        pooled connection keeps no deadline, and PostgreSQL does not apply it to COMMIT."""
        left = _milliseconds(deadline - time.monotonic())
        conn.exec_driver_sql(f"SET LOCAL statement_timeout = {left}")
        yield

    def upsert(
        self, table: Table, values: Mapping[str, Any], changes: Mapping[str, Any] | None = None
    ) -> Insert:
        statement = pg_insert(table).values(**values)
        return statement.on_conflict_do_update(**on_conflict(table, values, changes))

    def lock(self, conn: Connection, table: Table, keys: Mapping[str, Any]) -> None:
        """SELECT … FOR UPDATE: writers of other rows go on; writers of these wait."""
        conn.execute(select(*table.primary_key.columns).where(where(table, keys)).with_for_update())

    def order_changes(self, conn: Connection) -> None:
        """Writers commit concurrently, so a sequence number taken early could commit late and be
        skipped by a reader: one transaction-wide lock makes the change log's order commit order."""
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7300002)")

    def insert_rows(self, conn: Connection, table: Table, rows: Iterable[Sequence[Any]]) -> None:
        """COPY … FROM STDIN: one stream, no statement per row."""
        columns = ", ".join(column.name for column in table.columns)
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        statement = f"COPY {table.name} ({columns}) FROM STDIN"
        try:
            with cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
        except psycopg.IntegrityError as exc:  # as SQLAlchemy would raise them: see refusals
            raise IntegrityError(statement, None, exc) from exc
        except psycopg.DataError as exc:
            raise DataError(statement, None, exc) from exc

    def refresh_statistics(self) -> None:
        with self.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                "ANALYZE entries, publications, entry_values, unique_values, entry_variants"
            )

    def lock_migrations(self, conn: Connection) -> None:
        """Several workers may start at once: one migrates, the others wait and find it done."""
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7300001)")

    def _writable(self, conn: Connection) -> bool:
        """Whether the server takes writes (not a standby, nor read-only by default)."""
        return conn.exec_driver_sql("SHOW transaction_read_only").scalar() == "off"

    def published_reader(self, timeout: float, replica_url: str = "") -> PublishedReader:
        replica = PostgresReadDriver(libpq_url(replica_url)) if replica_url else None
        return PublishedReader(PostgresReadDriver(libpq_url(self.url)), timeout, replica)


# -- the delivery read path (store/published.py) -------------------------------------------------
@functools.lru_cache(maxsize=1024)  # list reads vary the number of placeholders
def _pyformat(sql: str) -> str:
    return sql.replace("?", "%s")


class PostgresReadDriver:
    """Raw psycopg connections for `PublishedReader`: `statement_timeout` makes the server cancel
    a statement that runs past the request's deadline (QueryCanceled)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.options = _options(url)

    def connect(
        self, timeout: float, past_deadline: Callable[[], bool]
    ) -> psycopg.Connection[TupleRow]:
        conn = psycopg.connect(
            self.url, autocommit=True, connect_timeout=READ_CONNECT_TIMEOUT, options=self.options
        )
        conn.execute(f"SET statement_timeout = {_milliseconds(timeout)}")
        return conn

    def statement(self, sql: str) -> str:
        return _pyformat(sql)  # psycopg takes `%s` placeholders

    def cut_off(self, exc: Exception) -> bool:
        return _cut_off(exc)

    def unavailable(self, exc: Exception) -> bool:
        return isinstance(exc, (psycopg.OperationalError, psycopg.InterfaceError))
