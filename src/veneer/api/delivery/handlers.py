"""Content Delivery API handlers: `GET` entries and content types with a delivery token.

`answer()` resolves who asks, then serves from the process cache or builds the bytes with one of
the builders below (`get_entry`, `list_entries`, ...) and caches them with the keys they depend on.
Entry reads reach it through `fast.DeliveryFront`, in front of the router; content types through
the routes (`delivery()`). Everything runs on the event loop, with no thread hop. Reads that name
entry variants (`x-cs-variant-uid`) overlay them on the base page or entry (`variants`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from veneer.api.delivery import assets, merged_query, policy, reader, variants
from veneer.api.delivery.cache import Cached, Merged, entry_variants_dep, variant_list_dep
from veneer.api.delivery.context import DeliveryContext
from veneer.api.responses import error_response
from veneer.domain import embedded, projection
from veneer.domain.branches import branched
from veneer.domain.global_fields import shaped
from veneer.domain.listing import ListParams, flag, list_params, merged_page
from veneer.domain.metadata import with_metadata
from veneer.domain.references import every_reference_path
from veneer.domain.taxonomies import field_taxonomies
from veneer.errors import ResponseTooLarge, ValidationFailed, VeneerError

Builder = Callable[[Request, DeliveryContext, reader.Scope], bytes | Cached]

# The query parameters that change what a single-entry read serves besides the stored bytes.
# The JS SDK serializes arrays with brackets, so `include[]` arrives as `include[][]`.
TRANSFORMS = frozenset(
    {
        "only[BASE][]",
        "except[BASE][]",
        "include[]",
        "include_content_type",
        "include_global_field_schema",
        "include_branch",
        "include_metadata",
        "include_all",
        "only[BASE][][]",
        "except[BASE][][]",
        "include[][]",
    }
)
CREDENTIALS = {"environment", "access_token", "api_key"}
DEFAULT_ALL_DEPTH = 3  # `include_all` without `include_all_depth`
MAX_ALL_DEPTH = 5
MAX_ALL_PATHS = 100  # reference paths one `include_all` may expand


def _list(request: Request, name: str) -> list[str]:
    params = request.query_params
    return params.getlist(name) + params.getlist(name + "[]")


def _scope(request: Request, delivery: DeliveryContext, deadline: float) -> reader.Scope:
    params, headers = request.query_params, request.headers
    return reader.resolve_scope(
        delivery,
        headers.get("api_key") or params.get("api_key"),
        headers.get("access_token") or params.get("access_token") or "",
        params.get("environment") or headers.get("environment"),
        params.get("locale"),
        flag(params, "include_fallback"),
        deadline,
    )


def matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 weak comparison, as If-None-Match asks: a list of tags, `W/` ignored, or `*`."""
    if not if_none_match:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return etag in tags or "*" in tags


def _key(request: Request, scope: reader.Scope) -> tuple[Any, ...]:
    """What the answer depends on, whoever asks: two tokens of one environment share it, and
    the variant header counts by the variants it names, however spaced."""
    params = tuple(
        sorted((k, v) for k, v in request.query_params.multi_items() if k not in CREDENTIALS)
    )
    return (
        request.scope["path"],
        request.url.scheme,
        request.headers.get("host"),  # asset URLs are given in the request's origin
        scope.stack,
        scope.environment,
        params,
        variants.refs_of(request.headers),
    )


def answer(
    request: Request, delivery: DeliveryContext, build: Builder, *, started: bool = False
) -> Cached:
    """The response to a delivery request, from the cache or built; raises VeneerError."""
    if not started:
        delivery.start()
    cache = delivery.cache
    scope = _scope(request, delivery, delivery.published.deadline())
    key = _key(request, scope) if cache.enabled else None
    cached = cache.get(key) if key is not None else None
    if cached is None:
        built = build(request, delivery, scope)
        scope.check_time()
        size, limit = (
            len(built if isinstance(built, bytes) else built.body),
            delivery.settings.max_response_bytes,
        )
        if size > limit:
            raise ResponseTooLarge(
                errors={"response": [f"would be {size} bytes; the limit is {limit}."]}
            )
        cached = _cached(delivery, scope, built) if isinstance(built, bytes) else built
        if key is not None:
            cache.put(key, cached)
    return cached


def _cached(delivery: DeliveryContext, scope: reader.Scope, body: bytes) -> Cached:
    """The response of `body`, with the headers the stack's policy and the answer's deps give."""
    return Cached.of(body, tuple(scope.deps), policy.stack_policy(delivery, scope.stack))


def _headers(cached: Cached) -> dict[str, str]:
    """ETag, Cache-Control, Vary and the cache tags, as the fast path sends them."""
    return {name.decode(): value.decode() for name, value in cached.validators}


