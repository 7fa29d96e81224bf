"""Table-driven tests for veneer.domain.schema: content type definitions and entry validation."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest

from veneer.domain.schema import (
    field_at,
    reference_targets,
    unique_values,
    validate_content_type,
    validate_entry,
)
from veneer.errors import BadRequest, ValidationFailed

TITLE = {"display_name": "Title", "uid": "title", "data_type": "text"}


def fld(uid: str, data_type: str, **extra: Any) -> dict[str, Any]:
    return {"display_name": uid.title(), "uid": uid, "data_type": data_type, **extra}


def ct(*fields: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"title": "Page", "uid": "page", "schema": [TITLE, *fields], **extra}


def counter() -> Callable[[], str]:
    numbers = itertools.count(1)
    return lambda: f"cs{next(numbers):016x}"


def uid(n: int) -> str:
    return f"cs{n:016x}"


def schema_of(*fields: dict[str, Any]) -> list[dict[str, Any]]:
    return validate_content_type(ct(*fields))["schema"]


def ct_errors(body: Any) -> dict[str, list[str]]:
    with pytest.raises(ValidationFailed) as info:
        validate_content_type(body)
    assert info.value.status == 422
    return info.value.errors


def entry_errors(
    schema: list[dict[str, Any]], entry: dict[str, Any], **kw: Any
) -> dict[str, list[str]]:
    with pytest.raises(ValidationFailed) as info:
        validate_entry(schema, entry, new_uid=counter(), **kw)
    return info.value.errors


GROUP = fld("seo", "group", schema=[fld("meta_title", "text"), fld("noindex", "boolean")])
LINKS = fld(
    "links",
    "group",
    multiple=True,
    schema=[fld("label", "text", mandatory=True), fld("link", "link")],
)
BLOCKS = fld(
    "sections",
    "blocks",
    blocks=[
        {"uid": "hero", "title": "Hero", "schema": [fld("heading", "text", mandatory=True)]},
        {"uid": "quote", "title": "Quote", "schema": [fld("text", "text"), fld("n", "number")]},
    ],
)
SELECT = fld(
    "color",
    "text",
    display_type="dropdown",
    enum={"advanced": False, "choices": [{"value": "red"}, {"value": "blue"}]},
)
NUMBER_SELECT = fld(
    "size",
    "number",
    display_type="radio",
    enum={"advanced": True, "choices": [{"key": "S", "value": 1}, {"key": "L", "value": 3}]},
)
CHECKBOX = fld(
    "flavours",
    "text",
    display_type="checkbox",
    multiple=True,
    enum={"advanced": False, "choices": [{"value": "a"}, {"value": "b"}]},
)
RTE = fld("body", "json", field_metadata={"allow_json_rte": True})
REF_ONE = fld("author", "reference", reference_to=["person"])
REF_MANY = fld(
    "related", "reference", reference_to=["page", "post"], field_metadata={"ref_multiple": True}
)
REF_SINGLE = fld("parent", "reference", reference_to="page", field_metadata={"ref_multiple": False})
GLOBAL = fld("meta", "global_field", reference_to="meta_gf", schema=[fld("k", "text")])
GLOBAL_BY_REF = fld("opaque", "global_field", reference_to="opaque_gf")
DOC = {
    "type": "doc",
    "uid": "d1",
    "attrs": {},
    "children": [{"type": "p", "uid": "p1", "attrs": {}, "children": [{"text": "Hello"}]}],
}
EMPTY_DOC = {
    "type": "doc",
    "uid": "d2",
    "children": [{"type": "p", "uid": "p2", "children": [{"text": ""}]}],
}


def test_json_rte_nodes_without_a_uid_get_one_and_others_keep_theirs() -> None:
    """`csdx cm:stacks:import` sends JSON RTE documents with the node uids removed."""
    bare = {
        "type": "doc",
        "attrs": {"dirty": True},
        "children": [
            {"type": "p", "uid": "kept", "children": [{"text": "a"}]},
            {"type": "ul", "children": [{"type": "li", "uid": "", "children": [{"text": "b"}]}]},
        ],
    }
    out = validate_entry(schema_of(RTE), {"title": "t", "body": bare}, new_uid=counter())["body"]
    assert out == {
        "type": "doc",
        "attrs": {"dirty": True},
        "children": [
            {"type": "p", "uid": "kept", "children": [{"text": "a"}]},
            {
                "type": "ul",
                "children": [{"type": "li", "uid": uid(3), "children": [{"text": "b"}]}],
                "uid": uid(2),
            },
        ],
        "uid": uid(1),
    }
    assert "uid" not in bare  # the request's document is left as it was


# ---------------------------------------------------------------------------------------------
# validate_content_type: accepted definitions


def test_defaults_are_filled_and_unknown_keys_kept() -> None:
    body = ct(
        fld("n", "number", custom={"x": 1}),
        options={"singleton": False},
        description="d",
        extra_key=[1],
    )
    out = validate_content_type(body)
    assert out["extra_key"] == [1] and out["options"] == {"singleton": False}
    title, number = out["schema"]
    assert (title["mandatory"], title["unique"], title["multiple"]) == (True, True, False)
    assert number == {
        **body["schema"][1],
        "mandatory": False,
        "unique": False,
        "multiple": False,
        "non_localizable": False,
        "field_metadata": {},
    }
    assert "mandatory" not in body["schema"][1]  # the input is not modified


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        # A single reference target becomes a list; Contentstack's reference metadata is added.
        (
            fld("r", "reference", reference_to="page"),
            {
                "reference_to": ["page"],
                "field_metadata": {"ref_multiple": True, "ref_multiple_content_types": True},
            },
        ),
        # What the field says is kept.
        (
            fld("r", "reference", reference_to=["a", "b"], field_metadata={"ref_multiple": False}),
            {
                "reference_to": ["a", "b"],
                "field_metadata": {"ref_multiple": False, "ref_multiple_content_types": True},
            },
        ),
        (
            fld("j", "json", field_metadata={"allow_json_rte": True, "embed_entry": True}),
            {
                "reference_to": ["sys_assets"],
                "field_metadata": {
                    "allow_json_rte": True,
                    "embed_entry": True,
                    "description": "",
                    "default_value": "",
                    "multiline": False,
                    "rich_text_type": "advanced",
                    "options": [],
                },
            },
        ),
        (
            fld(
                "j",
                "json",
                reference_to=["sys_assets", "page"],
                field_metadata={"allow_json_rte": True},
            ),
            {"reference_to": ["sys_assets", "page"]},
        ),
        # A custom (extension) JSON field is not a JSON RTE: nothing is added.
        (
            fld("c", "json", field_metadata={"extension": True}),
            {"field_metadata": {"extension": True}},
        ),
        (fld("t", "text", non_localizable=True), {"non_localizable": True}),
    ],
)
def test_each_kind_reads_back_with_contentstacks_keys(
    field: dict[str, Any], expected: dict[str, Any]
) -> None:
    out = validate_content_type(ct(field))["schema"][1]
    assert {key: out[key] for key in expected} == expected
    assert out["non_localizable"] in (True, False)
    assert validate_content_type(ct(out))["schema"][1] == out  # a second pass changes nothing


def test_explicit_flags_are_kept() -> None:
    body = ct(fld("n", "number", mandatory=True, unique=True, field_metadata={"a": 1}))
    body["schema"][0] = {**TITLE, "unique": False}
    title, number = validate_content_type(body)["schema"]
    assert title["unique"] is False and title["mandatory"] is True
    assert number["mandatory"] and number["unique"] and number["field_metadata"] == {"a": 1}


@pytest.mark.parametrize(
    "field",
    [
        fld("plain", "text"),
        fld("multi", "text", field_metadata={"multiline": True}),
        fld("labels", "text", multiple=True),
        fld("n", "number"),
        fld("flag", "boolean"),
        fld("date", "isodate"),
        fld("data", "json"),
        RTE,
        fld("cta", "link"),
        fld("image", "file"),
        fld("gallery", "file", multiple=True),
        SELECT,
        NUMBER_SELECT,
        CHECKBOX,
        REF_ONE,
        REF_MANY,
        REF_SINGLE,
        GROUP,
        LINKS,
        BLOCKS,
        GLOBAL,
        GLOBAL_BY_REF,
        fld("embed", "blocks", blocks=[{"uid": "gf", "title": "G", "reference_to": "meta_gf"}]),
        fld("url", "text"),
    ],
    ids=lambda f: f["uid"],
)
def test_every_data_type_is_accepted(field: dict[str, Any]) -> None:
    out = validate_content_type(ct(field))["schema"][1]
    assert out["data_type"] == field["data_type"]
    assert out["multiple"] is (field["data_type"] == "blocks" or bool(field.get("multiple")))


def test_nested_schemas_are_normalized() -> None:
    out = validate_content_type(ct(GROUP, BLOCKS))["schema"]
    assert out[1]["schema"][0]["mandatory"] is False
    assert out[2]["blocks"][0]["schema"][0]["mandatory"] is True
    assert out[2]["blocks"][1]["schema"][1]["field_metadata"] == {}


def test_reference_targets() -> None:
    assert reference_targets(REF_ONE) == ["person"]
    assert reference_targets(REF_SINGLE) == ["page"]
    assert reference_targets(fld("x", "reference")) == []


# ---------------------------------------------------------------------------------------------
# validate_content_type: rejected definitions, one error path each


def deep_group(levels: int) -> dict[str, Any]:
    field = fld("leaf", "text")
    for i in range(levels):
        field = fld(f"g{i}", "group", schema=[field])
    return field


CT_ERRORS: list[tuple[str, dict[str, Any], str, str]] = [
    ("no uid", {"title": "P", "schema": [TITLE]}, "uid", "lowercase"),
    ("uppercase uid", ct(uid="Page"), "uid", "lowercase"),
    ("uid starting with a digit", ct(uid="1page"), "uid", "start with a letter"),
    ("uid too long", ct(uid="p" * 65), "uid", "at most 64"),
    ("no title", {"uid": "page", "schema": [TITLE]}, "title", "non-empty"),
    ("blank title", ct(title="  "), "title", "non-empty"),
    ("title not a string", ct(title=5), "title", "non-empty"),
    ("description not a string", ct(description=5), "description", "string"),
    ("options not an object", ct(options=[]), "options", "object"),
    ("schema not a list", {"uid": "p", "title": "P", "schema": {}}, "schema", "list"),
    ("no schema", {"uid": "p", "title": "P"}, "schema", "list"),
    ("field not an object", ct("text"), "schema.1", "object"),  # type: ignore[arg-type]
    ("field uid invalid", ct(fld("Bad-Uid", "text")), "schema.1.uid", "lowercase"),
    (
        "field uid missing",
        ct({"display_name": "X", "data_type": "text"}),
        "schema.1.uid",
        "lowercase",
    ),
    ("field uid reserved", ct(fld("created_at", "isodate")), "schema.1.uid", "reserved"),
    ("field uid duplicated", ct(fld("a", "text"), fld("a", "number")), "schema.2.uid", "twice"),
    (
        "nested uid duplicated",
        ct(fld("g", "group", schema=[fld("a", "text"), fld("a", "text")])),
        "schema.1.schema.1.uid",
        "twice",
    ),
    (
        "display_name missing",
        ct({"uid": "a", "data_type": "text"}),
        "schema.1.display_name",
        "non-empty",
    ),
    (
        "unknown data_type",
        ct(fld("a", "foo")),
        "schema.1.data_type",
        "is not a known data type: 'foo'",
    ),
    (
        "data_type missing",
        ct({"uid": "a", "display_name": "A"}),
        "schema.1.data_type",
        "is not a known data type: None",
    ),
    (
        "mandatory not a bool",
        ct(fld("a", "text", mandatory="yes")),
        "schema.1.mandatory",
        "true or false",
    ),
    ("multiple not a bool", ct(fld("a", "text", multiple=1)), "schema.1.multiple", "true or false"),
    ("unique not a bool", ct(fld("a", "text", unique=None)), "schema.1.unique", "true or false"),
    (
        "field_metadata not an object",
        ct(fld("a", "text", field_metadata=[])),
        "schema.1.field_metadata",
        "object",
    ),
    ("group without schema", ct(fld("g", "group")), "schema.1.schema", "list"),
    (
        "group with a bad nested field",
        ct(fld("g", "group", schema=[fld("x", "nope")])),
        "schema.1.schema.0.data_type",
        "'nope'",
    ),
    ("blocks missing", ct(fld("b", "blocks")), "schema.1.blocks", "non-empty"),
    ("blocks empty", ct(fld("b", "blocks", blocks=[])), "schema.1.blocks", "non-empty"),
    ("block not an object", ct(fld("b", "blocks", blocks=["x"])), "schema.1.blocks.0", "object"),
    (
        "block uid invalid",
        ct(fld("b", "blocks", blocks=[{"uid": "", "schema": []}])),
        "schema.1.blocks.0.uid",
        "block uid",
    ),
    (
        "block uid duplicated",
        ct(fld("b", "blocks", blocks=[{"uid": "x", "schema": []}, {"uid": "x", "schema": []}])),
        "schema.1.blocks.1.uid",
        "twice",
    ),
    (
        "block without schema",
        ct(fld("b", "blocks", blocks=[{"uid": "x"}])),
        "schema.1.blocks.0.schema",
        "list",
    ),
    (
        "block with a bad field",
        ct(fld("b", "blocks", blocks=[{"uid": "x", "schema": [fld("y", "bad")]}])),
        "schema.1.blocks.0.schema.0.data_type",
        "'bad'",
    ),
    (
        "reference without reference_to",
        ct(fld("r", "reference")),
        "schema.1.reference_to",
        "content type",
    ),
    (
        "reference_to empty",
        ct(fld("r", "reference", reference_to=[])),
        "schema.1.reference_to",
        "content type",
    ),
    (
        "reference_to not strings",
        ct(fld("r", "reference", reference_to=[1])),
        "schema.1.reference_to",
        "content type",
    ),
    (
        "select without choices",
        ct(fld("s", "text", enum={"advanced": False})),
        "schema.1.enum.choices",
        "non-empty",
    ),
    (
        "select with empty choices",
        ct(fld("s", "text", enum={"choices": []})),
        "schema.1.enum.choices",
        "non-empty",
    ),
    ("enum not an object", ct(fld("s", "text", enum=["a"])), "schema.1.enum.choices", "non-empty"),
    (
        "choice of the wrong type",
        ct(fld("s", "number", enum={"choices": [{"value": "1"}]})),
        "schema.1.enum.choices.0",
        "field's type",
    ),
    (
        "choice without a value",
        ct(fld("s", "text", enum={"choices": [{"key": "a"}]})),
        "schema.1.enum.choices.0",
        "field's type",
    ),
    (
        "unknown display_type",
        ct(fld("s", "text", display_type="slider")),
        "schema.1.display_type",
        "dropdown",
    ),
    (
        "global field without schema or reference",
        ct(fld("g", "global_field")),
        "schema.1.reference_to",
        "global field",
    ),
    (
        "nesting too deep",
        ct(deep_group(10)),
        "schema.1" + ".schema.0" * 9 + ".schema",
        "deeper than 10",
    ),
    (
        "no title field",
        {"uid": "p", "title": "P", "schema": [fld("name", "text")]},
        "schema",
        "'title'",
    ),
    (
        "title not text",
        {"uid": "p", "title": "P", "schema": [fld("title", "number")]},
        "schema.0.data_type",
        "'text'",
    ),
    (
        "title multiple",
        {"uid": "p", "title": "P", "schema": [{**TITLE, "multiple": True}]},
        "schema.0.multiple",
        "false",
    ),
    (
        "title not mandatory",
        {"uid": "p", "title": "P", "schema": [{**TITLE, "mandatory": False}]},
        "schema.0.mandatory",
        "true",
    ),
    ("url not text", ct(fld("url", "number")), "schema.1.data_type", "url"),
]


@pytest.mark.parametrize(
    "body,path,fragment", [c[1:] for c in CT_ERRORS], ids=[c[0] for c in CT_ERRORS]
)
def test_content_type_errors_name_the_path(body: dict[str, Any], path: str, fragment: str) -> None:
    errors = ct_errors(body)
    assert list(errors) == [path]
    assert any(fragment in message for message in errors[path]), errors


def test_content_type_errors_are_reported_together() -> None:
    errors = ct_errors(
        {"uid": "X", "title": "", "schema": [fld("a", "foo"), fld("g", "group"), fld("a", "text")]}
    )
    assert set(errors) == {
        "uid",
        "title",
        "schema",
        "schema.0.data_type",
        "schema.1.schema",
        "schema.2.uid",
    }


def test_content_type_must_be_an_object() -> None:
    with pytest.raises(BadRequest):
        validate_content_type([])  # type: ignore[arg-type]


def test_deep_nesting_within_the_limit_is_fine() -> None:
    validate_content_type(ct(deep_group(9)))


# ---------------------------------------------------------------------------------------------
# validate_entry: accepted values, per data type (the cleaned value may be normalized)

ENTRY_OK: list[tuple[str, dict[str, Any], Any, Any]] = [
    ("text", fld("f", "text"), "hello", "hello"),
    ("empty text", fld("f", "text"), "", ""),
    ("multiline text", fld("f", "text", field_metadata={"multiline": True}), "a\nb", "a\nb"),
    ("multiple text", fld("f", "text", multiple=True), ["a", "b"], ["a", "b"]),
    ("empty multiple", fld("f", "text", multiple=True), [], []),
    ("int", fld("f", "number"), 3, 3),
    ("float", fld("f", "number"), 2.5, 2.5),
    ("big int", fld("f", "number"), 10**400, 10**400),
    ("boolean", fld("f", "boolean"), False, False),
    ("date", fld("f", "isodate"), "2024-09-06", "2024-09-06"),
    ("date-time", fld("f", "isodate"), "2024-09-06T13:30:23.305Z", "2024-09-06T13:30:23.305Z"),
    (
        "date-time with offset",
        fld("f", "isodate"),
        "2024-09-06T13:30:23+02:00",
        "2024-09-06T13:30:23+02:00",
    ),
    ("cleared date", fld("f", "isodate"), "", ""),
    ("plain json object", fld("f", "json"), {"a": [1, None]}, {"a": [1, None]}),
    ("plain json scalar", fld("f", "json"), 7, 7),
    ("json rte", RTE, DOC, DOC),
    ("multiple json rte", {**RTE, "multiple": True}, [DOC, EMPTY_DOC], [DOC, EMPTY_DOC]),
    ("link", fld("f", "link"), {"title": "T", "href": "/x"}, {"title": "T", "href": "/x"}),
    (
        "multiple links",
        fld("f", "link", multiple=True),
        [{"title": "", "href": "/"}],
        [{"title": "", "href": "/"}],
    ),
    ("file uid", fld("f", "file"), "blt0123", "blt0123"),
    ("fetched asset", fld("f", "file"), {"uid": "blt0123", "url": "https://x"}, "blt0123"),
    ("multiple files", fld("f", "file", multiple=True), ["a", {"uid": "b"}], ["a", "b"]),
    ("select", SELECT, "red", "red"),
    ("number select", NUMBER_SELECT, 3, 3),
    ("number select float", NUMBER_SELECT, 3.0, 3.0),
    ("checkbox", CHECKBOX, ["a", "b"], ["a", "b"]),
    (
        "reference",
        REF_ONE,
        [{"uid": "blt1", "_content_type_uid": "person"}],
        [{"uid": "blt1", "_content_type_uid": "person"}],
    ),
    (
        "reference without ct",
        REF_ONE,
        [{"uid": "blt1"}],
        [{"uid": "blt1", "_content_type_uid": "person"}],
    ),
    ("reference as a uid", REF_SINGLE, ["blt1"], [{"uid": "blt1", "_content_type_uid": "page"}]),
    (
        "expanded reference",
        REF_MANY,
        [{"uid": "b1", "_content_type_uid": "post", "title": "x", "_version": 3}],
        [{"uid": "b1", "_content_type_uid": "post"}],
    ),
    ("no references", REF_MANY, [], []),
    (
        "group",
        GROUP,
        {"meta_title": "M", "noindex": True, "junk": 1},
        {"meta_title": "M", "noindex": True, "_metadata": {"uid": uid(1)}},
    ),
    (
        "group keeps its uid",
        GROUP,
        {"meta_title": "M", "_metadata": {"uid": "cs1"}},
        {"meta_title": "M", "_metadata": {"uid": "cs1"}},
    ),
    (
        "multiple group",
        LINKS,
        [{"label": "a"}, {"label": "b", "_metadata": {"uid": "csb"}}],
        [{"label": "a", "_metadata": {"uid": uid(1)}}, {"label": "b", "_metadata": {"uid": "csb"}}],
    ),
    ("global field", GLOBAL, {"k": "v"}, {"k": "v", "_metadata": {"uid": uid(1)}}),
    ("global field by reference", GLOBAL_BY_REF, {"any": [1]}, {"any": [1]}),
    (
        "blocks",
        BLOCKS,
        [{"hero": {"heading": "H"}}, {"quote": {"n": 1, "x": 2}}],
        [
            {"hero": {"heading": "H", "_metadata": {"uid": uid(1)}}},
            {"quote": {"n": 1, "_metadata": {"uid": uid(2)}}},
        ],
    ),
    (
        "block keeps its uid",
        BLOCKS,
        [{"hero": {"heading": "H", "_metadata": {"uid": "h1"}}}],
        [{"hero": {"heading": "H", "_metadata": {"uid": "h1"}}}],
    ),
    ("null", fld("f", "number"), None, None),
    ("null multiple", fld("f", "text", multiple=True), None, None),
    ("null group", GROUP, None, None),
]


@pytest.mark.parametrize(
    "field,value,expected", [c[1:] for c in ENTRY_OK], ids=[c[0] for c in ENTRY_OK]
)
def test_entry_values_accepted(field: dict[str, Any], value: Any, expected: Any) -> None:
    schema = schema_of(field)
    out = validate_entry(schema, {"title": "t", field["uid"]: value}, new_uid=counter())
    assert out == {"title": "t", field["uid"]: expected}


def test_embedded_global_field_block() -> None:
    field = fld("embed", "blocks", blocks=[{"uid": "gf", "title": "G", "reference_to": "x"}])
    out = validate_entry(
        schema_of(field), {"title": "t", "embed": [{"gf": {"a": 1}}]}, new_uid=counter()
    )
    assert out["embed"] == [{"gf": {"a": 1, "_metadata": {"uid": uid(1)}}}]


# ---------------------------------------------------------------------------------------------
# validate_entry: rejected values, one error path each

ENTRY_ERRORS: list[tuple[str, dict[str, Any], Any, str, str]] = [
    ("text not a string", fld("f", "text"), 5, "f", "string"),
    ("text list when single", fld("f", "text"), ["a"], "f", "string"),
    ("multiple text not a list", fld("f", "text", multiple=True), "a", "f", "list"),
    ("multiple text bad element", fld("f", "text", multiple=True), ["a", 2], "f.1", "string"),
    ("null element", fld("f", "text", multiple=True), [None], "f.0", "string"),
    ("number a string", fld("f", "number"), "5", "f", "number"),
    ("number a bool", fld("f", "number"), True, "f", "number"),
    ("number infinite", fld("f", "number"), float("inf"), "f", "number"),
    ("number nan", fld("f", "number"), float("nan"), "f", "number"),
    ("boolean an int", fld("f", "boolean"), 1, "f", "true or false"),
    ("boolean a string", fld("f", "boolean"), "true", "f", "true or false"),
    ("date garbage", fld("f", "isodate"), "yesterday", "f", "ISO-8601"),
    ("date impossible", fld("f", "isodate"), "2024-02-30", "f", "ISO-8601"),
    ("date a number", fld("f", "isodate"), 20240906, "f", "ISO-8601"),
    ("link a string", fld("f", "link"), "https://x", "f", "title and href"),
    ("link without href", fld("f", "link"), {"title": "x"}, "f", "title and href"),
    ("link href not a string", fld("f", "link"), {"title": "x", "href": 1}, "f", "title and href"),
    (
        "multiple links bad element",
        fld("f", "link", multiple=True),
        [{"title": "", "href": ""}, "x"],
        "f.1",
        "title and href",
    ),
    ("file a number", fld("f", "file"), 5, "f", "asset uid"),
    ("file empty", fld("f", "file"), "", "f", "asset uid"),
    ("file object without uid", fld("f", "file"), {"url": "x"}, "f", "asset uid"),
    ("multiple files not a list", fld("f", "file", multiple=True), "a", "f", "list"),
    ("select not a choice", SELECT, "green", "color", "choices"),
    ("number select not a choice", NUMBER_SELECT, 2, "size", "choices"),
    ("number select bool", NUMBER_SELECT, True, "size", "number"),
    ("checkbox bad element", CHECKBOX, ["a", "z"], "flavours.1", "choices"),
    ("rte not a doc", RTE, {"type": "p", "children": []}, "body", "type 'doc'"),
    ("rte a string", RTE, "<p>hi</p>", "body", "type 'doc'"),
    ("rte without children", RTE, {"type": "doc"}, "body", "children"),
    ("rte bad node", RTE, {"type": "doc", "children": ["x"]}, "body", "object"),
    ("rte bad text", RTE, {"type": "doc", "children": [{"text": 1}]}, "body", "text"),
    (
        "rte bad nested children",
        RTE,
        {"type": "doc", "children": [{"type": "p", "children": {}}]},
        "body",
        "children",
    ),
    ("reference not a list", REF_ONE, {"uid": "x"}, "author", "list"),
    ("reference without uid", REF_ONE, [{"_content_type_uid": "person"}], "author.0", "uid"),
    ("reference a number", REF_ONE, [5], "author.0", "uid"),
    (
        "reference to a wrong ct",
        REF_ONE,
        [{"uid": "b", "_content_type_uid": "page"}],
        "author.0",
        "'page'",
    ),
    ("reference needs a ct", REF_MANY, [{"uid": "b"}], "related.0", "_content_type_uid"),
    ("single reference holding two", REF_SINGLE, ["a", "b"], "parent", "at most one"),
    ("group not an object", GROUP, "x", "seo", "object"),
    ("group as a list", GROUP, [{}], "seo", "object"),
    ("group bad subfield", GROUP, {"noindex": "no"}, "seo.noindex", "true or false"),
    ("group bad _metadata", GROUP, {"_metadata": "x"}, "seo._metadata", "object"),
    ("group bad instance uid", GROUP, {"_metadata": {"uid": 5}}, "seo._metadata.uid", "string"),
    ("multiple group not a list", LINKS, {"label": "a"}, "links", "list"),
    ("multiple group bad instance", LINKS, [{"label": "a"}, 3], "links.1", "object"),
    (
        "multiple group bad subfield",
        LINKS,
        [{"label": "a"}, {"label": "b", "link": "x"}],
        "links.1.link",
        "title and href",
    ),
    ("multiple group missing mandatory", LINKS, [{"label": "a"}, {}], "links.1.label", "required"),
    ("global field bad subfield", GLOBAL, {"k": 1}, "meta.k", "string"),
    ("blocks not a list", BLOCKS, {"hero": {}}, "sections", "list"),
    ("block not an object", BLOCKS, ["hero"], "sections.0", "exactly one block"),
    ("block with two keys", BLOCKS, [{"hero": {}, "quote": {}}], "sections.0", "exactly one block"),
    ("unknown block", BLOCKS, [{"hero": {"heading": "h"}}, {"video": {}}], "sections.1", "'video'"),
    ("block body not an object", BLOCKS, [{"quote": "x"}], "sections.0.quote", "object"),
    (
        "block bad subfield",
        BLOCKS,
        [{"quote": {}}, {"hero": {"heading": 1}}],
        "sections.1.hero.heading",
        "string",
    ),
    ("block missing mandatory", BLOCKS, [{"hero": {}}], "sections.0.hero.heading", "required"),
]


@pytest.mark.parametrize(
    "field,value,path,fragment", [c[1:] for c in ENTRY_ERRORS], ids=[c[0] for c in ENTRY_ERRORS]
)
def test_entry_errors_name_the_path(
    field: dict[str, Any], value: Any, path: str, fragment: str
) -> None:
    errors = entry_errors(schema_of(field), {"title": "t", field["uid"]: value})
    assert list(errors) == [path]
    assert any(fragment in message for message in errors[path]), errors


MANDATORY_EMPTY: list[tuple[str, dict[str, Any], Any]] = [
    ("null", fld("f", "number", mandatory=True), None),
    ("empty string", fld("f", "text", mandatory=True), ""),
    ("empty list", fld("f", "text", multiple=True, mandatory=True), []),
    ("empty link", fld("f", "link", mandatory=True), {"title": "", "href": ""}),
    ("empty rte", {**RTE, "mandatory": True}, EMPTY_DOC),
    ("empty group", {**GROUP, "mandatory": True}, {}),
    ("no references", {**REF_ONE, "mandatory": True}, []),
    ("no blocks", {**BLOCKS, "mandatory": True}, []),
    ("no file", fld("f", "file", mandatory=True), None),
    ("cleared date", fld("f", "isodate", mandatory=True), ""),
]


@pytest.mark.parametrize(
    "field,value", [c[1:] for c in MANDATORY_EMPTY], ids=[c[0] for c in MANDATORY_EMPTY]
)
def test_mandatory_fields_must_not_be_empty(field: dict[str, Any], value: Any) -> None:
    schema = schema_of(field)
    assert entry_errors(schema, {"title": "t", field["uid"]: value}) == {
        field["uid"]: ["is required"]
    }
    assert entry_errors(schema, {"title": "t"}) == {field["uid"]: ["is required"]}


def test_mandatory_false_and_zero_values_are_not_empty() -> None:
    schema = schema_of(
        fld("n", "number", mandatory=True),
        fld("b", "boolean", mandatory=True),
        {**RTE, "mandatory": True},
    )
    entry = {"title": "t", "n": 0, "b": False, "body": DOC}
    assert validate_entry(schema, entry, new_uid=counter()) == entry


def test_title_is_mandatory() -> None:
    assert entry_errors(schema_of(), {}) == {"title": ["is required"]}
    assert entry_errors(schema_of(), {"title": ""}) == {"title": ["is required"]}


def test_type_error_is_not_doubled_by_required() -> None:
    assert entry_errors(schema_of(), {"title": 5}) == {"title": ["must be a string"]}


def test_all_errors_are_reported_at_once() -> None:
    schema = schema_of(fld("n", "number"), GROUP, LINKS, BLOCKS)
    entry = {
        "n": "x",
        "seo": {"noindex": 1},
        "links": [{"label": 1}],
        "sections": [{"hero": {}}, {"nope": {}}],
    }
    assert entry_errors(schema, entry) == {
        "title": ["is required"],
        "n": ["must be a number"],
        "seo.noindex": ["must be true or false"],
        "links.0.label": ["must be a string"],
        "sections.0.hero.heading": ["is required"],
        "sections.1": ["is not a known block: 'nope'"],
    }


def test_system_and_unknown_keys_are_dropped() -> None:
    entry = {
        "title": "t",
        "uid": "blt1",
        "created_at": "x",
        "_version": 3,
        "locale": "en-us",
        "publish_details": [],
        "ACL": {},
        "stray": 1,
    }
    assert validate_entry(schema_of(), entry, new_uid=counter()) == {"title": "t"}


def test_input_is_not_modified() -> None:
    entry: dict[str, Any] = {
        "title": "t",
        "links": [{"label": "a"}],
        "sections": [{"hero": {"heading": "h"}}],
    }
    before = repr(entry)
    out = validate_entry(schema_of(LINKS, BLOCKS), entry, new_uid=counter())
    assert repr(entry) == before
    out["links"][0]["label"] = "changed"
    assert entry["links"][0]["label"] == "a"


def test_partial_skips_missing_mandatory_fields_only() -> None:
    schema = schema_of(fld("n", "number", mandatory=True), LINKS)
    assert validate_entry(schema, {"links": [{}]}, new_uid=counter(), partial=True) == {
        "links": [{"_metadata": {"uid": uid(1)}}]
    }
    assert entry_errors(schema, {"title": ""}, partial=True) == {"title": ["is required"]}
    assert entry_errors(schema, {"n": "x"}, partial=True) == {"n": ["must be a number"]}


def test_entry_must_be_an_object() -> None:
    with pytest.raises(BadRequest):
        validate_entry(schema_of(), [], new_uid=counter())  # type: ignore[arg-type]


def test_new_uid_is_called_once_per_new_instance() -> None:
    calls: list[str] = []

    def new_uid() -> str:
        calls.append(uid(len(calls) + 1))
        return calls[-1]

    entry = {
        "title": "t",
        "seo": {},
        "links": [{"label": "a"}, {"label": "b"}],
        "sections": [{"hero": {"heading": "h", "_metadata": {"uid": "x"}}}],
    }
    validate_entry(schema_of(GROUP, LINKS, BLOCKS), entry, new_uid=new_uid)
    assert len(calls) == 3


# ---------------------------------------------------------------------------------------------
# unique_values and field_at


UNIQUE_SCHEMA = schema_of(
    fld("slug", "text", unique=True), fld("n", "number", unique=True), fld("other", "text")
)


@pytest.mark.parametrize(
    "entry,expected",
    [
        ({"title": "T", "slug": "s", "n": 0, "other": "o"}, {"title": "T", "slug": "s", "n": 0}),
        ({"title": "T"}, {"title": "T"}),
        ({"title": "T", "slug": None, "n": ""}, {"title": "T"}),
        ({}, {}),
    ],
)
def test_unique_values(entry: dict[str, Any], expected: dict[str, Any]) -> None:
    assert unique_values(UNIQUE_SCHEMA, entry) == expected


FIELD_AT_SCHEMA = schema_of(GROUP, LINKS, BLOCKS, fld("n", "number"))


@pytest.mark.parametrize(
    "path,expected_uid",
    [
        ("title", "title"),
        ("n", "n"),
        ("seo", "seo"),
        ("seo.meta_title", "meta_title"),
        ("links.label", "label"),
        ("links.0.label", "label"),
        ("links.cs0123456789abcdef.link", "link"),
        ("sections", "sections"),
        ("sections.hero", "hero"),
        ("sections.hero.heading", "heading"),
        ("sections.1.hero.heading", "heading"),
        ("sections.quote.cs01.n", "n"),
        ("", None),
        ("missing", None),
        ("n.deeper", None),
        ("seo.0.meta_title", None),
        ("seo.missing", None),
        ("links.0.1.label", None),
        ("sections.hero.nope", None),
        ("sections.video.heading", None),
    ],
)
def test_field_at(path: str, expected_uid: str | None) -> None:
    found = field_at(FIELD_AT_SCHEMA, path)
    assert (found or {}).get("uid") == expected_uid


def test_format_min_max_and_instance_limits_are_enforced_on_entries() -> None:
    """The validation options a content type holds (and the editor's content type form offers)."""
    schema = schema_of(
        fld("code", "text", format="^[A-Z]{3}$", error_messages={"format": "Three capitals."}),
        fld("slug", "text", format="^[a-z-]+$"),
        fld("labels", "text", multiple=True, format="^#", min_instance=2, max_instance=3),
        fld("rating", "number", min=1, max=5),
        fld("badly", "text", format="(unclosed"),
        fld("prose", "text", format="^x$", field_metadata={"allow_rich_text": True}),
    )
    good = {
        "title": "t",
        "code": "ABC",
        "slug": "a-b",
        "labels": ["#a", "#b"],
        "rating": 5,
        "badly": "anything",  # a pattern that does not compile is not enforced
        "prose": "<p>rich text is not matched</p>",
    }
    assert validate_entry(schema, good, new_uid=counter())["rating"] == 5
    assert validate_entry(schema, {"title": "t", "code": ""}, new_uid=counter())["code"] == ""
    assert entry_errors(
        schema,
        {"title": "t", "code": "abc", "slug": "A B", "labels": ["#a"], "rating": 0},
    ) == {
        "code": ["Three capitals."],
        "slug": ["is not in the required format"],
        "labels": ["must have at least 2 items"],
        "rating": ["must be at least 1"],
    }
    assert entry_errors(
        schema, {"title": "t", "labels": ["#a", "b", "#c", "#d"], "rating": 5.5}
    ) == {
        "labels": ["must have at most 3 items"],
        "labels.1": ["is not in the required format"],
        "rating": ["must be at most 5"],
    }


def test_a_hostile_format_times_out_with_a_clear_error() -> None:
    schema = schema_of(fld("code", "text", format="(x+x+)+y"))
    assert entry_errors(schema, {"title": "t", "code": "x" * 5000}) == {
        "code": ["could not be checked against its format in time"]
    }


def test_blocks_keep_to_their_instance_limits() -> None:
    blocks = fld(
        "sections",
        "blocks",
        max_instance=1,
        blocks=[{"title": "Quote", "uid": "quote", "schema": [fld("text", "text")]}],
    )
    two = [{"quote": {"text": "a"}}, {"quote": {"text": "b"}}]
    assert entry_errors(schema_of(blocks), {"title": "t", "sections": two}) == {
        "sections": ["must have at most 1 items"]
    }
