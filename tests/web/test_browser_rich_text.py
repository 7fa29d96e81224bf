"""Rich text fields (issue 17, Major 3) in Chromium against `veneer serve`: the JSON RTE editor
stores what is typed as Contentstack's JSON RTE document, node for node; a Contentstack-shaped
document (embedded asset and entry, a node type the editor does not know, attrs it does not use)
saved untouched changes nothing, and edited keeps every node it did not touch; a document the
editor cannot hold exactly keeps its JSON text area; the HTML editor keeps newlines on a no-op
save and writes the toolbar's markup."""

from __future__ import annotations

import copy
import io
import re
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from tests.web.test_browser import DOCS, STORY, account, browser, log_in, site

pytestmark = pytest.mark.e2e
__all__ = ["account", "browser", "site"]

UID = re.compile(r"^[0-9a-f]{32}$")


def without_uids(node: Any) -> Any:
    if isinstance(node, list):
        return [without_uids(n) for n in node]
    if isinstance(node, dict):
        return {k: without_uids(v) for k, v in node.items() if k != "uid"}
    return node


def uids_of(node: Any) -> list[str]:
    if isinstance(node, list):
        return [u for n in node for u in uids_of(n)]
    if isinstance(node, dict):
        own = [node["uid"]] if "type" in node else []
        return own + uids_of(node.get("children") or [])
    return []


def open_page(browser: Browser, site: dict[str, Any]) -> tuple[Page, list[str]]:
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, site["base"], site["account"])
    return page, errors


def entry_url(site: dict[str, Any], ct: str, uid: str) -> str:
    return f"{site['base']}/app/stacks/{site['api_key']}/content-types/{ct}/entries/{uid}"


def save(page: Page, notice: str) -> None:
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status").filter(has_text=notice)).to_be_visible()


def test_typed_formatting_is_stored_as_json_rte(browser: Browser, site: dict[str, Any]) -> None:
    api = site["api"]
    made = api.ok(
        api.http.post("/content_types/article/entries", json={"entry": {"title": "Typed"}}), 201
    )["entry"]
    page, errors = open_page(browser, site)
    page.goto(entry_url(site, "article", made["uid"]))
    body = page.get_by_role("textbox", name="Body")
    tools = page.get_by_role("toolbar", name="Formatting: Body")
    body.click()
    # The toolbar is one tab stop, its buttons reached with the arrow keys (Undo and Redo are
    # disabled, so left of Bold is Embed asset).
    page.keyboard.press("Shift+Tab")
    expect(tools.get_by_role("button", name="Bold")).to_be_focused()
    page.keyboard.press("ArrowLeft")
    expect(tools.get_by_role("button", name="Embed asset")).to_be_focused()
    page.keyboard.press("Tab")
    expect(body).to_be_focused()
    page.keyboard.type("Plain ")
    page.keyboard.press("Control+b")
    page.keyboard.type("bold")
    page.keyboard.press("Control+b")
    page.keyboard.type(" ")
    tools.get_by_role("button", name="Italic").click()
    page.keyboard.type("italic")
    tools.get_by_role("button", name="Italic").click()
    page.keyboard.type(" ")
    tools.get_by_role("button", name="Underline").click()
    page.keyboard.type("under")
    tools.get_by_role("button", name="Underline").click()
    page.keyboard.type(" ")
    page.keyboard.press("Control+e")
    page.keyboard.type("f()")
    page.keyboard.press("Enter")
    tools.get_by_role("button", name="Heading 2").click()
    expect(tools.get_by_role("button", name="Heading 2")).to_have_attribute("aria-pressed", "true")
    page.keyboard.type("Section")
    page.keyboard.press("Enter")
    tools.get_by_role("button", name="Bulleted list").click()
    page.keyboard.type("one")
    page.keyboard.press("Enter")
    page.keyboard.type("two")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")  # an empty item leaves the list
    tools.get_by_role("button", name="Numbered list").click()
    page.keyboard.type("first")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.keyboard.type("See ")
    page.once("dialog", lambda d: d.accept("https://example.com/a"))
    tools.get_by_role("button", name="Link").click()
    page.keyboard.type(" now")
    page.keyboard.press("Enter")
    tools.get_by_role("button", name="Quote").click()
    page.keyboard.type("Said")
    page.keyboard.press("Enter")
    tools.get_by_role("button", name="Code block").click()
    page.keyboard.type("x = 1")
    page.keyboard.press("Enter")
    page.keyboard.type("y = 2")
    save(page, "Entry saved.")

    stored = api.ok(api.http.get(f"/content_types/article/entries/{made['uid']}"))["entry"]
    doc = stored["body"]
    uids = uids_of(doc)
    assert all(UID.match(u) for u in uids) and len(set(uids)) == len(uids) == 12
    assert without_uids(doc) == {
        "type": "doc",
        "attrs": {},
        "children": [
            {
                "type": "p",
                "attrs": {},
                "children": [
                    {"text": "Plain "},
                    {"text": "bold", "bold": True},
                    {"text": " "},
                    {"text": "italic", "italic": True},
                    {"text": " "},
                    {"text": "under", "underline": True},
                    {"text": " "},
                    {"text": "f()", "inlineCode": True},
                ],
            },
            {"type": "h2", "attrs": {}, "children": [{"text": "Section"}]},
            {
                "type": "ul",
                "attrs": {},
                "children": [
                    {"type": "li", "attrs": {}, "children": [{"text": "one"}]},
                    {"type": "li", "attrs": {}, "children": [{"text": "two"}]},
                ],
            },
            {
                "type": "ol",
                "attrs": {},
                "children": [{"type": "li", "attrs": {}, "children": [{"text": "first"}]}],
            },
            {
                "type": "p",
                "attrs": {},
                "children": [
                    {"text": "See "},
                    {
                        "type": "a",
                        "attrs": {"url": "https://example.com/a"},
                        "children": [{"text": "https://example.com/a"}],
                    },
                    {"text": " now"},
                ],
            },
            {"type": "blockquote", "attrs": {}, "children": [{"text": "Said"}]},
            {"type": "code", "attrs": {}, "children": [{"text": "x = 1\ny = 2"}]},
        ],
    }

    # Opened again, it shows the formatting and saves untouched as it is: no new version.
    expect(body.locator("h2")).to_have_text("Section")
    expect(body.locator("strong")).to_have_text("bold")
    expect(body.locator("a")).to_have_attribute("href", "https://example.com/a")
    save(page, "Nothing was changed")
    again = api.ok(api.http.get(f"/content_types/article/entries/{made['uid']}"))["entry"]
    assert again["_version"] == stored["_version"] and again["body"] == doc
    assert errors == []


