"""What one operation costs the database, counted rather than timed (issue 11, "no hidden O(n)").

`measure(store)` records, while its block runs:
- `statements`: how many SQL statements ran through the store's engine;
- `steps` (SQLite only): how many times the SQLite VM reached a progress check, which it does on
  every loop iteration of a statement (each row a scan or a search visits): this grows with the
  rows a statement walks, not with the time it takes;
- `scans`: every read of a content table (entries, their versions, publications, the field-value
  index, ...) that is not an index search bound to one entry or one row, found by asking the
  database's planner about every statement the block ran (SQLite: EXPLAIN QUERY PLAN;
  PostgreSQL: EXPLAIN with sequential scans priced out; on tables this small its choice among
  indexes is a toss-up, so a read counts as keyed when one of the table's indexes is bound to a
  key by the conditions the plan shows, whichever index it chose).

Only statements run for a request count (inside `Store.deadline`, as every API and editor request
is): a test that calls a service directly wraps it in one. A test runs an operation over N entries
and over 4N and requires the counts to be equal (the steps within a small NOISE), and no scans.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection

from veneer.store import Store
from veneer.store.base import time_left
from veneer.store.sqlite import SqliteStore

# The tables whose size grows with content.
CONTENT = {
    "entries",
    "entry_versions",
    "publications",
    "entry_values",
    "entry_variants",
    "entry_variant_versions",
    "variant_fields",
    "unique_values",
    "changes",
    "jobs",
}
SQL_WORDS = {"WHERE", "JOIN", "ON", "LEFT", "INNER", "ORDER", "GROUP", "LIMIT", "SET", "USING"}
# SQLite's step count of the same statements over the same rows can differ by a step or two
# between runs; a scan over the 3N entries a test adds costs at least 2 steps each, so 60+.
NOISE = 10
# A search bound (by equality, or a range) on one of these columns reaches one entry or one row.
# (`run_at`: a range of the queued jobs' times, the due ones; `subject`: the one entry or asset
# a job publishes.)
KEYS = {"uid", "entry", "seq", "rowid", "value", "token_hash", "version", "run_at", "subject"}


@dataclass
class Cost:
    statements: int = 0
    steps: int = 0
    scans: list[str] = field(default_factory=list)
    sql: list[tuple[str, Any]] = field(default_factory=list)

    def tick(self) -> int:
        self.steps += 1
        return 0  # go on

    def summary(self) -> str:
        return f"{self.statements} statements, {self.steps} steps"

    def same_as(self, other: Cost) -> bool:
        """The same statements and, within NOISE, the same VM steps."""
        return self.statements == other.statements and abs(self.steps - other.steps) <= NOISE


@contextmanager
def measure(store: Store, keys: Iterable[str] = ()) -> Iterator[Cost]:
    """Count what the block costs the database (see the module's docstring); `keys` are columns
    besides KEYS that bind a search to the rows the operation is about."""
    cost = Cost()
    touched: dict[int, sqlite3.Connection] = {}

    def before(conn: Connection, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        # Not the app's scheduler, say, running meanwhile; nor the rate limiter's bookkeeping,
        # which depends on the clock (a window's first hit forgets the old windows).
        ours = time_left() is not None and "rate_counters" not in statement
        raw = conn.connection.driver_connection
        if isinstance(raw, sqlite3.Connection):
            raw.set_progress_handler(cost.tick if ours else None, 1)
            touched[id(raw)] = raw
        if ours:
            cost.statements += 1
            cost.sql.append((statement, params))

    event.listen(store.engine, "before_cursor_execute", before)
    try:
        yield cost
    finally:
        event.remove(store.engine, "before_cursor_execute", before)
        for raw in touched.values():
            raw.set_progress_handler(None, 1)
    cost.scans = scans(store, cost.sql, keys)


def scans(
    store: Store, statements: Sequence[tuple[str, Any]], keys: Iterable[str] = ()
) -> list[str]:
    """The content-table reads among `statements` that are not bound to one entry or row."""
    found: list[str] = []
    raw = _explainer(store)
    try:
        for statement, params in statements:
            if not re.match(r"\s*(SELECT|UPDATE|DELETE|WITH)", statement, re.IGNORECASE):
                continue  # an INSERT names its row; an upsert finds it by its primary key
            if isinstance(params, list):
                params = params[0] if params else ()
            explain = _sqlite_scans if store.dialect == "sqlite" else _postgres_scans
            found += [
                f"{what} in: {statement}"
                for what in explain(raw, statement, params, KEYS | set(keys))
            ]
    finally:
        raw.rollback()
        raw.close()
    return found


def _explainer(store: Store) -> Any:
    """A connection of the test's own to explain statements on (SQLite: with the functions the
    store provides a list for its statements, which EXPLAIN only needs to exist)."""
    if not isinstance(store, SqliteStore):
        return store.engine.raw_connection()
    conn = sqlite3.connect(store.path)
    conn.create_function("veneer_regexp", 4, lambda *_: False, deterministic=True)
    return conn


def _sqlite_scans(raw: Any, statement: str, params: Any, keys: set[str]) -> list[str]:
    cursor = raw.cursor()
    rows = cursor.execute("EXPLAIN QUERY PLAN " + statement, params or ()).fetchall()
    named = re.findall(r"(?:FROM|JOIN|,)\s+(\w+)(?:\s+AS)?\s+(\w+)", statement, re.IGNORECASE)
    aliases = {alias: table for table, alias in named if alias.upper() not in SQL_WORDS}
    bad = []
    for *_, detail in rows:
        match = re.match(r"(SCAN|SEARCH) (\w+)(.*)", detail)
        if match is None or aliases.get(match.group(2), match.group(2)) not in CONTENT:
            continue
        if detail == f"SEARCH {match.group(2)}":
            continue  # MIN() or MAX() of an indexed column: one probe at the index's end
        bound = set(re.findall(r"(\w+)\s*(?:=|>|<|IN)", match.group(3)))
        if match.group(1) == "SCAN" or not bound & keys:
            bad.append(detail)
    return bad


def _postgres_scans(raw: Any, statement: str, params: Any, keys: set[str]) -> list[str]:
    cursor = raw.cursor()
    cursor.execute("SET LOCAL enable_seqscan = off")
    cursor.execute("EXPLAIN (FORMAT JSON) " + statement, params or None)
    plan = cursor.fetchone()[0][0]["Plan"]
    bad: list[str] = []
    _walk(cursor, plan, False, bad, keys)
    return bad


def _walk(cursor: Any, node: dict[str, Any], limited: bool, bad: list[str], keys: set[str]) -> None:
    """Every read of a content table in the plan below `node` must be one an index can bind to a
    key. PostgreSQL may still choose another index on a table this small, so a read counts as
    keyed when one of the table's indexes is bound to a key by its conditions, whichever was used."""
    kind = node["Node Type"]
    limited = limited or kind == "Limit"
    relation = node.get("Relation Name")
    if relation in CONTENT and kind.endswith("Scan") and not limited:
        conditions = " ".join(_conditions(node))
        indexes = _table_indexes(cursor, relation)
        if not any(set(_bound_prefix(columns, conditions)) & keys for columns in indexes):
            bad.append(f"{kind} on {relation} ({conditions})")
    for child in node.get("Plans", ()):
        _walk(cursor, child, limited, bad, keys)


