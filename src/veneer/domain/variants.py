"""Entry variants: change sets, sparse storage, ``_order``, publish-time patches, delivery merge.

Pure: no I/O, no clock, no randomness. New instance uids come from the caller's ``new_uid``.
semantics.md §2 (management) and §4 (delivery) are the contract; the choices below fill its gaps.

Values
    A schema is Contentstack's list of fields. Single groups and global fields nest (paths
    ``seo.meta_title``); multiple groups and modular blocks hold *instances* matched by
    ``_metadata.uid`` (paths ``group.<uid>.<field>``, ``blocks.<block_uid>.<uid>.<field>``);
    every other field is atomic and compared whole. A missing field equals ``null``, a missing or
    null single group equals a group of nulls, a missing or null instance list equals ``[]``.
    Only schema fields count: system keys and unknown fields are ignored everywhere.

Stored variant (``edit_variant`` writes it, ``materialize`` and ``compile_patch`` read it)::

    {"fields": {...},       # sparse, in entry shape: only what differs from the base
     "change_set": ["title", "group.cs1.single_line", ...],
     "order": [{"group": ["base.cs2", "cs9"]}]}

    In ``fields`` a base instance appears as ``{"_metadata": {"uid"}, <changed fields>}`` and an
    instance that exists only in the variant appears whole. ``order`` has an entry only for an
    instance list whose sequence differs from the base's (choice: an entry equal to the base order
    is dropped, so the variant keeps inheriting base reorders). Base instances are listed as
    ``base.<uid>``, variant-only ones bare; a base instance missing from an entry is removed, and
    a variant-only instance exists exactly when its entry lists it.

Patch (``compile_patch`` at publish, ``merge`` at delivery)::

    {"variant": "<variant uid>",
     "set":   [[steps, value], ...],     # ["seo", "meta_title"]
                                         # ["group", {"uid": "cs1"}, "single_line"]
                                         # ["blocks", {"block": "hero", "uid": "cs3"}, "title"]
     "add":   [[steps, instance], ...],  # a variant-only instance for the list at steps
     "order": [[steps, refs], ...]}      # refs as in the stored order

    Steps address instances by uid, never by position, and nothing of the base is embedded, so a
    patch applies to whichever base version is published.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from veneer.errors import ValidationFailed

Doc = dict[str, Any]
Field = dict[str, Any]
Schema = list[Field]
Step = str | dict[str, str]
Orders = dict[str, list[str]]

_ATOMIC, _GROUP, _LIST = "atomic", "group", "list"
_BASE = "base."
_UNCHANGED = object()


# --- schema and instances -------------------------------------------------------------------

def _kind(field: Field) -> str:
    data_type = field.get("data_type")
    if data_type in ("group", "global_field"):
        return _LIST if field.get("multiple") else _GROUP
    return _LIST if data_type == "blocks" else _ATOMIC


def _is_blocks(field: Field) -> bool:
    return field.get("data_type") == "blocks"


def _subschema(field: Field, block: str | None = None) -> Schema:
    """The fields of a group, or of one block of a modular-blocks field."""
    if block is None:
        return field.get("schema") or []
    for candidate in field.get("blocks") or []:
        if candidate.get("uid") == block:
            return candidate.get("schema") or []
    return []


def _as_dict(value: Any) -> Doc:
    return value if isinstance(value, dict) else {}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _meta_uid(node: Doc) -> str | None:
    meta = node.get("_metadata")
    uid = meta.get("uid") if isinstance(meta, dict) else None
    return uid if isinstance(uid, str) and uid else None


def _label(block: str | None, uid: str | None) -> str:
    """An instance's segment in a path: ``<uid>``, or ``<block_uid>.<uid>`` for a block."""
    return f"{block}.{uid}" if block else str(uid)


@dataclass(frozen=True)
class _Inst:
    """One instance of a list field: its uid, its block uid (None in groups) and its fields."""

    uid: str | None
    block: str | None
    node: Doc

    @property
    def label(self) -> str:
        return _label(self.block, self.uid)

    def wrap(self) -> Doc:
        return {self.block: self.node} if self.block else self.node


