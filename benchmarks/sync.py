"""Sync API rate (issue 15 §2): the pages/s of an initial sync of N published entries.

    PYTHONPATH=src .venv/bin/python benchmarks/sync.py [--count 100000]
        [--databases sqlite postgresql] [--pg postgresql://postgres@127.0.0.1:5432] [--workers 1]

For each database, in a fresh database: loads N ~2 KB articles published to `production` through
the bulk loader (`benchmarks/bulk.py`'s stack and articles), starts `veneer serve`, and walks a
whole initial sync over HTTP, one client, page after page (`init=true`, then each
`pagination_token`), as an SDK does. Prints pages/s and items/s over the whole walk, the first
page's time (it also marks where the sync stands and counts its items), the median time of pages
2-21 and of the last 20 (keyset pages: the last cost what the first do), and checks that every
entry came exactly once.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from bulk import articles, database, make_stack  # benchmarks/bulk.py
from delivery import free_port, start_veneer, stop  # benchmarks/delivery.py

from veneer.services import bulk, tokens
from veneer.services.context import Actor, Services


def build(services: Services, count: int) -> tuple[str, str]:
    """(api key, delivery token) of a stack with `count` articles published to production."""
    actor, key, _ = make_stack(services, variants=False)
    load = bulk.Load("article", environments=("production",))
    started = time.perf_counter()
    report = bulk.load_entries(services, actor, key, load, articles(count))
    if report.loaded != count:
        sys.exit(f"the load refused {len(report.refused)}: {report.refused[:3]}")
    print(f"  loaded {count:,} in {time.perf_counter() - started:,.0f} s", flush=True)
    return key, _delivery_token(services, actor, key)


def _delivery_token(services: Services, actor: Actor, key: str) -> str:
    scope = [
        {"module": "environment", "environments": ["production"], "acl": {"read": True}},
        {"module": "branch", "branches": ["main"], "acl": {"read": True}},
    ]
    made = tokens.create_token(services, actor, key, "delivery", {"name": "sync", "scope": scope})
    return str(made["token"])


def walk(port: int, key: str, token: str) -> tuple[list[float], int, set[str]]:
    """Every page of an initial sync: each page's seconds, the items, the distinct entry uids."""
    headers = {"api_key": key, "access_token": token}
    url = f"http://127.0.0.1:{port}/v3/stacks/sync"
    params: dict[str, Any] = {"init": "true", "environment": "production"}
    seconds: list[float] = []
    items, uids = 0, set()
    with httpx.Client(headers=headers, timeout=60) as client:
        while True:
            started = time.perf_counter()
            response = client.get(url, params=params)
            seconds.append(time.perf_counter() - started)
            body = response.json()
            if response.status_code != 200:
                sys.exit(f"page {len(seconds)}: {response.status_code} {body}")
            items += len(body["items"])
            uids.update(item["data"]["uid"] for item in body["items"])
            if "pagination_token" not in body:
                return seconds, items, uids
            params = {"pagination_token": body["pagination_token"], "environment": "production"}


def run(services: Services, url: str, count: int, workers: int) -> None:
    key, token = build(services, count)
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        server = start_veneer(Path(tmp), url, port, workers, "sync")
        try:
            seconds, items, uids = walk(port, key, token)
        finally:
            stop(server)
    total = sum(seconds)
    first, last = statistics.median(seconds[1:21]), statistics.median(seconds[-20:])
    print(
        f"{services.store.dialect:<11}{count:>9,} entries  {len(seconds):>5,} pages"
        f"  {len(seconds) / total:>6,.1f} pages/s  {items / total:>8,.0f} items/s"
        f"  page 1 (marks and counts) {seconds[0] * 1000:.0f} ms, pages 2-21 {first * 1000:.1f} ms,"
        f" last 20 {last * 1000:.1f} ms (median)"
        f"  {'every entry once' if items == len(uids) == count else 'MISMATCH'}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    args = parser.parse_args()
    for kind in args.databases:
        with database(kind, args.pg) as services:
            url = services.store.engine.url.render_as_string(hide_password=False)
            run(services, url, args.count, args.workers)


if __name__ == "__main__":
    main()