CONTENTSTACK_DOC: dict[str, Any] = {
    "type": "doc",
    "uid": "0f2c6a1e7b8d4c3a9e5f1b2d3c4a5e6f",
    "_version": 3,
    "attrs": {},
    "children": [
        {
            "type": "h1",
            "uid": "1a2b3c4d5e6f70819a2b3c4d5e6f7081",
            "attrs": {"style": {"text-align": "center"}, "redactor-attributes": {}},
            "children": [{"text": "Wel"}, {"text": "come", "break": True}],
        },
        {
            "type": "p",
            "uid": "2b3c4d5e6f708192a3b4c5d6e7f80912",
            "attrs": {},
            "children": [
                {"text": "Read "},
                {"text": "this", "bold": True, "italic": True},
                {"text": " and "},
                {
                    "type": "a",
                    "uid": "3c4d5e6f708192a3b4c5d6e7f8091a2b",
                    "attrs": {"url": "https://example.com", "target": "_blank"},
                    "children": [{"text": "that", "underline": True}],
                },
                {"text": ""},
                {
                    "type": "reference",
                    "uid": "4d5e6f708192a3b4c5d6e7f8091a2b3c",
                    "attrs": {
                        "display-type": "inline",
                        "type": "entry",
                        "class-name": "embedded-entry redactor-component inline-entry",
                        "entry-uid": "blt0000000000000001",
                        "locale": "en-us",
                        "content-type-uid": "article",
                    },
                    "children": [{"text": ""}],
                },
                {"text": ""},
            ],
        },
        {
            "type": "reference",
            "uid": "5e6f708192a3b4c5d6e7f8091a2b3c4d",
            "attrs": {
                "display-type": "display",
                "asset-uid": "blt00000000000000a1",
                "content-type-uid": "sys_assets",
                "asset-name": "hero.png",
                "asset-type": "image/png",
                "type": "asset",
                "class-name": "embedded-asset",
                "inline": False,
            },
            "children": [{"text": ""}],
        },
        {
            "type": "ol",
            "uid": "6f708192a3b4c5d6e7f8091a2b3c4d5e",
            "attrs": {},
            "children": [
                {
                    "type": "li",
                    "uid": "708192a3b4c5d6e7f8091a2b3c4d5e6f",
                    "attrs": {},
                    "children": [{"text": "One"}],
                },
                {
                    "type": "li",
                    "uid": "8192a3b4c5d6e7f8091a2b3c4d5e6f70",
                    "attrs": {},
                    "children": [{"text": "Two", "strikethrough": True}],
                },
            ],
        },
        {
            "type": "hr",
            "uid": "92a3b4c5d6e7f8091a2b3c4d5e6f7081",
            "attrs": {},
            "children": [{"text": ""}],
        },
        {
            "type": "blockquote",
            "uid": "a3b4c5d6e7f8091a2b3c4d5e6f708192",
            "attrs": {},
            "children": [{"text": "Quoted"}],
        },
        {
            "type": "code",
            "uid": "b4c5d6e7f8091a2b3c4d5e6f708192a3",
            "attrs": {"language": "python"},
            "children": [{"text": "print(1)\nprint(2)"}],
        },
        {
            "type": "p",
            "uid": "c5d6e7f8091a2b3c4d5e6f708192a3b4",
            "attrs": {},
            "children": [{"text": "Last"}],
        },
    ],
}


