"""Delivering entry variants (issue 5, semantics §4, the seed 003_1be162af2ab10f5c.txt), on both
databases.

`make_variant_site` publishes the seed's entry (title "Testhghghhgh", a multiple group of the two
instances of the seed) and variants named by the seed's sample uids and aliases: Red, Green and
Blue (`cs6c42daef493fb432`, `cs7697ce80c9bbcc3e`, `cs8697ce80c9bbcc4f`, aliased
`cs_personalize_0_0`, `_0_1`, `_0_2`, in the order of the seed's "Red, Green, Blue" example), and
the seed's response variant `3439b92ff6b5406ab559e7e7f246a49b`. The e2e SDK tests reuse it.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from starlette.testclient import TestClient

from tests.api.test_delivery import Site, assert_error
from tests.conftest import Api, new_user
from veneer.services.context import Services

G1, G2 = (
    "csc30ef8fdc0b190fe",
    "cs5bafacf1e94ff8c2",
)  # the seed's group instances ("Variant 1", "Variant 2")
RED, GREEN, BLUE = "cs6c42daef493fb432", "cs7697ce80c9bbcc3e", "cs8697ce80c9bbcc4f"
ALIAS = {RED: "cs_personalize_0_0", GREEN: "cs_personalize_0_1", BLUE: "cs_personalize_0_2"}
YELLOW = "cs669f1759b774fe1d"  # has an entry variant that is never published
SEED = "3439b92ff6b5406ab559e7e7f246a49b"  # the variant of the seed's sample responses

LANDING = {
    "content_type": {
        "title": "Landing",
        "uid": "landing",
        "schema": [
            {"display_name": "Title", "uid": "title", "data_type": "text", "mandatory": True},
            {"display_name": "URL", "uid": "url", "data_type": "text"},
            {"display_name": "Views", "uid": "views", "data_type": "number"},
            {
                "display_name": "SEO",
                "uid": "seo",
                "data_type": "group",
                "schema": [
                    {"display_name": "Meta title", "uid": "meta_title", "data_type": "text"},
                    {
                        "display_name": "Social",
                        "uid": "social",
                        "data_type": "group",
                        "schema": [
                            {"display_name": "OG title", "uid": "og_title", "data_type": "text"}
                        ],
                    },
                ],
            },
            {
                "display_name": "Group",
                "uid": "group",
                "data_type": "group",
                "multiple": True,
                "schema": [
                    {"display_name": "Single line", "uid": "single_line", "data_type": "text"},
                    {
                        "display_name": "Multi line",
                        "uid": "multi_line",
                        "data_type": "text",
                        "field_metadata": {"multiline": True},
                    },
                ],
            },
            {
                "display_name": "Author",
                "uid": "author",
                "data_type": "reference",
                "reference_to": ["author"],
            },
        ],
    }
}
AUTHOR = {
    "content_type": {
        "title": "Author",
        "uid": "author",
        "schema": [
            {"display_name": "Name", "uid": "title", "data_type": "text", "mandatory": True}
        ],
    }
}

# The seed's entry before its variant: the group holds the seed's two instances, in its order.
BASE: dict[str, Any] = {
    "title": "Testhghghhgh",
    "url": "/home",
    "views": 0,
    "seo": {"meta_title": "Home", "social": {"og_title": "Home OG"}},
    "group": [
        {"single_line": "Base 2", "multi_line": "Base 2 Multi", "_metadata": {"uid": G2}},
        {"single_line": "Base 1", "multi_line": "Base 1 Multi", "_metadata": {"uid": G1}},
    ],
}
# What the three variants change; they override the same paths (title, url, seo.meta_title,
# group instances) and different ones, nested (seo.social.og_title), and reorder the group.
CHANGES: dict[str, dict[str, Any]] = {
    RED: {
        "title": "Red",
        "seo": {"meta_title": "Red SEO"},
        "group": [{"single_line": "Red 1", "_metadata": {"uid": G1}}],
    },
    GREEN: {
        "title": "Green",
        "url": "/green",
        "seo": {"social": {"og_title": "Green OG"}},
        "group": [
            {"single_line": "Green 1", "_metadata": {"uid": G1}},
            {"multi_line": "Green 2 Multi", "_metadata": {"uid": G2}},
        ],
        "_variant": {"_order": [{"group": [f"base.{G1}", f"base.{G2}"]}]},
    },
    BLUE: {
        "title": "Blue",
        "url": "/blue",
        "seo": {"meta_title": "Blue SEO"},
        "group": [{"single_line": "Blue 2", "_metadata": {"uid": G2}}],
        "_variant": {"_order": [{"group": [f"base.{G2}"]}]},
    },  # drops G1
    YELLOW: {"title": "Yellow"},
    # The seed's sample response: both instances changed, in the base order.
    SEED: {
        "group": [
            {"single_line": "Variant 2", "multi_line": "Variant 2 Multi", "_metadata": {"uid": G2}},
            {"single_line": "Variant 1", "multi_line": "Variant 1 Multi", "_metadata": {"uid": G1}},
        ]
    },
}
SEED_GROUP = [
    {"single_line": "Variant 2", "multi_line": "Variant 2 Multi", "_metadata": {"uid": G2}},
    {"single_line": "Variant 1", "multi_line": "Variant 1 Multi", "_metadata": {"uid": G1}},
]
SEED_ENTRY_KEYS = {
    "_version",
    "locale",
    "uid",
    "ACL",
    "_in_progress",
    "created_at",
    "created_by",
    "group",
    "tags",
    "title",
    "updated_at",
    "updated_by",
    "publish_details",
}


class VariantSite(Site):
    """A Site with the landing content type, its variants and published entries.

    `home` has every variant (Yellow unpublished) in en-us, and in fr-fr a localized base
    ("Bonjour") with a localized Red ("Rouge"); `others` are three more landing pages, each with a
    published Red variant; `plain` has no variant at all. Published to production; Blue also to
    staging.
    """

    home: dict[str, Any]
    others: list[dict[str, Any]]
    plain: dict[str, Any]
    authors: list[dict[str, Any]]

    def path(self, uid: str | None = None) -> str:
        return f"/content_types/landing/entries/{uid or self.home['uid']}"

    def variant(self, header: str | None, uid: str | None = None, **kw: Any) -> dict[str, Any]:
        """The entry, read with `x-cs-variant-uid: header`."""
        return self.ok(
            self.path(uid),
            headers=({"x-cs-variant-uid": header} if header is not None else {}),
            **kw,
        )["entry"]

    def listed(self, header: str | None, **kw: Any) -> dict[str, Any]:
        return self.ok(
            "/content_types/landing/entries",
            headers=({"x-cs-variant-uid": header} if header is not None else {}),
            **kw,
        )

    def put_variant(
        self, uid: str, variant: str, fields: dict[str, Any], locale: str | None = None
    ) -> dict[str, Any]:
        body = {"entry": {**fields, "_variant": fields.get("_variant", {})}}
        params = {"locale": locale} if locale else {}
        response = self.api.put(
            f"/content_types/landing/entries/{uid}/variants/{variant}", body, params=params
        )
        assert response.status_code in {200, 201}, response.text
        return response.json()["entry"]

    def publish_variants(
        self,
        uid: str,
        variants: list[str],
        envs: tuple[str, ...] = ("production",),
        locales: tuple[str, ...] = ("en-us",),
        *,
        unpublish: bool = False,
    ) -> None:
        action = "unpublish" if unpublish else "publish"
        self.api.ok(
            self.api.post(
                f"/content_types/landing/entries/{uid}/{action}",
                {
                    "entry": {
                        "environments": list(envs),
                        "locales": list(locales),
                        "variants": [{"uid": v} for v in variants],
                    },
                    "locale": locales[0],
                },
            )
        )


def make_variant_site(api: Api) -> VariantSite:
    site = VariantSite(api)
    api.ok(api.post("/locales", {"locale": {"code": "fr-fr", "fallback_locale": "en-us"}}), 201)
    api.ok(api.post("/locales", {"locale": {"code": "de-de", "fallback_locale": "fr-fr"}}), 201)
    for name in ("production", "staging"):
        site.envs[name] = api.ok(api.post("/environments", {"environment": {"name": name}}), 201)[
            "environment"
        ]["uid"]
        site.tokens[name] = site.token(f"{name} token", [name])
    api.ok(api.post("/content_types", AUTHOR), 201)
    api.ok(api.post("/content_types", LANDING), 201)
    site.authors = [site.create("author", title=name) for name in ("Ada", "Grace")]
    for author in site.authors:
        site.publish("author", author["uid"])
    api.ok(
        api.post(
            "/variant_groups",
            {
                "name": "Colors",
                "uid": "colors",
                "content_types": ["landing"],
                "personalize_metadata": {"experience_short_uid": "0"},
            },
        ),
        201,
    )
    for short, uid in enumerate((RED, GREEN, BLUE)):
        api.ok(
            api.post(
                "/variant_groups/colors/variants",
                {
                    "uid": uid,
                    "name": ("Red", "Green", "Blue")[short],
                    "personalize_metadata": {"variant_short_uid": str(short)},
                },
            ),
            201,
        )
    for uid, name in ((YELLOW, "Yellow"), (SEED, "Seed")):
        api.ok(api.post("/variant_groups/colors/variants", {"uid": uid, "name": name}), 201)
    ada = [{"uid": site.authors[0]["uid"], "_content_type_uid": "author"}]
    site.home = site.create("landing", **BASE, author=ada)
    uid = site.home["uid"]
    for variant, fields in CHANGES.items():
        site.put_variant(uid, variant, fields)
    site.put_variant(
        uid, RED, {"author": [{"uid": site.authors[1]["uid"], "_content_type_uid": "author"}]}
    )
    site.update("landing", uid, locale="fr-fr", title="Bonjour")
    site.put_variant(uid, RED, {"title": "Rouge"}, locale="fr-fr")
    site.publish_variants(uid, [RED, GREEN, BLUE, SEED], locales=("en-us", "fr-fr"))
    site.publish_variants(uid, [BLUE], envs=("staging",))
    site.others = []
    for n in range(1, 4):
        other = site.create("landing", title=f"Other {n}", url=f"/other/{n}", views=n, author=ada)
        site.put_variant(other["uid"], RED, {"title": f"Red other {n}"})
        site.publish_variants(other["uid"], [RED])
        site.others.append(other)
    site.plain = site.create("landing", title="Plain", url="/plain", views=10)
    site.publish("landing", site.plain["uid"])
    return site


@pytest.fixture(scope="module")
def vsite(services: Services, client: TestClient) -> Iterator[VariantSite]:
    api = new_user(services, client)
    api.api_key = api.ok(
        api.post("/stacks", {"stack": {"name": "Variants", "master_locale": "en-us"}}), 201
    )["stack"]["api_key"]
    yield make_variant_site(api)


@pytest.fixture
def fresh(api: Api) -> VariantSite:
    return make_variant_site(api)


def delivery_cache(site: Site) -> Any:
    app = site.api.client.app
    while not hasattr(app, "state"):  # through the ASGI wrappers, to the Starlette app
        app = app.app  # type: ignore[attr-defined]
    return app.state.delivery


def group(entry: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(g["_metadata"]["uid"], g["single_line"], g["multi_line"]) for g in entry["group"]]


def seo(entry: dict[str, Any]) -> tuple[str, str]:
    """(meta title, og title): single groups also carry their own `_metadata`."""
    return entry["seo"]["meta_title"], entry["seo"]["social"]["og_title"]


# -- the seed's samples --------------------------------------------------------------------------
def test_seed_single_entry_sample(vsite: VariantSite) -> None:
    body = vsite.ok(vsite.path(), headers={"x-cs-variant-uid": SEED})
    assert set(body) == {"entry"}
    entry = body["entry"]
    assert set(entry) == SEED_ENTRY_KEYS | {
        "url",
        "views",
        "seo",
        "author",
    }  # + the fields of our schema
    assert (
        entry["uid"] == vsite.home["uid"] and entry["_version"] == 1 and entry["locale"] == "en-us"
    )
    assert (
        entry["title"] == "Testhghghhgh"
        and entry["tags"] == []
        and entry["ACL"] == {}
        and entry["_in_progress"] is False
    )
    assert entry["group"] == SEED_GROUP
    details = entry["publish_details"]
    assert set(details) == {"environment", "locale", "time", "user", "variants"}
    assert details["environment"] == vsite.envs["production"] and details["locale"] == "en-us"
    assert list(details["variants"]) == [SEED]
    variant = details["variants"][SEED]
    assert set(variant) == {"time", "user", "environment", "locale", "version"}
    assert variant["environment"] == vsite.envs["production"] and variant["locale"] == "en-us"
    assert (
        variant["time"].endswith("Z")
        and variant["user"] == details["user"]
        and variant["version"] == 1
    )
    assert "_variant" not in entry and "_applied_variants" not in entry


def test_seed_list_sample(vsite: VariantSite) -> None:
    query = json.dumps({"title": "Testhghghhgh"})
    body = vsite.listed(SEED, query=query, include_count="true")
    assert set(body) == {"entries", "count"} and body["count"] == 1
    assert body["entries"][0]["group"] == SEED_GROUP
    assert body["entries"][0] == vsite.variant(SEED)  # the same document as the single-entry read


def test_seed_header_samples_uids_and_aliases(vsite: VariantSite) -> None:
    """The seed's two sample headers (with spaces): uids, then aliases; the same merge."""
    by_uid = vsite.variant(f"{RED}, {GREEN}, {BLUE}")
    by_alias = vsite.variant("cs_personalize_0_0, cs_personalize_0_1, cs_personalize_0_2")
    assert by_uid["title"] == by_alias["title"] == "Red"
    assert {k: v for k, v in by_uid.items() if k != "publish_details"} == {
        k: v for k, v in by_alias.items() if k != "publish_details"
    }
    assert all("alias" not in d for d in by_uid["publish_details"]["variants"].values())
    assert {uid: d["alias"] for uid, d in by_alias["publish_details"]["variants"].items()} == ALIAS


