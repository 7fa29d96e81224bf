"""The delivery cache of one process: responses and merged entries, each filed under the keys it
depends on, and a bounded memo of what resolving a request reads (tokens, environments, locale
chains, variant limits).

`ChangeFollower` (`follower.py`) keeps it exact across processes: it hands `purge()` the change-log
rows written since the last request, and `purge()` drops exactly the cached answers that depend on
what they name: for a base entry, that entry (in that environment: a response that expanded it as
a reference depends on it too) and lists of its content type; for an asset, the same and the
answers that read or embed it (`asset_dep`); for an entry variant, what was merged with that
variant, the variant reads of that entry and the variant lists of its content type (base reads
stay); for a row with no entry (tokens, environments, locales, content types, the stack's
settings changed), everything it cached for that stack. So once a publish has been acknowledged, no
process serves what it replaced.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from veneer.api.delivery import tags
from veneer.domain.assets import ASSET_CONTENT_TYPE
from veneer.domain.delivery_settings import DEFAULT_POLICY, Policy

Dep = tags.Dep
T = TypeVar("T")
MEMO_LIMIT = 10_000
MEMO_KEY_BYTES = 512  # memo keys hold names from requests: a longer one is computed, not kept
ITEM_OVERHEAD = 256  # what an entry costs besides its bytes: objects, index and LRU links
Header = tuple[bytes, bytes]


@dataclass(frozen=True)
class Cached:
    """One response, ready to send: the bytes, their strong ETag and the ASGI headers, those of a
    200 (`headers`) and those of a 304 (`validators`: everything but the body's type and length,
    so a CDN revalidating with a 304 keeps the tags and the lifetime)."""

    body: bytes
    etag: str
    deps: tuple[Dep, ...]
    headers: tuple[Header, ...]
    validators: tuple[Header, ...] = ()

    @classmethod
    def of(cls, body: bytes, deps: tuple[Dep, ...], policy: Policy = DEFAULT_POLICY) -> Cached:
        """The response of `body`, built from `deps`, served by the stack's `policy`."""
        etag = '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'
        surrogate_key, cache_tag = tags.header_values(deps)
        validators = (
            (b"etag", etag.encode()),
            (b"cache-control", policy.cache_control),
            (b"vary", policy.vary),
            (b"surrogate-key", surrogate_key),
            (b"cache-tag", cache_tag),
        )
        headers = (
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            *validators,
        )
        return cls(body, etag, deps, headers, validators)


@dataclass
class Merged:
    """One entry merged with the variants it has published, as JSON bytes: cached per effective
    set of variants (see `variants`), below the responses. `response` is the plain single-entry
    answer built on it, made once and shared by every request that lands here."""

    body: bytes
    deps: tuple[Dep, ...]
    response: Cached | None = None


def entry_dep(stack: str, environment: str, entry: str) -> Dep:
    return ("entry", stack, environment, entry)


def list_dep(stack: str, environment: str, content_type: str) -> Dep:
    return ("list", stack, environment, content_type)


def stack_dep(stack: str) -> Dep:
    return ("stack", stack)


def variant_dep(stack: str, environment: str, entry: str, variant: str) -> Dep:
    """One published entry variant: what was merged with it."""
    return ("variant", stack, environment, entry, variant)


def entry_variants_dep(stack: str, environment: str, entry: str) -> Dep:
    """Any variant of the entry: a variant read, since which variants apply may change."""
    return ("entry-variants", stack, environment, entry)


def variant_list_dep(stack: str, environment: str, content_type: str) -> Dep:
    return ("variant-list", stack, environment, content_type)


def asset_dep(stack: str, environment: str, asset: str) -> Dep:
    """One published asset: read, or embedded in an entry."""
    return ("asset", stack, environment, asset)


def size_of(key: Hashable) -> int:
    """About what a key holds, in bytes: its strings and bytes, nested tuples included."""
    if isinstance(key, (str, bytes)):
        return len(key)
    if isinstance(key, tuple):
        return 8 + sum(size_of(part) for part in key)
    return 8


def _cost(key: Hashable, item: Cached | Merged) -> int:
    # A merged entry is charged for the single-entry response made on it later, too.
    body = len(item.body) * (2 if isinstance(item, Merged) else 1)
    return ITEM_OVERHEAD + size_of(key) + body


