"""What a new schema drops from an old one, as the dotted paths entries hold values at.

Pure: no I/O. A path names a field through its groups and modular blocks as the field-value index
does (`domain.fieldindex`): `seo.meta_title`, `sections.hero.headline` (field `sections`, block
`hero`). The editor asks the index whether any entry holds a value at a dropped path before it
saves a schema that drops it (the management API saves without asking, as Contentstack's does).
"""

from __future__ import annotations

from typing import Any


def field_paths(schema: list[Any], prefix: str = "") -> list[str]:
    """Every path of `schema`, parents before their children, in schema order."""
    out: list[str] = []
    for field in schema:
        if not isinstance(field, dict) or not isinstance(field.get("uid"), str):
            continue
        path = f"{prefix}{field['uid']}"
        out.append(path)
        if field.get("data_type") == "blocks":
            for block in field.get("blocks") or []:
                if isinstance(block, dict) and isinstance(block.get("uid"), str):
                    out.append(f"{path}.{block['uid']}")
                    out += field_paths(block.get("schema") or [], f"{path}.{block['uid']}.")
        elif isinstance(field.get("schema"), list):
            out += field_paths(field["schema"], path + ".")
    return out


def removed_paths(old: list[Any], new: list[Any]) -> list[str]:
    """The paths of `old` that `new` lacks, outermost only (a dropped group's fields go with it)."""
    kept = set(field_paths(new))
    removed: list[str] = []
    for path in field_paths(old):
        if path not in kept and not any(path.startswith(r + ".") for r in removed):
            removed.append(path)
    return removed
