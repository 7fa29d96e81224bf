"""Merged queries (issue 16 §5), on both databases: a delivery list with `x-cs-variant-uid` and
`variant_query=merged` filters and sorts the documents as served (merged with the named
variants), and merges only the entries whose named variants touch a queried field. The site is
`make_variant_site`'s (tests/api/test_delivery_variants.py): `home` has Red (title, seo, group,
author), Green (title, url, seo, group and its order) and Blue (title, url, seo, group) published
to production, Yellow never published; the three `others` have a published Red changing the title;
`plain` has no variant."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from tests.api.test_delivery import assert_error
from tests.api.test_delivery_variants import (
    BLUE,
    GREEN,
    LANDING,
    RED,
    YELLOW,
    VariantSite,
    fresh,
    vsite,
)
from tests.conftest import Api
from veneer.domain import merged_query
from veneer.domain.query import compile_query, sort_entries
from veneer.services.context import Services
from veneer.store import tables as t
from veneer.store.published import PublishedReader

__all__ = ["fresh", "vsite"]  # the fixtures, shared


def merged(site: VariantSite, header: str, query: dict[str, Any] | None = None, **kw: Any) -> Any:
    params = {"variant_query": "merged", **kw}
    if query is not None:
        params["query"] = json.dumps(query)
    return site.listed(header, **params)


def uids(body: dict[str, Any]) -> list[str]:
    return [e["uid"] for e in body["entries"]]


def test_a_variant_is_found_by_its_own_value(vsite: VariantSite) -> None:
    home = vsite.home["uid"]
    assert uids(merged(vsite, GREEN, {"url": "/green"})) == [home]
    assert uids(merged(vsite, GREEN, {"url": "/home"})) == []  # served as /green
    assert uids(vsite.listed(GREEN, query=json.dumps({"url": "/green"}))) == []  # base data
    assert uids(vsite.listed(GREEN, query=json.dumps({"url": "/home"}))) == [home]
    # Red does not change the url: the base value answers.
    assert uids(merged(vsite, RED, {"url": "/home"})) == [home]


def test_the_first_listed_variant_decides(vsite: VariantSite) -> None:
    home = vsite.home["uid"]
    assert uids(merged(vsite, f"{BLUE}, {GREEN}", {"url": "/blue"})) == [home]
    assert uids(merged(vsite, f"{BLUE}, {GREEN}", {"url": "/green"})) == []
    assert uids(merged(vsite, f"{GREEN}, {BLUE}", {"url": "/green"})) == [home]
    # Yellow is not published: its title is not served, nor found.
    assert uids(merged(vsite, YELLOW, {"title": "Yellow"})) == []


def test_a_variant_that_changes_a_reference_is_listed_under_it(vsite: VariantSite) -> None:
    """Red makes Grace the author of `home` (the others keep Ada)."""
    ada, grace = (a["uid"] for a in vsite.authors)
    home = vsite.home["uid"]
    assert uids(merged(vsite, RED, {"author.uid": grace})) == [home]
    under_ada = merged(vsite, RED, {"author.uid": ada}, include_count="true")
    assert home not in uids(under_ada) and under_ada["count"] == 3
    assert uids(vsite.listed(RED, query=json.dumps({"author.uid": grace}))) == []


def test_the_locale_and_its_fallback(vsite: VariantSite) -> None:
    """In fr-fr `home` is "Bonjour" with Red's "Rouge"; de-de falls back to fr-fr."""
    home = vsite.home["uid"]
    for code in ("fr-fr", "de-de"):
        found = merged(vsite, RED, {"title": "Rouge"}, locale=code, include_fallback="true")
        assert uids(found) == [home], code
        assert (
            uids(merged(vsite, RED, {"title": "Bonjour"}, locale=code, include_fallback="true"))
            == []
        )
    assert uids(merged(vsite, RED, {"title": "Rouge"})) == []  # en-us: "Red"


