"""The pure parts of taxonomies (`veneer.domain.taxonomies`): the hierarchical operators' terms,
the expansion of a query, and the `taxonomies.<uid>` values an entry holds. Table-driven."""

from __future__ import annotations

from typing import Any

import pytest

from veneer.domain import taxonomies
from veneer.domain.query import compile_query
from veneer.errors import ValidationFailed

# warm > red > crimson > dark ; warm > orange ; cool
PARENTS = {
    "warm": "",
    "cool": "",
    "red": "warm",
    "orange": "warm",
    "crimson": "red",
    "dark": "crimson",
}


def children_of(parents: list[str]) -> list[str]:
    return [uid for uid, parent in PARENTS.items() if parent in parents]


@pytest.mark.parametrize(
    ("op", "term", "levels", "expected"),
    [
        ("$eq_below", "warm", 10, ["warm", "red", "orange", "crimson", "dark"]),
        ("$below", "warm", 10, ["red", "orange", "crimson", "dark"]),
        ("$below", "warm", 1, ["red", "orange"]),
        ("$eq_below", "dark", 10, ["dark"]),
        ("$eq_below", "warm", 0, ["warm"]),
        ("$below", "warm", 0, []),
        ("$eq_above", "dark", 0, ["dark"]),
        ("$eq_above", "dark", 10, ["dark", "crimson", "red", "warm"]),
        ("$above", "dark", 2, ["crimson", "red"]),
        ("$above", "warm", 10, []),
        ("$eq_below", "nope", 10, []),
        ("$above", "nope", 10, []),
    ],
)
def test_related_terms(op: str, term: str, levels: int, expected: list[str]) -> None:
    found = taxonomies.related_terms(op, term, levels, PARENTS.get, children_of)
    assert found == expected


def expansion(taxonomy: str, term: str, op: str, levels: int) -> list[str]:
    return [f"{taxonomy}:{term}:{op}:{levels}"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"taxonomies.c": {"$below": "x"}}, {"taxonomies.c": {"$in": ["c:x:$below:10"]}}),
        (
            {"taxonomies.c": {"$eq_above": "x", "levels": "2"}, "title": "t"},
            {"taxonomies.c": {"$in": ["c:x:$eq_above:2"]}, "title": "t"},
        ),
        (
            {"$or": [{"taxonomies.c": {"$above": "x", "levels": 1}}, {"a": 1}]},
            {"$or": [{"taxonomies.c": {"$in": ["c:x:$above:1"]}}, {"a": 1}]},
        ),
        ({"taxonomies.c": {"$in": ["x"]}}, {"taxonomies.c": {"$in": ["x"]}}),
    ],
)
def test_expand_query(query: dict[str, Any], expected: dict[str, Any]) -> None:
    assert taxonomies.hierarchical(query) == (query != expected)
    assert taxonomies.expand_query(query, expansion) == expected
    compile_query(expected)  # what the evaluator and SQL then see is a plain query


@pytest.mark.parametrize(
    "query",
    [
        {"title": {"$below": "x"}},
        {"taxonomies.c.d": {"$below": "x"}},
        {"taxonomies.c": {"$below": "x", "$eq_below": "y"}},
        {"taxonomies.c": {"$below": "x", "$ne": "y"}},
        {"taxonomies.c": {"$below": ""}},
        {"taxonomies.c": {"$below": "x", "levels": -1}},
        {"taxonomies.c": {"$below": "x", "levels": 11}},
        {"taxonomies.c": {"$below": "x", "levels": True}},
    ],
)
def test_bad_hierarchical_queries(query: dict[str, Any]) -> None:
    with pytest.raises(ValidationFailed) as raised:
        taxonomies.expand_query(query, expansion)
    assert list(raised.value.errors) == ["query"]


def test_unexpanded_operators_are_unknown_to_the_evaluator() -> None:
    with pytest.raises(ValidationFailed):
        compile_query({"taxonomies.c": {"$below": "x"}})


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        (
            [
                {"taxonomy_uid": "c", "term_uid": "a"},
                {"taxonomy_uid": "s", "term_uid": "b"},
                {"taxonomy_uid": "c", "term_uid": "d"},
            ],
            {"taxonomies.c": ["a", "d"], "taxonomies.s": ["b"]},
        ),
        ([{"taxonomy_uid": "term_uid", "term_uid": "a"}, {"taxonomy_uid": "c"}], {}),
        ([{"taxonomy_uid": "a.b", "term_uid": "x"}, "junk", 3], {}),
        ("not a list", {}),
    ],
)
def test_taxonomy_paths(items: Any, expected: dict[str, list[str]]) -> None:
    assert taxonomies.taxonomy_paths(items) == expected
