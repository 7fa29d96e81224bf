"""The bulk operations' bodies read without I/O (`domain.bulk_requests`), and the entries a
document references (`domain.assets.entry_refs`, what `publish_with_reference` follows)."""

from __future__ import annotations

from typing import Any

import pytest

from veneer.domain.assets import entry_refs
from veneer.domain.bulk_requests import AssetItem, EntryItem, parse_delete, parse_publish
from veneer.errors import ValidationFailed

ENV = {"environments": ["production"]}


@pytest.mark.parametrize(
    ("body", "entries", "assets", "locales"),
    [
        (
            {"entries": [{"uid": "a", "content_type": "ct", "locale": "FR-fr", "version": "2"}]},
            (EntryItem("a", "ct", "fr-fr", 2),),
            (),
            (),
        ),
        (
            {"items": [{"uid": "a", "_content_type_uid": "ct"}], "locales": ["en-us", "en-us"]},
            (EntryItem("a", "ct", None, None),),
            (),
            ("en-us",),
        ),
        ({"assets": [{"uid": "x", "version": 3}]}, (), (AssetItem("x", 3),), ()),
        (
            {"entries": [{"uid": "a", "content_type": "ct", "variants": [{"uid": "red"}]}]},
            (EntryItem("a", "ct", None, None, '{"variants": [{"uid": "red"}]}'),),
            (),
            (),
        ),
    ],
)
def test_publish_bodies(
    body: dict[str, Any], entries: tuple[Any, ...], assets: tuple[Any, ...], locales: tuple[str]
) -> None:
    req = parse_publish({**ENV, **body})
    assert (req.entries, req.assets, req.locales, req.environments) == (
        entries,
        assets,
        locales,
        ("production",),
    )


@pytest.mark.parametrize(
    ("body", "problems"),
    [
        ({}, {"entries", "environments"}),
        (
            {
                **ENV,
                "entries": [{"uid": "a", "content_type": "ct"}] * 6,
                "assets": [{"uid": "x"}] * 5,
            },
            {"entries"},
        ),
        ({**ENV, "assets": [{"uid": "x", "version": 0}]}, {"assets.0"}),
        ({**ENV, "assets": [{"uid": "x", "version": True}]}, {"assets.0"}),
        ({**ENV, "entries": [{"uid": "", "content_type": "ct"}]}, {"entries.0"}),
        ({"environments": ["e"] * 11, "assets": [{"uid": "x"}]}, {"environments"}),
        ({**ENV, "locales": ["en-us"] * 11, "assets": [{"uid": "x"}]}, {"locales"}),
    ],
)
def test_publish_refusals(body: dict[str, Any], problems: set[str]) -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse_publish(body)
    assert set(refused.value.errors) == problems


def test_delete_takes_100_items() -> None:
    entries = [{"uid": "a", "content_type": "ct", "locale": "en-us"}] * 99
    assert len(parse_delete({"entries": entries, "assets": [{"uid": "x"}]}).entries) == 99
    with pytest.raises(ValidationFailed):
        parse_delete({"entries": entries, "assets": [{"uid": "x"}, {"uid": "y"}]})


SCHEMA: list[dict[str, Any]] = [
    {"uid": "author", "data_type": "reference", "reference_to": ["person"]},
    {
        "uid": "parts",
        "data_type": "blocks",
        "blocks": [
            {"uid": "quote", "schema": [{"uid": "by", "data_type": "reference"}]},
        ],
    },
    {"uid": "box", "data_type": "group", "schema": [{"uid": "see", "data_type": "reference"}]},
]


@pytest.mark.parametrize(
    ("doc", "refs"),
    [
        ({}, []),
        (
            {
                "author": [{"uid": "p1", "_content_type_uid": "person"}],
                "parts": [{"quote": {"by": [{"uid": "p2", "_content_type_uid": "person"}]}}],
                "box": {"see": [{"uid": "p1", "_content_type_uid": "person"}, {"uid": "a1"}]},
            },
            [("person", "p1"), ("person", "p2")],
        ),
        ({"author": [{"uid": "img", "_content_type_uid": "sys_assets"}]}, []),
    ],
)
def test_entry_refs(doc: dict[str, Any], refs: list[tuple[str, str]]) -> None:
    assert entry_refs(SCHEMA, doc) == refs
