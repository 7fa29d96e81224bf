"""The Sync API: `GET /v3/stacks/sync` with a delivery token (docs/sync.md).

`init=true` answers what an environment has published now (its entries and assets, as
`entry_published` and `asset_published` items, oldest change first), filtered by
`content_type_uid`, `locale`, `start_from` and `type`; `sync_token` answers what happened in the
environment since, one item per event, in commit order. Either comes in pages of at most 100
items: every page but the last carries a `pagination_token`, the last a `sync_token`. Tokens are
signed cursors (`domain.sync`), so a page is one keyset read over an index, whatever the page's
number, and the server keeps no state per client.

Answers are never cached (a sync token's answer changes with every publish).
"""

from __future__ import annotations

import time
import weakref
from dataclasses import replace
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from veneer.api.delivery import reader
from veneer.api.delivery.context import DeliveryContext
from veneer.api.files import base_url
from veneer.api.responses import error_response
from veneer.domain import sync as domain
from veneer.domain.assets import ASSET_CONTENT_TYPE
from veneer.domain.listing import flag
from veneer.errors import ValidationFailed, VeneerError
from veneer.services.assets import present
from veneer.store import Transaction
from veneer.store.base import Store
from veneer.store.events import Event
from veneer.store.sync import Published

TOKENS = ("pagination_token", "sync_token")  # a pagination token wins over a sync token, and
# either over `init` (the JS SDK sends `init=true` with a snake_case `sync_token`)
KEY_NAME = "sync"
_keys: weakref.WeakKeyDictionary[Store, bytes] = weakref.WeakKeyDictionary()


async def sync(request: Request) -> Response:
    try:
        body = answer(request, request.app.state.delivery_context)
    except VeneerError as exc:
        return error_response(exc)
    return Response(body, media_type="application/json", headers={"Cache-Control": "no-store"})


def answer(request: Request, delivery: DeliveryContext) -> bytes:
    """One page of a sync, as Contentstack answers it; raises VeneerError. Read on the primary:
    its cursors name events, which a replica may not hold yet."""
    delivery.start()
    delivery.published.use_replica(False)
    try:
        cursor, refused = _token(request, delivery), None
    except ValidationFailed as exc:  # refused once the credentials are checked
        cursor, refused = None, exc
    scope = _scope(request, delivery, cursor)
    if refused is not None:
        raise refused
    if cursor is None:
        cursor = _init(request, scope)
    elif (cursor.stack, cursor.environment) != (scope.stack, scope.environment):
        raise domain.invalid_token(_token_name(request))
    store = delivery.primary
    with store.deadline(scope.deadline - time.monotonic()), store.read() as tx:
        read = _init_page if cursor.phase == "init" else _delta_page
        items, answered, following = read(request, delivery, tx, cursor)
    return _body(items, answered, following, _key(store))


def _token_name(request: Request) -> str:
    return next((name for name in TOKENS if request.query_params.get(name)), "")


def _token(request: Request, delivery: DeliveryContext) -> domain.Cursor | None:
    """The cursor of the request's token; None for an initial sync."""
    name = _token_name(request)
    if name:
        return domain.decode(request.query_params[name], _key(delivery.primary), name)
    if not flag(request.query_params, "init"):
        raise ValidationFailed(
            "Send init=true to start a sync, or a sync_token or pagination_token to go on.",
            {"init": ["is required without a sync_token or pagination_token."]},
            error_code=141,
        )
    return None


def _scope(
    request: Request, delivery: DeliveryContext, cursor: domain.Cursor | None
) -> reader.Scope:
    """Who asks, for which environment: the one named, else the token's."""
    params, headers = request.query_params, request.headers
    named = params.get("environment") or headers.get("environment")
    return reader.resolve_scope(
        delivery,
        headers.get("api_key") or params.get("api_key"),
        headers.get("access_token") or params.get("access_token") or "",
        named or (cursor.environment if cursor is not None else None),
        params.get("locale") if cursor is None else None,
        False,
        delivery.published.deadline(),
    )


def _init(request: Request, scope: reader.Scope) -> domain.Cursor:
    params = request.query_params
    return domain.Cursor(
        stack=scope.stack,
        environment=scope.environment,
        types=domain.parse_types(params.get("type")),
        content_type=params.get("content_type_uid") or "",
        locale=scope.locales[0] if params.get("locale") else "",
        start=domain.parse_start(params.get("start_from")),
        phase="init",
        after=0,
        limit=domain.parse_limit(params.get("limit")),
    )


