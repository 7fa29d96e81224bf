"""Scale benchmark (issue 11): the same requests against a stack of 1,000 and a stack of 1,000,000
published entries, on SQLite and on PostgreSQL.

    .venv/bin/python benchmarks/scale.py [--sizes 1000,1000000] [--databases sqlite,postgresql]
                                         [--runs 300] [--pg postgresql+psycopg://127.0.0.1:5432/]
                                         [--keep DIR] [--reuse URL]

For each database and size, in a fresh database: creates a stack (a category, an article type with
a unique title, a url, a number, a date, a reference, a group and ~1.5 KB of text; a variant group
of three variants), loads the articles through the bulk path (`veneer.services.bulk`), each
published to production in en-us, 10% of them with three published entry variants; prints the
load rate and the database size per entry; then starts `veneer serve` with the delivery cache off
(every read is cold) and measures, one request at a time from one client, p50 and p99 of:

- entry by uid, query by `url`, list of 100 newest (the default order), a range query on the
  number with sort and count (the range holds 50 entries at every size), the same with three
  variants named in `x-cs-variant-uid`, a CMA query by url, one CMA create + publish;
- informational, not a target: the count of a range holding 10% of the entries, which reads every
  match (O(matches), see docs/queries.md); an answer cut off at the server's request deadline
  (504) is counted and printed, with its time among the samples.

Then the server's memory (RSS of its processes) and, for each case, the ratio of the largest size
to the smallest. `--keep DIR` keeps the largest size's database (a million entries take most of
an hour to load); `--reuse URL` measures the stack such a run kept instead of building the
largest size of that database again (new tokens; its load rate is printed as 0). Targets: every
ratio <= 2; cold read p99 < 20 ms at 1M (the count < 100 ms); bulk load >= 5,000 entries/s;
create + publish <= 2x.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from delivery import free_port, start_veneer, stop  # benchmarks/delivery.py

ALIASES = "cs_personalize_0_0, cs_personalize_0_1, cs_personalize_0_2"  # the variants, by alias
VARIANT_SHARE = 10  # one article in VARIANT_SHARE has three published variants
RANGE = 50  # entries in the range query's range, at every size
TEXT = (
    "Veneer keeps a base entry and thin variant layers that store only what they change. "
    "Editors see, field by field, what is inherited and what a variant overrides. "
)

CATEGORY = {
    "content_type": {
        "title": "Category",
        "uid": "category",
        "schema": [
            {"display_name": "Title", "uid": "title", "data_type": "text", "mandatory": True}
        ],
    }
}
ARTICLE = {
    "content_type": {
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
            {"display_name": "Rank", "uid": "rank", "data_type": "number"},
            {"display_name": "Published on", "uid": "published_on", "data_type": "isodate"},
            {
                "display_name": "Body",
                "uid": "body",
                "data_type": "text",
                "field_metadata": {"multiline": True},
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
                    {"display_name": "Description", "uid": "description", "data_type": "text"},
                ],
            },
        ],
    }
}


def article(n: int, category: str) -> dict[str, Any]:
    """Article `n`: ~2 KB stored."""
    return {
        "title": f"Article {n}",
        "url": f"/articles/{n}",
        "rank": n,
        "published_on": f"20{10 + n % 16:02d}-{1 + n % 12:02d}-{1 + n % 28:02d}",
        "body": f"Article {n}. " + TEXT * 7,
        "category": [{"uid": category, "_content_type_uid": "category"}],
        "seo": {"meta_title": f"Article {n} | Veneer", "description": TEXT[:150]},
    }


def variant_changes(n: int, shown: int) -> dict[str, Any]:
    """Variant `shown` of article `n` changes the title and one field of its own."""
    own = [
        {"seo": {"meta_title": f"Article {n} for audience 0"}},
        {"body": f"Article {n}, told for audience 1."},
        {"url": f"/articles/{n}/audience-2"},
    ]
    return {"title": f"Article {n} for audience {shown}", **own[shown], "_variant": {}}


# -- building a stack ------------------------------------------------------------------------------
@dataclass
class Stack:
    api_key: str
    delivery_token: str
    management_token: str
    size: int
    uids: list[str]
    load_seconds: float
    variant_aliases: str


def build(database_url: str, size: int) -> Stack:
    """A fresh database with one stack of `size` published articles, loaded in bulk."""
    # Imported here: the benchmark's own process (the client) needs none of Veneer until now.
    from veneer.services import (
        bulk,
        content_types,
        entries,
        environments,
        publishing,
        stacks,
        users,
        variant_groups,
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
    key = stacks.create_stack(services, actor, {"name": "Scale", "master_locale": "en-us"})[
        "api_key"
    ]
    environments.create_environment(services, actor, key, {"name": "production"})
    content_types.create_content_type(services, actor, key, CATEGORY["content_type"])
    content_types.create_content_type(services, actor, key, ARTICLE["content_type"])
    target = {"entry": {"environments": ["production"], "locales": ["en-us"]}, "locale": "en-us"}
    category = entries.create_entry(
        services, actor, key, "category", {"entry": {"title": "Guides"}}
    )["uid"]
    publishing.publish(services, actor, key, "category", category, target)
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
    started = time.perf_counter()
    uids = bulk_load(bulk, services, actor, key, size, category, shown)
    load_seconds = time.perf_counter() - started
    delivery, management = make_tokens(services, actor, key)
    store.dispose()
    return Stack(key, delivery, management, size, uids, load_seconds, ALIASES)


def make_tokens(services: Any, actor: Any, key: str) -> tuple[str, str]:
    """A delivery token of production and a management token of the stack."""
    from veneer.services import tokens

    branch = {"module": "branch", "branches": ["main"], "acl": {"read": True}}
    delivery = tokens.create_token(
        services,
        actor,
        key,
        "delivery",
        {
            "name": "bench",
            "scope": [
                {"module": "environment", "environments": ["production"], "acl": {"read": True}},
                branch,
            ],
        },
    )["token"]
    management = tokens.create_token(
        services,
        actor,
        key,
        "management",
        {
            "name": "bench",
            "scope": [{"module": "content_type", "acl": {"read": True, "write": True}}, branch],
        },
    )["token"]
    return delivery, management


def reuse(database_url: str) -> Stack:
    """The stack an earlier run built in `database_url` (kept with `--keep`), with new tokens:
    its size and uids read back; nothing loaded (the load rate is unknown, printed as 0)."""
    from sqlalchemy import text

    from veneer.services.context import Actor, Services
    from veneer.settings import Settings
    from veneer.store import open_store

    store = open_store(database_url)
    services = Services(
        store=store, settings=Settings(database_url=database_url, admin_password="bench-password")
    )
    with store.engine.connect() as conn:
        key, owner = conn.execute(
            text("SELECT api_key, owner_uid FROM stacks WHERE name = 'Scale'")
        ).one()
        uids = [
            uid
            for (uid,) in conn.execute(
                text("SELECT uid FROM entries WHERE stack = :stack AND content_type = 'article'"),
                {"stack": key},
            )
        ]
    with store.read() as tx:
        user = tx.accounts.user(owner)
    delivery, management = make_tokens(services, Actor(kind="user", uid=owner, user=user), key)
    store.dispose()
    return Stack(key, delivery, management, len(uids), uids, 0.0, ALIASES)


def bulk_load(
    bulk: Any, services: Any, actor: Any, key: str, size: int, category: str, shown: list[str]
) -> list[str]:
    """`size` articles through the bulk path, published to production in en-us, one in
    VARIANT_SHARE with its three variants published too; the uids of the articles."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
    from sqlalchemy import text

    def items() -> Iterator[dict[str, Any]]:
        for n in range(size):
            item: dict[str, Any] = {"entry": article(n, category)}
            if n % VARIANT_SHARE == 0:
                item["variants"] = {
                    variant: {"entry": variant_changes(n, i)} for i, variant in enumerate(shown)
                }
            yield item

    load = bulk.Load("article", "en-us", ("production",))
    with Progress(
        TextColumn("loading"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,}"),
        TimeRemainingColumn(),
    ) as progress:
        task = progress.add_task("load", total=size)
        report = bulk.load_entries(
            services, actor, key, load, items(), lambda done: progress.advance(task, done)
        )
    if report.refused or report.loaded != size:
        sys.exit(f"the load refused {len(report.refused)}: {report.refused[:3]}")
    with services.store.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT uid FROM entries WHERE stack = :stack AND content_type = 'article'"),
            {"stack": key},
        )
        return [uid for (uid,) in rows]


