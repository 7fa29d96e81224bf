"""Content type definitions, and entries checked against them.

Pure: no I/O, no clock, no randomness. Instance uids come from the caller's ``new_uid``.

A content type is ``{"title", "uid", "schema": [field, ...], "options"?, "description"?}``.
Error keys are dotted paths, as Contentstack names them: ``schema.2.data_type`` in a definition,
``seo.meta_title``, ``links.0.href`` or ``blocks.1.hero.title`` in an entry.

Choices:
- Every group instance (single or multiple, and schema'd global fields) and every block instance
  gets ``_metadata.uid`` when it lacks one; variants address instances by it.
- References are normalized to ``{"uid", "_content_type_uid"}``: a bare uid string, or an object
  without ``_content_type_uid``, is accepted when the field references exactly one content type.
  A fetched asset object (``{"uid": ..., "url": ...}``) in a file field is reduced to its uid, so a
  client can send back what it read.
- An empty string in an ``isodate`` field means "no date", like null.
- A plain text field's ``format`` (a regular expression the value must match somewhere, with
  ``error_messages.format``; at most FORMAT_TIMEOUT per value), a number's ``min``/``max`` and a
  multiple field's or modular blocks' ``min_instance``/``max_instance`` are enforced. A text
  field's ``min``/``max`` (Contentstack's character limits) are kept but not enforced yet.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeGuard

import regex

from veneer.domain import taxonomies
from veneer.errors import BadRequest, Errors, ValidationFailed

Field = dict[str, Any]
Schema = list[Field]

DATA_TYPES = frozenset(
    {
        "text",
        "number",
        "boolean",
        "isodate",
        "json",
        "link",
        "reference",
        "file",
        "group",
        "blocks",
        "global_field",
        "taxonomy",
    }
)
MAX_UID_LENGTH = 64
MAX_SCHEMA_DEPTH = 10
SELECT_DISPLAY_TYPES = frozenset({"dropdown", "radio", "checkbox"})
# Top-level field uids that would collide with the system fields the service adds to entries.
# `sys_assets` is what references and JSON RTE call the asset library, and how Veneer indexes
# assets (domain/assets.py): no content type may take it.
RESERVED_CONTENT_TYPE_UIDS = frozenset({"sys_assets"})
RESERVED_FIELD_UIDS = frozenset(
    {
        "uid",
        "api_key",
        "created_at",
        "updated_at",
        "deleted_at",
        "created_by",
        "updated_by",
        "locale",
        "tags",
        "publish_details",
        "acl",
        "id",
        "options",
        "content_type_uid",
    }
)
_UID_RE = re.compile(r"[a-z][a-z0-9_]*")


def _add(errors: Errors, path: str, message: str) -> None:
    errors.setdefault(path, []).append(message)


def _join(prefix: str, key: str | int) -> str:
    return f"{prefix}.{key}" if prefix else str(key)


def _is_uid(value: object) -> TypeGuard[str]:
    return (
        isinstance(value, str) and len(value) <= MAX_UID_LENGTH and bool(_UID_RE.fullmatch(value))
    )


# ---------------------------------------------------------------------------------------------
# Content type definitions


def validate_global_field(body: dict[str, Any]) -> dict[str, Any]:
    """Check a global field definition (a uid, a title and a schema of fields, with no title or
    url field required); return a copy with field defaults filled in. Unknown keys are kept."""
    if not isinstance(body, dict):
        raise BadRequest("The global field must be a JSON object.")
    errors: Errors = {}
    out = copy.deepcopy(body)
    if not _is_uid(out.get("uid")):
        _add(errors, "uid", "must be lowercase letters, digits or underscores, start with a letter")
    title = out.get("title")
    if not isinstance(title, str) or not title.strip():
        _add(errors, "title", "must be a non-empty string")
    if out.get("description") is not None and not isinstance(out["description"], str):
        _add(errors, "description", "must be a string")
    schema = out.get("schema")
    if isinstance(schema, list) and schema:
        out["schema"] = _check_schema(schema, "schema", errors, depth=1)
    else:
        _add(errors, "schema", "must be a non-empty list of fields")
    if errors:
        raise ValidationFailed("Global Field creation failed. Please enter valid data.", errors)
    return out


def validate_content_type(body: dict[str, Any]) -> dict[str, Any]:
    """Check a content type definition; return a copy with field defaults filled in.

    Unknown keys are kept: clients round-trip definitions they fetched, extra keys included.
    """
    if not isinstance(body, dict):
        raise BadRequest("The content type must be a JSON object.")
    errors: Errors = {}
    out = copy.deepcopy(body)
    if not _is_uid(out.get("uid")):
        _add(
            errors,
            "uid",
            "must be lowercase letters, digits or underscores, start with a "
            f"letter and be at most {MAX_UID_LENGTH} characters",
        )
    elif out["uid"] in RESERVED_CONTENT_TYPE_UIDS:
        _add(errors, "uid", f"is reserved: {out['uid']!r} names the asset library")
    title = out.get("title")
    if not isinstance(title, str) or not title.strip():
        _add(errors, "title", "must be a non-empty string")
    if out.get("description") is not None and not isinstance(out["description"], str):
        _add(errors, "description", "must be a string")
    if "options" in out and not isinstance(out["options"], dict):
        _add(errors, "options", "must be an object")
    schema = out.get("schema")
    if isinstance(schema, list):
        out["schema"] = _check_schema(schema, "schema", errors, depth=1)
        _check_title_and_url(out["schema"], errors)
    else:
        _add(errors, "schema", "must be a list of fields")
    if errors:
        raise ValidationFailed(None, errors)
    return out


def _check_schema(fields: list[Any], path: str, errors: Errors, depth: int) -> Schema:
    if depth > MAX_SCHEMA_DEPTH:
        _add(errors, path, f"nests deeper than {MAX_SCHEMA_DEPTH} levels")
        return fields
    out: Schema = []
    seen: set[str] = set()
    for i, field in enumerate(fields):
        field_path = f"{path}.{i}"
        if not isinstance(field, dict):
            _add(errors, field_path, "must be an object")
            out.append(field)
            continue
        out.append(_check_field(field, field_path, errors, depth))
        uid = field.get("uid")
        if not isinstance(uid, str):
            continue
        if uid in seen:
            _add(errors, f"{field_path}.uid", f"is used twice at this level: {uid!r}")
        seen.add(uid)
    return out


def _check_field(field: Field, path: str, errors: Errors, depth: int) -> Field:
    out = dict(field)
    data_type = out.get("data_type")
    is_title = depth == 1 and out.get("uid") == "title"
    # Blocks are always a list; the title is mandatory and, as in Contentstack, unique by default.
    defaults = {"mandatory": is_title, "unique": is_title, "multiple": data_type == "blocks"}
    for key, default in defaults.items():
        if not isinstance(out.setdefault(key, default), bool):
            _add(errors, f"{path}.{key}", "must be true or false")
    if not isinstance(out.setdefault("field_metadata", {}), dict):
        _add(errors, f"{path}.field_metadata", "must be an object")
    _check_field_uid(out.get("uid"), f"{path}.uid", errors, depth)
    name = out.get("display_name")
    if not isinstance(name, str) or not name.strip():
        _add(errors, f"{path}.display_name", "must be a non-empty string")
    if not isinstance(data_type, str) or data_type not in DATA_TYPES:
        _add(errors, f"{path}.data_type", f"is not a known data type: {data_type!r}")
        return out
    if depth == 1 and out.get("uid") == taxonomies.FIELD_UID and data_type != "taxonomy":
        _add(errors, f"{path}.uid", f"{taxonomies.FIELD_UID!r} is the uid of the taxonomy field")
    check = _TYPE_CHECKS.get(data_type)
    if check is not None:
        check(out, path, errors, depth)
    if isinstance(out["field_metadata"], dict):
        _fill_defaults(out)
    return out


# The JSON RTE's embed defaults as Contentstack stores them; its assets are `sys_assets`.
JSON_RTE_METADATA = {
    "description": "",
    "default_value": "",
    "multiline": False,
    "rich_text_type": "advanced",
    "options": [],
    "embed_entry": False,
}


def _fill_defaults(field: Field) -> None:
    """The keys Contentstack stores on a field of each kind when a definition leaves them out, so
    a definition reads back as Contentstack's do and a client sending it back changes nothing.
    The CLI's import audit rewrites a reference field whose `reference_to` is not a list (and a
    JSON RTE without one), then fails to save what it rewrote."""
    field.setdefault("non_localizable", False)
    meta = field["field_metadata"]
    if field["data_type"] == "reference":
        if isinstance(field.get("reference_to"), str):
            field["reference_to"] = [field["reference_to"]]
        meta.setdefault("ref_multiple", True)
        meta.setdefault("ref_multiple_content_types", True)
    elif field["data_type"] == "json" and meta.get("allow_json_rte"):
        field.setdefault("reference_to", ["sys_assets"])
        for key, value in JSON_RTE_METADATA.items():
            meta.setdefault(key, copy.deepcopy(value))


def _check_field_uid(uid: object, path: str, errors: Errors, depth: int) -> None:
    if not _is_uid(uid):
        _add(
            errors,
            path,
            "must be lowercase letters, digits or underscores, start with a letter "
            f"and be at most {MAX_UID_LENGTH} characters",
        )
    elif depth == 1 and uid in RESERVED_FIELD_UIDS:
        _add(errors, path, f"is reserved for a system field: {uid!r}")


def _check_enum(field: Field, path: str, errors: Errors, depth: int) -> None:
    if "display_type" in field and field["display_type"] not in SELECT_DISPLAY_TYPES:
        _add(errors, f"{path}.display_type", "must be one of dropdown, radio, checkbox")
    if "enum" not in field:
        return
    enum = field["enum"]
    choices = enum.get("choices") if isinstance(enum, dict) else None
    if not isinstance(choices, list) or not choices:
        _add(errors, f"{path}.enum.choices", "must be a non-empty list of choices")
        return
    wanted = str if field["data_type"] == "text" else (int, float)
    for i, choice in enumerate(choices):
        value = choice.get("value") if isinstance(choice, dict) else None
        if isinstance(value, bool) or not isinstance(value, wanted):
            _add(
                errors,
                f"{path}.enum.choices.{i}",
                "must be an object with a value of the field's type",
            )


def _check_group(field: Field, path: str, errors: Errors, depth: int) -> None:
    schema = field.get("schema")
    if not isinstance(schema, list):
        _add(errors, f"{path}.schema", "must be a list of fields")
        return
    field["schema"] = _check_schema(schema, f"{path}.schema", errors, depth + 1)


def _check_global_field(field: Field, path: str, errors: Errors, depth: int) -> None:
    # A global field is usually stored by reference; when its schema is inlined it acts as a group.
    if "schema" in field:
        _check_group(field, path, errors, depth)
    elif not isinstance(field.get("reference_to"), str) or not field["reference_to"]:
        _add(errors, f"{path}.reference_to", "must name the global field (or give a schema)")


def _check_blocks(field: Field, path: str, errors: Errors, depth: int) -> None:
    blocks = field.get("blocks")
    if not isinstance(blocks, list) or not blocks:
        _add(errors, f"{path}.blocks", "must be a non-empty list of blocks")
        return
    seen: set[str] = set()
    checked = []
    for i, block in enumerate(blocks):
        checked.append(_check_block(block, f"{path}.blocks.{i}", errors, depth, seen))
    field["blocks"] = checked


def _check_block(block: Any, path: str, errors: Errors, depth: int, seen: set[str]) -> Any:
    if not isinstance(block, dict):
        _add(errors, path, "must be an object")
        return block
    out = dict(block)
    uid = out.get("uid")
    if not _is_uid(uid):
        _add(errors, f"{path}.uid", "must be a valid block uid")
    elif uid in seen:
        _add(errors, f"{path}.uid", f"is used twice in this field: {uid!r}")
    else:
        seen.add(uid)
    if isinstance(out.get("schema"), list):
        out["schema"] = _check_schema(out["schema"], f"{path}.schema", errors, depth + 1)
    elif not isinstance(out.get("reference_to"), str):
        # A block may instead embed a global field by uid.
        _add(errors, f"{path}.schema", "must be a list of fields")
    return out


def _check_reference(field: Field, path: str, errors: Errors, depth: int) -> None:
    target = field.get("reference_to")
    if isinstance(target, str) and target:
        return
    if (
        not isinstance(target, list)
        or not target
        or not all(isinstance(t, str) and t for t in target)
    ):
        _add(
            errors, f"{path}.reference_to", "must be a content type uid or a non-empty list of them"
        )


_TYPE_CHECKS: dict[str, Callable[[Field, str, Errors, int], None]] = {
    "text": _check_enum,
    "number": _check_enum,
    "group": _check_group,
    "global_field": _check_global_field,
    "blocks": _check_blocks,
    "reference": _check_reference,
    "taxonomy": taxonomies.check_field,
}


def _check_title_and_url(fields: Schema, errors: Errors) -> None:
    # String uids only: another type may be unhashable (and `_check_field_uid` reports it).
    by_uid = {
        f["uid"]: (i, f)
        for i, f in enumerate(fields)
        if isinstance(f, dict) and isinstance(f.get("uid"), str)
    }
    if "title" not in by_uid:
        _add(errors, "schema", "needs a field with uid 'title' and data_type 'text'")
    else:
        i, title = by_uid["title"]
        if title.get("data_type") != "text":
            _add(errors, f"schema.{i}.data_type", "must be 'text' for the title field")
        if title.get("multiple") is True:
            _add(errors, f"schema.{i}.multiple", "must be false for the title field")
        if title.get("mandatory") is False:
            _add(errors, f"schema.{i}.mandatory", "must be true for the title field")
    if "url" in by_uid:
        i, url = by_uid["url"]
        if url.get("data_type") != "text" or url.get("multiple") is True:
            _add(errors, f"schema.{i}.data_type", "must be a single 'text' for the url field")


# ---------------------------------------------------------------------------------------------
# Entries


@dataclass(frozen=True)
class _Ctx:
    errors: Errors
    new_uid: Callable[[], str]
    partial: bool

    def add(self, path: str, message: str) -> None:
        _add(self.errors, path, message)


def validate_entry(
    schema: Schema, entry: dict[str, Any], *, new_uid: Callable[[], str], partial: bool = False
) -> dict[str, Any]:
    """Return a cleaned copy of ``entry``: schema fields only, instance uids assigned.

    Every problem is reported at once, keyed by its path. ``partial=True`` skips the check that
    mandatory fields are present (an entry variant stores only the fields it changes); a
    mandatory field that *is* sent must still be non-empty.
    """
    if not isinstance(entry, dict):
        raise BadRequest("The entry must be a JSON object.")
    ctx = _Ctx({}, new_uid, partial)
    cleaned = _clean_fields(schema, entry, "", ctx)
    if ctx.errors:
        raise ValidationFailed(None, ctx.errors)
    return cleaned


def _clean_fields(fields: Schema, data: dict[str, Any], prefix: str, ctx: _Ctx) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field in fields:
        uid = field["uid"]
        path = _join(prefix, uid)
        if uid not in data:
            if field.get("mandatory") and not ctx.partial:
                ctx.add(path, "is required")
            elif field.get("data_type") == "taxonomy" and not ctx.partial:
                _clean_taxonomies(field, [], path, ctx)  # its mandatory taxonomies
            continue
        value = _clean_value(field, data[uid], path, ctx)
        if field.get("mandatory") and path not in ctx.errors and _is_empty(field, value):
            ctx.add(path, "is required")
        out[uid] = value
    return out


def _clean_value(field: Field, value: Any, path: str, ctx: _Ctx) -> Any:
    if value is None:
        return None
    data_type = field["data_type"]
    if data_type in _LIST_CLEANERS:
        if data_type == "blocks" and isinstance(value, list):
            _check_instances(field, value, path, ctx)
        return _LIST_CLEANERS[data_type](field, value, path, ctx)
    if field.get("multiple"):
        if not isinstance(value, list):
            ctx.add(path, "must be a list")
            return value
        _check_instances(field, value, path, ctx)
        return [_clean_one(field, item, f"{path}.{i}", ctx) for i, item in enumerate(value)]
    return _clean_one(field, value, path, ctx)


def _check_instances(field: Field, value: list[Any], path: str, ctx: _Ctx) -> None:
    """A multiple field's `min_instance`/`max_instance` (an empty list is `mandatory`'s)."""
    low, high = field.get("min_instance"), field.get("max_instance")
    if value and _is_number(low) and len(value) < low:
        ctx.add(path, f"must have at least {low} items")
    elif _is_number(high) and len(value) > high:
        ctx.add(path, f"must have at most {high} items")


def _clean_one(field: Field, value: Any, path: str, ctx: _Ctx) -> Any:
    return _CLEANERS[field["data_type"]](field, value, path, ctx)


def _same(a: Any, b: Any) -> bool:
    # True == 1 in Python; a boolean must never satisfy a number choice or the reverse.
    return isinstance(a, bool) == isinstance(b, bool) and a == b


def _check_choice(field: Field, value: Any, path: str, ctx: _Ctx) -> Any:
    enum = field.get("enum")
    if not isinstance(enum, dict):
        return value
    choices = [c.get("value") for c in enum.get("choices") or [] if isinstance(c, dict)]
    if not any(_same(value, choice) for choice in choices):
        ctx.add(path, f"is not one of the choices: {value!r}")
    return value


FORMAT_TIMEOUT = 0.1  # seconds a field's `format` may take on one value (a hostile pattern)


def _clean_text(field: Field, value: Any, path: str, ctx: _Ctx) -> Any:
    if not isinstance(value, str):
        ctx.add(path, "must be a string")
        return value
    _check_format(field, value, path, ctx)
    return _check_choice(field, value, path, ctx)


def _check_format(field: Field, value: str, path: str, ctx: _Ctx) -> None:
    """A plain text field's `format` (a regular expression the value must match somewhere, as
    Contentstack's is), with its `error_messages.format`. An empty value is not checked (that is
    `mandatory`'s); a pattern that does not compile cannot be enforced and is not."""
    meta = field.get("field_metadata") or {}
    pattern = field.get("format")
    if not isinstance(pattern, str) or not pattern or value == "":
        return
    if meta.get("allow_rich_text") or meta.get("markdown"):
        return
    try:
        compiled = regex.compile(pattern)
    except (regex.error, OverflowError, RecursionError):
        return
    try:
        found = compiled.search(value, timeout=FORMAT_TIMEOUT) is not None
    except TimeoutError:
        ctx.add(path, "could not be checked against its format in time")
        return
    if not found:
        custom = (field.get("error_messages") or {}).get("format")
        ctx.add(
            path, custom if isinstance(custom, str) and custom else "is not in the required format"
        )


