"""`include_embedded_items[]=BASE`: the entries and assets a JSON RTE field embeds (its `reference`
nodes), answered beside the entry as `_embedded_items: {field path: [item, ...]}`, each item an
entry or asset object with its `_content_type_uid` (`sys_assets` for assets). This is what
`@contentstack/utils` reads to render embedded items. Paths name the field without list
positions (`sections.body`), as the utils look items up by uid across them. Pure: no I/O."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from veneer.domain.assets import ASSET_CONTENT_TYPE, rte_slots

PARAM = re.compile(r"include_embedded_items(?:\[[0-9]*\])*")
POSITION = re.compile(r"\.[0-9]+(?=\.|$)")
Ref = tuple[str, str]  # (content type uid, or sys_assets; uid)


def wanted(items: Iterable[tuple[str, str]]) -> bool:
    """Whether the query parameters ask for the base entry's embedded items."""
    return any(PARAM.fullmatch(name) and value == "BASE" for name, value in items)


def refs(schema: list[Any], doc: dict[str, Any]) -> dict[str, list[Ref]]:
    """The embedded entries and assets of each JSON RTE field path, first seen first, once each."""
    found: dict[str, list[Ref]] = {}
    for holder, key, _field, path in rte_slots(schema, doc):
        value = holder[key]
        shown = found.setdefault(POSITION.sub("", path), [])
        for tree in value if isinstance(value, list) else [value]:
            for ref in _nodes(tree):
                if ref not in shown:
                    shown.append(ref)
    return {path: items for path, items in found.items() if items}


def _nodes(tree: Any) -> Iterator[Ref]:
    stack = [tree]
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        attrs = node.get("attrs")
        if node.get("type") == "reference" and isinstance(attrs, dict):
            ref = _ref(attrs)
            if ref is not None:
                yield ref
        children = node.get("children")
        if isinstance(children, list):
            stack.extend(reversed(children))


def _ref(attrs: dict[str, Any]) -> Ref | None:
    if attrs.get("type") == "asset" and isinstance(attrs.get("asset-uid"), str):
        return ASSET_CONTENT_TYPE, attrs["asset-uid"]
    ct, uid = attrs.get("content-type-uid"), attrs.get("entry-uid")
    if attrs.get("type") == "entry" and isinstance(ct, str) and isinstance(uid, str):
        return ct, uid
    return None


def attach(
    doc: dict[str, Any], found: dict[str, list[Ref]], items: dict[Ref, dict[str, Any]]
) -> None:
    """In place: `_embedded_items` of `doc`, each ref `items` holds (the others left out)."""
    doc["_embedded_items"] = {
        path: [{**items[ref], "_content_type_uid": ref[0]} for ref in refs_ if ref in items]
        for path, refs_ in found.items()
    }
