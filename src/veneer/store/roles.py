"""A stack's custom roles: each a JSON document under a uid, its name unique in the stack."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select

import veneer.store.tables as t
from veneer.store.core import Rows, dumps


class CustomRoles(Rows):
    def _listed(self, stack: str) -> Any:
        r = t.custom_roles
        return select(r.c.doc).where(r.c.stack == stack).order_by(r.c.created_at, r.c.uid)

    def get(self, stack: str, uid: str) -> dict[str, Any] | None:
        return self._doc(t.custom_roles, stack=stack, uid=uid)

    def named(self, stack: str, name: str) -> dict[str, Any] | None:
        """The role of the stack with this name, or None."""
        return self._doc(t.custom_roles, stack=stack, name=name)

    def page(self, stack: str, skip: int, limit: int) -> list[dict[str, Any]]:
        """`limit` roles after the first `skip`, oldest first: the database pages."""
        return self._docs(self._listed(stack).offset(skip).limit(limit))

    def count(self, stack: str) -> int:
        r = t.custom_roles
        query = select(func.count()).select_from(r).where(r.c.stack == stack)
        return int(self._conn.execute(query).scalar_one())

    def known(self, stack: str, uids: Iterable[str]) -> set[str]:
        """Which of `uids` are roles of the stack."""
        r, wanted = t.custom_roles, list(dict.fromkeys(uids))
        if not wanted:
            return set()
        query = select(r.c.uid).where(r.c.stack == stack, r.c.uid.in_(wanted))
        return set(self._conn.execute(query).scalars())

    def add(self, stack: str, doc: dict[str, Any]) -> None:
        self._insert(
            t.custom_roles,
            stack=stack,
            uid=doc["uid"],
            name=doc["name"],
            doc=dumps(doc),
            created_at=doc["created_at"],
        )

    def replace(self, stack: str, doc: dict[str, Any]) -> None:
        keys = {"stack": stack, "uid": doc["uid"]}
        self._update(t.custom_roles, keys, name=doc["name"], doc=dumps(doc))

    def delete(self, stack: str, uid: str) -> None:
        self._delete(t.custom_roles, stack=stack, uid=uid)
