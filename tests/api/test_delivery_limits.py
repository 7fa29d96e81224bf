"""Delivery caps (response size, request time) and the delivery-only node, each on its own app
built with small settings over the same database."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.api.test_delivery import Site, assert_error, make_site
from tests.conftest import Api
from veneer.api.delivery.cache import MEMO_KEY_BYTES, size_of
from veneer.app import create_app
from veneer.errors import RequestTimeout
from veneer.services.context import Services


@pytest.fixture
def site(api: Api) -> Site:
    return make_site(api)


def app_with(services: Services, **settings: Any) -> Iterator[TestClient]:
    tuned = dataclasses.replace(services.settings, **settings)
    app = create_app(tuned, services=dataclasses.replace(services, settings=tuned))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def delivery_get(
    client: TestClient, site: Site, path: str, params: dict[str, Any] | None = None, **more: Any
) -> Any:
    return client.get(
        "/v3" + path,
        params={"environment": "production", **(params or {}), **more},
        headers={"api_key": site.api_key, "access_token": site.tokens["production"]},
    )


def test_response_over_the_size_cap_is_refused(site: Site, services: Services) -> None:
    uid = site.pages[0]["uid"]
    size = len(site.get(f"/content_types/page/entries/{uid}").content)
    for client in app_with(services, max_response_bytes=size - 1):
        body = assert_error(delivery_get(client, site, f"/content_types/page/entries/{uid}"), 422)
        assert "too large" in body["error_message"] and "response" in body["errors"]
        assert_error(delivery_get(client, site, "/content_types/page/entries"), 422)
        # Narrowing the request brings it under the cap.
        small = delivery_get(
            client, site, f"/content_types/page/entries/{uid}", params={"only[BASE][]": "title"}
        )
        assert small.status_code == 200 and small.json()["entry"]["title"] == "Page 0"
    for client in app_with(services, max_response_bytes=size):
        assert delivery_get(client, site, f"/content_types/page/entries/{uid}").status_code == 200


def test_request_over_the_time_limit_is_cut_off(site: Site, services: Services) -> None:
    uid = site.pages[0]["uid"]
    for client in app_with(services, request_timeout=1e-6):
        for path, params in [
            (f"/content_types/page/entries/{uid}", {}),
            ("/content_types/page/entries", {}),
            (f"/content_types/page/entries/{uid}", {"include[]": "author.company"}),
            ("/content_types/page/entries", {"query": '{"views": {"$gte": 1}}'}),
        ]:
            body = assert_error(delivery_get(client, site, path, params), 504)
            assert "too long" in body["error_message"] and "request" in body["errors"]
    for client in app_with(services, request_timeout=5.0):
        assert delivery_get(client, site, "/content_types/page/entries").status_code == 200


def test_the_database_cuts_off_a_slow_read(services: Services) -> None:
    """Not only between steps: a query still running at the deadline is stopped by the database."""
    reader = services.store.published_reader(0.2)
    slow = (
        "SELECT pg_sleep(5)"
        if services.store.dialect == "postgresql"
        else "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000000) SELECT count(*) FROM c"
    )
    try:
        reader.start()
        began = time.monotonic()
        with pytest.raises(RequestTimeout):
            reader._rows(slow, ())
        assert time.monotonic() - began < 2
        reader.start()
        assert reader._rows("SELECT 1", ()) == [(1,)]  # the connection is still usable
    finally:
        reader.close()


def test_delivery_only_node(site: Site, services: Services) -> None:
    uid = site.pages[0]["uid"]
    for client in app_with(services, role="delivery"):
        assert (
            delivery_get(client, site, f"/content_types/page/entries/{uid}").json()["entry"][
                "title"
            ]
            == "Page 0"
        )
        assert len(delivery_get(client, site, "/content_types/page/entries").json()["entries"]) == 4
        assert (
            delivery_get(client, site, "/content_types/page").json()["content_type"]["uid"]
            == "page"
        )
        assert len(delivery_get(client, site, "/content_types").json()["content_types"]) == 3
        management = {"authtoken": site.api.authtoken, "api_key": site.api_key}
        body = assert_error(client.get("/v3/content_types", headers=management), 401)
        assert "Delivery" in body["error_message"]
        assert_error(client.get(f"/v3/content_types/page/entries/{uid}", headers=management), 401)
        assert client.post(
            "/v3/content_types/page/entries", json={"entry": {"title": "x"}}, headers=management
        ).status_code in {404, 405}
        assert client.post("/v3/user-session", json={"user": {}}).status_code == 404
        assert client.get("/-/health").json() == {"status": "ok", "database": "ok"}


def _cache(client: TestClient) -> Any:
    app = client.app
    while not hasattr(app, "state"):  # through the ASGI wrappers, to the Starlette app
        app = app.app  # type: ignore[attr-defined]
    return app.state.delivery


def _with_variants(client: TestClient, site: Site, header: str | bytes, **params: Any) -> Any:
    return client.get(
        f"/v3/content_types/page/entries/{site.pages[0]['uid']}",
        params={"environment": "production", **params},
        headers={
            "api_key": site.api_key,
            "access_token": site.tokens["production"],
            "x-cs-variant-uid": header,
        },
    )


def test_the_delivery_cache_is_capped_by_bytes(site: Site, services: Services) -> None:
    """Finding 3: a count cap alone let big keys and bodies grow the cache without bound."""
    uid = site.pages[0]["uid"]
    one = len(delivery_get(site.api.client, site, f"/content_types/page/entries/{uid}").content)
    cap = 4 * (one + 1024)
    for client in app_with(services, delivery_cache_bytes=cap):
        cache = _cache(client)
        for n in range(20):  # twenty different requests, each cached under two keys
            response = delivery_get(client, site, f"/content_types/page/entries/{uid}", n=n)
            assert response.status_code == 200
            assert cache.bytes <= cap
        assert 0 < len(cache.items) < 20
        assert cache.bytes == sum(cache.costs.values())
        assert set(cache.costs) == set(cache.items)
        # The newest answers are the ones kept.
        assert (
            delivery_get(client, site, f"/content_types/page/entries/{uid}", n=19).status_code
            == 200
        )


def test_an_oversized_variant_header_is_refused_and_never_cached(
    site: Site, services: Services
) -> None:
    """Finding 3: 350 KB x-cs-variant-uid headers were kept whole in cache keys."""
    for client in app_with(services):
        cache = _cache(client)
        before = len(cache.items)
        refused = _with_variants(client, site, ",".join(["cs" + "0" * 16] * 400))
        body = assert_error(refused, 400)
        assert "x-cs-variant-uid" in body["errors"]
        assert len(cache.items) == before
        assert _with_variants(client, site, "a," * 2000).status_code == 200  # 4000 bytes


def test_variant_header_spellings_share_one_cache_entry(site: Site, services: Services) -> None:
    """Cache keys hold the normalized list of names, not the header's text."""
    for client in app_with(services):
        cache = _cache(client)
        assert _with_variants(client, site, "red,blue").status_code == 200
        before = len(cache.items)
        for spelling in (" red , blue ", "red,,blue", "red,blue,"):
            assert _with_variants(client, site, spelling).status_code == 200
        assert len(cache.items) == before
        headers = [k[-1] for k in cache.items if isinstance(k, tuple) and k[0] == "exact"]
        assert headers == [(b"red", b"blue")]