def _read(field: Field, element: Any) -> _Inst | None:
    if not isinstance(element, dict):
        return None
    if not _is_blocks(field):
        return _Inst(_meta_uid(element), None, element)
    for block, node in element.items():
        if isinstance(node, dict):
            return _Inst(_meta_uid(node), block, node)
    return None


def _instances(field: Field, value: Any) -> list[_Inst]:
    return [inst for element in _as_list(value) if (inst := _read(field, element))]


def _index(field: Field, value: Any) -> dict[str, _Inst]:
    """Addressable instances by uid, in list order (an instance without a uid cannot be
    addressed by a variant, so it is left out)."""
    pool: dict[str, _Inst] = {}
    for inst in _instances(field, value):
        if inst.uid is not None:
            pool.setdefault(inst.uid, inst)
    return pool


def _counterpart(pool: dict[str, _Inst], inst: _Inst) -> Doc | None:
    """The base fields of the same instance; the same uid in another block is not the same."""
    origin = pool.get(inst.uid or "")
    return origin.node if origin is not None and origin.block == inst.block else None


def _same(a: Any, b: Any) -> bool:
    """JSON equality: unlike Python's ``==``, ``true`` is not ``1``."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(map(_same, a, b))
    return bool(a == b)


def _ref_uid(ref: str) -> str:
    """``base.<uid>``, ``<variant_uid>.<uid>`` and ``<uid>`` all name ``<uid>``."""
    return ref.rsplit(".", 1)[-1]


def _bare_uids(refs: Iterable[str] | None) -> set[str]:
    return {_ref_uid(ref) for ref in refs or () if not ref.startswith(_BASE)}


def _has_order_under(orders: Orders, path: str) -> bool:
    prefix = path + "."
    return any(key == path or key.startswith(prefix) for key in orders)


# --- change set -----------------------------------------------------------------------------

def change_set(schema: Schema, base: Doc, doc: Doc) -> list[str]:
    """Every path where the full variant document ``doc`` differs from ``base`` (semantics §2).

    Order: schema order, and instances in ``doc``'s order. A variant-only instance (its uid is
    not in the base list, or is there as another block) is compared with an empty instance, so
    each of its non-null fields is listed as ``group.<uid>.<field>``. Reordering and removing
    instances are not value changes: ``_order`` carries them. Instances without a uid are skipped.
    """
    return list(_diff_node(schema, _as_dict(base), _as_dict(doc), ""))


def _diff_node(schema: Schema, base: Doc, doc: Doc, prefix: str) -> Iterator[str]:
    for field in schema:
        key = field["uid"]
        path, kind = prefix + key, _kind(field)
        if kind == _GROUP:
            sub_base, sub_doc = _as_dict(base.get(key)), _as_dict(doc.get(key))
            yield from _diff_node(_subschema(field), sub_base, sub_doc, path + ".")
        elif kind == _LIST:
            yield from _diff_list(field, base.get(key), doc.get(key), path)
        elif not _same(base.get(key), doc.get(key)):
            yield path


def _diff_list(field: Field, base_value: Any, doc_value: Any, path: str) -> Iterator[str]:
    pool = _index(field, base_value)
    for inst in _instances(field, doc_value):
        if inst.uid is not None:
            origin = _counterpart(pool, inst) or {}
            yield from _diff_node(_subschema(field, inst.block), origin, inst.node,
                                  f"{path}.{inst.label}.")


# --- sparse storage and stored order --------------------------------------------------------

def _sparse_node(schema: Schema, base: Doc, doc: Doc) -> Doc:
    """What ``doc`` must store to be rebuilt from ``base``; paths equal to the base are left
    out so that they inherit later base edits."""
    out: Doc = {}
    for field in schema:
        key = field["uid"]
        changed = _sparse_field(field, base.get(key), doc.get(key))
        if changed is not _UNCHANGED:
            out[key] = changed
    return out


def _sparse_field(field: Field, base_value: Any, doc_value: Any) -> Any:
    kind = _kind(field)
    if kind == _GROUP:
        changed: Any = _sparse_node(_subschema(field), _as_dict(base_value), _as_dict(doc_value))
    elif kind == _LIST:
        changed = _sparse_list(field, base_value, doc_value)
    else:
        return _UNCHANGED if _same(base_value, doc_value) else copy.deepcopy(doc_value)
    return changed or _UNCHANGED


def _sparse_list(field: Field, base_value: Any, doc_value: Any) -> list[Doc]:
    pool = _index(field, base_value)
    out: list[Doc] = []
    for inst in _instances(field, doc_value):
        if inst.uid is None:
            continue
        origin = _counterpart(pool, inst)
        if origin is None:
            out.append(copy.deepcopy(inst.wrap()))
        elif changed := _sparse_node(_subschema(field, inst.block), origin, inst.node):
            out.append(_Inst(inst.uid, inst.block, {"_metadata": {"uid": inst.uid}, **changed})
                       .wrap())
    return out


def _order_entries(schema: Schema, base: Doc, doc: Doc, prefix: str) -> Iterator[Orders]:
    """``_order`` entries for the lists whose sequence differs from the base. Lists inside a
    variant-only instance need none: that instance is stored whole, in order."""
    for field in schema:
        key = field["uid"]
        path, kind = prefix + key, _kind(field)
        if kind == _GROUP:
            yield from _order_entries(_subschema(field), _as_dict(base.get(key)),
                                      _as_dict(doc.get(key)), path + ".")
        elif kind == _LIST:
            yield from _list_order_entries(field, base.get(key), doc.get(key), path)


def _list_order_entries(field: Field, base_value: Any, doc_value: Any,
                        path: str) -> Iterator[Orders]:
    pool = _index(field, base_value)
    insts = [inst for inst in _instances(field, doc_value) if inst.uid is not None]
    refs = [f"{_BASE}{inst.uid}" if _counterpart(pool, inst) is not None else str(inst.uid)
            for inst in insts]
    if refs != [f"{_BASE}{uid}" for uid in pool]:
        yield {path: refs}
    for inst in insts:
        origin = _counterpart(pool, inst)
        if origin is not None:
            yield from _order_entries(_subschema(field, inst.block), origin, inst.node,
                                      f"{path}.{inst.label}.")


# --- edit -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Edit:
    """What every level of one edit needs: the uid factory and the submitted ``_order``."""

    new_uid: Callable[[], str]
    orders: Orders


def edit_variant(schema: Schema, base: Doc, previous: Doc | None, submitted: Doc,
                 new_uid: Callable[[], str]) -> Doc:
    """The stored variant after a save (semantics §2): ``{"fields", "change_set", "order"}``.

    ``submitted`` is the request's ``entry`` object. The variant document is the base overlaid
    with ``previous``, with the submission merged in path by path: a submitted atomic field
    replaces; a single group merges field by field (``null`` sets each of its fields to null);
    instances are matched by ``_metadata.uid`` and merge field by field, an instance without a
    uid gets ``new_uid()``, and one first sent now is appended unless ``_order`` places it.
    ``_variant._order`` entries replace the previous order per field path (other lists keep
    theirs) and decide which instances that already existed remain; they accept ``base.<uid>``,
    ``<uid>`` and ``<variant_uid>.<uid>``, and may revive a removed base instance. A null or
    empty instance list submits nothing. Entries for paths that name no list are ignored.
    A ``None`` (or non-object) ``base`` counts as an empty entry, as everywhere else.
    Raises ``ValidationFailed`` for a malformed ``_order``, unknown instance refs, or instance
    lists of the wrong shape.
    """
    base = _as_dict(base)
    edit = _Edit(new_uid, _read_orders(submitted))
    current = materialize(schema, base, previous or {})
    doc = _edit_node(schema, current, base, submitted, "", edit)
    return {"fields": _sparse_node(schema, base, doc), "change_set": change_set(schema, base, doc),
            "order": list(_order_entries(schema, base, doc, ""))}


def _invalid(key: str, message: str) -> ValidationFailed:
    return ValidationFailed(f"{key}: {message}", {key: [message]})


def _read_orders(submitted: Doc) -> Orders:
    variant = submitted.get("_variant")
    if variant is None:
        return {}
    if not isinstance(variant, dict):
        raise _invalid("_variant", "must be an object")
    entries = variant.get("_order")
    if entries is None:
        return {}
    if not isinstance(entries, list):
        raise _invalid("_order", "must be a list of {field path: [instance refs]} objects")
    orders: Orders = {}
    for entry in entries:
        if not isinstance(entry, dict):
            raise _invalid("_order", "each entry must be an object {field path: [instance refs]}")
        for path, refs in entry.items():
            _check_refs(path, refs, orders)
            orders[path] = refs
    return orders


def _check_refs(path: str, refs: Any, seen: Orders) -> None:
    if not isinstance(refs, list) or not all(isinstance(r, str) and r for r in refs):
        raise _invalid("_order", f"{path}: must be a list of instance refs (strings)")
    if path in seen:
        raise _invalid("_order", f"{path}: has more than one entry")


def _edit_node(schema: Schema, current: Doc, base: Doc, sent: Doc, prefix: str,
               edit: _Edit) -> Doc:
    out = dict(current)
    for field in schema:
        key = field["uid"]
        path, kind = prefix + key, _kind(field)
        touched = key in sent or _has_order_under(edit.orders, path)
        if kind == _GROUP and touched:
            update = _group_input(field, sent[key], path) if key in sent else {}
            out[key] = _edit_node(_subschema(field), _as_dict(current.get(key)),
                                  _as_dict(base.get(key)), update, path + ".", edit)
        elif kind == _LIST and touched:
            out[key] = _edit_list(field, current.get(key), base.get(key), sent.get(key), path,
                                  edit)
        elif kind == _ATOMIC and key in sent:
            out[key] = sent[key]
    return out


def _group_input(field: Field, value: Any, path: str) -> Doc:
    if value is None:
        return {sub["uid"]: None for sub in _subschema(field)}
    if not isinstance(value, dict):
        raise _invalid(path, "must be an object")
    return value


def _edit_list(field: Field, current: Any, base: Any, value: Any, path: str,
               edit: _Edit) -> list[Doc]:
    pool, have = _index(field, base), _index(field, current)
    sent = _sent_instances(field, value, path, edit.new_uid)
    for inst in sent.values():
        prior = have.get(inst.uid or "") or pool.get(inst.uid or "")
        if prior is not None and prior.block != inst.block:
            raise _invalid(path, f"instance {inst.uid} is a '{prior.block}' block, "
                                 f"not '{inst.block}'")
    return [_edit_instance(field, uid, have, pool, sent, path, edit).wrap()
            for uid in _sequence(path, have, pool, sent, edit)]


def _sequence(path: str, have: dict[str, _Inst], pool: dict[str, _Inst],
              sent: dict[str, _Inst], edit: _Edit) -> list[str]:
    """Uids of the list after the edit: an ``_order`` entry decides about the instances that
    existed; ones first sent now and left out of it go last (a client cannot name the uid the
    server is about to give them)."""
    new = [uid for uid in sent if uid not in have]
    refs = edit.orders.get(path)
    if refs is None:
        return [*have, *new]
    listed = _resolve(path, refs, have.keys() | pool.keys() | sent.keys())
    return listed + [uid for uid in new if uid not in listed]


def _resolve(path: str, refs: list[str], known: Collection[str]) -> list[str]:
    uids = [_ref_uid(ref) for ref in refs]
    unknown = [ref for ref, uid in zip(refs, uids) if uid not in known]
    if unknown:
        raise _invalid("_order", f"{path}: unknown instances {', '.join(unknown)}")
    if len(set(uids)) != len(uids):
        raise _invalid("_order", f"{path}: an instance is listed twice")
    return uids


def _edit_instance(field: Field, uid: str, have: dict[str, _Inst], pool: dict[str, _Inst],
                   sent: dict[str, _Inst], path: str, edit: _Edit) -> _Inst:
    prior, update = have.get(uid) or pool.get(uid), sent.get(uid)
    source = update or prior
    assert source is not None  # _sequence only yields uids from these maps
    node = prior.node if prior is not None else {"_metadata": {"uid": uid}}
    ipath = f"{path}.{source.label}"
    if update is None and not _has_order_under(edit.orders, ipath):
        return _Inst(uid, source.block, node)
    origin = _counterpart(pool, source) or {}
    fields = update.node if update is not None else {}
    return _Inst(uid, source.block, _edit_node(_subschema(field, source.block), node, origin,
                                               fields, ipath + ".", edit))


def _sent_instances(field: Field, value: Any, path: str,
                    new_uid: Callable[[], str]) -> dict[str, _Inst]:
    if value is None:
        return {}
    if not isinstance(value, list):
        raise _invalid(path, "must be a list of instances")
    sent: dict[str, _Inst] = {}
    for element in value:
        inst = _sent_instance(field, element, path, new_uid)
        if inst.uid in sent:
            raise _invalid(path, f"instance {inst.uid} appears twice")
        sent[str(inst.uid)] = inst
    return sent


def _sent_instance(field: Field, element: Any, path: str, new_uid: Callable[[], str]) -> _Inst:
    if not isinstance(element, dict):
        raise _invalid(path, "each instance must be an object")
    block, node = _sent_parts(field, element, path)
    meta = node.get("_metadata")
    uid = meta.get("uid") if isinstance(meta, dict) else None
    uid = new_uid() if uid in (None, "") else uid
    if not isinstance(uid, str) or "." in uid:
        raise _invalid(path, f"instance uid {uid!r} must be a string without dots")
    return _Inst(uid, block, node)


def _sent_parts(field: Field, element: Doc, path: str) -> tuple[str | None, Doc]:
    if not _is_blocks(field):
        return None, element
    block, node = next(iter(element.items()), (None, None))
    known = {b.get("uid") for b in field.get("blocks") or []}
    if len(element) != 1 or block not in known or not isinstance(node, dict):
        raise _invalid(path, f"each instance must be {{block uid: {{...}}}} with a block "
                             f"of this field, got {sorted(element)!r}")
    return block, node


# --- materialize ----------------------------------------------------------------------------

def materialize(schema: Schema, base: Doc, stored: Doc) -> Doc:
    """The full variant document: a copy of ``base`` with the stored variant overlaid.

    Overrides land on base instances of the same uid and block, ``order`` entries rearrange
    their lists (dropping unlisted base instances, placing variant-only ones) and overrides of
    instances the base no longer has are dropped. Keys outside the schema come from the base.
    """
    orders = _orders_map(stored.get("order"))
    return _overlay_node(schema, copy.deepcopy(_as_dict(base)), _as_dict(stored.get("fields")),
                         "", orders)


def _orders_map(entries: Any) -> Orders:
    return {path: list(refs) for entry in _as_list(entries) for path, refs in entry.items()}


def _overlay_node(schema: Schema, node: Doc, sparse: Doc, prefix: str, orders: Orders) -> Doc:
    """Overlay ``sparse`` on ``node`` in place (``node`` is a private copy)."""
    for field in schema:
        key = field["uid"]
        path, kind = prefix + key, _kind(field)
        touched = key in sparse or _has_order_under(orders, path)
        if kind == _GROUP and touched:
            node[key] = _overlay_node(_subschema(field), _as_dict(node.get(key)),
                                      _as_dict(sparse.get(key)), path + ".", orders)
        elif kind == _LIST and touched:
            node[key] = _overlay_list(field, node.get(key), sparse.get(key), path, orders)
        elif kind == _ATOMIC and key in sparse:
            node[key] = copy.deepcopy(sparse[key])
    return node


def _overlay_list(field: Field, value: Any, sparse: Any, path: str, orders: Orders) -> Any:
    refs = orders.get(path)
    added = _bare_uids(refs)
    updates = {inst.uid: inst for inst in _instances(field, sparse)
               if inst.uid is not None and inst.uid not in added}
    for inst in _instances(field, value):
        if inst.uid is None:
            continue
        update = updates.get(inst.uid)
        fields = update.node if update is not None and update.block == inst.block else {}
        ipath = f"{path}.{inst.label}"
        # An order inside the instance applies even when none of its fields is overridden.
        if fields or _has_order_under(orders, ipath):
            _overlay_node(_subschema(field, inst.block), inst.node, fields, ipath + ".", orders)
    if refs is None:
        return value
    extras = [copy.deepcopy(e) for e in _as_list(sparse) if _element_uid(e) in added]
    return _arrange(_as_list(value), extras, refs)


def _arrange(base_items: list[Any], extras: list[Any], refs: list[str]) -> list[Any]:
    bases = {_element_uid(e): e for e in base_items}
    adds = {_element_uid(e): e for e in extras}
    picked = [(bases if ref.startswith(_BASE) else adds).get(_ref_uid(ref)) for ref in refs]
    return [element for element in picked if element is not None]


# --- patches and the delivery merge ---------------------------------------------------------

def compile_patch(schema: Schema, stored: Doc, variant_uid: str) -> Doc:
    """The publish-time patch of a stored variant (format in the module docstring)."""
    orders = _orders_map(stored.get("order"))
    patch: Doc = {"variant": variant_uid, "set": [], "add": [], "order": []}
    _patch_node(schema, _as_dict(stored.get("fields")), [], orders, patch)
    for path, refs in orders.items():
        steps = _path_steps(schema, path)
        if steps is not None:  # the schema lost that list since the save
            patch["order"].append([steps, refs])
    return patch


def _patch_node(schema: Schema, sparse: Doc, steps: list[Step], orders: Orders,
                patch: Doc) -> None:
    for field in schema:
        key, kind = field["uid"], _kind(field)
        if key not in sparse:
            continue
        here: list[Step] = [*steps, key]
        if kind == _GROUP:
            _patch_node(_subschema(field), _as_dict(sparse[key]), here, orders, patch)
        elif kind == _LIST:
            _patch_list(field, sparse[key], here, orders, patch)
        else:
            patch["set"].append([here, copy.deepcopy(sparse[key])])


def _patch_list(field: Field, items: Any, steps: list[Step], orders: Orders, patch: Doc) -> None:
    added = _bare_uids(orders.get(_path_of(steps)))
    for element in _as_list(items):
        inst = _read(field, element)
        if inst is None or inst.uid is None:
            continue
        if inst.uid in added:
            patch["add"].append([steps, copy.deepcopy(element)])
        else:
            _patch_node(_subschema(field, inst.block), inst.node,
                        [*steps, _instance_step(inst.block, inst.uid)], orders, patch)


def _instance_step(block: str | None, uid: str) -> dict[str, str]:
    return {"block": block, "uid": uid} if block else {"uid": uid}


def _path_of(steps: list[Step]) -> str:
    return ".".join(s if isinstance(s, str) else _label(s.get("block"), s["uid"]) for s in steps)


def _path_steps(schema: Schema, path: str) -> list[Step] | None:
    """Steps to the instance list an ``_order`` path names, or None if the schema has none."""
    tokens, fields = path.split("."), schema
    steps: list[Step] = []
    while tokens:
        field = next((f for f in fields if f.get("uid") == tokens[0]), None)
        if field is None or _kind(field) == _ATOMIC:
            return None
        steps.append(tokens.pop(0))
        if _kind(field) == _GROUP:
            fields = _subschema(field)
            continue
        if not tokens:
            return steps
        block = tokens.pop(0) if _is_blocks(field) else None
        if not tokens:
            return None
        steps.append(_instance_step(block, tokens.pop(0)))
        fields = _subschema(field, block)
    return None


def _element_parts(element: Any) -> tuple[str | None, Doc | None]:
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


def _element_uid(element: Any) -> str | None:
    node = _element_parts(element)[1]
    return _meta_uid(node) if node is not None else None


def _element_label(element: Any) -> str:
    block, node = _element_parts(element)
    return _label(block, _meta_uid(node) if node is not None else None)


def merge(base: Doc, patches: list[Doc]) -> tuple[Doc, dict[str, str]]:
    """Overlay published patches on the published ``base`` (semantics §4).

    ``patches`` are in request order: for every path the first-listed patch that changes it
    wins, and a list's ``_order`` comes from the first-listed patch that defines one. Paths whose
    instance the base no longer has are skipped. Returns the merged document and
    ``{path: variant uid}`` for what was applied: leaf paths, ``<list>.<label>`` for an added
    instance, the list path for an order; paths inside instances an order dropped are left out.

    ``base`` is never mutated and is not copied whole: only containers on a touched path are
    copied, so the cost follows the patches. Untouched subtrees are shared with ``base``: treat
    the result as read-only.
    """
    merger = _Merger(base)
    for patch in patches:
        merger.apply(patch)
    return merger.finish()


class _Merger:
    """Copy-on-write overlay, first patch first; a path once applied is not applied again."""

    def __init__(self, base: Doc) -> None:
        self.doc: Doc = dict(base)
        # Keeping the copies referenced keeps their ids unique for the whole merge.
        self._owned: dict[int, Any] = {id(self.doc): self.doc}
        self._applied: dict[str, str] = {}
        self._orders: dict[str, tuple[list[Step], list[str], str]] = {}
        self._dropped: list[str] = []

    def apply(self, patch: Doc) -> None:
        variant = str(patch.get("variant", ""))
        for steps, value in patch.get("set") or []:
            self._set(steps, value, variant)
        for steps, element in patch.get("add") or []:
            self._add(steps, element, variant)
        for steps, refs in patch.get("order") or []:
            self._orders.setdefault(_path_of(steps), (steps, refs, variant))

    def finish(self) -> tuple[Doc, dict[str, str]]:
        # Orders go last: an instance the winning order drops may carry other patches' changes.
        for path, (steps, refs, variant) in self._orders.items():
            self._arrange(path, steps, refs, variant)
        applied = {path: variant for path, variant in self._applied.items()
                   if not any(path == d or path.startswith(d + ".") for d in self._dropped)}
        return self.doc, applied

    def _set(self, steps: list[Step], value: Any, variant: str) -> None:
        path = _path_of(steps)
        holder = None if path in self._applied else self._walk(steps[:-1], dict)
        if holder is not None:
            holder[steps[-1]] = copy.deepcopy(value)
            self._applied[path] = variant

    def _add(self, steps: list[Step], element: Any, variant: str) -> None:
        uid = _element_uid(element)
        items = self._walk(steps, list) if uid is not None else None
        if items is not None and all(_element_uid(e) != uid for e in items):
            items.append(copy.deepcopy(element))
            self._applied[f"{_path_of(steps)}.{_element_label(element)}"] = variant

    def _arrange(self, path: str, steps: list[Step], refs: list[str], variant: str) -> None:
        items = self._walk(steps, list)
        if items is None:
            return
        wanted = [_ref_uid(ref) for ref in refs]
        kept, by_uid = set(wanted), {_element_uid(e): e for e in items}
        self._dropped += [f"{path}.{_element_label(e)}" for e in items
                          if _element_uid(e) not in kept]
        items[:] = [by_uid[uid] for uid in wanted if uid in by_uid]
        self._applied[path] = variant

    def _walk(self, steps: list[Step], final: type) -> Any:
        """The private container ``steps`` lead to (a ``final`` at the end), or None when an
        instance on the way is gone. Missing groups and final lists are created, as
        ``materialize`` does."""
        node: Any = self.doc
        for i, step in enumerate(steps):
            if isinstance(step, dict):
                node = self._enter_instance(node, step)
            else:
                following = steps[i + 1] if i + 1 < len(steps) else None
                kind = final if following is None else list if isinstance(following, dict) else dict
                node = self._enter(node, step, kind, create=kind is dict or following is None)
            if node is None:
                return None
        return node

    def _enter(self, parent: Any, key: str | int, kind: type, create: bool) -> Any:
        if isinstance(parent, list) and isinstance(key, int):
            value = parent[key]
        elif isinstance(parent, dict):
            value = parent.get(key)
        else:
            return None
        if isinstance(value, kind) and id(value) in self._owned:
            return value
        if isinstance(value, kind):
            value = copy.copy(value)
        elif create:
            value = kind()
        else:
            return None
        parent[key] = value
        self._owned[id(value)] = value
        return value

    def _enter_instance(self, items: Any, step: dict[str, str]) -> Any:
        block = step.get("block")
        for i, element in enumerate(_as_list(items)):
            if _element_uid(element) == step["uid"] and _element_parts(element)[0] == block:
                element = self._enter(items, i, dict, create=False)
                return self._enter(element, block, dict, create=False) if block else element
        return None
