"""`ChangeFollower`: the cache follows the change log, purging exactly what new rows name."""

from __future__ import annotations

import secrets

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
