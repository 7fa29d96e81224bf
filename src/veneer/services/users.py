"""Accounts, organizations and login sessions."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from veneer import ids
from veneer.errors import Forbidden, NotFoundObject, Unauthorized, ValidationFailed
from veneer.services import access, ratelimit
from veneer.services.context import Actor, Services
from veneer.store import Transaction

EDITOR = "editor-session:"  # hashed with an editor session's token: no authtoken has that hash
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
    """`POST /v3/user-session`: the user body with a fresh `authtoken`."""
    row = _verify(services, email, password, address)
    authtoken = ids.token()
    with services.store.write() as tx:
        _open_session(tx, row, _hash(authtoken), services.settings.session_ttl_hours)
        memberships = _memberships(tx, row["uid"])
    return {**user_body(row, memberships), "authtoken": authtoken}


def editor_login(services: Services, email: Any, password: Any, address: str = "") -> str:
    """The editor's own session (`VENEER_EDITOR_SESSION_HOURS`): its token is stored under another
    hash than an authtoken's, so the editor cookie is never an API credential, nor the reverse."""
    row = _verify(services, email, password, address)
    token = ids.token()
    with services.store.write() as tx:
        _open_session(tx, row, _hash(token, editor=True), services.settings.editor_session_hours)
    return token


def _verify(services: Services, email: Any, password: Any, address: str) -> dict[str, Any]:
    """The account whose password this is. Failed attempts are counted per account and per client
    address; past the limits every attempt is refused with 429 until the window ends, whether or
    not the password is right. Each attempt is counted before its password is checked and given
    back when it was right."""
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
    return row


def _hash(token: str, *, editor: bool = False) -> str:
    return ids.token_hash(EDITOR + token if editor else token)


def _open_session(tx: Transaction, row: dict[str, Any], token_hash: str, hours: int) -> None:
    now = datetime.now(UTC)
    expires = now + timedelta(hours=hours)
    tx.accounts.add_session(token_hash, row["uid"], ids.format_time(now), ids.format_time(expires))


def logout(services: Services, authtoken: str, *, editor: bool = False) -> None:
    with services.store.write() as tx:
        tx.accounts.end_session(_hash(authtoken, editor=editor))


def authenticate(services: Services, authtoken: str, *, editor: bool = False) -> Actor:
    """The user of an API authtoken (or, with `editor`, of an editor session's token)."""
    with services.store.read() as tx:
        session = tx.accounts.session(_hash(authtoken, editor=editor))
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


# -- organization members: Contentstack's `/v3/organizations/{uid}/share` ---------------------
def _manager_role(tx: Transaction, actor: Actor, org_uid: str) -> str:
    """The caller's role in `org_uid`, which must let it manage members (owner or admin). An
    organization the caller is not in answers like one where it is a plain member (no leak)."""
    access.require_user(actor)
    role = tx.accounts.role(org_uid, actor.uid)
    if role not in access.MANAGERS:
        raise Forbidden(
            "Only the organization's owner or admins can manage its members.",
            errors={"organization_uid": ["is not an organization you own or administer."]},
        )
    return role


def share_organization(
    services: Services, actor: Actor, org_uid: str, users: Any
) -> list[dict[str, Any]]:
    """Add existing accounts to an organization, or change their role: `users` maps an email to
    a list holding one role (`admin` or `member`). Veneer sends no invitations."""
    shares = []
    with services.store.write() as tx:
        mine = _manager_role(tx, actor, org_uid)
        if not isinstance(users, dict) or not users:
            raise ValidationFailed(
                "Name the users to share the organization with.",
                {"share.users": ["must map emails to a list of one role (admin or member)."]},
            )
        for email, roles in users.items():
            role = _shared_role(roles, mine)
            row = tx.accounts.user_by_email(str(email).lower())
            if row is None:
                raise ValidationFailed(
                    "Veneer sends no invitations: create the account first.",
                    {str(email): ["has no account."]},
                )
            current = tx.accounts.role(org_uid, row["uid"])
            if current == "owner" or (current == "admin" and mine != "owner"):
                raise Forbidden(errors={str(email): [f"is an organization {current}."]})
            if current is None:
                tx.accounts.add_member(org_uid, row["uid"], role)
            else:
                tx.accounts.set_role(org_uid, row["uid"], role)
            shares.append({"email": row["email"], "user_uid": row["uid"], "org_roles": [role]})
    return shares


