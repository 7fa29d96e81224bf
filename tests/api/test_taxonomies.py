"""Taxonomies and terms (issue 14 §7) through the management and delivery APIs, on both databases:
their CRUD in Contentstack's shapes, the term tree (depth, order, move, ancestors, descendants,
forced deletes), the `taxonomy` field of content types, entries holding terms, and the queries
`taxonomies.<uid>` with `$in`, `$eq_below`, `$below`, `$eq_above`, `$above` on entry lists and on
`/v3/taxonomies/entries`."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.api.test_access_roles import token
from tests.api.test_delivery import Site
from tests.conftest import Api

COLOR = {"taxonomy": {"uid": "color", "name": "Color", "description": "Colors"}}
# color: warm > red > crimson > dark_crimson ; warm > orange ; cool > blue
TERMS = [
    ("warm", "Warm", None),
    ("cool", "Cool", None),
    ("red", "Red", "warm"),
    ("orange", "Orange", "warm"),
    ("blue", "Blue", "cool"),
    ("crimson", "Crimson", "red"),
    ("dark_crimson", "Dark crimson", "crimson"),
]


def taxonomy_field(*taxonomies: str, **spec: Any) -> dict[str, Any]:
    return {
        "display_name": "Taxonomy",
        "uid": "taxonomies",
        "data_type": "taxonomy",
        "taxonomies": [{"taxonomy_uid": t, **spec} for t in taxonomies],
    }


def content_type(uid: str, *fields: dict[str, Any]) -> dict[str, Any]:
    title = {"display_name": "Title", "uid": "title", "data_type": "text", "mandatory": True}
    return {"content_type": {"title": uid.title(), "uid": uid, "schema": [title, *fields]}}


def make_terms(api: Api, taxonomy: str = "color") -> None:
    for uid, name, parent in TERMS:
        body = {"term": {"uid": uid, "name": name, "parent_uid": parent}}
        api.ok(api.post(f"/taxonomies/{taxonomy}/terms", body), 201)


def terms(*pairs: str) -> list[dict[str, str]]:
    return [{"taxonomy_uid": "color", "term_uid": t} for t in pairs]


def test_taxonomy_crud_shapes(api: Api) -> None:
    created = api.ok(api.post("/taxonomies", COLOR), 201)
    assert created["notice"] == "Taxonomy created successfully."
    doc = created["taxonomy"]
    assert (doc["uid"], doc["name"], doc["description"]) == ("color", "Color", "Colors")
    assert {"created_at", "created_by", "updated_at", "updated_by"} <= doc.keys()
    api.ok(api.post("/taxonomies", {"taxonomy": {"uid": "size", "name": "Size"}}), 201)
    listed = api.ok(api.get("/taxonomies", params={"include_count": "true", "limit": "1"}))
    assert ([t["uid"] for t in listed["taxonomies"]], listed["count"]) == (["color"], 2)
    assert [
        t["uid"] for t in api.ok(api.get("/taxonomies", params={"skip": "1"}))["taxonomies"]
    ] == ["size"]
    assert api.ok(api.get("/taxonomies", params={"count": "true"})) == {"taxonomies": 2}
    updated = api.ok(api.put("/taxonomies/color", {"taxonomy": {"name": "Colour"}}))
    assert (updated["notice"], updated["taxonomy"]["name"]) == (
        "Taxonomy updated successfully.",
        "Colour",
    )
    assert api.ok(api.get("/taxonomies/color"))["taxonomy"]["description"] == "Colors"
    duplicate = api.post("/taxonomies", COLOR)
    assert (duplicate.status_code, duplicate.json()["errors"]) == (422, {"uid": ["is not unique."]})
    nameless = api.post("/taxonomies", {"taxonomy": {"uid": "nameless"}})
    assert (nameless.status_code, nameless.json()["errors"]) == (422, {"name": ["is required."]})
    assert api.delete("/taxonomies/size").status_code == 204
    missing = api.get("/taxonomies/size")
    assert (missing.status_code, missing.json()["error_code"]) == (422, 141)


def test_term_tree(api: Api) -> None:
    api.ok(api.post("/taxonomies", COLOR), 201)
    make_terms(api)
    red = api.ok(api.get("/taxonomies/color/terms/red"))["term"]
    assert {k: red[k] for k in ("uid", "name", "parent_uid", "depth", "order", "taxonomy_uid")} == {
        "uid": "red",
        "name": "Red",
        "parent_uid": "warm",
        "depth": 2,
        "order": 1,
        "taxonomy_uid": "color",
    }
    assert api.ok(api.get("/taxonomies/color/terms/warm"))["term"]["parent_uid"] is None
    listed = api.ok(api.get("/taxonomies/color/terms", params={"include_count": "true"}))
    # level by level, each level by parent, then order
    order = ["warm", "cool", "blue", "red", "orange", "crimson", "dark_crimson"]
    assert [t["uid"] for t in listed["terms"]] == order
    assert listed["count"] == 7
    top = api.ok(api.get("/taxonomies/color/terms", params={"depth": "1"}))["terms"]
    assert [t["uid"] for t in top] == ["warm", "cool"]
    found = api.ok(api.get("/taxonomies/color/terms", params={"typeahead": "CRIM"}))["terms"]
    assert [t["uid"] for t in found] == ["crimson", "dark_crimson"]
    # across taxonomies, as the JS SDK's term search asks; a non-ASCII name folds alike on both
    api.ok(api.post("/taxonomies", {"taxonomy": {"uid": "place", "name": "Place"}}), 201)
    api.ok(api.post("/taxonomies/place/terms", {"term": {"uid": "creme", "name": "CRÈME"}}), 201)
    everywhere = api.ok(api.get("/taxonomies/$all/terms", params={"typeahead": "crè"}))["terms"]
    assert [(t["taxonomy_uid"], t["uid"]) for t in everywhere] == [("place", "creme")]
    crim = api.ok(api.get("/taxonomies/$all/terms", params={"typeahead": "Crim"}))["terms"]
    assert [t["uid"] for t in crim] == ["crimson", "dark_crimson"]
    up = api.ok(api.get("/taxonomies/color/terms/dark_crimson/ancestors"))["terms"]
    assert [t["uid"] for t in up] == ["warm", "red", "crimson"]
    down = api.ok(api.get("/taxonomies/color/terms/warm/descendants"))["terms"]
    assert [t["uid"] for t in down] == ["red", "orange", "crimson", "dark_crimson"]
    near = api.ok(api.get("/taxonomies/color/terms/warm/descendants", params={"depth": "1"}))
    assert [t["uid"] for t in near["terms"]] == ["red", "orange"]
    renamed = api.ok(api.put("/taxonomies/color/terms/red", {"term": {"name": "Scarlet"}}))
    assert (renamed["term"]["name"], renamed["term"]["depth"]) == ("Scarlet", 2)


def test_term_order_and_move(api: Api) -> None:
    api.ok(api.post("/taxonomies", COLOR), 201)
    make_terms(api)
    first = {"term": {"uid": "amber", "name": "Amber", "parent_uid": "warm", "order": 1}}
    assert api.ok(api.post("/taxonomies/color/terms", first), 201)["term"]["order"] == 1
    children = api.ok(api.get("/taxonomies/color/terms/warm/descendants", params={"depth": "1"}))
    assert [(t["uid"], t["order"]) for t in children["terms"]] == [
        ("amber", 1),
        ("red", 2),
        ("orange", 3),
    ]
    # red (with its subtree) moves under cool, first
    moved = api.ok(
        api.put("/taxonomies/color/terms/red/move", {"term": {"parent_uid": "cool", "order": 1}})
    )["term"]
    assert (moved["parent_uid"], moved["depth"], moved["order"]) == ("cool", 2, 1)
    assert api.ok(api.get("/taxonomies/color/terms/dark_crimson"))["term"]["depth"] == 4
    cool = api.ok(api.get("/taxonomies/color/terms/cool/descendants", params={"depth": "1"}))
    assert [(t["uid"], t["order"]) for t in cool["terms"]] == [("red", 1), ("blue", 2)]
    warm = api.ok(api.get("/taxonomies/color/terms/warm/descendants", params={"depth": "1"}))
    assert [(t["uid"], t["order"]) for t in warm["terms"]] == [("amber", 1), ("orange", 2)]
    # to the root, as the Python SDK sends a move (a PUT with parent_uid beside the term)
    root = api.ok(
        api.put("/taxonomies/color/terms/crimson", {"term": {"uid": "crimson"}, "parent_uid": None})
    )
    assert (root["term"]["parent_uid"], root["term"]["depth"]) == (None, 1)
    assert api.ok(api.get("/taxonomies/color/terms/dark_crimson"))["term"]["depth"] == 2
    loop = api.put("/taxonomies/color/terms/crimson/move", {"term": {"parent_uid": "dark_crimson"}})
    assert (loop.status_code, list(loop.json()["errors"])) == (422, ["parent_uid"])


def test_term_errors_and_forced_deletes(api: Api) -> None:
    api.ok(api.post("/taxonomies", COLOR), 201)
    make_terms(api)
    duplicate = api.post("/taxonomies/color/terms", {"term": {"uid": "red", "name": "Red"}})
    assert (duplicate.status_code, duplicate.json()["errors"]) == (422, {"uid": ["is not unique."]})
    orphan = api.post(
        "/taxonomies/color/terms", {"term": {"uid": "x", "name": "X", "parent_uid": "nope"}}
    )
    assert (orphan.status_code, list(orphan.json()["errors"])) == (422, ["parent_uid"])
    assert api.get("/taxonomies/color/terms/nope").status_code == 422
    assert api.get("/taxonomies/nope/terms").status_code == 422
    refused = api.delete("/taxonomies/color/terms/red")
    assert (refused.status_code, refused.json()["errors"]) == (422, {"force": ["must be true."]})
    assert api.delete("/taxonomies/color/terms/red", params={"force": "true"}).status_code == 204
    for gone in ("red", "crimson", "dark_crimson"):
        assert api.get(f"/taxonomies/color/terms/{gone}").status_code == 422
    assert api.ok(api.get("/taxonomies/color/terms/orange"))["term"]["order"] == 1
    assert api.delete("/taxonomies/color/terms/blue").status_code == 204
    assert api.delete("/taxonomies/color").status_code == 422  # it still has terms
    assert api.delete("/taxonomies/color", params={"force": "true"}).status_code == 204
    assert api.get("/taxonomies/color/terms/orange").status_code == 422


def test_depth_is_limited(api: Api) -> None:
    api.ok(api.post("/taxonomies", COLOR), 201)
    parent = None
    for level in range(1, 11):
        body = {"term": {"uid": f"t{level}", "name": f"T{level}", "parent_uid": parent}}
        api.ok(api.post("/taxonomies/color/terms", body), 201)
        parent = f"t{level}"
    deep = api.post(
        "/taxonomies/color/terms", {"term": {"uid": "t11", "name": "T11", "parent_uid": "t10"}}
    )
    assert (deep.status_code, list(deep.json()["errors"])) == (422, ["parent_uid"])


def test_taxonomy_field_and_entry_values(api: Api) -> None:
    api.ok(api.post("/taxonomies", COLOR), 201)
    make_terms(api)
    unknown = api.post("/content_types", content_type("shirt", taxonomy_field("nope")))
    assert (unknown.status_code, list(unknown.json()["errors"])) == (422, ["taxonomies"])
    misnamed = {**taxonomy_field("color"), "uid": "tags_field"}
    assert api.post("/content_types", content_type("shirt", misnamed)).status_code == 422
    ct = api.ok(
        api.post(
            "/content_types",
            content_type("shirt", taxonomy_field("color", max_terms=2, mandatory=True)),
        ),
        201,
    )
    field = ct["content_type"]["schema"][1]
    assert field["taxonomies"] == [
        {"taxonomy_uid": "color", "max_terms": 2, "mandatory": True, "non_localizable": False}
    ]
    made = api.ok(
        api.post(
            "/content_types/shirt/entries",
            {"entry": {"title": "A", "taxonomies": terms("red", "blue")}},
        ),
        201,
    )["entry"]
    assert made["taxonomies"] == terms("red", "blue")
    bad = [
        ({"title": "B", "taxonomies": terms("nope")}, "taxonomies"),
        (
            {
                "title": "B",
                "taxonomies": [{"taxonomy_uid": "size", "term_uid": "s"}, *terms("red")],
            },
            "taxonomies.0.taxonomy_uid",
        ),
        ({"title": "B", "taxonomies": terms("red", "blue", "warm")}, "taxonomies"),
        ({"title": "B"}, "taxonomies"),
        ({"title": "B", "taxonomies": "red"}, "taxonomies"),
    ]
    for entry, key in bad:
        refused = api.post("/content_types/shirt/entries", {"entry": entry})
        assert (refused.status_code, list(refused.json().get("errors", {}))) == (422, [key]), (
            refused.text
        )
    # a term deleted since stays on the entries holding it, and other edits go on
    api.ok(api.post("/taxonomies/color/terms", {"term": {"uid": "teal", "name": "Teal"}}), 201)
    entry = api.ok(
        api.post(
            "/content_types/shirt/entries", {"entry": {"title": "C", "taxonomies": terms("teal")}}
        ),
        201,
    )["entry"]
    assert api.delete("/taxonomies/color/terms/teal").status_code == 204
    kept = api.ok(
        api.put(f"/content_types/shirt/entries/{entry['uid']}", {"entry": {"title": "C2"}})
    )
    assert kept["entry"]["taxonomies"] == terms("teal")
    in_use = api.delete("/taxonomies/color", params={"force": "true"})
    assert (in_use.status_code, list(in_use.json()["errors"])) == (422, ["taxonomy"])


@pytest.fixture
def shop(api: Api) -> Site:
    return make_shop(api)


def make_shop(api: Api) -> Site:
    """Terms of `color`, two content types with a taxonomy field, entries holding terms, all
    published to production."""
    api.ok(api.post("/taxonomies", COLOR), 201)
    api.ok(api.post("/taxonomies", {"taxonomy": {"uid": "size", "name": "Size"}}), 201)
    make_terms(api)
    api.ok(api.post("/taxonomies/size/terms", {"term": {"uid": "large", "name": "Large"}}), 201)
    api.ok(api.post("/content_types", content_type("shirt", taxonomy_field("color", "size"))), 201)
    api.ok(api.post("/content_types", content_type("hat", taxonomy_field("color"))), 201)
    api.ok(api.post("/content_types", content_type("plain")), 201)
    api.ok(api.post("/environments", {"environment": {"name": "production"}}), 201)
    site = Site(api)
    site.tokens["production"] = site.token("production", ["production"])
    held = {
        ("shirt", "s_red"): ["red"],
        ("shirt", "s_dark"): ["dark_crimson"],
        ("shirt", "s_warm"): ["warm"],
        ("shirt", "s_none"): [],
        ("hat", "h_orange"): ["orange"],
        ("hat", "h_blue"): ["blue"],
    }
    for (ct, title), held_terms in held.items():
        fields: dict[str, Any] = {"title": title, "taxonomies": terms(*held_terms)}
        if title == "s_red":
            fields["taxonomies"] += [{"taxonomy_uid": "size", "term_uid": "large"}]
        made = site.create(ct, **fields)
        site.publish(ct, made["uid"])
    site.create("plain", title="p")
    return site


QUERIES: list[tuple[dict[str, Any], set[str]]] = [
    ({"taxonomies.color": "red"}, {"s_red"}),
    ({"taxonomies.color": {"$in": ["red", "blue"]}}, {"s_red", "h_blue"}),
    ({"taxonomies.color": {"$eq_below": "red"}}, {"s_red", "s_dark"}),
    ({"taxonomies.color": {"$below": "warm"}}, {"s_red", "s_dark", "h_orange"}),
    ({"taxonomies.color": {"$below": "warm", "levels": 1}}, {"s_red", "h_orange"}),
    ({"taxonomies.color": {"$eq_below": "warm", "levels": 2}}, {"s_warm", "s_red", "h_orange"}),
    ({"taxonomies.color": {"$eq_above": "crimson"}}, {"s_red", "s_warm"}),
    ({"taxonomies.color": {"$above": "dark_crimson", "levels": 2}}, {"s_red"}),
    ({"taxonomies.color": {"$eq_below": "nope"}}, set()),
    ({"taxonomies.size": "large"}, {"s_red"}),
    (
        {"taxonomies.color": {"$exists": True}, "taxonomies.size": {"$exists": False}},
        {"s_dark", "s_warm", "h_orange", "h_blue"},
    ),
    (
        {"$or": [{"taxonomies.color": {"$eq_below": "crimson"}}, {"taxonomies.color": "blue"}]},
        {"s_dark", "h_blue"},
    ),
]


@pytest.mark.parametrize(("query", "expected"), QUERIES)
def test_delivery_taxonomy_entries(shop: Site, query: dict[str, Any], expected: set[str]) -> None:
    found = shop.ok("/taxonomies/entries", query=json.dumps(query), include_count="true")
    assert {e["title"] for e in found["entries"]} == expected
    assert found["count"] == len(expected)
    for entry in found["entries"]:
        assert entry["_content_type_uid"] == ("shirt" if entry["title"].startswith("s_") else "hat")


def test_queries_on_one_content_type(shop: Site) -> None:
    """The same operators on a content type's entries, by delivery and by management."""
    query = json.dumps({"taxonomies.color": {"$eq_below": "warm"}})
    delivered = shop.entries("shirt", query=query)["entries"]
    assert {e["title"] for e in delivered} == {"s_red", "s_dark", "s_warm"}
    managed = shop.api.ok(shop.api.get("/content_types/hat/entries", params={"query": query}))
    assert [e["title"] for e in managed["entries"]] == ["h_orange"]


