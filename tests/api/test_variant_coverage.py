"""The variant coverage report (issue 16 §6), on both databases:
`GET /v3/content_types/{ct}/variant_coverage` pages a content type's entries by uid and answers,
per entry and locale, the base and each entry variant with published version against latest per
environment, stale overrides, no-op overrides and paths several variants override; `only`,
`locale` and `environment` filter. The site is `make_variant_site`'s (test_delivery_variants.py):
`home` has Red (saved twice), Green, Blue, Seed and Yellow in en-us and Red in fr-fr, all but
Yellow published to production in en-us and fr-fr, Blue to staging too; three `others` have a
published Red; `plain` has none."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.test_delivery import assert_error
from tests.api.test_delivery_variants import (
    BLUE,
    G1,
    G2,
    GREEN,
    RED,
    SEED,
    YELLOW,
    VariantSite,
    fresh,
    vsite,
)
from tests.api.test_scale_costs import ENTRIES, Stack, same_cost_at_n_and_4n
from tests.conftest import Api
from veneer.domain.variants import noop_paths
from veneer.services.context import Services

__all__ = ["fresh", "vsite"]  # the fixtures, shared

COVERAGE = "/content_types/landing/variant_coverage"


def coverage(site: VariantSite, **params: Any) -> dict[str, Any]:
    response = site.api.get(COVERAGE, params=params)
    assert response.status_code == 200, response.text
    return dict(response.json()["variant_coverage"])


def row(report: dict[str, Any], uid: str, locale: str = "en-us") -> dict[str, Any]:
    found = [r for r in report["entries"] if r["uid"] == uid and r["locale"] == locale]
    assert len(found) == 1, report["entries"]
    return dict(found[0])


def cells(one: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {cell["uid"]: cell for cell in one["variants"]}


def all_uids(site: VariantSite) -> list[str]:
    return sorted([site.home["uid"], site.plain["uid"], *(o["uid"] for o in site.others)])


def test_a_page_has_each_entry_in_each_locale(vsite: VariantSite) -> None:
    report = coverage(vsite)
    assert [(r["uid"], r["locale"]) for r in report["entries"]] == sorted(
        [(uid, "en-us") for uid in all_uids(vsite)] + [(vsite.home["uid"], "fr-fr")]
    )
    assert report["content_type"] == "landing" and report["next"] is None
    assert [e["name"] for e in report["environments"]] == ["production", "staging"]
    assert [v["uid"] for v in report["variants"]] == [RED, GREEN, BLUE, YELLOW, SEED]


def test_published_versions_against_the_latest(vsite: VariantSite) -> None:
    prod, staging = vsite.envs["production"], vsite.envs["staging"]
    home = row(coverage(vsite), vsite.home["uid"])
    assert (home["_version"], home["published"]) == (1, {prod: 1, staging: 1})  # with Blue
    by_uid = cells(home)
    assert list(by_uid) == [SEED, YELLOW, RED, GREEN, BLUE]  # by variant uid
    assert by_uid[RED]["_version"] == 2 and by_uid[RED]["published"] == {prod: 2, staging: None}
    assert by_uid[BLUE]["published"] == {prod: 1, staging: 1}
    assert by_uid[YELLOW]["published"] == {prod: None, staging: None}
    french = row(coverage(vsite), vsite.home["uid"], "fr-fr")
    assert [(c["uid"], c["published"][prod]) for c in french["variants"]] == [(RED, 1)]
    plain = row(coverage(vsite), vsite.plain["uid"])
    assert plain["variants"] == [] and plain["conflicts"] == {}


def test_paths_several_variants_override(vsite: VariantSite) -> None:
    home = row(coverage(vsite), vsite.home["uid"])
    assert home["conflicts"] == {
        f"group.{G2}.single_line": [SEED, BLUE],
        f"group.{G2}.multi_line": [SEED, GREEN],
        f"group.{G1}.single_line": [SEED, RED, GREEN],
        "title": [YELLOW, RED, GREEN, BLUE],
        "seo.meta_title": [RED, BLUE],
        "url": [GREEN, BLUE],
        "group": [GREEN, BLUE],
    }
    assert all(not c["stale"] and not c["noop"] for c in home["variants"])


def test_a_base_that_moves_makes_stale_and_noop_overrides(fresh: VariantSite) -> None:
    """The base takes Green's url and a new title: every title override is stale, Green's and
    Blue's url overrides are stale, and Green's url now changes nothing."""
    fresh.update("landing", fresh.home["uid"], url="/green", title="Moved")
    by_uid = cells(row(coverage(fresh), fresh.home["uid"]))
    assert by_uid[GREEN]["stale"] == ["title", "url"] and by_uid[GREEN]["noop"] == ["url"]
    assert by_uid[BLUE]["stale"] == ["title", "url"] and by_uid[BLUE]["noop"] == []
    assert by_uid[RED]["stale"] == ["title"] and by_uid[SEED]["stale"] == []
    assert by_uid[GREEN]["_base_entry_version"] == 1


def test_only_keeps_the_matching_cells(fresh: VariantSite) -> None:
    fresh.update("landing", fresh.home["uid"], url="/green")
    home = fresh.home["uid"]
    stale = coverage(fresh, only="stale")
    assert [(r["uid"], [c["uid"] for c in r["variants"]]) for r in stale["entries"]] == [
        (home, [GREEN, BLUE])
    ]
    noop = coverage(fresh, only="noop")["entries"]
    assert [[c["uid"] for c in r["variants"]] for r in noop] == [[GREEN]]
    both = coverage(fresh, only="noop,stale")["entries"]
    assert [[c["uid"] for c in r["variants"]] for r in both] == [[GREEN, BLUE]]
    conflicts = coverage(fresh, only="conflicts", locale="en-us")["entries"]
    assert [(r["uid"], len(r["variants"])) for r in conflicts] == [(home, 5)]


def test_unpublished_follows_the_environment_filter(vsite: VariantSite) -> None:
    """In production only Yellow is not published at its latest version; over every environment
    each cell not on staging counts too."""
    prod = coverage(vsite, only="unpublished", environment="production")
    assert [e["name"] for e in prod["environments"]] == ["production"]
    assert [
        (r["uid"], r["locale"], [c["uid"] for c in r["variants"]]) for r in prod["entries"]
    ] == [(vsite.home["uid"], "en-us", [YELLOW])]
    assert row(prod, vsite.home["uid"])["published"] == {vsite.envs["production"]: 1}
    everywhere = coverage(vsite, only="unpublished", locale="en-us")["entries"]
    assert sorted(r["uid"] for r in everywhere) == sorted(
        [vsite.home["uid"], *(o["uid"] for o in vsite.others)]
    )
    assert BLUE not in cells(row({"entries": everywhere}, vsite.home["uid"]))


def test_locale_filter(vsite: VariantSite) -> None:
    french = coverage(vsite, locale="fr-fr")["entries"]
    assert [(r["uid"], r["locale"]) for r in french] == [(vsite.home["uid"], "fr-fr")]
    assert coverage(vsite, locale="de-de")["entries"] == []


def test_pages_by_key_and_by_offset(vsite: VariantSite) -> None:
    uids = all_uids(vsite)
    seen: list[str] = []
    after = ""
    while True:
        page = coverage(vsite, limit=2, after=after, locale="en-us")
        seen += [r["uid"] for r in page["entries"]]
        if page["next"] is None:
            break
        assert page["next"] == seen[-1]
        after = page["next"]
    assert seen == uids
    skipped = coverage(vsite, skip=3, limit=1, locale="en-us")
    assert [r["uid"] for r in skipped["entries"]] == [uids[3]] and skipped["next"] == uids[3]
    assert coverage(vsite, skip=5, locale="en-us")["entries"] == []


@pytest.mark.parametrize(
    ("params", "key"),
    [
        ({"only": "stale,everything"}, "only"),
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"skip": "-1"}, "skip"),
        ({"skip": "10001"}, "skip"),
        ({"environment": "nowhere"}, "environment"),
        ({"locale": "xx-xx"}, "locale"),
        ({"after": "x" * 65}, "after"),
    ],
)
def test_bad_parameters_are_422s(vsite: VariantSite, params: dict[str, str], key: str) -> None:
    body = assert_error(vsite.api.get(COVERAGE, params=params), 422)
    assert list(body["errors"]) == [key]


def test_an_unknown_type_and_a_delivery_token_are_refused(vsite: VariantSite) -> None:
    missing = assert_error(vsite.api.get("/content_types/nothing/variant_coverage"), 422)
    assert missing["error_code"] == 118
    as_delivery = vsite.api.client.get(
        f"/v3{COVERAGE}",
        headers={"api_key": vsite.api_key, "access_token": vsite.tokens["production"]},
    )
    assert assert_error(as_delivery, 401)["error_code"] == 105


def test_noop_paths_in_the_domain() -> None:
    schema = [
        {"uid": "title", "data_type": "text"},
        {
            "uid": "group",
            "data_type": "group",
            "multiple": True,
            "schema": [{"uid": "t", "data_type": "text"}],
        },
    ]
    base = {"title": "Same", "group": [{"t": "a", "_metadata": {"uid": "g1"}}]}
    stored = {
        "system": {"variant": "v"},
        "fields": {
            "title": "Same",
            "group": [
                {"t": "a", "_metadata": {"uid": "g1"}},
                {"t": "b", "_metadata": {"uid": "n"}},
            ],
        },
        "change_set": ["title", "group.g1.t", "group.n"],
        "order": [{"group": ["base.g1", "n"]}],
    }
    # The added instance and the order that places it change what is served; the rest do not.
    assert noop_paths(schema, base, stored) == ["title", "group.g1.t"]


def test_the_report_costs_the_same_at_n_and_4n(api: Api, services: Services) -> None:
    stack = Stack(api, services, variants=True)
    path = ENTRIES.replace("/entries", "/variant_coverage")
    same_cost_at_n_and_4n(
        stack,
        {
            "first page": lambda uid: api.ok(api.get(path, params={"limit": 3})),
            # Uids are "blt" and 16 hex digits: almost all of them sort after "blt1", so the page
            # is full at N and at 4N (after a random entry's uid it could run short).
            "page after a key": lambda uid: api.ok(
                api.get(path, params={"limit": 3, "after": "blt1", "only": "stale,unpublished"})
            ),
            "one locale, one environment": lambda uid: api.ok(
                api.get(
                    path,
                    params={"limit": 2, "locale": "en-us", "environment": "production"},
                )
            ),
        },
    )
