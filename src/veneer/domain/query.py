"""Entry lists: the ``query`` filter, ``asc``/``desc`` sorting and ``only``/``except`` projection.

Pure: no I/O, no clock. A query is Contentstack's JSON object (Mongo-like):

    {"title": "x"}                  equality; against a list value, membership
    {"n": {"$gt": 1, "$lte": 5}}    $ne $in $nin $lt $lte $gt $gte $exists $regex $options
    {"$or": [{...}, {...}]}         $and / $or, nested up to MAX_DEPTH levels
    {"seo.meta_title": "x"}         dot paths; over a list of instances, any element may match
    {"author.uid": "blt…"}          references are lists of {uid, _content_type_uid}
    {"taxonomies.color": "red"}     the terms an entry holds in a taxonomy (domain.taxonomies)

Choices:
- Mongo semantics for missing values: ``{"f": null}`` and ``$ne``/``$nin`` match a missing field;
  ``$exists: true`` matches a field present with null.
- ``$lt``… compare numbers with numbers and strings with strings (ISO dates sort as strings);
  other pairs never match.
- A ``$regex`` match that runs past ``REGEX_TIMEOUT`` raises ValidationFailed ("too expensive")
  instead of counting as no match: a silently wrong, shorter list would look like a real answer.
"""

from __future__ import annotations

import copy
import json
import operator
from collections.abc import Callable, Iterator
from typing import Any

import regex

from veneer.domain import taxonomies
from veneer.errors import ValidationFailed

Entry = dict[str, Any]
Predicate = Callable[[Entry], bool]

MAX_DEPTH = 10
MAX_CLAUSES = 200
MAX_REGEX_LENGTH = 1000
REGEX_TIMEOUT = 0.05  # seconds, per match
DEFAULT_SORT = "updated_at"
REGEX_FLAGS = {"i": regex.IGNORECASE, "m": regex.MULTILINE, "s": regex.DOTALL, "x": regex.VERBOSE}
_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "$lt": operator.lt,
    "$lte": operator.le,
    "$gt": operator.gt,
    "$gte": operator.ge,
}


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed("The query is not valid.", {"query": [message]})


# ---------------------------------------------------------------------------------------------
# Compiling


class _Budget:
    """Counts clauses across the whole query, so a wide query is refused like a deep one."""

    def __init__(self) -> None:
        self.clauses = 0

    def spend(self) -> None:
        self.clauses += 1
        if self.clauses > MAX_CLAUSES:
            raise _invalid(f"has more than {MAX_CLAUSES} clauses")


def compile_query(q: object) -> Predicate:
    """Validate ``q`` completely, then return a predicate over entries.

    Raises ValidationFailed ``{"query": [...]}`` for unknown operators, wrong operand types,
    invalid regexes, nesting deeper than MAX_DEPTH or more than MAX_CLAUSES clauses.
    """
    return _compile_object(q, 1, _Budget(), "the query")


def _compile_object(q: object, depth: int, budget: _Budget, what: str) -> Predicate:
    if depth > MAX_DEPTH:
        raise _invalid(f"nests deeper than {MAX_DEPTH} levels")
    if not isinstance(q, dict):
        raise _invalid(f"{what} must be a JSON object")
    return _all_of([_compile_clause(key, value, depth, budget) for key, value in q.items()])


def _compile_clause(key: str, value: Any, depth: int, budget: _Budget) -> Predicate:
    budget.spend()
    if key in ("$and", "$or"):
        if not isinstance(value, list) or not value:
            raise _invalid(f"{key} must be a non-empty list of objects")
        parts = [_compile_object(v, depth + 1, budget, f"each item of {key}") for v in value]
        return _all_of(parts) if key == "$and" else _any_of(parts)
    if key.startswith("$"):
        raise _invalid(f"unknown operator {key!r}")
    return _compile_field(key, value, budget)


def _split_path(path: str) -> tuple[str, ...]:
    parts = tuple(path.split("."))
    if not all(parts):
        raise _invalid(f"field path {path!r} has an empty segment")
    return parts


