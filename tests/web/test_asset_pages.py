"""The editor's asset library over HTTP, on both databases: listing, search, folders, upload,
details, replacing a file, deleting, and the JSON the entry form's asset picker reads."""

from __future__ import annotations

import re
from typing import Any

from tests.api.test_assets import png
from tests.conftest import Api
from tests.web.conftest import CSRF, UI


def library(ui: UI) -> str:
    return f"/app/stacks/{ui.api.api_key}/assets"


def csrf(ui: UI, path: str) -> str:
    found = CSRF.search(ui.http.get(path).text)
    assert found
    return found.group(1)


def upload(ui: UI, *files: tuple[str, bytes], folder: str = "", json: bool = False) -> Any:
    headers = {"accept": "application/json"} if json else {}
    return ui.http.post(
        library(ui),
        data={"csrf": csrf(ui, library(ui)), "folder": folder},
        files=[("files", (name, data, "application/octet-stream")) for name, data in files],
        headers=headers,
    )


def listed(api: Api, **params: str) -> list[dict[str, Any]]:
    return list(api.ok(api.get("/assets", params=params))["assets"])


def test_upload_several_files_and_list_them(ui: UI) -> None:
    response = upload(ui, ("red.png", png()), ("notes.txt", b"some notes"))
    assert response.status_code == 303
    assert response.headers["location"] == library(ui)
    titles = sorted(a["title"] for a in listed(ui.api))
    assert titles == ["notes.txt", "red.png"]
    page = ui.http.get(library(ui)).text
    image = next(a for a in listed(ui.api) if a["title"] == "red.png")
    assert (
        f'src="{image["url"].removeprefix("http://testserver")}?width=160&amp;format=webp"' in page
    )
    assert '<span class="asset-thumb icon" aria-hidden="true">TXT</span>' in page


def test_upload_answers_json_for_the_script(ui: UI) -> None:
    response = upload(ui, ("one.png", png()), json=True)
    assert response.status_code == 201
    body = response.json()
    assert [a["title"] for a in body["assets"]] == ["one.png"]
    assert listed(ui.api)[0]["uid"] == body["assets"][0]["uid"]


def test_upload_without_a_file_is_a_form_error(ui: UI) -> None:
    response = ui.http.post(library(ui), data={"csrf": csrf(ui, library(ui)), "folder": ""})
    assert response.status_code == 422
    assert "Choose at least one file." in response.text


def test_upload_needs_the_csrf_token(ui: UI) -> None:
    response = ui.http.post(
        library(ui), data={"csrf": "nope"}, files=[("files", ("a.txt", b"x", "text/plain"))]
    )
    assert response.status_code == 403
    assert listed(ui.api) == []


def test_folders_breadcrumbs_and_upload_into_a_folder(ui: UI) -> None:
    token = csrf(ui, library(ui))
    made = ui.http.post(f"{library(ui)}/folders", data={"csrf": token, "name": "Photos <2026>"})
    assert made.status_code == 303
    folder = ui.api.ok(ui.api.get("/assets", params={"include_folders": "true"}))["assets"][0]
    assert folder["name"] == "Photos <2026>"
    top = ui.http.get(library(ui)).text
    assert "Photos &lt;2026&gt;" in top
    assert upload(ui, ("in.txt", b"inside"), folder=folder["uid"]).status_code == 303
    inside = ui.http.get(library(ui), params={"folder": folder["uid"]}).text
    assert "in.txt" in inside
    assert (
        f'<li><a href="/app/stacks/{ui.api.api_key}/assets?folder={folder["uid"]}">Photos &lt;2026&gt;</a></li>'
        in inside
    )
    assert "in.txt" not in ui.http.get(library(ui)).text


def test_search_by_title_or_filename_pages_in_the_database(ui: UI) -> None:
    upload(ui, ("alpha.txt", b"a"), ("beta.txt", b"b"), ("alphabet.txt", b"c"))
    page = ui.http.get(library(ui), params={"q": "ALPHA"}).text
    names = re.findall(r'class="asset-name">([^<]+)<', page)
    assert sorted(names) == ["alpha.txt", "alphabet.txt"]
    assert "2 items matching “ALPHA”" in page
    assert 'class="asset-name">beta.txt<' not in page


def test_details_replace_versions_and_used_in(ui: UI) -> None:
    api = ui.api
    upload(ui, ("red.png", png()))
    uid = listed(api)[0]["uid"]
    api.ok(
        api.post(
            "/content_types",
            {
                "content_type": {
                    "title": "Post",
                    "uid": "post",
                    "schema": [
                        {
                            "display_name": "Title",
                            "uid": "title",
                            "data_type": "text",
                            "mandatory": True,
                        },
                        {"display_name": "Image", "uid": "image", "data_type": "file"},
                    ],
                }
            },
        ),
        201,
    )
    api.ok(
        api.post("/content_types/post/entries", {"entry": {"title": "Hello", "image": uid}}), 201
    )
    path = f"{library(ui)}/{uid}"
    page = ui.http.get(path).text
    assert "Hello</a>" in page and "Post · en-us" in page
    token = csrf(ui, path)
    saved = ui.http.post(
        path, data={"csrf": token, "title": "Red <dot>", "description": "d", "tags": "a, b"}
    )
    assert saved.status_code == 303
    doc = api.ok(api.get(f"/assets/{uid}"))["asset"]
    assert (doc["title"], doc["tags"]) == ("Red <dot>", ["a", "b"])
    replaced = ui.http.post(
        f"{path}/file",
        data={"csrf": token},
        files={"file": ("blue.png", png(color="blue"), "image/png")},
    )
    assert replaced.status_code == 303
    doc = api.ok(api.get(f"/assets/{uid}"))["asset"]
    assert (doc["_version"], doc["filename"]) == (3, "blue.png")  # the details edit was version 2
    page = ui.http.get(path).text
    assert "Red &lt;dot&gt;" in page
    assert page.count("<li>Version ") == 3


