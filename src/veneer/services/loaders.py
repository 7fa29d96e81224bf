"""What the operations load before they act: each loader finds one thing in a transaction or
raises the error the API answers with. Operations import these; no operation imports another."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

from veneer.errors import NotFoundObject, StaleVersion, ValidationFailed
from veneer.store import Transaction

ENTRY_NOT_FOUND = "The requested object doesn't exist."
CONTENT_TYPE_NOT_FOUND = "The Content Type '{uid}' was not found. Please try again."


def content_type(tx: Transaction, stack: str, uid: str) -> dict[str, Any]:
    doc = tx.content_types.get(stack, uid)
    if doc is None:
        raise NotFoundObject(
            CONTENT_TYPE_NOT_FOUND.format(uid=uid), {"uid": ["is not valid."]}, error_code=118
        )
    return doc


def entry_locale(tx: Transaction, stack: dict[str, Any], locale: str | None) -> str:
    """The locale a request names (the master locale when it names none), if the stack has it."""
    code = (locale or stack["master_locale"]).lower()
    if tx.locales.get(stack["api_key"], code) is None:
        raise ValidationFailed(
            f"The locale '{code}' is not added to this stack.",
            {"locale": ["is not valid."]},
            error_code=161,
        )
    return code


def entry_not_found(uid: str) -> NotFoundObject:
    return NotFoundObject(ENTRY_NOT_FOUND, {"uid": [f"'{uid}' is not valid."]})


def latest_entry(
    tx: Transaction, stack: str, ct: str, uid: str, locale: str, *, fallback: bool = True
) -> dict[str, Any]:
    """The latest version of an entry in `locale`, or (with `fallback`) along its fallback chain."""
    for code in tx.locales.chain(stack, locale) if fallback else [locale]:
        doc = tx.entries.latest(stack, ct, uid, code)
        if doc is not None:
            return doc
    raise entry_not_found(uid)


def entry_version(
    tx: Transaction, stack: str, ct: str, uid: str, locale: str, version: int | None
) -> dict[str, Any]:
    """One version of an entry as a read in `locale` finds it (None: the latest)."""
    doc = latest_entry(tx, stack, ct, uid, locale)
    if version is None or version == doc["_version"]:
        return doc
    # Versions run from 1 to the latest: anything else is absent (and may not fit the column).
    old = (
        tx.entries.version(stack, uid, doc["locale"], version)
        if 0 < version < doc["_version"]
        else None
    )
    if old is None:
        raise NotFoundObject(
            f"Version {version} of this entry doesn't exist.", {"version": ["is not valid."]}
        )
    return old


def check_version(stored: int, expected: int | None) -> None:
    """Refuse a write made from another version than the stored one (None: no check)."""
    if expected is not None and expected != stored:
        raise StaleVersion(errors={"_version": [f"is {stored}; the request expected {expected}."]})


def stated_version(doc: Mapping[str, Any]) -> int | None:
    """The `_version` a write's body carries (the version its client read), when it is a number:
    a write from an older one is refused like a stale `If-Match` (`check_version`)."""
    value = doc.get("_version")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def variant(tx: Transaction, stack: str, ref: str) -> dict[str, Any]:
    """A variant by uid or alias."""
    doc = tx.variants.find(stack, unicodedata.normalize("NFC", ref))  # aliases are kept NFC
    if doc is None:
        raise NotFoundObject(errors={"variant": [f"'{ref}' does not exist."]})
    return doc


def variant_group(tx: Transaction, stack: str, uid: str) -> dict[str, Any]:
    doc = tx.variant_groups.get(stack, uid)
    if doc is None:
        raise NotFoundObject(errors={"variant_group": [f"'{uid}' does not exist."]})
    return doc


def linked(group: dict[str, Any], ct_uid: str) -> bool:
    """Whether a variant group is linked to a content type (new entry variants may be made)."""
    return any(c["uid"] == ct_uid and c["status"] == "linked" for c in group["content_types"])


def check_linked(tx: Transaction, stack: str, ct_uid: str, variant: dict[str, Any]) -> None:
    """Refuse a new entry variant of a variant whose group is not linked to the content type."""
    group_uid = variant.get("variant_group_uid")
    group = tx.variant_groups.get(stack, group_uid) if group_uid else None
    if group is None or not linked(group, ct_uid):
        raise ValidationFailed(
            f"The content type '{ct_uid}' is not linked to the variant group of "
            f"'{variant['uid']}'. Link it first.",
            {"variant": ["belongs to no variant group linked to this content type."]},
        )
