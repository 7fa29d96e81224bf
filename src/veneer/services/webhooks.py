"""Webhooks as the management API manages them: create, list, get, update (enable and disable with
`disabled`), delete; a webhook's executions (its deliveries, with every attempt), and a retry.

The secret that signs what a webhook sends is made on create (or given by the caller, at least 16
characters), shown to callers who may write webhooks, and replaced by sending a new `secret` in an
update. Basic-auth passwords are shown masked, as Contentstack shows them; an update that sends the
mask back keeps the stored password. Sending is `services/webhook_sender.py`'s.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from veneer import ids
from veneer.domain import webhooks as hooks
from veneer.domain.listing import ListParams
from veneer.errors import NotFoundObject, ValidationFailed
from veneer.services import access
from veneer.services.context import Actor, Services
from veneer.store import Transaction, loads

MODULE = "webhook"
SECRET_BYTES = 32


def _shown(actor: Actor, row: dict[str, Any]) -> dict[str, Any]:
    doc = hooks.shown(row["doc"])
    return {**doc, "secret": row["secret"]} if actor.permits(MODULE, write=True) else doc


def _load(tx: Transaction, stack: str, uid: str) -> dict[str, Any]:
    row = tx.webhooks.get(stack, uid)
    if row is None:
        raise NotFoundObject(errors={"webhook": [f"'{uid}' is not a webhook of this stack."]})
    return row


def _secret(given: dict[str, Any], current: str | None) -> str:
    value = given.get("secret", current)
    if value is None:
        return secrets.token_hex(SECRET_BYTES)
    if not isinstance(value, str) or not 16 <= len(value) <= 128:
        raise ValidationFailed(
            "Webhook secret is invalid.", {"secret": ["must be a text of 16 to 128 characters."]}
        )
    return value


def page_webhooks(
    services: Services, actor: Actor, api_key: str | None, lp: ListParams
) -> tuple[list[dict[str, Any]], int | None]:
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, MODULE)
        rows, count = tx.webhooks.page(stack["api_key"], lp)
    return [_shown(actor, row) for row in rows], count


def get_webhook(services: Services, actor: Actor, api_key: str | None, uid: str) -> dict[str, Any]:
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, MODULE)
        return _shown(actor, _load(tx, stack["api_key"], uid))


def create_webhook(
    services: Services, actor: Actor, api_key: str | None, body: dict[str, Any]
) -> dict[str, Any]:
    now = ids.now()
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, MODULE, write=True)
        doc = hooks.definition(body)
        secret = _secret(body, None)
        doc.update(
            uid=ids.blt(),
            org_uid=stack["org_uid"],
            created_by=actor.uid,
            updated_by=actor.uid,
            created_at=now,
            updated_at=now,
        )
        # Sent what commits from now on: the events before it are not its business.
        tx.webhooks.add(stack["api_key"], doc, secret, since=tx.events.last())
        return _shown(actor, {"doc": doc, "secret": secret})


def update_webhook(
    services: Services, actor: Actor, api_key: str | None, uid: str, body: dict[str, Any]
) -> dict[str, Any]:
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, MODULE, write=True)
        row = _load(tx, stack["api_key"], uid)
        doc = hooks.definition(body, row["doc"])
        secret = _secret(body, row["secret"])
        doc.update(updated_by=actor.uid, updated_at=ids.now())
        tx.webhooks.replace(stack["api_key"], doc, secret)
        return _shown(actor, {"doc": doc, "secret": secret})


def import_webhook(
    services: Services,
    actor: Actor,
    api_key: str | None,
    read: Callable[[], dict[str, Any]],
    uid: str | None = None,
) -> dict[str, Any]:
    """`POST /webhooks/import` (a new webhook) or `/webhooks/{uid}/import` (over that one): the
    definition a file holds, as `export` wrote it or wrapped in `{"webhook": …}`; its uid, dates
    and owners are Veneer's to set, so only the definition's own keys are read. `read` gives the
    file once the caller may write webhooks here."""
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, MODULE, write=True)
        if uid is not None:
            _load(tx, stack["api_key"], uid)
    given = read()
    inner = given.get("webhook")
    body = inner if isinstance(inner, dict) else given
    if uid is None:
        return create_webhook(services, actor, api_key, body)
    return update_webhook(services, actor, api_key, uid, body)


def delete_webhook(services: Services, actor: Actor, api_key: str | None, uid: str) -> None:
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, MODULE, write=True)
        _load(tx, stack["api_key"], uid)
        tx.webhooks.delete(stack["api_key"], uid)


# -- executions ----------------------------------------------------------------------------------
def page_executions(
    services: Services,
    actor: Actor,
    api_key: str | None,
    uid: str,
    lp: ListParams,
    window: tuple[str | None, str | None] = (None, None),
) -> tuple[list[dict[str, Any]], int | None]:
    """A webhook's executions, newest first, created within `window` (from, to)."""
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, MODULE)
        row = _load(tx, stack["api_key"], uid)
        found, count = tx.webhook_deliveries.page_of(stack["api_key"], uid, lp, *window)
    return [execution(row["doc"], delivery) for delivery in found], count