def not_modified(cached: Cached) -> Response:
    return Response(status_code=304, headers=_headers(cached))


def delivery(build: Builder) -> Callable[[Request], Awaitable[Response]]:
    """A Starlette endpoint around `answer()`, with error rendering."""

    async def handle(request: Request) -> Response:
        try:
            cached = answer(request, request.app.state.delivery_context, build)
        except VeneerError as exc:
            return error_response(exc)
        if matches(request.headers.get("if-none-match"), cached.etag):
            return not_modified(cached)
        return Response(cached.body, media_type="application/json", headers=_headers(cached))

    handle.__name__ = build.__name__
    return handle


def _plain(request: Request, delivery: DeliveryContext, scope: reader.Scope) -> bool:
    """Whether the stored (or merged) bytes are the answer as they are: no parameter transforms
    them, and the content type holds no assets to embed."""
    keys = request.query_params.keys()
    return (
        TRANSFORMS.isdisjoint(keys)
        and not projection.projected(keys)
        and not embedded.wanted(request.query_params.multi_items())
        and not assets.shows_assets(delivery, scope.stack, request.path_params["ct"])
    )


def _transform(
    request: Request, delivery: DeliveryContext, scope: reader.Scope, docs: list[dict[str, Any]]
) -> None:
    includes = _list(request, "include[]")
    if flag(request.query_params, "include_all"):
        includes = [*includes, *_every_reference(request, delivery, scope)]
    if includes:
        reader.expand_references(delivery, scope, docs, includes)
    if embedded.wanted(request.query_params.multi_items()):
        assets.embed_items(request, delivery, scope, docs, request.path_params["ct"])
    assets.embed_assets(request, delivery, scope, docs, request.path_params["ct"])
    docs[:] = projection.project_all(request.query_params.multi_items(), docs)
    docs[:] = with_metadata(request.query_params, branched(request.query_params, docs))


def _every_reference(request: Request, delivery: DeliveryContext, scope: reader.Scope) -> list[str]:
    """`include_all=true`: every reference path within `include_all_depth` levels (1 to
    MAX_ALL_DEPTH, default DEFAULT_ALL_DEPTH), expanded like `include[]` with its limits."""
    raw = request.query_params.get("include_all_depth") or str(DEFAULT_ALL_DEPTH)
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_ALL_DEPTH:
        raise ValidationFailed(
            f"include_all_depth must be a number from 1 to {MAX_ALL_DEPTH}.",
            {"include_all_depth": ["is not valid."]},
        )
    return every_reference_path(
        lambda ct: assets.schema_of(delivery, scope.stack, ct),
        request.path_params["ct"],
        int(raw),
        MAX_ALL_PATHS,
    )


def _with_content_type(
    request: Request, delivery: DeliveryContext, scope: reader.Scope, body: dict[str, Any]
) -> None:
    if flag(request.query_params, "include_content_type"):
        doc = reader.content_type_doc(delivery, scope.stack, request.path_params["ct"])
        body["content_type"] = shaped(
            doc, flag(request.query_params, "include_global_field_schema")
        )


def _errors(errors: list[dict[str, Any]]) -> bytes:
    """The tail of a body that carries variant errors (`show_errors=true`), else nothing."""
    return b',"errors":' + orjson.dumps(errors) if errors else b""


def _variant_errors(request: Request, ask: variants.Ask | None) -> list[dict[str, Any]]:
    return ask.errors() if ask is not None and flag(request.query_params, "show_errors") else []


def get_entry(request: Request, delivery: DeliveryContext, scope: reader.Scope) -> bytes | Cached:
    ct, uid = request.path_params["ct"], request.path_params["uid"]
    ask = variants.ask(delivery, scope.stack, request.headers)
    plain = _plain(request, delivery, scope)
    if ask is None:
        raw, errors = reader.entry_bytes(delivery, scope, ct, uid), []
    else:
        errors = _variant_errors(request, ask)
        merged = _merged_entry(
            request, delivery, scope, ask, *reader.published_entry(delivery, scope, ct, uid)
        )
        if plain and not errors:
            if merged.response is None:  # made once, shared by every request landing on this merge
                # (their deps are the same: the stack, the base entry and its variants)
                merged.response = _cached(delivery, scope, b'{"entry":' + merged.body + b"}")
            return merged.response
        raw = merged.body
    if plain:
        return (
            b'{"entry":' + raw + _errors(errors) + b"}"
        )  # the stored (or merged) bytes, never parsed
    docs = [orjson.loads(raw)]
    _transform(request, delivery, scope, docs)
    body: dict[str, Any] = {"entry": docs[0]}
    _with_content_type(request, delivery, scope, body)
    return _with_errors(body, errors)


