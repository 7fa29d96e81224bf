"""List parameters every collection endpoint shares (semantics §1), and the pure steps of a list:
choosing each entry's locale along a fallback chain, then filter, sort, count and page."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import orjson

from veneer.domain import query as domain_query
from veneer.errors import ValidationFailed

MAX_LIMIT = 100
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass(frozen=True)
class ListParams:
    """`where` is the parsed JSON `query` object (the SQL lists answer it), `query` its compiled
    predicate (the lists filtered in Python); both None for no query."""

    skip: int = 0
    limit: int = MAX_LIMIT
    include_count: bool = False
    asc: str | None = None
    desc: str | None = None
    query: Callable[[dict[str, Any]], bool] | None = None
    where: dict[str, Any] | None = None
    # Count at most this many entries, then answer one more ("more than"): the editor's lists,
    # which need not read a million rows to say there are more pages. None: exact, as the APIs.
    count_limit: int | None = None

    def page(self, items: list[Any]) -> list[Any]:
        return items[self.skip : self.skip + self.limit]


def flag(params: Mapping[str, Any], name: str) -> bool:
    return str(params.get(name, "")).lower() in {"true", "1", "yes"}


# A skip past every row answers an empty page (as Contentstack does): `csdx cm:stacks:export`
# counts assets with `skip=1e+100`. Larger skips are read as this one, which no list reaches.
SKIP_BEYOND = 2**53


def _whole(text: str) -> int | None:
    """A whole number written as digits or in exponent notation (`1e+100`), else None."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        return None
    if not number.is_integer():  # also False for inf and nan
        return None
    return int(min(number, float(SKIP_BEYOND)))


def _int(
    params: Mapping[str, Any], name: str, default: int, low: int, high: int, clamp: bool = False
) -> int:
    """`clamp`: a whole number out of range is read as the nearest sensible one instead of
    refused: above `high` as `high`, below `low` as `default`."""
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    value = _whole(str(raw).strip())
    if value is None:
        raise ValidationFailed(
            f"The '{name}' parameter must be a whole number.", {name: ["is not a number."]}
        )
    if clamp and value > high:
        return high
    if clamp and value < low:
        return default
    if not low <= value <= high:
        raise ValidationFailed(
            f"The '{name}' parameter must be between {low} and {high}.",
            {name: [f"must be between {low} and {high}."]},
        )
    return value


def parse_query(raw: Any) -> Callable[[dict[str, Any]], bool] | None:
    """The compiled predicate of a `query` parameter, or None for none."""
    where = parse_query_object(raw)
    return domain_query.compile_query(where) if where else None


