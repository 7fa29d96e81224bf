"""A document as the rows of the field-value index (`store.tables.entry_values`, docs/queries.md).

Pure: no I/O. The rows hold, for every dot path a query can reach, each value `query._flat` yields
there (the value, and each element of a list value), so that SQL can answer what
`veneer.domain.query` answers by walking the document:

- `path` is the logical path of dict keys. A list of instances fans out without an index, exactly
  as `query._values_at` walks, so "links.label" holds the label of every link. Keys holding a "."
  are never reached by a dot path and are left out; the document itself is the row at path "".
- `kind` ranks like the oracle's sort (null < number < string < bool < json); a number is in `num`,
  a bool is 0/1 in `num`, a string is in `text` (its first TEXT_PREFIX characters, the rest in
  `tail`, so that the indexed column stays small), a dict or list is a hash of its canonical JSON
  in `text` (JSON equality: True is not 1, 1 is 1.0, key order does not count).
- Strings are stored with \\x00 and \\x01 escaped to \\x01\\x01 and \\x01\\x02 (PostgreSQL text cannot
  hold \\x00); the escape keeps code-point order and equality, and `decode_text` undoes it.
- Values equal under the oracle's rules share one row per path; `first` marks the row that is the
  oracle's sort key for the path (`query._sort_key`), if it has one.
- An entry's terms (`taxonomies: [{taxonomy_uid, term_uid}]`) also get rows at
  `taxonomies.<taxonomy_uid>`, the term uids held there, after whatever values the walk finds at
  that path, as `query._values_at` reaches them (`domain.taxonomies.taxonomy_paths`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any, NamedTuple

import orjson

from veneer.domain import taxonomies

KIND_NULL, KIND_NUMBER, KIND_STRING, KIND_BOOL, KIND_JSON = range(5)
TEXT_PREFIX = 128  # characters of a (escaped) string kept in the indexed `text` column
MAX_PATH = 300  # characters; longer paths are not indexed, and queries on them refused
ROOT = ""  # the path of the row that says "this document exists"

Number = int | float


class Key(NamedTuple):
    """What identifies a value in the index: equal keys are equal values under the oracle."""

    kind: int
    num: Number
    text: str
    tail: str


class Row(NamedTuple):
    path: str
    n: int  # the row's position among the rows of its path
    kind: int
    num: Number
    text: str
    tail: str
    first: bool


def document_rows(doc: dict[str, Any]) -> list[Row]:
    """Every row of `doc`: the root row, then the rows of each reachable path."""
    rows = [Row(ROOT, 0, KIND_JSON, 0, "", "", False)]
    # What `query._values_at` adds at `taxonomies.<taxonomy_uid>`: the entry's terms there.
    terms = taxonomies.taxonomy_paths(doc.get(taxonomies.FIELD_UID))
    for path, values in _paths(doc):
        rows.extend(_rows_at(path, values + terms.pop(path, [])))
    for path, values in terms.items():
        if len(path) <= MAX_PATH:
            rows.extend(_rows_at(path, values))
    return rows


def rows_with(rows: list[Row], added: dict[str, Any]) -> list[Row]:
    """The rows of a document with the top-level keys `added`, given `rows`, those of the same
    document without them (a published document is the entry plus `publish_details`). Paths under
    different top-level keys never share rows, so only the added keys' rows are computed."""
    return rows + document_rows(added)[1:]


def value_key(value: Any) -> Key:
    """The columns one JSON value is stored as (also used for a query's operands). Equal numbers
    (1 and 1.0) get one key: a float that is a whole number is stored as the integer."""
    kind = type(value)
    if kind is str:
        text, tail = split_text(value)
        return Key(KIND_STRING, 0, text, tail)
    if kind is int:
        return Key(KIND_NUMBER, value, "", "")
    if kind is float:
        return Key(KIND_NUMBER, _canonical(value), "", "")
    if kind is bool:
        return Key(KIND_BOOL, int(value), "", "")
    if value is None:
        return Key(KIND_NULL, 0, "", "")
    return Key(KIND_JSON, 0, json_hash(value), "")


