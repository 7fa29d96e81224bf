"""No hidden O(n) in the editor (issue 11): its entry list and an entry's reference picker page in
the database (the same statements with N entries as with 4N), and an entry's page and its variant
views (and their versions pages) cost the database the same at N and 4N (tests/cost.py;
docs/scale-audit.md)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.api.test_core_flow import PAGE
from tests.api.test_scale_costs import N, Stack, compare
from tests.cost import Cost, measure
from tests.web.conftest import UI
from veneer.store import sqllist
from veneer.web import entry_page, list_views

LINKS = {
    "content_type": {
        "title": "Links",
        "uid": "links",
        "schema": [
            {"display_name": "Title", "uid": "title", "data_type": "text", "mandatory": True},
            {
                "display_name": "Pages",
                "uid": "pages",
                "data_type": "reference",
                "reference_to": ["page"],
                "field_metadata": {"ref_multiple": True},
            },
        ],
    }
}


def test_editor_pages_cost_the_same_at_n_and_4n(
    ui: UI, services: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Pages a tenth of N long, so that N entries fill them as 4N do.
    monkeypatch.setattr(list_views, "PAGE_SIZE", N // 10)
    monkeypatch.setattr(list_views, "COUNT_LIMIT", N // 2)
    # Fewer published entries than N probe them all: past PROBE (2,000 in use) the list walks
    # its sort key, as 10,000 published entries do.
    monkeypatch.setattr(sqllist, "PROBE", N // 10)
    monkeypatch.setattr(entry_page, "REFERENCE_PAGE", N // 10)
    api = ui.api
    stack = Stack(api, services, variants=True)
    api.ok(api.post("/content_types", LINKS), 201)
    env = api.ok(api.get("/environments/production"))["environment"]["uid"]
    links = "/content_types/links/entries"
    costs: dict[str, list[Cost]] = {}
    for size in (N, 4 * N):
        stack.grow(size)
        uid = stack.entry()
        link = {
            "entry": {
                "title": f"Links {size}",
                "pages": [{"uid": uid, "_content_type_uid": "page"}],
            }
        }
        link_uid = api.ok(api.post(links, link), 201)["entry"]["uid"]
        pages: dict[str, Callable[[], Any]] = {
            "entry list": lambda: ui.http.get(ui.entries("page")),
            "entry list, page 2": lambda: ui.http.get(ui.entries("page"), params={"page": "2"}),
            # Every entry is published with a variant: filters that keep most rows.
            "entry list, published": lambda: ui.http.get(
                ui.entries("page"),
                params={"status": f"published:{env}"},
            ),
            "entry list, has variants, by title": lambda: ui.http.get(
                ui.entries("page"), params={"variants": "yes", "sort": "title", "order": "asc"}
            ),
            "entry page": lambda: ui.http.get(f"{ui.entries('page')}/{uid}"),  # noqa: B023
            "variant page": lambda: ui.http.get(f"{ui.entries('page')}/{uid}/variants/red"),  # noqa: B023
            "reference picker": lambda: ui.http.get(f"{ui.entries('links')}/{link_uid}"),  # noqa: B023
            "versions": lambda: ui.http.get(f"{ui.entries('page')}/{uid}/versions"),  # noqa: B023
            "variant versions": lambda: ui.http.get(
                f"{ui.entries('page')}/{uid}/variants/red/versions"  # noqa: B023
            ),
            "variant against base": lambda: ui.http.get(
                f"{ui.entries('page')}/{uid}/variants/red/versions",  # noqa: B023
                params={"against": "base"},
            ),
            "reference search": lambda: ui.http.get(
                f"{ui.entries('page')}/choices", params={"q": "entry"}
            ),
            "reference search, page 2": lambda: ui.http.get(
                f"{ui.entries('page')}/choices", params={"q": "entry", "page": "2"}
            ),
        }
        for name, page in pages.items():
            with measure(services.store) as cost:
                assert page().status_code == 200
            costs.setdefault(name, []).append(cost)
    # The editor pages in the database: no page runs a statement per entry of the type.
    assert {name: (s.statements, l.statements) for name, (s, l) in costs.items()} == {
        name: (s.statements, s.statements) for name, (s, _) in costs.items()
    }
    # An entry's page, its variants, and the list, which counts no further than COUNT_LIMIT: no
    # read grows with the type.
    walked = ("entry list", "entry list, page 2", "entry list, published")
    for name in (*walked, "entry list, has variants, by title"):  # walked as far as a page
        small, large = costs[name]
        assert small.same_as(large), (name, small.summary(), large.summary())
    for name in (
        "entry page",
        "variant page",
        "reference picker",
        "versions",
        "variant versions",
        "variant against base",
    ):
        assert compare(name, *costs[name]) == []


def test_the_reference_picker_searches_and_pages_in_the_database(
    ui: UI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The editor page loads no entry to choose from: only the titles of the entries the field
    holds (by key). The picker's search answers one page by title, and whether more follow."""
    monkeypatch.setattr(entry_page, "REFERENCE_PAGE", 2)
    api = ui.api
    api.ok(api.post("/content_types", PAGE), 201)
    api.ok(api.post("/content_types", LINKS), 201)
    made = {}
    for title in ("Alpha", "Beta", "Gamma (draft)", "Delta"):
        body = {"entry": {"title": title}}
        made[title] = api.ok(api.post("/content_types/page/entries", body), 201)["entry"]["uid"]
    link = {"entry": {"title": "L", "pages": [{"uid": made["Delta"], "_content_type_uid": "page"}]}}
    link_uid = api.ok(api.post("/content_types/links/entries", link), 201)["entry"]["uid"]
    form = ui.http.get(f"{ui.entries('links')}/{link_uid}")
    assert form.status_code == 200
    choices = f"/app/stacks/{api.api_key}/content-types/page/entries/choices?locale=en-us"
    assert f'data-search="{choices}"' in form.text
    new = f"/app/stacks/{api.api_key}/content-types/page/entries/new?locale=en-us"
    assert f'data-new="{new}"' in form.text
    held = re.findall(r'<li class="ref-item" data-value="page:(\w+)"', form.text)
    assert held == [made["Delta"]] and '<span class="ref-title">Delta</span>' in form.text
    assert "Alpha" not in form.text  # nothing else is loaded into the page

    found = ui.http.get(choices, params={"q": "gamma (d"})
    assert found.status_code == 200 and found.headers["content-type"] == "application/json"
    value = f"page:{made['Gamma (draft)']}"
    assert found.json() == {
        "choices": [{"value": value, "label": "Gamma (draft)"}],
        "page": 1,
        "more": False,
    }
    first = ui.http.get(choices).json()
    assert [c["label"] for c in first["choices"]] == ["Alpha", "Beta"] and first["more"] is True
    second = ui.http.get(choices, params={"page": "2"}).json()
    assert [c["label"] for c in second["choices"]] == ["Delta", "Gamma (draft)"]
    assert second["more"] is False
    signed_out = UI(ui.http, api)
    assert signed_out.http.get(choices).status_code in (302, 303)


