"""The official Contentstack CLI (`csdx`, installed from npm into tests/e2e/cli by
`scripts/setup --test`) driven against a real `veneer serve` over TLS.

The CLI needs https and a host name: its management client refuses IP addresses and `localhost`.
The server gets a self-signed certificate for `cms.localhost`, and `loopback.cjs`, preloaded into
Node, resolves every name to 127.0.0.1 (so the CLI's npm version check never leaves the machine
either). The CLI keeps its configuration and logins under `HOME`: each harness has its own."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import WEBHOOKS
from veneer.settings import Settings

CLI = Path(__file__).parent / "cli"
CSDX = CLI / "node_modules" / ".bin" / "csdx"
HOST = "cms.localhost"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for HOST, localhost and 127.0.0.1, and its key."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "ec"),
            *("-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", f"/CN={HOST}"),
            *("-addext", f"subjectAltName=DNS:{HOST},DNS:localhost,IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def serve(
    settings: Settings, port: int, cert: Path, key: Path, log: Path
) -> subprocess.Popen[bytes]:
    """`veneer serve` over https on `port`, on the test's database and files."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("VENEER_")}
    environ.update(
        VENEER_DATABASE_URL=settings.database_url,
        VENEER_FILES_DIR=settings.files_dir,
        VENEER_WORKERS="1",
        VENEER_ADMIN_PASSWORD="admin-password-1",
        # Any process on the session's database may take its webhook deliveries (conftest).
        **{f"VENEER_{name.upper()}": str(value) for name, value in WEBHOOKS.items()},
    )
    return subprocess.Popen(
        [
            *(sys.executable, "-m", "veneer.cli", "serve", "--port", str(port)),
            *("--ssl-certificate", str(cert), "--ssl-keyfile", str(key)),
        ],
        env=environ,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


VERSION_CHECK = "Failed to check the latest version"  # npm is out of reach (loopback.cjs)
# Contentstack cloud products that are not part of a stack, which the CLI asks their own services
# about: Marketplace apps (Developer Hub `/installations`) and Composable Studio (`/v1/projects`).
# Veneer has neither; their export sections report the 404 and go on.
CLOUD_MODULES = ("marketplace-apps", "composable-studio")
CLOUD_NOTES = (
    "No Studio project found in exported data",
    # Personalize's own attributes, audiences and events: Veneer's variants have none to export.
    "Attributes file not found",
    "Audiences file not found",
    "Events file not found",
)
MODULE = re.compile(r"Exporting module: '([^']+)'")


def complaints(output: str) -> list[str]:
    """The ERROR and WARN lines of a command's output, but for the version check's (and the line
    after it, which says why) and those of the cloud products above."""
    lines = output.splitlines()
    found, module = [], ""
    for n, line in enumerate(lines):
        if started := MODULE.search(line):
            module = started.group(1)
        if VERSION_CHECK in line or (n and VERSION_CHECK in lines[n - 1]):
            continue
        if module in CLOUD_MODULES or any(note in line for note in CLOUD_NOTES):
            continue
        if " ERROR: " in line or " WARN: " in line or line.startswith("API Error"):
            found.append(line)
    return found


class Csdx:
    """One CLI installation's state (HOME), pointed at a Veneer server as a custom region."""

    def __init__(self, home: Path, cert: Path, port: int) -> None:
        self.home = home
        self.port = port
        home.mkdir(parents=True, exist_ok=True)
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(home),
            "NODE_EXTRA_CA_CERTS": str(cert),
            "NODE_OPTIONS": f"--require {CLI / 'loopback.cjs'}",
            "NO_COLOR": "1",
            "FORCE_COLOR": "0",
        }

    @property
    def base(self) -> str:
        return f"https://{HOST}:{self.port}"

    def run(self, *args: str, timeout: float = 300) -> str:
        """Run a command; its output without colours. A non-zero exit fails the test with it."""
        done = subprocess.run(
            [str(CSDX), *args],
            check=False,
            env=self.env,
            cwd=self.home,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        output = ANSI.sub("", done.stdout + done.stderr)
        if done.returncode != 0:
            raise AssertionError(f"csdx {' '.join(args)} exited {done.returncode}:\n{output}")
        return output

    def configure(self, email: str, password: str, personalize: str | None = None) -> None:
        """Point the CLI at the server (a custom region) and log in as the user."""
        region = [
            *("config:set:region", "--cma", self.base, "--cda", self.base),
            *("--ui-host", self.base, "--name", "veneer"),
        ]
        if personalize is not None:
            region += ["--personalize", self.base + personalize]
        self.run(*region)
        self.run("auth:login", "-u", email, "-p", password)
