"""Two versions of an entry (or of an entry variant, or a variant and its base) side by side,
pure: one row per top-level field of the content type, then the tags, each marked changed when
the two values differ as JSON. Nested values are compared whole: a group whose one field changed
is a changed row (the editor shows both values as formatted JSON)."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from veneer.domain.instances import Doc, Schema, as_dict, same_json

TAGS = "tags"


@dataclass(frozen=True)
class Row:
    """One field of the comparison. `overridden`: (a variant against its base) the right side
    holds the variant's own value there rather than inheriting it."""

    uid: str
    label: str
    left: Any
    right: Any
    changed: bool
    overridden: bool = False


def compare(
    schema: Schema, left: Doc, right: Doc, overridden: Collection[str] = frozenset()
) -> list[Row]:
    """The rows of `left` against `right`, in the content type's order, then the tags (when
    either side has any)."""
    left, right = as_dict(left), as_dict(right)
    rows = [
        Row(
            f["uid"],
            str(f.get("display_name") or f["uid"]),
            left.get(f["uid"]),
            right.get(f["uid"]),
            not same_json(left.get(f["uid"]), right.get(f["uid"])),
            f["uid"] in overridden,
        )
        for f in schema
        if isinstance(f.get("uid"), str)
    ]
    tags_left, tags_right = left.get(TAGS) or [], right.get(TAGS) or []
    if tags_left or tags_right:
        rows.append(Row(TAGS, "Tags", tags_left, tags_right, not same_json(tags_left, tags_right)))
    return rows


def top_fields(paths: Iterable[str]) -> set[str]:
    """The top-level field uids of change-set paths (``items.<uid>.label`` → ``items``)."""
    return {path.split(".", 1)[0] for path in paths}


def changed_labels(rows: Iterable[Row]) -> list[str]:
    return [row.label for row in rows if row.changed]


def restored_fields(schema: Schema, version: Doc) -> Doc:
    """The entry body that makes a new version hold `version`'s content: each field of the
    content type as that version has it (None where it had none), and its tags."""
    version = as_dict(version)
    body: Doc = {f["uid"]: version.get(f["uid"]) for f in schema if isinstance(f.get("uid"), str)}
    body[TAGS] = list(version.get(TAGS) or [])
    return body


def nested_overrides(overridden: Iterable[str], path: str) -> list[str]:
    """The overridden paths strictly inside `path`: what reverting `path` whole would discard."""
    return sorted({p for p in overridden if p.startswith(path + ".")})


def changed_lines(left: list[str], right: list[str]) -> tuple[set[int], set[int]]:
    """The indexes of the lines of each side that the other side does not have at that place
    (the lines a line diff replaces, deletes or inserts): what a nested value marks inside."""
    matcher = difflib.SequenceMatcher(a=left, b=right, autojunk=False)
    gone: set[int] = set()
    came: set[int] = set()
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            gone.update(range(i1, i2))
            came.update(range(j1, j2))
    return gone, came
