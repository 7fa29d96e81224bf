"""The kinds of objects an export holds, in the order an import writes them (an object after what
it names: entries after their content types, publications after their entries). Each kind is one
file of lines, one line a row of its table without `stack` (JSON columns embedded as JSON), read
out in the order of an index and written back through the store's operations.

Adding a kind: a `Kind` in KINDS with its table, its keyset order and the `write` that stores a
batch of its lines (tests/ops/test_export_import.py fails for a stack table that is none).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from sqlalchemy import ColumnElement, Table, select

import veneer.store.tables as t
from veneer.assets.blobs import BlobStore
from veneer.domain import schema as domain_schema
from veneer.errors import ValidationFailed
from veneer.store import Transaction, dumps
from veneer.store.publications import Publication
from veneer.store.uniques import Holder

JSON_COLUMNS = frozenset({"doc", "settings"})  # text columns holding JSON: embedded as JSON


@dataclass
class Target:
    """Where an import writes: the stack, the blob stores (the export's and the target's), and the
    content types' schemas (read once each, for the unique values of their entries)."""

    stack: str
    source_blobs: BlobStore
    blobs: BlobStore
    schemas: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def schema(self, tx: Transaction, content_type: str) -> list[dict[str, Any]]:
        if content_type not in self.schemas:
            doc = tx.content_types.get(self.stack, content_type)
            self.schemas[content_type] = (doc or {}).get("schema") or []
        return self.schemas[content_type]


Writer = Callable[[Transaction, Target, list[dict[str, Any]]], None]


@dataclass(frozen=True)
class Kind:
    """One file of an export. `order`: the columns, after `stack`, of a unique index the export
    reads in; `match`: which rows of the stack (None: all); `write`: store a batch of lines;
    `before`: work done outside the batch's transaction (asset files)."""

    name: str
    table: Table
    order: tuple[str, ...]
    write: Writer
    match: Callable[[], ColumnElement[bool]] | None = None
    before: Callable[[Target, list[dict[str, Any]]], None] | None = None
    secret: bool = False  # holds credentials: left out by `veneer export --no-secrets`

    @property
    def file(self) -> str:
        return f"{self.name}.ndjson"


def _raw(table: Table) -> Writer:
    """Insert the lines as rows of `table` on the bulk path (versions kept as history: nothing
    indexes them)."""

    def write(tx: Transaction, target: Target, lines: list[dict[str, Any]]) -> None:
        names = [column.name for column in table.columns]
        rows = (
            tuple(target.stack if n == "stack" else _column(line, n) for n in names)
            for line in lines
        )
        tx.transfer.insert(table, rows)

    return write


def _column(line: dict[str, Any], name: str) -> Any:
    return dumps(line[name]) if name in JSON_COLUMNS else line[name]


def _each(add: Callable[[Transaction, str, dict[str, Any]], None]) -> Writer:
    def write(tx: Transaction, target: Target, lines: list[dict[str, Any]]) -> None:
        for line in lines:
            add(tx, target.stack, line)

    return write