def test_seed_limit_error_sample(vsite: VariantSite) -> None:
    """Seven variants provided, the default limit 3: the first three apply, and the seed's error
    object only with show_errors=true. Still 200."""
    seven = f"{RED}, {GREEN}, {BLUE}, {SEED}, {YELLOW}, ghost1, ghost2"
    body = vsite.ok(vsite.path(), headers={"x-cs-variant-uid": seven}, show_errors="true")
    assert set(body) == {"entry", "errors"}
    assert body["errors"] == [
        {
            "code": "VARIANT_LIMIT_EXCEEDED",
            "message": "x-cs-variant-uid should not be greater than 3",
            "details": {"provided_count": 7, "limit": 3, "applied_count": 3},
        }
    ]
    assert list(body["entry"]["publish_details"]["variants"]) == [RED, GREEN, BLUE]
    quiet = vsite.ok(vsite.path(), headers={"x-cs-variant-uid": seven})
    assert set(quiet) == {"entry"} and quiet["entry"] == body["entry"]
    assert set(
        vsite.ok(vsite.path(), headers={"x-cs-variant-uid": seven}, show_errors="false")
    ) == {"entry"}
    listed = vsite.listed(seven, show_errors="true", include_count="true")
    assert set(listed) == {"entries", "count", "errors"} and listed["errors"] == body["errors"]
    assert set(vsite.listed(seven)) == {"entries"}
    # The seed's default header names four variants: the fourth (SEED) is over the limit.
    four = vsite.variant(f"{BLUE}, {GREEN}, {RED}, {SEED}")
    assert (
        list(four["publish_details"]["variants"]) == [BLUE, GREEN, RED]
        and four["group"][0]["single_line"] == "Blue 2"
    )
    # Within the limit: no errors key even with show_errors.
    assert set(vsite.ok(vsite.path(), headers={"x-cs-variant-uid": RED}, show_errors="true")) == {
        "entry"
    }


