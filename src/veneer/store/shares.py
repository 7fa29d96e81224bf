"""Stacks shared with users (with the stack roles given them) and pending ownership transfers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

import veneer.store.tables as t
from veneer.store.core import Rows, dumps, loads


class StackShares(Rows):
    def get(self, stack: str, user_uid: str) -> dict[str, Any] | None:
        """A user's share of a stack (`roles` as a list), or None."""
        row = self._row(t.stack_shares, stack=stack, user_uid=user_uid)
        return {**row, "roles": loads(row["roles"])} if row is not None else None

    def of_stack(self, stack: str) -> list[dict[str, Any]]:
        """Every share of a stack, oldest first."""
        s = t.stack_shares
        rows = self._rows(select(s).where(s.c.stack == stack).order_by(s.c.created_at))
        return [{**row, "roles": loads(row["roles"])} for row in rows]

    def put(self, stack: str, user_uid: str, roles: list[str], by: str, now: str) -> None:
        """Share a stack with a user, or give a user other roles on it."""
        if self.get(stack, user_uid) is None:
            self._insert(
                t.stack_shares,
                stack=stack,
                user_uid=user_uid,
                roles=dumps(roles),
                shared_by=by,
                created_at=now,
                updated_at=now,
            )
        else:
            keys = {"stack": stack, "user_uid": user_uid}
            self._update(t.stack_shares, keys, roles=dumps(roles), updated_at=now)

    def remove(self, stack: str, user_uid: str) -> None:
        self._delete(t.stack_shares, stack=stack, user_uid=user_uid)

    def drop_in_org(self, org_uid: str, user_uid: str) -> None:
        """A user leaving an organization keeps no share (nor stack roles) of its stacks."""
        sh, s = t.stack_shares, t.stacks
        in_org = select(s.c.api_key).where(s.c.org_uid == org_uid)
        self._conn.execute(delete(sh).where(sh.c.user_uid == user_uid, sh.c.stack.in_(in_org)))

    def add_transfer(self, row: dict[str, Any]) -> None:
        """A pending ownership transfer (a stack has at most one: older ones are dropped)."""
        self.drop_transfers(row["stack"])
        self._insert(t.ownership_transfers, **row)

    def transfer(self, token_hash: str) -> dict[str, Any] | None:
        return self._row(t.ownership_transfers, token_hash=token_hash)

    def drop_transfers(self, stack: str) -> None:
        o = t.ownership_transfers
        self._conn.execute(delete(o).where(o.c.stack == stack))
