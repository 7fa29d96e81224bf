"""System endpoints live under `/-/`, where they never collide with content.

`/-/health` answers 200 while this process can serve: its database answers (and, unless it is a
delivery node, takes writes); `/-/ready` also asks that the database's migrations be this code's.
Otherwise both answer 503 in Contentstack's error shape, with `Retry-After`. The database is asked
in the thread pool, never longer than `CHECK_TIMEOUT` seconds, so the event loop goes on serving.
"""

from __future__ import annotations

import asyncio

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from veneer import __version__
from veneer.api import openapi
from veneer.api.responses import error_response, json_response
from veneer.errors import Unavailable
from veneer.services.context import Services
from veneer.settings import SETTINGS
from veneer.store.migrate import behind

CHECK_TIMEOUT = 3.0


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


def routes() -> list[BaseRoute]:
    return [
        Route("/-/health", health),
        Route("/-/ready", ready),
        Route("/-/version", version),
        Route("/-/settings", settings_table),
        Route("/-/openapi.json", openapi.serve),
    ]
