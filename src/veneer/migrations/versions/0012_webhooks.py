"""Webhooks (issue 15): definitions, the dispatcher's cursor over `events`, and deliveries.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

UID = sa.String(length=64)
TIME = sa.String(length=32)
SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "webhooks",
        sa.Column("stack", UID, nullable=False),
        sa.Column("uid", UID, nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("secret", sa.String(length=128), nullable=False),
        sa.Column("since", SEQ, nullable=False, server_default="0"),
        sa.Column("doc", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("stack", "uid"),
    )
    cursor = op.create_table(
        "webhook_cursor",
        sa.Column("name", sa.String(length=16), nullable=False),
        sa.Column("seq", SEQ, nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    # Events committed before webhooks existed have no webhook to go to: start after them.
    last = op.get_bind().execute(sa.text("SELECT COALESCE(MAX(seq), 0) FROM events")).scalar()
    op.bulk_insert(cursor, [{"name": "events", "seq": int(last or 0)}])
    op.create_table(
        "webhook_deliveries",
        sa.Column("uid", UID, nullable=False),
        sa.Column("stack", UID, nullable=False),
        sa.Column("webhook", UID, nullable=False),
        sa.Column("destination", sa.SmallInteger(), nullable=False),
        sa.Column("event_seq", SEQ, nullable=False),
        sa.Column("channels", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("round_attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TIME, nullable=False),
        sa.Column("lease_until", TIME, nullable=False),
        sa.Column("last_status", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("log", sa.Text(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("uid"),
        sa.UniqueConstraint(
            "webhook", "destination", "event_seq", name="uq_webhook_deliveries_event"
        ),
    )
    op.create_index(
        "ix_webhook_deliveries_due", "webhook_deliveries", ["status", "next_attempt_at"]
    )
    op.create_index("ix_webhook_deliveries_lease", "webhook_deliveries", ["status", "lease_until"])
    op.create_index(
        "ix_webhook_deliveries_webhook", "webhook_deliveries", ["stack", "webhook", "created_at"]
    )


def downgrade() -> None:
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_cursor")
    op.drop_table("webhooks")
