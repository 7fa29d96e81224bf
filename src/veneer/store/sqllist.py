"""Entry lists in SQL: `query`, `asc`/`desc`, `skip`/`limit` and `include_count` over the
field-value index, with exactly the results of `domain.listing.select_page` (the oracle; see
docs/queries.md). The management API's entry lists use it (`store.entries.Entries.page`).

Each entry counts once, in the first locale of the fallback chain it exists in: one SELECT per
locale of the chain, each excluding the entries an earlier locale has. Sorting follows the
oracle: by the sort key's kind, then its value; entries without one (missing or null) last in uid
order; ties by uid. The code, not the planner, chooses which index range drives each statement
(the planners' estimates are poor on a table that mixes every path):

1. Probe: the candidates, driven by the query's driving leaf (`sqlquery.driver`), at most PROBE.
2. Few: the page is ordered and cut by the database from those candidates' sort rows (primary-key
   lookups), and the count is their number.
3. Many, or no leaf to drive: walk the sort key's rows in index order, checking the query per
   row, until the page is full; entries without a sort key follow, walked over the documents' root
   rows in uid order. The count scans the driving leaf's (or every document's) rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Select,
    and_,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.engine import Connection, Row

from veneer.domain import fieldindex as fi
from veneer.domain.listing import MAX_LIMIT
from veneer.domain.query import DEFAULT_SORT
from veneer.errors import ValidationFailed
from veneer.store import entrystatus
from veneer.store.entrystatus import Condition
from veneer.store.sqlquery import (
    AllOf,
    Clause,
    Filter,
    Rows,
    checked_path,
    compile_filter,
    driver,
    regex_errors,
    render,
)
from veneer.store.tables import entry_values, publications

PROBE = 2000  # candidates up to which a list sorts its matches rather than walk the sort key
# Fields Veneer sets itself, never longer than fieldindex.TEXT_PREFIX: their `tail` is always '',
# so their order is the index's own (kind, num, text, entry) and a walk stops at the page's end
# (with `tail` in ORDER BY, the databases sort every tie group of the index order).
SHORT = frozenset({"updated_at", "created_at", "uid", "_version", "locale"})


@dataclass(frozen=True)
class Target:
    """Whose documents a list reads: `scope` '' is the latest versions, else an environment uid;
    `locales` is the fallback chain, the locale asked for first."""

    stack: str
    scope: str
    content_type: str
    locales: tuple[str, ...]

    def rows(self, locale: str) -> Rows:
        return Rows(self.stack, self.scope, self.content_type, locale)


@dataclass(frozen=True)
class Listing:
    """The list parameters; `query` is the parsed JSON object (None or {} for every entry)."""

    query: dict[str, Any] | None = None
    asc: str | None = None
    desc: str | None = None
    skip: int = 0
    limit: int = MAX_LIMIT
    include_count: bool = False
    count_limit: int | None = None  # count at most this many, then answer count_limit + 1
    conditions: tuple[Condition, ...] = ()  # the editor's publish-state filters (entrystatus)


@dataclass(frozen=True)
class Page:
    entries: list[tuple[str, str]]  # (entry uid, the locale it was chosen in), in list order
    count: int | None  # with include_count


@dataclass(frozen=True)
class Compiled:
    """A validated list: the filter and the sort (`param` is the parameter that named it)."""

    target: Target
    filter: Filter
    field: str
    descending: bool
    param: str
    count_limit: int | None = None
    conditions: tuple[Condition, ...] = ()
    dialect: str = ""

    def having(
        self,
        entry: ColumnElement[str],
        shown: ColumnElement[str],
        conditions: tuple[Condition, ...] | None = None,
    ) -> Clause:
        """The editor's conditions (all, or those given) on a candidate `entry` shown in the
        locale `shown`."""
        t = self.target
        if self.dialect == "postgresql":
            # entry_values.entry sorts in "C"; the other tables' keys in the default collation,
            # which their indexes need the comparison to use (else PostgreSQL scans them).
            entry = entry.collate("default")
        wanted = self.conditions if conditions is None else conditions
        return entrystatus.render(wanted, t.stack, t.locales[0], entry, shown)

    def drivable(self) -> bool:
        """Whether a leaf of the query or a publish state can drive the candidates."""
        return driver(self.filter)[0] is not None or entrystatus.drives(self.conditions) is not None


def compile_list(dialect: str, target: Target, listing: Listing) -> Compiled:
    """Validate a list; raises ValidationFailed for what the index can't answer."""
    field, descending, param = (
        (listing.asc, False, "asc")
        if listing.asc
        else (listing.desc, True, "desc")
        if listing.desc
        else (DEFAULT_SORT, True, "desc")
    )  # `asc` wins, as in `sort_entries`
    field = checked_path(field, lambda message: _param_error(param, message))
    filt = compile_filter(listing.query, dialect) if listing.query else AllOf(())
    return Compiled(
        target,
        filt,
        field,
        descending,
        param,
        listing.count_limit,
        listing.conditions,
        dialect,
    )


def _param_error(param: str, message: str) -> ValidationFailed:
    return ValidationFailed(f"The '{param}' parameter is not valid.", {param: [message]})


