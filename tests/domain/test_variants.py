"""Table-driven tests for veneer.domain.variants: change sets, edits, `_order`, patches, merge."""

from __future__ import annotations

import copy
import itertools
import json
from collections.abc import Callable
from typing import Any

import pytest

from veneer.domain.patches import compile_patch, merge
from veneer.domain.variants import change_set, edit_variant, materialize
from veneer.errors import ValidationFailed

Doc = dict[str, Any]


def fld(uid: str, data_type: str, **extra: Any) -> Doc:
    return {"uid": uid, "data_type": data_type, **extra}


def inst(uid: str | None, **fields: Any) -> Doc:
    return {**fields, "_metadata": {"uid": uid}} if uid else dict(fields)


def block(block_uid: str, uid: str | None, **fields: Any) -> Doc:
    return {block_uid: inst(uid, **fields)}


def uids() -> Callable[[], str]:
    counter = itertools.count(1)
    return lambda: f"cs{next(counter):016x}"


NEW1, NEW2 = "cs0000000000000001", "cs0000000000000002"

# --- the reference pages' sample (002/001) ----------------------------------------------------

A, B = "cs5bafacf1e94ff8c2", "csc30ef8fdc0b190fe"
SEED_SCHEMA = [
    fld("title", "text"),
    fld("url", "text"),
    fld("single_line", "text"),
    fld(
        "group",
        "group",
        multiple=True,
        schema=[fld("single_line", "text"), fld("multi_line", "text")],
    ),
]
SEED_BASE: Doc = {
    "uid": "blt0000000000000a1",
    "locale": "en-us",
    "_version": 1,
    "tags": [],
    "title": "Base",
    "url": "/base",
    "single_line": "Base line",
    "group": [
        inst(A, single_line="Base 1", multi_line="Base 1 Multi"),
        inst(B, single_line="Base 2", multi_line="Base 2 Multi"),
    ],
}
SEED_CREATE = {
    "title": "red",
    "url": "/red",
    "single_line": "Red variant",
    "group": [
        inst(A, single_line="Red variant group 1"),
        inst(B, single_line="Red variant group 2"),
    ],
    "_variant": {"_order": [{"group": [f"base.{B}", f"base.{A}"]}]},
}
SEED_UPDATE = {
    "title": "red",
    "url": "/red",
    "single_line": "Red variant",
    "group": [
        inst(A, single_line="Variant 2", multi_line="Variant 2 Multi"),
        inst(B, single_line="Variant 1", multi_line="Variant 1 Multi"),
    ],
    "_variant": {"_order": [{"group": [f"base.{A}", f"base.{B}"]}]},
}
SEED_CHANGE_SET = [
    "title",
    "url",
    "single_line",
    f"group.{A}.single_line",
    f"group.{A}.multi_line",
    f"group.{B}.single_line",
    f"group.{B}.multi_line",
]

# --- a schema with every kind of field ---------------------------------------------------------

SCHEMA = [
    fld("title", "text"),
    fld("views", "number"),
    fld("body", "json"),
    fld("tags_list", "text", multiple=True),
    fld("author", "reference"),
    fld(
        "seo",
        "group",
        schema=[
            fld("meta_title", "text"),
            fld("social", "group", schema=[fld("caption", "text")]),
        ],
    ),
    fld(
        "group",
        "group",
        multiple=True,
        schema=[
            fld("single_line", "text"),
            fld("extra", "group", schema=[fld("note", "text")]),
        ],
    ),
    fld(
        "blocks",
        "blocks",
        blocks=[
            {
                "uid": "hero",
                "title": "Hero",
                "schema": [
                    fld("title", "text"),
                    fld("items", "group", multiple=True, schema=[fld("label", "text")]),
                ],
            },
            {"uid": "cta", "title": "CTA", "schema": [fld("text", "text")]},
        ],
    ),
]
BASE: Doc = {
    "uid": "blt0000000000000001",
    "locale": "en-us",
    "_version": 4,
    "created_at": "2024-01-01",
    "title": "Base",
    "views": 1,
    "body": {"type": "doc", "children": [{"text": "hi"}]},
    "tags_list": ["a", "b"],
    "author": [{"uid": "blt9", "_content_type_uid": "author"}],
    "seo": {"meta_title": "Base meta", "social": {"caption": "Base caption"}},
    "group": [
        inst("cs1", single_line="one", extra={"note": "n1"}),
        inst("cs2", single_line="two", extra={"note": "n2"}),
    ],
    "blocks": [
        block(
            "hero", "cs3", title="Hero", items=[inst("cs4", label="L4"), inst("cs5", label="L5")]
        ),
        block("cta", "cs6", text="Go"),
    ],
}


