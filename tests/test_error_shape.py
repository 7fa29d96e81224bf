"""Every error body has Contentstack's shape, whatever raised it (pinned here, once)."""

from __future__ import annotations

from typing import Any

import pytest

from veneer import errors


def _concrete() -> list[type[errors.VeneerError]]:
    found, queue = [], [errors.VeneerError]
    while queue:
        cls = queue.pop()
        found.append(cls)
        queue.extend(cls.__subclasses__())
    return [c for c in found if c is not errors.TooManyRequests and c.__module__ == "veneer.errors"]


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
