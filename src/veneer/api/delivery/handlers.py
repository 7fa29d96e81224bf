"""Content Delivery API handlers: `GET` entries and content types with a delivery token.

They run on the event loop (no thread hop) and answer from the process cache when they can, with
a strong ETag computed from the exact bytes served.
"""

from __future__ import annotations

import hashlib
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

# Query parameters that change nothing in the answer of a single-entry read.
TRANSFORMS = ("only[BASE][]", "except[BASE][]", "include[]", "include_content_type")


def _scope(request: Request, cache: DeliveryCache) -> reader.Scope:
    params, headers = request.query_params, request.headers
    settings = cache.services.settings
    return reader.resolve_scope(
        cache, headers.get("api_key") or params.get("api_key"),
        headers.get("access_token") or params.get("access_token") or "",
        params.get("environment") or headers.get("environment"), params.get("locale"),
        flag(params, "include_fallback"), settings.request_timeout)


def _key(request: Request, scope: reader.Scope) -> tuple[Any, ...]:
    params = tuple(sorted((k, v) for k, v in request.query_params.multi_items()
                          if k not in {"environment", "access_token", "api_key"}))
    return (request.url.path, scope.stack, scope.environment, params)


def _send(request: Request, cache: DeliveryCache, key: tuple[Any, ...], scope: reader.Scope | None,
          body: bytes | None) -> Response:
    if body is not None:
        limit = cache.services.settings.max_response_bytes
        if len(body) > limit:
            raise ResponseTooLarge(errors={"response": [f"would be {len(body)} bytes; the limit is {limit}."]})
        etag = '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'
        cached = Cached(body, etag, tuple(scope.deps) if scope else ())
        cache.put(key, cached)
    else:
        cached = cache.items[key]
    headers = {"ETag": cached.etag, "Cache-Control": "no-cache"}
    if request.headers.get("if-none-match") == cached.etag:
        return Response(status_code=304, headers=headers)
    return Response(cached.body, media_type="application/json", headers=headers)


def delivery(build: Callable[[Request, DeliveryCache, reader.Scope], bytes]) -> Callable[[Request], Any]:
    """Wraps a builder of response bytes with authentication, the cache and error rendering."""

    async def handle(request: Request) -> Response:
        cache: DeliveryCache = request.app.state.delivery
        try:
            cache.sync()
            scope = _scope(request, cache)
            key = _key(request, scope)
            if cache.get(key) is not None:
                return _send(request, cache, key, None, None)
            return _send(request, cache, key, scope, build(request, cache, scope))
        except VeneerError as exc:
            return error_response(exc)

    handle.__name__ = build.__name__
    return handle


def _transform(request: Request, cache: DeliveryCache, scope: reader.Scope, docs: list[dict[str, Any]]) -> None:
    params = request.query_params
    includes = params.getlist("include[]")
    if includes:
        reader.expand_references(cache, scope, docs, includes)
    only, excluded = params.getlist("only[BASE][]"), params.getlist("except[BASE][]")
    if only or excluded:
        docs[:] = [domain_query.project(doc, only or None, excluded or None) for doc in docs]


def _with_content_type(request: Request, cache: DeliveryCache, scope: reader.Scope, body: dict[str, Any]) -> None:
    if flag(request.query_params, "include_content_type"):
        body["content_type"] = reader.content_type_doc(cache, scope.stack, request.path_params["ct"])


def get_entry(request: Request, cache: DeliveryCache, scope: reader.Scope) -> bytes:
    ct, uid = request.path_params["ct"], request.path_params["uid"]
    raw = reader.entry_bytes(cache, scope, ct, uid)
    if not any(name in request.query_params for name in TRANSFORMS):
        return b'{"entry":' + raw + b"}"
    docs = [orjson.loads(raw)]
    _transform(request, cache, scope, docs)
    body: dict[str, Any] = {"entry": docs[0]}
    _with_content_type(request, cache, scope, body)
    return orjson.dumps(body)


def list_entries(request: Request, cache: DeliveryCache, scope: reader.Scope) -> bytes:
    lp = list_params(request.query_params)
    page, count = reader.select(reader.entry_docs(cache, scope, request.path_params["ct"]), lp, scope)
    _transform(request, cache, scope, page)
    body: dict[str, Any] = {"entries": page}
    if lp.include_count:
        body["count"] = count
    _with_content_type(request, cache, scope, body)
    return orjson.dumps(body)


def list_content_types(request: Request, cache: DeliveryCache, scope: reader.Scope) -> bytes:
    lp = list_params(request.query_params)
    items = reader.content_type_docs(cache, scope.stack)
    scope.deps.append(("stack", scope.stack))
    body: dict[str, Any] = {"content_types": lp.page(items)}
    if lp.include_count:
        body["count"] = len(items)
    return orjson.dumps(body)


def get_content_type(request: Request, cache: DeliveryCache, scope: reader.Scope) -> bytes:
    scope.deps.append(("stack", scope.stack))
    return orjson.dumps({"content_type": reader.content_type_doc(cache, scope.stack, request.path_params["ct"])})