def doc(**fields: Any) -> Doc:
    """BASE with some top-level fields replaced."""
    return {**copy.deepcopy(BASE), **fields}


def order(**entries: list[str]) -> Doc:
    return {
        "_variant": {"_order": [{path.replace("__", "."): refs} for path, refs in entries.items()]}
    }


def save(*submissions: Doc, base: Doc = BASE, schema: list[Doc] = SCHEMA) -> Doc:
    """The stored variant after saving each submission in turn."""
    new_uid, stored = uids(), None
    for submitted in submissions:
        stored = edit_variant(schema, base, stored, submitted, new_uid)
    assert stored is not None
    return stored


# --- change_set ------------------------------------------------------------------------------

CHANGE_SETS: list[tuple[str, Doc, list[str]]] = [
    ("unchanged", doc(), []),
    ("top-level text", doc(title="red"), ["title"]),
    ("true is not 1", doc(views=True), ["views"]),
    ("json rte is atomic", doc(body={"type": "doc", "children": [{"text": "yo"}]}), ["body"]),
    ("multiple text is atomic", doc(tags_list=["b", "a"]), ["tags_list"]),
    ("reference is atomic", doc(author=[]), ["author"]),
    (
        "nested single groups",
        doc(seo={"meta_title": "Base meta", "social": {"caption": "New"}}),
        ["seo.social.caption"],
    ),
    (
        "group instance field",
        doc(
            group=[
                inst("cs1", single_line="uno", extra={"note": "n1"}),
                inst("cs2", single_line="two", extra={"note": "n2"}),
            ]
        ),
        ["group.cs1.single_line"],
    ),
    (
        "single group inside an instance",
        doc(
            group=[
                inst("cs1", single_line="one", extra={"note": "n1"}),
                inst("cs2", single_line="two", extra={"note": "x"}),
            ]
        ),
        ["group.cs2.extra.note"],
    ),
    (
        "block field",
        doc(
            blocks=[
                block("hero", "cs3", title="H", items=BASE["blocks"][0]["hero"]["items"]),
                block("cta", "cs6", text="Go"),
            ]
        ),
        ["blocks.hero.cs3.title"],
    ),
    (
        "list inside a block",
        doc(
            blocks=[
                block(
                    "hero",
                    "cs3",
                    title="Hero",
                    items=[inst("cs4", label="L4"), inst("cs5", label="X")],
                ),
                block("cta", "cs6", text="Go"),
            ]
        ),
        ["blocks.hero.cs3.items.cs5.label"],
    ),
    (
        "variant-only instance lists its non-null fields",
        doc(group=[*BASE["group"], inst("cs9", single_line="new", extra={"note": None})]),
        ["group.cs9.single_line"],
    ),
    (
        "reordering and removing are not value changes",
        doc(group=[BASE["group"][1]], blocks=list(reversed(BASE["blocks"]))),
        [],
    ),
    (
        "a uid reused by another block is another instance",
        doc(blocks=[block("cta", "cs3", text="Go"), block("cta", "cs6", text="Go")]),
        ["blocks.cta.cs3.text"],
    ),
    (
        "unknown fields and system keys are ignored",
        doc(foo="bar", uid="other", _version=9, locale="fr-fr"),
        [],
    ),
    (
        "schema order, then the document's instance order",
        doc(
            group=[
                inst("cs2", single_line="2", extra={"note": "n2"}),
                inst("cs1", single_line="1", extra={"note": "n1"}),
            ],
            title="t",
            views=2,
        ),
        ["title", "views", "group.cs2.single_line", "group.cs1.single_line"],
    ),
]


