"""Put on PYTHONPATH of a `python -m veneer.cli import` run by a test: with
`VENEER_TEST_KILL_AT_RECORD=N`, the process kills itself (SIGKILL, as `kill -9`) when the import
records its progress for the Nth time, inside that transaction, before it commits: a kill at a
point of the import that the test chooses (tests/ops/test_csdx_import.py)."""

from __future__ import annotations

import os
import signal
from typing import Any

AT = int(os.environ.get("VENEER_TEST_KILL_AT_RECORD") or 0)

if AT:
    from veneer.transfer import load

    recorded = load.record
    calls = {"n": 0}

    def record_or_die(*args: Any) -> None:
        calls["n"] += 1
        if calls["n"] >= AT:
            os.kill(os.getpid(), signal.SIGKILL)
        recorded(*args)

    load.record = record_or_die
