"""Content type references, export and import (issue 14 §9), and global field export/import:
which types reference a type (through other types and global fields too), an exported file
imported into another stack, `overwrite`, and the refusals."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from tests.conftest import Api, new_user


def field(uid: str, kind: str = "text", **more: Any) -> dict[str, Any]:
    return {"display_name": uid.title(), "uid": uid, "data_type": kind, **more}


def ref(uid: str, *targets: str) -> dict[str, Any]:
    return field(uid, "reference", reference_to=list(targets))


TITLE = field("title", mandatory=True, unique=True)


def content_type(uid: str, *fields: dict[str, Any]) -> dict[str, Any]:
    return {"content_type": {"title": uid.title(), "uid": uid, "schema": [TITLE, *fields]}}


@pytest.fixture
def site(api: Api) -> Api:
    """author ← article ← home; page → author through the global field `byline`; tag alone;
    `node` references itself."""
    byline = {"global_field": {"title": "Byline", "uid": "byline", "schema": [ref("by", "author")]}}
    api.ok(api.post("/global_fields", byline), 201)
    for body in (
        content_type("author"),
        content_type("article", ref("author", "author")),
        content_type("home", field("hero", "group", schema=[ref("featured", "article")])),
        content_type("page", field("byline", "global_field", reference_to="byline")),
        content_type("tag"),
        content_type("node", ref("parent", "node")),
    ):
        api.ok(api.post("/content_types", body), 201)
    return api


def references(api: Api, uid: str, **params: str) -> Any:
    return api.ok(api.get(f"/content_types/{uid}/references", params=params))["references"]


def test_references_list_every_type_a_chain_of_references_leads_from(site: Api) -> None:
    assert references(site, "author") == ["article", "home", "page"]
    assert references(site, "article") == ["home"]
    assert references(site, "home") == []
    assert references(site, "tag") == []
    assert references(site, "node") == ["node"]


def test_references_with_global_fields_name_the_global_fields_too(site: Api) -> None:
    assert references(site, "author", include_global_fields="true") == [
        "article",
        "home",
        "page",
        "byline",
    ]
    assert references(site, "article", include_global_fields="true") == ["home"]


def test_references_of_an_unknown_type_is_refused_as_a_read_of_it_is(site: Api) -> None:
    missing = site.get("/content_types/nothing/references")
    read = site.get("/content_types/nothing")
    assert (missing.status_code, missing.json()) == (read.status_code, read.json())
    assert missing.json()["error_code"] == 118


def exported(api: Api, uid: str, **params: str) -> dict[str, Any]:
    return api.ok(api.get(f"/content_types/{uid}/export", params=params))


def upload(api: Api, path: str, doc: Any, name: str = "content_type", **params: str) -> Any:
    raw = doc if isinstance(doc, bytes) else orjson.dumps(doc)
    return api.post(path, files={name: ("file.json", raw, "application/json")}, params=params)


def test_an_exported_type_imports_into_another_stack(site: Api, services: Any, client: Any) -> None:
    doc = exported(site, "article")
    assert doc == site.ok(site.get("/content_types/article"))["content_type"]
    assert exported(site, "article", version="1") == doc
    other = new_user(services, client)
    other.api_key = other.ok(
        other.post("/stacks", {"stack": {"name": "Copy", "master_locale": "en-us"}}), 201
    )["stack"]["api_key"]
    other.ok(other.post("/content_types", content_type("author")), 201)

    done = other.ok(upload(other, "/content_types/import", doc))
    assert done["notice"] == "Content Type imported successfully."
    copy = done["content_type"]
    assert (copy["uid"], copy["title"], copy["_version"]) == ("article", "Article", 1)
    assert copy["schema"] == doc["schema"]
    assert copy["created_by"] != doc["created_by"]  # the importer's, not the file's
    assert other.ok(other.get("/content_types/article"))["content_type"] == copy
    entry = {"entry": {"title": "Imported", "author": [{"uid": "x", "_content_type_uid": "tag"}]}}
    refused = other.post("/content_types/article/entries", entry)
    assert refused.status_code == 422 and "author" in str(refused.json()["errors"])


def test_import_refuses_an_existing_uid_unless_overwrite(site: Api) -> None:
    doc = exported(site, "tag")
    again = upload(site, "/content_types/import", doc)
    assert again.status_code == 422 and again.json()["errors"] == {"uid": ["is not unique."]}
    assert again.json()["error_code"] == 115

    changed = {**doc, "title": "Labels", "schema": [TITLE, field("colour")]}
    changed.pop("options")
    done = site.ok(upload(site, "/content_types/import", changed, overwrite="true"))
    replaced = site.ok(site.get("/content_types/tag"))["content_type"]
    assert done["content_type"] == replaced
    assert (replaced["title"], replaced["_version"]) == ("Labels", 2)
    assert [f["uid"] for f in replaced["schema"]] == ["title", "colour"]
    assert replaced["created_at"] == doc["created_at"]


def test_import_of_a_wrapped_file_and_of_a_new_uid_with_overwrite(site: Api) -> None:
    done = site.ok(upload(site, "/content_types/import", content_type("fresh"), overwrite="true"))
    assert done["content_type"]["uid"] == "fresh" and done["content_type"]["_version"] == 1


@pytest.mark.parametrize(
    ("raw", "name", "status", "errors"),
    [
        (b"{not json", "content_type", 400, "content_type"),
        (b"[1, 2]", "content_type", 400, "content_type"),
        (orjson.dumps({"title": "No uid", "schema": [TITLE]}), "content_type", 422, "uid"),
        (orjson.dumps({"uid": "x", "title": "X", "schema": [TITLE]}), "file", 400, "content_type"),
    ],
)
def test_bad_import_files_are_refused(
    site: Api, raw: bytes, name: str, status: int, errors: str
) -> None:
    refused = upload(site, "/content_types/import", raw, name=name)
    assert refused.status_code == status, refused.text
    assert list(refused.json()["errors"]) == [errors]


def test_export_of_another_version_is_refused(site: Api) -> None:
    refused = site.get("/content_types/article/export", params={"version": "7"})
    assert refused.status_code == 422
    assert refused.json()["errors"] == {
        "version": ["is not available: Veneer keeps only the latest version (1) of a content type."]
    }


def test_a_multipart_body_without_its_boundary_is_read_by_its_first_line(site: Api) -> None:
    """The Python management SDK's `imports()` sends `Content-Type: multipart/form-data` with no
    boundary; the body's first line names it."""
    doc = orjson.dumps(content_type("sniffed")["content_type"])
    boundary = "c0ffee1234"
    raw = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="content_type"; '
            f'filename="ct.json"\r\nContent-Type: application/json\r\n\r\n'
        ).encode()
        + doc
        + f"\r\n--{boundary}--\r\n".encode()
    )
    headers = {"Content-Type": "multipart/form-data"}
    done = site.ok(site.post("/content_types/import", content=raw, headers=headers))
    assert done["content_type"]["uid"] == "sniffed"
    # ...and the JSON bodies it sends afterwards under the same header are JSON.
    body = orjson.dumps(content_type("after"))
    made = site.post("/content_types", content=body, headers=headers)
    assert made.status_code == 201 and made.json()["content_type"]["uid"] == "after"
    garbage = site.post("/content_types/import", content=b"no boundary here", headers=headers)
    assert garbage.status_code == 400 and list(garbage.json()["errors"]) == ["content-type"]


