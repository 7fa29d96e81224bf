"""Assets through the HTTP API (issue 13): uploads, details, versions, folders, publishing, asset
objects in delivered entries, and the files themselves. Both databases (the `api` fixture)."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PIL import Image
from starlette.testclient import TestClient

from tests.api.test_delivery import assert_error
from tests.conftest import MAIN_BRANCH, Api
from veneer import ids
from veneer.app import create_app
from veneer.services import publishing
from veneer.services.context import Services

ORIGIN = "http://testserver"
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="20">'
    b"<script>alert(1)</script></svg>"
)
ARTICLE = {
    "content_type": {
        "title": "Article",
        "uid": "article",
        "schema": [
            {"display_name": "Title", "uid": "title", "data_type": "text", "mandatory": True},
            {"display_name": "Hero", "uid": "hero", "data_type": "file"},
            {"display_name": "Gallery", "uid": "gallery", "data_type": "file", "multiple": True},
            {
                "display_name": "PDF",
                "uid": "pdf",
                "data_type": "file",
                "extensions": ["pdf"],
            },
            {
                "display_name": "Card",
                "uid": "card",
                "data_type": "group",
                "schema": [{"display_name": "Image", "uid": "image", "data_type": "file"}],
            },
            {
                "display_name": "Sections",
                "uid": "sections",
                "data_type": "blocks",
                "blocks": [
                    {
                        "title": "Banner",
                        "uid": "banner",
                        "schema": [{"display_name": "Image", "uid": "image", "data_type": "file"}],
                    }
                ],
            },
            {
                "display_name": "Body",
                "uid": "body",
                "data_type": "json",
                "field_metadata": {"allow_json_rte": True},
            },
            {
                "display_name": "Related",
                "uid": "related",
                "data_type": "reference",
                "reference_to": ["article"],
            },
        ],
    }
}


def png(width: int = 40, height: int = 30, color: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "PNG")
    return out.getvalue()


def upload(
    api: Api,
    data: bytes,
    filename: str = "photo.png",
    status: int = 201,
    client_type: str = "text/plain",
    **fields: str,
) -> dict[str, Any]:
    response = api.post(
        "/assets",
        files={"asset[upload]": (filename, data, client_type)},
        data={f"asset[{k}]": v for k, v in fields.items()},
    )
    return api.ok(response, status)


class Stage:
    """A stack with an environment, a delivery token and helpers for both APIs."""

    def __init__(self, api: Api) -> None:
        self.api = api
        api.ok(api.post("/environments", {"environment": {"name": "production"}}), 201)
        body = {
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
        }
        self.token = api.ok(api.post("/stacks/delivery_tokens", body), 201)["token"]["token"]

    def deliver(self, path: str, **params: Any) -> Any:
        return self.api.client.get(
            "/v3" + path,
            params={"environment": "production", **params},
            headers={"api_key": self.api.api_key, "access_token": self.token},
        )

    def publish_asset(self, uid: str, **extra: Any) -> dict[str, Any]:
        body = {"asset": {"environments": ["production"], "locales": ["en-us"]}, **extra}
        return self.api.ok(self.api.post(f"/assets/{uid}/publish", body))

    def publish_entry(self, ct: str, uid: str) -> None:
        body = {"entry": {"environments": ["production"], "locales": ["en-us"]}}
        self.api.ok(self.api.post(f"/content_types/{ct}/entries/{uid}/publish", body))


@pytest.fixture
def stage(api: Api) -> Stage:
    return Stage(api)


def path_of(url: str) -> str:
    assert url.startswith(ORIGIN + "/v3/assets/")
    return url.removeprefix(ORIGIN)


# -- the management API -------------------------------------------------------------------------


def test_upload_answers_contentstacks_asset_object(api: Api) -> None:
    data = png()
    body = upload(api, data, "My photo.png", title="Sunset", description="Red", tags="a,b")
    assert body["notice"] == "Asset created successfully."
    asset = body["asset"]
    assert set(asset) == {
        "uid",
        "created_at",
        "updated_at",
        "created_by",
        "updated_by",
        "content_type",
        "file_size",
        "tags",
        "filename",
        "url",
        "ACL",
        "is_dir",
        "parent_uid",
        "_version",
        "title",
        "description",
    }
    assert asset["content_type"] == "image/png"  # sniffed: the client said text/plain
    assert asset["file_size"] == str(len(data))
    assert (asset["filename"], asset["title"], asset["description"]) == (
        "My photo.png",
        "Sunset",
        "Red",
    )
    assert asset["tags"] == ["a", "b"]
    assert (asset["is_dir"], asset["parent_uid"], asset["_version"]) == (False, None, 1)
    uid = asset["uid"]
    assert asset["url"].startswith(f"{ORIGIN}/v3/assets/{api.api_key}/{uid}/")
    assert asset["url"].endswith("/My%20photo.png")
    served = api.client.get(path_of(asset["url"]))
    assert served.status_code == 200 and served.content == data
    assert served.headers["content-type"] == "image/png"


def test_get_list_query_and_dimension(api: Api) -> None:
    first = upload(api, png(40, 30), "a.png", title="Alpha")["asset"]
    upload(api, b"%PDF-1.4 not much of a pdf", "b.pdf", title="Beta")
    got = api.ok(api.get(f"/assets/{first['uid']}", params={"include_dimension": "true"}))
    assert got["asset"]["dimension"] == {"height": 30, "width": 40}
    assert got["asset"]["publish_details"] == []
    assert "dimension" not in api.ok(api.get(f"/assets/{first['uid']}"))["asset"]
    listed = api.ok(api.get("/assets", params={"include_count": "true", "asc": "title"}))
    assert [a["title"] for a in listed["assets"]] == ["Alpha", "Beta"]
    assert listed["count"] == 2
    queried = api.ok(api.get("/assets", params={"query": '{"title": "Beta"}'}))
    assert [a["filename"] for a in queried["assets"]] == ["b.pdf"]
    relative = api.ok(api.get(f"/assets/{first['uid']}", params={"relative_urls": "true"}))
    assert relative["asset"]["url"].startswith(f"/v3/assets/{api.api_key}/")


def test_replacing_the_file_makes_a_version_and_keeps_old_urls(api: Api) -> None:
    old = upload(api, png(color="red"), "a.png")["asset"]
    new_bytes = png(color="blue")
    response = api.put(
        f"/assets/{old['uid']}",
        files={"asset[upload]": ("b.png", new_bytes, "image/png")},
        data={"asset[title]": "Blue"},
    )
    new = api.ok(response)["asset"]
    assert (new["_version"], new["title"], new["filename"]) == (2, "Blue", "b.png")
    assert new["url"] != old["url"]
    assert api.client.get(path_of(new["url"])).content == new_bytes
    assert api.client.get(path_of(old["url"])).content == png(color="red")
    details = api.ok(api.put(f"/assets/{old['uid']}", {"asset": {"description": "Now blue"}}))
    assert (details["asset"]["_version"], details["asset"]["url"]) == (3, new["url"])
    versions = api.ok(api.get(f"/assets/{old['uid']}/versions"))["versions"]
    assert [v["_version"] for v in versions] == [3, 2, 1]
    first = api.ok(api.get(f"/assets/{old['uid']}", params={"version": "1"}))["asset"]
    assert (first["filename"], first["_version"]) == ("a.png", 1)


def test_folders_nest_list_move_and_delete_with_their_assets(api: Api) -> None:
    outer = api.ok(api.post("/assets/folders", {"asset": {"name": "Outer"}}), 201)
    assert outer["notice"] == "Folder created successfully."
    folder = outer["asset"]
    assert folder["content_type"] == "application/vnd.contenstack.folder"
    assert (folder["is_dir"], folder["name"], folder["parent_uid"]) == (True, "Outer", None)
    inner = api.ok(
        api.post("/assets/folders", {"asset": {"name": "Inner", "parent_uid": folder["uid"]}}),
        201,
    )["asset"]
    inside = upload(api, png(), "in.png", parent_uid=inner["uid"])["asset"]
    outside = upload(api, png(color="green"), "out.png")["asset"]
    in_inner = api.ok(api.get("/assets", params={"folder": inner["uid"]}))["assets"]
    assert [a["uid"] for a in in_inner] == [inside["uid"]]
    everything = api.ok(api.get("/assets", params={"include_folders": "true", "asc": "uid"}))
    assert {a["uid"] for a in everything["assets"]} == {
        folder["uid"],
        inner["uid"],
        inside["uid"],
        outside["uid"],
    }
    assert {a["uid"] for a in api.ok(api.get("/assets"))["assets"]} == {
        inside["uid"],
        outside["uid"],
    }
    # A query about is_dir chooses for itself, as `csdx cm:stacks:export` lists folders.
    folders = {"query": '{"is_dir": true}', "include_count": "true", "asc": "created_at"}
    only = api.ok(api.get("/assets", params=folders))
    assert ([a["uid"] for a in only["assets"]], only["count"]) == ([folder["uid"], inner["uid"]], 2)
    loop = api.put(f"/assets/folders/{folder['uid']}", {"asset": {"parent_uid": inner["uid"]}})
    assert "parent_uid" in assert_error(loop, 422)["errors"]
    renamed = api.ok(api.put(f"/assets/folders/{inner['uid']}", {"asset": {"name": "Renamed"}}))
    assert renamed["asset"]["name"] == "Renamed"
    file_path = path_of(inside["url"])
    api.ok(api.delete(f"/assets/folders/{folder['uid']}"))
    assert api.client.get(file_path).status_code == 404
    assert_error(api.get(f"/assets/{inside['uid']}"), 422)
    assert [a["uid"] for a in api.ok(api.get("/assets"))["assets"]] == [outside["uid"]]


def test_bad_uploads_get_clear_errors(api: Api) -> None:
    missing = api.post("/assets", files={"other": ("x.txt", b"x", "text/plain")})
    assert "asset[upload]" in assert_error(missing, 422)["errors"]
    no_folder = api.post(
        "/assets",
        files={"asset[upload]": ("x.txt", b"x", "text/plain")},
        data={"asset[parent_uid]": "bltnope"},
    )
    assert "asset[parent_uid]" in assert_error(no_folder, 422)["errors"]
    assert_error(api.post("/assets/folders", {"asset": {"name": ""}}), 422)
    assert_error(api.get("/assets/bltmissing"), 422)
    # Without a boundary in the header, the body's first line names it (the Python management
    # SDK's imports() sends such bodies); a body that does not start with one is refused.
    no_boundary = api.post(
        "/assets", content=b"not multipart", headers={"content-type": "multipart/form-data"}
    )
    assert list(assert_error(no_boundary, 400)["errors"]) == ["content-type"]
    no_parts = api.post(
        "/assets", content=b"--x\r\n", headers={"content-type": "multipart/form-data"}
    )
    assert "asset[upload]" in assert_error(no_parts, 422)["errors"]


def test_filenames_cannot_traverse(api: Api) -> None:
    asset = upload(api, b"hello", "../../etc/passwd")["asset"]
    assert asset["filename"] == "passwd"
    assert api.client.get(path_of(asset["url"])).content == b"hello"


# -- delivery -----------------------------------------------------------------------------------


def test_published_assets_are_delivered_and_unpublished_ones_are_not(stage: Stage) -> None:
    api = stage.api
    asset = upload(api, png(), "a.png")["asset"]
    assert_error(stage.deliver(f"/assets/{asset['uid']}"), 422)
    answer = stage.publish_asset(asset["uid"])
    assert answer["notice"] == "Asset sent for publishing."
    delivered = stage.deliver(f"/assets/{asset['uid']}").json()["asset"]
    assert delivered["uid"] == asset["uid"] and delivered["url"] == asset["url"]
    env = api.ok(api.get("/environments/production"))["environment"]["uid"]
    assert delivered["publish_details"]["environment"] == env
    assert delivered["publish_details"]["locale"] == "en-us"
    listed = stage.deliver("/assets", include_count="true").json()
    assert [a["uid"] for a in listed["assets"]] == [asset["uid"]] and listed["count"] == 1
    api.ok(
        api.post(
            f"/assets/{asset['uid']}/unpublish",
            {"asset": {"environments": ["production"], "locales": ["en-us"]}},
        )
    )
    assert_error(stage.deliver(f"/assets/{asset['uid']}"), 422)
    assert stage.deliver("/assets").json()["assets"] == []


def test_management_lists_say_where_each_asset_is_published_when_asked(stage: Stage) -> None:
    """`csdx cm:stacks:export` lists assets with include_publish_details=true and its import
    audit reads `publish_details` as an array on every asset."""
    api = stage.api
    shown, hidden = (upload(api, png(), f"{n}.png")["asset"] for n in ("shown", "hidden"))
    stage.publish_asset(shown["uid"])
    one = api.ok(api.get(f"/assets/{shown['uid']}"))["asset"]["publish_details"]
    assert [(d["locale"], d["version"]) for d in one] == [("en-us", 1)]
    params = {"include_publish_details": "true", "asc": "created_at"}
    for path in ("/assets", "/assets/images"):
        listed = api.ok(api.get(path, params=params))["assets"]
        assert [(a["uid"], a["publish_details"]) for a in listed] == [
            (shown["uid"], one),
            (hidden["uid"], []),
        ]
    plain = api.ok(api.get("/assets"))["assets"]
    assert [a for a in plain if "publish_details" in a] == []


def test_management_reads_show_asset_objects_and_writes_take_them_back(api: Api) -> None:
    """Contentstack's management API answers a file field with the asset object (the CLI's
    import finds assets in exported entries by their `uid` and `filename`); writes take the
    uid or the object; a deleted asset's uid stays as stored."""
    api.ok(api.post("/content_types", ARTICLE), 201)
    hero, one, two = (upload(api, png(), f"{n}.png")["asset"] for n in ("hero", "one", "two"))
    body = {
        "entry": {
            "title": "A",
            "hero": hero["uid"],
            "gallery": [one["uid"], two["uid"]],
            "card": {"image": one["uid"]},
            "sections": [{"banner": {"image": two["uid"]}}],
            "body": {
                "type": "doc",
                "uid": "d",
                "attrs": {},
                "children": [
                    {
                        "type": "reference",
                        "uid": "r",
                        "attrs": {
                            "type": "asset",
                            "asset-uid": hero["uid"],
                            "asset-link": "https://elsewhere.example/old.png",
                        },
                        "children": [{"text": ""}],
                    }
                ],
            },
        }
    }
    uid = api.ok(api.post("/content_types/article/entries", body), 201)["entry"]["uid"]
    path = f"/content_types/article/entries/{uid}"
    shown = api.ok(api.get(path))["entry"]
    current = {a["uid"]: api.ok(api.get(f"/assets/{a['uid']}"))["asset"] for a in (hero, one, two)}
    for asset in current.values():
        asset.pop("publish_details")
    assert shown["hero"] == current[hero["uid"]]
    assert shown["gallery"] == [current[one["uid"]], current[two["uid"]]]
    assert shown["card"]["image"] == current[one["uid"]]
    assert shown["sections"][0]["banner"]["image"] == current[two["uid"]]
    # A JSON RTE asset node links to the asset's current URL.
    assert shown["body"]["children"][0]["attrs"]["asset-link"] == hero["url"]
    listed = api.ok(api.get("/content_types/article/entries"))["entries"]
    assert [e["gallery"] for e in listed] == [shown["gallery"]]

    # What was read goes back as it is: nothing changes but the version.
    written = api.ok(api.put(path, {"entry": shown}))["entry"]
    assert written["_version"] == 2
    assert (written["hero"], written["gallery"]) == (hero["uid"], [one["uid"], two["uid"]])
    assert api.ok(api.get(path))["entry"]["gallery"] == shown["gallery"]

    api.ok(api.delete(f"/assets/{one['uid']}"))
    after = api.ok(api.get(path))["entry"]
    assert after["gallery"] == [one["uid"], current[two["uid"]]]
    assert after["card"]["image"] == one["uid"]


