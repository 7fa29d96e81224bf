"""Events (issue 15): `events`, the outbox webhooks are sent from and the log the Sync API reads.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

UID = sa.String(length=64)


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("stack", UID, nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("environment", UID, nullable=False),
        sa.Column("locale", sa.String(length=32), nullable=False),
        sa.Column("content_type", UID, nullable=False),
        sa.Column("uid", UID, nullable=False),
        sa.Column("variant", UID, nullable=False),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.Column("actor", UID, nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    op.create_index("ix_events_stack", "events", ["stack", "seq"])
    op.create_index("ix_events_environment", "events", ["stack", "environment", "seq"])


def downgrade() -> None:
    op.drop_table("events")
