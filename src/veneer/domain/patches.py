"""Publish-time patches of entry variants and the delivery merge (semantics §4). Pure.

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
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from veneer.domain.instances import (
    ATOMIC,
    GROUP,
    LIST,
    Doc,
    Field,
    Orders,
    Schema,
    Step,
    as_dict,
    as_list,
    bare_uids,
    element_label,
    element_parts,
    element_uid,
    field_kind,
    instance_label,
    is_blocks,
    orders_map,
    read_instance,
    ref_uid,
    subschema,
)

Explained = dict[str, dict[str, Any]]  # path -> {"source", "lost"[, "removed_by"]}

# --- patches and the delivery merge ---------------------------------------------------------


def compile_patch(schema: Schema, stored: Doc, variant_uid: str) -> Doc:
    """The publish-time patch of a stored variant (format in the module docstring)."""
    orders = orders_map(stored.get("order"))
    patch: Doc = {"variant": variant_uid, "set": [], "add": [], "order": []}
    _patch_node(schema, as_dict(stored.get("fields")), [], orders, patch)
    for path, refs in orders.items():
        steps = _path_steps(schema, path)
        if steps is not None:  # the schema lost that list since the save
            patch["order"].append([steps, refs])
    return patch


def patch_fields(patch: Doc) -> list[str]:
    """The top-level fields a patch touches (the first step of each set, add and order), in
    code-point order: the fields a merged query must merge it for (docs/variants-beyond.md §5)."""
    found = {steps[0] for key in ("set", "add", "order") for steps, _ in patch.get(key) or []}
    return sorted(str(field) for field in found)


def _patch_node(schema: Schema, sparse: Doc, steps: list[Step], orders: Orders, patch: Doc) -> None:
    for field in schema:
        key, kind = field["uid"], field_kind(field)
        if key not in sparse:
            continue
        here: list[Step] = [*steps, key]
        if kind == GROUP:
            _patch_node(subschema(field), as_dict(sparse[key]), here, orders, patch)
        elif kind == LIST:
            _patch_list(field, sparse[key], here, orders, patch)
        else:
            patch["set"].append([here, copy.deepcopy(sparse[key])])


def _patch_list(field: Field, items: Any, steps: list[Step], orders: Orders, patch: Doc) -> None:
    added = bare_uids(orders.get(_path_of(steps)))
    for element in as_list(items):
        inst = read_instance(field, element)
        if inst is None or inst.uid is None:
            continue
        if inst.uid in added:
            patch["add"].append([steps, copy.deepcopy(element)])
        else:
            _patch_node(
                subschema(field, inst.block),
                inst.node,
                [*steps, _instance_step(inst.block, inst.uid)],
                orders,
                patch,
            )


def _instance_step(block: str | None, uid: str) -> dict[str, str]:
    return {"block": block, "uid": uid} if block else {"uid": uid}


def _path_of(steps: list[Step]) -> str:
    return ".".join(
        step if isinstance(step, str) else instance_label(step.get("block"), step["uid"])
        for step in steps
    )


def _path_steps(schema: Schema, path: str) -> list[Step] | None:
    """Steps to the instance list an ``_order`` path names, or None if the schema has none."""
    tokens, fields = path.split("."), schema
    steps: list[Step] = []
    while tokens:
        field = next((f for f in fields if f.get("uid") == tokens[0]), None)
        if field is None or field_kind(field) == ATOMIC:
            return None
        steps.append(tokens.pop(0))
        if field_kind(field) == GROUP:
            fields = subschema(field)
            continue
        if not tokens:
            return steps
        block = tokens.pop(0) if is_blocks(field) else None
        if not tokens:
            return None
        steps.append(_instance_step(block, tokens.pop(0)))
        fields = subschema(field, block)
    return None


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


def explain_merge(base: Doc, patches: list[Doc]) -> tuple[Doc, dict[str, str], Explained]:
    """``merge`` that also says why (``include_variant_explain``): the same merger, recording
    what ``merge`` discards. The third value maps every path some patch addresses (in the keys
    of ``merge``'s applied map) to ``{"source": variant uid or "base", "lost": [variant uids]}``:
    ``source`` is the variant whose value is served (``base`` when none applied, because the
    instance is not in the base or an order removed it; then ``removed_by`` names the order's
    variant), ``lost`` the later-listed patches that addressed the path too, in request order.
    """
    merger = _ExplainingMerger(base)
    for patch in patches:
        merger.apply(patch)
    doc, applied = merger.finish()
    return doc, applied, merger.explained(applied)


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
        applied = {
            path: variant
            for path, variant in self._applied.items()
            if not any(path == d or path.startswith(d + ".") for d in self._dropped)
        }
        return self.doc, applied

    def _set(self, steps: list[Step], value: Any, variant: str) -> None:
        path = _path_of(steps)
        holder = None if path in self._applied else self._walk(steps[:-1], dict)
        if holder is not None:
            holder[steps[-1]] = copy.deepcopy(value)
            self._applied[path] = variant

    def _add(self, steps: list[Step], element: Any, variant: str) -> None:
        uid = element_uid(element)
        items = self._walk(steps, list) if uid is not None else None
        if items is not None and all(element_uid(e) != uid for e in items):
            items.append(copy.deepcopy(element))
            self._applied[f"{_path_of(steps)}.{element_label(element)}"] = variant

    def _arrange(self, path: str, steps: list[Step], refs: list[str], variant: str) -> None:
        items = self._walk(steps, list)
        if items is None:
            return
        wanted = [ref_uid(ref) for ref in refs]
        kept, by_uid = set(wanted), {element_uid(e): e for e in items}
        self._dropped += [f"{path}.{element_label(e)}" for e in items if element_uid(e) not in kept]
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
        for i, element in enumerate(as_list(items)):
            if element_uid(element) == step["uid"] and element_parts(element)[0] == block:
                element = self._enter(items, i, dict, create=False)
                return self._enter(element, block, dict, create=False) if block else element
        return None


class _ExplainingMerger(_Merger):
    """``_Merger`` that also records what it does not apply (``explain_merge``). A subclass, so
    that the plain merge runs exactly the code it ran before explanations existed."""

    def __init__(self, base: Doc) -> None:
        super().__init__(base)
        self._lost: dict[str, list[str]] = {}
        self._removed_by: dict[str, str] = {}  # dropped instance path -> the order's variant

    def apply(self, patch: Doc) -> None:
        variant = str(patch.get("variant", ""))
        for steps, _refs in patch.get("order") or []:
            path = _path_of(steps)
            if path in self._orders:  # an earlier patch's order wins
                self._lost.setdefault(path, []).append(variant)
        super().apply(patch)

    def _set(self, steps: list[Step], value: Any, variant: str) -> None:
        self._applied_or_lost(
            _path_of(steps),
            variant,
            lambda: super(_ExplainingMerger, self)._set(steps, value, variant),
        )

    def _add(self, steps: list[Step], element: Any, variant: str) -> None:
        if element_uid(element) is None:
            return super()._add(steps, element, variant)
        path = f"{_path_of(steps)}.{element_label(element)}"
        self._applied_or_lost(
            path, variant, lambda: super(_ExplainingMerger, self)._add(steps, element, variant)
        )

    def _applied_or_lost(self, path: str, variant: str, run: Callable[[], None]) -> None:
        before = path in self._applied
        run()
        if before or path not in self._applied:
            self._lost.setdefault(path, []).append(variant)

    def _arrange(self, path: str, steps: list[Step], refs: list[str], variant: str) -> None:
        dropped = len(self._dropped)
        super()._arrange(path, steps, refs, variant)
        if path not in self._applied:  # its list is gone: the winner, before those it beat
            self._lost.setdefault(path, []).insert(0, variant)
        for removed in self._dropped[dropped:]:
            self._removed_by[removed] = variant

    def explained(self, applied: dict[str, str]) -> Explained:
        """See ``explain_merge``: called after ``finish`` with its applied map."""
        out: Explained = {}
        for path in [*self._applied, *(p for p in self._lost if p not in self._applied)]:
            entry: dict[str, Any] = {
                "source": applied.get(path, "base"),
                "lost": self._lost.get(path, []),
            }
            remover = self._remover(path) if path not in applied else None
            if remover is not None:
                entry["removed_by"] = remover
                if path in self._applied:  # its value was set, then its instance removed
                    entry["lost"] = [self._applied[path], *entry["lost"]]
            out[path] = entry
        return out

    def _remover(self, path: str) -> str | None:
        return next(
            (v for d, v in self._removed_by.items() if path == d or path.startswith(d + ".")),
            None,
        )


# --- explaining a request's variant names ---------------------------------------------------


def variant_fates(
    names: Sequence[str],
    known: Mapping[str, str],
    merged: Sequence[str],
    explained: Explained,
    beyond: Sequence[str],
    absent: str,
) -> list[Doc]:
    """The fate of each variant name of a request, in the order named (``_variant_explain``).

    ``known`` maps the names that denote a variant of the stack to its uid, ``merged`` lists the
    uids whose patches were merged and ``beyond`` the names past the variant limit. A merged
    variant is ``applied`` when it supplies a value or changed nothing, ``lost`` when every path
    it changed went to another source; a known variant that was not merged gets ``absent``
    (``not_published`` on delivery, ``not_saved`` in a management preview)."""
    winners = {why["source"] for why in explained.values()}
    losers = {uid for why in explained.values() for uid in why["lost"]}
    out: list[Doc] = []
    for name in names:
        uid = known.get(name)
        if uid is None:
            status = "unknown"
        elif uid not in merged:
            status = absent
        else:
            status = "lost" if uid in losers and uid not in winners else "applied"
        out.append({"name": name, "uid": uid, "status": status})
    return out + [{"name": name, "status": "beyond_limit"} for name in beyond]


def resolve_names(
    names: Sequence[str], variants: Sequence[tuple[str, str | None]]
) -> dict[str, str]:
    """name -> variant uid for the names that denote one of ``variants`` ((uid, alias) pairs),
    a uid before an alias as on delivery."""
    uids = {uid for uid, _ in variants}
    aliases = {alias: uid for uid, alias in variants if alias}
    out: dict[str, str] = {}
    for name in names:
        uid = name if name in uids else aliases.get(name)
        if uid is not None:
            out[name] = uid
    return out