@pytest.mark.parametrize(
    ("name", "variant", "expected"), CHANGE_SETS, ids=[case[0] for case in CHANGE_SETS]
)
def test_change_set(name: str, variant: Doc, expected: list[str]) -> None:
    assert change_set(SCHEMA, BASE, variant) == expected


@pytest.mark.parametrize(
    ("base", "variant", "expected"),
    [
        ({"title": None}, {}, []),  # a missing field is null
        ({}, {"seo": {"meta_title": None}}, []),  # a missing group is a group of nulls
        ({"group": None}, {"group": []}, []),
        ({"seo": None}, {"seo": {"meta_title": "m"}}, ["seo.meta_title"]),
    ],
)
def test_change_set_treats_missing_as_null(base: Doc, variant: Doc, expected: list[str]) -> None:
    assert change_set(SCHEMA, base, variant) == expected


def test_change_set_of_the_seed_sample() -> None:
    variant = {**SEED_BASE, **{k: v for k, v in SEED_UPDATE.items() if k != "_variant"}}
    assert change_set(SEED_SCHEMA, SEED_BASE, variant) == SEED_CHANGE_SET


# --- edit_variant ----------------------------------------------------------------------------


def test_seed_create_then_update_yields_the_sample_change_set() -> None:
    created = save(SEED_CREATE, base=SEED_BASE, schema=SEED_SCHEMA)
    assert created["change_set"] == [
        "title",
        "url",
        "single_line",
        f"group.{B}.single_line",
        f"group.{A}.single_line",
    ]
    assert created["order"] == [{"group": [f"base.{B}", f"base.{A}"]}]

    updated = save(SEED_CREATE, SEED_UPDATE, base=SEED_BASE, schema=SEED_SCHEMA)
    assert updated["change_set"] == SEED_CHANGE_SET
    assert updated["order"] == []  # equal to the base order: not stored
    assert updated["fields"] == {
        "title": "red",
        "url": "/red",
        "single_line": "Red variant",
        "group": [
            inst(A, single_line="Variant 2", multi_line="Variant 2 Multi"),
            inst(B, single_line="Variant 1", multi_line="Variant 1 Multi"),
        ],
    }
    assert materialize(SEED_SCHEMA, SEED_BASE, updated)["group"] == SEED_UPDATE["group"]


