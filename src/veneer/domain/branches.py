"""Branches, as far as Veneer has them: every stack is its one `main` branch. Contentstack names
the branch an entry or content type was read from (`_branch`) when the caller asks with
`include_branch=true`; the SDKs send it, so Veneer answers it the same way, always `main`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from veneer.domain.listing import flag

MAIN = "main"


def wants_branch(params: Mapping[str, Any]) -> bool:
    return flag(params, "include_branch")


def branched(params: Mapping[str, Any], docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`docs`, each a new dict with `_branch` when the caller asked for it; else `docs` itself."""
    if not wants_branch(params):
        return docs
    return [{**doc, "_branch": MAIN} for doc in docs]
