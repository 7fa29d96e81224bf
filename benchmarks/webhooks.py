"""Webhook outbox benchmark (issue 15): how many events per second the outbox turns into signed,
delivered and recorded webhook requests.

    PYTHONPATH=src .venv/bin/python benchmarks/webhooks.py [--events 5000] [--webhooks 1]
        [--workers 2] [--senders 8] [--database sqlite|postgresql]

In one run, in a fresh temporary directory (and, with --database postgresql, a fresh database on
127.0.0.1:5432): writes N `entry_created` events into the `events` table (the outbox, as content
changes append them) for a stack with W webhooks subscribed to `content_types.entries.create`,
all pointing at a receiver on 127.0.0.1 that answers 200 at once; then starts `veneer serve`
(`--workers` processes, `--senders` concurrent sends each) and times the drain, from the first
request received to the last delivery recorded as a success. Prints deliveries/s and events/s.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psycopg
from delivery import free_port, start_veneer, stop  # benchmarks/delivery.py

from veneer import ids
from veneer.store import open_store
from veneer.store.events import NewEvent
from veneer.store.migrate import upgrade

STACK = "bltbench000000000"


class Counting(BaseHTTPRequestHandler):
    """Answers 200 to every POST and counts them, with the time of the first."""

    lock = threading.Lock()
    count = 0
    first = 0.0

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with Counting.lock:
            Counting.count += 1
            Counting.first = Counting.first or time.monotonic()
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


SERVER = "postgresql://postgres@127.0.0.1:5432"


def database(kind: str, tmp: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp / 'veneer.db'}"
    name = f"veneer_bench_hooks_{secrets.token_hex(4)}"
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    return f"{SERVER}/{name}"


def drop(url: str) -> None:
    if url.startswith(SERVER):
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def load(url: str, events: int, webhooks: int, target: str) -> None:
    """W webhooks on the bench stack, then N events (in batches, as bulk writes append them)."""
    store = open_store(url)
    upgrade(store)
    now = ids.now()
    with store.write() as tx:
        for n in range(webhooks):
            doc = {
                "uid": ids.blt(),
                "name": f"bench {n}",
                "destinations": [{"target_url": target, "custom_header": []}],
                "channels": ["content_types.entries.create"],
                "disabled": False,
                "concise_payload": False,
                "created_at": now,
                "updated_at": now,
            }
            tx.webhooks.add(STACK, doc, secrets.token_hex(32), since=0)
    for start in range(0, events, 1000):
        batch = [
            NewEvent(
                "entry_created",
                locale="en-us",
                content_type="doc",
                uid=f"blt{n:016x}",
                data={"uid": f"blt{n:016x}", "title": f"Entry {n}", "locale": "en-us"},
            )
            for n in range(start, min(events, start + 1000))
        ]
        with store.write() as tx:
            tx.events.record_many(STACK, batch)
    store.dispose()


def succeeded(url: str) -> int:
    store = open_store(url)
    try:
        with store.read() as tx:
            return tx.webhook_deliveries.counts().get("success", 0)
    finally:
        store.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--webhooks", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--senders", type=int, default=8)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), Counting)
    receiver.daemon_threads = True
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    target = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
    expected = args.events * args.webhooks
    with tempfile.TemporaryDirectory() as tmp:
        url = database(args.database, Path(tmp))
        load(url, args.events, args.webhooks, target)
        server = start_veneer(
            Path(tmp),
            url,
            free_port(),
            args.workers,
            "veneer",
            VENEER_WEBHOOK_SENDERS=str(args.senders),
            VENEER_WEBHOOK_INTERVAL="0.1",
        )
        try:
            deadline = time.monotonic() + 600
            while succeeded(url) < expected and time.monotonic() < deadline:
                time.sleep(0.05)
            done = time.monotonic()
        finally:
            stop(server)
            drop(url)
    took = done - Counting.first
    if Counting.count < expected:
        sys.exit(f"only {Counting.count} of {expected} deliveries arrived")
    print(
        f"{args.database}: {expected} deliveries ({args.events} events x {args.webhooks} "
        f"webhooks), {args.workers} workers x {args.senders} senders: {took:.2f} s, "
        f"{expected / took:.0f} deliveries/s, {args.events / took:.0f} events/s "
        f"({Counting.count - expected} sent twice)"
    )


if __name__ == "__main__":
    main()
