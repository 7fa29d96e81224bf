"""A stack's users: sharing it, unsharing it, their stack roles, and ownership transfers
(`/v3/stacks/share`, `/unshare`, `/users`, `/users/roles`, `/transfer_ownership`,
`/accept_ownership/{token}`).

Every member of a stack's organization reaches the stack (services.access). Sharing the stack
with an account outside the organization makes that account a collaborator of this one stack.
Each user has stack roles (the built-in or custom roles of `/v3/roles`): by default Admin for the
organization's owner and admins and Developer for its members and collaborators; sharing or
`users/roles` sets them. Roles are recorded and answered; what a user may do still follows the
organization role (docs/behaviour.md). Veneer sends no email: a share takes effect at once, and
an ownership transfer's acceptance link goes to the server log for the operator to hand over.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from veneer import ids
from veneer.domain.roles import BUILT_IN_ROLES
from veneer.errors import Forbidden, NotFoundObject, ValidationFailed
from veneer.services import access
from veneer.services.context import Actor, Services
from veneer.store import Transaction

SHARE_NOTICE = "The invitation has been sent successfully."
UNSHARE_NOTICE = "The stack has been successfully unshared."
ROLES_NOTICE = "The roles were applied successfully."
ACCEPT_NOTICE = "Ownership transferred successfully."
TRANSFER_DAYS = 7
NOT_IN_ORG = "Sorry about that. Provided email is not a part of the organization."


def role_uids(api_key: str) -> dict[str, str]:
    """The stack's built-in roles by name: their uids (as `/v3/roles` answers them)."""
    return {name: ids.derived(api_key, "role", name) for name, _ in BUILT_IN_ROLES}


def _default_roles(api_key: str, org_role: str | None) -> list[str]:
    named = role_uids(api_key)
    return [named["Admin" if org_role in access.MANAGERS else "Developer"]]