# -- the merge -----------------------------------------------------------------------------------
def test_priority_first_listed_wins(vsite: VariantSite) -> None:
    """Red, Green, Blue: Red has the highest priority (the seed's example). Same paths and different
    ones, a nested group path, and the group's `_order` from the first variant that defines one."""
    rgb = vsite.variant(f"{RED},{GREEN},{BLUE}", include_applied_variants="true")
    assert rgb["title"] == "Red" and rgb["url"] == "/green" and rgb["views"] == 0
    assert seo(rgb) == ("Red SEO", "Green OG")
    assert group(rgb) == [
        (G1, "Red 1", "Base 1 Multi"),
        (G2, "Blue 2", "Green 2 Multi"),
    ]  # Green's order
    assert rgb["author"] == [{"uid": vsite.authors[1]["uid"], "_content_type_uid": "author"}]
    assert rgb["_applied_variants"] == {
        "title": RED,
        "seo.meta_title": RED,
        "author": RED,
        f"group.{G1}.single_line": RED,
        "url": GREEN,
        "seo.social.og_title": GREEN,
        f"group.{G2}.multi_line": GREEN,
        f"group.{G2}.single_line": BLUE,
        "group": GREEN,
    }
    assert list(rgb["publish_details"]["variants"]) == [RED, GREEN, BLUE]

    bgr = vsite.variant(f"{BLUE},{GREEN},{RED}", include_applied_variants="true")
    assert bgr["title"] == "Blue" and bgr["url"] == "/blue"
    assert seo(bgr) == ("Blue SEO", "Green OG")
    assert group(bgr) == [(G2, "Blue 2", "Green 2 Multi")]  # Blue's order drops G1
    assert bgr["_applied_variants"] == {
        "title": BLUE,
        "url": BLUE,
        "seo.meta_title": BLUE,
        f"group.{G2}.single_line": BLUE,
        "group": BLUE,
        "seo.social.og_title": GREEN,
        f"group.{G2}.multi_line": GREEN,
        "author": RED,
    }

    gb = vsite.variant(f"{GREEN}, {BLUE}")
    assert (
        gb["title"] == "Green"
        and gb["seo"]["meta_title"] == "Blue SEO"
        and gb["author"][0]["uid"] == vsite.authors[0]["uid"]
    )
    assert group(gb) == [(G1, "Green 1", "Base 1 Multi"), (G2, "Blue 2", "Green 2 Multi")]


