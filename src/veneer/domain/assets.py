"""Assets in entries: where a schema's file fields and JSON RTE asset nodes are, in a document.

Pure: no I/O. An entry stores a file field as the asset's uid (a list of uids when the field is
`multiple`). The management API serves the asset's latest object in its place, the delivery API
the published one (docs/assets.md): `embed` puts it there, given the assets by uid. A JSON
RTE asset node (`type: "reference"`, `attrs.type: "asset"`) keeps its `asset-uid`; `relink` sets
its `asset-link` to the asset's current delivery URL, so renderers show the current file.

The walk follows the schema, as validation does: groups and schema'd global fields (single or
multiple), and modular blocks (`[{block_uid: {...}}]`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

Field = dict[str, Any]
Schema = list[Field]
ASSET_CONTENT_TYPE = "sys_assets"  # what reference fields and JSON RTE call the asset library


def file_refs(schema: Schema, doc: dict[str, Any]) -> Iterator[tuple[str, Field, str]]:
    """(path, field, asset uid) for every asset uid the document's file fields hold, in order."""
    for container, key, field, path in _slots(schema, doc, _is_file):
        value = container[key]
        items = value if isinstance(value, list) else [value]
        for i, item in enumerate(items):
            uid = item.get("uid") if isinstance(item, dict) else item
            if isinstance(uid, str) and uid:
                yield (f"{path}.{i}" if isinstance(value, list) else path), field, uid


def entry_refs(schema: Schema, doc: dict[str, Any]) -> list[tuple[str, str]]:
    """(content type, uid) of every entry the document's reference fields hold, in order, once
    each (through groups and blocks)."""
    found: dict[tuple[str, str], None] = {}
    for container, key, _field, _path in _slots(schema, doc, _is_reference):
        value = container[key]
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict):
                ct, uid = item.get("_content_type_uid"), item.get("uid")
                if isinstance(ct, str) and isinstance(uid, str) and ct != ASSET_CONTENT_TYPE:
                    found[(ct, uid)] = None
    return list(found)


