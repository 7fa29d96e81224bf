"""One webhook request (`webhook_sender.send`) against real sockets on 127.0.0.1: the whole
exchange is bounded by the timeout even when the target drips its answer a byte at a time, and a
redirect is an answer, not an instruction."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from veneer.services.webhook_sender import Outcome, send
from veneer.store.webhooks import Claimed


def claimed(url: str) -> Claimed:
    return Claimed(
        uid="bltdelivery",
        stack="bltstack",
        webhook="blthook",
        destination={"target_url": url, "custom_header": []},
        secret="s" * 32,
        body='{"event":"publish"}',
        attempts=1,
        round_attempts=1,
        log="[]",
    )


@contextmanager
def target(answer: bytes, drip: bool = False) -> Iterator[str]:
    """A one-connection server that reads the request and writes `answer`, whole or one byte
    at a time for as long as the test lasts."""
    done = threading.Event()
    server = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        conn, _ = server.accept()
        with conn:
            conn.recv(65536)
            if not drip:
                conn.sendall(answer)
                return
            for byte in answer:
                if done.wait(0.05):
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return
            done.wait()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}/hook"
    finally:
        done.set()
        server.close()
        thread.join(5)


SLOW = b"HTTP/1.1 200 OK\r\n" + b"X-Padding: " + b"x" * 10_000 + b"\r\n\r\n"


def test_a_target_that_drips_its_answer_is_cut_off_at_the_timeout() -> None:
    with target(SLOW, drip=True) as url:
        outcome = send(claimed(url), timeout=0.5)
    assert outcome == Outcome(0, "", "No answer within 0.5 seconds.")


def test_a_redirect_is_a_failed_attempt_not_followed() -> None:
    moved = (
        b"HTTP/1.1 302 Found\r\nLocation: http://elsewhere.example/\r\nContent-Length: 0\r\n\r\n"
    )
    with target(moved) as url:
        outcome = send(claimed(url), timeout=5)
    assert (outcome.status, outcome.ok) == (302, False)
