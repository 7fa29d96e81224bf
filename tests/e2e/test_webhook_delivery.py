"""Webhook delivery between real `veneer serve` processes and real receivers on 127.0.0.1: nothing
is lost when a server is killed (-9) between commit and send, nor mid-send; two servers (two
workers each) never deliver one event twice; and a target that hangs slows no publish.

Each test runs on a database of its own: the session's in-process app sends webhooks too, and
would send what a test means to find unsent."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import PASSWORD, _database, free_port, start_server, stop_server
from tests.receiver import receiving, wait_for
from veneer.passwords import Passwords
from veneer.services.context import Services
from veneer.settings import Settings
from veneer.store import open_store
from veneer.store.migrate import upgrade

pytestmark = [pytest.mark.slow, pytest.mark.e2e]
PUBLISH = {"entry": {"environments": ["production"], "locales": ["en-us"]}, "locale": "en-us"}
FAST = {"VENEER_MANAGEMENT_RATE_LIMIT": "0", "VENEER_WEBHOOK_INTERVAL": "0.1"}


@pytest.fixture
def fresh(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    """The services of a new database of the session's kind (dropped after the test)."""
    backend = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    with contextmanager(_database)(backend, tmp_path_factory) as url:
        store = open_store(url)
        upgrade(store)
        try:
            yield Services(store, Settings(database_url=url), Passwords.cheap())
        finally:
            store.dispose()


class Servers:
    """`veneer serve` processes on one database, all stopped at the end."""

    def __init__(self, services: Services, logs: Path) -> None:
        self.url = services.settings.database_url
        self.logs = logs
        self.running: list[subprocess.Popen[bytes]] = []
        self.clients: list[httpx.Client] = []

    def start(self, **env: str) -> tuple[subprocess.Popen[bytes], str]:
        port = free_port()
        process = start_server(self.url, port, self.logs / f"{port}.log", **{**FAST, **env})
        self.running.append(process)
        return process, f"http://127.0.0.1:{port}/v3"

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        os.killpg(process.pid, signal.SIGKILL)  # the server and its workers, mid-whatever
        process.wait(10)

    def client(self, base: str, headers: Any = None) -> httpx.Client:
        made = httpx.Client(base_url=base, headers=headers, timeout=30)
        self.clients.append(made)
        return made

    def stop(self) -> None:
        for client in self.clients:
            client.close()
        for process in self.running:
            if process.poll() is None:
                stop_server(process)


