"""Entry variants: change sets, sparse storage and ``_order`` (publish-time patches and the
delivery merge are in ``patches.py``).

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
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from veneer.domain.instances import (
    ATOMIC,
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
    bare_uids,
    counterpart,
    element_uid,
    field_kind,
    has_order_under,
    index_instances,
    instances_of,
    is_blocks,
    orders_map,
    ref_uid,
    same_json,
    subschema,
)
from veneer.errors import ValidationFailed

_UNCHANGED = object()


# --- change set -----------------------------------------------------------------------------


def change_set(schema: Schema, base: Doc, doc: Doc) -> list[str]:
    """Every path where the full variant document ``doc`` differs from ``base`` (semantics §2).

    Order: schema order, and instances in ``doc``'s order. A variant-only instance (its uid is
    not in the base list, or is there as another block) is compared with an empty instance, so
    each of its non-null fields is listed as ``group.<uid>.<field>``. Reordering and removing
    instances are not value changes: ``_order`` carries them. Instances without a uid are skipped.
    """
    return list(_diff_node(schema, as_dict(base), as_dict(doc), ""))


def _diff_node(schema: Schema, base: Doc, doc: Doc, prefix: str) -> Iterator[str]:
    for field in schema:
        key = field["uid"]
        path, kind = prefix + key, field_kind(field)
        if kind == GROUP:
            sub_base, sub_doc = as_dict(base.get(key)), as_dict(doc.get(key))
            yield from _diff_node(subschema(field), sub_base, sub_doc, path + ".")
        elif kind == LIST:
            yield from _diff_list(field, base.get(key), doc.get(key), path)
        elif not same_json(base.get(key), doc.get(key)):
            yield path


def _diff_list(field: Field, base_value: Any, doc_value: Any, path: str) -> Iterator[str]:
    pool = index_instances(field, base_value)
    for inst in instances_of(field, doc_value):
        if inst.uid is not None:
            origin = counterpart(pool, inst) or {}
            yield from _diff_node(
                subschema(field, inst.block), origin, inst.node, f"{path}.{inst.label}."
            )


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
    kind = field_kind(field)
    if kind == GROUP:
        changed: Any = _sparse_node(subschema(field), as_dict(base_value), as_dict(doc_value))
    elif kind == LIST:
        changed = _sparse_list(field, base_value, doc_value)
    else:
        return _UNCHANGED if same_json(base_value, doc_value) else copy.deepcopy(doc_value)
    return changed or _UNCHANGED


def _sparse_list(field: Field, base_value: Any, doc_value: Any) -> list[Doc]:
    pool = index_instances(field, base_value)
    out: list[Doc] = []
    for inst in instances_of(field, doc_value):
        if inst.uid is None:
            continue
        origin = counterpart(pool, inst)
        if origin is None:
            out.append(copy.deepcopy(inst.wrap()))
        elif changed := _sparse_node(subschema(field, inst.block), origin, inst.node):
            out.append(
                Inst(inst.uid, inst.block, {"_metadata": {"uid": inst.uid}, **changed}).wrap()
            )
    return out


def _order_entries(schema: Schema, base: Doc, doc: Doc, prefix: str) -> Iterator[Orders]:
    """``_order`` entries for the lists whose sequence differs from the base. Lists inside a
    variant-only instance need none: that instance is stored whole, in order."""
    for field in schema:
        key = field["uid"]
        path, kind = prefix + key, field_kind(field)
        if kind == GROUP:
            yield from _order_entries(
                subschema(field), as_dict(base.get(key)), as_dict(doc.get(key)), path + "."
            )
        elif kind == LIST:
            yield from _list_order_entries(field, base.get(key), doc.get(key), path)


def _list_order_entries(
    field: Field, base_value: Any, doc_value: Any, path: str
) -> Iterator[Orders]:
    pool = index_instances(field, base_value)
    insts = [inst for inst in instances_of(field, doc_value) if inst.uid is not None]
    refs = [
        f"{BASE_PREFIX}{inst.uid}" if counterpart(pool, inst) is not None else str(inst.uid)
        for inst in insts
    ]
    if refs != [f"{BASE_PREFIX}{uid}" for uid in pool]:
        yield {path: refs}
    for inst in insts:
        origin = counterpart(pool, inst)
        if origin is not None:
            yield from _order_entries(
                subschema(field, inst.block), origin, inst.node, f"{path}.{inst.label}."
            )


# --- edit -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Edit:
    """What every level of one edit needs: the uid factory and the submitted ``_order``."""

    new_uid: Callable[[], str]
    orders: Orders


def edit_variant(
    schema: Schema, base: Doc, previous: Doc | None, submitted: Doc, new_uid: Callable[[], str]
) -> Doc:
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
    base = as_dict(base)
    edit = _Edit(new_uid, _read_orders(submitted))
    current = materialize(schema, base, previous or {})
    doc = _edit_node(schema, current, base, submitted, "", edit)
    return {
        "fields": _sparse_node(schema, base, doc),
        "change_set": change_set(schema, base, doc),
        "order": list(_order_entries(schema, base, doc, "")),
    }


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


def _edit_node(schema: Schema, current: Doc, base: Doc, sent: Doc, prefix: str, edit: _Edit) -> Doc:
    out = dict(current)
    for field in schema:
        key = field["uid"]
        path, kind = prefix + key, field_kind(field)
        touched = key in sent or has_order_under(edit.orders, path)
        if kind == GROUP and touched:
            update = _group_input(field, sent[key], path) if key in sent else {}
            out[key] = _edit_node(
                subschema(field),
                as_dict(current.get(key)),
                as_dict(base.get(key)),
                update,
                path + ".",
                edit,
            )
        elif kind == LIST and touched:
            out[key] = _edit_list(field, current.get(key), base.get(key), sent.get(key), path, edit)
        elif kind == ATOMIC and key in sent:
            out[key] = sent[key]
    return out


def _group_input(field: Field, value: Any, path: str) -> Doc:
    if value is None:
        return {sub["uid"]: None for sub in subschema(field)}
    if not isinstance(value, dict):
        raise _invalid(path, "must be an object")
    return value


def _edit_list(
    field: Field, current: Any, base: Any, value: Any, path: str, edit: _Edit
) -> list[Doc]:
    pool, have = index_instances(field, base), index_instances(field, current)
    sent = _sent_instances(field, value, path, edit.new_uid)
    for inst in sent.values():
        prior = have.get(inst.uid or "") or pool.get(inst.uid or "")
        if prior is not None and prior.block != inst.block:
            raise _invalid(
                path, f"instance {inst.uid} is a '{prior.block}' block, not '{inst.block}'"
            )
    return [
        _edit_instance(field, uid, have, pool, sent, path, edit).wrap()
        for uid in _sequence(path, have, pool, sent, edit)
    ]


def _sequence(
    path: str, have: dict[str, Inst], pool: dict[str, Inst], sent: dict[str, Inst], edit: _Edit
) -> list[str]:
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
    uids = [ref_uid(ref) for ref in refs]
    unknown = [ref for ref, uid in zip(refs, uids) if uid not in known]
    if unknown:
        raise _invalid("_order", f"{path}: unknown instances {', '.join(unknown)}")
    if len(set(uids)) != len(uids):
        raise _invalid("_order", f"{path}: an instance is listed twice")
    return uids


def _edit_instance(
    field: Field,
    uid: str,
    have: dict[str, Inst],
    pool: dict[str, Inst],
    sent: dict[str, Inst],
    path: str,
    edit: _Edit,
) -> Inst:
    prior, update = have.get(uid) or pool.get(uid), sent.get(uid)
    source = update or prior
    assert source is not None  # _sequence only yields uids from these maps
    node = prior.node if prior is not None else {"_metadata": {"uid": uid}}
    ipath = f"{path}.{source.label}"
    if update is None and not has_order_under(edit.orders, ipath):
        return Inst(uid, source.block, node)
    origin = counterpart(pool, source) or {}
    fields = update.node if update is not None else {}
    return Inst(
        uid,
        source.block,
        _edit_node(subschema(field, source.block), node, origin, fields, ipath + ".", edit),
    )


def _sent_instances(
    field: Field, value: Any, path: str, new_uid: Callable[[], str]
) -> dict[str, Inst]:
    if value is None:
        return {}
    if not isinstance(value, list):
        raise _invalid(path, "must be a list of instances")
    sent: dict[str, Inst] = {}
    for element in value:
        inst = _sent_instance(field, element, path, new_uid)
        if inst.uid in sent:
            raise _invalid(path, f"instance {inst.uid} appears twice")
        sent[str(inst.uid)] = inst
    return sent


def _sent_instance(field: Field, element: Any, path: str, new_uid: Callable[[], str]) -> Inst:
    if not isinstance(element, dict):
        raise _invalid(path, "each instance must be an object")
    block, node = _sent_parts(field, element, path)
    meta = node.get("_metadata")
    uid = meta.get("uid") if isinstance(meta, dict) else None
    uid = new_uid() if uid in (None, "") else uid
    if not isinstance(uid, str) or "." in uid:
        raise _invalid(path, f"instance uid {uid!r} must be a string without dots")
    return Inst(uid, block, node)


def _sent_parts(field: Field, element: Doc, path: str) -> tuple[str | None, Doc]:
    if not is_blocks(field):
        return None, element
    block, node = next(iter(element.items()), (None, None))
    known = {b.get("uid") for b in field.get("blocks") or []}
    if len(element) != 1 or block not in known or not isinstance(node, dict):
        raise _invalid(
            path,
            f"each instance must be {{block uid: {{...}}}} with a block "
            f"of this field, got {sorted(element)!r}",
        )
    return block, node


# --- materialize ----------------------------------------------------------------------------


def materialize(schema: Schema, base: Doc, stored: Doc) -> Doc:
    """The full variant document: a copy of ``base`` with the stored variant overlaid.

    Overrides land on base instances of the same uid and block, ``order`` entries rearrange
    their lists (dropping unlisted base instances, placing variant-only ones) and overrides of
    instances the base no longer has are dropped. Keys outside the schema come from the base.
    """
    orders = orders_map(stored.get("order"))
    return _overlay_node(
        schema, copy.deepcopy(as_dict(base)), as_dict(stored.get("fields")), "", orders
    )


def _overlay_node(schema: Schema, node: Doc, sparse: Doc, prefix: str, orders: Orders) -> Doc:
    """Overlay ``sparse`` on ``node`` in place (``node`` is a private copy)."""
    for field in schema:
        key = field["uid"]
        path, kind = prefix + key, field_kind(field)
        touched = key in sparse or has_order_under(orders, path)
        if kind == GROUP and touched:
            node[key] = _overlay_node(
                subschema(field),
                as_dict(node.get(key)),
                as_dict(sparse.get(key)),
                path + ".",
                orders,
            )
        elif kind == LIST and touched:
            node[key] = _overlay_list(field, node.get(key), sparse.get(key), path, orders)
        elif kind == ATOMIC and key in sparse:
            node[key] = copy.deepcopy(sparse[key])
    return node


def _overlay_list(field: Field, value: Any, sparse: Any, path: str, orders: Orders) -> Any:
    refs = orders.get(path)
    added = bare_uids(refs)
    updates = {
        inst.uid: inst
        for inst in instances_of(field, sparse)
        if inst.uid is not None and inst.uid not in added
    }
    for inst in instances_of(field, value):
        if inst.uid is None:
            continue
        update = updates.get(inst.uid)
        fields = update.node if update is not None and update.block == inst.block else {}
        ipath = f"{path}.{inst.label}"
        # An order inside the instance applies even when none of its fields is overridden.
        if fields or has_order_under(orders, ipath):
            _overlay_node(subschema(field, inst.block), inst.node, fields, ipath + ".", orders)
    if refs is None:
        return value
    extras = [copy.deepcopy(e) for e in as_list(sparse) if element_uid(e) in added]
    return _arrange(as_list(value), extras, refs)


def _arrange(base_items: list[Any], extras: list[Any], refs: list[str]) -> list[Any]:
    bases = {element_uid(e): e for e in base_items}
    adds = {element_uid(e): e for e in extras}
    picked = [(bases if ref.startswith(BASE_PREFIX) else adds).get(ref_uid(ref)) for ref in refs]
    return [element for element in picked if element is not None]


# --- seen from the base ---------------------------------------------------------------------


def override_map(stored: Iterable[Doc]) -> dict[str, list[str]]:
    """``{path: [variant uids]}``: for each path some stored entry variant overrides (its change
    set, and the instance lists it reorders), the variants that do, in the order given. Each
    stored document carries its variant uid in ``system.variant``."""
    out: dict[str, list[str]] = {}
    for doc in stored:
        uid = doc["system"]["variant"]
        paths = [*(doc.get("change_set") or []), *orders_map(doc.get("order"))]
        for path in dict.fromkeys(paths):
            out.setdefault(path, []).append(uid)
    return out


# --- stale overrides and rebasing -----------------------------------------------------------


def overridden_paths(stored: Doc) -> list[str]:
    """The paths a stored variant overrides: its change set, then the lists it orders."""
    return list(
        dict.fromkeys([*(stored.get("change_set") or []), *orders_map(stored.get("order"))])
    )


def stale_paths(schema: Schema, base_then: Doc, base_now: Doc, stored: Doc) -> list[str]:
    """The overridden paths whose base value changed between ``base_then`` (the base the variant
    was last saved against) and ``base_now``: a value path compares the values (a missing
    instance reads as null), a list path the sequence of base instances."""
    return [
        path
        for path in overridden_paths(stored)
        if not same_json(
            _base_view(schema, as_dict(base_then), path.split(".")),
            _base_view(schema, as_dict(base_now), path.split(".")),
        )
    ]


def noop_paths(schema: Schema, base: Doc, stored: Doc) -> list[str]:
    """The overridden paths where the variant serves what ``base`` has (the override changes
    nothing today): the value, or for a list path the sequence of instances. A path naming an
    instance the variant adds never is one."""
    merged = materialize(schema, base, stored)
    out = []
    for path in overridden_paths(stored):
        tokens = path.split(".")
        if not _names_instance(schema, tokens) and same_json(
            _base_view(schema, merged, tokens), _base_view(schema, as_dict(base), tokens)
        ):
            out.append(path)
    return out


def _names_instance(schema: Schema, tokens: list[str]) -> bool:
    """Whether a change-set path names an instance (``group.<uid>``, ``blocks.<block>.<uid>``)."""
    field = next((f for f in schema if f.get("uid") == tokens[0]), None)
    if field is None or len(tokens) == 1:
        return False
    kind, rest = field_kind(field), tokens[1:]
    if kind == GROUP:
        return _names_instance(subschema(field), rest)
    if kind != LIST:
        return False
    block = rest.pop(0) if is_blocks(field) else None
    if len(rest) == 1:
        return True
    return len(rest) > 1 and _names_instance(subschema(field, block), rest[1:])


def value_at(schema: Schema, doc: Doc, path: str) -> Any:
    """What a change-set `path` holds in `doc`: the value of a field, or for a list path the
    (block, instance uid) sequence of its instances (as stale detection compares them)."""
    return _base_view(schema, as_dict(doc), path.split("."))


def _base_view(schema: Schema, node: Doc, tokens: list[str]) -> Any:
    """The value at a change-set path, or for a list path its instances' (block, uid) sequence."""
    field = next((f for f in schema if f.get("uid") == tokens[0]), None)
    if field is None:
        return None
    value, rest, kind = node.get(tokens[0]), tokens[1:], field_kind(field)
    if kind == ATOMIC:
        return value if not rest else None
    if kind == GROUP:
        return _base_view(subschema(field), as_dict(value), rest) if rest else None
    if not rest:
        return [[inst.block, inst.uid] for inst in instances_of(field, value)]
    block = rest.pop(0) if is_blocks(field) else None
    if len(rest) < 2:
        return None
    inst = index_instances(field, value).get(rest[0])
    # A missing instance reads as an empty one (null fields, empty lists).
    node = inst.node if inst is not None and inst.block == block else {}
    return _base_view(subschema(field, block), node, rest[1:])


