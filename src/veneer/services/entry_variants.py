"""Entry variants (semantics §2): sparse layers over a base entry, one per (entry, locale, variant).

The stored document is `{"fields", "change_set", "order"}` from `domain.variants.edit_variant`,
plus the variant's own system fields. Responses show what the variant stores, with `uid` the base
entry's uid and `_variant` describing the layer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from veneer import ids
from veneer.domain import schema as domain_schema
from veneer.domain import variants as domain
from veneer.domain.delivery_settings import stack_variant_limit
from veneer.domain.listing import ListParams
from veneer.domain.patches import compile_patch, explain_merge, merge, variant_fates
from veneer.errors import NotFoundObject, ValidationFailed
from veneer.services import access, assets, loaders, taxonomies
from veneer.services.context import Actor, Services
from veneer.services.documents import variant_submission, variant_system
from veneer.store import Transaction

CREATED = "Entry variant created successfully."
UPDATED = "Entry variant updated successfully."
DELETED = "Entry variant deleted successfully."
REBASED = "Entry variant rebased on the latest base entry."


def response(stored: dict[str, Any]) -> dict[str, Any]:
    """The wire shape: the variant's own fields, system fields and `_variant`."""
    system = stored["system"]
    return {
        **stored["fields"],
        "uid": system["uid"],
        "locale": system["locale"],
        "_version": system["_version"],
        "created_at": system["created_at"],
        "created_by": system["created_by"],
        "updated_at": system["updated_at"],
        "updated_by": system["updated_by"],
        "tags": system.get("tags", []),
        "_variant": {
            "_uid": system["variant"],
            "_instance_uid": system["instance_uid"],
            "_change_set": stored["change_set"],
            "_order": stored["order"],
            "_base_entry_version": system["base_entry_version"],
        },
    }


def _base(
    tx: Transaction, stack: dict[str, Any], ct: str, uid: str, locale: str | None
) -> dict[str, Any]:
    """The latest base entry, which must be localized in `locale` itself (no fallback)."""
    code = loaders.entry_locale(tx, stack, locale)
    try:
        return loaders.latest_entry(tx, stack["api_key"], ct, uid, code, fallback=False)
    except NotFoundObject:
        # 422 "doesn't exist" when absent everywhere
        loaders.latest_entry(tx, stack["api_key"], ct, uid, code)
        raise ValidationFailed(
            f"The base entry is not localized in '{code}'. Localize it first.",
            {"locale": [f"the base entry has no '{code}' version."]},
        ) from None


def variant_ref_of(body: Mapping[str, Any]) -> str:
    """The Python SDK POSTs to …/variants and names the variant in the body."""
    entry: dict[str, Any] = body["entry"] if isinstance(body.get("entry"), dict) else {}
    layer = entry.get("_variant")
    ref = layer.get("_uid") if isinstance(layer, dict) else None
    ref = ref or entry.get("variant_uid") or body.get("variant_uid")
    if not isinstance(ref, str) or not ref:
        raise ValidationFailed(
            "Name the variant in entry._variant._uid (or use PUT …/variants/{variant_uid}).",
            {"entry._variant._uid": ["is required."]},
        )
    return ref


