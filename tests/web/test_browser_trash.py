"""Delete, trash, restore and scheduling in the editor, in a real browser (Debian's Chromium
driven by Playwright) against `veneer serve`, on both databases (issue 17, Major 6).

A content manager moves a published entry to the trash from its confirmation dialog (it leaves the
list and delivery at once), undoes nothing, finds it in the trash and restores it with the
keyboard at phone width (versions back, unpublished); schedules a publish in the browser's time
zone (Paris), sees it under Scheduled and cancels it; deletes a variant and a variant group
through their dialogs. Screenshots for the docs come from the SQLite run."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from playwright.sync_api import Browser, Page, expect

from tests.web import test_browser as journeys
from tests.web.test_browser import log_in, shot

# The journeys' fixtures: one Chromium per module, a fresh stack with the article type per test.
browser, site, account = journeys.browser, journeys.site, journeys.account

PARIS = ZoneInfo("Europe/Paris")


def live_status(made: dict[str, Any], uid: str) -> int:
    """The delivery API's status for one article in production (422: not published there)."""
    response = httpx.get(
        f"{made['base']}/v3/content_types/article/entries/{uid}",
        params={"environment": "production"},
        headers={"api_key": made["api_key"], "access_token": made["delivery_token"]},
    )
    return response.status_code


def narrow(page: Page) -> None:
    """The page at phone width scrolls only vertically."""
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_trash_restore_schedule_and_cancel(
    browser: Browser, site: dict[str, Any], database_url: str
) -> None:
    api, base, key = site["api"], site["base"], site["api_key"]
    entries = "/content_types/article/entries"
    uid = api.ok(api.http.post(entries, json={"entry": {"title": "Spring sale"}}), 201)["entry"][
        "uid"
    ]
    api.ok(api.http.put(f"{entries}/{uid}", json={"entry": {"reading_time": 4}}))
    publish = {"entry": {"environments": ["production"], "locales": ["en-us"]}}
    api.ok(api.http.post(f"{entries}/{uid}/publish", json=publish))
    assert live_status(site, uid) == 200
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, timezone_id="Europe/Paris"
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, base, site["account"])
    editor = f"{base}/app/stacks/{key}/content-types/article/entries/{uid}"
    page.goto(editor)

    # Delete asks first; Cancel (focused) and Escape leave everything as it was
    page.get_by_role("button", name="Delete…").click()
    dialog = page.get_by_role("dialog", name="Move “Spring sale” to the trash?")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    expect(dialog).to_contain_text("It comes back unpublished")
    shot(page, "editor-delete.png", database_url)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    page.get_by_role("button", name="Delete…").click()
    dialog.get_by_role("button", name="Move to trash").click()
    expect(page.get_by_role("status").filter(has_text="moved to the trash")).to_be_visible()
    expect(page.get_by_role("link", name="Spring sale")).to_have_count(0)
    assert live_status(site, uid) == 422
    assert api.http.get(f"{entries}/{uid}").status_code == 422

    # the trash, at phone width, by keyboard
    page.get_by_role("link", name="Open the trash").click()
    expect(page.get_by_role("heading", name="Trash")).to_be_visible()
    expect(page.locator("#trash")).to_contain_text("Spring sale")
    shot(page, "editor-trash.png", database_url)
    narrow(page)
    restore = page.get_by_role("button", name="Restore Spring sale")
    restore.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="restored from the trash")).to_be_visible()
    expect(page.locator("ol.versions > li")).to_have_count(2)
    restored = api.ok(api.http.get(f"{entries}/{uid}", params={"include_publish_details": "true"}))[
        "entry"
    ]
    assert (restored["reading_time"], restored["publish_details"]) == (4, [])
    assert live_status(site, uid) == 422  # publish state does not come back
    page.set_viewport_size({"width": 1280, "height": 900})

    # schedule a publish in the browser's time zone
    when = (datetime.now(PARIS) + timedelta(days=2)).replace(
        hour=10, minute=30, second=0, microsecond=0
    )
    utc = when.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:00.000Z")
    page.get_by_role("button", name="Publish…", exact=True).click()
    publishing = page.get_by_role("dialog", name="Publish “Spring sale”")
    publishing.get_by_label("production").check()
    publishing.get_by_label("Schedule for").fill(when.strftime("%Y-%m-%dT%H:%M"))
    shot(page, "publish-schedule.png", database_url)
    publishing.get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Scheduled.")).to_be_visible()
    scheduled = page.locator("#scheduled li")
    expect(scheduled).to_have_count(1)
    expect(scheduled.locator("time")).to_have_attribute("datetime", utc)
    expect(scheduled.locator("time")).to_contain_text("10:30")  # shown in Paris time
    expect(scheduled).to_contain_text("production")
    assert live_status(site, uid) == 422  # not yet
    narrow(page)
    shot(page, "editor-scheduled-phone.png", database_url)
    page.set_viewport_size({"width": 1280, "height": 900})
    cancel = scheduled.get_by_role("button", name="Cancel the publish scheduled for")
    cancel.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="schedule was cancelled")).to_be_visible()
    expect(page.locator("#scheduled")).to_contain_text("Nothing scheduled.")
    assert errors == []
    context.close()