def _shared_role(roles: Any, mine: str) -> str:
    role = roles[0] if isinstance(roles, list) and len(roles) == 1 else roles
    role = role.lower() if isinstance(role, str) else role
    if role not in ("admin", "member") or (role == "admin" and mine != "owner"):
        allowed = "admin or member" if mine == "owner" else "member"
        raise ValidationFailed(
            "The role is not one you can give.", {"share.users": [f"role must be {allowed}."]}
        )
    return str(role)


def remove_members(services: Services, actor: Actor, org_uid: str, emails: Any) -> int:
    """Take users out of an organization. What they made on its stacks stays; what would act in
    their name stops: the management and delivery tokens they created are revoked and the publishes
    they scheduled are cancelled. The owner cannot be removed; admins only by the owner."""
    with services.store.write() as tx:
        mine = _manager_role(tx, actor, org_uid)
        if (
            not isinstance(emails, list)
            or not emails
            or not all(isinstance(e, str) for e in emails)
        ):
            raise ValidationFailed(
                "Name the users to remove.", {"emails": ["must be a non-empty list of emails."]}
            )
        for email in emails:
            row = tx.accounts.user_by_email(email.lower())
            role = tx.accounts.role(org_uid, row["uid"]) if row else None
            if row is None or role is None:
                raise NotFoundObject(errors={email: ["is not a member of this organization."]})
            if role == "owner" or (role == "admin" and mine != "owner"):
                raise Forbidden(errors={email: [f"is an organization {role}."]})
            _remove(tx, org_uid, row["uid"])
    return len(emails)


def _remove(tx: Transaction, org_uid: str, user_uid: str) -> None:
    tx.accounts.remove_member(org_uid, user_uid)
    tx.shares.drop_in_org(org_uid, user_uid)
    revoked = tx.tokens.created_by(org_uid, user_uid)
    for token in revoked:
        tx.tokens.delete(token["uid"])
    for stack in sorted({token["stack"] for token in revoked}):
        tx.changes.record(stack)
    tx.jobs.cancel_created_by(org_uid, user_uid, "The user who scheduled it left the organization.")


# -- the account itself: `PUT /v3/user`, password resets -----------------------------------------
NAME_CHARS = 200
RESET = "password-reset:"  # hashed with a reset token: no authtoken or editor session has that hash
RESET_HOURS = 1
FORGOT_NOTICE = (
    "If this email address exists, we will send you an email with instructions for resetting "
    "your password."
)
RESET_NOTICE = "Your password has been reset successfully."


def update_user(services: Services, actor: Actor, body: Any) -> dict[str, Any]:
    """`PUT /v3/user` `{"user": {"first_name", "last_name"}}`: the names of the caller's own
    account. The email (the login) is not changed here, nor the password (a reset does that)."""
    access.require_user(actor)
    if not isinstance(body, dict):
        raise ValidationFailed("Please enter valid data.", {"user": ["must be an object."]})
    problems: dict[str, list[str]] = {}
    fields: dict[str, str] = {}
    for name in ("first_name", "last_name"):
        if name not in body:
            continue
        value = body[name]
        if not isinstance(value, str) or len(value) > NAME_CHARS or "\x00" in value:
            problems[f"user.{name}"] = [f"must be a string of at most {NAME_CHARS} characters."]
        else:
            fields[name] = value.strip()
    for name in ("email", "password"):
        if name in body:
            problems[f"user.{name}"] = [
                "cannot be changed here" + (": reset it instead." if name == "password" else ".")
            ]
    if problems:
        raise ValidationFailed("Profile update failed. Please enter valid data.", problems)
    with services.store.write() as tx:
        if fields:
            tx.accounts.update_user(actor.uid, updated_at=ids.now(), **fields)
        row = tx.accounts.user(actor.uid)
        assert row is not None
        return user_body(row, _memberships(tx, actor.uid))


def limit_resets(services: Services, address: str, email: str = "") -> Callable[[], None]:
    """Forgotten-password and reset calls count against the login limits (per client address,
    and per account when one is named): beyond them, 429 until the window ends. Returns what
    gives the attempt back (a reset that succeeded, as a login that succeeded, does not count)."""
    limits = services.settings
    keys = [(f"login:address:{address}", limits.login_attempts_per_address)]
    if email:
        keys.append((f"login:account:{email.strip().lower()}", limits.login_attempts))
    window = ratelimit.reserve(services, keys, limits.login_window)
    return lambda: ratelimit.release(services, keys, window)


