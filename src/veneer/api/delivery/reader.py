"""Reading published content for the Content Delivery API.

Publishing already wrote each document ready to serve, so a read is a keyed lookup: the common
single-entry request never parses the stored JSON, it wraps the stored bytes. Lists, `only`,
`except` and `include[]` parse what they must. Everything here runs on the event loop and reads
through `store.published.PublishedReader` (its driver connection measured 2-4x faster than a thread
pool or aiosqlite); what resolving a request reads is memoized in the cache until the stack changes.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from veneer import ids
from veneer.api.delivery.cache import Dep, entry_dep, list_dep, stack_dep
from veneer.api.delivery.context import DeliveryContext
from veneer.domain import listing, reference_queries
from veneer.domain import taxonomies as domain_taxonomies
from veneer.domain.listing import ListParams
from veneer.errors import (
    Forbidden,
    NotFoundObject,
    PreconditionFailed,
    ResponseTooLarge,
    Unauthorized,
    ValidationFailed,
)
from veneer.services import reference_queries as references
from veneer.services import taxonomies
from veneer.store.published import timed_out
from veneer.store.sqllist import Listing

NOT_FOUND = "The requested object doesn't exist."


@dataclass
class Scope:
    """Who asks, and for which stack, environment and locales."""

    stack: str
    environment: str
    locales: list[str]
    deadline: float
    deps: list[Dep] = field(default_factory=list)

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise timed_out()


def resolve_scope(
    delivery: DeliveryContext,
    api_key: str | None,
    token: str,
    environment: str | None,
    locale: str | None,
    fallback: bool,
    deadline: float,
) -> Scope:
    if not api_key:
        raise PreconditionFailed(errors={"api_key": ["is required."]})
    token_stack, allowed = _token(delivery, api_key, token)
    if token_stack != api_key:
        _other_stack(delivery, api_key)
    if not environment:
        raise ValidationFailed(
            "The environment is required.", {"environment": ["is required."]}, error_code=141
        )
    env_uid = _environment(delivery, api_key, environment)
    if env_uid not in allowed:
        raise Forbidden(
            "This delivery token is not scoped to that environment.",
            errors={"environment": ["is not allowed for this delivery token."]},
            error_code=109,
        )
    chain = _locales(delivery, api_key, locale)
    # Every answer depends on the stack's settings (tokens, environments, locales, content types).
    return Scope(api_key, env_uid, chain if fallback else chain[:1], deadline, [stack_dep(api_key)])


def _other_stack(delivery: DeliveryContext, api_key: str) -> None:
    """A valid token of another stack: 412 when `api_key` names no stack, else the token is invalid here."""
    if not delivery.published.stack_exists(api_key):
        raise PreconditionFailed(errors={"api_key": ["is not valid."]})
    raise _bad_token()


def _bad_token() -> Unauthorized:
    return Unauthorized(
        "The Delivery Token is invalid.", error_code=109, errors={"access_token": ["is not valid."]}
    )


def _token(delivery: DeliveryContext, api_key: str, token: str) -> tuple[str, tuple[str, ...]]:
    """The stack and environment uids of a delivery token (remembered until the stack changes)."""
    key = token_key(api_key, token)
    stack, envs, expires_on = delivery.cache.memoized(
        key, functools.partial(_read_token, delivery, key[2])
    )
    if expired(expires_on):
        raise Unauthorized(
            "The Delivery Token has expired.",
            error_code=109,
            errors={"access_token": ["has expired."]},
        )
    return stack, envs


def _read_token(delivery: DeliveryContext, token_hash: str) -> tuple[str, tuple[str, ...], Any]:
    """The stack, environment uids and expiry of a delivery token."""
    found = delivery.published.delivery_token(token_hash)
    if found is None:
        raise _bad_token()
    stack, doc = found
    envs = tuple(
        e["uid"]
        for s in doc["scope"]
        if s.get("module") == "environment"
        for e in s["environments"]
    )
    return stack, envs, doc.get("expires_on")


def token_key(api_key: str, token: str) -> tuple[str, str, str]:
    return ("token", api_key, ids.token_hash(token))


def expired(expires_on: Any) -> bool:
    return ids.expired(expires_on)


def token_still_valid(delivery: DeliveryContext, api_key: str, token: str) -> bool:
    """For a response cached under these exact credentials: the token has not expired since.
    (Revoking or rescoping a token is a change of the stack, which purged that response.)"""
    known = delivery.cache.memo.get(token_key(api_key, token))
    return known is not None and known[0] == api_key and not expired(known[2])


def _environment(delivery: DeliveryContext, stack: str, name: str) -> str:
    """The uid of the environment named (or whose uid is) `name`."""

    def read() -> str:
        uid = delivery.published.environment_uid(stack, name)
        if uid is None:
            raise ValidationFailed(
                f"The environment '{name}' doesn't exist.",
                {"environment": ["is not valid."]},
                error_code=141,
            )
        return uid

    return delivery.cache.memoized(("environment", stack, name), read)


def _locales(delivery: DeliveryContext, stack: str, locale: str | None) -> list[str]:
    """The locale asked for (default: master) followed by its fallback chain."""

    def read() -> list[str]:
        code = (locale or delivery.published.master_locale(stack) or "").lower()
        chain = listing.fallback_chain(
            code, functools.partial(delivery.published.locale_fallback, stack)
        )
        if not chain:
            raise ValidationFailed(
                f"The locale '{code}' is not added to this stack.",
                {"locale": ["is not valid."]},
                error_code=141,
            )
        return chain

    return list(delivery.cache.memoized(("locales", stack, locale or ""), read))


def entry_bytes(delivery: DeliveryContext, scope: Scope, ct: str, uid: str) -> bytes:
    """The stored published document of one entry: first locale of the chain that has one."""
    return published_entry(delivery, scope, ct, uid)[1]


def published_entry(
    delivery: DeliveryContext, scope: Scope, ct: str, uid: str
) -> tuple[str, bytes]:
    """(the locale it is published in, the stored bytes), for the first locale of the chain that has it."""
    scope.deps.append(entry_dep(scope.stack, scope.environment, uid))
    for code in scope.locales:
        doc = delivery.published.published_entry(scope.stack, scope.environment, code, ct, uid)
        if doc is not None:
            return code, doc
    raise NotFoundObject(
        NOT_FOUND, {"entry": [f"'{uid}' is not published in this environment and locale."]}
    )


def entry_page(
    delivery: DeliveryContext, scope: Scope, ct: str, lp: ListParams
) -> tuple[list[tuple[str, str, bytes]], int | None]:
    """One page of the published entries of `ct`, each once, in the first locale of the chain it
    is published in: (uid, publication locale, stored bytes) in list order, and their number with
    `include_count`. The database filters, sorts, counts and pages (`store/sqllist.py`), under the
    request's deadline; only the page's documents are read."""
    scope.deps.append(list_dep(scope.stack, scope.environment, ct))
    listing = Listing(lp.where, lp.asc, lp.desc, lp.skip, lp.limit, lp.include_count)
    store = delivery.store
    with store.deadline(scope.deadline - time.monotonic()), store.read() as tx:
        rows, count = tx.publications.page(
            scope.stack, scope.environment, ct, scope.locales, listing
        )
    if not rows:  # an unknown content type is an error, not an empty list
        content_type_doc(delivery, scope.stack, ct)
    return [(uid, code, doc.encode()) for uid, code, doc in rows], count


def taxonomy_expansion(
    delivery: DeliveryContext, scope: Scope
) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A query with its taxonomy operators (`$eq_below`…) expanded into the terms they stand
    for: keyed lookups on the stack's terms, read only when the query has such an operator."""

    def expand(q: dict[str, Any]) -> dict[str, Any]:
        if not domain_taxonomies.hierarchical(q):
            return q
        store = delivery.store
        with store.deadline(scope.deadline - time.monotonic()), store.read() as tx:
            return domain_taxonomies.expand_query(q, taxonomies.expansion(tx, scope.stack))

    return expand


