"""Unique field values (`tables.unique_values`): which entry holds each value of a unique field,
per stack, content type, locale and field. The table's primary key is that tuple plus the value's
key, so the database itself refuses a second holder: race-free, one index probe per value.

A value's key compares like Python's `==` on the value `domain.schema.unique_values` returns:
canonical JSON (object keys sorted, booleans and integral floats as integers, as `True == 1 ==
1.0` in Python; strings in Unicode normal form C, so that canonically equivalent spellings such as
NFC and NFD "Café" are one value), replaced by `#` and its SHA-256 when longer than KEY_LENGTH (docs/behaviour.md).
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import orjson
from sqlalchemy import MetaData, Table, insert, select, tuple_
from sqlalchemy.engine import Connection

import veneer.store.tables as t
from veneer.domain import schema as domain_schema
from veneer.errors import ValidationFailed
from veneer.store.core import Rows, refusals, scope, where

KEY_LENGTH = 128
HELD_SLICE = 500  # values looked up per statement by `claim_many`
ENTRY_REFUSAL = "Entry creation failed. Please enter valid data."


def _canonical(value: Any) -> Any:
    """`value` with every number Python holds equal to an integer made that integer, and every
    string in Unicode normal form C."""
    if isinstance(value, dict):
        return {key: _canonical(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_canonical(item) for item in value]
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):  # NFC and NFD "Café" are one value to a reader
        return unicodedata.normalize("NFC", value)
    return value


def value_key(value: Any) -> str:
    """The key two values share exactly when Python holds them equal (`==`), at most KEY_LENGTH
    characters."""
    text = orjson.dumps(
        _canonical(value), option=orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_SUBCLASS
    ).decode()
    if len(text) <= KEY_LENGTH:
        return text  # JSON never starts with '#'
    return "#" + hashlib.sha256(text.encode()).hexdigest()


def not_unique(fields: Iterable[str]) -> ValidationFailed:
    """The refusal of an entry holding a value another entry holds: 422, each field 'is not
    unique.'."""
    return ValidationFailed(ENTRY_REFUSAL, {field: ["is not unique."] for field in fields})


def already_clashing(fields: list[str]) -> ValidationFailed:
    """The refusal of a schema making fields unique whose values existing entries share."""
    return ValidationFailed(
        f"Content Type update failed. Entries already share values of {', '.join(fields)}: "
        "a field can only be made unique once its values are.",
        {field: ["is not unique: entries already share a value of it."] for field in fields},
    )


@dataclass(frozen=True)
class Holder:
    """An entry's localization and the values of its unique fields (`unique_values`'s result)."""

    entry: str
    locale: str
    values: Mapping[str, Any]


def claims(
    stack: str, content_type: str, holders: Iterable[Holder]
) -> tuple[list[dict[str, str]], list[str]]:
    """The rows `holders` claim, in order, and the fields on which a later holder's value clashes
    with an earlier one's (that later claim is left out)."""
    rows: dict[tuple[str, str, str], dict[str, str]] = {}
    clashes: list[str] = []
    for holder in holders:
        for field, value in holder.values.items():
            key = (holder.locale, field, value_key(value))
            if key in rows:
                clashes += [field] if field not in clashes else []
                continue
            rows[key] = {
                "stack": stack,
                "content_type": content_type,
                "locale": holder.locale,
                "field": field,
                "value": key[2],
                "entry": holder.entry,
            }
    return list(rows.values()), clashes


def existing_claims(conn: Connection) -> Iterator[list[dict[str, Any]]]:
    """The `unique_values` rows of every entry stored, per content type with unique fields, each
    value to the oldest uid holding it (migrations 0003 and 0008 fill the table with them)."""
    meta = MetaData()
    types = Table("content_types", meta, autoload_with=conn)
    entries = Table("entries", meta, autoload_with=conn)
    for stack, uid, text in conn.execute(select(types.c.stack, types.c.uid, types.c.doc)).all():
        schema = orjson.loads(text).get("schema") or []
        if not any(field.get("unique") for field in schema):
            continue
        docs = conn.execute(
            select(entries.c.uid, entries.c.locale, entries.c.doc)
            .where(entries.c.stack == stack, entries.c.content_type == uid)
            .order_by(entries.c.uid, entries.c.locale)
        )
        holders = (
            Holder(e, code, domain_schema.unique_values(schema, orjson.loads(doc)))
            for e, code, doc in docs
        )
        rows, _ = claims(stack, uid, holders)
        if rows:
            yield rows


