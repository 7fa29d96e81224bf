"""A `query` as SQL conditions over the field-value index (`tables.entry_values`), with the
meaning the Python evaluator in `veneer.domain.query` gives it: that evaluator is the oracle
(docs/queries.md), and it validates every query first, so both refuse the same queries alike.

A query compiles to a tree of leaves "some value at this path satisfies this row condition", with
negations pushed down to the leaves (a negated leaf is NOT EXISTS, so a missing field matches `$ne`
as in the oracle). `render` turns the tree into a condition on one candidate entry: each leaf is a
correlated EXISTS on the primary key (stack, scope, locale, entry, path), fenced with OFFSET 0 so
that PostgreSQL keeps it a per-row check instead of a join it would plan on poor estimates (the
table mixes every path, so its statistics say little about one). Which rows drive a list (a leaf
looked up in ix_entry_values_lookup, the sort key's rows, or every document) is chosen in
`store.sqllist`.

Refused with ValidationFailed (422), never evaluated by scanning in Python: paths with a numeric
segment (list positions), paths longer than `fieldindex.MAX_PATH`, and on PostgreSQL a `$regex`
outside the subset that `store.pgregex` translates exactly.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import regex
from sqlalchemy import (
    Boolean,
    ColumnElement,
    FromClause,
    and_,
    false,
    func,
    literal_column,
    or_,
    select,
    true,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, OperationalError

from veneer.domain import fieldindex as fi
from veneer.domain.query import REGEX_FLAGS, compile_query, search_regex
from veneer.errors import ValidationFailed
from veneer.store.pgregex import SUBSET, Unsupported, are_pattern
from veneer.store.tables import entry_values

Clause = ColumnElement[bool]
RowCondition = Callable[[FromClause], Clause]


# ---------------------------------------------------------------------------------------------
# The filter tree


@dataclass(frozen=True)
class Has:
    """Some value at `path` satisfies `row` (any value when None); or, negated, none does."""

    path: str
    row: RowCondition | None = None
    negated: bool = False
    cost: int = 2  # how many entries the leaf is likely to match: 0 equality, 1 range, 2 any
    # A driving hint, true as a filter (it sits beside the leaves that say what matches); it
    # drives a list with the rows `row` selects (see `_between`).
    hint: bool = False
    # `row` as alternatives, each one range of an index: a list driven by the leaf reads each
    # (SQLite can't split an OR of them into index searches itself).
    split: tuple[RowCondition, ...] = ()


@dataclass(frozen=True)
class AllOf:
    parts: tuple[Filter, ...]


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Filter, ...]


Filter = Has | AllOf | AnyOf


def all_of(parts: Iterable[Filter]) -> Filter:
    """AllOf, flattened: nested AllOf parts inlined, a single part on its own."""
    flat = tuple(q for p in parts for q in (p.parts if isinstance(p, AllOf) else (p,)))
    return flat[0] if len(flat) == 1 else AllOf(flat)


def any_of(parts: Iterable[Filter]) -> Filter:
    """AnyOf, flattened: nested AnyOf parts inlined, a single part on its own."""
    flat = tuple(q for p in parts for q in (p.parts if isinstance(p, AnyOf) else (p,)))
    return flat[0] if len(flat) == 1 else AnyOf(flat)


def negate(f: Filter) -> Filter:
    """NOT f, pushed down to the leaves (De Morgan)."""
    if isinstance(f, Has):
        assert not f.hint, "a hint only appears beside its bounds, in an AllOf"
        return Has(f.path, f.row, not f.negated, f.cost)
    if isinstance(f, AllOf):  # a hint is true: NOT (a AND b AND true) is (NOT a) OR (NOT b)
        return any_of(negate(p) for p in f.parts if not (isinstance(p, Has) and p.hint))
    return all_of(negate(p) for p in f.parts)


# ---------------------------------------------------------------------------------------------
# Compiling a query (validated by the oracle first: same errors, same limits)


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed("The query is not valid.", {"query": [message]})


def compile_filter(q: dict[str, Any], dialect: str) -> Filter:
    """The filter tree of a query; raises the oracle's ValidationFailed for an invalid one, and
    ours for what the index can't answer on `dialect` ("sqlite" or "postgresql")."""
    compile_query(q)
    return _object(q, dialect)


def _object(q: dict[str, Any], dialect: str) -> Filter:
    return all_of(_clause(key, value, dialect) for key, value in q.items())


def _clause(key: str, value: Any, dialect: str) -> Filter:
    if key in ("$and", "$or"):
        parts = tuple(_object(item, dialect) for item in value)
        return all_of(parts) if key == "$and" else any_of(parts)
    return _field(checked_path(key, _invalid), value, dialect)


