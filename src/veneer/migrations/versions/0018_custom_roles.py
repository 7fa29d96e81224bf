"""A stack's custom roles (issue 14 §10): `custom_roles`, one row a role, its name unique in the
stack.

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

UID = sa.String(length=64)
TIME = sa.String(length=32)


def upgrade() -> None:
    op.create_table(
        "custom_roles",
        sa.Column("stack", UID, nullable=False),
        sa.Column("uid", UID, nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("doc", sa.Text(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("stack", "uid"),
    )
    op.create_index("ux_custom_roles_name", "custom_roles", ["stack", "name"], unique=True)
    op.create_index("ix_custom_roles_listed", "custom_roles", ["stack", "created_at", "uid"])


def downgrade() -> None:
    op.drop_index("ix_custom_roles_listed", "custom_roles")
    op.drop_index("ux_custom_roles_name", "custom_roles")
    op.drop_table("custom_roles")
