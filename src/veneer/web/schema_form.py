"""The content type editor's form (issue 17 §9): what each field of a schema shows as, and the
posted definition read back. Pure: no I/O.

The page renders a definition as rows, one per field (nested rows for groups and modular blocks);
`static/schema.js` turns the rows back into the definition and posts it as JSON in one input,
`content_type`, which the view hands to the same service as `PUT /v3/content_types/{uid}`. Each
row carries its field as it was (`original`, without the nested fields that rows of their own
give back): the script starts from it and applies only the controls the user changed, so keys
the form does not show (field_metadata extras, field rules, anything a client stored) come back
as they were, and saving an untouched form posts exactly the definition it showed.
"""

from __future__ import annotations

from typing import Any

import orjson

from veneer.errors import BadRequest

Field = dict[str, Any]
Errors = dict[str, list[str]]

# (kind, label): the choices of a row's "Field type"; `kind_of` picks one for a stored field.
KINDS = (
    ("text", "Single line text"),
    ("textarea", "Multi line text"),
    ("markdown", "Markdown"),
    ("html", "Rich text (HTML)"),
    ("rte", "JSON rich text"),
    ("number", "Number"),
    ("boolean", "Boolean"),
    ("isodate", "Date"),
    ("file", "File"),
    ("link", "Link"),
    ("select", "Select"),
    ("reference", "Reference"),
    ("group", "Group"),
    ("blocks", "Modular blocks"),
    ("global_field", "Global field"),
    ("taxonomy", "Taxonomy"),
    ("json", "JSON"),
)
TEXTUAL = "text textarea markdown"
# The keys the service sets on every content type: the form neither shows nor posts them.
SYSTEM_KEYS = frozenset(
    {
        "created_at",
        "created_by",
        "updated_at",
        "updated_by",
        "_version",
        "inbuilt_class",
        "last_activity",
        "maintain_revisions",
        "DEFAULT_ACL",
        "SYS_ACL",
        "abilities",
        "_branches",
        "branches",
    }
)
BLANK_FIELD: Field = {"display_name": "", "uid": "", "data_type": "text"}
NEW_TYPE: dict[str, Any] = {
    "title": "",
    "uid": "",
    "description": "",
    "options": {"singleton": False, "is_page": False},
    "schema": [
        {
            "display_name": "Title",
            "uid": "title",
            "data_type": "text",
            "mandatory": True,
            "unique": True,
            "field_metadata": {"_default": True},
        }
    ],
}


def kind_of(field: Field) -> str:
    """The row kind of a stored field (one of KINDS)."""
    data_type = field.get("data_type")
    meta = field.get("field_metadata") if isinstance(field.get("field_metadata"), dict) else {}
    assert isinstance(meta, dict)
    if data_type in ("text", "number") and isinstance(field.get("enum"), dict):
        return "select"
    if data_type == "text":
        if meta.get("allow_rich_text"):
            return "html"
        if meta.get("markdown"):
            return "markdown"
        return "textarea" if meta.get("multiline") else "text"
    if data_type == "json":
        return "rte" if meta.get("allow_json_rte") else "json"
    known = {kind for kind, _ in KINDS}
    return str(data_type) if data_type in known else "json"


def editable(doc: dict[str, Any]) -> dict[str, Any]:
    """A stored content type as the form edits it: without the keys the service sets."""
    return {k: v for k, v in doc.items() if k not in SYSTEM_KEYS}


def original(item: Field, nested: bool) -> str:
    """A row's `data-original`: the field (or block) as JSON, without the nested fields its own
    rows give back (`nested`: the row renders them)."""
    kept = {k: v for k, v in item.items() if not (nested and k in ("schema", "blocks"))}
    return orjson.dumps(kept).decode()


def nests(item: Field) -> bool:
    """Whether a field's row renders nested rows: a group's fields, modular blocks' blocks."""
    return kind_of(item) in ("group", "blocks")


def block_nests(block: Field) -> bool:
    """Whether a block's row renders its own fields (else it embeds a global field)."""
    return not (isinstance(block.get("reference_to"), str) and block["reference_to"])


def choices_text(field: Field) -> str:
    """A select's choices, one a line: `value`, or `key | value` when the choice has a key."""
    lines = []
    enum = field.get("enum") if isinstance(field.get("enum"), dict) else {}
    assert isinstance(enum, dict)
    for choice in enum.get("choices") or []:
        if not isinstance(choice, dict):
            continue
        value = _text(choice.get("value"))
        key = choice.get("key")
        lines.append(f"{key} | {value}" if key not in (None, "") else value)
    return "\n".join(lines)


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return orjson.dumps(value).decode()


def meta(field: Field, key: str) -> str:
    """A `field_metadata` value as an input shows it."""
    found = field.get("field_metadata")
    return _text(found.get(key)) if isinstance(found, dict) else ""


def value(field: Field, key: str) -> str:
    return _text(field.get(key))


def error_message(field: Field) -> str:
    found = field.get("error_messages")
    return _text(found.get("format")) if isinstance(found, dict) else ""


def row_errors(errors: Errors, path: str) -> list[str]:
    """The messages about the row at `path` itself (`schema.2.uid`, `schema.2.enum.choices`), not
    about the rows nested in it, each led by what it is about."""
    out = []
    for key, messages in errors.items():
        if key != path and not key.startswith(path + "."):
            continue
        rest = key[len(path) + 1 :]
        if rest.startswith(("schema.", "blocks.")) and rest.count(".") > 1:
            continue  # a nested row's
        label = rest.replace("_", " ") if rest else "this field"
        out += [f"{label}: {m}" for m in messages]
    return out


def parse(raw: str) -> dict[str, Any]:
    """The definition the page posted (400 when it is not a JSON object)."""
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError:
        doc = None
    if not isinstance(doc, dict):
        raise BadRequest(
            "The content type form did not send a definition. Is JavaScript enabled?",
            {"content_type": ["must be a JSON object."]},
        )
    return doc


def taxonomy_items(field: Field) -> dict[str, dict[str, Any]]:
    """A taxonomy field's taxonomies by uid (its settings for each: max_terms, mandatory)."""
    items = field.get("taxonomies") if field.get("data_type") == "taxonomy" else None
    return {
        item["taxonomy_uid"]: item
        for item in (items if isinstance(items, list) else [])
        if isinstance(item, dict) and isinstance(item.get("taxonomy_uid"), str)
    }
