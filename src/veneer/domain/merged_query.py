"""Merged queries (issue 16 §5, docs/variants-beyond.md §5): which top-level fields a list
request asks about, and the order of a page drawn from base documents and merged ones. Pure."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from veneer.domain.listing import ListParams
from veneer.domain.query import DEFAULT_SORT, sort_entries
from veneer.errors import ValidationFailed

PARAM = "variant_query"
MERGED, BASE = "merged", "base"


def wanted(params: Mapping[str, Any]) -> bool:
    """Whether the request asks for merged queries; any value but `merged` or `base` is a 422."""
    raw = params.get(PARAM)
    if raw in (None, "", BASE):
        return False
    if raw == MERGED:
        return True
    raise ValidationFailed(
        f"The '{PARAM}' parameter must be '{MERGED}' or '{BASE}'.",
        {PARAM: [f"must be '{MERGED}' or '{BASE}'."]},
    )


def queried_fields(where: Mapping[str, Any] | None, asc: str | None, desc: str | None) -> list[str]:
    """The top-level fields of the query's field paths (through `$and`/`$or`) and of the sort
    field, in code-point order."""
    sort = asc or desc or DEFAULT_SORT
    return sorted({*_paths(where or {}), sort.split(".")[0]})


def _paths(where: Mapping[str, Any]) -> Iterator[str]:
    for key, value in where.items():
        if key in ("$and", "$or"):
            for part in value if isinstance(value, list) else []:
                if isinstance(part, Mapping):
                    yield from _paths(part)
        elif not key.startswith("$"):
            yield key.split(".")[0]


def ordered(docs: Sequence[dict[str, Any]], asc: str | None, desc: str | None) -> list[str]:
    """The uids of `docs` in list order: the oracle's sort over uid order (the SQL lists' order:
    by the sort key, entries without one last, ties by uid)."""
    by_uid = sorted(docs, key=lambda doc: str(doc.get("uid")))
    return [str(doc["uid"]) for doc in sort_entries(by_uid, asc, desc)]


def choose(
    outside: Sequence[dict[str, Any]],
    touched: Sequence[tuple[dict[str, Any], dict[str, Any]]],
    lp: ListParams,
    count: int | None,
) -> tuple[list[str], int | None]:
    """The page's uids and the count of a merged query. `outside`: the documents of the first
    `skip + limit + len(touched)` base matches (list order) that are not touched; `touched`:
    (base, merged) documents of each touched entry; `count`: the base query's count, if asked.
    Exact: every entry of the true page is touched or among the first `skip + limit` untouched
    base matches, and untouched entries are served with the queried fields of their base."""
    docs = list(outside)
    base_matches = merged_matches = 0
    for base, merged in touched:
        base_matches += _matches(lp, base)
        if _matches(lp, merged):
            merged_matches += 1
            docs.append(merged)
    uids = ordered(docs, lp.asc, lp.desc)[lp.skip : lp.skip + lp.limit]
    return uids, None if count is None else count - base_matches + merged_matches


def _matches(lp: ListParams, doc: dict[str, Any]) -> bool:
    return lp.query is None or lp.query(doc)
