"""The editor's trash (issue 17, Major 6): an entry deleted in the editor keeps its rows (latest
versions, history, entry variants) in `trash_rows` under one `trash` row, so it can be restored;
and `jobs.subject` (the entry or asset a scheduled job publishes) with an index, so an entry's
pending schedules are found by key.

Revision ID: 0015
Revises: 0013
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0013"
branch_labels = None
depends_on = None

UID = sa.String(length=64)
TIME = sa.String(length=32)


def upgrade() -> None:
    op.create_table(
        "trash",
        sa.Column("stack", UID, nullable=False),
        sa.Column("uid", UID, nullable=False),
        sa.Column("content_type", UID, nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("locales", sa.Text(), nullable=False),
        sa.Column("deleted_by", UID, nullable=False),
        sa.Column("deleted_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("stack", "uid"),
    )
    op.create_index("ix_trash_listed", "trash", ["stack", "deleted_at", "uid"])
    op.create_index("ix_trash_content_type", "trash", ["stack", "content_type", "uid"])
    op.create_table(
        "trash_rows",
        sa.Column("stack", UID, nullable=False),
        sa.Column("entry", UID, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("locale", sa.String(length=32), nullable=False),
        sa.Column("variant", UID, nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("doc", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("stack", "entry", "kind", "locale", "variant", "version"),
    )
    op.add_column("jobs", sa.Column("subject", UID, nullable=False, server_default=""))
    op.create_index("ix_jobs_subject", "jobs", ["stack", "subject", "status", "run_at"])
    _name_queued_subjects()


def _name_queued_subjects() -> None:
    """The jobs still queued get their subject from their payload (the others never need it)."""
    conn = op.get_bind()
    jobs = sa.table("jobs", sa.column("uid"), sa.column("payload"), sa.column("status"))
    queued = conn.execute(sa.select(jobs.c.uid, jobs.c.payload).where(jobs.c.status == "queued"))
    for uid, payload in queued.all():
        doc = json.loads(payload)
        subject = str(doc.get("entry") or doc.get("asset") or "")
        conn.execute(
            sa.text("UPDATE jobs SET subject = :subject WHERE uid = :uid"),
            {"subject": subject, "uid": uid},
        )


def downgrade() -> None:
    op.drop_index("ix_jobs_subject", "jobs")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("subject")
    op.drop_table("trash_rows")
    op.drop_index("ix_trash_content_type", "trash")
    op.drop_index("ix_trash_listed", "trash")
    op.drop_table("trash")
