"""Entry variants on the delivery path (semantics §4): `x-cs-variant-uid: a, b, c`.

A read naming variants gets the published base merged with the published patch of each named
variant that this entry has in the served (environment, locale), the first-listed winning
(`domain.patches.merge`). Publishing compiled each variant into a patch addressed by path, so a
merge costs what the patches touch, not what the entry holds.

Two cache levels. Responses are cached per request, as every delivery read is. Below them, one
merged document per (entry, served locale, *effective* variants): the named variants the entry
has published there, in priority order, each with the alias it was named by. Requests that name
variants the entry lacks, spell them differently (uid or alias, spaces) or hit the limit all land
on the same merged document, which depends only on the base and on those variants. A response
also depends on every variant of its entry (`entry_variants_dep`), because publishing a variant
it named but the entry lacked changes which merged document it gets; rebuilding it then costs two
indexed reads and no merge.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.datastructures import Headers

from veneer.api.delivery.cache import Merged, entry_dep, stack_dep, variant_dep
from veneer.api.delivery.context import DeliveryContext
from veneer.api.delivery.reader import Scope
from veneer.domain import delivery_settings
from veneer.domain.patches import Explained, explain_merge, merge, resolve_names, variant_fates
from veneer.errors import BadRequest
from veneer.store.published import PublishedVariant

HEADER = "x-cs-variant-uid"
HEADER_MAX = 4096  # bytes: far more names than any variant limit applies (400 beyond)


@dataclass(frozen=True)
class Ask:
    """The variants a request names: `refs` are the first `limit` of the `provided` ones."""

    refs: tuple[str, ...]
    provided: int
    limit: int
    beyond: tuple[str, ...] = ()  # the names past the limit (only `_variant_explain` shows them)

    def errors(self) -> list[dict[str, Any]]:
        """The seed's error object when the header named more variants than the limit."""
        if self.provided <= self.limit:
            return []
        return [
            {
                "code": "VARIANT_LIMIT_EXCEEDED",
                "message": f"x-cs-variant-uid should not be greater than {self.limit}",
                "details": {
                    "provided_count": self.provided,
                    "limit": self.limit,
                    "applied_count": self.limit,
                },
            }
        ]


@dataclass(frozen=True)
class Named:
    """A known variant as the request named it: `alias` is set when named by its alias."""

    uid: str
    alias: str | None


@dataclass(frozen=True)
class Item:
    """One published base document to overlay: its uid, publication locale and stored bytes
    (with the parsed document when the caller has it already)."""

    uid: str
    locale: str
    raw: bytes
    doc: dict[str, Any] | None = None


def refs_of(headers: Headers) -> tuple[str, ...]:
    """The header's uids and aliases, trimmed; repeated header lines count as one list, of at most
    HEADER_MAX bytes (the list is part of cache keys). A non-ASCII alias arrives as UTF-8 bytes
    (which Starlette decodes as Latin-1) and is compared in Unicode normal form C, the form
    aliases are kept in."""
    values = headers.getlist(HEADER)
    if not values:  # a base read: the common case, kept cheap
        return ()
    joined = ",".join(values)
    if len(joined) > HEADER_MAX:
        raise BadRequest(
            f"The x-cs-variant-uid header is longer than {HEADER_MAX} bytes.",
            {HEADER: [f"must be at most {HEADER_MAX} bytes."]},
        )
    if not joined.isascii():
        joined = unicodedata.normalize("NFC", _utf8(joined))
    return tuple(ref for ref in (part.strip() for part in joined.split(",")) if ref)


def _utf8(header: str) -> str:
    """The header's bytes read as UTF-8 (as sent by clients), or as Latin-1 when they are not."""
    try:
        return header.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return header


def ask(delivery: DeliveryContext, stack: str, headers: Headers) -> Ask | None:
    """None when the request names no variant: a plain base read."""
    refs = refs_of(headers)
    if not refs:
        return None
    limit = variant_limit(delivery, stack)
    return Ask(refs[:limit], len(refs), limit, refs[limit:])


def variant_limit(delivery: DeliveryContext, stack: str) -> int:
    """The stack's `variant_limit` setting, else the server's (remembered until the stack changes)."""

    def read() -> int:
        own = delivery.published.stack_settings(stack)
        return delivery_settings.stack_variant_limit(own, delivery.settings.variant_limit)

    return delivery.cache.memoized(("variant_limit", stack), read)


def overlay(
    delivery: DeliveryContext,
    scope: Scope,
    ask: Ask,
    items: Sequence[Item],
    applied: bool,
    explain: bool = False,
) -> list[Merged]:
    """Each item merged with the named variants it has published in its locale (from the cache
    when that set was merged before). `applied` adds `_applied_variants`, `explain` adds
    `_variant_explain` (never cached below the response: it depends on every name asked)."""
    published = _published(delivery, scope, items, ask.refs) if items else {}
    known = (
        resolve_names(ask.refs, delivery.published.variant_names(scope.stack, ask.refs))
        if explain
        else None
    )
    out = []
    for item in items:
        scope.check_time()
        effective = _effective(ask.refs, published.get((item.uid, item.locale), []))
        merged = (
            _merged(delivery, scope, item, effective, applied)
            if known is None
            else _explained(scope, item, effective, applied, ask, known)
        )
        # The answer names the variants it applied (CDN tags); purging them never drops more than
        # the entry-variant or variant-list dependency the answer already has.
        scope.deps.extend(dep for dep in merged.deps if dep[0] == "variant")
        out.append(merged)
    return out


