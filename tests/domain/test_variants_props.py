"""Property-based tests for veneer.domain.variants: any base, any edit of it."""

from __future__ import annotations

import copy
import itertools
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from veneer.domain.patches import compile_patch, explain_merge, merge
from veneer.domain.variants import (
    change_set,
    edit_variant,
    materialize,
    noop_paths,
    overridden_paths,
    rebase_variant,
    stale_paths,
)

Doc = dict[str, Any]

SCHEMA: list[Doc] = [
    {"uid": "title", "data_type": "text"},
    {"uid": "views", "data_type": "number"},
    {"uid": "body", "data_type": "json"},
    {
        "uid": "seo",
        "data_type": "group",
        "schema": [
            {"uid": "meta_title", "data_type": "text"},
            {
                "uid": "social",
                "data_type": "group",
                "schema": [{"uid": "caption", "data_type": "text"}],
            },
        ],
    },
    {
        "uid": "group",
        "data_type": "group",
        "multiple": True,
        "schema": [
            {"uid": "single_line", "data_type": "text"},
            {
                "uid": "extra",
                "data_type": "group",
                "schema": [{"uid": "note", "data_type": "text"}],
            },
            {
                "uid": "links",
                "data_type": "group",
                "multiple": True,
                "schema": [{"uid": "href", "data_type": "link"}],
            },
        ],
    },
    {
        "uid": "blocks",
        "data_type": "blocks",
        "blocks": [
            {
                "uid": "hero",
                "title": "Hero",
                "schema": [
                    {"uid": "title", "data_type": "text"},
                    {
                        "uid": "items",
                        "data_type": "group",
                        "multiple": True,
                        "schema": [{"uid": "label", "data_type": "text"}],
                    },
                ],
            },
            {"uid": "cta", "title": "CTA", "schema": [{"uid": "text", "data_type": "text"}]},
        ],
    },
]
# Few values, of mixed JSON types, so that edits often equal the base and true meets 1.
ATOMS = st.sampled_from(["a", "b", "", None, 0, 1, True, False, 1.5, [1], {"k": "v"}])
PROPS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def kind(field: Doc) -> str:
    if field["data_type"] == "group":
        return "list" if field.get("multiple") else "group"
    return "list" if field["data_type"] == "blocks" else "atomic"


def block_schema(field: Doc, block: str | None) -> list[Doc]:
    if block is None:
        return list(field["schema"])
    return list(next(b["schema"] for b in field["blocks"] if b["uid"] == block))


class Draw:
    """Draws full documents: a fresh base, or an edit of a given document."""

    def __init__(self, data: st.DataObject) -> None:
        self.data = data
        self.uids = (f"cs{n:016x}" for n in itertools.count(1))

    def node(self, schema: list[Doc], like: Doc | None) -> Doc:
        out: Doc = {}
        for field in schema:
            key = field["uid"]
            old = like.get(key) if like is not None else None
            if kind(field) == "group":
                out[key] = self.node(field["schema"], old if like is not None else None)
            elif kind(field) == "list":
                out[key] = self.instances(field, old if like is not None else None)
            elif like is not None and self.data.draw(st.booleans()):
                out[key] = copy.deepcopy(old)
            else:
                out[key] = self.data.draw(ATOMS)
        return out

    def instances(self, field: Doc, like: list[Doc] | None) -> list[Doc]:
        kept: list[Doc] = []
        if like:
            order = self.data.draw(st.permutations(like))
            kept = [self.edit(field, e) for e in order[: self.data.draw(st.integers(0, len(like)))]]
        fresh = [self.fresh(field) for _ in range(self.data.draw(st.integers(0, 2)))]
        # New instances land anywhere: their position comes from the _order we send.
        return self.data.draw(st.permutations(kept + fresh)) if fresh and kept else kept + fresh

    def fresh(self, field: Doc) -> Doc:
        blocks = field["data_type"] == "blocks"
        block = self.data.draw(st.sampled_from(["hero", "cta"])) if blocks else None
        fields = self.node(block_schema(field, block), None)
        node = {"_metadata": {"uid": next(self.uids)}, **fields}
        return {block: node} if block else node

    def edit(self, field: Doc, element: Doc) -> Doc:
        block = next(iter(element)) if field["data_type"] == "blocks" else None
        old = element[block] if block else element
        node = {"_metadata": dict(old["_metadata"]), **self.node(block_schema(field, block), old)}
        return {block: node} if block else node