def test_include_branch_names_main_on_delivered_assets(stage: Stage) -> None:
    uid = upload(stage.api, png())["asset"]["uid"]
    stage.publish_asset(uid)
    assert "_branch" not in stage.deliver(f"/assets/{uid}").json()["asset"]  # cached without it
    one = stage.deliver(f"/assets/{uid}", include_branch="true")
    assert one.status_code == 200 and one.json()["asset"]["_branch"] == "main"
    listed = stage.deliver("/assets", include_branch="true").json()["assets"]
    assert [(a["uid"], a["_branch"]) for a in listed] == [(uid, "main")]


def test_include_metadata_gives_delivered_assets_an_empty_metadata_map(stage: Stage) -> None:
    uid = upload(stage.api, png())["asset"]["uid"]
    stage.publish_asset(uid)
    assert "_metadata" not in stage.deliver(f"/assets/{uid}").json()["asset"]  # cached first
    one = stage.deliver(f"/assets/{uid}", include_metadata="true").json()["asset"]
    assert (one["uid"], one["_metadata"]) == (uid, {"extensions": {}})
    listed = stage.deliver("/assets", include_metadata="true").json()["assets"]
    assert [(a["uid"], a["_metadata"]) for a in listed] == [(uid, {"extensions": {}})]
    assert "_metadata" not in stage.deliver("/assets").json()["assets"][0]


