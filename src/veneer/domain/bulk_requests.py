"""The bodies of Contentstack's bulk operations (`POST /v3/bulk/publish|unpublish|delete`), read
and checked before anything is looked up: their shape and the per-request limits Contentstack
documents (10 entries and assets in 10 locales on 10 environments for a publish or unpublish, 100
for a delete). Pure: docs/bulk-operations.md says what each key means."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from veneer.errors import ValidationFailed

MAX_PUBLISH_ITEMS = 10  # entries and assets of one bulk publish or unpublish
MAX_LOCALES = 10
MAX_ENVIRONMENTS = 10
MAX_DELETE_ITEMS = 100

Problems = dict[str, list[str]]


@dataclass(frozen=True)
class EntryItem:
    uid: str
    content_type: str
    locale: str | None  # the source locale (None: the master locale)
    version: int | None
    # `variants` and `variant_rules`, as `POST …/entries/{uid}/publish` takes them, as JSON text
    # (the item stays a plain value): "" when the item names none.
    variant_keys: str = ""


@dataclass(frozen=True)
class AssetItem:
    uid: str
    version: int | None


@dataclass(frozen=True)
class BulkRequest:
    entries: tuple[EntryItem, ...]
    assets: tuple[AssetItem, ...]
    environments: tuple[str, ...] = ()
    locales: tuple[str, ...] = ()
    scheduled_at: Any = None


def parse_publish(body: dict[str, Any]) -> BulkRequest:
    """A bulk publish or unpublish: `entries` (or `items`, the nested flow's name), `assets`,
    `environments` (names or uids) and `locales`; every problem named at once."""
    problems: Problems = {}
    entries, assets = _items(body, problems, MAX_PUBLISH_ITEMS)
    environments = _names(body, "environments", MAX_ENVIRONMENTS, problems, required=True)
    locales = _names(body, "locales", MAX_LOCALES, problems, required=False)
    if problems:
        raise ValidationFailed("Bulk publishing failed. Please enter valid data.", problems)
    return BulkRequest(
        entries,
        assets,
        tuple(dict.fromkeys(environments)),
        tuple(dict.fromkeys(code.lower() for code in locales)),
        body.get("scheduled_at"),
    )


def parse_delete(body: dict[str, Any]) -> BulkRequest:
    """A bulk delete: `entries` ({content_type, uid, locale}) and `assets` ({uid})."""
    problems: Problems = {}
    entries, assets = _items(body, problems, MAX_DELETE_ITEMS)
    if problems:
        raise ValidationFailed("Bulk deletion failed. Please enter valid data.", problems)
    return BulkRequest(entries, assets)


def _items(
    body: dict[str, Any], problems: Problems, limit: int
) -> tuple[tuple[EntryItem, ...], tuple[AssetItem, ...]]:
    raw_entries = body.get("entries", body.get("items"))
    raw_entries = [] if raw_entries is None else raw_entries
    raw_assets = [] if body.get("assets") is None else body["assets"]
    for key, raw in (("entries", raw_entries), ("assets", raw_assets)):
        if not isinstance(raw, list):
            problems[key] = ["must be a list."]
    if problems:
        return (), ()
    entries = [_entry(n, raw, problems) for n, raw in enumerate(raw_entries)]
    assets = [_asset(n, raw, problems) for n, raw in enumerate(raw_assets)]
    if not raw_entries and not raw_assets:
        problems["entries"] = ["Name at least one entry or asset."]
    if len(raw_entries) + len(raw_assets) > limit:
        problems["entries"] = [f"A bulk request takes at most {limit} entries and assets."]
    # Kept in the request's order, repeats too: problems name items by their position.
    return (
        tuple(e for e in entries if e is not None),
        tuple(a for a in assets if a is not None),
    )


def _entry(n: int, raw: Any, problems: Problems) -> EntryItem | None:
    where = f"entries.{n}"
    if not isinstance(raw, dict):
        problems[where] = ["must be an object with uid, content_type and locale."]
        return None
    uid = raw.get("uid")
    ct = raw.get("content_type", raw.get("_content_type_uid", raw.get("content_type_uid")))
    locale = raw.get("locale")
    version = _version(raw.get("version"))
    wrong = [
        message
        for message, bad in (
            ("uid must be an entry uid.", not _text(uid)),
            ("content_type must be a content type uid.", not _text(ct)),
            ("locale must be a locale code.", locale not in (None, "") and not _text(locale)),
            ("version must be a version number.", version is False),
        )
        if bad
    ]
    if wrong:
        problems[where] = wrong
        return None
    return EntryItem(
        str(uid),
        str(ct),
        str(locale).lower() if locale else None,
        version if isinstance(version, int) else None,
        _variant_keys(raw),
    )


def _variant_keys(raw: dict[str, Any]) -> str:
    keys = {key: raw[key] for key in ("variants", "variant_rules") if raw.get(key) is not None}
    return json.dumps(keys, sort_keys=True) if keys else ""


def _asset(n: int, raw: Any, problems: Problems) -> AssetItem | None:
    uid = raw.get("uid") if isinstance(raw, dict) else None
    version = _version(raw.get("version")) if isinstance(raw, dict) else None
    if not _text(uid) or version is False:
        problems[f"assets.{n}"] = ["must be {uid, version?} with an asset uid."]
        return None
    return AssetItem(str(uid), version if isinstance(version, int) else None)


def _names(
    body: dict[str, Any], key: str, limit: int, problems: Problems, *, required: bool
) -> list[str]:
    raw = body.get(key)
    if raw is None and not required:
        return []
    if not isinstance(raw, list) or not all(_text(each) for each in raw) or (required and not raw):
        what = "environment names or uids" if key == "environments" else "locale codes"
        problems[key] = [f"must be a {'non-empty ' if required else ''}list of {what}."]
        return []
    if len(raw) > limit:
        problems[key] = [f"A bulk request takes at most {limit} {key}."]
    return [str(each) for each in raw]


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _version(raw: Any) -> int | None | bool:
    """A version number (an integer or its digits), None when absent, False when not one."""
    if raw in (None, ""):
        return None
    if isinstance(raw, bool):
        return False
    if isinstance(raw, int):
        return raw if raw > 0 else False
    if isinstance(raw, str) and raw.isdecimal() and int(raw) > 0:
        return int(raw)
    return False
