"""The entry editor as a tree of nodes the templates render with one recursive macro.

Pure: no I/O. `build_form` walks a content type's schema with an entry's values and returns one
`Node` per field (groups and blocks hold `Instance`s of nodes), with the errors of each field
attached and an error summary for the top of the page.

Every node carries two paths:
- `path`: positional, as the services name validation errors (``items.1.label``);
- `vpath`: by instance uid, as an entry variant's ``_change_set`` names it
  (``items.<_metadata.uid>.label``, ``blocks.<block uid>.<_metadata.uid>.title``).
`state` is where the variant editor marks a field: None on the base entry, else "changed"
(a Variant Field) or "inherited"; `revertable` offers "Revert to base entry value". Both come
from a `Marks` object, asked with the node's form kind (`VariantMarks` answers from the domain's
`veneer.domain.variant_diff.Marks`); the base editor has none. On a variant, every field of an
instance only the variant has (or one added in the form: the templates) is a Variant Field, and the
base instances it removed are placed among a list's instances (`Instance.removed`), read-only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from veneer.domain import variant_diff
from veneer.domain.instances import ATOMIC, GROUP, LIST
from veneer.domain.schema import reference_targets
from veneer.web import fields as F

Errors = dict[str, list[str]]
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# What the domain calls a node of each form kind (every other kind is an atomic field).
SHAPES = {
    "group": GROUP,
    variant_diff.INSTANCE: variant_diff.INSTANCE,
    **dict.fromkeys(F.LIST_KINDS, LIST),
}


@dataclass
class Instance:
    key: str
    title: str
    index: int
    name: str
    id: str
    path: str
    vpath: str
    block: str = ""
    uid: str | None = None
    children: list[Node] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    json: str = ""  # body of a block that embeds a global field by reference
    state: str | None = None
    overridden_by: list[str] = field(default_factory=list)  # variants changing something inside
    removed: bool = False  # a base instance the variant removed: shown read-only, restorable


@dataclass
class RefType:
    """A content type a reference picker offers: where it searches (its choices JSON) and where
    a new entry of it is made."""

    uid: str
    title: str
    search: str = ""
    new: str = ""


@dataclass
class PickedRef:
    """One entry a reference field holds, as its picker shows it."""

    value: str  # `ct:uid`, as the form posts it
    label: str
    type_title: str
    found: bool = True


@dataclass
class Node:
    kind: str
    label: str
    name: str
    id: str
    path: str
    vpath: str
    value: Any = ""
    errors: list[str] = field(default_factory=list)
    mandatory: bool = False
    help: str = ""
    note: str = ""
    input_type: str = "text"
    multiple: bool = False
    size: int = 0
    choices: list[tuple[str, str]] = field(default_factory=list)
    # A reference picker: the entries it holds, in order, and the content types it offers.
    refs: list[PickedRef] = field(default_factory=list)
    ref_types: list[RefType] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)
    instances: list[Instance] = field(default_factory=list)
    templates: list[Instance] = field(default_factory=list)
    uid: str | None = None
    state: str | None = None
    revertable: bool = False
    discards: list[str] = field(default_factory=list)  # own values inside that a revert drops
    picker: str = ""  # a file field's asset picker (its JSON's URL), "" for other fields
    embed: str = ""  # a JSON RTE field's asset search (the same JSON), to embed assets
    embed_types: list[dict[str, str]] = field(default_factory=list)  # and its entries' types
    picked: list[dict[str, str]] = field(default_factory=list)  # the assets it holds
    # On the base entry: (variant name, its value) of each variant overriding this field.
    overrides: list[tuple[str, str]] = field(default_factory=list)

    @property
    def described_by(self) -> str:
        ids = ([f"{self.id}-help"] if self.help else []) + (
            [f"{self.id}-error"] if self.errors else []
        )
        return " ".join(ids)


@dataclass
class SummaryItem:
    label: str
    message: str
    anchor: str | None


@dataclass
class References:
    """What reference pickers show: the content types they may offer ({ct uid: RefType}; a type
    that no longer exists is left out) and the titles of the entries the form holds
    ({"ct:uid": title}; one not there is shown by its uid, marked not found)."""

    types: dict[str, RefType] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)
    # The asset picker of file fields: where it searches (its JSON), and the assets the entry
    # holds as the picker shows them ({uid: {uid, title, filename, thumb, ext}}).
    assets: str = ""
    picked: dict[str, dict[str, str]] = field(default_factory=dict)


class Marks(Protocol):
    def state(self, vpath: str, kind: str) -> str | None: ...

    def revertable(self, vpath: str, kind: str) -> bool: ...

    def discards(self, vpath: str) -> list[str]: ...

    def overridden(self, vpath: str) -> list[tuple[str, str]]: ...

    def overridden_below(self, vpath: str) -> list[str]: ...

    def fresh(self) -> Marks: ...

    def removed(self, vpath: str) -> list[variant_diff.Removed]: ...


class NoMarks:
    """The base entry: no field wears a variant tag."""

    def state(self, vpath: str, kind: str) -> str | None:
        return None

    def revertable(self, vpath: str, kind: str) -> bool:
        return False

    def discards(self, vpath: str) -> list[str]:
        return []

    def overridden(self, vpath: str) -> list[tuple[str, str]]:
        return []

    def overridden_below(self, vpath: str) -> list[str]:
        return []

    def fresh(self) -> Marks:
        """The marks of an instance added in the form (a template): on the base entry, none."""
        return NoMarks()

    def removed(self, vpath: str) -> list[variant_diff.Removed]:
        return []


@dataclass
class BaseMarks(NoMarks):
    """The base entry's override badges: `overrides` maps a change-set path to the (variant
    name, its value there) of each variant of the entry that overrides it."""

    overrides: dict[str, list[tuple[str, str]]]

    def overridden(self, vpath: str) -> list[tuple[str, str]]:
        return self.overrides.get(vpath, [])

    def overridden_below(self, vpath: str) -> list[str]:
        """The variants that override something inside the instance at `vpath` (what they
        would lose if it were removed)."""
        names = {
            name
            for path, found in self.overrides.items()
            if path.startswith(vpath + ".")
            for name, _value in found
        }
        return sorted(names)


@dataclass
class VariantMarks:
    """A variant's marks (`variant_diff.Marks`), asked with the editor's form kinds."""

    marks: variant_diff.Marks

    def state(self, vpath: str, kind: str) -> str | None:
        return self.marks.state(vpath, SHAPES.get(kind, ATOMIC))

    def revertable(self, vpath: str, kind: str) -> bool:
        return self.marks.revertable(vpath, SHAPES.get(kind, ATOMIC))

    def discards(self, vpath: str) -> list[str]:
        return self.marks.nested(vpath)

    def overridden(self, vpath: str) -> list[tuple[str, str]]:
        return []

    def overridden_below(self, vpath: str) -> list[str]:
        return []

    def fresh(self) -> Marks:
        """An instance added in the form is the variant's own: so is every field in it."""
        return OwnMarks()

    def removed(self, vpath: str) -> list[variant_diff.Removed]:
        return self.marks.removed.get(vpath, [])


