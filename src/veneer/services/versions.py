"""Entry versions in the editor (issue 17, Major 7): two versions of an entry, or of an entry
variant, or a variant against its base, side by side; restoring an old version as a new one; and
one field of a variant reverted to (or given back from) another value without the rest of a form.

Every read is keyed: the entry's versions in one locale, one stored entry variant and the two of
its versions compared. A variant version is shown over the latest base entry, as the variant
would serve it if it were restored (its own values; the rest inherited)."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from veneer import ids
from veneer.domain import variant_diff, version_diff
from veneer.domain import variants as domain
from veneer.errors import NotFoundObject, ValidationFailed
from veneer.services import access, entries, entry_variants, loaders
from veneer.services.context import Actor, Services
from veneer.store import Transaction

CONFIRM = "discard"  # what a revert posts as `confirm` once the user agreed to lose nested ones


@dataclass
class Side:
    """One column: which version, what it holds, and (a variant) the top-level fields it
    overrides."""

    label: str
    version: int
    doc: dict[str, Any]
    overrides: set[str] = field(default_factory=set)


@dataclass
class Comparison:
    left: Side
    right: Side
    rows: list[version_diff.Row]
    versions: list[int]  # every version of what is compared, newest first
    latest: int
    base_version: int  # the latest base entry's version (variant versions are shown over it)


def _pick(versions: list[int], a: int | None, b: int | None) -> tuple[int, int]:
    """The versions to compare: by default the latest against the one before it."""
    latest = versions[0]
    b = latest if b is None else b
    a = (b - 1 if b > 1 else b) if a is None else a
    for n in (a, b):
        if n not in versions:
            raise NotFoundObject(f"Version {n} doesn't exist.", {"version": ["is not valid."]})
    return a, b


def compare_entry(
    services: Services,
    actor: Actor,
    api_key: str | None,
    ct_uid: str,
    uid: str,
    locale: str | None,
    a: int | None,
    b: int | None,
) -> Comparison:
    """Versions `a` and `b` of the entry in `locale` (default: the latest and the one before)."""
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, "entry")
        ct = loaders.content_type(tx, stack["api_key"], ct_uid)
        code = loaders.entry_locale(tx, stack, locale)
        latest = loaders.latest_entry(tx, stack["api_key"], ct_uid, uid, code)
        versions = list(range(latest["_version"], 0, -1))
        a, b = _pick(versions, a, b)
        docs = [loaders.entry_version(tx, stack["api_key"], ct_uid, uid, code, n) for n in (a, b)]
    left, right = (Side(f"Version {n}", n, doc) for n, doc in zip((a, b), docs, strict=True))
    rows = version_diff.compare(ct["schema"], left.doc, right.doc)
    return Comparison(left, right, rows, versions, latest["_version"], latest["_version"])


@dataclass
class _Variant:
    schema: list[Any]
    base: dict[str, Any]
    latest: dict[str, Any]
    variant: dict[str, Any]


def _variant(
    tx: Transaction, stack: dict[str, Any], ct_uid: str, uid: str, ref: str, locale: str | None
) -> _Variant:
    """The schema, the latest base entry in `locale` itself, and the stored entry variant."""
    ct = loaders.content_type(tx, stack["api_key"], ct_uid)
    code = loaders.entry_locale(tx, stack, locale)
    base = loaders.latest_entry(tx, stack["api_key"], ct_uid, uid, code, fallback=False)
    variant = loaders.variant(tx, stack["api_key"], ref)
    stored = tx.entry_variants.get(stack["api_key"], uid, code, variant["uid"])
    if stored is None:
        raise NotFoundObject(
            errors={"variant": [f"this entry has no '{ref}' variant in '{code}'."]}
        )
    return _Variant(ct["schema"], base, stored, variant)


def _variant_version(tx: Transaction, stack: str, v: _Variant, n: int) -> dict[str, Any]:
    system = v.latest["system"]
    if n == system["_version"]:
        return v.latest
    found = tx.entry_variants.version(stack, system["uid"], system["locale"], v.variant["uid"], n)
    if found is None:
        raise NotFoundObject(f"Version {n} doesn't exist.", {"version": ["is not valid."]})
    return found


def _shown(v: _Variant, stored: dict[str, Any]) -> Side:
    """A stored variant version as the editor shows it: over the latest base entry."""
    return Side(
        f"{v.variant['name']} version {stored['system']['_version']}",
        stored["system"]["_version"],
        domain.materialize(v.schema, v.base, stored),
        version_diff.top_fields(domain.overridden_paths(stored)),
    )


def compare_variant(
    services: Services,
    actor: Actor,
    api_key: str | None,
    ct_uid: str,
    uid: str,
    variant_ref: str,
    locale: str | None,
    a: int | None,
    b: int | None,
    *,
    against_base: bool = False,
) -> Comparison:
    """Versions `a` and `b` of an entry variant, each over the latest base entry; or, with
    `against_base`, the latest base entry against variant version `b` (default: the latest),
    with the fields the variant overrides marked."""
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, "entry")
        v = _variant(tx, stack, ct_uid, uid, variant_ref, locale)
        latest = v.latest["system"]["_version"]
        versions = tx.entry_variants.versions(
            stack["api_key"], uid, v.base["locale"], v.variant["uid"]
        ) or [latest]
        versions = sorted(set(versions) | {latest}, reverse=True)
        a, b = _pick(versions, a, b)
        right = _shown(v, _variant_version(tx, stack["api_key"], v, b))
        if against_base:
            left = Side(f"Base entry version {v.base['_version']}", v.base["_version"], v.base)
        else:
            left = _shown(v, _variant_version(tx, stack["api_key"], v, a))
    overridden = right.overrides if against_base else set()
    rows = version_diff.compare(v.schema, left.doc, right.doc, overridden)
    if not against_base:  # a variant has no tags of its own
        rows = [row for row in rows if row.uid != version_diff.TAGS]
    return Comparison(left, right, rows, versions, latest, v.base["_version"])


def restore_entry_version(
    services: Services,
    actor: Actor,
    api_key: str | None,
    ct_uid: str,
    uid: str,
    locale: str | None,
    version: int,
    expected_version: int | None,
) -> dict[str, Any]:
    """A new version of the entry in `locale` whose fields and tags are those of `version`;
    refused (StaleVersion) when the latest is not `expected_version`. Returns the latest: no
    new version when it holds that content already."""
    old = entries.get_entry(services, actor, api_key, ct_uid, uid, locale, version)
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, "entry")
        schema = loaders.content_type(tx, stack["api_key"], ct_uid)["schema"]
    body = version_diff.restored_fields(schema, old)
    saved = entries.update_entry(
        services,
        actor,
        api_key,
        ct_uid,
        uid,
        {"entry": body},
        old["locale"],
        expected_version=expected_version,
        skip_unchanged=True,
    )
    return saved


def _store_variant(
    services: Services,
    actor: Actor,
    api_key: str | None,
    ct_uid: str,
    uid: str,
    v: _Variant,
    target: dict[str, Any],
    expected_version: int | None,
) -> dict[str, Any] | None:
    """Save the variant so that it shows `target` (a materialized document over `v.base`),
    sending only what differs from what it shows now; None when nothing does."""
    current = domain.materialize(v.schema, v.base, v.latest)
    sent = variant_diff.submission(v.schema, current, target, v.base, ids.cs)
    if variant_diff.is_empty(sent):
        return None
    saved, _ = entry_variants.upsert(
        services,
        actor,
        api_key,
        ct_uid,
        uid,
        v.variant["uid"],
        {"entry": sent},
        v.base["locale"],
        expected_version=expected_version,
        expected_base_version=v.base["_version"],
    )
    return saved


def restore_variant_version(
    services: Services,
    actor: Actor,
    api_key: str | None,
    ct_uid: str,
    uid: str,
    variant_ref: str,
    locale: str | None,
    version: int,
    expected_version: int | None,
) -> dict[str, Any] | None:
    """A new version of the entry variant whose own values are those of `version` (over the
    latest base entry); None when it holds them already. Refused (StaleVersion) when the latest
    is not `expected_version`, or the base moved while this ran."""
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, "entry")
        v = _variant(tx, stack, ct_uid, uid, variant_ref, locale)
        target = _shown(v, _variant_version(tx, stack["api_key"], v, version)).doc
    return _store_variant(services, actor, api_key, ct_uid, uid, v, target, expected_version)


def revert_field(
    services: Services,
    actor: Actor,
    api_key: str | None,
    ct_uid: str,
    uid: str,
    variant_ref: str,
    locale: str | None,
    path: str,
    expected_version: int | None,
    *,
    confirm: str = "",
) -> dict[str, Any] | None:
    """Revert one field (or list, or instance) of an entry variant to the base entry's value,
    and only that: the variant's other values stay as stored. Reverting a path with overrides
    inside it (a reordered list whose instances have own values) discards them, so it is refused
    (422) unless `confirm` is CONFIRM. None when the field inherits already."""
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, "entry")
        v = _variant(tx, stack, ct_uid, uid, variant_ref, locale)
    nested = version_diff.nested_overrides(domain.overridden_paths(v.latest), path)
    if nested and confirm != CONFIRM:
        raise discards(path, nested)
    target = copy.deepcopy(domain.materialize(v.schema, v.base, v.latest))
    if not variant_diff.revert(v.schema, target, v.base, path):
        raise ValidationFailed(
            "The field was not reverted.",
            {path: ["cannot be reverted: the base entry has no such field."]},
        )
    return _store_variant(services, actor, api_key, ct_uid, uid, v, target, expected_version)


def restore_field(
    services: Services,
    actor: Actor,
    api_key: str | None,
    ct_uid: str,
    uid: str,
    variant_ref: str,
    locale: str | None,
    path: str,
    version: int,
    expected_version: int | None,
) -> dict[str, Any] | None:
    """Undo a revert: give one field of an entry variant back the value variant `version` had
    there (over the latest base entry), leaving its other values as stored."""
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, "entry")
        v = _variant(tx, stack, ct_uid, uid, variant_ref, locale)
        source = _shown(v, _variant_version(tx, stack["api_key"], v, version)).doc
    target = copy.deepcopy(domain.materialize(v.schema, v.base, v.latest))
    if not variant_diff.revert(v.schema, target, source, path):
        raise ValidationFailed(
            "The field was not restored.",
            {path: [f"cannot be restored: version {version} has no such field."]},
        )
    return _store_variant(services, actor, api_key, ct_uid, uid, v, target, expected_version)


def restore_instance(
    services: Services,
    actor: Actor,
    api_key: str | None,
    ct_uid: str,
    uid: str,
    variant_ref: str,
    locale: str | None,
    path: str,
    expected_version: int | None,
) -> dict[str, Any] | None:
    """Put a base instance an entry variant removed back into its list (where the base entry
    has it, among what the variant shows), with the base entry's values, and only that: the
    variant's other values stay as stored."""
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, "entry")
        v = _variant(tx, stack, ct_uid, uid, variant_ref, locale)
    target = copy.deepcopy(domain.materialize(v.schema, v.base, v.latest))
    if not variant_diff.restore(v.schema, target, v.base, path):
        raise ValidationFailed(
            "The instance was not restored.",
            {path: ["cannot be restored: the variant did not remove such a base instance."]},
        )
    return _store_variant(services, actor, api_key, ct_uid, uid, v, target, expected_version)


