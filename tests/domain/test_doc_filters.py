"""`domain.doc_filters` (the extensions list's `query`) and the upload form's tags
(`domain.labels.form_tags`): pure, table-driven."""

from __future__ import annotations

from typing import Any

import pytest

from veneer.domain.doc_filters import MAX_VALUES, Match, doc_filters
from veneer.domain.labels import extension_form, form_tags
from veneer.errors import ValidationFailed


@pytest.mark.parametrize(
    ("where", "matches"),
    [
        (None, ()),
        ({"type": "widget"}, (Match("type", ("widget",)),)),
        ({"multiple": False}, (Match("multiple", (False,)),)),
        (
            {"type": {"$in": ["a", "b"], "$ne": "c"}},
            (Match("type", ("a", "b")), Match("type", ("c",), negated=True)),
        ),
        ({"tags": {"$nin": []}}, (Match("tags", (), negated=True),)),
    ],
)
def test_what_a_query_asks_for(where: dict[str, Any] | None, matches: tuple[Match, ...]) -> None:
    assert doc_filters(where) == matches


@pytest.mark.parametrize(
    ("where", "key"),
    [
        ({"a.b": 1}, "query.a.b"),
        ({"$and": []}, "query.$and"),
        ({"type": {"$regex": "x"}}, "query.type"),
        ({"type": {}}, "query.type"),
        ({"type": None}, "query.type"),
        ({"type": ["a"]}, "query.type"),
        ({"type": {"$in": [{"x": 1}]}}, "query.type"),
        ({"type": {"$in": ["x"] * (MAX_VALUES + 1)}}, "query.type"),
    ],
)
def test_what_a_query_cannot_ask(where: dict[str, Any], key: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        doc_filters(where)
    assert list(refused.value.errors) == [key]


@pytest.mark.parametrize(
    ("text", "tags"),
    [
        ("a,b", ["a", "b"]),
        (" a , b ,", ["a", "b"]),
        ('["a", "b"]', ["a", "b"]),
        ("['a', 'b']", ["a", "b"]),
        ("{}", []),
        ("", []),
    ],
)
def test_form_tags(text: str, tags: list[str]) -> None:
    assert form_tags(text) == tags


def test_an_upload_form_becomes_the_json_body() -> None:
    fields = {
        "extension[title]": "T",
        "extension[multiple]": "False",
        "extension[config]": '{"a": 1}',
        "extension[upload]": "ignored",
        "other": "ignored",
    }
    assert extension_form(fields, b"<p/>") == {
        "title": "T",
        "multiple": False,
        "config": {"a": 1},
        "srcdoc": "<p/>",
    }
