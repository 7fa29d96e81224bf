"""Where entries of one content type can be referenced from: the dot paths of the reference fields
(in groups, global fields and modular blocks too) that may point to it. Each such field stores
`{"uid", "_content_type_uid"}` items, so the field-value index holds the referenced uid at
`<path>.uid`; asking the index at exactly those (content type, path) keys finds every entry that
references a given one without reading the stack's entries (`GET …/entries/{uid}/references`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from veneer.domain.schema import reference_targets


def reference_paths(schema: list[Any], target: str) -> Iterator[str]:
    """The `<field>.uid` index path of every reference field of `schema` that may hold `target`."""
    for path, targets in reference_fields(schema):
        if target in targets:
            yield path + ".uid"


def reference_fields(schema: list[Any], prefix: str = "") -> Iterator[tuple[str, list[str]]]:
    """(dot path, content types it may point to) of every reference field of `schema`, through
    groups, global fields and modular blocks (`blocks.<block uid>.field`)."""
    for field in schema:
        if not isinstance(field, dict) or not isinstance(field.get("uid"), str):
            continue
        path = f"{prefix}{field['uid']}"
        kind = field.get("data_type")
        if kind == "reference":
            yield path, reference_targets(field)
        elif kind in ("group", "global_field"):
            yield from reference_fields(field.get("schema") or [], path + ".")
        elif kind == "blocks":
            for block in field.get("blocks") or []:
                if isinstance(block, dict) and isinstance(block.get("uid"), str):
                    inner = block.get("schema") or []
                    yield from reference_fields(inner, f"{path}.{block['uid']}.")


def every_reference_path(
    schema_of: Callable[[str], list[Any]], content_type: str, depth: int, limit: int
) -> list[str]:
    """`include_all`: the dot paths of every reference field reachable from `content_type` within
    `depth` levels of references (`author`, `author.company`, ...), at most `limit` of them (a
    schema whose references fan out widely stops there)."""
    found: list[str] = []
    frontier = [("", content_type)]
    for _level in range(depth):
        following: list[tuple[str, str]] = []
        for prefix, kind in frontier:
            for path, targets in reference_fields(schema_of(kind)):
                if len(found) >= limit:
                    return found
                found.append(prefix + path)
                following.extend((f"{prefix}{path}.", target) for target in targets)
        frontier = following
    return found
