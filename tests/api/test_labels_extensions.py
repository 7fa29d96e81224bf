"""Labels and extensions (issue 14 §11) through the management API, on both databases: kept per
stack in Contentstack's shapes, so the CLI exports and imports them."""

from __future__ import annotations

import dataclasses
import json

import httpx2
import pytest
from starlette.testclient import TestClient

from tests.conftest import Api
from veneer.app import create_app
from veneer.services.context import Services

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


def _titles(api: Api, query: dict[str, object] | str, **params: str) -> list[str]:
    text = query if isinstance(query, str) else json.dumps(query)
    listed = api.ok(api.get("/extensions", params={"query": text, **params}))
    return [x["title"] for x in listed["extensions"]]


def _three(api: Api) -> None:
    for title, kind, tags in (
        ("Color", "field", ["color", "web"]),
        ("Stats", "widget", ["seo"]),
        ("Board", "dashboard", ["web"]),
    ):
        body = {"title": title, "type": kind, "srcdoc": "<p/>", "tags": tags, "data_type": "text"}
        api.ok(api.post("/extensions", {"extension": body}), 201)


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ({"type": "widget"}, ["Stats"]),
        ({"type": {"$in": ["widget", "dashboard"]}}, ["Stats", "Board"]),
        ({"type": {"$nin": ["widget"]}}, ["Color", "Board"]),
        ({"type": {"$ne": "field"}, "tags": "web"}, ["Board"]),
        ({"tags": "web"}, ["Color", "Board"]),  # a list matches when one of its items does
        ({"tags": {"$in": ["seo", "color"]}}, ["Color", "Stats"]),
        ({"title": "Color", "type": "widget"}, []),
        ({"multiple": False}, ["Color", "Stats", "Board"]),
        ({"multiple": 0}, []),  # false is not 0
        ({"missing_key": {"$nin": ["x"]}}, ["Color", "Stats", "Board"]),
        ({"type": {"$in": []}}, []),
    ],
)
def test_extension_lists_take_a_query(
    api: Api, query: dict[str, object], titles: list[str]
) -> None:
    _three(api)
    assert _titles(api, query) == titles


def test_an_extension_query_pages_and_counts_what_it_selects(api: Api) -> None:
    _three(api)
    listed = api.ok(
        api.get(
            "/extensions",
            params={"query": '{"tags": "web"}', "limit": "1", "skip": "1", "include_count": "true"},
        )
    )
    assert ([x["title"] for x in listed["extensions"]], listed["count"]) == (["Board"], 2)


@pytest.mark.parametrize(
    ("query", "key"),
    [
        ({"type": {"$regex": "^w"}}, "query.type"),
        ({"$or": [{"type": "widget"}]}, "query.$or"),
        ({"config.palette": "web"}, "query.config.palette"),
        ({"type": None}, "query.type"),
        ({"type": {"$in": "widget"}}, "query"),  # refused as on every list
        ({"type": {}}, "query.type"),
    ],
)
def test_an_extension_query_it_cannot_answer_is_refused(
    api: Api, query: dict[str, object], key: str
) -> None:
    response = api.get("/extensions", params={"query": json.dumps(query)})
    assert (response.status_code, list(response.json()["errors"])) == (422, [key])


def test_an_unknown_extension_is_a_404_with_error_code_347(api: Api) -> None:
    for response in (
        api.get("/extensions/nope"),
        api.put("/extensions/nope", {"extension": {"title": "x"}}),
        api.delete("/extensions/nope"),
    ):
        body = response.json()
        assert (response.status_code, body["error_code"], body["errors"]) == (
            404,
            347,
            {"uid": ["'nope' is not valid."]},
        )
    label = api.get("/labels/nope")
    assert (label.status_code, label.json()["error_code"]) == (422, 141)


HTML = b"<!DOCTYPE html><html><body><h1>Custom Field</h1></body></html>"


def _upload(api: Api, fields: dict[str, str], html: bytes = HTML) -> httpx2.Response:
    files = {"extension[upload]": ("field.html", html, "text/html")}
    return api.post("/extensions", files=files, data=fields)


