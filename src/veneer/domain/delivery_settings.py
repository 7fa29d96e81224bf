"""The delivery settings a stack may set for itself (docs/cdn.md, docs/variants-beyond.md §7),
checked in one place for the stack settings API, the server's settings and the delivery path that
reads them.

`delivery_cache_control` is sent as it is in `Cache-Control`: one header line of visible ASCII, so
a stored value can never split or forge a header. `delivery_cors_origins` lists the browser origins
allowed to read delivery answers (`scheme://host[:port]`, compared as browsers send them, in lower
case), or `*` for any; an empty list allows none. `variant_limit` is how many names of
`x-cs-variant-uid` a read applies (0 to VARIANT_LIMIT_MAX); without it the server's
`VENEER_VARIANT_LIMIT` applies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from veneer.errors import ValidationFailed

CACHE_CONTROL = "delivery_cache_control"
CORS_ORIGINS = "delivery_cors_origins"
VARIANT_LIMIT = "variant_limit"
# Each name within the limit costs a keyed read and a merge step per entry served, so a stack's
# managers may raise it only this far (the server's own default is not bounded by this).
VARIANT_LIMIT_MAX = 25
CACHE_CONTROL_MAX = 512
ORIGINS_MAX = 100
ANY = "*"
_HEADER_VALUE = re.compile(r"[\x21-\x7e]+(?: [\x21-\x7e]+)*")
_ORIGIN = re.compile(r"https?://[a-z0-9.\-\[\]:]+")


def _invalid(name: str, why: str) -> ValidationFailed:
    return ValidationFailed("Stack settings update failed. Please enter valid data.", {name: [why]})


def cache_control(value: Any) -> str:
    """A `Cache-Control` value, as it will be sent; ValidationFailed when it is not one."""
    if (
        not isinstance(value, str)
        or len(value) > CACHE_CONTROL_MAX
        or not _HEADER_VALUE.fullmatch(value)
    ):
        raise _invalid(
            CACHE_CONTROL,
            f"must be a Cache-Control value: visible ASCII, at most {CACHE_CONTROL_MAX} characters.",
        )
    return value


def origins(value: Any) -> tuple[str, ...] | None:
    """The allowed origins, in lower case without a trailing slash; None for any origin."""
    if not isinstance(value, list) or len(value) > ORIGINS_MAX:
        raise _invalid(CORS_ORIGINS, f'must be a list of at most {ORIGINS_MAX} origins, or ["*"].')
    if ANY in value:
        return None
    found = []
    for item in value:
        origin = item.strip().lower().rstrip("/") if isinstance(item, str) else ""
        if not _ORIGIN.fullmatch(origin):
            raise _invalid(CORS_ORIGINS, f"{item!r} is not an origin such as https://example.com.")
        found.append(origin)
    return tuple(dict.fromkeys(found))


def variant_limit(value: Any) -> int:
    """A stack's `variant_limit`, as stored; ValidationFailed when it is not a whole number in
    range (a bool, a float such as 2.0 or a numeric string is refused, as in JSON Schema)."""
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= VARIANT_LIMIT_MAX:
        raise _invalid(VARIANT_LIMIT, f"must be a whole number from 0 to {VARIANT_LIMIT_MAX}.")
    return value


def stack_variant_limit(stack_settings: dict[str, Any] | None, default: int) -> int:
    """The limit a read applies: the stack's stored `variant_limit` (any whole number >= 0, as an
    operator may have stored it), else the server's `default`."""
    own = (stack_settings or {}).get(VARIANT_LIMIT)
    if isinstance(own, int) and not isinstance(own, bool) and own >= 0:
        return own
    return default


def origins_from_text(text: str) -> tuple[str, ...] | None:
    """`VENEER_DELIVERY_CORS_ORIGINS`: `*`, `none`, or origins separated by commas."""
    if text.strip().lower() == "none":
        return ()
    return origins([part for part in (p.strip() for p in text.split(",")) if part])


TODAY = b"no-cache"  # Veneer's Cache-Control before it was a setting


@dataclass(frozen=True)
class Policy:
    cache_control: bytes = TODAY
    origins: frozenset[str] | None = None  # None: any origin

    @property
    def vary(self) -> bytes:
        return b"x-cs-variant-uid" if self.origins is None else b"x-cs-variant-uid, origin"

    def allow_origin(self, origin: bytes) -> bytes | None:
        """The `Access-Control-Allow-Origin` value for a request from `origin`, or None."""
        if self.origins is None:
            return b"*"
        return origin if origin.decode("latin-1") in self.origins else None


DEFAULT_POLICY = Policy()
