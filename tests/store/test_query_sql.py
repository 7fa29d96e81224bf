"""Entry lists in SQL (`veneer.store.sqlquery`) give the oracle's answer: the Python evaluator of
`veneer.domain.query` with `domain.listing.select_page`, over the documents each entry has in the
first locale of the chain. Random documents (with entries' terms, `taxonomies`), random queries,
on SQLite and on PostgreSQL."""

from __future__ import annotations

import itertools
import secrets
import time
from typing import Any
from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import event as sa_event

from veneer.domain.listing import ListParams, first_in_chain, select_page
from veneer.domain.query import _sort_key, _values_at, compile_query
from veneer.errors import ValidationFailed
from veneer.services.context import Services
from veneer.store import sqllist
from veneer.store.pgregex import SUBSET
from veneer.store.sqllist import Listing, Page, Target, list_entries
from veneer.store.values import Document, delete_documents, insert_documents, replace_documents

LOCALES = ("en", "fr", "de")
UIDS = ("a", "B", "b", "_x", "e1", "e10", "e2", "Z", "é")
KEYS = ("a", "b", "g", "l", "tags", "r", "uid")
PATHS = (
    "updated_at", "a", "b", "g", "g.a", "g.b", "l", "l.a", "l.b", "l.g.a", "r", "r.uid", "tags",
    "zz", "a.a", "taxonomies.c", "taxonomies.s", "taxonomies.term_uid", "taxonomies",
)  # fmt: skip
SCALARS = (
    None, True, False, 0, 1, -1, 1.0, 1.5, -2.5, 2**53, 2**53 + 1, 2.0**53, -(2**63), 2**63 - 1,
    "", "a", "A", "b", "ab", "é", "ß", "日本", "😀", "a\x00", "a\x01b", "a\nb", "a\n", "\x02",
    "x" * 130, "x" * 129 + "y", "x" * 128, "%_\\", "a.b",
)  # fmt: skip
PATTERNS = (
    "a", "^a", "a$", "^a$", "^$", "", "b", "é", "^x", "x$", "\\.", "a\\$", "\n", "%", "_", "\\\\",
    "a.", "x{2}", "^x+$", "[ab]", "A", "ß", "a\\nb", "(a|b)",
)  # fmt: skip
COMPARISONS = ("$lt", "$lte", "$gt", "$gte")
PROBES = (sqllist.PROBE, 1)  # few candidates (sorted by the database) and many (a walk)
OPTIONS = ("", "", "m", "s", "ms", "i", "x")

