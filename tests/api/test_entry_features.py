"""Entry features of issue 14 §8, on both databases: `include_branch` (`_branch: "main"`) on
management and delivery reads of entries and content types; `…/entries/{uid}/references`,
`…/locales`, `…/unlocalize`; atomic update operators on PUT; indexed `only[BASE][0]`; embedded items;
`include_all`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.api.test_assets import png, upload
from tests.api.test_delivery import Site, make_site
from tests.api.test_scale_costs import ENTRIES, N, Stack, compare
from tests.conftest import Api
from tests.cost import Cost, measure
from veneer.services.context import Services

BRANCH = {"include_branch": "true"}
METADATA = {"include_metadata": "true"}


@pytest.fixture
def fresh(api: Api) -> Site:
    return make_site(api)


def test_include_branch_on_management_reads(fresh: Site) -> None:
    api, uid = fresh.api, fresh.pages[0]["uid"]
    entry = api.ok(api.get(f"/content_types/page/entries/{uid}", params=BRANCH))["entry"]
    assert entry["_branch"] == "main"
    listed = api.ok(api.get("/content_types/page/entries", params=BRANCH))["entries"]
    assert {e["_branch"] for e in listed} == {"main"}
    ct = api.ok(api.get("/content_types/page", params=BRANCH))["content_type"]
    assert ct["_branch"] == "main"
    cts = api.ok(api.get("/content_types", params=BRANCH))["content_types"]
    assert {c["_branch"] for c in cts} == {"main"}
    plain = api.ok(api.get(f"/content_types/page/entries/{uid}"))["entry"]
    assert "_branch" not in plain


def test_include_branch_on_delivery_reads(fresh: Site) -> None:
    uid = fresh.pages[0]["uid"]
    assert "_branch" not in fresh.entry(uid)  # cached without it first
    assert fresh.entry(uid, params=BRANCH)["_branch"] == "main"
    assert {e["_branch"] for e in fresh.entries(params=BRANCH)["entries"]} == {"main"}
    assert fresh.ok("/content_types/page", params=BRANCH)["content_type"]["_branch"] == "main"
    cts = fresh.ok("/content_types", params=BRANCH)["content_types"]
    assert {c["_branch"] for c in cts} == {"main"}


def test_include_metadata_on_delivery_reads_of_entries(fresh: Site) -> None:
    uid = fresh.pages[0]["uid"]
    assert "_metadata" not in fresh.entry(uid)  # cached without it first
    assert fresh.entry(uid, params=METADATA)["_metadata"] == {"extensions": {}}
    listed = fresh.entries(params=METADATA)["entries"]
    assert listed and {str(e["_metadata"]) for e in listed} == {"{'extensions': {}}"}
    assert "_metadata" not in fresh.entries()["entries"][0]


def test_references_lists_the_entries_that_point_to_an_entry(fresh: Site) -> None:
    api, author = fresh.api, fresh.author["uid"]
    body = api.ok(
        api.get(
            f"/content_types/author/entries/{author}/references", params={"include_count": "true"}
        )
    )
    assert body["count"] == 6  # pages 0-3 and the draft in en-us, page 0 in fr-fr
    titles = sorted((r["locale"], r["title"]) for r in body["references"])
    assert titles == [*(("en-us", f"Page {n}") for n in range(5)), ("fr-fr", "Bonjour")]
    first = next(r for r in body["references"] if r["entry_uid"] == fresh.pages[1]["uid"])
    assert first == {
        "entry_uid": fresh.pages[1]["uid"],
        "content_type_uid": "page",
        "locale": "en-us",
        "_version": 1,
        "title": "Page 1",
        "content_type_title": "Page",
    }


def test_references_follow_localizations_and_edits(fresh: Site) -> None:
    api, author, page = fresh.api, fresh.author["uid"], fresh.pages[0]["uid"]
    path = f"/content_types/author/entries/{author}/references"
    french = api.ok(api.get(path, params={"locale": "fr-fr"}))["references"]
    assert [(r["entry_uid"], r["title"]) for r in french] == [(page, "Bonjour")]
    fresh.update("page", page, author=[])
    left = api.ok(api.get(path, params={"locale": "en-us"}))["references"]
    assert page not in {r["entry_uid"] for r in left}
    company = fresh.company["uid"]
    refs = api.ok(api.get(f"/content_types/company/entries/{company}/references"))["references"]
    assert [(r["content_type_uid"], r["entry_uid"]) for r in refs] == [("author", author)]
    ghost_refs = api.ok(api.get(f"/content_types/author/entries/{fresh.ghost['uid']}/references"))
    assert len(ghost_refs["references"]) == 5  # page 0 in en-us no longer holds it


def test_references_of_a_missing_entry_is_refused(fresh: Site) -> None:
    api = fresh.api
    response = api.get("/content_types/author/entries/blt0000000000000000/references")
    assert response.status_code == 422, response.text  # Contentstack's answer to a missing object
    assert response.json()["error_code"] == 141
    wrong_type = api.get(f"/content_types/page/entries/{fresh.author['uid']}/references")
    assert wrong_type.json()["error_code"] == 141


def test_locales_say_where_an_entry_is_localized(fresh: Site) -> None:
    api, page = fresh.api, fresh.pages[0]["uid"]
    body = api.ok(api.get(f"/content_types/page/entries/{page}/locales"))
    assert body == {
        "locales": [
            {"code": "de-de", "localized": False},
            {"code": "en-us", "localized": True},
            {"code": "fr-fr", "localized": True},
        ]
    }
    other = api.ok(api.get(f"/content_types/page/entries/{fresh.pages[1]['uid']}/locales"))
    assert [c["code"] for c in other["locales"] if c["localized"]] == ["en-us"]


def test_unlocalize_falls_back_again(fresh: Site) -> None:
    api, page = fresh.api, fresh.pages[0]["uid"]
    path = f"/content_types/page/entries/{page}"
    done = api.ok(api.post(path + "/unlocalize", {}, params={"locale": "fr-fr"}))
    assert done == {"notice": "Entry unlocalized successfully."}
    french = api.ok(api.get(path, params={"locale": "fr-fr"}))["entry"]
    assert (french["title"], french["locale"]) == ("Page 0", "en-us")
    localized = api.ok(api.get(path + "/locales"))["locales"]
    assert [c["code"] for c in localized if c["localized"]] == ["en-us"]
    delivered = fresh.entry(page, locale="fr-fr", include_fallback="true")
    assert delivered["title"] == "Page 0"  # the fr-fr publication went with the localization


def test_unlocalize_refusals(fresh: Site) -> None:
    api, page = fresh.api, fresh.pages[1]["uid"]
    path = f"/content_types/page/entries/{page}/unlocalize"
    for locale, field in (("en-us", "is the master locale."), ("fr-fr", "is not localized.")):
        response = api.post(path, {}, params={"locale": locale})
        assert response.status_code == 422, response.text
        assert response.json()["errors"] == {"locale": [field]}
    missing = api.post(path, {})
    assert missing.json()["errors"] == {"locale": ["is required."]}
    assert api.get(f"/content_types/page/entries/{page}").status_code == 200


TALLY = {
    "content_type": {
        "title": "Tally",
        "uid": "tally",
        "schema": [
            {"display_name": "Title", "uid": "title", "data_type": "text", "mandatory": True},
            {"display_name": "Count", "uid": "count", "data_type": "number"},
            {"display_name": "Scores", "uid": "scores", "data_type": "number", "multiple": True},
            {
                "display_name": "Links",
                "uid": "links",
                "data_type": "group",
                "multiple": True,
                "schema": [{"display_name": "Label", "uid": "label", "data_type": "text"}],
            },
            {
                "display_name": "Meta",
                "uid": "meta",
                "data_type": "group",
                "schema": [
                    {"display_name": "Hits", "uid": "hits", "data_type": "number"},
                    {"display_name": "Note", "uid": "note", "data_type": "text"},
                ],
            },
        ],
    }
}


def _tally(api: Api) -> str:
    api.ok(api.post("/content_types", TALLY), 201)
    entry = {
        "title": "T",
        "count": 10,
        "scores": [1, 2, 3, 2],
        "links": [{"label": "a"}, {"label": "b"}, {"label": "c"}],
        "meta": {"hits": 1, "note": "kept"},
        "tags": ["x"],
    }
    return str(
        api.ok(api.post("/content_types/tally/entries", {"entry": entry}), 201)["entry"]["uid"]
    )


def _put(api: Api, uid: str, entry: dict[str, Any]) -> Any:
    return api.put(f"/content_types/tally/entries/{uid}", {"entry": entry})


def test_atomic_operators(api: Api) -> None:
    uid = _tally(api)
    body = {
        "count": {"ADD": 5},
        "scores": {"PULL": {"data": [2]}},
        "links": {"UPDATE": {"index": 1, "data": {"label": "B"}}},
        "tags": {"PUSH": {"data": ["y", "z"]}},
        "meta": {"hits": {"SUB": 3}},
    }
    entry = api.ok(_put(api, uid, body))["entry"]
    assert entry["count"] == 15
    assert entry["scores"] == [1, 3]
    assert [link["label"] for link in entry["links"]] == ["a", "B", "c"]
    assert entry["tags"] == ["x", "y", "z"]
    assert (entry["meta"]["hits"], entry["meta"]["note"]) == (-2, "kept")
    assert (entry["title"], entry["_version"]) == ("T", 2)
    again = api.ok(
        _put(
            api,
            uid,
            {
                "count": {"SUB": 2},
                "scores": {"PUSH": {"data": 7}},
                "links": {"PULL": {"query": {"label": {"$in": ["a", "c"]}}}},
            },
        )
    )["entry"]
    assert (again["count"], again["scores"]) == (13, [1, 3, 7])
    assert [link["label"] for link in again["links"]] == ["B"]
    pulled = api.ok(_put(api, uid, {"scores": {"PULL": {"query": {"$in": [1, 7]}}}}))["entry"]
    assert pulled["scores"] == [3]
    stored = api.ok(api.get(f"/content_types/tally/entries/{uid}"))["entry"]
    assert (stored["scores"], stored["count"], stored["_version"]) == ([3], 13, 4)


def test_atomic_operators_are_validated(api: Api) -> None:
    uid = _tally(api)
    cases = [
        ({"count": {"ADD": "1"}}, "count", "ADD takes a number."),
        ({"title": {"PUSH": {"data": ["x"]}}}, "title", "PUSH needs a multiple field."),
        (
            {"scores": {"UPDATE": {"index": 4, "data": 1}}},
            "scores",
            "UPDATE needs an `index` of an existing item (0 to 3).",
        ),
        ({"scores": {"PULL": {}}}, "scores", "PULL needs `data` or `query`."),
    ]
    for body, field, message in cases:
        response = _put(api, uid, body)
        assert response.status_code == 422, response.text
        assert response.json()["errors"] == {field: [message]}
    wrong_type = _put(api, uid, {"scores": {"PUSH": {"data": ["text"]}}})
    assert wrong_type.status_code == 422  # the result is validated as any update
    stored = api.ok(api.get(f"/content_types/tally/entries/{uid}"))["entry"]
    assert (stored["_version"], stored["scores"]) == (1, [1, 2, 3, 2])


INDEXED_ONLY = {"only[BASE][0]": "title", "only[BASE][1]": "seo.meta_title"}
INDEXED_EXCEPT = {"except[BASE][0]": "body", "except[BASE][1]": "seo"}


def test_indexed_only_and_except_on_delivery(fresh: Site) -> None:
    uid = fresh.pages[1]["uid"]
    assert "body" in fresh.entry(uid)  # cached whole first
    only = fresh.entry(uid, params=INDEXED_ONLY)
    assert only == {"uid": uid, "title": "Page 1", "seo": {"meta_title": "Meta 1"}}
    excepted = fresh.entry(uid, params=INDEXED_EXCEPT)
    assert ("body" in excepted, "seo" in excepted, excepted["views"]) == (False, False, 1)
    listed = fresh.entries(params={"only[BASE][0]": "title", "asc": "views"})["entries"]
    assert listed[0] == {"uid": fresh.pages[0]["uid"], "title": "Page 0"}


def test_indexed_only_and_except_on_management(fresh: Site) -> None:
    api, uid = fresh.api, fresh.pages[1]["uid"]
    path = f"/content_types/page/entries/{uid}"
    only = api.ok(api.get(path, params=INDEXED_ONLY))["entry"]
    assert only == {"uid": uid, "title": "Page 1", "seo": {"meta_title": "Meta 1"}}
    excepted = api.ok(api.get(path, params=INDEXED_EXCEPT))["entry"]
    assert ("body" in excepted, "seo" in excepted, excepted["views"]) == (False, False, 1)
    bracketed = api.ok(api.get(path, params={"only[BASE][]": "views"}))["entry"]
    assert bracketed == {"uid": uid, "views": 1}
    listed = api.ok(
        api.get("/content_types/page/entries", params={"except[BASE][0]": "seo", "asc": "views"})
    )["entries"]
    assert ("seo" in listed[0], listed[0]["title"]) == (False, "Page 0")


def test_new_entry_routes_cost_the_same_at_n_and_4n(api: Api, services: Services) -> None:
    """No hidden O(n): references, locales and an atomic update of one entry read by keys only."""
    stack = Stack(api, services)
    note = {
        "title": "Note",
        "uid": "note",
        "schema": [
            {"display_name": "Title", "uid": "title", "data_type": "text", "mandatory": True},
            {
                "display_name": "Page",
                "uid": "page",
                "data_type": "reference",
                "reference_to": ["page"],
            },
        ],
    }
    api.ok(api.post("/content_types", {"content_type": note}), 201)

    def path(uid: str) -> str:
        return f"{ENTRIES}/{uid}"

    operations: dict[str, Callable[[str], Any]] = {
        "references": lambda uid: api.ok(api.get(path(uid) + "/references")),
        "locales": lambda uid: api.ok(api.get(path(uid) + "/locales")),
        "atomic add": lambda uid: api.ok(api.put(path(uid), {"entry": {"views": {"ADD": 1}}})),
    }
    costs: dict[str, list[Cost]] = {name: [] for name in operations}
    for size in (N, 4 * N):
        stack.grow(size)
        for name, operation in operations.items():
            uid = stack.entry()
            api.ok(api.post("/content_types/note/entries", {"entry": _note(uid)}), 201)
            # The referrers' lookup is bound to the referenced uid, in the index's `text` column.
            with measure(services.store, keys={"text"}) as cost:
                operation(uid)
            costs[name].append(cost)
    problems = [p for name, (small, large) in costs.items() for p in compare(name, small, large)]
    assert problems == []


def _note(page: str) -> dict[str, Any]:
    return {"title": f"About {page}", "page": [{"uid": page, "_content_type_uid": "page"}]}


ARTICLE = {
    "content_type": {
        "title": "Article",
        "uid": "article",
        "schema": [
            {"display_name": "Title", "uid": "title", "data_type": "text", "mandatory": True},
            {
                "display_name": "Body",
                "uid": "body",
                "data_type": "json",
                "field_metadata": {"allow_json_rte": True},
            },
        ],
    }
}
EMBEDDED = {"include_embedded_items[]": "BASE"}


def _node(**attrs: str) -> dict[str, Any]:
    return {"type": "reference", "uid": attrs["uid"], "attrs": attrs, "children": [{"text": ""}]}


def _article(fresh: Site, asset: str) -> str:
    fresh.api.ok(fresh.api.post("/content_types", ARTICLE), 201)
    author, ghost = fresh.author["uid"], fresh.ghost["uid"]
    body = {
        "type": "doc",
        "uid": "d1",
        "attrs": {},
        "children": [
            {"type": "p", "uid": "p1", "attrs": {}, "children": [{"text": "Hello"}]},
            _node(uid="n1", type="entry", **{"entry-uid": author, "content-type-uid": "author"}),
            _node(uid="n2", type="entry", **{"entry-uid": ghost, "content-type-uid": "author"}),
            _node(uid="n3", type="asset", **{"asset-uid": asset}),
        ],
    }
    made = fresh.create("article", title="With embeds", body=body)
    fresh.publish("article", made["uid"])
    return str(made["uid"])


def test_embedded_items_on_management_and_delivery(fresh: Site) -> None:
    api = fresh.api
    asset = upload(api, png())["asset"]["uid"]
    uid = _article(fresh, asset)
    managed = api.ok(api.get(f"/content_types/article/entries/{uid}", params=EMBEDDED))["entry"]
    items = managed["_embedded_items"]["body"]
    assert [(i["_content_type_uid"], i["uid"]) for i in items] == [
        ("author", fresh.author["uid"]),
        ("author", fresh.ghost["uid"]),
        ("sys_assets", asset),
    ]
    assert items[0]["title"] == "Ada" and items[2]["url"].startswith("http")
    assert (
        "_embedded_items" not in api.ok(api.get(f"/content_types/article/entries/{uid}"))["entry"]
    )
    # Delivery: only what is published in the environment (the ghost and the asset are not).
    delivered = fresh.entry(uid, ct="article", params=EMBEDDED)["_embedded_items"]["body"]
    assert [(i["_content_type_uid"], i["uid"]) for i in delivered] == [
        ("author", fresh.author["uid"])
    ]
    listed = fresh.entries(ct="article", params={"include_embedded_items[][]": "BASE"})
    assert [i["title"] for i in listed["entries"][0]["_embedded_items"]["body"]] == ["Ada"]
    to_production = {"asset": {"environments": ["production"], "locales": ["en-us"]}}
    api.ok(api.post(f"/assets/{asset}/publish", to_production))
    again = fresh.entry(uid, ct="article", params=EMBEDDED)["_embedded_items"]["body"]
    assert [i["_content_type_uid"] for i in again] == ["author", "sys_assets"]


def test_include_all_expands_every_reference_to_a_depth(fresh: Site) -> None:
    uid = fresh.pages[0]["uid"]
    deep = fresh.entry(uid, include_all="true")
    (author,) = deep["author"]  # the ghost is not published: left out, as include[] leaves it
    assert (author["title"], author["company"][0]["title"]) == ("Ada", "Acme")
    shallow = fresh.entry(uid, include_all="true", include_all_depth="1")
    assert shallow["author"][0]["company"][0] == {
        "uid": fresh.company["uid"],
        "_content_type_uid": "company",
    }
    listed = fresh.entries(include_all="true", asc="views")["entries"]
    assert listed[0]["author"][0]["company"][0]["city"] == "Lyon"
    bad = fresh.get(f"/content_types/page/entries/{uid}", include_all="true", include_all_depth="9")
    assert bad.status_code == 422
    assert bad.json()["errors"] == {"include_all_depth": ["is not valid."]}