def test_a_contentstack_document_round_trips(
    browser: Browser, site: dict[str, Any], database_url: str
) -> None:
    api = site["api"]
    made = api.ok(
        api.http.post(
            "/content_types/article/entries",
            json={"entry": {"title": "Shaped", "body": CONTENTSTACK_DOC}},
        ),
        201,
    )["entry"]
    path = f"/content_types/article/entries/{made['uid']}"
    before = api.ok(api.http.get(path))["entry"]
    page, errors = open_page(browser, site)
    page.goto(entry_url(site, "article", made["uid"]))
    body = page.get_by_role("textbox", name="Body")
    expect(body.locator("h1")).to_have_text("Welcome")
    expect(body.locator(".rte-embed").filter(has_text="Asset: hero.png")).to_be_visible()
    expect(body.locator(".rte-embed").filter(has_text="Entry: article")).to_be_visible()
    expect(body.locator(".rte-embed").filter(has_text="hr")).to_be_visible()
    if database_url.startswith("sqlite"):  # the docs' picture of the field (as test_browser.shot)
        DOCS.mkdir(exist_ok=True)
        page.locator("[data-vpath=body]").screenshot(path=str(DOCS / "editor-rich-text.png"))

    # Untouched: nothing changes, not even a new version.
    save(page, "Nothing was changed")
    after = api.ok(api.http.get(path))["entry"]
    assert after["_version"] == before["_version"] and after["body"] == before["body"]

    # On a variant of the entry, too: an untouched save stores no variant.
    group = api.ok(
        api.http.post("/variant_groups", json={"name": "Audiences", "content_types": ["article"]}),
        201,
    )
    variant = api.ok(
        api.http.post(f"/variant_groups/{group['uid']}/variants", json={"name": "Returning"}),
        201,
    )
    variant_uid = variant.get("variant", variant)["uid"]
    page.goto(f"{entry_url(site, 'article', made['uid'])}/variants/{variant_uid}")
    expect(body.locator("h1")).to_have_text("Welcome")
    page.get_by_role("button", name="Save variant").click()
    expect(page.get_by_role("status").filter(has_text="Nothing was changed")).to_be_visible()
    assert api.ok(api.http.get(f"{path}/variants"))["entries"] == []
    page.goto(entry_url(site, "article", made["uid"]))

    # One word typed at the end: that paragraph changes, every other node stays as it was.
    body.locator("p").last.click()
    page.keyboard.press("End")
    page.keyboard.type(" word")
    save(page, "Entry saved.")
    edited = api.ok(api.http.get(path))["entry"]
    expected = copy.deepcopy(before["body"])
    expected["children"][-1]["children"] = [{"text": "Last word"}]
    assert edited["body"] == expected
    assert errors == []


