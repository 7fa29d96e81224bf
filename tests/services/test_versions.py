"""Entry versions for the editor (services/versions.py), on both databases: two versions of an
entry or of an entry variant compared field by field, a variant against its base, restoring a
version as a new one (refused over a newer one), and one variant field reverted alone (asking
before it discards nested overrides) and given back (undo)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.test_variants_api import BASE, CT, G1, G2
from tests.conftest import Api, new_user
from veneer.domain.version_diff import changed_labels
from veneer.errors import StaleVersion, ValidationFailed, VeneerError
from veneer.services import users, versions
from veneer.services.context import Services

PATH = "/content_types/landing/entries"


@pytest.fixture
def site(api: Api, services: Services) -> dict[str, Any]:
    api.ok(api.post("/content_types", CT), 201)
    uid = api.ok(api.post(PATH, {"entry": BASE}), 201)["entry"]["uid"]
    api.ok(api.put(f"{PATH}/{uid}", {"entry": {"title": "second", "count": 2}}))
    api.ok(api.put(f"{PATH}/{uid}", {"entry": {"url": "/third"}}))
    group = {"name": "Colors", "uid": "colors", "content_types": ["landing"]}
    api.ok(api.post("/variant_groups", group), 201)
    api.ok(api.post("/variant_groups/colors/variants", {"uid": "red", "name": "Red"}), 201)
    actor = users.authenticate(services, api.authtoken)
    return {"uid": uid, "actor": actor, "key": api.api_key}


def call(services: Services, site: dict[str, Any], fn: Any, *args: Any, **kw: Any) -> Any:
    return fn(services, site["actor"], site["key"], "landing", site["uid"], *args, **kw)


def latest(api: Api, uid: str) -> dict[str, Any]:
    return api.ok(api.get(f"{PATH}/{uid}"))["entry"]  # type: ignore[no-any-return]


def test_two_entry_versions_side_by_side(services: Services, site: dict[str, Any]) -> None:
    default = call(services, site, versions.compare_entry, "en-us", None, None)
    assert (default.left.version, default.right.version, default.versions) == (2, 3, [3, 2, 1])
    assert changed_labels(default.rows) == ["URL"]
    first = call(services, site, versions.compare_entry, "en-us", 1, 3)
    assert changed_labels(first.rows) == ["Title", "URL", "Count"]
    row = next(r for r in first.rows if r.uid == "title")
    assert (row.left, row.right) == ("base", "second")
    with pytest.raises(Exception, match="Version 9 doesn't exist"):
        call(services, site, versions.compare_entry, "en-us", 9, 3)


def test_restore_makes_a_new_version_with_the_old_content(
    api: Api, services: Services, site: dict[str, Any]
) -> None:
    uid = site["uid"]
    with pytest.raises(StaleVersion):  # the latest is 3, not 2
        call(services, site, versions.restore_entry_version, "en-us", 1, 2)
    saved = call(services, site, versions.restore_entry_version, "en-us", 1, 3)
    assert saved["_version"] == 4
    now = latest(api, uid)
    assert (now["_version"], now["title"], now["url"], now["count"]) == (4, "base", "/base", 1)
    assert [(g["single_line"], g["_metadata"]["uid"]) for g in now["group"]] == [
        ("Base 2", G2),
        ("Base 1", G1),
    ]
    same = call(services, site, versions.compare_entry, "en-us", 1, 4)
    assert changed_labels(same.rows) == []
    # restoring what the latest holds already makes no version
    again = call(services, site, versions.restore_entry_version, "en-us", 1, 4)
    assert again["_version"] == 4 and latest(api, uid)["_version"] == 4


def variant(api: Api, uid: str, body: dict[str, Any], status: int = 200) -> dict[str, Any]:
    return api.ok(  # type: ignore[no-any-return]
        api.put(f"{PATH}/{uid}/variants/red", {"entry": {**body, "_variant": {}}}), status
    )["entry"]


def test_variant_versions_compared_against_each_other_and_the_base(
    api: Api, services: Services, site: dict[str, Any]
) -> None:
    uid = site["uid"]
    variant(api, uid, {"title": "red"}, 201)
    variant(api, uid, {"count": 7})
    pair = call(services, site, versions.compare_variant, "red", "en-us", 1, 2)
    assert changed_labels(pair.rows) == ["Count"]
    assert (pair.left.overrides, pair.right.overrides) == ({"title"}, {"title", "count"})
    assert "tags" not in [r.uid for r in pair.rows]
    base = call(
        services, site, versions.compare_variant, "red", "en-us", None, None, against_base=True
    )
    assert base.left.version == 3 and base.right.version == 2
    assert {r.uid for r in base.rows if r.overridden} == {"title", "count"}
    assert changed_labels(base.rows) == ["Title", "Count"]
    title = next(r for r in base.rows if r.uid == "title")
    assert (title.left, title.right) == ("second", "red")


def test_restore_a_variant_version(api: Api, services: Services, site: dict[str, Any]) -> None:
    uid = site["uid"]
    variant(api, uid, {"title": "red"}, 201)
    variant(api, uid, {"title": "crimson", "count": 7})
    with pytest.raises(StaleVersion):
        call(services, site, versions.restore_variant_version, "red", "en-us", 1, 1)
    saved = call(services, site, versions.restore_variant_version, "red", "en-us", 1, 2)
    assert saved["_version"] == 3 and saved["_variant"]["_change_set"] == ["title"]
    assert saved["title"] == "red" and "count" not in saved
    assert call(services, site, versions.restore_variant_version, "red", "en-us", 1, 3) is None


def test_revert_one_field_then_undo(api: Api, services: Services, site: dict[str, Any]) -> None:
    uid = site["uid"]
    variant(api, uid, {"title": "red", "count": 7}, 201)
    reverted = call(services, site, versions.revert_field, "red", "en-us", "count", 1)
    assert reverted["_version"] == 2 and reverted["_variant"]["_change_set"] == ["title"]
    assert reverted["title"] == "red"  # the other override stays
    with pytest.raises(StaleVersion):  # an undo from a page that saw an older version
        call(services, site, versions.restore_field, "red", "en-us", "count", 1, 1)
    undone = call(services, site, versions.restore_field, "red", "en-us", "count", 1, 2)
    assert undone["_version"] == 3 and undone["count"] == 7
    assert sorted(undone["_variant"]["_change_set"]) == ["count", "title"]


def test_reverting_a_reordered_list_asks_before_dropping_nested_overrides(
    api: Api, services: Services, site: dict[str, Any]
) -> None:
    uid = site["uid"]
    body = {
        "group": [
            {"_metadata": {"uid": G1}, "single_line": "Red 1"},
            {"_metadata": {"uid": G2}},
        ],
        "_variant": {"_order": [{"group": [f"base.{G1}", f"base.{G2}"]}]},
    }
    made = api.ok(api.put(f"{PATH}/{uid}/variants/red", {"entry": body}), 201)["entry"]
    assert made["_variant"]["_change_set"] == [f"group.{G1}.single_line"]
    with pytest.raises(ValidationFailed, match="discards 1 of this variant's own value") as exc:
        call(services, site, versions.revert_field, "red", "en-us", "group", 1)
    assert exc.value.errors == {"confirm": ["is required."]}
    kept = api.ok(api.get(f"{PATH}/{uid}/variants/red"))["entry"]
    assert kept["_version"] == 1  # nothing was saved
    reverted = call(
        services, site, versions.revert_field, "red", "en-us", "group", 1, confirm=versions.CONFIRM
    )
    assert reverted["_variant"]["_change_set"] == [] and reverted["_variant"]["_order"] == []
    undone = call(services, site, versions.restore_field, "red", "en-us", "group", 1, 2)
    assert undone["_variant"]["_change_set"] == [f"group.{G1}.single_line"]
    assert undone["_variant"]["_order"] == [{"group": [f"base.{G1}", f"base.{G2}"]}]


def test_another_users_stack_is_out_of_reach(
    services: Services, client: Any, site: dict[str, Any]
) -> None:
    other = users.authenticate(services, new_user(services, client).authtoken)
    for fn, args in (
        (versions.compare_entry, ("en-us", 1, 2)),
        (versions.restore_entry_version, ("en-us", 1, 3)),
        (versions.revert_field, ("red", "en-us", "title", 1)),
    ):
        with pytest.raises(VeneerError) as exc:
            fn(services, other, site["key"], "landing", site["uid"], *args)  # type: ignore[operator]
        assert exc.value.status in (403, 412)
