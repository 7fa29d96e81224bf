"""`domain.global_fields`: expanding, stripping and finding global field references in schemas,
with plain dicts."""

from __future__ import annotations

from typing import Any

import pytest

from veneer.domain import global_fields as gf
from veneer.errors import ValidationFailed

TEXT = {"uid": "t", "data_type": "text"}
STORE = {
    "seo": {"uid": "seo", "schema": [TEXT]},
    "card": {
        "uid": "card",
        "schema": [{"uid": "s", "data_type": "global_field", "reference_to": "seo"}],
    },
    "loop": {
        "uid": "loop",
        "schema": [{"uid": "l", "data_type": "global_field", "reference_to": "loop"}],
    },
}


def ref(uid: str, to: str) -> dict[str, Any]:
    return {"uid": uid, "data_type": "global_field", "reference_to": to}


def expand(schema: list[Any]) -> list[Any]:
    return gf.expand(schema, STORE.get)


@pytest.mark.parametrize(
    ("schema", "expanded"),
    [
        ([TEXT], [TEXT]),
        ([ref("a", "seo")], [{**ref("a", "seo"), "schema": [TEXT]}]),
        (
            [ref("a", "card")],
            [{**ref("a", "card"), "schema": [{**ref("s", "seo"), "schema": [TEXT]}]}],
        ),
        (
            [{"uid": "g", "data_type": "group", "schema": [ref("a", "seo")]}],
            [{"uid": "g", "data_type": "group", "schema": [{**ref("a", "seo"), "schema": [TEXT]}]}],
        ),
        (
            [{"uid": "b", "data_type": "blocks", "blocks": [{"uid": "x", "reference_to": "seo"}]}],
            [
                {
                    "uid": "b",
                    "data_type": "blocks",
                    "blocks": [{"uid": "x", "reference_to": "seo", "schema": [TEXT]}],
                }
            ],
        ),
        # a stale inlined schema is replaced by the global field's own
        ([{**ref("a", "seo"), "schema": []}], [{**ref("a", "seo"), "schema": [TEXT]}]),
    ],
)
def test_expand_and_strip(schema: list[Any], expanded: list[Any]) -> None:
    assert expand(schema) == expanded
    assert gf.strip(expanded) == gf.strip(schema)  # expanding adds nothing but schemas


def test_strip_leaves_references_only() -> None:
    expanded = expand([ref("a", "card"), TEXT])
    assert gf.strip(expanded) == [ref("a", "card"), TEXT]


@pytest.mark.parametrize(
    ("schema", "why"),
    [([ref("a", "nope")], "is not a global field"), ([ref("a", "loop")], "a cycle")],
)
def test_expand_refuses(schema: list[Any], why: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        expand(schema)
    assert why in caught.value.errors["reference_to"][0]


@pytest.mark.parametrize(
    ("schema", "used"),
    [
        ([TEXT], set()),
        ([ref("a", "seo")], {"seo"}),
        (expand([ref("a", "card")]), {"card", "seo"}),
        ([{"uid": "r", "data_type": "reference", "reference_to": ["page"]}], set()),
    ],
)
def test_uses(schema: list[Any], used: set[str]) -> None:
    assert gf.uses(schema) == used


def test_shaped_keeps_the_document_unchanged() -> None:
    doc = {"uid": "page", "schema": expand([ref("a", "seo")])}
    assert gf.shaped(doc, True) is doc
    assert gf.shaped(doc, False)["schema"] == [ref("a", "seo")]
    assert doc["schema"][0]["schema"] == [TEXT]
