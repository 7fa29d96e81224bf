"""When the database goes away or turns read-only, Veneer answers 503 with Retry-After in
Contentstack's shape (never a 500), `/-/health` and `/-/ready` say so, delivery goes on serving what
it cached, and everything works again once the database is back, without a restart.

SQLite: the database file is made read-only (immutable when the tests run as root, who may write
any file) and the app's connections are reopened, as after a restart or a pool recycle while it
was read-only. PostgreSQL: the app reaches the server through a TCP proxy on 127.0.0.1 that the test
stops (closing every connection) and starts again; the real server is never touched."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from sqlalchemy import text
from starlette.testclient import TestClient

from tests.api.test_delivery import make_site
from tests.conftest import free_port, new_user
from veneer.app import create_app
from veneer.services.context import Services
from veneer.store import open_store
from veneer.store.migrate import upgrade

ERROR_KEYS = {"error_message", "error_code", "errors"}


class Proxy:
    """A TCP proxy from a free port on 127.0.0.1 to `target`, stopped and started by the test."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self.sockets: set[socket.socket] = set()
        self.lock = threading.Lock()
        self.listener: socket.socket | None = None

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        """Refuse new connections and cut every open one, as a server that went down."""
        if self.listener is not None:
            with contextlib.suppress(OSError):
                self.listener.shutdown(socket.SHUT_RDWR)
            self.listener.close()
            self.listener = None
        with self.lock:
            for sock in self.sockets:
                _close(sock)
            self.sockets.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
                upstream = socket.create_connection(self.target)
            except OSError:
                if self.listener is not listener:
                    return
                continue
            with self.lock:
                self.sockets |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pump, args=(source, sink), daemon=True).start()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
    _close(source)
    _close(sink)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


def _read_only(path: Path, on: bool) -> None:
    """Make the file read-only for this process, or writable again."""
    if os.geteuid() == 0:  # root writes any file but an immutable one
        subprocess.run(["chattr", "+i" if on else "-i", str(path)], check=True)
    else:
        path.chmod(0o444 if on else 0o644)


class Faulty:
    """An app on its own connections to the test database, which `away()` takes away: on SQLite
    the file turns read-only and the app restarts (it opens its connections on a read-only file);
    on PostgreSQL the proxy between the app and the server stops."""

    def __init__(self, services: Services, tmp_path: Path) -> None:
        settings = services.settings
        self.proxy: Proxy | None = None
        self.path = tmp_path / "faulty.db"
        if services.store.dialect == "sqlite":
            url = f"sqlite:///{self.path}"
        else:
            self.proxy = Proxy(("127.0.0.1", 5432))
            self.proxy.start()
            url = settings.database_url.replace("127.0.0.1:5432", f"127.0.0.1:{self.proxy.port}")
            assert url != settings.database_url
        store = open_store(url)
        upgrade(store)
        self.services = Services(
            store=store,
            settings=dataclasses.replace(settings, database_url=url),
            passwords=services.passwords,
        )
        self.closing = contextlib.ExitStack()
        self.client = self._open()

    def _open(self) -> TestClient:
        app = create_app(self.services.settings, services=self.services)
        return self.closing.enter_context(TestClient(app, raise_server_exceptions=False))

    def _restart(self) -> None:
        """Stop the app (closing its database connections) and start a new one."""
        self.closing.close()
        self.services.store.dispose()
        self.client = self._open()

    @contextlib.contextmanager
    def away(self) -> Iterator[None]:
        if self.proxy is not None:
            self.proxy.stop()
        else:
            _read_only(self.path, True)
            self._restart()
        try:
            yield
        finally:
            self.back()

    def back(self) -> None:
        if self.proxy is not None:
            if self.proxy.listener is None:
                self.proxy.start()
        else:
            _read_only(self.path, False)

    def close(self) -> None:
        self.back()
        self.closing.close()
        if self.proxy is not None:
            self.proxy.stop()
        self.services.store.dispose()


@pytest.fixture
def faulty(services: Services, tmp_path: Path) -> Iterator[Faulty]:
    made = Faulty(services, tmp_path)
    try:
        yield made
    finally:
        made.close()


def _unavailable(response: httpx2.Response) -> dict[str, Any]:
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"].isdigit()
    body: dict[str, Any] = response.json()
    assert set(body) == ERROR_KEYS and body["error_code"] == 503
    return body


def test_the_database_away_is_a_503_and_comes_back_without_a_restart(faulty: Faulty) -> None:
    api = new_user(faulty.services, faulty.client)
    api.api_key = api.ok(
        api.post("/stacks", {"stack": {"name": "Faults", "master_locale": "en-us"}}), 201
    )["stack"]["api_key"]
    site = make_site(api)
    page = site.pages[1]["uid"]
    cached = site.get(f"/content_types/page/entries/{page}")
    assert cached.status_code == 200
    assert faulty.client.get("/-/health").json() == {"status": "ok", "database": "ok"}
    sqlite = faulty.services.store.dialect == "sqlite"

    with faulty.away():
        api.client = faulty.client  # on SQLite, the app restarted on the read-only file
        health = _unavailable(faulty.client.get("/-/health"))
        assert health["errors"] == {"database": ["is read-only." if sqlite else "is unreachable."]}
        _unavailable(faulty.client.get("/-/ready"))
        _unavailable(api.post("/content_types/page/entries", {"entry": {"title": "During"}}))
        _unavailable(api.put(f"/content_types/page/entries/{page}", {"entry": {"title": "D"}}))
        again = site.get(f"/content_types/page/entries/{page}")  # from the cache, or read
        assert again.status_code == 200 and again.content == cached.content
        # Management requests count against the rate limit, in the database: 503 as well.
        _unavailable(api.get("/content_types/page/entries"))
        other = site.get(f"/content_types/page/entries/{site.pages[2]['uid']}")
        if sqlite:  # read-only: delivery reads the database as before
            assert other.status_code == 200
        else:  # unreachable: what is not cached cannot be served
            _unavailable(other)

    assert faulty.client.get("/-/health").status_code == 200
    ready = faulty.client.get("/-/ready")
    assert ready.json() == {"status": "ok", "database": "ok", "migrations": "current"}
    api.ok(api.post("/content_types/page/entries", {"entry": {"title": "After"}}), 201)
    site.update("page", page, title="Changed after")
    site.publish("page", page)
    fresh = site.get(f"/content_types/page/entries/{page}")
    assert fresh.status_code == 200 and fresh.json()["entry"]["title"] == "Changed after"


def test_ready_says_when_the_migrations_are_behind(faulty: Faulty) -> None:
    engine = faulty.services.store.engine
    with engine.begin() as conn:
        head = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        conn.execute(text("UPDATE alembic_version SET version_num = '0004'"))
    try:
        body = _unavailable(faulty.client.get("/-/ready"))
        assert "0004" in body["errors"]["migrations"][0]
        assert faulty.client.get("/-/health").status_code == 200  # it can still serve
    finally:
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head})
    assert faulty.client.get("/-/ready").status_code == 200
