"""The isolation matrix: every management route, called with credentials that must not reach
stack A's data, answers a Contentstack-shaped 401/403/412 and never any data."""

from __future__ import annotations

import re
from typing import Any

import pytest
from starlette.routing import Route

from tests.api.test_variants_api import BASE, CT
from tests.conftest import MAIN_BRANCH, Api, new_user
from veneer.api.routes import management_routes

DELIVERY_PATHS = {
    "/v3/content_types",
    "/v3/content_types/{ct}",
    "/v3/content_types/{ct}/entries",
    "/v3/content_types/{ct}/entries/{uid}",
    "/v3/assets",
    "/v3/assets/{uid}",
    "/v3/stacks/sync",
    "/v3/taxonomies/entries",
    # Global fields and taxonomies: the CDA serves them to delivery tokens too.
    "/v3/global_fields",
    "/v3/global_fields/{uid}",
    "/v3/taxonomies",
    "/v3/taxonomies/{taxonomy}",
    "/v3/taxonomies/{taxonomy}/terms",
    "/v3/taxonomies/{taxonomy}/terms/{term}",
    "/v3/taxonomies/{taxonomy}/terms/{term}/ancestors",
    "/v3/taxonomies/{taxonomy}/terms/{term}/descendants",
    "/v3/taxonomies/{taxonomy}/terms/{term}/locales",
}
# Asset files are served to whoever holds their URL, as Contentstack's asset host serves them
# (docs/assets.md); a URL that is not one of a file's answers 404 (checked below).
PUBLIC_ROUTES = {
    "/v3/assets/{api_key}/{uid}/{version_uid}/{filename}",
    "/v3/assets/{api_key}/{uid}/{slug}",  # an asset's permanent URL
}
ERROR_KEYS = {"error_message", "error_code", "errors"}
PASSWORD_RESETS = {"/v3/user/forgot_password", "/v3/user/reset_password"}
# Routes that name no stack: they act on the caller's own account.
ACCOUNT_ROUTES = {
    "/v3/user-session",
    "/v3/user",
    "/v3/organizations",
    "/v3/stacks",
    "/v3/stacks/",
    "/personalize/projects",  # the caller's own projects (tests/api/test_personalize.py)
}


def _routes() -> list[tuple[str, str]]:
    found = []
    for route in management_routes():
        assert isinstance(route, Route)
        for method in sorted((route.methods or set()) - {"HEAD"}):
            found.append((method, route.path))
    return found


@pytest.fixture
def world(api: Api, services: Any, client: Any) -> dict[str, Any]:
    """Stack A (owned by `api`) with one of everything, and the credentials of outsiders."""
    api.ok(api.post("/content_types", CT), 201)
    api.ok(api.post("/environments", {"environment": {"name": "production"}}), 201)
    entry = api.ok(api.post("/content_types/landing/entries", {"entry": BASE}), 201)["entry"]
    api.ok(
        api.post(
            "/variant_groups", {"name": "Colors", "uid": "colors", "content_types": ["landing"]}
        ),
        201,
    )
    api.ok(api.post("/variant_groups/colors/variants", {"uid": "red", "name": "Red"}), 201)
    api.ok(
        api.put(
            f"/content_types/landing/entries/{entry['uid']}/variants/red",
            {"entry": {"title": "r", "_variant": {}}},
        ),
        201,
    )
    mtoken = api.ok(
        api.post(
            "/stacks/management_tokens",
            {
                "token": {
                    "name": "m",
                    "scope": [
                        {"module": "content_type", "acl": {"read": True, "write": True}},
                        MAIN_BRANCH,
                    ],
                }
            },
        ),
        201,
    )["token"]
    dtoken = api.ok(
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
    )["token"]

    api.ok(api.post("/taxonomies", {"taxonomy": {"uid": "hue", "name": "Hue"}}), 201)
    api.ok(api.post("/taxonomies/hue/terms", {"term": {"uid": "hue_red", "name": "Red"}}), 201)
    outsider = new_user(services, client)
    other = outsider.ok(outsider.post("/stacks", {"stack": {"name": "B"}}), 201)["stack"]["api_key"]
    outsider.api_key = other
    other_mtoken = outsider.ok(
        outsider.post(
            "/stacks/management_tokens",
            {
                "token": {
                    "name": "m",
                    "scope": [
                        {"module": "content_type", "acl": {"read": True, "write": True}},
                        MAIN_BRANCH,
                    ],
                }
            },
        ),
        201,
    )["token"]["token"]
    leaver = new_user(services, client)
    leaver.ok(leaver.delete("/user-session"))
    ids = {
        "ct": "landing",
        "uid": entry["uid"],
        "name": "production",
        "code": "en-us",
        "group": "colors",
        "variant": "red",
        "org_uid": api.ok(api.get("/organizations"))["organizations"][0]["uid"],
        "api_key": api.api_key,
        "version_uid": "bltnotaversion",
        "filename": "secret.txt",
        "slug": "secret",
        "version": "1",
        "taxonomy": "hue",
        "term": "hue_red",
        "ownership_token": "csnotatoken",
        "experience": "colors",
        "experience_version": "colors",
    }
    ids["uid_token"] = mtoken["uid"]
    return {
        "api": api,
        "ids": ids,
        "api_key": api.api_key,
        "secrets": {entry["uid"], "Colors", mtoken["uid"], dtoken["uid"], "production", "r", "Hue"},
        "credentials": {
            "another stack's user": {"authtoken": outsider.authtoken},
            "another stack's management token": {"authorization": other_mtoken},
            "a delivery token": {"access_token": dtoken["token"]},
            "a logged-out authtoken": {"authtoken": leaver.authtoken},
            "no credentials": {},
        },
    }


