"""The editor's variant tools (issue 16 §2, §4) without a browser, on both databases: the
"Preview a combination" page (merged values, each field's source, shadowed values, fates) and the
stale-override review (base then / base now / variant, keep or revert). The site is
`make_variant_site`'s; tests/web/test_browser.py drives both in Chromium."""

from __future__ import annotations

import re
from html import unescape

from tests.api.test_delivery_variants import BLUE, G1, G2, GREEN, RED, YELLOW, make_variant_site
from tests.web.conftest import CSRF, UI


def row(html: str, field: str) -> str:
    found = re.search(rf'<tr data-field="{field}">(.*?)</tr>', html, re.DOTALL)
    assert found, html
    return unescape(found.group(1))


def test_preview_a_combination_shows_sources_and_shadowed_values(ui: UI) -> None:
    site = make_variant_site(ui.api)
    home = site.home["uid"]
    path = ui.entries("landing") + f"/{home}/preview"
    empty = ui.http.get(path)
    assert empty.status_code == 200 and "Merged entry" not in empty.text
    assert f'id="pos-{YELLOW}"' in empty.text  # every variant of the linked groups is offered

    # Yellow (never published) first, then Red: Yellow wins the title, Red what Yellow leaves.
    page = ui.http.get(path, params={f"pos-{RED}": "2", f"pos-{YELLOW}": "1", f"pos-{BLUE}": ""})
    assert page.status_code == 200, page.text
    assert "Merged entry: Yellow › Red" in unescape(page.text)
    title = row(page.text, "title")
    assert '<span class="value">Yellow</span>' in title
    assert "Yellow</span>" in title and "1 shadowed value" in title
    assert "<strong>Red</strong> (<code>title</code>): Red" in title
    url = row(page.text, "url")
    assert '<span class="value">/home</span>' in url and "Base entry" in url
    seo = row(page.text, "seo")
    assert "Red SEO" in seo and "Red</span>" in seo
    fates = re.search(r'<ul class="fates" id="fates">(.*?)</ul>', page.text, re.DOTALL)
    assert fates and "<strong>Yellow</strong>: applied" in fates.group(1)
    assert "<strong>Red</strong>: applied" in fates.group(1)
    # The selects keep the order chosen.
    assert re.search(rf'id="pos-{YELLOW}".*?<option value="1" selected>', page.text, re.DOTALL)

    # A link's order: repeated `variant` parameters; Green's every change wins over Red's.
    linked = ui.http.get(path, params=[("variant", GREEN), ("variant", RED)])
    assert '<span class="value">Green</span>' in row(linked.text, "title")
    assert "<strong>Red</strong> (<code>title</code>): Red" in row(linked.text, "title")


def test_stale_overrides_review_keep_and_revert(ui: UI) -> None:
    site = make_variant_site(ui.api)
    home = site.home["uid"]
    variant_page = ui.entries("landing") + f"/{home}/variants/{RED}"
    review = variant_page + "/stale"
    assert "stale-note" not in ui.http.get(variant_page).text
    assert 'id="no-stale"' in ui.http.get(review).text

    # The base moves under two of Red's overrides (title, seo.meta_title) and one it does not
    # override (views).
    site.update("landing", home, title="New base title", seo={"meta_title": "New SEO"}, views=3)
    note = ui.http.get(variant_page).text
    assert 'id="stale-note"' in note and "2 of this variant" in note
    base = ui.http.get(ui.entries("landing") + f"/{home}").text
    assert re.search(r'id="stale-variants">.*?Red</a>: 2 to review', base, re.DOTALL)

    page = ui.http.get(review)
    assert page.status_code == 200
    rows = dict(re.findall(r'<tr data-path="([^"]+)">(.*?)</tr>', unescape(page.text), re.DOTALL))
    assert set(rows) == {"title", "seo.meta_title"}
    assert '<td class="then">Testhghghhgh</td>' in rows["title"]
    assert '<td class="now">New base title</td>' in rows["title"]
    assert '<td class="mine">Red</td>' in rows["title"]
    paths = re.findall(r'<tr data-path="([^"]+)">', page.text)
    token = CSRF.search(page.text)
    assert token
    form = {"csrf": token.group(1)}
    form[f"choice-{paths.index('title')}"] = "revert"
    form[f"choice-{paths.index('seo.meta_title')}"] = "keep"
    done = ui.http.post(review, data=form)
    assert done.status_code == 303 and "notice=rebased" in done.headers["location"]

    stored = site.api.ok(site.api.get(f"/content_types/landing/entries/{home}/variants/{RED}"))
    assert "title" not in stored["entry"]["_variant"]["_change_set"]
    assert "seo.meta_title" in stored["entry"]["_variant"]["_change_set"]
    merged = site.api.ok(
        site.api.get(
            f"/content_types/landing/entries/{home}",
            params={"variant_preview": "true"},
            headers={"x-cs-variant-uid": RED},
        )
    )["entry"]
    assert (merged["title"], merged["seo"]["meta_title"]) == ("New base title", "Red SEO")
    assert 'id="no-stale"' in ui.http.get(review).text
    listed = ui.http.get(ui.entries("landing") + f"/{home}").text
    stale = re.search(r'<ul id="stale-variants">(.*?)</ul>', listed, re.DOTALL)
    assert stale and ">Red</a>" not in stale.group(1) and ">Blue</a>: 2 to review" in stale.group(1)