pool = st.sampled_from(SCALARS)
scalars = st.one_of(  # half from the pool, so that queries and documents meet
    pool,
    pool,
    pool,
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=5),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=3)
    ),
    max_leaves=6,
)
references = st.lists(
    st.fixed_dictionaries({"uid": st.sampled_from(UIDS), "_content_type_uid": st.just("p")}),
    max_size=2,
)
# An entry's terms (domain.taxonomies): `taxonomies.c` reaches the term uids held in taxonomy c,
# after what a walk finds there (an item with a key "c", in a value that is not a taxonomy field's).
term_items = st.lists(
    st.fixed_dictionaries(
        {"taxonomy_uid": st.sampled_from(["c", "s"]), "term_uid": st.sampled_from(["a", "b", "é"])}
    )
    | st.dictionaries(st.sampled_from(["taxonomy_uid", "term_uid", "c"]), values, max_size=2),
    max_size=3,
)
documents = st.fixed_dictionaries(
    {},
    optional={
        "a": values,
        "b": st.sampled_from([0, 1, 1.0, "a", "b", True, False, None]),  # ties in sorts
        "updated_at": st.sampled_from(["2024-01", "2024-02", "2024-02-01"]),
        "g": st.dictionaries(st.sampled_from(KEYS), values, max_size=3),
        "l": st.lists(st.dictionaries(st.sampled_from(KEYS), values, max_size=3), max_size=3),
        "tags": st.lists(scalars, max_size=3),
        "r": references,
        "taxonomies": term_items,
    },
)
entries = st.dictionaries(
    st.sampled_from(UIDS),
    st.dictionaries(st.sampled_from(LOCALES), documents, min_size=1, max_size=3),
    min_size=1,
    max_size=8,
)
comparable = st.sampled_from(
    [s for s in SCALARS if isinstance(s, (int, float, str)) and not isinstance(s, bool)]
) | st.integers(-3, 3)
conditions = st.one_of(
    values,
    st.builds(lambda v: {"$ne": v}, values),
    st.builds(lambda v: {"$in": v}, st.lists(values, max_size=3)),
    st.builds(lambda v: {"$nin": v}, st.lists(values, max_size=3)),
    st.builds(lambda op, v: {op: v}, st.sampled_from(COMPARISONS), comparable),
    st.builds(
        lambda low, lo, high, hi: {low: lo, high: hi},
        st.sampled_from(("$gt", "$gte")),
        comparable,
        st.sampled_from(("$lt", "$lte")),
        comparable,
    ),
    st.builds(lambda v: {"$exists": v}, st.booleans()),
    st.builds(
        lambda p, o: {"$regex": p, "$options": o} if o else {"$regex": p},
        st.sampled_from(PATTERNS),
        st.sampled_from(OPTIONS),
    ),
)
queries = st.recursive(
    st.dictionaries(st.sampled_from(PATHS), conditions, min_size=1, max_size=2),
    lambda inner: st.builds(
        lambda op, parts: {op: parts},
        st.sampled_from(["$and", "$or"]),
        st.lists(inner, min_size=1, max_size=3),
    ),
    max_leaves=4,
)
listings = st.builds(
    Listing,
    query=st.none() | queries,
    asc=st.none() | st.sampled_from(PATHS),
    desc=st.none() | st.sampled_from(PATHS),
    skip=st.sampled_from([0, 0, 0, 1, 2, 4]),
    limit=st.integers(1, 6),
    include_count=st.booleans(),
)
chains = st.permutations(LOCALES).flatmap(lambda p: st.integers(1, 3).map(lambda n: p[:n]))


def oracle(stored: dict[str, dict[str, Any]], chain: tuple[str, ...], listing: Listing) -> Page:
    """select_page over each entry's document in its first locale of the chain, in uid order."""
    rows = [(uid, code, doc) for uid, docs in stored.items() for code, doc in docs.items()]
    best = first_in_chain([row for row in rows if row[1] in chain], list(chain))
    docs = [best[uid][1] for uid in sorted(best)]
    where = {id(best[uid][1]): (uid, chain[best[uid][0]]) for uid in best}
    lp = ListParams(
        skip=listing.skip,
        limit=listing.limit,
        include_count=listing.include_count,
        asc=listing.asc,
        desc=listing.desc,
        query=compile_query(listing.query) if listing.query else None,
    )
    page, count = select_page(docs, lp)
    return Page([where[id(doc)] for doc in page], count if listing.include_count else None)


def sorts_by_json(page: Page, stored: dict[str, dict[str, Any]], listing: Listing) -> bool:
    """Whether the oracle's page holds an entry whose sort key is an object or a list."""
    field = listing.asc or listing.desc or "updated_at"
    keys = [
        _sort_key(_values_at(stored[uid][code], tuple(field.split("."))))
        for uid, code in page.entries
    ]
    return any(key is not None and key[0] == 3 for key in keys)


def write(services: Services, stack: str, scope: str, stored: dict[str, dict[str, Any]]) -> None:
    docs = [
        Document(stack, scope, code, "ct", uid, doc)
        for uid, by_locale in stored.items()
        for code, doc in by_locale.items()
    ]
    # Noise the lists must not see: another content type, another scope.
    noise = [Document(stack, "other", d.locale, "ct", d.entry, {"a": 1}) for d in docs]
    noise += [Document(stack, scope, "en", "ct2", "zz" + uid, {"a": 1}) for uid in stored]
    with services.store.engine.begin() as conn:
        insert_documents(conn, docs + noise)


