"""The reference picker in a real browser (Debian's Chromium driven by Playwright) against
`veneer serve`, on both databases (issue 17, Major 5).

A content manager fills a collection's multiple reference field from two content types: pages
through 25 articles (20 a page, read by the database), searches, picks with plain clicks and the
keyboard (a click never drops what is chosen), makes a new author in another tab from the
dialog's "Create new" (handed back to the picker, chosen), reorders by dragging and with the Move buttons, removes one;
a single reference field replaces its entry. The saved entry holds exactly that order, a save
without an edit changes nothing, and the page fits 390 px. Screenshots from the SQLite run."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Browser, Locator, expect

from tests.web import test_browser as journeys
from tests.web.test_browser import log_in, shot

# The journeys' fixtures: one Chromium per module, a fresh stack with the article type per test.
browser, site, account = journeys.browser, journeys.site, journeys.account

AUTHOR = {
    "title": "Author",
    "uid": "author",
    "schema": [{"display_name": "Title", "uid": "title", "data_type": "text", "mandatory": True}],
}
COLLECTION = {
    "title": "Collection",
    "uid": "collection",
    "schema": [
        {"display_name": "Title", "uid": "title", "data_type": "text", "mandatory": True},
        {
            "display_name": "Picks",
            "uid": "picks",
            "data_type": "reference",
            "reference_to": ["article", "author"],
            "field_metadata": {"ref_multiple": True},
        },
        {
            "display_name": "Lead story",
            "uid": "lead",
            "data_type": "reference",
            "reference_to": ["article"],
            "field_metadata": {"ref_multiple": False},
        },
    ],
}


def chosen(field: Locator) -> list[str]:
    return [t.strip() for t in field.locator("li.ref-item .ref-title").all_text_contents()]


def test_pick_page_search_create_reorder_and_save(
    browser: Browser, site: dict[str, Any], database_url: str
) -> None:
    api, base, key = site["api"], site["base"], site["api_key"]
    for schema in (AUTHOR, COLLECTION):
        api.ok(api.http.post("/content_types", json={"content_type": schema}), 201)
    uids = {}
    for n in range(1, 26):
        title = f"Article {n:02d}"
        body = {"entry": {"title": title}}
        made = api.ok(api.http.post("/content_types/article/entries", json=body), 201)
        uids[title] = made["entry"]["uid"]
    ada = {"entry": {"title": "Ada Lovelace"}}
    uids["Ada Lovelace"] = api.ok(api.http.post("/content_types/author/entries", json=ada), 201)[
        "entry"
    ]["uid"]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, base, site["account"])
    page.goto(f"{base}/app/stacks/{key}/content-types/collection/entries/new")
    page.get_by_label("Title").fill("Weekend reading")
    picks = page.get_by_role("group", name="Picks")
    lead = page.get_by_role("group", name="Lead story")

    # paged: 20 articles by title, then the other 5
    picks.get_by_role("button", name="Add entries for Picks").click()
    dialog = page.get_by_role("dialog", name="Add entries to Picks")
    expect(dialog.get_by_label("Find entries")).to_be_focused()
    results = dialog.locator("[data-ref-results] button")
    expect(results).to_have_count(20)
    expect(results.first).to_contain_text("Article 01")
    dialog.get_by_role("button", name="Next page").click()
    expect(results).to_have_count(5)
    expect(results.first).to_contain_text("Article 21")
    expect(dialog.get_by_role("button", name="Next page")).to_be_disabled()

    # plain clicks add; clicking a chosen one again keeps everything chosen
    results.filter(has_text="Article 23").click()
    dialog.get_by_label("Find entries").fill("article 0")
    expect(results).to_have_count(9)
    results.filter(has_text="Article 04").click()
    results.filter(has_text="Article 07").click()
    results.filter(has_text="Article 04").click()
    expect(results.filter(has_text="Article 04")).to_have_attribute("aria-pressed", "true")
    assert chosen(picks) == ["Article 23", "Article 04", "Article 07"]

    # another content type, by keyboard
    dialog.get_by_label("Content type").select_option(label="Author")
    dialog.get_by_label("Find entries").fill("ada")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text("Ada Lovelace")
    results.first.focus()
    page.keyboard.press("Enter")
    expect(results.first).to_have_attribute("aria-pressed", "true")

    # "Create new" opens the author form in a new tab; the new author is then found and picked
    create = dialog.get_by_role("link", name="Create new Author")
    with context.expect_page() as opened:
        create.click()
    tab = opened.value
    tab.get_by_label("Title").fill("Grace Hopper")
    tab.get_by_role("button", name="Create entry").click()
    expect(tab.get_by_role("status").filter(has_text="Entry created.")).to_be_visible()
    expect(tab.locator("#picked-for")).to_contain_text("added to the reference field")
    uids["Grace Hopper"] = tab.url.split("/entries/")[1].split("?")[0]
    tab.close()
    # handed back to this picker: chosen without a search, and shown as chosen when found
    expect(picks.locator("li.ref-item .ref-title")).to_have_text(
        ["Article 23", "Article 04", "Article 07", "Ada Lovelace", "Grace Hopper"]
    )
    dialog.get_by_label("Find entries").fill("grace")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text("Grace Hopper")  # not the results of "ada" any more
    expect(results.first).to_have_attribute("aria-pressed", "true")
    results.first.click()  # already chosen: a click keeps it, once
    shot(page, "reference-picker.png", database_url)
    dialog.get_by_role("button", name="Done").click()
    expect(dialog).to_be_hidden()
    assert chosen(picks) == [
        "Article 23",
        "Article 04",
        "Article 07",
        "Ada Lovelace",
        "Grace Hopper",
    ]

    # reorder: drag Grace Hopper to the top, move Article 07 up by keyboard, remove Article 04
    items = picks.locator("li.ref-item")
    items.filter(has_text="Grace Hopper").drag_to(items.first, target_position={"x": 20, "y": 2})
    assert chosen(picks)[0] == "Grace Hopper"
    up = picks.get_by_role("button", name="Move up Article 07")
    up.focus()
    page.keyboard.press("Enter")
    expect(up).to_be_focused()
    picks.get_by_role("button", name="Remove Article 04").click()
    assert chosen(picks) == ["Grace Hopper", "Article 23", "Article 07", "Ada Lovelace"]

    # a single reference: choosing replaces, and closes the dialog
    lead.get_by_role("button", name="Choose entry for Lead story").click()
    single = page.get_by_role("dialog", name="Choose an entry for Lead story")
    single.get_by_label("Find entries").fill("article 05")
    single.locator("[data-ref-results] button").filter(has_text="Article 05").click()
    expect(single).to_be_hidden()
    lead.get_by_role("button", name="Change entry for Lead story").click()
    single.get_by_label("Find entries").fill("article 06")
    single.locator("[data-ref-results] button").filter(has_text="Article 06").click()
    assert chosen(lead) == ["Article 06"]

    page.get_by_role("button", name="Create entry").click()
    expect(page.get_by_role("status").filter(has_text="Entry created.")).to_be_visible()
    uid = page.url.split("/entries/")[1].split("?")[0]
    path = f"/content_types/collection/entries/{uid}"
    entry = api.ok(api.http.get(path))["entry"]
    assert [(r["_content_type_uid"], r["uid"]) for r in entry["picks"]] == [
        ("author", uids["Grace Hopper"]),
        ("article", uids["Article 23"]),
        ("article", uids["Article 07"]),
        ("author", uids["Ada Lovelace"]),
    ]
    assert entry["lead"] == [{"uid": uids["Article 06"], "_content_type_uid": "article"}]
    assert chosen(page.get_by_role("group", name="Picks"))[0] == "Grace Hopper"

    # saved with no edit: nothing changes
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Nothing was changed")).to_be_visible()
    assert api.ok(api.http.get(path))["entry"]["_version"] == entry["_version"]

    # at phone width, with the dialog open: no horizontal scrolling
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("group", name="Picks").get_by_role("button", name="Add entries").click()
    expect(page.get_by_role("dialog", name="Add entries to Picks")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "reference-picker-phone.png", database_url)
    assert errors == []
    context.close()
