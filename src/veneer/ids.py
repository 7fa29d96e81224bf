"""Identifiers and time, in Contentstack's formats (semantics §1). The only impure helpers that
services pass into the pure domain."""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from datetime import UTC, datetime
from typing import Any

# An ISO 8601 date, or date-time with an optional offset: what a token's `expires_on` may hold.
EXPIRY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[T ][0-9:.]+(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?")


def blt() -> str:
    """Stack api keys, entries, users, environments, locales: ``blt`` + 16 hex."""
    return "blt" + secrets.token_hex(8)


def instance_uid() -> str:
    """Entry-variant instance uid (``_variant._instance_uid``): ``blt`` + 20 hex."""
    return "blt" + secrets.token_hex(10)


def cs() -> str:
    """Variants, variant groups, group/block instances (``_metadata.uid``): ``cs`` + 16 hex."""
    return "cs" + secrets.token_hex(8)


def token() -> str:
    """Secrets handed to clients (authtokens, management and delivery tokens): ``cs`` + 24 hex."""
    return "cs" + secrets.token_hex(12)


def job_id() -> str:
    return str(uuid.uuid4())


def token_hash(secret: str) -> str:
    """Tokens are 96 random bits, so a fast hash is enough to keep them unreadable at rest."""
    return hashlib.sha256(secret.encode()).hexdigest()


def now() -> str:
    """ISO-8601 UTC with milliseconds: ``2024-09-06T13:30:23.305Z``."""
    return format_time(datetime.now(UTC))


def format_time(moment: datetime) -> str:
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def expired(expires_on: Any) -> bool:
    """Whether a token's stored `expires_on` has passed (None or "": it never expires). A value that
    is no date at all (`0`, `"yesterday"`, stored before expiries were checked) has expired: it
    was meant to end, and no one can say when."""
    if expires_on is None or expires_on == "":
        return False
    if not isinstance(expires_on, str) or not EXPIRY.fullmatch(expires_on):
        return True
    return expires_on < now()[: len(expires_on)]


def derived(*parts: str) -> str:
    """A stable ``blt`` uid for what Veneer answers without storing it (a stack's built-in roles):
    the same parts always give the same uid."""
    return "blt" + hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:16]
