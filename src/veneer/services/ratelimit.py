"""Fixed-window rate limits kept in the database, so every worker process counts together.

Login counts failed attempts per account and per client address; the management API counts every
request per organization (or per user, before a stack is named).
"""

from __future__ import annotations

import hashlib
import time

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from veneer.errors import TooManyRequests
from veneer.services.context import Actor, Services
from veneer.store import loads
from veneer.store.tables import organizations, rate_counters, stacks

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
    with services.store.read() as conn:
        value = conn.execute(
            select(rate_counters.c.count).where(
                rate_counters.c.key == key, rate_counters.c.window == bucket
            )
        ).scalar()
    return int(value or 0)


def check(services: Services, key: str, limit: int, seconds: int, now: float | None = None) -> None:
    """429 with Retry-After when `key` already used `limit` hits in this window."""
    if limit > 0 and count(services, key, seconds, now) >= limit:
        raise TooManyRequests(_window(seconds, now)[1])


def record(services: Services, key: str, seconds: int, now: float | None = None) -> int:
    """One more hit for `key`; returns the window's count so far."""
    key = _stored(key)
    bucket, _ = _window(seconds, now)
    insert = pg_insert if services.store.dialect == "postgresql" else sqlite_insert
    statement = insert(rate_counters).values(key=key, window=bucket, count=1)
    statement = statement.on_conflict_do_update(
        index_elements=["key", "window"], set_={"count": rate_counters.c.count + 1}
    )
    with services.store.write() as conn:
        value = conn.execute(statement.returning(rate_counters.c.count)).scalar_one()
        if value == 1:  # first hit of a window: forget windows that ended
            conn.execute(
                delete(rate_counters).where(
                    rate_counters.c.key == key, rate_counters.c.window < bucket
                )
            )
    return int(value)


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
        with services.store.read() as conn:
            row = conn.execute(
                select(organizations.c.uid, organizations.c.settings)
                .join(stacks, stacks.c.org_uid == organizations.c.uid)
                .where(stacks.c.api_key == api_key)
            ).first()
        if row is not None:
            key = f"management:org:{row[0]}"
            own = loads(row[1]).get("management_rate_limit")
            limit = own if isinstance(own, int) and not isinstance(own, bool) else limit
    hit(services, key, limit, 60)
