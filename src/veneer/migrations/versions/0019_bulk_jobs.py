"""Bulk publish and unpublish jobs (issue 14: `POST /v3/bulk/publish|unpublish` and the job
status reads): `bulk_jobs` and their per-item outcomes, `bulk_job_items`.

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

UID = sa.String(length=64)
TIME = sa.String(length=32)


def upgrade() -> None:
    op.create_table(
        "bulk_jobs",
        sa.Column("stack", UID, nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("created_by", UID, nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("stack", "uid"),
    )
    op.create_table(
        "bulk_job_items",
        sa.Column("stack", UID, nullable=False),
        sa.Column("job", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=8), nullable=False),
        sa.Column("uid", UID, nullable=False),
        sa.Column("content_type", UID, nullable=False),
        sa.Column("locale", UID, nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("environment", UID, nullable=False),
        sa.Column("publish_locale", UID, nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("failure_reason", sa.Text(), nullable=True),
        sa.Column("published_at", TIME, nullable=True),
        sa.Column("processed_at", TIME, nullable=False),
        sa.Column("user_uid", UID, nullable=False),
        sa.Column("depth", sa.SmallInteger(), nullable=False),
        sa.PrimaryKeyConstraint("stack", "job", "position"),
    )


def downgrade() -> None:
    op.drop_table("bulk_job_items")
    op.drop_table("bulk_jobs")
