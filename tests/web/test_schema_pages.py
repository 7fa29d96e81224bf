"""The content type editor over HTTP, on both databases (issue 17 §9): the new-type and schema
pages render every field kind, posts go through the management API's services (same errors,
input kept), a save without changes stores nothing, and dropping a field that entries hold values
in asks first. The script that builds the posted JSON is exercised in test_browser_schema.py."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import orjson
from starlette.testclient import TestClient

from tests.conftest import Api, new_user
from tests.web.conftest import CSRF, UI
from tests.web.schemas import AUTHOR, KITCHEN
from veneer.services.context import Services


def types(ui: UI) -> str:
    return f"/app/stacks/{ui.api.api_key}/content-types"


def post(ui: UI, path: str, doc: Any, **extra: str) -> Any:
    page = ui.http.get(path)
    token = CSRF.search(page.text)
    assert token, page.text
    body = {"csrf": token.group(1), "content_type": orjson.dumps(doc).decode(), **extra}
    return ui.http.post(path, data=body)


def current(api: Api, uid: str) -> dict[str, Any]:
    return api.ok(api.get(f"/content_types/{uid}"))["content_type"]


def test_the_pages_show_every_field_kind(ui: UI) -> None:
    for schema in (AUTHOR, KITCHEN):
        ui.api.ok(ui.api.post("/content_types", {"content_type": schema}), 201)
    listing = ui.http.get(f"/app/stacks/{ui.api.api_key}/")
    assert f'href="{types(ui)}/new"' in listing.text
    assert f'href="{types(ui)}/kitchen/schema"' in listing.text
    entries = ui.http.get(ui.entries("kitchen"))
    assert f'href="{types(ui)}/kitchen/schema">Edit schema</a>' in entries.text
    page = ui.http.get(f"{types(ui)}/kitchen/schema")
    assert page.status_code == 200, page.text
    rows = re.findall(r'<li class="ct-field[^"]*" data-original="([^"]*)"', page.text)
    fields = [orjson.loads(unescape(r)) for r in rows]
    top = [f.get("uid") for f in fields]
    # Rows in schema order, nested rows after their group's row; the last row is the template's.
    assert [u for u in top if u in {f["uid"] for f in KITCHEN["schema"]}][:3] == [
        "title",
        "summary",
        "category",
    ]
    assert fields[-1] == {}
    # Every stored key of a row's field is there, except the nested fields its own rows give.
    stored = {f["uid"]: f for f in current(ui.api, "kitchen")["schema"]}
    for field in fields:
        if (
            field.get("uid") in stored
            and field.get("display_name") == stored[field["uid"]]["display_name"]
        ):
            whole = stored[field["uid"]]
            assert field == {k: v for k, v in whole.items() if k not in ("schema", "blocks")}
    for kind in ("textarea", "select", "reference", "group", "blocks", "rte", "json", "link"):
        assert re.search(rf'<option value="{kind}" selected>', page.text), kind
    new = ui.http.get(f"{types(ui)}/new")
    assert new.status_code == 200
    assert "Create content type" in new.text and 'id="ct-field-template"' in new.text


def test_create_through_the_form_and_errors_keep_the_input(ui: UI) -> None:
    ui.api.ok(ui.api.post("/content_types", {"content_type": AUTHOR}), 201)
    doc = {
        "title": "Blog post",
        "uid": "Blog Post!",  # not a uid: refused by the same check as the API's
        "description": "Posts",
        "options": {"singleton": False, "is_page": True, "url_prefix": "/blog/"},
        "schema": [
            {"display_name": "Title", "uid": "title", "data_type": "text", "mandatory": True},
            {"display_name": "Writer", "uid": "writer", "data_type": "reference"},
        ],
    }
    refused = post(ui, f"{types(ui)}/new", doc)
    assert refused.status_code == 422
    text = unescape(refused.text)
    assert "<code>uid</code> must be lowercase letters" in text
    assert "<code>schema.1.reference_to</code>" in text
    assert "reference to: must be a content type uid" in text  # next to its row
    assert 'value="Blog Post!"' in text and 'value="Writer"' in text  # the input is kept
    doc["uid"] = "blog_post"
    doc["schema"][1]["reference_to"] = ["author"]  # type: ignore[index]
    made = post(ui, f"{types(ui)}/new", doc)
    assert made.status_code == 303
    assert made.headers["location"] == f"{types(ui)}/blog_post/schema?notice=created"
    stored = current(ui.api, "blog_post")
    assert stored["options"]["url_prefix"] == "/blog/" and stored["options"]["is_page"] is True
    assert stored["schema"][1]["reference_to"] == ["author"]
    taken = post(ui, f"{types(ui)}/new", doc)
    assert taken.status_code == 422 and "is not unique" in taken.text


def test_an_unchanged_save_stores_nothing_and_a_change_is_the_apis(ui: UI) -> None:
    ui.api.ok(ui.api.post("/content_types", {"content_type": AUTHOR}), 201)
    ui.api.ok(ui.api.post("/content_types", {"content_type": KITCHEN}), 201)
    before = current(ui.api, "kitchen")
    doc = {k: v for k, v in before.items() if not k.startswith(("_", "created", "updated"))}
    for key in ("inbuilt_class", "last_activity", "maintain_revisions", "DEFAULT_ACL", "SYS_ACL"):
        doc.pop(key, None)
    doc.pop("abilities", None)
    path = f"{types(ui)}/kitchen/schema"
    same = post(ui, path, doc)
    assert same.headers["location"] == path + "?notice=unchanged"
    assert current(ui.api, "kitchen")["_version"] == before["_version"]
    doc["schema"] = [*doc["schema"], {"display_name": "Rank", "uid": "rank", "data_type": "number"}]
    saved = post(ui, path, doc)
    assert saved.headers["location"] == path + "?notice=saved"
    after = current(ui.api, "kitchen")
    assert after["_version"] == before["_version"] + 1
    assert after["schema"][-1]["uid"] == "rank"
    bad = post(ui, path, {**doc, "schema": [*doc["schema"], {"uid": "x", "data_type": "nope"}]})
    assert bad.status_code == 422
    assert "is not a known data type" in unescape(bad.text)
    garbled = ui.http.post(path, data={"csrf": CSRF.search(bad.text).group(1), "content_type": "["})  # type: ignore[union-attr]
    assert garbled.status_code == 400 and "Is JavaScript enabled?" in garbled.text


def test_dropping_a_field_that_holds_values_asks_first(ui: UI) -> None:
    ui.api.ok(ui.api.post("/content_types", {"content_type": AUTHOR}), 201)
    ui.api.ok(ui.api.post("/content_types", {"content_type": KITCHEN}), 201)
    entry = {"title": "One", "rating": 3, "seo": {"meta_title": "M"}}
    ui.api.ok(ui.api.post("/content_types/kitchen/entries", {"entry": entry}), 201)
    before = current(ui.api, "kitchen")
    doc = {"title": before["title"], "options": before["options"], "description": ""}
    kept = [f for f in before["schema"] if f["uid"] not in ("rating", "featured")]
    for field in kept:
        if field["uid"] == "seo":
            field["schema"] = []  # its meta_title holds "M"
    path = f"{types(ui)}/kitchen/schema"
    asked = post(ui, path, {**doc, "schema": kept})
    assert asked.status_code == 409
    text = unescape(asked.text)
    # `featured` is dropped too, but no entry holds a value in it.
    assert "<li><code>rating</code></li>" in text and "<li><code>seo.meta_title</code></li>" in text
    assert "<code>featured</code>" not in text
    assert 'name="confirm" value="remove"' in text
    assert current(ui.api, "kitchen")["_version"] == before["_version"]
    done = post(ui, path, {**doc, "schema": kept}, confirm="remove")
    assert done.status_code == 303
    assert "rating" not in [f["uid"] for f in current(ui.api, "kitchen")["schema"]]


def test_access_and_csrf(ui: UI, services: Services, client: TestClient) -> None:
    ui.api.ok(ui.api.post("/content_types", {"content_type": AUTHOR}), 201)
    stranger = UI(client, new_user(services, client))
    assert stranger.login().status_code == 303
    for path in (f"{types(ui)}/new", f"{types(ui)}/author/schema"):
        assert stranger.http.get(path).status_code == 404
        # The error page carries the stranger's own CSRF token: the post is theirs, and refused.
        refused = post(stranger, path, {**AUTHOR, "title": "Taken over"})
        assert refused.status_code == 404, refused.text
    forged = ui.http.post(f"{types(ui)}/author/schema", data={"csrf": "no", "content_type": "{}"})
    assert forged.status_code == 403
    assert current(ui.api, "author")["_version"] == 1
    assert current(ui.api, "author")["title"] == "Author"
    assert [t["uid"] for t in ui.api.ok(ui.api.get("/content_types"))["content_types"]] == [
        "author"
    ]
    missing = ui.http.get(f"{types(ui)}/nope/schema")
    assert missing.status_code == 404
