"""The documents of a stack's smaller modules (global fields, labels, extensions): each a JSON
document under a uid, in one table that says which module it belongs to. One class serves them
all; `Transaction` holds one instance per module."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

import veneer.store.tables as t
from veneer.domain.listing import ListParams
from veneer.store.core import Dialect, Rows, dumps


class ModuleDocs(Rows):
    def __init__(self, conn: Connection, sql: Dialect, module: str) -> None:
        super().__init__(conn, sql)
        self.module = module

    def _listed(self, stack: str) -> Any:
        m = t.module_docs
        return (
            select(m.c.doc)
            .where(m.c.stack == stack, m.c.module == self.module)
            .order_by(m.c.created_at, m.c.uid)
        )

    def get(self, stack: str, uid: str) -> dict[str, Any] | None:
        """A document of this module in a stack, or None."""
        return self._doc(t.module_docs, stack=stack, module=self.module, uid=uid)

    def all(self, stack: str) -> list[dict[str, Any]]:
        """Every document of this module in a stack, oldest first."""
        return self._docs(self._listed(stack))

    def page(self, stack: str, lp: ListParams) -> tuple[list[dict[str, Any]], int | None]:
        """A page of them, oldest first, and their number with `include_count`."""
        return self._page(self._listed(stack), lp)

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