def _merged_entry(
    request: Request,
    delivery: DeliveryContext,
    scope: reader.Scope,
    ask: variants.Ask,
    locale: str,
    raw: bytes,
) -> Merged:
    scope.deps.append(
        entry_variants_dep(scope.stack, scope.environment, request.path_params["uid"])
    )
    item = variants.Item(request.path_params["uid"], locale, raw)
    applied = flag(request.query_params, "include_applied_variants")
    explain = flag(request.query_params, "include_variant_explain")
    return variants.overlay(delivery, scope, ask, [item], applied, explain)[0]


def list_entries(request: Request, delivery: DeliveryContext, scope: reader.Scope) -> bytes:
    ct = request.path_params["ct"]
    lp = list_params(request.query_params, reader.query_expansion(delivery, scope, ct))
    ask = variants.ask(delivery, scope.stack, request.headers)
    if ask is not None and merged_query.wanted(request.query_params):  # opt-in (§5)
        page, count = merged_query.entry_page(delivery, scope, ct, lp, ask)
    else:
        page, count = reader.entry_page(delivery, scope, ct, lp)
    raws = (
        [raw for _uid, _locale, raw in page]
        if ask is None
        else _merged_page(request, delivery, scope, ask, page)
    )
    errors = _variant_errors(request, ask)
    if _plain(request, delivery, scope):  # stored or merged bytes, joined
        total = b',"count":%d' % count if count is not None else b""
        return b'{"entries":[' + b",".join(raws) + b"]" + total + _errors(errors) + b"}"
    docs = [orjson.loads(raw) for raw in raws]
    _transform(request, delivery, scope, docs)
    body: dict[str, Any] = {"entries": docs}
    if count is not None:
        body["count"] = count
    _with_content_type(request, delivery, scope, body)
    return _with_errors(body, errors)


def _merged_page(
    request: Request,
    delivery: DeliveryContext,
    scope: reader.Scope,
    ask: variants.Ask,
    page: list[tuple[str, str, bytes]],
) -> list[bytes]:
    """The page chosen on base data, each entry overlaid with its variants (read for the page's
    entries only)."""
    scope.deps.append(variant_list_dep(scope.stack, scope.environment, request.path_params["ct"]))
    items = [variants.Item(uid, locale, raw) for uid, locale, raw in page]
    applied = flag(request.query_params, "include_applied_variants")
    explain = flag(request.query_params, "include_variant_explain")
    merged = variants.overlay(delivery, scope, ask, items, applied, explain)
    return [m.body for m in merged]


def _with_errors(body: dict[str, Any], errors: list[dict[str, Any]]) -> bytes:
    if errors:
        body["errors"] = errors
    return orjson.dumps(body)


def list_taxonomy_entries(
    request: Request, delivery: DeliveryContext, scope: reader.Scope
) -> bytes:
    """`GET /v3/taxonomies/entries?query=…`: the published entries of every content type with a
    taxonomy field that match, each with its `_content_type_uid`; one list per such type, merged
    (`taxonomy_lists.merged_page`)."""
    lp = list_params(request.query_params, reader.taxonomy_expansion(delivery, scope))
    types = [
        ct["uid"]
        for ct in delivery.published.content_types(scope.stack)
        if field_taxonomies(ct.get("schema") or [])
    ]

    def page_of(ct: str, wanted: ListParams) -> tuple[list[dict[str, Any]], int | None]:
        page, count = reader.entry_page(delivery, scope, ct, wanted)
        return [orjson.loads(raw) for _uid, _locale, raw in page], count

    docs, count = merged_page(page_of, types, lp)
    shown = with_metadata(request.query_params, branched(request.query_params, docs))
    body: dict[str, Any] = {"entries": shown}
    if count is not None:
        body["count"] = count
    return orjson.dumps(body)


def list_content_types(request: Request, delivery: DeliveryContext, scope: reader.Scope) -> bytes:
    lp = list_params(request.query_params)
    items = delivery.published.content_types(scope.stack)
    full = flag(request.query_params, "include_global_field_schema")
    shown = branched(request.query_params, [shaped(ct, full) for ct in lp.page(items)])
    body: dict[str, Any] = {"content_types": shown}
    if lp.include_count:
        body["count"] = len(items)
    return orjson.dumps(body)


def get_content_type(request: Request, delivery: DeliveryContext, scope: reader.Scope) -> bytes:
    doc = reader.content_type_doc(delivery, scope.stack, request.path_params["ct"])
    full = flag(request.query_params, "include_global_field_schema")
    return orjson.dumps({"content_type": branched(request.query_params, [shaped(doc, full)])[0]})
