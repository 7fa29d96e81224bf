"""`veneer import` of a csdx export folder, on small folders written by hand (the real CLI's are
in tests/e2e/test_csdx_folder_import.py): which folders are csdx exports, and every refusal named
with its file and uid, the import leaving no stack."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.conftest import Api
from veneer.services.context import Services
from veneer.transfer import csdx
from veneer.transfer.load import ImportRefused, Options

ENV = "blt0000000000000e01"


def write(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orjson.dumps(value))


def branch(folder: Path, entries: dict[str, Any], assets: dict[str, Any] | None = None) -> Path:
    """A csdx export folder (`branches.json` and `main/`) of one content type, `page`."""
    main = folder / "main"
    write(folder / "branches.json", [{"uid": "main", "source": ""}])
    write(main / "export-info.json", {"contentVersion": 2})
    write(main / "locales" / "master-locale.json", {"blt1": {"code": "en-us", "uid": "blt1"}})
    write(main / "environments" / "environments.json", {ENV: {"uid": ENV, "name": "production"}})
    page = {
        "title": "Page",
        "uid": "page",
        "schema": [
            {"display_name": "Title", "uid": "title", "data_type": "text", "mandatory": True},
            {"display_name": "Image", "uid": "image", "data_type": "file"},
        ],
    }
    write(main / "content_types" / "schema.json", [page])
    write(main / "entries" / "page" / "en-us" / "index.json", {"1": "chunk-entries.json"})
    write(main / "entries" / "page" / "en-us" / "chunk-entries.json", entries)
    if assets is not None:
        write(main / "assets" / "assets.json", {"1": "chunk-assets.json"})
        write(main / "assets" / "chunk-assets.json", assets)
    return main


def test_which_folders_are_csdx_exports(tmp_path: Path) -> None:
    main = branch(tmp_path / "export", {})
    assert csdx.branch_folder(tmp_path / "export") == main
    assert csdx.branch_folder(main) == main  # the branch folder itself
    (tmp_path / "other").mkdir()
    assert csdx.branch_folder(tmp_path / "other") is None
    write(tmp_path / "two" / "branches.json", [{"uid": "a"}, {"uid": "b"}])
    (tmp_path / "two" / "a").mkdir()
    (tmp_path / "two" / "b").mkdir()
    with pytest.raises(ImportRefused, match="the export of 2 branches"):
        csdx.branch_folder(tmp_path / "two")


def test_an_export_is_imported_with_its_uids_and_publications(
    services: Services, api: Api, tmp_path: Path
) -> None:
    entry = {
        "uid": "blt00000000000000a1",
        "title": "Home",
        "locale": "en-us",
        "_version": 3,
        "publish_details": [{"environment": ENV, "locale": "en-us", "version": 3}],
    }
    folder = branch(tmp_path / "export", {entry["uid"]: entry})
    done = csdx.import_csdx(services, folder, Options(owner=api.email))
    assert (done.counts["entries"], done.counts["environments"]) == (1, 1)
    api.api_key = done.api_key
    found = api.ok(api.get(f"/content_types/page/entries/{entry['uid']}"))["entry"]
    assert (found["title"], found["_version"]) == ("Home", 1)
    published = api.ok(
        api.get(
            f"/content_types/page/entries/{entry['uid']}",
            params={"include_publish_details": "true"},
        )
    )["entry"]["publish_details"]
    envs = {e["uid"]: e["name"] for e in api.ok(api.get("/environments"))["environments"]}
    assert [(envs[p["environment"]], p["locale"]) for p in published] == [("production", "en-us")]


def test_every_refused_item_is_named_and_no_stack_is_left(
    services: Services, api: Api, tmp_path: Path
) -> None:
    entries = {
        "blt00000000000000b1": {"uid": "blt00000000000000b1", "locale": "en-us"},  # no title
        "blt00000000000000b2": {
            "uid": "blt00000000000000b2",
            "title": "Elsewhere",
            "locale": "en-us",
            "publish_details": [{"environment": "blt_gone", "locale": "en-us"}],
        },
        "blt00000000000000b3": {"uid": "blt00000000000000b3", "title": "Fine", "locale": "en-us"},
    }
    asset = {"uid": "blt00000000000000c1", "filename": "gone.png", "title": "Gone"}
    folder = branch(tmp_path / "export", entries, {asset["uid"]: asset})
    with pytest.raises(csdx.ImportFailed) as refused:
        csdx.import_csdx(services, folder, Options(owner=api.email))
    problems = {(p["file"], p["uid"]): p for p in refused.value.problems}
    chunk = "entries/page/en-us/chunk-entries.json"
    assert sorted(problems) == [
        ("assets/chunk-assets.json", "blt00000000000000c1"),
        (chunk, "blt00000000000000b1"),
        (chunk, "blt00000000000000b2"),
    ]
    assert "title" in problems[(chunk, "blt00000000000000b1")]["errors"]
    assert "blt_gone" in str(problems[(chunk, "blt00000000000000b2")]["errors"])
    assert "gone.png" in str(problems[("assets/chunk-assets.json", "blt00000000000000c1")])
    assert all(p["error_code"] and p["error_message"] for p in problems.values())
    # The entry that was fine is not left behind either: no stack was kept.
    listed = api.ok(api.client.get("/v3/stacks", headers={"authtoken": api.authtoken}))["stacks"]
    assert [s["api_key"] for s in listed] == [api.api_key]


def test_custom_roles_are_imported_with_the_targets_environments_and_locales(
    services: Services, api: Api, tmp_path: Path
) -> None:
    folder = branch(tmp_path / "export", {})
    write(folder / "locales" / "locales.json", {"blt2": {"code": "fr-fr", "uid": "blt2"}})
    rules = [
        {"module": "branch", "branches": ["main"], "acl": {"read": True}},
        {"module": "environment", "environments": [ENV], "acl": {"read": True}},
        {"module": "locale", "locales": ["blt1", "blt2"], "acl": {"read": True}},
        {"module": "content_type", "content_types": ["page"], "acl": {"read": True}},
    ]
    role = {"uid": "blt00000000000000d1", "name": "Translator", "description": "FR", "rules": rules}
    write(folder / "custom-roles" / "custom-roles.json", {role["uid"]: role})
    write(
        folder / "custom-roles" / "custom-roles-locales.json",
        {"blt1": {"code": "en-us", "uid": "blt1"}, "blt2": {"code": "fr-fr", "uid": "blt2"}},
    )
    done = csdx.import_csdx(services, folder, Options(owner=api.email))
    assert done.counts["custom roles"] == 1
    assert not [line for line in done.skipped if "custom-roles" in line]
    api.api_key = done.api_key
    imported = api.ok(api.get("/roles", params={"include_rules": "true", "skip": "3"}))["roles"]
    assert [(r["name"], r["description"]) for r in imported] == [("Translator", "FR")]
    envs = {e["name"]: e["uid"] for e in api.ok(api.get("/environments"))["environments"]}
    codes = {x["code"]: x["uid"] for x in api.ok(api.get("/locales"))["locales"]}
    assert imported[0]["rules"] == [
        rules[0],
        {**rules[1], "environments": [envs["production"]]},
        {**rules[2], "locales": [codes["en-us"], codes["fr-fr"]]},
        rules[3],
    ]
    assert imported[0]["uid"] != role["uid"]


def test_a_custom_role_the_cma_refuses_is_named(
    services: Services, api: Api, tmp_path: Path
) -> None:
    folder = branch(tmp_path / "export", {})
    role = {"uid": "blt00000000000000d2", "name": "No branch", "rules": []}
    write(folder / "custom-roles" / "custom-roles.json", {role["uid"]: role})
    with pytest.raises(csdx.ImportFailed) as refused:
        csdx.import_csdx(services, folder, Options(owner=api.email))
    [problem] = refused.value.problems
    assert (problem["file"], problem["uid"]) == ("custom-roles/custom-roles.json", role["uid"])
    assert "rules.branch" in problem["errors"]
