"""Counters and histograms for `/-/metrics`, in Prometheus' text exposition format.

Each worker process counts in its own memory: counting a request is a dict lookup, a bisect over
13 bucket bounds and three additions, on the event loop's thread (no lock on the hot path). The
database's query timer runs in the thread pool, so it takes a lock (a few hundred nanoseconds per
statement, next to the statement itself).

Several Granian workers share one port, and a scrape reaches one of them. So that every scrape
sees every worker, each worker writes its samples (`Sample` rows, JSON) to `<dir>/<pid>.json`
every second and at each scrape; the worker answering the scrape reads the files of the workers
still alive and renders them all, each series labelled `worker="<pid>"`. Files of workers that
are gone are deleted (a replaced worker's counters start again, which Prometheus reads as a counter
reset). This needs no dependency and no shared memory: the simplest arrangement that is right
with any number of workers; values are at most a second old for the other workers.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
Labels = tuple[tuple[str, str], ...]

HELP = {
    "veneer_requests_total": ("counter", "HTTP requests answered, by route family and status."),
    "veneer_request_duration_seconds": (
        "histogram",
        "Time to answer a request, by route family and status class.",
    ),
    "veneer_delivery_cache_hits_total": ("counter", "Delivery responses served from the cache."),
    "veneer_delivery_cache_misses_total": ("counter", "Delivery cache lookups that missed."),
    "veneer_delivery_cache_entries": ("gauge", "Responses and merged entries in the cache."),
    "veneer_delivery_cache_bytes": ("gauge", "Bytes the delivery cache holds (bodies, keys)."),
    "veneer_db_query_duration_seconds": ("histogram", "Time of database statements, by path."),
    "veneer_db_pool_connections": ("gauge", "Connections of the SQLAlchemy pool, by state."),
    "veneer_scheduler_runs_total": ("counter", "Scheduler passes, by outcome."),
    "veneer_scheduled_jobs_run_total": ("counter", "Scheduled jobs this worker ran."),
    "veneer_scheduled_jobs_queued": ("gauge", "Scheduled jobs waiting in the database."),
    "veneer_webhook_outbox": ("gauge", "Webhook deliveries waiting or being sent, by status."),
    "veneer_process_start_time_seconds": ("gauge", "When this worker started (Unix time)."),
}


@dataclass(frozen=True)
class Sample:
    name: str  # with its suffix: _bucket, _sum, _count for a histogram
    labels: Labels
    value: float


class Histogram:
    """Counts per label set: a count per bucket (the last one +Inf) and the sum."""

    def __init__(self) -> None:
        self.series: dict[Labels, list[float]] = {}

    def observe(self, labels: Labels, seconds: float) -> None:
        counts = self.series.get(labels)
        if counts is None:
            counts = self.series[labels] = [0.0] * (len(BUCKETS) + 2)
        counts[bisect_left(BUCKETS, seconds)] += 1
        counts[-1] += seconds

    def counts(self, name: str) -> Iterator[Sample]:
        """The number of observations per label set, as the counter `name`."""
        for labels, counts in list(self.series.items()):
            yield Sample(name, labels, sum(counts[:-1]))

    def samples(self, name: str) -> Iterator[Sample]:
        for labels, counts in list(self.series.items()):
            running = 0.0
            for bound, count in zip((*BUCKETS, "+Inf"), counts[:-1], strict=True):
                running += count
                yield Sample(f"{name}_bucket", (*labels, ("le", str(bound))), running)
            yield Sample(f"{name}_sum", labels, counts[-1])
            yield Sample(f"{name}_count", labels, running)


class Requests(Histogram):
    """The request histogram, keyed by (family, status // 100) as counted; labelled when read."""

    def __init__(self) -> None:
        super().__init__()
        self.raw: dict[tuple[str, int], list[float]] = {}

    def count(self, family: str, status_class: int, seconds: float) -> None:
        counts = self.raw.get((family, status_class))
        if counts is None:
            counts = self.raw[(family, status_class)] = [0.0] * (len(BUCKETS) + 2)
            self.series[(("family", family), ("status", f"{status_class}xx"))] = counts
        counts[bisect_left(BUCKETS, seconds)] += 1
        counts[-1] += seconds


class Metrics:
    """What one process counts. `requests` is touched only on the event loop's thread."""

    def __init__(self) -> None:
        self.started = time.time()
        self.requests = Requests()
        self.queries = Histogram()
        self.counters: dict[tuple[str, Labels], float] = {}
        self._lock = threading.Lock()

    def request(self, family: str, status: int, seconds: float) -> None:
        self.requests.count(family, status // 100, seconds)

    def query(self, path: str, seconds: float) -> None:
        with self._lock:
            self.queries.observe((("path", path),), seconds)

    @contextmanager
    def timed_query(self, path: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.query(path, time.perf_counter() - started)

    def count(self, name: str, labels: Labels = (), by: float = 1) -> None:
        with self._lock:
            self.counters[(name, labels)] = self.counters.get((name, labels), 0) + by

    def samples(self, gauges: Iterable[Sample] = ()) -> list[Sample]:
        """This process's samples; `gauges` are read by the caller at this moment."""
        found = [Sample("veneer_process_start_time_seconds", (), self.started)]
        found += self.requests.samples("veneer_request_duration_seconds")
        found += self.requests.counts("veneer_requests_total")
        with self._lock:
            found += self.queries.samples("veneer_db_query_duration_seconds")
            found += [
                Sample(name, labels, value) for (name, labels), value in self.counters.items()
            ]
        return found + list(gauges)


METRICS = Metrics()  # this process's; the app, the store and the scheduler count here


# -- the workers' files --------------------------------------------------------------------------
def write_snapshot(directory: Path, samples: list[Sample]) -> None:
    """This worker's samples, where the others read them (written aside, then renamed)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{os.getpid()}.json"
    temporary = path.with_suffix(".tmp")
    temporary.write_bytes(orjson.dumps([[s.name, s.labels, s.value] for s in samples]))
    os.replace(temporary, path)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_snapshots(directory: Path) -> dict[int, list[Sample]]:
    """Every live worker's samples but this one's; files of dead workers are deleted."""
    found: dict[int, list[Sample]] = {}
    for path in directory.glob("*.json"):
        pid = int(path.stem) if path.stem.isdigit() else 0
        if pid == os.getpid() or pid == 0:
            continue
        if not _alive(pid):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            continue
        with contextlib.suppress(FileNotFoundError, orjson.JSONDecodeError):
            rows: list[Any] = orjson.loads(path.read_bytes())
            found[pid] = [Sample(n, tuple(tuple(p) for p in ls), v) for n, ls, v in rows]
    return found


def remove_snapshot(directory: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        (directory / f"{os.getpid()}.json").unlink()


# -- the text format -----------------------------------------------------------------------------
def _base(name: str) -> str:
    for suffix in ("_bucket", "_sum", "_count"):
        if name.endswith(suffix) and name.removesuffix(suffix) in HELP:
            return name.removesuffix(suffix)
    return name


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _line(sample: Sample, extra: Labels) -> str:
    labels = ",".join(f'{k}="{_escape(v)}"' for k, v in (*extra, *sample.labels))
    value = repr(float(sample.value)) if sample.value % 1 else str(int(sample.value))
    return f"{sample.name}{{{labels}}} {value}" if labels else f"{sample.name} {value}"


def render(workers: dict[int, list[Sample]], shared: Iterable[Sample] = ()) -> str:
    """The exposition text: each metric's HELP and TYPE once, then its samples, every worker's
    labelled with its pid; `shared` samples (the database's) carry no worker label."""
    grouped: dict[str, list[str]] = {}
    for pid, samples in sorted(workers.items()):
        for sample in samples:
            grouped.setdefault(_base(sample.name), []).append(
                _line(sample, (("worker", str(pid)),))
            )
    for sample in shared:
        grouped.setdefault(_base(sample.name), []).append(_line(sample, ()))
    out: list[str] = []
    for name, lines in grouped.items():
        kind, help_text = HELP.get(name, ("untyped", name))
        out += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}", *lines]
    return "\n".join(out) + "\n"
