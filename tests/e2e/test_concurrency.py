"""Concurrent writes against a real server with two worker processes, on both databases."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.conftest import PASSWORD, free_port, start_server, stop_server

pytestmark = [pytest.mark.slow, pytest.mark.e2e]
WRITERS = 50


@pytest.fixture(scope="module")
def two_workers(
    database_url: str, services: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    port = free_port()
    process = start_server(
        database_url,
        port,
        tmp_path_factory.mktemp("conc") / "server.log",
        VENEER_WORKERS="2",
        VENEER_MANAGEMENT_RATE_LIMIT="0",
    )
    yield f"http://127.0.0.1:{port}"
    stop_server(process)


@pytest.fixture
def stack(two_workers: str, services: Any) -> Iterator[dict[str, Any]]:
    from veneer.services import users

    email = f"conc-{secrets.token_hex(5)}@example.com"
    users.create_user(services, email, PASSWORD)
    http = httpx.Client(base_url=two_workers + "/v3", timeout=60)
    token = http.post(
        "/user-session", json={"user": {"email": email, "password": PASSWORD}}
    ).json()["user"]["authtoken"]
    http.headers["authtoken"] = token
    key = http.post("/stacks", json={"stack": {"name": "conc", "master_locale": "en-us"}}).json()[
        "stack"
    ]["api_key"]
    http.headers["api_key"] = key
    assert http.post("/locales", json={"locale": {"code": "fr-fr"}}).status_code == 201
    assert (
        http.post("/environments", json={"environment": {"name": "production"}}).status_code == 201
    )
    assert (
        http.post(
            "/content_types",
            json={
                "content_type": {
                    "title": "Doc",
                    "uid": "doc",
                    "schema": [
                        {
                            "display_name": "Title",
                            "uid": "title",
                            "data_type": "text",
                            "mandatory": True,
                        },
                        {"display_name": "N", "uid": "n", "data_type": "number"},
                    ],
                }
            },
        ).status_code
        == 201
    )
    entry = http.post("/content_types/doc/entries", json={"entry": {"title": "t", "n": -1}}).json()[
        "entry"
    ]
    yield {
        "http": http,
        "headers": dict(http.headers),
        "base": two_workers,
        "entry": entry["uid"],
        "path": f"/content_types/doc/entries/{entry['uid']}",
    }
    http.close()


def _parallel(
    stack: dict[str, Any], calls: list[tuple[str, str, dict[str, Any]]]
) -> list[httpx.Response]:
    def run(call: tuple[str, str, dict[str, Any]]) -> httpx.Response:
        with httpx.Client(
            base_url=stack["base"] + "/v3", headers=stack["headers"], timeout=120
        ) as http:
            return http.request(call[0], call[1], json=call[2])

    with ThreadPoolExecutor(max_workers=16) as pool:
        return list(pool.map(run, calls))


def _assert_serial(responses: list[httpx.Response], start: int) -> dict[str, Any]:
    """Every acknowledged write has its own version, the versions have no gap."""
    acknowledged = [r.json()["entry"] for r in responses if r.status_code in (200, 201)]
    versions = sorted(e["_version"] for e in acknowledged)
    assert len(acknowledged) == WRITERS, [
        r.text for r in responses if r.status_code not in (200, 201)
    ][:3]
    assert versions == list(range(start, start + WRITERS))
    return max(acknowledged, key=lambda e: e["_version"])


def test_concurrent_entry_updates(stack: dict[str, Any]) -> None:
    responses = _parallel(
        stack, [("PUT", stack["path"], {"entry": {"n": i}}) for i in range(WRITERS)]
    )
    last = _assert_serial(responses, 2)
    final = stack["http"].get(stack["path"]).json()["entry"]
    assert final["_version"] == WRITERS + 1 and final["n"] == last["n"]
    history = stack["http"].get(stack["path"] + "/versions").json()["versions"]
    assert [v["_version"] for v in history] == list(range(WRITERS + 1, 0, -1))


def test_concurrent_entry_variant_updates(stack: dict[str, Any]) -> None:
    http = stack["http"]
    assert (
        http.post(
            "/variant_groups", json={"name": "g", "uid": "g", "content_types": ["doc"]}
        ).status_code
        == 201
    )
    assert (
        http.post("/variant_groups/g/variants", json={"uid": "v", "name": "v"}).status_code == 201
    )
    path = stack["path"] + "/variants/v"
    responses = _parallel(
        stack, [("PUT", path, {"entry": {"n": i, "_variant": {}}}) for i in range(WRITERS)]
    )
    last = _assert_serial(responses, 1)
    final = http.get(path).json()["entry"]
    assert final["_version"] == WRITERS and final["n"] == last["n"]
    history = http.get(path + "/versions").json()["versions"]
    assert [v["_version"] for v in history] == list(range(WRITERS, 0, -1))


def test_concurrent_publishes_never_mix(stack: dict[str, Any]) -> None:
    http = stack["http"]
    for i in range(5):
        assert http.put(stack["path"], json={"entry": {"n": i}}).status_code == 200
    calls = [
        (
            "POST",
            stack["path"] + "/publish",
            {
                "entry": {"environments": ["production"], "locales": ["en-us", "fr-fr"]},
                "locale": "en-us",
                "version": 1 + i % 6,
            },
        )
        for i in range(30)
    ]
    assert all(r.status_code == 200 for r in _parallel(stack, calls))
    details = http.get(stack["path"], params={"include_publish_details": "true"}).json()["entry"][
        "publish_details"
    ]
    assert sorted(d["locale"] for d in details) == ["en-us", "fr-fr"]
    assert len({d["version"] for d in details}) == 1  # both locales carry the same publish


def test_concurrent_creates_of_one_unique_value(stack: dict[str, Any]) -> None:
    """The title is unique (by default): of many writers creating the same one through two
    worker processes, exactly one succeeds and the others get the usual 422."""
    calls = [("POST", "/content_types/doc/entries", {"entry": {"title": "same"}})] * WRITERS
    responses = _parallel(stack, calls)
    assert sorted(r.status_code for r in responses) == [201] + [422] * (WRITERS - 1)
    assert all(
        r.json()
        == {
            "error_message": "Entry creation failed. Please enter valid data.",
            "error_code": 119,
            "errors": {"title": ["is not unique."]},
        }
        for r in responses
        if r.status_code == 422
    )
    listed = stack["http"].get("/content_types/doc/entries", params={"query": '{"title": "same"}'})
    assert [e["title"] for e in listed.json()["entries"]] == ["same"]
