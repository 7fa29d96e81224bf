"""The Content Delivery API for base entries (issue 3), on both databases.

`make_site` builds a small published site through the management API; the e2e tests reuse it.
Read-only tests share one site per module (`site`); tests that publish build their own (`fresh`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import MAIN_BRANCH, Api, new_user
from veneer.services.context import Services

Reply = Any  # the test client's response (httpx's or httpx2's, depending on Starlette)
ERROR_KEYS = {"error_message", "error_code", "errors"}
CONTENT_KEYS = {"entry", "entries", "content_type", "content_types"}

COMPANY = {
    "content_type": {
        "title": "Company",
        "uid": "company",
        "schema": [
            {"display_name": "Name", "uid": "title", "data_type": "text", "mandatory": True},
            {"display_name": "City", "uid": "city", "data_type": "text"},
        ],
    }
}
AUTHOR = {
    "content_type": {
        "title": "Author",
        "uid": "author",
        "schema": [
            {"display_name": "Name", "uid": "title", "data_type": "text", "mandatory": True},
            {
                "display_name": "Company",
                "uid": "company",
                "data_type": "reference",
                "reference_to": ["company"],
            },
        ],
    }
}
PAGE = {
    "content_type": {
        "title": "Page",
        "uid": "page",
        "schema": [
            {"display_name": "Title", "uid": "title", "data_type": "text", "mandatory": True},
            {"display_name": "Body", "uid": "body", "data_type": "text"},
            {"display_name": "Views", "uid": "views", "data_type": "number"},
            {
                "display_name": "SEO",
                "uid": "seo",
                "data_type": "group",
                "schema": [
                    {"display_name": "Meta title", "uid": "meta_title", "data_type": "text"},
                    {"display_name": "Keywords", "uid": "keywords", "data_type": "text"},
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


class Site:
    """A stack with published content and one delivery token per environment."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.tokens: dict[str, str] = {}
        self.envs: dict[str, str] = {}  # name -> uid
        self.pages: list[dict[str, Any]] = []
        self.draft: dict[str, Any] = {}
        self.author: dict[str, Any] = {}
        self.company: dict[str, Any] = {}
        self.ghost: dict[str, Any] = {}  # an author that is never published

    @property
    def api_key(self) -> str:
        return self.api.api_key

    def get(
        self,
        path: str,
        env: str | None = "production",
        token: str | None = None,
        api_key: str | None = None,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
        **more: Any,
    ) -> Reply:
        """A delivery request as the JS SDK makes it: environment in the query string. Parameters
        whose names are not identifiers (`include[]`) go in `params`."""
        sent = {
            "api_key": api_key or self.api_key,
            "access_token": token or self.tokens[env or "production"],
            **(headers or {}),
        }
        query = {**({"environment": env} if env is not None else {}), **(params or {}), **more}
        return self.api.client.get("/v3" + path, params=query, headers=sent)

    def ok(self, path: str, **kw: Any) -> dict[str, Any]:
        response = self.get(path, **kw)
        assert response.status_code == 200, response.text
        return response.json()

    def entry(self, uid: str, ct: str = "page", **kw: Any) -> dict[str, Any]:
        return self.ok(f"/content_types/{ct}/entries/{uid}", **kw)["entry"]

    def entries(self, ct: str = "page", **kw: Any) -> dict[str, Any]:
        return self.ok(f"/content_types/{ct}/entries", **kw)

    # -- management side ----------------------------------------------------------------------
    def create(self, ct: str, locale: str | None = None, **fields: Any) -> dict[str, Any]:
        params = {"locale": locale} if locale else {}
        return self.api.ok(
            self.api.post(f"/content_types/{ct}/entries", {"entry": fields}, params=params), 201
        )["entry"]

    def update(self, ct: str, uid: str, locale: str | None = None, **fields: Any) -> dict[str, Any]:
        params = {"locale": locale} if locale else {}
        return self.api.ok(
            self.api.put(f"/content_types/{ct}/entries/{uid}", {"entry": fields}, params=params)
        )["entry"]

    def publish(
        self,
        ct: str,
        uid: str,
        envs: tuple[str, ...] = ("production",),
        locales: tuple[str, ...] = ("en-us",),
        *,
        unpublish: bool = False,
    ) -> None:
        action = "unpublish" if unpublish else "publish"
        self.api.ok(
            self.api.post(
                f"/content_types/{ct}/entries/{uid}/{action}",
                {
                    "entry": {"environments": list(envs), "locales": list(locales)},
                    "locale": locales[0],
                },
            )
        )

    def token(self, name: str, envs: list[str]) -> str:
        body = {
            "token": {
                "name": name,
                "scope": [
                    {"module": "environment", "environments": envs, "acl": {"read": True}},
                    MAIN_BRANCH,
                ],
            }
        }
        return self.api.ok(self.api.post("/stacks/delivery_tokens", body), 201)["token"]["token"]


