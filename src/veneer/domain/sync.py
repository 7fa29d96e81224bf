"""Sync API tokens and parameters, without I/O (docs/sync.md).

A token says where a sync goes on, so the server keeps no state per client: it is the URL-safe
base64 of a small JSON object, a dot, and the first 16 bytes of its HMAC-SHA256 under the server's
`sync` key (`server_keys`), so that a client can neither forge one nor edit one (a token for
another stack, another environment or other filters). Two kinds:

- a pagination token: an initial sync (`phase` "init": publications numbered after `after` up to
  `cap`, then the events after `events`) or a delta sync (`phase` "delta": events after `after`
  up to `cap`) that has pages left; `skip` and `total` are what the next page answers.
- a sync token: a finished sync; the next one reports the events numbered after `after`.

Both carry the stack, the environment's uid and the filters the sync started with; filters sent
along with a token are ignored, as the token already holds them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import Any

import orjson

from veneer import ids
from veneer.domain.assets import ASSET_CONTENT_TYPE
from veneer.errors import ValidationFailed

ENTRY_EVENTS = ("entry_published", "entry_unpublished", "entry_deleted")
ASSET_EVENTS = ("asset_published", "asset_unpublished", "asset_deleted")
CONTENT_TYPE_DELETED = "content_type_deleted"
TYPES = (*ENTRY_EVENTS, *ASSET_EVENTS, CONTENT_TYPE_DELETED)
PAGE = 100  # items a page, Contentstack's
SIGNATURE_BYTES = 16


@dataclass(frozen=True)
class Filters:
    """What a sync asks for: `types` (a subset of TYPES), and optionally one content type
    (`sys_assets`: assets only), one locale, and publications from a time on."""

    types: frozenset[str]
    content_type: str = ""
    locale: str = ""
    start: str = ""

    def entries(self) -> bool:
        return self.content_type != ASSET_CONTENT_TYPE

    def assets(self) -> bool:
        return self.content_type in ("", ASSET_CONTENT_TYPE)

    def event_types(self) -> list[str]:
        """The entry and asset event types a sync with these filters reports."""
        kinds = (ENTRY_EVENTS if self.entries() else ()) + (ASSET_EVENTS if self.assets() else ())
        return [kind for kind in kinds if kind in self.types]


@dataclass(frozen=True)
class Cursor:
    """Where a sync stands (see the module's docstring)."""

    stack: str
    environment: str
    types: tuple[str, ...]
    content_type: str
    locale: str
    start: str
    phase: str  # "init" | "delta"
    after: int
    cap: int = 0
    events: int = 0  # init: the event log's mark the sync token resumes from
    skip: int = 0
    total: int = 0
    limit: int = PAGE
    more: bool = False  # a pagination token (pages left), else a sync token

    def filters(self) -> Filters:
        return Filters(frozenset(self.types), self.content_type, self.locale, self.start)

    def page(self, after: int, served: int) -> Cursor:
        """The cursor of the next page of this sync."""
        return replace(self, after=after, skip=self.skip + served, more=True)

    def finished(self, events: int) -> Cursor:
        """The sync token a finished sync answers: events after `events`, from the first."""
        return replace(
            self, phase="delta", after=events, cap=0, events=0, skip=0, total=0, more=False
        )


def encode(cursor: Cursor, key: bytes) -> str:
    payload = base64.urlsafe_b64encode(orjson.dumps(asdict(cursor))).rstrip(b"=")
    return (payload + b"." + _signature(payload, key)).decode()


def decode(token: str, key: bytes, name: str) -> Cursor:
    """The cursor a token holds; a 422 naming the parameter `name` when it was not made here."""
    payload, _, signature = token.encode(errors="replace").partition(b".")
    if not payload or not hmac.compare_digest(signature, _signature(payload, key)):
        raise invalid_token(name)
    try:
        fields = orjson.loads(base64.urlsafe_b64decode(payload + b"=" * (-len(payload) % 4)))
        fields["types"] = tuple(fields["types"])
        return Cursor(**fields)
    except (binascii.Error, orjson.JSONDecodeError, TypeError, KeyError):
        raise invalid_token(name) from None


def _signature(payload: bytes, key: bytes) -> bytes:
    digest = hmac.new(key, payload, hashlib.sha256).digest()[:SIGNATURE_BYTES]
    return base64.urlsafe_b64encode(digest).rstrip(b"=")


def invalid_token(name: str) -> ValidationFailed:
    return ValidationFailed(
        f"The {name.replace('_', ' ')} is not valid or has expired. Start a new sync with "
        "init=true.",
        {name: ["is not valid."]},
        error_code=141,
    )


def parse_types(value: str | None) -> tuple[str, ...]:
    """`type`: comma-separated sync types (all of them when absent)."""
    if not value:
        return TYPES
    asked = [kind.strip() for kind in value.split(",") if kind.strip()]
    unknown = [kind for kind in asked if kind not in TYPES]
    if unknown or not asked:
        raise ValidationFailed(
            "The type parameter is not valid.",
            {"type": [f"must be among {', '.join(TYPES)}."]},
            error_code=141,
        )
    return tuple(kind for kind in TYPES if kind in asked)


def parse_start(value: str | None) -> str:
    """`start_from`: an ISO 8601 date or time (UTC when it names no zone), as the timestamps
    publications are stored with, for comparing them as text."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value.strip())
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return ids.format_time(moment.astimezone(UTC))
    except (ValueError, OverflowError):  # not a date, or one UTC cannot hold (year 1, +01:00)
        raise ValidationFailed(
            "The start_from parameter is not a valid ISO 8601 date.",
            {"start_from": ["is not a valid ISO 8601 date."]},
            error_code=141,
        ) from None


def parse_limit(value: str | None) -> int:
    """`limit`: items a page, at most (and by default) 100."""
    if value is None or value == "":
        return PAGE
    try:
        limit = int(value)
    except ValueError:
        limit = 0
    if limit < 1:
        raise ValidationFailed(
            "The limit parameter is not valid.",
            {"limit": ["must be a whole number from 1 to 100."]},
            error_code=141,
        )
    return min(limit, PAGE)


def item_head(kind: str, event_at: str, content_type: str) -> dict[str, Any]:
    """An item's fields besides `data`, in Contentstack's order."""
    return {"type": kind, "event_at": event_at, "content_type_uid": content_type}
