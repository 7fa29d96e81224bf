"""The store: transactions over one database. Every operation is written once, in SQLAlchemy Core,
in the resource modules `Transaction` gathers; the subclasses in `sqlite.py` and `postgres.py`
supply only what differs: connecting, how a write transaction takes its lock, upserts, row locks,
the change log's ordering, and the driver-level connection of the delivery hot path."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.dml import Insert

from veneer.store.core import refusals
from veneer.store.published import PublishedReader
from veneer.store.transaction import Transaction


class Store:
    dialect = "base"

    def __init__(self, engine: Engine, url: str) -> None:
        self.engine = engine
        self.url = url

    # -- transactions -------------------------------------------------------------------------
    @contextmanager
    def read(self) -> Iterator[Transaction]:
        """A transaction for reading; it never blocks a writer."""
        with refusals(), self.engine.connect() as conn:
            yield Transaction(conn, self)

    @contextmanager
    def write(self) -> Iterator[Transaction]:
        """A transaction for writing: it holds the write lock from its start (so writers queue
        instead of deadlocking), commits on success and rolls back entirely on any exception."""
        with refusals(), self.engine.connect() as conn:
            self._begin_write(conn)
            with conn.begin():
                yield Transaction(conn, self)

    def _begin_write(self, conn: Connection) -> None:
        """Hook: SQLite marks the connection so that its BEGIN takes the write lock at once."""

    # -- what differs between the databases (`core.Dialect`) ---------------------------------
    def upsert(
        self, table: Table, values: Mapping[str, Any], changes: Mapping[str, Any] | None = None
    ) -> Insert:
        raise NotImplementedError

    def lock(self, conn: Connection, table: Table, keys: Mapping[str, Any]) -> None:
        raise NotImplementedError

    def order_changes(self, conn: Connection) -> None:
        raise NotImplementedError

    def lock_migrations(self, conn: Connection) -> None:
        """Make other processes that migrate at the same time wait until this one is done."""
        raise NotImplementedError

    # -- delivery hot path --------------------------------------------------------------------
    def published_reader(self, timeout: float) -> PublishedReader:
        """The delivery read path's reader (`store/published.py`), which skips SQLAlchemy's
        overhead; the database cuts off its statements `timeout` seconds into a request."""
        raise NotImplementedError

    def dispose(self) -> None:
        self.engine.dispose()