EDITS: list[tuple[str, list[Doc], Doc, list[str], list[Doc]]] = [
    ("only what differs is stored", [{"title": "Base", "views": 2}], {"views": 2}, ["views"], []),
    (
        "submitting the base value returns a field to inheriting",
        [{"title": "red", "views": 2}, {"title": "Base"}],
        {"views": 2},
        ["views"],
        [],
    ),
    (
        "a single group merges field by field",
        [{"seo": {"meta_title": "M"}}],
        {"seo": {"meta_title": "M"}},
        ["seo.meta_title"],
        [],
    ),
    (
        "null clears a single group",
        [{"seo": None}],
        {"seo": {"meta_title": None, "social": {"caption": None}}},
        ["seo.meta_title", "seo.social.caption"],
        [],
    ),
    (
        "an instance merges field by field across saves",
        [{"group": [inst("cs1", single_line="x")]}, {"group": [inst("cs1", extra={"note": "y"})]}],
        {"group": [inst("cs1", single_line="x", extra={"note": "y"})]},
        ["group.cs1.single_line", "group.cs1.extra.note"],
        [],
    ),
    (
        "an instance back at its base values is not stored",
        [{"group": [inst("cs1", single_line="x")]}, {"group": [inst("cs1", single_line="one")]}],
        {},
        [],
        [],
    ),
    (
        "a block instance",
        [{"blocks": [block("hero", "cs3", title="H2")]}],
        {"blocks": [block("hero", "cs3", title="H2")]},
        ["blocks.hero.cs3.title"],
        [],
    ),
    (
        "reorder only",
        [order(group=["base.cs2", "base.cs1"])],
        {},
        [],
        [{"group": ["base.cs2", "base.cs1"]}],
    ),
    (
        "a base instance left out of _order is removed",
        [order(group=["base.cs1"])],
        {},
        [],
        [{"group": ["base.cs1"]}],
    ),
    (
        "an _order equal to the base order is not stored",
        [order(group=["base.cs1", "base.cs2"])],
        {},
        [],
        [],
    ),
    (
        "an instance without a uid gets one and goes last",
        [{"group": [{"single_line": "new"}]}],
        {"group": [inst(NEW1, single_line="new")]},
        [f"group.{NEW1}.single_line"],
        [{"group": ["base.cs1", "base.cs2", NEW1]}],
    ),
    (
        "a new block instance",
        [{"blocks": [{"cta": {"text": "New"}}]}],
        {"blocks": [block("cta", NEW1, text="New")]},
        [f"blocks.cta.{NEW1}.text"],
        [{"blocks": ["base.cs3", "base.cs6", NEW1]}],
    ),
    (
        "refs may be base.<uid>, <uid> or <variant_uid>.<uid>",
        [
            {
                "group": [inst("cs9", single_line="v")],
                **order(group=["cs2", "cs0000000000000abc.cs9", "base.cs1"]),
            }
        ],
        {"group": [inst("cs9", single_line="v")]},
        ["group.cs9.single_line"],
        [{"group": ["base.cs2", "cs9", "base.cs1"]}],
    ),
    (
        "a new instance left out of _order goes last",
        [{"group": [inst("cs9", single_line="v")], **order(group=["base.cs2"])}],
        {"group": [inst("cs9", single_line="v")]},
        ["group.cs9.single_line"],
        [{"group": ["base.cs2", "cs9"]}],
    ),
    (
        "the previous order stays without _order",
        [order(group=["base.cs2", "base.cs1"]), {"title": "t"}],
        {"title": "t"},
        ["title"],
        [{"group": ["base.cs2", "base.cs1"]}],
    ),
    (
        "_order replaces the previous one field by field",
        [order(group=["base.cs2", "base.cs1"]), order(blocks=["base.cs6", "base.cs3"])],
        {},
        [],
        [{"group": ["base.cs2", "base.cs1"]}, {"blocks": ["base.cs6", "base.cs3"]}],
    ),
    (
        "_order can bring a removed base instance back",
        [order(group=["base.cs1"]), order(group=["base.cs1", "base.cs2"])],
        {},
        [],
        [],
    ),
    (
        "sending a removed base instance brings it back, last",
        [order(group=["base.cs2"]), {"group": [inst("cs1", single_line="back")]}],
        {"group": [inst("cs1", single_line="back")]},
        ["group.cs1.single_line"],
        [{"group": ["base.cs2", "base.cs1"]}],
    ),
    (
        "a variant-only instance left out of _order is removed",
        [{"group": [inst("cs9", single_line="v")]}, order(group=["base.cs1", "base.cs2"])],
        {},
        [],
        [],
    ),
    (
        "a list inside a block instance",
        [order(blocks__hero__cs3__items=["base.cs5"])],
        {},
        [],
        [{"blocks.hero.cs3.items": ["base.cs5"]}],
    ),
    (
        "_order paths that name no list are ignored",
        [order(title=["x"], nope=["y"], group__cs404__items=["z"])],
        {},
        [],
        [],
    ),
    (
        "_change_set, system keys and unknown fields are ignored",
        [
            {
                "uid": "blt1",
                "_version": 7,
                "locale": "fr-fr",
                "created_at": "x",
                "foo": 1,
                "title": "Base",
                "_variant": {"_change_set": ["title", "foo"], "_order": []},
            }
        ],
        {},
        [],
        [],
    ),
]


@pytest.mark.parametrize(
    ("name", "submissions", "fields", "changes", "orders"), EDITS, ids=[case[0] for case in EDITS]
)
def test_edit_variant(
    name: str, submissions: list[Doc], fields: Doc, changes: list[str], orders: list[Doc]
) -> None:
    assert save(*submissions) == {"fields": fields, "change_set": changes, "order": orders}


def test_edit_variant_does_not_mutate_its_inputs() -> None:
    previous = save({"group": [inst("cs9", single_line="v")]})
    submitted = {
        "group": [{"single_line": "w"}, inst("cs1", single_line="x")],
        **order(group=["base.cs1"]),
    }
    snapshot = copy.deepcopy((BASE, previous, submitted))
    edit_variant(SCHEMA, BASE, previous, submitted, uids())
    assert (BASE, previous, submitted) == snapshot