@settings(
    max_examples=250,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    stored=entries,
    scope=st.sampled_from(["", "env1"]),
    cases=st.lists(st.tuples(chains, listings), min_size=1, max_size=4),
)
def test_sql_lists_equal_the_oracle(
    services: Services,
    stored: dict[str, dict[str, Any]],
    scope: str,
    cases: list[tuple[tuple[str, ...], Listing]],
) -> None:
    stack = secrets.token_hex(8)
    write(services, stack, scope, stored)
    for (chain, listing), probe in itertools.product(cases, PROBES):
        expected = oracle(stored, chain, listing)
        with services.store.engine.connect() as conn, patch.object(sqllist, "PROBE", probe):
            try:
                got = list_entries(conn, Target(stack, scope, "ct", chain), listing)
            except ValidationFailed as exc:
                refused(exc, services.store.dialect, expected, stored, listing)
                event(f"refused: {next(iter(exc.errors))}")
                continue
        assert not sorts_by_json(expected, stored, listing)
        assert got == expected, (chain, listing, probe)
        event(f"entries on the page: {min(len(got.entries), 3)}")


def refused(
    exc: ValidationFailed,
    dialect: str,
    expected: Page,
    stored: dict[str, dict[str, Any]],
    listing: Listing,
) -> None:
    """The only refusals a generated list may meet: a regex PostgreSQL can't run, a json sort."""
    message = str(exc.errors)
    if "can't run on this database" in message:
        assert dialect == "postgresql"
    else:
        assert "where it holds an object or a list" in message, message
        assert sorts_by_json(expected, stored, listing)


@pytest.fixture
def stack() -> str:
    return secrets.token_hex(8)


def test_replacing_and_deleting_documents(services: Services, stack: str) -> None:
    one = Document(stack, "", "en", "ct", "e1", {"title": "old"})
    two = Document(stack, "", "en", "ct", "e2", {"title": "old"})
    with services.store.engine.begin() as conn:
        insert_documents(conn, [one, two])
        replace_documents(conn, [Document(stack, "", "en", "ct", "e1", {"title": "new"})])
        delete_documents(conn, [two])
    target = Target(stack, "", "ct", ("en",))
    with services.store.engine.connect() as conn:
        assert list_entries(conn, target, Listing({"title": "new"}, include_count=True)) == Page(
            [("e1", "en")], 1
        )
        assert list_entries(conn, target, Listing({"title": "old"}, include_count=True)) == Page(
            [], 0
        )


def test_repeated_in_operands_do_not_match_a_missing_field(services: Services, stack: str) -> None:
    """Found by the property test: `$in` with a repeated operand and no null one matched entries
    without the field (duplicates were counted as a null operand)."""
    stored = {"a": {"en": {"b": 1}}, "b": {"en": {"zz": []}}}
    write(services, stack, "", stored)
    target = Target(stack, "", "ct", ("en",))
    listings = [
        Listing({"zz": {"$in": [{}, [], []]}}),
        Listing({"zz": {"$in": [1, 1]}}),
        Listing({"zz": {"$nin": [[], []]}}),
        Listing({"zz": {"$in": [None, None]}}),
    ]
    with services.store.engine.connect() as conn:
        for listing in listings:
            assert list_entries(conn, target, listing) == oracle(stored, ("en",), listing), listing
    assert oracle(stored, ("en",), listings[0]).entries == [("b", "en")]


def test_every_scalar_compares_and_sorts_as_in_the_oracle(services: Services, stack: str) -> None:
    """Exhaustively, over tricky scalars: long strings that share their indexed prefix, escaped
    control characters, integers beyond 2**53 beside floats, booleans beside 0 and 1."""
    stored = {f"e{i:02}": {"en": {"v": value}} for i, value in enumerate(SCALARS)}
    write(services, stack, "", stored)
    operands = [s for s in SCALARS if isinstance(s, (int, float, str)) and not isinstance(s, bool)]
    listings = [Listing({"v": {op: o}}, limit=100) for op in COMPARISONS for o in operands]
    listings += [Listing({"v": o}, limit=100) for o in SCALARS]
    listings += [Listing(asc="v", limit=100), Listing(desc="v", skip=3, limit=100)]
    target = Target(stack, "", "ct", ("en",))
    with services.store.engine.connect() as conn:
        for listing in listings:
            assert list_entries(conn, target, listing) == oracle(stored, ("en",), listing), listing


