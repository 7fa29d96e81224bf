"""Webhooks, the pure part (docs/webhooks.md): which channels an event fires, what a webhook
definition may hold, the body sent, its signature, and when a failed send is tried again.

Pure: no I/O, no clock. The services (`services/webhooks.py`, `services/webhook_sender.py`) load
events and documents, call these, and write what they return.

Channels are Contentstack's names (`content_types.entries.publish`,
`content_types.{ct}.entries.{uid}.update`, `assets.publish`, ...). An event fires a set of channels
(`channels_of`); a webhook gets the event when one of its channels is in that set. That keeps the
matching a set intersection, and the table of channels in docs/webhooks.md the whole truth.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from veneer.errors import ValidationFailed

ENTRY_ACTIONS = ("create", "update", "delete", "publish", "unpublish")
PUBLISHING = ("publish", "unpublish")
# Contentstack's retry back-off: after the 1st, 2nd, 3rd and 4th failed attempt, wait base × 5^n
# seconds (5, 25, 125, 625 with the default base of 5); after the 5th, the delivery has failed.
ATTEMPTS = 5
MASK = "********"  # how a stored basic-auth password is shown (Contentstack shows the same)
SIGNATURE_HEADER = "X-Veneer-Signature"
DELIVERY_HEADER = "X-Veneer-Delivery"
USER_AGENT = "Contentstack"  # what Contentstack's own webhook requests carry
# Headers Veneer sets itself: a custom header may not replace them.
RESERVED_HEADERS = frozenset(
    {
        "authorization",
        "connection",
        "content-length",
        "content-type",
        "host",
        "transfer-encoding",
        "user-agent",
        SIGNATURE_HEADER.lower(),
        DELIVERY_HEADER.lower(),
    }
)
HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$")
MAX_DESTINATIONS = 10
MAX_CHANNELS = 200
MAX_HEADERS = 20

# -- channels ------------------------------------------------------------------------------------
_SEG = r"[A-Za-z0-9_-]+"
_ENV = r"[^.\s]+"
_ACT = "(create|update|delete|publish|unpublish)"
_ONE = "(update|delete|publish|unpublish)"
_PUB = "(publish|unpublish)"
CHANNEL_PATTERNS = tuple(
    re.compile(f"^{pattern}$")
    for pattern in (
        r"content_types\.(create|update|delete)",
        rf"content_types\.{_SEG}\.(update|delete)",
        rf"content_types\.entries\.{_ACT}",
        rf"content_types\.{_SEG}\.entries\.{_ACT}",
        rf"content_types\.{_SEG}\.entries\.{_SEG}\.{_ONE}",
        rf"content_types\.entries\.variants\.{_PUB}",
        rf"content_types\.{_SEG}\.entries\.variants\.{_PUB}",
        rf"content_types\.{_SEG}\.entries\.{_SEG}\.variants\.{_PUB}",
        rf"content_types\.entries\.environments\.{_ENV}\.{_PUB}\.success",
        rf"content_types\.{_SEG}\.entries\.environments\.{_ENV}\.{_PUB}\.success",
        rf"assets\.{_ACT}",
        rf"assets\.{_SEG}\.{_ONE}",
        rf"assets\.environments\.{_ENV}\.{_PUB}\.success",
    )
)


def valid_channel(name: str) -> bool:
    """Whether `name` is a channel some event can fire."""
    return any(pattern.match(name) for pattern in CHANNEL_PATTERNS)


@dataclass(frozen=True)
class Happening:
    """What a webhook is told of one event: the module it is about (`entry`, `asset`,
    `content_type`) and Contentstack's event name (`create`, ..., `publish`, `unpublish`)."""

    module: str
    action: str


def happening(event_type: str, environment: str) -> Happening:
    """The module and action of an event type (store/events.py). A published entry or asset that
    is deleted leaves its environments: in one (`environment` set), that is an unpublish."""
    module, _, kind = event_type.rpartition("_")
    action = {
        "created": "create",
        "updated": "update",
        "deleted": "delete",
        "published": "publish",
        "unpublished": "unpublish",
    }[kind]
    if action == "delete" and environment:
        action = "unpublish"
    return Happening(module, action)


def channels_of(
    what: Happening,
    *,
    content_type: str = "",
    uid: str = "",
    variant: str = "",
    environments: tuple[str, ...] = (),
) -> frozenset[str]:
    """Every channel an event fires. `environments`: the uid and the name of the environment of a
    publish or unpublish (either may name it in a channel)."""
    if what.module == "content_type":
        named = [f"content_types.{content_type}.{what.action}"] if what.action != "create" else []
        return frozenset([f"content_types.{what.action}", *named])
    if what.module == "asset":
        return frozenset(_asset_channels(what.action, uid, environments))
    return frozenset(_entry_channels(what.action, content_type, uid, variant, environments))


