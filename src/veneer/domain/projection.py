"""The `only` / `except` parameters however the SDKs spell them. The Python SDK and Veneer's own
clients send `only[BASE][]=title`; the JS SDK serializes its arrays with indices,
`only[BASE][0]=title&only[BASE][1]=url` (and bracket-doubling clients `only[BASE][][]`). All of
them name the same list of field paths, read here once for delivery and management reads."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from veneer.domain import query as domain_query

PARAM = re.compile(r"(only|except)\[BASE\](?:\[[0-9]*\])+")


def is_projection(name: str) -> bool:
    return PARAM.fullmatch(name) is not None


def projected(names: Iterable[str]) -> bool:
    """Whether any of the parameter names asks for a projection."""
    return any(is_projection(name) for name in names)


def paths(items: Iterable[tuple[str, str]]) -> tuple[list[str], list[str]]:
    """(only, except) field paths from the (name, value) query parameters, in the order sent."""
    only: list[str] = []
    excluded: list[str] = []
    for name, value in items:
        match = PARAM.fullmatch(name)
        if match is not None and value:
            (only if match.group(1) == "only" else excluded).append(value)
    return only, excluded


def project_all(
    items: Iterable[tuple[str, str]], docs: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """`docs` projected as the parameters ask (the same list when they ask nothing)."""
    only, excluded = paths(items)
    if not only and not excluded:
        return docs
    return [domain_query.project(doc, only or None, excluded or None) for doc in docs]