def _user_body(
    row: Mapping[str, Any], stack: Mapping[str, Any], roles: list[str]
) -> dict[str, Any]:
    return {
        "uid": row["uid"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "email": row["email"],
        "username": row["email"].split("@")[0],
        "first_name": row["first_name"],
        "last_name": row["last_name"],
        "active": True,
        "org_uid": [stack["org_uid"]],
        "metadata": {"idp_user": False},
        "settings": {"preferences": {"global": [], "stack": []}},
        "roles": roles,
        "is_owner": row["uid"] == stack["owner_uid"],
    }


def _users(tx: Transaction, stack: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The organization's members, then the stack's other collaborators."""
    shares = {s["user_uid"]: s for s in tx.shares.of_stack(stack["api_key"])}
    found = []
    for member in tx.accounts.members(stack["org_uid"]):
        share = shares.pop(member["uid"], None)
        roles = share["roles"] if share else _default_roles(stack["api_key"], member["role"])
        found.append(_user_body(member, stack, roles))
    for uid, share in shares.items():
        row = tx.accounts.user(uid)
        if row is not None:
            found.append(_user_body(row, stack, share["roles"]))
    return found


def stack_users(services: Services, actor: Actor, api_key: str | None) -> list[dict[str, Any]]:
    access.require_user(actor)
    with services.store.read() as tx:
        return _users(tx, access.stack_row(tx, actor, api_key, access.STACK))


def _manager_stack(tx: Transaction, actor: Actor, api_key: str | None) -> dict[str, Any]:
    """The stack, if the caller (a user) owns it or manages its organization."""
    access.require_user(actor)
    return access.stack_row(tx, actor, api_key, access.STACK, write=True)


def roles_by_user(tx: Transaction, stack: Mapping[str, Any]) -> dict[str, list[str]]:
    """The stack roles of each user who reaches the stack (as `GET /v3/stacks/users` answers)."""
    return {user["uid"]: user["roles"] for user in _users(tx, stack)}


def _roles(tx: Transaction, stack: Mapping[str, Any], asked: Any, where: str) -> list[str] | None:
    """Role uids of this stack, built-in or custom (None: not given)."""
    if asked is None:
        return None
    named = set(asked) if isinstance(asked, list) and all(isinstance(r, str) for r in asked) else ()
    known = set(role_uids(stack["api_key"]).values())
    known |= tx.roles.known(stack["api_key"], [r for r in named if r not in known])
    if not isinstance(asked, list) or not asked or not all(r in known for r in asked):
        raise ValidationFailed(
            "Please enter valid roles.",
            {where: ["must be a non-empty list of role uids of this stack (GET /v3/roles)."]},
        )
    return [str(r) for r in dict.fromkeys(asked)]


def _account(tx: Transaction, email: Any, where: str) -> dict[str, Any]:
    row = tx.accounts.user_by_email(email.strip().lower()) if isinstance(email, str) else None
    if row is None:
        raise ValidationFailed(
            "Veneer sends no invitations: create the account first.", {where: ["has no account."]}
        )
    return row


def share_stack(
    services: Services, actor: Actor, api_key: str | None, emails: Any, roles: Any
) -> None:
    """Share the stack with existing accounts (`roles` maps an email to role uids)."""
    now = ids.now()
    with services.store.write() as tx:
        stack = _manager_stack(tx, actor, api_key)
        if (
            not isinstance(emails, list)
            or not emails
            or not all(isinstance(e, str) for e in emails)
        ):
            raise ValidationFailed(
                "Please enter valid data.", {"emails": ["must be a non-empty list of emails."]}
            )
        if roles is not None and not isinstance(roles, dict):
            raise ValidationFailed(
                "Please enter valid data.", {"roles": ["must map emails to roles."]}
            )
        asked = {str(k).strip().lower(): v for k, v in (roles or {}).items()}
        for email in emails:
            row = _account(tx, email, email)
            if row["uid"] == stack["owner_uid"]:
                raise ValidationFailed(
                    "The stack's owner already has it.", {email: ["owns this stack."]}
                )
            given = _roles(tx, stack, asked.get(email.strip().lower()), f"roles.{email}")
            org_role = tx.accounts.role(stack["org_uid"], row["uid"])
            tx.shares.put(
                stack["api_key"],
                row["uid"],
                given or _default_roles(stack["api_key"], org_role),
                actor.uid,
                now,
            )


def unshare_stack(services: Services, actor: Actor, api_key: str | None, email: Any) -> None:
    """Take a collaborator off the stack: it no longer reaches it."""
    with services.store.write() as tx:
        stack = _manager_stack(tx, actor, api_key)
        row = _account(tx, email, "email")
        if tx.accounts.role(stack["org_uid"], row["uid"]) is not None:
            raise ValidationFailed(
                "Members of the stack's organization reach all its stacks: remove them from the "
                "organization instead.",
                {"email": ["is a member of the stack's organization."]},
            )
        if tx.shares.get(stack["api_key"], row["uid"]) is None:
            raise NotFoundObject(
                "The stack is not shared with this user.",
                {"email": ["is not a collaborator of this stack."]},
            )
        tx.shares.remove(stack["api_key"], row["uid"])  # (collaborators make no tokens)


def update_roles(
    services: Services, actor: Actor, api_key: str | None, users: Any
) -> list[dict[str, Any]]:
    """`users` maps a user uid (a member or collaborator) to the role uids it now has."""
    now = ids.now()
    with services.store.write() as tx:
        stack = _manager_stack(tx, actor, api_key)
        if not isinstance(users, dict) or not users:
            raise ValidationFailed(
                "Please enter valid data.", {"users": ["must map user uids to lists of role uids."]}
            )
        done = []
        for uid, asked in users.items():
            member = tx.accounts.role(stack["org_uid"], uid) is not None
            if not member and tx.shares.get(stack["api_key"], uid) is None:
                raise NotFoundObject(
                    "The user does not reach this stack.",
                    {f"users.{uid}": ["is not a user of this stack."]},
                )
            roles = _roles(tx, stack, asked, f"users.{uid}") or []
            tx.shares.put(stack["api_key"], uid, roles, actor.uid, now)
            done.append({"uid": uid, "roles": roles})
    return done


def transfer_ownership(
    services: Services, actor: Actor, api_key: str | None, email: Any
) -> tuple[dict[str, Any], dict[str, Any], str]:
    """A pending transfer to a member of the stack's organization: the stack, the recipient and
    the one-time token that accepts it (valid TRANSFER_DAYS days)."""
    now = datetime.now(UTC)
    with services.store.write() as tx:
        stack = _manager_stack(tx, actor, api_key)
        if not isinstance(email, str):
            raise ValidationFailed(
                "Please enter valid data.", {"transfer_to": ["must be an email."]}
            )
        row = tx.accounts.user_by_email(email.strip().lower())
        if row is None or tx.accounts.role(stack["org_uid"], row["uid"]) is None:
            raise NotFoundObject(
                NOT_IN_ORG, {"transfer_to": ["is not a member of the organization."]}
            )
        if row["uid"] == stack["owner_uid"]:
            raise ValidationFailed(
                "This user already owns the stack.", {"transfer_to": ["owns this stack."]}
            )
        token = ids.token()
        tx.shares.add_transfer(
            {
                "token_hash": ids.token_hash(token),
                "stack": stack["api_key"],
                "to_uid": row["uid"],
                "from_uid": stack["owner_uid"],
                "created_at": ids.format_time(now),
                "expires_at": ids.format_time(now + timedelta(days=TRANSFER_DAYS)),
            }
        )
    return stack, row, token


def transfer_notice(stack: Mapping[str, Any], recipient: Mapping[str, Any]) -> str:
    return (
        f"An email has been sent to {recipient['email']} about transferring ownership of "
        f"'{stack['name']}'. The ownership will be transferred after the other user accepts "
        "ownership."
    )


def accept_ownership(
    services: Services, actor: Actor, api_key: str | None, token: str, user_uid: str | None
) -> None:
    """The recipient, logged in, accepts: the stack is theirs; the previous owner keeps what
    their organization role gives them."""
    with services.store.write() as tx:
        access.require_user(actor)
        stack = access.stack_row(tx, actor, api_key, access.STACK)
        pending = tx.shares.transfer(ids.token_hash(token))
        if (
            pending is None
            or pending["stack"] != stack["api_key"]
            or ids.expired(pending["expires_at"])
            or pending["from_uid"] != stack["owner_uid"]
        ):
            raise ValidationFailed(
                "The ownership token is invalid or has expired.",
                {"ownership_token": ["is not valid."]},
            )
        if user_uid != pending["to_uid"] or actor.uid != pending["to_uid"]:
            raise Forbidden(
                "Only the user the stack is transferred to can accept it.",
                errors={"uid": ["is not the recipient of this transfer."]},
            )
        if tx.accounts.role(stack["org_uid"], actor.uid) is None:
            raise NotFoundObject(NOT_IN_ORG, {"uid": ["is not a member of the organization."]})
        tx.stacks.update(stack["api_key"], owner_uid=actor.uid, updated_at=ids.now())
        tx.shares.drop_transfers(stack["api_key"])
