"""CDN cache tags, per-stack Cache-Control and CORS on the delivery API (issue 15, parts 3 and 4),
on both databases; and, without a database, that the tags a change purges are exactly what the
process cache drops for it."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.api.test_assets import ARTICLE, Stage, png, upload
from tests.api.test_delivery import Site, assert_error, make_site
from tests.api.test_delivery_variants import GREEN, RED, VariantSite, make_variant_site
from tests.conftest import Api, new_user
from veneer.api.delivery import tags
from veneer.api.delivery.cache import (
    Cached,
    DeliveryCache,
    asset_dep,
    entry_dep,
    entry_variants_dep,
    list_dep,
    stack_dep,
    variant_dep,
    variant_list_dep,
)
from veneer.api.delivery.cors import ALLOW_HEADERS
from veneer.api.delivery.policy import server_policy
from veneer.app import create_app
from veneer.services.context import Services
from veneer.settings import ConfigError, Settings

SITE_ORIGIN = "https://site.example"
EDGE = "public, max-age=0, s-maxage=600, stale-while-revalidate=60"


def new_stack(services: Services, client: TestClient, name: str) -> Api:
    api = new_user(services, client)
    api.api_key = api.ok(
        api.post("/stacks", {"stack": {"name": name, "master_locale": "en-us"}}), 201
    )["stack"]["api_key"]
    return api


@pytest.fixture(scope="module")
def site(services: Services, client: TestClient) -> Iterator[Site]:
    yield make_site(new_stack(services, client, "CDN"))


@pytest.fixture(scope="module")
def vsite(services: Services, client: TestClient) -> Iterator[VariantSite]:
    yield make_variant_site(new_stack(services, client, "CDN variants"))


def keys(response: Any) -> list[str]:
    """The Surrogate-Key tags, after checking that Cache-Tag names the same ones."""
    named = response.headers["surrogate-key"].split(" ")
    assert response.headers["cache-tag"].split(",") == named
    return named


def set_settings(api: Api, **values: Any) -> dict[str, Any]:
    body = api.ok(api.post("/stacks/settings", {"stack_settings": values}))
    assert body["notice"] == "Stack settings updated successfully."
    return body["stack_settings"]


@pytest.fixture
def stage(api: Api) -> Stage:
    return Stage(api)


# -- cache tags --------------------------------------------------------------------------------
def test_an_entry_names_the_entries_it_expanded(site: Site) -> None:
    k, page = site.api_key, site.pages[1]["uid"]
    path = f"/content_types/page/entries/{page}"
    params = {"include[]": ["author", "author.company"]}
    expected = [
        f"s:{k}",
        f"e:{k}:{page}",
        f"e:{k}:{site.author['uid']}",
        f"e:{k}:{site.ghost['uid']}",  # never published: publishing it changes this answer
        f"e:{k}:{site.company['uid']}",
    ]
    first = site.get(path, params=params)
    assert first.status_code == 200 and keys(first) == expected
    again = site.get(path, params=params)  # from the process cache, through the fast path
    assert keys(again) == expected
    revalidated = site.get(path, params=params, headers={"If-None-Match": first.headers["etag"]})
    assert revalidated.status_code == 304 and keys(revalidated) == expected
    assert revalidated.headers["cache-control"] == "no-cache"


def test_a_list_names_its_content_type_and_what_it_expanded(site: Site) -> None:
    k = site.api_key
    plain = site.get("/content_types/page/entries")
    assert keys(plain) == [f"s:{k}", f"ct:{k}:page"]
    expanded = site.get("/content_types/page/entries", params={"include[]": ["author"]})
    assert keys(expanded) == [
        f"s:{k}",
        f"ct:{k}:page",
        f"e:{k}:{site.author['uid']}",
        f"e:{k}:{site.ghost['uid']}",
    ]


def test_content_types_name_their_stack(site: Site) -> None:
    assert keys(site.get("/content_types")) == [f"s:{site.api_key}"]
    assert keys(site.get("/content_types/page")) == [f"s:{site.api_key}"]


def test_a_variant_read_names_the_variants_it_applied(vsite: VariantSite) -> None:
    k, home = vsite.api_key, vsite.home["uid"]
    for header in (f"{RED}, {GREEN}", f"{RED},{GREEN}"):  # the second lands on the same merge
        response = vsite.get(vsite.path(), headers={"x-cs-variant-uid": header})
        assert keys(response) == [
            f"s:{k}",
            f"e:{k}:{home}",
            f"v:{k}:{home}",
            f"v:{k}:{home}:{RED}",
            f"v:{k}:{home}:{GREEN}",
        ]


def test_a_variant_list_names_each_applied_variant(vsite: VariantSite) -> None:
    k = vsite.api_key
    response = vsite.get("/content_types/landing/entries", headers={"x-cs-variant-uid": RED})
    entries = response.json()["entries"]
    applied = [e["uid"] for e in entries if RED in e["publish_details"].get("variants", {})]
    assert len(applied) == 4  # home and the three others; plain has no variant
    assert keys(response) == [
        f"s:{k}",
        f"ct:{k}:landing",
        f"cv:{k}:landing",
        *(f"v:{k}:{uid}:{RED}" for uid in applied),
    ]


def test_assets_are_named_where_they_are_read_or_embedded(stage: Stage) -> None:
    api, k = stage.api, stage.api.api_key
    api.ok(api.post("/content_types", ARTICLE), 201)
    hero = upload(api, png(), "hero.png")["asset"]
    stage.publish_asset(hero["uid"])
    article = api.ok(
        api.post("/content_types/article/entries", {"entry": {"title": "A", "hero": hero["uid"]}}),
        201,
    )["entry"]
    stage.publish_entry("article", article["uid"])
    read = stage.deliver(f"/content_types/article/entries/{article['uid']}")
    assert read.json()["entry"]["hero"]["uid"] == hero["uid"]
    assert keys(read) == [f"s:{k}", f"e:{k}:{article['uid']}", f"a:{k}:{hero['uid']}"]
    assert keys(stage.deliver(f"/assets/{hero['uid']}")) == [f"s:{k}", f"a:{k}:{hero['uid']}"]
    listed = stage.deliver("/assets")
    assert keys(listed) == [f"s:{k}", f"ct:{k}:sys_assets"]
    again = api.client.get(
        "/v3/assets",
        params={"environment": "production"},
        headers={
            "api_key": k,
            "access_token": stage.token,
            "If-None-Match": listed.headers["etag"],
        },
    )
    assert again.status_code == 304 and keys(again) == [f"s:{k}", f"ct:{k}:sys_assets"]


# -- what a change purges, against the process cache (no database) -------------------------------
S, ENV = "bltstack", "bltenv"
RESPONSES: dict[str, tuple[tuple[str, ...], ...]] = {
    "page X": (stack_dep(S), entry_dep(S, ENV, "X")),
    "page Y expanding X": (stack_dep(S), entry_dep(S, ENV, "Y"), entry_dep(S, ENV, "X")),
    "list of page": (stack_dep(S), list_dep(S, ENV, "page")),
    "list of blog": (stack_dep(S), list_dep(S, ENV, "blog")),
    "X with variants": (
        stack_dep(S),
        entry_dep(S, ENV, "X"),
        entry_variants_dep(S, ENV, "X"),
        variant_dep(S, ENV, "X", "red"),
    ),
    "page list with variants": (
        stack_dep(S),
        list_dep(S, ENV, "page"),
        variant_list_dep(S, ENV, "page"),
        variant_dep(S, ENV, "X", "red"),
    ),
    "Y embedding asset A": (stack_dep(S), entry_dep(S, ENV, "Y"), asset_dep(S, ENV, "A")),
    "asset A": (stack_dep(S), asset_dep(S, ENV, "A")),
    "assets": (stack_dep(S), list_dep(S, ENV, "sys_assets")),
    "other stack": (stack_dep("other"), entry_dep("other", ENV, "X")),
}
CHANGES = [  # (stack, environment, entry, variant, content type)
    (S, ENV, "X", "", "page"),
    (S, ENV, "X", "red", "page"),
    (S, ENV, "X", "blue", "page"),
    (S, ENV, "Z", "", "blog"),
    (S, ENV, "A", "", "sys_assets"),
    (S, "", "", "", ""),
]


@pytest.mark.parametrize("change", CHANGES, ids=lambda c: "/".join(p or "-" for p in c))
def test_a_change_purges_the_same_answers_from_a_cdn_and_the_process_cache(
    change: tuple[str, str, str, str, str],
) -> None:
    cache = DeliveryCache(True, 100)
    for name, deps in RESPONSES.items():
        cache.put(name, Cached.of(name.encode(), deps))
    kept_before = {name: cache.get(name) for name in RESPONSES}
    cache.purge([change])
    dropped = {name for name in RESPONSES if cache.get(name) is None}
    stack, _environment, entry, variant, content_type = change
    purged = set(tags.purge_tags(stack, entry, variant, content_type))
    tagged = {
        name: set(dict(response.headers)[b"surrogate-key"].decode().split(" "))
        for name, response in kept_before.items()
        if response is not None
    }
    assert {name for name, named in tagged.items() if named & purged} == dropped


def test_tags_beyond_the_cap_fall_back_to_broader_ones() -> None:
    entries = [entry_dep(S, ENV, f"blt{n:016x}") for n in range(400)]
    variants = [variant_dep(S, ENV, f"blt{n:016x}", f"cs{n:016x}") for n in range(400)]
    base = [stack_dep(S), list_dep(S, ENV, "page"), variant_list_dep(S, ENV, "page")]
    without_names = tags.tags_of([*base, *entries[:100], *variants])
    assert without_names == [f"s:{S}", f"ct:{S}:page", f"cv:{S}:page"] + [
        f"e:{S}:blt{n:016x}" for n in range(100)
    ]
    cut = tags.tags_of([*base, *entries, *variants])
    assert cut == [f"s:{S}", f"ct:{S}:page", f"cv:{S}:page", f"x:{S}"]
    surrogate_key, cache_tag = tags.header_values([*base, *entries])
    assert len(surrogate_key) <= tags.TAGS_MAX and cache_tag == b",".join(surrogate_key.split())


def test_a_uid_with_separators_is_encoded() -> None:
    assert tags.tag(entry_dep(S, ENV, "a b,c:d")) == f"e:{S}:a%20b%2Cc%3Ad"


# -- Cache-Control per stack -----------------------------------------------------------------------
def test_cache_control_is_a_stack_setting(fresh_site: Site) -> None:
    api, entry = fresh_site.api, fresh_site.pages[0]["uid"]
    path = f"/content_types/page/entries/{entry}"
    assert fresh_site.get(path).headers["cache-control"] == "no-cache"  # cached now
    settings = set_settings(api, delivery_cache_control=EDGE)
    assert settings["delivery_cache_control"] == EDGE
    assert api.ok(api.get("/stacks/settings"))["stack_settings"]["delivery_cache_control"] == EDGE
    read = fresh_site.get(path)
    assert read.headers["cache-control"] == EDGE
    etag = {"If-None-Match": read.headers["etag"]}
    assert fresh_site.get(path, headers=etag).headers["cache-control"] == EDGE
    assert fresh_site.get("/content_types").headers["cache-control"] == EDGE
    set_settings(api, delivery_cache_control=None)
    assert fresh_site.get(path).headers["cache-control"] == "no-cache"
    for bad in ("no-cache\r\nSet-Cookie: a=b", 60, "", "x" * 600):
        refused = api.post("/stacks/settings", {"stack_settings": {"delivery_cache_control": bad}})
        assert "delivery_cache_control" in assert_error(refused, 422)["errors"]


def test_the_server_default_applies_to_stacks_that_set_nothing(
    fresh_site: Site, services: Services
) -> None:
    edge = Services(
        store=services.store,
        settings=dataclasses.replace(services.settings, delivery_cache_control=EDGE),
        passwords=services.passwords,
    )
    page = fresh_site.pages[0]["uid"]
    with TestClient(create_app(edge.settings, services=edge)) as client:
        response = client.get(
            f"/v3/content_types/page/entries/{page}",
            params={"environment": "production"},
            headers={
                "api_key": fresh_site.api_key,
                "access_token": fresh_site.tokens["production"],
            },
        )
    assert response.status_code == 200 and response.headers["cache-control"] == EDGE


@pytest.fixture
def fresh_site(api: Api) -> Site:
    return make_site(api)


def test_stack_settings_keep_contentstacks_keys_and_refuse_others(fresh_site: Site) -> None:
    api = fresh_site.api
    variables = {"enforce_unique_urls": True}
    kept = set_settings(api, stack_variables=variables, language_fallback=True)
    assert kept["stack_variables"] == variables and kept["language_fallback"] is True
    refused = api.post("/stacks/settings", {"stack_settings": {"variants_per_request": 9}})
    assert "variants_per_request" in assert_error(refused, 422)["errors"]
    as_delivery = api.client.post(
        "/v3/stacks/settings",
        json={"stack_settings": {"delivery_cache_control": EDGE}},
        headers={"api_key": api.api_key, "access_token": fresh_site.tokens["production"]},
    )
    assert_error(as_delivery, 401)
    assert "delivery_cache_control" not in api.ok(api.get("/stacks/settings"))["stack_settings"]


def test_a_settings_reset_keeps_veneers_delivery_settings(fresh_site: Site) -> None:
    api = fresh_site.api
    set_settings(
        api,
        stack_variables={"enforce_unique_urls": True},
        language_fallback=True,
        live_preview={"enabled": True},
        delivery_cache_control=EDGE,
    )
    done = api.ok(api.post("/stacks/settings/reset", {"stack_settings": {}}))
    assert done["notice"] == "Stack settings updated successfully."
    assert done["stack_settings"] == {
        "stack_variables": {},
        "live_preview": {},
        "discrete_variables": {},
        "language_fallback": False,
        "rte": {},
        "delivery_cache_control": EDGE,
    }
    assert api.ok(api.get("/stacks/settings"))["stack_settings"] == done["stack_settings"]
    as_delivery = api.client.post(
        "/v3/stacks/settings/reset",
        headers={"api_key": api.api_key, "access_token": fresh_site.tokens["production"]},
    )
    assert_error(as_delivery, 401)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("VENEER_DELIVERY_CACHE_CONTROL", "no-cache\nx: y"),
        ("VENEER_DELIVERY_CORS_ORIGINS", "example.com"),
    ],
)
def test_bad_server_settings_are_refused_at_start(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({name: value})


def test_server_origins_parse() -> None:
    assert server_policy(Settings(delivery_cors_origins="none")).origins == frozenset()
    listed = Settings(delivery_cors_origins="https://a.example, https://B.example/")
    assert server_policy(listed).origins == {"https://a.example", "https://b.example"}
    assert server_policy(Settings()).origins is None


# -- CORS ------------------------------------------------------------------------------------------
def preflight(client: TestClient, path: str, asked: str, origin: str = SITE_ORIGIN) -> Any:
    return client.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": asked,
        },
    )


def test_delivery_preflights_are_answered(site: Site) -> None:
    client, page = site.api.client, site.pages[0]["uid"]
    asked = "access_token,api_key,branch,content-type,x-cs-variant-uid,x-user-agent"
    for path in (
        f"/v3/content_types/page/entries/{page}",
        "/v3/content_types/page/entries",
        "/v3/content_types",
        "/v3/assets",
    ):
        response = preflight(client, path, asked)
        assert response.status_code == 204
        assert response.headers["access-control-allow-origin"] == SITE_ORIGIN
        assert response.headers["access-control-allow-headers"] == ", ".join(ALLOW_HEADERS)
        assert response.headers["access-control-allow-methods"] == "GET, HEAD, OPTIONS"
        assert response.headers["vary"] == "origin"


def test_management_preflights_get_no_cors(site: Site) -> None:
    client = site.api.client
    for path, asked in (
        ("/v3/content_types/page/entries", "api_key,authtoken,content-type"),
        ("/v3/content_types/page/entries", "api_key,authorization"),
        ("/v3/environments", "access_token,api_key"),
        ("/app/", "access_token"),
    ):
        response = preflight(client, path, asked)
        assert "access-control-allow-origin" not in response.headers, path


def test_any_origin_reads_delivery_by_default(site: Site) -> None:
    page = site.pages[0]["uid"]
    for path in (f"/content_types/page/entries/{page}", "/content_types", "/assets"):
        response = site.get(path, headers={"Origin": SITE_ORIGIN})
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == "*"
        assert response.headers["vary"] == "x-cs-variant-uid"
    bad_token = site.get("/content_types", token="nope", headers={"Origin": SITE_ORIGIN})
    assert_error(bad_token, 401)
    assert bad_token.headers["access-control-allow-origin"] == "*"


def test_a_stack_may_allow_only_its_origins(fresh_site: Site) -> None:
    api, page = fresh_site.api, fresh_site.pages[0]["uid"]
    path = f"/content_types/page/entries/{page}"
    fresh_site.get(path, headers={"Origin": SITE_ORIGIN})  # cached with the default policy
    set_settings(api, delivery_cors_origins=[SITE_ORIGIN.upper() + "/"])
    for each in (path, "/content_types"):
        allowed = fresh_site.get(each, headers={"Origin": SITE_ORIGIN})
        assert allowed.headers["access-control-allow-origin"] == SITE_ORIGIN
        assert allowed.headers["vary"] == "x-cs-variant-uid, origin"
        denied = fresh_site.get(each, headers={"Origin": "https://other.example"})
        assert denied.status_code == 200 and "access-control-allow-origin" not in denied.headers
        assert denied.headers["vary"] == "x-cs-variant-uid, origin"
        assert fresh_site.get(each).headers["vary"] == "x-cs-variant-uid, origin"
    set_settings(api, delivery_cors_origins=[])
    none = fresh_site.get(path, headers={"Origin": SITE_ORIGIN})
    assert "access-control-allow-origin" not in none.headers
    set_settings(api, delivery_cors_origins=["*"])
    assert (
        fresh_site.get(path, headers={"Origin": SITE_ORIGIN}).headers["access-control-allow-origin"]
        == "*"
    )
    for bad in ("https://site.example", ["site.example"], ["https://a.example/path"], [1]):
        refused = api.post("/stacks/settings", {"stack_settings": {"delivery_cors_origins": bad}})
        assert "delivery_cors_origins" in assert_error(refused, 422)["errors"]


def test_the_management_api_gets_no_cors(site: Site) -> None:
    api = site.api
    for path in ("/content_types/page/entries", "/content_types", "/environments"):
        response = api.get(path, headers={"Origin": SITE_ORIGIN})
        assert response.status_code == 200
        assert "access-control-allow-origin" not in response.headers, path
