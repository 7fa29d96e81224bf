"""`$in_query` and `$nin_query`: entries whose reference field points (or does not point) at
entries matching a query, `{"author": {"$in_query": {"title": "Ada"}}}` (the JS delivery SDK's
`whereIn` / `whereNotIn`). Pure: the matching is reached through the function passed in.

They are expanded before a query is compiled, as the taxonomy operators are: the inner query runs
in the database on the content types the field's `reference_to` names (`Match`), and the
condition becomes `{"author.uid": {"$in": [the uids it matched]}}` (`$nin` for `$nin_query`), so
the Python evaluator and SQL see the same plain query. The work is bounded: an inner query may
match at most MAX_MATCHES entries (beyond, a 422 asks for a narrower one) and inner queries nest
at most MAX_NESTING deep."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from veneer.errors import ValidationFailed

OPERATORS = {"$in_query": "$in", "$nin_query": "$nin"}
MAX_MATCHES = 1000  # referenced entries one inner query may match
MAX_NESTING = 3

# (referenced content types, inner query, nesting depth of the inner query) -> matching uids,
# at most MAX_MATCHES + 1 of them
Match = Callable[[list[str], dict[str, Any], int], list[str]]
# a field path of the content type queried -> the content types its reference field names
Targets = Callable[[str], list[str] | None]


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed("The query is not valid.", {"query": [message]})


def wanted(q: Any) -> bool:
    """Whether a query object uses `$in_query` or `$nin_query` anywhere (cheap: no lookups)."""
    if isinstance(q, dict):
        return any(k in OPERATORS or wanted(v) for k, v in q.items())
    if isinstance(q, list):
        return any(wanted(v) for v in q)
    return False


def reference_targets(schema: list[dict[str, Any]], path: str) -> list[str] | None:
    """The content types the reference field at `path` (through groups and global fields)
    names; None when `path` is no reference field."""
    fields: Any = schema
    parts = path.split(".")
    for n, part in enumerate(parts):
        found = (
            next((f for f in fields if isinstance(f, dict) and f.get("uid") == part), None)
            if isinstance(fields, list)
            else None
        )
        if found is None:
            return None
        if n == len(parts) - 1:
            if found.get("data_type") != "reference":
                return None
            ref = found.get("reference_to")
            return [ref] if isinstance(ref, str) else [r for r in ref or [] if isinstance(r, str)]
        fields = found.get("schema")
    return None


def expand(q: dict[str, Any], targets: Targets, match: Match, depth: int = 0) -> dict[str, Any]:
    """`q` with each `{field: {"$in_query": inner}}` (or `$nin_query`) replaced by
    `{field + ".uid": {"$in": uids}}` (or `$nin`)."""
    out = copy.copy(q)
    for key, value in q.items():
        if key in ("$and", "$or") and isinstance(value, list):
            out[key] = [
                expand(v, targets, match, depth) if isinstance(v, dict) else v for v in value
            ]
        elif isinstance(value, dict) and any(op in value for op in OPERATORS):
            del out[key]
            path, condition = _condition(key, value, targets, match, depth)
            if path in out:
                raise _invalid(f"{key!r} is queried twice.")
            out[path] = condition
        elif key in OPERATORS:
            raise _invalid(f"{key} applies to a reference field: {{field: {{{key}: {{…}}}}}}.")
    return out


def _condition(
    path: str, value: dict[str, Any], targets: Targets, match: Match, depth: int
) -> tuple[str, dict[str, Any]]:
    if len(value) != 1:
        raise _invalid(f"$in_query and $nin_query stand alone in the condition on {path!r}.")
    op, inner = next(iter(value.items()))
    if not isinstance(inner, dict):
        raise _invalid(f"{op} takes a query object.")
    if depth >= MAX_NESTING:
        raise _invalid(f"$in_query and $nin_query nest at most {MAX_NESTING} deep.")
    types = targets(path)
    if types is None:
        raise _invalid(f"{op} applies to a reference field; {path!r} is none.")
    uids = match(types, inner, depth + 1)
    if len(uids) > MAX_MATCHES:
        raise ValidationFailed(
            f"The {op} on {path!r} matches more than {MAX_MATCHES} entries. Narrow it.",
            {"query": [f"{op} on {path!r} matches more than {MAX_MATCHES} entries."]},
        )
    return path + ".uid", {OPERATORS[op]: sorted(set(uids))}
