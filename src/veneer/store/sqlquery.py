"""Entry lists in SQL: `query`, `asc`/`desc`, `skip`/`limit` and `include_count`, answered from
the field-value index (`tables.entry_values`) with the results of the Python evaluator in
`veneer.domain.query` and `domain.listing.select_page`, which stays the oracle (docs/queries.md).

A query compiles to a tree of "some value at this path satisfies this row condition" leaves,
negations pushed down to them (a negated leaf is NOT EXISTS, so a missing field matches `$ne` as in
the oracle). Each leaf is an indexed lookup on (stack, scope, locale, content_type, path, kind,
num, text). A list in locale L with fallbacks [L, F, ...] takes each entry once, in the first
locale of the chain it exists in: one SELECT per locale of the chain, each excluding the entries
an earlier locale has, each evaluating the query against its own locale's rows.

Refused with ValidationFailed (422), never evaluated by scanning in Python: paths with a numeric
segment (list positions), paths longer than `fieldindex.MAX_PATH`, on PostgreSQL a `$regex`
outside the subset that means the same there (`_like_patterns`), and a page whose order would
depend on comparing objects or lists (`_refuse_json_sort`).
"""

from __future__ import annotations

import operator
import string
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import regex
from sqlalchemy import (
    Boolean,
    ColumnElement,
    FromClause,
    Select,
    and_,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import OperationalError

from veneer.domain import fieldindex as fi
from veneer.domain.listing import MAX_LIMIT
from veneer.domain.query import _REGEX_FLAGS, DEFAULT_SORT, _search, compile_query
from veneer.errors import ValidationFailed
from veneer.store.tables import entry_values

Clause = ColumnElement[bool]
RowCondition = Callable[[FromClause], Clause]


@dataclass(frozen=True)
class Target:
    """Whose documents a list reads: `scope` '' is the latest versions, else an environment uid;
    `locales` is the fallback chain, the locale asked for first."""

    stack: str
    scope: str
    content_type: str
    locales: tuple[str, ...]


@dataclass(frozen=True)
class Listing:
    """The list parameters; `query` is the parsed JSON object (None or {} for every entry)."""

    query: dict[str, Any] | None = None
    asc: str | None = None
    desc: str | None = None
    skip: int = 0
    limit: int = MAX_LIMIT
    include_count: bool = False


@dataclass(frozen=True)
class Page:
    entries: list[tuple[str, str]]  # (entry uid, the locale it was chosen in), in list order
    count: int | None  # with include_count


# ---------------------------------------------------------------------------------------------
# The filter tree


@dataclass(frozen=True)
class Has:
    """Some value at `path` satisfies `row` (any value when None); or, negated, none does."""

    path: str
    row: RowCondition | None = None
    negated: bool = False


@dataclass(frozen=True)
class AllOf:
    parts: tuple[Filter, ...]


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Filter, ...]


Filter = Has | AllOf | AnyOf


def negate(f: Filter) -> Filter:
    """NOT f, pushed down to the leaves (De Morgan)."""
    if isinstance(f, Has):
        return Has(f.path, f.row, not f.negated)
    if isinstance(f, AllOf):
        return AnyOf(tuple(negate(p) for p in f.parts))
    return AllOf(tuple(negate(p) for p in f.parts))


# ---------------------------------------------------------------------------------------------
# Compiling a query (validated by the oracle first: same errors, same limits)


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed("The query is not valid.", {"query": [message]})


def compile_filter(q: dict[str, Any], dialect: str) -> Filter:
    compile_query(q)
    return _object(q, dialect)


def _object(q: dict[str, Any], dialect: str) -> Filter:
    return AllOf(tuple(_clause(key, value, dialect) for key, value in q.items()))


def _clause(key: str, value: Any, dialect: str) -> Filter:
    if key in ("$and", "$or"):
        parts = tuple(_object(item, dialect) for item in value)
        return AllOf(parts) if key == "$and" else AnyOf(parts)
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
    return AllOf(
        tuple(
            _operator(path, op, operand, options, dialect)
            for op, operand in condition.items()
            if op != "$options"
        )
    )


def _operator(path: str, op: str, operand: Any, options: str, dialect: str) -> Filter:
    if op in _COMPARISONS:
        return Has(path, _comparison(op, operand))
    if op == "$regex":
        return Has(path, _regex(path, operand, options, dialect))
    if op == "$exists":
        return Has(path, negated=not operand)
    found = _equals(path, operand if op in ("$in", "$nin") else [operand])
    return found if op == "$in" else negate(found)  # $in, or $ne / $nin


def _equals(path: str, operands: list[Any]) -> Filter:
    """Equal to one of `operands` (JSON equality); a null operand also matches a missing field."""
    keys = [fi.value_key(o) for o in operands if o is not None]
    parts: list[Filter] = [Has(path, _one_of(keys))] if keys else []
    if len(keys) < len(operands):
        parts += [Has(path, negated=True), Has(path, _one_of([fi.value_key(None)]))]
    return AnyOf(tuple(parts))


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
# $regex: SQLite calls the `regex` module as the oracle does; PostgreSQL takes a literal subset


