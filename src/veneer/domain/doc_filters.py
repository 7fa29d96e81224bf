"""The `query` of a list of a stack's small documents (extensions: `GET /v3/extensions?query=
{"type": "widget"}`), read into matches the store compiles to SQL (`store/modules.py`).

These documents are not in the field-value index the entry and asset lists query, so their
`query` takes the part of the language their clients send: a top-level key equal to a string,
number or boolean, `$in`, `$nin` and `$ne`. A key whose value is a list (an extension's `tags`)
matches when one of its items does, as in every Contentstack query. Anything else (dot paths,
`$and`, `$regex`, `null`…) is refused with a 422 naming it, never ignored."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from veneer.errors import ValidationFailed

Scalar = str | int | float | bool
KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
MAX_VALUES = 100  # values an `$in` or `$nin` may list
SUPPORTED = "a key equal to a string, number or boolean, $in, $nin or $ne"


@dataclass(frozen=True)
class Match:
    """The document's `key` equals one of `values` (or, as a list, holds one); `negated`: not."""

    key: str
    values: tuple[Scalar, ...]
    negated: bool = False


def doc_filters(where: dict[str, Any] | None) -> tuple[Match, ...]:
    """The matches a `query` object asks for, all to hold together; () for no query."""
    matches: list[Match] = []
    for key, condition in (where or {}).items():
        if not isinstance(key, str) or not KEY.fullmatch(key):
            raise _refuse(key, f"is not supported here: query {SUPPORTED} on a top-level key.")
        if isinstance(condition, dict):
            matches.extend(_operators(key, condition))
        else:
            matches.append(Match(key, (_scalar(key, condition),)))
    return tuple(matches)


def _operators(key: str, condition: dict[str, Any]) -> list[Match]:
    if not condition:
        raise _refuse(key, f"must be a value or an operator ({SUPPORTED}).")
    found = []
    for op, operand in condition.items():
        if op == "$ne":
            found.append(Match(key, (_scalar(key, operand),), negated=True))
        elif op in ("$in", "$nin"):
            found.append(Match(key, _values(key, op, operand), negated=op == "$nin"))
        else:
            raise _refuse(key, f"uses {op}, which this list does not support ({SUPPORTED}).")
    return found


def _values(key: str, op: str, operand: Any) -> tuple[Scalar, ...]:
    if not isinstance(operand, list) or len(operand) > MAX_VALUES:
        raise _refuse(key, f"{op} takes a list of at most {MAX_VALUES} values.")
    return tuple(_scalar(key, value) for value in operand)


def _scalar(key: str, value: Any) -> Scalar:
    if isinstance(value, (str, int, float)):
        return value
    raise _refuse(key, "must be compared with a string, a number or a boolean.")


def _refuse(key: Any, why: str) -> ValidationFailed:
    return ValidationFailed(
        "The 'query' parameter asks for what this list cannot filter by.",
        {f"query.{key}": [why]},
    )
