"""Taxonomy terms (issue 14 §7): each term of a stack's taxonomies, keyed by stack, taxonomy and
uid, with its parent, depth, order among its siblings and case-folded name in columns (the
taxonomies themselves are module documents, `module_docs`). The query operators read descendants
level by level by parent and ancestors by following parents: keyed lookups.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

UID = sa.String(length=64)


def upgrade() -> None:
    op.create_table(
        "taxonomy_terms",
        sa.Column("stack", UID, nullable=False),
        sa.Column("taxonomy", UID, nullable=False),
        sa.Column("uid", UID, nullable=False),
        sa.Column("parent", UID, nullable=False),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("doc", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("stack", "taxonomy", "uid"),
    )
    op.create_index(
        "ix_taxonomy_terms_children",
        "taxonomy_terms",
        ["stack", "taxonomy", "parent", "position", "uid"],
    )
    op.create_index(
        "ix_taxonomy_terms_listed",
        "taxonomy_terms",
        ["stack", "taxonomy", "depth", "parent", "position", "uid"],
    )


def downgrade() -> None:
    op.drop_index("ix_taxonomy_terms_listed", "taxonomy_terms")
    op.drop_index("ix_taxonomy_terms_children", "taxonomy_terms")
    op.drop_table("taxonomy_terms")
