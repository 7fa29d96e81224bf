"""Export and import rate and memory (issue 18 §2): `veneer export` and `veneer import` of a stack
of N ~2 KB articles between SQLite and PostgreSQL, both ways.

    PYTHONPATH=src .venv/bin/python benchmarks/export_import.py [--counts 10000 100000]
        [--variants 0.1] [--directions sqlite:postgresql postgresql:sqlite]
        [--pg postgresql://postgres@127.0.0.1:5432] [--small]

For each count and direction: a fresh source database gets a stack of N articles published to one
environment (a --variants fraction with three published entry variants), loaded through the bulk
path (`benchmarks/bulk.py`'s `make_stack` and `articles`); then `veneer export` and `veneer
import` run as processes of their own into a temporary folder and a fresh target database, and
each one's wall time and peak RSS (`wait4`) are printed, with entries/s and the export's size.
Rates are over each command's own time (its summary line), not the interpreter's start. Bulk
loaded entries have one version each.

`--small` loads articles holding only a title and a url (~0.1 KB; no variants): what a streaming
export and import keep in memory does not depend on an entry's size, and at 1,000,000 entries the
~2 KB articles would need ~35 GB per SQLite database and hours to build on this machine.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from bulk import articles, make_stack  # benchmarks/bulk.py (this script's folder is on sys.path)

from veneer.passwords import Passwords
from veneer.services import bulk
from veneer.services.context import Services
from veneer.settings import Settings
from veneer.store import open_store
from veneer.store.migrate import upgrade

SRC = Path(__file__).resolve().parent.parent / "src"
# Runs `veneer ARGS` and writes the process's peak RSS (VmHWM, of its own address space: a
# child's rusage would count what it inherited from this process) to the file $PEAK_RSS_FILE.
CHILD = """
import os, sys
from veneer.cli import main
try:
    main(sys.argv[1:], standalone_mode=False)
finally:
    status = open("/proc/self/status").read()
    peak = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM"))
    open(os.environ["PEAK_RSS_FILE"], "w").write(peak)
"""


@contextmanager
def database(kind: str, pg: str, folder: Path) -> Iterator[str]:
    """The URL of a fresh database of `kind` (a PostgreSQL one is dropped at the end)."""
    if kind == "sqlite":
        path = folder / f"{secrets.token_hex(4)}.db"
        try:
            yield f"sqlite:///{path}"
        finally:
            for stale in folder.glob(f"{path.name}*"):  # with its -wal and -shm
                stale.unlink()
        return
    name = f"veneer_transfer_bench_{secrets.token_hex(4)}"
    with psycopg.connect(f"{pg}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{pg}/{name}"
    finally:
        with psycopg.connect(f"{pg}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def small(items: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """The articles of `items` with only their title and url."""
    for item in items:
        yield {"entry": {"title": item["entry"]["title"], "url": item["entry"]["url"]}}


def load_source(url: str, files: Path, count: int, variants: float, tiny: bool) -> str:
    """A stack of `count` published articles in the database `url`; its api key."""
    store = open_store(url)
    upgrade(store)
    settings = Settings(database_url=url, files_dir=str(files))
    services = Services(store=store, settings=settings, passwords=Passwords.cheap())
    try:
        actor, key, _ = make_stack(services)
        request = bulk.Load("article", environments=("production",))
        items = small(articles(count)) if tiny else articles(count, variants)
        report = bulk.load_entries(services, actor, key, request, items)
        assert not report.refused, report.refused[:3]
    finally:
        store.dispose()
    return key


def veneer(args: list[str], url: str, files: Path) -> tuple[float, float]:
    """Run `veneer ARGS` on the database `url`: (seconds, peak RSS in MB)."""
    env = {
        **os.environ,
        "PYTHONPATH": str(SRC),
        "VENEER_DATABASE_URL": url,
        "VENEER_FILES_DIR": str(files),
        "VENEER_ADMIN_PASSWORD": "admin-password-1",
    }
    peak = files.parent / "peak-rss"
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", CHILD, *args],
        env={**env, "PEAK_RSS_FILE": str(peak)},
        stderr=subprocess.PIPE,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"veneer {' '.join(args)} failed: {done.stderr.decode()[-2000:]}")
    # The command's own time, from its summary line ("… in 12.3 s"): without the interpreter's
    # start and the migrations check, which every command pays once.
    own = re.search(rb" in ([\d,.]+) s", done.stderr)
    if own is not None:
        seconds = float(own.group(1).replace(b",", b""))
    return seconds, int(peak.read_text()) / 1024  # VmHWM is in kB


def size_mb(folder: Path) -> float:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file()) / 1e6


def run(count: int, source: str, targets: list[str], variants: float, pg: str, tiny: bool) -> None:
    """One source stack of `count` entries in a `source` database, exported once, then imported
    into a fresh database of each of `targets`."""
    with tempfile.TemporaryDirectory() as tmp, database(source, pg, Path(tmp)) as source_url:
        folder = Path(tmp)
        started = time.perf_counter()
        key = load_source(source_url, folder / "source-files", count, variants, tiny)
        rate = count / (time.perf_counter() - started)
        print(f"# {source} source of {count:,} loaded at {rate:,.0f} entries/s", flush=True)
        exported = folder / "export"
        out_s, out_rss = veneer(
            ["export", "--stack", key, str(exported)], source_url, folder / "source-files"
        )
        for target in targets:
            with database(target, pg, folder) as target_url:
                files = folder / f"target-files-{target}"
                veneer(["migrate"], target_url, files)  # makes the owner account
                in_s, in_rss = veneer(["import", str(exported)], target_url, files)
            print(
                f"| {source} → {target} | {count:,} | {count / out_s:,.0f} | {out_rss:,.0f} MB "
                f"| {count / in_s:,.0f} | {in_rss:,.0f} MB | {size_mb(exported):,.0f} MB |",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[10_000])
    parser.add_argument("--variants", type=float, default=0.1, help="fraction with 3 variants")
    parser.add_argument(
        "--directions", nargs="+", default=["sqlite:postgresql", "postgresql:sqlite"]
    )
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--small", action="store_true", help="title and url only, no variants")
    args = parser.parse_args()
    print(
        "| direction | entries | export entries/s | export peak RSS | import entries/s "
        "| import peak RSS | export size |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    targets: dict[str, list[str]] = {}  # source → its targets, in the order given
    for direction in args.directions:
        source, target = direction.split(":")
        targets.setdefault(source, []).append(target)
    for count in args.counts:
        for source, into in targets.items():
            run(count, source, into, args.variants, args.pg, args.small)


if __name__ == "__main__":
    main()
