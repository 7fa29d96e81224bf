"""Entry variants driven by the official management SDKs against a real server: Python
`contentstack-management` 1.10.0 and 1.11.x, and JS `@contentstack/management`."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.e2e
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
OLD_SDK_PYTHON = ROOT / ".venv-cma110" / "bin" / "python"


def _account(services: Any) -> str:
    from veneer.services import users

    email = f"variants-{secrets.token_hex(5)}@example.com"
    users.create_user(services, email, PASSWORD)
    return email


def _run(command: list[str], cwd: Path = ROOT) -> dict[str, Any]:
    result = subprocess.run(  # noqa: PLW1510 -- the caller reads returncode
        command,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "NODE_NO_WARNINGS": "1"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _check_python(seen: dict[str, Any]) -> None:
    assert seen["link_message"] == "Variant Group and Variants updated successfully"
    assert seen["groups"] == ["colors"] and seen["variants"] == sorted(["red", seen["blue_uid"]])
    assert seen["by_uids"] == seen["variants"]
    assert seen["created_notice"] == "Entry variant created successfully."
    assert seen["created_change_set"] == ["color"] and seen["posted_change_set"] == ["title"]
    assert seen["updated"] == ["Entry variant updated successfully.", 2, ["title", "color"]]
    assert seen["fetched_color"] == "red"
    assert seen["listed"] == [2, sorted(["red", seen["blue_uid"]])]
    assert seen["versions"] == [2, 1] and seen["merged"] == ["Red lamp", "red"]
    assert seen["publish_notice"] == "The requested action has been performed."
    assert seen["published_versions"] == [2] and seen["after_unpublish"] == []
    assert seen["deleted_notice"] == "Entry variant deleted successfully."
    assert seen["unlink_message"] == "Variant Group and Variants updated successfully"
    assert (
        seen["after_unlink"] == []
        and seen["group_deleted"] == "Variant Group deleted successfully."
    )


def test_python_sdk_1_11(server: str, services: Any) -> None:
    seen = _run(
        [
            sys.executable,
            str(HERE / "scripts" / "cma_variants.py"),
            server,
            _account(services),
            PASSWORD,
        ]
    )
    _check_python(seen)


def test_python_sdk_1_10(server: str, services: Any) -> None:
    assert OLD_SDK_PYTHON.exists(), (
        "scripts/setup --test makes .venv-cma110 with contentstack-management 1.10.0"
    )
    version = subprocess.run(  # noqa: PLW1510 -- the caller reads returncode
        [
            str(OLD_SDK_PYTHON),
            "-c",
            "import importlib.metadata as m;print(m.version('contentstack-management'))",
        ],
        capture_output=True,
        text=True,
    )
    assert version.stdout.strip() == "1.10.0"
    seen = _run(
        [
            str(OLD_SDK_PYTHON),
            str(HERE / "scripts" / "cma_variants.py"),
            server,
            _account(services),
            PASSWORD,
        ]
    )
    _check_python(seen)


def test_js_management_sdk(server: str, services: Any) -> None:
    host, port = server.split(":")
    seen = _run(
        ["node", "cma_variants.mjs", host, port, _account(services), PASSWORD], cwd=HERE / "js"
    )
    assert seen["created"] == ["Entry variant created successfully.", ["title"]]
    assert seen["updated"] == ["Entry variant updated successfully.", 2]
    assert seen["fetched"] == {"title": "JS lamp 2", "uid": "red"}
    assert seen["listed"] == ["red"] and seen["versions"] == [2, 1]
    assert seen["merged_title"] == "JS lamp 2"
    assert seen["publish_notice"] == "The requested action has been performed."
    assert seen["deleted"].endswith("deleted successfully.")
    assert seen["groups"] == ["colors"] and seen["variants"] == ["red"]
    assert seen["by_uids"] == ["red"]
    assert seen["unknown_status"] in (404, 422)
    assert seen["listed_path"] == "/variant_groups/colors/variants/blue"
    assert seen["renamed"] == "Navy" and seen["variant_deleted"].endswith("deleted successfully.")
    assert seen["after_delete"] == ["red"] and seen["entry_count"] == 1
