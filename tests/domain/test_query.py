"""Table-driven tests for veneer.domain.query: filtering, sorting and projection of entries."""

from __future__ import annotations

import copy
import time
from typing import Any

import pytest

from veneer.domain.query import (
    MAX_CLAUSES,
    MAX_DEPTH,
    compile_query,
    project,
    sort_entries,
)
from veneer.errors import ValidationFailed

E1: dict[str, Any] = {
    "uid": "e1",
    "title": "Hello World",
    "n": 5,
    "price": 9.5,
    "flag": True,
    "tags": ["a", "b"],
    "date": "2024-01-10",
    "seo": {"meta_title": "Home", "noindex": False},
    "links": [{"label": "x", "n": 1}, {"label": "y", "n": 2}],
    "author": [{"uid": "blt_a", "_content_type_uid": "person"}],
    "sections": [
        {"hero": {"heading": "Big", "_metadata": {"uid": "cs1"}}},
        {"quote": {"text": "Q", "_metadata": {"uid": "cs2"}}},
    ],
    "empty": None,
    "updated_at": "2024-03-01T00:00:00.000Z",
}
E2: dict[str, Any] = {
    "uid": "e2",
    "title": "hello there",
    "n": 10,
    "flag": False,
    "tags": ["b", "c"],
    "date": "2024-02-01T10:00:00.000Z",
    "seo": {"meta_title": "About"},
    "links": [],
    "author": [{"uid": "blt_b", "_content_type_uid": "person"}],
    "sections": [{"quote": {"text": "Z"}}],
    "updated_at": "2024-01-01T00:00:00.000Z",
}
E3: dict[str, Any] = {
    "uid": "e3",
    "title": "Other",
    "n": "5",
    "tags": [],
    "updated_at": "2024-02-01T00:00:00.000Z",
}
ENTRIES = [E1, E2, E3]


def matching(q: object) -> list[str]:
    match = compile_query(q)
    return [entry["uid"] for entry in ENTRIES if match(entry)]


def nested(levels: int) -> dict[str, Any]:
    q: dict[str, Any] = {"n": 5}
    for _ in range(levels):
        q = {"$and": [q]}
    return q


# ---------------------------------------------------------------------------------------------
# compile_query: matching