def test_entries_deliver_published_asset_objects(stage: Stage) -> None:
    api = stage.api
    api.ok(api.post("/content_types", ARTICLE), 201)
    hero = upload(api, png(), "hero.png")["asset"]
    second = upload(api, png(color="blue"), "second.png")["asset"]
    hidden = upload(api, png(color="green"), "hidden.png")["asset"]
    for asset in (hero, second):
        stage.publish_asset(asset["uid"])
    rte = {
        "type": "doc",
        "uid": "d1",
        "attrs": {},
        "children": [
            {
                "type": "reference",
                "uid": "r1",
                "attrs": {
                    "type": "asset",
                    "asset-uid": hero["uid"],
                    "asset-link": "https://old.example/a.png",
                    "display-type": "display",
                },
                "children": [{"text": ""}],
            }
        ],
    }
    entry = api.ok(
        api.post(
            "/content_types/article/entries",
            {
                "entry": {
                    "title": "One",
                    "hero": hero["uid"],
                    "gallery": [second["uid"], hidden["uid"]],
                    "card": {"image": second["uid"]},
                    "sections": [{"banner": {"image": hidden["uid"]}}],
                    "body": rte,
                }
            },
        ),
        201,
    )["entry"]
    assert entry["hero"] == hero["uid"]  # the create answer holds the uid as written
    stage.publish_entry("article", entry["uid"])
    got = stage.deliver(f"/content_types/article/entries/{entry['uid']}").json()["entry"]
    assert got["hero"]["uid"] == hero["uid"] and got["hero"]["url"] == hero["url"]
    assert got["hero"]["publish_details"]["locale"] == "en-us"
    assert [a["uid"] for a in got["gallery"]] == [second["uid"]]  # the unpublished one left out
    assert got["card"]["image"]["uid"] == second["uid"]
    assert got["sections"][0]["banner"]["image"] is None  # not published: null
    assert got["body"]["children"][0]["attrs"]["asset-link"] == hero["url"]
    listed = stage.deliver("/content_types/article/entries").json()["entries"]
    assert listed[0]["hero"]["uid"] == hero["uid"]
    # Publishing the hidden asset shows it at once: the cached answers depended on it.
    stage.publish_asset(hidden["uid"])
    again = stage.deliver(f"/content_types/article/entries/{entry['uid']}").json()["entry"]
    assert [a["uid"] for a in again["gallery"]] == [second["uid"], hidden["uid"]]
    assert again["sections"][0]["banner"]["image"]["uid"] == hidden["uid"]
    api.ok(api.delete(f"/assets/{hero['uid']}"))
    gone = stage.deliver(f"/content_types/article/entries/{entry['uid']}").json()["entry"]
    assert gone["hero"] is None


