"""`$in_query` / `$nin_query` on entry lists, on both databases, as the JS delivery SDK's
`whereIn` / `whereNotIn` send them (`query={"author": {"$in_query": {"title": "Ada"}}}`): the
inner query runs on the referenced content types, in the list's scope (published in the
environment, or the latest versions for management), nested, and its answer follows publishes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.api.test_delivery import Site, assert_error, make_site, titles
from tests.conftest import Api


@pytest.fixture
def shop(api: Api) -> Site:
    """fresh (pages 0-3 published, referencing Ada and the unpublished Ghost; page 4 a draft),
    plus Grace and a published page referencing only her."""
    fresh = make_site(api)
    grace = fresh.create("author", title="Grace")
    fresh.publish("author", grace["uid"])
    ref = [{"uid": grace["uid"], "_content_type_uid": "author"}]
    page = fresh.create("page", title="Page G", body="g", views=9, author=ref)
    fresh.publish("page", page["uid"])
    fresh.author["grace"] = grace["uid"]
    return fresh


def delivered(site: Site, query: dict[str, Any]) -> list[str]:
    return sorted(titles(site.entries("page", query=json.dumps(query), include_count="true")))


def managed(api: Api, query: dict[str, Any]) -> list[str]:
    found = api.ok(api.get("/content_types/page/entries", params={"query": json.dumps(query)}))
    return sorted(titles(found))


PAGES = ["Page 0", "Page 1", "Page 2", "Page 3"]


def test_in_and_nin_query_on_delivery(shop: Site) -> None:
    assert delivered(shop, {"author": {"$in_query": {"title": "Ada"}}}) == PAGES
    assert delivered(shop, {"author": {"$in_query": {"title": "Grace"}}}) == ["Page G"]
    assert delivered(shop, {"author": {"$nin_query": {"title": "Ada"}}}) == ["Page G"]
    # Ghost is not published: no published page matches through it.
    assert delivered(shop, {"author": {"$in_query": {"title": "Ghost"}}}) == []
    nested = {"author": {"$in_query": {"company": {"$in_query": {"city": "Lyon"}}}}}
    assert delivered(shop, nested) == PAGES
    both = {"$and": [{"author": {"$in_query": {"title": "Ada"}}}, {"views": {"$gte": 2}}]}
    assert delivered(shop, both) == ["Page 2", "Page 3"]
    counted = shop.entries(
        "page", query=json.dumps({"author": {"$in_query": {"title": "Ada"}}}), include_count="true"
    )
    assert counted["count"] == 4


def test_management_lists_match_the_latest_versions(shop: Site) -> None:
    api = shop.api
    assert managed(api, {"author": {"$in_query": {"title": "Ghost"}}}) == [*PAGES, "Page 4"]
    assert managed(api, {"author": {"$nin_query": {"title": "Grace"}}}) == [*PAGES, "Page 4"]


def test_a_publish_reaches_a_cached_answer(shop: Site) -> None:
    query = {"author": {"$in_query": {"title": "Grace Hopper"}}}
    assert delivered(shop, query) == []  # cached now
    shop.update("author", shop.author["grace"], title="Grace Hopper")
    shop.publish("author", shop.author["grace"])
    assert delivered(shop, query) == ["Page G"]


@pytest.mark.parametrize(
    "query",
    [
        {"title": {"$in_query": {"title": "Ada"}}},  # not a reference field
        {"nope": {"$in_query": {"title": "Ada"}}},
        {"author": {"$in_query": "Ada"}},
        {"author": {"$in_query": {"title": "Ada"}, "$exists": True}},
        {"$in_query": {"title": "Ada"}},
        {"author": {"$in_query": {"title": {"$bogus": 1}}}},
    ],
)
def test_refusals(shop: Site, query: dict[str, Any]) -> None:
    body = assert_error(shop.get("/content_types/page/entries", query=json.dumps(query)), 422)
    assert list(body["errors"]) == ["query"]
    managed_reply = shop.api.get("/content_types/page/entries", params={"query": json.dumps(query)})
    assert managed_reply.status_code == 422
