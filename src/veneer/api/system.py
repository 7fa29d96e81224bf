"""System endpoints live under `/-/`, where they never collide with content.

`/-/health` answers 200 while this process can serve: its database answers (and, unless it is a
delivery node, takes writes); `/-/ready` also asks that the database's migrations be this code's.
Otherwise both answer 503 in Contentstack's error shape, with `Retry-After`. The database is asked
in the thread pool, never longer than `CHECK_TIMEOUT` seconds, so the event loop goes on serving.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from veneer import __version__
from veneer.api import openapi
from veneer.api.responses import error_response, json_response
from veneer.errors import Unavailable
from veneer.metrics import METRICS, Sample, read_snapshots, render, write_snapshot
from veneer.services.context import Services
from veneer.settings import SETTINGS
from veneer.store.migrate import behind

CHECK_TIMEOUT = 3.0
CONTENT_TYPE = "text/plain; version=0.0.4"


def _problems(services: Services, migrations: bool) -> dict[str, list[str]]:
    """What keeps this process from serving, by part (none when it can serve)."""
    writes = services.settings.role != "delivery"  # a delivery node may read from a replica
    problem = services.store.problem(writes=writes)
    if problem is not None:
        return {"database": [problem]}
    late = behind(services.store) if migrations else None
    return {"migrations": [late]} if late else {}


async def _check(request: Request, migrations: bool) -> Response:
    services: Services = request.app.state.services
    try:
        problems = await asyncio.wait_for(
            run_in_threadpool(_problems, services, migrations), CHECK_TIMEOUT
        )
    except TimeoutError:
        problems = {"database": [f"did not answer within {CHECK_TIMEOUT:g} seconds."]}
    except Unavailable:
        problems = {"database": ["is unreachable."]}
    if problems:
        return error_response(Unavailable("This server cannot serve right now.", problems))
    body = {"status": "ok", "database": "ok"}
    return json_response({**body, "migrations": "current"} if migrations else body)


async def health(request: Request) -> Response:
    return await _check(request, migrations=False)


async def ready(request: Request) -> Response:
    return await _check(request, migrations=True)


async def version(request: Request) -> Response:
    return json_response({"version": __version__, "role": request.app.state.services.settings.role})


async def settings_table(request: Request) -> Response:
    return json_response(
        {
            "settings": [
                {
                    "name": s.name,
                    "env": f"VENEER_{s.name.upper()}",
                    "default": s.default,
                    "help": s.help,
                }
                for s in SETTINGS
            ]
        }
    )


def worker_samples_of(app: Any) -> list[Sample]:
    """This worker's samples: its counters, and its cache and pool read now."""
    cache = app.state.delivery
    pool: Any = app.state.services.store.engine.pool
    gauges = [
        Sample("veneer_delivery_cache_hits_total", (), cache.hits),
        Sample("veneer_delivery_cache_misses_total", (), cache.misses),
        Sample("veneer_delivery_cache_entries", (), len(cache.items)),
        Sample("veneer_delivery_cache_bytes", (), cache.bytes),
    ]
    if hasattr(pool, "checkedout"):  # a QueuePool (both stores use one)
        for state, value in (("in_use", pool.checkedout()), ("idle", pool.checkedin())):
            gauges.append(Sample("veneer_db_pool_connections", (("state", state),), value))
    return METRICS.samples(gauges)


def _job_samples(services: Services) -> list[Sample]:
    """The database's queues: scheduled jobs waiting, webhook deliveries waiting and in flight."""
    with services.store.read() as tx:
        queued = tx.jobs.queued()
        outbox = tx.webhook_deliveries.outbox()
    return [
        Sample("veneer_scheduled_jobs_queued", (), queued),
        *(
            Sample("veneer_webhook_outbox", (("status", status),), outbox.get(status, 0))
            for status in ("pending", "sending")
        ),
    ]


async def metrics(request: Request) -> Response:
    """Every live worker's samples (see `veneer.metrics`) and the database's job counts."""
    services: Services = request.app.state.services
    mine = worker_samples_of(request.app)
    directory = services.settings.metrics_path
    write_snapshot(directory, mine)
    workers = {os.getpid(): mine, **read_snapshots(directory)}
    try:
        shared = await asyncio.wait_for(run_in_threadpool(_job_samples, services), CHECK_TIMEOUT)
    except (TimeoutError, Unavailable):
        shared = []  # the database is away: /-/health says so; the counters still answer
    return PlainTextResponse(render(workers, shared), media_type=CONTENT_TYPE)


def routes() -> list[BaseRoute]:
    return [
        Route("/-/health", health),
        Route("/-/ready", ready),
        Route("/-/version", version),
        Route("/-/metrics", metrics),
        Route("/-/settings", settings_table),
        Route("/-/openapi.json", openapi.serve),
    ]