def _asset_channels(action: str, uid: str, environments: tuple[str, ...]) -> list[str]:
    out = [f"assets.{action}"]
    if action != "create":
        out.append(f"assets.{uid}.{action}")
    if action in PUBLISHING:
        out += [f"assets.environments.{env}.{action}.success" for env in environments]
    return out


def _entry_channels(
    action: str, ct: str, uid: str, variant: str, environments: tuple[str, ...]
) -> list[str]:
    if variant:
        return [
            f"content_types.entries.variants.{action}",
            f"content_types.{ct}.entries.variants.{action}",
            f"content_types.{ct}.entries.{uid}.variants.{action}",
        ]
    out = [f"content_types.entries.{action}", f"content_types.{ct}.entries.{action}"]
    if action != "create":
        out.append(f"content_types.{ct}.entries.{uid}.{action}")
    if action in PUBLISHING:
        for env in environments:
            out.append(f"content_types.entries.environments.{env}.{action}.success")
            out.append(f"content_types.{ct}.entries.environments.{env}.{action}.success")
    return out


# -- the body sent -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Subject:
    """The documents an event is about, as the dispatcher found them: the event's own document,
    the content type (entries), the environment (publishing), the locale, the variant."""

    doc: dict[str, Any]
    content_type: dict[str, Any] | None = None
    environment: dict[str, Any] | None = None
    locale: str = ""
    variant: str = ""


def body(
    api_key: str, what: Happening, subject: Subject, triggered_at: str, *, concise: bool
) -> dict[str, Any]:
    """The JSON a webhook receives, in Contentstack's shape: `{module, api_key, data, event,
    triggered_at}`. `concise`: the documents reduced to their identifiers."""
    return {
        "module": what.module,
        "api_key": api_key,
        "data": _data(what, subject, concise),
        "event": what.action,
        "triggered_at": triggered_at,
    }


def _data(what: Happening, subject: Subject, concise: bool) -> dict[str, Any]:
    if what.module == "content_type":
        return {"content_type": _brief(subject.doc, ("uid", "title")) if concise else subject.doc}
    data: dict[str, Any] = {}
    if what.module == "asset":
        data["asset"] = _brief(subject.doc, ("uid", "_version")) if concise else subject.doc
    else:
        entry = _brief(subject.doc, ("uid", "locale", "_version")) if concise else subject.doc
        data["entry"] = entry
        ct = subject.content_type or {}
        data["content_type"] = _brief(ct, ("uid", "title")) if concise else ct
    if subject.variant:
        data["variant"] = {"uid": subject.variant}
    if subject.environment is not None:
        env = subject.environment
        data["environment"] = _brief(env, ("uid", "name")) if concise else env
        data["action"] = what.action
        data["status"] = "success"
    if subject.locale:
        data["locale"] = subject.locale
    return data