def upsert(
    services: Services,
    actor: Actor,
    api_key: str | None,
    ct_uid: str,
    uid: str,
    variant_ref: str | None,
    body: Mapping[str, Any],
    locale: str | None = None,
    *,
    expected_version: int | None = None,
    expected_base_version: int | None = None,
) -> tuple[dict[str, Any], bool]:
    """Create or update an entry variant; returns (response, created). Without `variant_ref` the
    body names the variant (the Python SDK's POST). With `expected_version` (0: the caller expects
    no entry variant yet) a write over another version is refused under the lock (StaleVersion),
    as is one whose body carries the `_version` of an older one; likewise `expected_base_version`
    for the base entry the change was made against."""
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, "entry", write=True)
        variant_ref = variant_ref or variant_ref_of(body)
        submitted = variant_submission(body)
        ct = loaders.content_type(tx, stack["api_key"], ct_uid)
        tx.entries.lock(stack["api_key"], uid, loaders.entry_locale(tx, stack, locale))
        base = _base(tx, stack, ct_uid, uid, locale)
        loaders.check_version(base["_version"], expected_base_version)
        variant = loaders.variant(tx, stack["api_key"], variant_ref)
        previous = tx.entry_variants.get(stack["api_key"], uid, base["locale"], variant["uid"])
        loaders.check_version(previous["system"]["_version"] if previous else 0, expected_version)
        if previous is not None:  # a new one has no version a body could have read
            loaders.check_version(previous["system"]["_version"], loaders.stated_version(submitted))
        if previous is None:
            loaders.check_linked(tx, stack["api_key"], ct_uid, variant)
        edited = domain.edit_variant(ct["schema"], base, previous, submitted, ids.cs)
        materialized = domain.materialize(ct["schema"], base, edited)
        domain_schema.validate_entry(ct["schema"], materialized, new_uid=ids.cs)
        assets.check_entry_assets(tx, stack["api_key"], ct["schema"], materialized, base)
        taxonomies.check_entry_terms(tx, stack["api_key"], materialized, base)
        system = variant_system(previous, base, variant["uid"], actor.uid, submitted, ids.now())
        stored = {**edited, "system": system}
        tx.entry_variants.save(stack["api_key"], ct_uid, stored, new=previous is None)
    return response(stored), previous is None


def _stored(
    tx: Transaction,
    stack: dict[str, Any],
    ct_uid: str,
    uid: str,
    variant_ref: str,
    locale: str | None,
    version: int | None = None,
) -> dict[str, Any]:
    """An entry variant in `locale` as stored (one version of it, or the latest)."""
    code = loaders.entry_locale(tx, stack, locale)
    loaders.latest_entry(tx, stack["api_key"], ct_uid, uid, code)
    variant = loaders.variant(tx, stack["api_key"], variant_ref)
    stored = tx.entry_variants.get(stack["api_key"], uid, code, variant["uid"])
    if stored is None:
        raise NotFoundObject(
            errors={"variant": [f"this entry has no '{variant_ref}' variant in '{code}'."]}
        )
    if version is not None and version != stored["system"]["_version"]:
        old = (
            tx.entry_variants.version(stack["api_key"], uid, code, variant["uid"], version)
            if 0 < version < stored["system"]["_version"]
            else None
        )
        if old is None:
            raise NotFoundObject(
                f"Version {version} of this entry variant doesn't exist.",
                {"version": ["is not valid."]},
            )
        return old
    return stored


def get(
    services: Services,
    actor: Actor,
    api_key: str | None,
    ct_uid: str,
    uid: str,
    variant_ref: str,
    locale: str | None = None,
    publish_details: bool = False,
    include_stale: bool = False,
) -> dict[str, Any]:
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, "entry")
        stored = _stored(tx, stack, ct_uid, uid, variant_ref, locale)
        body = response(stored)
        if publish_details:
            _attach_publish_details(tx, stack["api_key"], body)
        if include_stale:
            body["_variant"]["_stale"] = _stale(tx, stack["api_key"], ct_uid, stored)
    return body


def _bases(
    tx: Transaction, stack: str, ct_uid: str, stored: dict[str, Any]
) -> tuple[list[Any], dict[str, Any] | None, dict[str, Any]]:
    """(the content type's schema, the base the variant was saved against — None when that
    version is gone — and the latest base) of a stored entry variant."""
    system = stored["system"]
    schema = loaders.content_type(tx, stack, ct_uid)["schema"]
    now = loaders.latest_entry(tx, stack, ct_uid, system["uid"], system["locale"], fallback=False)
    then = (
        now
        if now["_version"] == system["base_entry_version"]
        else tx.entries.version(
            stack, system["uid"], system["locale"], system["base_entry_version"]
        )
    )
    return schema, then, now