def test_single_variant_and_no_variant(vsite: VariantSite) -> None:
    base = vsite.variant(None)
    assert base["title"] == "Testhghghhgh" and "variants" not in base["publish_details"]
    assert group(base) == [(G2, "Base 2", "Base 2 Multi"), (G1, "Base 1", "Base 1 Multi")]
    blue = vsite.variant(BLUE)
    assert blue["title"] == "Blue" and seo(blue) == ("Blue SEO", "Home OG")
    assert group(blue) == [(G2, "Blue 2", "Base 2 Multi")]
    # An empty header is no header.
    assert vsite.variant(" , ") == base
    # A variant header on an entry with no variants: the base, with an empty variants map.
    plain = vsite.variant(RED, uid=vsite.plain["uid"], include_applied_variants="true")
    assert (
        plain["title"] == "Plain"
        and plain["publish_details"]["variants"] == {}
        and plain["_applied_variants"] == {}
    )


def test_unknown_and_unpublished_variants_are_skipped(vsite: VariantSite) -> None:
    entry = vsite.variant(f"ghost, {YELLOW}, {BLUE}")
    assert entry["title"] == "Blue" and list(entry["publish_details"]["variants"]) == [BLUE]
    assert vsite.variant(f"cs_personalize_9_9, {GREEN}")["title"] == "Green"
    assert vsite.variant("ghost")["publish_details"]["variants"] == {}
    # A variant named twice (by uid and by alias) applies once, where first named.
    twice = vsite.variant(f"{GREEN}, cs_personalize_0_0, {RED}")
    assert list(twice["publish_details"]["variants"]) == [GREEN, RED] and twice["title"] == "Green"
    assert twice["publish_details"]["variants"][RED]["alias"] == "cs_personalize_0_0"


