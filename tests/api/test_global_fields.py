"""Global fields (issue 14 §6) through the management and delivery APIs, on both databases: their
CRUD in Contentstack's shapes, content types naming them by `reference_to`, entries validated,
indexed, queried, delivered and varied inside them, changes reaching the content types that use
them, and deletion refused while one is in use."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.test_delivery import Site
from tests.conftest import MAIN_BRANCH, Api

SEO = {
    "global_field": {
        "title": "SEO",
        "uid": "seo",
        "description": "Search metadata",
        "schema": [
            {
                "display_name": "Meta title",
                "uid": "meta_title",
                "data_type": "text",
                "mandatory": True,
            },
            {"display_name": "Weight", "uid": "weight", "data_type": "number"},
        ],
    }
}
PAGE = {
    "content_type": {
        "title": "Page",
        "uid": "page",
        "schema": [
            {"display_name": "Title", "uid": "title", "data_type": "text", "mandatory": True},
            {
                "display_name": "SEO",
                "uid": "seo",
                "data_type": "global_field",
                "reference_to": "seo",
            },
        ],
    }
}


def _field(ct: dict[str, Any], uid: str) -> dict[str, Any]:
    return next(f for f in ct["schema"] if f["uid"] == uid)


@pytest.fixture
def site(api: Api) -> Site:
    """A stack with the `seo` global field, a `page` type using it, and a production token."""
    api.ok(api.post("/global_fields", SEO), 201)
    api.ok(api.post("/content_types", PAGE), 201)
    api.ok(api.post("/environments", {"environment": {"name": "production"}}), 201)
    made = Site(api)
    made.tokens["production"] = made.token("production", ["production"])
    return made


def test_crud_shapes(api: Api) -> None:
    created = api.ok(api.post("/global_fields", SEO), 201)
    assert created["notice"] == "Global Field created successfully."
    gf = created["global_field"]
    assert (gf["uid"], gf["title"], gf["_version"]) == ("seo", "SEO", 1)
    assert [f["uid"] for f in gf["schema"]] == ["meta_title", "weight"]
    other = {"global_field": {**SEO["global_field"], "uid": "banner", "title": "Banner"}}
    api.ok(api.post("/global_fields", other), 201)
    listed = api.ok(api.get("/global_fields", params={"include_count": "true", "limit": "1"}))
    assert ([g["uid"] for g in listed["global_fields"]], listed["count"]) == (["seo"], 2)
    skipped = api.ok(api.get("/global_fields", params={"skip": "1"}))["global_fields"]
    assert [g["uid"] for g in skipped] == ["banner"]
    assert api.ok(api.get("/global_fields", params={"count": "true"})) == {"global_fields": 2}
    assert api.ok(api.get("/global_fields/seo"))["global_field"]["description"] == "Search metadata"
    updated = api.ok(api.put("/global_fields/seo", {"global_field": {"title": "Search"}}))
    assert (updated["notice"], updated["global_field"]["_version"]) == (
        "Global Field updated successfully.",
        2,
    )
    deleted = api.ok(api.delete("/global_fields/banner"))
    assert deleted == {"notice": "Global Field deleted successfully."}
    assert api.get("/global_fields/banner").status_code == 422


def test_refused_bodies(api: Api) -> None:
    api.ok(api.post("/global_fields", SEO), 201)
    again = api.post("/global_fields", SEO)
    assert (again.status_code, again.json()["errors"]) == (422, {"uid": ["is not unique."]})
    empty = api.post("/global_fields", {"global_field": {"uid": "x", "title": "X", "schema": []}})
    assert empty.json()["errors"] == {"schema": ["must be a non-empty list of fields"]}
    ghost = {**PAGE["content_type"], "schema": [*PAGE["content_type"]["schema"][:1]]}
    ghost["schema"].append(
        {"uid": "g", "display_name": "G", "data_type": "global_field", "reference_to": "nope"}
    )
    refused = api.post("/content_types", {"content_type": ghost})
    assert (refused.status_code, refused.json()["errors"]) == (
        422,
        {"reference_to": ["'nope' is not a global field of this stack."]},
    )


def test_content_type_answers_reference_or_schema(site: Site) -> None:
    api = site.api
    plain = api.ok(api.get("/content_types/page"))["content_type"]
    assert _field(plain, "seo") == {
        **_field(plain, "seo"),
        "reference_to": "seo",
        "data_type": "global_field",
    }
    assert "schema" not in _field(plain, "seo")
    full = api.ok(api.get("/content_types/page", params={"include_global_field_schema": "true"}))
    assert [f["uid"] for f in _field(full["content_type"], "seo")["schema"]] == [
        "meta_title",
        "weight",
    ]
    listed = api.ok(api.get("/content_types", params={"include_global_field_schema": "true"}))
    assert "schema" in _field(listed["content_types"][0], "seo")
    delivered = site.ok("/content_types/page")["content_type"]
    assert "schema" not in _field(delivered, "seo")
    delivered_full = site.ok("/content_types/page", include_global_field_schema="true")
    assert "schema" in _field(delivered_full["content_type"], "seo")


def test_entries_are_validated_against_the_global_field(site: Site) -> None:
    api = site.api
    missing = api.post("/content_types/page/entries", {"entry": {"title": "a", "seo": {}}})
    assert (missing.status_code, missing.json()["errors"]) == (
        422,
        {"seo.meta_title": ["is required"]},
    )
    wrong = api.post(
        "/content_types/page/entries",
        {"entry": {"title": "a", "seo": {"meta_title": "m", "weight": "heavy"}}},
    )
    assert wrong.status_code == 422 and list(wrong.json()["errors"]) == ["seo.weight"]
    entry = site.create("page", title="a", seo={"meta_title": "m", "weight": 2, "extra": 1})
    assert entry["seo"]["meta_title"] == "m" and "extra" not in entry["seo"]
    assert entry["seo"]["_metadata"]["uid"]


def test_delivery_and_queries_into_the_global_field(site: Site) -> None:
    for n in range(3):
        made = site.create("page", title=f"p{n}", seo={"meta_title": f"m{n}", "weight": n})
        site.publish("page", made["uid"])
    query = '{"seo.weight": {"$gte": 1}}'
    found = site.entries(query=query)["entries"]
    assert sorted(e["seo"]["meta_title"] for e in found) == ["m1", "m2"]
    managed = site.api.ok(
        site.api.get("/content_types/page/entries", params={"query": '{"seo.meta_title": "m0"}'})
    )["entries"]
    assert [e["title"] for e in managed] == ["p0"]


def test_update_reaches_the_content_types_using_it(site: Site) -> None:
    api = site.api
    before = site.create("page", title="old", seo={"meta_title": "m", "keywords": "lost"})
    assert "keywords" not in before["seo"]
    schema = [
        *SEO["global_field"]["schema"],
        {"display_name": "Keywords", "uid": "keywords", "data_type": "text"},
    ]
    api.ok(api.put("/global_fields/seo", {"global_field": {"schema": schema}}))
    full = api.ok(api.get("/content_types/page", params={"include_global_field_schema": "true"}))
    assert [f["uid"] for f in _field(full["content_type"], "seo")["schema"]] == [
        "meta_title",
        "weight",
        "keywords",
    ]
    after = site.create("page", title="new", seo={"meta_title": "m", "keywords": "kept"})
    assert after["seo"]["keywords"] == "kept"
    # the entry saved before the change keeps what it held
    kept = api.ok(api.get(f"/content_types/page/entries/{before['uid']}"))["entry"]
    assert kept["seo"]["meta_title"] == "m"


def test_delete_in_use_is_refused(site: Site) -> None:
    api = site.api
    refused = api.delete("/global_fields/seo")
    assert refused.status_code == 422
    assert refused.json()["errors"] == {"global_field": ["is used by page."]}
    title_only = [PAGE["content_type"]["schema"][0]]
    api.ok(api.put("/content_types/page", {"content_type": {"schema": title_only}}))
    assert (
        api.ok(api.delete("/global_fields/seo"))["notice"] == "Global Field deleted successfully."
    )


def test_nested_global_fields_and_cycles(site: Site) -> None:
    api = site.api
    card = {
        "global_field": {
            "title": "Card",
            "uid": "card",
            "schema": [
                {"display_name": "Heading", "uid": "heading", "data_type": "text"},
                {
                    "display_name": "SEO",
                    "uid": "seo",
                    "data_type": "global_field",
                    "reference_to": "seo",
                },
            ],
        }
    }
    api.ok(api.post("/global_fields", card), 201)
    schema = [
        *PAGE["content_type"]["schema"],
        {
            "display_name": "Card",
            "uid": "card",
            "data_type": "global_field",
            "reference_to": "card",
        },
    ]
    api.ok(api.put("/content_types/page", {"content_type": {"schema": schema}}))
    entry = site.create(
        "page",
        title="t",
        seo={"meta_title": "a"},
        card={"heading": "h", "seo": {"meta_title": "inner"}},
    )
    assert entry["card"]["seo"]["meta_title"] == "inner"
    nested = api.post(
        "/content_types/page/entries",
        {"entry": {"title": "u", "seo": {"meta_title": "a"}, "card": {"seo": {}}}},
    )
    assert nested.json()["errors"] == {"card.seo.meta_title": ["is required"]}
    loop = [
        *SEO["global_field"]["schema"],
        {
            "display_name": "Card",
            "uid": "card",
            "data_type": "global_field",
            "reference_to": "card",
        },
    ]
    cycle = api.put("/global_fields/seo", {"global_field": {"schema": loop}})
    assert cycle.status_code == 422
    assert "cycle" in cycle.json()["errors"]["reference_to"][0]
    assert api.get("/global_fields/card").status_code == 200
    refused = api.delete("/global_fields/seo")
    assert refused.json()["errors"] == {"global_field": ["is used by page, global field card."]}


def test_entry_variants_inside_a_global_field(site: Site) -> None:
    api = site.api
    entry = site.create("page", title="base", seo={"meta_title": "plain", "weight": 1})
    api.ok(
        api.post("/variant_groups", {"name": "Colors", "uid": "colors", "content_types": ["page"]}),
        201,
    )
    red = api.ok(api.post("/variant_groups/colors/variants", {"uid": "red", "name": "Red"}), 201)
    path = f"/content_types/page/entries/{entry['uid']}"
    body = {
        "entry": {
            "seo": {"meta_title": "red title"},
            "_variant": {"_change_set": ["seo.meta_title"]},
        }
    }
    api.ok(api.put(path + "/variants/red", body), 201)
    site.publish("page", entry["uid"])
    api.ok(
        api.post(
            path + "/publish",
            {
                "entry": {
                    "environments": ["production"],
                    "locales": ["en-us"],
                    "variants": [{"uid": red["uid"]}],
                },
                "locale": "en-us",
            },
        )
    )
    merged = site.entry(entry["uid"], headers={"x-cs-variant-uid": red["uid"]})
    assert (merged["seo"]["meta_title"], merged["seo"]["weight"]) == ("red title", 1)
    assert site.entry(entry["uid"])["seo"]["meta_title"] == "plain"


def test_token_scope_names_the_global_field_module(site: Site) -> None:
    api = site.api
    scope = [
        {"module": "content_type", "acl": {"read": True, "write": True}},
        {"module": "global_field", "acl": {"read": True}},
        MAIN_BRANCH,
    ]
    made = api.ok(
        api.post("/stacks/management_tokens", {"token": {"name": "t", "scope": scope}}), 201
    )
    headers = {"api_key": api.api_key, "authorization": made["token"]["token"]}
    listed = api.client.get("/v3/global_fields", headers=headers)
    assert [g["uid"] for g in listed.json()["global_fields"]] == ["seo"]
    refused = api.client.post("/v3/global_fields", json=SEO, headers=headers)
    assert (refused.status_code, refused.json()["errors"]) == (
        403,
        {"authorization": ["has no write access to the global_field module."]},
    )
    # a module the scope does not name takes the content_type item's ACL
    assert (
        api.client.post("/v3/labels", json={"label": {"name": "x"}}, headers=headers).status_code
        == 201
    )
