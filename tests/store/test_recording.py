"""`Store.recording`: what each write transaction of a block also writes, committed with it or
rolled back with it (how `veneer import` of a csdx folder records its progress)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from veneer.store import Store, Transaction


def note(api_key: str, value: int) -> Callable[[Transaction], None]:
    def record(tx: Transaction) -> None:
        tx.stacks.update(api_key, settings={"note": value})

    return record


def settings(store: Store, api_key: str) -> object:
    with store.read() as tx:
        return tx.stacks.get(api_key)["settings"]  # type: ignore[index]


def test_each_write_transaction_of_the_block_records_and_none_after(
    store: Store, stack: str
) -> None:
    with store.recording(note(stack, 1)):
        with store.write() as tx:
            tx.locales.add(stack, {"code": "de-de", "fallback_locale": None})
        assert settings(store, stack) == {"note": 1}
    with store.write() as tx:
        tx.stacks.update(stack, settings={})
    assert settings(store, stack) == {}  # the block is over: nothing recorded
    with store.recording(note(stack, 2)), store.recording(None), store.write():
        pass
    assert settings(store, stack) == {}  # suspended


def test_a_transaction_that_fails_records_nothing(store: Store, stack: str) -> None:
    with pytest.raises(RuntimeError), store.recording(note(stack, 3)), store.write() as tx:
        tx.locales.add(stack, {"code": "it-it", "fallback_locale": None})
        raise RuntimeError("the step failed")
    assert settings(store, stack) == {}
    with store.read() as tx:
        assert tx.locales.get(stack, "it-it") is None