def parts(field: Doc, element: Doc) -> tuple[str | None, Doc]:
    if field["data_type"] == "blocks":
        block = next(iter(element))
        return block, element[block]
    return None, element


def orders_of(schema: list[Doc], doc: Doc, prefix: str = "") -> list[Doc]:
    """An `_order` entry for every list in doc, as an editor that shows the whole entry sends."""
    out: list[Doc] = []
    for field in schema:
        key = field["uid"]
        value, path = doc.get(key), prefix + key
        if kind(field) == "group":
            out += orders_of(field["schema"], value or {}, path + ".")
        elif kind(field) == "list":
            refs = []
            for element in value or []:
                block, node = parts(field, element)
                uid = node["_metadata"]["uid"]
                refs.append(uid)
                label = f"{block}.{uid}" if block else uid
                out += orders_of(block_schema(field, block), node, f"{path}.{label}.")
            out.append({path: refs})
    return out


def submission(doc: Doc) -> Doc:
    return {**copy.deepcopy(doc), "_variant": {"_order": orders_of(SCHEMA, doc)}}


def project(schema: list[Doc], node: Any) -> Any:
    """Schema fields only, with missing == null, null group == group of nulls, null list == []."""
    node = node if isinstance(node, dict) else {}
    out: Doc = {}
    for field in schema:
        value = node.get(field["uid"])
        if kind(field) == "group":
            out[field["uid"]] = project(field["schema"], value)
        elif kind(field) == "list":
            out[field["uid"]] = [project_instance(field, e) for e in value or []]
        else:
            out[field["uid"]] = value
    return out


def project_instance(field: Doc, element: Doc) -> Any:
    block, node = parts(field, element)
    return [block, node["_metadata"]["uid"], project(block_schema(field, block), node)]


def canon(value: Any) -> str:
    """Type-strict equality (json tells true from 1)."""
    return json.dumps(value, sort_keys=True)


def same_doc(a: Doc, b: Doc) -> bool:
    return canon(project(SCHEMA, a)) == canon(project(SCHEMA, b))


def value_at(schema: list[Doc], doc: Any, path: str) -> Any:
    """The value at a change-set path; a missing instance reads as null."""
    tokens = path.split(".")
    while True:
        name = tokens.pop(0)
        field = next(f for f in schema if f["uid"] == name)
        value = doc.get(field["uid"]) if isinstance(doc, dict) else None
        if kind(field) == "atomic":
            return value
        if kind(field) == "group":
            schema, doc = field["schema"], value
            continue
        block = tokens.pop(0) if field["data_type"] == "blocks" else None
        uid = tokens.pop(0)
        found = [
            n
            for b, n in (parts(field, e) for e in value or [])
            if b == block and n["_metadata"]["uid"] == uid
        ]
        schema, doc = block_schema(field, block), found[0] if found else None


def new_uid_factory() -> Any:
    counter = itertools.count(0xF000)
    return lambda: f"cs{next(counter):016x}"


@st.composite
def base_and_edit(draw: Any) -> tuple[Doc, Doc]:
    data = draw(st.data())
    gen = Draw(data)
    base = gen.node(SCHEMA, None)
    return base, gen.node(SCHEMA, base)


@PROPS
@given(base_and_edit())
def test_materialize_of_edit_reproduces_the_edit(case: tuple[Doc, Doc]) -> None:
    base, edited = case
    stored = edit_variant(SCHEMA, base, None, submission(edited), new_uid_factory())
    assert same_doc(materialize(SCHEMA, base, stored), edited)


@PROPS
@given(st.data())
def test_a_second_edit_of_the_variant_reproduces_it(data: st.DataObject) -> None:
    gen = Draw(data)
    base = gen.node(SCHEMA, None)
    first = edit_variant(SCHEMA, base, None, submission(gen.node(SCHEMA, base)), new_uid_factory())
    edited = gen.node(SCHEMA, materialize(SCHEMA, base, first))
    second = edit_variant(SCHEMA, base, first, submission(edited), new_uid_factory())
    assert same_doc(materialize(SCHEMA, base, second), edited)


