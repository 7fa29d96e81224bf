"""The variant editor's diff, checked against the real domain: what the editor sends makes the
variant the content manager sees, and nothing else."""

from __future__ import annotations

import copy
import itertools
from typing import Any

from tests.web.formdata import MultiDict
from tests.web.schemas import KITCHEN, KITCHEN_ENTRY
from tests.web.test_fields import post
from veneer.domain import variant_diff as V
from veneer.domain import variants as domain
from veneer.web import fields as F

SCHEMA = KITCHEN["schema"]


def uids() -> Any:
    counter = itertools.count()
    return lambda: f"cs{next(counter):016x}"


def save(stored: dict[str, Any] | None, entry: dict[str, Any]) -> dict[str, Any]:
    return domain.edit_variant(SCHEMA, KITCHEN_ENTRY, stored, entry, uids())


def current_of(stored: dict[str, Any] | None) -> dict[str, Any]:
    return domain.materialize(SCHEMA, KITCHEN_ENTRY, stored or {})


def edit_through_form(
    stored: dict[str, Any] | None, change: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Render the variant, change the posted form, decode and diff it: (sent entry, new stored)."""
    current = current_of(stored)
    form = post(current)
    change(form)
    doc, problems = F.decode_entry(SCHEMA, form, current, uids())
    assert problems == {}
    sent = V.submission(SCHEMA, current, doc, KITCHEN_ENTRY, uids())
    return sent, save(stored, sent)


def test_untouched_form_sends_nothing() -> None:
    sent, stored = edit_through_form(None, lambda form: None)
    assert V.is_empty(sent) and stored["change_set"] == []


def test_one_top_level_and_one_instance_field() -> None:
    def change(form: MultiDict) -> None:
        form.set("f.title", "Variant title")
        form.set("f.items.k1.label", "two, for the variant")

    sent, stored = edit_through_form(None, change)
    assert sent == {
        "title": "Variant title",
        "items": [{"_metadata": {"uid": "csitem2"}, "label": "two, for the variant"}],
        "_variant": {"_order": []},
    }
    assert stored["change_set"] == ["title", "items.csitem2.label"]
    marks = V.Marks.of(
        SCHEMA,
        KITCHEN_ENTRY,
        current_of(stored),
        {"_variant": {"_change_set": stored["change_set"]}},
    )
    assert (
        marks.state("title", "text") == "changed"
        and marks.state("summary", "textarea") == "inherited"
    )
    assert marks.revertable("items.csitem2.label", "text")


def test_editing_back_to_the_base_value_inherits_again() -> None:
    _, stored = edit_through_form(None, lambda form: form.set("f.title", "Variant title"))
    sent, stored = edit_through_form(
        stored, lambda form: form.set("f.title", KITCHEN_ENTRY["title"])
    )
    assert sent["title"] == KITCHEN_ENTRY["title"] and stored["change_set"] == []


def test_revert_puts_the_base_value_back() -> None:
    _, stored = edit_through_form(
        None, lambda form: (form.set("f.title", "V"), form.set("f.items.k0.label", "V1"))
    )
    current = current_of(stored)
    doc = copy.deepcopy(current)
    assert V.revert(SCHEMA, doc, KITCHEN_ENTRY, "items.csitem1.label")
    assert not V.revert(SCHEMA, doc, KITCHEN_ENTRY, "items.nope.label")
    stored = save(stored, V.submission(SCHEMA, current, doc, KITCHEN_ENTRY, uids()))
    assert stored["change_set"] == ["title"]


def test_reorder_add_and_remove_instances_go_to_order() -> None:
    def change(form: MultiDict) -> None:
        keys = form.pairs
        # swap the two items, drop the cta block, add a new hero block
        form.pairs = [
            (k, {"k0": "k1", "k1": "k0"}[v]) if k == "f.items[]" and v in ("k0", "k1") else (k, v)
            for k, v in keys
            if not (k == "f.sections[]" and v == "k1")
        ]
        form.pairs += [
            ("f.sections[]", "nnew"),
            ("f.sections.nnew._uid", ""),
            ("f.sections.nnew._block", "hero"),
            ("f.sections.nnew.headline", "Variant hero"),
        ]

    sent, stored = edit_through_form(None, change)
    new_uid = sent["sections"][0]["hero"]["_metadata"]["uid"]
    assert sent["_variant"]["_order"] == [
        {"items": ["base.csitem2", "base.csitem1"]},
        {"sections": ["base.cshero", new_uid]},
    ]
    assert stored["order"] == sent["_variant"]["_order"]
    assert stored["change_set"] == [f"sections.hero.{new_uid}.headline"]
    current = current_of(stored)
    assert [i["_metadata"]["uid"] for i in current["items"]] == ["csitem2", "csitem1"]
    assert [list(b) for b in current["sections"]] == [["hero"], ["hero"]]
    marks = V.Marks.of(
        SCHEMA,
        KITCHEN_ENTRY,
        current,
        {"_variant": {"_change_set": stored["change_set"], "_order": stored["order"]}},
    )
    assert marks.state("items", "list") == "changed" and marks.revertable("items", "list")
    assert marks.state(f"sections.hero.{new_uid}", "instance") == "changed"
    assert not marks.revertable(
        f"sections.hero.{new_uid}.headline", "text"
    )  # the variant's own block
    # reverting the list gives back the base sequence, and the variant stops ordering it
    doc = copy.deepcopy(current)
    V.revert(SCHEMA, doc, KITCHEN_ENTRY, "items")
    stored = save(stored, V.submission(SCHEMA, current, doc, KITCHEN_ENTRY, uids()))
    assert stored["order"] == [{"sections": ["base.cshero", new_uid]}]
