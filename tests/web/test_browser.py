"""The editor in a real browser (Debian's Chromium driven by Playwright) against `veneer serve`.

Two journeys per database, as a content manager would take them: (1) log in, find the content
type, create an entry with two group instances, hit a validation error, edit, reorder, publish;
(2) open a variant, edit a top-level field and a field of the second group instance, check the
tags and `_change_set`, revert, reorder, publish base and variant. Each reads the result back
through the management and delivery APIs. Screenshots for the docs come from the SQLite run.
Also: saving a variant and its base without an edit stores nothing (ordered references, HTML
with newlines). The reference picker's journey is in test_browser_references.py.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.conftest import MAIN_BRANCH

CHROMIUM = os.environ.get("VENEER_TEST_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Screenshots go to docs/ only when asked (VENEER_UPDATE_SCREENSHOTS=1), so a test run leaves the
# work tree clean; otherwise they are still taken, into a temporary folder.
DOCS = (
    Path(__file__).resolve().parents[2] / "docs"
    if os.environ.get("VENEER_UPDATE_SCREENSHOTS")
    else Path(tempfile.gettempdir()) / "veneer-screenshots"
)
PASSWORD = "correct horse battery"

pytestmark = pytest.mark.e2e
# No skip when Chromium is missing: scripts/setup --test installs Debian's chromium, so a missing
# browser is a broken setup and must fail loudly.
assert Path(CHROMIUM).exists(), (
    f"Chromium not found at {CHROMIUM}: run scripts/setup --test (apt-get install chromium)"
)

ARTICLE = {
    "title": "Article",
    "uid": "article",
    "schema": [
        {
            "display_name": "Title",
            "uid": "title",
            "data_type": "text",
            "mandatory": True,
            "unique": True,
        },
        {
            "display_name": "Body",
            "uid": "body",
            "data_type": "json",
            "field_metadata": {"allow_json_rte": True},
        },
        {"display_name": "Reading time", "uid": "reading_time", "data_type": "number"},
        {
            "display_name": "Category",
            "uid": "category",
            "data_type": "text",
            "display_type": "dropdown",
            "enum": {"advanced": False, "choices": [{"value": "news"}, {"value": "guide"}]},
        },
        {
            "display_name": "Highlights",
            "uid": "highlights",
            "data_type": "group",
            "multiple": True,
            "schema": [
                {"display_name": "Heading", "uid": "heading", "data_type": "text"},
                {
                    "display_name": "Detail",
                    "uid": "detail",
                    "data_type": "text",
                    "field_metadata": {"multiline": True},
                },
            ],
        },
        {
            "display_name": "Sections",
            "uid": "sections",
            "data_type": "blocks",
            "blocks": [
                {
                    "uid": "hero",
                    "title": "Hero",
                    "schema": [
                        {"display_name": "Headline", "uid": "headline", "data_type": "text"}
                    ],
                },
                {
                    "uid": "quote",
                    "title": "Quote",
                    "schema": [{"display_name": "Text", "uid": "text", "data_type": "text"}],
                },
            ],
        },
    ],
}


class Api:
    def __init__(self, base: str, account: dict[str, str]) -> None:
        self.http = httpx.Client(base_url=base + "/v3", timeout=10)
        login = self.http.post("/user-session", json={"user": account})
        assert login.status_code == 200, login.text
        user = login.json()["user"]
        self.http.headers["authtoken"] = user["authtoken"]

    def ok(self, response: httpx.Response, status: int = 200) -> dict[str, Any]:
        assert response.status_code == status, response.text
        return response.json()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield chromium
        chromium.close()


def delivered(site: dict[str, Any], uid: str, *variants: str) -> dict[str, Any]:
    headers = {"api_key": site["api_key"], "access_token": site["delivery_token"]}
    if variants:
        headers["x-cs-variant-uid"] = ", ".join(variants)
    response = httpx.get(
        f"{site['base']}/v3/content_types/article/entries/{uid}",
        params={"environment": "production"},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    return response.json()["entry"]


@pytest.fixture
def account(services: Any) -> dict[str, str]:
    """An account of the test's own (the owner account exists only if the server made the database)."""
    from veneer.services import users

    email = f"editor-{secrets.token_hex(5)}@example.com"
    users.create_user(services, email, PASSWORD, "Edie", "Tor")
    return {"email": email, "password": PASSWORD}


