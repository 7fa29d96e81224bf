"""Bad input gets a clear, fast, Contentstack-shaped error, and nothing is written."""

from __future__ import annotations

import logging
import time
from typing import Any

import orjson
import pytest

from tests.api.test_core_flow import PAGE
from tests.conftest import Api

ERROR_KEYS = {"error_message", "error_code", "errors"}


@pytest.fixture
def page(api: Api) -> Api:
    api.ok(api.post("/content_types", PAGE), 201)
    return api


def _count(api: Api) -> int:
    return int(
        api.ok(api.get("/content_types/page/entries", params={"include_count": "true"}))["count"]
    )


def _raw(
    api: Api, method: str, path: str, body: bytes, content_type: str = "application/json"
) -> Any:
    return api.client.request(
        method, "/v3" + path, content=body, headers={**api.headers(), "content-type": content_type}
    )


@pytest.mark.parametrize(
    "body,content_type,status",
    [
        (b'{"entry": {"title": "x"', "application/json", 400),
        (b'{"entry": {"title": "\xff\xfe"}}', "application/json", 400),
        (b"title=x", "application/x-www-form-urlencoded", 400),
        (b'{"entry": {"title": "x"}}', "text/plain", 400),
        (b'["entry"]', "application/json", 400),
        (b'{"entry": "x"}', "application/json", 422),
        (b'{"entry": {"title": 5}}', "application/json", 422),
        (b'{"entry": {"title": "' + b"a" * 200 + b'", "views": "NaN"}}', "application/json", 422),
    ],
)
def test_bad_bodies(page: Api, body: bytes, content_type: str, status: int) -> None:
    started = time.monotonic()
    response = _raw(page, "POST", "/content_types/page/entries", body, content_type)
    assert response.status_code == status, response.text
    assert set(response.json()) == ERROR_KEYS
    assert time.monotonic() - started < 2
    assert _count(page) == 0


def test_ten_thousand_fields_are_handled_fast(page: Api) -> None:
    fields = {f"field_{i}": i for i in range(10_000)}
    started = time.monotonic()
    response = page.post("/content_types/page/entries", {"entry": {"title": "wide", **fields}})
    assert time.monotonic() - started < 3
    assert (
        response.status_code == 201 and "field_9999" not in response.json()["entry"]
    )  # unknown fields dropped
    schema = [
        {"display_name": f"F{i}", "uid": f"f{i}", "data_type": "number"} for i in range(10_000)
    ]
    wide = page.post(
        "/content_types", {"content_type": {"title": "Wide", "uid": "wide", "schema": schema}}
    )
    assert time.monotonic() - started < 8
    assert wide.status_code == 422 and "title" in orjson.dumps(wide.json()["errors"]).decode()


@pytest.mark.parametrize(
    "query",
    [
        '{"title": {"$regex": "(a+)+$"}}',
        '{"title": {"$regex": "("}}',
        '{"title": {"$bogus": 1}}',
        '{"$or": [' + ",".join('{"title": "x"}' for _ in range(500)) + "]}",
        '{"a":' * 30 + "1" + "}" * 30,
        "not json",
        "[1, 2]",
    ],
)
def test_bad_queries(page: Api, query: str) -> None:
    page.ok(page.post("/content_types/page/entries", {"entry": {"title": "a" * 5000 + "b"}}), 201)
    started = time.monotonic()
    response = page.get("/content_types/page/entries", params={"query": query})
    assert time.monotonic() - started < 2
    if response.status_code == 200:  # a pattern that ran in time is an answer, not an error
        assert response.json()["entries"] == []
    else:
        assert response.status_code == 422 and set(response.json()) == ERROR_KEYS


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "ten"},
        {"skip": "1.5"},
        {"skip": "1e-3"},
        {"skip": "nan"},
        {"skip": "inf"},
    ],
)
def test_paging_out_of_range(page: Api, params: dict[str, str]) -> None:
    response = page.get("/content_types/page/entries", params=params)
    assert response.status_code == 422 and set(response.json()) == ERROR_KEYS


@pytest.mark.parametrize(
    ("params", "read_as"),
    [
        ({"skip": "-1"}, {}),
        ({"skip": "-1e+100"}, {}),
        ({"limit": "0"}, {}),
        ({"limit": "-1"}, {}),
        ({"limit": "101"}, {}),
        ({"limit": "10000", "skip": "-5"}, {}),
        ({"limit": "-3", "skip": "1"}, {"skip": "1"}),
    ],
)
def test_paging_out_of_range_is_read_as_the_nearest_page(
    page: Api, params: dict[str, str], read_as: dict[str, str]
) -> None:
    """Contentstack answers these (the official SDKs' suites expect entries): a skip below 0 is
    0, a limit below 1 is the default, 100, and one above 100 is 100."""
    for n in range(3):
        page.ok(page.post("/content_types/page/entries", {"entry": {"title": f"e{n}"}}), 201)
    for path, key in (
        ("/content_types/page/entries", "entries"),
        ("/environments", "environments"),
    ):
        expected = page.ok(page.get(path, params={**read_as, "include_count": "true"}))
        seen = page.ok(page.get(path, params={**params, "include_count": "true"}))
        assert seen == expected
        assert len(seen[key]) == max(0, seen["count"] - int(read_as.get("skip", 0)))


