"""Stacks, the tenants of all content, and the tokens that reach one stack."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, select

import veneer.store.tables as t
from veneer.domain.listing import ListParams
from veneer.store.core import Rows, dumps, loads

# Everything a stack owns, deleted with it.
STACK_TABLES = (
    t.tokens,
    t.environments,
    t.locales,
    t.content_types,
    t.entries,
    t.entry_versions,
    t.publications,
    t.variant_groups,
    t.variants,
    t.entry_variants,
    t.entry_variant_versions,
    t.variant_fields,
    t.jobs,
    t.bulk_jobs,
    t.bulk_job_items,
    t.unique_values,
    t.entry_values,
    t.assets,
    t.asset_versions,
    t.asset_publications,
    t.events,
    t.module_docs,
    t.trash,
    t.trash_rows,
    t.taxonomy_terms,
    t.webhooks,
    t.webhook_deliveries,
    t.stack_shares,
    t.ownership_transfers,
    t.custom_roles,
)


def _decoded(row: Mapping[str, Any] | None, column: str) -> dict[str, Any] | None:
    """`row` with its JSON `column` read into a dict (None stays None)."""
    return {**row, column: loads(row[column])} if row is not None else None


def _all_decoded(rows: list[dict[str, Any]], column: str) -> list[dict[str, Any]]:
    return [{**row, column: loads(row[column])} for row in rows]


class Stacks(Rows):
    def get(self, api_key: str) -> dict[str, Any] | None:
        """A stack's row (settings as a dict), or None."""
        return _decoded(self._row(t.stacks, api_key=api_key), "settings")

    def of_user(self, user_uid: str) -> list[dict[str, Any]]:
        """The rows of every stack of the organizations a user belongs to, and of the stacks shared
        with them, oldest first."""
        s, m, shares = t.stacks, t.org_members, t.stack_shares
        orgs = select(m.c.org_uid).where(m.c.user_uid == user_uid)
        shared = select(shares.c.stack).where(shares.c.user_uid == user_uid)
        rows = self._rows(
            select(s)
            .where(s.c.org_uid.in_(orgs) | s.c.api_key.in_(shared))
            .order_by(s.c.created_at)
        )
        return _all_decoded(rows, "settings")

    def add(self, row: dict[str, Any]) -> None:
        """Store a new stack from its row (settings as a dict)."""
        self._insert(t.stacks, **{**row, "settings": dumps(row["settings"])})

    def update(self, api_key: str, **values: Any) -> None:
        """Change a stack's name, description, settings (a dict) or `updated_at`."""
        if "settings" in values:
            values["settings"] = dumps(values["settings"])
        self._update(t.stacks, {"api_key": api_key}, **values)

    def delete(self, api_key: str) -> None:
        """Delete a stack with everything it owns."""
        for table in STACK_TABLES:
            self._conn.execute(delete(table).where(table.c.stack == api_key))
        self._delete(t.stacks, api_key=api_key)

    def organization(self, api_key: str) -> dict[str, Any] | None:
        """The uid and settings (a dict) of the organization that owns a stack, or None."""
        o, s = t.organizations, t.stacks
        row = self._conn.execute(
            select(o.c.uid, o.c.settings)
            .join(s, s.c.org_uid == o.c.uid)
            .where(s.c.api_key == api_key)
        ).first()
        return {"uid": row[0], "settings": loads(row[1])} if row is not None else None


class Tokens(Rows):
    def of_stack(self, stack: str, kind: str) -> list[dict[str, Any]]:
        """The rows (doc as a dict) of a stack's management or delivery tokens, oldest first."""
        k = t.tokens
        rows = self._rows(
            select(k).where(k.c.stack == stack, k.c.kind == kind).order_by(k.c.created_at)
        )
        return _all_decoded(rows, "doc")

    def page(
        self, stack: str, kind: str, lp: ListParams
    ) -> tuple[list[dict[str, Any]], int | None]:
        """A page of the rows (doc as a dict) of a stack's tokens of a kind, oldest first, and
        their number with `include_count`."""
        k = t.tokens
        query = select(k).where(k.c.stack == stack, k.c.kind == kind).order_by(k.c.created_at)
        rows, count = self._page(query, lp, rows=True)
        return _all_decoded(rows, "doc"), count

    def get(self, stack: str, kind: str, uid: str) -> dict[str, Any] | None:
        """A token's row (doc as a dict), or None."""
        return _decoded(self._row(t.tokens, stack=stack, kind=kind, uid=uid), "doc")

    def by_hash(self, token_hash: str) -> dict[str, Any] | None:
        """The row (doc as a dict) of the token whose secret has this hash, or None."""
        return _decoded(self._row(t.tokens, token_hash=token_hash), "doc")

    def add(self, row: dict[str, Any]) -> None:
        """Store a new token from its row (doc as a dict)."""
        self._insert(t.tokens, **{**row, "doc": dumps(row["doc"])})

    def update(self, uid: str, doc: dict[str, Any], updated_at: str) -> None:
        """Replace a token's document."""
        self._update(t.tokens, {"uid": uid}, doc=dumps(doc), updated_at=updated_at)

    def created_by(self, org_uid: str, user_uid: str) -> list[dict[str, Any]]:
        """The uid and stack of every token a user created in the stacks of an organization."""
        k, s = t.tokens, t.stacks
        in_org = select(s.c.api_key).where(s.c.org_uid == org_uid)
        return self._rows(
            select(k.c.uid, k.c.stack).where(k.c.created_by == user_uid, k.c.stack.in_(in_org))
        )

    def delete(self, uid: str) -> None:
        """Delete a token: its secret stops working."""
        self._delete(t.tokens, uid=uid)
