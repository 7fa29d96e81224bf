"""Two versions side by side (domain.version_diff), pure: one row per top-level field, changed
where the JSON differs; the body that restores a version; the overrides a revert discards."""

from __future__ import annotations

from typing import Any

import pytest

from veneer.domain import version_diff as D

SCHEMA: list[dict[str, Any]] = [
    {"uid": "title", "display_name": "Title", "data_type": "text"},
    {"uid": "count", "display_name": "Count", "data_type": "number"},
    {"uid": "flag", "data_type": "boolean"},
    {
        "uid": "seo",
        "display_name": "SEO",
        "data_type": "group",
        "schema": [{"uid": "meta", "data_type": "text"}],
    },
]


@pytest.mark.parametrize(
    ("left", "right", "changed"),
    [
        ({"title": "a", "count": 1}, {"title": "a", "count": 1}, []),
        ({"title": "a"}, {"title": "b"}, ["Title"]),
        ({"count": 1}, {"count": 1.0}, []),  # the same JSON number
        ({"flag": True}, {"flag": 1}, ["flag"]),  # JSON true is not 1
        ({"seo": {"meta": "x"}}, {"seo": {"meta": "y"}}, ["SEO"]),  # nested: the field changes
        ({}, {"count": 0}, ["Count"]),  # absent is not 0
        ({"title": "a", "tags": ["x"]}, {"title": "a", "tags": ["y"]}, ["Tags"]),
    ],
)
def test_compare_marks_the_fields_whose_values_differ(
    left: dict[str, Any], right: dict[str, Any], changed: list[str]
) -> None:
    rows = D.compare(SCHEMA, left, right)
    assert D.changed_labels(rows) == changed
    assert [r.uid for r in rows][:4] == ["title", "count", "flag", "seo"]


def test_compare_keeps_both_values_and_marks_overrides() -> None:
    rows = D.compare(SCHEMA, {"title": "base"}, {"title": "mine"}, overridden={"title"})
    title = rows[0]
    assert (title.left, title.right, title.changed, title.overridden) == (
        "base",
        "mine",
        True,
        True,
    )
    assert not rows[1].overridden
    assert "tags" not in [r.uid for r in rows]  # neither side has tags


def test_restored_fields_hold_the_version_and_empty_what_it_lacked() -> None:
    body = D.restored_fields(SCHEMA, {"title": "old", "tags": ["a"], "_version": 2, "uid": "x"})
    assert body == {"title": "old", "count": None, "flag": None, "seo": None, "tags": ["a"]}


def test_top_fields_and_nested_overrides() -> None:
    paths = ["title", "items.cs1.label", "items", "items.cs2", "itemsx.cs3"]
    assert D.top_fields(paths) == {"title", "items", "itemsx"}
    assert D.nested_overrides(paths, "items") == ["items.cs1.label", "items.cs2"]
    assert D.nested_overrides(paths, "title") == []


@pytest.mark.parametrize(
    ("left", "right", "gone", "came"),
    [
        (["a", "b", "c"], ["a", "b", "c"], set(), set()),
        (["a", "b", "c"], ["a", "x", "c"], {1}, {1}),
        (["a", "c"], ["a", "b", "c"], set(), {1}),
        (["a", "b", "c"], ["c"], {0, 1}, set()),
        ([], ["a"], set(), {0}),
    ],
)
def test_changed_lines(left: list[str], right: list[str], gone: set[int], came: set[int]) -> None:
    assert D.changed_lines(left, right) == (gone, came)
