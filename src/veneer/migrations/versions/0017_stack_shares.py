"""Stacks shared with users outside their organization, the stack roles of collaborators, and
pending ownership transfers (issue 14 §10): `stack_shares` and `ownership_transfers`.

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

UID = sa.String(length=64)
TIME = sa.String(length=32)


def upgrade() -> None:
    op.create_table(
        "stack_shares",
        sa.Column("stack", UID, nullable=False),
        sa.Column("user_uid", UID, nullable=False),
        sa.Column("roles", sa.Text(), nullable=False),
        sa.Column("shared_by", UID, nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("stack", "user_uid"),
    )
    op.create_index("ix_stack_shares_user_uid", "stack_shares", ["user_uid"])
    op.create_table(
        "ownership_transfers",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("stack", UID, nullable=False),
        sa.Column("to_uid", UID, nullable=False),
        sa.Column("from_uid", UID, nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("expires_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_index("ix_ownership_transfers_stack", "ownership_transfers", ["stack"])


def downgrade() -> None:
    op.drop_index("ix_ownership_transfers_stack", "ownership_transfers")
    op.drop_table("ownership_transfers")
    op.drop_index("ix_stack_shares_user_uid", "stack_shares")
    op.drop_table("stack_shares")
