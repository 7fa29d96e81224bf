"""What a label or an extension must be, as pure checks over the bodies Contentstack's clients
send. Both are kept as given (unknown keys included, so the CLI's exports round-trip); Veneer does
not run extensions, it stores them so stacks export and import whole."""

from __future__ import annotations

from typing import Any

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
