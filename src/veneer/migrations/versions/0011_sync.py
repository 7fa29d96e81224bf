"""The Sync API (issue 15): the indexes its pages are read by, a change-log sequence number on
asset publications (as entry publications have), and `server_keys`, where the key that signs sync
tokens lives (docs/sync.md).

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

UID = sa.String(length=64)
DELETED = sa.text("type = 'content_type_deleted'")


def upgrade() -> None:
    op.create_index(
        "ix_publications_sync", "publications", ["stack", "environment", "variant", "seq"]
    )
    op.create_index(
        "ix_publications_sync_ct",
        "publications",
        ["stack", "environment", "content_type", "variant", "seq"],
    )
    op.add_column(
        "asset_publications",
        sa.Column("seq", sa.BigInteger(), nullable=False, server_default=sa.text("0")),
    )
    # An asset's latest change in that environment and locale is its publish.
    op.execute(
        "UPDATE asset_publications SET seq = COALESCE((SELECT MAX(c.seq) FROM changes c"
        " WHERE c.stack = asset_publications.stack"
        " AND c.environment = asset_publications.environment"
        " AND c.locale = asset_publications.locale AND c.entry = asset_publications.uid"
        " AND c.content_type = 'sys_assets'), 0)"
    )
    op.create_index(
        "ix_asset_publications_sync", "asset_publications", ["stack", "environment", "seq"]
    )
    op.create_index(
        "ix_events_content_type_deleted",
        "events",
        ["stack", "seq"],
        sqlite_where=DELETED,
        postgresql_where=DELETED,
    )
    op.create_table(
        "server_keys",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("server_keys")
    op.drop_index("ix_events_content_type_deleted", "events")
    op.drop_index("ix_asset_publications_sync", "asset_publications")
    with op.batch_alter_table("asset_publications") as batch:
        batch.drop_column("seq")
    op.drop_index("ix_publications_sync_ct", "publications")
    op.drop_index("ix_publications_sync", "publications")
