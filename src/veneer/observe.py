"""The outermost layer of the application: a request id, the request's metrics and its log line.

The id is the client's `X-Request-Id` when it is a short token (letters, digits and `-_.:`, at
most 128 characters: it goes into logs and headers verbatim), else one made here (a random prefix
per process and a counter: unique, and cheaper than a UUID). It is echoed as `X-Request-Id` on
every answer, the delivery fast path's and errors included, and carried by every log record the
request causes (`logs.REQUEST_ID`).

The route family a request is counted under is named by whoever answered it: the delivery fast
path and the delivery dispatch mark `scope["veneer.family"]`; otherwise the routed endpoint's module
tells (management, assets, files, editor, system), and a request no route took is `other`.
"""

from __future__ import annotations

import itertools
import os
import re
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from veneer.logs import REQUEST_ID, AccessLog
from veneer.metrics import METRICS

FAMILY = "veneer.family"
HEADER = b"x-request-id"
_VALID = re.compile(rb"[A-Za-z0-9_.:\-]{1,128}")
_PREFIX = os.urandom(4).hex().encode()
_counter = itertools.count(1)

# By the module of the routed endpoint; the first prefix that matches.
_MODULES = (
    ("veneer.api.management.assets", "assets"),
    ("veneer.api.management", "management"),
    ("veneer.api.delivery", "delivery"),
    ("veneer.api.files", "files"),
    ("veneer.web", "editor"),
    ("veneer.api.system", "system"),
    ("veneer.api.openapi", "system"),
)
_families: dict[Any, str] = {}


def request_id(scope: Scope) -> bytes:
    """The client's id when it is acceptable, else a new one."""
    for name, value in scope["headers"]:
        if name == HEADER:
            if _VALID.fullmatch(value):
                return bytes(value)
            break
    return b"%s-%x" % (_PREFIX, next(_counter))


def family(scope: Scope) -> str:
    marked: str | None = scope.get(FAMILY)
    if marked is not None:
        return marked
    endpoint = scope.get("endpoint")
    if endpoint is None:
        return "other"
    known = _families.get(endpoint)
    if known is None:
        module = getattr(endpoint, "__module__", "") or ""
        known = next((f for prefix, f in _MODULES if module.startswith(prefix)), "other")
        _families[endpoint] = known
    return known


class Observe:
    """`access`: where each request's line goes (None: nowhere)."""

    def __init__(self, app: ASGIApp, access: AccessLog | None = None) -> None:
        self.app = app
        self.access = access

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        rid = request_id(scope)
        token = REQUEST_ID.set(rid.decode())
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), (HEADER, rid)]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            name = family(scope)
            METRICS.request(name, status, seconds)
            if self.access is not None:
                ms = round(seconds * 1000, 3)
                self.access.request(scope["method"], name, scope["path"], status, ms, rid.decode())
            REQUEST_ID.reset(token)
