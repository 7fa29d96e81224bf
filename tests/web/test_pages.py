"""The editor over HTTP, on both databases: sessions, CSRF, lists, saving and publishing."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import MAIN_BRANCH, Api
from tests.web.conftest import UI
from tests.web.formdata import MultiDict
from tests.web.schemas import AUTHOR, KITCHEN, KITCHEN_ENTRY

PAGE = {
    "content_type": {
        "title": "Page",
        "uid": "page",
        "schema": [
            {
                "display_name": "Title",
                "uid": "title",
                "data_type": "text",
                "mandatory": True,
                "unique": True,
            },
            {"display_name": "Views", "uid": "views", "data_type": "number"},
            {
                "display_name": "Items",
                "uid": "items",
                "data_type": "group",
                "multiple": True,
                "schema": [{"display_name": "Label", "uid": "label", "data_type": "text"}],
            },
        ],
    }
}


def make_page(api: Api, title: str, **fields: Any) -> dict[str, Any]:
    return api.ok(
        api.post("/content_types/page/entries", {"entry": {"title": title, **fields}}), 201
    )["entry"]


def test_pages_need_a_session(client: TestClient, api: Api) -> None:
    http = UI(client, api).http
    response = http.get(f"/app/stacks/{api.api_key}/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/app/login?next=%2Fapp%2Fstacks%2F{api.api_key}%2F"


def test_login_cookie_and_logout(client: TestClient, api: Api) -> None:
    ui = UI(client, api)
    response = ui.login()
    assert response.headers["location"] == "/app/"
    cookie = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith("veneer_session=")
    )
    assert (
        "HttpOnly" in cookie
        and "SameSite=lax" in cookie
        and "Path=/app/" in cookie
        and "Secure" not in cookie
    )
    home = ui.http.get("/app/")
    assert "Test stack" in home.text and api.email in home.text
    assert home.headers["content-security-policy"].startswith("default-src 'self'")
    assert ui.http.post("/app/logout", data={"csrf": "forged"}).status_code == 403
    csrf = home.text.split('name="csrf" value="')[1].split('"')[0]
    assert ui.http.post("/app/logout", data={"csrf": csrf}).headers["location"] == "/app/login"
    assert ui.http.get("/app/").status_code == 303
    token = cookie.split(";")[0].split("=", 1)[1]
    assert api.get("/user", headers={"authtoken": token}).status_code == 401  # the session is gone


def test_cookie_is_secure_over_https(client: TestClient, api: Api) -> None:
    response = UI(client, api, base_url="https://testserver").login()
    cookie = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith("veneer_session=")
    )
    assert "Secure" in cookie


def test_bad_login_and_forged_login(client: TestClient, api: Api) -> None:
    ui = UI(client, api)
    response = ui.login(password="wrong password")
    assert response.status_code == 401 and "email or password is invalid" in response.text
    forged = UI(client, api).http.post(
        "/app/login", data={"csrf": "x", "email": api.email, "password": "y" * 9}
    )
    assert forged.status_code == 403 and "veneer_session" not in forged.headers.get(
        "set-cookie", ""
    )


def test_login_never_redirects_off_site(client: TestClient, api: Api) -> None:
    ui = UI(client, api)
    page = ui.http.get("/app/login?next=//evil.example/app/")
    assert 'name="next" value="/app/"' in page.text


def test_entry_list_search_locale_and_paging(ui: UI) -> None:
    api = ui.api
    api.ok(api.post("/content_types", PAGE), 201)
    api.ok(api.post("/locales", {"locale": {"code": "fr-fr"}}), 201)
    for n in range(27):
        make_page(api, f"Page {n}")
    make_page(api, "a.b (literal)")
    first = ui.http.get(ui.entries("page"))
    assert "28 entries" in first.text and "Page 1 of 2" in first.text
    second = ui.http.get(ui.entries("page") + "?page=2")
    assert second.text.count('<th scope="row">') == 3
    found = ui.http.get(ui.entries("page"), params={"q": "page 2"})
    assert "8 entries" in found.text  # Page 2, Page 20 … Page 26
    literal = ui.http.get(ui.entries("page"), params={"q": "a.b ("})
    assert "1 entry" in literal.text
    french = ui.http.get(ui.entries("page"), params={"locale": "fr-fr", "q": "Page 3"})
    assert "from en-us" in french.text


def test_edit_save_conflict_and_version_history(ui: UI) -> None:
    api = ui.api
    api.ok(api.post("/content_types", PAGE), 201)
    entry = make_page(api, "Home", items=[{"label": "a"}, {"label": "b"}])
    path = f"{ui.entries('page')}/{entry['uid']}"
    form = ui.form(path)
    form.set("f.views", "7")
    saved = ui.post(path, form)
    assert saved.status_code == 303 and "notice=saved" in saved.headers["location"]
    stored = api.ok(api.get(f"/content_types/page/entries/{entry['uid']}"))["entry"]
    assert stored["views"] == 7 and stored["_version"] == 2 and stored["items"] == entry["items"]
    # someone else saves meanwhile: the stale form is not saved, and says why
    api.ok(api.put(f"/content_types/page/entries/{entry['uid']}", {"entry": {"views": 8}}))
    stale = ui.post(path, form)
    assert stale.status_code == 409
    # The same user saved through the API: the page says it was them, and what differs.
    assert (
        "You (in another tab or window, or through the API) saved version 3 of this entry after "
        "you opened it. Fields that differ from what is stored now: Views." in unescape(stale.text)
    )
    assert "Saved meanwhile" in stale.text
    page = ui.http.get(path + "?version=1")
    assert "You are viewing version 1" in page.text and 'href="/app/stacks/' in page.text


def test_validation_errors_show_next_to_fields(ui: UI) -> None:
    api = ui.api
    api.ok(api.post("/content_types", PAGE), 201)
    make_page(api, "Taken")
    form = ui.form(ui.entries("page") + "/new")
    form.set("f.title", "Taken")
    response = ui.post(ui.entries("page") + "/new", form)
    assert response.status_code == 422
    assert (
        '<ul class="errors" id="f-title-error">' in response.text
        and "Title is not unique." in response.text
    )
    assert 'href="#f-title"' in response.text  # the summary links to the field


def test_every_field_kind_saves_through_the_form(ui: UI) -> None:
    api = ui.api
    api.ok(api.post("/content_types", {"content_type": AUTHOR}), 201)
    api.ok(api.post("/content_types", {"content_type": KITCHEN}), 201)
    author = api.ok(api.post("/content_types/author/entries", {"entry": {"title": "Ada"}}), 201)[
        "entry"
    ]
    image = api.ok(
        api.post("/assets", files={"asset[upload]": ("a.txt", b"an asset", "text/plain")}), 201
    )["asset"]
    body = {k: v for k, v in KITCHEN_ENTRY.items() if k != "author"} | {"image": image["uid"]}
    entry = api.ok(api.post("/content_types/kitchen/entries", {"entry": body}), 201)["entry"]
    path = f"{ui.entries('kitchen')}/{entry['uid']}"
    page = ui.http.get(path)
    choices = f"/app/stacks/{api.api_key}/content-types/author/entries/choices?locale=en-us"
    assert f'data-search="{choices}"' in page.text  # the reference picker searches there
    form = ui.form(path)
    form.set("f.author", f"author:{author['uid']}")
    form.set("f.items.k1.label", "second")
    assert ui.post(path, form).status_code == 303
    stored = api.ok(api.get(f"/content_types/kitchen/entries/{entry['uid']}"))["entry"]
    assert stored["author"] == [{"uid": author["uid"], "_content_type_uid": "author"}]
    assert '<span class="ref-title">Ada</span>' in ui.http.get(path).text
    assert stored["items"][1]["label"] == "second"
    assert stored["image"]["uid"] == image["uid"]  # the management API shows the asset object
    assert {k: stored[k] for k in body if k not in ("items", "image")} == {
        k: entry[k] for k in body if k not in ("items", "image")
    }


def test_publish_and_unpublish_from_the_dialog(ui: UI) -> None:
    api = ui.api
    api.ok(api.post("/content_types", PAGE), 201)
    api.ok(api.post("/environments", {"environment": {"name": "production"}}), 201)
    entry = make_page(api, "Home")
    path = f"{ui.entries('page')}/{entry['uid']}"
    dialog = ui.form(path, form_id="publish-form")
    assert dialog.getlist("locales") == ["en-us"] and dialog.getlist("environments") == []
    refused = ui.post(path + "/publish", MultiDict([*dialog.pairs, ("action", "publish")]))
    assert refused.status_code == 422 and "Choose at least one environment." in refused.text
    assert "data-modal-on-load" in refused.text
    published = ui.post(
        path + "/publish",
        MultiDict([*dialog.pairs, ("environments", "production"), ("action", "publish")]),
    )
    assert published.status_code == 303
    details = api.ok(
        api.get(
            f"/content_types/page/entries/{entry['uid']}",
            params={"include_publish_details": "true"},
        )
    )["entry"]["publish_details"]
    assert [(d["locale"], d["version"]) for d in details] == [("en-us", 1)]
    status = ui.http.get(path).text
    assert (
        '<table class="compact" id="publish-status">' in status and "<td>production</td>" in status
    )
    ui.post(
        path + "/publish",
        MultiDict([*dialog.pairs, ("environments", "production"), ("action", "unpublish")]),
    )
    assert "Not published anywhere." in ui.http.get(path).text


# -- variants ----------------------------------------------------------------------------------------


def make_variant_site(api: Api) -> dict[str, Any]:
    """Page entries, a production environment, and a group "Audiences" linked to page with variant "es"."""
    api.ok(api.post("/content_types", PAGE), 201)
    api.ok(api.post("/environments", {"environment": {"name": "production"}}), 201)
    entry = make_page(api, "Home", views=1, items=[{"label": "a"}, {"label": "b"}])
    group = api.ok(
        api.post(
            "/variant_groups", {"name": "Audiences", "uid": "audiences", "content_types": ["page"]}
        ),
        201,
    )
    api.ok(
        api.post(f"/variant_groups/{group['uid']}/variants", {"name": "Spanish", "uid": "es"}), 201
    )
    return entry


def test_variant_groups_page(ui: UI) -> None:
    api = ui.api
    api.ok(api.post("/content_types", PAGE), 201)
    base = f"/app/stacks/{api.api_key}/variant-groups"
    page = ui.http.get(base)
    csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
    made = ui.http.post(
        base, data={"csrf": csrf, "name": "Audiences", "uid": "aud", "content_types": "page"}
    )
    assert made.status_code == 303 and "notice=group_created" in made.headers["location"]
    assert (
        ui.http.post(
            base + "/aud/variants", data={"csrf": csrf, "name": "Spanish", "uid": "es"}
        ).status_code
        == 303
    )
    assert (
        ui.http.post(base + "/aud/variants/es", data={"csrf": csrf, "name": "Español"}).status_code
        == 303
    )
    listed = ui.http.get(base).text
    assert 'value="Español"' in listed and 'name="content_types" value="page" checked' in listed
    entry = make_page(api, "Home")
    api.ok(
        api.put(
            f"/content_types/page/entries/{entry['uid']}/variants/es",
            {"entry": {"title": "Hola", "_variant": {}}},
        ),
        201,
    )
    # unticking a linked content type asks first, since it deletes that content type's entry variants
    ask = ui.http.post(base + "/aud", data={"csrf": csrf, "name": "Audiences"})
    assert ask.status_code == 409 and "Unlink and delete those entry variants" in ask.text
    assert api.get(f"/content_types/page/entries/{entry['uid']}/variants/es").status_code == 200
    done = ui.http.post(
        base + "/aud", data={"csrf": csrf, "name": "Audiences", "confirm": "unlink"}
    )
    assert done.status_code == 303
    assert api.get(f"/content_types/page/entries/{entry['uid']}/variants/es").status_code == 422
    bad = ui.http.post(base, data={"csrf": csrf, "name": ""})
    assert bad.status_code == 422 and "name is required." in bad.text


def test_variant_editor_sends_only_changes_and_orders_new_instances(ui: UI) -> None:
    api = ui.api
    entry = make_variant_site(api)
    base_path = f"{ui.entries('page')}/{entry['uid']}"
    assert 'href="' + base_path + '/variants/es?locale=en-us"' in ui.http.get(base_path).text
    path = base_path + "/variants/es"
    form = ui.form(path)
    assert form.get("variant_version") == "0" and form.get("tags") is None
    form.set("f.views", "2")
    form.pairs += [("f.items[]", "nabc"), ("f.items.nabc._uid", ""), ("f.items.nabc.label", "c")]
    saved = ui.post(path, form)
    assert saved.status_code == 303 and "notice=variant_saved" in saved.headers["location"]
    stored = api.ok(api.get(f"/content_types/page/entries/{entry['uid']}/variants/es"))["entry"]
    new_uid = stored["items"][0]["_metadata"]["uid"]
    assert stored["_variant"]["_change_set"] == ["views", f"items.{new_uid}.label"]
    base_uids = [f"base.{i['_metadata']['uid']}" for i in entry["items"]]
    assert stored["_variant"]["_order"] == [{"items": [*base_uids, new_uid]}]
    assert (
        api.ok(api.get(f"/content_types/page/entries/{entry['uid']}"))["entry"]["_version"] == 1
    )  # base untouched
    page = ui.http.get(path).text
    fields = page.split('<form id="entry-form"')[1].split("</form>")[0]
    # (The "add an item" template is left out: a new instance's fields are Variant Fields too.)
    shown = re.sub(r"<template.*?</template>", "", fields, flags=re.DOTALL)
    assert (
        shown.count('<span class="tag variant-field">Variant Field</span>') == 3
    )  # views, items (order), new label
    assert "Added in this variant" in page
    # the form was loaded before that save: saving it again would undo it, so it is refused
    stale = ui.post(path, form)
    assert stale.status_code == 409
    assert "saved this variant (version 1) after you opened it." in unescape(stale.text)


def test_published_variant_is_delivered_merged(ui: UI) -> None:
    api = ui.api
    entry = make_variant_site(api)
    token = api.ok(
        api.post(
            "/stacks/delivery_tokens",
            {
                "token": {
                    "name": "web",
                    "scope": [
                        {
                            "module": "environment",
                            "environments": ["production"],
                            "acl": {"read": True},
                        },
                        MAIN_BRANCH,
                    ],
                }
            },
        ),
        201,
    )["token"]["token"]
    path = f"{ui.entries('page')}/{entry['uid']}/variants/es"
    form = ui.form(path)
    form.set("f.title", "Hola")
    assert ui.post(path, form).status_code == 303
    dialog = ui.form(path, form_id="publish-form")
    assert dialog.getlist("targets") == ["es"]  # the variant being edited is ticked
    published = ui.post(
        f"{ui.entries('page')}/{entry['uid']}/publish",
        MultiDict([*dialog.pairs, ("environments", "production"), ("action", "publish")]),
    )
    assert published.status_code == 303 and "/variants/es?" in published.headers["location"]
    headers = {"api_key": api.api_key, "access_token": token, "x-cs-variant-uid": "es"}
    live = ui.http.get(
        f"/v3/content_types/page/entries/{entry['uid']}",
        params={"environment": "production"},
        headers=headers,
    ).json()["entry"]
    assert live["title"] == "Hola"


def test_unknown_things_are_html_404s(ui: UI) -> None:
    missing_stack = ui.http.get("/app/stacks/bltnothere0000000/")
    assert (
        missing_stack.status_code == 404
        and "does not exist, or you do not have access" in missing_stack.text
    )
    ui.api.ok(ui.api.post("/content_types", PAGE), 201)
    missing_entry = ui.http.get(ui.entries("page") + "/bltnothere0000000")
    assert missing_entry.status_code == 404 and missing_entry.headers["content-type"].startswith(
        "text/html"
    )


def test_unknown_editor_urls_and_get_of_a_form_target_are_html_pages(ui: UI) -> None:
    api = ui.api
    entry = make_variant_site(api)
    nowhere = ui.http.get("/app/no/such/page")
    assert nowhere.status_code == 404 and "There is no page at this address." in nowhere.text
    assert nowhere.headers["content-type"].startswith("text/html")
    wrong_method = ui.http.get(f"/app/stacks/{api.api_key}/variant-groups/audiences")
    assert (
        wrong_method.status_code == 405
        and "only takes a form the editor sends" in wrong_method.text
    )
    assert wrong_method.headers["content-type"].startswith("text/html")
    # reloading the URL a failed publish left in the address bar opens the entry again
    reload = ui.http.get(f"{ui.entries('page')}/{entry['uid']}/publish?locale=en-us")
    assert reload.status_code == 303
    assert reload.headers["location"] == f"{ui.entries('page')}/{entry['uid']}?locale=en-us"


def test_saving_without_an_edit_writes_nothing(ui: UI) -> None:
    api = ui.api
    entry = make_variant_site(api)
    base_path = f"{ui.entries('page')}/{entry['uid']}"
    saved = ui.post(base_path, ui.form(base_path))
    assert saved.status_code == 303 and "notice=unchanged" in saved.headers["location"]
    base = api.ok(api.get(f"/content_types/page/entries/{entry['uid']}"))["entry"]
    assert base["_version"] == 1 and base["items"] == entry["items"]
    # a variant with no record yet: saving it untouched creates none
    path = base_path + "/variants/es"
    saved = ui.post(path, ui.form(path))
    assert saved.status_code == 303 and "notice=unchanged" in saved.headers["location"]
    variants = api.ok(api.get(f"/content_types/page/entries/{entry['uid']}/variants"))
    assert variants["entries"] == []
    # the API's PUT still makes a version for the same content, as Contentstack's does
    api.ok(api.put(f"/content_types/page/entries/{entry['uid']}", {"entry": {}}))
    again = api.ok(api.get(f"/content_types/page/entries/{entry['uid']}"))["entry"]
    assert again["_version"] == 2


@pytest.mark.parametrize(
    "form",
    [
        {"csrf": "é-not-ascii", "email": "x@example.com", "password": "p"},
        {"csrf": "x", "email": "a\x00b@example.com", "password": "p"},
    ],
)
def test_hostile_forms_get_an_error_page_not_a_500(
    client: TestClient, api: Api, form: dict[str, str]
) -> None:
    http = TestClient(client.app, follow_redirects=False)
    response = http.post("/app/login", data=form)
    assert response.status_code in (400, 403), response.text
    assert "text/html" in response.headers["content-type"]


def test_hostile_csrf_on_a_session_form(ui: UI) -> None:
    response = ui.http.post("/app/logout", data={"csrf": "ünïcode"})
    assert response.status_code == 403


def test_form_over_the_body_cap_is_413(client: TestClient, api: Api, services: Any) -> None:
    http = TestClient(client.app, follow_redirects=False)
    big = "x" * (services.settings.max_body_bytes + 10)
    response = http.post(
        "/app/login",
        content=f"email={big}",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413
