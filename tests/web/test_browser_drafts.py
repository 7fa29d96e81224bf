"""Typed work is never lost (issue 17, Major 2), in Chromium against `veneer serve`: leaving a
form with unsaved changes asks first, and after the session is lost (a logout in another tab)
and a new login, the editor offers the typed changes back; saving them drops the draft."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.web.test_browser import account, browser, log_in, site

pytestmark = pytest.mark.e2e
__all__ = ["account", "browser", "site"]


def test_leaving_asks_and_a_lost_session_keeps_the_draft(
    browser: Browser, site: dict[str, Any]
) -> None:
    api, base = site["api"], site["base"]
    made = api.ok(
        api.http.post(
            "/content_types/article/entries", json={"entry": {"title": "Draft me", "url": "/d"}}
        ),
        201,
    )["entry"]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, base, site["account"])
    entry = f"{base}/app/stacks/{site['api_key']}/content-types/article/entries/{made['uid']}"
    page.goto(entry)
    title = page.get_by_label("Title")
    title.fill("Typed, not saved")

    # Leaving by a link asks; staying keeps the typed value.
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    page.locator("nav.crumbs").get_by_role("link", name="Article").click()
    page.wait_for_timeout(300)
    assert asked == ["beforeunload"]
    expect(page).to_have_url(entry)
    expect(title).to_have_value("Typed, not saved")

    # The session ends in another tab; Save lands on the login page.
    other = context.new_page()
    other.goto(f"{base}/app/")
    other.get_by_role("button", name="Log out").click()
    other.close()
    title.fill("Typed after the session ended")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("heading", name="Log in to Veneer")).to_be_visible()
    page.get_by_label("Email").fill(site["account"]["email"])
    page.get_by_label("Password").fill(site["account"]["password"])
    page.get_by_role("button", name="Log in").click()

    # Back on the entry: the draft is offered, restored, saved, and then gone.
    banner = page.locator("#draft-banner")
    expect(banner).to_contain_text("not saved")
    expect(title).to_have_value("Draft me")
    banner.get_by_role("button", name="Restore them").click()
    expect(title).to_have_value("Typed after the session ended")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#notice")).to_have_text("Entry saved.")
    stored = api.ok(api.http.get(f"/content_types/article/entries/{made['uid']}"))["entry"]
    assert stored["title"] == "Typed after the session ended"
    page.reload()
    expect(page.locator("#draft-banner")).to_have_count(0)
    assert errors == []
    context.close()
