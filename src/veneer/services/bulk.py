"""Bulk loading (issue 11 §4): many new entries of one content type, each validated exactly as the
CMA's create validates it, written in batches of one transaction each, optionally published to
environments in the load's locale, optionally with entry variants published alongside.

Each item is a create body, `{"entry": {...}}`, which may also hold
`"variants": {"<variant uid or alias>": {"entry": {..., "_variant": {...}}}}`: the bodies of the
entry variants to create on the new entry (as `PUT …/variants/{uid}` takes them). An item is
loaded whole or refused whole, with the reason, and never stops the others: a refusal is what
the API would have answered for that entry (its message and errors). The documents written are
those the CMA's create, entry variant update and publish would write (tests/services/test_bulk.py
compares them), through the store's bulk operations (`insert_many`, `claim_many`).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from veneer import ids
from veneer.domain import assets as domain_assets
from veneer.domain import schema as domain_schema
from veneer.domain import taxonomies as domain_taxonomies
from veneer.domain import variants as domain_variants
from veneer.domain.fieldindex import Row, document_rows, rows_with
from veneer.errors import BadRequest, PreconditionFailed, ValidationFailed, VeneerError
from veneer.services import access, assets, loaders, taxonomies
from veneer.services.context import Actor, Services
from veneer.services.documents import (
    body_entry,
    new_entry,
    published,
    variant_publication,
    variant_submission,
    variant_system,
)
from veneer.store import Transaction
from veneer.store.base import GrowingStatistics
from veneer.store.publications import Publication
from veneer.store.uniques import Holder, not_unique

BATCH = 2_000  # entries per transaction
# Told, inside each transaction that writes items, how many items of the input are handled once
# it commits and the refusals among them (`veneer import` of a csdx folder records its progress).
Journal = Callable[[Transaction, int, list["Refusal"]], None]


@dataclass(frozen=True)
class Load:
    """What to load into: a content type, a locale (None: the master locale), the environments
    (names or uids) to publish each entry to in that locale (none: not published)."""

    content_type: str
    locale: str | None = None
    environments: tuple[str, ...] = ()
    batch_size: int = BATCH


@dataclass(frozen=True)
class Unreadable:
    """An item that could not be read (a line of a file that is not JSON): refused with `reason`."""

    reason: str


@dataclass(frozen=True)
class Kept:
    """An item moved from another stack (`veneer import` of a csdx export): its create `body`, the
    `uid` it keeps, and where it is published in the load's locale, each overriding the load's
    environments: the entry's `environments` (uids) and each entry variant's (by variant uid)."""

    body: Any
    uid: str
    environments: tuple[str, ...] = ()
    variant_environments: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Refusal:
    """An item that was not loaded: its position in the input (from 0) and the API's answer."""

    position: int
    message: str
    errors: dict[str, list[str]]
    error_code: int


@dataclass
class Report:
    loaded: int = 0
    published: int = 0  # publications written, entry variants' included
    refused: list[Refusal] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        """Items handled per second."""
        return (self.loaded + len(self.refused)) / self.seconds if self.seconds else 0.0


@dataclass
class _Target:
    """The load, resolved once: the stack, content type, locale and environment uids."""

    stack: str
    content_type: str
    schema: list[dict[str, Any]]
    locale: str
    environments: tuple[str, ...]
    variants: dict[str, dict[str, Any] | VeneerError] = field(default_factory=dict)  # by ref
    journal: Journal | None = None


@dataclass(frozen=True)
class _Item:
    """A validated item: its entry and its entry variants (each with the variant it belongs to)."""

    position: int
    doc: dict[str, Any]
    variants: list[tuple[dict[str, Any], dict[str, Any]]]
    environments: tuple[str, ...] | None = None  # None: the load's
    variant_environments: dict[str, tuple[str, ...]] | None = None  # None: the entry's


def load_entries(
    services: Services,
    actor: Actor,
    api_key: str | None,
    load: Load,
    items: Iterable[Any],
    progress: Callable[[int], None] | None = None,
    journal: Journal | None = None,
) -> Report:
    """Load `items` (create bodies, see the module's docstring) in batches of `load.batch_size`;
    `progress` is told how many items each batch handled, `journal` how far each transaction
    gets (see `Journal`). Raises before writing anything when the load itself is invalid (stack,
    content type, locale, environment)."""
    started = time.perf_counter()
    target = _resolve(services, actor, api_key, load)
    target.journal = journal
    report = Report()
    stream = iter(items)
    position = 0
    statistics = GrowingStatistics(services.store)
    while batch := list(itertools.islice(stream, max(1, load.batch_size))):
        _resolve_variants(services, target, batch)
        _load_batch(services, actor, target, list(enumerate(batch, position)), report)
        position += len(batch)
        statistics.wrote(len(batch))
        if progress:
            progress(len(batch))
    if report.loaded:
        services.store.refresh_statistics()
    report.seconds = time.perf_counter() - started
    return report