def checked_path(path: str, error: Callable[[str], ValidationFailed]) -> str:
    """`path` if the index holds it, else the error: list positions and over-long paths."""
    if any(part.isascii() and part.isdigit() for part in path.split(".")):
        raise error(
            f"field path {path!r} has a numeric segment: list positions are not supported, "
            "a path reaches every element of a list"
        )
    if len(path) > fi.MAX_PATH:
        raise error(f"field path {path[:40]!r}… is longer than {fi.MAX_PATH} characters")
    return path


def _field(path: str, condition: Any, dialect: str) -> Filter:
    if not isinstance(condition, dict) or not any(k.startswith("$") for k in condition):
        return _equals(path, [condition])
    options = condition.get("$options", "")
    parts = [
        _operator(path, op, operand, options, dialect)
        for op, operand in condition.items()
        if op != "$options"
    ]
    return all_of(parts + _between(path, condition))


_LOWER, _UPPER = ("$gt", "$gte"), ("$lt", "$lte")


def _between(path: str, condition: dict[str, Any]) -> list[Filter]:
    """A driving hint for a lower and an upper bound on one path: the rows between them.

    A list can't be driven by one bound's rows alone (`{"$gte": x, "$lt": y}` would read every
    value above x). The rows between both bounds are not enough either: the oracle asks for some
    value above x and some value below y, which an entry holding [x - 1, y] has with none between.
    Such an entry holds several values at the path, so it has a row with n > 0; the hint drives
    with both (ix_entry_values_multi holds the second kind), and the bounds decide."""
    lower = next((op for op in _LOWER if op in condition), None)
    upper = next((op for op in _UPPER if op in condition), None)
    if lower is None or upper is None:
        return []
    low, high = condition[lower], condition[upper]
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (low, high))
    if not (numbers or (isinstance(low, str) and isinstance(high, str))):
        return []
    first, second = _comparison(lower, low), _comparison(upper, high)

    def between(a: FromClause) -> Clause:
        return and_(first(a), second(a))

    def several(a: FromClause) -> Clause:
        return a.c.n > literal_column("0")  # a literal: the partial index's own condition

    return [
        Has(
            path,
            lambda a: or_(between(a), several(a)),
            cost=1,
            hint=True,
            split=(between, several),
        )
    ]


def _operator(path: str, op: str, operand: Any, options: str, dialect: str) -> Filter:
    if op in _COMPARISONS:
        return Has(path, _comparison(op, operand), cost=1)
    if op == "$regex":
        return Has(path, _regex(path, operand, options, dialect), cost=1)
    if op == "$exists":
        return Has(path, negated=not operand)
    found = _equals(path, operand if op in ("$in", "$nin") else [operand])
    return found if op == "$in" else negate(found)  # $in, or $ne / $nin


def _equals(path: str, operands: list[Any]) -> Filter:
    """Equal to one of `operands` (JSON equality); a null operand also matches a missing field."""
    keys = list(dict.fromkeys(fi.value_key(o) for o in operands if o is not None))
    if not operands:  # `$in: []` matches nothing: a leaf that drives a list with no rows
        return Has(path, lambda a: false(), cost=0)
    split = tuple(_one_of([key]) for key in keys)
    parts: list[Filter] = [Has(path, _one_of(keys), cost=0, split=split)] if keys else []
    if any(o is None for o in operands):  # not `len(keys) < len(operands)`: keys are deduplicated
        parts += [Has(path, negated=True), Has(path, _one_of([fi.value_key(None)]))]
    return any_of(parts)


def _one_of(keys: list[fi.Key]) -> RowCondition:
    def row(a: FromClause) -> Clause:
        return or_(
            *(
                and_(a.c.kind == k.kind, a.c.num == k.num, a.c.text == k.text, a.c.tail == k.tail)
                for k in keys
            )
        )

    return row


# op: (the test, its strict form, the bound on the indexed prefix that the test implies)
_COMPARISONS: dict[str, tuple[Callable[[Any, Any], Any], ...]] = {
    "$lt": (operator.lt, operator.lt, operator.le),
    "$lte": (operator.le, operator.lt, operator.le),
    "$gt": (operator.gt, operator.gt, operator.ge),
    "$gte": (operator.ge, operator.gt, operator.ge),
}


def _comparison(op: str, operand: float | str) -> RowCondition:
    """Numbers with numbers, strings with strings (in code-point order), as the oracle compares."""
    test, strict, bound = _COMPARISONS[op]
    if not isinstance(operand, str):
        return lambda a: and_(a.c.kind == fi.KIND_NUMBER, test(a.c.num, operand))
    text, tail = fi.split_text(operand)
    # (text, tail) compares as the whole string does: by text, then by tail when the texts tie.
    return lambda a: and_(
        a.c.kind == fi.KIND_STRING,
        bound(a.c.text, text),
        or_(strict(a.c.text, text), test(a.c.tail, tail)),
    )


