"""`veneer import` reads a folder written by the official CLI's `csdx cm:stacks:export` (issue 18
§2): the rich stack of test_cli_round_trip.py is exported by the real CLI from a real server,
imported by the real `veneer import` command into a new stack of the same database, and every
part of both stacks is compared (`stacks.snapshot`). A folder with items the CMA refuses is
refused whole, each item named with its file and uid, and leaves no stack behind."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.conftest import MAIN_BRANCH, PASSWORD, Api
from tests.e2e.csdx import Csdx, complaints
from tests.e2e.stacks import build_source, csdx_server, differences, snapshot
from veneer.services.context import Services
from veneer.settings import Settings


@pytest.fixture
def csdx(services: Services, tmp_path: Path) -> Iterator[Csdx]:
    with csdx_server(services.settings, tmp_path) as cli:
        yield cli


def exported(api: Api, csdx: Csdx, folder: Path, also: Callable[[Api], None] | None = None) -> str:
    """Build the source stack (and `also` what it adds) and export it with the CLI into
    `folder`; the source's api key."""
    build_source(api)
    if also is not None:
        also(api)
    csdx.configure(api.email, PASSWORD, personalize="/personalize")
    output = csdx.run("cm:stacks:export", "-k", api.api_key, "-d", str(folder), "-y")
    assert "has been exported successfully" in output and complaints(output) == [], output
    return api.api_key