MATCHES: list[tuple[str, object, list[str]]] = [
    ("empty query", {}, ["e1", "e2", "e3"]),
    ("equality", {"title": "Other"}, ["e3"]),
    ("number equality is typed", {"n": 5}, ["e1"]),
    ("string equality is typed", {"n": "5"}, ["e3"]),
    ("int equals float", {"price": 9.5}, ["e1"]),
    ("boolean", {"flag": True}, ["e1"]),
    ("true is not 1", {"flag": 1}, []),
    ("1 is not true", {"n": True}, []),
    ("list membership", {"tags": "b"}, ["e1", "e2"]),
    ("whole list", {"tags": ["a", "b"]}, ["e1"]),
    ("empty list", {"tags": []}, ["e3"]),
    ("group path", {"seo.meta_title": "Home"}, ["e1"]),
    ("sub-document", {"seo": {"meta_title": "About"}}, ["e2"]),
    ("sub-document is exact", {"seo": {"meta_title": "Home"}}, []),
    ("path through instances", {"links.label": "y"}, ["e1"]),
    ("indexed path", {"links.1.label": "y"}, ["e1"]),
    ("index out of range", {"links.5.label": "y"}, []),
    ("reference uid", {"author.uid": "blt_b"}, ["e2"]),
    ("block path", {"sections.hero.heading": "Big"}, ["e1"]),
    ("block path, other block", {"sections.quote.text": "Z"}, ["e2"]),
    ("instance uid path", {"sections.hero._metadata.uid": "cs1"}, ["e1"]),
    ("null matches missing", {"seo": None}, ["e3"]),
    ("null matches null and missing", {"empty": None}, ["e1", "e2", "e3"]),
    ("path through a scalar", {"title.x": "y"}, []),
    ("$ne", {"title": {"$ne": "Other"}}, ["e1", "e2"]),
    ("$ne matches missing", {"seo.noindex": {"$ne": False}}, ["e2", "e3"]),
    ("$ne over a list", {"tags": {"$ne": "b"}}, ["e3"]),
    ("$ne null", {"seo": {"$ne": None}}, ["e1", "e2"]),
    ("$in", {"n": {"$in": [5, 10]}}, ["e1", "e2"]),
    ("$in over a list", {"tags": {"$in": ["c", "z"]}}, ["e2"]),
    ("$in null", {"seo": {"$in": [None]}}, ["e3"]),
    ("$in empty", {"n": {"$in": []}}, []),
    ("$nin", {"tags": {"$nin": ["a"]}}, ["e2", "e3"]),
    ("$nin empty", {"n": {"$nin": []}}, ["e1", "e2", "e3"]),
    ("$lt", {"n": {"$lt": 10}}, ["e1"]),
    ("$lte", {"n": {"$lte": 10}}, ["e1", "e2"]),
    ("$gt", {"n": {"$gt": 5}}, ["e2"]),
    ("$gte", {"n": {"$gte": 5}}, ["e1", "e2"]),
    ("range", {"n": {"$gt": 1, "$lt": 8}}, ["e1"]),
    ("float bound", {"price": {"$gt": 9.4}}, ["e1"]),
    ("string comparison", {"title": {"$lt": "Z"}}, ["e1", "e3"]),
    ("string against number never matches", {"n": {"$gte": "0"}}, ["e3"]),
    ("iso dates", {"date": {"$gte": "2024-02-01"}}, ["e2"]),
    ("comparison through instances", {"links.n": {"$gt": 1}}, ["e1"]),
    ("comparison over a list", {"tags": {"$gte": "c"}}, ["e2"]),
    ("$exists true", {"seo": {"$exists": True}}, ["e1", "e2"]),
    ("$exists false", {"seo": {"$exists": False}}, ["e3"]),
    ("$exists on null", {"empty": {"$exists": True}}, ["e1"]),
    ("$exists deep", {"seo.noindex": {"$exists": True}}, ["e1"]),
    ("$regex", {"title": {"$regex": "^hello"}}, ["e2"]),
    ("$regex is a search", {"title": {"$regex": "o W"}}, ["e1"]),
    ("$regex $options i", {"title": {"$regex": "^hello", "$options": "i"}}, ["e1", "e2"]),
    ("$regex empty options", {"title": {"$regex": "^O", "$options": ""}}, ["e3"]),
    ("$regex over a list", {"tags": {"$regex": "^c$"}}, ["e2"]),
    ("$regex skips numbers", {"n": {"$regex": "5"}}, ["e3"]),
    ("$regex through instances", {"links.label": {"$regex": "[xy]"}}, ["e1"]),
    ("$and", {"$and": [{"tags": "b"}, {"flag": False}]}, ["e2"]),
    ("$or", {"$or": [{"title": "Other"}, {"n": 10}]}, ["e2", "e3"]),
    (
        "nested logic",
        {"$or": [{"$and": [{"n": 5}, {"flag": True}]}, {"title": "Other"}]},
        ["e1", "e3"],
    ),
    ("field beside $or", {"tags": "b", "$or": [{"n": 5}, {"n": 10}]}, ["e1", "e2"]),
    ("two conditions on one field", {"$and": [{"n": {"$gte": 5}}, {"n": {"$lte": 5}}]}, ["e1"]),
    ("many fields are ANDed", {"flag": True, "n": 10}, []),
    ("deepest allowed nesting", nested(MAX_DEPTH - 1), ["e1"]),
    ("most clauses allowed", {"$or": [{"n": i} for i in range(MAX_CLAUSES - 1)]}, ["e1", "e2"]),
]


@pytest.mark.parametrize("q,expected", [c[1:] for c in MATCHES], ids=[c[0] for c in MATCHES])
def test_query_matches(q: object, expected: list[str]) -> None:
    assert matching(q) == expected


def test_query_does_not_touch_entries() -> None:
    before = copy.deepcopy(ENTRIES)
    matching({"$or": [{"links.label": {"$regex": "x"}}, {"tags": {"$nin": ["a"]}}]})
    assert before == ENTRIES


# ---------------------------------------------------------------------------------------------
# compile_query: rejected queries