# (the items, the cursor they answer, the cursor of what follows)
Page = tuple[list[bytes], domain.Cursor, domain.Cursor]


def _init_page(
    request: Request, delivery: DeliveryContext, tx: Transaction, cursor: domain.Cursor
) -> Page:
    """A page of what is published: the first page marks where the sync stands."""
    filters = cursor.filters()
    if not cursor.more:
        events, changes = tx.sync.marks()
        total = tx.sync.count_published(cursor.stack, cursor.environment, changes, filters)
        cursor = replace(cursor, cap=changes, events=events, total=total)
    rows = tx.sync.published(
        cursor.stack, cursor.environment, cursor.after, cursor.cap, cursor.limit + 1, filters
    )
    page = rows[: cursor.limit]
    items = [_published_item(request, delivery, row) for row in page]
    following = (
        cursor.page(page[-1].seq, len(page))
        if len(rows) > cursor.limit
        else cursor.finished(cursor.events)
    )
    return items, cursor, following


def _delta_page(
    request: Request, delivery: DeliveryContext, tx: Transaction, cursor: domain.Cursor
) -> Page:
    """A page of the events since a sync token: its first page marks where the sync ends."""
    filters = cursor.filters()
    if not cursor.more:
        mark = tx.sync.marks()[0]
        total = tx.sync.count_events(cursor.stack, cursor.environment, cursor.after, mark, filters)
        cursor = replace(cursor, cap=mark, total=total, skip=0)
    events = tx.sync.events(
        cursor.stack, cursor.environment, cursor.after, cursor.cap, cursor.limit + 1, filters
    )
    page = events[: cursor.limit]
    items = [_event_item(request, delivery, event) for event in page]
    following = (
        cursor.page(page[-1].seq, len(page))
        if len(events) > cursor.limit
        else cursor.finished(cursor.cap)
    )
    return items, cursor, following


def _published_item(request: Request, delivery: DeliveryContext, row: Published) -> bytes:
    if row.content_type == ASSET_CONTENT_TYPE:
        head = domain.item_head("asset_published", row.published_at, ASSET_CONTENT_TYPE)
        return orjson.dumps({**head, "data": _asset(request, delivery, orjson.loads(row.doc))})
    head = domain.item_head("entry_published", row.published_at, row.content_type)
    return orjson.dumps(head)[:-1] + b',"data":' + row.doc.encode() + b"}"  # stored bytes as-is


def _event_item(request: Request, delivery: DeliveryContext, event: Event) -> bytes:
    asset = event.type.startswith("asset_")
    head = domain.item_head(
        event.type, event.at, ASSET_CONTENT_TYPE if asset else event.content_type
    )
    data: dict[str, Any]
    if event.type == domain.CONTENT_TYPE_DELETED:
        data = {}
    elif event.type == "asset_published":
        data = _asset(request, delivery, event.data)
    elif event.type == "entry_published":
        data = event.data
    else:  # unpublished or deleted: which entry or asset, in which locale
        data = {"uid": event.uid, "locale": event.locale}
    return orjson.dumps({**head, "data": data})


def _asset(request: Request, delivery: DeliveryContext, doc: dict[str, Any]) -> dict[str, Any]:
    """A published asset as delivery answers it: its URL in the request's origin."""
    return present(doc, base_url(request, delivery.settings.asset_base_url))


def _body(
    items: list[bytes], answered: domain.Cursor, following: domain.Cursor, key: bytes
) -> bytes:
    """`{items, skip, limit, total_count}` and the token of what follows, in the bytes of the
    items as they are."""
    name = "pagination_token" if following.more else "sync_token"
    tail = {
        "skip": answered.skip,
        "limit": answered.limit,
        "total_count": answered.total,
        name: domain.encode(following, key),
    }
    return b'{"items":[' + b",".join(items) + b"]," + orjson.dumps(tail)[1:]


def _key(store: Store) -> bytes:
    """The server's key for signing tokens, made on first use (shared by every process on the
    database) and then remembered."""
    key = _keys.get(store)
    if key is None:
        with store.read() as tx:
            found = tx.sync.key(KEY_NAME)
        if found is None:
            with store.write() as tx:
                found = tx.sync.make_key(KEY_NAME)
        key = _keys[store] = found.encode()
    return key