def make_site(api: Api) -> Site:
    """en-us (master) <- fr-fr <- de-de; production and staging; company <- author <- page.

    Published to production in en-us: the company, the author and pages 0-3 (views = n). Page 0 is
    also published in fr-fr ("Bonjour"). Page 4 is a draft; `ghost` is an author never published.
    """
    site = Site(api)
    api.ok(api.post("/locales", {"locale": {"code": "fr-fr", "fallback_locale": "en-us"}}), 201)
    api.ok(api.post("/locales", {"locale": {"code": "de-de", "fallback_locale": "fr-fr"}}), 201)
    for name in ("production", "staging"):
        site.envs[name] = api.ok(api.post("/environments", {"environment": {"name": name}}), 201)[
            "environment"
        ]["uid"]
        site.tokens[name] = site.token(f"{name} token", [name])
    for body in (COMPANY, AUTHOR, PAGE):
        api.ok(api.post("/content_types", body), 201)
    site.company = site.create("company", title="Acme", city="Lyon")
    site.author = site.create(
        "author",
        title="Ada",
        company=[{"uid": site.company["uid"], "_content_type_uid": "company"}],
    )
    site.ghost = site.create("author", title="Ghost")
    refs = [
        {"uid": site.author["uid"], "_content_type_uid": "author"},
        {"uid": site.ghost["uid"], "_content_type_uid": "author"},
    ]
    for n in range(5):
        site.pages.append(
            site.create(
                "page",
                title=f"Page {n}",
                body=f"Body {n}",
                views=n,
                author=refs,
                seo={"meta_title": f"Meta {n}", "keywords": "alpha beta" if n % 2 else "gamma"},
            )
        )
    site.draft = site.pages.pop()
    site.publish("company", site.company["uid"])
    site.publish("author", site.author["uid"])
    for page in site.pages:
        site.publish("page", page["uid"])
    site.update("page", site.pages[0]["uid"], locale="fr-fr", title="Bonjour")
    site.publish("page", site.pages[0]["uid"], locales=("fr-fr",))
    return site


@pytest.fixture(scope="module")
def site(services: Services, client: TestClient) -> Iterator[Site]:
    api = new_user(services, client)
    api.api_key = api.ok(
        api.post("/stacks", {"stack": {"name": "Delivery", "master_locale": "en-us"}}), 201
    )["stack"]["api_key"]
    yield make_site(api)


@pytest.fixture
def fresh(api: Api) -> Site:
    return make_site(api)


