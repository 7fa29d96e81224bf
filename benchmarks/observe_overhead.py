"""What `/-/metrics` counting, the request id and the request line cost the delivery fast path.

    PYTHONPATH=src .venv/bin/python benchmarks/observe_overhead.py [--requests 20000]

Calls the ASGI application in-process (no server, no sockets) with a warm single-entry delivery
request, in interleaved blocks of 200: with the `Observe` layer and its JSON request line, with
the layer but no line, and without the layer; prints the fastest block of each, in microseconds
per request. The fastest block is what the code costs when the machine lets it run, which keeps
the comparison honest on a shared machine, where `benchmarks/delivery.py` (wrk against a server)
swings with the neighbours' load.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from typing import Any

from veneer.app import create_app
from veneer.demo import load_demo, owner_account
from veneer.logs import AccessLog
from veneer.observe import Observe
from veneer.passwords import Passwords
from veneer.services import users
from veneer.services.context import Services
from veneer.settings import Settings
from veneer.store import open_store
from veneer.store.migrate import upgrade


def _app(folder: str, access: AccessLog) -> tuple[Any, dict[str, Any]]:
    settings = Settings(
        database_url=f"sqlite:///{folder}/v.db", admin_password="bench-password", files_dir=folder
    )
    store = open_store(settings.database_url)
    upgrade(store)
    services = Services(store, settings, Passwords(concurrency=1))
    users.bootstrap(services)
    info = load_demo(services, owner_account(services))
    return create_app(settings, services=services, access=access), info


def _scope(info: dict[str, Any]) -> dict[str, Any]:
    path = f"/v3/content_types/article/entries/{info['entry_uid']}"
    return {
        "type": "http",
        "method": "GET",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"environment=production",
        "scheme": "http",
        "headers": [
            (b"host", b"localhost"),
            (b"api_key", info["api_key"].encode()),
            (b"access_token", info["delivery_token"].encode()),
            (b"user-agent", b"bench"),
        ],
    }


async def _block(app: Any, scope: dict[str, Any], count: int) -> float:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        pass

    started = time.perf_counter()
    for _ in range(count):
        await app(dict(scope), receive, send)
    return time.perf_counter() - started


async def main(requests: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        access = AccessLog("json", os.open(os.devnull, os.O_WRONLY))
        observed, info = _app(folder, access)
        bare = observed.app  # the same application without the Observe layer
        scope = _scope(info)
        await _block(observed, scope, 1000)  # warm the cache and the code
        apps = {"with Observe": observed, "no line": Observe(bare), "without": bare}
        best = dict.fromkeys(apps, float("inf"))
        block = 200
        for _ in range(requests // block // len(apps)):
            for name, app in apps.items():
                best[name] = min(best[name], await _block(app, scope, block))
            access.flush()
        access.close()
    per = {name: seconds / block * 1e6 for name, seconds in best.items()}
    for name, micros in per.items():
        print(f"{name:14} {micros:7.2f} µs/request  {1e6 / micros:9,.0f} requests/s on one core")
    print(f"{'difference':14} {per['with Observe'] - per['without']:7.2f} µs/request")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=20_000)
    asyncio.run(main(parser.parse_args().requests))