def test_an_override_of_an_instance_the_base_deleted_is_dropped() -> None:
    previous = save({"group": [inst("cs2", single_line="x")]})
    newer_base = doc(group=[BASE["group"][0]])
    stored = edit_variant(SCHEMA, newer_base, previous, {"title": "t"}, uids())
    assert stored == {"fields": {"title": "t"}, "change_set": ["title"], "order": []}


@pytest.mark.parametrize("base", [None, {}], ids=["None", "empty"])
def test_edit_variant_without_a_base(base: Any) -> None:
    """Regression: a None base counts as an empty entry (it raised AttributeError)."""
    submitted = {
        "title": "t",
        "seo": {"meta_title": None},
        "group": [inst("cs9", single_line="v"), {"single_line": "w"}],
    }
    first = edit_variant(SCHEMA, base, None, submitted, uids())
    assert first == {
        "fields": {
            "title": "t",
            "group": [inst("cs9", single_line="v"), inst(NEW1, single_line="w")],
        },
        "change_set": ["title", "group.cs9.single_line", f"group.{NEW1}.single_line"],
        "order": [{"group": ["cs9", NEW1]}],
    }
    second = edit_variant(SCHEMA, base, first, {"title": None, **order(group=[NEW1])}, uids())
    assert second == {
        "fields": {"group": [inst(NEW1, single_line="w")]},
        "change_set": [f"group.{NEW1}.single_line"],
        "order": [{"group": [NEW1]}],
    }
    assert materialize(SCHEMA, base, second)["group"] == [inst(NEW1, single_line="w")]


BAD_EDITS: list[tuple[Doc, str, str]] = [
    ({"_variant": "x"}, "_variant", "must be an object"),
    ({"_variant": {"_order": {"group": []}}}, "_order", "must be a list"),
    ({"_variant": {"_order": ["group"]}}, "_order", "each entry"),
    ({"_variant": {"_order": [{"group": "base.cs1"}]}}, "_order", "instance refs"),
    ({"_variant": {"_order": [{"group": [1]}]}}, "_order", "instance refs"),
    (
        {"_variant": {"_order": [{"group": ["base.cs1"]}, {"group": []}]}},
        "_order",
        "more than one entry",
    ),
    (order(group=["base.cs1", "base.nope"]), "_order", "unknown instances base.nope"),
    (order(group=["csv.cs404", "cs405"]), "_order", "unknown instances csv.cs404, cs405"),
    (order(group=["base.cs1", "cs1"]), "_order", "listed twice"),
    (
        order(blocks__hero__cs3__items=["base.cs9"]),
        "_order",
        "blocks.hero.cs3.items: unknown instances base.cs9",
    ),
    ({"seo": "x"}, "seo", "must be an object"),
    ({"group": {"single_line": "x"}}, "group", "must be a list"),
    ({"group": ["x"]}, "group", "must be an object"),
    ({"group": [inst("a.b")]}, "group", "without dots"),
    ({"group": [inst("cs9"), inst("cs9")]}, "group", "appears twice"),
    ({"blocks": [{"nope": {}}]}, "blocks", "block"),
    ({"blocks": [{"hero": {}, "cta": {}}]}, "blocks", "block"),
    ({"blocks": [block("cta", "cs3", text="x")]}, "blocks", "is a 'hero' block"),
]


