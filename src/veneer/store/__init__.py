"""Storage: `open_store(url)` picks the implementation of the contract in `base.py`."""

from __future__ import annotations

from veneer.store.base import Store, dumps, loads


def open_store(url: str) -> Store:
    if url.startswith("sqlite:"):
        from veneer.store.sqlite import SqliteStore

        return SqliteStore(url)
    from veneer.store.postgres import PostgresStore

    return PostgresStore(url)


__all__ = ["Store", "dumps", "loads", "open_store"]
