"""Assets in the Content Delivery API: `GET /v3/assets[/{uid}]` (published assets only), and the
published asset objects delivered entries carry in their file fields (docs/assets.md).

An entry stores a file field as asset uids; delivery puts the asset published in the request's
environment (first locale of its fallback chain) in their place, in the entry, in the entries
`include[]` expanded, and in variant merges. An asset that is not published there (or was
deleted) becomes null in a single file field and is left out of a multiple one, as Contentstack
answers (the Gatsby source's issue #60 is sites meeting exactly that null). JSON RTE asset nodes
get `asset-link` set to the published asset's URL. Every answer that shows an asset depends on
it in the cache (`asset_dep` of its uid), so publishing the asset purges it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson
from starlette.requests import Request

from veneer.api.delivery.cache import asset_dep, list_dep
from veneer.api.delivery.context import DeliveryContext
from veneer.api.delivery.reader import NOT_FOUND, Scope, entry_bytes
from veneer.api.files import base_url
from veneer.domain import assets as domain_assets
from veneer.domain import embedded
from veneer.domain.branches import branched
from veneer.domain.listing import flag, list_params
from veneer.domain.metadata import with_metadata
from veneer.errors import NotFoundObject
from veneer.services.assets import present
from veneer.store import Transaction
from veneer.store.sqllist import Listing

ASSETS = domain_assets.ASSET_CONTENT_TYPE


def schema_of(delivery: DeliveryContext, stack: str, ct: str) -> list[dict[str, Any]]:
    """A content type's schema (memoized until the stack changes); [] for an unknown one."""

    def read() -> list[dict[str, Any]]:
        doc = delivery.published.content_type(stack, ct)
        return list(doc.get("schema") or []) if doc else []

    return delivery.cache.memoized(("schema", stack, ct), read)


def shows_assets(delivery: DeliveryContext, stack: str, ct: str) -> bool:
    """Whether entries of `ct` can hold assets (a file field or a JSON RTE, at any depth)."""

    def read() -> bool:
        return _holds_assets(schema_of(delivery, stack, ct))

    return delivery.cache.memoized(("shows-assets", stack, ct), read)


def _holds_assets(fields: list[dict[str, Any]]) -> bool:
    for field in fields:
        kind = field.get("data_type")
        meta = field.get("field_metadata") or {}
        if kind == "file" or (kind == "json" and meta.get("allow_json_rte")):
            return True
        inner = field.get("schema")
        if isinstance(inner, list) and _holds_assets(inner):
            return True
        for block in field.get("blocks") or []:
            if isinstance(block, dict) and _holds_assets(block.get("schema") or []):
                return True
    return False


def _entries(docs: list[dict[str, Any]], ct: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(content type, document) of each entry in the answer: the documents, and every referenced
    entry `include[]` placed in them (they carry `_content_type_uid`)."""
    for doc in docs:
        yield ct, doc
        stack: list[Any] = [value for key, value in doc.items() if key != "publish_details"]
        while stack:
            node = stack.pop()
            if isinstance(node, list):
                stack.extend(node)
            elif isinstance(node, dict):
                if isinstance(node.get("_content_type_uid"), str) and "publish_details" in node:
                    yield node["_content_type_uid"], node
                stack.extend(node.values())


def embed_assets(
    request: Request,
    delivery: DeliveryContext,
    scope: Scope,
    docs: list[dict[str, Any]],
    ct: str,
) -> None:
    """In place: the published assets in the documents' file fields, and JSON RTE asset links."""
    found = [(schema_of(delivery, scope.stack, kind), doc) for kind, doc in _entries(docs, ct)]
    uids = sorted({uid for schema, doc in found for uid in domain_assets.asset_uids(schema, doc)})
    if not uids:
        return
    scope.deps.extend(asset_dep(scope.stack, scope.environment, uid) for uid in uids)
    with _read(delivery, scope) as tx:
        published = tx.assets.published(scope.stack, scope.environment, scope.locales, uids)
    shown = {uid: _show(request, delivery, doc) for uid, doc in published.items()}
    urls = {uid: doc["url"] for uid, doc in shown.items()}
    for schema, doc in found:
        domain_assets.embed(schema, doc, shown)
        domain_assets.relink(schema, doc, urls)


@contextmanager
def _read(delivery: DeliveryContext, scope: Scope) -> Iterator[Transaction]:
    """A read transaction under the request's deadline."""
    scope.check_time()
    store = delivery.store
    with store.deadline(scope.deadline - time.monotonic()), store.read() as tx:
        yield tx


def _show(request: Request, delivery: DeliveryContext, doc: dict[str, Any]) -> dict[str, Any]:
    params = request.query_params
    shown = present(
        doc,
        base_url(request, delivery.settings.asset_base_url),
        relative=flag(params, "relative_urls"),
        dimension=flag(params, "include_dimension"),
    )
    return branched(params, [shown])[0]


def list_assets(request: Request, delivery: DeliveryContext, scope: Scope) -> bytes:
    lp = list_params(request.query_params)
    scope.deps.append(list_dep(scope.stack, scope.environment, ASSETS))
    listing = Listing(lp.where, lp.asc, lp.desc, lp.skip, lp.limit, lp.include_count)
    with _read(delivery, scope) as tx:
        page, count = tx.assets.published_page(
            scope.stack, scope.environment, scope.locales, listing
        )
    shown = [_show(request, delivery, doc) for doc in page]
    body: dict[str, Any] = {"assets": with_metadata(request.query_params, shown)}
    if count is not None:
        body["count"] = count
    return orjson.dumps(body)


def get_asset(request: Request, delivery: DeliveryContext, scope: Scope) -> bytes:
    uid = request.path_params["uid"]
    scope.deps.append(asset_dep(scope.stack, scope.environment, uid))
    with _read(delivery, scope) as tx:
        found = tx.assets.published(scope.stack, scope.environment, scope.locales, [uid])
    if uid not in found:
        raise NotFoundObject(
            NOT_FOUND, {"asset": [f"'{uid}' is not published in this environment and locale."]}
        )
    shown = _show(request, delivery, found[uid])
    return orjson.dumps({"asset": with_metadata(request.query_params, [shown])[0]})


def embed_items(
    request: Request, delivery: DeliveryContext, scope: Scope, docs: list[dict[str, Any]], ct: str
) -> None:
    """In place, `include_embedded_items[]=BASE`: each document's `_embedded_items`, the entries
    and assets its JSON RTE fields embed, as published here (others left out, as `include[]`
    leaves out unpublished references). The answer depends on each of them in the cache."""
    schema = schema_of(delivery, scope.stack, ct)
    found = [(doc, embedded.refs(schema, doc)) for doc in docs]
    wanted = {ref for _doc, paths in found for refs in paths.values() for ref in refs}
    items: dict[embedded.Ref, dict[str, Any]] = {}
    for kind, uid in sorted(wanted):
        if kind != ASSETS:
            try:
                items[kind, uid] = orjson.loads(entry_bytes(delivery, scope, kind, uid))
            except NotFoundObject:
                continue
    uids = sorted(uid for kind, uid in wanted if kind == ASSETS)
    if uids:
        scope.deps.extend(asset_dep(scope.stack, scope.environment, uid) for uid in uids)
        with _read(delivery, scope) as tx:
            published = tx.assets.published(scope.stack, scope.environment, scope.locales, uids)
        items.update(
            ((ASSETS, uid), _show(request, delivery, doc)) for uid, doc in published.items()
        )
    for doc, paths in found:
        embedded.attach(doc, paths, items)