class OwnMarks(NoMarks):
    """Inside an instance added to a variant in the form: every field is a Variant Field."""

    def state(self, vpath: str, kind: str) -> str | None:
        return variant_diff.CHANGED if SHAPES.get(kind, ATOMIC) == ATOMIC else None

    def fresh(self) -> Marks:
        return self


def _is_date(text: str) -> bool:
    """A value a date input keeps (it empties any other): an ISO date of the calendar."""
    if not ISO_DATE.match(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _join(base: str, key: str) -> str:
    return f"{base}.{key}" if base else key


def dom_id(name: str) -> str:
    # Field uids hold no "-", so this is one-to-one.
    return name.replace(".", "-").replace("[]", "")


class Builder:
    def __init__(self, errors: Errors, refs: References, marks: Marks | None = None) -> None:
        self.errors = {k: list(v) for k, v in errors.items()}
        self.refs = refs
        self.summary: list[SummaryItem] = []
        self.marks = marks or NoMarks()

    def take(self, path: str, label: str, anchor: str, *, nested: bool) -> list[str]:
        """The errors reported at `path` (and below it, for fields edited as one value)."""
        keys = [k for k in self.errors if k == path or (nested and k.startswith(path + "."))]
        found = []
        for key in keys:
            for message in self.errors.pop(key):
                found.append(message)
                self.summary.append(SummaryItem(label, message, anchor))
        return found

    def fields(
        self,
        schema: list[F.Field],
        values: Any,
        prefix: str,
        path: str,
        vpath: str,
        crumbs: str,
        depth: int,
    ) -> list[Node]:
        values = values if isinstance(values, dict) else {}
        nodes = []
        for f in schema:
            uid = f.get("uid")
            if not isinstance(uid, str):
                continue
            label = str(f.get("display_name") or uid)
            nodes.append(
                self.node(
                    f,
                    values.get(uid),
                    F.child(prefix, uid),
                    _join(path, uid),
                    _join(vpath, uid),
                    f"{crumbs} › {label}" if crumbs else label,
                    depth,
                )
            )
        return nodes

    def node(
        self, f: F.Field, value: Any, name: str, path: str, vpath: str, crumbs: str, depth: int
    ) -> Node:
        kind = F.kind_of(f)
        meta = f.get("field_metadata") or {}
        node = Node(
            kind=kind,
            label=str(f.get("display_name") or f.get("uid")),
            name=name,
            id=dom_id(name),
            path=path,
            vpath=vpath,
            mandatory=bool(f.get("mandatory")),
            help=str(meta.get("description") or meta.get("instruction") or ""),
        )
        node.errors = self.take(
            path, crumbs, node.id, nested=kind not in ("group", "groups", "blocks")
        )
        if kind == "group":
            node.uid = F.instance_uid(value)
            node.children = self.fields(f["schema"], value, name, path, vpath, crumbs, depth)
        elif kind == "groups":
            self.group_instances(node, f, value, crumbs, depth)
        elif kind == "blocks":
            self.block_instances(node, f, value, crumbs, depth)
        else:
            self.scalar(node, f, value)
        node.state = self.marks.state(vpath, kind)
        node.revertable = self.marks.revertable(vpath, kind)
        node.discards = self.marks.discards(vpath) if node.revertable else []
        node.overrides = self.marks.overridden(vpath)
        return node

    def scalar(self, node: Node, f: F.Field, value: Any) -> None:
        node.value = F.encode(node.kind, value)
        if node.kind == "text" and ("\n" in node.value or "\r" in node.value):
            node.kind = "textarea"  # a one-line input would drop the line breaks it has
        if node.kind in ("select", "radio", "checkboxes"):
            node.choices = F.choices(f)
        elif node.kind == "date":
            node.input_type = "date" if not node.value or _is_date(node.value) else "text"
        elif node.kind == "reference":
            meta = f.get("field_metadata") or {}
            node.multiple = meta.get("ref_multiple") is not False
            self.reference_picker(node, f)
        elif node.kind == "rte":
            node.embed = self.refs.assets
            types = [self.refs.types.get(ct) for ct in F.rte_entry_types(f)]
            node.embed_types = [
                {"uid": t.uid, "title": t.title, "search": t.search} for t in types if t
            ]
        elif node.kind == "lines":
            node.note = "One value per line."
        if f.get("data_type") == "file" and self.refs.assets:
            self.asset_picker(node)

    def asset_picker(self, node: Node) -> None:
        """A file field: its uids (one, or one per line) shown as the picker's thumbnails; a uid
        no asset has is shown as itself."""
        uids = [u.strip() for u in str(node.value).splitlines() if u.strip()]
        node.picker = self.refs.assets
        node.picked = [
            self.refs.picked.get(u)
            or {"uid": u, "title": u, "filename": "", "thumb": "", "ext": "?"}
            for u in uids
        ]
        node.note = ""

    def reference_picker(self, node: Node, f: F.Field) -> None:
        """The entries the field holds, in their order, titled; and the content types it offers."""
        targets = reference_targets(f)
        node.ref_types = [self.refs.types[ct] for ct in targets if ct in self.refs.types]
        node.refs = []
        for value in node.value:
            ct, _, uid = value.partition(":")
            title = self.refs.titles.get(value)
            kind = self.refs.types.get(ct)
            node.refs.append(
                PickedRef(value, title or uid, kind.title if kind else ct, title is not None)
            )

    def group_instances(self, node: Node, f: F.Field, value: Any, crumbs: str, depth: int) -> None:
        items = value if isinstance(value, list) else []
        for index, item in enumerate(items):
            node.instances.append(
                self.instance(
                    node,
                    f["schema"],
                    item,
                    f"k{index}",
                    F.instance_uid(item),
                    index,
                    node.label,
                    crumbs,
                    depth,
                    block="",
                )
            )
        self.removed_instances(node, {None: f}, crumbs, depth, [*range(len(items))])
        template_key = f"__K{depth}__"
        node.templates.append(
            self.instance(
                node,
                f["schema"],
                {},
                template_key,
                None,
                0,
                node.label,
                crumbs,
                depth,
                block="",
                template=True,
            )
        )

    def block_instances(self, node: Node, f: F.Field, value: Any, crumbs: str, depth: int) -> None:
        definitions = {b.get("uid"): b for b in f.get("blocks") or [] if isinstance(b, dict)}
        shown = []  # the list position of each instance shown
        for index, item in enumerate(value if isinstance(value, list) else []):
            found = F.block_of(item)
            block = definitions.get(found[0]) if found else None
            if found is None or block is None:
                self.take(f"{node.path}.{index}", crumbs, node.id, nested=True)
                continue
            block_uid, body = found
            shown.append(index)
            node.instances.append(
                self.instance(
                    node,
                    block.get("schema"),
                    body,
                    f"k{index}",
                    F.instance_uid(body),
                    index,
                    str(block.get("title") or block_uid),
                    crumbs,
                    depth,
                    block=block_uid,
                )
            )
        self.removed_instances(node, definitions, crumbs, depth, shown)
        for uid, definition in definitions.items():
            node.templates.append(
                self.instance(
                    node,
                    definition.get("schema"),
                    {},
                    f"__K{depth}__",
                    None,
                    0,
                    str(definition.get("title") or uid),
                    crumbs,
                    depth,
                    block=str(uid),
                    template=True,
                )
            )

    def removed_instances(
        self,
        node: Node,
        definitions: dict[Any, Any],
        crumbs: str,
        depth: int,
        shown: list[int],
    ) -> None:
        """Place the base instances a variant removed from the list among `node.instances`
        (`shown`: the list position of each), each before the instance that follows it in the
        base entry: read-only, marked "removed here", restorable."""
        removed = self.marks.removed(node.vpath)
        if not removed:
            return
        placed = [((at, 1, n), inst) for n, (at, inst) in enumerate(zip(shown, node.instances))]
        for n, gone in enumerate(removed):
            f = definitions.get(gone.inst.block)
            if f is None:
                continue
            title = (
                node.label if gone.inst.block is None else str(f.get("title") or gone.inst.block)
            )
            inst = self.instance(
                node,
                f.get("schema"),
                gone.inst.node,
                f"r{n}",
                gone.inst.uid,
                0,
                title,
                crumbs,
                depth,
                block=gone.inst.block or "",
                removed=True,
            )
            placed.append(((gone.position, 0, n), inst))
        node.instances = [inst for _, inst in sorted(placed, key=lambda p: p[0])]

    def instance(
        self,
        node: Node,
        schema: Any,
        body: Any,
        key: str,
        uid: str | None,
        index: int,
        title: str,
        crumbs: str,
        depth: int,
        *,
        block: str,
        template: bool = False,
        removed: bool = False,
    ) -> Instance:
        name = F.child(node.name, key)
        path = f"{node.path}.{index}" + (f".{block}" if block else "")
        handle = uid or key
        vpath = f"{node.vpath}.{block}.{handle}" if block else f"{node.vpath}.{handle}"
        crumb = f"{crumbs} {index + 1}"
        inst = Instance(
            key=key,
            title=title,
            index=index + 1,
            name=name,
            id=dom_id(name),
            path=path,
            vpath=vpath,
            block=block,
            uid=uid,
            removed=removed,
        )
        errors_before, marks_before = self.errors, self.marks
        if template:
            self.errors = {}  # a template shows no errors
            self.marks = self.marks.fresh()
        elif removed:
            self.errors = {}  # not in the form: nothing posted, nothing to report
            self.marks = NoMarks()
        else:
            inst.errors = self.take(f"{node.path}.{index}", crumb, inst.id, nested=False)
            if block:
                inst.errors += self.take(path, crumb, inst.id, nested=False)
            inst.errors += self.take(f"{path}._metadata", crumb, inst.id, nested=True)
        if isinstance(schema, list):
            inst.children = self.fields(schema, body, name, path, vpath, crumb, depth + 1)
        else:
            inst.json = F.encode(
                "json", {k: v for k, v in (body or {}).items() if k != "_metadata"}
            )
        self.errors, self.marks = errors_before, marks_before
        shown = not (template or removed)
        inst.state = self.marks.state(vpath, variant_diff.INSTANCE) if shown else None
        inst.overridden_by = self.marks.overridden_below(vpath) if shown else []
        return inst

    def leftovers(self) -> None:
        for path, messages in self.errors.items():
            for message in messages:
                self.summary.append(SummaryItem(path, message, None))
        self.errors = {}


def build_form(
    schema: list[F.Field],
    values: dict[str, Any],
    errors: Errors,
    refs: References,
    marks: Marks | None = None,
) -> tuple[list[Node], Node, list[SummaryItem]]:
    """(field nodes, the tags node, error summary) for an entry editor."""
    builder = Builder(errors, refs, marks)
    nodes = builder.fields(schema, values, F.PREFIX, "", "", "", 0)
    tags = Node(
        kind="text",
        label="Tags",
        name="tags",
        id="f-tags",
        path="tags",
        vpath="tags",
        value=F.tags_text(values.get("tags")),
        help="Separate tags with commas.",
    )
    tags.errors = builder.take("tags", "Tags", tags.id, nested=True)
    builder.leftovers()
    return nodes, tags, builder.summary
