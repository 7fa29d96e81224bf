"""What the variant modules share: the shapes of schemas and documents, and how to read the
instances of multiple groups and modular blocks (matched by ``_metadata.uid``). Pure."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

Doc = dict[str, Any]
Field = dict[str, Any]
Schema = list[Field]
Step = str | dict[str, str]
Orders = dict[str, list[str]]

ATOMIC, GROUP, LIST = "atomic", "group", "list"
BASE_PREFIX = "base."


def field_kind(field: Field) -> str:
    data_type = field.get("data_type")
    if data_type in ("group", "global_field"):
        return LIST if field.get("multiple") else GROUP
    return LIST if data_type == "blocks" else ATOMIC


def is_blocks(field: Field) -> bool:
    return field.get("data_type") == "blocks"


def subschema(field: Field, block: str | None = None) -> Schema:
    """The fields of a group, or of one block of a modular-blocks field."""
    if block is None:
        return field.get("schema") or []
    for candidate in field.get("blocks") or []:
        if candidate.get("uid") == block:
            return candidate.get("schema") or []
    return []


def as_dict(value: Any) -> Doc:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def meta_uid(node: Doc) -> str | None:
    meta = node.get("_metadata")
    uid = meta.get("uid") if isinstance(meta, dict) else None
    return uid if isinstance(uid, str) and uid else None


def instance_label(block: str | None, uid: str | None) -> str:
    """An instance's segment in a path: ``<uid>``, or ``<block_uid>.<uid>`` for a block."""
    return f"{block}.{uid}" if block else str(uid)


@dataclass(frozen=True)
class Inst:
    """One instance of a list field: its uid, its block uid (None in groups) and its fields."""

    uid: str | None
    block: str | None
    node: Doc

    @property
    def label(self) -> str:
        return instance_label(self.block, self.uid)

    def wrap(self) -> Doc:
        return {self.block: self.node} if self.block else self.node


def read_instance(field: Field, element: Any) -> Inst | None:
    if not isinstance(element, dict):
        return None
    if not is_blocks(field):
        return Inst(meta_uid(element), None, element)
    for block, node in element.items():
        if isinstance(node, dict):
            return Inst(meta_uid(node), block, node)
    return None


def instances_of(field: Field, value: Any) -> list[Inst]:
    return [inst for element in as_list(value) if (inst := read_instance(field, element))]


def index_instances(field: Field, value: Any) -> dict[str, Inst]:
    """Addressable instances by uid, in list order (an instance without a uid cannot be
    addressed by a variant, so it is left out)."""
    pool: dict[str, Inst] = {}
    for inst in instances_of(field, value):
        if inst.uid is not None:
            pool.setdefault(inst.uid, inst)
    return pool


def counterpart(pool: dict[str, Inst], inst: Inst) -> Doc | None:
    """The base fields of the same instance; the same uid in another block is not the same."""
    origin = pool.get(inst.uid or "")
    return origin.node if origin is not None and origin.block == inst.block else None


def same_json(a: Any, b: Any) -> bool:
    """JSON equality: unlike Python's ``==``, ``true`` is not ``1``."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(map(same_json, a, b))
    return bool(a == b)


def ref_uid(ref: str) -> str:
    """``base.<uid>``, ``<variant_uid>.<uid>`` and ``<uid>`` all name ``<uid>``."""
    return ref.rsplit(".", 1)[-1]


def bare_uids(refs: Iterable[str] | None) -> set[str]:
    return {ref_uid(ref) for ref in refs or () if not ref.startswith(BASE_PREFIX)}


def has_order_under(orders: Orders, path: str) -> bool:
    prefix = path + "."
    return any(key == path or key.startswith(prefix) for key in orders)


def orders_map(entries: Any) -> Orders:
    return {path: list(refs) for entry in as_list(entries) for path, refs in entry.items()}


def element_parts(element: Any) -> tuple[str | None, Doc | None]:
    """(block uid, fields) of a list element, told apart without the schema: a group instance
    carries ``_metadata`` itself, a block instance one level down."""
    if not isinstance(element, dict):
        return None, None
    if "_metadata" in element:
        return None, element
    for block, node in element.items():
        if isinstance(node, dict):
            return block, node
    return None, None


def element_uid(element: Any) -> str | None:
    node = element_parts(element)[1]
    return meta_uid(node) if node is not None else None


def element_label(element: Any) -> str:
    block, node = element_parts(element)
    return instance_label(block, meta_uid(node) if node is not None else None)