def _clean_number(field: Field, value: Any, path: str, ctx: _Ctx) -> Any:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or (isinstance(value, float) and not math.isfinite(value))
    ):
        ctx.add(path, "must be a number")
        return value
    low, high = field.get("min"), field.get("max")
    if _is_number(low) and value < low:
        ctx.add(path, f"must be at least {low}")
    elif _is_number(high) and value > high:
        ctx.add(path, f"must be at most {high}")
    return _check_choice(field, value, path, ctx)


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _clean_boolean(field: Field, value: Any, path: str, ctx: _Ctx) -> Any:
    if not isinstance(value, bool):
        ctx.add(path, "must be true or false")
    return value


def _is_iso_date(value: str) -> bool:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _clean_isodate(field: Field, value: Any, path: str, ctx: _Ctx) -> Any:
    if not isinstance(value, str) or (value and not _is_iso_date(value)):
        ctx.add(path, "must be an ISO-8601 date or date-time string")
    return value


def _clean_json(field: Field, value: Any, path: str, ctx: _Ctx) -> Any:
    if field.get("field_metadata", {}).get("allow_json_rte"):
        problem = _rte_problem(value)
        if problem:
            ctx.add(path, f"must be a JSON RTE document: {problem}")
            return value
        doc = copy.deepcopy(value)
        _name_nodes(doc, ctx.new_uid)
        return doc
    return copy.deepcopy(value)


