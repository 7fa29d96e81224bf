"""Micro-benchmark of the field-value index (docs/queries.md): lists answered in SQL at scale.

    PYTHONPATH=src .venv/bin/python benchmarks/queries.py [--sizes 10000 100000] [--runs 200]
        [--databases sqlite postgresql] [--pg postgresql://postgres@127.0.0.1:5432] [--explain]

For each database and size, in a fresh database (a temporary SQLite file; a PostgreSQL database
created and dropped): migrates, loads N synthetic articles through `store.values` (executemany in
large transactions), then prints the load rate, the rows per document, and p50/p99 over --runs
runs of `sqlquery.list_entries` for: a query by `url`, a range + sort + limit 100, the 100 newest,
and a count of a range. --explain prints each shape's plan once. This measures the index alone:
no documents are read, no HTTP.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import event
from sqlalchemy.engine import Connection

from veneer.store import Store, open_store
from veneer.store.migrate import upgrade
from veneer.store.sqllist import Listing, Target, list_entries
from veneer.store.values import Document, insert_documents

STACK, CT, LOCALE = "blt_bench", "article", "en-us"
TARGET = Target(STACK, "", CT, (LOCALE,))
WORDS = ["lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing", "elit", "sed"]
PER_TRANSACTION = 10_000


def article(i: int, rng: random.Random) -> dict[str, Any]:
    """About 2 KB, the shape of issue 11's benchmark: unique title, url, number, date, reference,
    group, tags and a body."""
    day = f"2024-{1 + i % 12:02}-{1 + i % 28:02}"
    return {
        "uid": f"blt{i:016x}",
        "title": f"Article {i}",
        "url": f"/articles/{i}",
        "number": rng.randrange(1000),
        "date": f"{day}T10:00:00.000Z",
        "author": [{"uid": f"bltauthor{i % 50}", "_content_type_uid": "author"}],
        "seo": {"meta_title": f"Article {i}", "meta_description": " ".join(WORDS[:8])},
        "tags": rng.sample(WORDS, 3),
        "body": " ".join(rng.choice(WORDS) for _ in range(250)),
        "locale": LOCALE,
        "created_at": f"{day}T09:00:00.000Z",
        "updated_at": f"{day}T{i % 24:02}:{i % 60:02}:00.000Z",
        "created_by": "bltuser",
        "updated_by": "bltuser",
        "_version": 1,
        "tags_count": 3,
    }


def load(store: Store, size: int) -> tuple[float, int, int]:
    """(documents per second, rows per document, bytes of entry_values and its indexes per
    document)."""
    rng = random.Random(size)
    started = time.perf_counter()
    for start in range(0, size, PER_TRANSACTION):
        with store.engine.begin() as conn:
            insert_documents(
                conn,
                (
                    Document(STACK, "", LOCALE, CT, f"blt{i:016x}", article(i, rng))
                    for i in range(start, min(size, start + PER_TRANSACTION))
                ),
            )
    elapsed = time.perf_counter() - started
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT count(*) FROM entry_values").scalar_one()
        # What autovacuum would have done by now: statistics, and PostgreSQL's visibility map
        # (without it an index-only scan still reads the table).
        conn.commit()
        if store.dialect == "postgresql":
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                "VACUUM ANALYZE entry_values"
            )
        else:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
        size_sql = (
            "SELECT pg_total_relation_size('entry_values')"
            if store.dialect == "postgresql"
            else "SELECT sum(pgsize) FROM dbstat WHERE name LIKE '%entry_values%'"
        )
        used = conn.exec_driver_sql(size_sql).scalar_one()
    return size / elapsed, rows // size, used // size


def shapes(size: int) -> dict[str, Callable[[random.Random], Listing]]:
    return {
        "query by url": lambda r: Listing({"url": f"/articles/{r.randrange(size)}"}),
        "range+sort+limit 100": lambda r: Listing(
            {"number": {"$gte": r.randrange(900)}}, desc="date", limit=100
        ),
        "100 newest": lambda r: Listing(skip=r.randrange(10), limit=100),
        "count of a range": lambda r: Listing(
            {"number": {"$lt": r.randrange(1000)}}, limit=1, include_count=True
        ),
    }


def measure(store: Store, size: int, runs: int, explain: bool) -> dict[str, tuple[float, float]]:
    results = {}
    rng = random.Random(7)
    with store.engine.connect() as conn:
        for name, make in shapes(size).items():
            if explain:
                print_plan(conn, name, make(rng))
            times = []
            for _ in range(runs):
                listing = make(rng)
                started = time.perf_counter()
                list_entries(conn, TARGET, listing)
                times.append((time.perf_counter() - started) * 1000)
            times.sort()
            results[name] = (statistics.median(times), times[int(len(times) * 0.99) - 1])
    return results


def print_plan(conn: Connection, name: str, listing: Listing) -> None:
    """EXPLAIN every statement one run of the list executes."""
    statements: list[tuple[str, Any]] = []

    def capture(*args: Any) -> None:
        if args[2].startswith("SELECT"):
            statements.append((args[2], args[3]))

    event.listen(conn, "before_cursor_execute", capture)
    try:
        list_entries(conn, TARGET, listing)
    finally:
        event.remove(conn, "before_cursor_execute", capture)
    print(f"\n-- {name}: {listing}")
    prefix = "EXPLAIN QUERY PLAN " if conn.dialect.name == "sqlite" else "EXPLAIN "
    for statement, params in statements:
        print("   statement:")
        for row in conn.exec_driver_sql(prefix + statement, params):
            print("     ", row[-1])


@contextmanager
def database(kind: str, pg: str) -> Iterator[Store]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            store = open_store(f"sqlite:///{Path(tmp) / 'bench.db'}")
            yield store
            store.dispose()
        return
    name = f"veneer_bench_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(f"{pg}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    store = open_store(f"{pg}/{name}")
    try:
        yield store
    finally:
        store.dispose()
        with psycopg.connect(f"{pg}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    print(f"{'database':<11}{'docs':>8}  {'shape':<22}{'p50 ms':>9}{'p99 ms':>9}")
    for kind in args.databases:
        for size in args.sizes:
            with database(kind, args.pg) as store:
                upgrade(store)
                rate, rows, used = load(store, size)
                print(
                    f"{kind:<11}{size:>8}  load: {rate:,.0f} docs/s, {rows} rows and "
                    f"{used:,} bytes per doc"
                )
                for name, (p50, p99) in measure(store, size, args.runs, args.explain).items():
                    print(f"{kind:<11}{size:>8}  {name:<22}{p50:>9.2f}{p99:>9.2f}")


if __name__ == "__main__":
    main()