# -- databases -------------------------------------------------------------------------------------
@contextmanager
def database(
    kind: str, pg: str, tmp: Path, size: int, keep: Path | None = None
) -> Iterator[tuple[str, Callable[[], int]]]:
    """(a fresh database's URL, a function that returns its size in bytes); dropped afterwards,
    unless `keep` (SQLite: the file is moved into that folder; PostgreSQL: left in place), for a
    later run's `--reuse`."""
    if kind == "sqlite":
        path = tmp / f"scale-{size}.db"
        yield (
            f"sqlite:///{path}",
            lambda: sum(p.stat().st_size for p in tmp.glob(f"scale-{size}.db*")),
        )
        for leftover in tmp.glob(f"scale-{size}.db*"):
            if keep is None:
                leftover.unlink()
            else:
                keep.mkdir(parents=True, exist_ok=True)
                leftover.rename(keep / leftover.name)
        if keep is not None:
            print(f"kept: --reuse sqlite:///{(keep / path.name).resolve()}", flush=True)
        return
    import psycopg

    name = f"veneer_scale_{os.getpid()}_{size}"
    admin = pg.replace("postgresql+psycopg://", "postgresql://") + "postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:

        def measure() -> int:
            with psycopg.connect(admin) as conn:
                row = conn.execute("SELECT pg_database_size(%s)", (name,)).fetchone()
                assert row is not None
                return int(row[0])

        yield pg + name, measure
    finally:
        if keep is None:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        else:
            print(f"kept: --reuse {pg}{name}", flush=True)


