"""Environments and locales: where, and in which languages, a stack's entries are published."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.engine import Connection

import veneer.store.tables as t
from veneer.domain import listing
from veneer.store.core import Dialect, Rows, dumps
from veneer.store.publications import Publications


class Environments(Rows):
    def __init__(self, conn: Connection, sql: Dialect, publications: Publications) -> None:
        super().__init__(conn, sql)
        self._publications = publications

    def find(self, stack: str, name_or_uid: str) -> dict[str, Any] | None:
        """An environment of a stack by name or uid, or None."""
        e = t.environments
        docs = self._docs(
            select(e.c.doc)
            .where(e.c.stack == stack, or_(e.c.name == name_or_uid, e.c.uid == name_or_uid))
            .limit(1)
        )
        return docs[0] if docs else None

    def all(self, stack: str) -> list[dict[str, Any]]:
        """Every environment of a stack, by name."""
        e = t.environments
        return self._docs(select(e.c.doc).where(e.c.stack == stack).order_by(e.c.name))

    def page(self, stack: str, lp: listing.ListParams) -> tuple[list[dict[str, Any]], int | None]:
        """A page of a stack's environments, by name, and their number with `include_count`."""
        e = t.environments
        return self._page(select(e.c.doc).where(e.c.stack == stack).order_by(e.c.name), lp)

    def add(self, stack: str, doc: dict[str, Any]) -> None:
        """Store a new environment (its `uid` and `name` come from `doc`)."""
        self._insert(t.environments, stack=stack, uid=doc["uid"], name=doc["name"], doc=dumps(doc))

    def replace(self, stack: str, doc: dict[str, Any]) -> None:
        """Replace an environment's document, and name, with `doc` (same `uid`)."""
        keys = {"stack": stack, "uid": doc["uid"]}
        self._update(t.environments, keys, name=doc["name"], doc=dumps(doc))

    def delete(self, stack: str, uid: str) -> None:
        """Delete an environment and unpublish everything published to it."""
        self._publications.drop(stack, environment=uid)
        self._delete(t.asset_publications, stack=stack, environment=uid)
        self._delete(t.entry_values, stack=stack, scope=uid)
        self._delete(t.environments, stack=stack, uid=uid)


class Locales(Rows):
    def get(self, stack: str, code: str) -> dict[str, Any] | None:
        """A locale of a stack by its (lower-case) code, or None."""
        return self._doc(t.locales, stack=stack, code=code)

    def all(self, stack: str) -> list[dict[str, Any]]:
        """Every locale of a stack, by code."""
        return self._docs(
            select(t.locales.c.doc).where(t.locales.c.stack == stack).order_by(t.locales.c.code)
        )

    def page(self, stack: str, lp: listing.ListParams) -> tuple[list[dict[str, Any]], int | None]:
        """A page of a stack's locales, by code, and their number with `include_count`."""
        c = t.locales
        return self._page(select(c.c.doc).where(c.c.stack == stack).order_by(c.c.code), lp)

    def chain(self, stack: str, code: str) -> list[str]:
        """`code` followed by its fallback locales, ending at the master locale; loops are cut."""

        def fallback_of(current: str) -> str | None | bool:
            doc = self.get(stack, current)
            return doc.get("fallback_locale") if doc else False

        return listing.fallback_chain(code, fallback_of)

    def add(self, stack: str, doc: dict[str, Any]) -> None:
        """Store a new locale (its `code` comes from `doc`)."""
        self._insert(t.locales, stack=stack, code=doc["code"], doc=dumps(doc))

    def replace(self, stack: str, doc: dict[str, Any]) -> None:
        """Replace a locale's document with `doc` (same `code`)."""
        self._update(t.locales, {"stack": stack, "code": doc["code"]}, doc=dumps(doc))

    def delete(self, stack: str, code: str) -> None:
        """Delete a locale (its entries and publications are dropped separately)."""
        self._delete(t.locales, stack=stack, code=code)
