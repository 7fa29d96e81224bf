"""A delivery cache purge touches what the change names, never the rest of the cache (issue 11, no
hidden O(n); docs/scale-audit.md): publishing one entry costs the same purge whether the process
holds N other entries' responses or 4N."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from veneer.api.delivery.cache import Cached, DeliveryCache, entry_dep, list_dep, stack_dep

N = 20


class Touches(OrderedDict[Hashable, Any]):
    """The cache's items, counting every item a purge looks at."""

    touched = 0

    def pop(self, key: Hashable, *default: Any) -> Any:
        self.touched += 1
        return super().pop(key, *default)


def _cache(others: int) -> tuple[DeliveryCache, Touches]:
    """A cache holding one entry's response, a list of its type, and `others` other entries'."""
    cache = DeliveryCache(enabled=True, capacity=10 * N)
    cache.items = items = Touches()
    for n in range(others):
        deps = (stack_dep("s"), entry_dep("s", "env", f"other{n}"))
        cache.put(("entry", n), Cached.of(b"{}", deps))
    cache.put("one", Cached.of(b"{}", (stack_dep("s"), entry_dep("s", "env", "one"))))
    lists = (stack_dep("s"), list_dep("s", "env", "page"), entry_dep("s", "env", "one"))
    cache.put("list", Cached.of(b"{}", lists))
    return cache, items


def test_a_publish_purges_what_it_names_and_touches_nothing_else() -> None:
    touched = []
    for others in (N, 4 * N):
        cache, items = _cache(others)
        cache.purge([("s", "env", "one", "", "page")])
        assert "one" not in cache.items and "list" not in cache.items
        assert len(cache.items) == others
        touched.append(items.touched)
    assert touched == [2, 2]