def _published(
    delivery: DeliveryContext, scope: Scope, items: Sequence[Item], refs: Sequence[str]
) -> dict[tuple[str, str], list[PublishedVariant]]:
    """(entry, locale) -> the variants named by `refs` (uid or alias) that are published for it
    there, in one indexed read: names an entry lacks, or that exist nowhere, never come back.
    Aliases are not remembered: a deleted variant's alias may come back on another one."""
    entries, locales = sorted({i.uid for i in items}), sorted({i.locale for i in items})
    found: dict[tuple[str, str], list[PublishedVariant]] = {}
    for row in delivery.published.published_variants(
        scope.stack, scope.environment, entries, locales, refs
    ):
        found.setdefault((row.entry, row.locale), []).append(row)
    return found


def _effective(refs: Sequence[str], rows: list[PublishedVariant]) -> list[tuple[Named, bytes]]:
    """The published variants in the order the request names them, each once (a uid before an
    alias when a name is both), with the alias it was named by."""
    by_uid = {row.variant: row.doc for row in rows}
    by_alias = {row.alias: row.variant for row in rows if row.alias}
    chosen: dict[str, tuple[Named, bytes]] = {}
    for ref in refs:
        uid = ref if ref in by_uid else by_alias.get(ref)
        if uid is not None and uid not in chosen:
            chosen[uid] = (Named(uid, None if uid == ref else ref), by_uid[uid])
    return list(chosen.values())


def _merged(
    delivery: DeliveryContext,
    scope: Scope,
    item: Item,
    effective: list[tuple[Named, bytes]],
    applied: bool,
) -> Merged:
    key = (
        "merged",
        scope.stack,
        scope.environment,
        item.locale,
        item.uid,
        tuple((n.uid, n.alias) for n, _ in effective),
        applied,
    )
    hit = delivery.cache.merged(key)
    if hit is not None:
        return hit
    base = item.doc if item.doc is not None else orjson.loads(item.raw)
    body = merge_document(base, [(n, orjson.loads(raw)) for n, raw in effective], applied)
    deps = (
        stack_dep(scope.stack),
        entry_dep(scope.stack, scope.environment, item.uid),
        *(variant_dep(scope.stack, scope.environment, item.uid, n.uid) for n, _ in effective),
    )
    merged = Merged(body, deps)
    delivery.cache.put(key, merged)
    return merged


def _explained(
    scope: Scope,
    item: Item,
    effective: list[tuple[Named, bytes]],
    applied: bool,
    ask: Ask,
    known: Mapping[str, str],
) -> Merged:
    """The merge with `_variant_explain`, built for this request."""
    base = item.doc if item.doc is not None else orjson.loads(item.raw)
    publications = [(n, orjson.loads(raw)) for n, raw in effective]

    def fates(explained: Explained) -> list[dict[str, Any]]:
        merged = [n.uid for n, _ in effective]
        return variant_fates(ask.refs, known, merged, explained, ask.beyond, "not_published")

    body = merge_document(base, publications, applied, fates)
    deps = (
        stack_dep(scope.stack),
        entry_dep(scope.stack, scope.environment, item.uid),
        *(variant_dep(scope.stack, scope.environment, item.uid, n.uid) for n, _ in effective),
    )
    return Merged(body, deps)


def merge_document(
    base: dict[str, Any],
    effective: list[tuple[Named, Mapping[str, Any]]],
    applied: bool,
    fates: Callable[[Explained], list[dict[str, Any]]] | None = None,
) -> bytes:
    """The delivered document: the merge, `publish_details.variants` naming exactly the variants
    applied, `_applied_variants` ({path: variant uid}) when asked for, and with `fates` (the
    variant names' fates from the explanation) `_variant_explain`."""
    patches = [publication["patch"] for _, publication in effective]
    if fates is None:
        merged, paths = merge(base, patches)
    else:
        merged, paths, explained = explain_merge(base, patches)
    details = {
        **(merged.get("publish_details") or {}),
        "variants": {named.uid: _details(named, publication) for named, publication in effective},
    }
    out = {**merged, "publish_details": details}  # merge's result is read-only: a new top level
    if applied:
        out["_applied_variants"] = paths
    if fates is not None:
        out["_variant_explain"] = {"paths": explained, "variants": fates(explained)}
    return orjson.dumps(out)


def _details(named: Named, publication: Mapping[str, Any]) -> dict[str, Any]:
    details = {**publication.get("publish_details", {}), "version": publication.get("_version")}
    if named.alias:
        details["alias"] = named.alias
    return details
