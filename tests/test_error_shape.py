"""Every error body has Contentstack's shape, whatever raised it, and the editor shows what the
API answers (pinned here, once). The class tree drawn in errors.py's docstring is the code's."""

from __future__ import annotations

import html
import logging
import re
from typing import Any

import orjson
import pytest
from starlette.exceptions import HTTPException
from starlette.testclient import TestClient

from tests.conftest import Api
from tests.web.conftest import UI
from tests.web.test_pages import PAGE, make_page
from veneer import errors
from veneer.api.responses import as_error, error_response
from veneer.services import content_types, entries, users

# One line of the drawn tree: its branch glyphs (4 characters a level), class, status, error_code.
TREE_LINE = re.compile(
    r"^    (?P<branch>[│├└─ ]*)(?P<name>[A-Z]\w+) +(?P<status>\d{3}) +(?P<code>\d+) "
)


def _classes() -> list[type[errors.VeneerError]]:
    """VeneerError and every subclass that errors.py defines."""
    found, queue = [], [errors.VeneerError]
    while queue:
        cls = queue.pop()
        found.append(cls)
        queue.extend(cls.__subclasses__())
    return [c for c in found if c.__module__ == "veneer.errors"]


def _concrete() -> list[type[errors.VeneerError]]:
    return [c for c in _classes() if c is not errors.TooManyRequests]


def _drawn_tree() -> dict[str, tuple[str | None, int, int]]:
    """{class: (parent, status, error_code)} as errors.py's docstring draws them."""
    drawn: dict[str, tuple[str | None, int, int]] = {}
    ancestors: list[str] = []
    for line in (errors.__doc__ or "").splitlines():
        match = TREE_LINE.match(line)
        if match is None:
            continue
        depth = len(match["branch"]) // 4
        del ancestors[depth:]
        parent = ancestors[-1] if ancestors else None
        drawn[match["name"]] = (parent, int(match["status"]), int(match["code"]))
        ancestors.append(match["name"])
    return drawn


def test_the_drawn_tree_is_the_class_tree() -> None:
    coded = {
        cls.__name__: (
            None if cls is errors.VeneerError else cls.__bases__[0].__name__,
            cls.status,
            cls.error_code,
        )
        for cls in _classes()
    }
    assert _drawn_tree() == coded


@pytest.mark.parametrize("cls", _concrete(), ids=lambda c: c.__name__)
def test_body_shape(cls: type[errors.VeneerError]) -> None:
    body = cls("message", {"field": ["is wrong."]}).body()
    assert body == {
        "error_message": "message",
        "error_code": cls.error_code,
        "errors": {"field": ["is wrong."]},
    }
    assert 400 <= cls.status <= 599


def test_too_many_requests_sets_retry_after() -> None:
    exc = errors.TooManyRequests(7)
    assert exc.status == 429 and exc.headers == {"Retry-After": "7"}


@pytest.mark.parametrize(
    "method,path,body,status",
    [
        ("GET", "/v3/unknown", None, 404),
        ("DELETE", "/v3/user", None, 405),
        ("POST", "/v3/user-session", b"[1, 2", 400),
        ("POST", "/v3/user-session", b"[]", 400),
        ("GET", "/v3/content_types", None, 401),
        ("GET", "/v3/stacks", None, 401),
    ],
)
def test_http_errors_are_contentstack_shaped(
    client: Any, method: str, path: str, body: bytes | None, status: int
) -> None:
    response = client.request(
        method, path, content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/json")
    assert set(response.json()) == {"error_message", "error_code", "errors"}


def test_body_over_cap_is_413(client: Any, services: Any) -> None:
    big = b'{"user": "' + b"x" * (services.settings.max_body_bytes + 1) + b'"}'
    response = client.post(
        "/v3/user-session", content=big, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413 and response.json()["error_code"] == 413


def test_too_deep_json_is_400(client: Any, services: Any) -> None:
    depth = services.settings.max_json_depth + 5
    body = ('{"a":' * depth + "1" + "}" * depth).encode()
    response = client.post(
        "/v3/user-session", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400 and "nests deeper" in response.json()["error_message"]


@pytest.mark.parametrize(
    "status,answer",
    [(404, errors.NotFound), (405, errors.MethodNotAllowed), (400, errors.VeneerError)],
)
def test_router_errors_resolve_to_veneer_errors(
    status: int, answer: type[errors.VeneerError]
) -> None:
    assert type(as_error(HTTPException(status))) is answer


def test_an_unexpected_error_is_a_logged_500(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="veneer"):
        response = error_response(RuntimeError("boom"))
    assert response.status_code == 500
    assert b"logged" in response.body and b"boom" not in response.body
    assert caplog.records[-1].exc_info is not None


# -- the editor shows what the API answers ----------------------------------------------------


@pytest.fixture
def editor(client: TestClient, api: Api) -> UI:
    session = UI(client, api)
    assert session.login().status_code == 303
    api.ok(api.post("/content_types", PAGE), 201)
    return session


def _shows(page: Any, status: int, message: str, errors: dict[str, list[str]]) -> None:
    """The editor's page carries the API's status, message and field errors."""
    text = html.unescape(page.text)
    assert page.status_code == status, text
    assert message in text
    assert all(m in text for messages in errors.values() for m in messages)


def test_a_refused_update_reads_the_same(editor: UI, api: Api) -> None:
    make_page(api, "Taken")
    entry = make_page(api, "Free")
    refused = api.put(f"/content_types/page/entries/{entry['uid']}", {"entry": {"title": "Taken"}})
    assert refused.status_code == 422
    path = f"{editor.entries('page')}/{entry['uid']}"
    form = editor.form(path)
    form.set("f.title", "Taken")
    body = refused.json()
    _shows(editor.post(path, form), 422, body["error_message"], body["errors"])


def test_a_stale_save_reads_the_same(editor: UI, api: Api, services: Any) -> None:
    entry = make_page(api, "Home")
    path = f"{editor.entries('page')}/{entry['uid']}"
    form = editor.form(path)
    api.ok(api.put(f"/content_types/page/entries/{entry['uid']}", {"entry": {"views": 1}}))
    actor = users.authenticate(services, api.authtoken)
    with pytest.raises(errors.StaleVersion) as stale:
        entries.update_entry(
            services, actor, api.api_key, "page", entry["uid"], {"entry": {}}, expected_version=1
        )
    answer = error_response(stale.value)
    body: dict[str, Any] = orjson.loads(bytes(answer.body))
    _shows(editor.post(path, form), answer.status_code, body["error_message"], body["errors"])


def test_an_unexpected_error_reads_the_same(
    editor: UI, api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(content_types, "list_content_types", broken)  # the editor's
    monkeypatch.setattr(content_types, "page_content_types", broken)  # the API's
    answer = api.get("/content_types")
    body = answer.json()
    page = editor.http.get(f"/app/stacks/{api.api_key}/")
    _shows(page, answer.status_code, body["error_message"], body["errors"])
    assert "boom" not in page.text
