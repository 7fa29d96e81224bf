"""kill -9 in the middle of a burst of writes and publishes, then restart: nothing acknowledged is
lost, no publish is half applied, the database is sound, and scheduled jobs still run."""

from __future__ import annotations

import os
import secrets
import signal
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from tests.conftest import PASSWORD, free_port, start_server, stop_server
from veneer import ids

pytestmark = [pytest.mark.slow, pytest.mark.e2e]
PUBLISH = {
    "entry": {"environments": ["production"], "locales": ["en-us", "fr-fr"]},
    "locale": "en-us",
}


def _setup(base: str, services: Any) -> httpx.Client:
    from veneer.services import users

    email = f"crash-{secrets.token_hex(5)}@example.com"
    users.create_user(services, email, PASSWORD)
    http = httpx.Client(base_url=base + "/v3", timeout=30)
    http.headers["authtoken"] = http.post(
        "/user-session", json={"user": {"email": email, "password": PASSWORD}}
    ).json()["user"]["authtoken"]
    http.headers["api_key"] = http.post("/stacks", json={"stack": {"name": "crash"}}).json()[
        "stack"
    ]["api_key"]
    http.post("/locales", json={"locale": {"code": "fr-fr"}})
    http.post("/environments", json={"environment": {"name": "production"}})
    http.post(
        "/content_types",
        json={
            "content_type": {
                "title": "Doc",
                "uid": "doc",
                "schema": [
                    {
                        "display_name": "Title",
                        "uid": "title",
                        "data_type": "text",
                        "mandatory": True,
                    },
                    {"display_name": "N", "uid": "n", "data_type": "number"},
                ],
            }
        },
    )
    return http


def _burst(
    http: httpx.Client, acked: list[tuple[str, str, int, int]], stop: threading.Event, seed: int
) -> None:
    """Create entries, update and publish them until the server dies; record what was acknowledged."""
    n = 0
    while not stop.is_set():
        n += 1
        try:
            entry = http.post(
                "/content_types/doc/entries", json={"entry": {"title": f"w{seed}-{n}", "n": 0}}
            )
            if entry.status_code != 201:
                continue
            uid = entry.json()["entry"]["uid"]
            acked.append(("write", uid, 1, 0))
            for value in (1, 2):
                response = http.put(
                    f"/content_types/doc/entries/{uid}", json={"entry": {"n": value}}
                )
                if response.status_code == 200:
                    acked.append(("write", uid, response.json()["entry"]["_version"], value))
                if (
                    http.post(f"/content_types/doc/entries/{uid}/publish", json=PUBLISH).status_code
                    == 200
                ):
                    acked.append(("publish", uid, 0, 0))
        except httpx.HTTPError:
            return


def test_kill_minus_nine_loses_nothing_acknowledged(
    database_url: str, services: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    log = tmp_path_factory.mktemp("crash") / "server.log"
    port = free_port()
    server = start_server(
        database_url, port, log, VENEER_WORKERS="2", VENEER_MANAGEMENT_RATE_LIMIT="0"
    )
    http = _setup(f"http://127.0.0.1:{port}", services)
    uid = http.post(
        "/content_types/doc/entries", json={"entry": {"title": "scheduled", "n": 0}}
    ).json()["entry"]["uid"]
    when = ids.format_time(datetime.now(UTC) + timedelta(seconds=4))
    assert (
        http.post(
            f"/content_types/doc/entries/{uid}/publish", json={**PUBLISH, "scheduled_at": when}
        ).status_code
        == 200
    )

    acked: list[tuple[str, str, int, int]] = []
    stop = threading.Event()
    clients = [
        httpx.Client(base_url=http.base_url, headers=http.headers, timeout=30) for _ in range(4)
    ]
    threads = [
        threading.Thread(target=_burst, args=(c, acked, stop, i)) for i, c in enumerate(clients)
    ]
    for thread in threads:
        thread.start()
    time.sleep(2.5)
    os.killpg(server.pid, signal.SIGKILL)  # the whole process group: the server and its workers
    server.wait(10)
    stop.set()
    for thread in threads:
        thread.join(30)
    writes = [a for a in acked if a[0] == "write"]
    assert len(writes) > 10, "the burst should have written something before the kill"
    time.sleep(
        max(
            0.0,
            (datetime.fromisoformat(when) - datetime.now(UTC)).total_seconds(),
        )
    )

    restarted = start_server(database_url, port, log, VENEER_MANAGEMENT_RATE_LIMIT="0")
    try:
        _check_integrity(services)
        for _kind, entry, version, value in writes:
            doc = http.get(f"/content_types/doc/entries/{entry}", params={"version": version})
            assert doc.status_code == 200 and doc.json()["entry"]["n"] == value, doc.text
        for entry in {a[1] for a in acked if a[0] == "publish"} | {uid}:
            _assert_whole_publish(http, entry, must_exist=entry == uid)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not _published(http, uid):
            time.sleep(0.3)
        assert _published(http, uid), "the scheduled publish queued before the crash never ran"
    finally:
        stop_server(restarted)
        for client in clients:
            client.close()
        http.close()


def _published(http: httpx.Client, uid: str) -> list[dict[str, Any]]:
    entry = http.get(
        f"/content_types/doc/entries/{uid}", params={"include_publish_details": "true"}
    ).json()["entry"]
    return entry["publish_details"]  # type: ignore[no-any-return]


def _assert_whole_publish(http: httpx.Client, uid: str, must_exist: bool) -> None:
    details = _published(http, uid)
    if details or must_exist:
        assert (
            sorted(d["locale"] for d in details) == ["en-us", "fr-fr"]
            and len({d["version"] for d in details}) == 1
        )


def _check_integrity(services: Any) -> None:
    with services.store.engine.connect() as conn:
        if services.store.dialect == "sqlite":
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        orphans = conn.execute(
            text(
                "SELECT COUNT(*) FROM entries e WHERE NOT EXISTS (SELECT 1 FROM entry_versions v WHERE "
                "v.stack = e.stack AND v.uid = e.uid AND v.locale = e.locale AND v.version = e.version)"
            )
        ).scalar()
        assert orphans == 0