def veneer_import(settings: Settings, folder: Path, owner: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("VENEER_")}
    environ.update(
        VENEER_DATABASE_URL=settings.database_url,
        VENEER_FILES_DIR=settings.files_dir,
        COLUMNS="200",
    )
    return subprocess.run(
        [sys.executable, "-m", "veneer.cli", "import", str(folder), "--owner", owner],
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def stacks_of(api: Api) -> set[str]:
    """The api keys of every stack the user can see (no stack selected)."""
    selected, api.api_key = api.api_key, ""
    try:
        return {s["api_key"] for s in api.ok(api.get("/stacks"))["stacks"]}
    finally:
        api.api_key = selected


def labels_and_webhooks(api: Api) -> None:
    """What the CLI export holds besides build_source's stack: labels, one under the other, and a
    webhook with a basic-auth password (which the export masks)."""
    parent = api.ok(
        api.post("/labels", {"label": {"name": "Editorial", "content_types": ["article"]}}), 201
    )["label"]["uid"]
    child = {"label": {"name": "News desk", "parent": [parent], "content_types": ["article"]}}
    api.ok(api.post("/labels", child), 201)
    hook = {
        "name": "Rebuild",
        "destinations": [
            {
                "target_url": "https://hooks.example.com/rebuild",
                "http_basic_auth": "ci",
                "http_basic_password": "s3cret",
                "custom_header": [{"header_name": "X-Site", "value": "blog"}],
            }
        ],
        "channels": ["content_types.entries.publish"],
        "disabled": True,
    }
    api.ok(api.post("/webhooks", {"webhook": hook}), 201)
    envs = [e["uid"] for e in api.ok(api.get("/environments"))["environments"]]
    codes = [x["uid"] for x in api.ok(api.get("/locales"))["locales"]]
    rules = [
        {"module": "branch", "branches": ["main"], "acl": {"read": True}},
        {"module": "environment", "environments": envs, "acl": {"read": True}},
        {"module": "locale", "locales": codes, "acl": {"read": True}},
        {"module": "content_type", "content_types": ["article"], "acl": {"read": True}},
    ]
    role = {"role": {"name": "Translator", "description": "Translates", "rules": rules}}
    api.ok(api.post("/roles", role), 201)


def roles_of(api: Api, key: str) -> list[Any]:
    """The stack's custom roles, their environments and locales by name and code."""
    api.api_key = key
    names = {e["uid"]: e["name"] for e in api.ok(api.get("/environments"))["environments"]}
    codes = {x["uid"]: x["code"] for x in api.ok(api.get("/locales"))["locales"]}
    listed = api.ok(api.get("/roles", params={"include_rules": "true", "skip": "3"}))["roles"]
    named = {**names, **codes}
    return [
        (
            r["name"],
            r["description"],
            [
                {
                    k: sorted(named[u] for u in v) if k in ("environments", "locales") else v
                    for k, v in rule.items()
                }
                for rule in r["rules"]
            ],
        )
        for r in listed
    ]


def labels_and_hooks_of(api: Api, key: str) -> dict[str, Any]:
    api.api_key = key
    found = api.ok(api.get("/labels"))["labels"]
    names = {label["uid"]: label["name"] for label in found}
    hooks = api.ok(api.get("/webhooks"))["webhooks"]
    return {
        "labels": sorted(
            (x["name"], sorted(names[p] for p in x["parent"]), x["content_types"]) for x in found
        ),
        "webhooks": sorted(
            (
                h["name"],
                [
                    (d["target_url"], d["http_basic_auth"], d["custom_header"])
                    for d in h["destinations"]
                ],
                h["channels"],
                h["disabled"],
            )
            for h in hooks
        ),
    }


def test_a_csdx_export_is_imported_into_a_new_stack_losing_nothing(
    api: Api, csdx: Csdx, services: Services, tmp_path: Path
) -> None:
    source = exported(api, csdx, tmp_path / "export", also=labels_and_webhooks)
    before = stacks_of(api)

    done = veneer_import(services.settings, tmp_path / "export", api.email)
    assert done.returncode == 0, done.stdout + done.stderr
    # The destination's password is not in the export: the command says so.
    assert "1 destination password(s) not in the export" in done.stdout + done.stderr
    found = re.search(r"Imported (blt[0-9a-f]+): 6 entries", done.stdout + done.stderr)
    assert found, done.stdout + done.stderr
    target = found.group(1)
    assert stacks_of(api) - before == {target}

    source_parts, target_parts = snapshot(api, source), snapshot(api, target)
    for part in source_parts:
        assert differences(source_parts[part], target_parts[part], part) == []
    assert len(source_parts["entries"]) == 6 and source_parts["entry_variants"]
    assert any(source_parts["published"].values()) and source_parts["assets"]

    assert labels_and_hooks_of(api, source) == labels_and_hooks_of(api, target)
    assert len(labels_and_hooks_of(api, target)["labels"]) == 2
    # The custom role, read from custom-roles/, names the target's environments and locales.
    assert roles_of(api, source) == roles_of(api, target) != []
    # Entry variants are published where they were (the snapshot leaves their publish_details out).
    assert variant_publications(api, source) == variant_publications(api, target) != []
    # Uids are kept: the target holds each entry and asset under its source uid.
    api.api_key = target
    for name in ("author", "article"):
        theirs = api.ok(api.get(f"/content_types/{name}/entries"))["entries"]
        api.api_key = source
        ours = api.ok(api.get(f"/content_types/{name}/entries"))["entries"]
        api.api_key = target
        assert sorted(e["uid"] for e in theirs) == sorted(e["uid"] for e in ours)
    # Delivery serves the imported stack's published entries from its own environments.
    token = api.ok(
        api.post(
            "/stacks/delivery_tokens",
            {
                "token": {
                    "name": "site",
                    "scope": [
                        {
                            "module": "environment",
                            "environments": ["production"],
                            "acl": {"read": True},
                        },
                        MAIN_BRANCH,
                    ],
                }
            },
        ),
        201,
    )["token"]["token"]
    served = api.client.get(
        "/v3/content_types/article/entries",
        params={"environment": "production"},
        headers={"api_key": target, "access_token": token},
    )
    assert served.status_code == 200, served.text
    assert sorted(e["title"] for e in served.json()["entries"]) == ["Hello", "Variants"]


def variant_publications(api: Api, key: str) -> list[tuple[str, str, str, str]]:
    """(entry, variant, environment name, locale) of every published entry variant of articles."""
    api.api_key = key
    names = {e["uid"]: e["name"] for e in api.ok(api.get("/environments"))["environments"]}
    found = []
    for entry in api.ok(api.get("/content_types/article/entries"))["entries"]:
        variants = api.ok(
            api.get(
                f"/content_types/article/entries/{entry['uid']}/variants",
                params={"include_publish_details": "true"},
            )
        )["entries"]
        found += [
            (entry["uid"], v["_variant"]["_uid"], names[p["environment"]], p["locale"])
            for v in variants
            for p in v.get("publish_details") or []
        ]
    return sorted(found)


def _entries_file(folder: Path, content_type: str, locale: str) -> Path:
    directory = folder / "main" / "entries" / content_type / locale
    index = orjson.loads((directory / "index.json").read_bytes())
    return directory / next(iter(index.values()))


def test_a_csdx_export_with_bad_items_is_refused_whole_naming_each(
    api: Api, csdx: Csdx, services: Services, tmp_path: Path
) -> None:
    folder = tmp_path / "export"
    exported(api, csdx, folder)
    articles = _entries_file(folder, "article", "en-us")
    entries: dict[str, Any] = orjson.loads(articles.read_bytes())
    bad, missing = sorted(entries)[:2]
    entries[bad]["views"] = "many"  # not a number
    entries[missing]["hero"] = "blt00000000000000ff"  # no such asset
    articles.write_bytes(orjson.dumps(entries))
    before = stacks_of(api)

    done = veneer_import(services.settings, folder, api.email)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "2 item(s) of the export were refused, so nothing was imported" in output, output
    problems = [orjson.loads(line) for line in output.splitlines() if line.startswith('{"file"')]
    where = f"entries/article/en-us/{articles.name}"
    assert sorted((p["file"], p["uid"]) for p in problems) == sorted(
        [(where, bad), (where, missing)]
    ), output
    by_uid = {p["uid"]: p for p in problems}
    assert "views" in by_uid[bad]["errors"] and by_uid[bad]["error_message"]
    assert "hero" in str(by_uid[missing]["errors"]), by_uid[missing]
    # Nothing half-done: no new stack.
    assert stacks_of(api) == before
