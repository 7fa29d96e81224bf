"""Sending webhooks: durable, at least once, never in a publish's way (docs/webhooks.md).

Every content change appends its event in its own transaction (store/events.py): that table is the
outbox. Each server worker runs `run()`, a background loop that, after commit and off the request
path:

1. dispatches: turns the events past the cursor into deliveries for the enabled webhooks whose
   channels they fire, and moves the cursor, in one transaction (one dispatcher at a time);
2. claims due deliveries with a lease (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: the write
   lock), so two processes never send one delivery at once;
3. sends each from a bounded pool of threads (`webhook_senders`), with `webhook_timeout`, at most
   half the pool to one webhook, so a target that hangs holds a few threads, never a publish nor
   the other webhooks;
4. records the answer: success (2xx), or a retry after 5, 25, 125, 625 s (`webhook_retry_base`
   × 5^n), then failed. A pass records what finished and claims the next in one transaction.

A process killed between commit and send loses nothing: the event is in the database, and the
delivery is made by whichever process dispatches next. One killed mid-send leaves a claimed
delivery whose lease (twice the timeout) runs out; any process then sends it again. Receivers may
therefore see a delivery twice (`X-Veneer-Delivery` tells them apart), never zero times.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import logging
import socket
import threading
from collections import Counter
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from veneer import ids
from veneer.domain import webhooks as hooks
from veneer.errors import Unavailable, VeneerError
from veneer.services.context import Services
from veneer.store import Transaction, dumps
from veneer.store.events import Event
from veneer.store.webhooks import Claimed

log = logging.getLogger("veneer")
DISPATCH_BATCH = 500  # events turned into deliveries per transaction
RESPONSE_BYTES = 64 * 1024  # read of a target's answer
EXCERPT_CHARS = 1000  # kept of it in the log
COALESCE = 0.01  # seconds a busy loop lets sends finish, so one pass records and claims several


def later(seconds: float) -> str:
    return ids.format_time(datetime.now(UTC) + timedelta(seconds=seconds))


# -- 1. dispatch ---------------------------------------------------------------------------------
def dispatch(services: Services, batch: int = DISPATCH_BATCH) -> int:
    """Turn the next events into deliveries; how many events were handled (0: none new)."""
    with services.store.read() as tx:
        if tx.events.last() <= tx.webhook_deliveries.cursor():
            return 0
    with services.store.write() as tx:
        cursor = tx.webhook_deliveries.take_cursor()
        if cursor is None:
            return 0  # another process is dispatching
        # Only the events of stacks with an enabled webhook are read, each stack's by its index
        # (a bulk load elsewhere is not walked), up to the newest event now: every smaller
        # sequence number has committed (the change log's ordering lock), so the cursor may move
        # there. A webhook is sent what happens after it is enabled.
        last = tx.events.last()
        stacks = tx.webhooks.stacks_enabled()
        found = [
            e
            for stack in stacks
            for e in tx.events.after(cursor, batch, stack=stack)
            if e.seq <= last
        ]
        events = sorted(found, key=lambda e: e.seq)[:batch]
        moved = events[-1].seq if len(events) == batch else last
        if not events:
            if last > cursor:
                tx.webhook_deliveries.move_cursor(last)
            return 0
        webhooks = tx.webhooks.enabled_in({e.stack for e in events})
        if webhooks:
            tx.webhook_deliveries.add_many(Deliveries(tx, webhooks).of(events))
        tx.webhook_deliveries.move_cursor(moved)
    return len(events)


class Deliveries:
    """The deliveries of a batch of events, with the documents their bodies name looked up once."""

    def __init__(self, tx: Transaction, webhooks: dict[str, list[dict[str, Any]]]) -> None:
        self.tx = tx
        self.webhooks = webhooks
        self.found: dict[tuple[str, str, str], dict[str, Any] | None] = {}
        self.now = ids.now()

    def _doc(self, kind: str, stack: str, uid: str) -> dict[str, Any] | None:
        key = (kind, stack, uid)
        if key not in self.found:
            if kind == "environment":
                self.found[key] = self.tx.environments.find(stack, uid)
            else:
                self.found[key] = self.tx.content_types.get(stack, uid)
        return self.found[key]

    def of(self, events: list[Event]) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for event in events:
            for webhook in self.webhooks.get(event.stack, []):
                if event.seq > webhook["since"]:
                    rows += self._for(event, webhook)
        return rows

    def _for(self, event: Event, webhook: dict[str, Any]) -> list[dict[str, Any]]:
        what = hooks.happening(event.type, event.environment)
        env = (
            self._doc("environment", event.stack, event.environment) if event.environment else None
        )
        names = (event.environment, env["name"]) if env else (event.environment,)
        fired = hooks.channels_of(
            what,
            content_type=event.content_type,
            uid=event.uid,
            variant=event.variant,
            environments=names if event.environment else (),
        )
        matched = [c for c in webhook["doc"]["channels"] if c in fired]
        if not matched:
            return []
        body = dumps(self._body(event, what, env, webhook["doc"].get("concise_payload", False)))
        return [
            self._row(event, webhook, index, matched, body)
            for index in range(len(webhook["doc"]["destinations"]))
        ]

    def _body(
        self, event: Event, what: hooks.Happening, env: dict[str, Any] | None, concise: bool
    ) -> dict[str, Any]:
        ct = (
            self._doc("content_type", event.stack, event.content_type)
            if what.module == "entry"
            else None
        )
        if event.environment and env is None:
            env = {"uid": event.environment}  # deleted since; its uid is what is left
        subject = hooks.Subject(
            doc=event.data,
            content_type=ct or ({"uid": event.content_type} if what.module == "entry" else None),
            environment=env,
            locale=event.locale,
            variant=event.variant,
        )
        return hooks.body(event.stack, what, subject, event.at, concise=concise)

    def _row(
        self, event: Event, webhook: dict[str, Any], index: int, matched: list[str], body: str
    ) -> dict[str, Any]:
        return {
            "uid": ids.blt(),
            "stack": event.stack,
            "webhook": webhook["uid"],
            "destination": index,
            "event_seq": event.seq,
            "channels": dumps(matched),
            "status": "pending",
            "attempts": 0,
            "round_attempts": 0,
            "next_attempt_at": self.now,
            "lease_until": "",
            "last_status": 0,
            "body": body,
            "log": "[]",
            "created_at": self.now,
            "updated_at": self.now,
        }


# -- 2. claim ------------------------------------------------------------------------------------
def claim(
    services: Services, free: int, busy: Mapping[str, int], per_webhook: int
) -> list[Claimed]:
    """Claim up to `free` due deliveries, none of a webhook that already has `per_webhook` sends
    under way here (`busy`: webhook uid → sends under way)."""
    return settle(services, [], free, busy, per_webhook)


def settle(
    services: Services,
    sent: list[tuple[Claimed, Outcome]],
    free: int,
    busy: Mapping[str, int],
    per_webhook: int,
) -> list[Claimed]:
    """Record what was `sent`, then claim (as `claim`), in one transaction: one commit per pass
    of the loop. Without anything to record or claim, it writes nothing."""
    now = ids.now()
    if not sent:
        with services.store.read() as tx:
            if free <= 0 or not tx.webhook_deliveries.any_due(now):
                return []
    with services.store.write() as tx:
        _record_in(tx, services, sent, now)
        return _claim_in(tx, services, free, busy, per_webhook, now) if free > 0 else []


def _claim_in(
    tx: Transaction,
    services: Services,
    free: int,
    busy: Mapping[str, int],
    per_webhook: int,
    now: str,
) -> list[Claimed]:
    lease = later(2 * services.settings.webhook_timeout)
    taken: list[Claimed] = []
    counts = Counter(busy)
    full = [uid for uid, sending in busy.items() if sending >= per_webhook]
    for row in tx.webhook_deliveries.candidates(now, free * 4, full):
        if len(taken) >= free:
            break
        if counts[row["webhook"]] >= per_webhook:
            continue
        if row["status"] == "sending" and row["round_attempts"] >= hooks.ATTEMPTS:
            tx.webhook_deliveries.give_up(row["uid"], now)
            continue
        counts[row["webhook"]] += 1
        taken.append(tx.webhook_deliveries.take(row, lease, now))
    return taken


# -- 3. send -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Outcome:
    status: int  # the HTTP status, 0 when none came
    excerpt: str
    error: str = ""

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def headers(claimed: Claimed, body: bytes) -> dict[str, str]:
    """The request's headers: custom ones first, then Veneer's, which they may not replace."""
    destination = claimed.destination
    out = {h["header_name"]: h["value"] for h in destination.get("custom_header", [])}
    out.update(
        {
            "Content-Type": "application/json",
            "User-Agent": hooks.USER_AGENT,
            hooks.SIGNATURE_HEADER: hooks.signature(claimed.secret, body),
            hooks.DELIVERY_HEADER: claimed.uid,
        }
    )
    if destination.get("http_basic_auth"):
        out["Authorization"] = hooks.basic_auth(
            destination["http_basic_auth"], destination.get("http_basic_password", "")
        )
    return out


def send(claimed: Claimed, timeout: float) -> Outcome:
    """POST the delivery's body to its destination; never raises. The whole exchange gets
    `timeout` seconds (a socket timeout alone bounds each read, and a target that drips a byte
    at a time would hold the sender for ever). Redirects are not followed (a 3xx is a failed
    attempt): the body is signed for the URL it was meant for."""
    body = claimed.body.encode()
    parts = urlsplit(claimed.destination.get("target_url", ""))
    if not parts.hostname:
        return Outcome(0, "", "The webhook has no such destination any more.")
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = kind(parts.hostname, parts.port, timeout=timeout)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    cut = threading.Event()
    watchdog = threading.Timer(timeout, _cut, [conn, cut])
    watchdog.start()
    try:
        conn.request("POST", path, body=body, headers=headers(claimed, body))
        response = conn.getresponse()
        text = response.read(RESPONSE_BYTES).decode("utf-8", "replace")
        return Outcome(response.status, text[:EXCERPT_CHARS])
    except (OSError, http.client.HTTPException) as exc:
        if cut.is_set():
            return Outcome(0, "", f"No answer within {timeout:g} seconds.")
        return Outcome(0, "", f"{type(exc).__name__}: {exc}"[:EXCERPT_CHARS])
    finally:
        watchdog.cancel()
        conn.close()


def _cut(conn: http.client.HTTPConnection, cut: threading.Event) -> None:
    """End a connection from another thread: its blocked read returns at once."""
    cut.set()
    if conn.sock is not None:
        with contextlib.suppress(OSError):
            conn.sock.shutdown(socket.SHUT_RDWR)


# -- 4. record -----------------------------------------------------------------------------------
def record(services: Services, sent: list[tuple[Claimed, Outcome]]) -> list[str]:
    """Write the outcomes of attempts, in one transaction: each delivery's new status, or
    "superseded" when another sender claimed it meanwhile."""
    with services.store.write() as tx:
        return _record_in(tx, services, sent, ids.now())


def _record_in(
    tx: Transaction, services: Services, sent: list[tuple[Claimed, Outcome]], now: str
) -> list[str]:
    statuses = []
    for claimed, outcome in sent:
        status, due = _next(services, claimed, outcome, now)
        done = tx.webhook_deliveries.finish(
            claimed,
            status=status,
            next_attempt_at=due,
            entry=_entry(claimed, outcome, now),
            now=now,
        )
        statuses.append(status if done else "superseded")
    return statuses


def _next(services: Services, claimed: Claimed, outcome: Outcome, now: str) -> tuple[str, str]:
    """The status an attempt leaves its delivery in, and when it is due again."""
    if outcome.ok:
        return "success", now
    delay = hooks.retry_delay(claimed.round_attempts, services.settings.webhook_retry_base)
    return ("failed", now) if delay is None else ("pending", later(delay))


def _entry(claimed: Claimed, outcome: Outcome, now: str) -> dict[str, Any]:
    """An attempt as the executions log shows it (Contentstack's `request_details` item)."""
    entry: dict[str, Any] = {
        "retry_number": claimed.attempts - 1,
        "created_at": now,
        "request": {"method": "POST", "url": claimed.destination.get("target_url", "")},
        "response": {"statusCode": outcome.status, "body": outcome.excerpt},
    }
    if outcome.error:
        entry["error"] = outcome.error
    return entry


# -- the loop ------------------------------------------------------------------------------------
class Sender:
    """One process's webhook loop: record what was sent, dispatch, claim what its free threads
    can send, send. Outcomes are recorded a batch at a time: one write per pass, not per send."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.size = services.settings.webhook_senders
        self.pool = ThreadPoolExecutor(self.size, thread_name_prefix="veneer-webhook")
        self.busy: Counter[str] = Counter()
        self.tasks: set[asyncio.Task[None]] = set()
        self.sent: list[tuple[Claimed, Outcome]] = []
        self.wake = asyncio.Event()

    async def run(self) -> None:
        try:
            while True:
                worked = await self._pass()
                if worked:
                    await asyncio.sleep(COALESCE)
                else:
                    self.wake.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(
                            self.wake.wait(), self.services.settings.webhook_interval
                        )
        finally:
            self.pool.shutdown(wait=False, cancel_futures=True)

    async def _pass(self) -> bool:
        """One round; whether it found work (then the next follows at once)."""
        sent, self.sent = self.sent, []
        try:
            dispatched = await asyncio.to_thread(dispatch, self.services)
            per_webhook = max(1, self.size // 2)
            free = self.size - len(self.tasks)
            claimed = await asyncio.to_thread(
                settle, self.services, sent, free, dict(self.busy), per_webhook
            )
        except Unavailable:  # the database is away; the store logged it, in one line
            return False
        except VeneerError as exc:
            log.warning("webhook pass skipped: %s", exc.message)
            return False
        except Exception:  # keep the loop alive; what was not recorded is sent again
            log.exception("webhook pass failed")
            return False
        for one in claimed:
            self._start(one)
        return bool(sent or dispatched or claimed)

    def _start(self, claimed: Claimed) -> None:
        self.busy[claimed.webhook] += 1
        task = asyncio.create_task(self._send(claimed))
        self.tasks.add(task)

    async def _send(self, claimed: Claimed) -> None:
        loop = asyncio.get_running_loop()
        timeout = self.services.settings.webhook_timeout
        try:
            outcome = await loop.run_in_executor(self.pool, send, claimed, timeout)
            self.sent.append((claimed, outcome))
        finally:
            self.busy[claimed.webhook] -= 1
            if self.busy[claimed.webhook] <= 0:
                del self.busy[claimed.webhook]
            self.tasks.discard(asyncio.current_task())
            self.wake.set()


async def run(services: Services) -> None:
    """The webhook loop of a server worker (`app.py` starts it with the scheduler)."""
    await Sender(services).run()
