"""System endpoints live under `/-/`, where they never collide with content."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from veneer import __version__
from veneer.api import openapi
from veneer.api.responses import json_response
from veneer.settings import SETTINGS


async def health(request: Request) -> Response:
    return json_response({"status": "ok"})


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
        Route("/-/version", version),
        Route("/-/settings", settings_table),
        Route("/-/openapi.json", openapi.serve),
    ]
