"""PostgreSQL through psycopg 3. Writers serialize on the rows they change with FOR UPDATE."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import psycopg
from psycopg.rows import TupleRow
from sqlalchemy import Table, create_engine, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Connection

from veneer.store.base import Store
from veneer.store.published import PublishedReader


def sqlalchemy_url(url: str) -> str:
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def libpq_url(url: str) -> str:
    return "postgresql://" + sqlalchemy_url(url).split("://", 1)[1]


class PostgresStore(Store):
    dialect = "postgresql"

    def __init__(self, url: str) -> None:
        engine = create_engine(
            sqlalchemy_url(url), pool_size=8, max_overflow=16, pool_pre_ping=True
        )
        super().__init__(engine, url)

    def lock_rows(self, conn: Connection, table: Table, **keys: Any) -> None:
        conn.execute(
            select(table.c[next(iter(keys))]).where(self.where(table, keys)).with_for_update()
        )

    def upsert(self, conn: Connection, table: Table, values: Mapping[str, Any]) -> None:
        keys = [c.name for c in table.primary_key.columns]
        stmt = pg_insert(table).values(**values)
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=keys, set_={k: v for k, v in values.items() if k not in keys}
            )
        )

    def published_reader(self, timeout: float) -> PublishedReader:
        return PublishedReader(PostgresReadDriver(libpq_url(self.url)), timeout)


# -- the delivery read path (store/published.py) -------------------------------------------------
@functools.lru_cache(maxsize=1024)  # list reads vary the number of placeholders
def _pyformat(sql: str) -> str:
    return sql.replace("?", "%s")


class PostgresReadDriver:
    """Raw psycopg connections for `PublishedReader`: `statement_timeout` makes the server cancel
    a statement that runs past the request's deadline (QueryCanceled)."""

    def __init__(self, url: str) -> None:
        self.url = url

    def connect(
        self, timeout: float, past_deadline: Callable[[], bool]
    ) -> psycopg.Connection[TupleRow]:
        conn = psycopg.connect(self.url, autocommit=True)
        conn.execute(f"SET statement_timeout = {max(1, int(timeout * 1000))}")
        return conn

    def statement(self, sql: str) -> str:
        return _pyformat(sql)  # psycopg takes `%s` placeholders

    def cut_off(self, exc: Exception) -> bool:
        return isinstance(exc, psycopg.errors.QueryCanceled)
