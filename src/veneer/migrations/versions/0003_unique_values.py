"""Unique field values: `unique_values`, the entry holding each value of a unique field
(store/uniques.py), filled from the latest version of every entry's localizations.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from veneer.store.uniques import existing_claims

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "unique_values",
        sa.Column("stack", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("locale", sa.String(length=32), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=128), nullable=False),
        sa.Column("entry", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("stack", "content_type", "locale", "field", "value"),
    )
    op.create_index("ix_unique_values_entry", "unique_values", ["stack", "entry", "locale"])
    _backfill(table)


def _backfill(table: sa.Table) -> None:
    """Claim the values of every existing entry, oldest uid first; a value two entries already
    share (the old check was racy) stays with the first of them."""
    conn = op.get_bind()
    for rows in existing_claims(conn):
        conn.execute(sa.insert(table), rows)


def downgrade() -> None:
    op.drop_table("unique_values")