def rte_asset_nodes(schema: Schema, doc: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The `attrs` of every asset node in the document's JSON RTE fields."""
    for container, key, _field, _path in _slots(schema, doc, _is_rte):
        value = container[key]
        for tree in value if isinstance(value, list) else [value]:
            yield from _asset_attrs(tree)


def asset_uids(schema: Schema, doc: dict[str, Any]) -> set[str]:
    """Every asset the document shows: its file fields' and its JSON RTE asset nodes'."""
    found = {uid for _path, _field, uid in file_refs(schema, doc)}
    found.update(
        attrs["asset-uid"]
        for attrs in rte_asset_nodes(schema, doc)
        if isinstance(attrs.get("asset-uid"), str)
    )
    return found


def embed(
    schema: Schema,
    doc: dict[str, Any],
    assets: Mapping[str, dict[str, Any]],
    *,
    keep_missing: bool = False,
) -> None:
    """In place: each file field holds the asset objects `assets` has for its uids. A single field
    whose asset is missing (not published, deleted) becomes null; a multiple one leaves it out.
    `keep_missing` (the management API): a missing asset's uid stays as it is stored, so a read,
    edit and write back loses nothing."""
    for container, key, _field, _path in _slots(schema, doc, _is_file):
        value = container[key]
        if isinstance(value, list):
            container[key] = [
                found
                for item in value
                if (found := _lookup(assets, item) or (item if keep_missing else None))
            ]
        else:
            container[key] = _lookup(assets, value) or (value if keep_missing else None)


def relink(schema: Schema, doc: dict[str, Any], urls: Mapping[str, str]) -> None:
    """In place: each JSON RTE asset node whose asset `urls` knows links to that URL."""
    for attrs in list(rte_asset_nodes(schema, doc)):
        uid = attrs.get("asset-uid")
        if isinstance(uid, str) and uid in urls:
            attrs["asset-link"] = urls[uid]


def rte_slots(schema: Schema, doc: dict[str, Any]) -> list[tuple[dict[str, Any], str, Field, str]]:
    """(holder, key, field, path) of every JSON RTE field with a value, through groups and blocks."""
    return _slots(schema, doc, _is_rte)


def _lookup(assets: Mapping[str, dict[str, Any]], item: Any) -> dict[str, Any] | None:
    uid = item.get("uid") if isinstance(item, dict) else item
    found = assets.get(uid) if isinstance(uid, str) else None
    return dict(found) if found is not None else None


RTE_ASSET_UID = ".attrs.asset-uid"  # where a JSON RTE node keeps its asset's uid
RTE_LEVEL = ".children"  # one level down a JSON RTE tree


def asset_paths(schema: Schema, max_path: int) -> list[str]:
    """The field-value index paths (docs/queries.md: lists fan out without an index) at which a
    document of `schema` can hold an asset uid: each file field's, and each JSON RTE field's
    asset nodes' `asset-uid` at every depth of the tree whose path the index keeps (at most
    `max_path` characters). Asking the index at these paths finds what holds an asset without
    reading the stack's documents."""
    found: list[str] = []

    def visit(fields: Schema, prefix: str) -> None:
        for field in fields:
            uid = field.get("uid")
            if not isinstance(field, dict) or not isinstance(uid, str):
                continue
            path, kind = prefix + uid, field.get("data_type")
            if _is_file(field):
                found.append(path)
            elif _is_rte(field):
                level = path + RTE_LEVEL
                while len(level) + len(RTE_ASSET_UID) <= max_path:
                    found.append(level + RTE_ASSET_UID)
                    level += RTE_LEVEL
            elif kind in ("group", "global_field") and isinstance(field.get("schema"), list):
                visit(field["schema"], path + ".")
            elif kind == "blocks":
                for block in field.get("blocks") or []:
                    if isinstance(block, dict) and isinstance(block.get("schema"), list):
                        visit(block["schema"], f"{path}.{block.get('uid')}.")

    visit(schema, "")
    return found


def _is_reference(field: Field) -> bool:
    return field.get("data_type") == "reference"


def _is_file(field: Field) -> bool:
    return field.get("data_type") == "file"


def _is_rte(field: Field) -> bool:
    return field.get("data_type") == "json" and bool(
        (field.get("field_metadata") or {}).get("allow_json_rte")
    )


def _slots(
    schema: Schema, data: dict[str, Any], wanted: Callable[[Field], bool]
) -> list[tuple[dict[str, Any], str, Field, str]]:
    """(the dict holding it, its key, the field, its path) for every wanted field with a value,
    through groups and blocks. Collected first, so that `embed` replacing values does not
    disturb the walk."""
    found: list[tuple[dict[str, Any], str, Field, str]] = []

    def visit(fields: Schema, node: Any, prefix: str) -> None:
        if not isinstance(node, dict):
            return
        for field in fields:
            uid = field.get("uid")
            if not isinstance(uid, str) or node.get(uid) is None:
                continue
            value, path = node[uid], prefix + uid
            kind = field.get("data_type")
            if wanted(field):
                found.append((node, uid, field, path))
            elif kind in ("group", "global_field") and isinstance(field.get("schema"), list):
                many = isinstance(value, list)
                for i, instance in enumerate(value if many else [value]):
                    visit(field["schema"], instance, f"{path}.{i}." if many else f"{path}.")
            elif kind == "blocks" and isinstance(value, list):
                blocks = {b.get("uid"): b for b in field.get("blocks") or [] if isinstance(b, dict)}
                for i, item in enumerate(value):
                    if isinstance(item, dict) and len(item) == 1:
                        ((block_uid, body),) = item.items()
                        block = blocks.get(block_uid)
                        if block and isinstance(block.get("schema"), list):
                            visit(block["schema"], body, f"{path}.{i}.{block_uid}.")

    visit(schema, data, "")
    return found


def _asset_attrs(tree: Any) -> Iterator[dict[str, Any]]:
    """Asset node attrs in a JSON RTE tree, walked without recursion (trees can be deep)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        attrs = node.get("attrs")
        if (
            node.get("type") == "reference"
            and isinstance(attrs, dict)
            and attrs.get("type") == "asset"
        ):
            yield attrs
        children = node.get("children")
        if isinstance(children, list):
            stack.extend(reversed(children))
