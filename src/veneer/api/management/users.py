"""`/v3/user-session`, `/v3/user` (and password resets), `/v3/organizations`, one organization
with its roles, stacks and members (`…/{uid}/share`)."""

from __future__ import annotations

import logging
from typing import Any

from veneer.api.call import Call, endpoint
from veneer.errors import Unauthorized, ValidationFailed
from veneer.services import stacks, users

log = logging.getLogger("veneer")


def _login(call: Call) -> dict[str, Any]:
    credentials = call.section("user")
    user = users.login(
        call.services, credentials.get("email"), credentials.get("password"), call.address
    )
    return {"notice": "Login Successful.", "user": user}


login = endpoint(_login, public=True)  # the one endpoint that reads a body from anyone


@endpoint
def logout(call: Call) -> dict[str, Any]:
    authtoken = call.header("authtoken")
    if not authtoken:
        raise Unauthorized(errors={"authtoken": ["is required."]})
    users.authenticate(call.services, authtoken)
    users.logout(call.services, authtoken)
    return {"notice": "You've logged out successfully."}


@endpoint
def current_user(call: Call) -> dict[str, Any]:
    actor = call.actor()
    if not actor.is_user:
        raise Unauthorized(errors={"authtoken": ["is required."]})
    return {"user": users.current_user(call.services, actor)}


@endpoint
def list_organizations(call: Call) -> dict[str, Any]:
    actor = call.actor()
    if not actor.is_user:
        raise Unauthorized(errors={"authtoken": ["is required."]})
    return {"organizations": users.organizations_of(call.services, actor)}


@endpoint
def share_organization(call: Call) -> dict[str, Any]:
    share = call.section("share")
    shares = users.share_organization(
        call.services, call.actor(), call.path("org_uid"), share.get("users")
    )
    return {"notice": "The organization was shared successfully.", "shares": shares}


@endpoint
def remove_members(call: Call) -> dict[str, Any]:
    users.remove_members(call.services, call.actor(), call.path("org_uid"), call.body.get("emails"))
    return {"notice": "The users were removed from the organization."}


@endpoint
def update_user(call: Call) -> dict[str, Any]:
    user = users.update_user(call.services, call.actor(), call.section("user"))
    return {"notice": "Profile updated successfully.", "user": user}


def _forgot_password(call: Call) -> dict[str, Any]:
    """Anyone may ask; the answer never says whether the account exists. Veneer sends no email:
    the reset link goes to the server log, for the operator to hand over."""
    email = call.section("user").get("email")
    if not isinstance(email, str) or "@" not in email:
        raise ValidationFailed("Please enter a valid email.", {"user.email": ["is not valid."]})
    users.limit_resets(call.services, call.address, email)
    token = users.issue_password_reset(call.services, email)
    if token is not None:
        link = f"{str(call.request.base_url).rstrip('/')}/app/reset-password?token={token}"
        log.warning("password reset asked for %s: %s (valid 1 hour)", email.lower(), link)
    return {"notice": users.FORGOT_NOTICE}


forgot_password = endpoint(_forgot_password, public=True)


def _reset_password(call: Call) -> dict[str, Any]:
    body = call.section("user")
    give_back = users.limit_resets(call.services, call.address)
    users.reset_password(
        call.services,
        body.get("reset_password_token"),
        body.get("password"),
        body.get("password_confirmation"),
    )
    give_back()
    return {"notice": users.RESET_NOTICE}


reset_password = endpoint(_reset_password, public=True)


def _org_user(call: Call) -> Any:
    actor = call.actor()
    if not actor.is_user:
        raise Unauthorized(errors={"authtoken": ["is required."]})
    return actor


@endpoint
def get_organization(call: Call) -> dict[str, Any]:
    org = users.get_organization(call.services, _org_user(call), call.path("org_uid"))
    return {"organization": org}


@endpoint
def organization_roles(call: Call) -> dict[str, Any]:
    roles = users.organization_roles(call.services, _org_user(call), call.path("org_uid"))
    return {"roles": roles}


@endpoint
def organization_stacks(call: Call) -> dict[str, Any]:
    actor = _org_user(call)
    org = users.get_organization(call.services, actor, call.path("org_uid"))
    found = [s for s in stacks.list_stacks(call.services, actor) if s["org_uid"] == org["uid"]]
    return {"stacks": found}


@endpoint
def organization_members(call: Call) -> dict[str, Any]:
    shares = users.organization_members(call.services, _org_user(call), call.path("org_uid"))
    return {"shares": shares}