def test_included_references_carry_asset_objects(stage: Stage) -> None:
    api = stage.api
    api.ok(api.post("/content_types", ARTICLE), 201)
    hero = upload(api, png(), "hero.png")["asset"]
    stage.publish_asset(hero["uid"])
    child = api.ok(
        api.post(
            "/content_types/article/entries", {"entry": {"title": "Child", "hero": hero["uid"]}}
        ),
        201,
    )["entry"]
    parent = api.ok(
        api.post(
            "/content_types/article/entries",
            {
                "entry": {
                    "title": "Parent",
                    "related": [{"uid": child["uid"], "_content_type_uid": "article"}],
                }
            },
        ),
        201,
    )["entry"]
    for uid in (child["uid"], parent["uid"]):
        stage.publish_entry("article", uid)
    got = stage.deliver(
        f"/content_types/article/entries/{parent['uid']}", **{"include[]": "related"}
    ).json()["entry"]
    assert got["related"][0]["hero"]["url"] == hero["url"]


def test_file_fields_accept_only_assets_of_the_stack(stage: Stage) -> None:
    api = stage.api
    api.ok(api.post("/content_types", ARTICLE), 201)
    folder = api.ok(api.post("/assets/folders", {"asset": {"name": "F"}}), 201)["asset"]
    image = upload(api, png(), "a.png")["asset"]
    cases = {
        "hero": "not-an-asset",
        "gallery": [image["uid"], "bltmissing"],
        "card": {"image": folder["uid"]},
        "pdf": image["uid"],  # the field takes only .pdf
    }
    for field, value in cases.items():
        refused = api.post(
            "/content_types/article/entries", {"entry": {"title": field, field: value}}
        )
        errors = assert_error(refused, 422)["errors"]
        assert any(key.startswith(field) for key in errors), errors
    other = Api(api.client, api.email)
    other.authtoken = api.authtoken
    elsewhere = other.ok(
        other.post("/stacks", {"stack": {"name": "Other", "master_locale": "en-us"}}), 201
    )["stack"]
    other.api_key = elsewhere["api_key"]
    foreign = upload(other, png(), "f.png")["asset"]
    refused = api.post(
        "/content_types/article/entries", {"entry": {"title": "x", "hero": foreign["uid"]}}
    )
    assert "hero" in assert_error(refused, 422)["errors"]
    assert_error(api.get(f"/assets/{foreign['uid']}"), 422)


# -- files --------------------------------------------------------------------------------------