BAD_QUERIES: list[tuple[str, object, str]] = [
    ("a string", "title", "must be a JSON object"),
    ("a list", [{"title": "x"}], "must be a JSON object"),
    ("null", None, "must be a JSON object"),
    ("unknown top-level operator", {"$nor": []}, "unknown operator '$nor'"),
    ("unknown field operator", {"title": {"$foo": 1}}, "unknown operator '$foo'"),
    ("$eq is not supported", {"title": {"$eq": 1}}, "unknown operator '$eq'"),
    ("$and not a list", {"$and": {"title": "x"}}, "non-empty list"),
    ("$or empty", {"$or": []}, "non-empty list"),
    ("$or item not an object", {"$or": [{"n": 5}, 1]}, "each item of $or must be a JSON object"),
    ("bad clause inside $and", {"$and": [{"n": {"$in": 1}}]}, "$in on 'n' needs a list"),
    ("$in not a list", {"n": {"$in": 5}}, "needs a list"),
    ("$nin not a list", {"n": {"$nin": "a"}}, "needs a list"),
    ("$lt a list", {"n": {"$lt": [1]}}, "number or a string"),
    ("$gt a bool", {"n": {"$gt": True}}, "number or a string"),
    ("$gte null", {"n": {"$gte": None}}, "number or a string"),
    ("$lte an object", {"n": {"$lte": {}}}, "number or a string"),
    ("$exists not a bool", {"n": {"$exists": "yes"}}, "true or false"),
    ("$regex not a string", {"title": {"$regex": 5}}, "needs a string"),
    ("$regex invalid", {"title": {"$regex": "("}}, "not a valid pattern"),
    ("$regex too long", {"title": {"$regex": "a" * 1001}}, "at most 1000"),
    ("$options unknown letter", {"title": {"$regex": "a", "$options": "q"}}, "i, m, s, x"),
    ("$options not a string", {"title": {"$regex": "a", "$options": 1}}, "i, m, s, x"),
    ("$options alone", {"title": {"$options": "i"}}, "needs a $regex"),
    ("operators mixed with fields", {"title": {"$regex": "a", "x": 1}}, "mixes"),
    ("empty path segment", {"a..b": 1}, "empty segment"),
    ("empty path", {"": 1}, "empty segment"),
    ("too deep", nested(MAX_DEPTH), "deeper than 10"),
    ("too many clauses", {f"f{i}": 1 for i in range(MAX_CLAUSES + 1)}, "more than 200"),
    ("too many nested clauses", {"$or": [{"n": i} for i in range(MAX_CLAUSES)]}, "more than 200"),
    (
        "operators count as clauses",
        {"n": {"$gt": 1, "$lt": 2}, "$or": [{"n": i} for i in range(MAX_CLAUSES - 2)]},
        "more than 200",
    ),
]