def _name_nodes(doc: dict[str, Any], new_uid: Callable[[], str]) -> None:
    """In place: every element node (one with a `type`) without a uid gets one, as Contentstack
    gives them: `csdx cm:stacks:import` sends JSON RTE documents with their node uids removed."""
    stack: list[Any] = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "type" in node and not node.get("uid"):
                node["uid"] = new_uid()
            stack.extend(node.get("children") or [])


def _rte_problem(doc: Any) -> str | None:
    """What is wrong with a JSON RTE document, or None. Iterative: documents nest deeply."""
    if not isinstance(doc, dict) or doc.get("type") != "doc":
        return "an object with type 'doc'"
    if not isinstance(doc.get("children"), list):
        return "children must be a list"
    stack = list(doc["children"])
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            return "every node must be an object"
        if "text" in node and not isinstance(node["text"], str):
            return "text must be a string"
        if "children" in node:
            if not isinstance(node["children"], list):
                return "children must be a list"
            stack.extend(node["children"])
    return None


def _clean_link(field: Field, value: Any, path: str, ctx: _Ctx) -> Any:
    if not isinstance(value, dict) or not all(
        isinstance(value.get(key), str) for key in ("title", "href")
    ):
        ctx.add(path, "must be an object with string title and href")
        return value
    return dict(value)


