"""A real `veneer serve` on 127.0.0.1 under hostile clients: connections that stall in their headers
or bodies, bodies cut off or malformed, huge anonymous bodies, and a worker killed with SIGKILL.
The server goes on answering `/-/health` throughout, answers each bad request with a clear 4xx, logs
each in at most one line, and replaces a dead worker. Counts and times are small and bounded."""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from tests.conftest import PASSWORD, free_port, start_server, stop_server
from veneer.services import users

pytestmark = [pytest.mark.slow, pytest.mark.e2e]
STALLED = 80  # connections per kind: together, more than the two workers serve at once
LOGIN = b"POST /v3/user-session HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"


@dataclass
class Server:
    process: Any
    port: int
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def lines(self) -> list[str]:
        return self.log.read_text(errors="replace").splitlines()


@pytest.fixture(scope="module")
def hostile(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server per database for the module: two workers, one-second header and body limits,
    and at most 64 connections per worker."""
    port = free_port()
    log = tmp_path_factory.mktemp("hostile") / "server.log"
    env = {
        "VENEER_WORKERS": "2",
        "VENEER_MANAGEMENT_RATE_LIMIT": "0",
        "VENEER_HEADER_TIMEOUT": "1",
        "VENEER_BODY_TIMEOUT": "1",
        "VENEER_MAX_CONNECTIONS": "64",
        # The log these tests count is the error log: one access line per request is by design.
        "VENEER_LOG_REQUESTS": "false",
    }
    process = start_server(database_url, port, log, **env)
    try:
        yield Server(process, port, log)
    finally:
        stop_server(process)


def connect(port: int, data: bytes) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(data)
    return sock


def answer(sock: socket.socket, deadline: float) -> bytes:
    """Everything the server sends until it closes the connection (or the deadline passes)."""
    received = b""
    with contextlib.suppress(OSError, ValueError):
        while True:
            sock.settimeout(max(0.01, deadline - time.monotonic()))
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
    sock.close()
    return received


def health_times(base: str, stop: threading.Event, times: list[float]) -> None:
    with httpx.Client(timeout=10) as http:
        while not stop.is_set():
            started = time.monotonic()
            response = http.get(base + "/-/health")
            times.append(time.monotonic() - started if response.status_code == 200 else 99.0)
            time.sleep(0.1)


@contextlib.contextmanager
def health_watched(base: str) -> Iterator[list[float]]:
    """The seconds each `/-/health` request took while the block ran (99 for an answer not 200)."""
    times: list[float] = []
    stop = threading.Event()
    watcher = threading.Thread(target=health_times, args=(base, stop, times))
    watcher.start()
    try:
        yield times
    finally:
        stop.set()
        watcher.join(30)


def test_stalled_clients_are_cut_off_and_health_keeps_answering(hostile: Server) -> None:
    """Connections that stop mid-headers are closed after `header_timeout`; those that stop
    mid-body get a 408 after `body_timeout`; each logs one line; health answers all along."""
    before = len(hostile.lines())
    with health_watched(hostile.base) as times:
        headers = [connect(hostile.port, LOGIN + b"Content-Le") for _ in range(STALLED)]
        bodies = [
            connect(hostile.port, LOGIN + b'Content-Length: 100\r\n\r\n{"user":')
            for _ in range(STALLED)
        ]
        started = time.monotonic()
        cut_headers = [answer(sock, started + 10) for sock in headers]
        cut_bodies = [answer(sock, started + 10) for sock in bodies]
        held = time.monotonic() - started
    assert held < 8, f"stalled connections were held {held:.1f}s"
    assert all(not reply or b" 408 " in reply for reply in cut_headers)
    assert all(reply.startswith(b"HTTP/1.1 408 ") for reply in cut_bodies), cut_bodies[0]
    body = orjson.loads(cut_bodies[0].split(b"\r\n\r\n", 1)[1])
    assert body["error_code"] == 408 and set(body) == {"error_message", "error_code", "errors"}
    assert len(times) >= 5 and max(times) < 4, times
    logged = hostile.lines()[before:]
    assert not any("Traceback" in line for line in logged)
    assert sum("request body" in line for line in logged) == STALLED
    assert len(logged) <= STALLED + 5


def test_clients_that_vanish_mid_body_log_one_line_each(hostile: Server) -> None:
    """Closing many half-sent requests at once neither stalls the server nor floods its log."""
    before = len(hostile.lines())
    with health_watched(hostile.base) as times:
        socks = [
            connect(hostile.port, LOGIN + b'Content-Length: 100\r\n\r\n{"user":')
            for _ in range(STALLED)
        ]
        time.sleep(0.5)
        for sock in socks:
            sock.close()
        time.sleep(1.5)
    assert len(times) >= 5 and max(times) < 2, times
    logged = hostile.lines()[before:]
    assert not any("Traceback" in line for line in logged)
    assert sum("cut off by the client" in line for line in logged) == STALLED
    assert len(logged) <= STALLED + 5


def test_a_malformed_chunk_is_a_400_in_one_log_line(hostile: Server) -> None:
    before = len(hostile.lines())
    reply = answer(
        connect(hostile.port, LOGIN + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"),
        time.monotonic() + 10,
    )
    assert reply.startswith(b"HTTP/1.1 400 "), reply
    body = orjson.loads(reply.split(b"\r\n\r\n", 1)[1])
    assert body["error_code"] == 400 and "cut off" in body["errors"]["body"][0]
    time.sleep(0.3)
    logged = hostile.lines()[before:]
    assert len(logged) == 1 and "cut off by the client" in logged[0], logged


def test_huge_anonymous_bodies_cost_nothing(hostile: Server) -> None:
    """Four anonymous 6 MB bodies of nested empty arrays: each a 401 at once (the body is never
    parsed), and health answers meanwhile."""
    nested = b"[" + b"[[]]," * 1_200_000 + b"[]]"
    statuses: list[int] = []

    def post(base: str) -> None:
        response = httpx.post(
            base + "/v3/stacks",
            content=nested,
            headers={"content-type": "application/json"},
            timeout=30,
        )
        statuses.append(response.status_code)

    with health_watched(hostile.base) as times:
        posts = [threading.Thread(target=post, args=(hostile.base,)) for _ in range(4)]
        for thread in posts:
            thread.start()
        for thread in posts:
            thread.join(60)
        time.sleep(0.5)
    assert statuses == [401] * 4
    assert len(times) >= 3 and max(times) < 3, times


def _workers(pid: int) -> set[int]:
    """The worker processes of the server `pid` (its children, read from /proc)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                stat = (entry / "stat").read_text()
                if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                    found.add(int(entry.name))
    return found


def _load(base: str, headers: dict[str, str], stop: threading.Event, seen: list[Any]) -> None:
    """Delivery and management reads, each on a new connection, until `stop`: (start, status)."""
    while not stop.is_set():
        started = time.monotonic()
        try:
            with httpx.Client(timeout=10) as http:
                status = http.get(base + "/v3/stacks", headers=headers).status_code
        except httpx.HTTPError:
            status = 0
        seen.append((started, status))


def test_a_killed_worker_is_replaced_and_nothing_after_is_lost(
    hostile: Server, services: Any
) -> None:
    email = f"kill-{secrets.token_hex(5)}@example.com"
    users.create_user(services, email, PASSWORD)
    login = httpx.post(
        hostile.base + "/v3/user-session", json={"user": {"email": email, "password": PASSWORD}}
    )
    headers = {"authtoken": login.json()["user"]["authtoken"]}
    deadline = time.monotonic() + 20
    while len(_workers(hostile.process.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    workers = _workers(hostile.process.pid)
    assert len(workers) == 2
    seen: list[tuple[float, int]] = []
    stop = threading.Event()
    load = [
        threading.Thread(target=_load, args=(hostile.base, headers, stop, seen)) for _ in range(3)
    ]
    for thread in load:
        thread.start()
    time.sleep(1.0)
    victim = min(workers)
    killed_at = time.monotonic()
    os.kill(victim, signal.SIGKILL)
    # The load goes on until a new worker has taken its place and 20 requests were sent after.
    deadline = time.monotonic() + 30
    replaced = _workers(hostile.process.pid)
    while time.monotonic() < deadline and (
        victim in replaced
        or len(replaced) < 2
        or sum(started > killed_at + 0.5 for started, _ in seen) < 20
    ):
        time.sleep(0.2)
        replaced = _workers(hostile.process.pid)
    stop.set()
    for thread in load:
        thread.join(30)
    assert hostile.process.poll() is None, "the server shut down"
    assert victim not in replaced and len(replaced) == 2
    later = [status for started, status in seen if started > killed_at + 0.5]
    assert len(later) >= 20 and set(later) == {200}, sorted(set(later))
    after = httpx.get(hostile.base + "/v3/stacks", headers=headers, timeout=10)
    assert after.status_code == 200
