"""Management tokens (scoped read/write) and delivery tokens (scoped to environments).

Only a hash of each token is stored: the token itself is shown once, in the answer to its creation.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from veneer import ids
from veneer.domain.listing import ListParams
from veneer.errors import NotFoundObject, Unauthorized, ValidationFailed
from veneer.services import access
from veneer.services.context import Actor, Services
from veneer.store import Transaction

KINDS = {"management": "Management Token", "delivery": "Delivery Token"}
PREVIEW_UID = "preview_token_uid"  # in a delivery token's doc: the row of its preview token
# What a preview token reads (only with GET, and only with a live preview hash): drafts.
PREVIEW_READS = frozenset({"entry", "content_type", "asset", "global_field"})


def _body(row: dict[str, Any], secret: str | None = None) -> dict[str, Any]:
    doc = {k: v for k, v in row["doc"].items() if k != PREVIEW_UID}
    body = {
        **doc,
        "scope": _shown_scope(doc.get("scope")),
        "uid": row["uid"],
        "created_by": row["created_by"],
        "updated_by": doc.get("updated_by", row["created_by"]),
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "type": row["kind"],
    }
    if secret is not None:
        body["token"] = secret
    return body


def _shown_scope(scope: Any) -> Any:
    """A token stored before scopes had to name a branch reaches every branch (`access.token_acl`
    reads no branch item so): it is shown with the item that says it, `main`."""
    if not isinstance(scope, list) or any(
        isinstance(s, dict) and s.get("module") in BRANCH_MODULES for s in scope
    ):
        return scope
    return [*scope, MAIN_BRANCH_SCOPE]


def list_tokens(
    services: Services, actor: Actor, api_key: str | None, kind: str, lp: ListParams
) -> tuple[list[dict[str, Any]], int | None]:
    access.require_user(actor)
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, access.STACK)
        rows, count = tx.tokens.page(stack["api_key"], kind, lp)
    return [_body(r) for r in rows], count


def get_token(
    services: Services, actor: Actor, api_key: str | None, kind: str, uid: str
) -> dict[str, Any]:
    access.require_user(actor)
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, access.STACK)
        return _body(_load(tx, stack["api_key"], kind, uid))


def _load(tx: Transaction, stack: str, kind: str, uid: str) -> dict[str, Any]:
    row = tx.tokens.get(stack, kind, uid)
    if row is None:
        raise NotFoundObject(errors={"token": ["does not exist."]})
    return row


def _scope(
    tx: Transaction, stack: str, kind: str, body: dict[str, Any], action: str = "creation"
) -> list[dict[str, Any]]:
    scope = body.get("scope")
    if not isinstance(scope, list) or not all(isinstance(s, dict) for s in scope):
        raise ValidationFailed(
            f"{KINDS[kind]} {action} failed. Please enter valid data.",
            {"scope": ["must be a list of scope objects."]},
        )
    for position, item in enumerate(scope):
        if kind == "management" or item.get("module") in BRANCH_MODULES:
            _check_scope_item(kind, item, position)
    _require_branch(kind, scope, action)
    if kind == "delivery":
        return [
            _environment_scope(tx, stack, s) if s.get("module") == "environment" else s
            for s in scope
        ]
    return scope


def _require_branch(kind: str, scope: list[dict[str, Any]], action: str) -> None:
    """Every Veneer stack has its branch `main`, and Contentstack refuses a token of a stack with
    branches whose scope names no branch or alias: 422, error_code 141, the cause under
    `scope.branch_or_alias`. Veneer has no aliases, so a `branch_alias` item is refused too."""
    aliases = [s for s in scope if s.get("module") == "branch_alias"]
    if aliases:
        raise _no_branch(
            kind, action, "Veneer stacks have no branch aliases: name the branch main."
        )
    if not any(s.get("module") == "branch" for s in scope):
        raise _no_branch(kind, action, "is a required field.")


def _no_branch(kind: str, action: str, why: str) -> ValidationFailed:
    return ValidationFailed(
        f"{KINDS[kind]} {action} failed. Please try again.",
        {"scope.branch_or_alias": [why]},
        error_code=141,
    )


BRANCH_MODULES = frozenset({"branch", "branch_alias"})
# What a token's scope names when it reaches every branch of the stack: Veneer's one, `main`.
MAIN_BRANCH_SCOPE: dict[str, Any] = {
    "module": "branch",
    "branches": ["main"],
    "acl": {"read": True},
}


def _check_scope_item(kind: str, item: dict[str, Any], position: int) -> None:
    """`{"module": str, "acl": {"read"?: bool, "write"?: bool}}`, and for `branch` a list of
    branch names: a scope that would read as something else is refused, never guessed at."""
    acl, branches = item.get("acl"), item.get("branches")
    problem = None
    if not isinstance(item.get("module"), str) or not item["module"]:
        problem = "must name its module."
    elif not isinstance(acl, dict) or not all(
        isinstance(acl.get(k, False), bool) for k in ("read", "write")
    ):
        problem = "must have an acl object with boolean read and write."
    elif branches is not None and (
        not isinstance(branches, list) or not all(isinstance(b, str) for b in branches)
    ):
        problem = "branches must be a list of branch names."
    if problem:
        raise ValidationFailed(
            f"{KINDS[kind]} creation failed. Please enter valid data.",
            {f"scope.{position}": [problem]},
        )


def _environment_scope(tx: Transaction, stack: str, item: dict[str, Any]) -> dict[str, Any]:
    names = item.get("environments")
    if not isinstance(names, list) or not names:
        raise ValidationFailed(
            "Delivery Token creation failed. Please enter valid data.",
            {"scope.environments": ["must name at least one environment."]},
        )
    envs = []
    for name in names:
        env = tx.environments.find(
            stack, name if isinstance(name, str) else str(name.get("uid", ""))
        )
        if env is None:
            raise ValidationFailed(
                "Delivery Token creation failed. Please enter valid data.",
                {"scope.environments": [f"{name!r} is not an environment of this stack."]},
            )
        envs.append({"name": env["name"], "uid": env["uid"]})
    return {**item, "environments": envs, "acl": {"read": True}}


def expires_on(kind: str, value: Any, action: str = "creation") -> str | None:
    """A token's expiry as stored: None (never; `""` too), an ISO 8601 date (the token works
    through that day, UTC) or date-time (kept as UTC with milliseconds, as Veneer writes times);
    it must lie in the future. Anything else (`0`, `"yesterday"`, a past date) is refused: stored
    as given it would have compared as a token that never expires."""
    if value is None or value == "":
        return None
    moment = _moment(value)
    stored = None if moment is None else value if len(value) == 10 else ids.format_time(moment)
    if stored is None or stored < ids.now()[: len(stored)]:
        raise ValidationFailed(
            f"{KINDS[kind]} {action} failed. Please enter valid data.",
            {"expires_on": ["must be a future ISO 8601 date or date-time, or null."]},
        )
    return stored


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str) or not ids.EXPIRY.fullmatch(value):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def create_token(
    services: Services, actor: Actor, api_key: str | None, kind: str, body: dict[str, Any]
) -> dict[str, Any]:
    access.require_user(actor)
    secret = ids.token()
    now = ids.now()
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, access.STACK, write=True)
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ValidationFailed(
                f"{KINDS[kind]} creation failed. Please enter valid data.",
                {"name": ["is required."]},
            )
        doc = {
            "name": name,
            "description": str(body.get("description") or ""),
            "scope": _scope(tx, stack["api_key"], kind, body),
            "expires_on": expires_on(kind, body.get("expires_on")),
            "updated_by": actor.uid,
        }
        row = {
            "uid": ids.blt(),
            "stack": stack["api_key"],
            "kind": kind,
            "token_hash": ids.token_hash(secret),
            "doc": doc,
            "created_by": actor.uid,
            "created_at": now,
            "updated_at": now,
        }
        tx.tokens.add(row)
    return _body(row, secret)


def update_token(
    services: Services, actor: Actor, api_key: str | None, kind: str, uid: str, body: dict[str, Any]
) -> dict[str, Any]:
    access.require_user(actor)
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, access.STACK, write=True)
        row = _load(tx, stack["api_key"], kind, uid)
        doc = row["doc"]
        if isinstance(body.get("name"), str) and body["name"].strip():
            doc["name"] = body["name"]
        if isinstance(body.get("description"), str):
            doc["description"] = body["description"]
        if "scope" in body:
            doc["scope"] = _scope(tx, stack["api_key"], kind, body, "update")
        if "expires_on" in body:
            doc["expires_on"] = expires_on(kind, body["expires_on"], "update")
        doc["updated_by"] = actor.uid
        row["updated_at"] = ids.now()
        tx.tokens.update(uid, doc, row["updated_at"])
        tx.changes.record(stack["api_key"])
    return _body(row)


def delete_token(
    services: Services, actor: Actor, api_key: str | None, kind: str, uid: str
) -> None:
    access.require_user(actor)
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, access.STACK, write=True)
        row = _load(tx, stack["api_key"], kind, uid)
        if row["doc"].get(PREVIEW_UID):
            tx.tokens.delete(row["doc"][PREVIEW_UID])
        tx.tokens.delete(uid)
        tx.changes.record(stack["api_key"])


def create_preview_token(
    services: Services, actor: Actor, api_key: str | None, uid: str
) -> dict[str, Any]:
    """`POST /stacks/delivery_tokens/{uid}/preview_token`: a preview token for a delivery token
    (a new one replaces the one it had). It reads the latest saved entries for live preview; the
    secret is shown once, in this answer, as `preview_token`."""
    access.require_user(actor)
    secret = ids.token()
    now = ids.now()
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, access.STACK, write=True)
        row = _load(tx, stack["api_key"], "delivery", uid)
        doc = row["doc"]
        if doc.get(PREVIEW_UID):
            tx.tokens.delete(doc[PREVIEW_UID])
        preview = {
            "uid": ids.blt(),
            "stack": stack["api_key"],
            "kind": "preview",
            "token_hash": ids.token_hash(secret),
            "doc": {"delivery_token": uid},
            "created_by": actor.uid,
            "created_at": now,
            "updated_at": now,
        }
        tx.tokens.add(preview)
        doc[PREVIEW_UID] = preview["uid"]
        row["updated_at"] = now
        tx.tokens.update(uid, doc, now)
    return {**_body(row), "preview_token": secret}


def delete_preview_token(services: Services, actor: Actor, api_key: str | None, uid: str) -> None:
    """`DELETE /stacks/delivery_tokens/{uid}/preview_token`: the preview token stops working."""
    access.require_user(actor)
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, access.STACK, write=True)
        row = _load(tx, stack["api_key"], "delivery", uid)
        doc = row["doc"]
        if not doc.get(PREVIEW_UID):
            raise NotFoundObject(
                "This delivery token has no preview token.",
                errors={"preview_token": ["does not exist."]},
            )
        tx.tokens.delete(doc.pop(PREVIEW_UID))
        tx.tokens.update(uid, doc, ids.now())


def authenticate_preview(services: Services, secret: str, api_key: str | None) -> Actor:
    """The read-only actor of a preview token (of a delivery token of the stack `api_key` that
    still exists and has not expired); 401 otherwise."""
    with services.store.read() as tx:
        row = tx.tokens.by_hash(ids.token_hash(secret))
        parent = (
            tx.tokens.get(row["stack"], "delivery", row["doc"]["delivery_token"])
            if row is not None and row["kind"] == "preview"
            else None
        )
    if row is None or parent is None or row["stack"] != api_key:
        raise Unauthorized(
            "The Preview Token is invalid.",
            errors={"preview_token": ["is not valid."]},
            error_code=109,
        )
    if ids.expired(parent["doc"].get("expires_on")):
        raise Unauthorized(
            "The Preview Token has expired.",
            errors={"preview_token": ["has expired: its delivery token has."]},
            error_code=109,
        )
    return Actor(
        kind="management",
        uid=row["uid"],
        stack=row["stack"],
        reads=PREVIEW_READS,
        writes=frozenset(),
    )


def authenticate(services: Services, secret: str, kind: str) -> Actor:
    """The actor a token stands for; 401 when the token is unknown, expired or of another kind."""
    with services.store.read() as tx:
        row = tx.tokens.by_hash(ids.token_hash(secret))
    if row is None or row["kind"] != kind:
        field = "access_token" if kind == "delivery" else "authorization"
        raise Unauthorized(
            f"The {KINDS[kind]} is invalid.",
            errors={field: ["is not valid."]},
            error_code=109 if kind == "delivery" else 105,
        )
    doc = row["doc"]
    if ids.expired(doc.get("expires_on")):
        raise Unauthorized(f"The {KINDS[kind]} has expired.", errors={"token": ["has expired."]})
    if kind == "delivery":
        envs = tuple(
            e["uid"]
            for s in doc["scope"]
            if s.get("module") == "environment"
            for e in s["environments"]
        )
        return Actor(
            kind="delivery",
            uid=row["uid"],
            stack=row["stack"],
            environments=envs,
            reads=frozenset(),
            writes=frozenset(),
        )
    reads, writes = access.token_acl(doc["scope"])
    return Actor(kind="management", uid=row["uid"], stack=row["stack"], reads=reads, writes=writes)
