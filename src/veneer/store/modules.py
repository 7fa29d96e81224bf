"""The documents of a stack's smaller modules (global fields, labels, extensions): each a JSON
document under a uid, in one table that says which module it belongs to. One class serves them
all; `Transaction` holds one instance per module.

A list may be filtered by `domain.doc_filters` matches, compiled here to each database's JSON
functions (SQLite's `json_each`, PostgreSQL's `jsonb` containment) over the stack's rows of the
module, which the index `ix_module_docs_listed` narrows to: the database filters, counts and
pages."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, cast, exists, false, func, literal, not_, or_, select, true
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection

import veneer.store.tables as t
from veneer.domain.doc_filters import Match, Scalar
from veneer.domain.listing import ListParams
from veneer.store.core import Dialect, Rows, dumps


class ModuleDocs(Rows):
    def __init__(self, conn: Connection, sql: Dialect, module: str) -> None:
        super().__init__(conn, sql)
        self.module = module

    def _listed(self, stack: str, matches: tuple[Match, ...] = ()) -> Any:
        m = t.module_docs
        sqlite = self._conn.dialect.name == "sqlite"
        return (
            select(m.c.doc)
            .where(m.c.stack == stack, m.c.module == self.module)
            .where(*(_matched(match, sqlite) for match in matches))
            .order_by(m.c.created_at, m.c.uid)
        )

    def get(self, stack: str, uid: str) -> dict[str, Any] | None:
        """A document of this module in a stack, or None."""
        return self._doc(t.module_docs, stack=stack, module=self.module, uid=uid)

    def all(self, stack: str) -> list[dict[str, Any]]:
        """Every document of this module in a stack, oldest first."""
        return self._docs(self._listed(stack))

    def page(
        self, stack: str, lp: ListParams, matches: tuple[Match, ...] = ()
    ) -> tuple[list[dict[str, Any]], int | None]:
        """A page of them (those `matches` selects), oldest first, and their number with
        `include_count`."""
        return self._page(self._listed(stack, matches), lp)

    def add(self, stack: str, doc: dict[str, Any]) -> None:
        """Store a new document (its `uid` and `created_at` come from `doc`)."""
        self._insert(
            t.module_docs,
            stack=stack,
            module=self.module,
            uid=doc["uid"],
            doc=dumps(doc),
            created_at=doc["created_at"],
        )

    def replace(self, stack: str, doc: dict[str, Any]) -> None:
        """Replace a document with `doc` (same `uid`)."""
        keys = {"stack": stack, "module": self.module, "uid": doc["uid"]}
        self._update(t.module_docs, keys, doc=dumps(doc))

    def delete(self, stack: str, uid: str) -> None:
        self._delete(t.module_docs, stack=stack, module=self.module, uid=uid)


def _matched(match: Match, sqlite: bool) -> ColumnElement[bool]:
    """The SQL of a match: the document's value at `match.key` is one of its values, or a list
    holding one (a missing key matches none; negated, it matches)."""
    if not match.values:
        return true() if match.negated else false()
    holds = _holds_sqlite if sqlite else _holds_postgres
    found = or_(*(holds(match.key, value) for value in match.values))
    return not_(func.coalesce(found, false())) if match.negated else found


def _holds_sqlite(key: str, value: Scalar) -> ColumnElement[bool]:
    """`json_each` reads a list's items, or a scalar as itself; its `type` keeps `true` from 1
    and "1" from 1. An object's members are not its values."""
    path = f'$."{key}"'
    each = func.json_each(t.module_docs.c.doc, path).table_valued("value", "type")
    if isinstance(value, bool):
        same = each.c.type == ("true" if value else "false")
    elif isinstance(value, str):
        same = (each.c.type == "text") & (each.c.value == value)
    else:
        same = each.c.type.in_(("integer", "real")) & (each.c.value == value)
    shape = func.json_type(t.module_docs.c.doc, path) != "object"
    return shape & exists(select(literal(1)).select_from(each).where(same))


def _holds_postgres(key: str, value: Scalar) -> ColumnElement[bool]:
    """jsonb containment: a list contains a scalar it holds, a scalar the equal one."""
    found = cast(t.module_docs.c.doc, JSONB)[key]
    return found.contains(cast(literal(dumps(value)), JSONB))
