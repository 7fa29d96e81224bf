"""The official JS delivery SDK (`@contentstack/delivery-sdk` 5.2.0) against a real `veneer serve`.

`tests/e2e/js/delivery.mjs` runs every check once and prints one JSON object; the SDK is installed
from `package-lock.json` (`npm ci`) when `node_modules` is missing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any, Iterator

import pytest
from starlette.testclient import TestClient

from tests.api.test_delivery import Site, make_site
from tests.conftest import new_user
from veneer.services.context import Services

pytestmark = pytest.mark.e2e

JS = Path(__file__).parent / "js"


@pytest.fixture(scope="module")
def sdk_ready() -> None:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.fail("node and npm are needed for the JS SDK test (apt install nodejs npm)")
    if not (JS / "node_modules" / "@contentstack" / "delivery-sdk").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=JS, check=True, capture_output=True, timeout=600)


@pytest.fixture(scope="module")
def results(sdk_ready: None, services: Services, client: TestClient, server: str) -> Iterator[dict[str, Any]]:
    api = new_user(services, client)
    api.api_key = api.ok(api.post("/stacks", {"stack": {"name": "JS SDK", "master_locale": "en-us"}}), 201)["stack"]["api_key"]
    site = make_site(api)
    host, port = server.rsplit(":", 1)
    config = {"host": host, "port": int(port), "apiKey": site.api_key, "deliveryToken": site.tokens["production"],
              "stagingToken": site.tokens["staging"], "environment": "production",
              "pages": [p["uid"] for p in site.pages]}
    done = subprocess.run(["node", "delivery.mjs", json.dumps(config)], cwd=JS, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    out["_site"] = site
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
    assert body["count"] == 4 and sorted(e["title"] for e in body["entries"]) == ["Page 0", "Page 1", "Page 2", "Page 3"]


def test_queries(results: dict[str, Any]) -> None:
    assert [e["title"] for e in results["equalTo"]["entries"]] == ["Page 2"]
    assert [e["title"] for e in results["greaterThan"]["entries"]] == ["Page 2", "Page 3"]
    assert [e["title"] for e in results["containedIn"]["entries"]] == ["Page 3"]


def test_locale_and_fallback(results: dict[str, Any]) -> None:
    assert results["locale"]["title"] == "Bonjour" and results["locale"]["locale"] == "fr-fr"
    assert results["fallback"]["title"] == "Bonjour" and results["fallback"]["locale"] == "fr-fr"
    assert results["fallbackEnglish"]["title"] == "Page 1" and results["fallbackEnglish"]["locale"] == "en-us"
    assert [e["locale"] for e in results["listFallback"]["entries"]] == ["fr-fr", "en-us", "en-us", "en-us"]


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
