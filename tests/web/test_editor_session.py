"""The editor's own session (issue 12, finding 17): its cookie is not the 14-day API authtoken, and
it is `Secure` behind a TLS proxy listed in `VENEER_TRUSTED_PROXIES`, and only then."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from tests.conftest import PASSWORD, Api
from tests.web.conftest import CSRF, UI
from veneer.app import create_app
from veneer.services.context import Services
from veneer.settings import ConfigError, Settings

PROXY, STRANGER = "10.1.2.3", "192.0.2.7"


def session_cookie(response: object) -> str:
    cookies = response.headers.get_list("set-cookie")  # type: ignore[attr-defined]
    return next(c for c in cookies if c.startswith("veneer_session="))


def login(http: TestClient, api: Api, **headers: str) -> str:
    page = http.get("/app/login", headers=headers)
    token = CSRF.search(page.text)
    assert token, page.text
    # A Secure cookie is not sent back over the test's plain http (the proxy ended TLS): send it.
    http.cookies.clear()
    response = http.post(
        "/app/login",
        data={"csrf": token.group(1), "email": api.email, "password": PASSWORD},
        headers={**headers, "cookie": f"veneer_login_csrf={token.group(1)}"},
    )
    assert response.status_code == 303, response.text
    return session_cookie(response)


@pytest.fixture
def proxied(services: Services) -> Iterator[dict[str, TestClient]]:
    """The app with 10.0.0.0/8 as its trusted proxies, reached from a proxy and from elsewhere."""
    settings = dataclasses.replace(services.settings, trusted_proxies="10.0.0.0/8, ::1")
    app = create_app(settings, services=dataclasses.replace(services, settings=settings))
    with (
        TestClient(app, client=(PROXY, 40000), follow_redirects=False) as proxy,
        TestClient(app, client=(STRANGER, 40000), follow_redirects=False) as stranger,
    ):
        yield {"proxy": proxy, "stranger": stranger}


def test_cookie_is_secure_behind_a_trusted_tls_proxy(
    proxied: dict[str, TestClient], api: Api
) -> None:
    cookie = login(proxied["proxy"], api, **{"x-forwarded-proto": "https"})
    assert "Secure" in cookie and "HttpOnly" in cookie


def test_forwarded_proto_of_anyone_else_is_ignored(
    proxied: dict[str, TestClient], api: Api, client: TestClient
) -> None:
    assert "Secure" not in login(proxied["stranger"], api, **{"x-forwarded-proto": "https"})
    assert "Secure" not in login(proxied["proxy"], api)  # a trusted proxy that says http
    # the default: no proxy is trusted
    plain = TestClient(client.app, follow_redirects=False)
    assert "Secure" not in login(plain, api, **{"x-forwarded-proto": "https"})


def test_editor_cookie_is_its_own_session(client: TestClient, api: Api, services: Services) -> None:
    ui = UI(client, api)
    cookie = session_cookie(ui.login())
    token = cookie.split(";")[0].split("=", 1)[1]
    hours = services.settings.editor_session_hours
    assert hours < services.settings.session_ttl_hours
    assert f"Max-Age={hours * 3600}" in cookie
    assert ui.http.get("/app/").status_code == 200
    assert api.get("/user", headers={"authtoken": token}).status_code == 401
    # and an API authtoken opens no editor
    stolen = TestClient(
        client.app, follow_redirects=False, cookies={"veneer_session": api.authtoken}
    )
    assert stolen.get("/app/").status_code == 303


def test_trusted_proxies_setting_is_checked() -> None:
    assert Settings.from_env({"VENEER_TRUSTED_PROXIES": "10.0.0.0/8,::1"}).proxy_networks
    with pytest.raises(ConfigError):
        Settings.from_env({"VENEER_TRUSTED_PROXIES": "proxy.example"})
