"""Labels and extensions (issue 14 §11) through the management API, on both databases: kept per
stack in Contentstack's shapes, so the CLI exports and imports them."""

from __future__ import annotations

import pytest

from tests.conftest import Api

FIELD = {
    "extension": {
        "title": "Color picker",
        "type": "field",
        "data_type": "text",
        "src": "https://example.com/color.html",
        "tags": ["color"],
        "config": {"palette": "web"},
    }
}


def test_label_crud(api: Api) -> None:
    created = api.ok(api.post("/labels", {"label": {"name": "Marketing"}}), 201)
    assert created["notice"] == "Label created successfully."
    parent = created["label"]
    assert (parent["name"], parent["parent"], parent["content_types"], parent["_version"]) == (
        "Marketing",
        [],
        [],
        1,
    )
    child = api.ok(
        api.post("/labels", {"label": {"name": "Blog", "parent": [parent["uid"]]}}), 201
    )["label"]
    listed = api.ok(api.get("/labels", params={"include_count": "true"}))
    assert ([x["name"] for x in listed["labels"]], listed["count"]) == (["Marketing", "Blog"], 2)
    renamed = api.ok(api.put(f"/labels/{child['uid']}", {"label": {"name": "News"}}))
    assert (renamed["notice"], renamed["label"]["name"], renamed["label"]["parent"]) == (
        "Label updated successfully.",
        "News",
        [parent["uid"]],
    )
    looped = api.put(f"/labels/{parent['uid']}", {"label": {"parent": [child["uid"]]}})
    assert (looped.status_code, looped.json()["errors"]) == (
        422,
        {"parent": ["would make the label sit under itself."]},
    )
    refused = api.delete(f"/labels/{parent['uid']}")
    assert (refused.status_code, refused.json()["errors"]) == (
        422,
        {"label": [f"is the parent of {child['uid']}."]},
    )
    assert api.ok(api.delete(f"/labels/{child['uid']}")) == {
        "notice": "Label deleted successfully."
    }
    assert api.get(f"/labels/{child['uid']}").status_code == 422
    assert api.ok(api.get(f"/labels/{parent['uid']}"))["label"]["name"] == "Marketing"


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"label": {"name": ""}}, {"name": ["must be a non-empty string."]}),
        (
            {"label": {"name": "x", "parent": ["nope"]}},
            {"parent": ["'nope' is not another label of this stack."]},
        ),
        (
            {"label": {"name": "x", "content_types": "page"}},
            {"content_types": ["must be a list of uids."]},
        ),
    ],
)
def test_label_refusals(api: Api, body: dict[str, object], errors: dict[str, list[str]]) -> None:
    response = api.post("/labels", body)
    assert (response.status_code, response.json()["errors"]) == (422, errors)


def test_extension_crud(api: Api) -> None:
    created = api.ok(api.post("/extensions", FIELD), 201)
    assert created["notice"] == "Extension created successfully."
    ext = created["extension"]
    assert (ext["title"], ext["config"], ext["multiple"], ext["_version"]) == (
        "Color picker",
        {"palette": "web"},
        False,
        1,
    )
    widget = {"extension": {"title": "Stats", "type": "widget", "srcdoc": "<p>hi</p>"}}
    api.ok(api.post("/extensions", widget), 201)
    listed = api.ok(api.get("/extensions", params={"limit": "1", "include_count": "true"}))
    assert ([x["title"] for x in listed["extensions"]], listed["count"]) == (["Color picker"], 2)
    updated = api.ok(api.put(f"/extensions/{ext['uid']}", {"extension": {"title": "Picker"}}))
    assert (updated["extension"]["title"], updated["extension"]["src"]) == (
        "Picker",
        "https://example.com/color.html",
    )
    assert api.ok(api.delete(f"/extensions/{ext['uid']}")) == {
        "notice": "Extension deleted successfully."
    }
    assert [x["title"] for x in api.ok(api.get("/extensions"))["extensions"]] == ["Stats"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "x", "type": "field", "src": "https://e.com"}, "data_type"),
        ({"title": "x", "type": "macro", "srcdoc": "<p/>"}, "type"),
        ({"title": "x", "type": "widget"}, "src"),
        ({"type": "widget", "srcdoc": "<p/>"}, "title"),
        ({"title": "x", "type": [["field"]], "srcdoc": "<p/>"}, "type"),  # was a 500
        ({"title": "x", "type": "widget", "src": 5, "srcdoc": "<p/>"}, "src"),
    ],
)
def test_extension_refusals(api: Api, body: dict[str, object], field: str) -> None:
    response = api.post("/extensions", {"extension": body})
    assert (response.status_code, list(response.json()["errors"])) == (422, [field])


def test_kept_per_stack(api: Api) -> None:
    api.ok(api.post("/labels", {"label": {"name": "Mine"}}), 201)
    first = api.api_key
    other = api.ok(api.post("/stacks", {"stack": {"name": "Other", "master_locale": "en-us"}}), 201)
    api.api_key = other["stack"]["api_key"]
    assert api.ok(api.get("/labels"))["labels"] == []
    api.api_key = first
    assert [x["name"] for x in api.ok(api.get("/labels"))["labels"]] == ["Mine"]


def test_a_null_src_is_not_stored(api: Api) -> None:
    body = {"title": "x", "type": "widget", "src": None, "srcdoc": "<p/>"}
    made = api.ok(api.post("/extensions", {"extension": body}), 201)["extension"]
    assert "src" not in made and made["srcdoc"] == "<p/>"
