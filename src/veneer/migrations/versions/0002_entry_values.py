"""The field-value index: `entry_values`, one row per value a query can reach (docs/queries.md).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from veneer.store.tables import JsonNumber

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

EXACT = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "entry_values",
        sa.Column("stack", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("locale", sa.String(length=32), nullable=False),
        sa.Column(
            "entry",
            sa.String(length=64).with_variant(sa.String(64, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("path", sa.String(length=300), nullable=False),
        sa.Column("n", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.SmallInteger(), nullable=False),
        sa.Column("num", JsonNumber(), nullable=False),
        sa.Column("text", EXACT, nullable=False),
        sa.Column("tail", EXACT, nullable=False),
        sa.Column("first", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("stack", "scope", "locale", "entry", "path", "n"),
    )
    op.create_index(
        "ix_entry_values_lookup",
        "entry_values",
        [
            "stack",
            "scope",
            "locale",
            "content_type",
            "path",
            "kind",
            "num",
            "text",
            "entry",
            "first",
        ],
    )


def downgrade() -> None:
    op.drop_table("entry_values")