def _clean_file(field: Field, value: Any, path: str, ctx: _Ctx) -> Any:
    if isinstance(value, dict) and "uid" in value:
        value = value["uid"]
    if not isinstance(value, str) or not value:
        ctx.add(path, "must be an asset uid")
    return value


def _clean_group(field: Field, value: Any, path: str, ctx: _Ctx) -> Any:
    if not isinstance(value, dict):
        ctx.add(path, "must be an object")
        return value
    if not isinstance(field.get("schema"), list):
        return copy.deepcopy(value)  # a global field known only by reference: nothing to check
    out = _clean_fields(field["schema"], value, path, ctx)
    out["_metadata"] = _instance_metadata(value, path, ctx)
    return out


def _instance_metadata(raw: dict[str, Any], path: str, ctx: _Ctx) -> Any:
    meta = raw.get("_metadata")
    if meta is None:
        return {"uid": ctx.new_uid()}
    if not isinstance(meta, dict):
        ctx.add(f"{path}._metadata", "must be an object")
        return meta
    uid = meta.get("uid")
    if uid is None:
        return {**meta, "uid": ctx.new_uid()}
    if not isinstance(uid, str) or not uid:
        ctx.add(f"{path}._metadata.uid", "must be a non-empty string")
    return dict(meta)


def reference_targets(field: Field) -> list[str]:
    """The content type uids a reference field may point to (``reference_to`` is str or list)."""
    target = field.get("reference_to")
    if isinstance(target, str):
        return [target]
    return [t for t in target or [] if isinstance(t, str)]


