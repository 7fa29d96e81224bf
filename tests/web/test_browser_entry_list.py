"""The entry list in a real browser (Debian's Chromium driven by Playwright) against `veneer serve`,
on both databases (issue 17, Major 8).

A content manager sees each row's publications and variants at a glance; filters the list by
publish status in an environment (published, not published, changed since publish) and by
variants; sorts it by title both ways; ticks the unpublished entries, confirms the bulk dialog
(which names them) and publishes them to production, then unpublishes two, and publishes one
with its variants; delivery agrees each time. Screenshots for the docs come from the SQLite run."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web import test_browser as journeys
from tests.web.test_browser import log_in, shot
from tests.web.test_browser_trash import live_status, narrow

pytestmark = pytest.mark.e2e
browser, site, account = journeys.browser, journeys.site, journeys.account
ENTRIES = "/content_types/article/entries"


def titles(page: Page) -> list[str]:
    return page.locator("#entry-table tbody th[scope=row] a").all_inner_texts()


def show(page: Page, **choices: str) -> None:
    """Choose filter values (by option label) and apply them."""
    for label, option in choices.items():
        page.get_by_label(label.replace("_", " "), exact=True).select_option(label=option)
    page.get_by_role("button", name="Show").click()


def make_articles(site: dict[str, Any]) -> dict[str, str]:
    """Autumn guide (published to production, then edited), Beach list (published with a
    published variant, edited since), City walk and Desert notes (never published)."""
    api = site["api"]
    api.ok(api.http.post("/environments", json={"environment": {"name": "staging"}}), 201)
    french = {"locale": {"code": "fr-fr", "name": "French", "fallback_locale": "en-us"}}
    api.ok(api.http.post("/locales", json=french), 201)
    group = {"name": "Audience", "uid": "audience", "content_types": ["article"]}
    api.ok(api.http.post("/variant_groups", json=group), 201)
    variant = {"uid": "experts", "name": "Experts"}
    api.ok(api.http.post("/variant_groups/audience/variants", json=variant), 201)
    uids = {}
    for title in ("Autumn guide", "Beach list", "City walk", "Desert notes"):
        made = api.ok(api.http.post(ENTRIES, json={"entry": {"title": title}}), 201)
        uids[title] = made["entry"]["uid"]
    publish = {"entry": {"environments": ["production"], "locales": ["en-us"]}}
    api.ok(api.http.post(f"{ENTRIES}/{uids['Autumn guide']}/publish", json=publish))
    api.ok(api.http.put(f"{ENTRIES}/{uids['Autumn guide']}", json={"entry": {"reading_time": 7}}))
    beach = f"{ENTRIES}/{uids['Beach list']}"
    body = {"entry": {"title": "Beach list for experts", "_variant": {}}}
    api.ok(api.http.put(f"{beach}/variants/experts", json=body), 201)
    with_variant = {
        "entry": {
            "environments": ["production"],
            "locales": ["en-us"],
            "variants": [{"uid": "experts"}],
            "variant_rules": {"publish_latest_base": True},
        }
    }
    api.ok(api.http.post(f"{beach}/publish", json=with_variant))
    body = {"entry": {"title": "Beach list for experts, updated", "_variant": {}}}
    api.ok(api.http.put(f"{beach}/variants/experts", json=body))  # newer than published
    city = {"entry": {"title": "Promenade en ville"}}
    api.ok(api.http.put(f"{ENTRIES}/{uids['City walk']}", json=city, params={"locale": "fr-fr"}))
    return uids


def test_filter_sort_and_bulk_publish(
    browser: Browser, site: dict[str, Any], database_url: str
) -> None:
    uids = make_articles(site)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, site["base"], site["account"])
    page.goto(f"{site['base']}/app/stacks/{site['api_key']}/content-types/article/entries")
    expect(page.locator("#count")).to_have_text("4 entries")

    # at a glance: publications per environment (changed since then), variants and theirs
    autumn = page.locator(f"tr[data-uid='{uids['Autumn guide']}']")
    expect(autumn.locator(".published-cell")).to_contain_text("production v1")
    expect(autumn.locator(".published-cell .tag.outdated")).to_have_text("changed")
    beach = page.locator(f"tr[data-uid='{uids['Beach list']}']")
    expect(beach.locator(".variants-cell")).to_contain_text("1 variant")
    expect(beach.locator(".variants-cell .variant-count")).to_have_attribute("title", "Experts")
    expect(beach.locator(".variants-cell")).to_contain_text("production: 1/1")
    expect(beach.locator(".variants-cell")).to_contain_text("staging: 0/1")
    changed = beach.locator(".variants-cell .tag.outdated")
    expect(changed).to_have_text("1 changed")
    expect(changed).to_have_attribute("title", "Newer than published: Experts")
    expect(page.locator(f"tr[data-uid='{uids['City walk']}'] .variants-cell")).to_have_text("None")
    shot(page, "editor-entry-list.png", database_url)
    page.set_viewport_size({"width": 1280, "height": 900})

    # filters
    show(page, Publish_status="Changed since publish in production")
    assert titles(page) == ["Autumn guide"]
    expect(page.locator("#count")).to_have_text("1 entry (filtered)")
    show(page, Publish_status="Published in production")
    assert sorted(titles(page)) == ["Autumn guide", "Beach list"]
    show(page, Publish_status="Any", Variants="Has variants")
    assert titles(page) == ["Beach list"]
    show(page, Variants="No variants", Sort_by="Title", Order="Ascending")
    assert titles(page) == ["Autumn guide", "City walk", "Desert notes"]
    show(page, Variants="Any", Order="Descending")
    assert titles(page) == ["Desert notes", "City walk", "Beach list", "Autumn guide"]
    # the locale: fallbacks say where they come from, or only the entries localized there
    show(page, Locale="French (fr-fr)")
    assert titles(page) == ["Promenade en ville", "Desert notes", "Beach list", "Autumn guide"]
    expect(page.locator("#entry-table tbody tr .tag").filter(has_text="from en-us")).to_have_count(
        3
    )
    page.get_by_label("Only entries localized in this locale").check()
    page.get_by_role("button", name="Show").click()
    assert titles(page) == ["Promenade en ville"]
    page.get_by_label("Only entries localized in this locale").uncheck()
    show(page, Locale="English - United States (en-us)")
    show(page, Publish_status="Not published in production")
    assert titles(page) == ["Desert notes", "City walk"]

    # bulk publish: select all on the page, confirm in the dialog
    bulk = page.get_by_role("button", name="Publish or unpublish selected…")
    expect(bulk).to_be_disabled()
    page.get_by_label("Select every entry on this page").check()
    expect(page.locator("#bulk-count")).to_have_text("2 entries selected")
    bulk.click()
    dialog = page.get_by_role("dialog", name="Publish or unpublish 2 entries")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#bulk-chosen li")).to_have_text(["Desert notes", "City walk"])
    dialog.get_by_label("production").check()
    shot(page, "editor-bulk-publish.png", database_url)
    dialog.get_by_role("button", name="Publish", exact=True).click()
    results = page.locator("#bulk-results")
    expect(results).to_contain_text("Published 2 of 2 entries (production; en-us)")
    expect(results.locator("li")).to_have_text(["Desert notes: done", "City walk: done"])
    expect(page.locator("#count")).to_have_text("0 entries (filtered)")  # the filter still holds
    assert live_status(site, uids["Desert notes"]) == 200
    assert live_status(site, uids["City walk"]) == 200

    # bulk unpublish one, from the published list
    show(page, Publish_status="Published in production")
    assert titles(page) == ["Desert notes", "City walk", "Beach list", "Autumn guide"]
    page.get_by_label("Select City walk").check()
    expect(page.locator("#bulk-count")).to_have_text("1 entry selected")
    page.get_by_label("Select every entry on this page").check()
    page.get_by_label("Select every entry on this page").uncheck()
    page.get_by_label("Select City walk").check()
    page.get_by_label("Select Beach list").check()
    bulk.click()
    dialog = page.get_by_role("dialog", name="Publish or unpublish 2 entries")
    dialog.get_by_label("production").check()
    dialog.get_by_role("button", name="Unpublish").click()
    expect(page.locator("#bulk-results")).to_contain_text("Unpublished 2 of 2 entries")
    assert titles(page) == ["Desert notes", "Autumn guide"]
    assert live_status(site, uids["City walk"]) == 422
    assert live_status(site, uids["Beach list"]) == 422
    page.get_by_role("link", name="Clear filters").click()
    expect(page.locator("#count")).to_have_text("4 entries")
    beach = page.locator(f"tr[data-uid='{uids['Beach list']}']")
    expect(beach.locator(".variants-cell")).to_contain_text("production: 0/1")  # went with it

    # bulk publish with the entries' variants (their latest versions)
    page.get_by_label("Select Beach list").check()
    bulk.click()
    dialog = page.get_by_role("dialog", name="Publish or unpublish 1 entry")
    dialog.get_by_label("production").check()
    dialog.get_by_label("Publish their entry variants too").check()
    dialog.get_by_role("button", name="Publish", exact=True).click()
    expect(page.locator("#bulk-results")).to_contain_text("Published 1 of 1 entry")
    beach = page.locator(f"tr[data-uid='{uids['Beach list']}']")
    expect(beach.locator(".variants-cell")).to_contain_text("production: 1/1")
    expect(beach.locator(".variants-cell .tag.outdated")).to_have_count(0)
    served = journeys.delivered(site, uids["Beach list"], "experts")
    assert served["title"] == "Beach list for experts, updated"

    narrow(page)  # at phone width the table scrolls in its own box, the page only vertically
    page.get_by_label("Select Desert notes").check()
    expect(page.get_by_role("button", name="Publish or unpublish selected…")).to_be_enabled()
    assert errors == []
    context.close()
