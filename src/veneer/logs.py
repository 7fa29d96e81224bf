"""Logs: one JSON object a line (the default), which log shippers parse without rules, or plain
text for a terminal (`VENEER_LOG_FORMAT=plain`).

Every record a request causes carries its request id (`observe.py` keeps it in a context variable,
which Starlette's thread pool copies), so an error's traceback is found from the id a client saw
in its `X-Request-Id` header. A traceback is one JSON string, never many lines.
"""

from __future__ import annotations

import logging
import os
import queue
import sys
import threading
import time
from contextvars import ContextVar
from typing import Any

import orjson

REQUEST_ID: ContextVar[str] = ContextVar("veneer_request_id", default="")
# Attributes every LogRecord has; anything else was passed in `extra=` and is logged as a field.
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        body: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = REQUEST_ID.get()
        if request_id:
            body["request_id"] = request_id
        body.update((k, v) for k, v in record.__dict__.items() if k not in _STANDARD)
        if record.exc_info:
            body["traceback"] = self.formatException(record.exc_info)
        return orjson.dumps(body, default=str).decode()


class PlainFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        extra = " ".join(f"{k}={v}" for k, v in record.__dict__.items() if k not in _STANDARD)
        request_id = REQUEST_ID.get()
        return " ".join(
            part for part in (text, extra, f"request_id={request_id}" * bool(request_id)) if part
        )


def configure(log_format: str) -> None:
    """Send the `veneer` loggers to stderr in `log_format` (json or plain), once per process."""
    logger = logging.getLogger("veneer")
    if any(getattr(h, "veneer", False) for h in logger.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.veneer = True  # type: ignore[attr-defined]
    handler.setFormatter(JsonFormatter() if log_format == "json" else PlainFormatter())
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


# request_id and family are tokens (observe.py); method and path are encoded as JSON strings.
_LINE = (
    b'{"time":"%s","level":"info","logger":"veneer.access","message":"request",'
    b'"request_id":"%s","method":%s,"family":"%s","path":%s,"status":%d,"duration_ms":%s}'
)


class AccessLog:
    """The per-request lines, kept off the `logging` machinery and off the event loop's thread:
    at tens of thousands of requests a second, a logging call with a write per line cost most of
    the fast path's throughput, and so did writes on the loop (a file write may wait for the disk).
    Lines go to a buffer handed to a writer thread when it holds 64 KiB, each second (the
    application's housekeeping task calls `flush`) and at shutdown (`close`): a line is at most a
    second late."""

    LIMIT = 64 * 1024

    def __init__(self, log_format: str, fd: int = 2) -> None:
        self.json = log_format == "json"
        self.fd = fd
        self.buffer = bytearray()
        self.queue: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self.writer = threading.Thread(target=self._write, name="veneer-access-log", daemon=True)
        self.writer.start()

    def request(
        self, method: str, family: str, path: str, status: int, ms: float, request_id: str
    ) -> None:
        if self.json:  # a template: half the time of a dict through orjson.dumps
            self.buffer += _LINE % (
                _now().encode(),
                request_id.encode(),
                orjson.dumps(method),
                family.encode(),
                orjson.dumps(path),
                status,
                repr(ms).encode(),
            )
        else:
            self.buffer += (
                f"{_now()} INFO veneer.access {method} {path} {status} {ms}ms "
                f"family={family} request_id={request_id}"
            ).encode("utf-8", "replace")
        self.buffer += b"\n"
        if len(self.buffer) >= self.LIMIT:
            self.flush()

    def flush(self) -> None:
        """Hand what is buffered to the writer thread."""
        if self.buffer:
            self.queue.put(bytes(self.buffer))
            self.buffer = bytearray()

    def close(self) -> None:
        """Write out everything, then stop the writer thread."""
        self.flush()
        self.queue.put(None)
        self.writer.join(5)

    def _write(self) -> None:
        while (data := self.queue.get()) is not None:
            while data:
                data = data[os.write(self.fd, data) :]


_second = (0, "")


def _now() -> str:
    """The time in ISO 8601, UTC, to the millisecond; the seconds part made once a second."""
    global _second
    now = time.time()
    whole = int(now)
    if whole != _second[0]:
        _second = (whole, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)))
    return f"{_second[1]}.{int((now - whole) * 1000):03d}Z"
