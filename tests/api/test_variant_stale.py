"""Stale overrides and rebasing (issue 16 §4), on both databases: `include_stale=true` on
management entry-variant reads adds `_variant._stale` (the overrides whose base value changed
since the variant was saved); `POST …/variants/{v}/rebase` reverts some of them to inheriting and
marks the variant as reviewed against the latest base."""

from __future__ import annotations

from typing import Any

from tests.api.test_delivery import assert_error
from tests.api.test_delivery_variants import BLUE, G1, G2, GREEN, RED, VariantSite, fresh

__all__ = ["fresh"]  # the fixture, shared


def variant_path(site: VariantSite, variant: str) -> str:
    return f"{site.path()}/variants/{variant}"


def stale(site: VariantSite, variant: str) -> list[str]:
    response = site.api.get(variant_path(site, variant), params={"include_stale": "true"})
    assert response.status_code == 200, response.text
    return list(response.json()["entry"]["_variant"]["_stale"])


def rebase(site: VariantSite, variant: str, revert: Any) -> Any:
    return site.api.post(variant_path(site, variant) + "/rebase", {"revert": revert})


def test_an_override_is_stale_when_its_base_value_moved(fresh: VariantSite) -> None:
    assert stale(fresh, GREEN) == []
    base = fresh.api.ok(fresh.api.get(fresh.path()))["entry"]
    group = [dict(g) for g in base["group"]]
    group[1]["single_line"] = "Base 1, edited"  # G1: Green overrides its single_line
    fresh.update("landing", fresh.home["uid"], url="/moved", views=3, group=group)
    assert stale(fresh, GREEN) == ["url", f"group.{G1}.single_line"]
    assert stale(fresh, RED) == [f"group.{G1}.single_line"]  # Red does not override url
    listed = fresh.api.ok(
        fresh.api.get(fresh.path() + "/variants", params={"include_stale": "true"})
    )["entries"]
    by_variant = {e["_variant"]["_uid"]: e["_variant"]["_stale"] for e in listed}
    assert by_variant[GREEN] == ["url", f"group.{G1}.single_line"]
    assert by_variant[BLUE] == ["url"]


def test_reordering_the_base_makes_a_variant_order_stale(fresh: VariantSite) -> None:
    base = fresh.api.ok(fresh.api.get(fresh.path()))["entry"]
    fresh.update("landing", fresh.home["uid"], group=list(reversed(base["group"])))
    assert "group" in stale(fresh, GREEN) and "group" in stale(fresh, BLUE)


def test_rebase_reverts_and_marks_the_rest_reviewed(fresh: VariantSite) -> None:
    fresh.update("landing", fresh.home["uid"], url="/moved", title="Moved")
    before = fresh.api.ok(fresh.api.get(variant_path(fresh, GREEN)))["entry"]
    assert stale(fresh, GREEN) == ["title", "url"]
    body = fresh.api.ok(rebase(fresh, GREEN, ["url"]))
    entry = body["entry"]
    assert entry["_version"] == before["_version"] + 1
    latest = fresh.api.ok(fresh.api.get(fresh.path()))["entry"]["_version"]
    assert entry["_variant"]["_base_entry_version"] == latest
    assert "url" not in entry["_variant"]["_change_set"] and entry["title"] == "Green"
    assert stale(fresh, GREEN) == []
    preview = fresh.api.get(
        fresh.path(), params={"variant_preview": "true"}, headers={"x-cs-variant-uid": GREEN}
    ).json()["entry"]
    assert (preview["title"], preview["url"]) == ("Green", "/moved")


def test_rebase_can_revert_an_order(fresh: VariantSite) -> None:
    entry = fresh.api.ok(rebase(fresh, GREEN, ["group"]))["entry"]
    assert entry["_variant"]["_order"] == []
    preview = fresh.api.get(
        fresh.path(), params={"variant_preview": "true"}, headers={"x-cs-variant-uid": GREEN}
    ).json()["entry"]
    assert [g["_metadata"]["uid"] for g in preview["group"]] == [G2, G1]  # the base's order


def test_unknown_revert_paths_are_refused(fresh: VariantSite) -> None:
    body = assert_error(rebase(fresh, GREEN, ["views", "url"]), 422)
    assert body["errors"] == {"revert": ["the variant does not override views"]}
    assert assert_error(rebase(fresh, GREEN, "url"), 422)["errors"]["revert"]
    assert "variant" in assert_error(rebase(fresh, "ghost", []), 422)["errors"]
    versions = fresh.api.ok(fresh.api.get(variant_path(fresh, GREEN)))["entry"]["_version"]
    assert versions == 1  # nothing was written


def test_without_include_stale_reads_are_unchanged(fresh: VariantSite) -> None:
    plain = fresh.api.get(variant_path(fresh, RED))
    off = fresh.api.get(variant_path(fresh, RED), params={"include_stale": "false"})
    assert off.content == plain.content and "_stale" not in plain.json()["entry"]["_variant"]