@pytest.mark.parametrize(("submitted", "key", "fragment"), BAD_EDITS)
def test_edit_variant_rejects(submitted: Doc, key: str, fragment: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        edit_variant(SCHEMA, BASE, None, submitted, uids())
    assert caught.value.status == 422
    assert list(caught.value.errors) == [key]
    assert fragment in caught.value.errors[key][0]


# --- materialize -----------------------------------------------------------------------------


def titles(items: list[Doc]) -> list[str]:
    return [i.get("single_line") or next(iter(i.values())).get("title") or "?" for i in items]


def test_materialize_inherits_later_base_edits() -> None:
    stored = save({"title": "red", "group": [inst("cs1", single_line="uno")]})
    newer = doc(
        views=5, group=[inst("cs1", single_line="one!", extra={"note": "N"}), BASE["group"][1]]
    )
    result = materialize(SCHEMA, newer, stored)
    assert (result["title"], result["views"]) == ("red", 5)
    assert result["group"][0] == inst("cs1", single_line="uno", extra={"note": "N"})
    assert (result["uid"], result["locale"]) == (BASE["uid"], BASE["locale"])


MATERIALIZED_GROUPS: list[tuple[str, list[Doc], Doc, list[str]]] = [
    (
        "overrides in place in the base order",
        [{"group": [inst("cs2", single_line="dos")]}],
        BASE,
        ["one", "dos"],
    ),
    ("reordered", [order(group=["base.cs2", "base.cs1"])], BASE, ["two", "one"]),
    ("a removed base instance", [order(group=["base.cs2"])], BASE, ["two"]),
    (
        "a variant-only instance where _order puts it",
        [{"group": [inst("cs9", single_line="v")], **order(group=["base.cs2", "cs9", "base.cs1"])}],
        BASE,
        ["two", "v", "one"],
    ),
    (
        "an instance added to the base later is kept without an _order entry",
        [{"group": [inst("cs2", single_line="dos")]}],
        doc(group=[*BASE["group"], inst("cs7", single_line="seven")]),
        ["one", "dos", "seven"],
    ),
    (
        "and removed by one (the entry lists the whole field)",
        [order(group=["base.cs2", "base.cs1"])],
        doc(group=[*BASE["group"], inst("cs7", single_line="seven")]),
        ["two", "one"],
    ),
    (
        "a base instance deleted later is skipped",
        [{"group": [inst("cs1", single_line="uno")], **order(group=["base.cs2", "base.cs1"])}],
        doc(group=[BASE["group"][1]]),
        ["two"],
    ),
]


@pytest.mark.parametrize(
    ("name", "submissions", "base", "expected"),
    MATERIALIZED_GROUPS,
    ids=[case[0] for case in MATERIALIZED_GROUPS],
)
def test_materialize_instance_lists(
    name: str, submissions: list[Doc], base: Doc, expected: list[str]
) -> None:
    assert titles(materialize(SCHEMA, base, save(*submissions))["group"]) == expected


def test_materialize_drops_an_override_made_for_another_block() -> None:
    stored = save({"blocks": [block("hero", "cs3", title="H2")]})
    newer = doc(blocks=[block("cta", "cs3", text="now a cta")])
    assert materialize(SCHEMA, newer, stored)["blocks"] == newer["blocks"]


def test_materialize_nested_order_and_blocks() -> None:
    stored = save(
        {
            "blocks": [block("hero", "cs3", title="H2"), {"cta": {"text": "New"}}],
            **order(blocks=[NEW1, "base.cs3"], blocks__hero__cs3__items=["base.cs5"]),
        }
    )
    assert materialize(SCHEMA, BASE, stored)["blocks"] == [
        block("cta", NEW1, text="New"),
        block("hero", "cs3", title="H2", items=[inst("cs5", label="L5")]),
    ]


# Regression (hypothesis): an instance whose only change is the order of a list inside it has
# no entry in "fields"; materialize skipped it, so that nested order was lost (merge applied it).
NESTED_ORDERS_ONLY: list[tuple[str, Doc, list[Doc]]] = [
    (
        "a nested _order alone",
        order(blocks__hero__cs3__items=["base.cs5", "base.cs4"]),
        [
            block(
                "hero",
                "cs3",
                title="Hero",
                items=[inst("cs5", label="L5"), inst("cs4", label="L4")],
            ),
            block("cta", "cs6", text="Go"),
        ],
    ),
    (
        "a nested _order that empties the list, the outer list trimmed",
        order(blocks=["base.cs3"], blocks__hero__cs3__items=[]),
        [block("hero", "cs3", title="Hero", items=[])],
    ),
    (
        "the instance is sent unchanged with the nested list emptied",
        {
            "blocks": [block("hero", "cs3", title="Hero", items=[])],
            **order(blocks=["base.cs3"], blocks__hero__cs3__items=[]),
        },
        [block("hero", "cs3", title="Hero", items=[])],
    ),
]


@pytest.mark.parametrize(
    ("name", "submitted", "expected"),
    NESTED_ORDERS_ONLY,
    ids=[case[0] for case in NESTED_ORDERS_ONLY],
)
def test_materialize_applies_a_nested_order_without_field_overrides(
    name: str, submitted: Doc, expected: list[Doc]
) -> None:
    stored = save(submitted)
    assert stored["fields"] == {} and stored["change_set"] == []
    assert materialize(SCHEMA, BASE, stored)["blocks"] == expected
    patch = json.loads(json.dumps(compile_patch(SCHEMA, stored, "csv")))
    assert merge(BASE, [patch])[0] == materialize(SCHEMA, BASE, stored)


def test_materialize_copies() -> None:
    stored = save({"seo": {"meta_title": "M"}})
    snapshot = copy.deepcopy((BASE, stored))
    result = materialize(SCHEMA, BASE, stored)
    result["seo"]["social"]["caption"] = "changed"
    result["group"][0]["single_line"] = "changed"
    assert (BASE, stored) == snapshot


# --- compile_patch ---------------------------------------------------------------------------


def test_compile_patch() -> None:
    stored = save(
        {
            "title": "red",
            "seo": {"social": {"caption": "C"}},
            "group": [inst("cs2", extra={"note": "x"}), inst("cs9", single_line="v")],
            "blocks": [block("hero", "cs3", items=[inst("cs4", label="l")])],
            **order(group=["cs9", "base.cs2"]),
        }
    )
    patch = compile_patch(SCHEMA, stored, "csvariant")
    assert patch == {
        "variant": "csvariant",
        "set": [
            [["title"], "red"],
            [["seo", "social", "caption"], "C"],
            [["group", {"uid": "cs2"}, "extra", "note"], "x"],
            [["blocks", {"block": "hero", "uid": "cs3"}, "items", {"uid": "cs4"}, "label"], "l"],
        ],
        "add": [[["group"], inst("cs9", single_line="v")]],
        "order": [[["group"], ["cs9", "base.cs2"]]],
    }
    text = json.dumps(patch)
    assert "Base caption" not in text and "Base meta" not in text  # nothing of the base


def test_compile_patch_addresses_nested_orders_and_skips_stale_ones() -> None:
    stored = {
        "fields": {},
        "change_set": [],
        "order": [
            {"blocks.hero.cs3.items": ["base.cs5"]},
            {"gone": ["base.cs1"]},
            {"title.x": []},
            {"blocks.hero": []},
        ],
    }
    assert compile_patch(SCHEMA, stored, "v")["order"] == [
        [["blocks", {"block": "hero", "uid": "cs3"}, "items"], ["base.cs5"]],
    ]


# --- merge -----------------------------------------------------------------------------------

PATCH_A: Doc = {
    "variant": "csA",
    "add": [],
    "order": [],
    "set": [[["title"], "A"], [["group", {"uid": "cs1"}, "single_line"], "A1"]],
}
PATCH_B: Doc = {
    "variant": "csB",
    "set": [
        [["title"], "B"],
        [["views"], 20],
        [["group", {"uid": "cs1"}, "single_line"], "B1"],
        [["group", {"uid": "cs2"}, "single_line"], "B2"],
    ],
    "add": [[["group"], inst("csb9", single_line="b9")]],
    "order": [[["group"], ["csb9", "base.cs1", "base.cs2"]]],
}
PATCH_C: Doc = {
    "variant": "csC",
    "add": [],
    "set": [[["title"], "C"], [["views"], 30], [["seo", "meta_title"], "C meta"]],
    "order": [[["group"], ["base.cs2"]]],
}

MERGES: list[tuple[str, list[Doc], Doc, dict[str, str]]] = [
    (
        "A, B, C",
        [PATCH_A, PATCH_B, PATCH_C],
        {"title": "A", "views": 20, "meta_title": "C meta", "group": ["b9", "A1", "B2"]},
        {
            "title": "csA",
            "group.cs1.single_line": "csA",
            "views": "csB",
            "group.cs2.single_line": "csB",
            "group.csb9": "csB",
            "group": "csB",
            "seo.meta_title": "csC",
        },
    ),
    (
        "C, B, A: C's order drops cs1 and B's instance",
        [PATCH_C, PATCH_B, PATCH_A],
        {"title": "C", "views": 30, "meta_title": "C meta", "group": ["B2"]},
        {
            "title": "csC",
            "views": "csC",
            "seo.meta_title": "csC",
            "group": "csC",
            "group.cs2.single_line": "csB",
        },
    ),
    (
        "B, A",
        [PATCH_B, PATCH_A],
        {"title": "B", "views": 20, "meta_title": "Base meta", "group": ["b9", "B1", "B2"]},
        {
            "title": "csB",
            "views": "csB",
            "group.cs1.single_line": "csB",
            "group.cs2.single_line": "csB",
            "group.csb9": "csB",
            "group": "csB",
        },
    ),
    (
        "none",
        [],
        {"title": "Base", "views": 1, "meta_title": "Base meta", "group": ["one", "two"]},
        {},
    ),
]


@pytest.mark.parametrize(
    ("name", "patches", "expected", "applied"), MERGES, ids=[case[0] for case in MERGES]
)
def test_merge_first_listed_wins(
    name: str, patches: list[Doc], expected: Doc, applied: dict[str, str]
) -> None:
    snapshot = copy.deepcopy(BASE)
    merged, used = merge(BASE, patches)
    assert {
        "title": merged["title"],
        "views": merged["views"],
        "meta_title": merged["seo"]["meta_title"],
        "group": [i["single_line"] for i in merged["group"]],
    } == expected
    assert used == applied
    assert snapshot == BASE


def test_merge_copies_only_touched_containers() -> None:
    merged, _ = merge(BASE, [PATCH_A])
    assert merged["group"] is not BASE["group"]
    assert merged["group"][0] is not BASE["group"][0]
    assert merged["group"][1] is BASE["group"][1]
    assert merged["seo"] is BASE["seo"] and merged["blocks"] is BASE["blocks"]
    assert BASE["group"][0]["single_line"] == "one"


def test_merge_skips_paths_whose_instance_is_gone() -> None:
    stale = {
        "variant": "csS",
        "add": [],
        "set": [
            [["group", {"uid": "cs404"}, "single_line"], "x"],
            [["blocks", {"block": "cta", "uid": "cs3"}, "text"], "wrong block"],
            [["blocks", {"block": "hero", "uid": "cs3"}, "items", {"uid": "cs5"}, "label"], "ok"],
        ],
        "order": [[["group", {"uid": "cs404"}, "links"], []]],
    }
    merged, used = merge(BASE, [stale])
    assert used == {"blocks.hero.cs3.items.cs5.label": "csS"}
    assert merged["blocks"][0]["hero"]["items"][1]["label"] == "ok"
    assert merged["group"] == BASE["group"] and merged["blocks"][1] == BASE["blocks"][1]


def test_merge_creates_missing_groups_and_lists() -> None:
    base = {"uid": "blt1", "title": "t", "seo": None}
    patch = {
        "variant": "v",
        "set": [[["seo", "social", "caption"], "c"]],
        "add": [[["group"], inst("cs9", single_line="v")]],
        "order": [[["group"], ["cs9"]]],
    }
    merged, _ = merge(base, [patch])
    assert merged == {
        "uid": "blt1",
        "title": "t",
        "seo": {"social": {"caption": "c"}},
        "group": [inst("cs9", single_line="v")],
    }
    assert base == {"uid": "blt1", "title": "t", "seo": None}


def test_merge_does_not_share_values_with_patches() -> None:
    patch = {"variant": "v", "set": [[["body"], {"children": []}]], "add": [], "order": []}
    merged, _ = merge(BASE, [patch])
    merged["body"]["children"].append(1)
    assert patch["set"][0][1] == {"children": []}


def test_merge_of_compiled_patches_matches_materialize() -> None:
    stored = save(
        {
            "title": "red",
            "group": [inst("cs9", single_line="v")],
            "blocks": [block("hero", "cs3", title="H2")],
            **order(group=["cs9", "base.cs2"], blocks__hero__cs3__items=["base.cs5"]),
        }
    )
    merged, used = merge(BASE, [compile_patch(SCHEMA, stored, "csv")])
    assert merged == materialize(SCHEMA, BASE, stored)
    assert used == {
        "title": "csv",
        "blocks.hero.cs3.title": "csv",
        "group.cs9": "csv",
        "group": "csv",
        "blocks.hero.cs3.items": "csv",
    }