class Uniques(Rows):
    def claim(self, stack: str, content_type: str, holder: Holder) -> None:
        """Make `holder`'s values its own in its locale, replacing what it held before; refuse
        (422, nothing written) when another entry holds one of them."""
        rows, _ = claims(stack, content_type, [holder])
        self._check_free(stack, content_type, holder.entry, rows)
        self.release(stack, holder.entry, holder.locale)
        for row in rows:  # one at a time, so a concurrent claim's refusal names its field
            with refusals(partial(not_unique, [row["field"]])):
                self._conn.execute(insert(t.unique_values).values(**row))

    def _check_free(
        self, stack: str, content_type: str, entry: str, rows: list[dict[str, str]]
    ) -> None:
        """Refuse, naming every clashing field, when another entry holds one of `rows`' values."""
        if not rows:
            return
        u = t.unique_values
        held = self._conn.execute(
            select(u.c.field).where(
                u.c.stack == stack,
                u.c.content_type == content_type,
                u.c.locale == rows[0]["locale"],
                tuple_(u.c.field, u.c.value).in_([(row["field"], row["value"]) for row in rows]),
                u.c.entry != entry,
            )
        ).scalars()
        clashes = set(held)
        if clashes:
            raise not_unique(row["field"] for row in rows if row["field"] in clashes)

    def claim_many(
        self, stack: str, content_type: str, holders: Sequence[Holder]
    ) -> dict[int, list[str]]:
        """Make each of `holders` (entries new in their locale) hold its values, unless another
        entry holds one of them already or an earlier accepted one of `holders` claims it, as
        claiming them one by one would: those are refused, and the answer maps their positions
        to the clashing fields (`not_unique`)."""
        keys = [
            [(holder.locale, field, value_key(value)) for field, value in holder.values.items()]
            for holder in holders
        ]
        held = set(self._held(stack, content_type, list({key for own in keys for key in own})))
        claimed: dict[tuple[str, str, str], int] = {}  # (locale, field, value key) -> holder
        refused: dict[int, list[str]] = {}
        for position, own in enumerate(keys):
            clashes = [key[1] for key in own if key in held or key in claimed]
            if clashes:
                refused[position] = clashes
                continue
            claimed.update((key, position) for key in own)
        rows = (
            (stack, content_type, locale, field, value, holders[position].entry)
            for (locale, field, value), position in claimed.items()
        )
        with refusals(partial(not_unique, [])):  # a concurrent writer claimed one meanwhile
            self._sql.insert_rows(self._conn, t.unique_values, rows)
        return refused

    def _held(
        self, stack: str, content_type: str, keys: list[tuple[str, str, str]]
    ) -> list[tuple[str, str, str]]:
        """Which of `keys` (locale, field, value key) an entry holds already: one `value IN (…)`
        per locale and field, which both databases answer from the primary key."""
        wanted: dict[tuple[str, str], list[str]] = {}
        for locale, field, value in keys:
            wanted.setdefault((locale, field), []).append(value)
        u = t.unique_values
        found: list[tuple[str, str, str]] = []
        for (locale, field), values in wanted.items():
            for start in range(0, len(values), HELD_SLICE):
                held = self._conn.execute(
                    select(u.c.value).where(
                        where(u, scope(stack, content_type=content_type, locale=locale)),
                        u.c.field == field,
                        u.c.value.in_(values[start : start + HELD_SLICE]),
                    )
                ).scalars()
                found.extend((locale, field, value) for value in held)
        return found

    def holder(
        self, stack: str, content_type: str, locale: str, field: str, value: Any
    ) -> str | None:
        """The entry holding `value` of a unique field in a locale, or None."""
        u = t.unique_values
        keys = {"stack": stack, "content_type": content_type, "locale": locale, "field": field}
        query = select(u.c.entry).where(where(u, {**keys, "value": value_key(value)}))
        found: str | None = self._conn.execute(query).scalar()
        return found

    def release(self, stack: str, entry: str, locale: str | None = None) -> None:
        """Free the values an entry holds (only in `locale`, when given)."""
        self._delete(t.unique_values, **scope(stack, entry=entry, locale=locale))

    def release_type(self, stack: str, content_type: str) -> None:
        """Free every value held by the entries of a content type."""
        self._delete(t.unique_values, stack=stack, content_type=content_type)

    def release_locale(self, stack: str, locale: str) -> None:
        """Free every value held in a locale."""
        self._delete(t.unique_values, stack=stack, locale=locale)

    def rebuild(self, stack: str, content_type: str, holders: Iterable[Holder]) -> None:
        """Replace a content type's claims with those of `holders` (its schema's unique fields
        changed); refuse (422, naming the fields) when two of them hold the same value."""
        rows, clashes = claims(stack, content_type, holders)
        if clashes:
            raise already_clashing(clashes)
        self.release_type(stack, content_type)
        if rows:
            self._conn.execute(insert(t.unique_values), rows)
