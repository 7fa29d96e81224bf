"""The account and organization calls of issue 14 §10, on both databases: `PUT /v3/user`,
password resets without email (`forgot_password` logs a link, `veneer reset-password` prints one,
`reset_password` and the editor's page spend it), and one organization with its roles, stacks and
members."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import PASSWORD, Api, new_user
from tests.test_cli import veneer
from tests.web.conftest import CSRF, UI
from veneer.services import users
from veneer.services.context import Services

NEW_PASSWORD = "a brand new secret"


def login(client: TestClient, email: str, password: str) -> Any:
    return client.post("/v3/user-session", json={"user": {"email": email, "password": password}})


def test_put_user_changes_the_names_only(user: Api) -> None:
    done = user.ok(user.put("/user", {"user": {"first_name": " Ada ", "last_name": "Lovelace"}}))
    assert done["notice"] == "Profile updated successfully."
    assert (done["user"]["first_name"], done["user"]["last_name"]) == ("Ada", "Lovelace")
    assert user.ok(user.get("/user"))["user"]["last_name"] == "Lovelace"
    refused = user.put("/user", {"user": {"email": "x@example.com", "last_name": 7}})
    assert refused.status_code == 422
    assert refused.json()["errors"] == {
        "user.last_name": ["must be a string of at most 200 characters."],
        "user.email": ["cannot be changed here."],
    }
    assert user.ok(user.get("/user"))["user"]["email"] == user.email


def reset_link(caplog: pytest.LogCaptureFixture, email: str) -> str:
    found = [
        r.getMessage()
        for r in caplog.records
        if f"password reset asked for {email}" in r.getMessage()
    ]
    assert len(found) == 1, found
    match = re.search(r"/app/reset-password\?token=([\w-]+)", found[0])
    assert match
    return match.group(1)


def test_forgot_then_reset_password(
    user: Api, client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    old_token = user.authtoken
    with caplog.at_level(logging.WARNING, logger="veneer"):
        asked = client.post("/v3/user/forgot_password", json={"user": {"email": user.email}})
        nobody = client.post(
            "/v3/user/forgot_password", json={"user": {"email": "nobody-here@example.com"}}
        )
    assert asked.status_code == nobody.status_code == 200
    assert asked.json() == nobody.json() == {"notice": users.FORGOT_NOTICE}  # nothing leaks
    token = reset_link(caplog, user.email)
    assert not any("nobody-here@example.com" in r.getMessage() for r in caplog.records)

    def reset(password: str, confirmation: str, with_token: str = token) -> Any:
        body = {
            "reset_password_token": with_token,
            "password": password,
            "password_confirmation": confirmation,
        }
        return client.post("/v3/user/reset_password", json={"user": body})

    mismatch = reset(NEW_PASSWORD, NEW_PASSWORD + "!")
    assert mismatch.status_code == 422
    assert mismatch.json()["errors"] == {
        "user.password_confirmation": ["does not match the password."]
    }
    assert reset("short", "short").status_code == 422
    wrong = reset(NEW_PASSWORD, NEW_PASSWORD, "not-a-token")
    assert wrong.status_code == 422
    assert wrong.json()["errors"] == {"user.reset_password_token": ["is invalid or has expired."]}

    done = reset(NEW_PASSWORD, NEW_PASSWORD)
    assert done.status_code == 200 and done.json() == {"notice": users.RESET_NOTICE}
    assert login(client, user.email, PASSWORD).status_code == 401
    assert login(client, user.email, NEW_PASSWORD).status_code == 200
    # Every session of the account ended; the token is spent.
    stale = client.get("/v3/user", headers={"authtoken": old_token})
    assert stale.status_code == 401
    assert reset(NEW_PASSWORD, NEW_PASSWORD).status_code == 422


def test_reset_link_from_the_cli_through_the_editor(
    services: Services, client: TestClient, api: Api
) -> None:
    printed = veneer(services.settings.database_url, "reset-password", api.email.upper())
    assert printed.returncode == 0, printed.stderr
    link = re.search(r"http://127\.0\.0\.1:8000/app/reset-password\?token=([\w-]+)", printed.stdout)
    assert link, printed.stdout
    unknown = veneer(services.settings.database_url, "reset-password", "nobody@example.com")
    assert unknown.returncode == 1 and "No account has the email" in unknown.stderr

    ui = UI(client, api)
    asked = ui.http.get("/app/reset-password")
    assert asked.status_code == 200 and 'id="reset-help"' in asked.text
    form = ui.http.get("/app/reset-password", params={"token": link.group(1)})
    csrf = CSRF.search(form.text)
    assert form.status_code == 200 and csrf
    fields = {"csrf": csrf.group(1), "token": link.group(1)}
    short = ui.http.post(
        "/app/reset-password", data={**fields, "password": "x", "password_confirmation": "x"}
    )
    assert short.status_code == 422 and "at least 8 characters" in short.text
    csrf = CSRF.search(short.text)
    assert csrf
    fields["csrf"] = csrf.group(1)
    done = ui.http.post(
        "/app/reset-password",
        data={**fields, "password": NEW_PASSWORD, "password_confirmation": NEW_PASSWORD},
    )
    assert done.status_code == 303 and done.headers["location"] == "/app/login?reset=done"
    assert 'id="login-notice"' in ui.http.get(done.headers["location"]).text
    assert ui.login(api.email, NEW_PASSWORD).status_code == 303


def test_an_organization_with_its_roles_stacks_and_members(
    services: Services, client: TestClient, api: Api
) -> None:
    org = api.ok(api.get("/user"))["user"]["organizations"][0]["uid"]
    one = api.ok(api.get(f"/organizations/{org}"))["organization"]
    assert (one["uid"], one["is_owner"], one["org_roles"]) == (org, True, [{"name": "Owner"}])
    roles = api.ok(api.get(f"/organizations/{org}/roles"))["roles"]
    assert [r["uid"] for r in roles] == ["owner", "admin", "member"]
    assert {r["org_uid"] for r in roles} == {org}

    stacks = api.ok(api.get(f"/organizations/{org}/stacks"))["stacks"]
    assert [s["api_key"] for s in stacks] == [api.api_key]
    friend = new_user(services, client)
    friend.ok(friend.post("/stacks", {"stack": {"name": "Theirs", "master_locale": "en-us"}}), 201)
    api.ok(
        api.post(f"/organizations/{org}/share", {"share": {"users": {friend.email: ["member"]}}})
    )
    shares = api.ok(api.get(f"/organizations/{org}/share"))["shares"]
    assert sorted((s["email"], s["org_roles"]) for s in shares) == sorted(
        [(api.email, ["owner"]), (friend.email, ["member"])]
    )
    # The friend sees this organization as a member; its own organization stays out of it.
    mine = friend.ok(friend.get(f"/organizations/{org}"))["organization"]
    assert (mine["is_owner"], mine["org_roles"]) == (False, [{"name": "Member"}])
    assert [
        s["api_key"] for s in friend.ok(friend.get(f"/organizations/{org}/stacks"))["stacks"]
    ] == [api.api_key]
    # An organization one is not in answers as an unknown one.
    stranger = new_user(services, client)
    hidden, unknown = stranger.get(f"/organizations/{org}"), stranger.get("/organizations/bltnone")
    assert hidden.status_code == unknown.status_code == 422
    assert hidden.json() == unknown.json()
    assert stranger.get(f"/organizations/{org}/share").status_code == 422
