"""Minor items of issue 17 in a real browser (Debian's Chromium driven by Playwright) against
`veneer serve`, on both databases: the sidebar lists variant publications in fr-fr as in en-us;
a variant's own instances wear Variant Field tags (also one just added), and a base instance it
removed is shown "removed here", read-only, and restored alone; a stale save offers a merge that
keeps both people's changes. tests/web/test_editor_minors.py covers the same without a browser."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web import test_browser as journeys
from tests.web.test_browser import highlight, log_in, shot, tagged

browser, site, account = journeys.browser, journeys.site, journeys.account
ENTRIES = "/content_types/article/entries"
pytestmark = pytest.mark.e2e


def audiences(api: Any) -> None:
    group = {"name": "Audiences", "uid": "audiences", "content_types": ["article"]}
    api.ok(api.http.post("/variant_groups", json=group), 201)
    variant = {"uid": "fans", "name": "Fans"}
    api.ok(api.http.post("/variant_groups/audiences/variants", json=variant), 201)


def opened(browser: Browser, site: dict[str, Any], path: str) -> tuple[Page, list[str]]:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, site["base"], site["account"])
    page.goto(f"{site['base']}/app/stacks/{site['api_key']}/content-types/article/entries{path}")
    return page, errors


def rows(page: Page) -> list[list[str]]:
    cells = page.locator("#publish-status tbody tr").evaluate_all(
        "rows => rows.map(r => Array.from(r.cells).map(c => c.innerText.trim()))"
    )
    return [list(row) for row in cells]


def test_french_sidebar_lists_variant_publications(browser: Browser, site: dict[str, Any]) -> None:
    api = site["api"]
    french = {"locale": {"code": "fr-fr", "name": "French", "fallback_locale": "en-us"}}
    api.ok(api.http.post("/locales", json=french), 201)
    audiences(api)
    made = {"entry": {"title": "Hello"}}
    uid = api.ok(api.http.post(ENTRIES, json=made), 201)["entry"]["uid"]
    fans = {"entry": {"title": "Hello fans", "_variant": {}}}
    api.ok(api.http.put(f"{ENTRIES}/{uid}/variants/fans", json=fans), 201)
    body = {
        "entry": {
            "environments": ["production"],
            "locales": ["en-us", "fr-fr"],
            "variants": [{"uid": "fans"}],
            "variant_rules": {"publish_latest_base": True},
        },
        "locale": "en-us",
    }
    api.ok(api.http.post(f"{ENTRIES}/{uid}/publish", json=body))
    page, errors = opened(browser, site, f"/{uid}")
    english = rows(page)
    assert ["Fans", "production", "fr-fr", "v1"] in english
    page.get_by_label("Locale", exact=True).select_option("fr-fr")
    expect(page).to_have_url(page.url.split("?")[0] + "?locale=fr-fr")
    expect(page.locator("#publish-status tbody tr")).to_have_count(4)
    assert rows(page) == english
    assert errors == []
    page.close()


def test_own_and_removed_instances_in_a_variant(
    browser: Browser, site: dict[str, Any], database_url: str
) -> None:
    api = site["api"]
    audiences(api)
    made = {
        "entry": {
            "title": "Hello",
            "highlights": [
                {"heading": "Fast", "detail": "Cached."},
                {"heading": "Open", "detail": "Self-hosted."},
                {"heading": "Small", "detail": "One process."},
            ],
        }
    }
    entry = api.ok(api.http.post(ENTRIES, json=made), 201)["entry"]
    uid = entry["uid"]
    fast, open_, small = (h["_metadata"]["uid"] for h in entry["highlights"])
    body = {
        "entry": {
            "highlights": [{"_metadata": {"uid": "mine"}, "heading": "For fans"}],
            "_variant": {"_order": [{"highlights": [f"base.{fast}", "mine", f"base.{small}"]}]},
        }
    }
    stored = f"{ENTRIES}/{uid}/variants/fans"
    api.ok(api.http.put(stored, json=body), 201)
    page, errors = opened(browser, site, f"/{uid}/variants/fans")

    # The variant's own instance: both its fields are its own, the empty detail too.
    own = {"highlights.mine.heading", "highlights.mine.detail"}
    assert own <= tagged(page) and f"highlights.{fast}.heading" not in tagged(page)
    removed = page.locator(f'li.removed-instance[data-vpath="highlights.{open_}"]')
    expect(removed).to_contain_text("Removed here")
    expect(removed.get_by_label("Heading")).to_be_disabled()
    expect(removed.get_by_label("Heading")).to_have_value("Open")
    order = page.locator("#f-highlights > ol > li").evaluate_all(
        "items => items.map(li => li.dataset.vpath)"
    )
    assert order == [f"highlights.{x}" for x in (fast, open_, "mine", small)]
    shot(page, "editor-variant-removed.png", database_url)

    # A new instance added in the form: its fields are the variant's own from the start.
    page.get_by_role("button", name="Add Highlights instance").click()
    added = page.locator("#f-highlights > ol > li.instance").last
    expect(added.locator(".tag.variant-field")).to_have_count(2)
    expect(added.locator(".tag.inherited")).to_have_count(0)
    added.get_by_label("Heading").fill("New one")
    # "Move up" on the first instance after the removed one passes it by.
    highlight(page, 1).get_by_role("button", name="Move up").click()
    assert highlight(page, 0).get_by_label("Heading").input_value() == "For fans"
    highlight(page, 0).get_by_role("button", name="Move down").click()

    # Restore saves that alone: the unsaved edits stay in the form.
    page.get_by_label("Title").fill("Unsaved title")
    removed.get_by_role("button", name="Restore").click()
    expect(page.get_by_role("status").filter(has_text="The instance is back")).to_be_visible()
    back = page.locator(f'li.instance[data-vpath="highlights.{open_}"]')
    expect(back.get_by_label("Heading")).to_have_value("Open")
    expect(back.get_by_label("Heading")).to_be_enabled()
    expect(page.locator("li.removed-instance")).to_have_count(0)
    expect(page.get_by_label("Title")).to_have_value("Unsaved title")
    saved = api.ok(api.http.get(stored))["entry"]
    assert saved["_version"] == 2 and "title" not in saved
    assert saved["_variant"]["_order"] == [
        {"highlights": [f"base.{fast}", f"base.{open_}", "mine", f"base.{small}"]}
    ]
    numbers = page.locator("#f-highlights > ol > li.instance [data-index]").all_inner_texts()
    assert numbers == ["1", "2", "3", "4", "5"]

    # Saving the form now keeps everything: the restored instance, the new one, the title.
    back.get_by_label("Detail").fill("Self-hosted, restored.")
    page.get_by_role("button", name="Save variant").click()
    expect(page.get_by_role("status").filter(has_text="Entry variant saved.")).to_be_visible()
    saved = api.ok(api.http.get(stored))["entry"]
    assert saved["_version"] == 3 and saved["title"] == "Unsaved title"
    merged = api.ok(
        api.http.get(
            f"{ENTRIES}/{uid}",
            params={"variant_preview": "true"},
            headers={"x-cs-variant-uid": "fans"},
        )
    )["entry"]
    assert [h["heading"] for h in merged["highlights"]] == [
        "Fast",
        "Open",
        "For fans",
        "Small",
        "New one",
    ]
    assert merged["highlights"][1]["detail"] == "Self-hosted, restored."
    assert errors == []
    page.close()


def test_a_stale_save_merges_both_changes(
    browser: Browser, site: dict[str, Any], database_url: str
) -> None:
    api = site["api"]
    made = {"entry": {"title": "Hello", "reading_time": 5}}
    uid = api.ok(api.http.post(ENTRIES, json=made), 201)["entry"]["uid"]
    page, errors = opened(browser, site, f"/{uid}")
    page.get_by_label("Title").fill("Hello, merged")
    # Meanwhile, someone else changes the reading time.
    api.ok(api.http.put(f"{ENTRIES}/{uid}", json={"entry": {"reading_time": 9}}))
    page.get_by_role("button", name="Save", exact=True).click()
    merge = page.get_by_role("region", name="Merge")
    expect(merge).to_be_visible()
    expect(page.locator("#error-summary")).to_contain_text("saved version 2 of this entry")
    expect(page.locator("#draft-banner")).to_have_count(0)  # the merge, not the draft, is offered
    title = merge.locator('tr[data-field="title"]')
    expect(title.locator("td.mine")).to_have_text("Hello, merged")
    expect(title.get_by_label("Keep mine for Title")).to_be_checked()
    reading = merge.locator('tr[data-field="reading_time"]')
    expect(reading.locator("td.theirs")).to_have_text("9")
    expect(reading.get_by_label("Take theirs for Reading time")).to_be_checked()
    expect(page.locator("#f-reading_time")).to_have_value("9")
    expect(page.locator("#f-title")).to_have_value("Hello, merged")
    shot(page, "editor-merge.png", database_url)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#notice")).to_have_text("Entry saved.")
    stored = api.ok(api.http.get(f"{ENTRIES}/{uid}"))["entry"]
    assert (stored["_version"], stored["title"], stored["reading_time"]) == (
        3,
        "Hello, merged",
        9,
    )
    assert errors == []
    page.close()
