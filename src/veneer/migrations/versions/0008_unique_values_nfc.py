"""Unique values keyed in Unicode NFC (issue 12, finding 16): NFC and NFD spellings of one value
are one value. Keys claimed before were of the text as sent, so the table is filled again from
the latest version of every entry's localizations (the oldest uid keeps a value two entries
now share).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

from veneer.store.uniques import existing_claims

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    table = sa.Table("unique_values", sa.MetaData(), autoload_with=conn)
    conn.execute(sa.delete(table))
    for rows in existing_claims(conn):
        conn.execute(sa.insert(table), rows)


def downgrade() -> None:
    """Nothing to undo: NFC keys are keys the earlier code also accepts."""