def assert_error(response: Reply, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == ERROR_KEYS and not CONTENT_KEYS & set(body)
    assert isinstance(body["error_message"], str) and body["error_message"]
    assert isinstance(body["error_code"], int) and isinstance(body["errors"], dict)
    return body


def titles(body: dict[str, Any]) -> list[str]:
    return [e["title"] for e in body["entries"]]


# -- endpoints and shapes ------------------------------------------------------------------------
def test_single_entry_shape(site: Site) -> None:
    page = site.pages[1]
    body = site.ok(f"/content_types/page/entries/{page['uid']}")
    assert set(body) == {"entry"}
    entry = body["entry"]
    assert entry["uid"] == page["uid"] and entry["title"] == "Page 1" and entry["locale"] == "en-us"
    assert (
        entry["_version"] == 1
        and entry["seo"]["meta_title"] == "Meta 1"
        and entry["seo"]["keywords"] == "alpha beta"
    )
    details = entry["publish_details"]
    assert set(details) == {"environment", "locale", "time", "user"}
    assert details["environment"] == site.envs["production"] and details["locale"] == "en-us"
    assert details["time"].endswith("Z") and details["user"]
    # References stay pointers unless include[] asks for them.
    assert entry["author"][0] == {"uid": site.author["uid"], "_content_type_uid": "author"}


def test_list_shape_and_only_published(site: Site) -> None:
    body = site.entries()
    assert set(body) == {"entries"}
    assert sorted(titles(body)) == ["Page 0", "Page 1", "Page 2", "Page 3"]
    assert all(e["locale"] == "en-us" for e in body["entries"])
    # The default order is newest `updated_at` first, as Contentstack does.
    assert [e["updated_at"] for e in body["entries"]] == sorted(
        (e["updated_at"] for e in body["entries"]), reverse=True
    )
    counted = site.entries(include_count="true")
    assert counted["count"] == 4 and len(counted["entries"]) == 4
    assert site.ok("/content_types/page/entries/")[
        "entries"
    ]  # trailing slash, as the legacy JS SDK sends


def test_content_types(site: Site) -> None:
    body = site.ok("/content_types", include_count="true")
    assert set(body) == {"content_types", "count"} and body["count"] == 3
    assert [ct["uid"] for ct in body["content_types"]] == ["company", "author", "page"]
    page = site.ok("/content_types/page")
    assert set(page) == {"content_type"}
    assert page["content_type"]["uid"] == "page" and [
        f["uid"] for f in page["content_type"]["schema"]
    ][:3] == ["title", "body", "views"]
    assert_error(site.get("/content_types/nothing"), 422)
    assert_error(site.get("/content_types/nothing/entries"), 422)


def test_environment_from_header_or_query_by_name_or_uid(site: Site) -> None:
    uid = site.pages[0]["uid"]
    by_header = site.get(
        f"/content_types/page/entries/{uid}", env=None, headers={"environment": "production"}
    )
    assert by_header.status_code == 200 and by_header.json()["entry"]["title"] == "Page 0"
    by_uid = site.get(
        f"/content_types/page/entries/{uid}", env=None, environment=site.envs["production"]
    )
    assert by_uid.json()["entry"]["title"] == "Page 0"
    listed = site.get(
        "/content_types/page/entries", env=None, headers={"environment": "production"}
    )
    assert len(listed.json()["entries"]) == 4
    assert_error(
        site.get(f"/content_types/page/entries/{uid}", env=None, token=site.tokens["production"]),
        422,
    )
    assert_error(
        site.get(
            f"/content_types/page/entries/{uid}", env="nowhere", token=site.tokens["production"]
        ),
        422,
    )


def test_management_reads_are_not_mistaken_for_delivery(site: Site) -> None:
    """Only an access_token header or parameter makes a delivery request, not the words in a query."""
    body = site.api.ok(
        site.api.get("/content_types/page/entries", params={"query": '{"title": "access_token="}'})
    )
    assert body == {"entries": []}
    drafts = site.api.ok(
        site.api.get("/content_types/page/entries", params={"include_count": "true"})
    )
    assert drafts["count"] == 5  # management sees the draft too


def test_credentials_in_query_string(site: Site) -> None:
    uid = site.pages[0]["uid"]
    response = site.api.client.get(
        f"/v3/content_types/page/entries/{uid}",
        params={
            "api_key": site.api_key,
            "access_token": site.tokens["production"],
            "environment": "production",
        },
    )
    assert response.status_code == 200 and response.json()["entry"]["uid"] == uid


# -- authentication and scope --------------------------------------------------------------------
PATHS = [
    "/content_types/page/entries/{uid}",
    "/content_types/page/entries",
    "/content_types",
    "/content_types/page",
]


@pytest.mark.parametrize("path", PATHS)
def test_token_of_another_environment_is_403(site: Site, path: str) -> None:
    path = path.format(uid=site.pages[0]["uid"])
    for env, token in (("production", "staging"), ("staging", "production")):
        body = assert_error(site.get(path, env=env, token=site.tokens[token]), 403)
        assert "environment" in body["errors"]
    # Through the header too (the Python SDK's way).
    assert_error(
        site.get(
            path, env=None, token=site.tokens["staging"], headers={"environment": "production"}
        ),
        403,
    )


@pytest.mark.parametrize("path", PATHS)
def test_unknown_token_401_missing_api_key_412(site: Site, path: str) -> None:
    path = path.format(uid=site.pages[0]["uid"])
    assert_error(site.get(path, token="cs" + "0" * 24), 401)
    response = site.api.client.get(
        "/v3" + path,
        params={"environment": "production"},
        headers={"access_token": site.tokens["production"]},
    )
    assert assert_error(response, 412)["error_message"] == "The entered API key is invalid"
    assert_error(site.get(path, api_key="blt0000000000000000"), 412)


def test_token_of_another_stack_never_reads_it(site: Site, fresh: Site) -> None:
    """fresh's token with site's api_key (and the reverse): never content, both ways."""
    uid = site.pages[0]["uid"]
    for path in [p.format(uid=uid) for p in PATHS]:
        assert_error(site.get(path, token=fresh.tokens["production"]), 401)
        assert_error(fresh.get(path, token=site.tokens["production"]), 401)
    # Each token still works on its own stack, and the other stack's entry is not there.
    assert site.entry(uid)["title"] == "Page 0"
    assert_error(fresh.get(f"/content_types/page/entries/{uid}"), 422)


def test_revoked_or_rescoped_token_stops_at_once(fresh: Site) -> None:
    uid = fresh.pages[0]["uid"]
    assert fresh.entry(uid)["title"] == "Page 0"  # cached now
    tokens = fresh.api.ok(fresh.api.get("/stacks/delivery_tokens"))["tokens"]
    production = next(t for t in tokens if t["name"] == "production token")
    fresh.api.ok(
        fresh.api.put(
            f"/stacks/delivery_tokens/{production['uid']}",
            {
                "token": {
                    "scope": [
                        {
                            "module": "environment",
                            "environments": ["staging"],
                            "acl": {"read": True},
                        },
                        MAIN_BRANCH,
                    ]
                }
            },
        )
    )
    assert_error(fresh.get(f"/content_types/page/entries/{uid}"), 403)
    assert (
        fresh.get(
            f"/content_types/page/entries/{uid}", env="staging", token=fresh.tokens["production"]
        ).status_code
        == 422
    )
    fresh.api.ok(fresh.api.delete(f"/stacks/delivery_tokens/{production['uid']}"))
    assert_error(
        fresh.get(
            f"/content_types/page/entries/{uid}", env="staging", token=fresh.tokens["production"]
        ),
        401,
    )


def test_expired_token_stops_even_when_cached(fresh: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    from veneer.api.delivery import reader

    body = {
        "token": {
            "name": "short",
            "expires_on": "2099-12-31",
            "scope": [
                {"module": "environment", "environments": ["production"], "acl": {"read": True}},
                MAIN_BRANCH,
            ],
        }
    }
    short = fresh.api.ok(fresh.api.post("/stacks/delivery_tokens", body), 201)["token"]["token"]
    uid = fresh.pages[0]["uid"]
    for _ in range(2):  # the second answer comes from the cache, under these exact credentials
        assert fresh.get(f"/content_types/page/entries/{uid}", token=short).status_code == 200
    monkeypatch.setattr(reader.ids, "now", lambda: "2100-01-01T00:00:00.000Z")
    assert (
        "expired"
        in assert_error(fresh.get(f"/content_types/page/entries/{uid}", token=short), 401)[
            "error_message"
        ]
    )
    assert_error(fresh.get("/content_types/page/entries", token=short), 401)
    assert fresh.entry(uid)["title"] == "Page 0"  # a token without expiry still reads


def test_delivery_token_cannot_manage(site: Site) -> None:
    """A delivery token makes a request a delivery one: writes are not delivery routes."""
    response = site.api.client.post(
        "/v3/content_types/page/entries",
        json={"entry": {"title": "x"}},
        headers={"api_key": site.api_key, "access_token": site.tokens["production"]},
    )
    assert response.status_code in {401, 403}
    assert set(response.json()) == ERROR_KEYS


# -- locales -------------------------------------------------------------------------------------
def test_locale_default_master_and_explicit(site: Site) -> None:
    uid = site.pages[0]["uid"]
    assert site.entry(uid)["title"] == "Page 0"
    french = site.entry(uid, locale="fr-fr")
    assert french["title"] == "Bonjour" and french["locale"] == "fr-fr"
    assert french["publish_details"]["locale"] == "fr-fr"
    assert site.entry(uid, locale="FR-FR")["title"] == "Bonjour"
    # Page 1 is not published in fr-fr: without fallback it is not there.
    assert_error(
        site.get(f"/content_types/page/entries/{site.pages[1]['uid']}", locale="fr-fr"), 422
    )
    assert titles(site.entries(locale="fr-fr")) == ["Bonjour"]
    assert_error(site.get(f"/content_types/page/entries/{uid}", locale="xx-xx"), 422)


def test_include_fallback_walks_the_chain(site: Site) -> None:
    zero, one = site.pages[0]["uid"], site.pages[1]["uid"]
    fallback = site.entry(one, locale="fr-fr", include_fallback="true")
    assert fallback["title"] == "Page 1" and fallback["locale"] == "en-us"
    # de-de -> fr-fr -> en-us: the first locale where each entry is published.
    german_zero = site.entry(zero, locale="de-de", include_fallback="true")
    assert german_zero["title"] == "Bonjour" and german_zero["locale"] == "fr-fr"
    assert site.entry(one, locale="de-de", include_fallback="true")["locale"] == "en-us"
    assert_error(site.get(f"/content_types/page/entries/{zero}", locale="de-de"), 422)
    listed = site.entries(locale="de-de", include_fallback="true", asc="views")
    assert titles(listed) == ["Bonjour", "Page 1", "Page 2", "Page 3"]
    assert [e["locale"] for e in listed["entries"]] == ["fr-fr", "en-us", "en-us", "en-us"]


# -- list parameters -----------------------------------------------------------------------------
def test_query_operators(site: Site) -> None:
    def query(q: dict[str, Any], **kw: Any) -> list[str]:
        return titles(site.entries(query=json.dumps(q), asc="views", **kw))

    assert query({"title": "Page 2"}) == ["Page 2"]
    assert query({"views": {"$gte": 1, "$lt": 3}}) == ["Page 1", "Page 2"]
    assert query({"views": {"$in": [0, 3]}}) == ["Page 0", "Page 3"]
    assert query({"views": {"$nin": [0, 3]}}) == ["Page 1", "Page 2"]
    assert query({"views": {"$ne": 1}}) == ["Page 0", "Page 2", "Page 3"]
    assert query({"$or": [{"views": 0}, {"title": "Page 3"}]}) == ["Page 0", "Page 3"]
    assert query({"$and": [{"views": {"$gt": 0}}, {"seo.keywords": "gamma"}]}) == ["Page 2"]
    assert query({"title": {"$regex": "^page [13]$", "$options": "i"}}) == ["Page 1", "Page 3"]
    assert query({"body": {"$exists": True}}) == ["Page 0", "Page 1", "Page 2", "Page 3"]
    assert query({"author.uid": site.author["uid"]}, limit=1) == ["Page 0"]
    # The query runs on published data: the draft page never matches.
    assert query({"title": "Page 4"}) == []
    # ...and in the locale asked for.
    assert query({"title": "Bonjour"}, locale="fr-fr") == ["Bonjour"]
    assert query({"title": "Bonjour"}) == []


def test_list_operators_take_the_js_sdks_numbered_objects(site: Site) -> None:
    """The JS delivery SDK's `find(true)` sends a query's arrays as objects keyed "0", "1", …:
    under `$and`, `$or`, `$in` and `$nin` they are read as those lists, by the database."""

    def query(q: dict[str, Any]) -> list[str]:
        return titles(site.entries(query=json.dumps(q), asc="views"))

    numbered = {
        "$or": {"0": {"views": 0}, "1": {"title": "Page 3"}},
        "$and": {"0": {"views": {"$nin": {"0": 0, "1": 3}}}, "1": {"views": {"$in": {"0": 2}}}},
    }
    listed = {
        "$or": [{"views": 0}, {"title": "Page 3"}],
        "$and": [{"views": {"$nin": [0, 3]}}, {"views": {"$in": [2]}}],
    }
    assert query({"$or": numbered["$or"]}) == query({"$or": listed["$or"]}) == ["Page 0", "Page 3"]
    assert query({"$and": numbered["$and"]}) == query({"$and": listed["$and"]}) == ["Page 2"]
    # Keys out of order, or not numbers, are no list: the query stays refused.
    for bad in ({"$or": {"1": {"views": 0}, "0": {"views": 1}}}, {"$or": {"a": {"views": 0}}}):
        assert_error(site.get("/content_types/page/entries", query=json.dumps(bad)), 422)


def test_bad_query_is_a_json_error(site: Site) -> None:
    assert_error(site.get("/content_types/page/entries", query="{not json"), 422)
    assert_error(site.get("/content_types/page/entries", query='{"views": {"$near": 1}}'), 422)
    assert_error(site.get("/content_types/page/entries", limit="lots"), 422)


def test_skip_limit_count_sort(site: Site) -> None:
    body = site.entries(
        query='{"views": {"$gte": 1}}', asc="views", include_count="true", limit=2, skip=1
    )
    assert body["count"] == 3 and titles(body) == ["Page 2", "Page 3"]
    assert titles(site.entries(desc="views", limit=2)) == ["Page 3", "Page 2"]
    assert titles(site.entries(asc="title", skip=3)) == ["Page 3"]
    assert site.entries(skip=10, include_count="true") == {"entries": [], "count": 4}
    assert "count" not in site.entries(include_count="false")


def test_limit_default_and_max_100(fresh: Site) -> None:
    for n in range(97):  # 4 published already: 101 in all
        entry = fresh.create("page", title=f"Bulk {n}", views=100 + n)
        fresh.publish("page", entry["uid"])
    body = fresh.entries(include_count="true")
    assert body["count"] == 101 and len(body["entries"]) == 100
    assert len(fresh.entries(limit=100, skip=100)["entries"]) == 1
    # Out of range is read as the nearest page, as Contentstack answers it: at most 100.
    for limit in (101, 10000, 0, -1):
        assert fresh.entries(limit=limit)["entries"] == body["entries"]


def test_only_and_except(site: Site) -> None:
    uid = site.pages[1]["uid"]
    only = site.entry(uid, params={"only[BASE][]": ["title", "seo.meta_title"]})
    assert only == {"uid": uid, "title": "Page 1", "seo": {"meta_title": "Meta 1"}}
    without = site.entry(uid, params={"except[BASE][]": ["body", "seo.keywords"]})
    assert "body" not in without and "keywords" not in without["seo"] and without["views"] == 1
    assert without["seo"]["meta_title"] == "Meta 1"
    listed = site.entries(params={"only[BASE][]": "views"}, asc="views")
    assert [set(e) for e in listed["entries"]] == [{"uid", "views"}] * 4
    # The JS SDK's bracket serialization: only[BASE][][]=title.
    assert site.entry(uid, params={"only[BASE][][]": "title"}) == {"uid": uid, "title": "Page 1"}


def test_include_references_to_published_versions(site: Site) -> None:
    uid = site.pages[0]["uid"]
    entry = site.entry(uid, params={"include[]": "author"})
    # The ghost author is not published: it is left out, as Contentstack does.
    assert len(entry["author"]) == 1
    author = entry["author"][0]
    assert author["uid"] == site.author["uid"] and author["title"] == "Ada"
    assert author["_content_type_uid"] == "author"
    assert author["publish_details"]["environment"] == site.envs["production"]
    assert author["company"] == [{"uid": site.company["uid"], "_content_type_uid": "company"}]
    nested = site.entry(uid, params={"include[]": ["author", "author.company"]})
    assert (
        nested["author"][0]["company"][0]["title"] == "Acme"
        and nested["author"][0]["company"][0]["city"] == "Lyon"
    )
    # A nested path alone expands its parents too.
    assert (
        site.entry(uid, params={"include[]": "author.company"})["author"][0]["company"][0]["title"]
        == "Acme"
    )
    # The JS SDK's bracket serialization.
    assert site.entry(uid, params={"include[][]": "author"})["author"][0]["title"] == "Ada"
    listed = site.entries(params={"include[]": "author.company"}, asc="views", limit=2)
    assert [e["author"][0]["company"][0]["title"] for e in listed["entries"]] == ["Acme", "Acme"]
    # Only the references asked for: combined with only[BASE][].
    slim = site.entry(uid, params={"include[]": "author", "only[BASE][]": ["author"]})
    assert set(slim) == {"uid", "author"} and slim["author"][0]["title"] == "Ada"


def test_publish_details_metadata_content_type(site: Site) -> None:
    uid = site.pages[2]["uid"]
    entry = site.entry(uid, include_publish_details="true", include_metadata="true")
    assert entry["publish_details"]["environment"] == site.envs["production"]
    assert entry["publish_details"]["locale"] == "en-us" and entry["publish_details"]["user"]
    body = site.ok(f"/content_types/page/entries/{uid}", include_content_type="true")
    assert body["entry"]["uid"] == uid and body["content_type"]["uid"] == "page"
    assert [f["uid"] for f in body["content_type"]["schema"]] == [
        "title",
        "body",
        "views",
        "seo",
        "author",
    ]
    listed = site.entries(include_content_type="true", include_count="true")
    assert (
        set(listed) == {"entries", "content_type", "count"}
        and listed["content_type"]["title"] == "Page"
    )
    # A plain list is the stored documents joined unparsed: the same JSON as a parsed one.
    assert listed["entries"] == site.entries()["entries"]


# -- publishing, unpublishing and the cache ------------------------------------------------------
def test_unpublished_content_is_never_served(fresh: Site) -> None:
    draft = fresh.draft["uid"]
    assert_error(fresh.get(f"/content_types/page/entries/{draft}"), 422)
    assert "Page 4" not in titles(fresh.entries())
    # An entry published only to staging is invisible to production, and the reverse.
    fresh.publish("page", draft, envs=("staging",))
    assert_error(fresh.get(f"/content_types/page/entries/{draft}"), 422)
    assert fresh.entry(draft, env="staging")["title"] == "Page 4"
    assert titles(fresh.entries(env="staging")) == ["Page 4"]
    # Editing a published entry changes nothing until it is published again.
    uid = fresh.pages[1]["uid"]
    fresh.update("page", uid, title="Edited")
    assert fresh.entry(uid)["title"] == "Page 1"
    assert "Edited" not in titles(fresh.entries())


def test_unpublish_and_republish_purge_the_cache(fresh: Site) -> None:
    uid = fresh.pages[1]["uid"]
    path = f"/content_types/page/entries/{uid}"
    for _ in range(2):  # the second read is a cache hit
        assert fresh.entry(uid)["title"] == "Page 1"
        assert "Page 1" in titles(fresh.entries())
        assert (
            fresh.ok("/content_types/page/entries", query='{"views": 1}')["entries"][0]["uid"]
            == uid
        )
    fresh.publish("page", uid, unpublish=True)
    assert_error(fresh.get(path), 422)
    assert "Page 1" not in titles(fresh.entries())
    assert fresh.ok("/content_types/page/entries", query='{"views": 1}')["entries"] == []
    fresh.update("page", uid, title="Page 1 again")
    fresh.publish("page", uid)
    again = fresh.entry(uid)
    assert again["title"] == "Page 1 again" and again["_version"] == 2
    assert "Page 1 again" in titles(fresh.entries())
    # Republishing a new version over a published one replaces it in the cache too.
    fresh.update("page", uid, title="Page 1 third")
    fresh.publish("page", uid)
    assert fresh.entry(uid)["title"] == "Page 1 third"
    assert "Page 1 third" in titles(fresh.entries())
    # Deleting the entry unpublishes it.
    fresh.api.ok(fresh.api.delete(f"/content_types/page/entries/{uid}"))
    assert_error(fresh.get(path), 422)
    assert "Page 1 third" not in titles(fresh.entries())


def test_purges_are_targeted(fresh: Site) -> None:
    """Publishing one entry drops what depends on it and nothing else, across locales."""
    zero, one = fresh.pages[0]["uid"], fresh.pages[1]["uid"]
    app = fresh.api.client.app
    while not hasattr(app, "state"):  # through the ASGI wrappers, to the Starlette app
        app = app.app  # type: ignore[attr-defined]
    cache = app.state.delivery

    def cached_paths() -> list[str]:
        # Keys are (path, stack, ...) or, for the exact request, ("exact", path, api_key, ...).
        return sorted(k[1] if k[0] == "exact" else k[0] for k in cache.items if fresh.api_key in k)

    fresh.entry(zero)
    fresh.entry(zero, locale="fr-fr")
    fresh.entry(one)
    fresh.entries()
    fresh.entries(ct="author")
    assert len(cached_paths()) == 10  # each under its normalized key and its exact one
    fresh.publish("page", zero)
    fresh.entry(one)  # any delivery request syncs with the change log
    assert cached_paths() == sorted(
        2 * ["/v3/content_types/author/entries", f"/v3/content_types/page/entries/{one}"]
    )


def test_references_follow_their_publications(fresh: Site) -> None:
    uid = fresh.pages[0]["uid"]
    assert (
        fresh.entry(uid, params={"include[]": "author.company"})["author"][0]["company"][0]["title"]
        == "Acme"
    )
    fresh.update("company", fresh.company["uid"], title="Acme Corp")
    fresh.publish("company", fresh.company["uid"])
    assert (
        fresh.entry(uid, params={"include[]": "author.company"})["author"][0]["company"][0]["title"]
        == "Acme Corp"
    )
    fresh.publish("author", fresh.ghost["uid"])  # was left out while unpublished
    assert [a["title"] for a in fresh.entry(uid, params={"include[]": "author"})["author"]] == [
        "Ada",
        "Ghost",
    ]
    fresh.publish("author", fresh.author["uid"], unpublish=True)
    assert [a["title"] for a in fresh.entry(uid, params={"include[]": "author"})["author"]] == [
        "Ghost"
    ]


def test_schema_and_locale_changes_reach_delivery(fresh: Site) -> None:
    assert fresh.ok("/content_types/company")["content_type"]["title"] == "Company"
    assert fresh.ok(
        "/content_types/page/entries/" + fresh.pages[0]["uid"], include_content_type="true"
    )
    fresh.api.ok(fresh.api.put("/content_types/company", {"content_type": {"title": "Firm"}}))
    assert fresh.ok("/content_types/company")["content_type"]["title"] == "Firm"
    assert fresh.ok("/content_types")["content_types"][0]["title"] == "Firm"
    # A locale's fallback changes: cached fallback reads follow.
    uid = fresh.pages[0]["uid"]
    assert fresh.entry(uid, locale="de-de", include_fallback="true")["title"] == "Bonjour"
    fresh.api.ok(fresh.api.put("/locales/de-de", {"locale": {"fallback_locale": "en-us"}}))
    assert fresh.entry(uid, locale="de-de", include_fallback="true")["title"] == "Page 0"


def test_etag_and_if_none_match(fresh: Site) -> None:
    uid = fresh.pages[0]["uid"]
    path = f"/content_types/page/entries/{uid}"
    first = fresh.get(path)
    etag = first.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"') and not etag.startswith("W/")
    assert fresh.get(path).headers["etag"] == etag  # stable for the same bytes
    not_modified = fresh.get(path, headers={"If-None-Match": etag})
    assert (
        not_modified.status_code == 304
        and not_modified.content == b""
        and not_modified.headers["etag"] == etag
    )
    assert fresh.get(path, headers={"If-None-Match": f'"other", W/{etag}'}).status_code == 304
    assert fresh.get(path, headers={"If-None-Match": '"other"'}).status_code == 200
    listed = fresh.get("/content_types/page/entries")
    assert (
        fresh.get(
            "/content_types/page/entries", headers={"If-None-Match": listed.headers["etag"]}
        ).status_code
        == 304
    )
    fresh.update("page", uid, title="New")
    fresh.publish("page", uid)
    changed = fresh.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.json()["entry"]["title"] == "New"
    assert changed.headers["etag"] != etag
    assert (
        fresh.get(
            "/content_types/page/entries", headers={"If-None-Match": listed.headers["etag"]}
        ).status_code
        == 200
    )
    fresh.publish("page", uid, unpublish=True)
    assert_error(fresh.get(path, headers={"If-None-Match": changed.headers["etag"]}), 422)


@pytest.mark.parametrize(
    "expires_on",
    [0, 1, "yesterday", "2000-01-01", "2000-01-01T00:00:00.000Z", "2099-13-01", True, {}],
)
def test_token_expiry_must_be_a_future_date(site: Site, expires_on: Any) -> None:
    """Finding 15: `0` or `"yesterday"` were stored as given and compared as never expiring."""
    scope = [
        {"module": "environment", "environments": ["production"], "acl": {"read": True}},
        MAIN_BRANCH,
    ]
    body = {"token": {"name": "t", "expires_on": expires_on, "scope": scope}}
    refused = assert_error(site.api.post("/stacks/delivery_tokens", body), 422)
    assert "expires_on" in refused["errors"]
    content = [{"module": "content_type", "acl": {"read": True, "write": True}}, MAIN_BRANCH]
    management = {"token": {"name": "m", "expires_on": expires_on, "scope": content}}
    assert (
        "expires_on"
        in assert_error(site.api.post("/stacks/management_tokens", management), 422)["errors"]
    )
    uid = site.api.ok(site.api.get("/stacks/delivery_tokens"))["tokens"][0]["uid"]
    update = {"token": {"expires_on": expires_on}}
    assert (
        "expires_on"
        in assert_error(site.api.put(f"/stacks/delivery_tokens/{uid}", update), 422)["errors"]
    )


def test_token_expiry_is_kept_in_utc(site: Site) -> None:
    scope = [
        {"module": "environment", "environments": ["production"], "acl": {"read": True}},
        MAIN_BRANCH,
    ]
    made = []
    for given in ("2099-12-31", "2099-12-31T23:30:00+02:00", None, ""):
        body = {"token": {"name": "t", "expires_on": given, "scope": scope}}
        made.append(site.api.ok(site.api.post("/stacks/delivery_tokens", body), 201)["token"])
    assert [token["expires_on"] for token in made] == [
        "2099-12-31",
        "2099-12-31T21:30:00.000Z",
        None,
        None,
    ]
    uid = made[2]["uid"]
    later = {"token": {"expires_on": "2098-01-01T00:00:00Z"}}
    assert (
        site.api.ok(site.api.put(f"/stacks/delivery_tokens/{uid}", later))["token"]["expires_on"]
        == "2098-01-01T00:00:00.000Z"
    )
    assert (
        site.api.ok(site.api.get(f"/stacks/delivery_tokens/{uid}"))["token"]["expires_on"]
        == "2098-01-01T00:00:00.000Z"
    )


def test_a_token_stored_with_a_meaningless_expiry_has_expired(
    site: Site, services: Services
) -> None:
    """Tokens written before expiries were checked may hold `0` or `"yesterday"`: they were meant
    to end, so they no longer open anything (delivery or management)."""
    uid = site.pages[0]["uid"]
    scope = [
        {"module": "environment", "environments": ["production"], "acl": {"read": True}},
        MAIN_BRANCH,
    ]
    management = {
        "token": {
            "name": "m",
            "scope": [{"module": "content_type", "acl": {"read": True}}, MAIN_BRANCH],
        }
    }
    for stored in (0, "yesterday", False, "2000-01-01"):
        body = {"token": {"name": "old", "scope": scope}}
        made = site.api.ok(site.api.post("/stacks/delivery_tokens", body), 201)["token"]
        assert (
            site.get(f"/content_types/page/entries/{uid}", token=made["token"]).status_code == 200
        )
        secret = site.api.ok(site.api.post("/stacks/management_tokens", management), 201)["token"]
        with services.store.write() as tx:
            for kind, row_uid in (("delivery", made["uid"]), ("management", secret["uid"])):
                row = tx.tokens.get(site.api_key, kind, row_uid)
                assert row is not None
                tx.tokens.update(row_uid, {**row["doc"], "expires_on": stored}, row["updated_at"])
            tx.changes.record(site.api_key)
        assert_error(site.get(f"/content_types/page/entries/{uid}", token=made["token"]), 401)
        headers = {"authorization": secret["token"], "api_key": site.api_key}
        assert_error(site.api.client.get("/v3/content_types", headers=headers), 401)