def _stale(tx: Transaction, stack: str, ct_uid: str, stored: dict[str, Any]) -> list[str]:
    """`_variant._stale`: the overrides whose base value moved since the variant was saved
    against `base_entry_version` (every override when that base version is gone)."""
    schema, then, now = _bases(tx, stack, ct_uid, stored)
    if then is None:
        return domain.overridden_paths(stored)
    return domain.stale_paths(schema, then, now, stored)


def stale_review(
    services: Services,
    actor: Actor,
    api_key: str | None,
    ct_uid: str,
    uid: str,
    variant_ref: str,
    locale: str | None = None,
) -> dict[str, Any]:
    """The three-way view of a variant's stale overrides (the editor's review page): for each,
    the base value the variant was saved against, the base value now, and the variant's value;
    with the base versions compared. `then` is None when that base version is gone."""
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, "entry")
        key = stack["api_key"]
        stored = _stored(tx, stack, ct_uid, uid, variant_ref, locale)
        system = stored["system"]
        schema, then, now = _bases(tx, key, ct_uid, stored)
    paths = (
        domain.overridden_paths(stored)
        if then is None
        else domain.stale_paths(schema, then, now, stored)
    )
    mine = domain.materialize(schema, now, stored)
    return {
        "base_then_version": system["base_entry_version"],
        "base_now_version": now["_version"],
        "variant_version": system["_version"],
        "stale": [
            {
                "path": path,
                "then": None if then is None else domain.value_at(schema, then, path),
                "now": domain.value_at(schema, now, path),
                "variant": domain.value_at(schema, mine, path),
            }
            for path in paths
        ],
    }


def _attach_publish_details(tx: Transaction, stack: str, body: dict[str, Any]) -> None:
    body["publish_details"] = tx.publications.details(stack, body["uid"], body["_variant"]["_uid"])


def list_for_entry(
    services: Services,
    actor: Actor,
    api_key: str | None,
    ct_uid: str,
    uid: str,
    lp: ListParams,
    locale: str | None = None,
    publish_details: bool = False,
    include_stale: bool = False,
) -> tuple[list[dict[str, Any]], int]:
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, "entry")
        code = loaders.entry_locale(tx, stack, locale)
        loaders.latest_entry(tx, stack["api_key"], ct_uid, uid, code)
        stored = tx.entry_variants.in_locale(stack["api_key"], uid, code)
        page = lp.page([(response(s), s) for s in stored])
        for body, one in page:
            if publish_details:
                _attach_publish_details(tx, stack["api_key"], body)
            if include_stale:
                body["_variant"]["_stale"] = _stale(tx, stack["api_key"], ct_uid, one)
    return [body for body, _ in page], len(stored)


def publications(
    services: Services,
    actor: Actor,
    api_key: str | None,
    ct_uid: str,
    uid: str,
    locale: str | None = None,
) -> list[dict[str, Any]]:
    """Where the variants of an entry are published, in every locale, whichever locale the
    editor shows (a variant published in fr-fr from its en-us values has no fr-fr record): one
    `publish_details` item per publication with its `variant`, and `latest`, the latest version
    of the variant a publish in that locale would take (along the locale's fallback chain).
    The entry must be readable in `locale` (along its fallbacks)."""
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, "entry")
        key = stack["api_key"]
        loaders.latest_entry(tx, key, ct_uid, uid, loaders.entry_locale(tx, stack, locale))
        rows = tx.publications.of_variants(key, uid)
        stored = tx.entry_variants.latest_versions(key, uid) if rows else {}
        chains = {code: tx.locales.chain(key, code) for code in {r["locale"] for r in rows}}
    for row in rows:
        found = (stored.get((row["variant"], code)) for code in chains[row["locale"]])
        row["latest"] = next((n for n in found if n is not None), None)
    return rows


