"""Content Delivery API reads of a stack's global fields and taxonomies (`/v3/global_fields`,
`/v3/taxonomies`, their terms, a term's ancestors, descendants and locales) with a delivery token.

Contentstack's CDA serves them to delivery tokens; Veneer has no publishing of global fields or
taxonomies, so a delivery token reads them as they are, in the shapes the management reads answer.
The token, its environment and the locale are checked as for entries (`reader.resolve_scope`),
and the answers are cached until the stack changes (every write of a global field, taxonomy or
term records a stack change)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson
from starlette.requests import Request

from veneer.api.delivery import reader
from veneer.api.delivery.context import DeliveryContext
from veneer.domain.branches import branched
from veneer.domain.global_fields import shaped
from veneer.domain.listing import ListParams, flag, list_params
from veneer.domain.taxonomies import depth_param
from veneer.services import global_fields, taxonomies
from veneer.store import Transaction


@contextmanager
def _read(delivery: DeliveryContext, scope: reader.Scope) -> Iterator[Transaction]:
    store = delivery.store
    with store.deadline(scope.deadline - time.monotonic()), store.read() as tx:
        yield tx


def _list(request: Request, key: str, page: tuple[list[dict[str, Any]], int | None]) -> bytes:
    docs, count = page
    body: dict[str, Any] = {key: branched(request.query_params, docs)}
    if count is not None:
        body["count"] = count
    return orjson.dumps(body)


def _one(request: Request, key: str, doc: dict[str, Any]) -> bytes:
    return orjson.dumps({key: branched(request.query_params, [doc])[0]})


def _params(request: Request) -> ListParams:
    return list_params(request.query_params)


def list_global_fields(request: Request, delivery: DeliveryContext, scope: reader.Scope) -> bytes:
    full = flag(request.query_params, "include_global_field_schema")
    with _read(delivery, scope) as tx:
        docs, count = tx.global_fields.page(scope.stack, _params(request))
    return _list(request, "global_fields", ([shaped(doc, full) for doc in docs], count))


def get_global_field(request: Request, delivery: DeliveryContext, scope: reader.Scope) -> bytes:
    full = flag(request.query_params, "include_global_field_schema")
    with _read(delivery, scope) as tx:
        doc = global_fields.load(tx, scope.stack, request.path_params["uid"])
    return _one(request, "global_field", shaped(doc, full))


def list_taxonomies(request: Request, delivery: DeliveryContext, scope: reader.Scope) -> bytes:
    with _read(delivery, scope) as tx:
        page = tx.taxonomies.page(scope.stack, _params(request))
    return _list(request, "taxonomies", page)


def get_taxonomy(request: Request, delivery: DeliveryContext, scope: reader.Scope) -> bytes:
    counted = flag(request.query_params, "include_terms_count")
    with _read(delivery, scope) as tx:
        doc = taxonomies.read_taxonomy(tx, scope.stack, request.path_params["taxonomy"], counted)
    return _one(request, "taxonomy", doc)


def list_terms(request: Request, delivery: DeliveryContext, scope: reader.Scope) -> bytes:
    params = request.query_params
    depth = depth_param(params.get("depth"))
    typeahead = params.get("typeahead") or params.get("term") or None
    with _read(delivery, scope) as tx:
        page = taxonomies.read_terms(
            tx, scope.stack, request.path_params["taxonomy"], _params(request), depth, typeahead
        )
    return _list(request, "terms", page)


def get_term(request: Request, delivery: DeliveryContext, scope: reader.Scope) -> bytes:
    taxonomy, term = request.path_params["taxonomy"], request.path_params["term"]
    with _read(delivery, scope) as tx:
        doc = taxonomies.read_term(tx, scope.stack, taxonomy, term)
    return _one(request, "term", doc)


def term_ancestors(request: Request, delivery: DeliveryContext, scope: reader.Scope) -> bytes:
    taxonomy, term = request.path_params["taxonomy"], request.path_params["term"]
    with _read(delivery, scope) as tx:
        docs = taxonomies.read_ancestors(tx, scope.stack, taxonomy, term)
    return _list(request, "terms", (docs, None))


def term_descendants(request: Request, delivery: DeliveryContext, scope: reader.Scope) -> bytes:
    taxonomy, term = request.path_params["taxonomy"], request.path_params["term"]
    depth = depth_param(request.query_params.get("depth"))
    with _read(delivery, scope) as tx:
        docs = taxonomies.read_descendants(tx, scope.stack, taxonomy, term, depth)
    return _list(request, "terms", (docs, None))


def term_locales(request: Request, delivery: DeliveryContext, scope: reader.Scope) -> bytes:
    """The term in each locale it has: Veneer's terms are not localized, so the one term, in the
    stack's master locale."""
    taxonomy, term = request.path_params["taxonomy"], request.path_params["term"]
    master = delivery.published.master_locale(scope.stack) or ""
    with _read(delivery, scope) as tx:
        doc = taxonomies.read_term(tx, scope.stack, taxonomy, term)
    return _list(request, "terms", ([{**doc, "locale": master}], None))
