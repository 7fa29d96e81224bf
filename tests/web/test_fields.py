"""The editor's form codec, without a browser: what is rendered posts back as the same entry."""

from __future__ import annotations

import copy
import itertools
import json
import re
from html import unescape
from typing import Any

import pytest

from tests.web.formdata import MultiDict, serialize
from tests.web.schemas import KITCHEN, KITCHEN_ENTRY
from veneer.domain import schema as domain_schema
from veneer.web import editor
from veneer.web import fields as F
from veneer.web.page import templates

FORM = (
    '{% import "_fields.html" as fx %}<form id="entry">'
    "{% for n in nodes %}{{ fx.field(n) }}{% endfor %}{{ fx.field(tags) }}</form>"
)
REFS = editor.References(
    types={"author": editor.RefType("author", "Author", "/choices/author", "/new/author")},
    titles={"author:bltauthor00000001": "Ada", "author:bltauthor00000002": "Bob"},
)


def render(
    values: dict[str, Any], errors: dict[str, list[str]] | None = None
) -> tuple[str, list[editor.SummaryItem]]:
    nodes, tags, summary = editor.build_form(KITCHEN["schema"], values, errors or {}, REFS)
    return templates.from_string(FORM).render(nodes=nodes, tags=tags), summary


def post(values: dict[str, Any]) -> MultiDict:
    html, _ = render(values)
    return serialize(html, "entry")


def uids() -> Any:
    counter = itertools.count()
    return lambda: f"new{next(counter)}"