def test_mixed_uids_and_aliases(vsite: VariantSite) -> None:
    entry = vsite.variant(f"cs_personalize_0_2,{RED}")
    assert entry["title"] == "Blue"
    variants = entry["publish_details"]["variants"]
    assert list(variants) == [BLUE, RED]
    assert variants[BLUE]["alias"] == "cs_personalize_0_2" and "alias" not in variants[RED]
    # Repeated header lines are one list.
    response = vsite.api.client.get(
        "/v3" + vsite.path(),
        params={"environment": "production"},
        headers=[
            ("api_key", vsite.api_key),
            ("access_token", vsite.tokens["production"]),
            ("x-cs-variant-uid", BLUE),
            ("x-cs-variant-uid", RED),
        ],
    )
    assert list(response.json()["entry"]["publish_details"]["variants"]) == [BLUE, RED]


# -- the other delivery flags --------------------------------------------------------------------
def test_locale_and_fallback_apply_the_served_locales_variants(vsite: VariantSite) -> None:
    french = vsite.variant(RED, locale="fr-fr")
    assert french["title"] == "Rouge" and french["locale"] == "fr-fr"
    assert french["publish_details"]["locale"] == "fr-fr"
    assert french["publish_details"]["variants"][RED]["locale"] == "fr-fr"
    german = vsite.variant(RED, locale="de-de", include_fallback="true")
    assert german["title"] == "Rouge" and german["locale"] == "fr-fr"
    assert_error(vsite.get(vsite.path(), locale="de-de", headers={"x-cs-variant-uid": RED}), 422)
    # An entry published only in en-us: its en-us variant applies under fallback.
    other = vsite.variant(RED, uid=vsite.others[0]["uid"], locale="de-de", include_fallback="true")
    assert other["title"] == "Red other 1" and other["locale"] == "en-us"
    listed = vsite.listed(RED, locale="de-de", include_fallback="true", asc="views")
    assert [e["title"] for e in listed["entries"]] == [
        "Rouge",
        "Red other 1",
        "Red other 2",
        "Red other 3",
        "Plain",
    ]
    assert [e["locale"] for e in listed["entries"]] == ["fr-fr", "en-us", "en-us", "en-us", "en-us"]


def test_query_sort_and_pagination_run_on_base_data(vsite: VariantSite) -> None:
    def titles(body: dict[str, Any]) -> list[str]:
        return [e["title"] for e in body["entries"]]

    assert titles(vsite.listed(RED, query=json.dumps({"title": "Testhghghhgh"}))) == ["Red"]
    assert titles(vsite.listed(RED, query=json.dumps({"title": "Red"}))) == []
    assert titles(
        vsite.listed(f"{BLUE}, {RED}", query=json.dumps({"views": {"$lte": 1}}), asc="views")
    ) == ["Blue", "Red other 1"]
    page = vsite.listed(RED, asc="views", skip=1, limit=2, include_count="true")
    assert page["count"] == 5 and titles(page) == ["Red other 1", "Red other 2"]
    assert titles(vsite.listed(RED, asc="title")) == [
        "Red other 1",
        "Red other 2",
        "Red other 3",
        "Plain",
        "Red",
    ]
    applied = vsite.listed(
        f"{GREEN}, {RED}", asc="views", limit=2, include_applied_variants="true"
    )["entries"]
    assert [e["_applied_variants"].get("title") for e in applied] == [GREEN, RED]


