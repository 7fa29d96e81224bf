"""The delivery hot path, in front of the router.

Entry reads are most of what a website sends, so they skip Starlette's routing and middleware:
`DeliveryFront` recognises `GET /v3/content_types/{ct}/entries[/{uid}]` with a delivery token and
answers it itself. A repeated request (the same path, query string, credential and variant
headers) is served from the process cache after one change-log check, without parsing its query
string; anything else goes through `handlers.answer()`, the same code the routes use. It also
answers delivery preflights and puts CORS headers on delivery answers (`cors.py`), the router's
included. Every other request passes through to the application untouched.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from veneer.api import files
from veneer.api.delivery import cors, handlers, reader, variants
from veneer.api.delivery.cache import Cached
from veneer.api.delivery.context import DeliveryContext
from veneer.api.responses import error_response
from veneer.observe import FAMILY

FILES = re.compile(r"/v3/assets/[^/]+/[^/]+/[^/]+/[^/]+")  # a versioned file (api/files.py)
ENTRIES = re.compile(r"/v3/content_types/([^/]+)/entries(?:/([^/]+))?/?")
VARIANTS = b"x-cs-variant-uid"
WANTED = {
    b"api_key",
    b"access_token",
    b"environment",
    b"if-none-match",
    b"host",
    b"origin",
    b"preview_token",
    b"live_preview",
    VARIANTS,
}
PREVIEW_PATHS = ("/content_types/", "/assets")  # live preview paths without the /v3
PREFLIGHT = {b"origin", b"access-control-request-method", b"access-control-request-headers"}


def _headers(scope: Scope, wanted: set[bytes] = WANTED) -> dict[bytes, bytes]:
    """The few request headers the hot path reads: the first of each, as `Headers.get` (which
    builds the answer) reads it; repeated variant headers are one list, as `variants.refs_of` reads them."""
    found: dict[bytes, bytes] = {}
    for name, value in scope["headers"]:
        if name in wanted:
            if name not in found:
                found[name] = value
            elif name == VARIANTS:
                found[name] += b"," + value
    return found


def _delivery_without_v3(scope: Scope) -> bool:
    """A delivery read as the JS delivery SDK sends live preview reads, to `live_preview.host`
    with the path without `/v3`: one with a delivery or preview token, or a live preview hash
    (with a management token in `live_preview` the SDK sends neither hash nor preview token).
    Only such reads are answered there; the management API is not."""
    headers = _headers(scope)
    if b"preview_token" in headers or b"access_token" in headers:
        return True
    if _token_in_query(scope["query_string"]):
        return True
    if headers.get(b"live_preview", b"init") not in (b"", b"init"):
        return True
    found = parse_qs(scope["query_string"].decode("latin-1")).get("live_preview", ["init"])
    return found[0] not in ("", "init")


def _token_in_query(query: bytes) -> bool:
    """An `access_token` parameter (not the words inside some value, such as a `query`)."""
    return query.startswith((b"access_token=", b"&access_token=")) or b"&access_token=" in query


async def send_cached(send: Send, cached: Cached, if_none_match: bytes | None) -> None:
    if if_none_match and handlers.matches(if_none_match.decode("latin-1"), cached.etag):
        await send({"type": "http.response.start", "status": 304, "headers": cached.validators})
        await send({"type": "http.response.body", "body": b""})
        return
    await send({"type": "http.response.start", "status": 200, "headers": cached.headers})
    await send({"type": "http.response.body", "body": cached.body})


class DeliveryFront:
    def __init__(self, app: ASGIApp, delivery: DeliveryContext) -> None:
        self.app = app
        self.delivery = delivery

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            method = scope["method"]
            if scope["path"].startswith(PREVIEW_PATHS) and _delivery_without_v3(scope):
                # The JS delivery SDK sends live preview reads to `https://<live_preview.host>`
                # plus the path without `/v3` (Contentstack's preview host answers them there).
                # Without a preview token and hash such a read is an ordinary delivery read.
                scope = {**scope, "path": "/v3" + scope["path"]}
                scope["raw_path"] = scope["path"].encode()
            if (
                method == "GET"
                and FILES.fullmatch(scope["path"])
                and await files.answer_from_memo(scope, send, self.delivery)
            ):
                scope[FAMILY] = "files"
                return
            if method == "GET":
                match = ENTRIES.fullmatch(scope["path"])
                if match is not None:
                    headers = _headers(scope)
                    if b"preview_token" in headers:
                        pass  # perhaps live preview: the routes tell (dispatch.py), never cached
                    elif b"access_token" in headers or _token_in_query(scope["query_string"]):
                        scope[FAMILY] = "delivery_entry" if match[2] else "delivery_list"
                        send = self._cors(scope, headers, send)
                        await self._deliver(scope, receive, send, match, headers)
                        return
            if method in ("GET", "HEAD") and cors.PATHS.fullmatch(scope["path"]):
                headers = _headers(scope)
                if b"access_token" in headers or _token_in_query(scope["query_string"]):
                    send = self._cors(scope, headers, send)
            elif method == "OPTIONS":
                headers = _headers(scope, PREFLIGHT)
                if cors.is_preflight(scope, headers):
                    await cors.answer_preflight(send, headers[b"origin"])
                    return
        await self.app(scope, receive, send)

    def _cors(self, scope: Scope, headers: dict[bytes, bytes], send: Send) -> Send:
        """`send`, with CORS headers when a browser asks (the request names its origin)."""
        origin = headers.get(b"origin")
        if origin is None:
            return send
        return cors.with_cors(send, self.delivery, cors.api_key_of(scope, headers), origin)

    async def _deliver(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        match: re.Match[str],
        headers: dict[bytes, bytes],
    ) -> None:
        delivery, cache = self.delivery, self.delivery.cache
        try:
            delivery.start()
            exact = _exact_key(scope, headers)
            cached = cache.get(exact) if exact is not None else None
            if cached is not None and not reader.token_still_valid(
                delivery, *_credentials(headers)
            ):
                cached = None
            if cached is None:
                ct, uid = match.groups()
                scope["path_params"] = {"ct": ct, "uid": uid} if uid else {"ct": ct}
                build = handlers.get_entry if uid else handlers.list_entries
                cached = handlers.answer(Request(scope, receive), delivery, build, started=True)
                if exact is not None:
                    cache.put(exact, cached)
        except Exception as exc:  # noqa: BLE001 -- rendered as JSON, as the router's error handler would
            await error_response(exc)(scope, receive, send)
            return
        await send_cached(send, cached, headers.get(b"if-none-match"))


def _credentials(headers: dict[bytes, bytes]) -> tuple[str, str]:
    return headers.get(b"api_key", b"").decode("latin-1"), headers.get(b"access_token", b"").decode(
        "latin-1"
    )


def _exact_key(scope: Scope, headers: dict[bytes, bytes]) -> tuple[Any, ...] | None:
    """The request exactly as sent, when its credentials are headers (every official SDK's way):
    the response cached under it was built for these credentials. The variant header counts by
    the names it lists (as `variants.refs_of` reads them); an oversized one is never a key."""
    api_key, token = _credentials(headers)
    raw = headers.get(VARIANTS, b"")
    if not api_key or not token or len(raw) > variants.HEADER_MAX:
        return None
    return (
        "exact",
        scope["path"],
        scope.get("scheme"),
        headers.get(b"host"),  # asset URLs are given in the request's origin
        api_key,
        token,
        scope["query_string"],
        headers.get(b"environment"),
        tuple(ref for ref in (part.strip() for part in raw.split(b",")) if ref),
    )
