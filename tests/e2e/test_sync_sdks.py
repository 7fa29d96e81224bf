"""The Sync API through the official delivery SDKs and the way gatsby-source-contentstack calls it,
against a real `veneer serve` process (docs/sync.md).

Each test builds its own stack (through the in-process app, on the database the server reads):
more than a page of published entries, then changes after the initial sync.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import contentstack  # type: ignore[import-untyped]
import httpx
import pytest
from starlette.testclient import TestClient

from tests.api.test_sync import Stack, brief
from tests.conftest import new_user
from tests.e2e.test_delivery_sdk_js import JS, sdk_ready  # noqa: F401 (a fixture)
from veneer.services import bulk
from veneer.services.context import Services

pytestmark = pytest.mark.e2e

SIZE = 130  # more than a page


@pytest.fixture
def stack(services: Services, client: TestClient) -> Stack:
    api = new_user(services, client)
    api.api_key = api.ok(
        api.post("/stacks", {"stack": {"name": "Sync SDKs", "master_locale": "en-us"}}), 201
    )["stack"]["api_key"]
    made = Stack(api)
    load = bulk.Load("page", "en-us", ("production",))
    items = ({"entry": {"title": f"Page {n}"}} for n in range(SIZE))
    report = bulk.load_entries(
        services, bulk.owner(services, api.api_key), api.api_key, load, items
    )
    assert report.loaded == SIZE
    return made


def change(stack: Stack) -> list[tuple[str, str, str, str]]:
    """Changes after an initial sync: what a sync token must then answer."""
    new = stack.create(title="New")
    stack.publish(new)
    photo = stack.asset()
    stack.api.ok(stack.api.delete("/content_types/note"))
    return [
        ("entry_published", "page", new, "en-us"),
        ("asset_published", "sys_assets", photo, "en-us"),
        ("content_type_deleted", "note", "", ""),
    ]


def titles(items: list[dict[str, Any]]) -> list[str]:
    return sorted(item["data"]["title"] for item in items)


EVERY = sorted(f"Page {n}" for n in range(SIZE))


def python_sdk(server: str, stack: Stack) -> contentstack.Stack:
    client = contentstack.Stack(stack.api.api_key, stack.token, "production", host=server)
    client.http_instance.endpoint = f"http://{server}/v3"
    return client


def test_python_sdk(server: str, stack: Stack) -> None:
    client = python_sdk(server, stack)
    first = client.sync_init()
    assert (len(first["items"]), first["total_count"]) == (100, SIZE)
    last = client.pagination(first["pagination_token"])
    assert titles(first["items"] + last["items"]) == EVERY
    expected = change(stack)
    changes = client.sync_token(last["sync_token"])
    assert brief(changes["items"]) == expected
    # A Stack keeps the last sync_token among its sync parameters (a sync_init after it would
    # send both, and the token wins): a filtered initial sync starts from a new Stack.
    only_pages = python_sdk(server, stack).sync_init(
        content_type_uid="page", publish_type="entry_published"
    )
    assert only_pages["total_count"] == SIZE + 1


def node(config: dict[str, Any]) -> dict[str, Any]:
    done = subprocess.run(
        ["node", "sync.mjs", json.dumps(config)],
        cwd=JS,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_js_sdk(sdk_ready: None, server: str, stack: Stack) -> None:  # noqa: F811
    host, port = server.rsplit(":", 1)
    config = {
        "host": host,
        "port": int(port),
        "apiKey": stack.api.api_key,
        "deliveryToken": stack.token,
        "environment": "production",
    }
    first = node(config)
    pages = first["pages"]
    assert [len(page["items"]) for page in pages] == [100, SIZE - 100], first
    assert titles([item for page in pages for item in page["items"]]) == EVERY
    assert titles(first["recursive"]["items"]) == EVERY
    filtered = first["filtered"]
    assert filtered["total_count"] == SIZE and {i["type"] for i in filtered["items"]} == {
        "entry_published"
    }
    expected = change(stack)
    later = node({**config, "syncToken": pages[-1]["sync_token"]})
    assert brief(later["changes"]["items"]) == expected
    # `{sync_token}` makes the SDK send `init=true` too: the token wins.
    assert brief(later["snakeCase"]["items"]) == expected


# -- gatsby-source-contentstack (src/fetch.js, src/entry-data.js) ----------------------------------
def gatsby(server: str, stack: Stack) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """`fetchCsData`: the query gets `include_count` and `environment`, serialized with sorted keys
    as `query-string` does; credentials and the branch travel in headers."""
    headers = {
        "X-User-Agent": "contentstack-gatsby-source-plugin-5.4.0",
        "api_key": stack.api.api_key,
        "access_token": stack.token,
        "branch": "main",
    }

    def fetch(query: dict[str, Any]) -> dict[str, Any]:
        sent = {**query, "include_count": "true", "environment": "production"}
        url = f"http://{server}/v3/stacks/sync?{urlencode(sorted(sent.items()))}"
        body = httpx.get(url, headers=headers, timeout=30).json()
        assert "error_code" not in body, body
        return body  # type: ignore[no-any-return]

    return fetch


def gatsby_sync(fetch: Callable[[dict[str, Any]], dict[str, Any]], query: dict[str, Any]) -> Any:
    """`getSyncData`: follow pagination tokens, then call once more with the sync token of a
    response that held published items (`processSyncTokens`)."""
    data: list[dict[str, Any]] = []
    tokens: list[str] = []
    body = fetch(query)
    while True:
        data += body["items"]
        published = any(i["type"] in ("entry_published", "asset_published") for i in body["items"])
        if published and body.get("sync_token"):
            tokens.append(body["sync_token"])
        if "pagination_token" not in body:
            break
        body = fetch({"pagination_token": body["pagination_token"]})
    sync_token = body["sync_token"]
    for token in dict.fromkeys(tokens):
        after = fetch({"sync_token": token})
        data += after["items"]
        sync_token = after["sync_token"]
    return data, sync_token


def test_gatsby_source_default_and_expedited_builds(server: str, stack: Stack) -> None:
    fetch = gatsby(server, stack)
    photo = stack.asset()
    # The default build: `{init: true, limit: 50}` (the plugin's default limit), then, on the next
    # build, the cached sync token alone.
    data, token = gatsby_sync(fetch, {"init": "true", "limit": 50})
    assert titles([i for i in data if i["type"] == "entry_published"]) == EVERY
    assert brief([i for i in data if i["type"] == "asset_published"]) == [
        ("asset_published", "sys_assets", photo, "en-us")
    ]
    expected = change(stack)
    changed, _ = gatsby_sync(fetch, {"sync_token": token})
    assert brief(changed) == expected
    # `expediteBuild`: entries and assets synced apart, each by its types (sent again with the
    # token on later builds).
    entry_types = "entry_published,entry_unpublished,entry_deleted"
    entries, entry_token = gatsby_sync(fetch, {"init": "true", "limit": 50, "type": entry_types})
    assert len(entries) == SIZE + 1 and {i["type"] for i in entries} == {"entry_published"}
    asset_types = "asset_published,asset_unpublished,asset_deleted"
    assets, asset_token = gatsby_sync(fetch, {"init": "true", "limit": 50, "type": asset_types})
    assert len(assets) == 2 and {i["content_type_uid"] for i in assets} == {"sys_assets"}
    stack.api.ok(stack.api.delete(f"/assets/{photo}"))
    later_entries, _ = gatsby_sync(fetch, {"sync_token": entry_token, "type": entry_types})
    later_assets, _ = gatsby_sync(fetch, {"sync_token": asset_token, "type": asset_types})
    assert later_entries == []
    assert brief(later_assets) == [("asset_deleted", "sys_assets", photo, "en-us")]


def test_gatsby_source_per_content_type(server: str, stack: Stack) -> None:
    """`contentTypes`/`locales` options: one sync per content type and locale."""
    fetch = gatsby(server, stack)
    query = {"init": "true", "content_type_uid": "page", "locale": "en-us"}
    data, token = gatsby_sync(fetch, query)
    assert titles(data) == EVERY
    uid = stack.create(title="Late")
    stack.publish(uid)
    later, _ = gatsby_sync(
        fetch, {"sync_token": token, "content_type_uid": "page", "locale": "en-us"}
    )
    assert brief(later) == [("entry_published", "page", uid, "en-us")]


def test_query_string_is_what_gatsby_sends(server: str, stack: Stack) -> None:
    """The exact first request of a default build, as bytes on the wire."""
    query = urlencode([("environment", "production"), ("include_count", "true"),
                       ("init", "true"), ("limit", "50")])  # fmt: skip
    headers = {"api_key": stack.api.api_key, "access_token": stack.token, "branch": "main"}
    body = httpx.get(f"http://{server}/v3/stacks/sync?{query}", headers=headers).json()
    assert (body["limit"], len(body["items"]), body["total_count"]) == (50, 50, SIZE)