# -- measuring -------------------------------------------------------------------------------------
@dataclass
class Timings:
    samples: dict[str, list[float]] = field(default_factory=dict)
    cut_off: dict[str, int] = field(default_factory=dict)  # requests the server's deadline ended

    def add(self, case: str, ms: float) -> None:
        self.samples.setdefault(case, []).append(ms)

    def p(self, case: str, q: float) -> float:
        values = sorted(self.samples[case])
        return values[min(len(values) - 1, int(q * len(values)))]


def timed(client: httpx.Client, method: str, url: str, **kw: Any) -> tuple[float, httpx.Response]:
    began = time.perf_counter()
    response = client.request(method, url, **kw)
    ms = (time.perf_counter() - began) * 1000
    if response.status_code >= 300:
        sys.exit(f"{method} {url}: {response.status_code} {response.text[:500]}")
    return ms, response


def measure(base: str, stack: Stack, runs: int, rng: random.Random) -> Timings:
    timings = Timings()
    delivery = {"api_key": stack.api_key, "access_token": stack.delivery_token}
    cma = {"api_key": stack.api_key, "authorization": stack.management_token}
    env = {"environment": "production"}
    entries = f"{base}/v3/content_types/article/entries"
    n = stack.size
    with httpx.Client(timeout=30) as client:
        for _ in range(3):  # connections and per-process memos warm; the delivery cache is off
            timed(client, "GET", entries, params={**env, "limit": 1}, headers=delivery)
        for _ in range(runs):
            uid = rng.choice(stack.uids)
            ms, _ = timed(client, "GET", f"{entries}/{uid}", params=env, headers=delivery)
            timings.add("entry by uid", ms)
            url = f"/articles/{rng.randrange(n)}"
            query = {**env, "query": json.dumps({"url": url})}
            ms, r = timed(client, "GET", entries, params=query, headers=delivery)
            assert len(r.json()["entries"]) == 1, r.text[:300]
            timings.add("query by url", ms)
            ms, r = timed(client, "GET", entries, params={**env, "limit": 100}, headers=delivery)
            assert len(r.json()["entries"]) == 100
            timings.add("list of 100 newest", ms)
            low = rng.randrange(n - RANGE)
            ranged = {
                **env,
                "query": json.dumps({"rank": {"$gte": low, "$lt": low + RANGE}}),
                "desc": "rank",
                "include_count": "true",
                "limit": 10,
            }
            ms, r = timed(client, "GET", entries, params=ranged, headers=delivery)
            assert r.json()["count"] == RANGE, r.text[:300]
            timings.add("range + sort + count", ms)
            with_variants = {**delivery, "x-cs-variant-uid": stack.variant_aliases}
            ms, r = timed(client, "GET", entries, params=ranged, headers=with_variants)
            assert r.json()["count"] == RANGE
            timings.add("  the same, 3 variants", ms)
            cma_query = {"query": json.dumps({"url": f"/articles/{rng.randrange(n)}"})}
            ms, r = timed(client, "GET", entries, params=cma_query, headers=cma)
            assert len(r.json()["entries"]) == 1
            timings.add("CMA query by url", ms)
        wide = {
            **env,
            "query": json.dumps({"rank": {"$gte": n * 45 // 100, "$lt": n * 55 // 100}}),
            "include_count": "true",
            "limit": 1,
        }
        for _ in range(max(5, runs // 20)):
            # Informational: at a million entries this count can pass the server's request
            # deadline (VENEER_REQUEST_TIMEOUT); such an answer is counted, not fatal.
            began = time.perf_counter()
            r = client.get(entries, params=wide, headers=delivery)
            ms = (time.perf_counter() - began) * 1000
            timings.add("(info) count of a 10% range", ms)
            if r.status_code == 504 and r.json().get("error_code") == 504:  # RequestTimeout
                key = "(info) count of a 10% range"
                timings.cut_off[key] = timings.cut_off.get(key, 0) + 1
                continue
            if r.status_code != 200:
                sys.exit(f"GET {entries}: {r.status_code} {r.text[:500]}")
            assert r.json()["count"] == n * 55 // 100 - n * 45 // 100
        for i in range(max(20, runs // 5)):
            began = time.perf_counter()
            body = {"entry": {**article(n + i, "none"), "category": []}}
            _, r = timed(client, "POST", entries, json=body, headers=cma)
            uid = r.json()["entry"]["uid"]
            publish = {
                "entry": {"environments": ["production"], "locales": ["en-us"]},
                "locale": "en-us",
            }
            timed(client, "POST", f"{entries}/{uid}/publish", json=publish, headers=cma)
            timings.add("CMA create + publish", (time.perf_counter() - began) * 1000)
    return timings


def rss_bytes(pid: int) -> int:
    """The resident memory of a process and all its descendants."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo.extend(children.get(current, []))
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


# -- the run ---------------------------------------------------------------------------------------
@dataclass
class Run:
    kind: str
    size: int
    timings: Timings
    load_rate: float
    db_bytes: int
    rss: int


def one(kind: str, size: int, args: argparse.Namespace, tmp: Path, largest: bool) -> Run:
    if largest and args.reuse and kind_of(args.reuse) == kind:
        print(f"[{kind}] measuring the stack kept in {args.reuse} ...", flush=True)
        stack = reuse(args.reuse)
        return served(kind, args.reuse, stack, args, tmp, lambda: database_bytes(args.reuse))
    keep = Path(args.keep) if largest and args.keep else None
    with database(kind, args.pg, tmp, size, keep) as (url, db_size):
        print(f"[{kind} {size:,}] building ...", flush=True)
        stack = build(url, size)
        rate = size / stack.load_seconds
        print(f"[{kind} {size:,}] loaded {size:,} in {stack.load_seconds:.1f} s: {rate:,.0f}/s")
        return served(kind, url, stack, args, tmp, db_size)


def served(
    kind: str, url: str, stack: Stack, args: argparse.Namespace, tmp: Path, db_size: Any
) -> Run:
    """The requests measured through a server of `url`, cache off."""
    size = stack.size
    port = free_port()
    server = start_veneer(
        tmp, url, port, args.workers, f"serve-{kind}-{size}", VENEER_DELIVERY_CACHE="false"
    )
    try:
        timings = measure(f"http://127.0.0.1:{port}", stack, args.runs, random.Random(size))
        rss = rss_bytes(server.pid)
        for case in timings.samples:  # at once: the table comes when every size is done
            print(
                f"[{kind} {size:,}] {case.strip()}: p50 / p99 {timings.p(case, 0.5):.1f} / "
                f"{timings.p(case, 0.99):.1f} ms",
                flush=True,
            )
    finally:
        stop(server)
    rate = size / stack.load_seconds if stack.load_seconds else 0.0
    return Run(kind, size, timings, rate, db_size(), rss)


def kind_of(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


def database_bytes(url: str) -> int:
    """The size of the database at `url` (SQLite: its file, WAL included)."""
    if kind_of(url) == "sqlite":
        path = Path(url.removeprefix("sqlite:///"))
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    import psycopg

    libpq = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(libpq) as conn:
        row = conn.execute("SELECT pg_database_size(current_database())").fetchone()
        assert row is not None
        return int(row[0])


def report(runs: list[Run]) -> None:
    for kind in dict.fromkeys(run.kind for run in runs):
        mine = [run for run in runs if run.kind == kind]
        small, large = mine[0], mine[-1]
        print(f"\n{kind}: cold p50 / p99 in ms (one client, delivery cache off)\n")
        head = " | ".join(f"{run.size:,} p50 / p99" for run in mine)
        print(f"| case | {head} | ratio p50 / p99 |")
        print("|---|" + "---|" * len(mine) + "---|")
        for case in small.timings.samples:
            cells = " | ".join(
                f"{run.timings.p(case, 0.5):.1f} / {run.timings.p(case, 0.99):.1f}" for run in mine
            )
            ratio = (
                f"{large.timings.p(case, 0.5) / small.timings.p(case, 0.5):.2f} / "
                f"{large.timings.p(case, 0.99) / small.timings.p(case, 0.99):.2f}"
            )
            print(f"| {case} | {cells} | {ratio} |")
        for case in small.timings.samples:
            cut = [run.timings.cut_off.get(case, 0) for run in mine]
            if any(cut):
                counts = " | ".join(
                    f"{c} of {len(run.timings.samples[case])}" for c, run in zip(cut, mine)
                )
                print(f"| {case}: cut off at the request deadline | {counts} | |")
        for label, value in (
            ("bulk load, entries/s", lambda r: f"{r.load_rate:,.0f}"),
            ("database size per entry", lambda r: f"{r.db_bytes / r.size / 1024:,.1f} KiB"),
            ("database size", lambda r: f"{r.db_bytes / 2**20:,.0f} MiB"),
            ("server memory (RSS)", lambda r: f"{r.rss / 2**20:,.0f} MiB"),
        ):
            print(f"| {label} | " + " | ".join(value(run) for run in mine) + " | |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,1000000")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--pg", default="postgresql+psycopg://127.0.0.1:5432/")
    parser.add_argument(
        "--keep", default=None, help="keep the largest size's database (SQLite: in this folder)"
    )
    parser.add_argument(
        "--reuse",
        default=None,
        help="measure the stack a --keep run left at this URL instead "
        "of building the largest size of its database",
    )
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="veneer-scale-") as tmp:
        for kind in args.databases.split(","):  # each database's table as soon as it is done
            report([one(kind, size, args, Path(tmp), size == max(sizes)) for size in sizes])


if __name__ == "__main__":
    main()
