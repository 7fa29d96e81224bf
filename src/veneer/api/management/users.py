"""`/v3/user-session`, `/v3/user`, `/v3/organizations` and its members (`…/{uid}/share`)."""

from __future__ import annotations

from typing import Any

from veneer.api.call import Call, endpoint
from veneer.errors import Unauthorized
from veneer.services import users


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
