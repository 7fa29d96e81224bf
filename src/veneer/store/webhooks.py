"""Webhooks: their definitions, and their deliveries (docs/webhooks.md).

A delivery is one event to send to one destination of one webhook. The dispatcher makes them from
`events` past the cursor (`webhook_cursor`), in the transaction that moves the cursor, so each
event becomes its deliveries once. Senders claim due deliveries with a lease: on PostgreSQL with
FOR UPDATE SKIP LOCKED (two senders never take one row), on SQLite under the write lock. A claim
bumps `attempts`, which is the fence of `finish`: a sender whose lease ran out, and whose delivery
another sender took, cannot record over it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, select, update

import veneer.store.tables as t
from veneer.domain.listing import ListParams
from veneer.store.core import Rows, dumps, loads

CURSOR = "events"
LOG_KEPT = 20  # attempts kept in a delivery's log (the newest)


class Webhooks(Rows):
    def add(self, stack: str, doc: dict[str, Any], secret: str, since: int) -> None:
        """Store a new webhook (its `uid` comes from `doc`), sent the events after `since`."""
        self._insert(
            t.webhooks,
            stack=stack,
            uid=doc["uid"],
            disabled=bool(doc.get("disabled")),
            secret=secret,
            since=since,
            doc=dumps(doc),
        )

    def get(self, stack: str, uid: str) -> dict[str, Any] | None:
        """A webhook's row (`doc` a dict, `secret`, `since`), or None."""
        row = self._row(t.webhooks, stack=stack, uid=uid)
        return {**row, "doc": loads(row["doc"])} if row else None

    def page(self, stack: str, lp: ListParams) -> tuple[list[dict[str, Any]], int | None]:
        """A page of a stack's webhook rows, oldest first, and their number with `include_count`."""
        w = t.webhooks
        query = select(w).where(w.c.stack == stack).order_by(w.c.since, w.c.uid)
        rows, count = self._page(query, lp, rows=True)
        return [{**row, "doc": loads(row["doc"])} for row in rows], count

    def replace(self, stack: str, doc: dict[str, Any], secret: str) -> None:
        """Replace a webhook's definition (same `uid`) and secret."""
        keys = {"stack": stack, "uid": doc["uid"]}
        self._update(
            t.webhooks, keys, doc=dumps(doc), disabled=bool(doc.get("disabled")), secret=secret
        )

    def delete(self, stack: str, uid: str) -> None:
        """Delete a webhook and its deliveries (pending ones are not sent)."""
        self._delete(t.webhook_deliveries, stack=stack, webhook=uid)
        self._delete(t.webhooks, stack=stack, uid=uid)

    def stacks_enabled(self) -> list[str]:
        """The stacks that have an enabled webhook."""
        w = t.webhooks
        query = select(w.c.stack).where(w.c.disabled.is_(False)).distinct()
        return list(self._conn.execute(query).scalars())

    def enabled_in(self, stacks: Collection[str]) -> dict[str, list[dict[str, Any]]]:
        """The enabled webhook rows of each of `stacks` that has any."""
        w = t.webhooks
        found: dict[str, list[dict[str, Any]]] = {}
        query = select(w).where(w.c.stack.in_(list(stacks)), w.c.disabled.is_(False))
        for row in self._rows(query):
            found.setdefault(row["stack"], []).append({**row, "doc": loads(row["doc"])})
        return found


@dataclass(frozen=True)
class Claimed:
    """A delivery a sender holds: what to send, where, and the fence of its `finish`."""

    uid: str
    stack: str
    webhook: str
    destination: dict[str, Any]
    secret: str
    body: str
    attempts: int
    round_attempts: int
    log: str  # the attempts logged when it was claimed (JSON): `finish` appends to it


