"""The Alembic migrations build exactly the tables of `veneer.store.tables`."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from veneer.store.migrate import current, head
from veneer.store.tables import metadata


def test_database_is_at_head(services: Any) -> None:
    assert current(services.store) == head()


def test_migrated_schema_matches_tables(services: Any) -> None:
    with services.store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []
