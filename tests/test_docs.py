"""The documentation tells the truth about the code."""

from __future__ import annotations

import re
from pathlib import Path

from veneer.settings import SETTINGS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_every_setting_is_documented() -> None:
    documented = set(re.findall(r"`(VENEER_[A-Z_]+)`", README))
    assert {f"VENEER_{s.name.upper()}" for s in SETTINGS} <= documented


def test_quick_start_has_the_two_commands_ci_runs() -> None:
    ci = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text()
    assert "./scripts/serve" in README and "./scripts/test" in README
    assert "./scripts/test" in ci
