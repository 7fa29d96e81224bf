"""Reading published content for the Content Delivery API.

Publishing already wrote each document ready to serve, so a read is a keyed lookup: the common
single-entry request never parses the stored JSON, it wraps the stored bytes. Lists, `only`,
`except` and `include[]` parse what they must. Everything here runs on the event loop with the
driver connection of `DeliveryCache`, which measured 2-4x faster than a thread pool or aiosqlite.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import orjson

from veneer import ids
from veneer.api.delivery.cache import DeliveryCache, Dep, entry_dep, list_dep, stack_dep
from veneer.domain import listing
from veneer.domain.listing import ListParams
from veneer.errors import (
    Forbidden,
    NotFoundObject,
    PreconditionFailed,
    RequestTimeout,
    Unauthorized,
    ValidationFailed,
)

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
            raise RequestTimeout(errors={"request": ["took longer than the configured limit."]})


def resolve_scope(
    cache: DeliveryCache,
    api_key: str | None,
    token: str,
    environment: str | None,
    locale: str | None,
    fallback: bool,
    deadline: float,
) -> Scope:
    if not api_key:
        raise PreconditionFailed(errors={"api_key": ["is required."]})
    token_stack, allowed = _token(cache, api_key, token)
    if token_stack != api_key:
        _other_stack(cache, api_key)
    if not environment:
        raise ValidationFailed(
            "The environment is required.", {"environment": ["is required."]}, error_code=141
        )
    env_uid = _environment(cache, api_key, environment)
    if env_uid not in allowed:
        raise Forbidden(
            "This delivery token is not scoped to that environment.",
            errors={"environment": ["is not allowed for this delivery token."]},
            error_code=109,
        )
    chain = _locales(cache, api_key, locale)
    # Every answer depends on the stack's settings (tokens, environments, locales, content types).
    return Scope(api_key, env_uid, chain if fallback else chain[:1], deadline, [stack_dep(api_key)])


def _other_stack(cache: DeliveryCache, api_key: str) -> None:
    """A valid token of another stack: 412 when `api_key` names no stack, else the token is invalid here."""
    if not cache.query("SELECT 1 FROM stacks WHERE api_key = ?", (api_key,)):
        raise PreconditionFailed(errors={"api_key": ["is not valid."]})
    raise _bad_token()


def _bad_token() -> Unauthorized:
    return Unauthorized(
        "The Delivery Token is invalid.", error_code=109, errors={"access_token": ["is not valid."]}
    )


def _token(cache: DeliveryCache, api_key: str, token: str) -> tuple[str, tuple[str, ...]]:
    """The stack and environment uids of a delivery token (remembered until the stack changes)."""
    key = token_key(api_key, token)
    if key not in cache.memo:
        rows = cache.query(
            "SELECT stack, doc FROM tokens WHERE token_hash = ? AND kind = 'delivery'", (key[2],)
        )
        if not rows:
            raise _bad_token()
        doc = orjson.loads(rows[0][1])
        envs = tuple(
            e["uid"]
            for s in doc["scope"]
            if s.get("module") == "environment"
            for e in s["environments"]
        )
        cache.remember(
            key, (rows[0][0], envs, str(doc["expires_on"]) if doc.get("expires_on") else None)
        )
    stack, envs, expires_on = cache.memo[key]
    if expired(expires_on):
        raise Unauthorized(
            "The Delivery Token has expired.",
            error_code=109,
            errors={"access_token": ["has expired."]},
        )
    return stack, envs


def token_key(api_key: str, token: str) -> tuple[str, str, str]:
    return ("token", api_key, ids.token_hash(token))


def expired(expires_on: str | None) -> bool:
    return expires_on is not None and expires_on < ids.now()[: len(expires_on)]


def token_still_valid(cache: DeliveryCache, api_key: str, token: str) -> bool:
    """For a response cached under these exact credentials: the token has not expired since.
    (Revoking or rescoping a token is a change of the stack, which purged that response.)"""
    known = cache.memo.get(token_key(api_key, token))
    return known is not None and known[0] == api_key and not expired(known[2])


def _environment(cache: DeliveryCache, stack: str, name: str) -> str:
    key = ("environment", stack, name)
    if key not in cache.memo:
        rows = cache.query(
            "SELECT uid FROM environments WHERE stack = ? AND (name = ? OR uid = ?)",
            (stack, name, name),
        )
        if not rows:
            raise ValidationFailed(
                f"The environment '{name}' doesn't exist.",
                {"environment": ["is not valid."]},
                error_code=141,
            )
        cache.remember(key, rows[0][0])
    return cache.memo[key]


def _locales(cache: DeliveryCache, stack: str, locale: str | None) -> list[str]:
    """The locale asked for (default: master) followed by its fallback chain."""
    key = ("locales", stack, locale or "")
    if key not in cache.memo:
        code = (
            locale
            or cache.query("SELECT master_locale FROM stacks WHERE api_key = ?", (stack,))[0][0]
        ).lower()

        def fallback_of(current: str) -> str | None | bool:
            rows = cache.query(
                "SELECT doc FROM locales WHERE stack = ? AND code = ?", (stack, current)
            )
            return orjson.loads(rows[0][0]).get("fallback_locale") if rows else False

        chain = listing.fallback_chain(code, fallback_of)
        if not chain:
            raise ValidationFailed(
                f"The locale '{code}' is not added to this stack.",
                {"locale": ["is not valid."]},
                error_code=141,
            )
        cache.remember(key, chain)
    return list(cache.memo[key])


def entry_bytes(cache: DeliveryCache, scope: Scope, ct: str, uid: str) -> bytes:
    """The stored published document of one entry: first locale of the chain that has one."""
    return published_entry(cache, scope, ct, uid)[1]


def published_entry(cache: DeliveryCache, scope: Scope, ct: str, uid: str) -> tuple[str, bytes]:
    """(the locale it is published in, the stored bytes), for the first locale of the chain that has it."""
    scope.deps.append(entry_dep(scope.stack, scope.environment, uid))
    for code in scope.locales:
        rows = cache.query(
            "SELECT doc FROM publications WHERE stack = ? AND environment = ? AND locale = ? "
            "AND entry = ? AND variant = '' AND content_type = ?",
            (scope.stack, scope.environment, code, uid, ct),
        )
        if rows:
            doc = rows[0][0]
            return code, doc.encode() if isinstance(doc, str) else bytes(doc)
    raise NotFoundObject(
        NOT_FOUND, {"entry": [f"'{uid}' is not published in this environment and locale."]}
    )


def entry_docs(
    cache: DeliveryCache, scope: Scope, ct: str
) -> tuple[list[dict[str, Any]], dict[int, tuple[bytes, str]]]:
    """Every published entry of `ct`, each once, in the first locale of the chain it has; with
    the stored bytes and publication locale of each document, by `id()` of the parsed one (a page
    can be sent unparsed)."""
    scope.deps.append(list_dep(scope.stack, scope.environment, ct))
    marks = ",".join("?" for _ in scope.locales)
    rows = cache.query(
        f"SELECT entry, locale, doc FROM publications WHERE stack = ? AND environment = ? "
        f"AND content_type = ? AND variant = '' AND locale IN ({marks})",
        (scope.stack, scope.environment, ct, *scope.locales),
    )
    if not rows:
        content_type_doc(
            cache, scope.stack, ct
        )  # an unknown content type is an error, not an empty list
    best = listing.first_in_chain(((uid, code, doc) for uid, code, doc in rows), scope.locales)
    scope.check_time()
    docs, stored = [], {}
    for rank, doc in best.values():
        raw = doc.encode() if isinstance(doc, str) else bytes(doc)
        parsed = orjson.loads(raw)
        docs.append(parsed)
        stored[id(parsed)] = (raw, scope.locales[rank])
    return docs, stored


def select(
    docs: list[dict[str, Any]], lp: ListParams, scope: Scope
) -> tuple[list[dict[str, Any]], int]:
    scope.check_time()
    return listing.select_page(docs, lp)


def content_type_doc(cache: DeliveryCache, stack: str, ct: str) -> dict[str, Any]:
    rows = cache.query("SELECT doc FROM content_types WHERE stack = ? AND uid = ?", (stack, ct))
    if not rows:
        raise NotFoundObject(
            f"The Content Type '{ct}' was not found. Please try again.",
            {"uid": ["is not valid."]},
            error_code=118,
        )
    return orjson.loads(rows[0][0])


def content_type_docs(cache: DeliveryCache, stack: str) -> list[dict[str, Any]]:
    rows = cache.query(
        "SELECT doc FROM content_types WHERE stack = ? ORDER BY created_at, uid", (stack,)
    )
    return [orjson.loads(r[0]) for r in rows]


def expand_references(
    cache: DeliveryCache, scope: Scope, docs: list[dict[str, Any]], paths: list[str]
) -> None:
    """`include[]`: replace references on each dotted path by their published documents, in place.
    `a.b` also expands `a`. A referenced entry that is not published here is left out, as
    Contentstack does."""
    every = {
        ".".join(parts[:n])
        for parts in (p.split(".") for p in paths if p)
        for n in range(1, len(parts) + 1)
    }
    for path in sorted(every, key=lambda p: p.count(".")):
        for doc in docs:
            _expand(cache, scope, doc, path.split("."))


def _expand(cache: DeliveryCache, scope: Scope, node: Any, parts: list[str]) -> None:
    scope.check_time()
    if isinstance(node, list):
        for item in node:
            _expand(cache, scope, item, parts)
        return
    if not isinstance(node, dict) or not parts:
        return
    head, rest = parts[0], parts[1:]
    value = node.get(head)
    if value is None:
        for child in node.values():  # modular blocks: {block_uid: {...}}
            if isinstance(child, dict) and head in child:
                _expand(cache, scope, child, parts)
        return
    if rest:
        _expand(cache, scope, value, rest)
    elif isinstance(value, list):
        node[head] = [
            ref for ref in (_resolve(cache, scope, item) for item in value) if ref is not None
        ]


def _resolve(cache: DeliveryCache, scope: Scope, ref: Any) -> dict[str, Any] | None:
    if not isinstance(ref, dict) or "uid" not in ref or "_content_type_uid" not in ref:
        return ref if isinstance(ref, dict) and "publish_details" in ref else None
    try:
        doc = orjson.loads(entry_bytes(cache, scope, ref["_content_type_uid"], ref["uid"]))
    except NotFoundObject:
        return None
    return {**doc, "_content_type_uid": ref["_content_type_uid"]}
