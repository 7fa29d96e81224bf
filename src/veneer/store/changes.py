"""The change log delivery processes follow to purge exactly what a change touched."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert

import veneer.store.tables as t
from veneer import ids
from veneer.store.core import Rows


class ChangeLog(Rows):
    def record(
        self,
        stack: str,
        environment: str = "",
        locale: str = "",
        entry: str = "",
        variant: str = "",
        content_type: str = "",
    ) -> int:
        """Append a row to the change log and return its sequence number, which follows commit
        order. An empty `entry` means the stack's delivery settings changed (tokens, environments,
        locales, content types): readers drop everything they cached for that stack."""
        self._sql.order_changes(self._conn)
        result = self._conn.execute(
            t.changes.insert().values(
                stack=stack,
                environment=environment,
                locale=locale,
                entry=entry,
                variant=variant,
                content_type=content_type,
                at=ids.now(),
            )
        )
        return int(result.inserted_primary_key[0])  # type: ignore[index]

    def record_many(
        self, stack: str, changes: Sequence[tuple[str, str, str, str, str]]
    ) -> list[int]:
        """`record` for many (environment, locale, entry, variant, content type) at once: their
        sequence numbers, in order."""
        if not changes:
            return []
        self._sql.order_changes(self._conn)
        at = ids.now()
        c = t.changes
        rows = [
            {
                "stack": stack,
                "environment": environment,
                "locale": locale,
                "entry": entry,
                "variant": variant,
                "content_type": content_type,
                "at": at,
            }
            for environment, locale, entry, variant, content_type in changes
        ]
        result = self._conn.execute(
            insert(c).returning(c.c.seq, sort_by_parameter_order=True), rows
        )
        return [int(seq) for seq in result.scalars()]
