"""How each schema field appears in an HTML form, and how the posted form becomes an entry again.

Pure: no I/O. One `kind` per field decides both directions, so the editor and the parser cannot
drift apart. Form names are dotted paths under ``f``:

    f.title                        a top-level field
    f.seo.meta_title               a field of a single group
    f.items[]                      the instance keys of a multiple group, in document order
    f.items.<key>._uid             the instance's _metadata.uid (empty for an instance added here)
    f.items.<key>.label            a field of one instance (key: a form-only handle, k0, k1, n…)
    f.blocks[]                     the instance keys of modular blocks, in document order
    f.blocks.<key>._block          which block an instance is
    f.blocks.<key>.headline        a field of that block instance

Reordering instances in the page reorders the ``[]`` inputs, so the order posted is the order
shown. A list name always carries one empty marker value, so "no instances left" is told apart
from "field not in the form".

An unedited field comes back as exactly the value it had (the posted text equals what was shown),
so saving never rewrites a value the form cannot represent exactly (a float, a missing field).
Rich text fields post their value as text: a JSON RTE document as JSON, HTML as HTML; the rich
text editor over them (static/rte.js) writes that text only when the user edits it. "Equals" allows for what a browser does to a form that
nobody touched: it posts line ends as CRLF, and it posts the chosen options of a multiple select
(and ticked checkboxes) in the page's order, not the order stored, so multiple choices keep their
stored order unless the selection itself changed. A reference picker posts one hidden input per
chosen entry in the order shown (the stored order, until the user reorders it), so its order is
the user's. A field the entry did not
have (a group, a list, a boolean) stays absent rather than coming back empty. Values that do not
parse are passed on as typed, so the service reports them next to their field like any other
validation error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol

import orjson

Field = dict[str, Any]
Errors = dict[str, list[str]]
PREFIX = "f"

SCALAR_KINDS = {"text", "textarea", "html", "number", "boolean", "date", "file", "select", "radio"}
LIST_KINDS = {"groups", "blocks"}


class FormLike(Protocol):
    def get(self, key: str, default: Any = None) -> Any: ...

    def getlist(self, key: str) -> list[Any]: ...


def kind_of(field: Field) -> str:
    """The form control of a field; the editor template has one macro branch per kind."""
    data_type = field.get("data_type")
    multiple = bool(field.get("multiple"))
    meta = field.get("field_metadata") or {}
    if data_type in ("group", "global_field"):
        if not isinstance(field.get("schema"), list):
            return "json"  # a global field known only by reference: edit its JSON
        return "groups" if multiple else "group"
    if data_type in ("blocks", "reference"):
        return str(data_type)
    if data_type == "json":
        return "rte" if meta.get("allow_json_rte") and not multiple else "json"
    if data_type in ("text", "number") and isinstance(field.get("enum"), dict):
        if multiple:
            return "checkboxes"
        return "radio" if field.get("display_type") == "radio" else "select"
    if multiple:
        return "lines" if data_type in ("text", "number", "isodate", "file") else "json"
    if data_type == "text":
        if meta.get("allow_rich_text"):
            return "html"  # HTML rich text: its markup is edited as text, newlines and all
        return "textarea" if meta.get("multiline") or meta.get("markdown") else "text"
    return {
        "number": "number",
        "boolean": "boolean",
        "isodate": "date",
        "link": "link",
        "file": "file",
    }.get(str(data_type), "json")


def child(prefix: str, uid: str) -> str:
    return f"{prefix}.{uid}"


def keys_name(prefix: str) -> str:
    return f"{prefix}[]"


def instance_uid(instance: Any) -> str | None:
    meta = instance.get("_metadata") if isinstance(instance, dict) else None
    uid = meta.get("uid") if isinstance(meta, dict) else None
    return uid if isinstance(uid, str) and uid else None


def block_of(item: Any) -> tuple[str, dict[str, Any]] | None:
    """``{"hero": {...}}`` → ("hero", {...}); None for anything else."""
    if isinstance(item, dict) and len(item) == 1:
        ((uid, body),) = item.items()
        if isinstance(body, dict):
            return str(uid), body
    return None


# -- encoding: value → what the form shows ----------------------------------------------------------


def choices(field: Field) -> list[tuple[str, str]]:
    """(posted value, label) of an enum field's choices."""
    out = []
    for choice in (field.get("enum") or {}).get("choices") or []:
        if isinstance(choice, dict) and "value" in choice:
            value = _text(choice["value"])
            out.append((value, str(choice.get("key") or value)))
    return out


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value if isinstance(value, str) else str(value)


