"""What a label or an extension must be, as pure checks over the bodies Contentstack's clients
send. Both are kept as given (unknown keys included, so the CLI's exports round-trip); Veneer does
not run extensions, it stores them so stacks export and import whole."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import orjson

from veneer.errors import ValidationFailed

# Contentstack's extension types: custom fields, widgets, dashboards, asset sidebars, RTE plugins.
EXTENSION_TYPES = frozenset({"field", "widget", "dashboard", "asset_sidebar_widget", "rte_plugin"})


def _string_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _refuse(what: str, errors: dict[str, list[str]]) -> ValidationFailed:
    return ValidationFailed(f"{what} failed. Please enter valid data.", errors, error_code=119)


def validate_label(body: dict[str, Any], action: str = "Label creation") -> dict[str, Any]:
    """A label: a `name`, the labels it sits under (`parent`), the content types it tags."""
    errors: dict[str, list[str]] = {}
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        errors["name"] = ["must be a non-empty string."]
    out = {
        **body,
        "parent": body.get("parent") or [],
        "content_types": body.get("content_types") or [],
    }
    for key in ("parent", "content_types"):
        if not _string_list(out[key]):
            errors[key] = ["must be a list of uids."]
    if errors:
        raise _refuse(action, errors)
    return out


def validate_extension(body: dict[str, Any], action: str = "Extension creation") -> dict[str, Any]:
    """An extension: a `title`, a `type` of `EXTENSION_TYPES`, and where it is hosted (`src`)
    or its code (`srcdoc`); a custom field also names the `data_type` it stores."""
    errors: dict[str, list[str]] = {}
    title = body.get("title")
    if not isinstance(title, str) or not title.strip():
        errors["title"] = ["must be a non-empty string."]
    out = {"tags": [], "multiple": False, "config": {}, **body, "type": body.get("type") or "field"}
    if not isinstance(out["type"], str) or out["type"] not in EXTENSION_TYPES:
        errors["type"] = [f"must be one of {', '.join(sorted(EXTENSION_TYPES))}."]
    for key in ("src", "srcdoc"):
        if key in out and out[key] is None:
            del out[key]  # null: not given
        elif key in out and not isinstance(out[key], str):
            errors[key] = ["must be a string."]
    if not isinstance(out.get("src"), str) and not isinstance(out.get("srcdoc"), str):
        errors["src"] = ["must give the extension's URL (src) or its code (srcdoc)."]
    if out["type"] == "field" and not isinstance(out.get("data_type"), str):
        errors["data_type"] = ["must name the data type a custom field stores."]
    if not _string_list(out["tags"]):
        errors["tags"] = ["must be a list of strings."]
    if errors:
        raise _refuse(action, errors)
    return out


# An extension uploaded as multipart (the SDKs' `extension().upload()`): its HTML file is the
# `extension[upload]` field, its details `extension[title]`, `extension[type]`… as text.
UPLOAD_FIELD = "extension[upload]"
_FORM_KEY = re.compile(r"extension\[([A-Za-z0-9_]+)\](?:\[\])?")
_FLAGS = ("multiple", "enable")
_OBJECTS = ("config", "scope")


def extension_form(fields: Mapping[str, str], html: bytes | None) -> dict[str, Any]:
    """The extension a multipart upload describes, its file stored as `srcdoc` (as Contentstack
    answers an uploaded extension). The form's text becomes the JSON body's values: `tags` a
    comma-separated list (the JS SDK joins them so; the Python SDK sends its list's text, whose
    brackets and quotes are dropped), `multiple` and `enable` true or false, `config` and `scope`
    JSON objects. What cannot be read so is refused (422), never guessed at."""
    if html is None:
        raise _refuse_form(UPLOAD_FIELD, "is required: the extension's HTML file.")
    body: dict[str, Any] = {}
    for name, text in fields.items():
        found = _FORM_KEY.fullmatch(name)
        if found and found[1] != "upload":
            body[found[1]] = _form_value(found[1], text)
    try:
        body["srcdoc"] = html.decode("utf-8")
    except UnicodeDecodeError:
        raise _refuse_form(UPLOAD_FIELD, "must be UTF-8 text (an HTML file).") from None
    if "\x00" in body["srcdoc"]:
        raise _refuse_form(UPLOAD_FIELD, "must not contain NUL characters.")
    return body


def _form_value(key: str, text: str) -> Any:
    if key == "tags":
        return form_tags(text)
    if key in _FLAGS:
        if text.strip().lower() not in ("true", "false"):
            raise _refuse_form(f"extension[{key}]", "must be true or false.")
        return text.strip().lower() == "true"
    if key in _OBJECTS:
        try:
            value = orjson.loads(text)
        except orjson.JSONDecodeError:
            value = None
        if not isinstance(value, dict):
            raise _refuse_form(f"extension[{key}]", "must be a JSON object.")
        return value
    return text


def form_tags(text: str) -> list[str]:
    """Tags sent as form text: `a,b` (the JS SDK), `["a","b"]`, `['a', 'b']` or `{}` (the Python
    SDK's text of a list or of an empty dict)."""
    inner = text.strip()
    if inner[:1] + inner[-1:] in ("[]", "{}"):
        inner = inner[1:-1]
    tags = (tag.strip().strip("'\"").strip() for tag in inner.split(","))
    return [tag for tag in tags if tag]


def _refuse_form(field: str, why: str) -> ValidationFailed:
    return ValidationFailed(
        "Extension creation failed. Please enter valid data.", {field: [why]}, error_code=119
    )
