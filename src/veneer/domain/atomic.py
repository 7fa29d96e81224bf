"""Contentstack's atomic update operators on `PUT …/entries/{uid}`: instead of a field's new value
the body may name an operation on the stored one, so that concurrent writers need not read and
send back whole lists or counters:

- `{"PUSH": {"data": x}}` appends `x` (each item of a list) to a multiple field;
- `{"PULL": {"data": x}}` removes the items equal to `x` (or to an item of it), and
  `{"PULL": {"query": q}}` the items matching `q` (`{"$in": […]}` on plain values, `{"field":
  {"$in": […]}}` on groups), as an entries query matches;
- `{"UPDATE": {"index": i, "data": x}}` replaces the item at `i`;
- `{"ADD": n}` and `{"SUB": n}` add to or subtract from a number field (absent counts as 0).

Operations are resolved against the version the update replaces, under the write lock, before
the result is validated like any update. Operations may sit at the top level or inside a group
(a group holding one is merged with its stored value). Pure: no I/O."""

from __future__ import annotations

from typing import Any

from veneer.domain.query import compile_query
from veneer.errors import ValidationFailed

OPERATORS = frozenset({"PUSH", "PULL", "UPDATE", "ADD", "SUB"})
Errors = dict[str, list[str]]


def is_operation(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and next(iter(value)) in OPERATORS


def _holds_operation(value: Any) -> bool:
    return isinstance(value, dict) and (
        is_operation(value) or any(_holds_operation(v) for v in value.values())
    )


def resolve(body: dict[str, Any], previous: dict[str, Any]) -> dict[str, Any]:
    """`body` with every operation replaced by the value it makes of `previous`'s; raises
    ValidationFailed naming each operation that cannot apply."""
    if not _holds_operation(body):
        return body
    errors: Errors = {}
    resolved = _resolve(body, previous, "", errors)
    if errors:
        raise ValidationFailed("The entry's update operations could not be applied.", errors)
    return resolved


def _resolve(body: dict[str, Any], stored: Any, prefix: str, errors: Errors) -> dict[str, Any]:
    stored = stored if isinstance(stored, dict) else {}
    out = dict(body)
    for key, value in body.items():
        path = prefix + key
        if is_operation(value):
            out[key] = _apply(path, value, stored.get(key), errors)
        elif _holds_operation(value):
            out[key] = {
                **(stored.get(key) or {}),
                **_resolve(value, stored.get(key), path + ".", errors),
            }
    return out


def _apply(path: str, operation: dict[str, Any], current: Any, errors: Errors) -> Any:
    ((name, operand),) = operation.items()
    if name in ("ADD", "SUB"):
        return _arithmetic(path, name, operand, current, errors)
    if current is None:
        current = []
    if not isinstance(current, list):
        errors.setdefault(path, []).append(f"{name} needs a multiple field.")
        return current
    if not isinstance(operand, dict):
        errors.setdefault(path, []).append(f"{name} takes an object.")
        return current
    if name == "PUSH":
        return _push(path, operand, current, errors)
    if name == "PULL":
        return _pull(path, operand, current, errors)
    return _update(path, operand, current, errors)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _arithmetic(path: str, name: str, operand: Any, current: Any, errors: Errors) -> Any:
    if not _number(operand):
        errors.setdefault(path, []).append(f"{name} takes a number.")
        return current
    if current is None:
        current = 0
    if not _number(current):
        errors.setdefault(path, []).append(f"{name} needs a number field.")
        return current
    return current + operand if name == "ADD" else current - operand


def _push(path: str, operand: dict[str, Any], current: list[Any], errors: Errors) -> Any:
    if "data" not in operand:
        errors.setdefault(path, []).append("PUSH needs `data`.")
        return current
    data = operand["data"]
    return [*current, *(data if isinstance(data, list) else [data])]


def _pull(path: str, operand: dict[str, Any], current: list[Any], errors: Errors) -> Any:
    if "data" in operand:
        data = operand["data"]
        gone = data if isinstance(data, list) else [data]
        return [item for item in current if item not in gone]
    if isinstance(operand.get("query"), dict):
        query = operand["query"]
        plain = all(k.startswith("$") for k in query)
        try:
            matches = compile_query({"value": query} if plain else query)
        except ValidationFailed as exc:
            errors.setdefault(path, []).extend(
                f"PULL query: {m}" for m in (exc.errors or {}).get("query", [])
            )
            return current
        return [item for item in current if not matches({"value": item} if plain else item)]
    errors.setdefault(path, []).append("PULL needs `data` or `query`.")
    return current


def _update(path: str, operand: dict[str, Any], current: list[Any], errors: Errors) -> Any:
    index = operand.get("index")
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(current):
        errors.setdefault(path, []).append(
            f"UPDATE needs an `index` of an existing item (0 to {len(current) - 1})."
        )
        return current
    if "data" not in operand:
        errors.setdefault(path, []).append("UPDATE needs `data`.")
        return current
    return [*current[:index], operand["data"], *current[index + 1 :]]