def test_only_except_and_references(vsite: VariantSite) -> None:
    header = f"{RED}, {GREEN}"
    only = vsite.variant(header, params={"only[BASE][]": ["title", "seo.social.og_title"]})
    assert only == {
        "uid": vsite.home["uid"],
        "title": "Red",
        "seo": {"social": {"og_title": "Green OG"}},
    }
    without = vsite.variant(header, params={"except[BASE][]": ["group", "seo.meta_title"]})
    assert (
        "group" not in without and "meta_title" not in without["seo"] and without["url"] == "/green"
    )
    assert without["seo"]["social"]["og_title"] == "Green OG"
    # The reference Red overrides is the one expanded.
    assert [
        a["title"] for a in vsite.variant(header, params={"include[]": "author"})["author"]
    ] == ["Grace"]
    assert [a["title"] for a in vsite.variant(GREEN, params={"include[]": "author"})["author"]] == [
        "Ada"
    ]
    listed = vsite.listed(
        RED,
        params={"include[]": "author", "only[BASE][]": ["title", "author"]},
        asc="views",
        limit=2,
        include_content_type="true",
    )
    assert [(e["title"], e["author"][0]["title"]) for e in listed["entries"]] == [
        ("Red", "Grace"),
        ("Red other 1", "Ada"),
    ]
    assert listed["content_type"]["uid"] == "landing"
    with_ct = vsite.ok(
        vsite.path(),
        headers={"x-cs-variant-uid": RED},
        include_content_type="true",
        include_applied_variants="true",
        include_publish_details="true",
        include_metadata="true",
    )
    assert (
        with_ct["content_type"]["uid"] == "landing"
        and with_ct["entry"]["_applied_variants"]["title"] == RED
    )


def test_token_of_another_environment_sees_nothing(vsite: VariantSite) -> None:
    for path in (vsite.path(), "/content_types/landing/entries"):
        body = assert_error(
            vsite.get(path, token=vsite.tokens["staging"], headers={"x-cs-variant-uid": BLUE}), 403
        )
        assert "environment" in body["errors"] and not {"entry", "entries"} & set(body)
    # Staging has the base and Blue only: Red (production only) does not apply there.
    staging = vsite.variant(f"{RED}, {BLUE}", env="staging")
    assert staging["title"] == "Blue" and list(staging["publish_details"]["variants"]) == [BLUE]
    assert staging["publish_details"]["variants"][BLUE]["environment"] == vsite.envs["staging"]


def test_etag_304_and_vary(vsite: VariantSite) -> None:
    base = vsite.get(vsite.path())
    merged = vsite.get(vsite.path(), headers={"x-cs-variant-uid": RED})
    assert base.headers["vary"] == merged.headers["vary"] == "x-cs-variant-uid"
    assert merged.headers["etag"] != base.headers["etag"]
    again = vsite.get(
        vsite.path(), headers={"x-cs-variant-uid": RED, "If-None-Match": merged.headers["etag"]}
    )
    assert again.status_code == 304 and again.headers["vary"] == "x-cs-variant-uid"
    assert again.headers["etag"] == merged.headers["etag"]
    other = vsite.get(
        vsite.path(), headers={"x-cs-variant-uid": BLUE, "If-None-Match": merged.headers["etag"]}
    )
    assert other.status_code == 200 and other.json()["entry"]["title"] == "Blue"
    listed = vsite.get("/content_types/landing/entries", headers={"x-cs-variant-uid": RED})
    assert listed.headers["vary"] == "x-cs-variant-uid"
    assert (
        vsite.get(
            "/content_types/landing/entries",
            headers={"x-cs-variant-uid": RED, "If-None-Match": listed.headers["etag"]},
        ).status_code
        == 304
    )
    assert vsite.get("/content_types/landing").headers["vary"] == "x-cs-variant-uid"


# -- limits --------------------------------------------------------------------------------------
def set_stack_variant_limit(services: Services, api_key: str, limit: int | None) -> None:
    """A stack's own `variant_limit` (the organization plan's), as a settings change is recorded."""
    with services.store.write() as tx:
        tx.stacks.update(api_key, settings={} if limit is None else {"variant_limit": limit})
        tx.changes.record(api_key)