class Deliveries(Rows):
    def outbox(self) -> dict[str, int]:
        """The outbox's depth for /-/metrics: deliveries waiting (pending) and being sent
        (sending), counted over the status index (the settled ones are never walked)."""
        query = (
            select(t.webhook_deliveries.c.status, func.count())
            .where(t.webhook_deliveries.c.status.in_(("pending", "sending")))
            .group_by(t.webhook_deliveries.c.status)
        )
        return {status: count for status, count in self._conn.execute(query).all()}

    # -- the dispatcher -------------------------------------------------------------------------
    def cursor(self) -> int:
        """The last event the dispatcher turned into deliveries."""
        c = t.webhook_cursor
        return int(self._conn.execute(select(c.c.seq).where(c.c.name == CURSOR)).scalar_one())

    def take_cursor(self) -> int | None:
        """Hold the cursor until the transaction ends and return it; None while another
        dispatcher holds it (PostgreSQL; SQLite's write lock already admits one)."""
        c = t.webhook_cursor
        query = select(c.c.seq).where(c.c.name == CURSOR).with_for_update(skip_locked=True)
        found = self._conn.execute(query).scalar()
        return None if found is None else int(found)

    def move_cursor(self, seq: int) -> None:
        self._update(t.webhook_cursor, {"name": CURSOR}, seq=seq)

    def add_many(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Queue new deliveries (each a full row of `webhook_deliveries`)."""
        if rows:
            self._conn.execute(t.webhook_deliveries.insert(), list(rows))

    # -- the senders ----------------------------------------------------------------------------
    def _pending(self, now: str) -> Any:
        d = t.webhook_deliveries
        return and_(d.c.status == "pending", d.c.next_attempt_at <= now)

    def _stalled(self, now: str) -> Any:
        d = t.webhook_deliveries
        return and_(d.c.status == "sending", d.c.lease_until <= now)

    def any_due(self, now: str) -> bool:
        """Whether some delivery is due (a read, so idle senders take no write lock)."""
        d = t.webhook_deliveries
        return any(
            self._conn.execute(select(d.c.uid).where(due).limit(1)).first() is not None
            for due in (self._pending(now), self._stalled(now))
        )

    def candidates(self, now: str, limit: int, skip: Collection[str] = ()) -> list[dict[str, Any]]:
        """Up to `limit` due deliveries of enabled webhooks other than `skip`: those whose
        sender stopped first (by lease), then the pending ones (by due time), each with its
        webhook's `webhook_doc` and `secret`. Each is read from one table in the order of its
        index, so a backlog is never sorted whatever the planner's statistics say; the rows are
        locked for this transaction, and rows another sender has locked are skipped
        (PostgreSQL)."""
        d, w = t.webhook_deliveries, t.webhooks
        disabled = self._conn.execute(select(w.c.uid).where(w.c.disabled.is_(True))).scalars()
        skipped = [*skip, *disabled]
        stalled = self._due_rows(self._stalled(now), d.c.lease_until, limit, skipped)
        pending = self._due_rows(self._pending(now), d.c.next_attempt_at, limit, skipped)
        rows = [*stalled, *pending][:limit]
        hooks = {
            (row["stack"], row["uid"]): row
            for row in self._rows(select(w).where(w.c.uid.in_({r["webhook"] for r in rows})))
        }
        return [
            {**row, "webhook_doc": hook["doc"], "secret": hook["secret"]}
            for row in rows
            if (hook := hooks.get((row["stack"], row["webhook"]))) is not None
        ]

    def _due_rows(self, due: Any, order: Any, limit: int, skip: list[str]) -> list[dict[str, Any]]:
        d = t.webhook_deliveries
        query = select(d).where(due)
        if skip:
            query = query.where(d.c.webhook.not_in(skip))
        query = query.order_by(order).limit(limit)
        return self._rows(query.with_for_update(skip_locked=True))

    def take(self, row: Mapping[str, Any], lease_until: str, now: str) -> Claimed:
        """Claim a candidate until `lease_until`: one more attempt. A delivery whose sender
        stopped (its lease ran out) says so in its log."""
        log = loads(row["log"])
        if row["status"] == "sending":
            log = _logged(log, _interrupted(row, now))
        attempts, rounds = row["attempts"] + 1, row["round_attempts"] + 1
        self._update(
            t.webhook_deliveries,
            {"uid": row["uid"]},
            status="sending",
            lease_until=lease_until,
            attempts=attempts,
            round_attempts=rounds,
            log=dumps(log),
            updated_at=now,
        )
        destinations = loads(row["webhook_doc"]).get("destinations", [])
        index = row["destination"]
        return Claimed(
            uid=row["uid"],
            stack=row["stack"],
            webhook=row["webhook"],
            destination=destinations[index] if index < len(destinations) else {},
            secret=row["secret"],
            body=row["body"],
            attempts=attempts,
            round_attempts=rounds,
            log=dumps(log),
        )

    def give_up(self, uid: str, now: str) -> None:
        """A claimed delivery whose sender stopped on its last attempt: it has failed."""
        self._update(t.webhook_deliveries, {"uid": uid}, status="failed", updated_at=now)

    def finish(
        self,
        claimed: Claimed,
        *,
        status: str,
        next_attempt_at: str,
        entry: dict[str, Any],
        now: str,
    ) -> bool:
        """Record an attempt's outcome, unless another sender has claimed the delivery since
        (the attempt count is the fence: only a claim changes it, and a claimed delivery's log);
        whether it was recorded."""
        d = t.webhook_deliveries
        result = self._conn.execute(
            update(d)
            .where(d.c.uid == claimed.uid, d.c.attempts == claimed.attempts)
            .values(
                status=status,
                next_attempt_at=next_attempt_at,
                last_status=int(entry.get("response", {}).get("statusCode") or 0),
                log=dumps(_logged(loads(claimed.log), entry)),
                updated_at=now,
            )
        )
        return bool(result.rowcount)

    # -- the API --------------------------------------------------------------------------------
    def page_of(
        self, stack: str, webhook: str, lp: ListParams, since: str | None, until: str | None
    ) -> tuple[list[dict[str, Any]], int | None]:
        """A page of a webhook's deliveries, newest first, created within [since, until]."""
        d = t.webhook_deliveries
        query = select(d).where(d.c.stack == stack, d.c.webhook == webhook)
        if since:
            query = query.where(d.c.created_at >= since)
        if until:
            query = query.where(d.c.created_at <= until)
        return self._page(query.order_by(d.c.created_at.desc(), d.c.uid), lp, rows=True)

    def get(self, stack: str, uid: str) -> dict[str, Any] | None:
        return self._row(t.webhook_deliveries, stack=stack, uid=uid)

    def again(self, stack: str, uid: str, now: str) -> bool:
        """Make a finished delivery due now, for a new round of attempts; whether it was
        finished (one still pending or being sent is left alone)."""
        d = t.webhook_deliveries
        result = self._conn.execute(
            update(d)
            .where(d.c.stack == stack, d.c.uid == uid, d.c.status.in_(("success", "failed")))
            .values(status="pending", round_attempts=0, next_attempt_at=now, updated_at=now)
        )
        return bool(result.rowcount)

    def counts(self, stack: str | None = None) -> dict[str, int]:
        """How many deliveries are in each status (of one stack, or all)."""
        d = t.webhook_deliveries
        query = select(d.c.status, func.count()).group_by(d.c.status)
        if stack is not None:
            query = query.where(d.c.stack == stack)
        return {status: int(n) for status, n in self._conn.execute(query)}


def _interrupted(row: Mapping[str, Any], now: str) -> dict[str, Any]:
    return {
        "retry_number": row["attempts"] - 1,
        "created_at": now,
        "request": {"method": "POST"},
        "response": {"statusCode": 0, "body": ""},
        "error": "The sender stopped before it recorded an answer; sent again.",
    }


def _logged(log: list[dict[str, Any]], entry: dict[str, Any]) -> list[dict[str, Any]]:
    return [*log, entry][-LOG_KEPT:]
