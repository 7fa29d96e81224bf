"""Parsing of the list parameters every collection endpoint shares (semantics §1)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from veneer.domain import query as domain_query
from veneer.errors import ValidationFailed

MAX_LIMIT = 100


@dataclass(frozen=True)
class ListParams:
    skip: int = 0
    limit: int = MAX_LIMIT
    include_count: bool = False
    asc: str | None = None
    desc: str | None = None
    query: Callable[[dict[str, Any]], bool] | None = None

    def page(self, items: list[Any]) -> list[Any]:
        return items[self.skip : self.skip + self.limit]


def flag(params: Mapping[str, Any], name: str) -> bool:
    return str(params.get(name, "")).lower() in {"true", "1", "yes"}


def _int(params: Mapping[str, Any], name: str, default: int, low: int, high: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(str(raw))
    except ValueError:
        raise ValidationFailed(
            f"The '{name}' parameter must be a whole number.", {name: ["is not a number."]}
        ) from None
    if not low <= value <= high:
        raise ValidationFailed(
            f"The '{name}' parameter must be between {low} and {high}.",
            {name: [f"must be between {low} and {high}."]},
        )
    return value


def parse_query(raw: Any) -> Callable[[dict[str, Any]], bool] | None:
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
    return domain_query.compile_query(raw) if raw else None


def list_params(params: Mapping[str, Any]) -> ListParams:
    return ListParams(
        skip=_int(params, "skip", 0, 0, 10_000_000),
        limit=_int(params, "limit", MAX_LIMIT, 1, MAX_LIMIT),
        include_count=flag(params, "include_count"),
        asc=params.get("asc") or None,
        desc=params.get("desc") or None,
        query=parse_query(params.get("query")),
    )


def select_page(items: list[dict[str, Any]], lp: ListParams) -> tuple[list[dict[str, Any]], int]:
    """Filter, sort, count, page: the same steps for management and delivery lists."""
    if lp.query is not None:
        items = [item for item in items if lp.query(item)]
    items = domain_query.sort_entries(items, lp.asc, lp.desc)
    return lp.page(items), len(items)
