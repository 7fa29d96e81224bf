"""The initial schema.

This first revision creates the tables of `veneer.store.tables` as they stood when it was written.
Any later change to `tables.py` needs its own revision with explicit `op` calls, and then this file
must stop reading `tables.py` (freeze it); `tests/store/test_migrations.py` fails when the migrated
database and `tables.py` disagree.

Revision ID: 0001
Revises:
"""

from alembic import op

from veneer.store.tables import metadata

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    metadata.create_all(bind=op.get_bind())


def downgrade() -> None:
    metadata.drop_all(bind=op.get_bind())
