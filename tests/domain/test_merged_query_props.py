"""Property test of `domain.merged_query.choose` (issue 16 §5): a page chosen from the untouched
base matches the database returns and the merged documents of the touched entries is exactly the
page the list oracle (`domain.listing.select_page`) chooses over every document as served."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from veneer.domain.listing import ListParams, select_page
from veneer.domain.merged_query import choose
from veneer.domain.query import compile_query

Doc = dict[str, Any]
TITLES = ["a", "b", "c", None]
QUERIES: list[dict[str, Any] | None] = [
    None,
    {"title": "a"},
    {"title": {"$ne": "b"}},
    {"views": {"$gte": 2}},
    {"$or": [{"title": "c"}, {"views": {"$lt": 1}}]},
    {"title": {"$exists": True}, "views": {"$in": [0, 2, 3]}},
]
SORTS = [(None, None), ("title", None), (None, "title"), ("views", None), (None, "views")]


def fields(draw: Any) -> Doc:
    doc: Doc = {"updated_at": draw(st.sampled_from(["t1", "t2", "t3"]))}
    title = draw(st.sampled_from(TITLES))
    if title is not None:
        doc["title"] = title
    if draw(st.booleans()):
        doc["views"] = draw(st.integers(0, 3))
    return doc


@st.composite
def cases(draw: Any) -> tuple[list[Doc], list[Doc], set[str], ListParams]:
    """Base documents in uid order, the served ones (touched entries may differ), the touched
    uids (a superset of those that differ) and the list's parameters."""
    n = draw(st.integers(0, 9))
    bases = [{"uid": f"blt{i}", **fields(draw)} for i in range(n)]
    touched = {doc["uid"] for doc in bases if draw(st.booleans())}
    served = [
        {"uid": doc["uid"], **fields(draw)} if doc["uid"] in touched else doc for doc in bases
    ]
    where = draw(st.sampled_from(QUERIES))
    asc, desc = draw(st.sampled_from(SORTS))
    lp = ListParams(
        skip=draw(st.integers(0, 6)),
        limit=draw(st.integers(1, 4)),
        include_count=True,
        asc=asc,
        desc=desc,
        query=compile_query(where) if where else None,
        where=where,
    )
    return bases, served, touched, lp


@settings(max_examples=300, deadline=None)
@given(cases())
def test_choose_agrees_with_the_oracle_over_served_documents(
    case: tuple[list[Doc], list[Doc], set[str], ListParams],
) -> None:
    bases, served, touched, lp = case
    # What the database answers: the first skip + limit + |touched| base matches, and the count.
    wide = ListParams(
        skip=0,
        limit=lp.skip + lp.limit + len(touched),
        asc=lp.asc,
        desc=lp.desc,
        query=lp.query,
    )
    first, count = select_page(bases, wide)
    outside = [doc for doc in first if doc["uid"] not in touched]
    pairs = [(b, s) for b, s in zip(bases, served, strict=True) if b["uid"] in touched]
    page, total = choose(outside, pairs, lp, count)
    expected, expected_count = select_page(served, lp)
    assert page == [doc["uid"] for doc in expected]
    assert total == expected_count
