"""The storage contract. One class of SQLAlchemy Core code for both databases; the subclasses in
`sqlite.py` and `postgres.py` supply only what differs: connecting, how a write transaction takes
its lock, upserts, and the driver-level read used on the delivery hot path."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import orjson
from sqlalchemy import Table, and_, delete, insert, select, update
from sqlalchemy.engine import Connection, Engine

from veneer.store.published import PublishedReader


def dumps(doc: Any) -> str:
    return orjson.dumps(doc).decode()


def loads(text: str | bytes) -> Any:
    return orjson.loads(text)


class Store:
    dialect = "base"

    def __init__(self, engine: Engine, url: str) -> None:
        self.engine = engine
        self.url = url

    # -- transactions -------------------------------------------------------------------------
    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One transaction that commits on success and rolls back on any exception."""
        with self.engine.connect() as conn:
            self._begin_write(conn)
            with conn.begin():
                yield conn

    def _begin_write(self, conn: Connection) -> None:
        """Hook: SQLite marks the connection so that its BEGIN takes the write lock at once."""

    def lock_rows(self, conn: Connection, table: Table, **keys: Any) -> None:
        """Serialize writers of one row (PostgreSQL: FOR UPDATE; SQLite holds a database lock)."""

    # -- small helpers shared by the services -------------------------------------------------
    @staticmethod
    def where(table: Table, keys: Mapping[str, Any]) -> Any:
        return and_(*(table.c[name] == value for name, value in keys.items()))

    def one(self, conn: Connection, table: Table, **keys: Any) -> dict[str, Any] | None:
        row = conn.execute(select(table).where(self.where(table, keys))).mappings().first()
        return dict(row) if row is not None else None

    def all(
        self, conn: Connection, table: Table, order_by: Any = None, **keys: Any
    ) -> list[dict[str, Any]]:
        query = select(table).where(self.where(table, keys))
        if order_by is not None:
            query = query.order_by(order_by)
        return [dict(row) for row in conn.execute(query).mappings()]

    def doc(self, conn: Connection, table: Table, **keys: Any) -> dict[str, Any] | None:
        row = self.one(conn, table, **keys)
        return loads(row["doc"]) if row is not None else None

    def insert(self, conn: Connection, table: Table, **values: Any) -> None:
        conn.execute(insert(table).values(**values))

    def update(self, conn: Connection, table: Table, keys: Mapping[str, Any], **values: Any) -> int:
        return conn.execute(update(table).where(self.where(table, keys)).values(**values)).rowcount

    def delete(self, conn: Connection, table: Table, **keys: Any) -> int:
        return conn.execute(delete(table).where(self.where(table, keys))).rowcount

    def upsert(self, conn: Connection, table: Table, values: Mapping[str, Any]) -> None:
        raise NotImplementedError

    # -- delivery hot path --------------------------------------------------------------------
    def published_reader(self, timeout: float) -> PublishedReader:
        """The delivery read path's reader (`store/published.py`), which skips SQLAlchemy's
        overhead; the database cuts off its statements `timeout` seconds into a request."""
        raise NotImplementedError

    def dispose(self) -> None:
        self.engine.dispose()
