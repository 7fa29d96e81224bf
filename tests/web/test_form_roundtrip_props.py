"""Saving without an edit changes nothing: for random stored entries with a field of every kind
the editor renders, the untouched form posts back exactly the stored entry (base editor) and an
empty change (variant editor).

The form is rendered by the real templates and serialized as a browser posts it
(tests.web.formdata), with the two things a browser does to an untouched form that a plain
serializer does not: line ends come back as CRLF, and a multiple select or a set of checkboxes
posts its chosen values in the page's order. Entries are cleaned by the domain's
`validate_entry`, so they are what the store holds."""

from __future__ import annotations

import copy
import itertools
import string
from collections.abc import Callable
from typing import Any

from hypothesis import given, reject, settings
from hypothesis import strategies as st

from tests.web.formdata import MultiDict, serialize
from tests.web.schemas import KITCHEN
from veneer.domain import variant_diff as V
from veneer.domain import variants as domain
from veneer.domain.schema import validate_entry
from veneer.errors import ValidationFailed
from veneer.web import editor
from veneer.web import fields as F
from veneer.web.page import templates

Doc = dict[str, Any]

# KITCHEN has one field of every form kind; these add the kinds' other shapes: HTML rich text,
# references to several content types, multiple numbers, dates and files, markdown, and a global
# field inline.
SCHEMA: list[Doc] = [
    *KITCHEN["schema"],
    {
        "display_name": "HTML",
        "uid": "html",
        "data_type": "text",
        "field_metadata": {"allow_rich_text": True, "rich_text_type": "advanced"},
    },
    {
        "display_name": "Notes",
        "uid": "notes",
        "data_type": "text",
        "field_metadata": {"markdown": True},
    },
    {
        "display_name": "Related",
        "uid": "related",
        "data_type": "reference",
        "reference_to": ["author", "kitchen"],
    },
    {"display_name": "Scores", "uid": "scores", "data_type": "number", "multiple": True},
    {"display_name": "Days", "uid": "days", "data_type": "isodate", "multiple": True},
    {"display_name": "Gallery", "uid": "gallery", "data_type": "file", "multiple": True},
    {
        "display_name": "Address",
        "uid": "address",
        "data_type": "global_field",
        "reference_to": "address",
        "schema": [
            {"display_name": "Street", "uid": "street", "data_type": "text"},
            {"display_name": "Ok", "uid": "ok", "data_type": "boolean"},
        ],
    },
]
FORM = (
    '{% import "_fields.html" as fx %}<form id="entry">'
    "{% for n in nodes %}{{ fx.field(n) }}{% endfor %}{{ fx.field(tags) }}</form>"
)
KNOWN = {
    "author": [("bltauthor0000000a", "Ada"), ("bltauthor0000000b", "Bob")],
    "kitchen": [("bltkitchen000001", "Bulk 005"), ("bltkitchen000002", "Bulk 006")],
}
REFS = editor.References(
    types={ct: editor.RefType(ct, ct.title(), f"/choices/{ct}", f"/new/{ct}") for ct in KNOWN},
    titles={f"{ct}:{uid}": title for ct, entries in KNOWN.items() for uid, title in entries},
)


def counter(prefix: str = "cs") -> Callable[[], str]:
    numbers = itertools.count(1)
    return lambda: f"{prefix}{next(numbers):016x}"


# -- a browser's post of the untouched form ----------------------------------------------------------


def browser_post(values: Doc) -> MultiDict:
    nodes, tags, _ = editor.build_form(SCHEMA, values, {}, REFS)
    form = serialize(templates.from_string(FORM).render(nodes=nodes, tags=tags), "entry")
    # Line ends go back as CRLF, whatever the stored text had.
    pairs = [(k, F.lf(v).replace("\n", "\r\n")) for k, v in form.pairs]
    return MultiDict(pairs)


def test_the_reference_picker_posts_the_stored_order_and_a_reorder() -> None:
    """The picker posts one hidden input per reference in the order shown: the stored order
    (Bob before Ada) until the user reorders, and then the new order is what is saved."""
    stored = {"related": [ref("author", "bltauthor0000000b"), ref("author", "bltauthor0000000a")]}
    posted = browser_post(stored)
    chosen = [v for v in posted.getlist("f.related") if v]
    assert chosen == ["author:bltauthor0000000b", "author:bltauthor0000000a"]
    entry, problems = F.decode_entry(SCHEMA, posted, stored, counter())
    assert problems == {} and entry["related"] == stored["related"]
    reordered = MultiDict(
        [(k, v) for k, v in posted.pairs if k != "f.related"]
        + [("f.related", ""), ("f.related", chosen[1]), ("f.related", chosen[0])]
    )
    entry, problems = F.decode_entry(SCHEMA, reordered, stored, counter())
    assert problems == {} and entry["related"] == stored["related"][::-1]


# -- random stored entries ----------------------------------------------------------------------------

TEXT = st.text(
    st.characters(exclude_categories=("Cs", "Cc"), include_characters="\n\r\t"), max_size=12
)
LINE = st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=12)  # what an input holds
NUMBER = st.integers(-(10**15), 10**15) | st.floats(allow_nan=False, allow_infinity=False)
DATE = st.dates().map(lambda d: d.isoformat()) | st.datetimes().map(
    lambda d: d.isoformat(timespec="milliseconds") + "Z"
)
UID = st.text(string.ascii_lowercase + string.digits, min_size=4, max_size=8)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-1000, 1000) | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(LINE, inner, max_size=3),
    max_leaves=6,
)


