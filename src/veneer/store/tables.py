"""The relational schema, as SQLAlchemy Core tables shared by SQLite and PostgreSQL.

Documents (entries, content types, published documents) are stored as JSON text: both databases
read and write them the same way, and the delivery path can hand the stored bytes straight to the
client. Every stack-owned table carries `stack` (the api key) in its key, so no query can reach
across stacks without naming one. `tests/store/test_migrations.py` checks that the Alembic
migrations produce exactly these tables.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

UID = String(64)
TIME = String(32)

users = Table(
    "users",
    metadata,
    Column("uid", UID, primary_key=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),
    Column("first_name", String(200), nullable=False, default=""),
    Column("last_name", String(200), nullable=False, default=""),
    Column("created_at", TIME, nullable=False),
    Column("updated_at", TIME, nullable=False),
)

sessions = Table(
    "sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_uid", UID, nullable=False, index=True),
    Column("created_at", TIME, nullable=False),
    Column("expires_at", TIME, nullable=False),
)

organizations = Table(
    "organizations",
    metadata,
    Column("uid", UID, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("owner_uid", UID, nullable=False),
    Column("settings", Text, nullable=False, default="{}"),
    Column("created_at", TIME, nullable=False),
    Column("updated_at", TIME, nullable=False),
)

org_members = Table(
    "org_members",
    metadata,
    Column("org_uid", UID, primary_key=True),
    Column("user_uid", UID, primary_key=True),
    Column("role", String(32), nullable=False),
)

stacks = Table(
    "stacks",
    metadata,
    Column("api_key", UID, primary_key=True),
    Column("org_uid", UID, nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("master_locale", String(32), nullable=False),
    Column("owner_uid", UID, nullable=False),
    Column("settings", Text, nullable=False, default="{}"),
    Column("created_at", TIME, nullable=False),
    Column("updated_at", TIME, nullable=False),
)

tokens = Table(
    "tokens",
    metadata,
    Column("uid", UID, primary_key=True),
    Column("stack", UID, nullable=False, index=True),
    Column("kind", String(16), nullable=False),  # management | delivery
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("doc", Text, nullable=False),  # name, description, scope, environments, expires_on
    Column("created_by", UID, nullable=False),
    Column("created_at", TIME, nullable=False),
    Column("updated_at", TIME, nullable=False),
)

environments = Table(
    "environments",
    metadata,
    Column("stack", UID, primary_key=True),
    Column("uid", UID, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("doc", Text, nullable=False),
    UniqueConstraint("stack", "name", name="uq_environments_name"),
)

locales = Table(
    "locales",
    metadata,
    Column("stack", UID, primary_key=True),
    Column("code", String(32), primary_key=True),
    Column("doc", Text, nullable=False),
)

content_types = Table(
    "content_types",
    metadata,
    Column("stack", UID, primary_key=True),
    Column("uid", UID, primary_key=True),
    Column("doc", Text, nullable=False),
    Column("created_at", TIME, nullable=False),
)

# The latest version of each entry in each locale it is localized in.
entries = Table(
    "entries",
    metadata,
    Column("stack", UID, primary_key=True),
    Column("uid", UID, primary_key=True),
    Column("locale", String(32), primary_key=True),
    Column("content_type", UID, nullable=False),
    Column("version", Integer, nullable=False),
    Column("doc", Text, nullable=False),
    Index("ix_entries_ct", "stack", "content_type", "locale"),
)

entry_versions = Table(
    "entry_versions",
    metadata,
    Column("stack", UID, primary_key=True),
    Column("uid", UID, primary_key=True),
    Column("locale", String(32), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("doc", Text, nullable=False),
)

# One ready-to-serve document per (stack, environment, locale, entry, variant); variant '' is the
# base entry. Delivery reads these and nothing else of the entry.
publications = Table(
    "publications",
    metadata,
    Column("stack", UID, primary_key=True),
    Column("environment", UID, primary_key=True),
    Column("locale", String(32), primary_key=True),
    Column("entry", UID, primary_key=True),
    Column("variant", UID, primary_key=True),
    Column("content_type", UID, nullable=False),
    Column("version", Integer, nullable=False),
    Column("doc", Text, nullable=False),
    Column("published_at", TIME, nullable=False),
    Column("published_by", UID, nullable=False),
    Column("seq", BigInteger, nullable=False),
    Index("ix_publications_ct", "stack", "environment", "locale", "content_type", "variant"),
)

# Every publish/unpublish appends here in its own transaction; delivery processes read new rows to
# purge exactly the cache keys they name (several workers, one database).
changes = Table(
    "changes",
    metadata,
    Column(
        "seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("stack", UID, nullable=False),
    Column("environment", UID, nullable=False),
    Column("locale", String(32), nullable=False),
    Column("entry", UID, nullable=False),
    Column("variant", UID, nullable=False),
    Column("content_type", UID, nullable=False, default=""),
    Column("at", TIME, nullable=False),
)

jobs = Table(
    "jobs",
    metadata,
    Column("uid", String(36), primary_key=True),
    Column("stack", UID, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("payload", Text, nullable=False),
    Column("run_at", TIME, nullable=False, index=True),
    Column("status", String(16), nullable=False),  # queued | done | failed
    Column("result", Text, nullable=False, default="{}"),
    Column("created_by", UID, nullable=False),
    Column("created_at", TIME, nullable=False),
)

variant_groups = Table(
    "variant_groups",
    metadata,
    Column("stack", UID, primary_key=True),
    Column("uid", UID, primary_key=True),
    Column("doc", Text, nullable=False),
    Column("created_at", TIME, nullable=False),
)

variants = Table(
    "variants",
    metadata,
    Column("stack", UID, primary_key=True),
    Column("uid", UID, primary_key=True),
    Column("group_uid", UID, nullable=True, index=True),
    Column("alias", String(200), nullable=True),
    Column("doc", Text, nullable=False),
    Column("created_at", TIME, nullable=False),
)

entry_variants = Table(
    "entry_variants",
    metadata,
    Column("stack", UID, primary_key=True),
    Column("entry", UID, primary_key=True),
    Column("locale", String(32), primary_key=True),
    Column("variant", UID, primary_key=True),
    Column("content_type", UID, nullable=False),
    Column("version", Integer, nullable=False),
    Column("doc", Text, nullable=False),
)

entry_variant_versions = Table(
    "entry_variant_versions",
    metadata,
    Column("stack", UID, primary_key=True),
    Column("entry", UID, primary_key=True),
    Column("locale", String(32), primary_key=True),
    Column("variant", UID, primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("doc", Text, nullable=False),
)

rate_counters = Table(
    "rate_counters",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("window", BigInteger, primary_key=True),
    Column("count", Integer, nullable=False),
)
