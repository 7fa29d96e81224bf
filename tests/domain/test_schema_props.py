"""Property tests for veneer.domain.schema: random valid schemas with matching entries."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from veneer.domain.schema import RESERVED_FIELD_UIDS, validate_content_type, validate_entry
from veneer.errors import ValidationFailed

Field = dict[str, Any]

LOWER = "abcdefghijklmnopqrstuvwxyz"
uids = st.builds(
    lambda first, rest: first + rest,
    st.sampled_from(LOWER),
    st.text(alphabet=LOWER + "0123456789_", max_size=8),
).filter(lambda u: u not in RESERVED_FIELD_UIDS and u not in ("title", "url"))


def hex_ids(prefix: str, length: int) -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789abcdef", min_size=length, max_size=length).map(
        prefix.__add__
    )


CHOICES = ["red", "green", "blue"]


def counter() -> Callable[[], str]:
    numbers = itertools.count(1)
    return lambda: f"cs{next(numbers):016x}"


def _field(uid: str, data_type: str, mandatory: bool, multiple: bool, **extra: Any) -> Field:
    return {
        "display_name": uid,
        "uid": uid,
        "data_type": data_type,
        "mandatory": mandatory,
        "multiple": multiple,
        **extra,
    }


LEAF_KINDS: dict[str, dict[str, Any]] = {
    "text": {"data_type": "text"},
    "multiline": {"data_type": "text", "field_metadata": {"multiline": True}},
    "select": {
        "data_type": "text",
        "display_type": "dropdown",
        "enum": {"advanced": False, "choices": [{"value": c} for c in CHOICES]},
    },
    "number": {"data_type": "number"},
    "boolean": {"data_type": "boolean"},
    "isodate": {"data_type": "isodate"},
    "json": {"data_type": "json"},
    "rte": {"data_type": "json", "field_metadata": {"allow_json_rte": True}},
    "link": {"data_type": "link"},
    "file": {"data_type": "file"},
    "reference": {"data_type": "reference", "reference_to": ["person"]},
}


@st.composite
def leaf_fields(draw: st.DrawFn, uid: str) -> Field:
    kind = dict(LEAF_KINDS[draw(st.sampled_from(sorted(LEAF_KINDS)))])
    data_type = kind.pop("data_type")
    multiple = data_type != "reference" and draw(st.booleans())
    return _field(uid, data_type, draw(st.booleans()), multiple, **kind)


def field_lists(depth: int) -> st.SearchStrategy[list[Field]]:
    return st.lists(uids, min_size=1, max_size=4, unique=True).flatmap(
        lambda names: st.tuples(*[fields(name, depth) for name in names]).map(list)
    )


def fields(uid: str, depth: int) -> st.SearchStrategy[Field]:
    if depth >= 2:
        return leaf_fields(uid)
    return st.one_of(leaf_fields(uid), leaf_fields(uid), groups(uid, depth), blocks(uid, depth))


@st.composite
def groups(draw: st.DrawFn, uid: str, depth: int) -> Field:
    return _field(
        uid, "group", draw(st.booleans()), draw(st.booleans()), schema=draw(field_lists(depth + 1))
    )


@st.composite
def blocks(draw: st.DrawFn, uid: str, depth: int) -> Field:
    names = draw(st.lists(uids, min_size=1, max_size=3, unique=True))
    return _field(
        uid,
        "blocks",
        draw(st.booleans()),
        True,
        blocks=[
            {"uid": name, "title": name, "schema": draw(field_lists(depth + 1))} for name in names
        ],
    )


@st.composite
def schemas(draw: st.DrawFn) -> list[Field]:
    title = {"display_name": "Title", "uid": "title", "data_type": "text"}
    body = {"title": "T", "uid": "page", "schema": [title, *draw(field_lists(0))]}
    return validate_content_type(body)["schema"]


# --- values: every strategy can be asked for a non-empty value, for mandatory fields ---------


def _containers(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=5),
    _containers,
    max_leaves=6,
)
SCALARS: dict[str, st.SearchStrategy[Any]] = {
    "number": st.integers() | st.floats(allow_nan=False, allow_infinity=False),
    "boolean": st.booleans(),
    "isodate": st.dates().map(lambda d: d.isoformat())
    | st.datetimes().map(lambda d: d.isoformat() + "Z"),
    "file": hex_ids("blt", 4),
}


def docs(required: bool) -> st.SearchStrategy[dict[str, Any]]:
    texts = (
        st.lists(st.text(min_size=1, max_size=5), min_size=1, max_size=3)
        if required
        else st.lists(st.text(max_size=5), max_size=3)
    )
    return texts.map(
        lambda ts: {
            "type": "doc",
            "uid": "d",
            "attrs": {},
            "children": [{"type": "p", "attrs": {}, "children": [{"text": t}]} for t in ts],
        }
    )


def single_value(field: Field, required: bool) -> st.SearchStrategy[Any]:
    data_type = field["data_type"]
    if "enum" in field:
        return st.sampled_from(CHOICES)
    if data_type == "text":
        return st.text(min_size=int(required), max_size=10)
    if data_type == "link":
        return st.fixed_dictionaries(
            {"title": st.text(min_size=int(required), max_size=5), "href": st.text(max_size=5)}
        )
    if data_type == "json" and field["field_metadata"].get("allow_json_rte"):
        return docs(required)
    if data_type == "json":
        return st.integers() if required else json_values
    if data_type == "group":
        return instance(field["schema"], required)
    return SCALARS[data_type]


def value(field: Field, required: bool) -> st.SearchStrategy[Any]:
    least = int(required)
    if field["data_type"] == "reference":
        ref = st.fixed_dictionaries(
            {"uid": hex_ids("blt", 3), "_content_type_uid": st.just("person")}
        )
        return st.lists(ref, min_size=least, max_size=3)
    if field["data_type"] == "blocks":
        one = st.sampled_from(field["blocks"]).flatmap(
            lambda b: instance(b["schema"], False).map(lambda body: {b["uid"]: body})
        )
        return st.lists(one, min_size=least, max_size=3)
    if field["multiple"]:
        return st.lists(single_value(field, False), min_size=least, max_size=3)
    return single_value(field, required)


@st.composite
def instance(draw: st.DrawFn, schema: list[Field], required: bool) -> dict[str, Any]:
    """Values for ``schema``; with ``required``, the first field is surely non-empty."""
    out: dict[str, Any] = {}
    for i, field in enumerate(schema):
        needed = field["mandatory"] or (required and i == 0)
        if needed:
            out[field["uid"]] = draw(value(field, True))
        elif draw(st.booleans()):
            out[field["uid"]] = draw(st.none() | value(field, False))
    if draw(st.booleans()):
        out["_metadata"] = {"uid": draw(hex_ids("cs", 16))}
    return out


@st.composite
def schema_and_entry(draw: st.DrawFn) -> tuple[list[Field], dict[str, Any]]:
    schema = draw(schemas())
    entry = draw(instance(schema, False))
    entry.pop("_metadata", None)
    return schema, entry


# --- walking ---------------------------------------------------------------------------------


def instances(
    schema: list[Field], data: dict[str, Any], path: str
) -> Iterator[tuple[str, dict[str, Any]]]:
    """(path, instance) for every group and block instance in ``data``."""
    for field in schema:
        v = data.get(field["uid"])
        here = f"{path}{field['uid']}"
        if v is None:
            continue
        if field["data_type"] == "group":
            items = v if field["multiple"] else [v]
            for i, item in enumerate(items):
                at = f"{here}.{i}" if field["multiple"] else here
                yield at, item
                yield from instances(field["schema"], item, at + ".")
        elif field["data_type"] == "blocks":
            by_uid = {b["uid"]: b for b in field["blocks"]}
            for i, item in enumerate(v):
                ((name, body),) = item.items()
                yield f"{here}.{i}.{name}", body
                yield from instances(by_uid[name]["schema"], body, f"{here}.{i}.{name}.")


def leaves(schema: list[Field], data: dict[str, Any], path: str) -> Iterator[tuple[str, Field]]:
    """(path, field) for every present field whose whole value can be given a wrong type."""
    for field in schema:
        here = f"{path}{field['uid']}"
        if field["uid"] not in data:
            continue
        if not (field["data_type"] == "json" and not field["field_metadata"]):
            yield here, field  # plain JSON accepts anything, so it cannot be corrupted
    for at, item in instances(schema, data, path):
        sub = _schema_at(schema, at[len(path) :])
        yield from leaves(sub, item, at + ".")


def _schema_at(schema: list[Field], rel: str) -> list[Field]:
    # The schema of the instance at a relative path found by `instances`.
    parts = rel.split(".")
    field = next(f for f in schema if f["uid"] == parts[0])
    if field["data_type"] == "group":
        rest = parts[2:] if field["multiple"] else parts[1:]
        return _schema_at(field["schema"], ".".join(rest)) if rest else field["schema"]
    block = next(b for b in field["blocks"] if b["uid"] == parts[2])
    rest = parts[3:]
    return _schema_at(block["schema"], ".".join(rest)) if rest else block["schema"]


def set_at(data: dict[str, Any], path: str, new: Any) -> None:
    parts = path.split(".")
    node: Any = data
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    node[parts[-1]] = new


WRONG: dict[str, Any] = {
    "text": 12345,
    "number": "12",
    "boolean": "yes",
    "isodate": "soon",
    "json": {"type": "paragraph"},
    "link": "https://x",
    "file": 3.5,
    "reference": "blt1",
    "group": "oops",
    "blocks": {"a": 1},
}


# --- properties ------------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(schema_and_entry())
def test_valid_entries_are_accepted_and_idempotent(
    case: tuple[list[Field], dict[str, Any]],
) -> None:
    schema, entry = case
    once = validate_entry(schema, entry, new_uid=counter())

    def no_new_uids() -> str:
        raise AssertionError("every instance already has a uid")

    assert validate_entry(schema, once, new_uid=no_new_uids) == once
    for path, item in instances(schema, once, ""):
        assert isinstance(item["_metadata"]["uid"], str), path
    assert set(once) == set(entry)


@settings(max_examples=100, deadline=None)
@given(schema_and_entry(), st.data())
def test_one_wrong_type_is_reported_at_exactly_its_path(
    case: tuple[list[Field], dict[str, Any]], data: st.DataObject
) -> None:
    schema, entry = case
    candidates = list(leaves(schema, entry, ""))
    path, field = data.draw(st.sampled_from(candidates))
    multiple = field["multiple"] and field["data_type"] not in ("blocks", "reference")
    set_at(entry, path, "not a list" if multiple else WRONG[field["data_type"]])
    with pytest.raises(ValidationFailed) as info:
        validate_entry(schema, entry, new_uid=counter())
    assert list(info.value.errors) == [path]


@settings(max_examples=30, deadline=None)
@given(schemas())
def test_normalized_schemas_validate_to_themselves(schema: list[Field]) -> None:
    body = {"title": "T", "uid": "page", "schema": schema}
    assert validate_content_type(body) == body
