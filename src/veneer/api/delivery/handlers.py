"""Content Delivery API handlers: `GET` entries and content types with a delivery token.

`answer()` resolves who asks, then serves from the process cache or builds the bytes with one of
the builders below (`get_entry`, `list_entries`, ...) and caches them with the keys they depend on.
Entry reads reach it through `fast.DeliveryFront`, in front of the router; content types through
the routes (`delivery()`). Everything runs on the event loop, with no thread hop.
"""

from __future__ import annotations

from typing import Any, Callable

import orjson
from starlette.requests import Request
from starlette.responses import Response

from veneer.api.delivery import reader
from veneer.api.delivery.cache import Cached, DeliveryCache
from veneer.api.responses import error_response
from veneer.domain import query as domain_query
from veneer.errors import ResponseTooLarge, VeneerError
from veneer.services.listing import flag, list_params

Builder = Callable[[Request, DeliveryCache, reader.Scope], bytes]

# The query parameters that change what a single-entry read serves besides the stored bytes.
# The JS SDK serializes arrays with brackets, so `include[]` arrives as `include[][]`.
TRANSFORMS = frozenset({"only[BASE][]", "except[BASE][]", "include[]", "include_content_type",
                        "only[BASE][][]", "except[BASE][][]", "include[][]"})
CREDENTIALS = {"environment", "access_token", "api_key"}


def _list(request: Request, name: str) -> list[str]:
    params = request.query_params
    return params.getlist(name) + params.getlist(name + "[]")


def _scope(request: Request, cache: DeliveryCache, deadline: float) -> reader.Scope:
    params, headers = request.query_params, request.headers
    return reader.resolve_scope(
        cache, headers.get("api_key") or params.get("api_key"),
        headers.get("access_token") or params.get("access_token") or "",
        params.get("environment") or headers.get("environment"), params.get("locale"),
        flag(params, "include_fallback"), deadline)


def matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 weak comparison, as If-None-Match asks: a list of tags, `W/` ignored, or `*`."""
    if not if_none_match:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return etag in tags or "*" in tags


def _key(request: Request, scope: reader.Scope) -> tuple[Any, ...]:
    """What the answer depends on, whoever asks: two tokens of one environment share it. The
    variant header is part of it, for the entry-variant delivery built on top of this."""
    params = tuple(sorted((k, v) for k, v in request.query_params.multi_items() if k not in CREDENTIALS))
    return (request.scope["path"], scope.stack, scope.environment, params, request.headers.get("x-cs-variant-uid"))


def answer(request: Request, cache: DeliveryCache, build: Builder, *, synced: bool = False) -> Cached:
    """The response to a delivery request, from the cache or built; raises VeneerError."""
    if not synced:
        cache.start()
        cache.sync()
    scope = _scope(request, cache, cache.deadline())
    key = _key(request, scope) if cache.enabled else None
    cached = cache.get(key) if key is not None else None
    if cached is None:
        body = build(request, cache, scope)
        scope.check_time()
        limit = cache.services.settings.max_response_bytes
        if len(body) > limit:
            raise ResponseTooLarge(errors={"response": [f"would be {len(body)} bytes; the limit is {limit}."]})
        cached = Cached.of(body, tuple(scope.deps))
        if key is not None:
            cache.put(key, cached)
    return cached


def not_modified(cached: Cached) -> Response:
    return Response(status_code=304, headers={"ETag": cached.etag, "Cache-Control": "no-cache"})


def delivery(build: Builder) -> Callable[[Request], Any]:
    """A Starlette endpoint around `answer()`, with error rendering."""

    async def handle(request: Request) -> Response:
        try:
            cached = answer(request, request.app.state.delivery, build)
        except VeneerError as exc:
            return error_response(exc)
        if matches(request.headers.get("if-none-match"), cached.etag):
            return not_modified(cached)
        return Response(cached.body, media_type="application/json",
                        headers={"ETag": cached.etag, "Cache-Control": "no-cache"})

    handle.__name__ = build.__name__
    return handle


def _transform(request: Request, cache: DeliveryCache, scope: reader.Scope, docs: list[dict[str, Any]]) -> None:
    includes = _list(request, "include[]")
    if includes:
        reader.expand_references(cache, scope, docs, includes)
    only, excluded = _list(request, "only[BASE][]"), _list(request, "except[BASE][]")
    if only or excluded:
        docs[:] = [domain_query.project(doc, only or None, excluded or None) for doc in docs]


def _with_content_type(request: Request, cache: DeliveryCache, scope: reader.Scope, body: dict[str, Any]) -> None:
    if flag(request.query_params, "include_content_type"):
        body["content_type"] = reader.content_type_doc(cache, scope.stack, request.path_params["ct"])


def get_entry(request: Request, cache: DeliveryCache, scope: reader.Scope) -> bytes:
    ct, uid = request.path_params["ct"], request.path_params["uid"]
    raw = reader.entry_bytes(cache, scope, ct, uid)
    if TRANSFORMS.isdisjoint(request.query_params.keys()):
        return b'{"entry":' + raw + b"}"  # the stored bytes, never parsed
    docs = [orjson.loads(raw)]
    _transform(request, cache, scope, docs)
    body: dict[str, Any] = {"entry": docs[0]}
    _with_content_type(request, cache, scope, body)
    return orjson.dumps(body)


def list_entries(request: Request, cache: DeliveryCache, scope: reader.Scope) -> bytes:
    lp = list_params(request.query_params)
    docs, stored = reader.entry_docs(cache, scope, request.path_params["ct"])
    page, count = reader.select(docs, lp, scope)
    if TRANSFORMS.isdisjoint(request.query_params.keys()):  # the page is stored bytes, joined
        total = b',"count":%d' % count if lp.include_count else b""
        return b'{"entries":[' + b",".join(stored[id(doc)] for doc in page) + b"]" + total + b"}"
    _transform(request, cache, scope, page)
    body: dict[str, Any] = {"entries": page}
    if lp.include_count:
        body["count"] = count
    _with_content_type(request, cache, scope, body)
    return orjson.dumps(body)


def list_content_types(request: Request, cache: DeliveryCache, scope: reader.Scope) -> bytes:
    lp = list_params(request.query_params)
    items = reader.content_type_docs(cache, scope.stack)
    body: dict[str, Any] = {"content_types": lp.page(items)}
    if lp.include_count:
        body["count"] = len(items)
    return orjson.dumps(body)


def get_content_type(request: Request, cache: DeliveryCache, scope: reader.Scope) -> bytes:
    return orjson.dumps({"content_type": reader.content_type_doc(cache, scope.stack, request.path_params["ct"])})
