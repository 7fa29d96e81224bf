"""The official management SDKs against a real server: the global field, label, extension and
custom role calls (issue 14 §6, §10, §11) of Python `contentstack-management` and JS
`@contentstack/management`, with a content type and an entry that use a global field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import contentstack_management
import orjson

from tests.conftest import PASSWORD
from tests.e2e.test_management_sdk_python import _ok, pytestmark, sdk  # noqa: F401
from tests.e2e.test_management_sdk_variants import _account, _run

JS = Path(__file__).resolve().parent / "js"

SEO = {
    "global_field": {
        "title": "SEO",
        "uid": "seo",
        "schema": [
            {
                "display_name": "Meta title",
                "uid": "meta_title",
                "data_type": "text",
                "mandatory": True,
            }
        ],
    }
}
ARTICLE = {
    "content_type": {
        "title": "Article",
        "uid": "article",
        "schema": [
            {"display_name": "Title", "uid": "title", "data_type": "text", "mandatory": True},
            {
                "display_name": "SEO",
                "uid": "seo",
                "data_type": "global_field",
                "reference_to": "seo",
            },
        ],
    }
}


def _stack(client: contentstack_management.Client) -> Any:
    body = {"stack": {"name": "SDK modules", "master_locale": "en-us"}}
    return client.stack(_ok(client.stack().create(None, body), 201)["stack"]["api_key"])


def test_global_fields(sdk: contentstack_management.Client) -> None:  # noqa: F811
    stack = _stack(sdk)
    created = _ok(stack.global_fields().create(SEO), 201)
    assert created["notice"] == "Global Field created successfully."
    # Contentstack's api_version 3.2 (nested global fields) travels as a header; Veneer accepts it.
    nested = stack.global_fields(options={"api_version": 3.2}).find()
    assert [g["uid"] for g in _ok(nested)["global_fields"]] == ["seo"]
    assert _ok(stack.global_fields("seo").fetch())["global_field"]["title"] == "SEO"

    _ok(stack.content_types().create(ARTICLE), 201)
    entry = _ok(
        stack.content_types("article")
        .entry()
        .create({"entry": {"title": "A", "seo": {"meta_title": "Read me"}}}),
        201,
    )["entry"]
    assert entry["seo"]["meta_title"] == "Read me"
    article = stack.content_types("article")
    article.add_param("include_global_field_schema", "true")
    field = _ok(article.fetch())["content_type"]["schema"][1]
    assert [f["uid"] for f in field["schema"]] == ["meta_title"]

    in_use = stack.global_fields("seo").delete()
    assert in_use.status_code == 422 and in_use.json()["errors"] == {
        "global_field": ["is used by article."]
    }
    schema = [
        *SEO["global_field"]["schema"],
        {"display_name": "Alt", "uid": "alt", "data_type": "text"},
    ]
    updated = _ok(
        stack.global_fields("seo").update({"global_field": {"title": "Search", "schema": schema}})
    )
    assert (updated["global_field"]["title"], updated["global_field"]["_version"]) == ("Search", 2)
    _ok(stack.content_types("article").entry(entry["uid"]).delete())
    _ok(stack.content_types("article").delete())
    deleted = _ok(stack.global_fields("seo").delete())
    assert deleted["notice"] == "Global Field deleted successfully."
    assert _ok(stack.global_fields().find())["global_fields"] == []


def test_labels_and_extensions(sdk: contentstack_management.Client, tmp_path: Path) -> None:  # noqa: F811
    stack = _stack(sdk)
    label = _ok(stack.label().create({"label": {"name": "Campaign", "content_types": []}}), 201)[
        "label"
    ]
    assert _ok(stack.label().find())["labels"][0]["uid"] == label["uid"]
    renamed = _ok(stack.label(label["uid"]).update({"label": {"name": "Campaigns"}}))["label"]
    assert renamed["name"] == "Campaigns"
    assert _ok(stack.label(label["uid"]).fetch())["label"]["name"] == "Campaigns"
    assert _ok(stack.label(label["uid"]).delete())["notice"] == "Label deleted successfully."

    body = {
        "extension": {
            "title": "Picker",
            "type": "field",
            "data_type": "text",
            "src": "https://example.com/picker.html",
            "multiple": False,
            "tags": [],
            "config": "{}",
        }
    }
    ext = _ok(stack.extension().create(body), 201)["extension"]
    assert _ok(stack.extension(ext["uid"]).fetch())["extension"]["src"] == body["extension"]["src"]
    changed = _ok(stack.extension(ext["uid"]).update({"extension": {"title": "Colour"}}))
    assert changed["extension"]["title"] == "Colour"
    assert [e["uid"] for e in _ok(stack.extension().find())["extensions"]] == [ext["uid"]]
    assert _ok(stack.extension(ext["uid"]).delete())["notice"] == "Extension deleted successfully."

    page = tmp_path / "board.html"
    page.write_text("<p>Board</p>")
    form = {"file_name": str(page), "title": "Board", "data_type": "text", "multiple": False}
    before = sdk.client.headers.get("Content-Type")
    try:
        up = _ok(stack.extension().upload({**form, "tags": ["a", "b"], "type": "dashboard"}), 201)
    finally:  # upload() leaves its multipart header (and boundary) on the client
        sdk.client.headers.pop("Content-Type", None)
        if before is not None:
            sdk.client.headers["Content-Type"] = before
    made = up["extension"]
    assert (made["type"], made["tags"], made["multiple"], made["srcdoc"]) == (
        "dashboard",
        ["a", "b"],
        False,
        "<p>Board</p>",
    )


def test_content_type_references_export_and_import(
    sdk: contentstack_management.Client,  # noqa: F811
    tmp_path: Path,
) -> None:
    """`references()`, `export()` and `imports()` of content types and global fields (issue 14
    §9). The SDK's `imports()` sends `multipart/form-data` without a boundary and leaves that
    header on the client for every later call, whose JSON bodies Veneer still reads."""
    stack = _stack(sdk)
    _ok(stack.global_fields().create(SEO), 201)
    _ok(stack.content_types().create(ARTICLE), 201)
    author = {
        "content_type": {
            "title": "Author",
            "uid": "author",
            "schema": [
                {"display_name": "Title", "uid": "title", "data_type": "text", "mandatory": True}
            ],
        }
    }
    _ok(stack.content_types().create(author), 201)
    linking = [
        *ARTICLE["content_type"]["schema"],
        {"display_name": "By", "uid": "by", "data_type": "reference", "reference_to": ["author"]},
    ]
    _ok(stack.content_types("article").update({"content_type": {"schema": linking}}))
    assert _ok(stack.content_types("author").references()) == {"references": ["article"]}

    exported = _ok(stack.content_types("article").export())
    assert exported["uid"] == "article" and exported["_version"] == 2
    exported["uid"], exported["title"] = "story", "Story"
    path = tmp_path / "story.json"
    path.write_bytes(orjson.dumps(exported))
    done = _ok(stack.content_types().imports(str(path)))
    assert done["notice"] == "Content Type imported successfully."
    assert (done["content_type"]["uid"], done["content_type"]["_version"]) == ("story", 1)
    assert _ok(stack.content_types("author").references()) == {"references": ["article", "story"]}

    seo = _ok(stack.global_fields("seo").export())
    seo["uid"], seo["title"] = "seo_copy", "SEO copy"
    path.write_bytes(orjson.dumps(seo))
    copied = _ok(stack.global_fields().imports(str(path)))["global_field"]
    assert copied["uid"] == "seo_copy"
    # The client still says multipart/form-data; its JSON bodies are read as JSON.
    assert sdk.client.headers["Content-Type"] == "multipart/form-data"
    renamed = _ok(stack.content_types("story").update({"content_type": {"title": "Stories"}}))
    assert renamed["content_type"]["title"] == "Stories"


def test_user_and_organization_calls(sdk: contentstack_management.Client) -> None:  # noqa: F811
    """`user().update()`, `organizations(uid).fetch()`, `.roles()` and `.stacks()`
    (issue 14 §10); `company` is not kept (Veneer stores names only)."""
    body = {"user": {"first_name": "Grace", "company": "Ignored Inc."}}
    updated = _ok(sdk.user().update(body))
    assert updated["notice"] == "Profile updated successfully."
    assert updated["user"]["first_name"] == "Grace"
    org = _ok(sdk.user().fetch())["user"]["organizations"][0]["uid"]
    assert _ok(sdk.organizations(org).fetch())["organization"]["uid"] == org
    roles = _ok(sdk.organizations(org).roles())["roles"]
    assert [r["name"] for r in roles] == ["Owner", "Admin", "Member"]
    body = {"stack": {"name": "Org stacks", "master_locale": "en-us"}}
    made = _ok(sdk.stack().create(org, body), 201)["stack"]["api_key"]
    listed = _ok(sdk.organizations(org).stacks())["stacks"]
    assert made in [s["api_key"] for s in listed]


def test_custom_roles(sdk: contentstack_management.Client) -> None:  # noqa: F811
    """The Python management suite's role calls (tests/api/roles): create, find, fetch, update
    and delete, with its rules (branch alias, folder, taxonomy with per-content-type ACLs)."""
    stack = _stack(sdk)
    rules = [
        {"module": "branch", "branches": ["main"], "acl": {"read": True}},
        {"module": "branch_alias", "branch_aliases": ["deploy"], "acl": {"read": True}},
        {"module": "folder", "folders": ["$all"], "acl": {"read": True, "sub_acl": {"read": True}}},
        {
            "module": "taxonomy",
            "taxonomies": ["taxonomy_testing1"],
            "terms": ["taxonomy_testing1.term_test1"],
            "content_types": [{"uid": "$all", "acl": {"read": True}}],
            "acl": {"read": True},
        },
    ]
    body = {"role": {"name": "testRole", "description": "This is a test role.", "rules": rules}}
    made = _ok(stack.roles().create(body), 201)
    assert made["notice"] == "The role created successfully."
    uid = made["role"]["uid"]
    listed = _ok(stack.roles().find())["roles"]
    assert [r["name"] for r in listed][-1] == "testRole"
    assert _ok(stack.roles(uid).fetch())["role"]["name"] == "testRole"
    body["role"]["name"] = "sampleRole"
    updated = _ok(stack.roles(uid).update(body))
    assert (updated["notice"], updated["role"]["name"]) == (
        "The role updated successfully.",
        "sampleRole",
    )
    assert _ok(stack.roles(uid).delete())["notice"] == "The role deleted successfully."
    assert stack.roles(uid).fetch().status_code == 422


def test_js_management_sdk(server: str, services: Any) -> None:
    host, port = server.split(":")
    seen = _run(["node", "cma_modules.mjs", host, port, _account(services), PASSWORD], cwd=JS)
    assert seen["gf_created"] == ["seo", 1] and seen["gf_listed"] == ["seo"]
    assert seen["gf_updated"] == "Search" and seen["gf_nested"] == ["seo"]
    assert "schema" not in seen["ct_field"] and seen["ct_field"]["reference_to"] == "seo"
    assert seen["entry_seo"] == "Read me" and seen["delete_in_use"] == 422
    assert seen["labels"] == ["Campaign"] and seen["label_updated"] == "Campaigns"
    assert seen["label_deleted"] == "Label deleted successfully."
    assert seen["extensions"] == ["Picker"]
    assert seen["extension_fetched"] == "https://example.com/picker.html"
    assert seen["uploaded"] == [
        "Uploaded",
        "widget",
        ["a", "b"],
        "<html><body>Widget</body></html>",
    ]
    assert seen["widgets"] == ["Uploaded"] and seen["unknown_extension"] == [404, 347]
    assert seen["extension_deleted"] == "Extension deleted successfully."
    built_in = ["Admin", "Developer", "Content Manager"]
    assert seen["role_created"] == ["Content Editor", 2]
    assert seen["roles"] == [*built_in, "Content Editor"]
    assert seen["role_updated"] == ["Updated Editor", 3]
    assert seen["roles_limited"] == ["Content Manager", "Updated Editor"]
    assert seen["no_branch"] == [422, ["rules.branch"]]
    assert seen["no_name"] == [422, ["name"]]
    assert seen["admin_deleted"] == 422
    assert seen["role_deleted"] == "The role deleted successfully."
    assert seen["roles_left"] == built_in
