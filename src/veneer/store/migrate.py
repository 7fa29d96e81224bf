"""Applying the Alembic migrations from code (no alembic.ini needed)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from veneer.store.base import Store

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


def head() -> str | None:
    return ScriptDirectory.from_config(_config()).get_current_head()
