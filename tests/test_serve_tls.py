"""`veneer serve` speaks HTTPS itself with a certificate and key (issue 14, item 5): the
Contentstack CLI refuses plain http. A real server with a self-signed certificate made here by
`openssl`, as the README shows, on each database."""

from __future__ import annotations

import os
import secrets
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import PASSWORD, WEBHOOKS, free_port, stop_server
from veneer.services import users
from veneer.services.context import Services
from veneer.settings import ConfigError, Settings


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for localhost and 127.0.0.1, and its key: the README's openssl command."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "ec"),
            *("-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost"),
            *("-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def trusting(cert: Path) -> ssl.SSLContext:
    """A client context that trusts the self-signed certificate (and checks the host name)."""
    return ssl.create_default_context(cafile=str(cert))


def serve(database_url: str, *args: str, log: Path) -> subprocess.Popen[bytes]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("VENEER_")}
    environ.update(
        VENEER_DATABASE_URL=database_url,
        VENEER_WORKERS="1",
        VENEER_ADMIN_PASSWORD="admin-password-1",
        # Any process on the session's database may take its webhook deliveries (conftest).
        **{f"VENEER_{name.upper()}": str(value) for name, value in WEBHOOKS.items()},
    )
    return subprocess.Popen(
        [sys.executable, "-m", "veneer.cli", "serve", *args],
        env=environ,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_for(url: str, cert: Path, process: subprocess.Popen[bytes], log: Path) -> httpx.Response:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"veneer serve exited: {log.read_text()}")
        try:
            return httpx.get(url, verify=trusting(cert), timeout=2)
        except httpx.ConnectError:
            time.sleep(0.2)
    raise AssertionError(f"veneer serve did not answer over https: {log.read_text()}")


def test_serve_speaks_https_with_a_certificate(
    database_url: str, services: Services, tmp_path: Path
) -> None:
    cert, key = self_signed(tmp_path)
    port, log = free_port(), tmp_path / "server.log"
    process = serve(
        database_url,
        *("--port", str(port), "--ssl-certificate", str(cert), "--ssl-keyfile", str(key)),
        log=log,
    )
    try:
        health = wait_for(f"https://localhost:{port}/-/health", cert, process, log)
        assert health.status_code == 200
        email = f"tls-{secrets.token_hex(5)}@example.com"
        users.create_user(services, email, PASSWORD)
        login = httpx.post(
            f"https://localhost:{port}/v3/user-session",
            json={"user": {"email": email, "password": PASSWORD}},
            verify=trusting(cert),
            timeout=10,
        )
        assert login.status_code == 200 and login.json()["user"]["authtoken"]
        assert f"https://127.0.0.1:{port}" in log.read_text()
        with pytest.raises(httpx.TransportError):  # no plain http on a TLS port
            httpx.get(f"http://127.0.0.1:{port}/-/health", timeout=2)
    finally:
        stop_server(process)


@pytest.mark.parametrize(
    ("given", "complaint"),
    [
        ({"VENEER_SSL_CERTIFICATE": "CERT"}, "VENEER_SSL_KEYFILE is missing"),
        ({"VENEER_SSL_KEYFILE": "KEY"}, "VENEER_SSL_CERTIFICATE is missing"),
        (
            {"VENEER_SSL_CERTIFICATE": "CERT", "VENEER_SSL_KEYFILE": "nowhere.pem"},
            "VENEER_SSL_KEYFILE='nowhere.pem' is not a readable file",
        ),
    ],
)
def test_half_a_tls_setup_is_refused_loudly(
    tmp_path: Path, given: dict[str, str], complaint: str
) -> None:
    cert, key = self_signed(tmp_path)
    env = {name: {"CERT": str(cert), "KEY": str(key)}.get(v, v) for name, v in given.items()}
    with pytest.raises(ConfigError, match=complaint):
        Settings.from_env(env)
    assert Settings.from_env(
        {"VENEER_SSL_CERTIFICATE": str(cert), "VENEER_SSL_KEYFILE": str(key)}
    ).tls
