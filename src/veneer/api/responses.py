"""Rendering: every body Veneer sends is JSON encoded by orjson, errors through `error_response`.

`as_error` is the one place that decides how a failure is answered: its status, message, field
errors and headers. The API (the app's exception handlers, `call.endpoint`, the delivery front
and handlers) renders the result as Contentstack's JSON body; the editor renders the same
resolution as an HTML page (`veneer.web.page.error_page`).
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from starlette.exceptions import HTTPException
from starlette.responses import Response

from veneer.errors import MethodNotAllowed, NotFound, VeneerError

log = logging.getLogger("veneer")


class JSON(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def json_response(
    content: Any, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return JSON(content, status_code=status, headers=headers)


def as_error(exc: BaseException) -> VeneerError:
    """The Veneer error `exc` is answered as: itself; the router's 404 and 405 as NotFound and
    MethodNotAllowed; anything else as a 500 whose traceback is logged here, once."""
    if isinstance(exc, VeneerError):
        return exc
    if isinstance(exc, HTTPException):
        if exc.status_code == 405:
            return MethodNotAllowed()
        return NotFound() if exc.status_code == 404 else VeneerError(str(exc.detail))
    log.error("unexpected error", exc_info=exc)
    return VeneerError()


def error_response(exc: BaseException) -> Response:
    """Contentstack's error body for `exc`, with its status and headers."""
    error = as_error(exc)
    return JSON(error.body(), status_code=error.status, headers=error.headers)
