"""The relational schema, as SQLAlchemy Core tables shared by SQLite and PostgreSQL.

Documents (entries, content types, published documents) are stored as JSON text: both databases
read and write them the same way, and the delivery path can hand the stored bytes straight to the
client. Every stack-owned table carries `stack` (the api key) in its key, so no query can reach
across stacks without naming one. `tests/store/test_migrations.py` checks that the Alembic
migrations produce exactly these tables.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    SmallInteger,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeEngine

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

# A stack shared with a user (who may be outside its organization), and the stack roles given.
stack_shares = Table(
    "stack_shares",
    metadata,
    Column("stack", UID, primary_key=True),
    Column("user_uid", UID, primary_key=True, index=True),
    Column("roles", Text, nullable=False),  # a JSON list of role uids
    Column("shared_by", UID, nullable=False),
    Column("created_at", TIME, nullable=False),
    Column("updated_at", TIME, nullable=False),
)

# A stack's custom roles (issue 14 §10; store/roles.py): `doc` is the Contentstack-shaped role
# (name, description, rules, audit fields); `name` is unique in the stack. The built-in roles are
# not stored (services/roles.py answers them).
custom_roles = Table(
    "custom_roles",
    metadata,
    Column("stack", UID, primary_key=True),
    Column("uid", UID, primary_key=True),
    Column("name", String(255), nullable=False),
    Column("doc", Text, nullable=False),
    Column("created_at", TIME, nullable=False),
    Index("ux_custom_roles_name", "stack", "name", unique=True),
    Index("ix_custom_roles_listed", "stack", "created_at", "uid"),
)

# An ownership transfer waiting for its recipient to accept it (the token is stored hashed).
ownership_transfers = Table(
    "ownership_transfers",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("stack", UID, nullable=False, index=True),
    Column("to_uid", UID, nullable=False),
    Column("from_uid", UID, nullable=False),
    Column("created_at", TIME, nullable=False),
    Column("expires_at", TIME, nullable=False),
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
    # Where one entry is published, in every environment and locale (docs/scale-audit.md). Unique
    # (it is the primary key reordered) so that SQLite's planner, which has no statistics, prefers
    # it to the primary key's `stack` prefix.
    Index(
        "ix_publications_entry",
        "stack",
        "entry",
        "variant",
        "locale",
        "environment",
        unique=True,
    ),
    # The Sync API's initial sync: an environment's publications in change order, of every
    # content type or of one (keyset pages, docs/sync.md).
    Index("ix_publications_sync", "stack", "environment", "variant", "seq"),
    Index("ix_publications_sync_ct", "stack", "environment", "content_type", "variant", "seq"),
    # Every publication made from one variant: deleting the variant drops them all.
    Index(
        "ix_publications_variant",
        "stack",
        "variant",
        "entry",
        "locale",
        "environment",
        unique=True,
    ),
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
    Column("run_at", TIME, nullable=False),
    Column("status", String(16), nullable=False),  # queued | done | failed | cancelled
    Column("result", Text, nullable=False, default="{}"),
    Column("created_by", UID, nullable=False),
    Column("created_at", TIME, nullable=False),
    # The entry (or asset) the job publishes: its pending schedules, by key.
    Column("subject", UID, nullable=False, default="", server_default=""),
    # The due jobs without walking the ones that ran; a stack's queue (docs/scale-audit.md).
    Index("ix_jobs_due", "status", "run_at"),
    Index("ix_jobs_stack", "stack", "status"),
    Index("ix_jobs_subject", "stack", "subject", "status", "run_at"),
)

# A bulk publish or unpublish (`POST /v3/bulk/publish|unpublish`, docs/bulk-operations.md): its
# `body` (JSON: where it publishes) and how many item × environment × locale publications it
# makes. Its items run as scheduler jobs (`jobs`), each writing its outcomes to
# `bulk_job_items`; the job's status and summary are counted from those.
bulk_jobs = Table(
    "bulk_jobs",
    metadata,
    Column("stack", UID, primary_key=True),
    Column("uid", String(36), primary_key=True),
    Column("action", String(16), nullable=False),  # publish | unpublish
    Column("body", Text, nullable=False),
    Column("total", Integer, nullable=False),
    Column("created_by", UID, nullable=False),
    Column("created_at", TIME, nullable=False),
)

# One row per item × environment × locale of a bulk job, numbered in the request's order: what
# `GET /v3/bulk/jobs/{uid}/items` pages through (10 × 10 × 10 of them at most, 110 × 10 × 10
# with references taken along).
bulk_job_items = Table(
    "bulk_job_items",
    metadata,
    Column("stack", UID, primary_key=True),
    Column("job", String(36), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("type", String(8), nullable=False),  # entry | asset
    Column("uid", UID, nullable=False),
    Column("content_type", UID, nullable=False),  # '' for an asset
    Column("locale", UID, nullable=False),  # the entry's source locale; '' for an asset
    Column("version", Integer, nullable=True),
    Column("title", Text, nullable=False),
    Column("environment", UID, nullable=False),
    Column("publish_locale", UID, nullable=False),
    Column("action", String(16), nullable=False),  # publish | unpublish
    Column("status", String(16), nullable=False),  # success | failed
    Column("failure_reason", Text, nullable=True),
    Column("published_at", TIME, nullable=True),
    Column("processed_at", TIME, nullable=False),
    Column("user_uid", UID, nullable=False),
    Column("depth", SmallInteger, nullable=False),  # 0: named in the request; n: a reference
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
    # The entry variants of one variant (of one content type), for deleting and unlinking; unique
    # and covering the primary key so that SQLite's planner prefers it to the key's `stack` prefix.
    Index(
        "ix_entry_variants_variant",
        "stack",
        "variant",
        "content_type",
        "entry",
        "locale",
        unique=True,
    ),
)

# The top-level fields each published entry variant's patch touches (issue 16 §5,
# docs/variants-beyond.md): which entries a merged query must merge, found without reading a patch.
variant_fields = Table(
    "variant_fields",
    metadata,
    Column("stack", UID, primary_key=True),
    Column("entry", UID, primary_key=True),
    Column("variant", UID, primary_key=True),
    Column("locale", String(32), primary_key=True),
    Column("environment", UID, primary_key=True),
    Column("field", UID, primary_key=True),
    Column("content_type", UID, nullable=False),
    # Unique (the primary key reordered) so that SQLite's planner prefers it to the key's prefix.
    Index(
        "ix_variant_fields_lookup",
        "stack",
        "environment",
        "content_type",
        "variant",
        "field",
        "locale",
        "entry",
        unique=True,
    ),
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

# The editor's trash: an entry deleted in the editor, restorable (docs/editor-trash.md). `trash_rows`
# keeps its rows as they were: kind `entry` (a latest version), `version` (its history), `variant`
# and `variant_version` (its entry variants); variant '' for the base entry's rows.
trash = Table(
    "trash",
    metadata,
    Column("stack", UID, primary_key=True),
    Column("uid", UID, primary_key=True),
    Column("content_type", UID, nullable=False),
    Column("title", Text, nullable=False),
    Column("locales", Text, nullable=False),  # JSON list of the locales it was localized in
    Column("deleted_by", UID, nullable=False),
    Column("deleted_at", TIME, nullable=False),
    Index("ix_trash_listed", "stack", "deleted_at", "uid"),
    Index("ix_trash_content_type", "stack", "content_type", "uid"),
)

trash_rows = Table(
    "trash_rows",
    metadata,
    Column("stack", UID, primary_key=True),
    Column("entry", UID, primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("locale", String(32), primary_key=True),
    Column("variant", UID, primary_key=True),
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("doc", Text, nullable=False),
)

rate_counters = Table(
    "rate_counters",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("window", BigInteger, primary_key=True),
    Column("count", Integer, nullable=False),
)


# -- the field-value index (issue 11; docs/queries.md) ---------------------------------------------
class JsonNumber(TypeDecorator[Any]):
    """A JSON number compared exactly, as Python compares int and float.

    SQLite: INTEGER affinity keeps 64-bit integers as integers and fractions as REAL, and SQLite
    compares the two exactly (integers from 2**63 are stored as the nearest float: the one
    inexact case). PostgreSQL: NUMERIC, with a float bound as its exact Decimal (a
    float8 parameter would make PostgreSQL compare in float8)."""

    impl = Numeric
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        return dialect.type_descriptor(Integer() if dialect.name == "sqlite" else Numeric())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if dialect.name != "sqlite":
            return Decimal(value) if isinstance(value, float) else value
        # JSON parsed by orjson holds integers up to 2**64 - 1; SQLite's stop at 2**63 - 1.
        return float(value) if isinstance(value, int) and value >= 2**63 else value


EXACT = Text().with_variant(Text(collation="C"), "postgresql")  # code-point order, as Python's

# One row per value a query can reach in a document: see `veneer.domain.fieldindex`. `scope` is ''
# for the management API's latest versions, else the environment of the published base documents.
entry_values = Table(
    "entry_values",
    metadata,
    Column("stack", UID, primary_key=True),
    Column("scope", UID, primary_key=True),
    Column("locale", String(32), primary_key=True),
    Column("entry", UID.with_variant(String(64, collation="C"), "postgresql"), primary_key=True),
    Column("path", String(300), primary_key=True),
    Column("n", Integer, primary_key=True, autoincrement=False),
    Column("content_type", UID, nullable=False),
    Column("kind", SmallInteger, nullable=False),
    Column("num", JsonNumber, nullable=False),
    Column("text", EXACT, nullable=False),
    Column("tail", EXACT, nullable=False),
    Column("first", Boolean, nullable=False),
    Index(
        "ix_entry_values_lookup",
        "stack",
        "scope",
        "locale",
        "content_type",
        "path",
        "kind",
        "num",
        "text",
        "entry",
        "first",
    ),
    # The entries with several values at a path (rows n > 0): what a two-sided range query must
    # read besides the rows between its bounds (`sqlquery._between`).
    Index(
        "ix_entry_values_multi",
        "stack",
        "scope",
        "locale",
        "content_type",
        "path",
        "entry",
        sqlite_where=text("n > 0"),
        postgresql_where=text("n > 0"),
    ),
)

# -- unique field values (issue 11; store/uniques.py) ---------------------------------------------
# Which entry holds each value of a unique field: the primary key makes the database refuse a
# second holder. `value` is the value's key (`store.uniques.value_key`).
unique_values = Table(
    "unique_values",
    metadata,
    Column("stack", UID, primary_key=True),
    Column("content_type", UID, primary_key=True),
    Column("locale", String(32), primary_key=True),
    Column("field", UID, primary_key=True),
    Column("value", String(128), primary_key=True),
    Column("entry", UID, nullable=False),
    Index("ix_unique_values_entry", "stack", "entry", "locale"),
)

# -- assets (issue 13; store/assets.py, docs/assets.md) -------------------------------------------
# An asset or folder's latest document; `parent_uid` is '' at the root. Its field values are
# indexed in `entry_values` under the content type `sys_assets` (locale '') so that asset lists
# and queries run on the same index as entries'.
assets = Table(
    "assets",
    metadata,
    Column("stack", UID, primary_key=True),
    Column("uid", UID, primary_key=True),
    Column("parent_uid", UID, nullable=False),
    Column("is_dir", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
    Column("doc", Text, nullable=False),
    Index("ix_assets_parent", "stack", "parent_uid", "is_dir", "uid"),
)

# Every version of an asset's file: `version_uid` is the URL's version segment, `blob` the key of
# its bytes in the blob store (`veneer.assets.blobs`), `doc` the asset as that version left it.
asset_versions = Table(
    "asset_versions",
    metadata,
    Column("stack", UID, primary_key=True),
    Column("uid", UID, primary_key=True),
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("version_uid", UID, nullable=False),
    Column("blob", String(64), nullable=False),
    Column("doc", Text, nullable=False),
    # Whether anything still holds a blob (deleting an asset deletes its unheld blobs).
    Index("ix_asset_versions_blob", "blob"),
)

# What is published of an asset in an environment and locale (the delivery document).
asset_publications = Table(
    "asset_publications",
    metadata,
    Column("stack", UID, primary_key=True),
    Column("environment", UID, primary_key=True),
    Column("locale", String(32), primary_key=True),
    Column("uid", UID, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("doc", Text, nullable=False),
    Column("published_at", TIME, nullable=False),
    Column("published_by", UID, nullable=False),
    Column("seq", BigInteger, nullable=False, server_default=text("0")),  # its change's
    Index("ix_asset_publications_asset", "stack", "uid", "locale", "environment", unique=True),
    Index("ix_asset_publications_sync", "stack", "environment", "seq"),  # the Sync API's
)

# The database blob store: content-addressed bytes (`key` is their SHA-256, hex), so that several
# nodes on one PostgreSQL share assets with nothing else to run.
blobs = Table(
    "blobs",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("data", LargeBinary, nullable=False),
)

# -- events (issue 15; store/events.py, docs/events.md) -------------------------------------------
# What happened to content, in commit order, written in the transaction that made it happen: the
# outbox webhooks are sent from and the log the Sync API reads its deltas from. `environment` is
# '' for changes outside an environment (an entry saved, a content type deleted); `data` is the
# document as the event left it (the published document for a publish), JSON.
events = Table(
    "events",
    metadata,
    Column(
        "seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("stack", UID, nullable=False),
    Column("type", String(40), nullable=False),
    Column("environment", UID, nullable=False),
    Column("locale", String(32), nullable=False),
    Column("content_type", UID, nullable=False),
    Column("uid", UID, nullable=False),
    Column("variant", UID, nullable=False),
    Column("at", TIME, nullable=False),
    Column("actor", UID, nullable=False),
    Column("data", Text, nullable=False),
    # A stack's events in order (webhooks), and an environment's (the Sync API's deltas).
    Index("ix_events_stack", "stack", "seq"),
    Index("ix_events_environment", "stack", "environment", "seq"),
    # Content type deletions (environment ''), which every environment's sync reports.
    Index(
        "ix_events_content_type_deleted",
        "stack",
        "seq",
        sqlite_where=text("type = 'content_type_deleted'"),
        postgresql_where=text("type = 'content_type_deleted'"),
    ),
)

# -- server keys (issue 15; docs/sync.md) ----------------------------------------------------------
# Secrets of this server's database, made on first use: `sync` signs Sync API tokens, so that
# every process on one database accepts the tokens any of them issued.
server_keys = Table(
    "server_keys",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("value", String(128), nullable=False),
)

# -- stack modules (issue 14 §6, §11) -------------------------------------------------------------
# The documents of a stack's smaller modules, one table for all: global fields, labels and
# extensions are each a JSON document under a uid, listed oldest first. `module` names which.
module_docs = Table(
    "module_docs",
    metadata,
    Column("stack", UID, primary_key=True),
    Column("module", String(32), primary_key=True),
    Column("uid", UID, primary_key=True),
    Column("doc", Text, nullable=False),
    Column("created_at", TIME, nullable=False),
    Index("ix_module_docs_listed", "stack", "module", "created_at", "uid"),
)

# -- taxonomy terms (issue 14 §7; store/taxonomies.py, docs/taxonomies.md) ----------------------
# The terms of a stack's taxonomies (the taxonomies are `module_docs` of module "taxonomy"): `parent`
# is '' for a root term; `depth` 1 for a root term; `position` orders siblings from 1; `name`
# is the name case-folded, for `typeahead`. Descendants are read level by level through
# ix_taxonomy_terms_children, ancestors by following `parent`.
taxonomy_terms = Table(
    "taxonomy_terms",
    metadata,
    Column("stack", UID, primary_key=True),
    Column("taxonomy", UID, primary_key=True),
    Column("uid", UID, primary_key=True),
    Column("parent", UID, nullable=False),
    Column("depth", Integer, nullable=False),
    Column("position", Integer, nullable=False),
    Column("name", Text, nullable=False),
    Column("doc", Text, nullable=False),
    Index("ix_taxonomy_terms_children", "stack", "taxonomy", "parent", "position", "uid"),
    Index("ix_taxonomy_terms_listed", "stack", "taxonomy", "depth", "parent", "position", "uid"),
)

# -- webhooks (issue 15; store/webhooks.py, docs/webhooks.md) -------------------------------------
# A stack's webhook definitions: `doc` is the Contentstack-shaped definition (JSON); `secret` signs
# what is sent (HMAC-SHA256); `since` is the last event committed before the webhook existed, so
# that it is sent only what happened after. `disabled` is a column because the sender skips the
# deliveries of disabled webhooks in SQL.
webhooks = Table(
    "webhooks",
    metadata,
    Column("stack", UID, primary_key=True),
    Column("uid", UID, primary_key=True),
    Column("disabled", Boolean, nullable=False),
    Column("secret", String(128), nullable=False),
    Column(
        "since", BigInteger().with_variant(Integer, "sqlite"), nullable=False, server_default="0"
    ),
    Column("doc", Text, nullable=False),
)

# How far the dispatcher has turned events into deliveries: one row, `name` = 'events'. Taking it
# FOR UPDATE (PostgreSQL) or under the write lock (SQLite) makes one dispatcher run at a time, so
# each event becomes its deliveries exactly once.
webhook_cursor = Table(
    "webhook_cursor",
    metadata,
    Column("name", String(16), primary_key=True),
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), nullable=False),
)

# One event to send to one destination of one webhook, and every attempt at it. `status`: pending
# (due at `next_attempt_at`), sending (claimed by a sender until `lease_until`; past it, any sender
# takes it again), success, failed (attempts exhausted; a manual retry makes it pending again).
# `body` is the exact JSON sent (the signature covers these bytes); `log` the attempts (JSON list).
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("uid", UID, primary_key=True),
    Column("stack", UID, nullable=False),
    Column("webhook", UID, nullable=False),
    Column("destination", SmallInteger, nullable=False),
    Column("event_seq", BigInteger().with_variant(Integer, "sqlite"), nullable=False),
    Column("channels", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("round_attempts", Integer, nullable=False),
    Column("next_attempt_at", TIME, nullable=False),
    Column("lease_until", TIME, nullable=False),
    Column("last_status", Integer, nullable=False),
    Column("body", Text, nullable=False),
    Column("log", Text, nullable=False),
    Column("created_at", TIME, nullable=False),
    Column("updated_at", TIME, nullable=False),
    # An event reaches a destination once, however many dispatchers ran.
    UniqueConstraint("webhook", "destination", "event_seq", name="uq_webhook_deliveries_event"),
    # What is due (pending by time, sending by lease), and a webhook's executions, newest first.
    Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
    Index("ix_webhook_deliveries_lease", "status", "lease_until"),
    Index("ix_webhook_deliveries_webhook", "stack", "webhook", "created_at"),
)