def test_an_uploaded_extension_is_stored_with_its_html_as_srcdoc(api: Api) -> None:
    # The form the JS management SDK's `extension().upload()` sends.
    made = api.ok(
        _upload(
            api,
            {
                "extension[title]": "Uploaded",
                "extension[data_type]": "text",
                "extension[type]": "field",
                "extension[tags]": "upload,test",
                "extension[multiple]": "false",
            },
        ),
        201,
    )
    assert made["notice"] == "Extension created successfully."
    ext = made["extension"]
    assert (ext["title"], ext["type"], ext["data_type"], ext["tags"], ext["multiple"]) == (
        "Uploaded",
        "field",
        "text",
        ["upload", "test"],
        False,
    )
    assert ext["srcdoc"] == HTML.decode() and "src" not in ext
    assert api.ok(api.get(f"/extensions/{ext['uid']}"))["extension"]["srcdoc"] == HTML.decode()
    assert _titles(api, {"tags": "upload"}) == ["Uploaded"]


def test_an_uploaded_dashboard_takes_the_python_sdks_form(api: Api) -> None:
    # The Python SDK's `extension().upload()` sends the text of its values: `False`, `{}`, a list.
    made = api.ok(
        _upload(
            api,
            {
                "extension[title]": "Board",
                "extension[type]": "dashboard",
                "extension[data_type]": "text",
                "extension[tags]": "['a', 'b']",
                "extension[multiple]": "False",
                "extension[enable]": "true",
                "extension[config]": '{"size": 2}',
            },
        ),
        201,
    )["extension"]
    assert (made["tags"], made["multiple"], made["enable"], made["config"]) == (
        ["a", "b"],
        False,
        True,
        {"size": 2},
    )
    tags = {"extension[title]": "T", "extension[type]": "widget", "extension[tags]": "{}"}
    assert api.ok(_upload(api, tags), 201)["extension"]["tags"] == []


@pytest.mark.parametrize(
    ("fields", "html", "key"),
    [
        ({"extension[type]": "widget"}, HTML, "title"),
        ({"extension[title]": "x", "extension[multiple]": "maybe"}, HTML, "extension[multiple]"),
        (
            {"extension[title]": "x", "extension[scope]": "[object Object]"},
            HTML,
            "extension[scope]",
        ),
        ({"extension[title]": "x", "extension[type]": "widget"}, b"\xff\xfe", "extension[upload]"),
    ],
)
def test_an_upload_it_cannot_read_is_refused(
    api: Api, fields: dict[str, str], html: bytes, key: str
) -> None:
    response = _upload(api, fields, html)
    assert (response.status_code, list(response.json()["errors"])) == (422, [key])
    no_file = api.post("/extensions", files={"other": ("x.txt", b"x", "text/plain")}, data=fields)
    assert (no_file.status_code, list(no_file.json()["errors"])) == (422, ["extension[upload]"])
    assert api.ok(api.get("/extensions"))["extensions"] == []


def test_an_uploaded_extension_is_capped_at_the_json_body_limit(
    api: Api, services: Services
) -> None:
    small = Services(
        store=services.store,
        settings=dataclasses.replace(services.settings, max_body_bytes=1000),
        passwords=services.passwords,
    )
    with TestClient(create_app(small.settings, services=small)) as client:
        capped = Api(client, api.email)
        capped.authtoken, capped.api_key = api.authtoken, api.api_key
        fields = {"extension[title]": "Big", "extension[type]": "widget"}
        refused = _upload(capped, fields, b"<p>" + b"x" * 5000 + b"</p>")
        assert (refused.status_code, list(refused.json()["errors"])) == (
            413,
            ["extension[upload]"],
        )
        assert api.ok(_upload(capped, fields, b"<p>fits</p>"), 201)["extension"]["title"] == "Big"
    assert [x["title"] for x in api.ok(api.get("/extensions"))["extensions"]] == ["Big"]