@pytest.mark.parametrize(
    "q,fragment", [c[1:] for c in BAD_QUERIES], ids=[c[0] for c in BAD_QUERIES]
)
def test_bad_queries_are_rejected_eagerly(q: object, fragment: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        compile_query(q)
    assert info.value.status == 422
    assert list(info.value.errors) == ["query"]
    assert fragment in info.value.errors["query"][0], info.value.errors


def test_catastrophic_regex_finishes_fast_and_is_refused() -> None:
    match = compile_query({"title": {"$regex": "(a+)+$"}})
    assert match({"title": "aaa"})  # harmless input still matches normally
    started = time.perf_counter()
    with pytest.raises(ValidationFailed) as info:
        match({"title": "a" * 50_000 + "!"})
    assert time.perf_counter() - started < 2
    assert "too expensive" in info.value.errors["query"][0]


# ---------------------------------------------------------------------------------------------
# sort_entries


def uids(entries: list[dict[str, Any]]) -> list[str]:
    return [entry["uid"] for entry in entries]


SORTS: list[tuple[str, str | None, str | None, list[str]]] = [
    ("default is updated_at newest first", None, None, ["e1", "e3", "e2"]),
    ("asc updated_at", "updated_at", None, ["e2", "e3", "e1"]),
    ("asc number, then strings", "n", None, ["e1", "e2", "e3"]),
    ("desc puts strings before numbers", None, "n", ["e3", "e2", "e1"]),
    ("missing last ascending", "price", None, ["e1", "e2", "e3"]),
    ("missing last descending", None, "price", ["e1", "e2", "e3"]),
    ("group path asc", "seo.meta_title", None, ["e2", "e1", "e3"]),
    ("group path desc", None, "seo.meta_title", ["e1", "e2", "e3"]),
    ("multiple field by its first value", None, "tags", ["e2", "e1", "e3"]),
    ("booleans", "flag", None, ["e2", "e1", "e3"]),
    ("asc wins over desc", "title", "title", ["e1", "e3", "e2"]),
    ("unknown field keeps input order", "nope", None, ["e1", "e2", "e3"]),
    ("empty asc falls back to desc", "", "n", ["e3", "e2", "e1"]),
]


@pytest.mark.parametrize("asc,desc,expected", [c[1:] for c in SORTS], ids=[c[0] for c in SORTS])
def test_sort_entries(asc: str | None, desc: str | None, expected: list[str]) -> None:
    assert uids(sort_entries(ENTRIES, asc, desc)) == expected


MIXED: list[dict[str, Any]] = [
    {"uid": "none", "x": None},
    {"uid": "obj", "x": {"k": 1}},
    {"uid": "true", "x": True},
    {"uid": "str", "x": "a"},
    {"uid": "missing"},
    {"uid": "list", "x": [2]},
    {"uid": "one", "x": 1},
    {"uid": "empty", "x": []},
    {"uid": "float", "x": 1.5},
]


@pytest.mark.parametrize(
    "asc,desc,expected",
    [
        ("x", None, ["one", "float", "list", "str", "true", "obj", "none", "missing", "empty"]),
        (None, "x", ["obj", "true", "str", "list", "float", "one", "none", "missing", "empty"]),
    ],
)
def test_sort_mixed_types_never_raises(
    asc: str | None, desc: str | None, expected: list[str]
) -> None:
    assert uids(sort_entries(MIXED, asc, desc)) == expected


def test_sort_is_stable_both_ways() -> None:
    entries = [{"uid": str(i), "k": i % 2} for i in range(6)]
    assert uids(sort_entries(entries, "k", None)) == ["0", "2", "4", "1", "3", "5"]
    assert uids(sort_entries(entries, None, "k")) == ["1", "3", "5", "0", "2", "4"]


def test_sort_returns_a_new_list() -> None:
    entries = list(ENTRIES)
    sort_entries(entries, "title", None)
    assert entries == ENTRIES


# ---------------------------------------------------------------------------------------------
# project


PROJECTIONS: list[tuple[str, list[str] | None, list[str] | None, dict[str, Any]]] = [
    ("only a field", ["title"], None, {"uid": "e1", "title": "Hello World"}),
    ("only keeps uid even if not asked", ["n", "flag"], None, {"uid": "e1", "n": 5, "flag": True}),
    (
        "only a group subfield",
        ["seo.meta_title"],
        None,
        {"uid": "e1", "seo": {"meta_title": "Home"}},
    ),
    (
        "only a whole group wins over its subfield",
        ["seo.meta_title", "seo"],
        None,
        {"uid": "e1", "seo": E1["seo"]},
    ),
    (
        "only through instances",
        ["links.label"],
        None,
        {"uid": "e1", "links": [{"label": "x"}, {"label": "y"}]},
    ),
    (
        "only through blocks",
        ["sections.hero.heading"],
        None,
        {"uid": "e1", "sections": [{"hero": {"heading": "Big"}}]},
    ),
    (
        "only a reference subfield",
        ["author.uid"],
        None,
        {"uid": "e1", "author": [{"uid": "blt_a"}]},
    ),
    ("only a missing field", ["missing"], None, {"uid": "e1"}),
    ("only below a scalar", ["title.x"], None, {"uid": "e1"}),
    ("only below a list of scalars", ["tags.x"], None, {"uid": "e1"}),
    ("only null", ["empty"], None, {"uid": "e1", "empty": None}),
    (
        "except fields",
        None,
        ["seo", "tags", "links", "author", "sections", "date", "empty", "updated_at", "price"],
        {"uid": "e1", "title": "Hello World", "n": 5, "flag": True},
    ),
    ("except a subfield", None, ["seo.noindex"], {**E1, "seo": {"meta_title": "Home"}}),
    (
        "except through instances",
        None,
        ["links.n"],
        {**E1, "links": [{"label": "x"}, {"label": "y"}]},
    ),
    ("except through blocks", None, ["sections.hero"], {**E1, "sections": [{}, E1["sections"][1]]}),
    (
        "except never removes uid",
        None,
        ["uid", "title"],
        {key: value for key, value in E1.items() if key != "title"},
    ),
    ("except a missing path", None, ["nope.deeper"], E1),
    (
        "only then except",
        ["seo", "title"],
        ["seo.noindex"],
        {"uid": "e1", "title": "Hello World", "seo": {"meta_title": "Home"}},
    ),
    ("nothing asked", None, None, E1),
    ("empty lists", [], [], E1),
]


@pytest.mark.parametrize(
    "only,except_,expected", [c[1:] for c in PROJECTIONS], ids=[c[0] for c in PROJECTIONS]
)
def test_project(
    only: list[str] | None, except_: list[str] | None, expected: dict[str, Any]
) -> None:
    assert project(E1, only, except_) == expected


def test_project_copies() -> None:
    before = copy.deepcopy(E1)
    for only, except_ in ((None, None), (["seo"], None), (None, ["title"])):
        out = project(E1, only, except_)
        out["seo"]["meta_title"] = "changed"
    assert before == E1


def test_project_without_uid() -> None:
    assert project({"title": "t", "n": 1}, ["n"], None) == {"n": 1}
