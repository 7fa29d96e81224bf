"""The top-level fields each published entry variant touches (issue 16 §5, merged queries):
`variant_fields`, filled here from the variant publications already stored.

Revision ID: 0016
Revises: 0015
"""

from typing import Any

import orjson
import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

UID = sa.String(length=64)
BASE = ""  # store.publications.BASE, fixed here as this revision read it
BATCH = 1000


def patch_fields(patch: dict[str, Any]) -> list[str]:
    """`domain.patches.patch_fields` as this revision reads a patch: the first step of each
    set, add and order."""
    found = {steps[0] for key in ("set", "add", "order") for steps, _ in patch.get(key) or []}
    return sorted(str(field) for field in found)


def upgrade() -> None:
    table = op.create_table(
        "variant_fields",
        sa.Column("stack", UID, nullable=False),
        sa.Column("entry", UID, nullable=False),
        sa.Column("variant", UID, nullable=False),
        sa.Column("locale", sa.String(length=32), nullable=False),
        sa.Column("environment", UID, nullable=False),
        sa.Column("field", UID, nullable=False),
        sa.Column("content_type", UID, nullable=False),
        sa.PrimaryKeyConstraint("stack", "entry", "variant", "locale", "environment", "field"),
    )
    op.create_index(
        "ix_variant_fields_lookup",
        "variant_fields",
        ["stack", "environment", "content_type", "variant", "field", "locale", "entry"],
        unique=True,
    )
    conn = op.get_bind()
    publications = sa.Table("publications", sa.MetaData(), autoload_with=conn)
    p = publications.c
    rows = conn.execute(
        sa.select(
            p.stack, p.entry, p.variant, p.locale, p.environment, p.content_type, p.doc
        ).where(p.variant != BASE)
    )
    batch: list[dict[str, str]] = []
    for stack, entry, variant, locale, env, ct, doc in rows:
        for field in patch_fields(orjson.loads(doc).get("patch") or {}):
            keys = {"stack": stack, "entry": entry, "variant": variant, "locale": locale}
            batch.append({**keys, "environment": env, "field": field, "content_type": ct})
        if len(batch) >= BATCH:
            conn.execute(sa.insert(table), batch)
            batch = []
    if batch:
        conn.execute(sa.insert(table), batch)


def downgrade() -> None:
    op.drop_index("ix_variant_fields_lookup", "variant_fields")
    op.drop_table("variant_fields")