def reference_value(item: Any) -> str:
    if isinstance(item, dict):
        return f"{item.get('_content_type_uid') or ''}:{item.get('uid') or ''}"
    return f":{item}"


def encode(kind: str, value: Any) -> Any:
    """What the form shows for `value`: a string, a list of strings, or {title, href} for links."""
    if kind == "boolean" and value is None:
        return "false"  # an unticked box: a field the entry never had stays absent
    if kind in SCALAR_KINDS:
        return _text(value)
    if kind == "lines":
        return "\n".join(_text(v) for v in value) if isinstance(value, list) else _text(value)
    if kind == "checkboxes":
        return [_text(v) for v in value] if isinstance(value, list) else []
    if kind == "reference":
        return [reference_value(v) for v in value] if isinstance(value, list) else []
    if kind == "link":
        link = value if isinstance(value, dict) else {}
        return {"title": _text(link.get("title")), "href": _text(link.get("href"))}
    if kind in ("json", "rte"):
        return "" if value is None else orjson.dumps(value, option=orjson.OPT_INDENT_2).decode()
    raise ValueError(f"no encoding for kind {kind!r}")


# -- decoding: posted form → entry -------------------------------------------------------------------


class Decoder:
    """Rebuilds an entry from a posted form, walking the schema as the editor rendered it."""

    def __init__(self, form: FormLike, new_uid: Callable[[], str]) -> None:
        self.form = form
        self.new_uid = new_uid
        self.errors: Errors = {}

    def fields(
        self, schema: list[Field], prefix: str, original: Any, path: str = ""
    ) -> dict[str, Any]:
        original = original if isinstance(original, dict) else {}
        out: dict[str, Any] = {}
        for field in schema:
            uid = field.get("uid")
            if not isinstance(uid, str):
                continue
            name = child(prefix, uid)
            if not self.present(field, name):
                continue
            field_path = f"{path}.{uid}" if path else uid
            value = self.value(field, name, original.get(uid), field_path)
            if value is None and uid not in original:
                continue  # left empty and never set: keep the entry free of nulls it did not have
            out[uid] = value
        return out

    def present(self, field: Field, name: str) -> bool:
        kind = kind_of(field)
        if kind in LIST_KINDS or kind in ("checkboxes", "reference"):
            return bool(self.form.getlist(keys_name(name) if kind in LIST_KINDS else name))
        if kind == "link":
            return self.form.get(child(name, "title")) is not None
        if kind == "group":
            return self.form.get(child(name, "_present")) is not None
        return self.form.get(name) is not None

    def value(self, field: Field, name: str, original: Any, path: str) -> Any:
        kind = kind_of(field)
        if kind == "group":
            return self.group(field, name, original, path)
        if kind == "groups":
            return self.groups(field, name, original, path)
        if kind == "blocks":
            return self.blocks(field, name, original, path)
        posted = self.posted(kind, name)
        shown = encode(kind, original)
        if kind == "checkboxes":
            posted = keep_order(posted, shown)
        if same(posted, shown):
            return original  # untouched: exactly the stored value
        return self.parse(kind, field, posted, original, path)

    def posted(self, kind: str, name: str) -> Any:
        if kind in ("checkboxes", "reference"):
            return [v for v in self.form.getlist(name) if isinstance(v, str) and v]
        if kind == "boolean":
            return (self.form.getlist(name) or ["false"])[-1]
        if kind == "link":
            return {
                "title": self._str(child(name, "title")),
                "href": self._str(child(name, "href")),
            }
        # Browsers post CRLF line ends; the stored text uses LF.
        return lf(self._str(name))

    def _str(self, name: str) -> str:
        value = self.form.get(name)
        return value if isinstance(value, str) else ""

    def parse(self, kind: str, field: Field, posted: Any, original: Any, path: str) -> Any:
        if kind in ("text", "textarea", "html"):
            return posted
        if kind == "number":
            return parse_number(posted)
        if kind == "boolean":
            return posted == "true"
        if kind in ("date", "file"):
            return posted.strip() or None
        if kind in ("select", "radio"):
            return self.choice(field, posted) if posted else None
        if kind == "checkboxes":
            return [self.choice(field, v) for v in posted]
        if kind == "lines":
            return self.lines(field, posted)
        if kind == "link":
            return posted if posted["title"] or posted["href"] else None
        if kind == "reference":
            return [parse_reference(v) for v in posted]
        parsed = self.json(posted, path)
        return original if parsed == original else parsed  # "json" and "rte": edited, or reindented

    def choice(self, field: Field, posted: str) -> Any:
        for choice in (field.get("enum") or {}).get("choices") or []:
            if isinstance(choice, dict) and _text(choice.get("value")) == posted:
                return choice["value"]
        return posted  # not a choice: the service says so

    def lines(self, field: Field, posted: str) -> list[Any]:
        items = [line.strip() for line in posted.split("\n") if line.strip()]
        return [parse_number(i) for i in items] if field.get("data_type") == "number" else items

    def json(self, posted: str, path: str) -> Any:
        if not posted.strip():
            return None
        try:
            return orjson.loads(posted)
        except orjson.JSONDecodeError as exc:
            self.errors.setdefault(path, []).append(f"is not valid JSON: {exc}")
            return posted

    def group(self, field: Field, name: str, original: Any, path: str) -> dict[str, Any] | None:
        had = isinstance(original, dict)
        original = original if isinstance(original, dict) else {}
        out = self.fields(field["schema"], name, original, path)
        uid = self.form.get(child(name, "_uid")) or instance_uid(original)
        if uid:
            out["_metadata"] = {**(original.get("_metadata") or {}), "uid": uid}
        return out if out or had else None  # a group left empty that the entry never had

    def instance_keys(self, name: str) -> list[str]:
        keys = [k for k in self.form.getlist(keys_name(name)) if isinstance(k, str) and k]
        return list(dict.fromkeys(keys))  # a key posted twice counts once

    def groups(
        self, field: Field, name: str, original: Any, path: str
    ) -> list[dict[str, Any]] | None:
        items = [i for i in original if isinstance(i, dict)] if isinstance(original, list) else []
        by_uid = {instance_uid(i): i for i in items}
        out = []
        for index, key in enumerate(self.instance_keys(name)):
            prefix = child(name, key)
            uid = self._str(child(prefix, "_uid"))
            before = by_uid.get(uid, {}) if uid else _unnamed(items, key)
            item = self.fields(field["schema"], prefix, before, f"{path}.{index}")
            if uid:
                item["_metadata"] = {**(before.get("_metadata") or {}), "uid": uid}
            out.append(item)
        return out if out or isinstance(original, list) else None

    def blocks(
        self, field: Field, name: str, original: Any, path: str
    ) -> list[dict[str, Any]] | None:
        definitions = {b.get("uid"): b for b in field.get("blocks") or [] if isinstance(b, dict)}
        bodies = []
        by_uid = {}
        for item in original if isinstance(original, list) else []:
            found = block_of(item)
            bodies.append(found[1] if found else {})
            if found and instance_uid(found[1]):
                by_uid[instance_uid(found[1])] = found[1]
        out = []
        for index, key in enumerate(self.instance_keys(name)):
            prefix = child(name, key)
            block_uid = self._str(child(prefix, "_block"))
            block = definitions.get(block_uid)
            if block is None:
                self.errors.setdefault(f"{path}.{index}", []).append(
                    f"is not a known block: {block_uid!r}"
                )
                continue
            uid = self._str(child(prefix, "_uid"))
            before = by_uid.get(uid, {}) if uid else _unnamed(bodies, key)
            body = self.block_body(block, prefix, before, f"{path}.{index}.{block_uid}")
            if uid:
                body["_metadata"] = {**(before.get("_metadata") or {}), "uid": uid}
            out.append({block_uid: body})
        return out if out or isinstance(original, list) else None

    def block_body(
        self, block: Field, prefix: str, before: dict[str, Any], path: str
    ) -> dict[str, Any]:
        if isinstance(block.get("schema"), list):
            return self.fields(block["schema"], prefix, before, path)
        # A block that embeds a global field by reference: its body is edited as JSON.
        body = {k: v for k, v in before.items() if k != "_metadata"}
        posted = lf(self._str(child(prefix, "_json")))
        if same(posted, encode("json", body)):
            return body
        parsed = self.json(posted, path)
        return parsed if isinstance(parsed, dict) else {}


