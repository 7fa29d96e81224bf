"""Delivery benchmark: Veneer's Content Delivery API against nginx serving the same bytes.

    .venv/bin/python benchmarks/delivery.py [--duration 10] [--connections 64] [--threads 2]

In one run, in a fresh temporary directory: seeds a stack through the services into a new SQLite
database, starts `veneer serve` with its production settings (workers = cores) and nginx serving
the exact bytes Veneer returns for one entry as a static file, then measures each case with `wrk`
and prints requests/s, p50, p99 and each figure as a ratio to nginx static. The cold cases run on
a second server started with VENEER_DELIVERY_CACHE=false, after the first is stopped, so that the
two never share the CPU. Every entry also has three published entry variants, read with
`x-cs-variant-uid` naming all three (by alias, as Personalize does). Targets: base entry (issue 3)
warm >= 0.35x nginx, cold >= 0.15x, p99 < 20 ms; entry with 3 variants (issue 5) warm >= 0.30x,
cold >= 0.12x, p99 < 25 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

NGINX = "/usr/sbin/nginx"
WRK = "/usr/bin/wrk"
QUERY = {"reading_time": {"$gte": 100}, "featured": False}
VARIANTS = (
    "cs_personalize_0_0, cs_personalize_0_1, cs_personalize_0_2"  # aliases of the three variants
)

CATEGORY = {
    "title": "Category",
    "uid": "category",
    "schema": [
        {"display_name": "Title", "uid": "title", "data_type": "text", "mandatory": True},
    ],
}
ARTICLE = {
    "title": "Article",
    "uid": "article",
    "schema": [
        {
            "display_name": "Title",
            "uid": "title",
            "data_type": "text",
            "mandatory": True,
            "unique": True,
        },
        {"display_name": "URL", "uid": "url", "data_type": "text"},
        {
            "display_name": "Summary",
            "uid": "summary",
            "data_type": "text",
            "field_metadata": {"multiline": True},
        },
        {"display_name": "Reading time", "uid": "reading_time", "data_type": "number"},
        {"display_name": "Featured", "uid": "featured", "data_type": "boolean"},
        {"display_name": "Published on", "uid": "published_on", "data_type": "isodate"},
        {
            "display_name": "Body",
            "uid": "body",
            "data_type": "json",
            "field_metadata": {"allow_json_rte": True},
        },
        {
            "display_name": "Category",
            "uid": "category",
            "data_type": "reference",
            "reference_to": ["category"],
        },
        {
            "display_name": "SEO",
            "uid": "seo",
            "data_type": "group",
            "schema": [
                {"display_name": "Meta title", "uid": "meta_title", "data_type": "text"},
                {
                    "display_name": "Meta description",
                    "uid": "meta_description",
                    "data_type": "text",
                },
            ],
        },
        {
            "display_name": "Highlights",
            "uid": "highlights",
            "data_type": "group",
            "multiple": True,
            "schema": [
                {"display_name": "Heading", "uid": "heading", "data_type": "text"},
                {"display_name": "Detail", "uid": "detail", "data_type": "text"},
            ],
        },
    ],
}


@dataclass
class Result:
    name: str
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int


# -- seeding -------------------------------------------------------------------------------------
def _article(n: int, category: str) -> dict[str, Any]:
    text = f"Article {n} explains one idea of headless publishing in plain words. " * 6
    paragraphs = [
        {"type": "p", "uid": f"p{n}-{i}", "attrs": {}, "children": [{"text": text}]}
        for i in range(3)
    ]
    return {
        "entry": {
            "title": f"Article {n}",
            "url": f"/articles/{n}",
            "summary": text[:200],
            "reading_time": n,
            "featured": n % 7 == 0,
            "published_on": "2026-11-01",
            "body": {"type": "doc", "uid": f"doc{n}", "attrs": {}, "children": paragraphs},
            "category": [{"uid": category, "_content_type_uid": "category"}],
            "seo": {"meta_title": f"Article {n}", "meta_description": text[:150]},
            "highlights": [
                {"heading": "Fast", "detail": "Served from the cache."},
                {"heading": "Open", "detail": "Self-hosted."},
            ],
        }
    }


def _variant_changes(n: int, shown: int, highlight: str) -> dict[str, Any]:
    """What variant `shown` of article `n` changes: all three the title (the same path), and each
    one more field of its own (a group field, a top-level field, a group instance)."""
    own: list[dict[str, Any]] = [
        {"seo": {"meta_title": f"Article {n} for audience 0"}},
        {"summary": f"Article {n}, summarized for audience 1."},
        {
            "highlights": [
                {"detail": "Personalized, and still cached.", "_metadata": {"uid": highlight}}
            ]
        },
    ]
    return {"entry": {"title": f"Article {n} for audience {shown}", **own[shown], "_variant": {}}}


def _seed_variants(services: Any, actor: Any, key: str, uids: list[str]) -> None:
    from veneer.services import entries, entry_variants, publishing, variant_groups

    variant_groups.create_group(
        services,
        actor,
        key,
        {
            "name": "Audiences",
            "uid": "audiences",
            "content_types": ["article"],
            "personalize_metadata": {"experience_short_uid": "0"},
        },
    )
    shown = [
        variant_groups.create_variant(
            services,
            actor,
            key,
            {"name": f"Audience {i}", "personalize_metadata": {"variant_short_uid": str(i)}},
            "audiences",
        )["uid"]
        for i in range(3)
    ]
    for n, uid in enumerate(uids):
        highlight = entries.get_entry(services, actor, key, "article", uid)["highlights"][0][
            "_metadata"
        ]["uid"]
        for i, variant in enumerate(shown):
            entry_variants.upsert(
                services, actor, key, "article", uid, variant, _variant_changes(n, i, highlight)
            )
        publishing.publish(
            services,
            actor,
            key,
            "article",
            uid,
            {
                "entry": {
                    "environments": ["production"],
                    "locales": ["en-us"],
                    "variants": [{"uid": v} for v in shown],
                },
                "locale": "en-us",
            },
        )


def seed(database_url: str, count: int) -> dict[str, str]:
    from veneer.services import (
        content_types,
        entries,
        environments,
        publishing,
        stacks,
        tokens,
        users,
    )
    from veneer.services.context import Actor, Services
    from veneer.settings import Settings
    from veneer.store import open_store
    from veneer.store.migrate import upgrade

    store = open_store(database_url)
    upgrade(store)
    services = Services(
        store=store, settings=Settings(database_url=database_url, admin_password="bench-password")
    )
    users.bootstrap(services)
    owner = users.create_user(services, "bench@example.com", "bench-password")
    actor = Actor(kind="user", uid=owner["uid"], user=owner)
    key = stacks.create_stack(services, actor, {"name": "Bench", "master_locale": "en-us"})[
        "api_key"
    ]
    environments.create_environment(services, actor, key, {"name": "production"})
    content_types.create_content_type(services, actor, key, CATEGORY)
    content_types.create_content_type(services, actor, key, ARTICLE)
    target = {"entry": {"environments": ["production"], "locales": ["en-us"]}, "locale": "en-us"}
    category = entries.create_entry(
        services, actor, key, "category", {"entry": {"title": "Guides"}}
    )["uid"]
    publishing.publish(services, actor, key, "category", category, target)
    uids = []
    for n in range(count):
        uid = entries.create_entry(services, actor, key, "article", _article(n, category))["uid"]
        publishing.publish(services, actor, key, "article", uid, target)
        uids.append(uid)
    _seed_variants(services, actor, key, uids)
    token = tokens.create_token(
        services,
        actor,
        key,
        "delivery",
        {
            "name": "bench",
            "scope": [
                {"module": "environment", "environments": ["production"], "acl": {"read": True}},
                {"module": "branch", "branches": ["main"], "acl": {"read": True}},
            ],
        },
    )["token"]
    store.dispose()
    return {"api_key": key, "token": token, "entry": uids[len(uids) // 2]}


# -- processes -----------------------------------------------------------------------------------
def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"process exited early:\n{log.read_text()}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    sys.exit(f"{url} did not answer in 30 s:\n{log.read_text()}")


def start_veneer(
    tmp: Path, database_url: str, port: int, workers: int, name: str, **env: str
) -> subprocess.Popen[bytes]:
    log = tmp / f"{name}.log"
    environ = {
        **os.environ,
        "VENEER_DATABASE_URL": database_url,
        "VENEER_ADMIN_PASSWORD": "bench-password",
        "VENEER_WORKERS": str(workers),
        **env,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "veneer.cli", "serve", "--port", str(port)],
        env=environ,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    wait_for(f"http://127.0.0.1:{port}/-/health", process, log)
    return process


def start_nginx(tmp: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    conf = tmp / "nginx.conf"
    temp = tmp / "nginx-temp"
    temp.mkdir()
    conf.write_text(f"""