def _brief(doc: Mapping[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {key: doc[key] for key in keys if key in doc}


# -- signing and retrying ------------------------------------------------------------------------
def signature(secret: str, payload: bytes) -> str:
    """The signature header's value: `sha256=` and the hex HMAC-SHA256 of the exact body bytes."""
    return "sha256=" + hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()


def retry_delay(failed_attempts: int, base: float) -> float | None:
    """Seconds to wait after the `failed_attempts`-th failed attempt of a round (1-based), or None
    when the round is over: base × 5^(n-1), so 5, 25, 125, 625 s with base 5."""
    if failed_attempts >= ATTEMPTS:
        return None
    return float(base * 5 ** (failed_attempts - 1))


def basic_auth(user: str, password: str) -> str:
    """The Authorization header of HTTP basic auth."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


# -- definitions ---------------------------------------------------------------------------------
FIELDS = ("name", "destinations", "channels", "retry_policy", "disabled", "concise_payload")


def definition(
    given: Mapping[str, Any], current: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """A webhook definition from a create (`current` None) or update body: what it sets, checked,
    over what `current` holds. A destination's password sent back masked keeps the stored one."""
    base = dict(current or {})
    errors: dict[str, list[str]] = {}
    checks = {
        "name": _name,
        "destinations": lambda v: _destinations(v, base.get("destinations", [])),
        "channels": _channels,
        "retry_policy": _retry_policy,
        "disabled": _flag,
        "concise_payload": _flag,
        "branches": _branches,
        "notifiers": _notifiers,
    }
    for field, check in checks.items():
        if field not in given:
            continue
        problem, value = check(given[field])
        if problem:
            errors[field] = [problem]
        else:
            base[field] = value
    for field in ("name", "destinations", "channels"):
        if field not in base and field not in errors:
            errors[field] = ["is required."]
    if errors:
        verb = "update" if current is not None else "creation"
        raise ValidationFailed(f"Webhook {verb} failed. Please enter valid data.", errors)
    base.setdefault("retry_policy", "manual")
    base.setdefault("disabled", False)
    base.setdefault("concise_payload", False)
    base.setdefault("branches", ["main"])
    return base


Check = tuple[str | None, Any]


def _name(value: Any) -> Check:
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        return "must be a text of 1 to 200 characters.", None
    return None, value


def _flag(value: Any) -> Check:
    return (None, value) if isinstance(value, bool) else ("must be true or false.", None)


# `automatic` is the name Contentstack's own SDK tests send; `auto`, Veneer's first spelling, stays.
RETRY_POLICIES = ("manual", "automatic", "auto")


def _retry_policy(value: Any) -> Check:
    if value not in RETRY_POLICIES:
        return "must be manual or automatic.", None
    return None, value


def _branches(value: Any) -> Check:
    if not isinstance(value, list) or any(b not in ("main", "*") for b in value):
        return "can only name main, the one branch of a Veneer stack.", None
    return None, ["main"]


def _notifiers(value: Any) -> Check:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return "must be a list of email addresses.", None
    return None, value


def _channels(value: Any) -> Check:
    if not isinstance(value, list) or not value or len(value) > MAX_CHANNELS:
        return f"must be a list of 1 to {MAX_CHANNELS} channels.", None
    unknown = [c for c in value if not isinstance(c, str) or not valid_channel(c)]
    if unknown:
        return f"names no channel Veneer knows: {unknown[0]!r} (see docs/webhooks.md).", None
    return None, list(dict.fromkeys(value))


def _destinations(value: Any, stored: list[dict[str, Any]]) -> Check:
    if not isinstance(value, list) or not value or len(value) > MAX_DESTINATIONS:
        return f"must be a list of 1 to {MAX_DESTINATIONS} destinations.", None
    out = []
    for i, item in enumerate(value):
        before = stored[i] if i < len(stored) else {}
        problem, destination = _destination(item, before)
        if problem:
            return f"[{i}]: {problem}", None
        out.append(destination)
    return None, out


def _destination(item: Any, before: Mapping[str, Any]) -> Check:
    if not isinstance(item, dict):
        return "must be an object with a target_url.", None
    url = item.get("target_url")
    if not isinstance(url, str) or not _http_url(url):
        return "target_url must be an http:// or https:// URL.", None
    user = item.get("http_basic_auth") or ""
    password = item.get("http_basic_password") or ""
    if not isinstance(user, str) or not isinstance(password, str) or ":" in user:
        return "http_basic_auth and http_basic_password must be texts (no ':' in the user).", None
    if password == MASK:
        password = before.get("http_basic_password", "")
    problem, headers = _headers(item.get("custom_header") or [])
    if problem:
        return problem, None
    return None, {
        "target_url": url,
        "http_basic_auth": user,
        "http_basic_password": password,
        "custom_header": headers,
    }


def _http_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and len(url) <= 2048


def _headers(value: Any) -> Check:
    if not isinstance(value, list) or len(value) > MAX_HEADERS:
        return f"custom_header must be a list of at most {MAX_HEADERS} headers.", None
    out = []
    for header in value:
        if not isinstance(header, dict):
            return "each custom_header must be {header_name, value}.", None
        name, text = header.get("header_name", ""), header.get("value", "")
        if name == "" and text == "":
            continue  # Contentstack's own form sends an empty row
        if not isinstance(name, str) or not HEADER_NAME.match(name):
            return f"header_name {name!r} is not a valid HTTP header name.", None
        if name.lower() in RESERVED_HEADERS:
            return f"header_name {name!r} is set by Veneer itself.", None
        if not isinstance(text, str) or any(c in text for c in "\r\n\x00"):
            return f"the value of {name} must be text on one line.", None
        out.append({"header_name": name, "value": text})
    return None, out


def shown(doc: Mapping[str, Any]) -> dict[str, Any]:
    """A definition as the API shows it: passwords masked."""
    destinations = [
        {**d, "http_basic_password": MASK if d.get("http_basic_password") else ""}
        for d in doc.get("destinations", [])
    ]
    return {**doc, "destinations": destinations}
