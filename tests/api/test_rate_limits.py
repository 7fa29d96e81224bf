"""429 with Retry-After: failed logins per account and per address, management requests per org."""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import PASSWORD
from veneer.app import create_app
from veneer.services import users
from veneer.services.context import Services


@pytest.fixture
def strict(services: Services) -> Iterator[tuple[Services, TestClient]]:
    settings = dataclasses.replace(
        services.settings, login_attempts=3, login_attempts_per_address=6, management_rate_limit=5
    )
    strict_services = dataclasses.replace(services, settings=settings)
    address = (
        f"rate-limit-test-{secrets.token_hex(4)}"  # its own address: others' failures don't count
    )
    with TestClient(
        create_app(settings, services=strict_services), client=(address, 50000)
    ) as client:
        yield strict_services, client


def _login(client: TestClient, email: str, password: str) -> Any:
    return client.post("/v3/user-session", json={"user": {"email": email, "password": password}})


def _account(services: Services) -> str:
    email = f"rl-{secrets.token_hex(5)}@example.com"
    users.create_user(services, email, PASSWORD)
    return email


def test_failed_logins_per_account(strict: tuple[Services, TestClient]) -> None:
    services, client = strict
    email = _account(services)
    assert [_login(client, email, "wrong-password").status_code for _ in range(3)] == [
        401,
        401,
        401,
    ]
    refused = _login(client, email, PASSWORD)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert set(refused.json()) == {"error_message", "error_code", "errors"}
    assert (
        _login(client, _account(services), PASSWORD).status_code == 200
    )  # other accounts unaffected


def test_failed_logins_per_address(strict: tuple[Services, TestClient]) -> None:
    services, client = strict
    for _ in range(6):
        assert (
            _login(
                client, f"nobody-{secrets.token_hex(4)}@example.com", "wrong-password"
            ).status_code
            == 401
        )
    assert _login(client, _account(services), PASSWORD).status_code == 429


def test_management_requests_per_organization(
    strict: tuple[Services, TestClient], client: TestClient
) -> None:
    services, strict_client = strict
    email = _account(services)
    token = client.post(
        "/v3/user-session", json={"user": {"email": email, "password": PASSWORD}}
    ).json()["user"]["authtoken"]
    statuses = [
        strict_client.get("/v3/user", headers={"authtoken": token}).status_code for _ in range(6)
    ]
    assert statuses == [200] * 5 + [429]


def test_editor_pages_count_against_the_management_limit(
    strict: tuple[Services, TestClient],
) -> None:
    from tests.conftest import Api
    from tests.web.conftest import UI

    services, client = strict
    ui = UI(client, Api(client, _account(services)))
    assert ui.login().status_code == 303
    statuses = [ui.http.get("/app/").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
