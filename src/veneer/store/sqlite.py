"""SQLite: WAL on files, a busy timeout, and BEGIN IMMEDIATE for writers so that two writers never
deadlock on a lock upgrade (the readers never block them)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Table, create_engine, event
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from veneer.store.base import Store
from veneer.store.published import PublishedReader

BUSY_TIMEOUT_MS = 30_000


def _configure(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (see _on_begin)
    cursor = dbapi_conn.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _on_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.pop("write", False) else "BEGIN")


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
        event.listen(engine, "begin", _on_begin)
        super().__init__(engine, url)

    def _begin_write(self, conn: Connection) -> None:
        conn.info["write"] = True

    def upsert(self, conn: Connection, table: Table, values: Mapping[str, Any]) -> None:
        keys = [c.name for c in table.primary_key.columns]
        stmt = sqlite_insert(table).values(**values)
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=keys, set_={k: v for k, v in values.items() if k not in keys}
            )
        )

    def published_reader(self, timeout: float) -> PublishedReader:
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
        conn.set_progress_handler(past_deadline, 1000)  # asked every 1000 VM instructions
        return conn

    def statement(self, sql: str) -> str:
        return sql  # sqlite3 takes `?` placeholders

    def cut_off(self, exc: Exception) -> bool:
        return isinstance(exc, sqlite3.OperationalError) and "interrupted" in str(exc)
