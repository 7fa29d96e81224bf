"""Live preview (issue 14 §12) through the official delivery SDKs against a real `veneer serve`
speaking TLS (both SDKs send preview requests to `https://<host>` only): Python `contentstack`
2.8.0 (`live_preview` and `live_preview_query`, trusting the server's certificate through
`REQUESTS_CA_BUNDLE`) and JS `@contentstack/delivery-sdk` (`live_preview` and
`livePreviewQuery`, through `NODE_EXTRA_CA_CERTS`). No SDK code is patched."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import contentstack  # type: ignore[import-untyped]
import pytest
from starlette.testclient import TestClient

from tests.api.test_delivery_variants import RED, YELLOW, VariantSite, make_variant_site
from tests.api.test_live_preview import preview_token
from tests.conftest import free_port, new_user, stop_server
from tests.e2e.test_delivery_sdk_js import JS, sdk_ready
from tests.test_serve_tls import self_signed, serve, wait_for
from veneer.services.context import Services

pytestmark = pytest.mark.e2e
__all__ = ["sdk_ready"]


@pytest.fixture(scope="module")
def tls_server(
    database_url: str, services: Services, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, int, Path]]:
    """(host, port, certificate) of a `veneer serve` over TLS on the session's database."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = self_signed(folder)
    port, log = free_port(), folder / "server.log"
    process = serve(
        database_url,
        *("--port", str(port), "--ssl-certificate", str(cert), "--ssl-keyfile", str(key)),
        log=log,
    )
    try:
        wait_for(f"https://localhost:{port}/-/health", cert, process, log)
        yield "localhost", port, cert
    finally:
        stop_server(process)


@pytest.fixture(scope="module")
def site(services: Services, client: TestClient) -> tuple[VariantSite, str, str]:
    """The variant site with a saved, unpublished draft of `home`, and a preview token."""
    api = new_user(services, client)
    api.api_key = api.ok(
        api.post("/stacks", {"stack": {"name": "Live preview", "master_locale": "en-us"}}), 201
    )["stack"]["api_key"]
    vsite = make_variant_site(api)
    published = vsite.variant(None)["title"]
    vsite.update("landing", vsite.home["uid"], title="Draft home")
    vsite.put_variant(vsite.home["uid"], RED, {"url": "/red-draft"})
    return vsite, preview_token(vsite), published


def test_python_sdk_live_preview(
    tls_server: tuple[str, int, Path],
    site: tuple[VariantSite, str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    host, port, cert = tls_server
    vsite, token, _published = site
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    uid = vsite.home["uid"]
    stack = contentstack.Stack(
        vsite.api_key,
        vsite.tokens["production"],
        "production",
        host=f"{host}:{port}",
        live_preview={"enable": True, "preview_token": token, "host": f"{host}:{port}"},
    )
    # (With live preview enabled, this SDK's fetch() needs live_preview_query() first: without
    # it, it raises "Missing required keys in live preview data" whatever the server answers.)
    stack.live_preview_query(
        live_preview_query={"live_preview": "h4sh", "content_type_uid": "landing", "entry_uid": uid}
    )
    merged = stack.content_type("landing").entry(uid).fetch()
    # The SDK merges the preview answer over the published entry.
    seen = merged[0] if isinstance(merged, list) else merged.get("entry", merged)
    assert seen["uid"] == uid and seen["title"] == "Draft home"


def test_js_sdk_live_preview(
    sdk_ready: None,
    tls_server: tuple[str, int, Path],
    site: tuple[VariantSite, str, str],
) -> None:
    host, port, cert = tls_server
    vsite, token, published = site
    config = {
        "host": host,
        "port": port,
        "apiKey": vsite.api_key,
        "deliveryToken": vsite.tokens["production"],
        "previewToken": token,
        "uid": vsite.home["uid"],
        "variants": [YELLOW, RED],
    }
    done = subprocess.run(
        ["node", "live_preview.mjs", json.dumps(config)],
        cwd=JS,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**__import__("os").environ, "NODE_EXTRA_CA_CERTS": str(cert)},
    )
    assert done.returncode == 0, done.stderr
    out: dict[str, Any] = json.loads(done.stdout)
    assert out["published"]["title"] == published
    assert out["preview"]["title"] == "Draft home"
    assert (out["previewVariants"]["title"], out["previewVariants"]["url"]) == (
        "Yellow",
        "/red-draft",
    )
    assert out["afterwards"]["title"] == published