def _clean_references(field: Field, value: Any, path: str, ctx: _Ctx) -> Any:
    if not isinstance(value, list):
        ctx.add(path, "must be a list of references")
        return value
    if field.get("field_metadata", {}).get("ref_multiple") is False and len(value) > 1:
        ctx.add(path, "accepts at most one reference")
    targets = reference_targets(field)
    return [_clean_reference(item, targets, f"{path}.{i}", ctx) for i, item in enumerate(value)]


def _clean_reference(item: Any, targets: list[str], path: str, ctx: _Ctx) -> Any:
    if isinstance(item, str):
        item = {"uid": item}
    if not isinstance(item, dict) or not isinstance(item.get("uid"), str) or not item["uid"]:
        ctx.add(path, "must be an object with a uid")
        return item
    content_type = item.get("_content_type_uid")
    if content_type is None and len(targets) == 1:
        content_type = targets[0]
    if content_type is None:
        ctx.add(path, "needs _content_type_uid: the field references several content types")
    elif content_type not in targets:
        ctx.add(path, f"references a content type the field does not allow: {content_type!r}")
    # Only the pointer is stored: a client may send back references it fetched expanded.
    return {"uid": item["uid"], "_content_type_uid": content_type}


def _clean_taxonomies(field: Field, value: Any, path: str, ctx: _Ctx) -> Any:
    return taxonomies.clean_value(field, value, path, ctx.add, ctx.partial)