def test_memo_keys_stay_small(site: Site, services: Services) -> None:
    """What resolving a request reads is remembered under names the request sent: a huge one is
    looked up every time rather than kept."""
    for client in app_with(services):
        cache = _cache(client)
        assert delivery_get(client, site, "/content_types/page/entries").status_code == 200
        for n in range(5):
            client.get(
                "/v3/content_types/page/entries",
                params={"environment": "production"},
                headers={
                    "api_key": f"blt{n}" + "x" * 20_000,
                    "access_token": site.tokens["production"],
                },
            )
        assert cache.memo and all(size_of(key) <= MEMO_KEY_BYTES for key in cache.memo)
        assert sum(size_of(key) for key in cache.memo) < 10_000


NODE = {
    "content_type": {
        "title": "Node",
        "uid": "node",
        "schema": [
            {"display_name": "Title", "uid": "title", "data_type": "text", "mandatory": True},
            {
                "display_name": "Next",
                "uid": "next",
                "data_type": "reference",
                "reference_to": ["node"],
            },
        ],
    }
}


def test_include_expands_a_bounded_number_of_references(site: Site, services: Services) -> None:
    """Finding 7: page 0 -> author (published) and ghost (not) -> company: three references."""
    uid = site.pages[0]["uid"]
    path, include = f"/content_types/page/entries/{uid}", {"include[]": "author.company"}
    for client in app_with(services, include_limit=2):
        body = assert_error(delivery_get(client, site, path, include), 422)
        assert body["error_code"] == 413 and "include[]" in body["errors"]
        assert delivery_get(client, site, path).status_code == 200  # without include[]
    for client in app_with(services, include_limit=3):
        entry = delivery_get(client, site, path, include).json()["entry"]
        assert entry["author"][0]["company"][0]["title"] == "Acme"


