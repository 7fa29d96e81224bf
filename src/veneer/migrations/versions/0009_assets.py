"""Assets (issue 13): `assets`, `asset_versions`, `asset_publications`, and `blobs`, the database
blob store.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

UID = sa.String(length=64)


def upgrade() -> None:
    op.create_table(
        "assets",
        sa.Column("stack", UID, nullable=False),
        sa.Column("uid", UID, nullable=False),
        sa.Column("parent_uid", UID, nullable=False),
        sa.Column("is_dir", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("doc", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("stack", "uid"),
    )
    op.create_index("ix_assets_parent", "assets", ["stack", "parent_uid", "is_dir", "uid"])
    op.create_table(
        "asset_versions",
        sa.Column("stack", UID, nullable=False),
        sa.Column("uid", UID, nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version_uid", UID, nullable=False),
        sa.Column("blob", sa.String(length=64), nullable=False),
        sa.Column("doc", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("stack", "uid", "version"),
    )
    op.create_index("ix_asset_versions_blob", "asset_versions", ["blob"])
    op.create_table(
        "asset_publications",
        sa.Column("stack", UID, nullable=False),
        sa.Column("environment", UID, nullable=False),
        sa.Column("locale", sa.String(length=32), nullable=False),
        sa.Column("uid", UID, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("doc", sa.Text(), nullable=False),
        sa.Column("published_at", sa.String(length=32), nullable=False),
        sa.Column("published_by", UID, nullable=False),
        sa.PrimaryKeyConstraint("stack", "environment", "locale", "uid"),
    )
    op.create_index(
        "ix_asset_publications_asset",
        "asset_publications",
        ["stack", "uid", "locale", "environment"],
        unique=True,
    )
    op.create_table(
        "blobs",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    if op.get_bind().dialect.name == "postgresql":
        # Uncompressed out of line: a Range read (substr) fetches only the chunks it needs, and
        # asset files are mostly compressed already.
        op.execute("ALTER TABLE blobs ALTER COLUMN data SET STORAGE EXTERNAL")


def downgrade() -> None:
    op.drop_table("blobs")
    op.drop_table("asset_publications")
    op.drop_table("asset_versions")
    op.drop_table("assets")