def issue_password_reset(services: Services, email: str) -> str | None:
    """A one-time password reset token for the account of `email` (None when there is none),
    valid RESET_HOURS; the operator hands it over (`veneer reset-password`; the server log on
    `POST /v3/user/forgot_password`). Only its hash is stored."""
    token = secrets.token_urlsafe(24)
    with services.store.write() as tx:
        row = tx.accounts.user_by_email(email.strip().lower())
        if row is None:
            return None
        now = datetime.now(UTC)
        expires = ids.format_time(now + timedelta(hours=RESET_HOURS))
        tx.accounts.add_session(
            ids.token_hash(RESET + token), row["uid"], ids.format_time(now), expires
        )
    return token


def reset_password(services: Services, token: Any, password: Any, confirmation: Any) -> None:
    """Set a new password with a reset token: the token is spent, and every session of the
    account (authtokens, editor sessions, other reset tokens) ends."""
    problems: dict[str, list[str]] = {}
    if not isinstance(password, str) or len(password) < 8:
        problems["user.password"] = ["must be at least 8 characters."]
    elif password != confirmation:
        problems["user.password_confirmation"] = ["does not match the password."]
    if not isinstance(token, str) or not token:
        problems["user.reset_password_token"] = ["is required."]
    if problems:
        raise ValidationFailed("The password was not reset.", problems)
    assert isinstance(token, str) and isinstance(password, str)
    hashed = services.passwords.hash(password)
    with services.store.write() as tx:
        session = tx.accounts.session(ids.token_hash(RESET + token))
        if session is None or session["expires_at"] < ids.now():
            raise ValidationFailed(
                "The password reset link is invalid or has expired.",
                {"user.reset_password_token": ["is invalid or has expired."]},
            )
        tx.accounts.update_user(session["user_uid"], password_hash=hashed, updated_at=ids.now())
        tx.accounts.end_sessions(session["user_uid"])


# -- organizations: `GET /v3/organizations/{uid}` and its roles, stacks and members --------------
ORG_ROLES = (
    (
        "owner",
        "Owner",
        "Owns the organization: everything an admin does, and makes or removes admins.",
    ),
    ("admin", "Admin", "Manages the organization's members and every stack and token in it."),
    ("member", "Member", "Works on the content of every stack of the organization."),
)


def _member_org(tx: Transaction, actor: Actor, org_uid: str) -> tuple[dict[str, Any], str]:
    """An organization the caller belongs to, and its role there; one it does not belong to
    answers as an unknown one does (403 both: no leak)."""
    access.require_user(actor)
    role = tx.accounts.role(org_uid, actor.uid)
    org = tx.accounts.organization(org_uid) if role is not None else None
    if org is None or role is None:
        raise Forbidden(
            "You are not a member of this organization.",
            errors={"organization_uid": ["is not an organization you belong to."]},
        )
    return org, role


def get_organization(services: Services, actor: Actor, org_uid: str) -> dict[str, Any]:
    with services.store.read() as tx:
        org, role = _member_org(tx, actor, org_uid)
    return {
        "uid": org["uid"],
        "name": org["name"],
        "owner_uid": org["owner_uid"],
        "is_owner": role == "owner",
        "enabled": True,
        "org_roles": [{"name": role.title()}],
        "created_at": org["created_at"],
        "updated_at": org["updated_at"],
    }


def organization_roles(services: Services, actor: Actor, org_uid: str) -> list[dict[str, Any]]:
    with services.store.read() as tx:
        org, _role = _member_org(tx, actor, org_uid)
    return [
        {
            "uid": uid,
            "name": name,
            "description": text,
            "org_uid": org["uid"],
            "admin": uid in access.MANAGERS,
            "default": uid == "member",
        }
        for uid, name, text in ORG_ROLES
    ]


def organization_members(services: Services, actor: Actor, org_uid: str) -> list[dict[str, Any]]:
    """`GET /v3/organizations/{uid}/share`: the members (Veneer invites no one, so every share
    is an accepted one)."""
    with services.store.read() as tx:
        org, _role = _member_org(tx, actor, org_uid)
        members = tx.accounts.members(org["uid"])
    return [
        {
            "email": m["email"],
            "user_uid": m["uid"],
            "first_name": m["first_name"],
            "last_name": m["last_name"],
            "org_uid": org["uid"],
            "org_roles": [m["role"]],
            "is_owner": m["role"] == "owner",
            "status": "accepted",
        }
        for m in members
    ]
