"""The core management flow over HTTP, on both databases."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api

PAGE = {
    "content_type": {
        "title": "Page",
        "uid": "page",
        "schema": [
            {
                "display_name": "Title",
                "uid": "title",
                "data_type": "text",
                "mandatory": True,
                "unique": True,
            },
            {"display_name": "Body", "uid": "body", "data_type": "text"},
            {"display_name": "Views", "uid": "views", "data_type": "number"},
            {
                "display_name": "Blocks",
                "uid": "items",
                "data_type": "group",
                "multiple": True,
                "schema": [{"display_name": "Label", "uid": "label", "data_type": "text"}],
            },
        ],
    }
}


def setup_page(api: Api) -> None:
    api.ok(api.post("/content_types", PAGE), 201)


def make_entry(api: Api, title: str, **fields: Any) -> dict[str, Any]:
    body = api.ok(
        api.post("/content_types/page/entries", {"entry": {"title": title, **fields}}), 201
    )
    assert body["notice"] == "Entry created successfully."
    return body["entry"]


def test_login_and_current_user(user: Api) -> None:
    me = user.ok(user.get("/user"))["user"]
    assert me["email"] == user.email
    assert len(me["organizations"]) == 1


def test_bad_login_is_401_json(client: Any) -> None:
    response = client.post(
        "/v3/user-session", json={"user": {"email": "nobody@example.com", "password": "x" * 9}}
    )
    assert response.status_code == 401
    assert set(response.json()) == {"error_message", "error_code", "errors"}


def test_logout_invalidates_authtoken(user: Api) -> None:
    user.ok(user.delete("/user-session"))
    assert user.get("/user").status_code == 401


def test_entry_create_update_versions(api: Api) -> None:
    setup_page(api)
    entry = make_entry(api, "Home", body="hello", items=[{"label": "a"}, {"label": "b"}])
    assert entry["_version"] == 1 and entry["locale"] == "en-us" and entry["uid"].startswith("blt")
    assert all(i["_metadata"]["uid"].startswith("cs") for i in entry["items"])
    for key in (
        "created_at",
        "created_by",
        "updated_at",
        "updated_by",
        "tags",
        "ACL",
        "_in_progress",
    ):
        assert key in entry
    updated = api.ok(
        api.put(f"/content_types/page/entries/{entry['uid']}", {"entry": {"body": "changed"}})
    )
    assert updated["notice"] == "Entry updated successfully."
    assert updated["entry"]["_version"] == 2 and updated["entry"]["title"] == "Home"
    versions = api.ok(api.get(f"/content_types/page/entries/{entry['uid']}/versions"))["versions"]
    assert [v["_version"] for v in versions] == [2, 1]
    old = api.ok(api.get(f"/content_types/page/entries/{entry['uid']}", params={"version": 1}))[
        "entry"
    ]
    assert old["body"] == "hello"


def test_validation_errors_name_fields(api: Api) -> None:
    setup_page(api)
    response = api.post("/content_types/page/entries", {"entry": {"title": "x", "views": "many"}})
    assert response.status_code == 422
    assert "views" in response.json()["errors"]
    make_entry(api, "Same")
    clash = api.post("/content_types/page/entries", {"entry": {"title": "Same"}})
    assert clash.status_code == 422 and "title" in clash.json()["errors"]


def test_list_query_sort_count(api: Api) -> None:
    setup_page(api)
    for n in range(5):
        make_entry(api, f"Page {n}", views=n)
    body = api.ok(
        api.get(
            "/content_types/page/entries",
            params={
                "query": '{"views": {"$gte": 2}}',
                "asc": "views",
                "include_count": "true",
                "limit": 2,
                "skip": 1,
            },
        )
    )
    assert body["count"] == 3
    assert [e["views"] for e in body["entries"]] == [3, 4]


def test_localize_and_fallback(api: Api) -> None:
    setup_page(api)
    api.ok(api.post("/locales", {"locale": {"code": "fr-fr", "fallback_locale": "en-us"}}), 201)
    entry = make_entry(api, "Hello")
    path = f"/content_types/page/entries/{entry['uid']}"
    fallback = api.ok(api.get(path, params={"locale": "fr-fr"}))["entry"]
    assert fallback["locale"] == "en-us" and fallback["title"] == "Hello"
    localized = api.ok(api.put(path, {"entry": {"title": "Bonjour"}}, params={"locale": "fr-fr"}))[
        "entry"
    ]
    assert localized["locale"] == "fr-fr" and localized["_version"] == 1
    assert api.ok(api.get(path))["entry"]["title"] == "Hello"
    assert api.ok(api.get(path, params={"locale": "fr-fr"}))["entry"]["title"] == "Bonjour"


def test_publish_and_publish_details(api: Api) -> None:
    setup_page(api)
    env = api.ok(api.post("/environments", {"environment": {"name": "production"}}), 201)[
        "environment"
    ]
    entry = make_entry(api, "Pub")
    path = f"/content_types/page/entries/{entry['uid']}"
    body = api.ok(
        api.post(
            path + "/publish",
            {"entry": {"environments": ["production"], "locales": ["en-us"]}, "locale": "en-us"},
        )
    )
    assert (
        body["notice"] == "The requested action has been performed." and len(body["job_id"]) == 36
    )
    details = api.ok(api.get(path, params={"include_publish_details": "true"}))["entry"][
        "publish_details"
    ]
    assert details == [
        {
            "environment": env["uid"],
            "locale": "en-us",
            "time": details[0]["time"],
            "user": details[0]["user"],
            "version": 1,
        }
    ]
    api.ok(
        api.post(
            path + "/unpublish",
            {"entry": {"environments": ["production"], "locales": ["en-us"]}, "locale": "en-us"},
        )
    )
    assert (
        api.ok(api.get(path, params={"include_publish_details": "true"}))["entry"][
            "publish_details"
        ]
        == []
    )


def test_publish_unknown_environment_is_422(api: Api) -> None:
    setup_page(api)
    entry = make_entry(api, "Pub")
    response = api.post(
        f"/content_types/page/entries/{entry['uid']}/publish",
        {"entry": {"environments": ["nowhere"], "locales": ["en-us"]}},
    )
    assert response.status_code == 422


def test_other_users_cannot_reach_stack(api: Api, services: Any, client: Any) -> None:
    from tests.conftest import new_user

    setup_page(api)
    stranger = new_user(services, client)
    stranger.api_key = api.api_key
    assert stranger.get("/content_types").status_code == 412
    assert (
        stranger.post("/content_types/page/entries", {"entry": {"title": "x"}}).status_code == 412
    )


def test_errors_are_json(client: Any) -> None:
    assert client.get("/v3/nothing-here").json()["error_code"] == 404
    response = client.post(
        "/v3/user-session", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400 and "error_message" in response.json()
    assert client.get("/v3/content_types").status_code == 401
