"""Delivery lists with `variant_query=merged` (issue 16 §5, docs/variants-beyond.md §5): `query`
and the sort apply to the documents as served with the named variants. Only the entries whose
named variants touch a queried field (`variant_fields`) are merged; the database pages the rest
by the base query, as for any list."""

from __future__ import annotations

import dataclasses
from typing import Any

import orjson

from veneer.api.delivery import reader, variants
from veneer.api.delivery.context import DeliveryContext
from veneer.domain import merged_query as domain
from veneer.domain.listing import ListParams
from veneer.domain.patches import resolve_names
from veneer.errors import NotFoundObject

Page = tuple[list[tuple[str, str, bytes]], int | None]


def entry_page(
    delivery: DeliveryContext, scope: reader.Scope, ct: str, lp: ListParams, ask: variants.Ask
) -> Page:
    """One page of the published entries of `ct` chosen on merged documents: (uid, publication
    locale, stored base bytes) in list order, and their number with `include_count`."""
    fields = domain.queried_fields(lp.where, lp.asc, lp.desc)
    named = resolve_names(ask.refs, delivery.published.variant_names(scope.stack, ask.refs))
    touched = delivery.published.touching(
        scope.stack, scope.environment, ct, scope.locales, sorted(set(named.values())), fields
    )
    if not touched:  # no named variant changes what the request asks about
        return reader.entry_page(delivery, scope, ct, lp)
    wide = dataclasses.replace(lp, skip=0, limit=lp.skip + lp.limit + len(touched))
    rows, count = reader.entry_page(delivery, scope, ct, wide)
    merging = set(touched)
    # Outside the touched entries the base query answers: the first `skip + limit` of them are here.
    chosen = {uid: (code, raw) for uid, code, raw in rows if uid not in merging}
    outside = [orjson.loads(raw) for _code, raw in chosen.values()]
    items = _published(delivery, scope, ct, touched)
    merged = variants.overlay(delivery, scope, ask, items, False)
    chosen.update((item.uid, (item.locale, item.raw)) for item in items)
    pairs = [
        (orjson.loads(i.raw), orjson.loads(m.body)) for i, m in zip(items, merged, strict=True)
    ]
    uids, total = domain.choose(outside, pairs, lp, count)
    return [(uid, *chosen[uid]) for uid in uids], total


def _published(
    delivery: DeliveryContext, scope: reader.Scope, ct: str, uids: list[str]
) -> list[variants.Item]:
    """The published base documents of `uids` (first locale of the chain); unpublished ones are
    not listed."""
    items = []
    for uid in uids:
        try:
            code, raw = reader.published_entry(delivery, scope, ct, uid)
        except NotFoundObject:
            continue
        items.append(variants.Item(uid, code, raw))
    return items


def wanted(params: Any) -> bool:
    """Whether a list request asks for merged queries (422 for a value other than merged/base)."""
    return domain.wanted(params)
