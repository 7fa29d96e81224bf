"""Python function calls per delivery request, counted with cProfile in-process (no server, no
network): a measure of the read path's work that, unlike timings, does not move with the machine.

    .venv/bin/python benchmarks/delivery_calls.py [--requests 200]

Seeds the same stack as `benchmarks/delivery.py` into a temporary SQLite database and sends its
single-entry requests through the ASGI app: warm (delivery cache on) and cold (off), without and
with `x-cs-variant-uid` naming three variants. To compare with another revision, run the script
from this checkout with that revision's sources first on the path:
`git worktree add /tmp/old REV && PYTHONPATH=/tmp/old/src .venv/bin/python benchmarks/delivery_calls.py`.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import dataclasses
import pstats
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import delivery

from veneer.app import create_app
from veneer.services.context import Services
from veneer.settings import Settings
from veneer.store import open_store

Message = dict[str, Any]


async def calls_per_request(
    services: Services, info: dict[str, str], cached: bool, variants: str | None, n: int
) -> float:
    settings = dataclasses.replace(services.settings, delivery_cache=cached)
    app = create_app(settings, services=dataclasses.replace(services, settings=settings))
    headers = [(b"api_key", info["api_key"].encode()), (b"access_token", info["token"].encode())]
    if variants:
        headers.append((b"x-cs-variant-uid", variants.encode()))
    scope = {
        "type": "http", "method": "GET", "http_version": "1.1", "scheme": "http",
        "path": f"/v3/content_types/article/entries/{info['entry']}", "root_path": "",
        "query_string": b"environment=production", "headers": headers,
        "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 1),
    }  # fmt: skip
    statuses: list[int] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    for _ in range(5):  # warm the caches (and, cold, the memo of tokens and locales)
        await app(dict(scope), receive, send)
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(n):
        await app(dict(scope), receive, send)
    profile.disable()
    if set(statuses) != {200}:
        raise SystemExit(f"a request failed: {sorted(set(statuses))}")
    return float(pstats.Stats(profile).total_calls) / n  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        info = delivery.seed(url, 150)
        store = open_store(url)
        services = Services(store=store, settings=Settings(database_url=url))
        cases = [
            ("one entry (warm)", True, None),
            ("one entry, 3 variants (warm)", True, delivery.VARIANTS),
            ("one entry (cold)", False, None),
            ("one entry, 3 variants (cold)", False, delivery.VARIANTS),
        ]
        for name, cached, variants in cases:
            count = asyncio.run(calls_per_request(services, info, cached, variants, args.requests))
            print(f"  {name:30} {count:6.0f} calls/request")
        store.dispose()


if __name__ == "__main__":
    main()