def _by_content_type(lines: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    ordered = sorted(lines, key=lambda line: str(line["content_type"]))
    return [(ct, list(group)) for ct, group in groupby(ordered, key=lambda x: x["content_type"])]


def _entries(tx: Transaction, target: Target, lines: list[dict[str, Any]]) -> None:
    """The latest version of each entry in each locale: its unique values claimed, then written
    as a bulk create writes (the field-value index, the history row, the event)."""
    for content_type, group in _by_content_type(lines):
        schema = target.schema(tx, content_type)
        holders = [
            Holder(line["uid"], line["locale"], domain_schema.unique_values(schema, line["doc"]))
            for line in group
        ]
        refused = tx.uniques.claim_many(target.stack, content_type, holders)
        if refused:
            position, fields = next(iter(refused.items()))
            raise ValidationFailed(
                f"Entry {group[position]['uid']} holds a value of a unique field that another "
                "entry of the stack holds already: the export is inconsistent.",
                {field: ["is not unique."] for field in fields},
            )
        tx.entries.insert_many(target.stack, content_type, [line["doc"] for line in group])


def _entry_variants(tx: Transaction, target: Target, lines: list[dict[str, Any]]) -> None:
    for content_type, group in _by_content_type(lines):
        tx.entry_variants.insert_many(target.stack, content_type, [line["doc"] for line in group])


def _publications(tx: Transaction, target: Target, lines: list[dict[str, Any]]) -> None:
    """Published documents as they were (the same bytes delivery serves), each recorded in the
    change log and the events and, for a base entry, indexed in its environment's scope."""
    tx.publications.insert_many(
        target.stack,
        [
            Publication(
                line["environment"],
                line["locale"],
                line["entry"],
                line["variant"],
                line["content_type"],
                line["doc"],
                line["published_at"],
                line["published_by"],
            )
            for line in lines
        ],
    )


def _asset_files(target: Target, lines: list[dict[str, Any]]) -> None:
    """Copy the files of a batch of asset versions into the target's blob store (outside the
    batch's transaction: the database blob store writes in transactions of its own). Stored by
    content, so a batch copied again stores nothing twice."""
    for line in lines:
        if target.blobs.exists(line["blob"]):
            continue
        data = target.source_blobs.get(line["blob"])
        if data is None:
            raise FileNotFoundError(f"The export lacks the file {line['blob']} of {line['uid']}.")
        if target.blobs.put(data) != line["blob"]:
            raise ValueError(f"The export's file {line['blob']} does not hold its own bytes.")


def _webhook(tx: Transaction, stack: str, line: dict[str, Any]) -> None:
    """A webhook, sent only what happens after the import (not the import's own events)."""
    tx.webhooks.add(stack, line["doc"], line["secret"], tx.events.last())


def _older(table: Table, latest: Table, keys: Sequence[tuple[str, str]]) -> ColumnElement[bool]:
    """The versions in `table` older than the latest one (`latest`, joined on `keys`): the latest
    is written with its entry."""
    joined = [latest.c[own] == table.c[theirs] for own, theirs in [("stack", "stack"), *keys]]
    return table.c.version < select(latest.c.version).where(*joined).scalar_subquery()


ENTRY_KEYS = (("uid", "uid"), ("locale", "locale"))
VARIANT_KEYS = (("entry", "entry"), ("locale", "locale"), ("variant", "variant"))

KINDS: tuple[Kind, ...] = (
    Kind("locales", t.locales, ("code",), _each(lambda tx, s, x: tx.locales.add(s, x["doc"]))),
    Kind(
        "environments",
        t.environments,
        ("uid",),
        _each(lambda tx, s, x: tx.environments.add(s, x["doc"])),
    ),
    Kind(
        "content_types",
        t.content_types,
        ("uid",),
        _each(lambda tx, s, x: tx.content_types.add(s, x["doc"])),
    ),
    # Global fields, labels, extensions, taxonomies; then the taxonomies' terms.
    Kind("modules", t.module_docs, ("module", "uid"), _raw(t.module_docs)),
    Kind("taxonomy_terms", t.taxonomy_terms, ("taxonomy", "uid"), _raw(t.taxonomy_terms)),
    # Custom roles (the users holding them are the stack's shares, which stay behind).
    Kind("roles", t.custom_roles, ("uid",), _raw(t.custom_roles)),
    Kind(
        "variant_groups",
        t.variant_groups,
        ("uid",),
        _each(lambda tx, s, x: tx.variant_groups.add(s, x["doc"])),
    ),
    Kind(
        "variants",
        t.variants,
        ("uid",),
        _each(lambda tx, s, x: tx.variants.add(s, x["doc"], x["alias"])),
    ),
    # Assets and folders (their latest documents, indexed and recorded as a save records them).
    Kind(
        "assets",
        t.assets,
        ("uid",),
        _each(lambda tx, s, x: tx.assets.save(s, x["doc"], None, new=True)),
    ),
    Kind(
        "asset_versions",
        t.asset_versions,
        ("uid", "version"),
        _raw(t.asset_versions),
        before=_asset_files,
    ),
    Kind("entries", t.entries, ("uid", "locale"), _entries),
    Kind(
        "entry_versions",
        t.entry_versions,
        ("uid", "locale", "version"),
        _raw(t.entry_versions),
        match=lambda: _older(t.entry_versions, t.entries, ENTRY_KEYS),
    ),
    Kind("entry_variants", t.entry_variants, ("entry", "locale", "variant"), _entry_variants),
    Kind(
        "entry_variant_versions",
        t.entry_variant_versions,
        ("entry", "locale", "variant", "version"),
        _raw(t.entry_variant_versions),
        match=lambda: _older(t.entry_variant_versions, t.entry_variants, VARIANT_KEYS),
    ),
    # In change order per environment (the Sync API's initial order), by `ix_publications_sync`.
    # (Assets' change numbers may repeat, from the migration that made them: in key order.)
    Kind(
        "publications",
        t.publications,
        ("environment", "variant", "seq"),  # one change number per publication
        _publications,
    ),
    Kind(
        "asset_publications",
        t.asset_publications,
        ("environment", "locale", "uid"),
        _each(
            lambda tx, s, x: tx.assets.publish(
                s,
                x["environment"],
                x["locale"],
                x["doc"],
                published_at=x["published_at"],
                published_by=x["published_by"],
            )
        ),
    ),
    Kind(
        "tokens",
        t.tokens,
        ("uid",),
        _each(lambda tx, s, x: tx.tokens.add({**x, "stack": s})),
        secret=True,
    ),
    Kind("webhooks", t.webhooks, ("uid",), _each(_webhook), secret=True),
)

# Columns an export leaves out: the stack (the file's), and where the source's own change
# numbers were (the import records its own).
SKIPPED = frozenset({"stack", "seq", "since"})
