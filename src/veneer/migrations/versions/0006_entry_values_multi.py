"""The entries with several values at a path (field-value index rows n > 0), which a two-sided
range query reads besides the rows between its bounds (docs/queries.md).

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_entry_values_multi",
        "entry_values",
        ["stack", "scope", "locale", "content_type", "path", "entry"],
        sqlite_where=sa.text("n > 0"),
        postgresql_where=sa.text("n > 0"),
    )


def downgrade() -> None:
    op.drop_index("ix_entry_values_multi", table_name="entry_values")
