"""What the delivery path of one application works with: its settings, the reader of published
content (`store/published.py`), the process cache and the follower that keeps the cache exact."""

from __future__ import annotations

from dataclasses import dataclass

from veneer.api.delivery.cache import DeliveryCache
from veneer.api.delivery.follower import ChangeFollower
from veneer.services.context import Services
from veneer.settings import Settings
from veneer.store import open_store
from veneer.store.base import Store
from veneer.store.published import PublishedReader


@dataclass(frozen=True)
class DeliveryContext:
    settings: Settings
    primary: Store
    published: PublishedReader
    cache: DeliveryCache
    follower: ChangeFollower
    replica: Store | None = None  # VENEER_READ_DATABASE_URL

    @classmethod
    def open(cls, services: Services) -> DeliveryContext:
        settings = services.settings
        replica_url = settings.read_database_url
        published = services.store.published_reader(settings.request_timeout, replica_url)
        cache = DeliveryCache(
            settings.delivery_cache,
            settings.delivery_cache_entries,
            settings.delivery_cache_bytes,
        )
        follower = ChangeFollower(published, cache, settings.change_check_interval)
        replica = open_store(replica_url) if replica_url else None
        if replica is not None:
            replica.on_unreachable(published.mark_replica_failed)
        return cls(settings, services.store, published, cache, follower, replica)

    @property
    def store(self) -> Store:
        """Where lists (the field-value index, through SQLAlchemy: store/sqllist.py), assets and
        sync read: the replica while the follower found it current for this request."""
        if self.replica is not None and self.published.on_replica():
            return self.replica
        return self.primary

    def start(self) -> float:
        """Begins a request on this thread, with the cache brought up to date; returns its
        deadline."""
        deadline = self.published.start()
        self.follower.sync()
        return deadline

    def close(self) -> None:
        """Closes this thread's database connections (and the replica's pool)."""
        self.published.close()
        if self.replica is not None:
            self.replica.dispose()