def decode(
    form: MultiDict, original: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    return F.decode_entry(KITCHEN["schema"], form, original, uids())


def test_every_kind_is_known() -> None:
    kinds = {f["uid"]: F.kind_of(f) for f in KITCHEN["schema"]}
    assert kinds == {
        "title": "text",
        "summary": "textarea",
        "category": "select",
        "size": "radio",
        "labels": "checkboxes",
        "keywords": "lines",
        "rating": "number",
        "featured": "boolean",
        "day": "date",
        "body": "rte",
        "extra": "json",
        "more": "link",
        "author": "reference",
        "image": "file",
        "seo": "group",
        "items": "groups",
        "sections": "blocks",
    }


def test_unchanged_form_posts_back_the_same_entry() -> None:
    entry, problems = decode(post(KITCHEN_ENTRY), KITCHEN_ENTRY)
    assert problems == {}
    assert entry == KITCHEN_ENTRY


def test_new_entry_form_posts_only_what_was_filled() -> None:
    form = post({})
    form.set("f.title", "Fresh")
    entry, problems = decode(form, {})
    assert problems == {}
    # untouched controls of fields the entry does not have leave them out (no False, {} or [])
    assert entry == {"title": "Fresh"}
    domain_schema.validate_entry(KITCHEN["schema"], entry, new_uid=uids())  # the service accepts it


def test_edits_are_typed() -> None:
    form = post(KITCHEN_ENTRY)
    for name, value in [
        ("f.rating", "2.75"),
        ("f.size", "1"),
        ("f.category", ""),
        ("f.featured", "false"),
        ("f.keywords", "c\r\n\r\nd\r\n"),
        ("f.extra", '{"z": null}'),
        ("f.day", ""),
        ("f.author", "author:bltauthor00000002"),  # the picker's "add by ct:uid" input
        ("f.more.href", ""),
    ]:
        form.set(name, value)
    # the author it held is unticked (the picker without JavaScript): replaced, not added to
    form.pairs.remove(("f.author", "author:bltauthor00000001"))
    entry, problems = decode(form, KITCHEN_ENTRY)
    assert problems == {}
    assert (entry["rating"], entry["size"], entry["category"], entry["featured"]) == (
        2.75,
        1,
        None,
        False,
    )
    assert (
        entry["keywords"] == ["c", "d"] and entry["extra"] == {"z": None} and entry["day"] is None
    )
    assert entry["author"] == [{"uid": "bltauthor00000002", "_content_type_uid": "author"}]
    assert entry["more"] == {"title": "Docs", "href": ""}


def test_unparsable_values_reach_the_service_as_typed() -> None:
    form = post(KITCHEN_ENTRY)
    form.set("f.rating", "many")
    form.set("f.extra", "{not json")
    entry, problems = decode(form, KITCHEN_ENTRY)
    assert entry["rating"] == "many"  # the service answers "must be a number"
    assert list(problems) == ["extra"] and problems["extra"][0].startswith("is not valid JSON")


RICH = {
    "type": "doc",
    "uid": "u" * 32,
    "attrs": {"dir": "ltr"},
    "children": [
        {"type": "h2", "uid": "h", "attrs": {}, "children": [{"text": "Head", "bold": True}]},
        {
            "type": "reference",
            "uid": "r",
            "attrs": {"type": "asset", "asset-uid": "bltasset", "display-type": "display"},
            "children": [{"text": ""}],
        },
        {"type": "table", "uid": "t", "attrs": {"rows": 1}, "children": []},
    ],
}


def test_a_json_rte_field_posts_its_document_as_json() -> None:
    """The text area the rich text editor (rte.js) sits on holds the document as JSON: an
    untouched one posts back the stored document, formatting and unknown nodes included."""
    values = {**KITCHEN_ENTRY, "body": RICH}
    html, _ = render(values)
    assert 'data-rte="json"' in html
    form = serialize(html, "entry")
    assert json.loads(form.get("f.body")) == RICH
    entry, problems = decode(form, values)
    assert problems == {} and entry["body"] is RICH


def test_an_edited_json_rte_document_is_stored_as_posted() -> None:
    """What the editor posts after an edit (compact JSON, keys in its own order, CRLF-free)."""
    values = {**KITCHEN_ENTRY, "body": RICH}
    form = post(values)
    edited = copy.deepcopy(RICH)
    edited["children"][0]["children"] = [{"text": "Head", "italic": True}]
    form.set("f.body", json.dumps(edited, separators=(",", ":")))
    entry, problems = decode(form, values)
    assert problems == {} and entry["body"] == edited
    form.set("f.body", json.dumps(RICH, sort_keys=True))  # re-serialized, same document
    entry, _ = decode(form, values)
    assert entry["body"] is RICH
    form.set("f.body", "")
    entry, _ = decode(form, values)
    assert entry["body"] is None
    form.set("f.body", "{not json")
    entry, problems = decode(form, values)
    assert list(problems) == ["body"] and problems["body"][0].startswith("is not valid JSON")


def test_an_html_rich_text_field_is_a_text_area_for_the_editor() -> None:
    schema = [
        {
            "uid": "lead",
            "display_name": "Lead",
            "data_type": "text",
            "field_metadata": {"allow_rich_text": True},
        }
    ]
    lead = "<p>Line one</p>\n<p>Line two</p>"
    nodes, tags, _ = editor.build_form(schema, {"lead": lead}, {}, REFS)
    html = templates.from_string(FORM).render(nodes=nodes, tags=tags)
    assert 'data-rte="html"' in html
    form = serialize(html, "entry")
    form.set("f.lead", form.get("f.lead").replace("\n", "\r\n"))  # as a browser posts it
    entry, _ = F.decode_entry(schema, form, {"lead": lead}, uids())
    assert entry["lead"] is lead
    form.set("f.lead", "<p>Line one</p>\r\n<ul><li>a &lt; b</li></ul>")  # edited: HTML, not JSON
    entry, problems = F.decode_entry(schema, form, {"lead": lead}, uids())
    assert problems == {} and entry["lead"] == "<p>Line one</p>\n<ul><li>a &lt; b</li></ul>"


def test_reordered_removed_and_added_instances() -> None:
    form = post(KITCHEN_ENTRY)
    pairs = [p for p in form.pairs if not p[0].startswith("f.items.k0")]  # remove the first item
    pairs = [p for p in pairs if p != ("f.items[]", "k0")]
    # add a new item, and swap the two blocks
    pairs += [
        ("f.items[]", "nabc"),
        ("f.items.nabc._uid", ""),
        ("f.items.nabc.label", "three"),
        ("f.items.nabc.notes[]", ""),
    ]
    keys = [v for k, v in pairs if k == "f.sections[]"]
    assert keys == ["", "k0", "k1"]
    pairs = [
        (k, {"k0": "k1", "k1": "k0"}.get(v, v) if k == "f.sections[]" else v) for k, v in pairs
    ]
    entry, problems = decode(MultiDict(pairs), KITCHEN_ENTRY)
    assert problems == {}
    assert [i.get("_metadata", {}).get("uid") for i in entry["items"]] == ["csitem2", None]
    assert entry["items"][1] == {"label": "three"}  # no notes added: none stored
    assert [list(b) for b in entry["sections"]] == [["cta"], ["hero"]]
    assert entry["sections"][0]["cta"]["_metadata"] == {"uid": "cscta"}


def test_errors_sit_next_to_their_fields_and_in_the_summary() -> None:
    errors = {
        "title": ["is required"],
        "items.1.label": ["is required"],
        "rating": ["must be a number"],
        "sections.0.hero.headline": ["is too long"],
        "author.0": ["must be an object with a uid"],
        "elsewhere": ["is odd"],
    }
    html, summary = render(KITCHEN_ENTRY, errors)
    assert '<ul class="errors" id="f-title-error">' in html
    assert (
        'id="f-items-k1-label"' in html
        and '<ul class="errors" id="f-items-k1-label-error">' in html
    )
    assert '<ul class="errors" id="f-sections-k0-headline-error">' in html
    assert '<ul class="errors" id="f-author-error">' in html
    assert 'aria-describedby="f-rating-error" aria-invalid="true"' in html
    by_label = {item.label: (item.message, item.anchor) for item in summary}
    assert by_label["Items 2 › Label"] == ("is required", "f-items-k1-label")
    assert by_label["elsewhere"] == ("is odd", None)


def test_templates_hold_placeholders_for_new_instances() -> None:
    html, _ = render(KITCHEN_ENTRY)
    assert '<template id="f-items-new-item" data-placeholder="__K0__">' in html
    assert 'name="f.items.__K0__.notes.__K1__.note"' in html  # nested list inside a new item
    assert '<template id="f-sections-new-cta" data-placeholder="__K0__">' in html


@pytest.mark.parametrize("uid", ["items", "sections"])
def test_all_instances_removed_gives_an_empty_list(uid: str) -> None:
    form = post(KITCHEN_ENTRY)
    pairs = [
        (k, v)
        for k, v in form.pairs
        if not k.startswith(f"f.{uid}.") and (k != f"f.{uid}[]" or v == "")
    ]
    entry, _ = decode(MultiDict(pairs), copy.deepcopy(KITCHEN_ENTRY))
    assert entry[uid] == []


def test_variant_paths_name_instances_by_uid() -> None:
    seen: dict[str, str] = {}

    class Recorder(editor.NoMarks):
        def state(self, vpath: str, kind: str) -> None:
            seen.setdefault(vpath, kind)

    editor.build_form(KITCHEN["schema"], KITCHEN_ENTRY, {}, REFS, Recorder())
    assert seen["items.csitem2.label"] == "text"
    assert seen["items.csitem1.notes.csnote1.note"] == "text"
    assert seen["sections.cta.cscta.link"] == "link"
    assert seen["seo.meta_title"] == "text"
    assert seen["items.csitem1"] == "instance"


def test_the_entry_types_a_json_rte_field_may_embed_are_offered() -> None:
    rte = {
        "uid": "content",
        "data_type": "json",
        "reference_to": ["sys_assets", "article", "author"],
        "field_metadata": {"allow_json_rte": True, "embed_entry": True},
    }
    assert F.rte_entry_types(rte) == ["article", "author"]
    assert F.rte_entry_types({**rte, "reference_to": "sys_assets"}) == []
    nested = [{"uid": "g", "data_type": "group", "schema": [rte]}]
    assert F.walk_references(nested) == {"article", "author"}
    refs = editor.References(
        types={"article": editor.RefType("article", "Article", "/choices/article", "/new/article")},
        assets="/assets/choices",
    )
    nodes, tags, _ = editor.build_form([rte], {}, {}, refs)
    html = templates.from_string(FORM).render(nodes=nodes, tags=tags)
    assert 'data-assets="/assets/choices"' in html
    found = re.search(r"data-entry-types='([^']*)'", html)
    assert found and json.loads(unescape(found.group(1))) == [
        {"uid": "article", "title": "Article", "search": "/choices/article"}
    ]
