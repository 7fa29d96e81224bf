"""Helpers for the editor tests: a cookie-keeping client that logs in through the login form."""

from __future__ import annotations

import re
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import PASSWORD, Api
from tests.web.formdata import MultiDict, serialize

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class UI:
    """One browser session against the app, without a browser: forms are posted as rendered."""

    def __init__(
        self,
        client: TestClient,
        api: Api,
        base_url: str = "http://testserver",
        address: tuple[str, int] = ("testclient", 50000),
    ) -> None:
        # `address`: where the browser connects from (login limits count per address).
        self.http = TestClient(
            client.app, base_url=base_url, follow_redirects=False, client=address
        )
        self.api = api

    def login(self, email: str | None = None, password: str = PASSWORD) -> Any:
        page = self.http.get("/app/login")
        token = CSRF.search(page.text)
        assert token, page.text
        return self.http.post(
            "/app/login",
            data={
                "csrf": token.group(1),
                "email": email or self.api.email,
                "password": password,
                "next": "/app/",
            },
        )

    def entries(self, ct: str) -> str:
        return f"/app/stacks/{self.api.api_key}/content-types/{ct}/entries"

    def form(self, path: str, form_id: str = "entry-form") -> MultiDict:
        page = self.http.get(path)
        assert page.status_code == 200, page.text
        return serialize(page.text, form_id)

    def post(self, path: str, form: MultiDict) -> Any:
        return self.http.post(
            path,
            content=_pairs(form),
            headers={"content-type": "application/x-www-form-urlencoded"},
        )


def _pairs(form: MultiDict) -> str:
    from urllib.parse import urlencode

    return urlencode(form.pairs)


@pytest.fixture
def ui(client: TestClient, api: Api) -> UI:
    session = UI(client, api)
    assert session.login().status_code == 303
    return session