def _clean_blocks(field: Field, value: Any, path: str, ctx: _Ctx) -> Any:
    if not isinstance(value, list):
        ctx.add(path, "must be a list of blocks")
        return value
    blocks = {b.get("uid"): b for b in field.get("blocks") or [] if isinstance(b, dict)}
    return [_clean_block(blocks, item, f"{path}.{i}", ctx) for i, item in enumerate(value)]


def _clean_block(blocks: dict[Any, Field], item: Any, path: str, ctx: _Ctx) -> Any:
    if not isinstance(item, dict) or len(item) != 1:
        ctx.add(path, "must be an object holding exactly one block")
        return item
    ((block_uid, body),) = item.items()
    block = blocks.get(block_uid)
    if block is None:
        ctx.add(path, f"is not a known block: {block_uid!r}")
        return item
    block_path = f"{path}.{block_uid}"
    if not isinstance(body, dict):
        ctx.add(block_path, "must be an object")
        return item
    if isinstance(block.get("schema"), list):
        inner = _clean_fields(block["schema"], body, block_path, ctx)
    else:
        inner = {k: copy.deepcopy(v) for k, v in body.items() if k != "_metadata"}
    inner["_metadata"] = _instance_metadata(body, block_path, ctx)
    return {block_uid: inner}


_CLEANERS: dict[str, Callable[[Field, Any, str, _Ctx], Any]] = {
    "text": _clean_text,
    "number": _clean_number,
    "boolean": _clean_boolean,
    "isodate": _clean_isodate,
    "json": _clean_json,
    "link": _clean_link,
    "file": _clean_file,
    "group": _clean_group,
    "global_field": _clean_group,
}
# These hold a list whatever `multiple` says.
_LIST_CLEANERS: dict[str, Callable[[Field, Any, str, _Ctx], Any]] = {
    "reference": _clean_references,
    "blocks": _clean_blocks,
    "taxonomy": _clean_taxonomies,
}


