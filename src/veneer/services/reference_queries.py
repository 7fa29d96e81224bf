"""`$in_query` / `$nin_query` on entry lists (domain/reference_queries.py): the inner query run in
the database, on the referenced content types, in the list's own scope (the latest versions, or
one environment's published entries) and locale chain."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from veneer.domain import reference_queries as domain
from veneer.services import access, loaders
from veneer.services.context import Actor, Services
from veneer.store import Transaction
from veneer.store.entries import LATEST


def expand(
    tx: Transaction,
    stack: str,
    scope: str,
    chain: list[str],
    content_type: str,
    q: dict[str, Any],
    queried: list[str] | None = None,
) -> dict[str, Any]:
    """`q`, a query on `content_type`'s entries, with its reference operators expanded; the
    content types the inner queries ran on are added to `queried` (what the answer depends on)."""
    if not domain.wanted(q):
        return q

    def targets_of(ct: str) -> domain.Targets:
        doc = tx.content_types.get(stack, ct)
        schema = doc.get("schema") or [] if doc is not None else []
        return lambda path: domain.reference_targets(schema, path)

    def match(types: list[str], inner: dict[str, Any], depth: int) -> list[str]:
        found: list[str] = []
        for ct in types:
            if queried is not None:
                queried.append(ct)
            plain = domain.expand(inner, targets_of(ct), match, depth)
            found += tx.entries.matching(
                stack, scope, ct, chain, plain, domain.MAX_MATCHES + 1 - len(found)
            )
            if len(found) > domain.MAX_MATCHES:
                break
        return found

    return domain.expand(q, targets_of(content_type), match)


def management_expansion(
    services: Services,
    actor: Actor,
    api_key: str | None,
    content_type: str,
    locale: str | None,
    then: Callable[[dict[str, Any]], dict[str, Any]],
) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """For management lists: `then` (the taxonomy operators), then the reference operators on the
    latest versions, in the list's locale and its fallbacks (read only when the query has one)."""

    def run(q: dict[str, Any]) -> dict[str, Any]:
        q = then(q)
        if not domain.wanted(q):
            return q
        with services.store.read() as tx:
            stack = access.stack_row(tx, actor, api_key, "entry")
            key = stack["api_key"]
            chain = tx.locales.chain(key, loaders.entry_locale(tx, stack, locale))
            return expand(tx, key, LATEST, chain, content_type, q)

    return run
