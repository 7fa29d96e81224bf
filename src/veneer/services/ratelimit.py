"""Fixed-window rate limits kept in the database, so every worker process counts together.

Login counts attempts per account and per client address (reserved before the password is hashed,
given back when it was right); the management API counts every authenticated request per
organization the caller works in (or per caller, before a stack it reaches is named).
"""

from __future__ import annotations

import hashlib
import time

from veneer.errors import TooManyRequests
from veneer.services.context import Actor, Services
from veneer.store import Transaction

KEY_MAX = 200  # the width of rate_counters.key


def _window(seconds: int, now: float | None) -> tuple[int, int]:
    moment = time.time() if now is None else now
    bucket = int(moment // seconds)
    return bucket, int((bucket + 1) * seconds - moment) + 1


def _stored(key: str) -> str:
    """`key` as the table holds it: keys longer than its column (a login with a long email) by hash."""
    return key if len(key) <= KEY_MAX else "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def reserve(
    services: Services, limits: list[tuple[str, int]], seconds: int, now: float | None = None
) -> int:
    """One more attempt for each (key, limit), counted in one transaction *before* the work the
    limit protects, so concurrent attempts cannot all pass a check made before any is counted;
    429 when a key is past its limit (0 = no limit). Returns the window, for `release`."""
    bucket, retry_after = _window(seconds, now)
    # Not durable: a crash of the database server may forget the last fraction of a second of
    # counts, which only lets a few requests more through; every request saves a disk flush.
    with services.store.write(durable=False) as tx:
        over = [
            tx.rate_counters.hit(_stored(key), bucket) > limit for key, limit in limits if limit > 0
        ]
    if any(over):
        raise TooManyRequests(retry_after)
    return bucket


def release(services: Services, limits: list[tuple[str, int]], bucket: int) -> None:
    """Gives back the attempts `reserve` counted in window `bucket` (a login that succeeded)."""
    with services.store.write(durable=False) as tx:
        for key, limit in limits:
            if limit > 0:
                tx.rate_counters.release(_stored(key), bucket)


def hit(services: Services, key: str, limit: int, seconds: int, now: float | None = None) -> None:
    """Count a request and refuse it beyond `limit` per window (0 = no limit)."""
    reserve(services, [(key, limit)], seconds, now)


def limit_management(services: Services, actor: Actor, api_key: str | None) -> None:
    """Management requests per minute, counted against the caller once it is authenticated: the
    organization of the stack named by `api_key` when the caller may reach that stack (an
    organization's settings may set its own limit), else the caller itself (the user or token).
    So requests naming another organization's stack, refused by the access check, never use up
    that organization's allowance."""
    limit, key = services.settings.management_rate_limit, f"management:{actor.kind}:{actor.uid}"
    if api_key:
        with services.store.read() as tx:
            org = tx.stacks.organization(api_key)
            reached = org is not None and _reaches(tx, actor, api_key, org["uid"])
        if org is not None and reached:
            key = f"management:org:{org['uid']}"
            own = org["settings"].get("management_rate_limit")
            limit = own if isinstance(own, int) and not isinstance(own, bool) else limit
    hit(services, key, limit, 60)


def _reaches(tx: Transaction, actor: Actor, api_key: str, org_uid: str) -> bool:
    """Whether `actor` works in the stack: a member of its organization, a collaborator the stack
    is shared with, or a management token of that stack (a delivery token never uses the
    management API)."""
    if actor.is_user:
        member = tx.accounts.role(org_uid, actor.uid) is not None
        return member or tx.shares.get(api_key, actor.uid) is not None
    return actor.kind == "management" and actor.stack == api_key
