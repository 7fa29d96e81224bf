"""The variant editor's logic, pure: which fields wear which tag, what "revert" does, and the
request body that sends only what the content manager changed.

The editor shows `current` = the latest base entry with the variant applied. The posted form is
decoded into `doc` (the same shape). `submission(current, doc)` is the PUT body's ``entry``:

- a field whose value differs from `current` is sent (atomic fields whole; single groups field by
  field; group and block instances as ``{"_metadata": {"uid"}, <changed fields>}``, or whole when
  the instance was added here);
- a list whose sequence changed (reorder, removal, addition) gets an ``_variant._order`` entry,
  with ``base.<uid>`` for instances of the base entry and the bare uid for the variant's own.

The service recomputes ``_change_set`` against the latest base, so a field edited back to the
base value (or reverted) simply returns to inheriting.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from veneer.web import fields as F

Doc = dict[str, Any]


def _kind(f: F.Field) -> str:
    kind = F.kind_of(f)
    return "group" if kind == "group" else "list" if kind in F.LIST_KINDS else "atomic"


def _subschema(f: F.Field, block: str | None) -> list[F.Field]:
    if block is None:
        return f.get("schema") or []
    for candidate in f.get("blocks") or []:
        if isinstance(candidate, dict) and candidate.get("uid") == block:
            return candidate.get("schema") or []
    return []


def same(a: Any, b: Any) -> bool:
    """JSON equality (``true`` is not ``1``), with a missing value equal to null."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(map(same, a, b))
    return bool(a == b)


@dataclass
class Instance:
    uid: str | None
    block: str | None
    node: Doc

    @property
    def label(self) -> str:
        return f"{self.block}.{self.uid}" if self.block else str(self.uid)

    def wrap(self) -> Doc:
        return {self.block: self.node} if self.block else self.node


def instances(f: F.Field, value: Any) -> list[Instance]:
    out = []
    for item in value if isinstance(value, list) else []:
        if f.get("data_type") == "blocks":
            found = F.block_of(item)
            if found:
                out.append(Instance(F.instance_uid(found[1]), found[0], found[1]))
        elif isinstance(item, dict):
            out.append(Instance(F.instance_uid(item), None, item))
    return out


def _counterpart(f: F.Field, value: Any, inst: Instance) -> Instance | None:
    return next(
        (i for i in instances(f, value) if i.uid == inst.uid and i.block == inst.block), None
    )


# -- tags -----------------------------------------------------------------------------------------


def instance_paths(schema: list[F.Field], doc: Any, prefix: str = "") -> set[str]:
    """The change-set path of every group or block instance in `doc` (``items.<uid>``, …)."""
    found: set[str] = set()
    doc = doc if isinstance(doc, dict) else {}
    for f in schema:
        uid, kind = f.get("uid"), _kind(f)
        if not isinstance(uid, str):
            continue
        if kind == "group":
            found |= instance_paths(f.get("schema") or [], doc.get(uid), f"{prefix}{uid}.")
        elif kind == "list":
            for inst in instances(f, doc.get(uid)):
                path = f"{prefix}{uid}.{inst.label}"
                found.add(path)
                found |= instance_paths(_subschema(f, inst.block), inst.node, path + ".")
    return found


@dataclass
class Marks:
    """How each field of a variant looks: "changed" (a Variant Field) or "inherited"."""

    change_set: set[str]
    ordered: set[str]  # list paths with an `_order` entry: their sequence is the variant's own
    base_instances: set[str]
    own: set[str] = field(default_factory=set)  # instances that exist only in the variant

    @classmethod
    def of(cls, schema: list[F.Field], base: Doc, current: Doc, variant: Doc | None) -> Marks:
        info = (variant or {}).get("_variant") or {}
        ordered = {
            path for entry in info.get("_order") or [] if isinstance(entry, dict) for path in entry
        }
        base_paths = instance_paths(schema, base)
        return cls(
            set(info.get("_change_set") or []),
            ordered,
            base_paths,
            instance_paths(schema, current) - base_paths,
        )

    def inside_own(self, vpath: str) -> bool:
        return any(vpath == p or vpath.startswith(p + ".") for p in self.own)

    def state(self, vpath: str, kind: str) -> str | None:
        if kind == "instance":
            return "changed" if vpath in self.own else None
        if kind == "group":
            return None  # its fields wear the tags
        if kind in F.LIST_KINDS:
            return "changed" if vpath in self.ordered else None
        return "changed" if vpath in self.change_set else "inherited"

    def revertable(self, vpath: str, kind: str) -> bool:
        return (
            self.state(vpath, kind) == "changed"
            and kind != "instance"
            and not self.inside_own(vpath)
        )