def _compile_field(path: str, condition: Any, budget: _Budget) -> Predicate:
    parts = _split_path(path)
    if not isinstance(condition, dict) or not any(k.startswith("$") for k in condition):
        return _equals(parts, condition)  # a plain object is an exact sub-document match
    if not all(k.startswith("$") for k in condition):
        raise _invalid(f"{path!r} mixes operators and field names")
    if "$options" in condition and "$regex" not in condition:
        raise _invalid(f"$options on {path!r} needs a $regex beside it")
    return _all_of(
        [
            _compile_operator(path, parts, op, operand, condition, budget)
            for op, operand in condition.items()
            if op != "$options"
        ]
    )


def _compile_operator(
    path: str,
    parts: tuple[str, ...],
    op: str,
    operand: Any,
    condition: dict[str, Any],
    budget: _Budget,
) -> Predicate:
    budget.spend()
    if op in _COMPARISONS:
        return _comparison(path, parts, op, operand)
    if op == "$regex":
        return _regex(path, parts, operand, condition.get("$options", ""))
    if op in ("$in", "$nin"):
        if not isinstance(operand, list):
            raise _invalid(f"{op} on {path!r} needs a list")
        found = _member_of(parts, operand)
        return found if op == "$in" else _negate(found)
    if op == "$ne":
        return _negate(_equals(parts, operand))
    if op == "$exists":
        if not isinstance(operand, bool):
            raise _invalid(f"$exists on {path!r} needs true or false")
        return lambda entry: bool(_values_at(entry, parts)) == operand
    raise _invalid(f"unknown operator {op!r} on {path!r}")


def _comparison(path: str, parts: tuple[str, ...], op: str, operand: Any) -> Predicate:
    if isinstance(operand, bool) or not isinstance(operand, (int, float, str)):
        raise _invalid(f"{op} on {path!r} needs a number or a string")
    test = _COMPARISONS[op]
    return lambda entry: any(
        _comparable(v, operand) and test(v, operand) for v in _flat(_values_at(entry, parts))
    )


def _regex(path: str, parts: tuple[str, ...], pattern: Any, options: Any) -> Predicate:
    if not isinstance(pattern, str) or len(pattern) > MAX_REGEX_LENGTH:
        raise _invalid(
            f"$regex on {path!r} needs a string of at most {MAX_REGEX_LENGTH} characters"
        )
    if not isinstance(options, str) or not set(options) <= set(REGEX_FLAGS):
        raise _invalid(f"$options on {path!r} may only hold the letters i, m, s, x")
    flags = 0
    for letter in options:
        flags |= REGEX_FLAGS[letter]
    try:
        compiled = regex.compile(pattern, flags)
    except (regex.error, OverflowError, RecursionError) as exc:
        raise _invalid(f"$regex on {path!r} is not a valid pattern: {exc}") from None
    return lambda entry: any(
        isinstance(v, str) and search_regex(compiled, v) for v in _flat(_values_at(entry, parts))
    )


def search_regex(compiled: Any, text: str) -> bool:
    try:
        return compiled.search(text, timeout=REGEX_TIMEOUT) is not None
    except TimeoutError:
        raise _invalid(
            f"$regex {compiled.pattern!r} is too expensive to match; simplify the pattern"
        ) from None


def _all_of(predicates: list[Predicate]) -> Predicate:
    return lambda entry: all(p(entry) for p in predicates)


def _any_of(predicates: list[Predicate]) -> Predicate:
    return lambda entry: any(p(entry) for p in predicates)


def _negate(predicate: Predicate) -> Predicate:
    return lambda entry: not predicate(entry)


def _equals(parts: tuple[str, ...], operand: Any) -> Predicate:
    return lambda entry: _matches(_values_at(entry, parts), operand)


def _member_of(parts: tuple[str, ...], operands: list[Any]) -> Predicate:
    def found(entry: Entry) -> bool:
        values = _values_at(entry, parts)
        return any(_matches(values, operand) for operand in operands)

    return found


# ---------------------------------------------------------------------------------------------
# Matching


def _values_at(entry: Any, parts: tuple[str, ...]) -> list[Any]:
    """Every value the path reaches. A list of instances fans out (Mongo's array traversal);
    a numeric segment also indexes a list. `taxonomies.<taxonomy_uid>` also reaches the term uids
    the entry holds in that taxonomy (`domain.taxonomies`), after what the walk finds there."""
    current = [entry]
    for depth, part in enumerate(parts):
        current = [found for node in current for found in _step(node, part)]
        if depth == 1 and parts[0] == taxonomies.FIELD_UID and isinstance(entry, dict):
            current += taxonomies.term_values(entry.get(parts[0]), part)
    return current