def versions(
    services: Services,
    actor: Actor,
    api_key: str | None,
    ct_uid: str,
    uid: str,
    variant_ref: str,
    locale: str | None = None,
) -> list[dict[str, Any]]:
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, "entry")
        system = _stored(tx, stack, ct_uid, uid, variant_ref, locale)["system"]
        numbers = tx.entry_variants.versions(
            stack["api_key"], uid, system["locale"], system["variant"]
        )
    return [{"_version": number, "locale": system["locale"]} for number in numbers]


def delete(
    services: Services,
    actor: Actor,
    api_key: str | None,
    ct_uid: str,
    uid: str,
    variant_ref: str,
    locale: str | None = None,
) -> None:
    """Deletes the entry variant in `locale` and unpublishes it from every environment."""
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, "entry", write=True)
        system = _stored(tx, stack, ct_uid, uid, variant_ref, locale)["system"]
        tx.entry_variants.purge(
            stack["api_key"], entry=uid, variant=system["variant"], locale=system["locale"]
        )


def merged(
    services: Services,
    actor: Actor,
    api_key: str | None,
    ct_uid: str,
    uid: str,
    variant_ref: str,
    locale: str | None = None,
    *,
    explain: bool = False,
) -> dict[str, Any]:
    """The base entry's latest version with one variant applied (`include_variant(s)=true`);
    `explain` adds `_variant_explain` from the delivery merge of the variant's patch."""
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, "entry")
        ct = loaders.content_type(tx, stack["api_key"], ct_uid)
        code = loaders.entry_locale(tx, stack, locale)
        base = loaders.latest_entry(tx, stack["api_key"], ct_uid, uid, code)
        variant = loaders.variant(tx, stack["api_key"], variant_ref)
        stored = tx.entry_variants.get(stack["api_key"], uid, base["locale"], variant["uid"])
    if stored is None:
        return (
            base
            if not explain
            else {**base, "_variant_explain": _explain(base, [], variant_ref, variant["uid"], ct)}
        )
    doc = domain.materialize(ct["schema"], base, stored)
    out = {**doc, "_variant": response(stored)["_variant"]}
    if explain:
        out["_variant_explain"] = _explain(base, [stored], variant_ref, variant["uid"], ct)
    return out


def _explain(
    base: dict[str, Any],
    layers: list[dict[str, Any]],
    name: str,
    variant_uid: str,
    ct: dict[str, Any],
) -> dict[str, Any]:
    """`_variant_explain` of a one-variant management read (the delivery merge's explanation)."""
    patches = [compile_patch(ct["schema"], s, s["system"]["variant"]) for s in layers]
    _doc, _paths, explained = explain_merge(base, patches)
    merged_uids = [s["system"]["variant"] for s in layers]
    fates = variant_fates([name], {name: variant_uid}, merged_uids, explained, [], "not_saved")
    return {"paths": explained, "variants": fates}


