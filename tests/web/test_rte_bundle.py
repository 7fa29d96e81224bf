"""The rich text editor's bundle (src/veneer/web/static/rte.js) is committed so that installing
Veneer needs no Node.js; this checks that it is exactly what `scripts/build-editor` builds from
web-editor/ (its sources and the versions its package-lock.json pins)."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_committed_bundle_is_the_build_of_web_editor() -> None:
    done = subprocess.run(
        [str(ROOT / "scripts" / "build-editor"), "--check"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "matches web-editor/" in done.stdout
