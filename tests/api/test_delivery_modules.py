"""Global fields and taxonomies through the Content Delivery API, on both databases: read with a
delivery token as the JS delivery SDK asks (`stack.globalField()`, `stack.taxonomy()`, `.term()`,
`.ancestors()`, `.descendants()`, `.locales()`), in Contentstack's shapes, with the token's
environment and stack checked as for entries, and writes reaching delivery at once."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.test_delivery import Site
from tests.api.test_delivery_limits import app_with, delivery_get
from tests.api.test_global_fields import SEO
from tests.api.test_taxonomies import make_shop
from tests.conftest import Api, new_user
from veneer.services.context import Services


def assert_error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert {"error_message", "error_code", "errors"} <= body.keys()
    return body


@pytest.fixture
def shop(api: Api) -> Site:
    """Taxonomies `color` (warm > red > crimson > dark_crimson …) and `size`, the global field
    `seo`, and a token for production."""
    site = make_shop(api)
    api.ok(api.post("/global_fields", SEO), 201)
    return site


def test_global_fields(shop: Site) -> None:
    listed = shop.ok("/global_fields", include_count="true")
    assert [g["uid"] for g in listed["global_fields"]] == ["seo"]
    assert listed["count"] == 1
    assert [f["uid"] for f in listed["global_fields"][0]["schema"]] == ["meta_title", "weight"]
    one = shop.ok("/global_fields/seo", include_branch="true")["global_field"]
    assert (one["uid"], one["title"], one["_branch"]) == ("seo", "SEO", "main")
    assert "_branch" not in shop.ok("/global_fields/seo")["global_field"]
    assert assert_error(shop.get("/global_fields/nope"), 422)["error_code"] == 118


def test_taxonomies_and_terms(shop: Site) -> None:
    taxonomies = shop.ok("/taxonomies", include_count="true")
    assert [t["uid"] for t in taxonomies["taxonomies"]] == ["color", "size"]
    assert taxonomies["count"] == 2
    assert shop.ok("/taxonomies/color")["taxonomy"]["name"] == "Color"
    terms = shop.ok("/taxonomies/color/terms", depth="1", include_count="true")
    assert [t["uid"] for t in terms["terms"]] == ["warm", "cool"]
    term = shop.ok("/taxonomies/color/terms/red")["term"]
    assert (term["uid"], term["taxonomy_uid"], term["name"]) == ("red", "color", "Red")
    assert {"created_by", "updated_by"} <= term.keys()
    ancestors = shop.ok("/taxonomies/color/terms/dark_crimson/ancestors")["terms"]
    assert [t["uid"] for t in ancestors] == ["warm", "red", "crimson"]
    descendants = shop.ok("/taxonomies/color/terms/warm/descendants")["terms"]
    assert [t["uid"] for t in descendants] == ["red", "orange", "crimson", "dark_crimson"]
    assert shop.ok("/taxonomies/color/terms/warm/descendants", depth="1")["terms"][1]["uid"] == (
        "orange"
    )
    locales = shop.ok("/taxonomies/color/terms/red/locales")["terms"]
    assert [(t["uid"], t["name"], t["locale"]) for t in locales] == [("red", "Red", "en-us")]
    assert_error(shop.get("/taxonomies/nope"), 422)
    assert_error(shop.get("/taxonomies/color/terms/nope/ancestors"), 422)


def test_writes_reach_delivery(shop: Site) -> None:
    assert len(shop.ok("/global_fields")["global_fields"]) == 1  # cached now
    shop.api.ok(
        shop.api.post("/global_fields", {"global_field": {**SEO["global_field"], "uid": "seo2"}}),
        201,
    )
    assert [g["uid"] for g in shop.ok("/global_fields")["global_fields"]] == ["seo", "seo2"]
    assert shop.ok("/taxonomies/color/terms/red")["term"]["name"] == "Red"
    shop.api.ok(shop.api.put("/taxonomies/color/terms/red", {"term": {"name": "Rouge"}}))
    assert shop.ok("/taxonomies/color/terms/red")["term"]["name"] == "Rouge"


PATHS = [
    "/global_fields",
    "/global_fields/seo",
    "/taxonomies",
    "/taxonomies/color",
    "/taxonomies/color/terms",
    "/taxonomies/color/terms/red",
    "/taxonomies/color/terms/red/ancestors",
    "/taxonomies/color/terms/red/descendants",
    "/taxonomies/color/terms/red/locales",
]


def test_token_environment_and_stack(shop: Site, api: Api, services: Any) -> None:
    shop.api.ok(shop.api.post("/environments", {"environment": {"name": "staging"}}), 201)
    outsider = new_user(services, api.client)
    other = outsider.ok(outsider.post("/stacks", {"stack": {"name": "B"}}), 201)["stack"]
    outsider.api_key = other["api_key"]
    outsider.ok(outsider.post("/environments", {"environment": {"name": "production"}}), 201)
    theirs = Site(outsider)
    theirs.tokens["production"] = theirs.token("production", ["production"])
    for path in PATHS:
        assert shop.get(path).status_code == 200, path
        assert_error(shop.get(path, env=None), 422)  # the environment is required, as for entries
        assert_error(shop.get(path, env="staging", token=shop.tokens["production"]), 403)
        assert_error(shop.get(path, token="cs" + "0" * 24), 401)
        assert_error(shop.get(path, api_key="blt0000000000000000"), 412)
        # Their token on this stack, and this stack's token on theirs: never these answers.
        assert_error(shop.get(path, token=theirs.tokens["production"]), 401)
        assert_error(theirs.get(path, token=shop.tokens["production"]), 401)


def test_management_reads_unchanged(shop: Site) -> None:
    """With an authtoken (or a management token) the same paths are the CMA's."""
    api = shop.api
    assert api.ok(api.get("/global_fields", params={"count": "true"})) == {"global_fields": 1}
    assert api.ok(api.get("/taxonomies/color/terms/red/ancestors"))["terms"][0]["uid"] == "warm"


def test_delivery_only_node(shop: Site, services: Services) -> None:
    """A `--role delivery` node serves these reads too, and only to delivery tokens."""
    for client in app_with(services, role="delivery"):
        for path in PATHS:
            assert delivery_get(client, shop, path).status_code == 200, path
        listed = delivery_get(client, shop, "/taxonomies/color/terms/warm/descendants").json()
        assert [t["uid"] for t in listed["terms"]][:2] == ["red", "orange"]
        management = {"authtoken": shop.api.authtoken, "api_key": shop.api_key}
        assert_error(client.get("/v3/global_fields", headers=management), 401)
        assert_error(client.get("/v3/taxonomies/color", headers=management), 401)