def test_files_have_strong_etags_ranges_and_immutable_caching(api: Api) -> None:
    data = bytes(range(256)) * 40
    asset = upload(api, data, "blob.bin")["asset"]
    path = path_of(asset["url"])
    whole = api.client.get(path)
    assert whole.status_code == 200 and whole.content == data
    assert whole.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert whole.headers["x-content-type-options"] == "nosniff"
    etag = whole.headers["etag"]
    assert api.client.get(path, headers={"if-none-match": etag}).status_code == 304
    part = api.client.get(path, headers={"range": "bytes=10-19"})
    assert part.status_code == 206 and part.content == data[10:20]
    assert part.headers["content-range"] == f"bytes 10-19/{len(data)}"
    tail = api.client.get(path, headers={"range": "bytes=-5"})
    assert tail.content == data[-5:]
    beyond = api.client.get(path, headers={"range": f"bytes={len(data)}-"})
    assert beyond.status_code == 416
    head = api.client.head(path)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(data))
    wrong = path.rsplit("/", 1)[0] + "/other.bin"
    assert api.client.get(wrong).status_code == 404


def test_svg_and_html_are_served_so_they_cannot_run_script(api: Api) -> None:
    svg = upload(api, SVG, "logo.svg", client_type="image/png")["asset"]
    assert svg["content_type"] == "image/svg+xml"
    served = api.client.get(path_of(svg["url"]))
    assert served.headers["content-security-policy"] == "sandbox"
    assert served.headers["content-disposition"].startswith("attachment")
    html = upload(api, b"<!DOCTYPE html><html><script>x()</script></html>", "page.jpg")["asset"]
    assert html["content_type"] == "text/html"
    assert api.client.get(path_of(html["url"])).headers["content-security-policy"] == "sandbox"


def test_image_renditions_by_url_parameters(api: Api) -> None:
    asset = upload(api, png(400, 300), "big.png")["asset"]
    path = path_of(asset["url"])
    resized = api.client.get(path, params={"width": "100", "format": "webp"})
    assert resized.status_code == 200 and resized.headers["content-type"] == "image/webp"
    image = Image.open(io.BytesIO(resized.content))
    assert (image.format, image.size) == ("WEBP", (100, 75))
    again = api.client.get(path, params={"format": "webp", "width": "100"})
    assert again.content == resized.content and again.headers["etag"] == resized.headers["etag"]
    auto = api.client.get(
        path, params={"width": "50", "auto": "webp"}, headers={"accept": "image/webp,*/*"}
    )
    assert auto.headers["content-type"] == "image/webp" and auto.headers["vary"] == "Accept"
    bad = api.client.get(path, params={"width": "-3"})
    assert "width" in assert_error(bad, bad.status_code)["errors"]


def test_deleting_an_asset_deletes_blobs_nothing_else_holds(api: Api, services: Services) -> None:
    # Bytes of this test's own: blobs are shared by every stack that uploads the same bytes.
    data, shared = secrets.token_bytes(512), secrets.token_bytes(512)
    lone = upload(api, data, "lone.bin")["asset"]
    twin_a = upload(api, shared, "a.bin")["asset"]
    twin_b = upload(api, shared, "b.bin")["asset"]
    blobs = services.blobs()  # the application's own
    lone_key, shared_key = (hashlib.sha256(b).hexdigest() for b in (data, shared))
    assert blobs.exists(lone_key) and blobs.exists(shared_key)
    api.ok(api.delete(f"/assets/{lone['uid']}"))
    assert not blobs.exists(lone_key)
    api.ok(api.delete(f"/assets/{twin_a['uid']}"))
    assert blobs.exists(shared_key)
    assert api.client.get(path_of(twin_b["url"])).content == shared


def test_uploads_over_the_cap_are_refused_and_nothing_is_stored(
    api: Api, services: Services
) -> None:
    small = Services(
        store=services.store,
        settings=dataclasses.replace(services.settings, max_upload_bytes=1000),
        passwords=services.passwords,
    )
    with TestClient(create_app(small.settings, services=small)) as client:
        capped = Api(client, api.email)
        capped.authtoken, capped.api_key = api.authtoken, api.api_key
        refused = capped.post(
            "/assets", files={"asset[upload]": ("big.bin", b"x" * 5000, "text/plain")}
        )
        assert "asset[upload]" in assert_error(refused, 413)["errors"]
        upload(capped, b"x" * 900, "fits.bin")
    assert [a["filename"] for a in api.ok(api.get("/assets"))["assets"]] == ["fits.bin"]
    anonymous = api.client.post(
        "/v3/assets",
        files={"asset[upload]": ("a.bin", b"x", "text/plain")},
        headers={"api_key": api.api_key},
    )
    assert_error(anonymous, 401)


def test_scheduled_asset_publish_runs_when_due(stage: Stage, services: Services) -> None:
    asset = upload(stage.api, png(), "later.png")["asset"]
    later = ids.format_time(datetime.now(UTC) + timedelta(hours=1))
    stage.publish_asset(asset["uid"], scheduled_at=later)
    assert_error(stage.deliver(f"/assets/{asset['uid']}"), 422)
    publishing.run_due_jobs(services, now=ids.format_time(datetime.now(UTC) + timedelta(hours=2)))
    assert stage.deliver(f"/assets/{asset['uid']}").json()["asset"]["uid"] == asset["uid"]


