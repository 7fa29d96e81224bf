"""Entry variants through the management API, with the reference pages' samples (001, 002, 004)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api

G1, G2 = "cs5bafacf1e94ff8c2", "csc30ef8fdc0b190fe"

CT = {
    "content_type": {
        "title": "Landing",
        "uid": "landing",
        "schema": [
            {
                "display_name": "Title",
                "uid": "title",
                "data_type": "text",
                "mandatory": True,
                "unique": True,
            },
            {"display_name": "URL", "uid": "url", "data_type": "text"},
            {"display_name": "Single line", "uid": "single_line", "data_type": "text"},
            {"display_name": "Count", "uid": "count", "data_type": "number"},
            {
                "display_name": "SEO",
                "uid": "seo",
                "data_type": "group",
                "schema": [
                    {"display_name": "Meta title", "uid": "meta_title", "data_type": "text"}
                ],
            },
            {
                "display_name": "Group",
                "uid": "group",
                "data_type": "group",
                "multiple": True,
                "schema": [
                    {"display_name": "Single line", "uid": "single_line", "data_type": "text"},
                    {
                        "display_name": "Multi line",
                        "uid": "multi_line",
                        "data_type": "text",
                        "field_metadata": {"multiline": True},
                    },
                ],
            },
        ],
    }
}

# The seed's base entry is not shown; its create sample reorders the group to [G2, G1] and its
# update sample to [G1, G2] with `_order` kept in the answer, so the base order here is [G2, G1].
BASE = {
    "title": "base",
    "url": "/base",
    "single_line": "Base",
    "count": 1,
    "seo": {"meta_title": "Base SEO"},
    "group": [
        {"single_line": "Base 2", "multi_line": "Base 2 Multi", "_metadata": {"uid": G2}},
        {"single_line": "Base 1", "multi_line": "Base 1 Multi", "_metadata": {"uid": G1}},
    ],
}

# The update request body of 002_e2f5fb19aa00412b.txt, verbatim.
SEED_UPDATE = {
    "entry": {
        "title": "red",
        "url": "/red",
        "single_line": "Red variant",
        "group": [
            {"single_line": "Variant 2", "_metadata": {"uid": G1}, "multi_line": "Variant 2 Multi"},
            {"single_line": "Variant 1", "_metadata": {"uid": G2}, "multi_line": "Variant 1 Multi"},
        ],
        "_variant": {"_order": [{"group": [f"base.{G1}", f"base.{G2}"]}]},
    }
}

SEED_CHANGE_SET = [
    "title",
    "url",
    "single_line",
    f"group.{G1}.single_line",
    f"group.{G1}.multi_line",
    f"group.{G2}.single_line",
    f"group.{G2}.multi_line",
]


@pytest.fixture
def setup(api: Api) -> dict[str, Any]:
    api.ok(api.post("/content_types", CT), 201)
    entry = api.ok(api.post("/content_types/landing/entries", {"entry": BASE}), 201)["entry"]
    group = api.ok(
        api.post(
            "/variant_groups", {"name": "Colors", "uid": "colors", "content_types": ["landing"]}
        ),
        201,
    )
    red = api.ok(api.post("/variant_groups/colors/variants", {"uid": "red", "name": "Red"}), 201)
    return {
        "entry": entry,
        "group": group,
        "red": red,
        "path": f"/content_types/landing/entries/{entry['uid']}",
    }


def test_group_and_variant_create_shapes(setup: dict[str, Any]) -> None:
    group, red = setup["group"], setup["red"]
    assert group["uid"] == "colors" and group["content_types"] == [
        {"uid": "landing", "status": "linked"}
    ]
    assert group["branches"] == ["main"]
    assert red["uid"] == "red" and red["name"] == "Red" and red["variant_group_uid"] == "colors"


def test_seed_update_sample_change_set(api: Api, setup: dict[str, Any]) -> None:
    created = api.ok(api.put(setup["path"] + "/variants/red", SEED_UPDATE), 201)
    assert created["notice"] == "Entry variant created successfully."
    entry = created["entry"]
    assert entry["uid"] == setup["entry"]["uid"]
    assert entry["_variant"]["_change_set"] == SEED_CHANGE_SET
    assert entry["_variant"]["_order"] == [{"group": [f"base.{G1}", f"base.{G2}"]}]
    assert entry["group"] == SEED_UPDATE["entry"]["group"]
    assert entry["_variant"]["_uid"] == "red"
    assert (
        entry["_variant"]["_instance_uid"].startswith("blt")
        and len(entry["_variant"]["_instance_uid"]) == 23
    )
    assert entry["_variant"]["_base_entry_version"] == 1 and entry["_version"] == 1
    assert entry["title"] == "red" and entry["locale"] == "en-us" and entry["tags"] == []
    again = api.ok(
        api.put(setup["path"] + "/variants/red", {"entry": {"count": 5, "_variant": {}}})
    )
    assert again["notice"] == "Entry variant updated successfully."
    assert (
        again["entry"]["_version"] == 2
        and again["entry"]["_variant"]["_change_set"]
        == SEED_CHANGE_SET[:3] + ["count"] + SEED_CHANGE_SET[3:]
    )


def test_value_equal_to_base_returns_to_inheriting(api: Api, setup: dict[str, Any]) -> None:
    api.ok(
        api.put(
            setup["path"] + "/variants/red", {"entry": {"title": "red", "count": 3, "_variant": {}}}
        ),
        201,
    )
    back = api.ok(
        api.put(setup["path"] + "/variants/red", {"entry": {"count": 1, "_variant": {}}})
    )["entry"]
    assert back["_variant"]["_change_set"] == ["title"] and "count" not in back


def test_nested_single_group_path(api: Api, setup: dict[str, Any]) -> None:
    body = api.ok(
        api.put(
            setup["path"] + "/variants/red",
            {"entry": {"seo": {"meta_title": "Red SEO"}, "_variant": {}}},
        ),
        201,
    )
    assert body["entry"]["_variant"]["_change_set"] == ["seo.meta_title"]


def test_get_list_versions_delete(api: Api, setup: dict[str, Any]) -> None:
    path = setup["path"]
    api.ok(api.put(path + "/variants/red", SEED_UPDATE), 201)
    api.ok(api.put(path + "/variants/red", {"entry": {"count": 9, "_variant": {}}}))
    one = api.ok(api.get(path + "/variants/red"))["entry"]
    assert one["_variant"]["_uid"] == "red" and one["count"] == 9
    listed = api.ok(api.get(path + "/variants", params={"include_count": "true"}))
    assert listed["count"] == 1 and listed["entries"][0]["_variant"]["_uid"] == "red"
    versions = api.ok(api.get(path + "/variants/red/versions"))["versions"]
    assert versions == [{"_version": 2, "locale": "en-us"}, {"_version": 1, "locale": "en-us"}]
    assert (
        api.ok(api.delete(path + "/variants/red"))["notice"]
        == "Entry variant deleted successfully."
    )
    assert api.get(path + "/variants/red").status_code == 422


def test_merged_read_both_sdk_styles(api: Api, setup: dict[str, Any]) -> None:
    path = setup["path"]
    api.ok(api.put(path + "/variants/red", SEED_UPDATE), 201)
    js = api.ok(
        api.get(path, params={"include_variant": "true"}, headers={"x-cs-variant-uid": "red"})
    )["entry"]
    py = api.ok(api.get(path, params={"include_variants": "true", "variant_uid": "red"}))["entry"]
    assert js == py
    assert js["title"] == "red" and js["count"] == 1 and js["seo"]["meta_title"] == "Base SEO"
    assert [g["single_line"] for g in js["group"]] == ["Variant 2", "Variant 1"]


def test_python_sdk_post_form(api: Api, setup: dict[str, Any]) -> None:
    body = api.ok(
        api.post(
            setup["path"] + "/variants", {"entry": {"title": "py", "_variant": {"_uid": "red"}}}
        ),
        201,
    )
    assert body["entry"]["_variant"]["_change_set"] == ["title"]


@pytest.mark.parametrize(
    "body,field",
    [
        ({"entry": {"title": "x"}}, "entry._variant"),
        ({"entry": {"title": "x", "_variant": {"_order": "nope"}}}, None),
        ({"entry": {"count": "many", "_variant": {}}}, "count"),
    ],
)
def test_rejected_bodies(
    api: Api, setup: dict[str, Any], body: dict[str, Any], field: str | None
) -> None:
    response = api.put(setup["path"] + "/variants/red", body)
    assert response.status_code == 422, response.text
    if field:
        assert field in response.json()["errors"]
    assert api.get(setup["path"] + "/variants/red").status_code == 422  # nothing written


def test_unlinked_content_type_rules(api: Api, setup: dict[str, Any]) -> None:
    path = setup["path"]
    api.ok(api.post("/variant_groups/colors/variants", {"uid": "blue", "name": "Blue"}), 201)
    api.ok(api.put(path + "/variants/red", {"entry": {"title": "r", "_variant": {}}}), 201)
    other = api.ok(api.post("/variant_groups", {"name": "Sizes", "uid": "sizes"}), 201)
    api.ok(api.post(f"/variant_groups/{other['uid']}/variants", {"uid": "big", "name": "Big"}), 201)
    assert (
        api.put(path + "/variants/big", {"entry": {"title": "b", "_variant": {}}}).status_code
        == 422
    )
    unlink = api.ok(
        api.put(
            "/variant_groups/colors",
            {
                "uid": "colors",
                "name": "Colors",
                "content_types": [{"uid": "landing", "status": "unlinked"}],
            },
        )
    )
    assert unlink["message"] == "Variant Group and Variants updated successfully"
    assert unlink["content_types"] == [{"uid": "landing", "status": "unlinked"}]
    assert api.get(path + "/variants/red").status_code == 422  # unlinking deleted it
    assert (
        api.put(path + "/variants/blue", {"entry": {"title": "b", "_variant": {}}}).status_code
        == 422
    )


def test_link_by_reference_page_path_with_bare_body(api: Api, setup: dict[str, Any]) -> None:
    api.ok(
        api.post(
            "/content_types",
            {
                "content_type": {
                    "title": "Other",
                    "uid": "other",
                    "schema": [
                        {
                            "display_name": "Title",
                            "uid": "title",
                            "data_type": "text",
                            "mandatory": True,
                        }
                    ],
                }
            },
        ),
        201,
    )
    raw = b'{"uid": "other", "status": "linked"}, {"uid": "landing", "status": "linked"}'
    response = api.client.put(
        "/v3/variant_groups/colors/variants",
        content=raw,
        headers={**api.headers(), "content-type": "application/json"},
    )
    assert response.status_code == 200, response.text
    assert {c["uid"] for c in response.json()["content_types"] if c["status"] == "linked"} == {
        "other",
        "landing",
    }


def test_group_list_parameters(api: Api, setup: dict[str, Any]) -> None:
    api.ok(
        api.post(
            "/variant_groups",
            {
                "variant_group": {
                    "name": "Audience",
                    "personalize_metadata": {
                        "experience_uid": "exp1",
                        "experience_short_uid": "0",
                        "project_uid": "p",
                        "status": "linked",
                    },
                }
            },
        ),
        201,
    )
    body = api.ok(
        api.get(
            "/variant_groups",
            params={
                "include_count": "true",
                "include_variant_info": "true",
                "include_variant_count": "true",
                "asc": "name",
            },
        )
    )
    assert [g["name"] for g in body["variant_groups"]] == ["Audience", "Colors"] and body[
        "count"
    ] == 2
    colors = body["variant_groups"][1]
    assert colors["variant_count"] == 1 and colors["variants"][0]["uid"] == "red"
    by_ct = api.ok(api.get("/variant_groups", params={"content_type": "landing"}))["variant_groups"]
    assert [g["uid"] for g in by_ct] == ["colors"]
    by_exp = api.ok(api.get("/variant_groups", params={"experience_uid": "exp1"}))["variant_groups"]
    assert [g["name"] for g in by_exp] == ["Audience"]
    by_query = api.ok(api.get("/variant_groups?&query=%7B%22name%22%3A%22Colors%22%7D"))[
        "variant_groups"
    ]
    assert [g["uid"] for g in by_query] == ["colors"]


def test_alias_and_ungrouped_lookups(api: Api, setup: dict[str, Any]) -> None:
    group = api.ok(
        api.post(
            "/variant_groups",
            {
                "name": "P",
                "uid": "p",
                "content_types": ["landing"],
                "personalize_metadata": {"experience_short_uid": "0"},
            },
        ),
        201,
    )
    variant = api.ok(
        api.post(
            f"/variant_groups/{group['uid']}/variants",
            {"name": "Country", "personalize_metadata": {"variant_short_uid": "1"}},
        ),
        201,
    )
    assert variant["alias"] == "cs_personalize_0_1" and variant["uid"].startswith("cs")
    body = api.ok(
        api.put(
            setup["path"] + "/variants/cs_personalize_0_1",
            {"entry": {"title": "aliased", "_variant": {}}},
        ),
        201,
    )
    assert body["entry"]["_variant"]["_uid"] == variant["uid"]
    by_comma = api.ok(api.get("/variants", params={"uid": f"red,{variant['uid']}"}))["variants"]
    by_list = api.ok(api.get(f"/variants?uids[]=red&uids[]={variant['uid']}"))["variants"]
    assert {v["uid"] for v in by_comma} == {v["uid"] for v in by_list} == {"red", variant["uid"]}


def test_delete_variant_and_group_cascade(api: Api, setup: dict[str, Any]) -> None:
    path = setup["path"]
    api.ok(api.put(path + "/variants/red", {"entry": {"title": "r", "_variant": {}}}), 201)
    assert (
        api.ok(api.delete("/variant_groups/colors/variants/red"))["notice"]
        == "Variants deleted successfully."
    )
    assert api.ok(api.get(path + "/variants"))["entries"] == []
    assert (
        api.ok(api.delete("/variant_groups/colors"))["notice"]
        == "Variant Group deleted successfully."
    )
    assert api.get("/variant_groups/colors").status_code == 422


def test_deleting_base_deletes_variants(api: Api, setup: dict[str, Any]) -> None:
    api.ok(api.put(setup["path"] + "/variants/red", {"entry": {"title": "r", "_variant": {}}}), 201)
    api.ok(api.delete(setup["path"]))
    assert api.get(setup["path"] + "/variants/red").status_code == 422


def test_a_link_status_that_is_not_text_is_refused(api: Api, setup: dict[str, Any]) -> None:
    """Found by Schemathesis: a list as `status` was a 500 (a set cannot hold a list)."""
    for status in ([], {"a": 1}):
        body = {"content_types": [{"uid": "landing", "status": status}]}
        refused = api.put("/variant_groups/colors", body)
        assert refused.status_code == 422, refused.text
        assert "content_types.0" in refused.json()["errors"]