def test_variant_and_group_deletes_confirm(
    browser: Browser, site: dict[str, Any], database_url: str
) -> None:
    api, base, key = site["api"], site["base"], site["api_key"]
    group = {"name": "Seasons", "uid": "seasons", "content_types": ["article"]}
    api.ok(api.http.post("/variant_groups", json=group), 201)
    for uid, name in (("summer", "Summer"), ("winter", "Winter")):
        variant = {"uid": uid, "name": name}
        api.ok(api.http.post("/variant_groups/seasons/variants", json=variant), 201)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, base, site["account"])
    page.goto(f"{base}/app/stacks/{key}/variant-groups")

    page.get_by_role("button", name="Delete variant… Summer").click()
    dialog = page.get_by_role("dialog", name="Delete the variant “Summer”?")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    shot(page, "variant-delete.png", database_url)
    dialog.get_by_role("button", name="Delete variant", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Variant deleted")).to_be_visible()
    assert api.http.get("/variant_groups/seasons/variants/summer").status_code == 422
    assert api.http.get("/variant_groups/seasons/variants/winter").status_code == 200

    # an entry's own values for a variant, from the variant view
    entries = "/content_types/article/entries"
    uid = api.ok(api.http.post(entries, json={"entry": {"title": "Coats"}}), 201)["entry"]["uid"]
    layer = {"entry": {"title": "Warm coats", "_variant": {}}}
    api.ok(api.http.put(f"{entries}/{uid}/variants/winter", json=layer), 201)
    page.goto(f"{base}/app/stacks/{key}/content-types/article/entries/{uid}/variants/winter")
    page.get_by_role("button", name="Delete variant values…").click()
    dialog = page.get_by_role("dialog", name="Delete the Winter values of “Coats”?")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    dialog.get_by_role("button", name="Delete variant values", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="inherits the base entry")).to_be_visible()
    expect(page.get_by_label("Title")).to_have_value("Coats")
    assert api.http.get(f"{entries}/{uid}/variants/winter").status_code == 422
    page.goto(f"{base}/app/stacks/{key}/variant-groups")

    narrow(page)
    opener = page.get_by_role("button", name="Delete group… Seasons")
    opener.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Delete the variant group “Seasons”?")
    expect(dialog).to_contain_text("Its 1 variant go with it")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    page.keyboard.press("Shift+Tab")  # from Cancel back to the delete button
    expect(dialog.get_by_role("button", name="Delete group", exact=True)).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="Variant group deleted")).to_be_visible()
    assert api.http.get("/variant_groups/seasons").status_code == 422
    assert errors == []
    context.close()