def split_text(value: str) -> tuple[str, str]:
    """A string as the (text, tail) columns: escaped, then cut after TEXT_PREFIX characters."""
    escaped = value.replace("\x01", "\x01\x02").replace("\x00", "\x01\x01")
    return escaped[:TEXT_PREFIX], escaped[TEXT_PREFIX:]


def decode_text(stored: str) -> str:
    """The original string of a stored (text + tail)."""
    return stored.replace("\x01\x01", "\x00").replace("\x01\x02", "\x01")


def json_hash(value: Any) -> str:
    """A digest of a dict or list that is equal exactly when the oracle's `_json_eq` is."""
    canonical = orjson.dumps(_canonical(value), option=orjson.OPT_SORT_KEYS)
    return hashlib.blake2b(canonical, digest_size=16).hexdigest()


def _canonical(value: Any) -> Any:
    # 1.0 and 1 are equal JSON numbers; a float that is a whole number is written as the integer.
    if isinstance(value, float) and value.is_integer() and -(2**63) <= value < 2**64:
        return int(value)
    if isinstance(value, dict):
        return {key: _canonical(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_canonical(item) for item in value]
    return value


def _paths(doc: dict[str, Any]) -> Iterator[tuple[str, list[Any]]]:
    """(path, the values `query._values_at` reaches there) for every path with a value, breadth
    first. A top-level key "" is walked through but has no rows of its own: its path would be the
    root's, and neither a query (empty segments are refused) nor a sort (an empty field means the
    default) can name it."""
    level: list[tuple[str | None, list[Any]]] = [(None, [doc])]  # None: the document's own level
    while level:
        level = [
            (
                key if path is None else f"{path}.{key}",
                [v for node in nodes for v in _step(node, key)],
            )
            for path, nodes in level
            for key in _keys(nodes)
        ]
        level = [
            (path, values) for path, values in level if path is not None and len(path) <= MAX_PATH
        ]
        yield from ((path, values) for path, values in level if path)


def _keys(nodes: list[Any]) -> dict[str, None]:
    """The keys a next path segment can name, in first-seen order (a dict used as ordered set)."""
    keys: dict[str, None] = {}
    for node in nodes:
        for item in node if isinstance(node, list) else [node]:
            if isinstance(item, dict):
                keys.update((key, None) for key in item if "." not in key)
    return keys


def _step(node: Any, key: str) -> list[Any]:
    # `query._step` without its list-position rule: numeric segments are refused in SQL queries.
    if isinstance(node, dict):
        return [node[key]] if key in node else []
    if isinstance(node, list):
        return [item[key] for item in node if isinstance(item, dict) and key in item]
    return []


def _rows_at(path: str, values: list[Any]) -> list[Row]:
    """One row per distinct key among the values `query._flat` yields, in that order."""
    if len(values) == 1 and not isinstance(values[0], list):  # the common case, made quick
        kind, num, text, tail = value_key(values[0])
        return [Row(path, 0, kind, num, text, tail, kind != KIND_NULL)]
    keys = []
    for value in values:
        keys.append(value_key(value))
        if isinstance(value, list):
            keys.extend(value_key(item) for item in value)
    first = _first(values, keys)
    return [
        Row(path, n, key.kind, key.num, key.text, key.tail, key == first)
        for n, key in enumerate(dict.fromkeys(keys))
    ]


def _first(values: list[Any], keys: list[Key]) -> Key | None:
    """The key of `query._sort_key`'s value: the first value, or the first element of a list
    (which comes right after the list among the keys); none for null or an empty list."""
    head = values[0]
    at = (1 if head else None) if isinstance(head, list) else 0
    if at is None or keys[at].kind == KIND_NULL:
        return None
    return keys[at]