def test_taxonomy_entries_pages_and_sorts(shop: Site) -> None:
    query = json.dumps({"taxonomies.color": {"$exists": True}})
    first = shop.ok("/taxonomies/entries", query=query, asc="title", limit="2")["entries"]
    rest = shop.ok("/taxonomies/entries", query=query, asc="title", skip="2")["entries"]
    assert [e["title"] for e in first + rest] == ["h_blue", "h_orange", "s_dark", "s_red", "s_warm"]


def test_bad_hierarchical_queries(shop: Site) -> None:
    for query in (
        {"taxonomies.color": {"$below": "warm", "levels": -1}},
        {"taxonomies.color": {"$below": "warm", "levels": 11}},
        {"taxonomies.color": {"$below": 3}},
        {"title": {"$below": "warm"}},
        {"taxonomies.color": {"$below": "warm", "$in": ["x"]}},
    ):
        refused = shop.get("/taxonomies/entries", query=json.dumps(query))
        assert (refused.status_code, list(refused.json()["errors"])) == (422, ["query"]), query
    assert shop.get("/taxonomies/entries", skip="10000", limit="100").status_code == 422


def test_term_changes_reach_delivery(shop: Site) -> None:
    query = json.dumps({"taxonomies.color": {"$eq_below": "cool"}})
    assert {e["title"] for e in shop.ok("/taxonomies/entries", query=query)["entries"]} == {
        "h_blue"
    }
    shop.api.ok(shop.api.put("/taxonomies/color/terms/red/move", {"term": {"parent_uid": "cool"}}))
    moved = shop.ok("/taxonomies/entries", query=query)["entries"]
    assert {e["title"] for e in moved} == {"h_blue", "s_red", "s_dark"}


