"""Merging a stale save, pure: when someone saved an entry after a content manager opened it,
the editor compares, field by field (the top-level fields and the tags), what the form was opened
with (`original`), what the form holds (`mine`) and what is stored now (`theirs`).

A field where `mine` and `theirs` agree needs nothing. Every other one is offered as a choice,
"keep mine" or "take theirs", defaulting to theirs for a field only they changed and to mine for
a field only I changed (or both changed: the content manager decides). `merge` applies the
choices to `mine`, so a save keeps both people's changes to different fields.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from veneer.domain.instances import Doc, Schema, same_json

MINE, THEIRS = "mine", "theirs"
TAGS = ("tags", "Tags")  # the tags are offered like a field (the base entry's form has them)


@dataclass(frozen=True)
class Choice:
    """One field that differs between the form and what is stored now."""

    uid: str
    label: str
    mine: Any
    theirs: Any
    changed_by: str  # MINE, THEIRS, or "both": who changed it since the form was opened
    default: str  # MINE or THEIRS


def _fields(schema: Schema, tags: bool) -> list[tuple[str, str]]:
    found = [
        (f["uid"], str(f.get("display_name") or f["uid"]))
        for f in schema
        if isinstance(f.get("uid"), str)
    ]
    return found + ([TAGS] if tags else [])


def _value(doc: Doc, uid: str) -> Any:
    """A field as compared: missing, null and (for the tags) empty are the same."""
    value = doc.get(uid)
    return None if value == [] and uid == TAGS[0] else value


def choices(schema: Schema, original: Doc, mine: Doc, theirs: Doc, *, tags: bool) -> list[Choice]:
    """The fields to choose for, in schema order (`tags`: the tags too)."""
    found = []
    for uid, label in _fields(schema, tags):
        was, m, t = _value(original, uid), _value(mine, uid), _value(theirs, uid)
        if same_json(m, t):
            continue
        mine_changed, theirs_changed = not same_json(m, was), not same_json(t, was)
        changed_by = (
            "both" if mine_changed and theirs_changed else (MINE if mine_changed else THEIRS)
        )
        default = THEIRS if changed_by == THEIRS else MINE
        found.append(Choice(uid, label, mine.get(uid), theirs.get(uid), changed_by, default))
    return found


def merge(mine: Doc, theirs: Doc, picked: dict[str, str]) -> Doc:
    """`mine` with the value of `theirs` in every field `picked` as THEIRS."""
    merged = copy.deepcopy(mine)
    for uid, choice in picked.items():
        if choice == THEIRS:
            merged[uid] = copy.deepcopy(theirs.get(uid))
    return merged


def defaults(found: list[Choice]) -> dict[str, str]:
    return {c.uid: c.default for c in found}