@pytest.fixture
def servers(fresh: Services, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    made = Servers(fresh, tmp_path_factory.mktemp("webhooks"))
    try:
        yield made
    finally:
        made.stop()


def editor(servers: Servers, base: str, services: Services) -> httpx.Client:
    """A logged-in user with a stack holding `production` and the `doc` content type."""
    from veneer.services import users

    email = f"hooks-{secrets.token_hex(5)}@example.com"
    users.create_user(services, email, PASSWORD)
    http = servers.client(base)
    login = http.post("/user-session", json={"user": {"email": email, "password": PASSWORD}})
    http.headers["authtoken"] = login.json()["user"]["authtoken"]
    stack = http.post("/stacks", json={"stack": {"name": "hooks"}}).json()["stack"]
    http.headers["api_key"] = stack["api_key"]
    http.post("/environments", json={"environment": {"name": "production"}})
    schema = [{"display_name": "Title", "uid": "title", "data_type": "text", "mandatory": True}]
    http.post(
        "/content_types", json={"content_type": {"title": "Doc", "uid": "doc", "schema": schema}}
    )
    return http


def on(servers: Servers, http: httpx.Client, base: str) -> httpx.Client:
    """The same editor, through another server."""
    return servers.client(base, http.headers)


def hook(http: httpx.Client, url: str, channel: str) -> dict[str, Any]:
    body = {"webhook": {"name": "h", "destinations": [{"target_url": url}], "channels": [channel]}}
    made = http.post("/webhooks", json=body)
    assert made.status_code == 201, made.text
    return made.json()["webhook"]  # type: ignore[no-any-return]


def publish_new(http: httpx.Client, title: str) -> str:
    created = http.post("/content_types/doc/entries", json={"entry": {"title": title}})
    assert created.status_code == 201, created.text
    uid = str(created.json()["entry"]["uid"])
    published = http.post(f"/content_types/doc/entries/{uid}/publish", json=PUBLISH)
    assert published.status_code == 200, published.text
    return uid


def states(http: httpx.Client, webhook: str) -> list[dict[str, Any]]:
    found = http.get(f"/webhooks/{webhook}/executions", params={"limit": "100"})
    return found.json()["webhooks"]  # type: ignore[no-any-return]


def test_kill_minus_nine_between_commit_and_send_loses_nothing(
    fresh: Services, servers: Servers
) -> None:
    with receiving() as receiver:
        quiet, base = servers.start(VENEER_WEBHOOK_SENDERS="0")  # commits, never sends
        http = editor(servers, base, fresh)
        made = hook(http, receiver.url, "content_types.doc.entries.publish")
        published = {publish_new(http, f"Doc {n}") for n in range(8)}
        servers.kill(quiet)
        assert receiver.received == []  # committed, acknowledged, and not sent
        _, base = servers.start()
        wait_for(lambda: len(receiver.received) >= len(published), "every publish sent")
        sent = [body["data"]["entry"]["uid"] for body in receiver.bodies()]
        assert sorted(sent) == sorted(published)
        assert all(r.signed_by(made["secret"]) for r in receiver.received)


def test_a_send_cut_off_by_kill_minus_nine_is_sent_again(fresh: Services, servers: Servers) -> None:
    with receiving() as receiver:
        receiver.hold.set()  # the first request is received and never answered
        first, base = servers.start(VENEER_WEBHOOK_TIMEOUT="2")  # a lease of 4 s
        http = editor(servers, base, fresh)
        made = hook(http, receiver.url, "content_types.doc.entries.publish")
        uid = publish_new(http, "Cut off")
        wait_for(lambda: receiver.received, "the send under way")
        servers.kill(first)
        receiver.hold.clear()
        receiver.release.set()
        _, base = servers.start(VENEER_WEBHOOK_TIMEOUT="2")
        http = on(servers, http, base)
        [done] = wait_for(
            lambda: [e for e in states(http, made["uid"]) if e["state"] == "success"],
            "the delivery sent again once its lease ran out",
        )
    assert done["attempts"] == 2 and done["event_data"]["data"]["entry"]["uid"] == uid
    assert "stopped" in done["request_details"][0]["error"]
    assert done["request_details"][1]["response"]["statusCode"] == 200
    assert {r.headers["x-veneer-delivery"] for r in receiver.received} == {done["uid"]}


def test_two_servers_never_deliver_one_event_twice(fresh: Services, servers: Servers) -> None:
    with receiving() as receiver:
        _, one = servers.start(VENEER_WORKERS="2", VENEER_WEBHOOK_INTERVAL="0.02")
        _, two = servers.start(VENEER_WORKERS="2", VENEER_WEBHOOK_INTERVAL="0.02")
        first = editor(servers, one, fresh)
        clients = (first, on(servers, first, two))
        made = hook(first, receiver.url, "content_types.entries.create")
        created = []
        for n in range(60):
            response = clients[n % 2].post(
                "/content_types/doc/entries", json={"entry": {"title": f"D{n}"}}
            )
            assert response.status_code == 201, response.text
            created.append(response.json()["entry"]["uid"])
        executions = wait_for(
            lambda: (
                [e for e in states(first, made["uid"]) if e["state"] == "success"][59:]
                and states(first, made["uid"])
            ),
            "sixty deliveries recorded",
        )
        received = list(receiver.received)
    assert len(received) == 60
    assert len({r.headers["x-veneer-delivery"] for r in received}) == 60
    assert sorted(r.json["data"]["entry"]["uid"] for r in received) == sorted(created)
    assert {e["attempts"] for e in executions} == {1}


def test_a_hanging_target_slows_no_publish(fresh: Services, servers: Servers) -> None:
    with receiving() as hanging, receiving() as healthy:
        hanging.hold.set()
        _, base = servers.start(VENEER_WEBHOOK_SENDERS="4", VENEER_WEBHOOK_TIMEOUT="120")
        http = editor(servers, base, fresh)
        hook(http, hanging.url, "content_types.entries.publish")
        hook(http, healthy.url, "content_types.entries.publish")
        published = [publish_new(http, f"P{n}") for n in range(12)]
        # Every publish was acknowledged while the hanging target holds its requests unanswered.
        assert not hanging.release.is_set() and len(published) == 12
        wait_for(lambda: len(healthy.received) >= 12, "the healthy target's twelve publishes")
        # The hanging target holds two of the four senders (half the pool), never all of them.
        wait_for(lambda: len(hanging.received) == 2, "two sends held by the hanging target")
        assert hanging.answered == []
        assert sorted(b["data"]["entry"]["uid"] for b in healthy.bodies()) == sorted(published)


def test_the_python_management_sdk_drives_webhooks(fresh: Services, servers: Servers) -> None:
    import contentstack_management

    from veneer.services import users

    answers = {"status": 500}
    with receiving(lambda n: answers["status"]) as receiver:
        _, base = servers.start(VENEER_WEBHOOK_RETRY_BASE="0.01")
        host = base.removeprefix("http://").removesuffix("/v3")
        email = f"sdk-{secrets.token_hex(5)}@example.com"
        users.create_user(fresh, email, PASSWORD)
        sdk = contentstack_management.Client(host=host, scheme="http://", timeout=30)
        sdk.login(email, PASSWORD)
        api_key = sdk.stack().create(None, {"stack": {"name": "sdk"}}).json()["stack"]["api_key"]
        stack = sdk.stack(api_key)
        body = {
            "webhook": {
                "name": "Test",
                "destinations": [
                    {
                        "target_url": receiver.url,
                        "custom_header": [{"header_name": "Custom", "value": "testing"}],
                    }
                ],
                "notifiers": "dave.joe@gmail.com",
                "channels": ["content_types.create"],
                "branches": ["main"],
                "retry_policy": "manual",
                "disabled": False,
                "concise_payload": True,
            }
        }
        made = stack.webhooks().create(body)
        assert made.status_code == 201, made.text
        uid = made.json()["webhook"]["uid"]
        assert [w["uid"] for w in stack.webhooks().find().json()["webhooks"]] == [uid]
        body["webhook"]["disabled"] = True
        assert stack.webhooks(uid).update(body).json()["webhook"]["disabled"] is True
        body["webhook"]["disabled"] = False
        assert stack.webhooks(uid).update(body).json()["webhook"]["disabled"] is False
        schema = [{"display_name": "Title", "uid": "title", "data_type": "text"}]
        stack.content_types().create({"content_type": {"title": "A", "uid": "a", "schema": schema}})

        def executions() -> list[dict[str, Any]]:
            return stack.webhooks(uid).executions().json()["webhooks"]  # type: ignore[no-any-return]

        [failed] = wait_for(
            lambda: [e for e in executions() if e["state"] == "failed"], "five failed attempts"
        )
        answers["status"] = 200
        assert stack.webhooks().retry(failed["uid"]).status_code == 200
        wait_for(lambda: [e for e in executions() if e["state"] == "success"], "the retry")
        logs = stack.webhooks().logs(failed["uid"]).json()["webhooks"]
        assert (
            logs[0]["attempts"] == 6 and logs[0]["event_data"]["data"]["content_type"]["uid"] == "a"
        )
        assert {r.headers["custom"] for r in receiver.received} == {"testing"}
        assert stack.webhooks(uid).delete().status_code == 200