def ref(ct: str, uid: str) -> Doc:
    return {"uid": uid, "_content_type_uid": ct}


def references(field: Doc) -> st.SearchStrategy[list[Doc]]:
    targets = field["reference_to"]
    one = st.sampled_from(targets).flatmap(
        lambda ct: st.sampled_from([uid for uid, _ in KNOWN[ct]] + ["bltunknown000001"]).map(
            lambda uid: ref(ct, uid)
        )
    )
    single = (field.get("field_metadata") or {}).get("ref_multiple") is False
    return st.lists(one, max_size=1 if single else 4)


def rte_docs() -> st.SearchStrategy[Doc]:
    leaf = st.builds(
        lambda text, bold: {"text": text, **({"bold": True} if bold else {})}, TEXT, st.booleans()
    )
    node = st.builds(
        lambda kind, uid, leaves: {"type": kind, "attrs": {}, "uid": uid, "children": leaves},
        st.sampled_from(["p", "h2", "blockquote"]),
        UID,
        st.lists(leaf, min_size=1, max_size=3),
    )
    return st.builds(
        lambda uid, nodes: {"type": "doc", "uid": uid, "attrs": {}, "children": nodes},
        UID,
        st.lists(node, max_size=3),
    )


def leaf_value(field: Doc) -> st.SearchStrategy[Any]:
    kind = F.kind_of(field)
    choices = [c["value"] for c in (field.get("enum") or {}).get("choices") or []]
    simple: dict[str, st.SearchStrategy[Any]] = {
        "text": TEXT,
        "textarea": TEXT,
        "html": TEXT.map(lambda t: f"<p>{t}</p>\n<p>Line two</p>"),
        "number": NUMBER,
        "boolean": st.booleans(),
        "date": DATE,
        "file": UID.map("blt".__add__),
        "json": JSON.filter(lambda v: v is not None),
        "rte": rte_docs(),
        "link": st.fixed_dictionaries({"title": LINE, "href": LINE}),
        "select": st.sampled_from(choices) if choices else st.nothing(),
        "radio": st.sampled_from(choices) if choices else st.nothing(),
        "checkboxes": st.lists(st.sampled_from(choices or [""]), unique=True),
    }
    if kind in simple:
        return simple[kind]
    if kind == "reference":
        return references(field)
    assert kind == "lines", kind
    item = {"number": NUMBER, "isodate": DATE, "file": UID.map("blt".__add__)}
    return st.lists(item.get(field["data_type"], TEXT), max_size=4)


@st.composite
def fields_of(draw: Any, schema: list[Doc], depth: int = 0) -> Doc:
    out: Doc = {}
    for field in schema:
        if not field.get("mandatory") and not draw(st.booleans()):
            continue  # a field the entry does not have
        out[field["uid"]] = draw(value_of(field, depth))
    return out


def value_of(field: Doc, depth: int) -> st.SearchStrategy[Any]:
    kind = F.kind_of(field)
    if kind == "group":
        return fields_of(field["schema"], depth + 1)
    if kind == "groups":
        return st.lists(fields_of(field["schema"], depth + 1), max_size=0 if depth > 1 else 3)
    if kind == "blocks":
        block = st.sampled_from(field["blocks"]).flatmap(
            lambda b: fields_of(b["schema"], depth + 1).map(lambda body: {b["uid"]: body})
        )
        return st.lists(block, max_size=3)
    return leaf_value(field)


TAG = st.text(string.ascii_letters + " -", min_size=1, max_size=6).map(str.strip).filter(bool)


@st.composite
def stored_entries(draw: Any, uids: str = "cs") -> Doc:
    """An entry as the store holds it: generated, then cleaned by the domain (uids assigned)."""
    try:
        entry = validate_entry(SCHEMA, draw(fields_of(SCHEMA)), new_uid=counter(uids))
    except ValidationFailed:
        reject()
    if draw(st.booleans()):
        entry["tags"] = draw(st.lists(TAG, unique=True, max_size=3))
    return entry


# -- the properties ----------------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(stored_entries())
def test_untouched_base_form_posts_back_the_stored_entry(stored: Doc) -> None:
    entry, problems = F.decode_entry(SCHEMA, browser_post(stored), stored, counter("new"))
    assert problems == {}
    assert entry == stored


@settings(max_examples=60, deadline=None)
@given(stored_entries(), stored_entries("ed"))
def test_untouched_variant_form_sends_no_change(base: Doc, edited: Doc) -> None:
    """A variant that already overrides some fields (where `edited`, whose instances are all
    the variant's own, differs from the base), saved untouched:
    the editor sends nothing, and storing that would leave the change set as it was."""
    edited["title"] = base["title"]
    current0 = domain.materialize(SCHEMA, base, {})
    first = V.submission(SCHEMA, current0, copy.deepcopy(edited), base, counter("v"))
    record = domain.edit_variant(SCHEMA, base, None, first, counter("w"))
    current = domain.materialize(SCHEMA, base, record)
    doc, problems = F.decode_entry(SCHEMA, browser_post(current), current, counter("new"))
    assert problems == {}
    doc.pop("tags", None)
    sent = V.submission(SCHEMA, current, doc, base, counter("x"))
    assert V.is_empty(sent), sent
    again = domain.edit_variant(SCHEMA, base, record, sent, counter("y"))
    assert again["change_set"] == record["change_set"]
