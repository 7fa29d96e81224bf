"""The storage contract for unique field values (`tx.uniques`, store/uniques.py), on SQLite and
PostgreSQL: claims, their release by every purge cascade, schema rebuilds, and the database
refusing a second holder even when two writers race."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from tests.store.conftest import HOLD, entry
from veneer.errors import ValidationFailed
from veneer.store import Store, Transaction
from veneer.store.uniques import KEY_LENGTH, Holder, claims, value_key

NOT_UNIQUE = {"title": ["is not unique."]}


def holders(tx: Transaction, stack: str, content_type: str = "page") -> dict[tuple[str, str], Any]:
    """{(locale, title): holder} for the titles `test_...` claim."""
    return {
        (code, title): tx.uniques.holder(stack, content_type, code, "title", title)
        for code in ("en-us", "fr-fr")
        for title in ("a", "b")
    }


def refusal(tx: Transaction, stack: str, holder: Holder) -> dict[str, Any]:
    with pytest.raises(ValidationFailed) as caught:
        tx.uniques.claim(stack, "page", holder)
    assert caught.value.status == 422
    assert caught.value.message == "Entry creation failed. Please enter valid data."
    return caught.value.errors


# -- value keys ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("one", "other"),
    [
        (1, 1.0),
        (True, 1),
        (0, -0.0),
        ({"a": 1, "b": [2.0]}, {"b": [2], "a": 1}),
        ("x" * 500, "x" * 500),
    ],
)
def test_values_python_holds_equal_share_a_key(one: Any, other: Any) -> None:
    assert one == other and value_key(one) == value_key(other)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("1", 1),
        (1.5, 1),
        (2**53 + 1, float(2**53)),
        ([1, 2], [2, 1]),
        ("x" * 500, "x" * 499 + "y"),
        ("\u00c9", "E"),
    ],
)
def test_values_python_holds_different_do_not(one: Any, other: Any) -> None:
    assert one != other and value_key(one) != value_key(other)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("\u00c9", "E\u0301"),  # composed and decomposed É: one character to a reader
        ("Caf\u00e9", "Cafe\u0301"),
        ({"name": ["Caf\u00e9"]}, {"name": ["Cafe\u0301"]}),
        ("Caf\u00e9" * 100, "Cafe\u0301" * 100),  # hashed keys too
    ],
)
def test_canonically_equivalent_strings_share_a_key(one: Any, other: Any) -> None:
    """Unique values compare in Unicode normal form C (issue 12, finding 16)."""
    assert one != other and value_key(one) == value_key(other)


def test_keys_are_bounded() -> None:
    assert len(value_key("x" * 10_000)) <= KEY_LENGTH
    assert value_key("short") == '"short"'


def test_claims_keep_the_first_holder_of_a_value() -> None:
    rows, clashes = claims(
        "s", "page", [Holder("e1", "en-us", {"title": "a"}), Holder("e2", "en-us", {"title": "a"})]
    )
    assert [row["entry"] for row in rows] == ["e1"] and clashes == ["title"]


# -- claims --------------------------------------------------------------------------------------
def test_a_claim_replaces_what_the_localization_held(store: Store, stack: str) -> None:
    with store.write() as tx:
        tx.uniques.claim(stack, "page", Holder("blt1", "en-us", {"title": "a"}))
        tx.uniques.claim(stack, "page", Holder("blt1", "en-us", {"title": "a"}))  # unchanged
    with store.write() as tx:
        tx.uniques.claim(stack, "page", Holder("blt1", "en-us", {"title": "b"}))
    with store.read() as tx:
        assert tx.uniques.holder(stack, "page", "en-us", "title", "a") is None
        assert tx.uniques.holder(stack, "page", "en-us", "title", "b") == "blt1"
    with store.write() as tx:
        tx.uniques.claim(stack, "page", Holder("blt2", "en-us", {"title": "a"}))  # now free
        tx.uniques.claim(stack, "page", Holder("blt1", "en-us", {}))  # a cleared value is freed
        tx.uniques.claim(stack, "page", Holder("blt3", "en-us", {"title": "b"}))
    with store.read() as tx:
        assert tx.uniques.holder(stack, "page", "en-us", "title", "a") == "blt2"
        assert tx.uniques.holder(stack, "page", "en-us", "title", "b") == "blt3"


def test_a_value_held_by_another_entry_is_refused(store: Store, stack: str) -> None:
    with store.write() as tx:
        tx.uniques.claim(stack, "page", Holder("blt1", "en-us", {"title": "a", "n": 1, "s": "x"}))
        tx.uniques.claim(stack, "page", Holder("blt1", "fr-fr", {"title": "a"}))  # another locale
        tx.uniques.claim(stack, "post", Holder("blt2", "en-us", {"title": "a"}))  # another type
    with store.write() as tx:
        wanted = Holder("blt3", "en-us", {"title": "a", "n": 1.0, "s": "y"})
        assert refusal(tx, stack, wanted) == {"title": ["is not unique."], "n": ["is not unique."]}
    with store.read() as tx:
        assert tx.uniques.holder(stack, "page", "en-us", "s", "y") is None


def test_racing_claims_one_wins_the_other_is_refused(store: Store, stack: str) -> None:
    """The second writer claims while the first has claimed but not committed: on PostgreSQL its
    insert waits on the unique index, then is refused; on SQLite it waits for the write lock."""
    ready, done = threading.Event(), threading.Event()

    def first() -> None:
        with store.write() as tx:
            tx.uniques.claim(stack, "page", Holder("blt1", "en-us", {"title": "a"}))
            ready.set()
            done.wait(HOLD)

    thread = threading.Thread(target=first)
    thread.start()
    assert ready.wait(10)
    try:
        with pytest.raises(ValidationFailed) as caught, store.write() as tx:
            tx.uniques.claim(stack, "page", Holder("blt2", "en-us", {"title": "a"}))
    finally:
        thread.join()
    assert caught.value.errors == NOT_UNIQUE
    with store.read() as tx:
        assert tx.uniques.holder(stack, "page", "en-us", "title", "a") == "blt1"


# -- releases ------------------------------------------------------------------------------------
def claimed_everywhere(store: Store, stack: str) -> None:
    """blt1 holds 'a' and blt2 holds 'b', in en-us and fr-fr, as entries of `page`."""
    with store.write() as tx:
        for uid, title in (("blt1", "a"), ("blt2", "b")):
            for code in ("en-us", "fr-fr"):
                tx.entries.save(stack, "page", entry(uid, code, title=title), new=True)
                tx.uniques.claim(stack, "page", Holder(uid, code, {"title": title}))


def test_purging_an_entry_or_a_localization_releases_its_values(store: Store, stack: str) -> None:
    claimed_everywhere(store, stack)
    with store.write() as tx:
        tx.entries.purge(stack, "blt1", "fr-fr")
    with store.read() as tx:
        assert holders(tx, stack) == {
            ("en-us", "a"): "blt1",
            ("en-us", "b"): "blt2",
            ("fr-fr", "a"): None,
            ("fr-fr", "b"): "blt2",
        }
    with store.write() as tx:
        tx.entries.purge(stack, "blt2")
    with store.read() as tx:
        assert {key for key, uid in holders(tx, stack).items() if uid} == {("en-us", "a")}


def test_dropping_a_locale_releases_its_values(store: Store, stack: str) -> None:
    claimed_everywhere(store, stack)
    with store.write() as tx:
        tx.entries.drop_locale(stack, "fr-fr")
    with store.read() as tx:
        assert {key for key, uid in holders(tx, stack).items() if uid} == {
            ("en-us", "a"),
            ("en-us", "b"),
        }


def test_purging_a_type_or_deleting_the_stack_releases_its_values(store: Store, stack: str) -> None:
    claimed_everywhere(store, stack)
    with store.write() as tx:
        tx.uniques.claim(stack, "post", Holder("blt3", "en-us", {"title": "a"}))
        tx.entries.purge_type(stack, "page")
    with store.read() as tx:
        assert set(holders(tx, stack).values()) == {None}
        assert tx.uniques.holder(stack, "post", "en-us", "title", "a") == "blt3"
    with store.write() as tx:
        tx.stacks.delete(stack)
    with store.read() as tx:
        assert tx.uniques.holder(stack, "post", "en-us", "title", "a") is None


# -- schema changes ------------------------------------------------------------------------------
SCHEMA = [{"uid": "title", "data_type": "text", "unique": True}]


def test_rebuilding_claims_the_values_of_every_localization(store: Store, stack: str) -> None:
    claimed_everywhere(store, stack)
    with store.write() as tx:
        tx.uniques.claim(stack, "page", Holder("blt9", "en-us", {"title": "stale"}))
        tx.uniques.rebuild(stack, "page", tx.entries.holders(stack, "page", SCHEMA))
    with store.read() as tx:
        assert tx.uniques.holder(stack, "page", "en-us", "title", "stale") is None
        assert holders(tx, stack) == {
            ("en-us", "a"): "blt1",
            ("en-us", "b"): "blt2",
            ("fr-fr", "a"): "blt1",
            ("fr-fr", "b"): "blt2",
        }


def test_rebuilding_over_shared_values_is_refused(store: Store, stack: str) -> None:
    claimed_everywhere(store, stack)
    with store.write() as tx:
        tx.entries.save(stack, "page", entry("blt3", "fr-fr", title="a"), new=True)
    with pytest.raises(ValidationFailed) as caught, store.write() as tx:
        tx.uniques.rebuild(stack, "page", tx.entries.holders(stack, "page", SCHEMA))
    assert list(caught.value.errors) == ["title"]
    with store.read() as tx:  # rolled back: the claims are as they were
        assert tx.uniques.holder(stack, "page", "fr-fr", "title", "a") == "blt1"
