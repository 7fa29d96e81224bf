"""Alembic environment: Veneer always runs migrations programmatically with a live connection
(`veneer migrate`, or `veneer serve` on start-up); see `veneer.store.migrate`."""

from alembic import context

from veneer.store.tables import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
