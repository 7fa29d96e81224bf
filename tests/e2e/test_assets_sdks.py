"""Assets through the official SDKs, unmodified, against a real `veneer serve` (both databases).

Python `contentstack-management` 1.11.2 and JS `@contentstack/management` drive uploads, details,
versions, folders and publishing; Python `contentstack` 2.8.0 and JS `@contentstack/delivery-sdk`
read published assets and entries whose file fields hold them. Every file is uploaded through the
server, so its bytes live where the server keeps them, and every URL an SDK is given is fetched
back from the server and compared with what was uploaded. The JS SDKs run in `node`
(`js/assets.mjs`, `js/assets_delivery.mjs`), which print one JSON object of observations.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import contentstack  # type: ignore[import-untyped]
import contentstack_management
import httpx
import pytest
from contentstack.basequery import QueryOperation  # type: ignore[import-untyped]

from tests.api.test_assets import png
from tests.conftest import MAIN_BRANCH, PASSWORD
from tests.e2e.test_delivery_sdk_js import sdk_ready  # noqa: F401 -- a fixture, used by name
from veneer.services.context import Services

pytestmark = pytest.mark.e2e
JS = Path(__file__).parent / "js"
FOLDER_TYPE = "application/vnd.contenstack.folder"  # sic: Contentstack's spelling
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
ARTICLE = {
    "content_type": {
        "title": "Article",
        "uid": "article",
        "schema": [
            {"display_name": "Title", "uid": "title", "data_type": "text", "mandatory": True},
            {"display_name": "Hero", "uid": "hero", "data_type": "file"},
            {"display_name": "Gallery", "uid": "gallery", "data_type": "file", "multiple": True},
        ],
    }
}


def _ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return response.json()  # type: ignore[no-any-return]


def _account(services: Services, prefix: str) -> str:
    from veneer.services import users

    email = f"{prefix}-{secrets.token_hex(5)}@example.com"
    users.create_user(services, email, PASSWORD, "Sdk", "User")
    return email


def _login(server: str, services: Services) -> contentstack_management.Client:
    client = contentstack_management.Client(host=server, scheme="http://", timeout=30)
    _ok(client.login(_account(services, "assets"), PASSWORD))
    return client


def _fetch(url: str) -> bytes:
    """The bytes at a URL the server handed out (fetched without credentials)."""
    response = httpx.get(url, timeout=30)
    assert response.status_code == 200, (url, response.status_code)
    return response.content


def _write(directory: Path, name: str, data: bytes) -> Path:
    path = directory / name
    path.write_bytes(data)
    return path


def _node(script: str, config: dict[str, Any]) -> dict[str, Any]:
    done = subprocess.run(  # noqa: PLW1510 -- the caller reads returncode
        ["node", script, json.dumps(config)],
        cwd=JS,
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "NODE_NO_WARNINGS": "1"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


# -- the Python management SDK ------------------------------------------------------------------


def test_python_management_sdk_assets(server: str, services: Services, tmp_path: Path) -> None:
    client = _login(server, services)
    api_key = _ok(
        client.stack().create(None, {"stack": {"name": "Assets", "master_locale": "en-us"}}), 201
    )["stack"]["api_key"]
    stack = client.stack(api_key)
    _ok(stack.environments().create({"environment": {"name": "production", "urls": []}}), 201)
    red, blue = png(40, 30, "red"), png(20, 10, "blue")

    # Upload a file path: the SDK sends `asset[upload]` and no title.
    created = _ok(stack.assets().upload(str(_write(tmp_path, "hero.png", red))), 201)
    assert created["notice"] == "Asset created successfully."
    asset = created["asset"]
    uid = asset["uid"]
    assert (asset["filename"], asset["title"], asset["content_type"]) == (
        "hero.png",
        "hero.png",
        "image/png",
    )
    assert (asset["file_size"], asset["_version"], asset["is_dir"]) == (str(len(red)), 1, False)
    assert asset["url"].startswith(f"http://{server}/v3/assets/{api_key}/{uid}/")
    assert asset["url"].endswith("/hero.png") and _fetch(asset["url"]) == red

    fetched = _ok(stack.assets(uid).fetch())["asset"]
    assert (fetched["uid"], fetched["url"], fetched["publish_details"]) == (uid, asset["url"], [])
    _ok(stack.assets().upload(str(_write(tmp_path, "notes.pdf", PDF))), 201)
    found = stack.assets()
    found.add_param_dict({"query": json.dumps({"filename": "hero.png"}), "include_count": "true"})
    listed = _ok(found.find())
    assert [a["uid"] for a in listed["assets"]] == [uid] and listed["count"] == 1
    assert _ok(stack.assets().rte()) == []  # nothing is uploaded through an RTE in Veneer
    every = _ok(stack.assets().find())["assets"]
    assert sorted(a["filename"] for a in every) == ["hero.png", "notes.pdf"]

    # Replace the file: a new version, a new URL; the old URL still serves the old bytes.
    replaced = _ok(stack.assets(uid).replace(str(_write(tmp_path, "blue.png", blue))))["asset"]
    assert (replaced["uid"], replaced["filename"], replaced["_version"]) == (uid, "blue.png", 2)
    assert replaced["file_size"] == str(len(blue)) and replaced["url"] != asset["url"]
    assert _fetch(replaced["url"]) == blue and _fetch(asset["url"]) == red

    # Details as JSON: update() and generate() send `{"asset": {...}}`.
    titled = _ok(stack.assets(uid).update({"asset": {"title": "Hero", "tags": ["a", "b"]}}))
    assert titled["notice"] == "Asset updated successfully."
    assert (titled["asset"]["title"], titled["asset"]["tags"]) == ("Hero", ["a", "b"])
    # generate(): a permanent URL, which serves whatever file is the latest.
    permanent = f"http://{server}/v3/assets/{api_key}/{uid}/hero"
    details = {"asset": {"description": "Blue hero", "permanent_url": permanent}}
    described = _ok(stack.assets(uid).generate(details))["asset"]
    assert described["permanent_url"] == permanent and _fetch(permanent) == blue
    # download() asks for `assets/{api_key}/{uid}`, a permanent URL without its slug: a 404 on
    # Contentstack too (the SDK's own integration test expects it).
    assert stack.assets(uid).download().status_code == 404
    assert (described["description"], described["title"], described["_version"]) == (
        "Blue hero",
        "Hero",
        4,
    )
    assert described["url"] == replaced["url"]
    versions = _ok(stack.assets(uid).version())["versions"]
    assert [v["_version"] for v in versions] == [4, 3, 2, 1]
    naming = stack.assets(uid).version_naming(2, {"upload": {"_version_name": "Blue file"}})
    assert _ok(naming)["notice"] == "Version name assigned successfully."
    named = _ok(stack.assets(uid).version())["versions"]
    assert [v.get("_version_name", {}).get("title") for v in named] == [
        None,
        None,
        "Blue file",
        None,
    ]
    assert _ok(stack.assets(uid).version_delete(2))["notice"] == "Version name deleted successfully"
    assert all("_version_name" not in v for v in _ok(stack.assets(uid).version())["versions"])
    # Update asset revision: version 1 (its file and URL) becomes the latest, as version 5.
    revision = {"asset": {"title": "Hero"}, "version": 1}
    back = _ok(stack.assets(uid).update_asset_revision(revision))["asset"]
    assert (back["_version"], back["filename"], back["url"]) == (5, "hero.png", asset["url"])
    assert (back["title"], back["file_size"]) == ("Hero", str(len(red)))
    assert _fetch(back["url"]) == red and _fetch(permanent) == red
    images = _ok(stack.assets().specific_asset_type("images"))["assets"]
    assert [a["uid"] for a in images] == [uid]
    assert _ok(stack.assets().specific_asset_type("videos"))["assets"] == []

    # The entries that hold the asset.
    _ok(stack.content_types().create(ARTICLE), 201)
    entry = _ok(
        stack.content_types("article").entry().create({"entry": {"title": "Uses", "hero": uid}}),
        201,
    )["entry"]
    assert _ok(stack.assets(uid).references())["references"] == [
        {
            "entry_uid": entry["uid"],
            "content_type_uid": "article",
            "locale": "en-us",
            "_version": 1,
            "title": "Uses",
            "content_type_title": "Article",
        }
    ]

    # Folders.
    folder = _ok(stack.assets().create_folder(json.dumps({"asset": {"name": "Images"}})), 201)
    assert folder["notice"] == "Folder created successfully."
    folder_uid = folder["asset"]["uid"]
    assert (folder["asset"]["content_type"], folder["asset"]["is_dir"]) == (FOLDER_TYPE, True)
    inner = _ok(
        stack.assets().create_folder(
            json.dumps({"asset": {"name": "Inner", "parent_uid": folder_uid}})
        ),
        201,
    )["asset"]
    got = _ok(stack.assets().folder(folder_uid))["asset"]
    assert (got["uid"], got["name"], got["parent_uid"]) == (folder_uid, "Images", None)
    moved = _ok(stack.assets(uid).update({"asset": {"parent_uid": folder_uid}}))["asset"]
    assert moved["parent_uid"] == folder_uid
    in_folder = _ok(stack.assets().specific_folder(folder_uid))["assets"]
    assert [a["uid"] for a in in_folder] == [uid]
    at_root = _ok(stack.assets().specific_folder("cs_root"))["assets"]
    assert [a["filename"] for a in at_root] == ["notes.pdf"]
    both = _ok(stack.assets().subfolders(folder_uid))["assets"]
    assert sorted(a["uid"] for a in both) == sorted([uid, inner["uid"]])
    # get_subfolders() and folder_by_name() put a dict in `query`, which requests sends as its
    # keys (`query=is_dir`): not JSON, refused as on every list. The documented call, with the
    # query as JSON, lists the subfolders alone.
    refused = stack.assets().get_subfolders(folder_uid)
    assert refused.status_code == 422 and list(refused.json()["errors"]) == ["query"]
    subfolders = stack.assets()
    subfolders.add_param_dict(
        {"include_folders": "true", "query": json.dumps({"is_dir": True}), "folder": folder_uid}
    )
    assert [a["uid"] for a in _ok(subfolders.find())["assets"]] == [inner["uid"]]
    renamed = _ok(stack.assets().update_or_move(inner["uid"], {"asset": {"name": "Renamed"}}))
    assert (renamed["notice"], renamed["asset"]["name"]) == (
        "Folder updated successfully.",
        "Renamed",
    )
    to_root = _ok(stack.assets().update_or_move(inner["uid"], {"asset": {"parent_uid": None}}))
    assert to_root["asset"]["parent_uid"] is None

    # Publishing.
    body = {"asset": {"environments": ["production"], "locales": ["en-us"]}, "version": 6}
    assert _ok(stack.assets(uid).publish(body))["notice"] == "Asset sent for publishing."
    details = _ok(stack.assets(uid).fetch())["asset"]["publish_details"]
    assert [(d["locale"], d["version"]) for d in details] == [("en-us", 6)]
    unpublished = _ok(stack.assets(uid).unpublish(body))
    assert unpublished["notice"] == "Asset sent for unpublishing."
    assert _ok(stack.assets(uid).fetch())["asset"]["publish_details"] == []

    # Deleting: the asset, then the folder with everything inside it.
    other = _ok(stack.assets().upload(str(_write(tmp_path, "gone.png", red))), 201)["asset"]
    assert _ok(stack.assets(other["uid"]).delete())["notice"] == "Asset deleted successfully."
    assert stack.assets(other["uid"]).fetch().status_code == 422
    deleted = _ok(stack.assets().delete_folder(folder_uid))
    assert deleted["notice"] == "Folder deleted successfully."
    assert stack.assets(uid).fetch().status_code == 422
    assert httpx.get(replaced["url"]).status_code == 404
    assert _ok(stack.assets().folder(inner["uid"]))["asset"]["name"] == "Renamed"


# -- a published site, built through the Python management SDK ---------------------------------


@dataclass
class Site:
    """A stack whose `article` entries hold assets in file fields, published to production.

    hero.png (40x30) and notes.pdf are published; hidden.png never is; dropped.png was published
    and then unpublished. "One" shows hero and [notes, hidden]; "Two" hidden; "Three" dropped."""

    server: str
    api_key: str
    token: str
    environment: str  # uid
    assets: dict[str, dict[str, Any]] = field(default_factory=dict)  # by filename
    bytes: dict[str, bytes] = field(default_factory=dict)  # by filename
    entries: dict[str, str] = field(default_factory=dict)  # uid by title


@pytest.fixture(scope="module")
def site(server: str, services: Services, tmp_path_factory: pytest.TempPathFactory) -> Site:
    client = _login(server, services)
    api_key = _ok(
        client.stack().create(None, {"stack": {"name": "Site", "master_locale": "en-us"}}), 201
    )["stack"]["api_key"]
    stack = client.stack(api_key)
    env = _ok(stack.environments().create({"environment": {"name": "production", "urls": []}}), 201)
    scope = [
        {"module": "environment", "environments": ["production"], "acl": {"read": True}},
        MAIN_BRANCH,
    ]
    token = _ok(stack.delivery_token().create({"token": {"name": "site", "scope": scope}}), 201)
    found = Site(server, api_key, token["token"]["token"], env["environment"]["uid"])
    directory = tmp_path_factory.mktemp("site-files")
    files = {
        "hero.png": png(40, 30, "red"),
        "notes.pdf": PDF,
        "hidden.png": png(8, 8, "green"),
        "dropped.png": png(6, 4, "blue"),
    }
    publish = {"asset": {"environments": ["production"], "locales": ["en-us"]}}
    for name, data in files.items():
        path = _write(directory, name, data)
        found.assets[name] = _ok(stack.assets().upload(str(path)), 201)["asset"]
        found.bytes[name] = data
        if name != "hidden.png":
            _ok(stack.assets(found.assets[name]["uid"]).publish(publish))
    _ok(stack.assets(found.assets["dropped.png"]["uid"]).unpublish(publish))
    _ok(stack.content_types().create(ARTICLE), 201)
    uid = {name: asset["uid"] for name, asset in found.assets.items()}
    for title, fields in {
        "One": {"hero": uid["hero.png"], "gallery": [uid["notes.pdf"], uid["hidden.png"]]},
        "Two": {"hero": uid["hidden.png"]},
        "Three": {"hero": uid["dropped.png"]},
    }.items():
        entries = stack.content_types("article").entry()
        entry = _ok(entries.create({"entry": {"title": title, **fields}}), 201)["entry"]
        found.entries[title] = entry["uid"]
        _ok(
            stack.content_types("article")
            .entry(entry["uid"])
            .publish({"entry": {"environments": ["production"], "locales": ["en-us"]}})
        )
    return found


def _delivery(site: Site) -> contentstack.Stack:
    stack = contentstack.Stack(site.api_key, site.token, "production", host=site.server)
    stack.http_instance.endpoint = f"http://{site.server}/v3"  # the SDK's endpoint is https-only
    return stack


# -- the Python delivery SDK --------------------------------------------------------------------


def test_python_delivery_sdk_assets(site: Site) -> None:
    stack = _delivery(site)
    hero = site.assets["hero.png"]
    fetched = stack.asset(hero["uid"]).include_dimension().fetch()["asset"]
    assert (fetched["uid"], fetched["filename"], fetched["content_type"]) == (
        hero["uid"],
        "hero.png",
        "image/png",
    )
    assert fetched["file_size"] == str(len(site.bytes["hero.png"]))
    assert fetched["dimension"] == {"height": 30, "width": 40}
    assert fetched["publish_details"]["environment"] == site.environment
    assert fetched["url"] == hero["url"] and _fetch(fetched["url"]) == site.bytes["hero.png"]
    relative = stack.asset(hero["uid"]).relative_urls().fetch()["asset"]
    assert relative["url"] == hero["url"].removeprefix(f"http://{site.server}")

    # (`include_count()` is BaseQuery's: AssetQuery.find() does not send it, so no count here.)
    listed = stack.asset_query().include_dimension().find()
    assert sorted(a["filename"] for a in listed["assets"]) == ["hero.png", "notes.pdf"]
    pdf = next(a for a in listed["assets"] if a["filename"] == "notes.pdf")
    assert pdf["content_type"] == "application/pdf" and "dimension" not in pdf
    assert _fetch(pdf["url"]) == PDF
    queried = stack.asset_query().where("filename", QueryOperation.EQUALS, fields="notes.pdf")
    assert [a["uid"] for a in queried.find()["assets"]] == [site.assets["notes.pdf"]["uid"]]
    paths = stack.asset_query().relative_url().find()["assets"]
    assert all(a["url"].startswith(f"/v3/assets/{site.api_key}/") for a in paths)

    unpublished = stack.asset(site.assets["hidden.png"]["uid"]).fetch()
    assert unpublished["error_code"] == 141 and "asset" not in unpublished
    dropped = stack.asset(site.assets["dropped.png"]["uid"]).fetch()
    assert dropped["error_code"] == 141


def test_python_delivery_sdk_entries_with_file_fields(site: Site) -> None:
    article = _delivery(site).content_type("article")
    one = article.entry(site.entries["One"]).fetch()["entry"]
    assert one["hero"]["uid"] == site.assets["hero.png"]["uid"]
    assert one["hero"]["filename"] == "hero.png" and one["hero"]["file_size"] == str(
        len(site.bytes["hero.png"])
    )
    assert _fetch(one["hero"]["url"]) == site.bytes["hero.png"]
    assert [a["uid"] for a in one["gallery"]] == [site.assets["notes.pdf"]["uid"]]
    assert article.entry(site.entries["Two"]).fetch()["entry"]["hero"] is None
    assert article.entry(site.entries["Three"]).fetch()["entry"]["hero"] is None
    listed = article.query().order_by_ascending("title").find()["entries"]
    assert [(e["title"], e["hero"] and e["hero"]["filename"]) for e in listed] == [
        ("One", "hero.png"),
        ("Three", None),
        ("Two", None),
    ]


# -- the JS management SDK ----------------------------------------------------------------------


def test_js_management_sdk_assets(
    sdk_ready: None,  # noqa: F811 -- the fixture
    server: str,
    services: Services,
    tmp_path: Path,
) -> None:
    host, port = server.rsplit(":", 1)
    red, blue = png(40, 30, "red"), png(20, 10, "blue")
    files = {
        "hero": str(_write(tmp_path, "hero.png", red)),
        "blue": str(_write(tmp_path, "blue.png", blue)),
    }
    seen = _node(
        "assets.mjs",
        {
            "host": host,
            "port": int(port),
            "email": _account(services, "js-assets"),
            "password": PASSWORD,
            "files": files,
        },
    )
    api_key, folder = seen["api_key"], seen["folder"]
    assert (folder["name"], folder["is_dir"], folder["content_type"]) == (
        "Images",
        True,
        FOLDER_TYPE,
    )
    created = seen["created"]
    uid = created["uid"]
    assert created == {
        "uid": uid,
        "filename": "hero.png",
        "title": "Hero",
        "description": "Red",
        "tags": ["a", "b"],
        "content_type": "image/png",
        "file_size": str(len(red)),
        "url": created["url"],
        "_version": 1,
        "parent_uid": folder["uid"],
    }
    assert created["url"].startswith(f"http://{server}/v3/assets/{api_key}/{uid}/")
    assert base64.b64decode(seen["downloaded"]) == red
    assert seen["fetched"] == created
    assert seen["listed"] == {"uids": [uid], "count": 1} and seen["in_folder"] == [uid]
    assert seen["counted"] == {"assets": 1}
    assert seen["references"] == {
        "references": [
            {
                "entry_uid": seen["entry_uid"],
                "content_type_uid": "article",
                "locale": "en-us",
                "_version": 1,
                "title": "Uses",
                "content_type_title": "Article",
            }
        ]
    }
    updated = seen["updated"]
    assert (updated["title"], updated["description"], updated["_version"]) == (
        "Hero 2",
        "Still red",
        2,
    )
    assert (updated["url"], updated["parent_uid"]) == (created["url"], folder["uid"])
    assert updated["permanent_url"] == f"http://{server}/v3/assets/{api_key}/{uid}/hero"
    replaced = seen["replaced"]
    assert (replaced["filename"], replaced["title"], replaced["_version"]) == (
        "blue.png",
        "Blue",
        3,
    )
    assert replaced["file_size"] == str(len(blue)) and replaced["url"] != created["url"]
    assert base64.b64decode(seen["files"]["replaced"]) == blue
    assert base64.b64decode(seen["files"]["original"]) == red  # the old URL still serves
    assert base64.b64decode(seen["files"]["permanent"]) == blue  # the latest file
    assert seen["published"] == "Asset sent for publishing."
    assert seen["publish_details"] == [["en-us", 3]]
    assert seen["unpublished"] == "Asset sent for unpublishing." and seen["after_unpublish"] == []
    assert seen["folder_fetched"] == {"uid": folder["uid"], "name": "Images"}
    assert seen["folder_renamed"] == "Pictures" and seen["inner_parent"] == folder["uid"]
    other = seen["other"]
    assert (other["title"], other["parent_uid"], other["file_size"]) == (
        "blue.png",
        None,
        str(len(blue)),
    )
    assert seen["deleted"] == "Asset deleted successfully." and seen["deleted_status"] == 422
    assert seen["folder_deleted"] == "Folder deleted successfully."
    assert seen["inside_status"] == 422
    assert httpx.get(replaced["url"]).status_code == 404


# -- the JS delivery SDK ------------------------------------------------------------------------


def test_js_delivery_sdk_assets(sdk_ready: None, site: Site) -> None:  # noqa: F811
    host, port = site.server.rsplit(":", 1)
    seen = _node(
        "assets_delivery.mjs",
        {
            "host": host,
            "port": int(port),
            "apiKey": site.api_key,
            "deliveryToken": site.token,
            "environment": "production",
            "assets": {name: asset["uid"] for name, asset in site.assets.items()},
            "entries": site.entries,
        },
    )
    hero, pdf = site.assets["hero.png"], site.assets["notes.pdf"]
    fetched = seen["fetched"]
    assert (fetched["uid"], fetched["filename"], fetched["content_type"]) == (
        hero["uid"],
        "hero.png",
        "image/png",
    )
    assert fetched["file_size"] == str(len(site.bytes["hero.png"]))
    assert fetched["dimension"] == {"height": 30, "width": 40}
    assert fetched["url"] == hero["url"]
    assert base64.b64decode(seen["heroBytes"]) == site.bytes["hero.png"]
    assert fetched["publish_details"]["environment"] == site.environment
    assert seen["relative"]["url"] == hero["url"].removeprefix(f"http://{site.server}")
    found = seen["found"]
    assert found["count"] == 2
    assert sorted(a["uid"] for a in found["assets"]) == sorted([hero["uid"], pdf["uid"]])
    assert [a["filename"] for a in seen["queried"]["assets"]] == ["notes.pdf"]
    assert (seen["unpublished"]["status"], seen["unpublished"]["data"]["error_code"]) == (422, 141)
    one = seen["one"]
    assert (one["hero"]["uid"], one["hero"]["url"]) == (hero["uid"], hero["url"])
    assert base64.b64decode(seen["entryHeroBytes"]) == site.bytes["hero.png"]
    assert [(a["uid"], a["file_size"]) for a in one["gallery"]] == [(pdf["uid"], str(len(PDF)))]
    assert seen["two"]["hero"] is None and seen["three"]["hero"] is None
    listed = seen["listed"]["entries"]
    assert [(e["title"], e["hero"] and e["hero"]["uid"]) for e in listed] == [
        ("One", hero["uid"]),
        ("Three", None),
        ("Two", None),
    ]