def test_sorting_and_paging_follow_the_served_values(vsite: VariantSite) -> None:
    body = merged(vsite, RED, asc="title", include_count="true")
    assert [e["title"] for e in body["entries"]] == [
        "Plain",
        "Red",
        "Red other 1",
        "Red other 2",
        "Red other 3",
    ]
    assert body["count"] == 5
    page = merged(vsite, RED, asc="title", skip=1, limit=2)
    assert [e["title"] for e in page["entries"]] == ["Red", "Red other 1"]
    base = vsite.listed(RED, asc="title")
    assert [e["title"] for e in base["entries"]][:2] == ["Red other 1", "Red other 2"]


def test_the_count_counts_the_merged_matches(vsite: VariantSite) -> None:
    red = {"title": {"$regex": "^Red"}}
    body = merged(vsite, RED, red, include_count="true")
    assert body["count"] == 4 and len(body["entries"]) == 4
    assert merged(vsite, GREEN, red, include_count="true") == {"entries": [], "count": 0}
    moved = merged(vsite, GREEN, {"url": {"$in": ["/home", "/green"]}}, include_count="true")
    assert moved["count"] == 1


@pytest.mark.parametrize(
    ("header", "query", "sort"),
    [
        (f"{RED}, {GREEN}", {"title": {"$regex": "e"}}, {"desc": "title"}),
        (f"{GREEN}, {RED}", {"$or": [{"url": "/green"}, {"views": {"$gte": 2}}]}, {"asc": "url"}),
        (BLUE, {"seo.meta_title": {"$exists": True}}, {"asc": "seo.meta_title"}),
        (f"{BLUE}, {RED}", {"group.single_line": "Blue 2"}, {}),
        (f"{RED}, ghost", None, {"desc": "views"}),
        (GREEN, {"url": {"$ne": "/home"}}, {"desc": "url"}),
        (f"{BLUE}, {GREEN}, {RED}", {"title": {"$in": ["Blue", "Red other 2", "Plain"]}}, {}),
        (f"{GREEN}, {BLUE}", {"url": {"$exists": True}, "views": {"$lt": 3}}, {"asc": "url"}),
    ],
)
def test_merged_lists_equal_the_oracle_over_served_documents(
    vsite: VariantSite, header: str, query: dict[str, Any] | None, sort: dict[str, str]
) -> None:
    """Every entry read one by one as served, filtered and sorted by `domain.query`: the same
    list, page by page."""
    every = [vsite.home, vsite.plain, *vsite.others]
    served = [vsite.variant(header, uid=e["uid"]) for e in every]
    matching = [doc for doc in served if query is None or compile_query(query)(doc)]
    by_uid = sorted(matching, key=lambda doc: str(doc["uid"]))
    expected = [d["uid"] for d in sort_entries(by_uid, sort.get("asc"), sort.get("desc"))]
    for skip in range(0, len(every) + 1, 2):
        page = merged(vsite, header, query, skip=skip, limit=2, include_count="true", **sort)
        assert uids(page) == expected[skip : skip + 2] and page["count"] == len(expected)


