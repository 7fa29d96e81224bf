"""Documents that more than one operation builds."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from veneer import ids
from veneer.domain import schema as domain_schema
from veneer.domain.patches import compile_patch
from veneer.errors import ValidationFailed
from veneer.services import loaders
from veneer.services.context import Actor
from veneer.store import Transaction

LOCALE_NAMES = {
    "en-us": "English - United States",
    "fr-fr": "French - France",
    "de-de": "German - Germany",
    "es-es": "Spanish - Spain",
    "en-gb": "English - United Kingdom",
    "it-it": "Italian - Italy",
    "ja-jp": "Japanese - Japan",
    "pt-br": "Portuguese - Brazil",
    "fr-ca": "French - Canada",
}


def locale_doc(
    uid: str, code: str, name: str, fallback: str | None, user: str, now: str
) -> dict[str, Any]:
    """A new locale (a stack's master locale, or one added later)."""
    return {
        "code": code,
        "name": name,
        "fallback_locale": fallback,
        "uid": uid,
        "created_by": user,
        "updated_by": user,
        "created_at": now,
        "updated_at": now,
        "ACL": [],
        "_version": 1,
    }


# -- entries -----------------------------------------------------------------------------------
SYSTEM_FIELDS = (
    "uid",
    "locale",
    "_version",
    "created_at",
    "created_by",
    "updated_at",
    "updated_by",
    "tags",
    "ACL",
    "_in_progress",
    "publish_details",
    "_variant",
    "_metadata",
)


def body_entry(body: Any) -> dict[str, Any]:
    """The `entry` object of a create or update body."""
    entry = body.get("entry") if isinstance(body, dict) else None
    if not isinstance(entry, dict):
        raise ValidationFailed(
            "The request body must hold an 'entry' object.", {"entry": ["is required."]}
        )
    return entry


def entry_fields(schema_fields: list[dict[str, Any]], body: dict[str, Any]) -> dict[str, Any]:
    """The entry's schema fields, validated and cleaned (422 naming every problem)."""
    fields = domain_schema.validate_entry(schema_fields, body, new_uid=ids.cs)
    return {k: v for k, v in fields.items() if k not in SYSTEM_FIELDS}


def entry_tags(body: dict[str, Any], previous: dict[str, Any] | None) -> list[str]:
    tags = body.get("tags", previous.get("tags", []) if previous else [])
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise ValidationFailed(
            "Entry creation failed. Please enter valid data.",
            {"tags": ["must be a list of strings."]},
        )
    return tags


def new_entry(
    schema_fields: list[dict[str, Any]], entry: dict[str, Any], locale: str, user: str, now: str
) -> dict[str, Any]:
    """Version 1 of a new entry, as a create writes it."""
    return {
        **entry_fields(schema_fields, entry),
        "tags": entry_tags(entry, None),
        "locale": locale,
        "uid": ids.blt(),
        "created_by": user,
        "updated_by": user,
        "created_at": now,
        "updated_at": now,
        "ACL": {},
        "_version": 1,
        "_in_progress": False,
    }


# -- entry variants ----------------------------------------------------------------------------
def variant_submission(body: Any) -> dict[str, Any]:
    """The `entry` object of an entry variant's create or update body."""
    entry = body.get("entry") if isinstance(body, Mapping) else None
    if not isinstance(entry, dict) or not isinstance(entry.get("_variant"), dict):
        raise ValidationFailed(
            "The request body must hold an 'entry' object with a '_variant' object.",
            {"entry._variant": ["is required."]},
        )
    return entry


def variant_system(
    previous: dict[str, Any] | None,
    base: dict[str, Any],
    variant: str,
    user: str,
    submitted: dict[str, Any],
    now: str,
) -> dict[str, Any]:
    """The system fields of an entry variant's next version (`previous`: None for its first)."""
    old: dict[str, Any] = (
        previous["system"]
        if previous
        else {
            "created_at": now,
            "created_by": user,
            "_version": 0,
            "instance_uid": ids.instance_uid(),
            "tags": [],
        }
    )
    tags = submitted.get("tags", old.get("tags", []))
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise ValidationFailed("Please enter valid data.", {"tags": ["must be a list of strings."]})
    return {
        **old,
        "uid": base["uid"],
        "locale": base["locale"],
        "variant": variant,
        "tags": tags,
        "_version": old["_version"] + 1,
        "updated_at": now,
        "updated_by": user,
        "base_entry_version": base["_version"],
    }


# -- publications ------------------------------------------------------------------------------
def published(
    doc: dict[str, Any], environment: str, locale: str, user: str, now: str
) -> dict[str, Any]:
    """The ready-to-serve document of a publish: the document and where, when and by whom."""
    return {
        **doc,
        "publish_details": {
            "environment": environment,
            "locale": locale,
            "time": now,
            "user": user,
        },
    }


def variant_publication(
    schema_fields: list[dict[str, Any]], uid: str, stored: dict[str, Any], variant: dict[str, Any]
) -> dict[str, Any]:
    """What publishing an entry variant serves (before `published` adds its details): the patch
    delivery applies over the published base entry."""
    doc = {
        "uid": uid,
        "_variant_uid": variant["uid"],
        "_version": stored["system"]["_version"],
        "locale": stored["system"]["locale"],
        "patch": compile_patch(schema_fields, stored, variant["uid"]),
    }
    if variant.get("alias"):
        doc["alias"] = variant["alias"]
    return doc


def moment(raw: Any, problems: dict[str, list[str]]) -> str | None:
    """`scheduled_at` in the stored format (UTC, milliseconds), which compares as text; a time
    without a zone is UTC. None when absent or empty."""
    if raw is None or raw == "":
        return None
    try:
        moment = datetime.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        moment = None
    if moment is None:
        problems["scheduled_at"] = ["must be a date and time such as 2026-01-31T09:00:00.000Z."]
        return None
    return ids.format_time(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


@dataclass(frozen=True)
class Target:
    """One place a publish reaches: an environment (uid) and a locale."""

    environment: str
    locale: str


def publish_targets(
    tx: Transaction, stack: dict[str, Any], environments: Sequence[str], codes: Sequence[str]
) -> list[Target]:
    """Every (environment, locale) pair of a publish, environments by name or uid (141 for an
    unknown one), locales checked to be the stack's."""
    env_uids = []
    for name in environments:
        env = tx.environments.find(stack["api_key"], name)
        if env is None:
            raise ValidationFailed(
                f"The environment '{name}' doesn't exist.",
                {"environments": [f"'{name}' is not valid."]},
                error_code=141,
            )
        env_uids.append(env["uid"])
    for code in codes:
        loaders.entry_locale(tx, stack, code)
    return [Target(env, code) for env in dict.fromkeys(env_uids) for code in dict.fromkeys(codes)]


def schedule(
    tx: Transaction,
    stack: str,
    actor: Actor,
    job: str,
    payload: dict[str, Any],
    run_at: str,
    *,
    unpublish: bool,
) -> None:
    """Queue a publish (or unpublish) job; `payload` says what it publishes."""
    tx.jobs.add(
        job,
        stack,
        "unpublish" if unpublish else "publish",
        {**payload, "unpublish": unpublish, "actor": {"kind": actor.kind, "uid": actor.uid}},
        run_at=run_at,
        created_by=actor.uid,
        created_at=ids.now(),
        subject=str(payload.get("entry") or payload.get("asset") or ""),
    )