def list_entries(conn: Connection, target: Target, listing: Listing) -> Page:
    """One page of a list and, with include_count, the number of entries it has."""
    c = compile_list(conn.dialect.name, target, listing)
    empty = Page([], 0 if listing.include_count else None)
    if not target.locales:
        return empty
    with regex_errors(conn):
        found = _probe(conn, c)
        if found == {}:
            return empty
        if found is not None:
            present, missing = _few(c, found)
            entries = _page(conn, c, present, missing, listing.skip, listing.limit)
            count = len(found) if listing.include_count else None
            if count is not None and c.count_limit is not None:
                count = min(count, c.count_limit + 1)
            return Page(entries, count)
        present, missing = _walk(c)
        entries = _page(conn, c, present, missing, listing.skip, listing.limit)
        count = conn.execute(_count(c)).scalar_one() if listing.include_count else None
    if count is not None and c.count_limit is not None:
        count = min(count, c.count_limit + 1)
    return Page(entries, count)


# ---------------------------------------------------------------------------------------------
# Candidates: the entries a list holds, each in its locale


def _candidates(c: Compiled, rank: int) -> Select[Any]:
    """(entry, locale) of the candidates in the chain's `rank`th locale, driven by the filter's
    driving leaf, else by the publications of a publish state the list asks for, else by every
    document's root row. An entry may repeat (several values)."""
    locale = c.target.locales[rank]
    rows = c.target.rows(locale)
    lead, rest = driver(c.filter)

    def driven(*driving: Clause, d: FromClause) -> Select[Any]:
        return select(d.c.entry, literal(locale).label("locale")).where(
            *driving,
            _chosen(c.target, rank, d.c.entry),
            render(rest, rows, d.c.entry),
            c.having(d.c.entry, literal(locale)),
        )

    status = entrystatus.drives(c.conditions)
    if lead is None and status is not None:
        return _published(c, rank, status)
    if lead is None:
        d = entry_values.alias("d")
        return driven(*rows.at(d, fi.ROOT), d=d)
    alternatives = lead.split or ((lead.row,) if lead.row is not None else ())
    if len(alternatives) <= 1:
        d = entry_values.alias("d")
        return driven(*rows.at(d, lead.path), *(row(d) for row in alternatives), d=d)
    # One index range each (an $in's values; a range's rows between its bounds and the entries
    # with several values), read in turn: an entry may come twice, the callers dedupe.
    selects = []
    for n, row in enumerate(alternatives):
        d = entry_values.alias(f"d{n}")
        selects.append(driven(*rows.at(d, lead.path), row(d), d=d))
    u = union_all(*selects).subquery()
    return select(u.c.entry, u.c.locale)


def _published(c: Compiled, rank: int, status: entrystatus.Status) -> Select[Any]:
    """The candidates of `_candidates` driven by the base publications of one environment in the
    list's locale (a range of ix_publications_ct), each with a document in the rank's locale."""
    locale = c.target.locales[rank]
    rows, p, d = c.target.rows(locale), publications.alias("p"), entry_values.alias("d")
    documented = select(d.c.n).where(*rows.of(d, p.c.entry, fi.ROOT)).offset(0).exists()
    return select(p.c.entry, literal(locale).label("locale")).where(
        p.c.stack == c.target.stack,
        p.c.environment == status.environment,
        p.c.locale == c.target.locales[0],
        p.c.content_type == c.target.content_type,
        p.c.variant == entrystatus.BASE,
        documented,
        _chosen(c.target, rank, p.c.entry),
        render(c.filter, rows, p.c.entry),
        # `p` is the publication the driving condition asks for: the others, and "changed" on it
        entrystatus.newer(c.target.stack, p, literal(locale))
        if status.state == "changed"
        else true(),
        c.having(p.c.entry, literal(locale), tuple(x for x in c.conditions if x != status)),
    )


def _chosen(target: Target, rank: int, entry: ColumnElement[str]) -> Clause:
    """No earlier locale of the chain has the entry: this rank's locale is its first."""
    if rank == 0:
        return true()
    a = entry_values.alias()
    earlier = select(a.c.n).where(
        a.c.stack == target.stack,
        a.c.scope == target.scope,
        a.c.locale.in_(target.locales[:rank]),
        a.c.entry == entry,
        a.c.path == fi.ROOT,
    )
    return ~earlier.offset(0).exists()


def _probe(conn: Connection, c: Compiled) -> dict[str, str] | None:
    """The candidates (entry -> locale) if something drives them and they are few."""
    if not c.drivable():
        return None
    found: dict[str, str] = {}
    seen = 0
    for rank in range(len(c.target.locales)):
        rows = conn.execute(_candidates(c, rank).limit(PROBE + 1 - seen)).all()
        seen += len(rows)
        if seen > PROBE:
            return None
        found.update((row.entry, row.locale) for row in rows)
    return found


