"""Operations on real `veneer serve` processes: graceful shutdown, metrics over two workers, log
lines, and `veneer backup` of a SQLite database that is being written to, then served."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import _drop_pg_database, _pg_database, free_port, start_server, stop_server

ADMIN = {"user": {"email": "admin@veneer.local", "password": "admin-password-1"}}
ARTICLE = {
    "content_type": {
        "title": "Article",
        "uid": "article",
        "schema": [
            {"display_name": "Title", "uid": "title", "data_type": "text", "mandatory": True}
        ],
    }
}


def _slow_login(port: int, sent_half: threading.Event, go_on: threading.Event) -> bytes:
    """A login whose body arrives in two halves, `go_on` apart; the raw answer."""
    body = json.dumps(ADMIN).encode()
    head = (
        f"POST /v3/user-session HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head + body[:10])
        sent_half.set()
        go_on.wait(30)
        sock.sendall(body[10:])
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def test_sigterm_lets_a_request_in_flight_finish(tmp_path: Path) -> None:
    port = free_port()
    process = start_server(f"sqlite:///{tmp_path / 'v.db'}", port, tmp_path / "server.log")
    sent_half, go_on = threading.Event(), threading.Event()
    answers: list[bytes] = []
    client = threading.Thread(target=lambda: answers.append(_slow_login(port, sent_half, go_on)))
    try:
        client.start()
        sent_half.wait(30)
        time.sleep(0.3)  # the worker has the request's head and waits for the rest of its body
        os.kill(process.pid, signal.SIGTERM)
        time.sleep(1.0)  # the server is shutting down now
        go_on.set()
        client.join(30)
        code = process.wait(30)
    finally:
        go_on.set()
        stop_server(process)
    assert answers[0].split(b"\r\n", 1)[0] == b"HTTP/1.1 200 OK"
    assert code == 0


def _login(base: str) -> str:
    reply = httpx.post(f"{base}/v3/user-session", json=ADMIN, timeout=30)
    token: str = reply.json()["user"]["authtoken"]
    return token


def _metric(text: str, prefix: str) -> dict[str, float]:
    """Each series starting with `prefix`, by its worker label."""
    found: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith(prefix):
            worker = line.split('worker="', 1)[1].split('"', 1)[0]
            found[worker] = found.get(worker, 0) + float(line.rsplit(" ", 1)[1])
    return found


def test_any_worker_reports_every_worker(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "server.log"
    process = start_server(f"sqlite:///{tmp_path / 'v.db'}", port, log, VENEER_WORKERS="2")
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=30) as http:
            for _ in range(40):  # on new connections: both workers get some
                httpx.get(f"{base}/-/version", timeout=30)
            time.sleep(1.5)  # each worker has left its numbers
            text = http.get("/-/metrics").text
    finally:
        stop_server(process)
    counted = _metric(text, 'veneer_requests_total{worker="')
    assert len(counted) == 2


def test_each_request_is_one_json_log_line_with_its_id(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "server.log"
    process = start_server(f"sqlite:///{tmp_path / 'v.db'}", port, log)
    try:
        httpx.get(f"http://127.0.0.1:{port}/-/version", headers={"X-Request-Id": "probe-42"})
    finally:
        stop_server(process)
    lines = [json.loads(line) for line in log.read_text().splitlines() if '"probe-42"' in line]
    assert [(x["request_id"], x["family"], x["status"]) for x in lines] == [
        ("probe-42", "system", 200)
    ]


# -- backups -------------------------------------------------------------------------------------
def _veneer(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "veneer.cli", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


class Writer(threading.Thread):
    """Creates entries one after the other until stopped."""

    def __init__(self, base: str, headers: dict[str, str]) -> None:
        super().__init__()
        self.http = httpx.Client(base_url=base, headers=headers, timeout=30)
        self.stop = threading.Event()
        self.made = 0

    def run(self) -> None:
        while not self.stop.is_set():
            body = {"entry": {"title": f"Entry {self.made}"}}
            reply = self.http.post("/v3/content_types/article/entries", json=body)
            assert reply.status_code == 201, reply.text
            self.made += 1


def _stack(base: str) -> dict[str, str]:
    headers = {"authtoken": _login(base)}
    stack = httpx.post(
        f"{base}/v3/stacks",
        json={"stack": {"name": "Backed up", "master_locale": "en-us"}},
        headers=headers,
        timeout=30,
    ).json()["stack"]
    headers["api_key"] = stack["api_key"]
    httpx.post(f"{base}/v3/content_types", json=ARTICLE, headers=headers, timeout=30)
    return headers


def _entries(base: str, headers: dict[str, str]) -> dict[str, Any]:
    """Every article of the stack, page by page: uid -> (title, version, updated_at)."""
    found: dict[str, Any] = {}
    while True:
        reply = httpx.get(
            f"{base}/v3/content_types/article/entries",
            params={"limit": 100, "skip": len(found)},
            headers=headers,
            timeout=30,
        )
        page = reply.json()["entries"]
        found.update({e["uid"]: (e["title"], e["_version"], e["updated_at"]) for e in page})
        if len(page) < 100:
            return found


def _upload(base: str, headers: dict[str, str], data: bytes) -> dict[str, Any]:
    reply = httpx.post(
        f"{base}/v3/assets",
        files={"asset[upload]": ("note.txt", data, "text/plain")},
        headers=headers,
        timeout=30,
    )
    assert reply.status_code == 201, reply.text
    asset: dict[str, Any] = reply.json()["asset"]
    return asset


def test_a_backup_taken_while_writing_serves_what_it_holds(tmp_path: Path) -> None:
    data = tmp_path / "live"
    url = f"sqlite:///{data / 'veneer.db'}"
    port = free_port()
    process = start_server(url, port, tmp_path / "live.log")
    base = f"http://127.0.0.1:{port}"
    try:
        headers = _stack(base)
        asset = _upload(base, headers, b"kept in the backup")
        writer = Writer(base, headers)
        writer.start()
        while writer.made < 5:
            time.sleep(0.05)
        done = _veneer("backup", str(tmp_path / "copy"), VENEER_DATABASE_URL=url)
        made_before_end = writer.made
        writer.stop.set()
        writer.join(30)
        original = _entries(base, headers)
    finally:
        stop_server(process)
    assert done.returncode == 0, done.stderr
    copy_url = f"sqlite:///{tmp_path / 'copy' / 'veneer.db'}"
    port = free_port()
    process = start_server(copy_url, port, tmp_path / "copy.log")
    base = f"http://127.0.0.1:{port}"
    try:
        restored = _entries(base, headers)
        file = httpx.get(asset["url"].replace(asset["url"].split("/v3/")[0], base), timeout=30)
    finally:
        stop_server(process)
    assert 5 <= len(restored) <= made_before_end + 1
    assert all(original[uid] == entry for uid, entry in restored.items())
    assert file.content == b"kept in the backup"


def test_a_second_backup_into_the_same_folder_copies_no_file_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'live' / 'veneer.db'}"
    port = free_port()
    process = start_server(url, port, tmp_path / "live.log")
    base = f"http://127.0.0.1:{port}"
    try:
        _upload(base, _stack(base), b"once")
        _veneer("backup", str(tmp_path / "copy"), VENEER_DATABASE_URL=url)
        again = _veneer("backup", str(tmp_path / "copy"), VENEER_DATABASE_URL=url)
    finally:
        stop_server(process)
    assert "0 copied, 1 already there" in again.stderr


def test_backup_of_postgresql_refuses_and_prints_the_pg_dump_recipe() -> None:
    done = _veneer("backup", "/nonexistent", VENEER_DATABASE_URL="postgresql://nobody@127.0.0.1/x")
    assert (done.returncode, "pg_dump --format=custom" in done.stderr) == (1, True)


def test_backup_of_a_missing_database_says_so(tmp_path: Path) -> None:
    done = _veneer("backup", str(tmp_path / "c"), VENEER_DATABASE_URL=f"sqlite:///{tmp_path}/no.db")
    assert (done.returncode, "there is no database" in done.stderr.lower()) == (1, True)


def test_the_documented_pg_dump_recipe_restores_a_served_database(tmp_path: Path) -> None:
    names = [f"veneer_dump_{os.getpid()}_{secrets.token_hex(4)}" for _ in range(2)]
    source, target = (_pg_database(name) for name in names)
    try:
        port = free_port()
        process = start_server(source, port, tmp_path / "live.log")
        base = f"http://127.0.0.1:{port}"
        try:
            headers = _stack(base)
            asset = _upload(base, headers, b"in the dump")
            for n in range(3):
                body = {"entry": {"title": f"Entry {n}"}}
                httpx.post(f"{base}/v3/content_types/article/entries", json=body, headers=headers)
            dump = tmp_path / "veneer.dump"
            subprocess.run(
                ["pg_dump", "--format=custom", f"--file={dump}", source], check=True, timeout=120
            )
            original = _entries(base, headers)
        finally:
            stop_server(process)
        subprocess.run(
            ["pg_restore", "--no-owner", f"--dbname={target}", str(dump)], check=True, timeout=120
        )
        port = free_port()
        process = start_server(target, port, tmp_path / "restored.log")
        base = f"http://127.0.0.1:{port}"
        try:
            restored = _entries(base, headers)
            file = httpx.get(asset["url"].replace(asset["url"].split("/v3/")[0], base), timeout=30)
        finally:
            stop_server(process)
    finally:
        for name in names:
            _drop_pg_database(name)
    assert (len(restored), restored == original) == (3, True)
    assert file.content == b"in the dump"


def test_the_server_entry_point_freezes_what_it_built(tmp_path: Path) -> None:
    """A worker's long-lived objects are out of the collector's reach, so that no request pays
    for a full collection walking them (docs/scale-audit.md)."""
    code = "import gc, veneer.asgi; print(gc.get_freeze_count())"
    env = {
        **os.environ,
        "VENEER_DATABASE_URL": f"sqlite:///{tmp_path / 'v.db'}",
        "VENEER_ADMIN_PASSWORD": "admin-password-1",
        "VENEER_FILES_DIR": str(tmp_path / "files"),
    }
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert int(done.stdout.strip()) > 10_000, done.stdout  # 0 without the freeze; ~90,000 with
