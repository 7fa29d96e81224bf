"""Variant groups and their variants (entry variants are in `entry_variants.py`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

import veneer.store.tables as t
from veneer.store.core import Rows, dumps


class VariantGroups(Rows):
    def get(self, stack: str, uid: str) -> dict[str, Any] | None:
        """A variant group of a stack, or None."""
        return self._doc(t.variant_groups, stack=stack, uid=uid)

    def all(self, stack: str) -> list[dict[str, Any]]:
        """Every variant group of a stack."""
        g = t.variant_groups
        return self._docs(select(g.c.doc).where(g.c.stack == stack))

    def add(self, stack: str, doc: dict[str, Any]) -> None:
        """Store a new variant group (its `uid` and `created_at` come from `doc`)."""
        self._insert(
            t.variant_groups,
            stack=stack,
            uid=doc["uid"],
            doc=dumps(doc),
            created_at=doc["created_at"],
        )

    def replace(self, stack: str, doc: dict[str, Any]) -> None:
        """Replace a variant group's document with `doc` (same `uid`)."""
        self._update(t.variant_groups, {"stack": stack, "uid": doc["uid"]}, doc=dumps(doc))

    def delete(self, stack: str, uid: str) -> None:
        """Delete a variant group (its variants are deleted separately)."""
        self._delete(t.variant_groups, stack=stack, uid=uid)


class Variants(Rows):
    def get(self, stack: str, uid: str) -> dict[str, Any] | None:
        """A variant of a stack by uid, or None."""
        return self._doc(t.variants, stack=stack, uid=uid)

    def with_alias(self, stack: str, alias: str) -> dict[str, Any] | None:
        """The variant of a stack with this alias, or None."""
        return self._doc(t.variants, stack=stack, alias=alias)

    def find(self, stack: str, ref: str) -> dict[str, Any] | None:
        """A variant of a stack by uid or alias, or None."""
        v = t.variants
        docs = self._docs(
            select(v.c.doc)
            .where(v.c.stack == stack, (v.c.uid == ref) | (v.c.alias == ref))
            .limit(1)
        )
        return docs[0] if docs else None

    def all(self, stack: str, group: str | None = None) -> list[dict[str, Any]]:
        """Every variant of a stack (or of one of its groups), oldest first."""
        v = t.variants
        query = select(v.c.doc).where(v.c.stack == stack)
        if group is not None:
            query = query.where(v.c.group_uid == group)
        return self._docs(query.order_by(v.c.created_at))

    def add(self, stack: str, doc: dict[str, Any], alias: str | None) -> None:
        """Store a new variant known by `alias` too (its `uid`, `variant_group_uid` and
        `created_at` come from `doc`)."""
        self._insert(
            t.variants,
            stack=stack,
            uid=doc["uid"],
            group_uid=doc.get("variant_group_uid"),
            alias=alias,
            doc=dumps(doc),
            created_at=doc["created_at"],
        )

    def replace(self, stack: str, doc: dict[str, Any]) -> None:
        """Replace a variant's document with `doc` (same `uid`; group and alias unchanged)."""
        self._update(t.variants, {"stack": stack, "uid": doc["uid"]}, doc=dumps(doc))

    def delete(self, stack: str, uid: str) -> None:
        """Delete a variant (its entry variants are purged separately)."""
        self._delete(t.variants, stack=stack, uid=uid)