def parse_query_object(raw: Any) -> dict[str, Any] | None:
    """A `query` parameter (JSON text or an object) as a non-empty object, or None for none."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        try:
            raw = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise ValidationFailed(
                "The 'query' parameter is not valid JSON.", {"query": ["is not valid JSON."]}
            ) from None
    if not isinstance(raw, dict):
        raise ValidationFailed(
            "The 'query' parameter must be a JSON object.", {"query": ["must be an object."]}
        )
    return _numbered_lists(raw) or None


LIST_OPERATORS = ("$and", "$or", "$in", "$nin")


def _numbered_lists(value: Any, depth: int = 0) -> Any:
    """`value` with every object under a list operator whose keys are "0", "1", … in order read as
    the list it stands for: the JS delivery SDK's `find(true)` URL-encodes a query's strings and
    turns its arrays into such objects on the way (`{"$and": {"0": {…}, "1": {…}}}`). Deeper
    than any valid query may nest, `value` is left as it is (the query's validation refuses it)."""
    if depth > 2 * domain_query.MAX_DEPTH:
        return value
    if isinstance(value, list):
        return [_numbered_lists(item, depth + 1) for item in value]
    if not isinstance(value, dict):
        return value
    found = {}
    for key, item in value.items():
        if (
            key in LIST_OPERATORS
            and isinstance(item, dict)
            and item
            and list(item) == [str(n) for n in range(len(item))]
        ):
            item = list(item.values())
        found[key] = _numbered_lists(item, depth + 1)
    return found


def list_params(
    params: Mapping[str, Any], expand: Callable[[dict[str, Any]], dict[str, Any]] | None = None
) -> ListParams:
    """The list parameters; `expand` rewrites the `query` object before it is compiled (entry
    lists expand the taxonomy operators `$eq_below`… into the terms they stand for)."""
    where = parse_query_object(params.get("query"))
    if where and expand is not None:
        where = expand(where)
    return ListParams(
        # Out-of-range paging is answered, as Contentstack does (the official SDKs' suites
        # expect entries for `limit(0)`, `limit(-1)`, `limit(10000)` and `skip(-1)`).
        skip=_int(params, "skip", 0, 0, SKIP_BEYOND, clamp=True),
        limit=_int(params, "limit", MAX_LIMIT, 1, MAX_LIMIT, clamp=True),
        include_count=flag(params, "include_count"),
        asc=params.get("asc") or None,
        desc=params.get("desc") or None,
        query=domain_query.compile_query(where) if where else None,
        where=where,
    )


def select_page(items: list[dict[str, Any]], lp: ListParams) -> tuple[list[dict[str, Any]], int]:
    """Filter, sort, count, page: the same steps for management and delivery lists."""
    if lp.query is not None:
        items = [item for item in items if lp.query(item)]
    items = domain_query.sort_entries(items, lp.asc, lp.desc)
    return lp.page(items), len(items)


def fallback_chain(code: str, fallback_of: Callable[[str], str | None | bool]) -> list[str]:
    """`code` followed by its fallbacks, ending where a locale has none; loops are cut.

    `fallback_of(code)` gives a locale's fallback (None for none), or False when the stack has no
    such locale: the chain stops before it (an empty chain when `code` itself is unknown)."""
    chain: list[str] = []
    current: str | None = code
    while current and current not in chain:
        fallback = fallback_of(current)
        if fallback is False:
            break
        chain.append(current)
        current = fallback if isinstance(fallback, str) else None
    return chain


def first_in_chain(rows: Iterable[tuple[K, str, V]], chain: list[str]) -> dict[K, tuple[int, V]]:
    """Each key once, with the rank in `chain` and the value of its row in the earliest locale."""
    rank_of = {code: rank for rank, code in enumerate(chain)}
    best: dict[K, tuple[int, V]] = {}
    for key, code, value in rows:
        rank = rank_of[code]
        if key not in best or rank < best[key][0]:
            best[key] = (rank, value)
    return best


# ---------------------------------------------------------------------------------------------
# Entries across content types (`/v3/taxonomies/entries`)

MAX_WINDOW = 10_000  # skip + limit of a list across content types
PageOf = Callable[[str, ListParams], tuple[list[dict[str, Any]], int | None]]


def merged_page(
    page_of: PageOf, types: list[str], lp: ListParams
) -> tuple[list[dict[str, Any]], int | None]:
    """One page of the entries of several content types, as one list: each type's first
    `skip + limit` entries (`page_of`, filtered, sorted and counted by the database), merged in
    the list's order, each entry with its `_content_type_uid`; the count is the types' sum."""
    window = lp.skip + lp.limit
    if window > MAX_WINDOW:
        raise ValidationFailed(
            f"skip + limit may be at most {MAX_WINDOW} for entries across content types.",
            {"skip": [f"must be at most {MAX_WINDOW - lp.limit} with this limit."]},
        )
    wanted = replace(lp, skip=0, limit=window)
    docs: list[dict[str, Any]] = []
    total = 0
    for ct in types:
        page, count = page_of(ct, wanted)
        docs.extend({**doc, "_content_type_uid": ct} for doc in page)
        total += count or 0
    docs.sort(key=lambda doc: str(doc.get("uid", "")))  # ties in uid order, as each list has them
    ordered = domain_query.sort_entries(docs, lp.asc, lp.desc)
    return ordered[lp.skip : window], (total if lp.include_count else None)