def _regex(path: str, pattern: str, options: str, dialect: str) -> RowCondition:
    if dialect == "sqlite":
        return lambda a: and_(
            a.c.kind == fi.KIND_STRING,
            func.veneer_regexp(pattern, options, a.c.text, a.c.tail, type_=Boolean),
        )
    likes = _like_patterns(pattern, options)
    if likes is None:
        raise _invalid(
            f"$regex {pattern!r} on {path!r} can't run on this database: only literal text "
            "(with punctuation escaped by a backslash), an optional ^ at the start and $ at the "
            "end, and the options m and s are supported"
        )
    return lambda a: and_(
        a.c.kind == fi.KIND_STRING,
        or_(*(a.c.text.concat(a.c.tail).like(like, escape="\\") for like in likes)),
    )


_SPECIAL = frozenset(".^$*+?{}[]|()\\")
_PUNCTUATION = frozenset(string.punctuation)


def _like_patterns(pattern: str, options: str) -> list[str] | None:
    """LIKE patterns of which one matches exactly the strings where `regex` finds `pattern`, or
    None when the pattern is outside the subset whose meaning is certain: literal characters
    and escaped ASCII punctuation, `^` first and `$` last (matching before a final newline, or
    any newline with m), options m and s (s is moot without '.'). Not i: case folding differs."""
    parsed = _literal(pattern)
    if parsed is None or not set(options) <= {"m", "s"}:
        return None
    start, text, end = parsed
    body = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    lines = "m" in options
    heads = (["", "%\n"] if lines else [""]) if start else ["%"]
    tails = (["", "\n%"] if lines else ["", "\n"]) if end else ["%"]
    return [head + body + tail for head in heads for tail in tails]


def _literal(pattern: str) -> tuple[bool, str, bool] | None:
    """(anchored at the start, the literal text, anchored at the end), or None."""
    start = pattern.startswith("^")
    chars: list[str] = []
    end = False
    i = int(start)
    while i < len(pattern):
        char, after = pattern[i], pattern[i + 1 : i + 2]
        if char == "\\" and after in _PUNCTUATION:
            chars.append(after)
            i += 1
        elif char == "$" and i == len(pattern) - 1:
            end = True
        elif char in _SPECIAL or char < "\x03":  # \x00-\x02 are escaped in the stored text
            return None
        else:
            chars.append(char)
        i += 1
    return start, "".join(chars), end


@lru_cache(maxsize=256)
def _compiled(pattern: str, options: str) -> Any:
    flags = 0
    for letter in options:
        flags |= _REGEX_FLAGS[letter]
    return regex.compile(pattern, flags)


class _RegexCalls:
    """SQLite's veneer_regexp for one list. SQLite reports any error of a function as a failed
    statement; this keeps the oracle's own error (a pattern too expensive to match)."""

    def __init__(self) -> None:
        self.error: ValidationFailed | None = None

    def __call__(self, pattern: str, options: str, text: str, tail: str) -> bool:
        try:
            return _search(_compiled(pattern, options), fi.decode_text(text + tail))
        except ValidationFailed as exc:
            self.error = exc
            raise


@contextmanager
def _regex_errors(conn: Connection) -> Iterator[None]:
    if conn.dialect.name != "sqlite":
        yield
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


# ---------------------------------------------------------------------------------------------
# Rendering


@dataclass(frozen=True)
class _At:
    """Where a filter is evaluated: the candidate entry column, in one locale of the chain."""

    target: Target
    locale: str
    entry: ColumnElement[str]


def _where(a: FromClause, target: Target, locale: str, path: str) -> list[Clause]:
    return [
        a.c.stack == target.stack,
        a.c.scope == target.scope,
        a.c.locale == locale,
        a.c.content_type == target.content_type,
        a.c.path == path,
    ]


def render(f: Filter, at: _At) -> Clause:
    if isinstance(f, AllOf):
        return and_(true(), *(render(p, at) for p in f.parts))
    if isinstance(f, AnyOf):
        return or_(false(), *(render(p, at) for p in f.parts))
    a = entry_values.alias()
    conditions = _where(a, at.target, at.locale, f.path) + ([f.row(a)] if f.row else [])
    if f.negated:
        return ~exists().where(*conditions, a.c.entry == at.entry)
    return at.entry.in_(select(a.c.entry).where(*conditions))


def _chosen(target: Target, rank: int, entry: ColumnElement[str]) -> Clause:
    """No earlier locale of the chain has the entry: this rank's locale is its first."""
    if rank == 0:
        return true()
    a = entry_values.alias()
    return ~exists().where(
        a.c.stack == target.stack,
        a.c.scope == target.scope,
        a.c.locale.in_(target.locales[:rank]),
        a.c.entry == entry,
        a.c.path == fi.ROOT,
    )