def test_management_token_scope(api: Api) -> None:
    """Taxonomies and terms belong to the `taxonomy` module of a token's scope."""
    api.ok(api.post("/taxonomies", COLOR), 201)
    read_only = token(api, [{"module": "taxonomy", "acl": {"read": True}}])
    client = api.client
    assert client.get("/v3/taxonomies/color/terms", headers=read_only).status_code == 200
    refused = client.post(
        "/v3/taxonomies/color/terms", json={"term": {"uid": "a", "name": "A"}}, headers=read_only
    )
    assert (refused.status_code, refused.json()["errors"]) == (
        403,
        {"authorization": ["has no write access to the taxonomy module."]},
    )
    other = token(api, [{"module": "entry", "acl": {"read": True, "write": True}}])
    assert client.get("/v3/taxonomies", headers=other).status_code == 403


def test_export_and_import(api: Api) -> None:
    """The CLI's round trip: `/export` writes the taxonomy and its terms, parents first;
    `/import` (the file as multipart, or its JSON) makes them again, tree and order kept."""
    api.ok(api.post("/taxonomies", COLOR), 201)
    make_terms(api)
    api.ok(api.put("/taxonomies/color/terms/orange/move", {"term": {"order": 1}}))
    exported = api.ok(api.get("/taxonomies/color/export", params={"format": "json"}))
    assert exported["taxonomy"]["uid"] == "color"
    assert [t["uid"] for t in exported["terms"]] == [
        "warm", "cool", "blue", "orange", "red", "crimson", "dark_crimson"
    ]  # fmt: skip
    assert api.get("/taxonomies/color/export", params={"format": "csv"}).status_code == 422

    def renamed(uid: str) -> dict[str, Any]:
        return {**exported, "taxonomy": {**exported["taxonomy"], "uid": uid}}

    file = {"taxonomy": ("color.json", json.dumps(renamed("copy")).encode(), "application/json")}
    made = api.ok(api.post("/taxonomies/import", files=file), 201)
    assert (made["notice"], made["taxonomy"]["uid"]) == ("Taxonomy imported successfully.", "copy")
    api.ok(api.post("/taxonomies/import", renamed("copy2")), 201)
    for uid in ("copy", "copy2"):
        copied = api.ok(api.get(f"/taxonomies/{uid}/export"))["terms"]
        keys = ("uid", "parent_uid", "depth", "order")
        assert [{k: t[k] for k in keys} for t in copied] == [
            {k: t[k] for k in keys} for t in exported["terms"]
        ]
    again = api.post("/taxonomies/import", files=file)
    assert (again.status_code, again.json()["errors"]) == (422, {"uid": ["is not unique."]})
    orphan = {
        "taxonomy": {"uid": "x", "name": "X"},
        "terms": [{"uid": "a", "name": "A", "parent_uid": "b"}],
    }
    assert list(api.post("/taxonomies/import", orphan).json()["errors"]) == ["terms"]
    loop = {
        "taxonomy": {"uid": "x", "name": "X"},
        "terms": [
            {"uid": "a", "name": "A", "parent_uid": "b"},
            {"uid": "b", "name": "B", "parent_uid": "a"},
        ],
    }
    assert list(api.post("/taxonomies/import", loop).json()["errors"]) == ["terms"]
    junk = {"taxonomy": ("x.json", b"not json", "application/json")}
    assert api.post("/taxonomies/import", files=junk).status_code == 422
    assert api.get("/taxonomies/x").status_code == 422  # nothing was made
