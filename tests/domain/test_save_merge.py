"""Table-driven tests for veneer.domain.save_merge: the fields a stale save offers to merge, their
defaults, and the merge. Plain dicts, no fixtures."""

from __future__ import annotations

from typing import Any

import pytest

from veneer.domain.save_merge import MINE, THEIRS, choices, defaults, merge

SCHEMA = [
    {"uid": "title", "data_type": "text", "display_name": "Title"},
    {"uid": "views", "data_type": "number"},
    {"uid": "items", "data_type": "group", "multiple": True, "schema": []},
]
ORIGINAL: dict[str, Any] = {"title": "T", "views": 1, "items": [{"a": 1}], "tags": []}


@pytest.mark.parametrize(
    "mine,theirs,expected",
    [
        (ORIGINAL, ORIGINAL, []),
        ({**ORIGINAL, "title": "M"}, ORIGINAL, [("title", "Title", MINE, MINE)]),
        (ORIGINAL, {**ORIGINAL, "views": 2}, [("views", "views", THEIRS, THEIRS)]),
        ({**ORIGINAL, "views": 3}, {**ORIGINAL, "views": 2}, [("views", "views", "both", MINE)]),
        ({**ORIGINAL, "views": 2}, {**ORIGINAL, "views": 2}, []),  # the same change
        ({**ORIGINAL, "tags": ["x"]}, {k: v for k, v in ORIGINAL.items() if k != "tags"},
         [("tags", "Tags", MINE, MINE)]),
        ({**ORIGINAL, "tags": None}, ORIGINAL, []),  # no tags: missing, null or empty
        ({**ORIGINAL, "items": [{"a": 2}]}, {**ORIGINAL, "title": "X", "items": []},
         [("title", "Title", THEIRS, THEIRS), ("items", "items", "both", MINE)]),
        ({**ORIGINAL, "views": True}, {**ORIGINAL, "views": 1}, [("views", "views", MINE, MINE)]),
    ],
)  # fmt: skip
def test_choices(mine: dict[str, Any], theirs: dict[str, Any], expected: list[Any]) -> None:
    found = choices(SCHEMA, ORIGINAL, mine, theirs, tags=True)
    assert [(c.uid, c.label, c.changed_by, c.default) for c in found] == expected


def test_without_tags_the_tags_are_not_offered() -> None:
    assert choices(SCHEMA, ORIGINAL, {**ORIGINAL, "tags": ["x"]}, ORIGINAL, tags=False) == []


def test_merge_with_the_defaults_keeps_both_changes() -> None:
    mine = {**ORIGINAL, "title": "Mine"}
    theirs = {**ORIGINAL, "views": 9}
    merged = merge(mine, theirs, defaults(choices(SCHEMA, ORIGINAL, mine, theirs, tags=True)))
    assert merged == {**ORIGINAL, "title": "Mine", "views": 9}
    assert mine == {**ORIGINAL, "title": "Mine"}  # not changed in place
    assert merge(mine, theirs, {"title": THEIRS})["title"] == "T"
