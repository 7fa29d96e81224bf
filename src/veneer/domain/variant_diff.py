"""The variant editor's diff, pure: which fields of a variant are its own and which it inherits,
what "revert" does, and the request body that sends only what the content manager changed.

The editor shows `current` = the latest base entry with the variant applied. The posted form is
decoded into `doc` (the same shape). `submission(current, doc)` is the PUT body's ``entry``:

- a field whose value differs from `current` is sent (atomic fields whole; single groups field by
  field; group and block instances as ``{"_metadata": {"uid"}, <changed fields>}``, or whole when
  the instance was added here);
- a list whose sequence changed (reorder, removal, addition) gets an ``_variant._order`` entry,
  with ``base.<uid>`` for instances of the base entry and the bare uid for the variant's own.

The service recomputes ``_change_set`` against the latest base (`variants.edit_variant`), so a
field edited back to the base value (or reverted) simply returns to inheriting. Fields, groups
and instances are read as the service reads them (`instances`).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from veneer.domain.instances import (
    BASE_PREFIX,
    GROUP,
    LIST,
    Doc,
    Field,
    Inst,
    Orders,
    Schema,
    as_dict,
    as_list,
    counterpart,
    field_kind,
    index_instances,
    instances_of,
    is_blocks,
    orders_map,
    read_instance,
    same_json,
    subschema,
)

INSTANCE = "instance"  # the kind `Marks` gives one group or block instance (besides field kinds)
CHANGED, INHERITED = "changed", "inherited"
_SAME = object()  # a field the submission leaves out


def _fields(schema: Schema) -> list[tuple[str, Field]]:
    """(uid, field) of the fields that have a uid."""
    return [(f["uid"], f) for f in schema if isinstance(f.get("uid"), str)]


# -- marks ------------------------------------------------------------------------------------


def instance_paths(schema: Schema, doc: Any, prefix: str = "") -> set[str]:
    """The change-set path of every group or block instance in `doc` (``items.<uid>``, …)."""
    found: set[str] = set()
    doc = as_dict(doc)
    for uid, f in _fields(schema):
        kind = field_kind(f)
        if kind == GROUP:
            found |= instance_paths(subschema(f), doc.get(uid), f"{prefix}{uid}.")
        elif kind == LIST:
            for inst in instances_of(f, doc.get(uid)):
                path = f"{prefix}{uid}.{inst.label}"
                found.add(path)
                found |= instance_paths(subschema(f, inst.block), inst.node, path + ".")
    return found


@dataclass(frozen=True)
class Removed:
    """A base instance the variant removed from a list: the editor shows it (marked "removed
    here") before the instance now at `position` of the list (or last), where `restore` puts it."""

    position: int
    inst: Inst


def _labels(f: Field, items: list[Any]) -> list[str]:
    """The instance label of each element of a list ('' for one that is no instance)."""
    return [inst.label if (inst := read_instance(f, e)) else "" for e in items]


def _slot(base_labels: list[str], current_labels: list[str], label: str) -> int:
    """Where a removed base instance goes back: right after the last instance of the list that
    precedes it in the base entry, or first."""
    before = set(base_labels[: base_labels.index(label)])
    found = [n for n, other in enumerate(current_labels) if other in before]
    return found[-1] + 1 if found else 0


def removed_instances(
    schema: Schema, base: Any, current: Any, prefix: str = ""
) -> dict[str, list[Removed]]:
    """{list path: the base instances the variant removed from it, in base order} for every
    list of `current` (the variant shown) and of the base instances it keeps."""
    found: dict[str, list[Removed]] = {}
    base, current = as_dict(base), as_dict(current)
    for uid, f in _fields(schema):
        kind, path = field_kind(f), prefix + uid
        if kind == GROUP:
            found |= removed_instances(subschema(f), base.get(uid), current.get(uid), path + ".")
        elif kind == LIST:
            found |= _removed_from(f, base.get(uid), current.get(uid), path)
    return found


def _removed_from(f: Field, base: Any, current: Any, path: str) -> dict[str, list[Removed]]:
    base_insts = [i for i in instances_of(f, base) if i.uid is not None]
    labels = _labels(f, as_list(current))
    base_labels = [i.label for i in base_insts]
    gone = [
        Removed(_slot(base_labels, labels, i.label), i) for i in base_insts if i.label not in labels
    ]
    found = {path: gone} if gone else {}
    pool = index_instances(f, base)
    for inst in instances_of(f, current):
        origin = counterpart(pool, inst)
        if origin is not None:
            found |= removed_instances(
                subschema(f, inst.block), origin, inst.node, f"{path}.{inst.label}."
            )
    return found


@dataclass
class Marks:
    """How each field of a variant looks: CHANGED (a Variant Field) or INHERITED."""

    change_set: set[str]
    ordered: set[str]  # list paths with an `_order` entry: their sequence is the variant's own
    own: set[str] = field(default_factory=set)  # instances that exist only in the variant
    removed: dict[str, list[Removed]] = field(default_factory=dict)  # base instances it removed

    @classmethod
    def of(cls, schema: Schema, base: Doc, current: Doc, variant: Doc | None) -> Marks:
        """The marks of `variant` (an entry variant as the API returns it, None before its first
        save), shown over `current` (the base entry with the variant applied)."""
        info = as_dict(as_dict(variant).get("_variant"))
        return cls(
            set(info.get("_change_set") or []),
            set(orders_map(info.get("_order"))),
            instance_paths(schema, current) - instance_paths(schema, base),
            removed_instances(schema, base, current),
        )

    def inside_own(self, vpath: str) -> bool:
        return any(vpath == p or vpath.startswith(p + ".") for p in self.own)

    def state(self, vpath: str, kind: str) -> str | None:
        """The mark of the node at `vpath`: `kind` is GROUP, LIST, INSTANCE or anything else for
        an atomic field. A group's fields wear the marks, not the group."""
        if kind == INSTANCE:
            return CHANGED if vpath in self.own else None
        if kind == GROUP:
            return None
        if kind == LIST:
            return CHANGED if vpath in self.ordered else None
        # Every field of an instance the variant added is its own (nothing to inherit from).
        own = vpath in self.change_set or self.inside_own(vpath)
        return CHANGED if own else INHERITED

    def nested(self, vpath: str) -> list[str]:
        """The variant's own values strictly inside `vpath` (a list it reordered, say): what
        reverting `vpath` whole discards."""
        return sorted(p for p in self.change_set | self.ordered if p.startswith(vpath + "."))

    def revertable(self, vpath: str, kind: str) -> bool:
        """A field or list the variant changed can go back to the base value (an instance of the
        variant's own has no base value)."""
        return (
            self.state(vpath, kind) == CHANGED and kind != INSTANCE and not self.inside_own(vpath)
        )


# -- revert -----------------------------------------------------------------------------------


def revert(schema: Schema, doc: Doc, base: Doc, vpath: str) -> bool:
    """Give `doc` the base entry's value at `vpath` (a field, an instance or a whole list).
    False when the path names nothing revertable."""
    return _revert(schema, doc, as_dict(base), vpath.split("."))


def _revert(schema: Schema, doc: Doc, base: Doc, parts: list[str]) -> bool:
    f = next((f for uid, f in _fields(schema) if uid == parts[0]), None)
    if f is None:
        return False
    uid, rest, kind = parts[0], parts[1:], field_kind(f)
    if not rest:
        doc[uid] = copy.deepcopy(base.get(uid))
        return True
    if kind == GROUP:
        doc[uid] = inner = as_dict(doc.get(uid))
        return _revert(subschema(f), inner, as_dict(base.get(uid)), rest)
    if kind != LIST:
        return False
    block, inst_uid, deeper = (
        (rest[0], rest[1], rest[2:])
        if is_blocks(f) and len(rest) > 1
        else (None, rest[0], rest[1:])
    )
    wanted = Inst(inst_uid, block, {})
    target = counterpart(index_instances(f, doc.get(uid)), wanted)
    origin = counterpart(index_instances(f, base.get(uid)), wanted)
    if target is None or origin is None:
        return False
    if not deeper:
        target.clear()
        target.update(copy.deepcopy(origin))
        return True
    return _revert(subschema(f, block), target, origin, deeper)


def restore(schema: Schema, doc: Doc, base: Doc, vpath: str) -> bool:
    """Put the base instance at `vpath`, which `doc` (a variant shown) removed, back into its
    list, where `removed_instances` shows it, with the base entry's values. False when `doc`
    has it or the base entry has no such instance."""
    return _restore(schema, doc, as_dict(base), vpath.split("."))


def _restore(schema: Schema, doc: Doc, base: Doc, parts: list[str]) -> bool:
    f = next((f for uid, f in _fields(schema) if uid == parts[0]), None)
    if f is None or len(parts) < 2:
        return False
    uid, rest, kind = parts[0], parts[1:], field_kind(f)
    if kind == GROUP:
        doc[uid] = inner = as_dict(doc.get(uid))
        return _restore(subschema(f), inner, as_dict(base.get(uid)), rest)
    if kind != LIST:
        return False
    block, inst_uid, deeper = (
        (rest[0], rest[1], rest[2:])
        if is_blocks(f) and len(rest) > 1
        else (None, rest[0], rest[1:])
    )
    wanted = Inst(inst_uid, block, {})
    if deeper:
        target = counterpart(index_instances(f, doc.get(uid)), wanted)
        origin = counterpart(index_instances(f, base.get(uid)), wanted)
        if target is None or origin is None:
            return False
        return _restore(subschema(f, block), target, origin, deeper)
    items, base_items = list(as_list(doc.get(uid))), as_list(base.get(uid))
    labels, base_labels = _labels(f, items), _labels(f, base_items)
    if wanted.label in labels or wanted.label not in base_labels:
        return False
    element = copy.deepcopy(base_items[base_labels.index(wanted.label)])
    items.insert(_slot(base_labels, labels, wanted.label), element)
    doc[uid] = items
    return True


# -- what to send -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Diff:
    """What every level of one diff shares: the uid factory and the `_order` entries found."""

    new_uid: Callable[[], str]
    orders: list[Orders] = field(default_factory=list)


def submission(
    schema: Schema, current: Doc, doc: Doc, base: Doc, new_uid: Callable[[], str]
) -> Doc:
    """The ``entry`` of the PUT that turns `current` into `doc`, sending only what changed.
    An instance added in the form gets its uid here (in `doc` too), so `_order` can place it."""
    diff = _Diff(new_uid)
    fields = _diff(schema, current, doc, base, "", diff)
    return {**fields, "_variant": {"_order": diff.orders}}


def _diff(schema: Schema, current: Any, doc: Any, base: Any, prefix: str, diff: _Diff) -> Doc:
    current, doc, base = as_dict(current), as_dict(doc), as_dict(base)
    out: Doc = {}
    for uid, f in _fields(schema):
        if uid in doc:
            changed = _diff_field(f, current.get(uid), doc[uid], base.get(uid), prefix + uid, diff)
            if changed is not _SAME:
                out[uid] = changed
    return out


def _diff_field(f: Field, current: Any, value: Any, base: Any, path: str, diff: _Diff) -> Any:
    """What to send for one field, or _SAME: an atomic field whole, a group or list its changes."""
    kind = field_kind(f)
    if kind == GROUP:
        changed: Any = _diff(subschema(f), current, value, base, path + ".", diff)
    elif kind == LIST:
        changed = _diff_list(f, current, value, base, path, diff)
    else:
        return _SAME if same_json(current, value) else copy.deepcopy(value)
    return changed or _SAME


def _diff_list(f: Field, current: Any, doc: Any, base: Any, path: str, diff: _Diff) -> list[Doc]:
    before = {inst.label: inst for inst in instances_of(f, current)}
    pool = index_instances(f, base)
    sent, sequence = [], []
    for inst in instances_of(f, doc):
        if inst.uid is None:
            inst = _named(inst, diff.new_uid())
        sequence.append(inst)
        prior = before.get(inst.label)
        if prior is None:
            sent.append(copy.deepcopy(inst.wrap()))
            continue
        origin = counterpart(pool, inst) or {}
        ipath = f"{path}.{inst.label}."
        changed = _diff(subschema(f, inst.block), prior.node, inst.node, origin, ipath, diff)
        if changed:
            sent.append(
                Inst(inst.uid, inst.block, {"_metadata": {"uid": inst.uid}, **changed}).wrap()
            )
    if [inst.label for inst in sequence] != list(before):
        refs = [
            f"{BASE_PREFIX}{inst.uid}" if counterpart(pool, inst) is not None else str(inst.uid)
            for inst in sequence
        ]
        diff.orders.append({path: refs})
    return sent


def _named(inst: Inst, uid: str) -> Inst:
    """`inst` (added in the form) with its new uid, written into its node too."""
    inst.node["_metadata"] = {"uid": uid}
    return Inst(uid, inst.block, inst.node)


def is_empty(entry: Doc) -> bool:
    """True when a submission changes nothing."""
    return not [k for k in entry if k != "_variant"] and not entry.get("_variant", {}).get("_order")
