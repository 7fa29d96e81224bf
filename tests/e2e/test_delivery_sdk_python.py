"""The official Python delivery SDK (`contentstack` 2.8.0) against a real `veneer serve` process.

The SDK's endpoint is https-only; clients.md §1 gives the recipe: set
`stack.http_instance.endpoint` before building content types, entries or queries (they copy it).
The site is built through the in-process app on the same database the server reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import contentstack  # type: ignore[import-untyped]
import pytest
from contentstack.basequery import QueryOperation  # type: ignore[import-untyped]
from starlette.testclient import TestClient

from tests.api.test_delivery import Site, make_site
from tests.api.test_delivery_variants import (
    BLUE,
    G1,
    G2,
    GREEN,
    RED,
    SEED,
    VariantSite,
    make_variant_site,
)
from tests.conftest import new_user
from veneer.services.context import Services

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def site(services: Services, client: TestClient) -> Iterator[Site]:
    api = new_user(services, client)
    api.api_key = api.ok(
        api.post("/stacks", {"stack": {"name": "SDK", "master_locale": "en-us"}}), 201
    )["stack"]["api_key"]
    yield make_site(api)


def sdk(
    server: str, site: Site, env: str = "production", token: str | None = None
) -> contentstack.Stack:
    stack = contentstack.Stack(site.api_key, token or site.tokens[env], env, host=server)
    stack.http_instance.endpoint = f"http://{server}/v3"
    return stack


def test_fetch_single_entry(server: str, site: Site) -> None:
    uid = site.pages[1]["uid"]
    body = sdk(server, site).content_type("page").entry(uid).fetch()
    entry = body["entry"]
    assert entry["uid"] == uid and entry["title"] == "Page 1" and entry["views"] == 1
    assert entry["publish_details"]["environment"] == site.envs["production"]


def test_find_lists_published_entries(server: str, site: Site) -> None:
    body = sdk(server, site).content_type("page").query().include_count().find()
    assert body["count"] == 4
    assert sorted(e["title"] for e in body["entries"]) == ["Page 0", "Page 1", "Page 2", "Page 3"]


def test_queries(server: str, site: Site) -> None:
    page = sdk(server, site).content_type("page")
    equal = page.query().where("title", QueryOperation.EQUALS, fields=["Page 2"]).find()
    assert [e["title"] for e in equal["entries"]] == ["Page 2"]
    ranged = (
        page.query()
        .where("views", QueryOperation.IS_GREATER_THAN_OR_EQUAL, fields=2)
        .order_by_ascending("views")
        .find()
    )
    assert [e["title"] for e in ranged["entries"]] == ["Page 2", "Page 3"]
    some = (
        page.query()
        .where("views", QueryOperation.INCLUDES, fields=[0, 3])
        .order_by_descending("views")
        .limit(1)
        .find()
    )
    assert [e["title"] for e in some["entries"]] == ["Page 3"]
    paged = page.query().order_by_ascending("views").skip(1).limit(2).find()
    assert [e["views"] for e in paged["entries"]] == [1, 2]


def test_locale_with_fallback(server: str, site: Site) -> None:
    page = sdk(server, site).content_type("page")
    zero, one = site.pages[0]["uid"], site.pages[1]["uid"]
    assert page.entry(zero).locale("fr-fr").fetch()["entry"]["title"] == "Bonjour"
    german = page.entry(zero).locale("de-de").include_fallback().fetch()["entry"]
    assert german["title"] == "Bonjour" and german["locale"] == "fr-fr"
    english = page.entry(one).locale("fr-fr").include_fallback().fetch()["entry"]
    assert english["title"] == "Page 1" and english["locale"] == "en-us"
    missing = page.entry(one).locale("fr-fr").fetch()
    assert missing["error_code"] == 141 and "entry" not in missing
    listed = page.query().locale("de-de").include_fallback().order_by_ascending("views").find()
    assert [e["locale"] for e in listed["entries"]] == ["fr-fr", "en-us", "en-us", "en-us"]


def test_include_reference(server: str, site: Site) -> None:
    uid = site.pages[0]["uid"]
    entry = (
        sdk(server, site)
        .content_type("page")
        .entry(uid)
        .include_reference(["author", "author.company"])
        .fetch()["entry"]
    )
    assert [a["title"] for a in entry["author"]] == ["Ada"]
    assert entry["author"][0]["company"][0]["title"] == "Acme"
    listed = sdk(server, site).content_type("page").query().include_reference("author").find()
    assert all(e["author"][0]["title"] == "Ada" for e in listed["entries"])


def test_projection_and_content_type(server: str, site: Site) -> None:
    uid = site.pages[2]["uid"]
    only = sdk(server, site).content_type("page").entry(uid).only("title").fetch()["entry"]
    assert only == {"uid": uid, "title": "Page 2"}
    body: dict[str, Any] = (
        sdk(server, site).content_type("page").entry(uid).include_content_type().fetch()
    )
    assert body["content_type"]["uid"] == "page"
    assert sdk(server, site).content_type("page").fetch()["content_type"]["title"] == "Page"
    assert [c["uid"] for c in sdk(server, site).content_type().find()["content_types"]] == [
        "company",
        "author",
        "page",
    ]


def test_wrong_environment_or_token_gets_json_errors(server: str, site: Site) -> None:
    uid = site.pages[0]["uid"]
    foreign = (
        sdk(server, site, env="production", token=site.tokens["staging"])
        .content_type("page")
        .entry(uid)
        .fetch()
    )
    assert foreign["error_code"] == 109 and "entry" not in foreign
    unknown = sdk(server, site, token="cs" + "0" * 24).content_type("page").query().find()
    assert unknown["error_code"] == 109 and "entries" not in unknown
    # Staging sees nothing published to production.
    assert sdk(server, site, env="staging").content_type("page").query().find()["entries"] == []


# -- entry variants (issue 5) --------------------------------------------------------------------
@pytest.fixture(scope="module")
def vsite(services: Services, client: TestClient) -> VariantSite:
    api = new_user(services, client)
    api.api_key = api.ok(
        api.post("/stacks", {"stack": {"name": "SDK variants", "master_locale": "en-us"}}), 201
    )["stack"]["api_key"]
    return make_variant_site(api)


def test_entry_variants_fetch(server: str, vsite: VariantSite) -> None:
    landing = sdk(server, vsite).content_type("landing")
    entry = landing.entry(vsite.home["uid"]).variants([RED, GREEN, BLUE]).fetch()["entry"]
    assert (
        entry["uid"] == vsite.home["uid"] and entry["title"] == "Red" and entry["url"] == "/green"
    )
    assert (
        entry["seo"]["meta_title"] == "Red SEO" and entry["seo"]["social"]["og_title"] == "Green OG"
    )
    assert [(g["_metadata"]["uid"], g["single_line"], g["multi_line"]) for g in entry["group"]] == [
        (G1, "Red 1", "Base 1 Multi"),
        (G2, "Blue 2", "Green 2 Multi"),
    ]
    assert list(entry["publish_details"]["variants"]) == [
        RED,
        GREEN,
        BLUE,
    ]  # what the SDK's own tests check
    seed = landing.entry(vsite.home["uid"]).variants(SEED).fetch()["entry"]
    assert [g["single_line"] for g in seed["group"]] == ["Variant 2", "Variant 1"] and seed[
        "title"
    ] == "Testhghghhgh"
    # Aliases; the locale reaches the server only through `params` (clients.md §3.2).
    aliased = (
        landing.entry(vsite.home["uid"])
        .variants(["cs_personalize_0_2", "cs_personalize_0_0"])
        .fetch()["entry"]
    )
    assert (
        aliased["title"] == "Blue"
        and aliased["publish_details"]["variants"][BLUE]["alias"] == "cs_personalize_0_2"
    )
    french = (
        landing.entry(vsite.home["uid"]).variants(RED, params={"locale": "fr-fr"}).fetch()["entry"]
    )
    assert french["title"] == "Rouge" and french["locale"] == "fr-fr"
    # The header does not stick to the stack: a later plain fetch is the base.
    assert landing.entry(vsite.home["uid"]).fetch()["entry"]["title"] == "Testhghghhgh"


def test_content_type_variants_find(server: str, vsite: VariantSite) -> None:
    landing = sdk(server, vsite).content_type("landing")
    body = landing.variants([BLUE, RED]).find({"include_count": "true", "asc": "views"})
    assert body["count"] == 5
    assert [e["title"] for e in body["entries"]] == [
        "Blue",
        "Red other 1",
        "Red other 2",
        "Red other 3",
        "Plain",
    ]
    assert body["entries"][0]["group"][0]["single_line"] == "Blue 2"
    assert all("variants" in e["publish_details"] for e in body["entries"])
    limited = landing.variants([RED, GREEN, BLUE, SEED]).find({"show_errors": "true"})
    assert limited["errors"][0]["code"] == "VARIANT_LIMIT_EXCEEDED"
    assert limited["errors"][0]["details"] == {"provided_count": 4, "limit": 3, "applied_count": 3}


def test_variants_with_a_token_of_another_environment(server: str, vsite: VariantSite) -> None:
    foreign = sdk(server, vsite, token=vsite.tokens["staging"]).content_type("landing")
    refused = foreign.entry(vsite.home["uid"]).variants([BLUE]).fetch()
    assert refused["error_code"] == 109 and "entry" not in refused
    assert "entries" not in foreign.variants(BLUE).find()
