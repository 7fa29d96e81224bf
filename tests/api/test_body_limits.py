"""A request body costs nothing until its sender is known, and bounded work after: the caller is
authenticated before a byte is read, a login reads at most 64 KiB, the structure of a body is
counted before it is parsed, large bodies parse off the event loop, and a body that is cut off is a
400 logged in one line."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import Api
from veneer.api import call
from veneer.app import create_app
from veneer.services.context import Services

ERROR_KEYS = {"error_message", "error_code", "errors"}
NESTED = b"[" + b"[[]]," * 200_000 + b"[]]"  # 1 MB of nested empty arrays: 400,000 arrays


def _asgi(
    app: Any, method: str, path: str, chunks: list[bytes], headers: dict[str, str]
) -> tuple[int, list[bytes], int]:
    """Send one request straight to the ASGI app: (status, body parts, how often it read)."""
    reads = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal reads
        reads += 1
        if reads <= len(chunks):
            return {"type": "http.request", "body": chunks[reads - 1], "more_body": True}
        return {"type": "http.disconnect"}  # the client went away before the end of its body

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "scheme": "http",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }
    asyncio.run(app(scope, receive, send))
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    return status, [m.get("body", b"") for m in sent if m["type"] == "http.response.body"], reads


@pytest.fixture
def app(services: Services) -> Any:
    return create_app(services.settings, services=services)


def test_an_anonymous_body_is_never_read(app: Any) -> None:
    status, body, reads = _asgi(
        app, "POST", "/v3/stacks", [NESTED], {"content-type": "application/json"}
    )
    assert status == 401 and b'"error_code":105' in b"".join(body)
    assert reads == 0


def test_a_body_cut_off_is_a_400_in_one_log_line(
    app: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        status, body, reads = _asgi(
            app,
            "POST",
            "/v3/user-session",
            [b'{"user": {"email": '],
            {"content-type": "application/json", "content-length": "500"},
        )
    assert status == 400 and b"cut off" in b"".join(body)
    assert reads == 2
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 1 and "cut off by the client" in lines[0], lines


def test_a_login_reads_at_most_64_kib(client: TestClient) -> None:
    padded = b'{"user": {"email": "a@example.com", "password": "' + b"x" * 70_000 + b'"}}'
    response = client.post(
        "/v3/user-session", content=padded, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413 and set(response.json()) == ERROR_KEYS


def test_too_many_arrays_are_refused_before_parsing(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed: list[int] = []
    real = call.orjson

    class Watched:
        JSONDecodeError = real.JSONDecodeError

        @staticmethod
        def loads(raw: bytes) -> Any:
            parsed.append(len(raw))
            return real.loads(raw)

    monkeypatch.setattr(call, "orjson", Watched)
    response = api.post("/stacks", content=NESTED, headers={"content-type": "application/json"})
    assert response.status_code == 413, response.text
    body = response.json()
    assert set(body) == ERROR_KEYS and "arrays" in body["errors"]["body"][0]
    assert parsed == []


def test_a_large_body_is_parsed_off_the_event_loop(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_loop: list[bool] = []
    parse = call.parse_json

    def watched(*args: Any) -> dict[str, Any]:
        try:
            asyncio.get_running_loop()
            on_loop.append(True)
        except RuntimeError:
            on_loop.append(False)
        return parse(*args)

    monkeypatch.setattr(call, "parse_json", watched)
    description = "x" * (call.INLINE_PARSE_BYTES + 10)
    response = api.post("/stacks", {"stack": {"name": "Big", "description": description}})
    assert response.status_code == 201, response.text
    small = api.post("/stacks", {"stack": {"name": "Small"}})
    assert small.status_code == 201, small.text
    assert on_loop == [False, True]  # the large one in a worker thread, the small one inline


def test_the_editor_login_form_reads_at_most_64_kib(client: TestClient) -> None:
    form = {"email": "a@example.com", "password": "x" * 70_000, "csrf": "x"}
    response = client.post("/app/login", data=form)
    assert response.status_code == 413 and "text/html" in response.headers["content-type"]