def _has_sort_key(target: Target, locale: str, path: str, entry: ColumnElement[str]) -> Clause:
    a = entry_values.alias()
    return exists().where(*_where(a, target, locale, path), a.c.first, a.c.entry == entry)


# ---------------------------------------------------------------------------------------------
# The statements of a list


@dataclass(frozen=True)
class Plan:
    """The statements of one list. `present`: the entries with a sort key, in order; `missing`:
    those without one (missing or null), which follow in uid order; `count`: all of them."""

    present: Select[Any]
    missing: Select[Any]
    present_count: Select[Any]
    count: Select[Any]
    sort_field: str
    sort_param: str


def compile_listing(dialect: str, target: Target, listing: Listing) -> Plan:
    """Validate and compile a list; raises ValidationFailed for what the index can't answer."""
    field, descending, param = _sort(listing)
    filt = compile_filter(listing.query, dialect) if listing.query else AllOf(())
    present, missing, every = [], [], []
    for rank, locale in enumerate(target.locales):
        s, r = entry_values.alias("s"), entry_values.alias("r")
        present.append(
            select(s.c.entry, literal(locale).label("locale"), s.c.kind, s.c.num, s.c.text)
            .add_columns(s.c.tail)
            .where(*_where(s, target, locale, field), s.c.first)
            .where(_chosen(target, rank, s.c.entry), render(filt, _At(target, locale, s.c.entry)))
        )
        candidates = (
            select(r.c.entry, literal(locale).label("locale"))
            .where(*_where(r, target, locale, fi.ROOT), _chosen(target, rank, r.c.entry))
            .where(render(filt, _At(target, locale, r.c.entry)))
        )
        every.append(candidates)
        missing.append(candidates.where(~_has_sort_key(target, locale, field, r.c.entry)))
    p, m, e = _union(present), _union(missing), _union(every)
    return Plan(
        present=select(p).order_by(*_order(p, descending)),
        missing=select(m).order_by(m.c.entry),
        present_count=select(func.count()).select_from(p),
        count=select(func.count()).select_from(e),
        sort_field=field,
        sort_param=param,
    )


def _sort(listing: Listing) -> tuple[str, bool, str]:
    """(field, descending, the parameter that named it): `asc` wins, as in `sort_entries`."""
    field, descending, param = (
        (listing.asc, False, "asc")
        if listing.asc
        else (listing.desc, True, "desc")
        if listing.desc
        else (DEFAULT_SORT, True, "desc")
    )

    return checked_path(field, lambda message: _param_error(param, message)), descending, param


def _param_error(param: str, message: str) -> ValidationFailed:
    return ValidationFailed(f"The '{param}' parameter is not valid.", {param: [message]})


def _union(selects: Sequence[Select[Any]]) -> FromClause:
    return (selects[0] if len(selects) == 1 else union_all(*selects)).subquery()


def _order(u: FromClause, descending: bool) -> list[Any]:
    """The oracle's order: by kind, then value; ties (and equal keys) by entry uid ascending."""
    keys = [u.c.kind, u.c.num, u.c.text, u.c.tail]
    return [key.desc() if descending else key for key in keys] + [u.c.entry]


# ---------------------------------------------------------------------------------------------
# Running a list


def list_entries(conn: Connection, target: Target, listing: Listing) -> Page:
    """One page of a list and, with include_count, the number of entries it has."""
    plan = compile_listing(conn.dialect.name, target, listing)
    if not target.locales:
        return Page([], 0 if listing.include_count else None)
    with _regex_errors(conn):
        entries = _page(conn, plan, listing.skip, listing.limit)
        count = conn.execute(plan.count).scalar_one() if listing.include_count else None
    return Page(entries, count)


def _page(conn: Connection, plan: Plan, skip: int, limit: int) -> list[tuple[str, str]]:
    rows = conn.execute(plan.present.limit(limit).offset(skip)).all()
    _refuse_json_sort(rows, plan)
    page = [(row.entry, row.locale) for row in rows]
    if len(page) < limit:  # the present entries ran out: the missing ones follow
        present = skip + len(page) if page else conn.execute(plan.present_count).scalar_one()
        missing = plan.missing.limit(limit - len(page)).offset(max(0, skip - present))
        page += [(row.entry, row.locale) for row in conn.execute(missing)]
    return page


def _refuse_json_sort(rows: Sequence[Row[Any]], plan: Plan) -> None:
    """The index holds objects and lists as hashes, which don't sort as the oracle does (by their
    JSON text). They sort as one block after booleans (before them, descending), so a page that
    holds none of them is exact; a page that holds one is refused."""
    if any(row.kind == fi.KIND_JSON for row in rows):
        raise _param_error(
            plan.sort_param,
            f"entries can't be sorted by {plan.sort_field!r} where it holds an object or a list",
        )
