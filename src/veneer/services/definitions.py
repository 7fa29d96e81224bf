"""What exporting and importing a content type and a global field share: the export of the latest
version only, and the reading of an imported file (unwrapped, system keys dropped)."""

from __future__ import annotations

from typing import Any

from veneer.errors import ValidationFailed

# What an exported file holds that Veneer sets itself: dropped on import.
SYSTEM_KEYS = frozenset(
    {
        "_branches",
        "_metadata",
        "_version",
        "deleted_at",
        "created_at",
        "created_by",
        "updated_at",
        "updated_by",
        "last_activity",
        "abilities",
        "DEFAULT_ACL",
        "SYS_ACL",
        "inbuilt_class",
        "extension_refs",
        "referred_content_types",
    }
)


def latest_only(doc: dict[str, Any], version: str | None, kind: str) -> dict[str, Any]:
    """`doc` for an export asking `version` (None: the latest); Veneer keeps only the latest
    version of a definition, so another is refused rather than answered with the latest."""
    if version is not None and version != str(doc["_version"]):
        raise ValidationFailed(
            f"The {kind} version could not be exported.",
            {
                "version": [
                    (
                        f"is not available: Veneer keeps only the latest version "
                        f"({doc['_version']}) of a {kind}."
                    )
                ]
            },
        )
    return doc


def imported(body: dict[str, Any], key: str, label: str, kind: str) -> dict[str, Any]:
    """The definition an imported file holds (as `export` wrote it, or wrapped in `{key: …}`),
    without the system keys Veneer sets itself."""
    doc = body.get(key) if set(body) == {key} else body
    if not isinstance(doc, dict):
        raise ValidationFailed(
            f"{label} import failed. Please enter valid data.",
            {key: [f"must be a JSON object describing a {kind}."]},
        )
    return {k: v for k, v in doc.items() if k not in SYSTEM_KEYS}
