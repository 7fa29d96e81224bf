"""The editor's pages run under the request deadline too: past it, a 504 page, then service again."""

from __future__ import annotations

from tests.api.test_request_timeout import Server, server  # noqa: F401 -- the fixture
from tests.conftest import Api
from tests.web.conftest import UI


def test_an_editor_page_past_the_limit_is_cut_off(api: Api, server: Server) -> None:  # noqa: F811
    ui = UI(server.client, api)
    assert ui.login().status_code == 303
    page = f"/app/stacks/{api.api_key}/"
    server.limit(1e-6)
    cut = ui.http.get(page)
    assert cut.status_code == 504 and "too long" in cut.text
    server.limit(10.0)
    assert ui.http.get(page).status_code == 200
