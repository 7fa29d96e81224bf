"""`veneer import` of a csdx export folder, on small folders written by hand (the real CLI's are
in tests/e2e/test_csdx_folder_import.py): which folders are csdx exports, every refusal named
with its file and uid, the import leaving no stack, and an import killed (SIGKILL) at chosen
points finishing, when run again, as an uninterrupted one does."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import func, select

import veneer.store.tables as t
from tests.conftest import Api
from veneer.services.context import Services
from veneer.transfer import csdx, csdx_journal, load
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


def test_an_entry_twice_in_a_locale_is_refused_before_writing(
    services: Services, api: Api, tmp_path: Path
) -> None:
    """The same uid twice in one chunk, and again in the next chunk of the locale: each repeat is
    refused as the other refusals are (no database message), the first one is not."""
    first = {"uid": "blt00000000000000d1", "title": "One", "locale": "en-us"}
    again = {**first, "title": "One again"}
    folder = branch(tmp_path / "export", {})
    chunk = folder / "entries" / "page" / "en-us" / "chunk-entries.json"
    chunk.write_bytes(orjson.dumps([first, again]))
    write(chunk.parent / "index.json", {"1": "chunk-entries.json", "2": "more-entries.json"})
    write(chunk.parent / "more-entries.json", [{**first, "title": "One, third time"}])
    write(folder / "entries" / "page" / "fr-fr" / "index.json", {"1": "chunk-entries.json"})
    write(
        folder / "entries" / "page" / "fr-fr" / "chunk-entries.json", [{**first, "locale": "fr-fr"}]
    )
    write(folder / "locales" / "locales.json", {"blt2": {"code": "fr-fr", "name": "French"}})
    with pytest.raises(csdx.ImportFailed) as refused:
        csdx.import_csdx(services, folder, Options(owner=api.email))
    problems = refused.value.problems
    assert [(p["file"], p["uid"]) for p in problems] == [
        ("entries/page/en-us/chunk-entries.json", first["uid"]),
        ("entries/page/en-us/more-entries.json", first["uid"]),
    ]
    for problem in problems:
        assert problem == {
            "file": problem["file"],
            "uid": first["uid"],
            "error_message": "Entry creation failed. The export holds the entry "
            f"{first['uid']} twice in en-us.",
            "error_code": 119,
            "errors": {"uid": ["is not unique."]},
        }
    assert stacks_of(api) == [api.api_key]


# -- resuming ---------------------------------------------------------------------------------
ENV2 = "blt0000000000000e02"
SOURCE_KEY = "blt00000000000050ce"
KILLER = Path(__file__).parent / "killer"  # its sitecustomize.py kills the import at a record
SRC = Path(__file__).parents[2] / "src"


def rich(folder: Path, bad: bool = False) -> Path:
    """A csdx folder holding every part the import takes in steps: two locales, two
    environments, assets published to both, entries in both locales (some published, some with
    an asset's URL), labels under labels, a custom role, a webhook; with `bad`, refused items among them."""
    main = branch(folder, {}, {})
    write(main / "locales" / "locales.json", {"blt2": {"code": "fr-fr", "name": "French"}})
    envs = {e: {"uid": e, "name": name} for e, name in ((ENV, "production"), (ENV2, "staging"))}
    write(main / "environments" / "environments.json", envs)
    assets = {}
    for n in range(3):
        uid, filename = f"blt00000000000000f{n}", f"file-{n}.txt"
        (main / "assets" / "files" / uid).mkdir(parents=True)
        if not (bad and n == 1):
            (main / "assets" / "files" / uid / filename).write_bytes(f"file {n}".encode())
        assets[uid] = {
            "uid": uid,
            "filename": filename,
            "title": f"File {n}",
            "url": f"https://images.example.com/v3/assets/{SOURCE_KEY}/{uid}/blt0000000000000v{n}/"
            + filename,
            "publish_details": [{"environment": e, "locale": "en-us"} for e in envs][: n + 1],
        }
    write(main / "assets" / "chunk-assets.json", assets)
    url = assets["blt00000000000000f0"]["url"]
    english = [
        {
            "uid": f"blt0000000000000a{n:02}",
            "title": f"Page {n}" if not (bad and n == 4) else None,
            "locale": "en-us",
            "image": "blt00000000000000f0" if n % 3 == 0 else None,
            "body": f"see {url}",
            "publish_details": [{"environment": ENV, "locale": "en-us"}] if n % 2 else [],
        }
        for n in range(9)
    ]
    french = [
        {**entry, "title": f"Page {n} (fr)", "locale": "fr-fr", "publish_details": []}
        for n, entry in enumerate(english[:5])
    ]
    french += [english[7]]  # listed in fr-fr, not localized in it
    typed = main / "entries" / "page"
    write(typed / "en-us" / "index.json", {"1": "a-entries.json", "2": "b-entries.json"})
    write(typed / "en-us" / "a-entries.json", english[:5])
    write(typed / "en-us" / "b-entries.json", english[5:])
    write(typed / "fr-fr" / "index.json", {"1": "a-entries.json"})
    write(typed / "fr-fr" / "a-entries.json", french)
    page = orjson.loads((main / "content_types" / "schema.json").read_bytes())
    page[0]["schema"].append({"display_name": "Body", "uid": "body", "data_type": "text"})
    write(main / "content_types" / "schema.json", page)
    labels = [
        {"uid": "blt000000000000001a", "name": "Top", "parent": [], "content_types": ["page"]},
        {"uid": "blt000000000000001b", "name": "Under", "parent": ["blt000000000000001a"]},
    ]
    write(main / "labels" / "labels.json", labels)
    hook = {
        "name": "Notify",
        "destinations": [{"target_url": "https://example.com/hook"}],
        "channels": ["content_types.entries.create"],
    }
    write(main / "webhooks" / "webhooks.json", [hook])
    rules = [
        {"module": "branch", "branches": ["main"], "acl": {"read": True}},
        {"module": "environment", "environments": [ENV2], "acl": {"read": True}},
    ]
    role = {"uid": "blt00000000000000d9", "name": "Stager", "rules": rules}
    write(main / "custom-roles" / "custom-roles.json", {role["uid"]: role})
    return main


def stacks_of(api: Api) -> list[str]:
    listed = api.ok(api.client.get("/v3/stacks", headers={"authtoken": api.authtoken}))["stacks"]
    return [stack["api_key"] for stack in listed]


def snapshot(services: Services, api: Api, api_key: str) -> dict[str, Any]:
    """What a stack holds, as the CMA shows it (environments and labels by name: they get new
    uids), and how many rows of the stack each table holds."""
    api.api_key = api_key
    envs = {e["uid"]: e["name"] for e in api.ok(api.get("/environments"))["environments"]}

    def places(doc: dict[str, Any]) -> list[tuple[str, str]]:
        return sorted((envs[p["environment"]], p["locale"]) for p in doc["publish_details"])

    shown: dict[str, Any] = {"environments": sorted(envs.values())}
    for code in ("en-us", "fr-fr"):
        params = {"locale": code, "include_publish_details": "true", "asc": "uid"}
        entries = api.ok(api.get("/content_types/page/entries", params=params))["entries"]
        shown[code] = [
            (e["uid"], e["locale"], e["title"], e["body"], (e["image"] or {}).get("uid"), places(e))
            for e in entries
        ]
    params = {"include_publish_details": "true", "asc": "uid"}
    assets = api.ok(api.get("/assets", params=params))["assets"]
    shown["assets"] = [(a["uid"], a["url"], a["title"], places(a)) for a in assets]
    labels = api.ok(api.get("/labels"))["labels"]
    names = {label["uid"]: label["name"] for label in labels}
    shown["labels"] = sorted((x["name"], [names[p] for p in x["parent"]]) for x in labels)
    shown["webhooks"] = [w["name"] for w in api.ok(api.get("/webhooks"))["webhooks"]]
    roles = api.ok(api.get("/roles", params={"include_rules": "true", "skip": "3"}))["roles"]
    shown["roles"] = [
        (r["name"], [envs.get(e) for x in r["rules"] for e in x.get("environments", [])])
        for r in roles
    ]
    tables = (t.entries, t.entry_versions, t.publications, t.assets, t.asset_versions)
    tables += (t.asset_publications, t.entry_values, t.module_docs, t.webhooks, t.locales)
    with services.store.read() as tx:
        shown["settings"] = tx.stacks.get(api_key)["settings"]  # type: ignore[index]
        shown["rows"] = {
            str(table.name): tx._conn.execute(
                select(func.count()).select_from(table).where(table.c.stack == api_key)
            ).scalar_one()
            for table in (*tables, t.environments, t.events)
        }
    # The api key (in asset URLs) is the stack's own.
    return orjson.loads(orjson.dumps(shown).replace(api_key.encode(), b"API_KEY"))  # type: ignore[no-any-return]


def records(
    services: Services, folder: Path, owner: str, monkeypatch: pytest.MonkeyPatch
) -> tuple[list[str], list[dict[str, Any]]]:
    """Import `folder` uninterrupted, in this process: the part each record of its progress
    advanced, in order (the points a kill can be aimed at), and the refusals."""
    parts: list[str] = []
    done: dict[str, Any] = {}
    recorded = load.record

    def noted(tx: Any, api_key: str, state: dict[str, Any]) -> None:
        changed = [part for part, at in state["done"].items() if done.get(part) != at]
        parts.append(changed[0] if changed else parts[-1])
        done.update(state["done"])
        recorded(tx, api_key, state)

    with monkeypatch.context() as patched:
        patched.setattr(csdx_journal, "record", noted)
        try:
            csdx.import_csdx(services, folder, Options(owner=owner, batch_size=2))
        except csdx.ImportFailed as refused:
            return parts, refused.problems
    return parts, []


def cli(
    services: Services, folder: Path, owner: str, kill_at: int = 0
) -> subprocess.CompletedProcess[str]:
    """`python -m veneer.cli import FOLDER` in a process of its own, killed at its `kill_at`th
    record of progress when given."""
    env = {
        **os.environ,
        "VENEER_DATABASE_URL": services.settings.database_url,
        "VENEER_FILES_DIR": str(services.settings.files_dir),
        "PYTHONPATH": os.pathsep.join([str(SRC), str(KILLER)]),
        "VENEER_TEST_KILL_AT_RECORD": str(kill_at),
    }
    command = [sys.executable, "-m", "veneer.cli", "import", str(folder), "--owner", owner]
    return subprocess.run(
        [*command, "--batch-size", "2"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def killed_then_finished(services: Services, folder: Path, owner: str, *kills: int) -> str:
    """Kill an import at its `kills[0]`th record, its re-run at its `kills[1]`th, and so on,
    then run it once more: the output of that last run."""
    for kill_at in kills:
        run = cli(services, folder, owner, kill_at)
        assert run.returncode == -signal.SIGKILL, run.stdout + run.stderr
    done = cli(services, folder, owner)
    return done.stdout + done.stderr


def test_a_killed_csdx_import_finishes_the_same_stack_when_run_again(
    services: Services, api: Api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = rich(tmp_path / "export")
    parts, problems = records(services, folder, api.email, monkeypatch)
    assert problems == []
    whole = [key for key in stacks_of(api) if key != api.api_key]
    assert len(whole) == 1
    expected = snapshot(services, api, whole[0])
    assert len(expected["en-us"]) == 9 and len(expected["fr-fr"]) == 5
    assert expected["settings"] == {}
    assert expected["roles"] == [["Stager", ["staging"]]]
    assert set(parts) >= {"locales", "environments", "assets", "entries", "labels", "webhooks"}
    # Killed in the first step; at an asset's publication, then the re-run at the second label
    # (a re-run's nth record is the killed one's nth after the one it was killed in); in the
    # entries, then the re-run again in them; at the last step.
    publication, label = parts.index("assets") + 2, parts.index("labels") + 2
    entries = parts.index("entries") + 3
    points = [(1,), (publication, label - publication + 1), (entries, 3), (len(parts),)]
    for point in points:
        before = set(stacks_of(api))
        output = killed_then_finished(services, folder, api.email, *point)
        made = sorted(set(stacks_of(api)) - before)
        assert len(made) == 1, (point, output)
        assert f"Imported {made[0]} (resumed)" in output
        got = snapshot(services, api, made[0])
        assert {k: (v, expected[k]) for k, v in got.items() if v != expected[k]} == {}, point


def test_a_killed_csdx_import_of_a_bad_folder_is_refused_whole_when_run_again(
    services: Services, api: Api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The refusals found before the kill are in the journal: the re-run lists them all, and
    deletes the stack."""
    folder = rich(tmp_path / "export", bad=True)
    parts, expected = records(services, folder, api.email, monkeypatch)
    assert stacks_of(api) == [api.api_key]
    assert [p["uid"] for p in expected] == ["blt00000000000000f1", "blt0000000000000a04"]
    output = killed_then_finished(services, folder, api.email, parts.index("entries") + 3)
    assert "were refused" in output
    listed = [orjson.loads(line) for line in output.splitlines() if line.startswith('{"file"')]
    assert listed == expected
    assert stacks_of(api) == [api.api_key]
