"""Table-driven tests for veneer.domain.fieldindex: a document as the rows of the value index."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from veneer.domain.fieldindex import (
    KIND_BOOL,
    KIND_JSON,
    KIND_NULL,
    KIND_NUMBER,
    KIND_STRING,
    MAX_PATH,
    TEXT_PREFIX,
    Key,
    Row,
    decode_text,
    document_rows,
    json_hash,
    rows_with,
    split_text,
    value_key,
)
from veneer.domain.query import _flat, _sort_key, _values_at

ROOT_ROW = Row("", 0, KIND_JSON, 0, "", "", False)


def rows_at(doc: dict[str, Any], path: str) -> list[tuple[int, Any, str, str, bool]]:
    return [(r.kind, r.num, r.text, r.tail, r.first) for r in document_rows(doc) if r.path == path]


def s(text: str, first: bool = False) -> tuple[int, Any, str, str, bool]:
    return (KIND_STRING, 0, text, "", first)


def n(number: float, first: bool = False) -> tuple[int, Any, str, str, bool]:
    return (KIND_NUMBER, number, "", "", first)


def j(value: Any, first: bool = False) -> tuple[int, Any, str, str, bool]:
    return (KIND_JSON, 0, json_hash(value), "", first)


CASES: list[tuple[str, dict[str, Any], str, list[tuple[int, Any, str, str, bool]]]] = [
    ("a string is its own sort key", {"t": "x"}, "t", [s("x", True)]),
    ("a number", {"n": -2.5}, "n", [n(-2.5, True)]),
    ("a whole float is stored as the integer", {"n": 3.0}, "n", [n(3, True)]),
    ("booleans are kind bool, 0/1", {"b": True}, "b", [(KIND_BOOL, 1, "", "", True)]),
    ("null has no sort key", {"z": None}, "z", [(KIND_NULL, 0, "", "", False)]),
    (
        "a list of scalars: the list, then each element; the first element sorts",
        {"tags": ["b", "a"]},
        "tags",
        [j(["b", "a"]), s("b", True), s("a")],
    ),
    ("an empty list has no sort key", {"tags": []}, "tags", [j([])]),
    (
        "equal values share a row (1 and 1.0 too)",
        {"tags": [1, 1.0, 2, 1]},
        "tags",
        [j([1, 1, 2, 1]), n(1, True), n(2)],
    ),
    ("a group is a hash", {"g": {"a": 1}}, "g", [j({"a": 1}, True)]),
    ("into a group", {"g": {"a": 1}}, "g.a", [n(1, True)]),
    (
        "through a list of instances, in order",
        {"l": [{"a": "x"}, {"b": 1}, {"a": "y"}]},
        "l.a",
        [s("x", True), s("y")],
    ),
    (
        "a reference",
        {"r": [{"uid": "u1", "_content_type_uid": "p"}]},
        "r.uid",
        [s("u1", True)],
    ),
    (
        "a list under a list of instances: each value and its elements",
        {"l": [{"a": [3, 4]}, {"a": 5}]},
        "l.a",
        [j([3, 4]), n(3, True), n(4), n(5)],
    ),
    ("lists of lists do not fan out", {"l": [[{"a": 1}]]}, "l.a", []),
    ("a key with a dot is unreachable", {"a.b": 1}, "a.b", []),
    ("an empty key inside is reachable", {"a": {"": 1}}, "a.", [n(1, True)]),
    ("a top-level empty key has no rows: the root's", {"": 1}, "", [ROOT_ROW[2:]]),
    (
        "control characters are escaped",
        {"t": "a\x00b\x01"},
        "t",
        [s("a\x01\x01b\x01\x02", True)],
    ),
    (
        "a long string is cut after TEXT_PREFIX characters",
        {"t": "x" * TEXT_PREFIX + "tail"},
        "t",
        [(KIND_STRING, 0, "x" * TEXT_PREFIX, "tail", True)],
    ),
    ("a path over MAX_PATH characters is not indexed", {"k" * (MAX_PATH + 1): 1}, "k" * 301, []),
]


@pytest.mark.parametrize("doc,path,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rows(doc: dict[str, Any], path: str, expected: list[Any]) -> None:
    assert rows_at(doc, path) == expected


def test_the_document_is_the_root_row_and_rows_are_numbered_per_path() -> None:
    rows = document_rows({"tags": ["a", "b"], "t": "x"})
    assert rows[0] == ROOT_ROW
    assert [(r.path, r.n) for r in rows[1:]] == [("tags", 0), ("tags", 1), ("tags", 2), ("t", 0)]


@pytest.mark.parametrize(
    "a,b,equal",
    [
        ({"a": 1, "b": [1.0]}, {"b": [1], "a": 1.0}, True),
        ({"a": True}, {"a": 1}, False),
        ([1, 2], [2, 1], False),
        ({"a": None}, {}, False),
        (["é"], ["é"], True),
    ],
)
def test_json_hash_is_json_equality(a: Any, b: Any, equal: bool) -> None:
    assert (json_hash(a) == json_hash(b)) is equal


@pytest.mark.parametrize("text", ["", "abc", "\x00", "\x01", "\x01\x01\x00\x02", "x" * 300])
def test_split_text_round_trips(text: str) -> None:
    head, tail = split_text(text)
    assert decode_text(head + tail) == text
    assert len(head) <= TEXT_PREFIX


@given(st.lists(st.text(max_size=4), min_size=2, max_size=2))
def test_the_escape_keeps_code_point_order(pair: list[str]) -> None:
    a, b = pair
    assert (split_text(a) < split_text(b)) == (a < b)


INTEGERS = st.integers(-(2**63), 2**64 - 1)  # what orjson parses, so what documents hold
scalars = st.none() | st.booleans() | INTEGERS | st.floats(allow_nan=False) | st.text()
documents = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from("ab"), inner),
    max_leaves=10,
).map(lambda value: {"a": value})


@settings(max_examples=300, derandomize=True)
@given(documents, st.sampled_from(["a", "a.a", "a.b", "a.a.b", "a.b.a", "b"]))
def test_rows_hold_what_the_oracle_reaches(doc: dict[str, Any], path: str) -> None:
    """One row per distinct value `_flat(_values_at(...))` yields; the first is the sort key."""
    values = _values_at(doc, tuple(path.split(".")))
    rows = [r for r in document_rows(doc) if r.path == path]
    keys = {value_key(v) for v in _flat(values)}  # 1 and 1.0 are one key, as in the oracle
    assert {Key(r.kind, r.num, r.text, r.tail) for r in rows} == keys
    assert len(rows) == len(keys)
    firsts = [Key(r.kind, r.num, r.text, r.tail) for r in rows if r.first]
    if _sort_key(values) is None:
        assert firsts == []
    else:
        head = values[0][0] if isinstance(values[0], list) else values[0]
        assert firsts == [value_key(head)]


@settings(max_examples=200, derandomize=True)
@given(documents, documents)
def test_rows_with_added_keys_are_the_rows_of_the_whole_document(
    doc: dict[str, Any], added: dict[str, Any]
) -> None:
    """A published document is its entry plus `publish_details`: its rows are the entry's rows
    plus those of the added keys (the bulk path walks each document once)."""
    extra = {"publish_details": added["a"], "b.c": 1, "": {"x": 2}}
    assert sorted(rows_with(document_rows(doc), extra)) == sorted(document_rows({**doc, **extra}))
