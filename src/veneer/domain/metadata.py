"""`include_metadata=true` on the delivery reads of entries and assets. Contentstack answers there
the metadata apps and extensions attach to an entry or asset (its Metadata API) under
`_metadata`, by extension: `{"extensions": {"<extension uid>": [{...}]}}` (CDA reference, "Get all
assets"; an app reads `entry._metadata.extensions.<uid>[0]`). Veneer has no Metadata API, so
nothing is ever attached: each entry and asset asked for carries the empty map, the same shape
with no extension in it, and a client reading `_metadata.extensions` finds none."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from veneer.domain.listing import flag

PARAM = "include_metadata"


def wants_metadata(params: Mapping[str, Any]) -> bool:
    return flag(params, PARAM)


def with_metadata(params: Mapping[str, Any], docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`docs`, each a new dict with `_metadata` when the caller asked for it; else `docs` itself."""
    if not wants_metadata(params):
        return docs
    return [{**doc, "_metadata": {"extensions": {}}} for doc in docs]