def test_the_review_of_a_variant_without_values_here_is_refused(ui: UI) -> None:
    site = make_variant_site(ui.api)
    other = site.others[0]["uid"]
    page = ui.http.get(ui.entries("landing") + f"/{other}/variants/{GREEN}/stale")
    assert page.status_code == 404, page.text


def test_the_base_entry_shows_what_its_variants_override(ui: UI) -> None:
    """§3 in the editor: each base field a variant overrides says so, with each variant's value;
    a group instance a variant changes names the variants (the page asks before removing it)."""
    site = make_variant_site(ui.api)
    home = site.home["uid"]
    page = ui.http.get(ui.entries("landing") + f"/{home}")
    assert page.status_code == 200
    html = unescape(page.text)
    title = re.search(r'data-overridden="title">(.*?)</details>', html, re.DOTALL)
    assert title, html
    assert "Overridden in 4 variants" in title.group(1)
    shown = dict(re.findall(r"<li><strong>([^<]+)</strong>: ([^<]*)</li>", title.group(1)))
    assert shown == {"Yellow": "Yellow", "Red": "Red", "Green": "Green", "Blue": "Blue"}
    url = re.search(r'data-overridden="url">(.*?)</details>', html, re.DOTALL)
    assert url and "Overridden in 2 variants" in url.group(1)
    assert dict(re.findall(r"<li><strong>([^<]+)</strong>: ([^<]*)</li>", url.group(1))) == {
        "Green": "/green",
        "Blue": "/blue",
    }
    instances = dict(re.findall(r'data-vpath="group\.(\w+)" data-overridden-by="([^"]+)"', html))
    assert instances == {G1: "Green, Red, Seed", G2: "Blue, Green, Seed"}
    # A variant's own page shows no override badges (it has its Variant Field tags).
    assert (
        "data-overridden="
        not in ui.http.get(ui.entries("landing") + f"/{home}/variants/{RED}").text
    )


def test_the_coverage_grid_shows_versions_stale_noop_and_conflicts(ui: UI) -> None:
    """§6 in the editor: the content type's variant coverage as a grid, with its filters."""
    site = make_variant_site(ui.api)
    home = site.home["uid"]
    site.update("landing", home, title="New base title")  # under the variants' own titles
    path = f"/app/stacks/{ui.api.api_key}/content-types/landing/variant-coverage"
    assert 'id="coverage-link"' in ui.http.get(ui.entries("landing")).text
    page = ui.http.get(path, params={"locale": "en-us", "environment": "production"})
    assert page.status_code == 200, page.text
    html = unescape(page.text)
    row = re.search(rf'<tr data-entry="{home}" data-locale="en-us">(.*?)</tr>', html, re.DOTALL)
    assert row, html
    cells = dict(
        re.findall(r'<td class="cell" data-variant="(\w+)">(.*?)</td>', row.group(1), re.DOTALL)
    )
    assert "stale: title" in cells[RED] and "not latest" not in cells[GREEN]
    assert "—" in cells[YELLOW].split("production")[1][:40]  # saved, never published
    base = re.search(r'<td class="base">(.*?)</td>', row.group(1), re.DOTALL)
    assert base and "v2" in base.group(1) and "not latest" in base.group(1)
    conflicts = re.search(r'<td class="conflicts">(.*?)</td>', row.group(1), re.DOTALL)
    assert conflicts and "<code>title</code>: " in conflicts.group(1)
    # Only stale rows: the plain entry (no variants) is left out.
    stale = unescape(ui.http.get(path, params=[("only", "stale"), ("locale", "en-us")]).text)
    assert f'data-entry="{home}"' in stale and f'data-entry="{site.plain["uid"]}"' not in stale
    assert 'id="only-stale" name="only" value="stale" checked' in stale
    bad = ui.http.get(path, params={"environment": "nowhere"})
    assert bad.status_code == 422


def test_the_preview_takes_a_locale(ui: UI) -> None:
    """§2: the combination is previewed in the locale chosen on the page (fr-fr: the localized
    base "Bonjour" and Red's "Rouge")."""
    site = make_variant_site(ui.api)
    path = ui.entries("landing") + f"/{site.home['uid']}/preview"
    page = ui.http.get(path, params={"locale": "fr-fr", f"pos-{RED}": "1"})
    assert page.status_code == 200
    assert '<option value="fr-fr" selected>' in page.text
    assert '<span class="value">Rouge</span>' in row(page.text, "title")
