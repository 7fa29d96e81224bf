"""The variant tools (issue 16 §2, §4) in a real Chromium against `veneer serve`: preview an
ordered combination of variants (a shadowed value one click away), then review a variant whose
base moved (three-way, revert one field), at 1280 px and 390 px. The result is read back through
the management API. The site is `make_variant_site`'s, made in-process on the server's database."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, expect
from starlette.testclient import TestClient

from tests.api.test_delivery_variants import RED, YELLOW, VariantSite, make_variant_site
from tests.conftest import PASSWORD, new_user
from tests.web.test_browser import browser, shot
from veneer.services.context import Services

pytestmark = pytest.mark.e2e
__all__ = ["browser"]


@pytest.fixture
def vsite(services: Services, client: TestClient) -> VariantSite:
    api = new_user(services, client)
    api.api_key = api.ok(
        api.post("/stacks", {"stack": {"name": "Variant tools", "master_locale": "en-us"}}), 201
    )["stack"]["api_key"]
    return make_variant_site(api)


@pytest.mark.parametrize("width", [1280, 390])
def test_preview_a_combination_then_review_stale_overrides(
    browser: Browser, server: str, vsite: VariantSite, database_url: str, width: int
) -> None:
    base = f"http://{server}"
    home = vsite.home["uid"]
    vsite.update("landing", home, title="New base title")  # under Red's own title
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(base + "/app/login")
    page.get_by_label("Email").fill(vsite.api.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    entry = f"{base}/app/stacks/{vsite.api_key}/content-types/landing/entries/{home}"
    page.goto(entry)

    stale = page.locator("#stale-variants")
    expect(stale.get_by_role("link", name="Red")).to_be_visible()
    page.get_by_role("link", name="Preview a combination of variants").click()
    page.locator(f"#pos-{YELLOW}").select_option("1")
    page.locator(f"#pos-{RED}").select_option("2")
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", name="Merged entry: Yellow › Red")).to_be_visible()
    title = page.locator('tr[data-field="title"]')
    expect(title.locator(".value")).to_have_text("Yellow")
    shadow = title.locator("details.shadowed")
    expect(shadow.get_by_text("title): Red")).to_be_hidden()
    shadow.locator("summary").click()
    expect(shadow.get_by_text("title): Red")).to_be_visible()
    expect(page.locator('tr[data-field="url"] .source')).to_have_text("Base entry")
    if width == 1280:
        shot(page, "variant-preview.png", database_url)

    page.goto(f"{entry}/variants/{RED}")
    note = page.locator("#stale-note")
    expect(note).to_contain_text("changed under 1 of this variant's own value")
    note.get_by_role("link", name="Review them").click()
    row = page.locator('tr[data-path="title"]')
    expect(row.locator(".then")).to_have_text("Testhghghhgh")
    expect(row.locator(".now")).to_have_text("New base title")
    expect(row.locator(".mine")).to_have_text("Red")
    if width == 1280:
        shot(page, "variant-stale.png", database_url)
    row.get_by_label("Revert: inherit the base now").check()
    page.get_by_role("button", name="Save review").click()
    expect(page.locator("#notice")).to_contain_text("Review saved")
    expect(page.locator("#stale-note")).to_have_count(0)
    page.close()

    stored: dict[str, Any] = vsite.api.ok(
        vsite.api.get(f"/content_types/landing/entries/{home}/variants/{RED}")
    )["entry"]
    assert "title" not in stored["_variant"]["_change_set"]
    assert (
        stored["_variant"]["_base_entry_version"]
        == vsite.api.ok(vsite.api.get(f"/content_types/landing/entries/{home}"))["entry"][
            "_version"
        ]
    )


def test_removing_an_instance_variants_change_asks_first(
    browser: Browser, server: str, vsite: VariantSite, database_url: str
) -> None:
    """§3: the base entry's override badge opens to each variant's value; removing a group
    instance that variants change asks, names them, and keeps it when the user declines."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"http://{server}/app/login")
    page.get_by_label("Email").fill(vsite.api.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    home = vsite.home["uid"]
    page.goto(f"http://{server}/app/stacks/{vsite.api_key}/content-types/landing/entries/{home}")
    badge = page.locator('details[data-overridden="url"]')
    expect(badge.get_by_text("/green")).to_be_hidden()
    badge.get_by_text("Overridden in 2 variants").click()
    expect(badge.get_by_text("/green")).to_be_visible()
    if database_url.startswith("sqlite"):
        shot(page, "base-overrides.png", database_url)

    instances = page.locator("#f-group > ol > li.instance")
    expect(instances).to_have_count(2)
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    instances.nth(0).get_by_role("button", name="Remove").click()
    assert asked and "Blue, Green, Seed" in asked[0]
    expect(instances).to_have_count(2)  # declined: still there
    page.once("dialog", lambda dialog: dialog.accept())
    instances.nth(0).get_by_role("button", name="Remove").click()
    expect(instances).to_have_count(1)
    page.close()


def test_removing_an_overridden_base_value_asks_first(
    browser: Browser, server: str, vsite: VariantSite
) -> None:
    """§3: clearing a base field that variants override and saving asks, naming them; declined,
    nothing is saved."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"http://{server}/app/login")
    page.get_by_label("Email").fill(vsite.api.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    home = vsite.home["uid"]
    page.goto(f"http://{server}/app/stacks/{vsite.api_key}/content-types/landing/entries/{home}")
    page.get_by_label("URL", exact=True).fill("")
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_timeout(300)
    assert asked and "URL (overridden in Green, Blue)" in asked[0]
    stored = vsite.api.ok(vsite.api.get(f"/content_types/landing/entries/{home}"))["entry"]
    assert (stored["url"], stored["_version"]) == ("/home", 1)
    page.close()
