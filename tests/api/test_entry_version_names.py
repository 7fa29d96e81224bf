"""Naming entry versions, on both databases, as the management SDKs send it
(`entry.version_naming(n, {"entry": {"_version_name", "locale", "force"}})`), listing the named
ones (`versions?named=true`), taking a name away, and a named version published without its
name reaching delivery."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.test_delivery import Site
from tests.conftest import Api

NOTE = {
    "content_type": {
        "title": "Note",
        "uid": "note",
        "schema": [
            {"display_name": "Title", "uid": "title", "data_type": "text", "mandatory": True}
        ],
    }
}


@pytest.fixture
def site(api: Api) -> Site:
    api.ok(api.post("/content_types", NOTE), 201)
    api.ok(api.post("/environments", {"environment": {"name": "production"}}), 201)
    made = Site(api)
    made.tokens["production"] = made.token("production", ["production"])
    return made


def _versions(api: Api, uid: str, **params: Any) -> list[dict[str, Any]]:
    found = api.ok(api.get(f"/content_types/note/entries/{uid}/versions", params=params))
    versions: list[dict[str, Any]] = found["versions"]
    return versions


def test_name_list_and_unname(site: Site) -> None:
    api = site.api
    uid = site.create("note", title="one")["uid"]
    site.update("note", uid, title="two")
    body = {"entry": {"_version_name": "Test version", "locale": "en-us", "force": True}}
    named = api.post(f"/content_types/note/entries/{uid}/versions/1/name", body)
    assert api.ok(named) == {"notice": "Version name assigned successfully."}
    versions = _versions(api, uid)
    assert [v["_version"] for v in versions] == [2, 1]
    assert "_version_name" not in versions[0]
    name = versions[1]["_version_name"]
    assert name["title"] == "Test version" and {"updated_by", "updated_at"} <= name.keys()
    assert [v["_version"] for v in _versions(api, uid, named="true")] == [1]
    # The entry and its version 1 read as before: the name is the history's, not the content's.
    assert "_version_name" not in api.ok(api.get(f"/content_types/note/entries/{uid}"))["entry"]
    old = api.ok(api.get(f"/content_types/note/entries/{uid}", params={"version": "1"}))
    assert (old["entry"]["title"], "_version_name" in old["entry"]) == ("one", False)
    unnamed = api.delete(f"/content_types/note/entries/{uid}/versions/1/name")
    assert api.ok(unnamed) == {"notice": "Version name deleted successfully"}
    assert _versions(api, uid, named="true") == []


def test_refusals(site: Site) -> None:
    api = site.api
    uid = site.create("note", title="one")["uid"]
    path = f"/content_types/note/entries/{uid}/versions"
    missing = api.post(path + "/7/name", {"entry": {"_version_name": "x"}})
    assert missing.status_code == 422 and set(missing.json()["errors"]) == {"version"}
    blank = api.post(path + "/1/name", {"entry": {"_version_name": " "}})
    assert blank.status_code == 422 and set(blank.json()["errors"]) == {"entry._version_name"}
    bad = api.post(path + "/x/name", {"entry": {"_version_name": "x"}})
    assert bad.status_code == 422
    other = api.post(
        "/content_types/note/entries/blt0/versions/1/name", {"entry": {"_version_name": "x"}}
    )
    assert other.status_code == 422


def test_published_named_version_keeps_delivery_unchanged(site: Site) -> None:
    api = site.api
    uid = site.create("note", title="one")["uid"]
    site.update("note", uid, title="two")
    body = {"entry": {"_version_name": "Launch", "locale": "en-us"}}
    api.ok(api.post(f"/content_types/note/entries/{uid}/versions/1/name", body))
    api.ok(api.post(f"/content_types/note/entries/{uid}/versions/2/name", body))
    publish = {"entry": {"environments": ["production"], "locales": ["en-us"]}, "version": 1}
    api.ok(api.post(f"/content_types/note/entries/{uid}/publish", publish))
    delivered = site.entry(uid, ct="note")
    assert (delivered["title"], "_version_name" in delivered) == ("one", False)
    site.publish("note", uid)  # the latest, version 2 (named too)
    delivered = site.entry(uid, ct="note")
    assert (delivered["title"], "_version_name" in delivered) == ("two", False)
    listed = site.entries("note")["entries"]
    assert ["_version_name" in e for e in listed] == [False]