@pytest.fixture
def site(server: str, account: dict[str, str]) -> Iterator[dict[str, Any]]:
    """A fresh stack with the article content type and a production environment, made through the API."""
    api = Api(f"http://{server}", account)
    stack = api.ok(
        api.http.post(
            "/stacks", json={"stack": {"name": "Browser test", "master_locale": "en-us"}}
        ),
        201,
    )
    api.http.headers["api_key"] = stack["stack"]["api_key"]
    api.ok(api.http.post("/content_types", json={"content_type": ARTICLE}), 201)
    api.ok(api.http.post("/environments", json={"environment": {"name": "production"}}), 201)
    token = api.ok(
        api.http.post(
            "/stacks/delivery_tokens",
            json={
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
    yield {
        "api": api,
        "api_key": stack["stack"]["api_key"],
        "base": f"http://{server}",
        "delivery_token": token,
        "account": account,
    }
    api.http.close()


def shot(page: Page, name: str, database_url: str) -> None:
    """A screenshot for the docs (SQLite run only): the whole page, sticky bars where they belong."""
    if not database_url.startswith("sqlite"):
        return
    DOCS.mkdir(exist_ok=True)
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size(
        {
            "width": page.viewport_size["width"] if page.viewport_size else 1280,
            "height": min(height, 4000),
        }
    )
    page.screenshot(path=str(DOCS / name))


def log_in(page: Page, base: str, account: dict[str, str]) -> None:
    page.goto(base + "/app/")
    expect(page).to_have_url(base + "/app/login?next=%2Fapp%2F")
    page.get_by_label("Email").fill(account["email"])
    page.get_by_label("Password").fill(account["password"])
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Stacks")).to_be_visible()


def highlight(page: Page, n: int) -> Any:
    return page.locator("#f-highlights > ol > li.instance").nth(n)


def test_create_edit_reorder_publish(
    browser: Browser, site: dict[str, Any], database_url: str
) -> None:
    api, base = site["api"], site["base"]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    log_in(page, base, site["account"])
    page.locator(f"a[href='/app/stacks/{site['api_key']}/']").click()
    page.get_by_role("link", name="Article", exact=True).click()
    page.get_by_role("link", name="New entry").click()

    # create: two group instances (the new instance's first field takes the focus), a block, RTE paragraphs
    page.get_by_label("Title").fill("Hello browser")
    page.get_by_role("textbox", name="Body").click()  # the rich text editor (rte.js)
    page.keyboard.type("First paragraph.")
    page.keyboard.press("Enter")
    page.keyboard.type("Second paragraph.")
    page.get_by_label("Category").select_option("guide")
    add = page.get_by_role("button", name="Add Highlights")
    add.click()
    page.keyboard.type("Fast")
    add.focus()
    page.keyboard.press("Enter")
    page.keyboard.type("Open")
    highlight(page, 1).get_by_label("Detail").fill("Self-hosted.")
    page.get_by_role("button", name="Add Hero").click()
    page.keyboard.type("Welcome")
    page.get_by_role("button", name="Create entry").click()
    expect(page.get_by_role("status").filter(has_text="Entry created.")).to_be_visible()
    uid = page.url.split("/entries/")[1].split("?")[0]
    entry = api.ok(api.http.get(f"/content_types/article/entries/{uid}"))["entry"]
    assert [h["heading"] for h in entry["highlights"]] == ["Fast", "Open"]
    assert [p["children"][0]["text"] for p in entry["body"]["children"]] == [
        "First paragraph.",
        "Second paragraph.",
    ]
    assert entry["sections"][0]["hero"]["headline"] == "Welcome" and entry["category"] == "guide"
    instance_uids = [h["_metadata"]["uid"] for h in entry["highlights"]]

    # a validation error appears next to its field, and nothing is saved
    page.get_by_label("Title").fill("")
    page.get_by_role("button", name="Save").click()
    error = page.locator("#f-title-error")
    expect(error).to_have_text("Title is required")
    expect(page.get_by_label("Title")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#error-summary")).to_be_focused()

    # edit and reorder: the second highlight moves up (by keyboard), its detail changes
    page.get_by_label("Title").fill("Hello browser, edited")
    highlight(page, 1).get_by_label("Heading").fill("Open source")
    move_up = highlight(page, 1).get_by_role("button", name="Move up")
    move_up.focus()
    page.keyboard.press("Enter")
    expect(highlight(page, 0).get_by_label("Heading")).to_have_value("Open source")
    expect(highlight(page, 0).locator("[data-index]")).to_have_text("1")
    expect(highlight(page, 0).get_by_role("button", name="Move up")).to_be_focused()
    page.get_by_role("button", name="Add Quote").click()
    page.keyboard.type("To be removed")
    page.locator("#f-sections > ol > li.instance").nth(1).get_by_role(
        "button", name="Remove"
    ).click()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Entry saved.")).to_be_visible()
    entry = api.ok(api.http.get(f"/content_types/article/entries/{uid}"))["entry"]
    assert entry["title"] == "Hello browser, edited" and entry["_version"] == 2
    assert [h["heading"] for h in entry["highlights"]] == ["Open source", "Fast"]
    assert [h["_metadata"]["uid"] for h in entry["highlights"]] == instance_uids[::-1]
    assert [list(block) for block in entry["sections"]] == [["hero"]]
    shot(page, "editor.png", database_url)

    # publish from the dialog, then read it through the delivery API
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Publish…", exact=True).click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_label("production").check()
    expect(dialog.get_by_label("English - United States (en-us)")).to_be_checked()
    expect(dialog.get_by_label("Base entry (version 2)")).to_be_checked()
    dialog.get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Publish request completed.")).to_be_visible()
    expect(page.locator("#publish-status")).to_contain_text("production")
    details = api.ok(
        api.http.get(
            f"/content_types/article/entries/{uid}", params={"include_publish_details": "true"}
        )
    )["entry"]["publish_details"]
    assert [(d["locale"], d["version"]) for d in details] == [("en-us", 2)]
    live = delivered(site, uid)
    assert live["title"] == "Hello browser, edited"
    assert [h["heading"] for h in live["highlights"]] == ["Open source", "Fast"]

    # the same editor at phone width: no horizontal scrolling
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    if database_url.startswith("sqlite"):
        page.screenshot(path=str(DOCS / "editor-phone.png"))

    # log out ends the session
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in to Veneer")).to_be_visible()
    assert errors == []
    context.close()


def tagged(page: Page) -> set[str]:
    """The change-set paths of the fields that wear the Variant Field tag."""
    return set(
        page.eval_on_selector_all(
            "#entry-form .field:has(> .field-head .variant-field), #entry-form fieldset:has(> legend .variant-field)",
            "nodes => nodes.map(n => n.dataset.vpath)",
        )
    )


def test_variant_tags_revert_reorder_publish(
    browser: Browser, site: dict[str, Any], database_url: str
) -> None:
    api, base = site["api"], site["base"]
    entry = api.ok(
        api.http.post(
            "/content_types/article/entries",
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
    first, second = (h["_metadata"]["uid"] for h in entry["highlights"])
    group = api.ok(
        api.http.post("/variant_groups", json={"name": "Audiences", "content_types": ["article"]}),
        201,
    )
    variant = api.ok(
        api.http.post(
            f"/variant_groups/{group['uid']}/variants", json={"name": "Spanish speakers"}
        ),
        201,
    )
    variant_uid = variant.get("variant", variant)["uid"]
    api.ok(
        api.http.post(
            f"/content_types/article/entries/{entry['uid']}/publish",
            json={
                "entry": {"environments": ["production"], "locales": ["en-us"]},
                "locale": "en-us",
            },
        )
    )
    entry_url = f"{base}/app/stacks/{site['api_key']}/content-types/article/entries/{entry['uid']}"
    stored = f"/content_types/article/entries/{entry['uid']}/variants/{variant_uid}"

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, base, site["account"])
    page.goto(entry_url)
    page.get_by_role("navigation", name="Base entry and variants").get_by_role(
        "link", name="Spanish speakers"
    ).click()
    expect(page.locator(".variant-banner")).to_contain_text("Spanish speakers")
    assert tagged(page) == set()
    expect(page.locator("#f-title").locator("xpath=..").locator(".tag.inherited")).to_have_text(
        "Inherited"
    )

    # one top-level field and one field of the second instance: exactly those two become Variant Fields
    page.locator("#f-title").fill("Hola")
    highlight(page, 1).get_by_label("Detail").fill("Autoalojado.")
    page.get_by_role("button", name="Save variant").click()
    expect(page.get_by_role("status").filter(has_text="Entry variant saved.")).to_be_visible()
    assert tagged(page) == {"title", f"highlights.{second}.detail"}
    body = api.ok(api.http.get(stored))["entry"]
    assert body["_variant"]["_change_set"] == ["title", f"highlights.{second}.detail"]

    # revert the title: it inherits the base value again
    page.get_by_role("button", name="Revert to base entry value for Title").click()
    expect(
        page.get_by_role("status").filter(has_text="inherits the base entry value again")
    ).to_be_visible()
    expect(page.locator("#f-title")).to_have_value("Hello")
    assert tagged(page) == {f"highlights.{second}.detail"}
    assert api.ok(api.http.get(stored))["entry"]["_variant"]["_change_set"] == [
        f"highlights.{second}.detail"
    ]

    # reorder the group instances in the variant
    highlight(page, 1).get_by_role("button", name="Move up").click()
    page.get_by_role("button", name="Save variant").click()
    expect(page.get_by_role("status").filter(has_text="Entry variant saved.")).to_be_visible()
    assert tagged(page) == {"highlights", f"highlights.{second}.detail"}
    body = api.ok(api.http.get(stored))["entry"]
    assert body["_variant"]["_order"] == [{"highlights": [f"base.{second}", f"base.{first}"]}]
    assert body["_variant"]["_change_set"] == [f"highlights.{second}.detail"]
    shot(page, "editor-variant.png", database_url)

    # publish base and variant together, then read the merged result through the delivery API
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Publish…", exact=True).click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("Variant: Spanish speakers (version 3)")).to_be_checked()
    dialog.get_by_label("Base entry (version 1)").check()
    dialog.get_by_label("production").check()
    if database_url.startswith("sqlite"):
        page.screenshot(path=str(DOCS / "publish-dialog.png"))
    dialog.get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Publish request completed.")).to_be_visible()
    status = page.locator("#publish-status")
    expect(status).to_contain_text("Base entry")
    expect(status).to_contain_text("Spanish speakers")
    # The delivery API serves the published base; the variant's merge is read back through the
    # management API's merged read (delivery's x-cs-variant-uid merge: see test_pages).
    plain = delivered(site, entry["uid"])
    assert [h["detail"] for h in plain["highlights"]] == ["Cached.", "Self-hosted."]
    merged = api.ok(
        api.http.get(
            f"/content_types/article/entries/{entry['uid']}",
            params={"include_variant": "true"},
            headers={"x-cs-variant-uid": variant_uid},
        )
    )["entry"]
    assert merged["title"] == "Hello"
    assert [(h["heading"], h["detail"]) for h in merged["highlights"]] == [
        ("Open", "Autoalojado."),
        ("Fast", "Cached."),
    ]
    published = api.ok(api.http.get(stored, params={"include_publish_details": "true"}))["entry"][
        "publish_details"
    ]
    assert [(p["locale"], p["version"]) for p in published] == [("en-us", 3)]
    assert errors == []
    context.close()


STORY = {
    "title": "Story",
    "uid": "story",
    "schema": [
        {
            "display_name": "Title",
            "uid": "title",
            "data_type": "text",
            "mandatory": True,
            "unique": True,
        },
        {
            "display_name": "Lead",
            "uid": "lead",
            "data_type": "text",
            "field_metadata": {"allow_rich_text": True, "rich_text_type": "advanced"},
        },
        {
            "display_name": "Related",
            "uid": "related",
            "data_type": "reference",
            "reference_to": ["story", "article"],
        },
    ],
}


def test_saving_untouched_variant_and_base_changes_nothing(
    browser: Browser, site: dict[str, Any]
) -> None:
    """The issue's blocker: Related holds [article, story], the reverse of the picker's group
    order, and the HTML field has newlines. Clicking Save with no edit, on the variant and on the
    base, stores nothing: no change set entry, no variant record, no new version."""
    api, base = site["api"], site["base"]
    api.ok(api.http.post("/content_types", json={"content_type": STORY}), 201)
    article = api.ok(
        api.http.post("/content_types/article/entries", json={"entry": {"title": "Bulk 005"}}),
        201,
    )["entry"]
    ada = api.ok(
        api.http.post("/content_types/story/entries", json={"entry": {"title": "Ada"}}), 201
    )["entry"]
    related = [
        {"uid": article["uid"], "_content_type_uid": "article"},
        {"uid": ada["uid"], "_content_type_uid": "story"},
    ]
    lead = "<p>Line one</p>\n<p>Line two</p>"
    body = {"entry": {"title": "Ref order test", "lead": lead, "related": related}}
    entry = api.ok(api.http.post("/content_types/story/entries", json=body), 201)["entry"]
    group = api.ok(
        api.http.post("/variant_groups", json={"name": "Audiences", "content_types": ["story"]}),
        201,
    )
    variant = api.ok(
        api.http.post(f"/variant_groups/{group['uid']}/variants", json={"name": "Returning"}),
        201,
    )
    variant_uid = variant.get("variant", variant)["uid"]
    entry_path = f"/content_types/story/entries/{entry['uid']}"
    entry_url = f"{base}/app/stacks/{site['api_key']}/content-types/story/entries/{entry['uid']}"

    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, base, site["account"])
    page.goto(f"{entry_url}/variants/{variant_uid}")
    # the rich text editor's text area holds the value as stored, the newline too
    expect(page.locator("textarea[name='f.lead']")).to_have_value(lead)
    page.get_by_role("button", name="Save variant").click()
    expect(page.get_by_role("status").filter(has_text="Nothing was changed")).to_be_visible()
    assert tagged(page) == set()
    variants = api.ok(api.http.get(f"{entry_path}/variants"))
    assert variants["entries"] == []  # no record that would claim "has its own values"

    # the variant with an override of its own, saved untouched again: same change set and version
    page.get_by_label("Title").fill("Welcome back")
    page.get_by_role("button", name="Save variant").click()
    expect(page.get_by_role("status").filter(has_text="Entry variant saved.")).to_be_visible()
    before = api.ok(api.http.get(f"{entry_path}/variants/{variant_uid}"))["entry"]
    assert before["_variant"]["_change_set"] == ["title"]
    page.get_by_role("button", name="Save variant").click()
    expect(page.get_by_role("status").filter(has_text="Nothing was changed")).to_be_visible()
    after = api.ok(api.http.get(f"{entry_path}/variants/{variant_uid}"))["entry"]
    assert after["_variant"]["_change_set"] == ["title"]
    assert after["_version"] == before["_version"]
    assert tagged(page) == {"title"}

    # the base entry, saved untouched: no new version, references in their order, newlines kept
    page.goto(entry_url)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Nothing was changed")).to_be_visible()
    stored = api.ok(api.http.get(entry_path))["entry"]
    assert stored["_version"] == entry["_version"]
    assert stored["related"] == related and stored["lead"] == lead
    assert errors == []


ALBUM = {
    "title": "Album",
    "uid": "album",
    "schema": [
        {"display_name": "Title", "uid": "title", "data_type": "text", "mandatory": True},
        {"display_name": "Cover", "uid": "cover", "data_type": "file"},
    ],
}


def test_upload_pick_and_deliver_an_asset(browser: Browser, site: dict[str, Any]) -> None:
    """On a phone-sized screen: upload an image through the asset library (the script's per-file
    upload), choose it in an entry's file field, save; the entry holds the asset's uid and, once
    both are published, delivery answers the asset object in its place."""
    import io

    from PIL import Image

    api, base, key = site["api"], site["base"], site["api_key"]
    api.ok(api.http.post("/content_types", json={"content_type": ALBUM}), 201)
    image = io.BytesIO()
    Image.new("RGB", (64, 48), "teal").save(image, "PNG")
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, base, site["account"])
    page.goto(f"{base}/app/stacks/{key}/assets")
    page.get_by_label("Upload files").set_input_files(
        [{"name": "teal.png", "mimeType": "image/png", "buffer": image.getvalue()}]
    )
    page.get_by_role("button", name="Upload", exact=True).click()
    card = page.locator(".asset-card").filter(has_text="teal.png")
    expect(card).to_be_visible()  # the script reloads the page once every file is in
    thumb = card.locator("img")
    expect(thumb).to_have_attribute("src", re.compile(r"\?width=160&format=webp$"))
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle()
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    asset = api.ok(api.http.get("/assets"))["assets"][0]

    page.goto(f"{base}/app/stacks/{key}/content-types/album/entries/new")
    page.get_by_label("Title").fill("Holiday")
    page.get_by_role("button", name="Choose asset for Cover").click()
    page.get_by_role("dialog").get_by_role("button", name="teal.png").click()
    expect(page.locator(".picked li")).to_have_attribute("data-uid", asset["uid"])
    page.get_by_role("button", name="Create entry").click()
    expect(page.get_by_role("status").filter(has_text="Entry created.")).to_be_visible()
    expect(page.locator(".picked li .asset-title")).to_have_text("teal.png")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    uid = page.url.split("/entries/")[1].split("?")[0]
    entry = api.ok(api.http.get(f"/content_types/album/entries/{uid}"))["entry"]
    assert entry["cover"]["uid"] == asset["uid"]  # the management API shows the asset object

    where = {"environments": ["production"], "locales": ["en-us"]}
    api.ok(api.http.post(f"/assets/{asset['uid']}/publish", json={"asset": where}))
    api.ok(api.http.post(f"/content_types/album/entries/{uid}/publish", json={"entry": where}))
    response = httpx.get(
        f"{base}/v3/content_types/album/entries/{uid}",
        params={"environment": "production"},
        headers={"api_key": key, "access_token": site["delivery_token"]},
    )
    assert response.status_code == 200, response.text
    cover = response.json()["entry"]["cover"]
    assert (cover["uid"], cover["filename"]) == (asset["uid"], "teal.png")
    assert errors == []
