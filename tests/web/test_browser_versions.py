"""Versions and single-field revert in the editor, in a real browser (Debian's Chromium driven by
Playwright) against `veneer serve`, on both databases (issue 17, Major 7 and Major 1).

A content manager compares two versions of an entry (the changed fields marked), restores an old
one through its confirmation dialog, and sees what a variant overrides against its base. On a
variant, "Revert to base entry value" on one field saves that field alone: another field's unsaved
edit stays in the form and is not sent; Undo gives the field its own value back; reverting a
reordered list that holds nested overrides asks first. The compare screenshot for the docs comes
from the SQLite run."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Browser, Dialog, expect

from tests.web import test_browser as journeys
from tests.web.test_browser import highlight, log_in, shot, tagged

browser, site, account = journeys.browser, journeys.site, journeys.account
ENTRIES = "/content_types/article/entries"


def variant_site(site: dict[str, Any]) -> tuple[str, list[str]]:
    """An article edited twice, and a Spanish variant of it; (uid, highlight instance uids)."""
    api = site["api"]
    entry = api.ok(
        api.http.post(
            ENTRIES,
            json={
                "entry": {
                    "title": "Hello",
                    "reading_time": 5,
                    "highlights": [
                        {"heading": "Fast", "detail": "Cached."},
                        {"heading": "Open", "detail": "Self-hosted."},
                    ],
                }
            },
        ),
        201,
    )["entry"]
    uid = entry["uid"]
    api.ok(api.http.put(f"{ENTRIES}/{uid}", json={"entry": {"title": "Hello world"}}))
    api.ok(api.http.put(f"{ENTRIES}/{uid}", json={"entry": {"reading_time": 7}}))
    group = {"name": "Audiences", "uid": "audiences", "content_types": ["article"]}
    api.ok(api.http.post("/variant_groups", json=group), 201)
    variant = {"uid": "spanish", "name": "Spanish speakers"}
    api.ok(api.http.post("/variant_groups/audiences/variants", json=variant), 201)
    return uid, [h["_metadata"]["uid"] for h in entry["highlights"]]


def test_compare_versions_restore_and_compare_with_base(
    browser: Browser, site: dict[str, Any], database_url: str
) -> None:
    api, base, key = site["api"], site["base"], site["api_key"]
    uid, _ = variant_site(site)
    body = {"entry": {"title": "Hola", "_variant": {}}}
    api.ok(api.http.put(f"{ENTRIES}/{uid}/variants/spanish", json=body), 201)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, base, site["account"])
    page.goto(f"{base}/app/stacks/{key}/content-types/article/entries/{uid}")

    page.get_by_role("link", name="Compare versions").click()
    expect(page.get_by_role("heading", name="Versions")).to_be_visible()
    expect(page.locator("#compare-summary")).to_contain_text(
        "1 field changed between version 2 and version 3"
    )
    page.get_by_label("Left").select_option("1")
    page.get_by_role("button", name="Compare").click()
    changed = page.locator("#version-diff tr.changed")
    expect(changed).to_have_count(2)
    title = page.locator('#version-diff tr[data-field="title"]')
    expect(title.locator(".tag.changed")).to_have_text("Changed")
    expect(title.locator("td.left .line.hit")).to_have_text("Changed: Hello")
    expect(title.locator("td.right .line.hit")).to_have_text("Changed: Hello world")
    expect(page.locator('#version-diff tr[data-field="highlights"]')).not_to_have_class("changed")
    shot(page, "editor-versions.png", database_url)
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: only vertical scrolling
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1280, "height": 900})

    # restore version 1: asks first; Cancel keeps everything
    page.get_by_role("button", name="Restore version 1…").click()
    dialog = page.get_by_role("dialog", name="Restore version 1?")
    expect(dialog).to_contain_text("A new version (4)")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    assert api.ok(api.http.get(f"{ENTRIES}/{uid}"))["entry"]["_version"] == 3
    page.get_by_role("button", name="Restore version 1…").click()
    dialog.get_by_role("button", name="Restore version 1").click()
    expect(page.get_by_role("status").filter(has_text="The version was restored")).to_be_visible()
    expect(page.locator("#f-title")).to_have_value("Hello")
    restored = api.ok(api.http.get(f"{ENTRIES}/{uid}"))["entry"]
    assert (restored["_version"], restored["title"], restored["reading_time"]) == (4, "Hello", 5)

    # a variant against its base: the fields it overrides, and the base values
    page.get_by_role("navigation", name="Base entry and variants").get_by_role(
        "link", name="Spanish speakers"
    ).click()
    page.get_by_role("link", name="Compare with base").click()
    expect(
        page.get_by_role("heading", name="Spanish speakers against the base entry")
    ).to_be_visible()
    expect(page.locator("#compare-summary")).to_contain_text("overrides 1 field")
    row = page.locator('#version-diff tr[data-field="title"]')
    expect(row.locator(".tag.variant-field")).to_be_visible()
    expect(row.locator("td.left")).to_have_text("Changed: Hello")
    expect(row.locator("td.right")).to_have_text("Changed: Hola")
    inherited = page.locator('#version-diff tr[data-field="reading_time"]')
    expect(inherited.locator(".tag.inherited")).to_be_visible()
    expect(inherited).not_to_have_class("changed")
    assert errors == []
    context.close()


def test_revert_saves_only_its_field_undo_and_nested_confirm(
    browser: Browser, site: dict[str, Any]
) -> None:
    api, base, key = site["api"], site["base"], site["api_key"]
    uid, (first, second) = variant_site(site)
    stored = f"{ENTRIES}/{uid}/variants/spanish"
    body = {
        "entry": {
            "title": "Hola",
            "highlights": [
                {"_metadata": {"uid": second}, "detail": "Autoalojado."},
                {"_metadata": {"uid": first}},
            ],
            "_variant": {"_order": [{"highlights": [f"base.{second}", f"base.{first}"]}]},
        }
    }
    api.ok(api.http.put(stored, json=body), 201)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, base, site["account"])
    page.goto(f"{base}/app/stacks/{key}/content-types/article/entries/{uid}/variants/spanish")
    assert tagged(page) == {"title", "highlights", f"highlights.{second}.detail"}

    # an unsaved edit elsewhere, then revert the title: only the title is saved
    page.locator("#f-reading_time").fill("42")
    page.get_by_role("button", name="Revert to base entry value for Title").click()
    notice = page.get_by_role("status").filter(has_text="inherits the base entry value again")
    expect(notice).to_be_visible()
    expect(page.locator("#f-title")).to_have_value("Hello world")
    expect(page.locator("#f-reading_time")).to_have_value("42")  # still there, unsaved
    expect(page.get_by_role("button", name="Undo the revert")).to_be_focused()
    saved = api.ok(api.http.get(stored))["entry"]
    assert saved["_version"] == 2 and "title" not in saved and "reading_time" not in saved
    assert saved["_variant"]["_change_set"] == [f"highlights.{second}.detail"]
    assert tagged(page) == {"highlights", f"highlights.{second}.detail"}

    # Undo: the title takes its own value back, again alone
    page.get_by_role("button", name="Undo the revert").click()
    expect(page.get_by_role("status").filter(has_text="revert was undone")).to_be_visible()
    expect(page.locator("#f-title")).to_have_value("Hola")
    expect(page.locator("#f-reading_time")).to_have_value("42")
    saved = api.ok(api.http.get(stored))["entry"]
    assert saved["_version"] == 3 and saved["title"] == "Hola" and "reading_time" not in saved

    # reverting the reordered list would drop the nested override: it asks, and No keeps it
    answers: list[str] = []

    def dismiss(dialog: Dialog) -> None:
        answers.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.get_by_role("button", name="Revert to base entry value for Highlights").click()
    assert len(answers) == 1 and "discards 1 of this variant's own value" in answers[0]
    assert api.ok(api.http.get(stored))["entry"]["_version"] == 3
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revert to base entry value for Highlights").click()
    expect(page.get_by_role("status").filter(has_text="inherits the base")).to_be_visible()
    expect(highlight(page, 0).get_by_label("Heading")).to_have_value("Fast")
    saved = api.ok(api.http.get(stored))["entry"]
    assert saved["_version"] == 4
    assert saved["_variant"]["_order"] == [] and saved["_variant"]["_change_set"] == ["title"]
    expect(page.locator("#f-reading_time")).to_have_value("42")
    page.get_by_role("button", name="Save variant").click()
    expect(page.get_by_role("status").filter(has_text="Entry variant saved.")).to_be_visible()
    saved = api.ok(api.http.get(stored))["entry"]
    assert saved["_version"] == 5 and saved["reading_time"] == 42 and saved["title"] == "Hola"
    assert errors == []
    context.close()
