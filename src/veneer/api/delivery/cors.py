"""CORS for the delivery API, so that the delivery SDKs work in a browser page of another origin.

Only delivery requests get CORS headers: a `GET`/`HEAD` of a delivery path with a delivery token.
The management API and the editor never do (their credentials must not be usable from other
sites' pages), and since both APIs share paths, a request is told apart by its credentials.

A preflight (`OPTIONS`) carries no credentials, so it cannot name a stack: a preflight of a delivery
path that asks for a `GET` with delivery headers only (`ALLOW_HEADERS`, which has neither
`authtoken` nor `authorization`) is answered permissively, for any origin; one that asks for any
other method or header goes on to the application, which gives it no CORS headers. The stack's
allowed origins (`policy.py`) apply to the actual answer: `Access-Control-Allow-Origin` is on it only
when the stack allows the origin, so a page of another origin cannot read it. Errors of requests
that name no stack follow the server's `delivery_cors_origins`.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs

from starlette.types import Message, Scope, Send

from veneer.api.delivery.context import DeliveryContext
from veneer.api.delivery.policy import policy_for_answer

# Entries, content types, assets, and the Sync API.
PATHS = re.compile(
    r"/v3/(?:content_types(?:/[^/]+(?:/entries(?:/[^/]+)?)?)?|assets(?:/[^/]+)?|stacks/sync)/?"
)
# What the delivery SDKs send (JS, and the others' equivalents); all lower case, as browsers ask.
ALLOW_HEADERS = (
    "access_token",
    "api_key",
    "branch",
    "content-type",
    "environment",
    "include_branch",
    "live_preview",
    "preview_timestamp",
    "preview_token",
    "release_id",
    "x-cs-variant-uid",
    "x-header-ea",
    "x-user-agent",
)
_ALLOWED = frozenset(ALLOW_HEADERS)
MAX_AGE = b"7200"  # seconds a browser may reuse a preflight: Chromium's own cap


def is_preflight(scope: Scope, headers: dict[bytes, bytes]) -> bool:
    """A delivery preflight, as the module says."""
    method = headers.get(b"access-control-request-method", b"")
    if b"origin" not in headers or method not in (b"GET", b"HEAD"):
        return False
    if not PATHS.fullmatch(scope["path"]):
        return False
    asked = headers.get(b"access-control-request-headers", b"").decode("latin-1").lower()
    names = {name.strip() for name in asked.split(",") if name.strip()}
    return names <= _ALLOWED


async def answer_preflight(send: Send, origin: bytes) -> None:
    headers = [
        (b"access-control-allow-origin", origin),
        (b"access-control-allow-methods", b"GET, HEAD, OPTIONS"),
        (b"access-control-allow-headers", ", ".join(ALLOW_HEADERS).encode()),
        (b"access-control-max-age", MAX_AGE),
        (b"vary", b"origin"),
        (b"content-length", b"0"),
    ]
    await send({"type": "http.response.start", "status": 204, "headers": headers})
    await send({"type": "http.response.body", "body": b""})


def api_key_of(scope: Scope, headers: dict[bytes, bytes]) -> str | None:
    """The stack the request names: its `api_key` header, else its query parameter."""
    if b"api_key" in headers:
        return headers[b"api_key"].decode("latin-1")
    found = parse_qs(scope["query_string"].decode("latin-1")).get("api_key")
    return found[0] if found else None


def with_cors(send: Send, delivery: DeliveryContext, stack: str | None, origin: bytes) -> Send:
    """`send`, adding to the answer's start the CORS headers of the stack's policy (looked up only
    then: after the request brought the cache up to date)."""

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            policy = policy_for_answer(delivery, stack)
            allowed = policy.allow_origin(origin)
            headers = list(message.get("headers", ()))
            if allowed is not None:
                headers.append((b"access-control-allow-origin", allowed))
            if policy.origins is not None and not any(
                name.lower() == b"vary" and b"origin" in value.lower() for name, value in headers
            ):
                headers.append((b"vary", b"origin"))
            message = {**message, "headers": headers}
        await send(message)

    return sending