def test_image_bombs_are_refused_on_rendition(api: Api) -> None:
    out = io.BytesIO()
    Image.new("L", (1, 1)).save(out, "PNG")
    header = bytearray(out.getvalue())
    header[16:24] = (100_000).to_bytes(4, "big") * 2  # IHDR claims 100000 x 100000
    bomb = upload(api, bytes(header), "bomb.png")["asset"]
    assert (
        "dimension"
        not in api.ok(api.get(f"/assets/{bomb['uid']}", params={"include_dimension": "true"}))[
            "asset"
        ]
    )
    refused = api.client.get(path_of(bomb["url"]), params={"width": "100"})
    assert_error(refused, 422)


# -- what the official SDKs send (tests/e2e/test_assets_sdks.py drives the SDKs themselves) -----


def test_replace_takes_the_file_in_a_form_field_named_asset(api: Api) -> None:
    # contentstack-management (Python) 1.11's Assets.replace() posts `files={"asset": ...}`.
    old = upload(api, png(color="red"), "a.png")["asset"]
    new_bytes = png(color="blue")
    response = api.put(f"/assets/{old['uid']}", files={"asset": ("b.png", new_bytes, "image/png")})
    new = api.ok(response)["asset"]
    assert (new["_version"], new["filename"], new["file_size"]) == (2, "b.png", str(len(new_bytes)))
    assert api.client.get(path_of(new["url"])).content == new_bytes


def test_images_and_videos_list_only_their_kind(api: Api) -> None:
    # `GET /v3/assets/images` and `/videos` (the SDKs' specific_asset_type); not asset uids.
    image = upload(api, png(), "a.png", title="A")["asset"]
    upload(api, b"%PDF-1.4 not much of a pdf", "b.pdf")
    api.ok(api.post("/assets/folders", {"asset": {"name": "F"}}), 201)
    images = api.ok(api.get("/assets/images", params={"include_count": "true"}))
    assert [a["uid"] for a in images["assets"]] == [image["uid"]] and images["count"] == 1
    assert api.ok(api.get("/assets/videos"))["assets"] == []
    queried = api.ok(api.get("/assets/images", params={"query": '{"title": "B"}'}))
    assert queried["assets"] == []


def test_update_asset_revision_makes_an_old_version_the_latest(api: Api) -> None:
    # `PUT /v3/assets/{uid}` with `{"asset": {...}, "version": n}`: Contentstack's "Update asset
    # revision" (the Python SDK's update_asset_revision()).
    first = upload(api, png(color="red"), "a.png", title="Red")["asset"]
    second = api.ok(
        api.put(
            f"/assets/{first['uid']}",
            files={"asset[upload]": ("b.png", png(color="blue"), "image/png")},
        )
    )["asset"]
    body = {"asset": {"description": "Red again"}, "version": 1}
    back = api.ok(api.put(f"/assets/{first['uid']}", body))["asset"]
    assert (back["_version"], back["filename"], back["url"]) == (3, "a.png", first["url"])
    assert (back["title"], back["description"]) == ("Red", "Red again")
    assert api.client.get(path_of(back["url"])).content == png(color="red")
    assert second["url"] != back["url"]
    missing = api.put(f"/assets/{first['uid']}", {"asset": {}, "version": 9})
    assert "version" in assert_error(missing, 422)["errors"]
    bad = api.put(f"/assets/{first['uid']}", {"asset": {}, "version": "one"})
    assert "version" in assert_error(bad, 422)["errors"]


def test_references_name_the_entries_that_hold_an_asset(api: Api) -> None:
    # `GET /v3/assets/{uid}/references`, in Contentstack's shape.
    api.ok(api.post("/content_types", ARTICLE), 201)
    hero = upload(api, png(), "hero.png")["asset"]
    unused = upload(api, png(color="blue"), "unused.png")["asset"]
    rte = {
        "type": "doc",
        "uid": "d1",
        "attrs": {},
        "children": [
            {
                "type": "reference",
                "uid": "r1",
                "attrs": {"type": "asset", "asset-uid": hero["uid"], "display-type": "display"},
                "children": [{"text": ""}],
            }
        ],
    }
    inline = {  # an asset inside a paragraph: two levels down the tree
        "type": "doc",
        "uid": "d2",
        "attrs": {},
        "children": [{"type": "p", "uid": "p1", "attrs": {}, "children": rte["children"]}],
    }
    entries = {}
    for title, fields in {
        "File": {"card": {"image": hero["uid"]}},
        "Rich": {"body": rte},
        "Inline": {"body": inline},
        "Gallery": {"gallery": [unused["uid"], hero["uid"]]},
        "Banner": {"sections": [{"banner": {"image": hero["uid"]}}]},
        "Text": {},
    }.items():
        entries[title] = api.ok(
            api.post("/content_types/article/entries", {"entry": {"title": title, **fields}}),
            201,
        )["entry"]["uid"]
    # A text that merely equals the uid is not a reference.
    api.ok(
        api.put(
            f"/content_types/article/entries/{entries['Text']}",
            {"entry": {"title": hero["uid"]}},
        )
    )
    body = api.ok(api.get(f"/assets/{hero['uid']}/references", params={"include_count": "true"}))
    assert body["count"] == 5
    assert sorted(body["references"], key=lambda r: r["title"]) == [
        {
            "entry_uid": entries[title],
            "content_type_uid": "article",
            "locale": "en-us",
            "_version": 1,
            "title": title,
            "content_type_title": "Article",
        }
        for title in ("Banner", "File", "Gallery", "Inline", "Rich")
    ]
    used_once = api.ok(api.get(f"/assets/{unused['uid']}/references"))["references"]
    assert [r["title"] for r in used_once] == ["Gallery"]
    lone = upload(api, png(color="green"), "lone.png")["asset"]
    assert api.ok(api.get(f"/assets/{lone['uid']}/references")) == {"references": []}
    assert_error(api.get("/assets/bltmissing/references"), 422)