def test_only_entries_whose_variants_touch_the_query_are_merged(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Green changes the url of `home` only; Red changes titles: a url query reads home's patches
    and the page's, never the other entries' Red patches."""
    from tests.api.test_delivery_variants import make_variant_site

    site = make_variant_site(api)
    asked: list[list[str]] = []
    real = PublishedReader.published_variants

    def spy(self: PublishedReader, stack: str, env: str, entries: Any, *rest: Any) -> Any:
        asked.append(sorted(entries))
        return real(self, stack, env, entries, *rest)

    monkeypatch.setattr(PublishedReader, "published_variants", spy)
    body = merged(site, f"{RED}, {GREEN}", {"url": "/green"})
    assert uids(body) == [site.home["uid"]] and body["entries"][0]["title"] == "Red"
    assert asked == [[site.home["uid"]], [site.home["uid"]]]  # to match, then to serve
    asked.clear()
    assert len(merged(site, GREEN, {"views": {"$gte": 1}})["entries"]) == 4
    assert asked == [sorted([site.plain["uid"], *(o["uid"] for o in site.others)])]  # serve only


def test_unpublishing_and_republishing_keep_the_fields_current(fresh: VariantSite) -> None:
    home = fresh.home["uid"]
    fresh.publish_variants(home, [GREEN], unpublish=True)
    assert uids(merged(fresh, GREEN, {"url": "/green"})) == []
    fresh.put_variant(home, GREEN, {"url": "/green-again"})
    fresh.publish_variants(home, [GREEN])
    assert uids(merged(fresh, GREEN, {"url": "/green-again"})) == [home]
    rebase = f"/content_types/landing/entries/{home}/variants/{BLUE}/rebase"
    fresh.api.ok(fresh.api.post(rebase, {"revert": ["url"]}))  # Blue stops changing the url
    assert uids(merged(fresh, BLUE, {"url": "/home"})) == []  # until it is published
    fresh.publish_variants(home, [BLUE])
    assert uids(merged(fresh, BLUE, {"url": "/home"})) == [home]
    fresh.api.ok(fresh.api.delete(f"/content_types/landing/entries/{home}/variants/{GREEN}"))
    assert uids(merged(fresh, GREEN, {"url": "/green-again"})) == []


def test_a_bad_value_is_a_422_and_base_is_the_default(vsite: VariantSite) -> None:
    response = vsite.get(
        "/content_types/landing/entries",
        headers={"x-cs-variant-uid": GREEN},
        variant_query="served",
    )
    assert list(assert_error(response, 422)["errors"]) == ["variant_query"]
    query = json.dumps({"url": "/home"})
    base = vsite.listed(GREEN, query=query, variant_query="base")
    assert base == vsite.listed(GREEN, query=query)
    plain = vsite.ok("/content_types/landing/entries", variant_query="merged", query=query)
    assert uids(plain) == [vsite.home["uid"]]  # no header: nothing to merge


def test_queried_fields() -> None:
    where = {"$or": [{"url": "x"}, {"$and": [{"seo.meta_title": 1}]}], "group.single_line": 2}
    assert merged_query.queried_fields(where, None, None) == [
        "group",
        "seo",
        "updated_at",
        "url",
    ]
    assert merged_query.queried_fields(None, "title", "views") == ["title"]
    assert merged_query.queried_fields({}, None, "seo.meta_title") == ["seo"]


def field_rows(services: Services, site: VariantSite) -> set[tuple[str, str, str, str, str]]:
    """(entry, variant, locale, environment name, field) of the stack's `variant_fields`."""
    f = t.variant_fields
    names = {uid: name for name, uid in site.envs.items()}
    with services.store.engine.connect() as conn:
        rows = conn.execute(
            select(f.c.entry, f.c.variant, f.c.locale, f.c.environment, f.c.field).where(
                f.c.stack == site.api_key
            )
        )
        return {(e, v, code, names.get(env, env), field) for e, v, code, env, field in rows}


def test_every_way_of_unpublishing_drops_the_rows(services: Services, fresh: VariantSite) -> None:
    home, other = fresh.home["uid"], fresh.others[0]["uid"]
    rows = field_rows(services, fresh)
    assert {r for r in rows if r[0] == other} == {(other, RED, "en-us", "production", "title")}
    # Blue is published in en-us to both environments, and in fr-fr (from en-us) to production.
    assert {r for r in rows if r[1] == BLUE} == {
        (home, BLUE, code, env, field)
        for code, env in (("en-us", "production"), ("en-us", "staging"), ("fr-fr", "production"))
        for field in ("group", "seo", "title", "url")
    }
    assert (home, RED, "fr-fr", "production", "title") in rows
    fresh.api.ok(fresh.api.delete(f"/environments/{fresh.envs['staging']}"))
    assert not {r for r in field_rows(services, fresh) if r[3] == "staging"}
    fresh.api.ok(fresh.api.put("/locales/de-de", {"locale": {"fallback_locale": "en-us"}}))
    fresh.api.ok(fresh.api.delete("/locales/fr-fr"))
    assert not {r for r in field_rows(services, fresh) if r[2] == "fr-fr"}
    fresh.api.ok(fresh.api.delete(f"/content_types/landing/entries/{other}"))
    assert not {r for r in field_rows(services, fresh) if r[0] == other}
    fresh.api.ok(fresh.api.delete("/content_types/landing"))
    assert field_rows(services, fresh) == set()
    fresh.api.ok(fresh.api.post("/content_types", LANDING), 201)  # for the stack delete below
    fresh.api.ok(fresh.api.delete("/stacks"))
    assert field_rows(services, fresh) == set()
