"""The editor's versions pages without a browser, on both databases: two versions side by side
with the changed fields marked, a restore that needs its confirmation, a variant against its base,
and "Revert to base entry value" that reads nothing else of the form (issue 17, Major 7 and 1).
tests/web/test_browser_versions.py drives them in Chromium."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from tests.api.test_variants_api import BASE, CT
from tests.conftest import new_user
from tests.web.conftest import CSRF, UI

PATH = "/content_types/landing/entries"


def row(html: str, field: str) -> str:
    found = re.search(rf'<tr data-field="{field}"( class="changed")?>(.*?)</tr>', html, re.DOTALL)
    assert found, html
    return ("changed " if found.group(1) else "") + unescape(found.group(2))


def made(ui: UI) -> str:
    api = ui.api
    api.ok(api.post("/content_types", CT), 201)
    uid: str = api.ok(api.post(PATH, {"entry": BASE}), 201)["entry"]["uid"]
    api.ok(api.put(f"{PATH}/{uid}", {"entry": {"title": "second"}}))
    return uid


def test_two_versions_side_by_side_and_restore(ui: UI) -> None:
    uid = made(ui)
    editor = ui.entries("landing") + f"/{uid}"
    shown = ui.http.get(editor).text
    assert f'href="{editor}/versions?locale=en-us"' in shown  # Compare versions
    assert f'href="{editor}/versions?locale=en-us&amp;a=1"' in shown  # version 1 with the latest
    page = ui.http.get(editor + "/versions", params={"locale": "en-us"})
    assert page.status_code == 200, page.text
    assert row(page.text, "title").startswith("changed ")
    assert "base" in row(page.text, "title") and "second" in row(page.text, "title")
    assert not row(page.text, "url").startswith("changed ")
    assert "1 field changed between version 1 and version 2" in page.text
    assert ui.http.get(editor + "/versions", params={"a": "7"}).status_code == 404

    csrf = CSRF.search(page.text)
    assert csrf
    target = editor + "/versions/1/restore?locale=en-us"
    unconfirmed = ui.http.post(target, data={"csrf": csrf.group(1), "expected_version": "2"})
    assert unconfirmed.status_code == 422
    stale = {"csrf": csrf.group(1), "confirm": "restore", "expected_version": "1"}
    assert ui.http.post(target, data=stale).status_code == 409
    done = ui.http.post(target, data={**stale, "expected_version": "2"})
    assert done.status_code == 303 and "notice=version_restored" in done.headers["location"]
    entry = ui.api.ok(ui.api.get(f"{PATH}/{uid}"))["entry"]
    assert (entry["_version"], entry["title"]) == (3, "base")


def test_a_variant_against_its_base_and_a_revert_alone(ui: UI) -> None:
    uid = made(ui)
    api = ui.api
    api.ok(
        api.post("/variant_groups", {"name": "C", "uid": "c", "content_types": ["landing"]}), 201
    )
    api.ok(api.post("/variant_groups/c/variants", {"uid": "red", "name": "Red"}), 201)
    body = {"entry": {"title": "red", "count": 9, "_variant": {}}}
    api.ok(api.put(f"{PATH}/{uid}/variants/red", body), 201)
    editor = ui.entries("landing") + f"/{uid}/variants/red"
    page = ui.http.get(editor + "/versions", params={"against": "base"})
    assert page.status_code == 200, page.text
    title = row(page.text, "title")
    assert title.startswith("changed ") and "Variant Field" in title and "red" in title
    assert "Inherited" in row(page.text, "url")
    assert "Red overrides 2 fields" in page.text

    # The revert button posts the whole form without JavaScript: only the field it names is read.
    form = ui.form(editor)
    url = next(k for k, _ in form.pairs if k.endswith("url"))
    form.set(url, "/not-saved")
    form.pairs.append(("revert", "title"))
    reverted = ui.post(editor, form)
    assert reverted.status_code == 303, reverted.text
    assert "undo=title" in reverted.headers["location"]
    assert "undo_from=1" in reverted.headers["location"]
    stored = api.ok(api.get(f"{PATH}/{uid}/variants/red"))["entry"]
    assert stored["_variant"]["_change_set"] == ["count"] and "url" not in stored
    after = ui.http.get(reverted.headers["location"])
    assert 'id="undo-revert"' in after.text and 'name="variant_version" value="2"' in after.text


def test_another_user_reaches_none_of_it_and_forms_need_the_csrf_token(
    ui: UI, client: Any, services: Any
) -> None:
    uid = made(ui)
    api = ui.api
    api.ok(
        api.post("/variant_groups", {"name": "C", "uid": "c", "content_types": ["landing"]}), 201
    )
    api.ok(api.post("/variant_groups/c/variants", {"uid": "red", "name": "Red"}), 201)
    api.ok(api.put(f"{PATH}/{uid}/variants/red", {"entry": {"title": "red", "_variant": {}}}), 201)
    editor = ui.entries("landing") + f"/{uid}"
    other = UI(client, new_user(services, client), address=("other-browser", 50001))
    assert other.login().status_code == 303
    token = CSRF.search(other.http.get("/app/").text)
    assert token
    for path in (editor + "/versions", editor + "/variants/red/versions?against=base"):
        page = other.http.get(path)
        assert page.status_code == 404 and "base" not in page.text and "Red" not in page.text
    posts = {
        editor + "/versions/1/restore": {"confirm": "restore", "expected_version": "2"},
        editor + "/variants/red/versions/1/restore": {"confirm": "restore"},
        editor + "/variants/red/restore-field": {"path": "title", "version": "1"},
        editor + "/variants/red": {"revert": "title", "variant_version": "1"},
    }
    for path, form in posts.items():
        assert other.http.post(path, data={"csrf": token.group(1), **form}).status_code == 404
        forged = ui.http.post(path, data={"csrf": "forged", **form})
        assert forged.status_code == 403, path
    assert api.ok(api.get(f"{PATH}/{uid}"))["entry"]["_version"] == 2
    assert api.ok(api.get(f"{PATH}/{uid}/variants/red"))["entry"]["_version"] == 1


def test_nested_changes_are_marked_line_by_line_and_only_changed_hides_the_rest(ui: UI) -> None:
    uid = made(ui)
    group = ui.api.ok(ui.api.get(f"{PATH}/{uid}"))["entry"]["group"]
    group[1]["multi_line"] = "Edited"
    ui.api.ok(ui.api.put(f"{PATH}/{uid}", {"entry": {"group": group}}))
    page = ui.http.get(ui.entries("landing") + f"/{uid}/versions", params={"a": "2", "b": "3"})
    html = row(page.text, "group")
    hits = re.findall(
        r'<span class="line hit"><span class="visually-hidden">Changed: </span>(.*?)</span>', html
    )
    assert [h.strip() for h in hits] == ['"multi_line": "Base 1 Multi",', '"multi_line": "Edited",']
    assert '"Base 2 Multi"' in html  # the unchanged instance is shown, unmarked
    only = ui.http.get(
        ui.entries("landing") + f"/{uid}/versions", params={"a": "2", "b": "3", "only": "changed"}
    )
    assert 'data-field="group"' in only.text and 'data-field="title"' not in only.text


def test_variant_versions_side_by_side_and_restored(ui: UI) -> None:
    uid = made(ui)
    api = ui.api
    api.ok(
        api.post("/variant_groups", {"name": "C", "uid": "c", "content_types": ["landing"]}), 201
    )
    api.ok(api.post("/variant_groups/c/variants", {"uid": "red", "name": "Red"}), 201)
    stored = f"{PATH}/{uid}/variants/red"
    api.ok(api.put(stored, {"entry": {"title": "red", "_variant": {}}}), 201)
    api.ok(api.put(stored, {"entry": {"title": "crimson", "count": 4, "_variant": {}}}))
    editor = ui.entries("landing") + f"/{uid}/variants/red"
    assert f'href="{editor}/versions?locale=en-us&amp;a=1"' in ui.http.get(editor).text
    page = ui.http.get(editor + "/versions")
    assert page.status_code == 200, page.text
    title, count = row(page.text, "title"), row(page.text, "count")
    assert title.startswith("changed ") and "red" in title and "crimson" in title
    assert title.count("Variant Field") == 2  # both versions hold their own title
    assert count.startswith("changed ") and count.count("Variant Field") == 1
    assert not row(page.text, "url").startswith("changed ")  # inherited on both sides
    assert 'data-field="tags"' not in page.text
    token = CSRF.search(page.text)
    assert token
    done = ui.http.post(
        editor + "/versions/1/restore?locale=en-us",
        data={"csrf": token.group(1), "confirm": "restore", "expected_version": "2"},
    )
    assert done.status_code == 303 and "notice=version_restored" in done.headers["location"]
    back = api.ok(api.get(stored))["entry"]
    assert (back["_version"], back["title"], back["_variant"]["_change_set"]) == (
        3,
        "red",
        ["title"],
    )
