"""`ChangeFollower`: the cache follows the change log, purging exactly what new rows name."""

from __future__ import annotations

import secrets

import pytest

from veneer.api.delivery.cache import Cached, DeliveryCache, entry_dep
from veneer.api.delivery.follower import ChangeFollower
from veneer.services.context import Services
from veneer.store import tables as t


def _cache_entries(cache: DeliveryCache, stack: str, *entries: str) -> None:
    for entry in entries:
        cache.put(entry, Cached.of(entry.encode(), (entry_dep(stack, "env", entry),)))


def test_the_follower_purges_what_the_new_rows_name(services: Services) -> None:
    stack = "blt" + secrets.token_hex(8)
    reader = services.store.published_reader(5.0)
    cache = DeliveryCache(enabled=True, capacity=100)
    follower = ChangeFollower(reader, cache)
    try:
        reader.start()
        _cache_entries(cache, stack, "e1")
        follower.sync()  # the first sync trusts nothing cached before it
        assert list(cache.items) == []
        _cache_entries(cache, stack, "e1", "e2")
        follower.sync()  # nothing new in the log
        assert list(cache.items) == ["e1", "e2"]
        row = {"stack": stack, "environment": "env", "locale": "en-us", "entry": "e1"}
        with services.store.engine.begin() as conn:
            conn.execute(
                t.changes.insert(),
                [row | {"variant": "", "content_type": "page", "at": "2024-01-01"}],
            )
        follower.sync()
        assert list(cache.items) == ["e2"]
    finally:
        reader.close()


def test_with_an_interval_the_follower_looks_at_most_once_per_interval(services: Services) -> None:
    stack = "blt" + secrets.token_hex(8)
    reader = services.store.published_reader(5.0)
    cache = DeliveryCache(enabled=True, capacity=100)
    now = [100.0]
    follower = ChangeFollower(reader, cache, interval=0.5, clock=lambda: now[0])
    row = {"stack": stack, "environment": "env", "locale": "en-us", "variant": ""}
    try:
        reader.start()
        follower.sync()
        _cache_entries(cache, stack, "e1", "e2")
        with services.store.engine.begin() as conn:
            conn.execute(
                t.changes.insert(), [row | {"entry": "e1", "content_type": "page", "at": "2024"}]
            )
        now[0] += 0.4
        follower.sync()  # within the interval: not looked at
        assert list(cache.items) == ["e1", "e2"]
        now[0] += 0.1
        follower.sync()  # the interval has passed since the last look
        assert list(cache.items) == ["e2"]
    finally:
        reader.close()


def test_the_interval_is_at_most_a_second() -> None:
    from veneer.settings import ConfigError, Settings

    with pytest.raises(ConfigError, match="VENEER_CHANGE_CHECK_INTERVAL must be between 0 and 1"):
        Settings.from_env({"VENEER_CHANGE_CHECK_INTERVAL": "2"})