def _conditions(node: dict[str, Any]) -> list[str]:
    """The conditions a scan node applies to its table's rows (a bitmap scan's in its children)."""
    own = [node[key] for key in ("Index Cond", "Filter", "Recheck Cond") if key in node]
    bitmaps = [
        c
        for child in node.get("Plans", ())
        if "Bitmap" in child["Node Type"]
        for c in _conditions(child)
    ]
    return own + bitmaps


def _bound_prefix(columns: list[str], condition: str) -> list[str]:
    """The leading index columns `condition` pins by equality, and the next one if it bounds it
    by a range: the part of the index the search actually narrows."""
    column = r"\((\w+)\)?(?:::[\w ]+)? "  # `(uid = ...` or `((stack)::text = ...`
    equal = set(re.findall(column + r"= ", condition))
    ranged = set(re.findall(column + r"(?:>|<|>=|<=) ", condition))
    prefix = []
    for column in columns:
        if column in equal:
            prefix.append(column)
            continue
        if column in ranged:
            prefix.append(column)
        break
    return prefix


_INDEXES: dict[tuple[str, str], list[list[str]]] = {}


def _table_indexes(cursor: Any, table: str) -> list[list[str]]:
    """The columns of each index of `table` (asked once per database)."""
    key = (cursor.connection.info.dbname, table)
    if key not in _INDEXES:
        _INDEXES[key] = [_index_columns(cursor, name) for name in _indexes(cursor, table)]
    return _INDEXES[key]


def _indexes(cursor: Any, table: str) -> list[str]:
    cursor.execute(
        "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "JOIN pg_class t ON t.oid = i.indrelid WHERE t.relname = %s",
        (table,),
    )
    return [row[0] for row in cursor.fetchall()]


def _index_columns(cursor: Any, index: str) -> list[str]:
    cursor.execute(
        "SELECT a.attname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(num, pos) ON true "
        "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.num "
        "WHERE c.relname = %s ORDER BY k.pos",
        (index,),
    )
    return [row[0] for row in cursor.fetchall()]
