"""A real HTTP receiver for webhook tests: a threaded `http.server` on 127.0.0.1 that records each
request (headers, exact body bytes) and answers what the test says, or hangs until released."""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]  # names lower-cased
    body: bytes

    @property
    def json(self) -> Any:
        return orjson.loads(self.body)

    def signed_by(self, secret: str) -> bool:
        """Whether the signature header is the HMAC-SHA256 of the body under `secret`."""
        expected = "sha256=" + hmac.new(secret.encode(), self.body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(self.headers.get("x-veneer-signature", ""), expected)


class Receiver:
    """`answer(n)` is the status of the n-th request (0-based). While `hold` is set, every request
    waits for `release` before it is answered (a target that hangs)."""

    def __init__(self, answer: Callable[[int], int] = lambda n: 200) -> None:
        self.answer = answer
        self.received: list[Received] = []
        self.answered: list[int] = []  # statuses actually written back, in order
        self.lock = threading.Lock()
        self.hold = threading.Event()
        self.release = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                size = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(size)
                headers = {k.lower(): v for k, v in self.headers.items()}
                with receiver.lock:
                    number = len(receiver.received)
                    receiver.received.append(Received(self.path, headers, body))
                    status = receiver.answer(number)
                if receiver.hold.is_set():
                    receiver.release.wait(120)
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok" if status < 300 else b"no")
                with receiver.lock:
                    receiver.answered.append(status)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler

    def bodies(self) -> list[Any]:
        with self.lock:
            return [r.json for r in self.received]

    def of_event(self, event: str) -> list[Received]:
        with self.lock:
            return [r for r in self.received if r.json["event"] == event]


@contextmanager
def receiving(answer: Callable[[int], int] = lambda n: 200) -> Iterator[Receiver]:
    receiver = Receiver(answer)
    thread = threading.Thread(target=receiver.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.release.set()
        receiver.server.shutdown()
        receiver.server.server_close()


def wait_for(condition: Callable[[], Any], what: str, timeout: float = 60.0) -> Any:
    """Poll `condition` until it is truthy (returned), or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