def test_per_stack_limit(fresh: VariantSite, services: Services) -> None:
    header = f"{BLUE}, {GREEN}, {RED}"
    assert list(fresh.variant(header)["publish_details"]["variants"]) == [
        BLUE,
        GREEN,
        RED,
    ]  # cached now
    set_stack_variant_limit(services, fresh.api_key, 1)
    body = fresh.ok(fresh.path(), headers={"x-cs-variant-uid": header}, show_errors="true")
    assert (
        list(body["entry"]["publish_details"]["variants"]) == [BLUE]
        and body["entry"]["url"] == "/blue"
    )
    assert body["errors"][0]["details"] == {"provided_count": 3, "limit": 1, "applied_count": 1}
    assert body["errors"][0]["message"] == "x-cs-variant-uid should not be greater than 1"
    assert list(fresh.variant(header)["publish_details"]["variants"]) == [BLUE]
    set_stack_variant_limit(services, fresh.api_key, 5)
    five = fresh.ok(
        fresh.path(), headers={"x-cs-variant-uid": f"{header}, {SEED}"}, show_errors="true"
    )
    assert set(five) == {"entry"} and list(five["entry"]["publish_details"]["variants"]) == [
        BLUE,
        GREEN,
        RED,
        SEED,
    ]
    set_stack_variant_limit(services, fresh.api_key, None)
    assert (
        len(fresh.variant(f"{header}, {SEED}")["publish_details"]["variants"]) == 3
    )  # the server's default


# -- publishing, unpublishing and the cache ------------------------------------------------------
def test_unpublishing_one_variant_leaves_the_others(fresh: VariantSite) -> None:
    header = f"{RED}, {GREEN}, {BLUE}"
    uid = fresh.home["uid"]
    for _ in range(2):  # the second read is a cache hit
        entry = fresh.variant(header)
        assert entry["url"] == "/green" and seo(entry) == ("Red SEO", "Green OG")
        assert fresh.listed(header, asc="views")["entries"][0]["url"] == "/green"
    fresh.publish_variants(uid, [GREEN], unpublish=True)
    entry = fresh.variant(header, include_applied_variants="true")
    assert (
        entry["title"] == "Red" and entry["url"] == "/blue" and seo(entry) == ("Red SEO", "Home OG")
    )
    assert group(entry) == [(G2, "Blue 2", "Base 2 Multi")]  # Blue's order now
    assert (
        list(entry["publish_details"]["variants"]) == [RED, BLUE]
        and GREEN not in entry["_applied_variants"].values()
    )
    assert fresh.listed(header, asc="views")["entries"][0]["url"] == "/blue"
    assert fresh.variant(GREEN)["title"] == "Testhghghhgh"
    # Republished with a new version: served at once.
    fresh.put_variant(uid, GREEN, {"url": "/green-2"})
    fresh.publish_variants(uid, [GREEN])
    entry = fresh.variant(header)
    assert (
        entry["url"] == "/green-2" and entry["publish_details"]["variants"][GREEN]["version"] == 2
    )
    assert fresh.listed(header, asc="views")["entries"][0]["url"] == "/green-2"
    # Unpublishing the base takes its variants with it.
    fresh.publish("landing", uid, unpublish=True)
    assert_error(fresh.get(fresh.path(), headers={"x-cs-variant-uid": header}), 422)
    assert uid not in {e["uid"] for e in fresh.listed(header)["entries"]}


def test_base_republish_keeps_the_overlay(fresh: VariantSite) -> None:
    uid = fresh.home["uid"]
    assert fresh.variant(RED)["views"] == 0
    fresh.update("landing", uid, views=42, title="New base")
    fresh.publish("landing", uid)
    entry = fresh.variant(RED)
    assert entry["views"] == 42 and entry["title"] == "Red" and entry["_version"] == 2
    assert fresh.variant(GREEN)["title"] == "Green"


