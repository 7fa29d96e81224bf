"""The variant coverage report of a content type (issue 16 §6, docs/variants-beyond.md §6).

Pure: no I/O. `read_params` checks the query string; `entry_row` builds one row (an entry in one
locale) from what the service read for it; `keep` applies the `only` filters to a page's rows.

A row::

    {"uid", "locale", "title", "_version",
     "published": {environment uid: version or null},        # the base entry
     "variants": [{"uid", "_version", "_base_entry_version",
                   "published": {environment uid: version or null},
                   "stale": [paths], "noop": [paths]}],        # by variant uid
     "conflicts": {path: [variant uids]}}                    # paths two or more variants override
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from veneer.domain import variants as domain
from veneer.domain.instances import Doc, Schema
from veneer.errors import ValidationFailed

DEFAULT_LIMIT = 25
MAX_LIMIT = 100
MAX_SKIP = 10_000  # `skip` costs skip + limit index rows per locale; `after` pages at any depth
ONLY = ("stale", "noop", "conflicts", "unpublished")
UID_MAX = 64


@dataclass(frozen=True)
class Params:
    locale: str | None
    environment: str | None
    only: tuple[str, ...]
    after: str
    skip: int
    limit: int


def _invalid(key: str, why: str) -> ValidationFailed:
    return ValidationFailed(f"{key}: {why}", {key: [why]})


def _whole(params: Mapping[str, Any], key: str, default: int, top: int, low: int) -> int:
    raw = params.get(key)
    if raw is None:
        return default
    if not str(raw).isdigit() or not low <= int(raw) <= top:
        raise _invalid(key, f"must be a whole number from {low} to {top}.")
    return int(raw)


def _text(params: Mapping[str, Any], key: str) -> str | None:
    raw = params.get(key)
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str) or len(raw) > UID_MAX:
        raise _invalid(key, f"must be at most {UID_MAX} characters.")
    return raw


def read_params(params: Mapping[str, Any]) -> Params:
    """The report's query string; ValidationFailed (422) naming the first bad parameter."""
    only = tuple(dict.fromkeys(p.strip() for p in (params.get("only") or "").split(",") if p))
    for name in only:
        if name not in ONLY:
            raise _invalid("only", f"must be one or more of {', '.join(ONLY)} (comma-separated).")
    return Params(
        locale=_text(params, "locale"),
        environment=_text(params, "environment"),
        only=only,
        after=_text(params, "after") or "",
        skip=_whole(params, "skip", 0, MAX_SKIP, 0),
        limit=_whole(params, "limit", DEFAULT_LIMIT, MAX_LIMIT, 1),
    )


def entry_row(
    schema: Schema,
    base: Doc,
    stored: Sequence[Doc],
    base_then: Mapping[int, Doc | None],
    published: Mapping[str, Mapping[str, int]],
    environments: Sequence[str],
) -> dict[str, Any]:
    """One row: `base` is the entry's latest version in the row's locale, `stored` its entry
    variants there, `base_then[n]` version n of that base for each `_base_entry_version` other
    than the latest (None when gone), `published` maps a
    variant uid ('' for the base) to {environment uid: published version} in this locale."""

    def versions(variant: str) -> dict[str, int | None]:
        found = published.get(variant, {})
        return {env: found.get(env) for env in environments}

    cells = [
        _cell(schema, base, one, base_then, versions(one["system"]["variant"])) for one in stored
    ]
    overridden = domain.override_map(stored)
    return {
        "uid": base["uid"],
        "locale": base["locale"],
        "title": base.get("title"),
        "_version": base["_version"],
        "published": versions(""),
        "variants": cells,
        "conflicts": {path: uids for path, uids in overridden.items() if len(uids) > 1},
    }


def _cell(
    schema: Schema,
    base: Doc,
    stored: Doc,
    base_then: Mapping[int, Doc | None],
    published: dict[str, int | None],
) -> dict[str, Any]:
    system = stored["system"]
    saved_against = system["base_entry_version"]
    then = base if saved_against == base["_version"] else base_then.get(saved_against)
    # The same rule as `include_stale` (§4): every override is stale when that base is gone.
    stale = (
        domain.overridden_paths(stored)
        if then is None
        else domain.stale_paths(schema, then, base, stored)
    )
    return {
        "uid": system["variant"],
        "_version": system["_version"],
        "_base_entry_version": saved_against,
        "published": published,
        "stale": stale,
        "noop": domain.noop_paths(schema, base, stored),
    }


def _matches(cell: dict[str, Any], only: Sequence[str], conflicted: set[str]) -> bool:
    return (
        ("stale" in only and bool(cell["stale"]))
        or ("noop" in only and bool(cell["noop"]))
        or ("conflicts" in only and cell["uid"] in conflicted)
        or (
            "unpublished" in only
            and any(version != cell["_version"] for version in cell["published"].values())
        )
    )


def keep(rows: Sequence[dict[str, Any]], only: Sequence[str]) -> list[dict[str, Any]]:
    """With `only`: each row's variant cells that match any of the filters, and the rows left
    with one; without, every row as it is."""
    if not only:
        return list(rows)
    out = []
    for row in rows:
        conflicted = {uid for uids in row["conflicts"].values() for uid in uids}
        cells = [cell for cell in row["variants"] if _matches(cell, only, conflicted)]
        if cells:
            out.append({**row, "variants": cells})
    return out