def test_global_fields_export_and_import(site: Api) -> None:
    doc = site.ok(site.get("/global_fields/byline/export"))
    assert doc == site.ok(site.get("/global_fields/byline"))["global_field"]
    taken = upload(site, "/global_fields/import", doc, name="global_field")
    assert taken.status_code == 422 and taken.json()["errors"] == {"uid": ["is not unique."]}
    wider = {**doc, "schema": [*doc["schema"], field("note")]}
    done = site.ok(
        upload(site, "/global_fields/import", wider, name="global_field", overwrite="true")
    )
    assert done["notice"] == "Global Field imported successfully."
    assert [f["uid"] for f in done["global_field"]["schema"]] == ["by", "note"]
    # The content types using it were expanded again.
    page = site.ok(site.get("/content_types/page", params={"include_global_field_schema": "true"}))
    byline = page["content_type"]["schema"][1]
    assert [f["uid"] for f in byline["schema"]] == ["by", "note"]
    fresh = {"title": "Fresh", "uid": "fresh_gf", "schema": [field("x")]}
    made = site.ok(upload(site, "/global_fields/import", fresh, name="global_field"))
    assert made["global_field"]["uid"] == "fresh_gf"
    old = site.get("/global_fields/byline/export", params={"version": "1"})
    assert old.status_code == 422 and list(old.json()["errors"]) == ["version"]
