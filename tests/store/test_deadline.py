"""Request deadlines: inside `Store.deadline()` the database itself cuts off a transaction's
statements (SQLite's progress handler, PostgreSQL's statement_timeout); outside it nothing is cut."""

from __future__ import annotations

import threading
import time

import pytest

from tests.store.conftest import stack_row
from veneer import ids
from veneer.errors import RequestTimeout
from veneer.store import Store, Transaction
from veneer.store.sqlite import BUSY_TIMEOUT_MS

LIMIT = 0.3  # the deadline of the requests below, in seconds


def slow(store: Store, seconds: float) -> str:
    """A statement that keeps the database busy for about `seconds` (SQLite: roughly)."""
    if store.dialect == "postgresql":
        return f"SELECT pg_sleep({seconds})"
    steps = int(seconds * 5_000_000)
    return (
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < "
        f"{steps}) SELECT count(*) FROM c"
    )


def run(tx: Transaction, sql: str) -> object:
    return tx._conn.exec_driver_sql(sql).scalar()


def every_pooled_connection_serves(store: Store, sql: str) -> None:
    """Runs `sql` outside a request on each connection the pool holds (it hands them out in turn):
    a deadline left behind on any of them would cut it off."""
    for _ in range(store.engine.pool.checkedin() + 1):  # type: ignore[attr-defined]
        with store.read() as tx:
            run(tx, sql)
            if store.dialect == "sqlite":
                assert run(tx, "PRAGMA busy_timeout") == BUSY_TIMEOUT_MS


def test_a_slow_read_in_a_request_is_cut_off_at_the_deadline(store: Store, stack: str) -> None:
    began = time.monotonic()
    with store.deadline(LIMIT), pytest.raises(RequestTimeout) as raised, store.read() as tx:
        run(tx, slow(store, 20))
    took = time.monotonic() - began
    assert LIMIT * 0.9 < took < LIMIT + 1.5
    assert "request" in raised.value.errors
    # The connection goes back to the pool usable, and with no deadline left on it.
    every_pooled_connection_serves(store, slow(store, LIMIT * 2))
    with store.deadline(LIMIT), store.read() as tx:
        assert tx.stacks.get(stack) is not None


def test_a_write_cut_off_at_the_deadline_rolls_back_whole(store: Store) -> None:
    key = ids.blt()
    with store.deadline(LIMIT), pytest.raises(RequestTimeout), store.write() as tx:
        tx.stacks.add(stack_row(key))
        run(tx, slow(store, 20))
    with store.read() as tx:
        assert tx.stacks.get(key) is None
    with store.deadline(LIMIT), store.write() as tx:  # the write lock was released
        tx.stacks.add(stack_row(key))
    with store.read() as tx:
        assert tx.stacks.get(key) is not None
    every_pooled_connection_serves(store, slow(store, LIMIT * 2))


def test_no_statement_starts_past_the_deadline(store: Store, stack: str) -> None:
    with store.deadline(0.05):
        with pytest.raises(RequestTimeout), store.read() as tx:
            time.sleep(0.1)
            tx.stacks.get(stack)
        with pytest.raises(RequestTimeout), store.read() as tx:
            pass  # a transaction does not even begin


def test_background_work_is_not_cut_off(store: Store) -> None:
    """Outside a request (the scheduler, migrations, the CLI) a transaction runs as long as it
    needs, also on a thread that served a request before."""
    with store.deadline(LIMIT), store.read() as tx:
        run(tx, "SELECT 1")
    with store.read() as tx:
        run(tx, slow(store, LIMIT * 2))
    with store.write() as tx:
        run(tx, slow(store, LIMIT * 2))


def test_a_writer_waits_for_another_only_until_the_deadline(store: Store, stack: str) -> None:
    """SQLite's writer waits for the write lock, PostgreSQL's for the change log's lock: inside a
    request, no longer than its deadline; outside one, as long as the other writer holds it."""
    held, done = threading.Event(), threading.Event()

    def hold() -> None:
        with store.write() as tx:
            tx.changes.record(stack)
            held.set()
            done.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        held.wait(10)
        began = time.monotonic()
        with store.deadline(LIMIT), pytest.raises(RequestTimeout), store.write() as tx:
            tx.changes.record(stack)
        assert LIMIT * 0.9 < time.monotonic() - began < LIMIT + 1.5
    finally:
        done.set()
        holder.join()
    with store.write() as tx:  # no deadline was left behind on the connection
        tx.changes.record(stack)
    every_pooled_connection_serves(store, slow(store, LIMIT * 2))