def lf(text: str) -> str:
    """Line ends as the stored text has them: a browser posts CRLF, and reads a lone CR as LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def same(posted: Any, shown: Any) -> bool:
    """True when the posted control says what the form showed, line ends aside."""
    if isinstance(posted, str) and isinstance(shown, str):
        return lf(posted) == lf(shown)
    if isinstance(posted, dict) and isinstance(shown, dict):
        return posted.keys() == shown.keys() and all(same(posted[k], shown[k]) for k in posted)
    return bool(posted == shown)


def keep_order(posted: list[str], shown: list[str]) -> list[str]:
    """The chosen values in the order stored: a select posts them in the page's order. The
    same selection is the stored list itself (duplicates included); new choices go last."""
    chosen = list(dict.fromkeys(posted))
    if set(chosen) == set(shown):
        return shown
    kept = [v for v in dict.fromkeys(shown) if v in chosen]
    return kept + [v for v in chosen if v not in kept]


def _unnamed(items: list[Any], key: str) -> Any:
    """An instance stored without a _metadata.uid, found by the position its form key names."""
    index = int(key[1:]) if key[:1] == "k" and key[1:].isdigit() else -1
    item = items[index] if 0 <= index < len(items) else None
    return item if isinstance(item, dict) and instance_uid(item) is None else {}


def parse_number(text: str) -> Any:
    text = text.strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text  # the service answers "must be a number" next to the field


def parse_reference(value: str) -> dict[str, str]:
    content_type, _, uid = value.partition(":")
    return {"uid": uid, "_content_type_uid": content_type} if content_type else {"uid": uid}


def decode_entry(
    schema: list[Field], form: FormLike, original: dict[str, Any] | None, new_uid: Callable[[], str]
) -> tuple[dict[str, Any], Errors]:
    """The entry a posted editor form describes, and the errors found before any service call."""
    decoder = Decoder(form, new_uid)
    entry = decoder.fields(schema, PREFIX, original or {})
    tags = form.get("tags")
    before = (original or {}).get("tags")
    if isinstance(tags, str):
        if same(tags, tags_text(before)):
            if before is not None:
                entry["tags"] = before  # untouched: exactly the stored tags
        else:
            entry["tags"] = split_tags(tags)
    return entry, decoder.errors


def tags_text(tags: Any) -> str:
    """The tags field as shown: the tags separated by commas."""
    return ", ".join(t for t in tags if isinstance(t, str)) if isinstance(tags, list) else ""


def split_tags(text: str) -> list[str]:
    return list(dict.fromkeys(t.strip() for t in text.split(",") if t.strip()))


def reference_values(schema: Iterable[Field], doc: Any) -> set[str]:
    """Every reference a document holds (`ct:uid`, as the picker posts it), through groups,
    global fields and modular blocks: the entries whose titles the picker shows."""
    found: set[str] = set()
    values = doc if isinstance(doc, dict) else {}
    for field in schema:
        uid = field.get("uid")
        if not isinstance(uid, str) or uid not in values:
            continue
        value, kind = values[uid], kind_of(field)
        if kind == "reference":
            found.update(encode(kind, value))
        elif kind == "group":
            found |= reference_values(field["schema"], value)
        elif kind == "groups" and isinstance(value, list):
            for item in value:
                found |= reference_values(field["schema"], item)
        elif kind == "blocks" and isinstance(value, list):
            blocks = {b.get("uid"): b for b in field.get("blocks") or [] if isinstance(b, dict)}
            for item in value:
                for name, body in item.items() if isinstance(item, dict) else []:
                    inner = (blocks.get(name) or {}).get("schema")
                    if isinstance(inner, list):
                        found |= reference_values(inner, body)
    return found


def walk_references(schema: Iterable[Field]) -> set[str]:
    """Every content type a reference field anywhere in `schema` may point to, and the entries'
    content types a JSON RTE field may embed (its `reference_to` but `sys_assets`)."""
    found: set[str] = set()
    for field in schema:
        if not isinstance(field, dict):
            continue
        if kind_of(field) == "rte":
            found.update(rte_entry_types(field))
        elif field.get("data_type") == "reference":
            target = field.get("reference_to")
            found.update(
                [target]
                if isinstance(target, str)
                else [t for t in target or [] if isinstance(t, str)]
            )
        if isinstance(field.get("schema"), list):
            found |= walk_references(field["schema"])
        for block in field.get("blocks") or []:
            if isinstance(block, dict) and isinstance(block.get("schema"), list):
                found |= walk_references(block["schema"])
    return found


def rte_entry_types(field: Field) -> list[str]:
    """The content types whose entries a JSON RTE field may embed."""
    target = field.get("reference_to")
    targets = [target] if isinstance(target, str) else target if isinstance(target, list) else []
    return [t for t in targets if isinstance(t, str) and t != "sys_assets"]