def rebase_variant(schema: Schema, base: Doc, stored: Doc, revert: Collection[str]) -> Doc:
    """The stored variant reviewed against ``base`` (the latest): the ``revert`` paths go back
    to inheriting ``base`` (a list path: the base's sequence of base instances, variant-only
    instances after them), every other override is kept. Returns ``{"fields", "change_set",
    "order"}`` as ``edit_variant`` does. Raises ``ValidationFailed`` naming any revert path the
    variant does not override."""
    known = set(overridden_paths(stored))
    unknown = [path for path in revert if path not in known]
    if unknown:
        message = f"the variant does not override {', '.join(unknown)}"
        raise ValidationFailed(f"revert: {message}", {"revert": [message]})
    base = as_dict(base)
    doc = materialize(schema, base, stored)
    for path in revert:
        _revert(schema, doc, base, path.split("."))
    return {
        "fields": _sparse_node(schema, base, doc),
        "change_set": change_set(schema, base, doc),
        "order": list(_order_entries(schema, base, doc, "")),
    }


def _revert(schema: Schema, doc: Doc, base: Doc, tokens: list[str]) -> None:
    """Sets the path ``tokens`` of ``doc`` (a private copy) back to ``base``'s."""
    field = next((f for f in schema if f.get("uid") == tokens[0]), None)
    if field is None:
        return
    key, rest, kind = tokens[0], tokens[1:], field_kind(field)
    if kind == ATOMIC:
        doc[key] = copy.deepcopy(base.get(key))
    elif kind == GROUP and rest:
        doc[key] = as_dict(doc.get(key))
        _revert(subschema(field), doc[key], as_dict(base.get(key)), rest)
    elif kind == LIST and not rest:
        doc[key] = _base_sequence(field, doc.get(key), base.get(key))
    elif kind == LIST:
        block = rest.pop(0) if is_blocks(field) else None
        inst = index_instances(field, doc.get(key)).get(rest[0]) if rest else None
        if inst is not None and inst.block == block and len(rest) > 1:
            origin = counterpart(index_instances(field, base.get(key)), inst) or {}
            _revert(subschema(field, block), inst.node, origin, rest[1:])


def _base_sequence(field: Field, value: Any, base_value: Any) -> list[Doc]:
    """The base's instances in the base's order (the variant's version of each it has), then the
    variant-only instances."""
    pool, have = index_instances(field, base_value), index_instances(field, value)
    kept = [
        (have[uid] if uid in have and have[uid].block == inst.block else inst).wrap()
        for uid, inst in pool.items()
    ]
    extra = [inst.wrap() for uid, inst in have.items() if counterpart(pool, inst) is None]
    return copy.deepcopy(kept) + extra