def preview(
    services: Services,
    actor: Actor,
    api_key: str | None,
    ct_uid: str,
    uid: str,
    refs: Sequence[str],
    locale: str | None = None,
    *,
    applied: bool = False,
    explain: bool = False,
) -> dict[str, Any]:
    """The latest saved base entry merged with the latest saved entry variants named by `refs`
    (uid or alias, first-listed wins), as delivery would serve them once published: each stored
    variant is compiled to its publish-time patch and merged by the delivery merge. The stack's
    variant limit applies as on delivery. `_variant_preview` lists what was merged; `applied`
    and `explain` add `_applied_variants` and `_variant_explain` as on delivery."""
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, "entry")
        ct = loaders.content_type(tx, stack["api_key"], ct_uid)
        base = loaders.latest_entry(
            tx, stack["api_key"], ct_uid, uid, loaders.entry_locale(tx, stack, locale)
        )
        limit = stack_variant_limit(stack.get("settings"), services.settings.variant_limit)
        named, beyond = list(refs[:limit]), list(refs[limit:])
        known = _known(tx, stack["api_key"], named)
        layers: list[dict[str, Any]] = []
        for variant_uid in dict.fromkeys(known[name] for name in named if name in known):
            stored = tx.entry_variants.get(stack["api_key"], uid, base["locale"], variant_uid)
            if stored is not None:
                layers.append(stored)
    patches = [compile_patch(ct["schema"], s, s["system"]["variant"]) for s in layers]
    merged_uids = [s["system"]["variant"] for s in layers]
    if explain:
        doc, paths, explained = explain_merge(base, patches)
    else:
        doc, paths = merge(base, patches)
    out = {**doc, "_variant_preview": [_layer(s) for s in layers]}
    if applied:
        out["_applied_variants"] = paths
    if explain:
        fates = variant_fates(named, known, merged_uids, explained, beyond, "not_saved")
        out["_variant_explain"] = {"paths": explained, "variants": fates}
    return out


def _layer(stored: dict[str, Any]) -> dict[str, Any]:
    system = stored["system"]
    return {
        "uid": system["variant"],
        "_version": system["_version"],
        "_base_entry_version": system["base_entry_version"],
    }


def _known(tx: Transaction, stack: str, names: Sequence[str]) -> dict[str, str]:
    """name -> variant uid for the names that denote a variant of the stack (uid or alias)."""
    out: dict[str, str] = {}
    for name in names:
        try:
            out[name] = loaders.variant(tx, stack, name)["uid"]
        except NotFoundObject:
            continue
    return out


def overrides(
    services: Services,
    actor: Actor,
    api_key: str | None,
    ct_uid: str,
    uid: str,
    locale: str,
) -> dict[str, list[str]]:
    """`_variant_overrides` of a base entry read: which of the entry's variants in `locale`
    override each path (one indexed read of this entry's variants, whatever the stack holds)."""
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, "entry")
        stored = tx.entry_variants.in_locale(stack["api_key"], uid, locale)
    return domain.override_map(stored)


def rebase(
    services: Services,
    actor: Actor,
    api_key: str | None,
    ct_uid: str,
    uid: str,
    variant_ref: str,
    body: Mapping[str, Any],
    locale: str | None = None,
) -> dict[str, Any]:
    """`POST …/variants/{v}/rebase` `{"revert": [paths]}`: the reverted overrides inherit the
    latest base again, the others are kept and the variant is marked as reviewed against that
    base (`_base_entry_version`), in a new version of the entry variant."""
    revert = _revert_paths(body)
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, "entry", write=True)
        ct = loaders.content_type(tx, stack["api_key"], ct_uid)
        tx.entries.lock(stack["api_key"], uid, loaders.entry_locale(tx, stack, locale))
        previous = _stored(tx, stack, ct_uid, uid, variant_ref, locale)
        base = _base(tx, stack, ct_uid, uid, previous["system"]["locale"])
        edited = domain.rebase_variant(ct["schema"], base, previous, revert)
        materialized = domain.materialize(ct["schema"], base, edited)
        domain_schema.validate_entry(ct["schema"], materialized, new_uid=ids.cs)
        variant = previous["system"]["variant"]
        system = variant_system(previous, base, variant, actor.uid, {}, ids.now())
        stored = {**edited, "system": system}
        tx.entry_variants.save(stack["api_key"], ct_uid, stored, new=False)
    return response(stored)


def _revert_paths(body: Mapping[str, Any]) -> list[str]:
    revert = body.get("revert", [])
    if not isinstance(revert, list) or not all(isinstance(p, str) and p for p in revert):
        raise ValidationFailed(
            "revert: must be a list of overridden paths.",
            {"revert": ["must be a list of paths (strings)."]},
        )
    return list(dict.fromkeys(revert))