def owner(services: Services, api_key: str) -> Actor:
    """The stack's owner, as whom the command line loads (it has the database's keys anyway)."""
    with services.store.read() as tx:
        stack = tx.stacks.get(api_key)
    if stack is None:
        raise PreconditionFailed(errors={"api_key": ["is not valid."]})
    return Actor(kind="user", uid=stack["owner_uid"])


def _resolve(services: Services, actor: Actor, api_key: str | None, load: Load) -> _Target:
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, "entry", write=True)
        ct = loaders.content_type(tx, stack["api_key"], load.content_type)
        locale = loaders.entry_locale(tx, stack, load.locale)
        environments = tuple(
            dict.fromkeys(_environment(tx, stack["api_key"], name) for name in load.environments)
        )
    return _Target(stack["api_key"], ct["uid"], ct["schema"], locale, environments)


def _environment(tx: Transaction, stack: str, name: str) -> str:
    env = tx.environments.find(stack, name)
    if env is None:
        raise ValidationFailed(
            f"The environment '{name}' doesn't exist.",
            {"environments": [f"'{name}' is not valid."]},
            error_code=141,
        )
    return str(env["uid"])


def _resolve_variants(services: Services, target: _Target, batch: list[Any]) -> None:
    """Look up the variants the batch names that no earlier batch named (or the reason why an
    entry variant of it cannot be made)."""
    bodies = [item.body if isinstance(item, Kept) else item for item in batch]
    refs = {
        ref
        for item in bodies
        if isinstance(item, dict) and isinstance(item.get("variants"), dict)
        for ref in item["variants"]
        if ref not in target.variants
    }
    if not refs:
        return
    with services.store.read() as tx:
        for ref in refs:
            try:
                variant = loaders.variant(tx, target.stack, ref)
                loaders.check_linked(tx, target.stack, target.content_type, variant)
                target.variants[ref] = variant
            except VeneerError as exc:
                target.variants[ref] = exc


def _load_batch(
    services: Services,
    actor: Actor,
    target: _Target,
    batch: list[tuple[int, Any]],
    report: Report,
) -> None:
    """Validate the batch, then write what is valid in one transaction. If the database refuses
    the transaction (a value too long for its column, a unique value a concurrent writer just
    took), each item is written alone, so that only the culprit is refused."""
    items = []
    for position, body in batch:
        try:
            items.append(_prepare(target, actor, position, body))
        except VeneerError as exc:
            report.refused.append(_refusal(position, exc))
    try:
        _write(services, actor, target, items, report, batch[-1][0] + 1)
    except VeneerError as exc:
        if len(items) <= 1:
            report.refused.extend(_refusal(item.position, exc) for item in items)
            return
        for item in items:
            _load_batch(services, actor, target, [(item.position, item)], report)


def _refusal(position: int, exc: VeneerError) -> Refusal:
    return Refusal(position, exc.message, exc.errors, exc.error_code)


def _prepare(target: _Target, actor: Actor, position: int, body: Any) -> _Item:
    """The item's entry and entry variants, validated as the CMA validates them (an item retried
    alone after a refused batch is already prepared)."""
    if isinstance(body, _Item):
        return body
    if isinstance(body, Unreadable):
        raise BadRequest(body.reason)
    kept = body if isinstance(body, Kept) else None
    if kept is not None:
        body = kept.body
    now = ids.now()
    doc = new_entry(target.schema, body_entry(body), target.locale, actor.uid, now)
    if kept is not None:
        doc["uid"] = kept.uid
    raw = body.get("variants", {})
    if not isinstance(raw, dict):
        raise ValidationFailed(
            "Entry creation failed. Please enter valid data.",
            {"variants": ["must be an object of entry variant bodies by variant uid or alias."]},
        )
    variants = [_variant(target, actor, doc, ref, sent, now) for ref, sent in raw.items()]
    uids = [variant["uid"] for variant, _ in variants]
    if len(set(uids)) < len(uids):  # a uid and an alias of one variant
        raise ValidationFailed(
            "Entry creation failed. Please enter valid data.",
            {"variants": ["names a variant twice (by uid and by alias)."]},
        )
    if kept is not None:
        return _Item(position, doc, variants, kept.environments, kept.variant_environments)
    return _Item(position, doc, variants)