def _fill(path: str, ids: dict[str, str]) -> str:
    if "/stacks/" in path:
        return path.replace("{uid}", ids["uid_token"])
    return re.sub(r"\{(\w+)\}", lambda m: ids[m.group(1)], path)


@pytest.mark.parametrize(
    "who",
    [
        "another stack's user",
        "another stack's management token",
        "a delivery token",
        "a logged-out authtoken",
        "no credentials",
    ],
)
def test_no_route_leaks(world: dict[str, Any], who: str) -> None:
    api: Api = world["api"]
    creds = world["credentials"][who]
    checked = 0
    for method, path in _routes():
        if path in ACCOUNT_ROUTES and who in {"another stack's user"}:
            continue  # these act on the outsider's own account, by design
        if (path == "/v3/user-session" and method == "POST") or path in PASSWORD_RESETS:
            continue  # login and password resets take no credentials
        if path in PUBLIC_ROUTES:
            response = api.client.request(method, _fill(path, world["ids"]), headers=creds)
            assert response.status_code == 404 and set(response.json()) == ERROR_KEYS
            continue
        url = _fill(path, world["ids"])
        response = api.client.request(
            method,
            url,
            json={} if method in {"POST", "PUT"} else None,
            headers={"api_key": world["api_key"], **creds},
        )
        if who == "a delivery token" and method == "GET" and path.rstrip("/") in DELIVERY_PATHS:
            # a delivery request: only published content of the token's own stack and environment
            assert response.status_code in (200, 422), (method, url, response.text)
            checked += 1
            continue
        assert response.status_code in (401, 403, 412), (
            who,
            method,
            url,
            response.status_code,
            response.text,
        )
        body = response.json()
        assert set(body) == ERROR_KEYS, (method, url, body)
        assert not any(secret in response.text for secret in world["secrets"] - {"r"}), (
            method,
            url,
            response.text,
        )
        checked += 1
    assert checked >= 40


def test_read_only_management_token_cannot_write(world: dict[str, Any]) -> None:
    api: Api = world["api"]
    token = api.ok(
        api.post(
            "/stacks/management_tokens",
            {
                "token": {
                    "name": "ro",
                    "scope": [
                        {"module": "content_type", "acl": {"read": True, "write": False}},
                        MAIN_BRANCH,
                    ],
                }
            },
        ),
        201,
    )["token"]["token"]
    headers = {"api_key": world["api_key"], "authorization": f"Bearer {token}"}
    read = api.client.get("/v3/content_types/landing/entries", headers=headers)
    assert read.status_code == 200 and read.json()["entries"]
    write = api.client.post(
        "/v3/content_types/landing/entries", json={"entry": {"title": "x"}}, headers=headers
    )
    assert write.status_code == 403 and set(write.json()) == ERROR_KEYS


def test_secrets_are_stored_hashed(world: dict[str, Any], services: Any) -> None:
    from sqlalchemy import text

    api: Api = world["api"]
    token = api.ok(
        api.post(
            "/stacks/delivery_tokens",
            {
                "token": {
                    "name": "h",
                    "scope": [
                        {"module": "environment", "environments": ["production"]},
                        MAIN_BRANCH,
                    ],
                }
            },
        ),
        201,
    )["token"]["token"]
    with services.store.engine.connect() as conn:
        dump = " ".join(
            str(row)
            for table in ("tokens", "sessions", "users")
            for row in conn.execute(text(f"SELECT * FROM {table}")).all()
        )
    assert token not in dump and api.authtoken not in dump and "correct horse battery" not in dump
