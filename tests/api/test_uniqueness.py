"""Unique fields, enforced by the database (`unique_values`, store/uniques.py), on both databases:
per stack, content type, locale and field; freed by every delete; rebuilt by a schema change; and
race-free under concurrent writers."""

from __future__ import annotations

import copy
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.conftest import Api
from veneer.errors import VeneerError
from veneer.services import entries
from veneer.services.context import Actor, Services

REFUSED = {
    "error_message": "Entry creation failed. Please enter valid data.",
    "error_code": 119,
    "errors": {"title": ["is not unique."]},
}
PAGE = {
    "content_type": {
        "title": "Page",
        "uid": "page",
        "schema": [
            {"display_name": "Title", "uid": "title", "data_type": "text", "mandatory": True},
            {"display_name": "Slug", "uid": "slug", "data_type": "text"},
        ],
    }
}
RACERS = 24


def setup(api: Api, uid: str = "page") -> None:
    body = copy.deepcopy(PAGE)
    body["content_type"]["uid"] = uid
    api.ok(api.post("/content_types", body), 201)


def create(api: Api, title: str, ct: str = "page", **params: str) -> Any:
    return api.post(f"/content_types/{ct}/entries", {"entry": {"title": title}}, params=params)


def created(api: Api, title: str, ct: str = "page", **params: str) -> str:
    uid: str = api.ok(create(api, title, ct, **params), 201)["entry"]["uid"]
    return uid


def update(api: Api, uid: str, fields: dict[str, Any], **params: str) -> Any:
    return api.put(f"/content_types/page/entries/{uid}", {"entry": fields}, params=params)


def refused(response: Any) -> None:
    assert response.status_code == 422 and response.json() == REFUSED, response.text


def test_create_and_update_refuse_a_held_value(api: Api) -> None:
    setup(api)
    home = created(api, "Home")
    refused(create(api, "Home"))
    news = created(api, "News")
    refused(update(api, news, {"title": "Home"}))
    api.ok(update(api, home, {"title": "Home", "slug": "/"}))  # its own value
    api.ok(update(api, home, {"title": "Start"}))  # frees "Home"
    api.ok(update(api, news, {"title": "Home"}))
    refused(update(api, home, {"title": "Home"}))
    titles = [e["title"] for e in api.ok(api.get("/content_types/page/entries"))["entries"]]
    assert sorted(titles) == ["Home", "Start"]


def test_each_locale_and_content_type_holds_its_own_values(api: Api) -> None:
    setup(api)
    setup(api, "post")
    api.ok(api.post("/locales", {"locale": {"code": "fr-fr"}}), 201)
    home = created(api, "Home")
    created(api, "Home", "post")
    api.ok(update(api, home, {"title": "Home"}, locale="fr-fr"), 200)  # localizes it
    refused(create(api, "Home", locale="fr-fr"))
    created(api, "Accueil", locale="fr-fr")
    refused(update(api, home, {"title": "Accueil"}, locale="fr-fr"))
    created(api, "Accueil")  # free in en-us


def test_deleting_frees_the_values(api: Api) -> None:
    setup(api)
    api.ok(api.post("/locales", {"locale": {"code": "fr-fr"}}), 201)
    home = created(api, "Home")
    api.ok(update(api, home, {"title": "Maison"}, locale="fr-fr"))
    api.ok(api.delete(f"/content_types/page/entries/{home}", params={"locale": "fr-fr"}))
    created(api, "Maison", locale="fr-fr")  # the localization's value is free
    refused(create(api, "Home"))  # the master's is still held
    api.ok(api.delete(f"/content_types/page/entries/{home}"))
    created(api, "Home")
    api.ok(api.delete("/locales/fr-fr"))
    api.ok(api.post("/locales", {"locale": {"code": "fr-fr"}}), 201)
    created(api, "Maison", locale="fr-fr")
    api.ok(api.delete("/content_types/page"))
    setup(api)
    created(api, "Home")


def schema_with(api: Api, **slug: Any) -> Any:
    body = copy.deepcopy(PAGE)
    body["content_type"]["schema"][1].update(slug)
    return api.put("/content_types/page", body)


def test_a_schema_making_a_field_unique_claims_existing_values(api: Api) -> None:
    setup(api)
    one = api.ok(
        api.post("/content_types/page/entries", {"entry": {"title": "a", "slug": "/a"}}), 201
    )
    api.ok(api.post("/content_types/page/entries", {"entry": {"title": "b", "slug": "/b"}}), 201)
    api.ok(schema_with(api, unique=True))
    clash = api.post("/content_types/page/entries", {"entry": {"title": "c", "slug": "/a"}})
    assert clash.status_code == 422 and clash.json()["errors"] == {"slug": ["is not unique."]}
    api.ok(schema_with(api, unique=False))  # releases the slugs
    api.ok(api.post("/content_types/page/entries", {"entry": {"title": "c", "slug": "/a"}}), 201)
    assert one["entry"]["slug"] == "/a"


def test_a_schema_making_a_shared_value_unique_is_refused(api: Api) -> None:
    setup(api)
    for title in ("a", "b"):
        body = {"entry": {"title": title, "slug": "/same"}}
        api.ok(api.post("/content_types/page/entries", body), 201)
    response = schema_with(api, unique=True)
    assert response.status_code == 422
    assert response.json() == {
        "error_message": "Content Type update failed. Entries already share values of slug: "
        "a field can only be made unique once its values are.",
        "error_code": 119,
        "errors": {"slug": ["is not unique: entries already share a value of it."]},
    }
    schema = api.ok(api.get("/content_types/page"))["content_type"]["schema"]
    assert schema[1]["unique"] is False  # nothing was saved
    refused(create(api, "a"))  # the titles are still held


def test_a_title_made_not_unique_accepts_duplicates(api: Api) -> None:
    setup(api)
    created(api, "Home")
    body = copy.deepcopy(PAGE)
    body["content_type"]["schema"][0]["unique"] = False
    api.ok(api.put("/content_types/page", body))
    created(api, "Home")
    body["content_type"]["schema"][0]["unique"] = True
    response = api.put("/content_types/page", body)
    assert response.status_code == 422 and list(response.json()["errors"]) == ["title"]


@pytest.mark.parametrize("locale", ["en-us", "fr-fr"])
def test_concurrent_creates_of_one_value_one_wins(
    api: Api, services: Services, locale: str
) -> None:
    """Many writers on their own connections create the same title at once: exactly one entry
    is made, every other writer gets the usual 422."""
    setup(api)
    api.ok(api.post("/locales", {"locale": {"code": "fr-fr"}}), 201)
    actor = Actor(kind="management", uid="blt-racer", stack=api.api_key)

    def race(_: int) -> str:
        try:
            entries.create_entry(
                services, actor, api.api_key, "page", {"entry": {"title": "Same"}}, locale
            )
        except VeneerError as exc:
            assert exc.body() == REFUSED
            return "refused"
        return "created"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(race, range(RACERS)))
    assert sorted(outcomes) == ["created"] + ["refused"] * (RACERS - 1)
    listed = api.ok(api.get("/content_types/page/entries", params={"locale": locale}))
    assert [e["title"] for e in listed["entries"]] == ["Same"]


def test_canonically_equivalent_spellings_are_one_value(api: Api) -> None:
    """Finding 16: NFC and NFD "Café" look the same to every reader, so they clash."""
    setup(api)
    created(api, unicodedata.normalize("NFC", "Café"))
    refused(create(api, unicodedata.normalize("NFD", "Café")))
    other = created(api, "Tea")
    refused(update(api, other, {"title": unicodedata.normalize("NFD", "Café")}))