def test_versions_can_be_named_and_unnamed(api: Api) -> None:
    # `POST`/`DELETE /v3/assets/{uid}/versions/{n}/name` (the SDKs' version_naming/version_delete).
    asset = upload(api, png(), "a.png")["asset"]
    api.ok(api.put(f"/assets/{asset['uid']}", {"asset": {"title": "Two"}}))
    named = api.post(
        f"/assets/{asset['uid']}/versions/1/name", {"upload": {"_version_name": "First"}}
    )
    assert api.ok(named) == {"notice": "Version name assigned successfully."}
    body = api.ok(api.get(f"/assets/{asset['uid']}/versions", params={"include_count": "true"}))
    assert body["count"] == 2 and [v["_version"] for v in body["versions"]] == [2, 1]
    assert "_version_name" not in body["versions"][0]
    name = body["versions"][1]["_version_name"]
    assert (name["title"], set(name)) == ("First", {"title", "updated_by", "updated_at"})
    only = api.ok(api.get(f"/assets/{asset['uid']}/versions", params={"named": "true"}))
    assert [v["_version"] for v in only["versions"]] == [1]
    # Making version 1 the latest again does not copy its name to the new version.
    back = api.ok(api.put(f"/assets/{asset['uid']}", {"asset": {}, "version": 1}))["asset"]
    assert "_version_name" not in back
    unnamed = api.ok(api.delete(f"/assets/{asset['uid']}/versions/1/name"))
    assert unnamed == {"notice": "Version name deleted successfully"}
    assert api.ok(api.get(f"/assets/{asset['uid']}/versions", params={"named": "true"})) == {
        "versions": []
    }
    empty = api.post(f"/assets/{asset['uid']}/versions/1/name", {"upload": {}})
    assert "upload._version_name" in assert_error(empty, 422)["errors"]
    assert_error(
        api.post(f"/assets/{asset['uid']}/versions/7/name", {"upload": {"_version_name": "x"}}), 422
    )
    assert_error(api.delete(f"/assets/{asset['uid']}/versions/one/name"), 422)


def test_a_permanent_url_serves_the_latest_or_the_published_file(stage: Stage) -> None:
    # `PUT /v3/assets/{uid}` with `{"asset": {"permanent_url": …}}` (the SDKs' generate()).
    api = stage.api
    asset = upload(api, png(color="red"), "a.png")["asset"]
    uid = asset["uid"]
    wanted = f"https://images.example.com/v3/assets/{api.api_key}/{uid}/hero-image"
    body = api.ok(api.put(f"/assets/{uid}", {"asset": {"permanent_url": wanted}}))["asset"]
    permanent = f"{ORIGIN}/v3/assets/{api.api_key}/{uid}/hero-image"
    assert body["permanent_url"] == permanent and body["url"] == asset["url"]
    stage.publish_asset(uid)
    api.ok(
        api.put(
            f"/assets/{uid}", files={"asset[upload]": ("b.png", png(color="blue"), "image/png")}
        )
    )
    latest = api.client.get(path_of(permanent))
    assert latest.status_code == 200 and latest.content == png(color="blue")
    assert latest.headers["cache-control"] == "public, no-cache"
    published = api.client.get(path_of(permanent), params={"environment": "production"})
    assert published.content == png(color="red")
    assert api.client.get(path_of(permanent), params={"environment": "nowhere"}).status_code == 404
    assert api.client.get(path_of(permanent).replace("hero-image", "other")).status_code == 404
    assert api.ok(api.get(f"/assets/{uid}"))["asset"]["permanent_url"] == permanent
    again = api.put(f"/assets/{uid}", {"asset": {"permanent_url": wanted + "-2"}})
    assert "asset.permanent_url" in assert_error(again, 422)["errors"]
    elsewhere = f"https://x.example/v3/assets/{api.api_key}/bltother/slug"
    fresh = upload(api, png(), "c.png")["asset"]
    wrong = api.put(f"/assets/{fresh['uid']}", {"asset": {"permanent_url": elsewhere}})
    assert "asset.permanent_url" in assert_error(wrong, 422)["errors"]


def test_count_and_rte_assets(api: Api) -> None:
    # `count=true` (the JS SDK's query().count()) and `GET /v3/assets/rt` (the SDKs' rte()).
    upload(api, png(), "a.png", title="A")
    upload(api, png(color="blue"), "b.png", title="B")
    api.ok(api.post("/assets/folders", {"asset": {"name": "F"}}), 201)
    assert api.ok(api.get("/assets", params={"count": "true"})) == {"assets": 2}
    counted = api.get("/assets", params={"count": "true", "query": '{"title": "B"}'})
    assert api.ok(counted) == {"assets": 1}
    assert api.ok(api.get("/assets/rt")) == []


def test_folder_cs_root_lists_what_is_in_no_folder(api: Api) -> None:
    # Contentstack's `folder=cs_root`: the root folder's assets (and folders, when asked).
    folder = api.ok(api.post("/assets/folders", {"asset": {"name": "F"}}), 201)["asset"]
    top = upload(api, png(), "top.png")["asset"]
    upload(api, png(color="blue"), "in.png", parent_uid=folder["uid"])
    root = api.ok(api.get("/assets", params={"folder": "cs_root"}))["assets"]
    assert [a["uid"] for a in root] == [top["uid"]]
    both = api.get("/assets", params={"folder": "cs_root", "include_folders": "true"})
    assert sorted(a["uid"] for a in api.ok(both)["assets"]) == sorted([top["uid"], folder["uid"]])