@pytest.mark.parametrize("skip", ["99999999999999999999", "1e+100"])
def test_a_skip_past_every_row_is_an_empty_page_with_the_count(page: Api, skip: str) -> None:
    """`csdx cm:stacks:export` counts assets with `skip=1e+100` (10 ** 100 in JavaScript)."""
    page.ok(page.post("/content_types/page/entries", {"entry": {"title": "one"}}), 201)
    params = {"skip": skip, "include_count": "true"}
    assert page.ok(page.get("/content_types/page/entries", params=params)) == {
        "entries": [],
        "count": 1,
    }
    assert page.ok(page.get("/assets", params=params)) == {"assets": [], "count": 0}


@pytest.mark.parametrize(
    "uid", ["..%2F..%2Fetc%2Fpasswd", "%2e%2e", "blt%00zero", "x" * 300, "%E2%80%AE"]
)
def test_hostile_uids(page: Api, uid: str) -> None:
    for method in ("GET", "PUT", "DELETE"):
        response = page.client.request(
            method,
            f"/v3/content_types/page/entries/{uid}",
            json={"entry": {"title": "x"}},
            headers=page.headers(),
        )
        assert response.status_code in (400, 404, 422), response.text
        assert set(response.json()) == ERROR_KEYS
    assert _count(page) == 0


def test_publish_with_bad_body_writes_nothing(page: Api) -> None:
    entry = page.ok(page.post("/content_types/page/entries", {"entry": {"title": "p"}}), 201)[
        "entry"
    ]
    path = f"/content_types/page/entries/{entry['uid']}"
    for body in (
        {},
        {"entry": {"environments": "production"}},
        {"entry": {"environments": ["nowhere"]}},
        {"entry": {"environments": ["production"], "locales": ["xx-xx"]}},
        {"entry": {"environments": [1]}},
    ):
        response = page.post(path + "/publish", body)
        assert response.status_code == 422, response.text
    details = page.ok(page.get(path, params={"include_publish_details": "true"}))["entry"][
        "publish_details"
    ]
    assert details == []


@pytest.mark.parametrize(
    "extra,field",
    [
        ({"scheduled_at": 1767225600}, "scheduled_at"),
        ({"scheduled_at": ["2030-01-01T00:00:00.000Z"]}, "scheduled_at"),
        ({"scheduled_at": "next tuesday"}, "scheduled_at"),
        ({"locale": 5}, "locale"),
        ({"locale": {"code": "en-us"}}, "locale"),
    ],
)
def test_publish_with_bad_time_or_locale_is_422_in_no_error_log(
    page: Api, extra: dict[str, Any], field: str, caplog: pytest.LogCaptureFixture
) -> None:
    entry = page.ok(page.post("/content_types/page/entries", {"entry": {"title": "s"}}), 201)
    path = f"/content_types/page/entries/{entry['entry']['uid']}/publish"
    body = {"entry": {"environments": ["production"], "locales": ["en-us"]}, **extra}
    with caplog.at_level(logging.ERROR):
        response = page.post(path, body)
    assert response.status_code == 422, response.text
    assert set(response.json()) == ERROR_KEYS and field in response.json()["errors"]
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_a_scheduled_time_with_an_offset_is_queued_in_utc(page: Api, services: Any) -> None:
    page.ok(page.post("/environments", {"environment": {"name": "production"}}), 201)
    entry = page.ok(page.post("/content_types/page/entries", {"entry": {"title": "t"}}), 201)
    path = f"/content_types/page/entries/{entry['entry']['uid']}"
    body = {
        "entry": {"environments": ["production"], "locales": ["en-us"]},
        "scheduled_at": "2099-01-01T02:00:00+02:00",  # 2099-01-01T00:00:00Z
    }
    job = page.ok(page.post(path + "/publish", body))["job_id"]
    with services.store.read() as tx:
        assert job in tx.jobs.due("2099-01-01T00:00:00.000Z")
        assert job not in tx.jobs.due("2098-12-31T23:59:59.999Z")


@pytest.mark.parametrize("error", ["DataError", "IntegrityError"])
def test_database_refusals_are_422(services: Any, error: str) -> None:
    """A safety net under validation: whatever the database refuses is a 422, never a 500."""
    import sqlalchemy.exc
    from starlette.applications import Starlette
    from starlette.routing import Route
    from starlette.testclient import TestClient

    from veneer.api.call import Call, endpoint

    def refused(call: Call) -> Any:
        with call.services.store.write():  # the store translates what the database refused
            raise getattr(sqlalchemy.exc, error)(
                "INSERT …", {}, Exception("value too long for type character varying(64)")
            )

    app = Starlette(routes=[Route("/x", endpoint(refused, public=True), methods=["POST"])])
    app.state.services = services
    with TestClient(app) as client:
        response = client.post("/x", json={})
    assert response.status_code == 422 and set(response.json()) == ERROR_KEYS


def test_versions_out_of_range_are_not_found(page: Api) -> None:
    entry = page.ok(page.post("/content_types/page/entries", {"entry": {"title": "v"}}), 201)[
        "entry"
    ]
    path = f"/content_types/page/entries/{entry['uid']}"
    for version in ("0", "2", "138940679200161650442240"):
        response = page.get(path, params={"version": version})
        assert response.status_code == 422 and response.json()["error_code"] == 141, response.text
    page.ok(page.post("/environments", {"environment": {"name": "production"}}), 201)
    publish = page.post(
        path + "/publish",
        {"entry": {"environments": ["production"]}, "version": "99999999999999999999"},
    )
    assert publish.status_code == 422 and "Version" in publish.json()["error_message"]
