"""What the delivery path of one application works with: its settings, the reader of published
content (`store/published.py`), the process cache and the follower that keeps the cache exact."""

from __future__ import annotations

from dataclasses import dataclass

from veneer.api.delivery.cache import DeliveryCache
from veneer.api.delivery.follower import ChangeFollower
from veneer.services.context import Services
from veneer.settings import Settings
from veneer.store.base import Store
from veneer.store.published import PublishedReader


@dataclass(frozen=True)
class DeliveryContext:
    settings: Settings
    store: Store  # lists: the field-value index, through SQLAlchemy (store/sqllist.py)
    published: PublishedReader
    cache: DeliveryCache
    follower: ChangeFollower

    @classmethod
    def open(cls, services: Services) -> DeliveryContext:
        settings = services.settings
        published = services.store.published_reader(settings.request_timeout)
        cache = DeliveryCache(
            settings.delivery_cache,
            settings.delivery_cache_entries,
            settings.delivery_cache_bytes,
        )
        return cls(settings, services.store, published, cache, ChangeFollower(published, cache))

    def start(self) -> float:
        """Begins a request on this thread, with the cache brought up to date; returns its
        deadline."""
        deadline = self.published.start()
        self.follower.sync()
        return deadline

    def close(self) -> None:
        """Closes this thread's database connection."""
        self.published.close()