def test_a_deleted_assets_cached_files_are_gone(api: Api) -> None:
    asset = upload(api, png(64, 48), "kept.png")["asset"]
    path = path_of(asset["url"])
    for params in ({}, {"width": "32"}):
        assert api.client.get(path, params=params).status_code == 200
        assert api.client.get(path, params=params).status_code == 200  # from the process cache
    api.ok(api.delete(f"/assets/{asset['uid']}"))
    for params in ({}, {"width": "32"}):
        assert_error(api.client.get(path, params=params), 404)


# -- what fuzzing found (tests/e2e/test_schemathesis.py) -----------------------------------------


def test_unicode_digits_and_huge_numbers_are_refused_not_crashes(api: Api) -> None:
    """ "²" is a digit to str.isdigit() but not to int(); 400 digits are infinite to float()."""
    asset = upload(api, png(), "a.png")["asset"]
    path = path_of(asset["url"])
    for name, value in (("quality", "²"), ("orient", "²"), ("width", "9" * 400)):
        refused = api.client.get(path, params={name: value})
        assert name in assert_error(refused, 400)["errors"]
    # Not a byte range (HTTP headers are Latin-1, which has "²"): the whole file.
    whole = api.client.get(path, headers={"range": "bytes=²-".encode("latin-1")})
    assert whole.status_code == 200 and whole.content == png()
    version = api.get(f"/assets/{asset['uid']}", params={"version": "²"})
    assert "version" in assert_error(version, 422)["errors"]
    body = {"asset": {"environments": ["production"]}, "version": "²"}
    assert (
        "version" in assert_error(api.post(f"/assets/{asset['uid']}/publish", body), 422)["errors"]
    )


def test_unsatisfiable_range_is_an_error_in_contentstacks_shape(api: Api) -> None:
    asset = upload(api, b"0123456789", "digits.txt")["asset"]
    beyond = api.client.get(path_of(asset["url"]), headers={"range": "bytes=10-"})
    assert assert_error(beyond, 416)["error_code"] == 416
    assert beyond.headers["content-range"] == "bytes */10"


def test_folder_parent_must_be_a_uid(api: Api) -> None:
    folder = api.ok(api.post("/assets/folders", {"asset": {"name": "F"}}), 201)["asset"]
    for parent in (5, ["x"], {"uid": "x"}):
        moved = api.put(f"/assets/folders/{folder['uid']}", {"asset": {"parent_uid": parent}})
        assert "parent_uid" in assert_error(moved, 422)["errors"]
        made = api.post("/assets/folders", {"asset": {"name": "G", "parent_uid": parent}})
        assert "parent_uid" in assert_error(made, 422)["errors"]


def test_form_fields_with_nul_characters_are_refused(api: Api) -> None:
    refused = api.post(
        "/assets",
        files={"asset[upload]": ("a.txt", b"a", "text/plain")},
        data={"asset[title]": "a\x00b"},
    )
    assert "asset[title]" in assert_error(refused, 400)["errors"]


def test_variant_merges_carry_the_variants_asset(stage: Stage) -> None:
    api = stage.api
    api.ok(api.post("/content_types", ARTICLE), 201)
    base_image = upload(api, png(color="red"), "base.png")["asset"]
    red_image = upload(api, png(color="green"), "red.png")["asset"]
    for asset in (base_image, red_image):
        stage.publish_asset(asset["uid"])
    group = {"name": "Colors", "uid": "colors", "content_types": ["article"]}
    api.ok(api.post("/variant_groups", group), 201)
    api.ok(api.post("/variant_groups/colors/variants", {"uid": "red", "name": "Red"}), 201)
    entry = api.ok(
        api.post(
            "/content_types/article/entries",
            {"entry": {"title": "V", "hero": base_image["uid"]}},
        ),
        201,
    )["entry"]
    path = f"/content_types/article/entries/{entry['uid']}"
    refused = api.put(path + "/variants/red", {"entry": {"hero": "bltnope", "_variant": {}}})
    assert "hero" in assert_error(refused, 422)["errors"]
    body = {"entry": {"hero": red_image["uid"], "_variant": {}}}
    api.ok(api.put(path + "/variants/red", body), 201)
    publish = {"entry": {"environments": ["production"], "locales": ["en-us"]}}
    publish["entry"]["variants"] = [{"uid": "red"}]  # type: ignore[index]
    api.ok(api.post(path + "/publish", publish, headers={"api_version": "3.2"}))
    merged = stage.api.client.get(
        "/v3" + path,
        params={"environment": "production"},
        headers={
            "api_key": api.api_key,
            "access_token": stage.token,
            "x-cs-variant-uid": "red",
        },
    ).json()["entry"]
    assert merged["hero"]["uid"] == red_image["uid"] and merged["hero"]["url"] == red_image["url"]
    plain = stage.deliver(path).json()["entry"]
    assert plain["hero"]["uid"] == base_image["uid"]


def test_asset_references_cost_the_same_at_n_and_4n(api: Api, services: Services) -> None:
    """No hidden O(n): the referrers of an asset are found by the field-value index at the paths
    where each content type can hold one (bound to the asset's uid), however many entries the
    stack holds."""
    from tests.api.test_scale_costs import Stack, compare
    from tests.cost import measure

    stack = Stack(api, services)
    api.ok(api.post("/content_types", ARTICLE), 201)
    costs = []
    for size in (20, 80):
        stack.grow(size)
        asset = upload(api, png(), f"hero-{size}.png")["asset"]
        body = {"entry": {"title": f"Holder {size}", "hero": asset["uid"]}}
        api.ok(api.post("/content_types/article/entries", body), 201)
        with measure(services.store, keys={"text"}) as cost:
            found = api.ok(api.get(f"/assets/{asset['uid']}/references"))["references"]
        assert [r["title"] for r in found] == [f"Holder {size}"]
        costs.append(cost)
    assert compare("asset references", *costs) == []