@PROPS
@given(base_and_edit())
def test_change_set_lists_exactly_the_paths_that_differ(case: tuple[Doc, Doc]) -> None:
    base, edited = case
    stored = edit_variant(SCHEMA, base, None, submission(edited), new_uid_factory())
    doc = materialize(SCHEMA, base, stored)
    for path in stored["change_set"]:
        assert canon(value_at(SCHEMA, base, path)) != canon(value_at(SCHEMA, doc, path)), path
    assert stored["change_set"] == change_set(SCHEMA, base, doc)
    assert len(set(stored["change_set"])) == len(stored["change_set"])


@PROPS
@given(base_and_edit())
def test_submitting_the_base_returns_everything_to_inheriting(case: tuple[Doc, Doc]) -> None:
    base, edited = case
    stored = edit_variant(SCHEMA, base, None, submission(edited), new_uid_factory())
    reverted = edit_variant(SCHEMA, base, stored, submission(base), new_uid_factory())
    assert reverted == {"fields": {}, "change_set": [], "order": []}


@PROPS
@given(base_and_edit())
def test_merge_of_one_patch_equals_materialize(case: tuple[Doc, Doc]) -> None:
    base, edited = case
    stored = edit_variant(SCHEMA, base, None, submission(edited), new_uid_factory())
    patch = json.loads(json.dumps(compile_patch(SCHEMA, stored, "csv1")))  # survives JSON
    before = canon(base)
    merged, applied = merge(base, [patch])
    assert canon(merged) == canon(materialize(SCHEMA, base, stored))
    assert canon(base) == before
    assert set(applied.values()) <= {"csv1"}


@PROPS
@given(st.data())
def test_merge_first_listed_wins_and_never_mutates_base(data: st.DataObject) -> None:
    gen = Draw(data)
    base = gen.node(SCHEMA, None)
    patches = []
    for name in ("csa", "csb", "csc"):
        stored = edit_variant(
            SCHEMA, base, None, submission(gen.node(SCHEMA, base)), new_uid_factory()
        )
        patches.append(compile_patch(SCHEMA, stored, name))
    before = canon(base)
    merged, applied = merge(base, patches)
    assert canon(base) == before
    for path, variant in applied.items():
        setters = [p["variant"] for p in patches for steps, _ in p["set"] if dotted(steps) == path]
        orderers = [
            p["variant"] for p in patches for steps, _ in p["order"] if dotted(steps) == path
        ]
        assert variant == (setters or orderers or [variant])[0], path
        if setters:
            value = next(
                v
                for p in patches
                if p["variant"] == variant
                for steps, v in p["set"]
                if dotted(steps) == path
            )
            assert canon(value_at(SCHEMA, merged, path)) == canon(value)


def dotted(steps: list[Any]) -> str:
    return ".".join(
        s if isinstance(s, str) else ".".join(filter(None, [s.get("block"), s["uid"]]))
        for s in steps
    )


def addressed(patch: Doc) -> set[str]:
    """Every path a patch addresses, in the keys of merge's applied map."""
    sets = {dotted(steps) for steps, _ in patch["set"]}
    adds = {
        f"{dotted(steps)}.{'.'.join(filter(None, [b, n['_metadata']['uid']]))}"
        for steps, element in patch["add"]
        for b, n in [next(iter(element.items())) if "_metadata" not in element else (None, element)]
    }
    return sets | adds | {dotted(steps) for steps, _ in patch["order"]}


@PROPS
@given(st.data())
def test_explain_agrees_with_the_merge(data: st.DataObject) -> None:
    """For random bases, variants and priorities: the explained merge is the merge; the winner of
    a path is the variant the merge applied there (its value is served); every loser addressed
    the path, after the winner; a path no variant applied is the base's."""
    gen = Draw(data)
    base = gen.node(SCHEMA, None)
    names = data.draw(st.permutations(["csa", "csb", "csc"]))
    patches = [
        compile_patch(
            SCHEMA,
            edit_variant(SCHEMA, base, None, submission(gen.node(SCHEMA, base)), new_uid_factory()),
            name,
        )
        for name in names
    ]
    merged, applied = merge(base, patches)
    doc, applied_too, explained = explain_merge(base, patches)
    assert canon(doc) == canon(merged) and applied_too == applied
    touched = {
        path: [p["variant"] for p in patches if path in addressed(p)]
        for p in patches
        for path in addressed(p)
    }
    assert set(explained) == set(touched)
    for path, why in explained.items():
        assert why["source"] == applied.get(path, "base"), path
        sources = [why["source"]] if why["source"] != "base" else []
        assert sources + why["lost"] == touched[path], path
        winner = next((p for p in patches if p["variant"] == why["source"]), None)
        value = [v for steps, v in (winner or {"set": []})["set"] if dotted(steps) == path]
        if value:  # the winner's value is the one served
            assert canon(value_at(SCHEMA, merged, path)) == canon(value[0]), path
        assert ("removed_by" in why) <= (why["source"] == "base")


