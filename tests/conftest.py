"""Shared fixtures: every test that touches storage runs once on SQLite and once on PostgreSQL.

Each test session gets its own SQLite file and its own PostgreSQL database (dropped at the end), and
each test makes its own account, organization and stack, so tests never see each other's data.
Under pytest-xdist each worker is a session of its own: its own databases, its own servers on free
ports. The end of this file says which tests share a worker, and which start first.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar, cast

import httpx
import httpx2
import psycopg
import pytest
from starlette.testclient import TestClient
from xdist.scheduler import LoadGroupScheduling  # type: ignore[import-untyped]

from veneer.app import create_app
from veneer.passwords import Passwords
from veneer.services.context import Services
from veneer.settings import Settings
from veneer.store import open_store
from veneer.store.migrate import upgrade

BACKENDS = [b for b in os.environ.get("VENEER_TEST_BACKENDS", "sqlite,postgresql").split(",") if b]
PG_SERVER = os.environ.get("VENEER_TEST_PG", "postgresql://postgres@127.0.0.1:5432")
PASSWORD = "correct horse battery"
# The branch item every token scope names (Contentstack refuses a scope without one on a stack
# with branches, and every Veneer stack has its branch `main`).
MAIN_BRANCH: dict[str, Any] = {"module": "branch", "branches": ["main"], "acl": {"read": True}}
T = TypeVar("T")


def _pg_database(name: str) -> str:
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{PG_SERVER}/{name}"


def _drop_pg_database(name: str) -> None:
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Made:
    """What the session made on each database (the database itself, the services, the app, a
    server), each made when first asked for and closed at the end of the session. pytest tears a
    parametrized session fixture down whenever the next test wants the other database, which is
    often once pytest-xdist shares the tests out; what is kept here is made once per database."""

    def __init__(self, closing: contextlib.ExitStack) -> None:
        self.closing = closing
        self.made: dict[tuple[str, str], object] = {}

    def once(self, kind: str, database: str, make: Callable[[], Iterator[T]]) -> T:
        """What `make` yields, made on the first call for (kind, database); the rest of `make` runs
        when the session ends."""
        if (kind, database) not in self.made:
            made = self.closing.enter_context(contextlib.contextmanager(make)())
            self.made[kind, database] = made
        return cast(T, self.made[kind, database])


@pytest.fixture(scope="session")
def made() -> Iterator[Made]:
    with contextlib.ExitStack() as closing:
        yield Made(closing)


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, made: Made, tmp_path_factory: pytest.TempPathFactory
) -> str:
    backend: str = request.param
    return made.once("database", backend, lambda: _database(backend, tmp_path_factory))


def _database(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a fresh database of the kind `backend`; a PostgreSQL one is dropped at the end."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'veneer.db'}"
        return
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"veneer_test_{worker}_{os.getpid()}_{secrets.token_hex(4)}"
    try:
        yield _pg_database(name)
    finally:
        _drop_pg_database(name)


# How every process on a test database sends webhooks: the session's app and each `veneer serve`
# started on that database alike (`start_server`), since any of them may take any delivery. Retries
# after 0.01, 0.05, 0.25, 1.25 s: tests/api/test_webhooks.py waits for them (a server with the
# production back-off, 5 s then 25 s, that took one retry made those tests time out). Targets the
# tests never answer (hooks.example.com: no internet here) free a sender within 3 s, so they cannot
# hold the pool other tests' deliveries wait for.
WEBHOOKS = {"webhook_retry_base": 0.01, "webhook_interval": 0.2, "webhook_timeout": 3.0}


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        database_url=database_url,
        admin_password="admin-password-1",
        scheduler_interval=0.2,
        **WEBHOOKS,
        files_dir=str(tmp_path_factory.mktemp("files")),
    )


@pytest.fixture(scope="session")
def services(made: Made, settings: Settings) -> Services:
    return made.once("services", settings.database_url, lambda: _services(settings))


def _services(settings: Settings) -> Iterator[Services]:
    store = open_store(settings.database_url)
    upgrade(store)
    try:
        # Cheap password hashing: tests/test_passwords.py keeps one check of the production cost.
        yield Services(store=store, settings=settings, passwords=Passwords.cheap())
    finally:
        store.dispose()


@pytest.fixture(scope="session")
def client(made: Made, services: Services) -> TestClient:
    return made.once("client", services.settings.database_url, lambda: _client(services))


def _client(services: Services) -> Iterator[TestClient]:
    app = create_app(services.settings, services=services)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


class Api:
    """A logged-in user with a stack of their own, speaking HTTP to the app."""

    def __init__(self, client: TestClient, email: str) -> None:
        self.client = client
        self.email = email
        self.authtoken = ""
        self.api_key = ""

    def headers(self, **extra: str) -> dict[str, str]:
        base = {"authtoken": self.authtoken, "api_key": self.api_key}
        return {k: v for k, v in {**base, **extra}.items() if v}

    def request(self, method: str, path: str, json: Any = None, **kwargs: Any) -> httpx2.Response:
        headers = {**self.headers(), **kwargs.pop("headers", {})}
        return self.client.request(method, "/v3" + path, json=json, headers=headers, **kwargs)

    def get(self, path: str, **kw: Any) -> httpx2.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, json: Any = None, **kw: Any) -> httpx2.Response:
        return self.request("POST", path, json, **kw)

    def put(self, path: str, json: Any = None, **kw: Any) -> httpx2.Response:
        return self.request("PUT", path, json, **kw)

    def delete(self, path: str, **kw: Any) -> httpx2.Response:
        return self.request("DELETE", path, **kw)

    def ok(self, response: httpx2.Response, status: int = 200) -> dict[str, Any]:
        assert response.status_code == status, response.text
        return response.json()  # type: ignore[no-any-return]


def new_user(services: Services, client: TestClient) -> Api:
    from veneer.services import users

    email = f"user-{secrets.token_hex(6)}@example.com"
    users.create_user(services, email, PASSWORD, "Test", "User")
    api = Api(client, email)
    body = api.ok(
        client.post("/v3/user-session", json={"user": {"email": email, "password": PASSWORD}})
    )
    api.authtoken = body["user"]["authtoken"]
    return api


@pytest.fixture
def user(services: Services, client: TestClient) -> Api:
    return new_user(services, client)


@pytest.fixture
def api(user: Api) -> Api:
    """A user with a fresh stack (master locale en-us) selected."""
    stack = user.ok(
        user.post("/stacks", {"stack": {"name": "Test stack", "master_locale": "en-us"}}), 201
    )["stack"]
    user.api_key = stack["api_key"]
    return user


# -- a real server process, for the official SDKs ------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(database_url: str, port: int, log: Path, **env: str) -> subprocess.Popen[bytes]:
    environ = {
        **os.environ,
        "VENEER_DATABASE_URL": database_url,
        "VENEER_WORKERS": "1",
        "VENEER_ADMIN_PASSWORD": "admin-password-1",
        **{f"VENEER_{name.upper()}": str(value) for name, value in WEBHOOKS.items()},
        **env,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "veneer.cli", "serve", "--port", str(port)],
        env=environ,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"veneer serve exited: {log.read_text()}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/-/health", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"veneer serve did not start: {log.read_text()}")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="session")
def server(
    made: Made, database_url: str, services: Services, tmp_path_factory: pytest.TempPathFactory
) -> str:
    """`host:port` of a `veneer serve` on the session's database (migrated by `services`)."""
    return made.once("server", database_url, lambda: _server(database_url, tmp_path_factory))


