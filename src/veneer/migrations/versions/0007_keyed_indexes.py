"""Indexes that keep single-entry requests and writes from walking a stack (docs/scale-audit.md):
where an entry is published (`ix_publications_entry`), what was published from one variant
(`ix_publications_variant`), the entry variants of one variant (`ix_entry_variants_variant`),
and the jobs due or queued without the ones that ran (`ix_jobs_due`, `ix_jobs_stack`, replacing
`ix_jobs_run_at`).

Revision ID: 0007
Revises: 0006
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_publications_entry",
        "publications",
        ["stack", "entry", "variant", "locale", "environment"],
        unique=True,
    )
    op.create_index(
        "ix_publications_variant",
        "publications",
        ["stack", "variant", "entry", "locale", "environment"],
        unique=True,
    )
    op.create_index(
        "ix_entry_variants_variant",
        "entry_variants",
        ["stack", "variant", "content_type", "entry", "locale"],
        unique=True,
    )
    op.drop_index("ix_jobs_run_at", table_name="jobs")
    op.create_index("ix_jobs_due", "jobs", ["status", "run_at"])
    op.create_index("ix_jobs_stack", "jobs", ["stack", "status"])


def downgrade() -> None:
    op.drop_index("ix_jobs_stack", table_name="jobs")
    op.drop_index("ix_jobs_due", table_name="jobs")
    op.create_index("ix_jobs_run_at", "jobs", ["run_at"])
    op.drop_index("ix_entry_variants_variant", table_name="entry_variants")
    op.drop_index("ix_publications_variant", table_name="publications")
    op.drop_index("ix_publications_entry", table_name="publications")