def query_expansion(
    delivery: DeliveryContext, scope: Scope, content_type: str
) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A query on `content_type`'s published entries with its taxonomy operators and its
    `$in_query` / `$nin_query` expanded (domain/reference_queries.py): the inner queries run on
    the referenced content types' published entries of the environment, whose lists the answer
    then depends on."""
    taxonomy = taxonomy_expansion(delivery, scope)

    def expand(q: dict[str, Any]) -> dict[str, Any]:
        q = taxonomy(q)
        if not reference_queries.wanted(q):
            return q
        queried: list[str] = []
        store = delivery.store
        with store.deadline(scope.deadline - time.monotonic()), store.read() as tx:
            out = references.expand(
                tx, scope.stack, scope.environment, scope.locales, content_type, q, queried
            )
        scope.deps.extend(list_dep(scope.stack, scope.environment, ct) for ct in set(queried))
        return out

    return expand


def content_type_doc(delivery: DeliveryContext, stack: str, ct: str) -> dict[str, Any]:
    doc = delivery.published.content_type(stack, ct)
    if doc is None:
        raise NotFoundObject(
            f"The Content Type '{ct}' was not found. Please try again.",
            {"uid": ["is not valid."]},
            error_code=118,
        )
    return doc


@dataclass
class Expansion:
    """What one request's `include[]` may still add: `references` more referenced entries and
    `room` more bytes of them. Each entry is read once per request (`raw`), however often it is
    referenced; every copy placed in the answer counts, since the answer holds each."""

    references: int
    room: int
    raw: dict[tuple[str, str], bytes | None] = field(default_factory=dict)

    def spend(self, size: int) -> None:
        self.references -= 1
        self.room -= size
        if self.references < 0 or self.room < 0:
            raise ResponseTooLarge(
                "The include[] parameter would expand too many referenced entries. Include fewer "
                "paths, or narrow the request with limit, only or except.",
                {"include[]": ["expands more referenced entries than this server allows."]},
            )


def expand_references(
    delivery: DeliveryContext, scope: Scope, docs: list[dict[str, Any]], paths: list[str]
) -> None:
    """`include[]`: replace references on each dotted path by their published documents, in place.
    `a.b` also expands `a`. A referenced entry that is not published here is left out, as
    Contentstack does. At most `include_limit` references are expanded and at most
    `max_response_bytes` of them added (self-references nest without end): beyond, a 422."""
    settings = delivery.settings
    budget = Expansion(settings.include_limit, settings.max_response_bytes)
    every = {
        ".".join(parts[:n])
        for parts in (p.split(".") for p in paths if p)
        for n in range(1, len(parts) + 1)
    }
    for path in sorted(every, key=lambda p: p.count(".")):
        for doc in docs:
            _expand(delivery, scope, budget, doc, path.split("."))


def _expand(
    delivery: DeliveryContext, scope: Scope, budget: Expansion, node: Any, parts: list[str]
) -> None:
    scope.check_time()
    if isinstance(node, list):
        for item in node:
            _expand(delivery, scope, budget, item, parts)
        return
    if not isinstance(node, dict) or not parts:
        return
    head, rest = parts[0], parts[1:]
    value = node.get(head)
    if value is None:
        for child in node.values():  # modular blocks: {block_uid: {...}}
            if isinstance(child, dict) and head in child:
                _expand(delivery, scope, budget, child, parts)
        return
    if rest:
        _expand(delivery, scope, budget, value, rest)
    elif isinstance(value, list):
        node[head] = [
            ref
            for ref in (_resolve(delivery, scope, budget, item) for item in value)
            if ref is not None
        ]


def _resolve(
    delivery: DeliveryContext, scope: Scope, budget: Expansion, ref: Any
) -> dict[str, Any] | None:
    if not isinstance(ref, dict) or "uid" not in ref or "_content_type_uid" not in ref:
        return ref if isinstance(ref, dict) and "publish_details" in ref else None
    ct, uid = str(ref["_content_type_uid"]), str(ref["uid"])
    if (ct, uid) not in budget.raw:
        try:
            budget.raw[ct, uid] = entry_bytes(delivery, scope, ct, uid)
        except NotFoundObject:
            budget.raw[ct, uid] = None
    raw = budget.raw[ct, uid]
    budget.spend(len(raw) if raw is not None else 0)
    if raw is None:
        return None
    return {**orjson.loads(raw), "_content_type_uid": ct}  # a copy of its own: paths edit it