def _rte_is_empty(doc: dict[str, Any]) -> bool:
    # The editor's "empty" document is one paragraph holding an empty text leaf.
    stack = list(doc.get("children") or [])
    while stack:
        node = stack.pop()
        if node.get("text") or node.get("type") not in (None, "p"):
            return False
        stack.extend(node.get("children") or [])
    return True


def _is_empty(field: Field, value: Any) -> bool:
    if value is None or value == "" or value == [] or value == {}:
        return True
    if field["data_type"] == "link" and isinstance(value, dict):
        return not value.get("title") and not value.get("href")
    if field["data_type"] == "json" and field.get("field_metadata", {}).get("allow_json_rte"):
        return isinstance(value, dict) and _rte_is_empty(value)
    if field["data_type"] in ("group", "global_field") and isinstance(value, dict):
        return _group_is_empty(field, value)
    return False


def _group_is_empty(field: Field, value: dict[str, Any]) -> bool:
    # An instance holding only its _metadata, or only empty subfields, carries no content.
    if not isinstance(field.get("schema"), list):
        return all(key == "_metadata" for key in value)
    return all(_is_empty(sub, value.get(sub["uid"])) for sub in field["schema"])


# ---------------------------------------------------------------------------------------------
# Helpers for services


def unique_values(schema: Schema, entry: dict[str, Any]) -> dict[str, Any]:
    """Top-level ``unique`` fields with a value in ``entry``; the service checks them in the DB."""
    return {
        field["uid"]: entry[field["uid"]]
        for field in schema
        if field.get("unique")
        and field["uid"] in entry
        and not _is_empty(field, entry[field["uid"]])
    }


def field_at(schema: Schema, path: str) -> dict[str, Any] | None:
    """The field a dotted path names, or None.

    Paths may carry instance markers, as entry errors and change sets do: ``group.0.title``,
    ``group.<_metadata.uid>.title``, ``blocks.1.hero.title``, ``blocks.hero.<uid>.title``.
    A path ending at a block uid (``blocks.hero``) returns the block definition.
    """
    parts = path.split(".") if path else []
    return _walk(schema, parts, multi=False) if parts else None


def _walk(fields: list[Any], parts: list[str], *, multi: bool) -> dict[str, Any] | None:
    head, rest = parts[0], parts[1:]
    field = next((f for f in fields if isinstance(f, dict) and f.get("uid") == head), None)
    if field is None:
        # In a list of instances one segment may name the instance (position or uid): skip it.
        return _walk(fields, rest, multi=False) if multi and rest else None
    if not rest:
        return field
    if field.get("data_type") == "blocks":
        return _walk(field.get("blocks") or [], rest, multi=True)
    schema = field.get("schema")
    if not isinstance(schema, list):
        return None
    # A block definition has no data_type; its instance uid may follow the block uid.
    return _walk(schema, rest, multi=bool(field.get("multiple")) or "data_type" not in field)
