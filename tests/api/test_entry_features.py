"""Entry features of issue 14 §8, on both databases: `include_branch` (`_branch: "main"`) on
management and delivery reads of entries and content types."""

from __future__ import annotations

import pytest

from tests.api.test_delivery import Site, make_site
from tests.conftest import Api

BRANCH = {"include_branch": "true"}


@pytest.fixture
def fresh(api: Api) -> Site:
    return make_site(api)


def test_include_branch_on_management_reads(fresh: Site) -> None:
    api, uid = fresh.api, fresh.pages[0]["uid"]
    entry = api.ok(api.get(f"/content_types/page/entries/{uid}", params=BRANCH))["entry"]
    assert entry["_branch"] == "main"
    listed = api.ok(api.get("/content_types/page/entries", params=BRANCH))["entries"]
    assert {e["_branch"] for e in listed} == {"main"}
    ct = api.ok(api.get("/content_types/page", params=BRANCH))["content_type"]
    assert ct["_branch"] == "main"
    cts = api.ok(api.get("/content_types", params=BRANCH))["content_types"]
    assert {c["_branch"] for c in cts} == {"main"}
    plain = api.ok(api.get(f"/content_types/page/entries/{uid}"))["entry"]
    assert "_branch" not in plain


def test_include_branch_on_delivery_reads(fresh: Site) -> None:
    uid = fresh.pages[0]["uid"]
    assert "_branch" not in fresh.entry(uid)  # cached without it first
    assert fresh.entry(uid, params=BRANCH)["_branch"] == "main"
    assert {e["_branch"] for e in fresh.entries(params=BRANCH)["entries"]} == {"main"}
    assert fresh.ok("/content_types/page", params=BRANCH)["content_type"]["_branch"] == "main"
    cts = fresh.ok("/content_types", params=BRANCH)["content_types"]
    assert {c["_branch"] for c in cts} == {"main"}
