"""Storage: `open_store(url)` picks the implementation for the database `url` names.

Services open a transaction with `store.read()` or `store.write()` and call the named operations of
the `Transaction` it yields; they never see SQL, a connection or a driver error."""

from __future__ import annotations

from veneer.store.base import Store
from veneer.store.core import dumps, loads
from veneer.store.transaction import Transaction


def open_store(url: str) -> Store:
    if url.startswith("sqlite:"):
        from veneer.store.sqlite import SqliteStore

        return SqliteStore(url)
    from veneer.store.postgres import PostgresStore

    return PostgresStore(url)


__all__ = ["Store", "Transaction", "dumps", "loads", "open_store"]
