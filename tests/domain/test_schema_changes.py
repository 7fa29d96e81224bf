"""What a new schema drops from an old one (`domain.schema_changes`), table-driven; and the paths
it names are the field-value index's, where the editor looks for values."""

from __future__ import annotations

from typing import Any

import pytest

from veneer.domain.fieldindex import document_rows
from veneer.domain.schema_changes import field_paths, removed_paths


def text(uid: str) -> dict[str, Any]:
    return {"uid": uid, "display_name": uid, "data_type": "text"}


def group(uid: str, *fields: dict[str, Any], multiple: bool = False) -> dict[str, Any]:
    return {"uid": uid, "data_type": "group", "multiple": multiple, "schema": list(fields)}


def blocks(uid: str, **by_block: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "uid": uid,
        "data_type": "blocks",
        "blocks": [{"uid": b, "title": b, "schema": s} for b, s in by_block.items()],
    }


OLD = [
    text("title"),
    text("summary"),
    group("seo", text("meta_title"), text("meta_description")),
    group("items", text("label"), group("notes", text("note"), multiple=True), multiple=True),
    blocks("sections", hero=[text("headline")], quote=[text("text")]),
]


@pytest.mark.parametrize(
    ("new", "removed"),
    [
        (OLD, []),
        (list(reversed(OLD)), []),  # a reorder drops nothing
        ([f for f in OLD if f["uid"] != "summary"], ["summary"]),
        ([f for f in OLD if f["uid"] != "seo"], ["seo"]),  # not its fields as well
        (
            [*OLD[:2], group("seo", text("meta_title")), *OLD[3:]],
            ["seo.meta_description"],
        ),
        ([*OLD[:4], blocks("sections", hero=[text("headline")])], ["sections.quote"]),
        ([*OLD[:4], blocks("sections", hero=[], quote=[text("text")])], ["sections.hero.headline"]),
        (
            [*OLD[:3], group("items", text("label"), multiple=True), OLD[4]],
            ["items.notes"],
        ),
        ([text("title"), text("renamed")], ["summary", "seo", "items", "sections"]),
    ],
)
def test_removed_paths(new: list[Any], removed: list[str]) -> None:
    assert removed_paths(OLD, new) == removed


def test_paths_are_the_indexs() -> None:
    entry = {
        "title": "T",
        "summary": "S",
        "seo": {"meta_title": "M", "meta_description": "D"},
        "items": [{"label": "L", "notes": [{"note": "N"}]}],
        "sections": [{"hero": {"headline": "H"}}, {"quote": {"text": "Q"}}],
    }
    indexed = {row.path for row in document_rows(entry)}
    assert set(field_paths(OLD)) <= indexed


def test_odd_shapes_are_skipped() -> None:
    assert field_paths(["x", {"uid": 3}, {"uid": "a", "schema": "no"}]) == ["a"]