def _server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    process = start_server(database_url, port, tmp_path_factory.mktemp("server") / "server.log")
    try:
        yield f"127.0.0.1:{port}"
    finally:
        stop_server(process)


# -- sharing the suite out over pytest-xdist workers ---------------------------------------------
# `./scripts/test` runs `pytest -n auto` (and pyproject.toml adds `--dist loadgroup`): the tests of
# one group run on one worker, one after the other; any other test goes to whichever worker is free.
BURSTS = (
    "tests/e2e/test_concurrency.py",
    "tests/e2e/test_crash_safety.py",
    "tests/e2e/test_hostile_clients.py",
)


def group_of(nodeid: str) -> str | None:
    """The group of the test `nodeid`, or None when it may run next to anything."""
    path, _, name = nodeid.partition("::")
    if path in (
        "tests/web/test_browser.py",
        "tests/web/test_browser_trash.py",
        "tests/web/test_browser_references.py",
        "tests/web/test_browser_variant_tools.py",
        "tests/web/test_browser_drafts.py",
        "tests/web/test_browser_rich_text.py",
        "tests/web/test_browser_entry_list.py",
        "tests/e2e/test_delivery_sdk_browser.py",
    ):
        return "browser"  # one Chromium at a time: two starve each other's timed waits
    if path in BURSTS:
        return "bursts"  # timed bursts, stalled clients and kill -9: two at once starve each other
    if path.startswith("tests/e2e/"):
        # Module fixtures start servers, run the SDKs and build sites: once per database.
        return f"{path} {name.partition('[')[2]}"
    return None


class GroupScheduling(LoadGroupScheduling):  # type: ignore[misc]
    """`--dist loadgroup` with the groups of `group_of`, largest first. Not `xdist_group` marks:
    pytest-xdist 3.8 carries them to the scheduler by renaming node ids, which pytest 9.2 ignores,
    so the groups are silently lost (pytest-dev/pytest-xdist#1386)."""

    def _split_scope(self, nodeid: str) -> str:
        return group_of(nodeid) or nodeid


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> GroupScheduling | None:
    return GroupScheduling(config, log) if config.getvalue("dist") == "loadgroup" else None


@pytest.hookimpl(trylast=True)  # after pytest has ordered the tests by database
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On an xdist worker, the slow tests first: none is left running after the others are done."""
    if hasattr(config, "workerinput"):
        items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Lines that tests record with `record_property("summary", line)`; a worker's output is lost."""
    reports = [*terminalreporter.stats.get("passed", []), *terminalreporter.stats.get("failed", [])]
    for report in reports:
        for name, value in getattr(report, "user_properties", []):
            if name == "summary":
                terminalreporter.write_line(str(value))
