"""Fixed-window rate limits kept in the database, so every worker process counts together.

Login counts failed attempts per account and per client address; the management API counts every
request per organization (or per user, before a stack is named).
"""

from __future__ import annotations

import hashlib
import time

from veneer.errors import TooManyRequests
from veneer.services.context import Actor, Services

KEY_MAX = 200  # the width of rate_counters.key


def _window(seconds: int, now: float | None) -> tuple[int, int]:
    moment = time.time() if now is None else now
    bucket = int(moment // seconds)
    return bucket, int((bucket + 1) * seconds - moment) + 1


def _stored(key: str) -> str:
    """`key` as the table holds it: keys longer than its column (a login with a long email) by hash."""
    return key if len(key) <= KEY_MAX else "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def count(services: Services, key: str, seconds: int, now: float | None = None) -> int:
    key = _stored(key)
    bucket, _ = _window(seconds, now)
    with services.store.read() as tx:
        return tx.rate_counters.count(key, bucket)


def check(services: Services, key: str, limit: int, seconds: int, now: float | None = None) -> None:
    """429 with Retry-After when `key` already used `limit` hits in this window."""
    if limit > 0 and count(services, key, seconds, now) >= limit:
        raise TooManyRequests(_window(seconds, now)[1])


def record(services: Services, key: str, seconds: int, now: float | None = None) -> int:
    """One more hit for `key`; returns the window's count so far."""
    key = _stored(key)
    bucket, _ = _window(seconds, now)
    with services.store.write() as tx:
        return tx.rate_counters.hit(key, bucket)


def hit(services: Services, key: str, limit: int, seconds: int, now: float | None = None) -> None:
    """Count a request and refuse it beyond `limit` per window (0 = no limit)."""
    if limit <= 0:
        return
    if record(services, key, seconds, now) > limit:
        raise TooManyRequests(_window(seconds, now)[1])


def limit_management(services: Services, actor: Actor, api_key: str | None) -> None:
    """Management requests per minute, counted per organization of the stack named by `api_key`
    (per user when no stack is named). An organization's settings may set its own limit."""
    limit, key = services.settings.management_rate_limit, f"management:user:{actor.uid}"
    if api_key:
        with services.store.read() as tx:
            org = tx.stacks.organization(api_key)
        if org is not None:
            key = f"management:org:{org['uid']}"
            own = org["settings"].get("management_rate_limit")
            limit = own if isinstance(own, int) and not isinstance(own, bool) else limit
    hit(services, key, limit, 60)
