"""The field-value index of the latest entries: scope '' rows in `entry_values` (docs/queries.md)
for the latest version of every entry's localizations, which the management API's lists read.

Revision ID: 0004
Revises: 0003
"""

import orjson
import sqlalchemy as sa
from alembic import op

from veneer.store.values import Document, insert_documents

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

LATEST = ""  # store.entries.LATEST, fixed here as this revision wrote it


def upgrade() -> None:
    conn = op.get_bind()
    entries = sa.Table("entries", sa.MetaData(), autoload_with=conn)
    e = entries.c
    rows = conn.execute(sa.select(e.stack, e.locale, e.content_type, e.uid, e.doc))
    insert_documents(
        conn,
        (
            Document(stack, LATEST, locale, ct, uid, orjson.loads(doc))
            for stack, locale, ct, uid, doc in rows
        ),
    )


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM entry_values WHERE scope = ''"))
