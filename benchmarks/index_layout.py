"""What the field-value index's layout costs to write (issue 11's bulk rate, docs/bulk.md): the
same rows inserted, on plain sqlite3, into today's `entry_values` and into two leaner layouts.

    .venv/bin/python benchmarks/index_layout.py [--entries 100000] [--batch 2000]

Each entry gets 26 rows for its latest version and 26 for its published copy (the paths of the
bulk benchmark's article: `veneer.domain.fieldindex.document_rows` of it), written in
transactions of `--batch` entries with the bulk path's 256 MB page cache. Layouts:

- today: `(stack, scope, locale, entry, path, n)` primary key, the 10-column lookup index and the
  partial multi-value index, strings in every key (store/tables.py::entry_values);
- part id: (stack, scope, locale, content type) replaced by one small integer ("part"), path and
  entry uid still strings;
- integer ids: part, path and entry all small integers (a dictionary table each, not written
  here), `WITHOUT ROWID`.

Printed: rows and entries per CPU second of the inserting process, and the database size per
entry. Not the whole bulk path: validation, documents, history and the other tables come on top.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from veneer.domain.fieldindex import document_rows

Row = tuple[Any, ...]
Maker = Callable[[int, str, str], list[Row]]
ARTICLE = {
    "title": "Article 1",
    "url": "/articles/1",
    "number": 7,
    "date": "2024-01-01T10:00:00.000Z",
    "author": [{"uid": "bltauthor0000000000001", "_content_type_uid": "author"}],
    "seo": {"meta_title": "Article 1", "meta_description": "lorem ipsum"},
    "body": "lorem ipsum",
    "tags": ["lorem", "ipsum", "dolor"],
    "uid": "blt0123456789abcdef",
    "locale": "en-us",
    "created_at": "2024-01-01T00:00:00.000Z",
    "updated_at": "2024-01-01T00:00:00.000Z",
    "created_by": "bltuser",
    "updated_by": "bltuser",
    "_version": 1,
    "ACL": {},
    "_in_progress": False,
}
SHAPE = [(row.path, row.n, row.kind) for row in document_rows(ARTICLE)]
PATHS = {path: number for number, path in enumerate(dict.fromkeys(path for path, _, _ in SHAPE))}


def values(rng: random.Random) -> list[tuple[str, int, int, Any, str, bool]]:
    """One document's rows, with values drawn afresh (the index keys spread as real ones do)."""
    out = []
    for path, n, kind in SHAPE:
        num = rng.randrange(1000) if kind == 1 else 0
        text = "" if kind == 1 else f"{path}-{rng.randrange(10**9)}"
        out.append((path, n, kind, num, text, n == 0))
    return out


def today(db: sqlite3.Connection, rng: random.Random) -> tuple[str, Maker]:
    db.executescript("""
        CREATE TABLE ev (stack TEXT, scope TEXT, locale TEXT, entry TEXT, path TEXT, n INT,
            content_type TEXT, kind INT, num, text TEXT, tail TEXT, first INT,
            PRIMARY KEY (stack, scope, locale, entry, path, n));
        CREATE INDEX lookup ON ev (stack, scope, locale, content_type, path, kind, num, text,
            entry, first);
        CREATE INDEX multi ON ev (stack, scope, locale, content_type, path, entry) WHERE n > 0;
    """)

    def make(number: int, uid: str, scope: str) -> list[Row]:
        return [
            ("blt1234567890abcdef", scope, "en-us", uid, p, n, "article", k, num, t, "", f)
            for p, n, k, num, t, f in values(rng)
        ]

    return "INSERT INTO ev VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", make


def part_id(db: sqlite3.Connection, rng: random.Random) -> tuple[str, Maker]:
    db.executescript("""
        CREATE TABLE ev (part INT, entry TEXT, path TEXT, n INT, kind INT, num, text TEXT,
            tail TEXT, first INT, PRIMARY KEY (part, entry, path, n));
        CREATE INDEX lookup ON ev (part, path, kind, num, text, entry, first);
        CREATE INDEX multi ON ev (part, path, entry) WHERE n > 0;
    """)

    def make(number: int, uid: str, scope: str) -> list[Row]:
        part = 1 if scope == "" else 2
        return [(part, uid, p, n, k, num, t, "", f) for p, n, k, num, t, f in values(rng)]

    return "INSERT INTO ev VALUES (?,?,?,?,?,?,?,?,?)", make


def integer_ids(db: sqlite3.Connection, rng: random.Random) -> tuple[str, Maker]:
    db.executescript("""
        CREATE TABLE ev (part INT, entry INT, path INT, n INT, kind INT, num, text TEXT,
            tail TEXT, first INT, PRIMARY KEY (part, entry, path, n)) WITHOUT ROWID;
        CREATE INDEX lookup ON ev (part, path, kind, num, text, entry, first);
        CREATE INDEX multi ON ev (part, path, entry) WHERE n > 0;
    """)

    def make(number: int, uid: str, scope: str) -> list[Row]:
        part = 1 if scope == "" else 2
        return [(part, number, PATHS[p], n, k, num, t, "", f) for p, n, k, num, t, f in values(rng)]

    return "INSERT INTO ev VALUES (?,?,?,?,?,?,?,?,?)", make


def measure(name: str, layout: Callable[..., tuple[str, Maker]], entries: int, batch: int) -> None:
    rng = random.Random(1)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "index.db"
        db = sqlite3.connect(path, isolation_level=None)
        for pragma in ("journal_mode = WAL", "synchronous = NORMAL", "cache_size = -262144"):
            db.execute(f"PRAGMA {pragma}")
        sql, make = layout(db, rng)
        rows, cpu = 0, 0.0
        for start in range(0, entries, batch):
            written: list[Row] = []
            for number in range(start, min(entries, start + batch)):
                uid = f"blt{rng.getrandbits(64):016x}"
                written += make(number, uid, "") + make(number, uid, "bltproduction00000")
            began = time.process_time()
            db.execute("BEGIN")
            db.executemany(sql, written)
            db.execute("COMMIT")
            cpu += time.process_time() - began
            rows += len(written)
        db.close()
        size = sum(file.stat().st_size for file in Path(tmp).iterdir())
        print(
            f"| {name} | {entries:,} | {rows / cpu:,.0f} | {entries / cpu:,.0f} "
            f"| {size / entries / 1024:.1f} KiB |",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=2_000)
    args = parser.parse_args()
    print(f"{len(SHAPE)} rows per document, 2 documents per entry\n")
    print("| layout | entries | rows per CPU s | entries per CPU s | size per entry |")
    print("|---|---:|---:|---:|---:|")
    for name, layout in (("today", today), ("part id", part_id), ("integer ids", integer_ids)):
        measure(name, layout, args.entries, args.batch)


if __name__ == "__main__":
    main()
