"""One transaction, with the named operations of every resource group as its attributes:
`tx.entries.latest(...)`, `tx.publications.drop(...)`, `tx.changes.record(...)`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Connection

from veneer.store.accounts import Accounts
from veneer.store.assets import Assets, BlobRows
from veneer.store.bulk_jobs import BulkJobs
from veneer.store.changes import ChangeLog
from veneer.store.content_types import ContentTypes
from veneer.store.core import Dialect
from veneer.store.entries import Entries
from veneer.store.entry_variants import EntryVariants
from veneer.store.environments import Environments, Locales
from veneer.store.events import Events
from veneer.store.jobs import Jobs
from veneer.store.modules import ModuleDocs
from veneer.store.publications import Publications
from veneer.store.ratelimits import RateCounters
from veneer.store.roles import CustomRoles
from veneer.store.shares import StackShares
from veneer.store.stacks import Stacks, Tokens
from veneer.store.sync import SyncReads
from veneer.store.taxonomies import TaxonomyTerms
from veneer.store.transfer import Transfer
from veneer.store.trash import Trash
from veneer.store.uniques import Uniques
from veneer.store.variants import VariantGroups, Variants
from veneer.store.webhooks import Deliveries, Webhooks


class Transaction:
    """What `Store.read()` and `Store.write()` yield. Operations that cascade (a purge drops
    publications, which records changes) do so in this same transaction."""

    def __init__(self, conn: Connection, sql: Dialect) -> None:
        self._conn = conn
        self.accounts = Accounts(conn, sql)
        self.stacks = Stacks(conn, sql)
        self.shares = StackShares(conn, sql)
        self.roles = CustomRoles(conn, sql)
        self.tokens = Tokens(conn, sql)
        self.changes = ChangeLog(conn, sql)
        self.events = Events(conn, sql)
        self.publications = Publications(conn, sql, self.changes, self.events)
        self.environments = Environments(conn, sql, self.publications)
        self.locales = Locales(conn, sql)
        self.content_types = ContentTypes(conn, sql, self.events)
        self.uniques = Uniques(conn, sql)
        self.entries = Entries(conn, sql, self.publications, self.uniques, self.events)
        self.entry_variants = EntryVariants(conn, sql, self.publications)
        self.variant_groups = VariantGroups(conn, sql)
        self.variants = Variants(conn, sql)
        self.jobs = Jobs(conn, sql)
        self.bulk_jobs = BulkJobs(conn, sql)
        self.trash = Trash(conn, sql)
        self.assets = Assets(conn, sql, self.changes, self.events)
        self.blobs = BlobRows(conn, sql)
        self.rate_counters = RateCounters(conn, sql)
        self.webhooks = Webhooks(conn, sql)
        self.webhook_deliveries = Deliveries(conn, sql)
        self.sync = SyncReads(conn, sql)
        self.global_fields = ModuleDocs(conn, sql, "global_field")
        self.labels = ModuleDocs(conn, sql, "label")
        self.extensions = ModuleDocs(conn, sql, "extension")
        self.taxonomies = ModuleDocs(conn, sql, "taxonomy")
        self.terms = TaxonomyTerms(conn, sql)
        self.transfer = Transfer(conn, sql)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Run a block whose writes roll back alone when it raises; the transaction goes on."""
        with self._conn.begin_nested():
            yield
