"""Global fields inside content types, as pure functions over schemas.

A content type names a global field by `reference_to` (a `global_field` field, or a modular
block). Veneer stores content types with each referenced global field's schema copied in
(`expand`): everything downstream (entry validation, the field-value index and its queries,
delivery, entry variants addressing group instances) then sees an ordinary group and needs no
second lookup. The APIs answer the reference alone (`strip`) unless the caller asks for
`include_global_field_schema=true`, as Contentstack does. When a global field changes, the content
types that use it (`uses`) are expanded again. Nested global fields (Contentstack's
`api_version: 3.2`) expand the same way, to `MAX_DEPTH`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from veneer.errors import ValidationFailed

MAX_DEPTH = 5  # global fields inside global fields; deeper (or a cycle) is refused
Resolve = Callable[[str], "dict[str, Any] | None"]


def _referenced(item: dict[str, Any]) -> str | None:
    """The global field a field (or a block) names, if it names one."""
    ref = item.get("reference_to")
    is_global = item.get("data_type") == "global_field" or "data_type" not in item
    return ref if is_global and isinstance(ref, str) and ref else None


def _children(item: dict[str, Any]) -> list[dict[str, Any]]:
    """The fields and blocks directly inside a field (or a block)."""
    inner = [f for f in item.get("schema") or [] if isinstance(f, dict)]
    if item.get("data_type") == "blocks":
        inner += [b for b in item.get("blocks") or [] if isinstance(b, dict)]
    return inner


def expand(schema: list[Any], resolve: Resolve, depth: int = 0) -> list[Any]:
    """A copy of `schema` with the schema of every global field it names (at any depth) copied
    in. A name that is no global field, or nesting past `MAX_DEPTH`, is refused."""
    out = copy.deepcopy(schema)
    for field in out:
        if isinstance(field, dict):
            _expand_item(field, resolve, depth)
    return out


def _expand_item(item: dict[str, Any], resolve: Resolve, depth: int) -> None:
    ref = _referenced(item)
    if ref is not None:
        if depth >= MAX_DEPTH:
            raise _refused(ref, f"nests global fields more than {MAX_DEPTH} deep (a cycle?)")
        found = resolve(ref)
        if found is None:
            raise _refused(ref, "is not a global field of this stack")
        item["schema"] = expand(found["schema"], resolve, depth + 1)
        return
    for child in _children(item):
        _expand_item(child, resolve, depth)


def _refused(ref: str, why: str) -> ValidationFailed:
    return ValidationFailed(
        "Content Type update failed. Please enter valid data.",
        {"reference_to": [f"'{ref}' {why}."]},
        error_code=115,
    )


def strip(schema: list[Any]) -> list[Any]:
    """A copy of `schema` naming its global fields by reference only (their schema left out), as
    content types are answered unless `include_global_field_schema=true`."""
    out = copy.deepcopy(schema)
    for field in out:
        if isinstance(field, dict):
            _strip_item(field)
    return out


def _strip_item(item: dict[str, Any]) -> None:
    if _referenced(item) is not None:
        item.pop("schema", None)
        return
    for child in _children(item):
        _strip_item(child)


def uses(schema: list[Any]) -> set[str]:
    """Every global field `schema` names, at any depth (inside expanded ones too)."""
    found: set[str] = set()
    pending = [f for f in schema if isinstance(f, dict)]
    while pending:
        item = pending.pop()
        ref = _referenced(item)
        if ref is not None:
            found.add(ref)
        pending.extend(_children(item))
    return found


def shaped(doc: dict[str, Any], include_schema: bool) -> dict[str, Any]:
    """A content type (or global field) document as the API answers it."""
    if include_schema or not isinstance(doc.get("schema"), list):
        return doc
    return {**doc, "schema": strip(doc["schema"])}
