"""The official management SDKs against a real server: bulk publish, unpublish and delete and
the job status reads (docs/bulk-operations.md), as JS `@contentstack/management` (its own suite's
calls: `api_version` 3.2, `publishAllLocalized`, the workflow headers, a management token for the
job reads) and Python `contentstack-management` make them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import contentstack_management

from tests.conftest import PASSWORD
from tests.e2e.test_management_sdk_python import _ok, pytestmark, sdk  # noqa: F401
from tests.e2e.test_management_sdk_variants import _account, _run

JS = Path(__file__).resolve().parent / "js"
PUBLISHED = "Your bulk publish request is in progress. Please check publish queue for more details."


def test_js_management_sdk_bulk(server: str, services: Any) -> None:
    host, port = server.split(":")
    seen = _run(["node", "cma_bulk.mjs", host, port, _account(services), PASSWORD], cwd=JS)
    assert seen["publish"] == [PUBLISHED, "string"]
    assert seen["status"] == [True, "publish", "complete", ["en-us"], 1, True]
    assert seen["items"] == [[True, "entry", "success"]]
    assert seen["counted"] == [1, 50]
    assert seen["unpublish"][0].startswith("Your bulk unpublish request is in progress.")
    assert seen["unknown_environment"] == [422, 141, ["environments"]]
    assert seen["delete"].startswith("Your bulk delete request is in progress.")


def test_python_management_sdk_bulk(sdk: contentstack_management.Client) -> None:  # noqa: F811
    body = {"stack": {"name": "SDK bulk", "master_locale": "en-us"}}
    stack = sdk.stack(_ok(sdk.stack().create(None, body), 201)["stack"]["api_key"])
    _ok(stack.environments().create({"environment": {"name": "production"}}), 201)
    article = {
        "title": "Article",
        "uid": "article",
        "schema": [{"display_name": "Title", "uid": "title", "data_type": "text"}],
    }
    _ok(stack.content_types().create({"content_type": article}), 201)
    uid = _ok(stack.content_types("article").entry().create({"entry": {"title": "A"}}), 201)[
        "entry"
    ]["uid"]
    items = {
        "entries": [{"uid": uid, "content_type": "article", "version": "1", "locale": "en-us"}],
        "locales": ["en-us"],
        "environments": ["production"],
        "rules": {"approvals": "false"},
        "publish_with_reference": True,
    }
    published = _ok(stack.bulk_operation().publish(items))
    assert published["notice"] == PUBLISHED
    job = _ok(stack.bulk_operation().job_status(published["job_id"]))
    assert (job["uid"], job["action"], job["summary"]["success"]) == (
        published["job_id"],
        "publish",
        1,
    )
    unpublished = _ok(stack.bulk_operation().unpublish(items))
    assert _ok(stack.bulk_operation().job_status(unpublished["job_id"]))["action"] == "unpublish"
    gone = {"entries": [{"uid": uid, "content_type": "article", "locale": "en-us"}]}
    assert _ok(stack.bulk_operation().delete(gone))["notice"].startswith("Your bulk delete")
    assert stack.content_types("article").entry(uid).fetch().status_code == 422
