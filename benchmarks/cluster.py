"""Cluster benchmark: 1, 2 and 4 `veneer serve` nodes on one PostgreSQL database.

    PYTHONPATH=src .venv/bin/python benchmarks/cluster.py [--nodes 1,2,4] [--duration 3]

In one run: makes a fresh PostgreSQL database (VENEER_BENCH_PG, default
postgresql://postgres@127.0.0.1:5432; dropped at the end), seeds it as benchmarks/delivery.py does
(articles, each with three published entry variants), then for each node count starts that many
nodes (VENEER_WORKERS=1 each) and measures with `wrk`, spread over the nodes by a Lua script that
gives each wrk thread the address of one node in turn (a round-robin balancer with no process of its
own to share the cores with):

- delivery throughput and p99 of one entry, base and with 3 variants (`x-cs-variant-uid` naming all
  three), warm (the process caches full) and cold (the nodes restarted with
  VENEER_DELIVERY_CACHE=false: every request reads the database and builds the answer);
- a publish storm: `--storm-rate` publishes a second (update, then publish) for `--storm-seconds`
  through the first node, shared over `--storm-entries` entries with one publisher thread each (a
  publish takes longer than a tenth of a second on a busy 2-core machine, and one publisher per
  entry keeps each entry's publishes in commit order), while wrk (`--storm-connections`) reads one
  of them from every node. Every answer is checked against the entry's last publish acknowledged
  before the read was sent (older: a stale read; must be 0): those of one reader thread per node
  that reads the entries in turn without pause, and those of a probe that reads the entry on
  another node as soon as each publish is acknowledged. The propagation window: the probe's time
  from the acknowledgement to its answer (the publish held: nothing stale), and, from the readers,
  the time to the first answer on another node that holds it (an upper bound, as each reader
  returns to an entry only after reading the others; negative: served before the acknowledgement
  reached the publisher);
- once, the cost of the change-log lookup every delivery request makes (`newest_change()`, one
  indexed lookup on the primary), timed in-process, and the warm one-entry throughput of one node
  looking before every request (the default), at most every 0.1 s
  (VENEER_CHANGE_CHECK_INTERVAL=0.1) and never (switched off by a `sitecustomize` in the run's
  temporary directory, never in Veneer: such a node serves stale answers).

Then prints a table with the machine's load average. Every node, wrk and the readers share the
machine's cores: on a 2-core machine, 2 and 4 nodes measure contention, not scaling.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
from delivery import VARIANTS, WRK, Result, free_port, seed, start_veneer, stop, wrk

ENTRIES = "/content_types/article/entries"
PG = os.environ.get("VENEER_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
ROUND_ROBIN = """
local ports = {%s}
local turn = 0
function setup(thread)
  thread.addr = wrk.lookup("127.0.0.1", tostring(ports[turn %% #ports + 1]))[1]
  turn = turn + 1
end
"""
NO_CHECK = """
import os
if os.environ.get("BENCH_NO_CHANGE_CHECK") == "1":
    from veneer.api.delivery.follower import ChangeFollower
    ChangeFollower.sync = lambda self: None
"""


@contextmanager
def database() -> Iterator[str]:
    name = f"veneer_bench_cluster_{secrets.token_hex(4)}"
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG}/{name}"
    finally:
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Cluster:
    tmp: Path
    url: str
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    ports: list[int] = field(default_factory=list)

    def start(self, count: int, label: str, **env: str) -> None:
        for i in range(count):
            port = free_port()
            node = f"{label}-{count}-{i}"
            metrics = self.tmp / "metrics" / node
            metrics.mkdir(parents=True, exist_ok=True)
            self.processes.append(
                start_veneer(
                    self.tmp,
                    self.url,
                    port,
                    1,
                    node,
                    VENEER_METRICS_DIR=str(metrics),
                    VENEER_MANAGEMENT_RATE_LIMIT="0",
                    VENEER_WEBHOOK_SENDERS="0",
                    **env,
                )
            )
            self.ports.append(port)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                stop(process)
        self.processes, self.ports = [], []

    def base(self, i: int = 0) -> str:
        return f"http://127.0.0.1:{self.ports[i]}"


def spread(cluster: Cluster, args: argparse.Namespace) -> argparse.Namespace:
    """wrk's arguments for `cluster`: at least one thread per node, the round-robin script."""
    script = cluster.tmp / f"round-robin-{len(cluster.ports)}.lua"
    script.write_text(ROUND_ROBIN % ", ".join(map(str, cluster.ports)))
    threads = max(args.threads, len(cluster.ports))
    return argparse.Namespace(
        threads=threads, connections=max(args.connections, threads), duration=args.duration
    )


def load(
    cluster: Cluster, path: str, headers: dict[str, str], args: argparse.Namespace, name: str
) -> Result:
    """wrk on `path` across the cluster's nodes, after a one-second warm-up."""
    spread_args = spread(cluster, args)
    script = cluster.tmp / f"round-robin-{len(cluster.ports)}.lua"
    url = cluster.base() + path
    extra = ["-s", str(script)]
    wrk(name, url, headers, spread_args, duration=1, extra=extra)
    result = wrk(name, url, headers, spread_args, extra=extra)
    print(
        f"  {name:<40} {result.requests_per_s:>8.0f} req/s  p99 {result.p99_ms:7.2f} ms"
        f"{f'  {result.errors} errors' if result.errors else ''}",
        file=sys.stderr,
    )
    return result


# -- the publish storm -----------------------------------------------------------------------------
class Reader(threading.Thread):
    """Reads the stormed entries from one node in turn, without pause; records (entry, sent,
    received, value) and every stale answer: older than the entry's last publish acknowledged
    before the read was sent."""

    def __init__(self, base: str, headers: dict[str, str], storm: Storm) -> None:
        super().__init__(daemon=True)
        self.http = httpx.Client(base_url=base + "/v3", headers=headers, timeout=10)
        self.storm = storm
        self.seen: list[tuple[str, float, float, int]] = []
        self.stale = 0
        self.errors = 0

    def value(self, uid: str) -> int:
        got = self.http.get(f"{ENTRIES}/{uid}", params={"environment": "production"})
        return int(got.json()["entry"]["reading_time"])

    def run(self) -> None:
        turn = 0
        while not self.storm.over.is_set():
            uid = self.storm.entries[turn % len(self.storm.entries)]
            turn += 1
            expected = self.storm.acknowledged[uid]
            sent = time.monotonic()
            try:
                value = self.value(uid)
            except (httpx.HTTPError, KeyError, ValueError):
                self.errors += 1
                continue
            self.seen.append((uid, sent, time.monotonic(), value))
            if value < expected:
                self.stale += 1
        self.http.close()


@dataclass
class Storm:
    entries: list[str]
    acknowledged: dict[str, int] = field(default_factory=dict)  # entry -> last value published
    acks: dict[tuple[str, int], float] = field(default_factory=dict)  # -> when it returned
    over: threading.Event = field(default_factory=threading.Event)
    failed: int = 0
    rate: float = 0.0  # publishes acknowledged a second
    probes: list[float] = field(default_factory=list)  # ms from an ack to the probe's answer
    probe_misses: int = 0  # probes that got the document the publish replaced


def publisher(
    storm: Storm,
    uid: str,
    manage: httpx.Client,
    probe: Reader,
    every: float,
    count: int,
    started: float,
) -> None:
    """Updates and publishes one entry `count` times, one every `every` seconds, and reads it
    through `probe` (another node) as soon as each publish is acknowledged. Each entry has one
    publisher, so its publishes are acknowledged in the order they commit."""
    body = {"entry": {"environments": ["production"], "locales": ["en-us"]}, "locale": "en-us"}
    first = storm.acknowledged[uid]
    for k in range(1, count + 1):
        time.sleep(max(0.0, started + (k - 1) * every - time.monotonic()))
        value = first + k
        put = manage.put(f"{ENTRIES}/{uid}", json={"entry": {"reading_time": value}})
        done = manage.post(f"{ENTRIES}/{uid}/publish", json=body)
        if put.status_code != 200 or done.status_code != 200:
            storm.failed += 1
            continue
        acked = storm.acks[uid, value] = time.monotonic()
        storm.acknowledged[uid] = value
        try:
            served = probe.value(uid)
        except (httpx.HTTPError, KeyError, ValueError):
            continue
        storm.probes.append((time.monotonic() - acked) * 1000)
        storm.probe_misses += served < value


def stormed(cluster: Cluster, info: dict[str, str], count: int) -> list[str]:
    """`count` published articles."""
    listed = httpx.get(
        cluster.base() + "/v3" + ENTRIES,
        params={"environment": "production", "limit": str(count), "only[BASE][]": "uid"},
        headers={"api_key": info["api_key"], "access_token": info["token"]},
        timeout=10,
    )
    return [entry["uid"] for entry in listed.json()["entries"]]


def publish_storm(
    cluster: Cluster, info: dict[str, str], authtoken: str, args: argparse.Namespace
) -> tuple[Storm, list[Reader], Result]:
    """`--storm-rate` publishes a second for `--storm-seconds` through the first node, shared
    out over `--storm-entries` entries (one publisher thread each: a publish takes longer than
    a tenth of a second on a busy 2-core machine), with wrk and one checking reader per node."""
    delivery = {"api_key": info["api_key"], "access_token": info["token"]}
    storm = Storm(stormed(cluster, info, args.storm_entries))
    readers = [Reader(cluster.base(i), delivery, storm) for i in range(len(cluster.ports))]
    for uid in storm.entries:
        storm.acknowledged[uid] = readers[0].value(uid)  # what every node serves before
    for reader in readers:
        reader.start()
    spread_args = spread(cluster, args)
    spread_args.duration = args.storm_seconds
    spread_args.connections = max(args.storm_connections, spread_args.threads)
    during: list[Result] = []
    reading = threading.Thread(
        target=lambda: during.append(
            wrk(
                "storm",
                f"{cluster.base()}/v3{ENTRIES}/{storm.entries[0]}?environment=production",
                delivery,
                spread_args,
                extra=["-s", str(cluster.tmp / f"round-robin-{len(cluster.ports)}.lua")],
            )
        )
    )
    reading.start()
    headers = {"authtoken": authtoken, "api_key": info["api_key"]}
    clients = [
        httpx.Client(base_url=cluster.base(0) + "/v3", headers=headers, timeout=10)
        for _ in storm.entries
    ]
    each = int(args.storm_rate * args.storm_seconds) // len(storm.entries)
    every = len(storm.entries) / args.storm_rate
    started = time.monotonic()
    others = range(1, len(cluster.ports)) if len(cluster.ports) > 1 else range(1)
    probes = [
        Reader(cluster.base(others[i % len(others)]), delivery, storm)
        for i in range(len(storm.entries))
    ]
    publishers = [
        threading.Thread(
            target=publisher,
            args=(
                storm,
                uid,
                client,
                probes[i],
                every,
                each,
                started + i * every / len(storm.entries),
            ),
        )
        for i, (uid, client) in enumerate(zip(storm.entries, clients, strict=True))
    ]
    for thread in publishers:
        thread.start()
    for thread in publishers:
        thread.join()
    storm.rate = len(storm.acks) / (time.monotonic() - started)
    time.sleep(0.3)
    storm.over.set()
    for reader in readers:
        reader.join(10)
    reading.join(args.storm_seconds + 30)
    for client in [*clients, *(p.http for p in probes)]:
        client.close()
    return storm, readers, during[0]


def windows(storm: Storm, readers: list[Reader]) -> list[float]:
    """For each acknowledged publish, ms from its acknowledgement to the first answer holding it
    served by a node other than the first (the one it was published through; with one node, by
    that node)."""
    others = [r for i, r in enumerate(readers) if i > 0] or readers
    firsts: dict[tuple[str, int], float] = {}
    for reader in others:
        for uid, _sent, received, value in reader.seen:
            key = (uid, value)
            firsts[key] = min(firsts.get(key, received), received)
    found = []
    for (uid, value), acked in storm.acks.items():
        holding = [t for (u, v), t in firsts.items() if u == uid and v >= value]
        if holding:
            found.append((min(holding) - acked) * 1000)
    return found


# -- the change-log check --------------------------------------------------------------------------
def check_cost(url: str, rounds: int = 5000) -> float:
    """Microseconds per `newest_change()`, the lookup each delivery request makes."""
    from veneer.store import open_store

    store = open_store(url)
    reader = store.published_reader(10.0)
    reader.start()
    reader.newest_change()
    started = time.perf_counter()
    for _ in range(rounds):
        reader.newest_change()
    cost = (time.perf_counter() - started) / rounds * 1e6
    reader.close()
    store.dispose()
    return cost


# -- the run ---------------------------------------------------------------------------------------
def login(base: str) -> str:
    got = httpx.post(
        base + "/v3/user-session",
        json={"user": {"email": "bench@example.com", "password": "bench-password"}},
        timeout=30,
    )
    got.raise_for_status()
    return str(got.json()["user"]["authtoken"])


@dataclass
class Row:
    nodes: int
    cells: dict[str, Result] = field(default_factory=dict)
    stale: int = 0
    reads: int = 0
    window_ms: list[float] = field(default_factory=list)
    probe_ms: list[float] = field(default_factory=list)
    probe_misses: int = 0
    publishes: int = 0
    storm_rate: float = 0.0


def run(cluster: Cluster, info: dict[str, str], args: argparse.Namespace, nodes: int) -> Row:
    path = f"/v3/content_types/article/entries/{info['entry']}?environment=production"
    headers = {"api_key": info["api_key"], "access_token": info["token"]}
    variants = {**headers, "x-cs-variant-uid": VARIANTS}
    row = Row(nodes)
    print(f"{nodes} node(s), warm", file=sys.stderr)
    cluster.start(nodes, "warm")
    try:
        row.cells["base warm"] = load(cluster, path, headers, args, "base warm")
        row.cells["3 variants warm"] = load(cluster, path, variants, args, "3 variants warm")
        print(f"{nodes} node(s), publish storm", file=sys.stderr)
        storm, readers, during = publish_storm(cluster, info, login(cluster.base(0)), args)
        row.cells["base during storm"] = during
        row.stale = sum(r.stale for r in readers)
        row.reads = sum(len(r.seen) for r in readers)
        row.window_ms = windows(storm, readers)
        row.probe_ms, row.probe_misses = storm.probes, storm.probe_misses
        row.publishes, row.storm_rate = len(storm.acks), storm.rate
    finally:
        cluster.stop()
    print(f"{nodes} node(s), cold (VENEER_DELIVERY_CACHE=false)", file=sys.stderr)
    cluster.start(nodes, "cold", VENEER_DELIVERY_CACHE="false")
    try:
        row.cells["base cold"] = load(cluster, path, headers, args, "base cold")
        row.cells["3 variants cold"] = load(cluster, path, variants, args, "3 variants cold")
    finally:
        cluster.stop()
    return row


CHECKS = {
    "every request": {},
    "every 0.1 s": {"VENEER_CHANGE_CHECK_INTERVAL": "0.1"},
    "off (stale!)": {"BENCH_NO_CHANGE_CHECK": "1"},
}


def check_switched(
    cluster: Cluster, info: dict[str, str], args: argparse.Namespace
) -> dict[str, list[Result]]:
    """Warm one-entry throughput of one node looking at the change log before every request,
    at most every 0.1 s (VENEER_CHANGE_CHECK_INTERVAL), and never (switched off by a
    `sitecustomize`, for the measurement only), each twice, in turn, so that drift in the
    machine's load hits them alike."""
    site = cluster.tmp / "no-check"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(NO_CHECK)
    path = f"/v3/content_types/article/entries/{info['entry']}?environment=production"
    headers = {"api_key": info["api_key"], "access_token": info["token"]}
    pythonpath = os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])
    found: dict[str, list[Result]] = {name: [] for name in CHECKS}
    for i in range(2 * len(CHECKS)):
        name = list(CHECKS)[i % len(CHECKS)]
        cluster.start(1, f"check{i}", PYTHONPATH=pythonpath, **CHECKS[name])
        try:
            found[name].append(load(cluster, path, headers, args, f"base warm, check {name}"))
        finally:
            cluster.stop()
    return found


def spread_of(values: list[float]) -> str:
    return f"{statistics.median(values):.1f} / {max(values):.1f}" if values else "n/a"


def table(
    rows: list[Row], cost_us: float, switched: dict[str, list[Result]], args: argparse.Namespace
) -> str:
    loads = ", ".join(f"{n:.2f}" for n in os.getloadavg())
    cells = ["base warm", "3 variants warm", "base cold", "3 variants cold", "base during storm"]
    head = " | ".join(f"{c} req/s (p99 ms)" for c in cells)
    lines = [
        (
            f"{os.cpu_count()} cores, load average after the run {loads}; wrk -c{args.connections} "
            f"-d{args.duration}s per cell, threads = max({args.threads}, nodes); storm "
            f"{args.storm_rate:g}/s for {args.storm_seconds} s through node 1 over "
            f"{args.storm_entries} entries, wrk "
            f"-c{args.storm_connections} and one checking reader per node meanwhile"
        ),
        "",
        (
            f"| nodes | {head} | publishes (rate/s) | reads checked | stale | read just after "
            "the ack on another node: ms p50 / max | first answer holding it, readers: ms p50 / max |"
        ),
        "|" + "---|" * (len(cells) + 6),
    ]
    for row in rows:
        values = " | ".join(
            f"{row.cells[c].requests_per_s:.0f} ({row.cells[c].p99_ms:.1f})"
            + (f" {row.cells[c].errors} errors" if row.cells[c].errors else "")
            for c in cells
        )
        lines.append(
            f"| {row.nodes} | {values} | {row.publishes} ({row.storm_rate:.1f}) | "
            f"{row.reads + len(row.probe_ms)} | {row.stale + row.probe_misses} | "
            f"{spread_of(row.probe_ms)} | {spread_of(row.window_ms)} |"
        )

    lines += [
        "",
        f"Change-log check: {cost_us:.0f} us per lookup (newest_change(), timed in-process).",
        "One node, base warm, the change-log check (runs alternated):",
    ]
    for name, results in switched.items():
        runs = ", ".join(f"{r.requests_per_s:.0f} req/s (p99 {r.p99_ms:.1f} ms)" for r in results)
        lines.append(f"- {name}: {runs}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", default="1,2,4", help="node counts (default 1,2,4)")
    parser.add_argument("--duration", type=int, default=3, help="seconds per wrk cell")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--entries", type=int, default=30, help="articles to seed (default 30)")
    parser.add_argument("--storm-rate", type=float, default=10.0, help="publishes a second")
    parser.add_argument("--storm-seconds", type=int, default=10)
    parser.add_argument(
        "--storm-entries", type=int, default=8, help="entries the storm publishes, in parallel"
    )
    parser.add_argument(
        "--storm-connections", type=int, default=4, help="wrk connections during the storm"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    if not Path(WRK).exists():
        print(f"{WRK} is missing: install it with `sudo apt-get install wrk`", file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="veneer-cluster-"))
    rows: list[Row] = []
    try:
        with database() as url:
            print(f"seeding {args.entries} articles (3 variants each) in {url}", file=sys.stderr)
            info = seed(url, args.entries)
            cluster = Cluster(tmp, url)
            try:
                for nodes in (int(n) for n in args.nodes.split(",")):
                    rows.append(run(cluster, info, args, nodes))
                switched = check_switched(cluster, info, args)
                cost = check_cost(url)
            finally:
                cluster.stop()
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    print(table(rows, cost, switched, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
