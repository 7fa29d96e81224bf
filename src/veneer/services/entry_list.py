"""The editor's entry list (issue 17, Major 8): one page of a content type's entries filtered by
publish state, locale and variants in the database, with each row's publications and variants at
a glance; and publishing or unpublishing several entries at once.

Only the page's rows are read: the filters are SQL conditions of the list (`store.entrystatus`),
and the glance is two keyed reads over the page's entries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from veneer.domain.listing import ListParams
from veneer.errors import ValidationFailed, VeneerError
from veneer.services import access, loaders, publishing
from veneer.services.context import Actor, Services
from veneer.store.entrystatus import BASE, STATES, Condition, HasVariants, Status
from veneer.store.sqllist import Listing

__all__ = [
    "STATES",
    "Condition",
    "EntryPage",
    "Glance",
    "HasVariants",
    "Outcome",
    "Status",
    "list_page",
    "publish_many",
]

MAX_BULK = 100  # entries one bulk publish or unpublish may name


@dataclass
class Glance:
    """What a row shows of an entry: `base` environment uid -> published base version (in the
    list's locale); `variants` variant uid -> its latest version (in the row's locale);
    `published` environment uid -> {variant uid: published version}."""

    base: dict[str, int] = field(default_factory=dict)
    variants: dict[str, int] = field(default_factory=dict)
    published: dict[str, dict[str, int]] = field(default_factory=dict)

    def behind(self, environment: str) -> list[str]:
        """The variants published to `environment` whose latest version is newer than that."""
        live = self.published.get(environment, {})
        return sorted(v for v, n in live.items() if n < self.variants.get(v, 0))


@dataclass(frozen=True)
class EntryPage:
    entries: list[dict[str, Any]]
    count: int
    glances: dict[str, Glance]


def list_page(
    services: Services,
    actor: Actor,
    api_key: str | None,
    ct_uid: str,
    lp: ListParams,
    locale: str | None,
    *,
    conditions: tuple[Condition, ...] = (),
    include_fallback: bool = True,
) -> EntryPage:
    """One page of the list, filtered and sorted by the database, with each row's glance."""
    listing = Listing(
        lp.where, lp.asc, lp.desc, lp.skip, lp.limit, lp.include_count, lp.count_limit, conditions
    )
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, "entry")
        key = stack["api_key"]
        loaders.content_type(tx, key, ct_uid)
        code = loaders.entry_locale(tx, stack, locale)
        chain = tx.locales.chain(key, code) if include_fallback else [code]
        docs, count = tx.entries.page(key, ct_uid, chain, listing)
        uids = [doc["uid"] for doc in docs]
        glances = {uid: Glance() for uid in uids}
        for uid, variant, env, version in tx.publications.of_entries(key, uids, code):
            if variant == BASE:
                glances[uid].base[env] = version
            else:
                glances[uid].published.setdefault(env, {})[variant] = version
        shown = [(doc["uid"], doc["locale"]) for doc in docs]
        for uid, variant, version in tx.entry_variants.of_entries(key, shown):
            glances[uid].variants[variant] = version
    return EntryPage(docs, count or 0, glances)


@dataclass(frozen=True)
class Outcome:
    """How one entry of a bulk publish or unpublish went: `error` is None when it was done."""

    uid: str
    error: str | None


def publish_many(
    services: Services,
    actor: Actor,
    api_key: str | None,
    ct_uid: str,
    uids: list[str],
    environments: list[str],
    locales: list[str],
    *,
    locale: str | None = None,
    unpublish: bool = False,
    with_variants: bool = False,
) -> list[Outcome]:
    """Publish (or unpublish) each entry's base, latest version, to every environment × locale,
    each entry in its own transaction through `publishing.publish`: one entry's refusal (not
    localized, gone meanwhile) leaves the others done. `with_variants` publishes the latest
    version of each entry's variants in those locales too (with the latest base). Unpublishing
    takes the entry's variants along, as the publish dialog's does."""
    problems = {
        name: [f"Choose at least one {what}."]
        for name, what, chosen in (
            ("entries", "entry", uids),
            ("entry.environments", "environment", environments),
            ("entry.locales", "locale", locales),
        )
        if not chosen
    }
    if len(uids) > MAX_BULK:
        problems["entries"] = [f"must name at most {MAX_BULK} entries."]
    if problems:
        raise ValidationFailed("Choose the entries, and where to publish them.", problems)
    body: dict[str, Any] = {"entry": {"environments": environments, "locales": locales}}
    if locale:
        body["locale"] = locale
    outcomes = []
    for uid in dict.fromkeys(uids):  # each once, in the order chosen
        try:
            sent = body
            if with_variants and not unpublish:
                sent = _with_variants(services, actor, api_key, ct_uid, uid, body, locales)
            publishing.publish(services, actor, api_key, ct_uid, uid, sent, unpublish=unpublish)
            outcomes.append(Outcome(uid, None))
        except VeneerError as exc:
            details = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.errors.items())
            outcomes.append(Outcome(uid, exc.message + (f" ({details})" if details else "")))
    return outcomes


def _with_variants(
    services: Services,
    actor: Actor,
    api_key: str | None,
    ct_uid: str,
    uid: str,
    body: dict[str, Any],
    locales: list[str],
) -> dict[str, Any]:
    """The publish request for an entry and its variants in `locales` (one keyed read)."""
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, "entry")["api_key"]
        shown = [(uid, code.lower()) for code in locales]
        found = {variant for _, variant, _ in tx.entry_variants.of_entries(stack, shown)}
    if not found:
        return body
    entry = {
        **body["entry"],
        "variants": [{"uid": v} for v in sorted(found)],
        "variant_rules": {"publish_latest_base": True},
    }
    return {**body, "entry": entry}
