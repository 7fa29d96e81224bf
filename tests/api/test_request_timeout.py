"""Management requests run under the request deadline like delivery ones: past it, the database
cuts them off and the API answers 504 in Contentstack's shape; the server goes on serving."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from tests.api.test_delivery import assert_error
from tests.conftest import Api
from veneer.app import create_app
from veneer.services.context import Services

NOTE = {"content_type": {"title": "Note", "uid": "note", "schema": [{"uid": "title",
    "data_type": "text", "display_name": "Title", "mandatory": True, "unique": True}]}}  # fmt: skip


@dataclasses.dataclass
class Server:
    """An app over the test database whose request limit a test can change between requests."""

    client: TestClient
    services: Services

    def limit(self, seconds: float) -> None:
        self.services.settings = dataclasses.replace(
            self.services.settings, request_timeout=seconds
        )


@pytest.fixture
def server(services: Services) -> Iterator[Server]:
    own = dataclasses.replace(services)
    with TestClient(
        create_app(own.settings, services=own), raise_server_exceptions=False
    ) as client:
        yield Server(client, own)


def test_management_requests_past_the_limit_answer_504(api: Api, server: Server) -> None:
    api.ok(api.post("/content_types", NOTE), 201)
    uids = [
        api.ok(api.post("/content_types/note/entries", {"entry": {"title": f"Note {n}"}}), 201)[
            "entry"
        ]["uid"]
        for n in range(3)
    ]
    api.client = server.client
    server.limit(1e-6)
    query = json.dumps({"title": {"$regex": "^Note"}})
    for response in (
        api.get("/content_types/note/entries", params={"query": query, "include_count": "true"}),
        api.get(f"/content_types/note/entries/{uids[0]}"),
        api.get("/content_types"),
        api.post("/content_types/note/entries", {"entry": {"title": "Too late"}}),
        api.put(f"/content_types/note/entries/{uids[1]}", {"entry": {"title": "Changed"}}),
    ):
        body = assert_error(response, 504)
        assert body["error_code"] == 504 and "too long" in body["error_message"]
        assert "request" in body["errors"]
    server.limit(10.0)  # the same server serves again, and nothing of the cut-off writes was kept
    body = api.ok(api.get("/content_types/note/entries", params={"query": query}))
    assert sorted(entry["title"] for entry in body["entries"]) == ["Note 0", "Note 1", "Note 2"]
