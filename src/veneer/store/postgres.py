"""PostgreSQL through psycopg 3. Writers serialize on the rows they change with FOR UPDATE."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import psycopg
from sqlalchemy import Table, create_engine, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Connection

from veneer.store.base import Store


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

    def raw_connection(self) -> psycopg.Connection:
        return psycopg.connect(libpq_url(self.url), autocommit=True)
