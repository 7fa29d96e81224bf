"""The official JS delivery SDK (`@contentstack/delivery-sdk` 5.2.0) against a real `veneer serve`.

`tests/e2e/js/delivery.mjs` runs every check once and prints one JSON object; the SDK is installed
from `package-lock.json` (`npm ci`) when `node_modules` is missing.
"""

from __future__ import annotations

import fcntl
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.api.test_delivery import Site, make_site
from tests.api.test_delivery_variants import (
    BLUE,
    G1,
    G2,
    GREEN,
    RED,
    SEED,
    VariantSite,
    make_variant_site,
)
from tests.conftest import new_user
from veneer.services.context import Services

pytestmark = pytest.mark.e2e

JS = Path(__file__).parent / "js"


@pytest.fixture(scope="module")
def sdk_ready() -> None:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.fail("node and npm are needed for the JS SDK test (apt install nodejs npm)")
    # One npm ci at a time: pytest-xdist workers may get here together.
    with (JS / "package-lock.json").open() as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (JS / "node_modules" / "@contentstack" / "delivery-sdk").is_dir():
            subprocess.run(
                ["npm", "ci", "--no-audit", "--no-fund"],
                cwd=JS,
                check=True,
                capture_output=True,
                timeout=600,
            )


@pytest.fixture(scope="module")
def results(
    sdk_ready: None, services: Services, client: TestClient, server: str
) -> Iterator[dict[str, Any]]:
    api = new_user(services, client)
    api.api_key = api.ok(
        api.post("/stacks", {"stack": {"name": "JS SDK", "master_locale": "en-us"}}), 201
    )["stack"]["api_key"]
    site = make_site(api)
    vapi = new_user(services, client)
    vapi.api_key = vapi.ok(
        vapi.post("/stacks", {"stack": {"name": "JS SDK variants", "master_locale": "en-us"}}), 201
    )["stack"]["api_key"]
    vsite = make_variant_site(vapi)
    host, port = server.rsplit(":", 1)
    config = {
        "host": host,
        "port": int(port),
        "apiKey": site.api_key,
        "deliveryToken": site.tokens["production"],
        "stagingToken": site.tokens["staging"],
        "environment": "production",
        "pages": [p["uid"] for p in site.pages],
        "variants": {
            "apiKey": vsite.api_key,
            "deliveryToken": vsite.tokens["production"],
            "stagingToken": vsite.tokens["staging"],
            "home": vsite.home["uid"],
            "red": RED,
            "green": GREEN,
            "blue": BLUE,
            "seed": SEED,
        },
    }
    done = subprocess.run(
        ["node", "delivery.mjs", json.dumps(config)],
        cwd=JS,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    out["_site"] = site
    out["_vsite"] = vsite
    yield out


def site_of(results: dict[str, Any]) -> Site:
    return results["_site"]


def test_single_entry(results: dict[str, Any]) -> None:
    site = site_of(results)
    entry = results["single"]
    assert entry["uid"] == site.pages[1]["uid"] and entry["title"] == "Page 1"
    assert entry["publish_details"]["environment"] == site.envs["production"]


def test_find_lists(results: dict[str, Any]) -> None:
    body = results["find"]
    assert body["count"] == 4 and sorted(e["title"] for e in body["entries"]) == [
        "Page 0",
        "Page 1",
        "Page 2",
        "Page 3",
    ]


def test_queries(results: dict[str, Any]) -> None:
    assert [e["title"] for e in results["equalTo"]["entries"]] == ["Page 2"]
    assert [e["title"] for e in results["greaterThan"]["entries"]] == ["Page 2", "Page 3"]
    assert [e["title"] for e in results["containedIn"]["entries"]] == ["Page 3"]


def test_locale_and_fallback(results: dict[str, Any]) -> None:
    assert results["locale"]["title"] == "Bonjour" and results["locale"]["locale"] == "fr-fr"
    assert results["fallback"]["title"] == "Bonjour" and results["fallback"]["locale"] == "fr-fr"
    assert (
        results["fallbackEnglish"]["title"] == "Page 1"
        and results["fallbackEnglish"]["locale"] == "en-us"
    )
    assert [e["locale"] for e in results["listFallback"]["entries"]] == [
        "fr-fr",
        "en-us",
        "en-us",
        "en-us",
    ]


def test_include_reference(results: dict[str, Any]) -> None:
    entry = results["reference"]
    assert [a["title"] for a in entry["author"]] == ["Ada"]
    assert entry["author"][0]["company"][0]["title"] == "Acme"
    assert all(e["author"][0]["title"] == "Ada" for e in results["referenceList"]["entries"])


def test_only_and_content_type(results: dict[str, Any]) -> None:
    site = site_of(results)
    assert results["only"] == {"uid": site.pages[1]["uid"], "title": "Page 1"}
    assert results["contentType"]["uid"] == "page"


def test_token_of_another_environment_gets_no_content(results: dict[str, Any]) -> None:
    refused = results["notScoped"]
    assert "error" in refused and "uid" not in refused
    assert refused["status"] == 403 and refused["data"]["error_code"] == 109, refused


# -- entry variants (issue 5) --------------------------------------------------------------------
def vsite_of(results: dict[str, Any]) -> VariantSite:
    return results["_vsite"]


def test_entry_variants_fetch(results: dict[str, Any]) -> None:
    vsite = vsite_of(results)
    entry = results["variantFetch"]
    assert (
        entry["uid"] == vsite.home["uid"] and entry["title"] == "Red" and entry["url"] == "/green"
    )
    assert (
        entry["seo"]["meta_title"] == "Red SEO" and entry["seo"]["social"]["og_title"] == "Green OG"
    )
    assert [(g["_metadata"]["uid"], g["single_line"], g["multi_line"]) for g in entry["group"]] == [
        (G1, "Red 1", "Base 1 Multi"),
        (G2, "Blue 2", "Green 2 Multi"),
    ]
    assert list(entry["publish_details"]["variants"]) == [RED, GREEN, BLUE]
    assert results["variantAlias"]["title"] == "Blue"
    assert (
        results["variantAlias"]["publish_details"]["variants"][BLUE]["alias"]
        == "cs_personalize_0_2"
    )
    assert [g["single_line"] for g in results["variantSeed"]["group"]] == ["Variant 2", "Variant 1"]
    assert (
        results["variantLocale"]["title"] == "Rouge"
        and results["variantLocale"]["locale"] == "fr-fr"
    )


def test_entry_variants_query_find(results: dict[str, Any]) -> None:
    # The query runs on base data; the variants overlay the result.
    matched = results["variantQuery"]["entries"]
    assert [(e["title"], e["url"]) for e in matched] == [("Blue", "/blue")]
    every = results["variantQueryAll"]
    assert every["count"] == 5
    assert [e["title"] for e in every["entries"]] == [
        "Blue",
        "Red other 1",
        "Red other 2",
        "Red other 3",
        "Plain",
    ]
    found = results["variantFind"]
    assert found["count"] == 5 and {e["title"] for e in found["entries"]} >= {
        "Red",
        "Red other 1",
        "Plain",
    }


def test_entry_variants_with_a_token_of_another_environment(results: dict[str, Any]) -> None:
    refused = results["variantNotScoped"]
    assert "error" in refused and "uid" not in refused
    assert refused["status"] == 403 and refused["data"]["error_code"] == 109, refused
