"""The version check on the wire: management GETs of an entry or an entry variant answer an ETag
naming the version shown; a PUT with that ETag in If-Match is refused (409, nothing written) once
the stored version has moved on."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.test_core_flow import setup_page
from tests.api.test_variants_api import BASE, CT, SEED_UPDATE
from tests.conftest import Api
from veneer.errors import StaleVersion
from veneer.services import entry_variants, users
from veneer.services.context import Services

ERROR_KEYS = {"error_message", "error_code", "errors"}


@pytest.fixture
def page(api: Api) -> str:
    """The path of a page entry at version 1 in en-us; the stack has fr-fr falling back to en-us."""
    setup_page(api)
    api.ok(api.post("/locales", {"locale": {"code": "fr-fr", "fallback_locale": "en-us"}}), 201)
    entry = api.ok(api.post("/content_types/page/entries", {"entry": {"title": "one"}}), 201)
    return f"/content_types/page/entries/{entry['entry']['uid']}"


@pytest.fixture
def landing(api: Api) -> str:
    """The path of a landing entry whose content type is linked to the variant group of `red`."""
    api.ok(api.post("/content_types", CT), 201)
    entry = api.ok(api.post("/content_types/landing/entries", {"entry": BASE}), 201)["entry"]
    group = {"name": "Colors", "uid": "colors", "content_types": ["landing"]}
    api.ok(api.post("/variant_groups", group), 201)
    api.ok(api.post("/variant_groups/colors/variants", {"uid": "red", "name": "Red"}), 201)
    return f"/content_types/landing/entries/{entry['uid']}"


def put(api: Api, path: str, fields: dict[str, Any], etag: str | None, **params: str) -> Any:
    headers = {"If-Match": etag} if etag is not None else {}
    return api.put(path, {"entry": fields}, headers=headers, params=params)


def assert_stale(response: Any) -> None:
    assert response.status_code == 409, response.text
    body = response.json()
    assert set(body) == ERROR_KEYS and body["error_code"] == 409 and "_version" in body["errors"]


def test_an_entry_read_answers_the_etag_of_its_version(api: Api, page: str) -> None:
    assert api.get(page).headers["etag"] == '"v1"'
    api.ok(put(api, page, {"title": "two"}, None))
    assert api.get(page).headers["etag"] == '"v2"'
    assert api.get(page, params={"version": "1"}).headers["etag"] == '"v1"'


def test_a_write_with_the_current_etag_goes_through(api: Api, page: str) -> None:
    etag = api.get(page).headers["etag"]
    written = api.ok(put(api, page, {"title": "two"}, etag))["entry"]
    assert written["_version"] == 2 and written["title"] == "two"


def test_a_stale_write_is_refused_and_writes_nothing(api: Api, page: str) -> None:
    stale = api.get(page).headers["etag"]
    api.ok(put(api, page, {"title": "two"}, stale))
    assert_stale(put(api, page, {"title": "three"}, stale))
    entry = api.ok(api.get(page))["entry"]
    assert entry["_version"] == 2 and entry["title"] == "two"
    assert len(api.ok(api.get(page + "/versions"))["versions"]) == 2


def test_without_if_match_a_write_is_not_checked(api: Api, page: str) -> None:
    api.ok(put(api, page, {"title": "two"}, None))
    assert api.ok(put(api, page, {"title": "three"}, None))["entry"]["_version"] == 3


@pytest.mark.parametrize("etag", ['W/"v1"', "*", "v1", '"1"', '"v1", "v2"', "", '"v-1"'])
def test_a_malformed_if_match_is_a_400_and_writes_nothing(api: Api, page: str, etag: str) -> None:
    response = put(api, page, {"title": "two"}, etag)
    assert response.status_code == 400 and set(response.json()) == ERROR_KEYS, response.text
    assert "if-match" in response.json()["errors"]
    assert api.ok(api.get(page))["entry"]["_version"] == 1


def test_a_stale_first_localization_is_refused(api: Api, page: str) -> None:
    """Read in fr-fr (the en-us fallback, v1); en-us moves to v2; localizing from v1 is stale."""
    seen = api.get(page, params={"locale": "fr-fr"})
    assert seen.headers["etag"] == '"v1"' and seen.json()["entry"]["locale"] == "en-us"
    api.ok(put(api, page, {"title": "two"}, None))
    assert_stale(put(api, page, {"title": "deux"}, seen.headers["etag"], locale="fr-fr"))
    assert api.ok(api.get(page, params={"locale": "fr-fr"}))["entry"]["locale"] == "en-us"
    current = api.get(page, params={"locale": "fr-fr"}).headers["etag"]
    localized = api.ok(put(api, page, {"title": "deux"}, current, locale="fr-fr"))["entry"]
    assert localized["locale"] == "fr-fr" and localized["_version"] == 1


def test_an_entry_variant_read_answers_the_etag_of_its_version(api: Api, landing: str) -> None:
    path = landing
    api.ok(api.put(path + "/variants/red", SEED_UPDATE), 201)
    assert api.get(path + "/variants/red").headers["etag"] == '"v1"'
    merged = api.get(path, params={"include_variants": "true", "variant_uid": "red"})
    assert merged.headers["etag"] == f'"v{merged.json()["entry"]["_version"]}"' == '"v1"'


def test_a_stale_entry_variant_write_is_refused_and_writes_nothing(api: Api, landing: str) -> None:
    path = landing + "/variants/red"
    api.ok(api.put(path, SEED_UPDATE), 201)
    stale = api.get(path).headers["etag"]
    changed = {"count": 9, "_variant": {}}
    assert api.ok(put(api, path, changed, stale))["entry"]["_version"] == 2
    assert_stale(put(api, path, {"count": 10, "_variant": {}}, stale))
    variant = api.ok(api.get(path))["entry"]
    assert variant["_version"] == 2 and variant["count"] == 9
    assert len(api.ok(api.get(path + "/versions"))["versions"]) == 2


def test_an_entry_variant_expected_absent_with_v0(api: Api, landing: str) -> None:
    """`"v0"`: the caller expects no entry variant yet; once one exists, that is stale."""
    path = landing + "/variants/red"
    assert api.put(path, SEED_UPDATE, headers={"If-Match": '"v0"'}).status_code == 201
    assert_stale(api.put(path, SEED_UPDATE, headers={"If-Match": '"v0"'}))
    assert api.ok(api.get(path))["entry"]["_version"] == 1


def test_an_entry_variant_made_against_an_older_base_is_refused(
    api: Api, landing: str, services: Services
) -> None:
    """The editor's form is a change against the base version it showed: the service refuses it,
    under the lock, once the base entry has moved on (`expected_base_version`)."""
    api.ok(put(api, landing, {"title": "moved on"}, None))  # the base is at version 2 now
    actor = users.authenticate(services, api.authtoken)
    uid = landing.rsplit("/", 1)[1]
    with pytest.raises(StaleVersion) as refused:
        entry_variants.upsert(
            services, actor, api.api_key, "landing", uid, "red", SEED_UPDATE,
            expected_version=0, expected_base_version=1,
        )  # fmt: skip
    assert refused.value.errors == {"_version": ["is 2; the request expected 1."]}
    assert api.get(landing + "/variants/red").status_code == 422  # nothing was written
    body, created = entry_variants.upsert(
        services, actor, api.api_key, "landing", uid, "red", SEED_UPDATE,
        expected_version=0, expected_base_version=2,
    )  # fmt: skip
    assert created and body["_variant"]["_base_entry_version"] == 2


def test_a_stale_body_version_is_refused_and_writes_nothing(api: Api, page: str) -> None:
    """Finding 14: a client that sends back the entry it read (with its `_version`) loses no change
    made since: a stale `_version` is a 409, the current one writes, none is not checked."""
    read = api.ok(api.get(page))["entry"]
    api.ok(put(api, page, {"title": "two"}, None))
    assert_stale(put(api, page, {**read, "title": "three"}, None))
    entry = api.ok(api.get(page))["entry"]
    assert entry["_version"] == 2 and entry["title"] == "two"
    written = api.ok(put(api, page, {**entry, "title": "three"}, None))["entry"]
    assert written["_version"] == 3 and written["title"] == "three"
    # A fresh body version does not excuse a stale If-Match, nor the other way round.
    assert_stale(put(api, page, {"title": "four", "_version": 3}, '"v2"'))
    assert_stale(put(api, page, {"title": "four", "_version": 2}, '"v3"'))
    assert api.ok(api.get(page))["entry"]["title"] == "three"


def test_a_stale_body_version_of_an_entry_variant_is_refused(api: Api, landing: str) -> None:
    path = landing + "/variants/red"
    first = api.ok(api.put(path, SEED_UPDATE), 201)["entry"]
    assert first["_version"] == 1
    api.ok(put(api, path, {"count": 9, "_variant": {}, "_version": 1}, None))
    assert_stale(put(api, path, {"count": 10, "_variant": {}, "_version": 1}, None))
    variant = api.ok(api.get(path))["entry"]
    assert variant["_version"] == 2 and variant["count"] == 9