def variant_as_opened(
    services: Services,
    actor: Actor,
    api_key: str | None,
    ct_uid: str,
    uid: str,
    variant_ref: str,
    locale: str | None,
    base_version: int,
    variant_version: int,
) -> dict[str, Any] | None:
    """An entry variant as the editor showed it when opened: base entry version `base_version`
    with variant version `variant_version` (0: none yet) applied; None if either is gone."""
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, "entry")
        key = stack["api_key"]
        schema = loaders.content_type(tx, key, ct_uid)["schema"]
        code = loaders.entry_locale(tx, stack, locale)
        try:
            base = loaders.entry_version(tx, key, ct_uid, uid, code, base_version)
        except NotFoundObject:
            return None
        variant = loaders.variant(tx, key, variant_ref)
        stored = (
            tx.entry_variants.version(key, uid, base["locale"], variant["uid"], variant_version)
            or tx.entry_variants.get(key, uid, base["locale"], variant["uid"])
            if variant_version
            else None
        )
    if variant_version and (stored is None or stored["system"]["_version"] != variant_version):
        return None
    return domain.materialize(schema, base, stored or {})


def discards(path: str, nested: list[str]) -> ValidationFailed:
    """The refusal of a revert of `path` whole that would discard the variant's own values
    inside it (422, `errors.confirm`)."""
    return ValidationFailed(
        f"Reverting {path} discards {len(nested)} of this variant's own value"
        f"{'s' if len(nested) > 1 else ''} inside it ({', '.join(nested)}). Confirm to revert "
        "it anyway.",
        {"confirm": ["is required."]},
    )