def test_a_two_sided_range_reads_the_rows_between_and_the_multi_valued(
    services: Services, stack: str
) -> None:
    """`{"$gte": 5, "$lt": 7}` asks for some value >= 5 and some value < 7: [1, 10] has both with
    none between them. The list is driven by the rows between the bounds and the entries with
    several values (ix_entry_values_multi); the single values outside are never read."""
    stored = {f"e{n:03}": {"en": {"v": n}} for n in range(200)}
    stored["many"] = {"en": {"v": [1, 10]}}
    stored["far"] = {"en": {"v": [100, 150]}}
    write(services, stack, "", stored)
    listing = Listing({"v": {"$gte": 5, "$lt": 7}}, asc="v", include_count=True)
    assert listed(services, stack, listing) == oracle(stored, ("en",), listing)
    assert listed(services, stack, listing) == Page(
        [("many", "en"), ("e005", "en"), ("e006", "en")], 3
    )
    statements: list[tuple[str, Any]] = []
    with services.store.engine.connect() as conn:
        sa_event.listen(conn, "before_cursor_execute", lambda *a: statements.append((a[2], a[3])))
        list_entries(conn, Target(stack, "", "ct", ("en",)), listing)
        [(probe, parameters)] = [(s, p) for s, p in statements if s.startswith("SELECT")][:1]
        plan = " ".join(str(row) for row in conn.exec_driver_sql(_explain(conn, probe), parameters))
    assert "ix_entry_values_multi" in plan, plan


def _explain(conn: Any, statement: str) -> str:
    return ("EXPLAIN QUERY PLAN " if conn.dialect.name == "sqlite" else "EXPLAIN ") + statement


def listed(services: Services, stack: str, listing: Listing) -> Page:
    with services.store.engine.connect() as conn:
        return list_entries(conn, Target(stack, "", "ct", ("en",)), listing)


def refusal(services: Services, stack: str, listing: Listing) -> tuple[str, str]:
    """(the parameter named, its message) of the 422 the list is refused with."""
    with pytest.raises(ValidationFailed) as info:
        listed(services, stack, listing)
    assert info.value.status == 422
    [(param, [message])] = info.value.errors.items()
    return param, message


@pytest.mark.parametrize(
    "listing,param,fragment",
    [
        (Listing({"l.0.a": 1}), "query", "'l.0.a' has a numeric segment: list positions"),
        (Listing({"$or": [{"a": 1}, {"7": 1}]}), "query", "'7' has a numeric segment"),
        (Listing(asc="l.1"), "asc", "'l.1' has a numeric segment"),
        (Listing(desc="l.1"), "desc", "'l.1' has a numeric segment"),
        (Listing({"a" * 301: 1}), "query", "is longer than 300 characters"),
        (Listing(asc="a." * 151), "asc", "is longer than 300 characters"),
        (Listing({"a": {"$bogus": 1}}), "query", "unknown operator '$bogus'"),  # the oracle's own
    ],
)
def test_paths_the_index_cannot_answer_are_refused(
    services: Services, stack: str, listing: Listing, param: str, fragment: str
) -> None:
    assert refusal(services, stack, listing)[0] == param
    assert fragment in refusal(services, stack, listing)[1]


def test_a_page_ordered_by_objects_is_refused(services: Services, stack: str) -> None:
    write(services, stack, "", {"e1": {"en": {"g": {"a": 1}}}, "e2": {"en": {"g": "s"}}})
    assert refusal(services, stack, Listing(asc="g")) == (
        "asc",
        "entries can't be sorted by 'g' where it holds an object or a list",
    )
    # A page without them is exact: the objects sort as one block after the strings.
    assert listed(services, stack, Listing(asc="g", limit=1)).entries == [("e2", "en")]