# -- revert ---------------------------------------------------------------------------------------


def revert(schema: list[F.Field], doc: Doc, base: Doc, vpath: str) -> bool:
    """Give `doc` the base entry's value at `vpath` (a field, an instance or a whole list).
    False when the path names nothing revertable."""
    return _revert(schema, doc, base if isinstance(base, dict) else {}, vpath.split("."))


def _revert(schema: list[F.Field], doc: Doc, base: Doc, parts: list[str]) -> bool:
    f = next((x for x in schema if x.get("uid") == parts[0]), None)
    if f is None:
        return False
    uid, rest, kind = parts[0], parts[1:], _kind(f)
    if not rest:
        doc[uid] = copy.deepcopy(base.get(uid))
        return True
    if kind == "group":
        inner, origin = doc.get(uid), base.get(uid)
        doc[uid] = inner = inner if isinstance(inner, dict) else {}
        return _revert(
            f.get("schema") or [], inner, origin if isinstance(origin, dict) else {}, rest
        )
    if kind != "list":
        return False
    block, inst_uid, deeper = (
        (rest[0], rest[1], rest[2:])
        if f.get("data_type") == "blocks" and len(rest) > 1
        else (None, rest[0], rest[1:])
    )
    target = next(
        (i for i in instances(f, doc.get(uid)) if i.uid == inst_uid and i.block == block), None
    )
    origin = next(
        (i for i in instances(f, base.get(uid)) if i.uid == inst_uid and i.block == block), None
    )
    if target is None or origin is None:
        return False
    if not deeper:
        target.node.clear()
        target.node.update(copy.deepcopy(origin.node))
        return True
    return _revert(_subschema(f, block), target.node, origin.node, deeper)


# -- what to send ---------------------------------------------------------------------------------


def submission(
    schema: list[F.Field], current: Doc, doc: Doc, base: Doc, new_uid: Callable[[], str]
) -> Doc:
    """The ``entry`` of the PUT that turns `current` into `doc`, sending only what changed."""
    orders: list[dict[str, list[str]]] = []
    fields = _diff(schema, current, doc, base, "", orders, new_uid)
    return {**fields, "_variant": {"_order": orders}}


def _diff(
    schema: list[F.Field],
    current: Any,
    doc: Any,
    base: Any,
    prefix: str,
    orders: list[dict[str, list[str]]],
    new_uid: Callable[[], str],
) -> Doc:
    current, doc, base = (x if isinstance(x, dict) else {} for x in (current, doc, base))
    out: Doc = {}
    for f in schema:
        uid, kind = f.get("uid"), _kind(f)
        if not isinstance(uid, str) or uid not in doc:
            continue
        if kind == "group":
            changed = _diff(
                f.get("schema") or [],
                current.get(uid),
                doc.get(uid),
                base.get(uid),
                f"{prefix}{uid}.",
                orders,
                new_uid,
            )
            if changed:
                out[uid] = changed
        elif kind == "list":
            items = _diff_list(
                f, current.get(uid), doc.get(uid), base.get(uid), f"{prefix}{uid}", orders, new_uid
            )
            if items:
                out[uid] = items
        elif not same(current.get(uid), doc.get(uid)):
            out[uid] = copy.deepcopy(doc[uid])
    return out


def _diff_list(
    f: F.Field,
    current: Any,
    doc: Any,
    base: Any,
    path: str,
    orders: list[dict[str, list[str]]],
    new_uid: Callable[[], str],
) -> list[Doc]:
    before = {i.label: i for i in instances(f, current)}
    sent, sequence = [], []
    for inst in instances(f, doc):
        if inst.uid is None:  # added in this form: name it now, so that `_order` can place it
            inst.uid = new_uid()
            inst.node["_metadata"] = {"uid": inst.uid}
        sequence.append(inst)
        prior = before.get(inst.label)
        if prior is None:
            sent.append(copy.deepcopy(inst.wrap()))
            continue
        origin = _counterpart(f, base, inst)
        changed = _diff(
            _subschema(f, inst.block),
            prior.node,
            inst.node,
            origin.node if origin else {},
            f"{path}.{inst.label}.",
            orders,
            new_uid,
        )
        if changed:
            sent.append(
                Instance(inst.uid, inst.block, {"_metadata": {"uid": inst.uid}, **changed}).wrap()
            )
    if [i.label for i in sequence] != list(before):
        refs = [f"base.{i.uid}" if _counterpart(f, base, i) else str(i.uid) for i in sequence]
        orders.append({path: refs})
    return sent


def is_empty(entry: Doc) -> bool:
    """True when a submission changes nothing."""
    return not [k for k in entry if k != "_variant"] and not entry.get("_variant", {}).get("_order")