def _count(c: Compiled) -> Select[Any]:
    """The number of candidates: an entry counts once (a leaf may match several of its values);
    the chain's locales hold different entries, so their counts add up."""
    counts = []
    for rank in range(len(c.target.locales)):
        candidates = _candidates(c, rank)
        if c.drivable():
            candidates = candidates.with_only_columns(candidates.selected_columns.entry).distinct()
        if c.count_limit is not None:  # each locale's count stops one past the limit
            candidates = candidates.limit(c.count_limit + 1)
        counts.append(select(func.count()).select_from(candidates.subquery()).scalar_subquery())
    return select(sum(counts[1:], counts[0]))


# ---------------------------------------------------------------------------------------------
# Pages: the entries with a sort key in order, then those without one in uid order


def _few(c: Compiled, found: dict[str, str]) -> tuple[Select[Any], Select[Any]]:
    """(present, missing) among known candidates, by primary-key lookups."""
    by_locale: dict[str, list[str]] = {}
    for entry, locale in found.items():
        by_locale.setdefault(locale, []).append(entry)

    def among(a: FromClause) -> Clause:
        return and_(
            a.c.stack == c.target.stack,
            a.c.scope == c.target.scope,
            or_(*(and_(a.c.locale == k, a.c.entry.in_(v)) for k, v in by_locale.items())),
        )

    s, r = entry_values.alias("s"), entry_values.alias("r")
    present = _sort_columns(s).where(among(s), s.c.path == c.field, s.c.first)
    missing = select(r.c.entry, r.c.locale).where(
        among(r), r.c.path == fi.ROOT, ~_has_sort_key(c, r, r.c.locale)
    )
    return _ordered(c, [present]), _by_uid([missing])


def _walk(c: Compiled) -> tuple[Select[Any], Select[Any]]:
    """(present, missing) walking the sort key's rows, then the root rows, in index order."""
    present, missing = [], []
    for rank, locale in enumerate(c.target.locales):
        rows, s, r = c.target.rows(locale), entry_values.alias("s"), entry_values.alias("r")
        present.append(
            _sort_columns(s).where(
                *rows.at(s, c.field),
                s.c.first,
                _chosen(c.target, rank, s.c.entry),
                render(c.filter, rows, s.c.entry),
                c.having(s.c.entry, literal(locale)),
            )
        )
        missing.append(
            select(r.c.entry, literal(locale).label("locale")).where(
                *rows.at(r, fi.ROOT),
                _chosen(c.target, rank, r.c.entry),
                render(c.filter, rows, r.c.entry),
                c.having(r.c.entry, literal(locale)),
                ~_has_sort_key(c, r, literal(locale)),
            )
        )
    return _ordered(c, present), _by_uid(missing)


def _sort_columns(s: FromClause) -> Select[Any]:
    return select(s.c.entry, s.c.locale, s.c.kind, s.c.num, s.c.text, s.c.tail)


def _has_sort_key(c: Compiled, r: FromClause, locale: ColumnElement[str]) -> Clause:
    a = entry_values.alias()
    return (
        select(a.c.n)
        .where(
            a.c.stack == c.target.stack,
            a.c.scope == c.target.scope,
            a.c.locale == locale,
            a.c.entry == r.c.entry,
            a.c.path == c.field,
            a.c.first,
        )
        .offset(0)
        .exists()
    )


def _union(selects: Sequence[Select[Any]]) -> FromClause:
    return (selects[0] if len(selects) == 1 else union_all(*selects)).subquery()


def _ordered(c: Compiled, selects: Sequence[Select[Any]]) -> Select[Any]:
    """The oracle's order: by kind, then value; equal keys by entry uid ascending."""
    u = _union(selects)
    keys = [u.c.kind, u.c.num, u.c.text] + ([] if c.field in SHORT else [u.c.tail])
    return select(u).order_by(*(k.desc() if c.descending else k for k in keys), u.c.entry)


def _by_uid(selects: Sequence[Select[Any]]) -> Select[Any]:
    u = _union(selects)
    return select(u).order_by(u.c.entry)


def _page(
    conn: Connection,
    c: Compiled,
    present: Select[Any],
    missing: Select[Any],
    skip: int,
    limit: int,
) -> list[tuple[str, str]]:
    rows = conn.execute(present.limit(limit).offset(skip)).all()
    _refuse_json_sort(rows, c)
    page = [(row.entry, row.locale) for row in rows]
    if len(page) < limit:  # the present entries ran out: the missing ones follow
        if page:
            before = skip + len(page)
        else:
            before = conn.execute(select(func.count()).select_from(present.subquery())).scalar_one()
        rest = missing.limit(limit - len(page)).offset(max(0, skip - before))
        page += [(row.entry, row.locale) for row in conn.execute(rest)]
    return page


def _refuse_json_sort(rows: Sequence[Row[Any]], c: Compiled) -> None:
    """The index holds objects and lists as hashes, which don't sort as the oracle does (by their
    JSON text). They sort as one block after booleans (before them, descending), so a page that
    holds none of them is exact; a page that holds one is refused."""
    if any(row.kind == fi.KIND_JSON for row in rows):
        raise _param_error(
            c.param, f"entries can't be sorted by {c.field!r} where it holds an object or a list"
        )
