"""The application's shutdown lets a scheduler pass under way finish (the server's side, a request
in flight finishing after SIGTERM, is tested on a real server in test_server.py)."""

from __future__ import annotations

import threading
import time

import pytest
from starlette.testclient import TestClient

from veneer.app import create_app
from veneer.services import publishing
from veneer.services.context import Services


def test_shutdown_waits_for_the_scheduled_jobs_being_run(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    started, finished = threading.Event(), threading.Event()

    def slow_pass(_services: Services) -> int:
        started.set()
        time.sleep(0.5)  # a publish job in progress
        finished.set()
        return 1

    monkeypatch.setattr(publishing, "run_due_jobs", slow_pass)
    with TestClient(create_app(services.settings, services=services)):
        assert started.wait(10)
    assert finished.is_set()