def test_delete_needs_the_confirmation(ui: UI) -> None:
    upload(ui, ("gone.txt", b"x"))
    uid = listed(ui.api)[0]["uid"]
    path = f"{library(ui)}/{uid}"
    token = csrf(ui, path)
    refused = ui.http.post(f"{path}/delete", data={"csrf": token})
    assert refused.status_code == 422
    assert len(listed(ui.api)) == 1
    done = ui.http.post(f"{path}/delete", data={"csrf": token, "confirm": "yes"})
    assert done.status_code == 303
    assert listed(ui.api) == []


def test_picker_json_searches_and_resolves_uids(ui: UI) -> None:
    upload(ui, ("cat.png", png()), ("dog.txt", b"woof"))
    by_title = {a["title"]: a["uid"] for a in listed(ui.api)}
    found = ui.http.get(f"{library(ui)}/choices", params={"q": "cat"}).json()
    assert found["count"] == 1
    assert found["assets"][0]["uid"] == by_title["cat.png"]
    assert found["assets"][0]["thumb"].endswith("?width=160&format=webp")
    uids = f"{by_title['dog.txt']},missing,{by_title['cat.png']}"
    resolved = ui.http.get(f"{library(ui)}/choices", params={"uids": uids}).json()
    assert [a["title"] for a in resolved["assets"]] == ["dog.txt", "cat.png"]
    assert resolved["assets"][0]["ext"] == "TXT"


def test_a_missing_asset_is_a_404_page(ui: UI) -> None:
    response = ui.http.get(f"{library(ui)}/blt0000000000000000")
    assert response.status_code == 404


GALLERY = {
    "title": "Gallery",
    "uid": "gallery",
    "schema": [
        {"display_name": "Title", "uid": "title", "data_type": "text", "mandatory": True},
        {"display_name": "Cover", "uid": "cover", "data_type": "file"},
        {"display_name": "Photos", "uid": "photos", "data_type": "file", "multiple": True},
    ],
}


def test_file_fields_show_the_picker_with_thumbnails_and_round_trip(ui: UI) -> None:
    api = ui.api
    upload(ui, ("cover.png", png()), ("a.txt", b"a"), ("b.txt", b"b"))
    by_title = {a["title"]: a["uid"] for a in listed(api)}
    api.ok(api.post("/content_types", {"content_type": GALLERY}), 201)
    photos = [by_title["b.txt"], by_title["a.txt"]]
    body = {"title": "G", "cover": by_title["cover.png"], "photos": photos}
    entry = api.ok(api.post("/content_types/gallery/entries", {"entry": body}), 201)["entry"]
    path = f"{ui.entries('gallery')}/{entry['uid']}"
    page = ui.http.get(path).text
    choices = f'data-picker="/app/stacks/{api.api_key}/assets/choices"'
    assert page.count(choices) == 2
    assert '<div class="asset-picker" ' + choices + ' data-multiple="true">' in page
    assert re.findall(r'<li data-uid="([^"]+)">', page) == [by_title["cover.png"], *photos]
    assert "?width=160&amp;format=webp" in page
    form = ui.form(path)
    assert form.get("f.cover") == by_title["cover.png"]
    assert form.get("f.photos") == "\n".join(photos)
    form.set("f.photos", by_title["a.txt"])  # what the picker writes after removing b.txt
    assert ui.post(path, form).status_code == 303
    saved = api.ok(api.get(f"/content_types/gallery/entries/{entry['uid']}"))["entry"]
    # The management API shows each file field's asset object.
    assert (saved["cover"]["uid"], [a["uid"] for a in saved["photos"]]) == (
        by_title["cover.png"],
        [by_title["a.txt"]],
    )


def test_a_new_entry_has_empty_pickers(ui: UI) -> None:
    ui.api.ok(ui.api.post("/content_types", {"content_type": GALLERY}), 201)
    page = ui.http.get(f"{ui.entries('gallery')}/new").text
    assert page.count('class="asset-picker"') == 2
    assert "<li data-uid=" not in page


def test_a_missing_folder_is_a_404_page(ui: UI) -> None:
    response = ui.http.get(library(ui), params={"folder": "blt0000000000000000"})
    assert response.status_code == 404


def test_search_takes_punctuation_literally(ui: UI) -> None:
    upload(ui, ("a.b.txt", b"1"), ("axb.txt", b"2"))
    found = ui.http.get(f"{library(ui)}/choices", params={"q": "a.b"}).json()
    assert [a["title"] for a in found["assets"]] == ["a.b.txt"]
