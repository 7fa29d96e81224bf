"""Applying the Alembic migrations from code (no alembic.ini needed)."""

from __future__ import annotations

import functools
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from veneer.store.base import Store
from veneer.store.core import refusals

SCRIPTS = str(Path(__file__).resolve().parent.parent / "migrations")


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPTS)
    return config


def upgrade(store: Store, revision: str = "head") -> None:
    with store.engine.begin() as conn:
        store.lock_migrations(conn)
        config = _config()
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def current(store: Store) -> str | None:
    with store.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


@functools.cache
def head() -> str | None:
    return ScriptDirectory.from_config(_config()).get_current_head()


def behind(store: Store) -> str | None:
    """None when the database's schema is the one this code needs; else how it differs. Raises
    `Unavailable` when the database cannot be reached."""
    with refusals():
        at = current(store)
    needed = head()
    return None if at == needed else f"are at {at or 'none'}; this code needs {needed}."
