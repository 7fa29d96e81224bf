"""Accounts, organizations and login sessions."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from veneer import ids
from veneer.errors import Unauthorized, ValidationFailed
from veneer.services import ratelimit
from veneer.services.context import Actor, Services
from veneer.store import Transaction

LOGIN_FAILED = (
    "Looks like your email or password is invalid. Please try again or reset your password."
)


def user_body(
    row: dict[str, Any], memberships: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    body = {
        "uid": row["uid"],
        "email": row["email"],
        "username": row["email"].split("@")[0],
        "first_name": row["first_name"],
        "last_name": row["last_name"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "active": True,
    }
    if memberships is not None:
        body["organizations"] = memberships
    return body


def bootstrap(services: Services) -> tuple[dict[str, Any], str | None] | None:
    """On an empty database: the owner account and its organization.

    Returns (owner, generated password or None), or None when the database already has users.
    """
    settings = services.settings
    with services.store.write() as tx:
        if tx.accounts.any_user():
            return None
        password = settings.admin_password or secrets.token_urlsafe(12)
        owner = _insert_user(services, tx, settings.admin_email, password, "Veneer", "Admin")
        tx.accounts.add_organization(ids.blt(), settings.organization_name, owner["uid"], ids.now())
    return owner, (None if settings.admin_password else password)


def create_user(
    services: Services,
    email: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    org_uid: str | None = None,
) -> dict[str, Any]:
    """A new account, member of `org_uid`, or owner of a new organization of its own."""
    with services.store.write() as tx:
        if tx.accounts.user_by_email(email.lower()):
            raise ValidationFailed(
                "A user with this email already exists.", {"email": ["is taken."]}
            )
        user = _insert_user(services, tx, email, password, first_name, last_name)
        if org_uid:
            tx.accounts.add_member(org_uid, user["uid"], "member")
        else:
            name = f"{first_name or email}'s organization"
            tx.accounts.add_organization(ids.blt(), name, user["uid"], ids.now())
    return user


def _insert_user(
    services: Services, tx: Transaction, email: str, password: str, first: str, last: str
) -> dict[str, Any]:
    if "@" not in email or len(password) < 8:
        raise ValidationFailed(
            "Enter a valid email and a password of at least 8 characters.",
            {"user": ["needs a valid email and a password of 8+ characters."]},
        )
    now = ids.now()
    row = {
        "uid": ids.blt(),
        "email": email.lower(),
        "password_hash": services.passwords.hash(password),
        "first_name": first,
        "last_name": last,
        "created_at": now,
        "updated_at": now,
    }
    tx.accounts.add_user(row)
    return row


def login(services: Services, email: Any, password: Any, address: str = "") -> dict[str, Any]:
    """`POST /v3/user-session`: the user body with a fresh `authtoken`.

    Failed attempts are counted per account and per client address; past the limits every attempt
    is refused with 429 until the window ends, whether or not the password is right. Each attempt
    is counted before its password is checked and given back when it was right.
    """
    if not isinstance(email, str) or not isinstance(password, str) or not email or not password:
        raise ValidationFailed(
            LOGIN_FAILED, {"user": ["needs email and password."]}, error_code=104
        )
    limits = services.settings
    keys = [
        (f"login:account:{email.lower()}", limits.login_attempts),
        (f"login:address:{address}", limits.login_attempts_per_address),
    ]
    # Reserved before hashing: concurrent attempts each take a slot, so no more than the limit
    # ever reach the (deliberately slow, memory-hard) password check.
    window = ratelimit.reserve(services, keys, limits.login_window)
    with services.store.read() as tx:
        row = tx.accounts.user_by_email(email.lower())
    if not services.passwords.verify(row["password_hash"] if row else None, password):
        raise Unauthorized(
            LOGIN_FAILED, error_code=104, errors={"user": ["email or password is invalid."]}
        )
    ratelimit.release(services, keys, window)  # only failed attempts count
    assert row is not None
    authtoken = ids.token()
    now = datetime.now(UTC)
    expires = now + timedelta(hours=services.settings.session_ttl_hours)
    with services.store.write() as tx:
        tx.accounts.add_session(
            ids.token_hash(authtoken), row["uid"], ids.format_time(now), ids.format_time(expires)
        )
        memberships = _memberships(tx, row["uid"])
    return {**user_body(row, memberships), "authtoken": authtoken}


def logout(services: Services, authtoken: str) -> None:
    with services.store.write() as tx:
        tx.accounts.end_session(ids.token_hash(authtoken))


def authenticate(services: Services, authtoken: str) -> Actor:
    with services.store.read() as tx:
        session = tx.accounts.session(ids.token_hash(authtoken))
        if session is None or session["expires_at"] < ids.now():
            raise Unauthorized(errors={"authtoken": ["is not valid."]})
        row = tx.accounts.user(session["user_uid"])
    if row is None:
        raise Unauthorized(errors={"authtoken": ["is not valid."]})
    return Actor(kind="user", uid=row["uid"], user=row)


def current_user(services: Services, actor: Actor) -> dict[str, Any]:
    with services.store.read() as tx:
        return user_body(actor.user or {}, _memberships(tx, actor.uid))


def _memberships(tx: Transaction, user_uid: str) -> list[dict[str, Any]]:
    return [
        {
            "uid": r["uid"],
            "name": r["name"],
            "is_owner": r["role"] == "owner",
            "org_roles": [{"name": r["role"].title()}],
        }
        for r in tx.accounts.memberships(user_uid)
    ]


def organizations_of(services: Services, actor: Actor) -> list[dict[str, Any]]:
    with services.store.read() as tx:
        return _memberships(tx, actor.uid)
