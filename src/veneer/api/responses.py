"""Rendering: every body Veneer sends is JSON encoded by orjson, errors through `error_response`."""

from __future__ import annotations

import logging
from typing import Any

import orjson
from starlette.responses import Response

from veneer.errors import VeneerError

log = logging.getLogger("veneer")


class JSON(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def json_response(
    content: Any, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return JSON(content, status_code=status, headers=headers)


def error_response(exc: VeneerError) -> Response:
    return JSON(exc.body(), status_code=exc.status, headers=exc.headers)


def unexpected_error(exc: BaseException) -> Response:
    log.exception("unexpected error", exc_info=exc)
    return error_response(VeneerError())
