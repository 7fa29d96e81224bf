"""The official JS delivery SDK in a real browser (Debian's Chromium), from a page of another origin,
against a real `veneer serve` (issue 15, CORS).

No bundler: a small static server on another 127.0.0.1 port serves a page whose import map points
the SDK's ES modules (`dist/modern`) and their dependencies' browser builds at `node_modules`;
the three dependencies that ship only UMD builds (lodash, qs, humps) are loaded as classic scripts
and re-exported by one-line modules, and `@contentstack/utils`, whose only browser-loadable build is
CommonJS without a `require`, is evaluated by a module that re-exports what it exports. The SDK then sends what it sends from any website:
a preflight (its `api_key` and `access_token` headers are not CORS-safelisted), then the read.
"""

from __future__ import annotations

import functools
import json
import re
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from playwright.sync_api import Browser, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from starlette.testclient import TestClient

from tests.api.test_delivery import make_site
from tests.conftest import Api, new_user
from tests.web.test_browser import ARGS, CHROMIUM
from veneer.services.context import Services

pytestmark = pytest.mark.e2e

MODULES = Path(__file__).parent / "js" / "node_modules"
IMPORTS = {
    "@contentstack/delivery-sdk": "/nm/@contentstack/delivery-sdk/dist/modern/index.js",
    "@contentstack/core": "/nm/@contentstack/core/dist/esm/src/index.js",
    "@contentstack/utils": "/shim/utils.js",
    "axios": "/nm/axios/dist/esm/axios.js",
    "tslib": "/nm/tslib/tslib.es6.mjs",
    "lodash": "/shim/lodash.js",
    "qs": "/shim/qs.js",
    "humps": "/shim/humps.js",
}
SHIMS = {
    "lodash.js": "export default window._;\n",
    "qs.js": "const Qs = window.Qs;\nexport default Qs;\n"
    "export const { stringify, parse, formats } = Qs;\n",
    "humps.js": "export default window.humps;\n",
}
UTILS = MODULES / "@contentstack" / "utils" / "dist" / "index.es.js"


def commonjs_shim(path: Path, url: str) -> str:
    """An ES module that runs a CommonJS file (one that requires nothing) and re-exports its
    `exports.name = ...` names."""
    names = sorted(set(re.findall(r"^exports\.(\w+) =", path.read_text(), re.MULTILINE)))
    return (
        f"const source = await (await fetch({json.dumps(url)})).text();\n"
        "const module = { exports: {} };\n"
        "new Function('module', 'exports', source)(module, module.exports);\n"
        f"export const {{ {', '.join(names)} }} = module.exports;\n"
        "export default module.exports;\n"
    )


PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Delivery SDK</title><link rel="icon" href="data:,">
<script type="importmap">{"imports": %(imports)s}</script>
<script src="/nm/lodash/lodash.js"></script>
<script src="/nm/qs/dist/qs.js"></script>
<script src="/nm/humps/humps.js"></script>
<script type="module">
import contentstack from "@contentstack/delivery-sdk";
window.read = async (config) => {
  const stack = contentstack.stack({
    apiKey: config.apiKey, deliveryToken: config.token, environment: "production",
    host: config.host, port: config.port, insecure: true,
  });
  try {
    const entry = await stack.contentType("page").entry(config.uid)
      .includeReference("author").fetch();
    const list = await stack.contentType("page").entry().includeCount().find();
    return { entry, count: list.count };
  } catch (error) {
    return { error: String(error && (error.message || error.error_message) || error) };
  }
};
window.ready = true;
</script></head><body></body></html>
"""


class Static(SimpleHTTPRequestHandler):
    """Files of the page's folder; modules must come as JavaScript, `.mjs` included."""

    extensions_map: ClassVar[dict[str, str]] = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
        ".mjs": "text/javascript",
    }

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def page_origin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The origin of the static server that serves the page (not Veneer's)."""
    assert (MODULES / "@contentstack" / "delivery-sdk").is_dir(), (
        "run `npm ci` in tests/e2e/js (tests/e2e/test_delivery_sdk_js.py does it)"
    )
    root = tmp_path_factory.mktemp("page")
    (root / "nm").symlink_to(MODULES)
    (root / "shim").mkdir()
    for name, text in SHIMS.items():
        (root / "shim" / name).write_text(text)
    utils = commonjs_shim(UTILS, "/nm/@contentstack/utils/dist/index.es.js")
    (root / "shim" / "utils.js").write_text(utils)
    (root / "index.html").write_text(PAGE % {"imports": json.dumps(IMPORTS)})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Static, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield chromium
        chromium.close()


def read_in_browser(
    browser: Browser, page_origin: str, config: dict[str, Any]
) -> tuple[Any, list[str]]:
    """What the page's SDK read, and what the browser said in the console meanwhile."""
    page = browser.new_page()
    problems: list[str] = []  # what the page says when its modules fail to load
    page.on("console", lambda message: problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    try:
        page.goto(page_origin + "/index.html")
        try:
            page.wait_for_function("window.ready === true", timeout=15_000)
        except PlaywrightError:
            pytest.fail(f"the page did not load the SDK: {problems}")
        return page.evaluate("config => window.read(config)", config), problems
    finally:
        page.close()


def test_the_js_sdk_reads_an_entry_from_another_origin(
    services: Services, client: TestClient, server: str, browser: Browser, page_origin: str
) -> None:
    api = new_user(services, client)
    api.api_key = api.ok(
        api.post("/stacks", {"stack": {"name": "Browser", "master_locale": "en-us"}}), 201
    )["stack"]["api_key"]
    site = make_site(api)
    host, port = server.rsplit(":", 1)
    config = {
        "apiKey": site.api_key,
        "token": site.tokens["production"],
        "host": host,
        "port": int(port),
        "uid": site.pages[1]["uid"],
    }
    read, said = read_in_browser(browser, page_origin, config)
    assert read.get("error") is None and said == [], (read, said)
    assert read["entry"]["uid"] == site.pages[1]["uid"] and read["entry"]["title"] == "Page 1"
    assert read["entry"]["author"][0]["title"] == "Ada" and read["count"] == 4
    # The stack allows only another website now: the browser keeps the answer from the page.
    allow(api, ["https://www.example.com"])
    refused, said = read_in_browser(browser, page_origin, config)
    assert "entry" not in refused and any("CORS policy" in line for line in said), (refused, said)
    allow(api, [page_origin])
    read, said = read_in_browser(browser, page_origin, config)
    assert read["entry"]["title"] == "Page 1" and said == [], (read, said)


def allow(api: Api, origins: list[str]) -> None:
    body = {"stack_settings": {"delivery_cors_origins": origins}}
    api.ok(api.post("/stacks/settings", body))
