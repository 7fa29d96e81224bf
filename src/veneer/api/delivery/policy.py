"""How one stack's delivery answers are served: their `Cache-Control`, and the browser origins
allowed to read them (CORS, `cors.py`). A stack's own settings (`delivery_cache_control`,
`delivery_cors_origins`) override the server's; the policy is read once and remembered until the
stack changes (a settings change is a change-log row, which also purges every answer it shaped).

`Vary` follows from it: an answer names `Origin` only when the stack restricts origins, since only
then does `Access-Control-Allow-Origin` depend on who asks; otherwise a CDN would keep one copy
per website for nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from veneer.domain import delivery_settings
from veneer.domain.delivery_settings import Policy
from veneer.errors import Unavailable, VeneerError

if TYPE_CHECKING:
    from veneer.api.delivery.context import DeliveryContext
    from veneer.settings import Settings


def server_policy(settings: Settings) -> Policy:
    """The server's own policy, for stacks that set nothing and for answers with no stack."""
    found = delivery_settings.origins_from_text(settings.delivery_cors_origins)
    return Policy(
        settings.delivery_cache_control.encode(),
        None if found is None else frozenset(found),
    )


def stack_policy(delivery: DeliveryContext, stack: str) -> Policy:
    """The stack's policy (remembered until the stack changes); the server's for no such stack."""

    def read() -> Policy:
        own = delivery.published.stack_settings(stack) or {}
        base = server_policy(delivery.settings)
        return Policy(_cache_control(own, base), _origins(own, base))

    return delivery.cache.memoized(("policy", stack), read)


def _cache_control(own: dict[str, object], base: Policy) -> bytes:
    try:
        return delivery_settings.cache_control(own[delivery_settings.CACHE_CONTROL]).encode()
    except (KeyError, VeneerError):  # unset, or stored before it was checked: the server's
        return base.cache_control


def _origins(own: dict[str, object], base: Policy) -> frozenset[str] | None:
    try:
        found = delivery_settings.origins(own[delivery_settings.CORS_ORIGINS])
    except (KeyError, VeneerError):
        return base.origins
    return None if found is None else frozenset(found)


def policy_for_answer(delivery: DeliveryContext, stack: str | None) -> Policy:
    """For CORS on any delivery answer, errors included: the stack's policy when `stack` names
    one and the database answers, else the server's."""
    if stack:
        try:
            return stack_policy(delivery, stack)
        except Unavailable:
            pass
    return server_policy(delivery.settings)