def test_a_document_the_editor_cannot_hold_keeps_its_json(
    browser: Browser, site: dict[str, Any]
) -> None:
    """Two neighbouring leaves with the same marks (the editor would write them as one): the
    field stays a JSON text area, and an untouched save keeps the document."""
    api = site["api"]
    odd = {
        "type": "doc",
        "uid": "d" * 32,
        "attrs": {},
        "children": [
            {
                "type": "p",
                "uid": "e" * 32,
                "attrs": {},
                "children": [{"text": "Re"}, {"text": "d"}],
            }
        ],
    }
    made = api.ok(
        api.http.post(
            "/content_types/article/entries", json={"entry": {"title": "Odd", "body": odd}}
        ),
        201,
    )["entry"]
    page, errors = open_page(browser, site)
    page.goto(entry_url(site, "article", made["uid"]))
    expect(page.locator("textarea[name='f.body']")).to_be_visible()
    expect(page.get_by_text("cannot keep exactly")).to_be_visible()
    expect(page.get_by_role("textbox", name="Body")).to_have_count(1)  # the text area alone
    save(page, "Nothing was changed")
    stored = api.ok(api.http.get(f"/content_types/article/entries/{made['uid']}"))["entry"]
    assert stored["body"] == odd and stored["_version"] == made["_version"]
    assert errors == []


def test_html_rich_text(browser: Browser, site: dict[str, Any]) -> None:
    api = site["api"]
    api.ok(api.http.post("/content_types", json={"content_type": STORY}), 201)
    lead = "<p>Line one</p>\n<p>Line <strong>two</strong></p>"
    made = api.ok(
        api.http.post("/content_types/story/entries", json={"entry": {"title": "H", "lead": lead}}),
        201,
    )["entry"]
    path = f"/content_types/story/entries/{made['uid']}"
    page, errors = open_page(browser, site)
    page.goto(entry_url(site, "story", made["uid"]))
    editor = page.get_by_role("textbox", name="Lead")
    expect(editor.locator("strong")).to_have_text("two")
    save(page, "Nothing was changed")
    stored = api.ok(api.http.get(path))["entry"]
    assert stored["lead"] == lead and stored["_version"] == made["_version"]

    # The saved page's editor is mounted (its toolbar is made with it) before the caret is put
    # at the end of the last paragraph; under load a click before that was lost.
    tools = page.get_by_role("toolbar", name="Formatting: Lead")
    expect(tools).to_be_visible()
    expect(editor.locator("strong")).to_have_text("two")
    editor.locator("p").last.click()
    page.keyboard.press("Control+End")  # the end of the document: after "two"
    caret = "[getSelection().anchorNode.textContent, getSelection().anchorOffset]"
    assert page.evaluate(caret) == ["two", 3]
    page.keyboard.press("Enter")
    tools.get_by_role("button", name="Bulleted list").click()
    page.keyboard.type("a < b & ")
    page.keyboard.press("Control+i")
    page.keyboard.type("c")
    save(page, "Entry saved.")
    stored = api.ok(api.http.get(path))["entry"]
    assert stored["lead"] == (
        "<p>Line one</p>\n<p>Line <strong>two</strong></p>\n<ul><li>a &lt; b &amp; <em>c</em></li></ul>"
    )
    assert errors == []


def test_embedding_an_asset(browser: Browser, site: dict[str, Any]) -> None:
    """ "Embed asset" searches the stack's assets and inserts Contentstack's asset reference node
    at the cursor; the rest of the document stays as it was."""
    api = site["api"]
    image = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(image, "PNG")
    asset = api.ok(
        api.http.post(
            "/assets",
            files={"asset[upload]": ("red.png", image.getvalue(), "image/png")},
            data={"asset[title]": "Red square"},
        ),
        201,
    )["asset"]
    intro = {"type": "p", "uid": "f" * 32, "attrs": {}, "children": [{"text": "Intro"}]}
    doc = {"type": "doc", "uid": "a" * 32, "attrs": {}, "children": [intro]}
    made = api.ok(
        api.http.post(
            "/content_types/article/entries", json={"entry": {"title": "Embeds", "body": doc}}
        ),
        201,
    )["entry"]
    page, errors = open_page(browser, site)
    page.goto(entry_url(site, "article", made["uid"]))
    body = page.get_by_role("textbox", name="Body")
    body.locator("p").click()
    page.keyboard.press("End")
    page.get_by_role("toolbar", name="Formatting: Body").get_by_role(
        "button", name="Embed asset"
    ).click()
    dialog = page.get_by_role("dialog", name="Embed an asset in Body")
    dialog.get_by_role("searchbox").fill("red")
    dialog.get_by_role("button", name="Red square").click()
    expect(body.locator(".rte-embed")).to_have_text("Asset: red.png")
    save(page, "Entry saved.")
    stored = api.ok(api.http.get(f"/content_types/article/entries/{made['uid']}"))["entry"]
    children = stored["body"]["children"]
    assert len(children) == 2 and children[0] == intro
    node = children[1]
    assert UID.match(node["uid"]) and node["type"] == "reference"
    assert node["children"] == [{"text": ""}]
    assert {k: node["attrs"][k] for k in ("type", "asset-uid", "display-type", "asset-name")} == {
        "type": "asset",
        "asset-uid": asset["uid"],
        "display-type": "display",
        "asset-name": "red.png",
    }
    assert errors == []


