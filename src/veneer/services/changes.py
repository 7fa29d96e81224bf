"""The change log that keeps every delivery process's cache exact (see `api.delivery.cache`)."""

from __future__ import annotations

from typing import Any

from veneer import ids
from veneer.services.context import Services
from veneer.store import tables as t


def record_change(
    services: Services,
    conn: Any,
    stack: str,
    environment: str = "",
    locale: str = "",
    entry: str = "",
    variant: str = "",
    content_type: str = "",
) -> int:
    """Append to the change log; its sequence must follow commit order for readers to trust it.

    A row with an empty `entry` is a change of the stack's delivery settings (tokens, environments,
    locales): readers drop everything they cached for that stack.
    """
    if services.store.dialect == "postgresql":
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7300002)")
    result = conn.execute(
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
    return int(result.inserted_primary_key[0])