SUPPORTED_EVERYWHERE = ["", "abc", "^abc", "abc$", "^abc$", "a\\.b\\$", "%_", "日本", "a.c", "^a+$"]


@pytest.mark.parametrize("pattern", [*SUPPORTED_EVERYWHERE, "(x|y)", "\\d", "a(?=b)", "\\bab"])
def test_regex_outside_the_subset_is_refused_on_postgresql(
    services: Services, stack: str, pattern: str
) -> None:
    """The subset and its refusals in detail: tests/store/test_regex_sql.py."""
    write(services, stack, "", {"e1": {"en": {"t": "abc"}}, "e2": {"en": {"t": "a.b$"}}})
    for options in ("", "m", "i", "x"):
        listing = Listing({"t": {"$regex": pattern, "$options": options}})
        if services.store.dialect == "sqlite" or (
            pattern not in ("a(?=b)", "\\bab") and options in ("", "m", "i")
        ):
            assert listed(services, stack, listing) == oracle(
                {"e1": {"en": {"t": "abc"}}, "e2": {"en": {"t": "a.b$"}}}, ("en",), listing
            )
            continue
        param, message = refusal(services, stack, listing)
        assert param == "query"
        assert message.startswith(f"$regex {pattern!r} on 't' can't run on this database: ")
        assert message.endswith(f"outside the supported subset: {SUBSET}")


def test_a_regex_too_expensive_to_match_is_refused_as_the_oracle_does(
    services: Services, stack: str
) -> None:
    write(services, stack, "", {"e1": {"en": {"t": "a" * 50_000 + "!"}}})
    started = time.perf_counter()
    listing = Listing({"t": {"$regex": "(a+)+$"}})
    if services.store.dialect == "postgresql":  # no backtracking there: the true answer, at once
        assert listed(services, stack, listing).entries == []
    else:
        assert refusal(services, stack, listing) == (
            "query",
            "$regex '(a+)+$' is too expensive to match; simplify the pattern",
        )
    assert time.perf_counter() - started < 2


def test_terms_are_queried_by_taxonomy(services: Services, stack: str) -> None:
    """`taxonomies.<uid>` reaches the terms an entry holds in that taxonomy, in SQL as in the
    oracle; an empty `$in` (a hierarchical operator naming no term) matches nothing."""
    held = {
        "e1": [{"taxonomy_uid": "c", "term_uid": "red"}, {"taxonomy_uid": "s", "term_uid": "xl"}],
        "e2": [{"taxonomy_uid": "c", "term_uid": "blue"}],
        "e3": [{"taxonomy_uid": "s", "term_uid": "red"}],
        "e4": [],
        "e5": [{"c": "red"}, {"taxonomy_uid": "c", "term_uid": "blue"}],  # not a field's value
    }
    stored = {uid: {"en": {"taxonomies": terms}} for uid, terms in held.items()}
    write(services, stack, "", stored)
    target = Target(stack, "", "ct", ("en",))
    cases = [
        (Listing({"taxonomies.c": "red"}, asc="uid"), ["e1", "e5"]),
        (Listing({"taxonomies.c": {"$in": ["red", "blue"]}}, asc="uid"), ["e1", "e2", "e5"]),
        (Listing({"taxonomies.s": {"$exists": True}}, asc="uid"), ["e1", "e3"]),
        (Listing({"taxonomies.c": {"$nin": ["red"]}}, asc="uid"), ["e2", "e3", "e4"]),
        (Listing({"taxonomies.c": "blue"}, asc="taxonomies.c"), ["e2", "e5"]),
        (Listing({"taxonomies.term_uid": "red"}, asc="uid"), ["e1", "e3"]),
        (Listing({"taxonomies.c": {"$in": []}}), []),
    ]
    with services.store.engine.connect() as conn:
        for listing, uids in cases:
            got = list_entries(conn, target, listing)
            assert got == oracle(stored, ("en",), listing), listing
            assert [uid for uid, _code in got.entries] == uids, listing
