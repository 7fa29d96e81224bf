"""The field-value index of published entries: rows in `entry_values` with scope = the
environment (docs/queries.md) for every published base document, which delivery lists read.

Revision ID: 0005
Revises: 0004
"""

import orjson
import sqlalchemy as sa
from alembic import op

from veneer.store.values import Document, insert_documents

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BASE = ""  # store.publications.BASE, fixed here as this revision wrote it


def upgrade() -> None:
    conn = op.get_bind()
    publications = sa.Table("publications", sa.MetaData(), autoload_with=conn)
    p = publications.c
    rows = conn.execute(
        sa.select(p.stack, p.environment, p.locale, p.content_type, p.entry, p.doc).where(
            p.variant == BASE
        )
    )
    insert_documents(
        conn,
        (
            Document(stack, env, locale, ct, uid, orjson.loads(doc))
            for stack, env, locale, ct, uid, doc in rows
        ),
    )


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM entry_values WHERE scope <> ''"))
