"""Where entries of one content type can be referenced from: the dot paths of the reference fields
(in groups, global fields and modular blocks too) that may point to it. Each such field stores
`{"uid", "_content_type_uid"}` items, so the field-value index holds the referenced uid at
`<path>.uid`; asking the index at exactly those (content type, path) keys finds every entry that
references a given one without reading the stack's entries (`GET …/entries/{uid}/references`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from veneer.domain.schema import reference_targets


def reference_paths(schema: list[Any], target: str, prefix: str = "") -> Iterator[str]:
    """The `<field>.uid` index path of every reference field of `schema` that may hold `target`."""
    for field in schema:
        if not isinstance(field, dict) or not isinstance(field.get("uid"), str):
            continue
        path = f"{prefix}{field['uid']}"
        kind = field.get("data_type")
        if kind == "reference" and target in reference_targets(field):
            yield path + ".uid"
        elif kind in ("group", "global_field"):
            yield from reference_paths(field.get("schema") or [], target, path + ".")
        elif kind == "blocks":
            for block in field.get("blocks") or []:
                if isinstance(block, dict) and isinstance(block.get("uid"), str):
                    inner = block.get("schema") or []
                    yield from reference_paths(inner, target, f"{path}.{block['uid']}.")
