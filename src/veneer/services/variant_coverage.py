"""`GET /v3/content_types/{ct}/variant_coverage` (issue 16 §6, docs/variants-beyond.md §6): for one
page of a content type's entries, each entry in each locale it is localized in, with its base and
every entry variant there, published version against the latest per environment, stale overrides
(the §4 rule), overrides equal to the base (no-ops) and paths several variants override.

Cost: the page's uids come from the field-value index (`skip + limit` root rows per locale, cut
by the database); then only those entries, their versions, variants and publications are read by
their keys. Nothing in a request grows with the number of entries in the type."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from veneer.domain import variant_coverage as domain
from veneer.errors import ValidationFailed
from veneer.services import access, loaders
from veneer.services.context import Actor, Services
from veneer.store import Transaction


def report(
    services: Services, actor: Actor, api_key: str | None, ct_uid: str, params: Mapping[str, Any]
) -> dict[str, Any]:
    p = domain.read_params(params)
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, "entry")
        key = stack["api_key"]
        ct = loaders.content_type(tx, key, ct_uid)
        locales = (
            [loaders.entry_locale(tx, stack, p.locale)]
            if p.locale
            else [doc["code"] for doc in tx.locales.all(key)]
        )
        envs = _environments(tx, key, p.environment)
        window = tx.entries.uids(key, ct_uid, locales, p.after, p.skip + p.limit)
        uids = window[p.skip :]
        rows = [
            row
            for uid in uids
            for row in _entry_rows(tx, key, ct, uid, locales, [e["uid"] for e in envs])
        ]
        columns = _variants(tx, key, ct_uid)
    return {
        "content_type": ct_uid,
        "environments": [{"uid": e["uid"], "name": e["name"]} for e in envs],
        "variants": columns,
        "entries": domain.keep(rows, p.only),
        "skip": p.skip,
        "limit": p.limit,
        # A full page may have more after it; `after` keeps paging by keys from there.
        "next": uids[-1] if len(uids) == p.limit else None,
    }


def _environments(tx: Transaction, stack: str, name: str | None) -> list[dict[str, Any]]:
    if name is None:
        return tx.environments.all(stack)
    env = tx.environments.find(stack, name)
    if env is None:
        raise ValidationFailed(
            f"The environment '{name}' doesn't exist.",
            {"environment": [f"'{name}' is not valid."]},
            error_code=141,
        )
    return [env]


def _variants(tx: Transaction, stack: str, ct_uid: str) -> list[dict[str, Any]]:
    """The report's columns: the variants of the groups linked to the content type."""
    out = []
    for group in tx.variant_groups.all(stack):
        if loaders.linked(group, ct_uid):
            for variant in tx.variants.all(stack, group["uid"]):
                out.append({"uid": variant["uid"], "name": variant["name"], "group": group["uid"]})
    return out


def _entry_rows(
    tx: Transaction,
    stack: str,
    ct: dict[str, Any],
    uid: str,
    locales: list[str],
    environments: list[str],
) -> list[dict[str, Any]]:
    """The rows of one entry: one per locale of `locales` it is localized in."""
    published: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for variant, code, env, version in tx.publications.versions(stack, uid):
        published[code][variant][env] = version
    rows = []
    for code in sorted(set(tx.entries.localized_in(stack, uid)) & set(locales)):
        base = tx.entries.latest(stack, ct["uid"], uid, code)
        if base is None:
            continue
        stored = tx.entry_variants.in_locale(stack, uid, code)
        then = {
            n: tx.entries.version(stack, uid, code, n)
            for n in {s["system"]["base_entry_version"] for s in stored}
            if n != base["_version"]
        }
        rows.append(
            domain.entry_row(ct["schema"], base, stored, then, published[code], environments)
        )
    return rows
