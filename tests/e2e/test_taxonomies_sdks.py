"""The official SDKs' taxonomy calls (issue 14 §7) against a real server: Python
`contentstack-management` and JS `@contentstack/management` doing a taxonomy and term round trip,
and the delivery SDKs' taxonomy queries (JS `stack.taxonomy().where(…)`, Python
`stack.taxonomy().equal_and_below(…)`…)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import contentstack
import contentstack_management
from starlette.testclient import TestClient

from tests.api.test_taxonomies import make_shop, taxonomy_field
from tests.conftest import PASSWORD, new_user
from tests.e2e.test_delivery_sdk_js import sdk_ready  # noqa: F401
from tests.e2e.test_management_sdk_python import _ok, pytestmark, sdk  # noqa: F401
from tests.e2e.test_management_sdk_variants import _account, _run
from veneer.services.context import Services

JS = Path(__file__).resolve().parent / "js"


def test_python_management_sdk(sdk: contentstack_management.Client) -> None:  # noqa: F811
    body = {"stack": {"name": "SDK taxonomies", "master_locale": "en-us"}}
    stack = sdk.stack(_ok(sdk.stack().create(None, body), 201)["stack"]["api_key"])
    made = {"taxonomy": {"uid": "topic", "name": "Topic", "description": "Subjects"}}
    assert _ok(stack.taxonomy().create(made), 201)["taxonomy"]["uid"] == "topic"
    assert [t["uid"] for t in _ok(stack.taxonomy().find())["taxonomies"]] == ["topic"]
    renamed = _ok(stack.taxonomy("topic").update({"taxonomy": {"name": "Topics"}}))
    assert renamed["taxonomy"]["name"] == "Topics"
    assert _ok(stack.taxonomy().fetch("topic"))["taxonomy"]["description"] == "Subjects"

    terms = stack.taxonomy("topic").terms
    # The SDK's documented body: the parent beside the term.
    root = _ok(
        terms().create({"term": {"uid": "science", "name": "Science"}, "parent_uid": None}), 201
    )
    assert (root["term"]["depth"], root["term"]["parent_uid"]) == (1, None)
    child = {"term": {"uid": "physics", "name": "Physics"}, "parent_uid": "science"}
    assert _ok(terms().create(child), 201)["term"]["depth"] == 2
    _ok(terms().create({"term": {"uid": "arts", "name": "Arts"}}), 201)
    assert _ok(terms("physics").fetch())["term"]["parent_uid"] == "science"
    assert _ok(terms("physics").update({"term": {"name": "Physic"}}))["term"]["name"] == "Physic"
    assert [t["uid"] for t in _ok(terms().search("phys"))["terms"]] == ["physics"]
    assert [t["uid"] for t in _ok(terms("physics").ancestors())["terms"]] == ["science"]
    assert [t["uid"] for t in _ok(terms("science").descendants())["terms"]] == ["physics"]
    # The SDK's move is a PUT of the term with its new parent beside it.
    moved = _ok(terms("physics").move({"term": {"uid": "physics"}, "parent_uid": "arts"}))
    assert moved["term"]["parent_uid"] == "arts"

    ct = {
        "content_type": {
            "title": "Article",
            "uid": "article",
            "schema": [
                {"display_name": "Title", "uid": "title", "data_type": "text", "mandatory": True},
                taxonomy_field("topic"),
            ],
        }
    }
    _ok(stack.content_types().create(ct), 201)
    held = [{"taxonomy_uid": "topic", "term_uid": "physics"}]
    entry = (
        stack.content_types("article").entry().create({"entry": {"title": "A", "taxonomies": held}})
    )
    assert _ok(entry, 201)["entry"]["taxonomies"] == held
    query = stack.content_types("article").entry()
    query.add_param("query", json.dumps({"taxonomies.topic": {"$eq_below": "arts"}}))
    assert [e["title"] for e in _ok(query.find())["entries"]] == ["A"]

    assert terms("physics").delete().status_code == 204
    assert stack.taxonomy("topic").delete().status_code == 422  # used by the content type


def test_js_sdks(
    sdk_ready: None,  # noqa: F811
    server: str,
    services: Services,
    client: TestClient,
) -> None:
    api = new_user(services, client)
    api.api_key = api.ok(
        api.post("/stacks", {"stack": {"name": "JS taxonomies", "master_locale": "en-us"}}), 201
    )["stack"]["api_key"]
    shop = make_shop(api)
    config = {
        "apiKey": shop.api_key,
        "deliveryToken": shop.tokens["production"],
        "environment": "production",
    }
    host, port = server.rsplit(":", 1)
    seen: dict[str, Any] = _run(
        ["node", "taxonomies.mjs", host, port, _account(services), PASSWORD, json.dumps(config)],
        cwd=JS,
    )
    assert seen["taxonomy"] == ["region", "Region"] and seen["taxonomies"] == ["region"]
    assert seen["renamed"] == "Regions"
    assert seen["france"] == ["europe", 2, 1]
    assert seen["listed"] == ["europe", "asia", "france", "paris"]
    assert seen["term_renamed"] == "La France"
    assert seen["ancestors"] == ["europe", "france"]
    assert seen["descendants"] == ["france", "paris"]
    assert seen["moved"] == ["asia", 2] and seen["paris_depth"] == 3
    assert seen["search"] == ["paris"]
    assert seen["exported"] == ["europe", "asia", "france", "paris"]
    assert seen["imported"] == ["region_copy", 3]
    assert (seen["term_deleted"], seen["deleted_fetch"], seen["taxonomy_deleted"]) == (
        204,
        422,
        204,
    )

    assert seen["eq_below"] == ["h_orange", "s_red", "s_warm"]
    assert seen["below"] == ["h_orange", "s_dark", "s_red"]
    assert seen["eq_above"] == ["s_red", "s_warm"]
    assert seen["above"] == ["s_red"]
    assert seen["included"] == ["h_blue", "s_red"]
    assert seen["equal"] == ["s_red"]
    assert seen["content_types"] == ["hat", "hat", "shirt", "shirt", "shirt"]
    assert seen["one_type"] == ["h_blue"]


def test_python_delivery_sdk(server: str, services: Services, client: TestClient) -> None:
    api = new_user(services, client)
    api.api_key = api.ok(
        api.post("/stacks", {"stack": {"name": "Py taxonomies", "master_locale": "en-us"}}), 201
    )["stack"]["api_key"]
    shop = make_shop(api)
    stack = contentstack.Stack(shop.api_key, shop.tokens["production"], "production", host=server)
    stack.http_instance.endpoint = f"http://{server}/v3"  # the SDK is https-only (clients.md)

    def titles(query: Any, **params: Any) -> list[str]:
        return sorted(e["title"] for e in query.find(params or None)["entries"])

    color = "taxonomies.color"
    assert titles(stack.taxonomy().equal_and_below(color, "warm", levels=1)) == [
        "h_orange", "s_red", "s_warm"
    ]  # fmt: skip
    assert titles(stack.taxonomy().below(color, "warm")) == ["h_orange", "s_dark", "s_red"]
    assert titles(stack.taxonomy().equal_and_above(color, "crimson")) == ["s_red", "s_warm"]
    assert titles(stack.taxonomy().above(color, "dark_crimson", levels=2)) == ["s_red"]
    assert titles(stack.taxonomy().in_(color, ["blue", "red"]), limit=5) == ["h_blue", "s_red"]
    both = stack.taxonomy().and_({color: {"$in": ["red"]}}, {"taxonomies.size": {"$exists": True}})
    assert titles(both) == ["s_red"]
    either = stack.taxonomy().or_(
        {color: {"$in": ["blue"]}}, {"taxonomies.size": {"$in": ["large"]}}
    )
    assert titles(either) == ["h_blue", "s_red"]