class DeliveryCache:
    """An LRU of `Cached` responses and `Merged` entries with an index from each dependency to
    the keys that hold it, and a memo (`memoized`), bounded because callers choose its keys.
    The LRU is capped by count (`capacity`) and by bytes (`max_bytes`: bodies and keys, which
    hold what requests sent), whichever is reached first."""

    def __init__(self, enabled: bool, capacity: int, max_bytes: int = 256 * 1024 * 1024) -> None:
        self.enabled = enabled
        self.capacity = capacity
        self.max_bytes = max_bytes
        self.bytes = 0
        self.costs: dict[Hashable, int] = {}
        self.items: OrderedDict[Hashable, Cached | Merged] = OrderedDict()
        self.index: dict[Dep, set[Hashable]] = {}
        self.memo: dict[tuple[str, ...], Any] = {}  # keyed (kind, stack, ...)
        self._lock = threading.Lock()
        # Response lookups, for /-/metrics: plain additions (a count lost to a thread switch
        # is the price of keeping a lock off the hot path).
        self.hits = 0
        self.misses = 0

    # -- keeping it exact -----------------------------------------------------------------------
    def purge(self, rows: Iterable[tuple[str, str, str, str, str]]) -> None:
        """Drops what depends on each change-log row (stack, environment, entry, variant,
        content type)."""
        with self._lock:
            for stack, environment, entry, variant, content_type in rows:
                if not entry:
                    self._drop(stack_dep(stack))
                    self.memo = {k: v for k, v in self.memo.items() if k[1] != stack}
                elif variant:
                    self._drop(variant_dep(stack, environment, entry, variant))
                    self._drop(entry_variants_dep(stack, environment, entry))
                    self._drop(variant_list_dep(stack, environment, content_type))
                else:
                    self._drop(entry_dep(stack, environment, entry))
                    if content_type == ASSET_CONTENT_TYPE:
                        self._drop(asset_dep(stack, environment, entry))
                    self._drop(list_dep(stack, environment, content_type))

    def _drop(self, dep: Dep) -> None:
        for key in self.index.pop(dep, ()):
            cached = self.items.pop(key, None)
            if cached is not None:
                self.bytes -= self.costs.pop(key, 0)
                for other in cached.deps:
                    if other != dep and other in self.index:
                        self.index[other].discard(key)

    def clear(self) -> None:
        """Drops everything: nothing cached before can be trusted."""
        with self._lock:
            self.items.clear()
            self.index.clear()
            self.memo.clear()
            self.costs.clear()
            self.bytes = 0

    def memoized(self, key: tuple[str, ...], compute: Callable[[], T]) -> T:
        """The memo's value for `key` (`key[1]` is the stack), computed and kept when missing."""
        try:
            known: T = self.memo[key]
            return known
        except KeyError:
            value = compute()
            if size_of(key) > MEMO_KEY_BYTES:
                return value
            if len(self.memo) >= MEMO_LIMIT:
                self.memo = {}
            self.memo[key] = value
            return value

    # -- responses and merged entries ----------------------------------------------------------
    def get(self, key: Hashable) -> Cached | None:
        item = self.items.get(key) if self.enabled else None
        if isinstance(item, Cached):
            self.hits += 1
            return item
        self.misses += 1
        return None

    def merged(self, key: Hashable) -> Merged | None:
        item = self.items.get(key) if self.enabled else None
        return item if isinstance(item, Merged) else None

    def put(self, key: Hashable, cached: Cached | Merged) -> None:
        cost = _cost(key, cached)
        if not self.enabled or cost > self.max_bytes:
            return
        with self._lock:
            self.bytes += cost - self.costs.get(key, 0)
            self.costs[key] = cost
            self.items[key] = cached
            for dep in cached.deps:
                self.index.setdefault(dep, set()).add(key)
            while len(self.items) > self.capacity or self.bytes > self.max_bytes:
                old_key, old = self.items.popitem(last=False)
                self.bytes -= self.costs.pop(old_key, 0)
                for dep in old.deps:
                    if dep in self.index:
                        self.index[dep].discard(old_key)
