"""Issue 16's opt-in keys through the official SDKs' own pass-through parameters, against a real
`veneer serve` process: the Python delivery SDK `contentstack` (`variants(..., params=)` and
`find(params)`), the Python management SDK `contentstack-management` (`add_param`, `add_header`)
and the JS delivery SDK `@contentstack/delivery-sdk` (`addParams`, tests/e2e/js/variants_beyond.mjs).
Each answer must be the one the API gives in-process for the same request. The site is
`make_variant_site`'s (tests/api/test_delivery_variants.py), built on the server's database."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import contentstack  # type: ignore[import-untyped]
import contentstack_management
import pytest
from starlette.testclient import TestClient

from tests.api.test_delivery_variants import (
    BLUE,
    GREEN,
    RED,
    YELLOW,
    VariantSite,
    make_variant_site,
)
from tests.conftest import new_user
from tests.e2e.test_delivery_sdk_js import JS, sdk_ready
from veneer.services.context import Services

pytestmark = pytest.mark.e2e
__all__ = ["sdk_ready"]  # the fixture, shared

HEADER = [RED, GREEN, BLUE]
EXPLAIN = {"include_variant_explain": "true", "include_applied_variants": "true"}


@pytest.fixture(scope="module")
def vsite(services: Services, client: TestClient) -> VariantSite:
    api = new_user(services, client)
    api.api_key = api.ok(
        api.post("/stacks", {"stack": {"name": "SDK beyond", "master_locale": "en-us"}}), 201
    )["stack"]["api_key"]
    return make_variant_site(api)


def expected_entry(vsite: VariantSite) -> dict[str, Any]:
    """What the API answers in-process for the delivery read with explain."""
    return vsite.variant(", ".join(HEADER), **EXPLAIN)


# -- Python delivery SDK -------------------------------------------------------------------------
def delivery(server: str, vsite: VariantSite) -> Any:
    stack = contentstack.Stack(vsite.api_key, vsite.tokens["production"], "production", host=server)
    stack.http_instance.endpoint = f"http://{server}/v3"
    return stack.content_type("landing")


def test_python_delivery_sdk_passes_explain_through(server: str, vsite: VariantSite) -> None:
    landing = delivery(server, vsite)
    entry = landing.entry(vsite.home["uid"]).variants(HEADER, params=EXPLAIN).fetch()["entry"]
    wanted = expected_entry(vsite)
    assert entry["_variant_explain"] == wanted["_variant_explain"]
    assert entry["_applied_variants"] == wanted["_applied_variants"]
    assert entry["_variant_explain"]["paths"]["title"] == {"source": RED, "lost": [GREEN, BLUE]}
    listed = landing.variants(HEADER).find(dict(EXPLAIN))["entries"]
    assert len(listed) == 5 and all("_variant_explain" in e for e in listed)
    plain = landing.entry(vsite.home["uid"]).variants(HEADER).fetch()["entry"]
    assert "_variant_explain" not in plain and plain["title"] == "Red"


def test_python_delivery_sdk_asks_for_merged_queries(server: str, vsite: VariantSite) -> None:
    landing = delivery(server, vsite)
    green = {"query": json.dumps({"url": "/green"})}
    found = landing.variants(GREEN).find({**green, "variant_query": "merged"})["entries"]
    assert [e["uid"] for e in found] == [vsite.home["uid"]] and found[0]["url"] == "/green"
    assert landing.variants(GREEN).find(dict(green))["entries"] == []


def test_python_delivery_sdk_add_param_on_variants_is_not_sent(
    server: str, vsite: VariantSite
) -> None:
    """`variants(...).add_param(k, v)` keeps the pair where `Variants.fetch` does not read it
    (contentstack 2.x): the request goes out without it, so the answer is the plain merge. The
    pass-through that reaches the server is `params=` (above); docs/variants-beyond.md says so."""
    landing = delivery(server, vsite)
    variants = landing.entry(vsite.home["uid"]).variants(HEADER)
    entry = variants.add_param("include_variant_explain", "true").fetch()["entry"]
    assert "_variant_explain" not in entry and entry["title"] == "Red"


def test_python_delivery_sdk_add_param_with_the_header_on_the_stack(
    server: str, vsite: VariantSite
) -> None:
    """`entry(uid).add_param` is sent by `Entry.fetch`; the header then has to be on the stack's
    HTTP instance (what `Variants.fetch` does for the length of one call)."""
    landing = delivery(server, vsite)
    landing.http_instance.headers["x-cs-variant-uid"] = ",".join(HEADER)
    entry = landing.entry(vsite.home["uid"]).add_param("include_variant_explain", "true")
    body = entry.fetch()["entry"]
    assert body["_variant_explain"] == expected_entry(vsite)["_variant_explain"]


# -- Python management SDK -----------------------------------------------------------------------
def management(server: str, vsite: VariantSite) -> Any:
    client = contentstack_management.Client(
        host=server, scheme="http://", authtoken=vsite.api.authtoken, timeout=30
    )
    return client.stack(vsite.api_key).content_types("landing")


def ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_python_management_sdk_previews_with_add_param(server: str, vsite: VariantSite) -> None:
    entry = management(server, vsite).entry(vsite.home["uid"])
    entry.add_param("variant_preview", "true")
    entry.add_param("include_variant_explain", "true")
    entry.add_header("x-cs-variant-uid", f"{YELLOW}, {RED}")
    seen = ok(entry.fetch())["entry"]
    wanted = vsite.api.ok(
        vsite.api.get(
            vsite.path(),
            params={"variant_preview": "true", "include_variant_explain": "true"},
            headers={"x-cs-variant-uid": f"{YELLOW}, {RED}"},
        )
    )["entry"]
    assert seen == wanted
    assert seen["title"] == "Yellow" and [v["uid"] for v in seen["_variant_preview"]] == [
        YELLOW,
        RED,
    ]
    assert [v["status"] for v in seen["_variant_explain"]["variants"]] == ["applied", "applied"]


def test_python_management_sdk_reads_overrides_and_stale(server: str, vsite: VariantSite) -> None:
    cts = management(server, vsite)
    entry = cts.entry(vsite.home["uid"])
    entry.add_param("include_variant_overrides", "true")
    overrides = ok(entry.fetch())["entry"]["_variant_overrides"]
    assert overrides["url"] == [GREEN, BLUE] and overrides["title"] == [YELLOW, RED, GREEN, BLUE]
    variants = cts.entry(vsite.home["uid"]).variants()
    variants.add_param("include_stale", "true")
    red = ok(variants.fetch(RED))["entry"]
    assert red["_variant"]["_uid"] == RED and red["_variant"]["_stale"] == []
    plain = ok(cts.entry(vsite.home["uid"]).fetch())["entry"]
    assert "_variant_overrides" not in plain and "_variant_preview" not in plain


# -- JS delivery SDK -----------------------------------------------------------------------------
def test_js_delivery_sdk_passes_explain_through_add_params(
    sdk_ready: None, server: str, vsite: VariantSite
) -> None:
    host, port = server.rsplit(":", 1)
    config = {
        "host": host,
        "port": int(port),
        "apiKey": vsite.api_key,
        "deliveryToken": vsite.tokens["production"],
        "environment": "production",
        "home": vsite.home["uid"],
        "header": HEADER,
        "green": GREEN,
    }
    done = subprocess.run(
        ["node", "variants_beyond.mjs", json.dumps(config)],
        cwd=JS,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    wanted = expected_entry(vsite)
    assert out["entry"]["_variant_explain"] == wanted["_variant_explain"]
    assert out["entry"]["_applied_variants"] == wanted["_applied_variants"]
    assert len(out["list"]["entries"]) == 5
    assert all("_variant_explain" in e for e in out["list"]["entries"])
    assert "_variant_explain" not in out["plain"] and out["plain"]["title"] == "Red"
    assert [e["uid"] for e in out["merged"]["entries"]] == [vsite.home["uid"]]
    assert out["baseQuery"]["entries"] == []