def get_execution(
    services: Services, actor: Actor, api_key: str | None, uid: str
) -> dict[str, Any]:
    """One execution by its uid (`GET /v3/webhooks/{execution_uid}/logs`)."""
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, MODULE)
        delivery = _execution_row(tx, stack["api_key"], uid)
        webhook = _load(tx, stack["api_key"], delivery["webhook"])
    return execution(webhook["doc"], delivery)


def _execution_row(tx: Transaction, stack: str, uid: str) -> dict[str, Any]:
    delivery = tx.webhook_deliveries.get(stack, uid)
    if delivery is None:
        raise NotFoundObject(
            errors={"execution_uid": [f"'{uid}' is not an execution of this stack's webhooks."]}
        )
    return delivery


def retry(
    services: Services, actor: Actor, api_key: str | None, uid: str, execution_uid: str | None
) -> dict[str, Any]:
    """Send a finished execution again (a new round of attempts). `uid` is the execution's
    (`POST /v3/webhooks/{execution_uid}/retry`, as the Python SDK calls it) or its webhook's with
    `execution_uid` in the body (as the JavaScript SDK calls it)."""
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, MODULE, write=True)
        if execution_uid:
            _load(tx, stack["api_key"], uid)
            delivery = _execution_row(tx, stack["api_key"], execution_uid)
            if delivery["webhook"] != uid:
                raise NotFoundObject(
                    errors={"execution_uid": [f"is not an execution of the webhook '{uid}'."]}
                )
        else:
            delivery = _execution_row(tx, stack["api_key"], uid)
        if not tx.webhook_deliveries.again(stack["api_key"], delivery["uid"], ids.now()):
            raise ValidationFailed(
                "This execution is still being attempted.",
                {"execution_uid": ["can be retried once its attempts have ended."]},
            )
        webhook = _load(tx, stack["api_key"], delivery["webhook"])
        refreshed = tx.webhook_deliveries.get(stack["api_key"], delivery["uid"])
    assert refreshed is not None
    return execution(webhook["doc"], refreshed)


def execution(webhook: dict[str, Any], delivery: dict[str, Any]) -> dict[str, Any]:
    """A delivery as Contentstack shows a webhook execution: the event sent, where, the attempts
    (`request_details`, the newest last), `retry_count`, the last HTTP `status`; and Veneer's
    `state` (pending, sending, success, failed), `attempts` and `next_attempt_at`."""
    destinations = webhook.get("destinations", [])
    index = delivery["destination"]
    target = destinations[index]["target_url"] if index < len(destinations) else ""
    pending = delivery["status"] == "pending"
    return {
        "uid": delivery["uid"],
        "webhooks": [delivery["webhook"]],
        "channel": loads(delivery["channels"]),
        "event_data": loads(delivery["body"]),
        "event_headers": {
            "Content-Type": "application/json",
            "User-Agent": hooks.USER_AGENT,
            hooks.DELIVERY_HEADER: delivery["uid"],
        },
        "destination": {"target_url": target},
        "request_details": loads(delivery["log"]),
        "retry_count": max(delivery["attempts"] - 1, 0),
        "status": delivery["last_status"],
        "state": delivery["status"],
        "attempts": delivery["attempts"],
        "next_attempt_at": delivery["next_attempt_at"] if pending else None,
        "created_at": delivery["created_at"],
        "updated_at": delivery["updated_at"],
    }