PAGE = {
    "title": "Page",
    "uid": "page",
    "schema": [
        {"display_name": "Title", "uid": "title", "data_type": "text", "mandatory": True},
        {
            "display_name": "Content",
            "uid": "content",
            "data_type": "json",
            "reference_to": ["sys_assets", "article"],
            "field_metadata": {"allow_json_rte": True, "embed_entry": True},
        },
    ],
}


def test_embedding_an_entry(browser: Browser, site: dict[str, Any]) -> None:
    """ "Embed entry" searches the entries of the content types the field may embed and inserts
    Contentstack's block entry node at the cursor."""
    api = site["api"]
    api.ok(api.http.post("/content_types", json={"content_type": PAGE}), 201)
    target = api.ok(
        api.http.post("/content_types/article/entries", json={"entry": {"title": "Target one"}}),
        201,
    )["entry"]
    intro = {"type": "p", "uid": "f" * 32, "attrs": {}, "children": [{"text": "Intro"}]}
    doc = {"type": "doc", "uid": "a" * 32, "attrs": {}, "children": [intro]}
    made = api.ok(
        api.http.post(
            "/content_types/page/entries", json={"entry": {"title": "P", "content": doc}}
        ),
        201,
    )["entry"]
    page, errors = open_page(browser, site)
    page.goto(entry_url(site, "page", made["uid"]))
    content = page.get_by_role("textbox", name="Content")
    content.locator("p").click()
    page.keyboard.press("End")
    page.get_by_role("toolbar", name="Formatting: Content").get_by_role(
        "button", name="Embed entry"
    ).click()
    dialog = page.get_by_role("dialog", name="Embed an entry in Content")
    expect(dialog.get_by_label("Content type")).to_have_value("0")  # Article, the only one
    dialog.get_by_label("Find entries").fill("Target")
    dialog.get_by_role("button", name="Target one").click()
    expect(content.locator(".rte-embed")).to_have_text(f"Entry: article {target['uid']}")
    save(page, "Entry saved.")
    stored = api.ok(api.http.get(f"/content_types/page/entries/{made['uid']}"))["entry"]
    children = stored["content"]["children"]
    assert len(children) == 2 and children[0] == intro
    node = children[1]
    assert UID.match(node["uid"]) and node["children"] == [{"text": ""}]
    assert node["type"] == "reference" and node["attrs"] == {
        "display-type": "block",
        "type": "entry",
        "class-name": "embedded-entry redactor-component block-entry",
        "entry-uid": target["uid"],
        "content-type-uid": "article",
        "locale": "en-us",
    }
    assert errors == []


def test_a_kept_draft_is_restored_into_the_editor(browser: Browser, site: dict[str, Any]) -> None:
    """Typed rich text is kept as a draft like any field (drafts.js); restored in another tab,
    the editor shows it, and saving stores it."""
    api = site["api"]
    made = api.ok(
        api.http.post("/content_types/article/entries", json={"entry": {"title": "Drafty"}}), 201
    )["entry"]
    page, errors = open_page(browser, site)
    url = entry_url(site, "article", made["uid"])
    page.goto(url)
    page.get_by_role("textbox", name="Body").click()
    page.keyboard.press("Control+b")
    page.keyboard.type("Kept")
    other = page.context.new_page()  # the same browser: the draft is in its local storage
    other.goto(url)
    other.locator("#draft-banner").get_by_role("button", name="Restore them").click()
    expect(other.get_by_role("textbox", name="Body").locator("strong")).to_have_text("Kept")
    other.get_by_role("button", name="Save", exact=True).click()
    expect(other.locator("#notice")).to_have_text("Entry saved.")
    stored = api.ok(api.http.get(f"/content_types/article/entries/{made['uid']}"))["entry"]
    assert [p["children"] for p in stored["body"]["children"]] == [[{"text": "Kept", "bold": True}]]
    assert errors == []
