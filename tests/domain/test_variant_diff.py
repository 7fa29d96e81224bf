"""Table-driven tests for veneer.domain.variant_diff: the variant editor's marks, revert and the
body a save sends. Plain dicts, no fixtures."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from typing import Any

import pytest

from veneer.domain.instances import GROUP, LIST
from veneer.domain.variant_diff import (
    CHANGED,
    INHERITED,
    INSTANCE,
    Marks,
    instance_paths,
    is_empty,
    removed_instances,
    restore,
    revert,
    submission,
)

Doc = dict[str, Any]


def fld(uid: str, data_type: str, **extra: Any) -> Doc:
    return {"uid": uid, "data_type": data_type, **extra}


def inst(uid: str | None, **fields: Any) -> Doc:
    return {**fields, "_metadata": {"uid": uid}} if uid else dict(fields)


def uids() -> Callable[[], str]:
    counter = itertools.count(1)
    return lambda: f"new{next(counter)}"


SCHEMA = [
    fld("title", "text"),
    fld("flag", "boolean"),
    fld("seo", "group", schema=[fld("meta", "text"), fld("keywords", "text")]),
    fld("items", "group", multiple=True, schema=[fld("label", "text")]),
    fld(
        "blocks",
        "blocks",
        blocks=[
            {"uid": "hero", "schema": [fld("headline", "text")]},
            {"uid": "cta", "schema": [fld("link", "text")]},
        ],
    ),
]
BASE: Doc = {
    "title": "Base",
    "flag": True,
    "seo": {"meta": "m", "keywords": "k"},
    "items": [inst("i1", label="one"), inst("i2", label="two")],
    "blocks": [{"hero": inst("h1", headline="Hi")}, {"cta": inst("c1", link="/go")}],
}


def edited(**changes: Any) -> Doc:
    """A copy of BASE with top-level fields replaced."""
    return {**copy.deepcopy(BASE), **changes}


@pytest.mark.parametrize(
    "doc,expected",
    [
        ({}, set()),
        (BASE, {"items.i1", "items.i2", "blocks.hero.h1", "blocks.cta.c1"}),
        ({"items": [inst(None, label="x")], "seo": None}, {"items.None"}),
        ({"blocks": [{"cta": inst("c9")}, "junk"]}, {"blocks.cta.c9"}),
    ],
)
def test_instance_paths(doc: Doc, expected: set[str]) -> None:
    assert instance_paths(SCHEMA, doc) == expected


@pytest.mark.parametrize(
    "title,current,doc,sent",
    [
        ("nothing changed", BASE, BASE, {}),
        ("an atomic field, whole", BASE, edited(title="V"), {"title": "V"}),
        ("true is not 1", BASE, edited(flag=1), {"flag": 1}),
        ("a field left out of the form", BASE, {"title": "Base"}, {}),
        ("a single group, field by field", BASE, edited(seo={"meta": "V", "keywords": "k"}),
         {"seo": {"meta": "V"}}),
        ("an instance field", BASE,
         edited(items=[inst("i1", label="V"), inst("i2", label="two")]),
         {"items": [inst("i1", label="V")]}),
        ("a block field", BASE,
         edited(blocks=[{"hero": inst("h1", headline="V")}, {"cta": inst("c1", link="/go")}]),
         {"blocks": [{"hero": inst("h1", headline="V")}]}),
    ],
)  # fmt: skip
def test_submission_sends_only_changes(title: str, current: Doc, doc: Doc, sent: Doc) -> None:
    body = submission(SCHEMA, current, copy.deepcopy(doc), BASE, uids())
    assert body == {**sent, "_variant": {"_order": []}}, title
    assert is_empty(body) == (sent == {})


@pytest.mark.parametrize(
    "title,items,sent_items,order",
    [
        ("reordered", [inst("i2", label="two"), inst("i1", label="one")], [],
         ["base.i2", "base.i1"]),
        ("one removed", [inst("i2", label="two")], [], ["base.i2"]),
        ("one added, without a uid yet", [*BASE["items"], inst(None, label="new")],
         [inst("new1", label="new")], ["base.i1", "base.i2", "new1"]),
    ],
)  # fmt: skip
def test_submission_orders_changed_sequences(
    title: str, items: list[Doc], sent_items: list[Doc], order: list[str]
) -> None:
    doc = edited(items=copy.deepcopy(items))
    body = submission(SCHEMA, BASE, doc, BASE, uids())
    assert body.get("items", []) == sent_items, title
    assert body["_variant"] == {"_order": [{"items": order}]}, title
    assert not is_empty(body)


def test_an_instance_added_here_gets_its_uid_in_the_form_too() -> None:
    doc = edited(items=[*copy.deepcopy(BASE["items"]), inst(None, label="new")])
    submission(SCHEMA, BASE, doc, BASE, uids())
    assert doc["items"][-1]["_metadata"] == {"uid": "new1"}


def test_a_variant_instance_is_ordered_bare() -> None:
    current = edited(items=[*BASE["items"], inst("v1", label="mine")])
    doc = edited(items=[inst("v1", label="mine"), *BASE["items"]])
    body = submission(SCHEMA, current, doc, BASE, uids())
    assert body["_variant"]["_order"] == [{"items": ["v1", "base.i1", "base.i2"]}]


@pytest.mark.parametrize(
    "vpath,doc,expected,ok",
    [
        ("title", edited(title="V"), edited(), True),
        ("seo.meta", edited(seo={"meta": "V", "keywords": "K"}),
         edited(seo={"meta": "m", "keywords": "K"}), True),
        ("items.i1.label", edited(items=[inst("i1", label="V")]),
         edited(items=[inst("i1", label="one")]), True),
        ("items.i1", edited(items=[inst("i1", label="V", extra=1)]),
         edited(items=[inst("i1", label="one")]), True),
        ("items", edited(items=[]), edited(), True),
        ("blocks.hero.h1.headline", edited(blocks=[{"hero": inst("h1", headline="V")}]),
         edited(blocks=[{"hero": inst("h1", headline="Hi")}]), True),
        ("items.nope.label", edited(title="V"), edited(title="V"), False),
        ("blocks.cta.h1", edited(title="V"), edited(title="V"), False),
        ("title.deeper", edited(title="V"), edited(title="V"), False),
        ("unknown", edited(title="V"), edited(title="V"), False),
    ],
)  # fmt: skip
def test_revert(vpath: str, doc: Doc, expected: Doc, ok: bool) -> None:
    doc = copy.deepcopy(doc)
    assert revert(SCHEMA, doc, BASE, vpath) is ok
    assert doc == expected


CURRENT = edited(
    title="V",
    items=[inst("i2", label="two"), inst("v1", label="mine"), inst("i1", label="one")],
)
VARIANT = {"_variant": {"_change_set": ["title", "items.v1.label"], "_order": [{"items": []}]}}


@pytest.mark.parametrize(
    "vpath,kind,state,revertable",
    [
        ("title", "text", CHANGED, True),
        ("flag", "boolean", INHERITED, False),
        ("seo", GROUP, None, False),
        ("seo.meta", "text", INHERITED, False),
        ("items", LIST, CHANGED, True),
        ("blocks", LIST, None, False),
        ("items.v1", INSTANCE, CHANGED, False),
        ("items.i1", INSTANCE, None, False),
        ("items.v1.label", "text", CHANGED, False),  # the variant's own: no base value
        ("items.v1.other", "text", CHANGED, False),  # even empty: nothing to inherit from
    ],
)
def test_marks(vpath: str, kind: str, state: str | None, revertable: bool) -> None:
    marks = Marks.of(SCHEMA, BASE, CURRENT, VARIANT)
    assert marks.state(vpath, kind) == state
    assert marks.revertable(vpath, kind) is revertable


def test_marks_before_the_first_save() -> None:
    marks = Marks.of(SCHEMA, BASE, BASE, None)
    assert marks.state("title", "text") == INHERITED and marks.state("items", LIST) is None


NESTED = [
    fld(
        "rows",
        "group",
        multiple=True,
        schema=[fld("cells", "group", multiple=True, schema=[fld("v", "text")])],
    )
]


@pytest.mark.parametrize(
    "schema,base,current,expected",
    [
        (SCHEMA, BASE, BASE, {}),
        # i1 removed: it goes back first (nothing of the base precedes it)
        (SCHEMA, BASE, edited(items=[inst("i2", label="two")]), {"items": [(0, "i1")]}),
        # i2 removed after a reorder and an own instance: after i1, wherever i1 is now
        (SCHEMA, BASE, edited(items=[inst("v1"), inst("i1", label="one")]), {"items": [(2, "i2")]}),
        # every base instance removed, in base order
        (SCHEMA, BASE, edited(items=[], blocks=[{"cta": inst("c1", link="/go")}]),
         {"items": [(0, "i1"), (0, "i2")], "blocks": [(0, "hero.h1")]}),
        # the same uid as another block is not the same instance
        (SCHEMA, BASE, edited(blocks=[{"cta": inst("h1")}, {"cta": inst("c1", link="/go")}]),
         {"blocks": [(0, "hero.h1")]}),
        # a list inside a kept base instance
        (NESTED, {"rows": [inst("r1", cells=[inst("x"), inst("y")])]},
         {"rows": [inst("r1", cells=[inst("y")])]}, {"rows.r1.cells": [(0, "x")]}),
    ],
)  # fmt: skip
def test_removed_instances(schema: Any, base: Doc, current: Doc, expected: Any) -> None:
    found = removed_instances(schema, base, current)
    assert {p: [(r.position, r.inst.label) for r in gone] for p, gone in found.items()} == expected
    assert Marks.of(schema, base, current, None).removed == found


@pytest.mark.parametrize(
    "vpath,doc,expected,ok",
    [
        ("items.i1", edited(items=[inst("i2", label="2")]),
         edited(items=[inst("i1", label="one"), inst("i2", label="2")]), True),
        ("items.i2", edited(items=[inst("v1"), inst("i1", label="one")]),
         edited(items=[inst("v1"), inst("i1", label="one"), inst("i2", label="two")]), True),
        ("blocks.hero.h1", edited(blocks=[]), edited(blocks=[{"hero": inst("h1", headline="Hi")}]), True),
        ("items.i1", edited(title="V"), edited(title="V"), False),  # not removed
        ("items.nope", edited(items=[]), edited(items=[]), False),  # not in the base
        ("blocks.cta.h1", edited(blocks=[]), edited(blocks=[]), False),  # another block
        ("title", edited(items=[]), edited(items=[]), False),
        ("seo.meta", edited(items=[]), edited(items=[]), False),
        ("unknown.x", edited(items=[]), edited(items=[]), False),
    ],
)  # fmt: skip
def test_restore(vpath: str, doc: Doc, expected: Doc, ok: bool) -> None:
    doc = copy.deepcopy(doc)
    assert restore(SCHEMA, doc, BASE, vpath) is ok
    assert doc == expected


def test_restore_inside_a_kept_instance_and_where_the_editor_shows_it() -> None:
    base = {"rows": [inst("r1", cells=[inst("x", v="1"), inst("y"), inst("z")])]}
    doc = {"rows": [inst("r1", cells=[inst("z"), inst("y")])]}
    (gone,) = removed_instances(NESTED, base, doc)["rows.r1.cells"]
    assert restore(NESTED, doc, base, "rows.r1.cells.x")
    assert doc["rows"][0]["cells"][gone.position] == inst("x", v="1")
