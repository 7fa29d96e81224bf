"""The entry list's filters, sorting and bulk publish without a browser, on both databases (issue 17
Major 8): the query string filters and sorts, links keep the filters, the bulk form needs the
session's CSRF token, reports per entry, and a reload of its address goes back to the list; another
user's session reaches none of it. tests/web/test_browser_entry_list.py drives it in Chromium."""

from __future__ import annotations

import re
from html import unescape
from typing import Any
from urllib.parse import urlencode

from starlette.testclient import TestClient

from tests.conftest import Api, new_user
from tests.web.conftest import CSRF, UI

NOTE = {
    "content_type": {
        "title": "Note",
        "uid": "note",
        "schema": [
            {"display_name": "Title", "uid": "title", "data_type": "text", "mandatory": True}
        ],
    }
}


def rows(html: str) -> list[str]:
    return [unescape(t) for t in re.findall(r'<th scope="row"><a [^>]*>([^<]*)</a>', html)]


def post(ui: UI, path: str, form: list[tuple[str, str]], **params: str) -> Any:
    """A form with repeated fields (the ticked entries), as the browser posts it."""
    return ui.http.post(
        path,
        params=params,
        content=urlencode(form),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )


def make(api: Api) -> tuple[dict[str, str], str]:
    api.ok(api.post("/content_types", NOTE), 201)
    env = api.ok(api.post("/environments", {"environment": {"name": "production"}}), 201)
    uids = {}
    for title in ("Kilo", "Lima", "Mike"):
        made = api.ok(api.post("/content_types/note/entries", {"entry": {"title": title}}), 201)
        uids[title] = made["entry"]["uid"]
    publish = {"entry": {"environments": ["production"], "locales": ["en-us"]}}
    api.ok(api.post(f"/content_types/note/entries/{uids['Lima']}/publish", publish))
    return uids, env["environment"]["uid"]


def test_filters_sorting_and_links_keep_them(ui: UI) -> None:
    _, env = make(ui.api)
    path = ui.entries("note")
    assert rows(ui.http.get(path).text) == ["Mike", "Lima", "Kilo"]  # newest first
    by_title = ui.http.get(path, params={"sort": "title", "order": "asc"}).text
    assert rows(by_title) == ["Kilo", "Lima", "Mike"]
    published = ui.http.get(path, params={"status": f"published:{env}"}).text
    assert rows(published) == ["Lima"] and "1 entry (filtered)" in published
    assert rows(ui.http.get(path, params={"status": f"unpublished:{env}"}).text) == [
        "Mike",
        "Kilo",
    ]
    # An unknown state or environment is no filter at all, never an error.
    assert len(rows(ui.http.get(path, params={"status": "published:nope"}).text)) == 3
    assert rows(ui.http.get(path, params={"variants": "yes"}).text) == []
    # The bulk form posts back to the list's own query string.
    form = re.search(r'<form id="bulk-form" method="post" action="([^"]+)"', by_title)
    assert form and "sort=title" in unescape(form.group(1))
    assert "order=asc" in unescape(form.group(1))


def test_bulk_publish_reports_each_entry_and_reload_goes_back(ui: UI) -> None:
    uids, env = make(ui.api)
    path = ui.entries("note")
    page = ui.http.get(path, params={"status": f"unpublished:{env}"})
    token = CSRF.search(page.text)
    assert token
    form: list[tuple[str, str]] = [
        ("csrf", token.group(1)),
        ("action", "publish"),
        ("entries", uids["Kilo"]),
        ("entries", uids["Mike"]),
        ("environments", "production"),
        ("locales", "en-us"),
    ]
    done = post(ui, path + "/bulk", form, status=f"unpublished:{env}")
    assert done.status_code == 200, done.text
    text = unescape(done.text)
    assert "Published 2 of 2 entries (production; en-us)" in text
    assert "Kilo: done" in text and "Mike: done" in text
    assert rows(done.text) == []  # the same filter: nothing is unpublished any more
    # Nothing chosen: the list again with the reason, nothing done.
    empty = post(ui, path + "/bulk", form[:2] + form[4:])
    assert empty.status_code == 422 and "Choose at least one entry." in unescape(empty.text)
    # Without the session's CSRF token: refused.
    forged = post(ui, path + "/bulk", [("csrf", "x"), *form[1:]])
    assert forged.status_code == 403
    back = ui.http.get(path + "/bulk", params={"sort": "title"})
    assert back.status_code == 303 and back.headers["location"].endswith("entries?sort=title")
    gone = post(ui, path + "/bulk", [*form[:2], ("entries", uids["Lima"]), *form[4:]])
    assert "Published 1 of 1 entry" in unescape(gone.text)
    unpublish = [("action", "unpublish") if k == "action" else (k, v) for k, v in form]
    off = post(ui, path + "/bulk", unpublish)
    assert "Unpublished 2 of 2 entries" in unescape(off.text)
    assert rows(ui.http.get(path, params={"status": f"published:{env}"}).text) == ["Lima"]


def test_another_users_session_reaches_nothing(ui: UI, client: TestClient, services: Any) -> None:
    uids, _ = make(ui.api)
    stranger = UI(client, new_user(services, client))
    assert stranger.login().status_code == 303
    path = ui.entries("note")
    assert stranger.http.get(path).status_code == 404
    page = stranger.http.get("/app/")
    token = CSRF.search(page.text)
    assert token
    form = {
        "csrf": token.group(1),
        "action": "unpublish",
        "entries": uids["Lima"],
        "environments": "production",
        "locales": "en-us",
    }
    refused = stranger.http.post(path + "/bulk", data=form)
    assert refused.status_code == 404
    assert rows(ui.http.get(path).text) == ["Mike", "Lima", "Kilo"]
    details = ui.api.ok(
        ui.api.get(
            f"/content_types/note/entries/{uids['Lima']}", params={"include_publish_details": "1"}
        )
    )["entry"]["publish_details"]
    assert len(details) == 1  # still published