def moved_base(data: st.DataObject) -> tuple[Doc, Doc, Doc]:
    """(base then, a variant saved against it, base now: an edit of base then)."""
    gen = Draw(data)
    then = gen.node(SCHEMA, None)
    stored = edit_variant(SCHEMA, then, None, submission(gen.node(SCHEMA, then)), new_uid_factory())
    return then, stored, gen.node(SCHEMA, then)


def sequence_at(doc: Doc, path: str) -> list[Any]:
    """(block, uid) of the instances of the list at `path` (an `_order` path)."""
    tokens, schema, node = path.split("."), SCHEMA, doc
    field: Doc = {}
    while tokens:
        name = tokens.pop(0)
        field = next(f for f in schema if f["uid"] == name)
        value = node.get(field["uid"]) if isinstance(node, dict) else None
        if not tokens:
            pairs = [parts(field, e) for e in value or []]
            return [[b, n["_metadata"]["uid"]] for b, n in pairs]
        if kind(field) == "group":
            schema, node = field["schema"], value
            continue
        block = tokens.pop(0) if field["data_type"] == "blocks" else None
        uid = tokens.pop(0)
        found = [
            n
            for b, n in (parts(field, e) for e in value or [])
            if (b, n["_metadata"]["uid"]) == (block, uid)
        ]
        schema, node = block_schema(field, block), found[0] if found else None
    return []


@PROPS
@given(st.data())
def test_stale_paths_are_exactly_the_overrides_whose_base_moved(data: st.DataObject) -> None:
    then, stored, now = moved_base(data)
    orders = {path for entry in stored["order"] for path in entry}
    expected = [
        path
        for path in overridden_paths(stored)
        if (
            sequence_at(then, path) != sequence_at(now, path)
            if path in orders
            else canon(value_at(SCHEMA, then, path)) != canon(value_at(SCHEMA, now, path))
        )
    ]
    assert stale_paths(SCHEMA, then, now, stored) == expected
    assert stale_paths(SCHEMA, then, then, stored) == []


@PROPS
@given(st.data())
def test_rebase_reverts_what_it_is_told_and_keeps_the_rest(data: st.DataObject) -> None:
    _then, stored, now = moved_base(data)
    before = materialize(SCHEMA, now, stored)
    kept = rebase_variant(SCHEMA, now, stored, [])
    assert same_doc(materialize(SCHEMA, now, kept), before)
    values = [p for p in stored["change_set"]]
    revert = data.draw(st.lists(st.sampled_from(values), unique=True)) if values else []
    rebased = rebase_variant(SCHEMA, now, stored, revert)
    after = materialize(SCHEMA, now, rebased)
    for path in values:
        source = now if path in revert else before
        assert canon(value_at(SCHEMA, after, path)) == canon(value_at(SCHEMA, source, path)), path
    assert not set(revert) & set(rebased["change_set"])


@PROPS
@given(st.data())
def test_noop_overrides_are_exactly_those_whose_revert_changes_nothing(
    data: st.DataObject,
) -> None:
    """A variant saved against one base, read against another: reverting its no-op paths (all
    at once) to inheritance serves the same document, and reverting any other value override
    alone serves a different one. (Not so for an order path: reverting one keeps the variant's
    own instances after the base's, which can be the order it had.)"""
    _then, stored, now = moved_base(data)
    served = materialize(SCHEMA, now, stored)
    noop = noop_paths(SCHEMA, now, stored)
    assert set(noop) <= set(overridden_paths(stored))
    kept = rebase_variant(SCHEMA, now, stored, noop)
    assert same_doc(materialize(SCHEMA, now, kept), served)
    for path in stored["change_set"]:
        if path not in noop:
            alone = rebase_variant(SCHEMA, now, stored, [path])
            assert not same_doc(materialize(SCHEMA, now, alone), served), path