# ---------------------------------------------------------------------------------------------
# $regex: SQLite calls the `regex` module as the oracle does; PostgreSQL takes the subset that
# `pgregex` translates exactly


def _regex(path: str, pattern: str, options: str, dialect: str) -> RowCondition:
    if dialect == "sqlite":
        return lambda a: and_(
            a.c.kind == fi.KIND_STRING,
            func.veneer_regexp(pattern, options, a.c.text, a.c.tail, type_=Boolean),
        )
    try:
        are = are_pattern(pattern, options)
    except Unsupported as exc:
        raise _invalid(
            f"$regex {pattern!r} on {path!r} can't run on this database: it uses {exc}, outside "
            f"the supported subset: {SUBSET}"
        ) from None
    return lambda a: and_(a.c.kind == fi.KIND_STRING, a.c.text.concat(a.c.tail).regexp_match(are))


@lru_cache(maxsize=256)
def _compiled(pattern: str, options: str) -> Any:
    flags = 0
    for letter in options:
        flags |= REGEX_FLAGS[letter]
    return regex.compile(pattern, flags)


class _RegexCalls:
    """SQLite's veneer_regexp for one list. SQLite reports any error of a function as a failed
    statement; this keeps the oracle's own error (a pattern too expensive to match)."""

    def __init__(self) -> None:
        self.error: ValidationFailed | None = None

    def __call__(self, pattern: str, options: str, text: str, tail: str) -> bool:
        try:
            return search_regex(_compiled(pattern, options), fi.decode_text(text + tail))
        except ValidationFailed as exc:
            self.error = exc
            raise


@contextmanager
def regex_errors(conn: Connection) -> Iterator[None]:
    """Around the statements of one list: on SQLite, provides veneer_regexp and turns its
    failure back into the oracle's ValidationFailed; on PostgreSQL, turns a regular expression
    it refuses (too complex to compile, though `pgregex` bounds the size) into a 422."""
    if conn.dialect.name != "sqlite":
        try:
            yield
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) not in _REGEX_STATES:
                raise
            raise _invalid(
                f"$regex can't run on this database: {str(exc.orig).splitlines()[0]}"
            ) from None
        return
    calls = _RegexCalls()
    conn.connection.driver_connection.create_function(  # type: ignore[union-attr]
        "veneer_regexp", 4, calls, deterministic=True
    )
    try:
        yield
    except OperationalError:
        if calls.error is not None:
            raise calls.error from None
        raise


_REGEX_STATES = ("2201B", "54000")  # invalid_regular_expression, program_limit_exceeded


# ---------------------------------------------------------------------------------------------
# Rendering


@dataclass(frozen=True)
class Rows:
    """The index rows of one list's documents in one locale."""

    stack: str
    scope: str
    content_type: str
    locale: str

    def at(self, a: FromClause, path: str) -> list[Clause]:
        """Rows of every document at `path`: a range of ix_entry_values_lookup."""
        return [
            a.c.stack == self.stack,
            a.c.scope == self.scope,
            a.c.locale == self.locale,
            a.c.content_type == self.content_type,
            a.c.path == path,
        ]

    def of(self, a: FromClause, entry: ColumnElement[str], path: str) -> list[Clause]:
        """Rows of one document at `path`: a range of the primary key."""
        return [
            a.c.stack == self.stack,
            a.c.scope == self.scope,
            a.c.locale == self.locale,
            a.c.entry == entry,
            a.c.path == path,
        ]


def render(f: Filter, rows: Rows, entry: ColumnElement[str]) -> Clause:
    """`f` as a condition on the candidate `entry` (a column of the driving rows)."""
    if isinstance(f, AllOf):
        return and_(true(), *(render(p, rows, entry) for p in f.parts))
    if isinstance(f, AnyOf):
        return or_(false(), *(render(p, rows, entry) for p in f.parts))
    if f.hint:
        return true()
    a = entry_values.alias()
    conditions = rows.of(a, entry, f.path) + ([f.row(a)] if f.row else [])
    found = select(a.c.n).where(*conditions).offset(0).exists()  # OFFSET 0: see the docstring
    return ~found if f.negated else found


def driver(f: Filter) -> tuple[Has | None, Filter]:
    """The leaf whose rows should drive a list (every candidate has a row there), and the rest of
    the filter; equality before other leaves. (None, f) when no positive leaf is required."""
    parts = f.parts if isinstance(f, AllOf) else (f,)
    leaves = [p for p in parts if isinstance(p, Has) and not p.negated]
    if not leaves:
        return None, f
    best = min(leaves, key=lambda leaf: (leaf.cost, not leaf.hint))
    return best, all_of(p for p in parts if p is not best and not (isinstance(p, Has) and p.hint))
