"""Fixtures of the storage contract suite: a store (once per database) and a fresh stack in it,
made through the store's own operations."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from veneer import ids
from veneer.services.context import Services
from veneer.store import Store, Transaction
from veneer.store import tables as t

HOLD = 0.4  # how long a first writer keeps its transaction open in the waiting tests


@pytest.fixture
def store(services: Services) -> Store:
    return services.store


def stack_row(api_key: str, org_uid: str = "org") -> dict[str, Any]:
    now = ids.now()
    return {
        "api_key": api_key,
        "org_uid": org_uid,
        "name": "Contract",
        "description": "",
        "master_locale": "en-us",
        "owner_uid": "owner",
        "settings": {},
        "created_at": now,
        "updated_at": now,
    }


@pytest.fixture
def stack(store: Store) -> str:
    """A new stack with two locales: en-us (the master) and fr-fr, which falls back to it."""
    key = ids.blt()
    with store.write() as tx:
        tx.stacks.add(stack_row(key))
        tx.locales.add(key, {"code": "en-us", "fallback_locale": None})
        tx.locales.add(key, {"code": "fr-fr", "fallback_locale": "en-us"})
    return key


def entry(uid: str, locale: str = "en-us", version: int = 1, **fields: Any) -> dict[str, Any]:
    return {"uid": uid, "locale": locale, "_version": version, **fields}


def changes_after(store: Store, seq: int) -> list[dict[str, Any]]:
    """The change log's rows after `seq`, in order (read directly: delivery owns the reading)."""
    with store.engine.connect() as conn:
        query = select(t.changes).where(t.changes.c.seq > seq).order_by(t.changes.c.seq)
        return [dict(row) for row in conn.execute(query).mappings()]


def last_seq(store: Store) -> int:
    with store.write() as tx:
        return tx.changes.record("contract-marker")


def second_writer_waits(
    store: Store, first: Callable[[Transaction], Any], second: Callable[[Transaction], Any]
) -> tuple[Any, Any, float]:
    """Run `first` in a write transaction that stays open for HOLD seconds, and meanwhile `second`
    in another one: returns both results and how long the second took."""
    ready, results = threading.Event(), {}

    def run_first() -> None:
        with store.write() as tx:
            results["first"] = first(tx)
            ready.set()
            time.sleep(HOLD)

    thread = threading.Thread(target=run_first)
    thread.start()
    assert ready.wait(10)
    started = time.monotonic()
    with store.write() as tx:
        results["second"] = second(tx)
        took = time.monotonic() - started
    thread.join()
    return results["first"], results["second"], took
