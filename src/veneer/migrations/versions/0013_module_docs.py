"""Global fields, labels and extensions (issue 14 §6, §11): the documents of a stack's smaller
modules, in one table keyed by stack, module and uid.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

UID = sa.String(length=64)


def upgrade() -> None:
    op.create_table(
        "module_docs",
        sa.Column("stack", UID, nullable=False),
        sa.Column("module", sa.String(length=32), nullable=False),
        sa.Column("uid", UID, nullable=False),
        sa.Column("doc", sa.Text(), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("stack", "module", "uid"),
    )
    op.create_index(
        "ix_module_docs_listed", "module_docs", ["stack", "module", "created_at", "uid"]
    )


def downgrade() -> None:
    op.drop_index("ix_module_docs_listed", "module_docs")
    op.drop_table("module_docs")
