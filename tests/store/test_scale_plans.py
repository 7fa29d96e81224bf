"""Delivery's reads of one thing are index searches (issue 11, no hidden O(n); tests/cost.py):
the follower's reads of the change log (the newest sequence number before each request, then only
the rows after the last one it saw, however long the log grows), the published document of
one entry with its variants' patches, and the entries a merged query merges."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from tests.cost import scans
from veneer.store.published import PublishedReader


class Spy:
    """A read driver that hands on every statement it runs, as the driver runs it."""

    def __init__(self, driver: Any) -> None:
        self.driver = driver
        self.statements: list[tuple[str, Sequence[Any]]] = []

    def connect(self, timeout: float, past_deadline: Callable[[], bool]) -> Any:
        conn = self.driver.connect(timeout, past_deadline)
        spy = self

        class Recorded:
            def execute(self, sql: str, args: Sequence[Any], /) -> Any:
                spy.statements.append((sql, args))
                return conn.execute(sql, args)

            def close(self) -> None:
                conn.close()

        return Recorded()

    def statement(self, sql: str) -> str:
        return str(self.driver.statement(sql))

    def cut_off(self, exc: Exception) -> bool:
        return bool(self.driver.cut_off(exc))


def test_the_follower_reads_the_change_log_by_its_key(services: Any) -> None:
    store = services.store
    with store.write() as tx:  # a log to plan over
        for n in range(50):
            tx.changes.record("stack", "env", "en-us", f"entry{n}", "", "page")
    spy = Spy(store.published_reader(10)._driver)
    reader = PublishedReader(spy, 10)
    try:
        newest = reader.newest_change()
        changes = reader.changes_after(newest - 2, newest)
    finally:
        reader.close()
    assert [change.entry for change in changes] == ["entry48", "entry49"]
    assert len(spy.statements) >= 2
    assert scans(store, spy.statements) == []


def test_one_entry_and_its_variants_are_read_by_their_key(services: Any) -> None:
    store = services.store
    spy = Spy(store.published_reader(10)._driver)
    reader = PublishedReader(spy, 10)
    try:
        assert reader.published_entry("stack", "env", "en-us", "page", "blt1") is None
        assert reader.published_variants("stack", "env", ["blt1"], ["en-us"], ["red"]) == []
    finally:
        reader.close()
    assert len(spy.statements) == 2
    assert scans(store, spy.statements) == []


def test_the_variants_of_a_page_of_entries_are_read_by_their_keys(services: Any) -> None:
    """A list's page (up to 100 entries) overlaid with its variants: SQLite, left to itself with
    ten entries or more, read every publication of the environment and locale."""
    store = services.store
    spy = Spy(store.published_reader(10)._driver)
    reader = PublishedReader(spy, 10)
    entries = [f"blt{n}" for n in range(100)]
    try:
        for page in (entries[:2], entries[:10], entries):
            found = reader.published_variants("stack", "env", page, ["en-us", "fr-fr"], ["a", "b"])
            assert found == []
    finally:
        reader.close()
    assert len(spy.statements) == 3
    assert scans(store, spy.statements) == []


def test_the_entries_a_merged_query_merges_are_found_by_variant_and_field(services: Any) -> None:
    """`touching` reads ranges of ix_variant_fields_lookup (docs/variants-beyond.md §5)."""
    store = services.store
    spy = Spy(store.published_reader(10)._driver)
    reader = PublishedReader(spy, 10)
    try:
        found = reader.touching("stack", "env", "page", ["en-us", "fr-fr"], ["red"], ["title"])
    finally:
        reader.close()
    assert found == [] and len(spy.statements) == 1
    assert scans(store, spy.statements, keys={"field"}) == []