def test_merged_cache_is_keyed_by_the_effective_variants(fresh: VariantSite) -> None:
    """Variants the entry lacks, other spellings and the limit land on one merged document, whose
    purges are exact: publishing another variant keeps it, republishing one of its own drops it."""
    cache, uid = delivery_cache(fresh), fresh.home["uid"]

    def merged_keys() -> list[tuple[Any, ...]]:
        return [
            k for k in cache.items if k[0] == "merged" and k[1] == fresh.api_key and k[4] == uid
        ]

    etags = {
        fresh.get(fresh.path(), headers={"x-cs-variant-uid": header}).headers["etag"]
        for header in (
            RED,
            f"{RED}, ghost",
            f"ghost,{RED}",
            f" {RED} , {YELLOW} ",
            f"{RED},{YELLOW},x,y",
        )
    }
    assert len(etags) == 1
    assert merged_keys() == [
        ("merged", fresh.api_key, fresh.envs["production"], "en-us", uid, ((RED, None),), False)
    ]
    fresh.listed(RED)  # the list reuses it
    assert len(merged_keys()) == 1
    kept = cache.items[merged_keys()[0]]
    # Publishing Yellow (named above, lacking until now) changes those answers but not Red's merge.
    fresh.put_variant(uid, YELLOW, {"views": 7})
    fresh.publish_variants(uid, [YELLOW])
    assert (
        fresh.variant(f"{RED}, {YELLOW}")["views"] == 7
        and fresh.variant(f"{RED}, {YELLOW}")["title"] == "Red"
    )
    assert fresh.variant(RED)["views"] == 0
    assert cache.items[merged_keys()[0]] is kept
    fresh.put_variant(uid, RED, {"views": 9})
    fresh.publish_variants(uid, [RED])
    assert fresh.variant(RED)["views"] == 9
    assert all(item is not kept for item in cache.items.values())


def test_base_reads_stay_cached_when_a_variant_is_published(fresh: VariantSite) -> None:
    cache, uid = delivery_cache(fresh), fresh.home["uid"]
    fresh.variant(None)
    base_keys = {k for k in cache.items if k[0] != "merged" and fresh.api_key in k}
    fresh.publish_variants(uid, [BLUE])
    fresh.variant(None, uid=fresh.plain["uid"])  # any read syncs with the change log
    assert base_keys <= set(cache.items)


def _cafe_site(api: Api) -> tuple[VariantSite, str]:
    """A landing entry with a published variant whose alias, sent in NFD, is "café"."""
    site = VariantSite(api)
    environment = api.ok(api.post("/environments", {"environment": {"name": "production"}}), 201)
    site.envs["production"] = environment["environment"]["uid"]
    site.tokens["production"] = site.token("site", ["production"])
    api.ok(api.post("/content_types", LANDING), 201)
    group = {"name": "Cafés", "uid": "cafes", "content_types": ["landing"]}
    api.ok(api.post("/variant_groups", group), 201)
    variant = {"uid": "brew", "name": "Brew", "alias": unicodedata.normalize("NFD", "café")}
    made = api.ok(api.post("/variant_groups/cafes/variants", variant), 201)
    assert made["alias"] == "café"  # kept in normal form C
    uid = site.create("landing", title="Home", url="/")["uid"]
    site.put_variant(uid, "brew", {"title": "Espresso"})
    site.publish("landing", uid)
    site.publish_variants(uid, ["brew"])
    return site, uid


def test_a_non_ascii_alias_names_its_variant(api: Api) -> None:
    """Finding 16: the header's UTF-8 bytes (which ASGI hands over as Latin-1) match the alias,
    whichever normal form the client spelled it in; the management API finds it by alias too."""
    site, uid = _cafe_site(api)
    for spelling in ("café", unicodedata.normalize("NFD", "café")):
        header = {"x-cs-variant-uid": spelling.encode()}
        entry = site.ok(site.path(uid), headers=header)["entry"]
        assert entry["title"] == "Espresso"
        assert entry["publish_details"]["variants"]["brew"]["alias"] == "café"
        listed = site.ok("/content_types/landing/entries", headers=header)["entries"]
        assert [e["title"] for e in listed] == ["Espresso"]
    assert site.ok(site.path(uid), headers={"x-cs-variant-uid": "cafe"})["entry"]["title"] == "Home"
    nfd = quote(unicodedata.normalize("NFD", "café"))
    by_alias = api.ok(api.get(f"/content_types/landing/entries/{uid}/variants/{nfd}"))
    assert by_alias["entry"]["title"] == "Espresso"


def test_a_variant_uid_and_another_variants_alias_never_clash(api: Api) -> None:
    """Finding 16: a uid equal to another variant's alias (or an alias equal to another's uid)
    would make one of them unreachable by that name: both are refused."""
    api.ok(api.post("/variant_groups", {"name": "G", "uid": "g", "content_types": []}), 201)
    api.ok(
        api.post("/variant_groups/g/variants", {"uid": "red", "name": "R", "alias": "promo"}), 201
    )
    for clash, field in (
        ({"uid": "promo", "name": "P"}, "uid"),
        ({"uid": "blue", "name": "B", "alias": "red"}, "alias"),
        ({"uid": "green", "name": "G", "alias": "promo"}, "alias"),
    ):
        refused = api.post("/variant_groups/g/variants", clash)
        assert refused.status_code == 422 and refused.json()["errors"] == {
            field: ["is not unique."]
        }
    variants = api.ok(api.get("/variant_groups/g/variants"))
    assert [v["uid"] for v in variants["variants"]] == ["red"]
