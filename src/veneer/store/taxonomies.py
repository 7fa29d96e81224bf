"""The terms of a stack's taxonomies (`tables.taxonomy_terms`; the taxonomies themselves are
module documents). A term's place in its tree (parent, depth, position among its siblings) is in
columns, and merged into the document read back as Contentstack names it (`parent_uid`, `depth`,
`order`, `taxonomy_uid`). Every read is keyed: one term, the children of some terms (one level),
or a page of one taxonomy's terms."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, and_, delete, func, select, update

import veneer.store.tables as t
from veneer.domain.listing import ListParams
from veneer.store.core import Rows, dumps, loads

T = t.taxonomy_terms
PLACE = ("parent_uid", "depth", "order", "taxonomy_uid")


def _term(row: Any) -> dict[str, Any]:
    doc: dict[str, Any] = loads(row.doc)
    doc.update(
        taxonomy_uid=row.taxonomy,
        parent_uid=row.parent or None,
        depth=row.depth,
        order=row.position,
    )
    return doc


class TaxonomyTerms(Rows):
    def _select(self, stack: str, taxonomy: str | None) -> Select[Any]:
        """The terms of one taxonomy (of every taxonomy of the stack with None)."""
        query = select(T.c.taxonomy, T.c.parent, T.c.depth, T.c.position, T.c.doc, T.c.uid)
        query = query.where(T.c.stack == stack)
        return query if taxonomy is None else query.where(T.c.taxonomy == taxonomy)

    def get(self, stack: str, taxonomy: str, uid: str) -> dict[str, Any] | None:
        row = self._conn.execute(self._select(stack, taxonomy).where(T.c.uid == uid)).first()
        return _term(row) if row is not None else None

    def existing(self, stack: str, pairs: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which of the (taxonomy, term) pairs name a term of the stack: one primary-key lookup
        each."""
        found = set()
        for taxonomy, uid in pairs:
            hit = self._conn.execute(
                select(T.c.uid).where(T.c.stack == stack, T.c.taxonomy == taxonomy, T.c.uid == uid)
            ).first()
            if hit is not None:
                found.add((taxonomy, uid))
        return found

    def parent(self, stack: str, taxonomy: str, uid: str) -> str | None:
        """A term's parent uid ('' for a root term), None when there is no such term."""
        return self._conn.execute(
            select(T.c.parent).where(T.c.stack == stack, T.c.taxonomy == taxonomy, T.c.uid == uid)
        ).scalar()

    def children(self, stack: str, taxonomy: str, parents: Sequence[str]) -> list[dict[str, Any]]:
        """The children of `parents` ('' for the roots), by parent then order: one level."""
        if not parents:
            return []
        query = (
            self._select(stack, taxonomy)
            .where(T.c.parent.in_(list(parents)))
            .order_by(T.c.parent, T.c.position, T.c.uid)
        )
        return [_term(row) for row in self._conn.execute(query)]

    def child_uids(self, stack: str, taxonomy: str, parents: Sequence[str]) -> list[str]:
        if not parents:
            return []
        query = select(T.c.uid).where(
            T.c.stack == stack, T.c.taxonomy == taxonomy, T.c.parent.in_(list(parents))
        )
        return list(self._conn.execute(query.order_by(T.c.parent, T.c.position, T.c.uid)).scalars())

    def page(
        self,
        stack: str,
        taxonomy: str | None,
        lp: ListParams,
        depth: int | None = None,
        typeahead: str | None = None,
    ) -> tuple[list[dict[str, Any]], int | None]:
        """A page of a taxonomy's terms (of every taxonomy's with None, taxonomy by taxonomy),
        level by level (roots first), each level by parent and order; `depth` keeps the first
        levels, `typeahead` the terms whose name holds it, whatever the case (`search_name`)."""
        query = self._select(stack, taxonomy)
        if depth is not None:
            query = query.where(T.c.depth <= depth)
        if typeahead:
            escaped = search_name(typeahead).replace("\\", "\\\\")
            pattern = "%" + escaped.replace("%", "\\%").replace("_", "\\_") + "%"
            query = query.where(T.c.name.like(pattern, escape="\\"))
        query = query.order_by(T.c.taxonomy, T.c.depth, T.c.parent, T.c.position, T.c.uid)
        rows = self._conn.execute(query.offset(lp.skip).limit(lp.limit)).all()
        count = None
        if lp.include_count:
            counted = select(func.count()).select_from(query.order_by(None).subquery())
            count = int(self._conn.execute(counted).scalar_one())
        return [_term(row) for row in rows], count

    def all(self, stack: str, taxonomy: str) -> list[dict[str, Any]]:
        """Every term of a taxonomy, level by level (an export: as many as the taxonomy holds)."""
        query = self._select(stack, taxonomy).order_by(T.c.depth, T.c.parent, T.c.position, T.c.uid)
        return [_term(row) for row in self._conn.execute(query)]

    def count(self, stack: str, taxonomy: str) -> int:
        query = select(func.count()).where(T.c.stack == stack, T.c.taxonomy == taxonomy)
        return int(self._conn.execute(query).scalar_one())

    def last_position(self, stack: str, taxonomy: str, parent: str) -> int:
        query = select(func.max(T.c.position)).where(
            T.c.stack == stack, T.c.taxonomy == taxonomy, T.c.parent == parent
        )
        return int(self._conn.execute(query).scalar() or 0)

    def shift(self, stack: str, taxonomy: str, parent: str, start: int, by: int) -> None:
        """Move the siblings under `parent` at `start` and after by `by` places."""
        self._conn.execute(
            update(T)
            .where(
                T.c.stack == stack,
                T.c.taxonomy == taxonomy,
                T.c.parent == parent,
                T.c.position >= start,
            )
            .values(position=T.c.position + by)
        )

    def add(self, stack: str, taxonomy: str, doc: dict[str, Any]) -> None:
        """Store a new term: its place from `parent_uid`, `depth` and `order` in `doc`."""
        self._insert(
            T,
            stack=stack,
            taxonomy=taxonomy,
            uid=doc["uid"],
            parent=doc.get("parent_uid") or "",
            depth=doc["depth"],
            position=doc["order"],
            name=search_name(doc["name"]),
            doc=dumps(_stored(doc)),
        )

    def replace(self, stack: str, taxonomy: str, doc: dict[str, Any]) -> None:
        keys = {"stack": stack, "taxonomy": taxonomy, "uid": doc["uid"]}
        self._update(
            T,
            keys,
            parent=doc.get("parent_uid") or "",
            depth=doc["depth"],
            position=doc["order"],
            name=search_name(doc["name"]),
            doc=dumps(_stored(doc)),
        )

    def set_position(self, stack: str, taxonomy: str, uid: str, position: int) -> None:
        self._update(T, {"stack": stack, "taxonomy": taxonomy, "uid": uid}, position=position)

    def set_depth(self, stack: str, taxonomy: str, uids: Sequence[str], by: int) -> None:
        """Change the depth of some terms by `by` (a moved subtree)."""
        if uids and by:
            self._conn.execute(
                update(T)
                .where(T.c.stack == stack, T.c.taxonomy == taxonomy, T.c.uid.in_(list(uids)))
                .values(depth=T.c.depth + by)
            )

    def delete(self, stack: str, taxonomy: str, uids: Sequence[str]) -> None:
        if uids:
            self._conn.execute(
                delete(T).where(
                    and_(T.c.stack == stack, T.c.taxonomy == taxonomy, T.c.uid.in_(list(uids)))
                )
            )

    def delete_taxonomy(self, stack: str, taxonomy: str) -> None:
        self._delete(T, stack=stack, taxonomy=taxonomy)


def search_name(name: str) -> str:
    """A name as the `name` column holds it for `typeahead`: case-folded here, the same on both
    databases (SQLite's lower() folds ASCII only)."""
    return name.casefold()


def _stored(doc: dict[str, Any]) -> dict[str, Any]:
    """What the `doc` column holds: the term without its place (the columns hold that)."""
    return {k: v for k, v in doc.items() if k not in PLACE}
