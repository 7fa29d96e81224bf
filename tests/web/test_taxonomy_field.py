"""The editor with a content type's taxonomy field (issue 14 §7): it is edited as JSON, like any
field kind the editor has no widget for, and saving the form keeps the entry's terms."""

from __future__ import annotations

from tests.api.test_taxonomies import COLOR, content_type, make_terms, taxonomy_field, terms
from tests.web.conftest import UI


def test_an_entry_with_terms_saves_through_the_form(ui: UI) -> None:
    api = ui.api
    api.ok(api.post("/taxonomies", COLOR), 201)
    make_terms(api)
    api.ok(api.post("/content_types", content_type("shirt", taxonomy_field("color"))), 201)
    body = {"entry": {"title": "A", "taxonomies": terms("red")}}
    entry = api.ok(api.post("/content_types/shirt/entries", body), 201)["entry"]
    path = f"{ui.entries('shirt')}/{entry['uid']}"
    form = ui.form(path)
    form.set("f.title", "B")
    assert ui.post(path, form).status_code == 303
    stored = api.ok(api.get(f"/content_types/shirt/entries/{entry['uid']}"))["entry"]
    assert (stored["title"], stored["taxonomies"]) == ("B", terms("red"))
    form = ui.form(path)
    form.set("f.taxonomies", '[{"taxonomy_uid": "color", "term_uid": "nope"}]')
    refused = ui.post(path, form)
    assert refused.status_code == 422 and "is not a term of the taxonomy" in refused.text