worker_processes {workers};
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    types {{ application/json json; }}
    server {{
        listen 127.0.0.1:{port};
        root {tmp}/static;
    }}
}}
""")
    log = tmp / "nginx.log"
    process = subprocess.Popen(
        [NGINX, "-p", str(tmp), "-e", str(tmp / "nginx-error.log"), "-c", str(conf)],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    wait_for(f"http://127.0.0.1:{port}/entry.json", process, log)
    return process


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# -- measuring -----------------------------------------------------------------------------------
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(number) * UNITS[unit]


def wrk(
    name: str,
    url: str,
    headers: dict[str, str],
    args: argparse.Namespace,
    duration: int | None = None,
    extra: list[str] | None = None,
) -> Result:
    """One wrk run; `extra`: more wrk arguments (a Lua script)."""
    command = [
        WRK,
        *(extra or []),
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{duration or args.duration}s",
        "--latency",
    ]
    for key, value in headers.items():
        command += ["-H", f"{key}: {value}"]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.MULTILINE).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    errors = (int(bad.group(1)) if bad else 0) + (sum(map(int, sockets.groups())) if sockets else 0)
    return Result(name, rate, p50, p99, errors)


def measure(name: str, url: str, headers: dict[str, str], args: argparse.Namespace) -> Result:
    check = httpx.get(url, headers=headers, timeout=10)
    if check.status_code != 200:
        sys.exit(f"{name}: {url} answered {check.status_code}: {check.text[:300]}")
    if "x-cs-variant-uid" in headers:
        entries = check.json().get("entries") or [check.json().get("entry")]
        if any(len(e["publish_details"]["variants"]) != 3 for e in entries):
            sys.exit(f"{name}: not every entry has its 3 variants applied")
    wrk(name, url, headers, args, duration=2)  # warm-up: every worker's cache, connections
    result = wrk(name, url, headers, args)
    print(
        f"  {name:<32} {result.requests_per_s:>10.0f} req/s  p50 {result.p50_ms:6.2f} ms  p99 {result.p99_ms:6.2f} ms",
        file=sys.stderr,
    )
    return result


def cases(base: str, info: dict[str, str], cold: bool) -> Iterator[tuple[str, str, dict[str, str]]]:
    suffix = "cold" if cold else "warm"
    entries = f"{base}/v3/content_types/article/entries"
    variants = {"x-cs-variant-uid": VARIANTS}
    yield f"one entry ({suffix})", f"{entries}/{info['entry']}?environment=production", {}
    yield f"list of 100 ({suffix})", f"{entries}?environment=production&limit=100", {}
    yield (
        f"query filter ({suffix})",
        f"{entries}?environment=production&query={quote(json.dumps(QUERY))}",
        {},
    )
    yield (
        f"one entry, 3 variants ({suffix})",
        f"{entries}/{info['entry']}?environment=production",
        variants,
    )
    yield (
        f"list of 100, 3 variants ({suffix})",
        f"{entries}?environment=production&limit=100",
        variants,
    )


# -- report --------------------------------------------------------------------------------------
# case -> (least ratio to nginx static, p99 ms below which)
TARGETS = {
    "one entry (warm)": (0.35, 20.0),
    "one entry (cold)": (0.15, 20.0),
    "one entry, 3 variants (warm)": (0.30, 25.0),
    "one entry, 3 variants (cold)": (0.12, 25.0),
}


def table(results: list[Result], nginx: Result, args: argparse.Namespace) -> str:
    load = ", ".join(f"{n:.2f}" for n in os.getloadavg())
    lines = [
        (
            f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s; {args.workers} Veneer workers, "
            f"{args.workers} nginx workers, {os.cpu_count()} cores; load average {load}"
        ),
        "",
        f"| {'case':<30} | {'req/s':>9} | {'p50 ms':>7} | {'p99 ms':>7} | {'x nginx':>7} | {'target':<22} |",
        f"|{'-' * 32}|{'-' * 11}|{'-' * 9}|{'-' * 9}|{'-' * 9}|{'-' * 24}|",
    ]
    for r in [nginx, *results]:
        ratio = r.requests_per_s / nginx.requests_per_s
        target = ""
        if r.name in TARGETS:
            least, p99 = TARGETS[r.name]
            met = ratio >= least and r.p99_ms < p99
            target = f">={least}x, p99<{p99:.0f}: {'met' if met else 'MISSED'}"
        if r.errors:
            target += f" {r.errors} errors!"
        lines.append(
            f"| {r.name:<30} | {r.requests_per_s:>9.0f} | {r.p50_ms:>7.2f} | {r.p99_ms:>7.2f} | "
            f"{ratio:>6.2f}x | {target:<22} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run (default 10)")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="server workers (default: cores)"
    )
    parser.add_argument(
        "--entries", type=int, default=150, help="published entries to seed (default 150)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    missing = [
        (path, package)
        for path, package in ((NGINX, "nginx"), (WRK, "wrk"))
        if not Path(path).exists()
    ]
    if missing:
        for path, package in missing:
            print(
                f"{path} is missing: install it with `sudo apt-get install {package}`",
                file=sys.stderr,
            )
        return 2

    tmp = Path(tempfile.mkdtemp(prefix="veneer-bench-"))
    tmp.chmod(0o755)  # nginx workers run as `nobody` when started by root
    database_url = f"sqlite:///{tmp / 'veneer.db'}"
    print(f"seeding {args.entries} entries in {tmp}", file=sys.stderr)
    info = seed(database_url, args.entries)
    headers = {"api_key": info["api_key"], "access_token": info["token"]}
    running: list[subprocess.Popen[bytes]] = []
    try:
        port = free_port()
        veneer = start_veneer(tmp, database_url, port, args.workers, "veneer-warm")
        running.append(veneer)
        entry_url = f"http://127.0.0.1:{port}/v3/content_types/article/entries/{info['entry']}?environment=production"
        (tmp / "static").mkdir()
        (tmp / "static" / "entry.json").write_bytes(httpx.get(entry_url, headers=headers).content)
        nginx_port = free_port()
        nginx = start_nginx(tmp, nginx_port, args.workers)
        running.append(nginx)
        print("measuring", file=sys.stderr)
        static = measure("nginx static", f"http://127.0.0.1:{nginx_port}/entry.json", {}, args)
        stop(nginx)
        results = [
            measure(name, url, {**headers, **extra}, args)
            for name, url, extra in cases(f"http://127.0.0.1:{port}", info, False)
        ]
        stop(veneer)
        cold_port = free_port()
        cold = start_veneer(
            tmp, database_url, cold_port, args.workers, "veneer-cold", VENEER_DELIVERY_CACHE="false"
        )
        running.append(cold)
        results += [
            measure(name, url, {**headers, **extra}, args)
            for name, url, extra in cases(f"http://127.0.0.1:{cold_port}", info, True)
        ]
    finally:
        for process in running:
            if process.poll() is None:
                stop(process)
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    print(table(results, static, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