def test_include_adds_a_bounded_number_of_bytes(site: Site, services: Services) -> None:
    """Even when `only` drops them from the answer, the expanded entries are built first."""
    uid = site.pages[0]["uid"]
    path = f"/content_types/page/entries/{uid}"
    author = site.entry(site.author["uid"], ct="author")
    cap = len(json.dumps(author))  # less than the author and its company together
    narrow = {"include[]": "author.company", "only[BASE][]": "title"}
    for client in app_with(services, max_response_bytes=cap):
        body = assert_error(delivery_get(client, site, path, narrow), 422)
        assert "include[]" in body["errors"]
        assert delivery_get(client, site, path, {"only[BASE][]": "title"}).status_code == 200


def test_self_references_stop_at_the_include_limit(
    api: Api, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An entry referencing itself twice, included ten levels deep, is 2 + 4 + ... + 1024
    references: past the default limit of 1000, refused instead of built."""
    site = make_site(api)
    api.ok(api.post("/content_types", NODE), 201)
    node = site.create("node", title="loop")
    ref = {"uid": node["uid"], "_content_type_uid": "node"}
    site.update("node", node["uid"], title="loop", next=[ref, ref])
    site.publish("node", node["uid"])
    path = f"/content_types/node/entries/{node['uid']}"
    deep = {"include[]": ".".join(["next"] * 10)}
    shallow = {"include[]": ".".join(["next"] * 3)}
    for client in app_with(services):
        assert assert_error(delivery_get(client, site, path, deep), 422)["error_code"] == 413
        reads = _count_entry_reads(client, monkeypatch)
        entry = delivery_get(client, site, path, shallow).json()["entry"]
        assert entry["next"][1]["next"][0]["next"][1]["title"] == "loop"
        assert reads == [node["uid"]] * 2  # the entry, then once for its 14 references


def _count_entry_reads(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The uids of the published entries the delivery path reads from now on."""
    app = client.app
    while not hasattr(app, "state"):  # through the ASGI wrappers, to the Starlette app
        app = app.app  # type: ignore[attr-defined]
    reader = app.state.delivery_context.published
    reads: list[str] = []
    original = reader.published_entry

    def counted(stack: str, environment: str, locale: str, ct: str, uid: str) -> Any:
        reads.append(uid)
        return original(stack, environment, locale, ct, uid)

    monkeypatch.setattr(reader, "published_entry", counted)
    return reads
