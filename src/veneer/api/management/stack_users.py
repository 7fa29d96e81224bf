"""`/v3/stacks/users`, `…/users/roles`, `…/share`, `…/unshare`, `…/transfer_ownership` and
`…/accept_ownership/{ownership_token}` (services.collaborators)."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from veneer.api.call import Call, endpoint
from veneer.services import collaborators

log = logging.getLogger("veneer")


@endpoint
def list_users(call: Call) -> dict[str, Any]:
    return {"users": collaborators.stack_users(call.services, call.actor(), call.api_key)}


@endpoint
def update_roles(call: Call) -> dict[str, Any]:
    done = collaborators.update_roles(
        call.services, call.actor(), call.api_key, call.body.get("users")
    )
    return {"notice": collaborators.ROLES_NOTICE, "users": done}


@endpoint
def share(call: Call) -> dict[str, Any]:
    collaborators.share_stack(
        call.services, call.actor(), call.api_key, call.body.get("emails"), call.body.get("roles")
    )
    return {"notice": collaborators.SHARE_NOTICE}


@endpoint
def unshare(call: Call) -> dict[str, Any]:
    collaborators.unshare_stack(call.services, call.actor(), call.api_key, call.body.get("email"))
    return {"notice": collaborators.UNSHARE_NOTICE}


@endpoint
def transfer_ownership(call: Call) -> dict[str, Any]:
    """Veneer sends no email: the acceptance link goes to the server log (as password resets do)."""
    stack, recipient, token = collaborators.transfer_ownership(
        call.services, call.actor(), call.api_key, call.body.get("transfer_to")
    )
    query = urlencode({"api_key": stack["api_key"], "uid": recipient["uid"]})
    base = str(call.request.base_url).rstrip("/")
    link = f"{base}/v3/stacks/accept_ownership/{token}?{query}"
    log.warning(
        "ownership of stack %s offered to %s: %s (valid %d days)",
        stack["api_key"],
        recipient["email"],
        link,
        collaborators.TRANSFER_DAYS,
    )
    return {"notice": collaborators.transfer_notice(stack, recipient)}


@endpoint
def accept_ownership(call: Call) -> dict[str, Any]:
    collaborators.accept_ownership(
        call.services,
        call.actor(),
        call.api_key,
        call.path("ownership_token"),
        call.params.get("uid"),
    )
    return {"notice": collaborators.ACCEPT_NOTICE}
