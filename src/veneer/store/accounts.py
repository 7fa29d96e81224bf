"""Accounts: users, their login sessions, organizations and who belongs to which."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

import veneer.store.tables as t
from veneer.store.core import Rows, dumps


class Accounts(Rows):
    def any_user(self) -> bool:
        """Whether any account exists yet."""
        return bool(self._conn.execute(select(func.count()).select_from(t.users)).scalar_one())

    def first_user(self) -> dict[str, Any] | None:
        """The row of the account created first (the owner made on an empty database), or None."""
        rows = self._rows(select(t.users).order_by(t.users.c.created_at).limit(1))
        return rows[0] if rows else None

    def user(self, uid: str) -> dict[str, Any] | None:
        """A user's row (with its password hash), or None."""
        return self._row(t.users, uid=uid)

    def user_by_email(self, email: str) -> dict[str, Any] | None:
        """The row of the user with this (lower-case) email, or None."""
        return self._row(t.users, email=email)

    def add_user(self, row: dict[str, Any]) -> None:
        """Store a new account from its row."""
        self._insert(t.users, **row)

    def add_organization(self, uid: str, name: str, owner_uid: str, now: str) -> None:
        """Store a new organization, with its owner as its first member."""
        self._insert(
            t.organizations,
            uid=uid,
            name=name,
            owner_uid=owner_uid,
            settings=dumps({}),
            created_at=now,
            updated_at=now,
        )
        self.add_member(uid, owner_uid, "owner")

    def add_member(self, org_uid: str, user_uid: str, role: str) -> None:
        """Make a user a member of an organization with a role (owner, admin or member)."""
        self._insert(t.org_members, org_uid=org_uid, user_uid=user_uid, role=role)

    def set_role(self, org_uid: str, user_uid: str, role: str) -> None:
        """Change a member's role in an organization."""
        self._update(t.org_members, {"org_uid": org_uid, "user_uid": user_uid}, role=role)

    def remove_member(self, org_uid: str, user_uid: str) -> None:
        """Take a user out of an organization (the account itself stays)."""
        self._delete(t.org_members, org_uid=org_uid, user_uid=user_uid)

    def role(self, org_uid: str, user_uid: str) -> str | None:
        """A user's role in an organization, or None when not a member."""
        m = t.org_members
        query = select(m.c.role).where(m.c.org_uid == org_uid, m.c.user_uid == user_uid)
        return self._conn.execute(query).scalar()

    def memberships(self, user_uid: str) -> list[dict[str, Any]]:
        """The uid, name and the user's role of every organization a user belongs to."""
        o, m = t.organizations, t.org_members
        return self._rows(
            select(o.c.uid, o.c.name, m.c.role)
            .join(m, m.c.org_uid == o.c.uid)
            .where(m.c.user_uid == user_uid)
        )

    def add_session(self, token_hash: str, user_uid: str, created_at: str, expires_at: str) -> None:
        """Store a login session under the hash of its authtoken."""
        self._insert(
            t.sessions,
            token_hash=token_hash,
            user_uid=user_uid,
            created_at=created_at,
            expires_at=expires_at,
        )

    def session(self, token_hash: str) -> dict[str, Any] | None:
        """The login session whose authtoken has this hash, or None."""
        return self._row(t.sessions, token_hash=token_hash)

    def update_user(self, uid: str, **fields: Any) -> None:
        """Change an account's columns (names, password hash, `updated_at`)."""
        self._update(t.users, {"uid": uid}, **fields)

    def end_sessions(self, user_uid: str) -> None:
        """Delete every session of a user (API authtokens, editor sessions, reset tokens)."""
        self._delete(t.sessions, user_uid=user_uid)

    def organization(self, uid: str) -> dict[str, Any] | None:
        """An organization's row, or None."""
        return self._row(t.organizations, uid=uid)

    def members(self, org_uid: str) -> list[dict[str, Any]]:
        """The uid, email, names, times and role of every member of an organization, by email."""
        u, m = t.users, t.org_members
        return self._rows(
            select(
                u.c.uid,
                u.c.email,
                u.c.first_name,
                u.c.last_name,
                u.c.created_at,
                u.c.updated_at,
                m.c.role,
            )
            .join(m, m.c.user_uid == u.c.uid)
            .where(m.c.org_uid == org_uid)
            .order_by(u.c.email)
        )

    def end_session(self, token_hash: str) -> None:
        """Delete the login session whose authtoken has this hash (logout)."""
        self._delete(t.sessions, token_hash=token_hash)
