"""Deleting anything takes every publication (and cached delivery answer) made from it, in every
locale; and deletes leave no dangling references (issue 12, findings 9 and 13; the rules are in
docs/behaviour.md, "What a delete takes with it")."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.test_variant_publishing import body, pub  # noqa: F401 (a fixture)
from tests.api.test_variants_api import CT
from tests.conftest import MAIN_BRANCH, Api
from veneer.services.context import Services

ERROR_KEYS = {"error_message", "error_code", "errors"}


@pytest.fixture
def site(api: Api, pub: dict[str, Any]) -> dict[str, Any]:  # noqa: F811
    """`pub` (entry with variants red and blue, en-us) plus fr-fr falling back to en-us, the entry
    and red published to production in en-us and (through the fallback) fr-fr, a delivery token."""
    api.ok(api.post("/locales", {"locale": {"code": "fr-fr", "fallback_locale": "en-us"}}), 201)
    publish = body([{"uid": "red"}])
    publish["entry"]["locales"] = ["en-us", "fr-fr"]
    api.ok(api.post(pub["path"] + "/publish", publish))
    token = api.ok(
        api.post(
            "/stacks/delivery_tokens",
            {
                "token": {
                    "name": "d",
                    "scope": [
                        {"module": "environment", "environments": ["production"]},
                        MAIN_BRANCH,
                    ],
                }
            },
        ),
        201,
    )["token"]["token"]
    return {**pub, "token": token}


def deliver(api: Api, site: dict[str, Any], locale: str, variant: str = "") -> str:
    """The title delivery serves for the entry in `locale`, with `variant` applied."""
    headers = {"api_key": api.api_key, "access_token": site["token"]}
    if variant:
        headers["x-cs-variant-uid"] = variant
    response = api.client.get(
        "/v3" + site["path"],
        params={"environment": "production", "locale": locale},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    return str(response.json()["entry"]["title"])


def published_variants(services: Services, api: Api, entry: str, variant: str) -> list[str]:
    with services.store.read() as tx:
        return sorted(d["locale"] for d in tx.publications.details(api.api_key, entry, variant))


def test_deleted_variant_leaves_no_publication_in_any_locale(
    api: Api, site: dict[str, Any], services: Services
) -> None:
    """The issue's probe: red published to fr-fr through the fallback, then deleted, stayed in
    fr-fr; a new variant with the same uid served the old content."""
    assert [deliver(api, site, code, "red") for code in ("en-us", "fr-fr")] == ["red", "red"]
    assert published_variants(services, api, site["entry"], "red") == ["en-us", "fr-fr"]
    api.ok(api.delete("/variant_groups/colors/variants/red"))
    assert published_variants(services, api, site["entry"], "red") == []
    assert [deliver(api, site, code, "red") for code in ("en-us", "fr-fr")] == ["base", "base"]
    api.ok(api.post("/variant_groups/colors/variants", {"uid": "red", "name": "Red again"}), 201)
    assert [deliver(api, site, code, "red") for code in ("en-us", "fr-fr")] == ["base", "base"]


def test_deleted_group_leaves_no_publication(
    api: Api, site: dict[str, Any], services: Services
) -> None:
    deliver(api, site, "fr-fr", "red")  # cached
    api.ok(api.delete("/variant_groups/colors"))
    assert published_variants(services, api, site["entry"], "red") == []
    assert deliver(api, site, "fr-fr", "red") == "base"


def test_deleted_entry_variant_takes_its_fallback_publications(
    api: Api, site: dict[str, Any], services: Services
) -> None:
    assert deliver(api, site, "fr-fr", "red") == "red"
    api.ok(api.delete(site["path"] + "/variants/red", params={"locale": "en-us"}))
    assert published_variants(services, api, site["entry"], "red") == []
    assert deliver(api, site, "fr-fr", "red") == "base"


def test_unlinking_takes_publications_in_every_locale(
    api: Api, site: dict[str, Any], services: Services
) -> None:
    api.ok(
        api.put(
            "/variant_groups/colors", {"content_types": [{"uid": "landing", "status": "unlinked"}]}
        )
    )
    assert published_variants(services, api, site["entry"], "red") == []
    assert deliver(api, site, "fr-fr", "red") == "base"


def test_deleted_localization_takes_what_fell_back_to_it(
    api: Api, site: dict[str, Any], services: Services
) -> None:
    """fr-ca falls back to fr-fr: its publication holds fr-fr's content; deleting the fr-fr
    localization unpublishes it there and in fr-ca (base and variants), and nowhere else."""
    api.ok(api.post("/locales", {"locale": {"code": "fr-ca", "fallback_locale": "fr-fr"}}), 201)
    api.ok(api.put(site["path"], {"entry": {"title": "français"}}, params={"locale": "fr-fr"}))
    publish = body([{"uid": "red"}])
    publish["entry"]["locales"] = ["fr-fr", "fr-ca"]
    api.ok(api.post(site["path"] + "/publish", publish))
    assert deliver(api, site, "fr-ca") == "français"
    api.ok(api.delete(site["path"], params={"locale": "fr-fr"}))
    with services.store.read() as tx:
        left = sorted(d["locale"] for d in tx.publications.details(api.api_key, site["entry"]))
    assert left == ["en-us"]
    assert published_variants(services, api, site["entry"], "red") == ["en-us"]
    missing = api.client.get(
        "/v3" + site["path"],
        params={"environment": "production", "locale": "fr-ca"},
        headers={"api_key": api.api_key, "access_token": site["token"]},
    )
    assert missing.status_code == 422 and set(missing.json()) == ERROR_KEYS


# -- finding 13: no dangling references ------------------------------------------------------------
def test_a_fallback_locale_is_not_deleted_while_others_fall_back_to_it(
    api: Api, site: dict[str, Any]
) -> None:
    api.ok(api.post("/locales", {"locale": {"code": "fr-ca", "fallback_locale": "fr-fr"}}), 201)
    refused = api.delete("/locales/fr-fr")
    assert refused.status_code == 422 and set(refused.json()) == ERROR_KEYS
    assert refused.json()["errors"] == {"code": ["is the fallback language of fr-ca."]}
    assert deliver(api, site, "fr-fr") == "base"  # nothing was dropped
    api.ok(api.put("/locales/fr-ca", {"locale": {"fallback_locale": "en-us"}}))
    api.ok(api.delete("/locales/fr-fr"))
    assert [loc["code"] for loc in api.ok(api.get("/locales"))["locales"]] == ["en-us", "fr-ca"]
    publish = body([])
    publish["entry"]["locales"] = ["fr-ca"]
    api.ok(api.post(site["path"] + "/publish", publish))
    assert deliver(api, site, "fr-ca") == "base"


def test_deleted_content_type_is_unlinked_and_a_new_one_is_not_relinked(
    api: Api, site: dict[str, Any]
) -> None:
    api.ok(api.delete("/content_types/landing"))
    group = api.ok(api.get("/variant_groups/colors"))
    assert group["content_types"] == [{"uid": "landing", "status": "unlinked"}]
    api.ok(api.post("/content_types", CT), 201)
    assert (
        api.ok(api.get("/variant_groups", params={"content_type": "landing"}))["variant_groups"]
        == []
    )
    entry = api.ok(api.post("/content_types/landing/entries", {"entry": {"title": "new"}}), 201)
    made = api.put(
        f"/content_types/landing/entries/{entry['entry']['uid']}/variants/red",
        {"entry": {"title": "r", "_variant": {}}},
    )
    assert made.status_code == 422 and set(made.json()) == ERROR_KEYS
    api.ok(api.put("/variant_groups/colors", {"content_types": ["landing"]}))
    api.ok(
        api.put(
            f"/content_types/landing/entries/{entry['entry']['uid']}/variants/red",
            {"entry": {"title": "r", "_variant": {}}},
        ),
        201,
    )