def test_the_entry_list_counts_no_further_than_its_limit(
    ui: UI, services: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(list_views, "PAGE_SIZE", 2)
    monkeypatch.setattr(list_views, "COUNT_LIMIT", 3)
    stack = Stack(ui.api, services)
    for _ in range(5):
        stack.entry()
    first = ui.http.get(ui.entries("page")).text
    assert "More than 3 entries" in first and 'rel="next"' in first
    assert re.search(r"<span>Page 1</span>", first)
    last = ui.http.get(ui.entries("page"), params={"page": "3"}).text
    assert "More than 3 entries" in last and 'rel="next"' not in last  # one entry: the last page
    monkeypatch.setattr(list_views, "COUNT_LIMIT", 10)
    exact = ui.http.get(ui.entries("page")).text
    assert "5 entries" in exact and "Page 1 of 3" in exact


def test_the_schema_editor_costs_the_same_at_n_and_4n(ui: UI, services: Any) -> None:
    """The content type editor's pages, and its check of the fields a save drops (one probe of
    the field-value index per dropped path and locale), read no entry: the same statements and
    steps with N entries as with 4N, and no scan of a content table."""
    api = ui.api
    stack = Stack(api, services)
    path = f"/app/stacks/{api.api_key}/content-types/page/schema"
    stored = api.ok(api.get("/content_types/page"))["content_type"]
    # Drop `views` (every entry holds one) and `body` (none does).
    kept = [f for f in stored["schema"] if f["uid"] not in ("views", "body")]
    doc = {"title": stored["title"], "options": stored["options"], "schema": kept}
    costs: dict[str, list[Cost]] = {}
    for size in (N, 4 * N):
        stack.grow(size)
        page = ui.http.get(path)
        token = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert token
        form = {"csrf": token.group(1), "content_type": json.dumps(doc)}
        steps: dict[str, Callable[[], Any]] = {
            "schema page": lambda: ui.http.get(path),
            "dropping check": lambda: ui.http.post(path, data=form),  # noqa: B023
        }
        for name, step in steps.items():
            # A probe is bound to one dropped path, and stops at its first row (LIMIT 1).
            with measure(services.store, keys={"path"}) as cost:
                status = step().status_code
            assert status == (409 if name == "dropping check" else 200)
            costs.setdefault(name, []).append(cost)
    for name, (small, large) in costs.items():
        assert small.same_as(large), (name, small.summary(), large.summary())
        assert large.scans == [], (name, large.scans)
    assert api.ok(api.get("/content_types/page"))["content_type"]["_version"] == 1