def _step(node: Any, part: str) -> list[Any]:
    if isinstance(node, dict):
        return [node[part]] if part in node else []
    if not isinstance(node, list):
        return []
    found = [item[part] for item in node if isinstance(item, dict) and part in item]
    if part.isascii() and part.isdigit() and int(part) < len(node):
        found.insert(0, node[int(part)])
    return found


def _flat(values: list[Any]) -> Iterator[Any]:
    # A list value matches as a whole and through each of its elements.
    for value in values:
        yield value
        if isinstance(value, list):
            yield from value


def _matches(values: list[Any], operand: Any) -> bool:
    if operand is None and not values:
        return True
    return any(_json_eq(value, operand) for value in _flat(values))


def _json_eq(a: Any, b: Any) -> bool:
    # JSON equality: True is not 1, and containers compare element by element under that rule.
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_json_eq(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_json_eq(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _comparable(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return False
    numbers = (int, float)
    return (isinstance(a, numbers) and isinstance(b, numbers)) or (
        isinstance(a, str) and isinstance(b, str)
    )


# ---------------------------------------------------------------------------------------------
# Sorting


def sort_entries(
    entries: list[Entry], asc: str | None = None, desc: str | None = None
) -> list[Entry]:
    """Sort by a field path (``asc`` wins if both are given); by default ``updated_at`` newest
    first, as Contentstack does. Missing or null values go last in either direction; values of
    different types never raise (numbers < strings < booleans < anything else)."""
    field, reverse = (asc, False) if asc else (desc, True) if desc else (DEFAULT_SORT, True)
    parts = tuple(field.split("."))
    keyed = [(_sort_key(_values_at(entry, parts)), entry) for entry in entries]
    present = [(key, entry) for key, entry in keyed if key is not None]
    present.sort(key=lambda pair: pair[0], reverse=reverse)  # stable, even reversed
    return [entry for _, entry in present] + [entry for key, entry in keyed if key is None]


def _sort_key(values: list[Any]) -> tuple[int, Any] | None:
    value = values[0] if values else None
    if isinstance(value, list):  # a multiple field sorts by its first value
        value = value[0] if value else None
    if value is None:
        return None
    if isinstance(value, bool):
        return (2, value)
    if isinstance(value, (int, float)):
        return (0, value)
    if isinstance(value, str):
        return (1, value)
    return (3, json.dumps(value, sort_keys=True, default=str))


# ---------------------------------------------------------------------------------------------
# Projection

PathTree = dict[str, Any]  # segment -> True (the whole value) or a deeper PathTree


def project(entry: Entry, only: list[str] | None = None, except_: list[str] | None = None) -> Entry:
    """Apply ``only[BASE][]`` then ``except[BASE][]``. Dot paths reach into groups and through
    lists of instances. ``uid`` is never removed. Returns a new dict; ``entry`` is untouched."""
    out = copy.deepcopy(entry)
    if only:
        out = _keep(out, _path_tree(only))
        if "uid" in entry:
            out = {"uid": entry["uid"], **out}
    if except_:
        tree = _path_tree(except_)
        tree.pop("uid", None)
        out = _drop(out, tree)
    return out


def _path_tree(paths: list[str]) -> PathTree:
    tree: PathTree = {}
    for path in paths:
        parts = [p for p in path.split(".") if p]
        node = tree
        for part in parts[:-1]:
            if node.get(part) is True:
                break  # an ancestor is already selected whole
            node = node.setdefault(part, {})
        else:
            if parts:
                node[parts[-1]] = True
    return tree


def _keep(value: Any, tree: PathTree) -> Any:
    if isinstance(value, list):
        kept = [_keep(item, tree) for item in value if isinstance(item, dict)]
        return [item for item in kept if item] or None  # no instance had the path
    if not isinstance(value, dict):
        return None
    out = {}
    for key, sub in tree.items():
        if key not in value:
            continue
        kept = value[key] if sub is True else _keep(value[key], sub)
        if sub is True or kept is not None:
            out[key] = kept
    return out


def _drop(value: Any, tree: PathTree) -> Any:
    if isinstance(value, list):
        return [_drop(item, tree) for item in value]
    if not isinstance(value, dict):
        return value
    return {
        key: (_drop(item, tree[key]) if key in tree else item)
        for key, item in value.items()
        if tree.get(key) is not True
    }
