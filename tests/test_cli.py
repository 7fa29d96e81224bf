"""The `veneer` command on a fresh database of each kind: owner bootstrap, migrate, demo, settings."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import BACKENDS, _drop_pg_database, _pg_database, free_port, stop_server
from tests.test_serve_tls import self_signed, serve, wait_for
from veneer.store import open_store
from veneer.store.migrate import head


@pytest.fixture(params=BACKENDS)
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh' / 'veneer.db'}"
        return
    name = f"veneer_cli_{secrets.token_hex(4)}"
    yield _pg_database(name)
    _drop_pg_database(name)


def veneer(url: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("VENEER_")}
    environ.update(VENEER_DATABASE_URL=url, COLUMNS="200", **env)
    return subprocess.run(  # noqa: PLW1510 -- the caller reads returncode
        [sys.executable, "-m", "veneer.cli", *args],
        capture_output=True,
        text=True,
        env=environ,
        timeout=120,
    )


def test_first_start_creates_the_owner_once_with_a_generated_password(fresh_url: str) -> None:
    first = veneer(fresh_url, "migrate", VENEER_ADMIN_EMAIL="owner@example.com")
    assert first.returncode == 0, first.stderr
    assert "Created the owner account owner@example.com" in first.stderr
    assert (
        "generated password (shown once)" in first.stderr
        and f"Database at revision {head()}" in first.stderr
    )
    second = veneer(fresh_url, "migrate", VENEER_ADMIN_EMAIL="owner@example.com")
    assert second.returncode == 0 and "Created the owner" not in second.stderr


def test_owner_password_from_the_environment_is_not_printed(fresh_url: str) -> None:
    done = veneer(fresh_url, "migrate", VENEER_ADMIN_PASSWORD="my-own-password-1")
    assert done.returncode == 0 and "generated password" not in done.stderr
    assert "my-own-password-1" not in done.stderr + done.stdout


def test_demo_prints_keys_and_a_curl(fresh_url: str, tmp_path: Path) -> None:
    done = veneer(fresh_url, "demo", "--port", "8123")
    assert done.returncode == 0, done.stderr
    for label in ("api_key: blt", "delivery_token: cs", "management_token: cs", "entry_uid: blt"):
        assert label in done.stderr
    assert (
        "curl -s -H 'api_key: blt" in done.stderr
        and "127.0.0.1:8123/v3/content_types/article/entries/" in done.stderr
    )
    # The demo stack shows entry variants: its first article speaks to two audiences.
    key = done.stderr.split("api_key: ")[1][:19]
    uid = done.stderr.split("entry_uid: ")[1][:19]
    store = open_store(fresh_url)
    try:
        with store.read() as tx:
            stored = tx.entry_variants.in_locale(key, uid, "en-us")
    finally:
        store.dispose()
    assert sorted(s["system"]["variant"] for s in stored) == ["developers", "marketers"]
    again = veneer(fresh_url, "demo")  # a second run keeps the stack and mints fresh tokens
    assert (
        again.returncode == 0
        and done.stderr.split("api_key: ")[1][:19] == again.stderr.split("api_key: ")[1][:19]
    )


def test_settings_table_and_bad_settings(fresh_url: str) -> None:
    table = veneer(fresh_url, "serve", "--help-settings")
    assert (
        table.returncode == 0
        and "VENEER_DATABASE_URL" in table.stdout
        and "VENEER_VARIANT_LIMIT" in table.stdout
    )
    bad = veneer(fresh_url, "migrate", VENEER_MAX_BODY_BYTES="lots")
    assert bad.returncode != 0 and "VENEER_MAX_BODY_BYTES='lots' is invalid" in bad.stderr


def test_the_demo_says_https_when_the_server_speaks_it(fresh_url: str, tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    port, log = free_port(), tmp_path / "server.log"
    process = serve(
        fresh_url,
        *("--port", str(port), "--ssl-certificate", str(cert), "--ssl-keyfile", str(key)),
        "--demo",
        log=log,
    )
    try:
        wait_for(f"https://localhost:{port}/-/health", cert, process, log)
        printed = log.read_text()
        assert f"'https://127.0.0.1:{port}/v3/content_types/article/entries/" in printed
        assert f"http://127.0.0.1:{port}/v3" not in printed
    finally:
        stop_server(process)