def _variant(
    target: _Target, actor: Actor, base: dict[str, Any], ref: str, body: Any, now: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the variant, the new entry variant stored for it), as `entry_variants.upsert` makes it."""
    variant = target.variants[ref]
    try:
        if isinstance(variant, VeneerError):
            raise variant
        submitted = variant_submission(body)
        edited = domain_variants.edit_variant(target.schema, base, None, submitted, ids.cs)
        domain_schema.validate_entry(
            target.schema,
            domain_variants.materialize(target.schema, base, edited),
            new_uid=ids.cs,
        )
        system = variant_system(None, base, variant["uid"], actor.uid, submitted, now)
    except VeneerError as exc:
        errors = {f"variants.{ref}.{key}": value for key, value in exc.errors.items()}
        raise type(exc)(exc.message, errors, error_code=exc.error_code) from None
    return variant, {**edited, "system": system}


def _write(
    services: Services,
    actor: Actor,
    target: _Target,
    items: list[_Item],
    report: Report,
    upto: int,
) -> None:
    """One transaction: claim the unique values (refusing the items that clash), then write the
    entries, their entry variants and their publications; the input's items before `upto` are
    handled once it commits (the journal is told so in it)."""
    with services.store.write(bulk=True) as tx:
        access.stack_row(tx, actor, target.stack, "entry", write=True)
        items, unusable = _with_assets(tx, target, items)
        items, unknown = _with_terms(tx, target, items)
        refused = tx.uniques.claim_many(
            target.stack,
            target.content_type,
            [
                Holder(
                    item.doc["uid"],
                    item.doc["locale"],
                    domain_schema.unique_values(target.schema, item.doc),
                )
                for item in items
            ],
        )
        kept = [item for position, item in enumerate(items) if position not in refused]
        rows = [document_rows(item.doc) for item in kept]
        tx.entries.insert_many(target.stack, target.content_type, [i.doc for i in kept], rows)
        tx.entry_variants.insert_many(
            target.stack, target.content_type, [s for item in kept for _, s in item.variants]
        )
        publications = _publications(target, actor, kept, rows)
        tx.publications.insert_many(target.stack, publications)
        clashes = [
            _refusal(items[position].position, not_unique(fields))
            for position, fields in refused.items()
        ]
        if target.journal is not None:
            handled = [*report.refused, *unusable, *unknown, *clashes]
            target.journal(tx, upto, [r for r in handled if r.position < upto])
    report.refused.extend(unusable)
    report.refused.extend(unknown)
    report.refused.extend(clashes)
    report.loaded += len(kept)
    report.published += len(publications)


def _with_assets(
    tx: Transaction, target: _Target, items: list[_Item]
) -> tuple[list[_Item], list[Refusal]]:
    """The items whose file fields name assets of the stack, and the refusals of the others, as
    the CMA refuses them (one look-up for the batch)."""
    refs = {item.position: list(domain_assets.file_refs(target.schema, item.doc)) for item in items}
    uids = sorted({uid for found in refs.values() for _path, _field, uid in found})
    known = tx.assets.get_many(target.stack, uids) if uids else {}
    kept, refused = [], []
    for item in items:
        problems = assets.entry_asset_problems(known, refs[item.position])
        if problems:
            refused.append(_refusal(item.position, ValidationFailed(None, problems)))
        else:
            kept.append(item)
    return kept, refused


def _with_terms(
    tx: Transaction, target: _Target, items: list[_Item]
) -> tuple[list[_Item], list[Refusal]]:
    """The items whose taxonomy terms exist, and the refusals of the others (one look-up per
    distinct term of the batch)."""
    pairs = sorted({pair for item in items for pair in domain_taxonomies.entry_terms(item.doc)})
    if not pairs:
        return items, []
    found = tx.terms.existing(target.stack, pairs)
    kept, refused = [], []
    for item in items:
        missing = sorted(domain_taxonomies.entry_terms(item.doc) - found)
        if missing:
            refused.append(_refusal(item.position, taxonomies.missing_terms(missing)))
        else:
            kept.append(item)
    return kept, refused


def _publications(
    target: _Target, actor: Actor, items: Sequence[_Item], rows: Sequence[list[Row]]
) -> list[Publication]:
    """Each entry, then each of its entry variants, published to every environment in the load's
    locale (or those a `Kept` item names), as `publishing.publish` publishes them."""
    now = ids.now()
    publish = _Publisher(target, actor.uid, now)
    everywhere = list(target.environments)
    for item in items:
        everywhere += item.environments or ()
        for envs in (item.variant_environments or {}).values():
            everywhere += envs
    found = []
    for environment in dict.fromkeys(everywhere):
        for item, entry_rows in zip(items, rows, strict=True):
            base = target.environments if item.environments is None else item.environments
            if environment in base:
                found.append(publish(environment, item.doc["uid"], "", item.doc, entry_rows))
            for variant, stored in item.variants:
                wanted = (
                    base
                    if item.variant_environments is None
                    else item.variant_environments.get(variant["uid"], ())
                )
                if environment not in wanted:
                    continue
                doc = variant_publication(target.schema, item.doc["uid"], stored, variant)
                found.append(publish(environment, item.doc["uid"], variant["uid"], doc, None))
    return found


@dataclass(frozen=True)
class _Publisher:
    target: _Target
    user: str
    now: str

    def __call__(
        self, environment: str, uid: str, variant: str, doc: dict[str, Any], rows: list[Row] | None
    ) -> Publication:
        """The publication of `doc`; a base document's field-value rows are its entry's (`rows`)
        plus those of `publish_details`."""
        ready = published(doc, environment, self.target.locale, self.user, self.now)
        if rows is not None:
            rows = rows_with(rows, {"publish_details": ready["publish_details"]})
        return Publication(
            environment,
            self.target.locale,
            uid,
            variant,
            self.target.content_type,
            ready,
            self.now,
            self.user,
            rows,
        )
