"""Assets and folders: the latest document of each, every version of an asset's file, and what is
published of it per environment and locale. Documents are indexed in the field-value index
(`entry_values`) under the content type `sys_assets` (the latest in scope '' and locale '', a
publication in its environment and locale), so that asset lists and queries run in the database
exactly as entry lists do (`store/sqllist.py`). Writes record the change log as an entry of
`sys_assets` would, so delivery caches drop what showed the asset."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, exists, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

import veneer.store.tables as t
from veneer.domain.assets import ASSET_CONTENT_TYPE
from veneer.store import sqllist
from veneer.store.changes import ChangeLog
from veneer.store.core import Dialect, Rows, dumps, loads
from veneer.store.events import Events, NewEvent
from veneer.store.values import Document, delete_documents, replace_documents

LATEST = ""  # the scope, and the locale, of the latest documents in the field-value index


@dataclass(frozen=True)
class FileVersion:
    """One version of an asset's file."""

    version: int
    version_uid: str
    blob: str
    doc: dict[str, Any]


class Assets(Rows):
    def __init__(self, conn: Connection, sql: Dialect, changes: ChangeLog, events: Events) -> None:
        super().__init__(conn, sql)
        self._changes = changes
        self._events = events

    # -- the latest documents ---------------------------------------------------------------
    def get(self, stack: str, uid: str) -> dict[str, Any] | None:
        """An asset or folder by uid, or None."""
        return self._doc(t.assets, stack=stack, uid=uid)

    def get_many(self, stack: str, uids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The assets and folders among `uids` that exist, by uid."""
        a = t.assets
        found: dict[str, dict[str, Any]] = {}
        wanted = sorted(set(uids))
        for start in range(0, len(wanted), 500):
            rows = self._conn.execute(
                select(a.c.uid, a.c.doc).where(
                    a.c.stack == stack, a.c.uid.in_(wanted[start : start + 500])
                )
            )
            found.update((uid, loads(doc)) for uid, doc in rows)
        return found

    def save(self, stack: str, doc: dict[str, Any], file: FileVersion | None, *, new: bool) -> None:
        """Store an asset or folder's latest document (`doc["uid"]`), with the version of its file
        this write made, if any; index it and record the change."""
        values = {
            "parent_uid": doc.get("parent_uid") or "",
            "is_dir": bool(doc.get("is_dir")),
            "version": doc["_version"],
            "doc": dumps(doc),
        }
        if new:
            self._insert(t.assets, stack=stack, uid=doc["uid"], **values)
        else:
            self._update(t.assets, {"stack": stack, "uid": doc["uid"]}, **values)
        if file is not None:
            self._insert(
                t.asset_versions,
                stack=stack,
                uid=doc["uid"],
                version=file.version,
                version_uid=file.version_uid,
                blob=file.blob,
                doc=dumps(file.doc),
            )
        index = Document(stack, LATEST, LATEST, ASSET_CONTENT_TYPE, doc["uid"], doc)
        replace_documents(self._conn, [index])
        self._changes.record(stack, entry=doc["uid"], content_type=ASSET_CONTENT_TYPE)
        kind = "asset_created" if new else "asset_updated"
        self._events.record(
            stack, NewEvent(kind, uid=doc["uid"], actor=doc.get("updated_by", ""), data=doc)
        )

    def page(self, stack: str, listing: sqllist.Listing) -> tuple[list[dict[str, Any]], int | None]:
        """One page of a stack's assets and folders (the latest documents), filtered, sorted and
        counted by the database; reads only the page's documents."""
        target = sqllist.Target(stack, LATEST, ASSET_CONTENT_TYPE, (LATEST,))
        found = sqllist.list_entries(self._conn, target, listing)
        docs = self.get_many(stack, [uid for uid, _ in found.entries])
        return [docs[uid] for uid, _ in found.entries if uid in docs], found.count

    def children(self, stack: str, parent: str) -> list[dict[str, Any]]:
        """The assets and folders directly inside a folder."""
        a = t.assets
        return self._docs(
            select(a.c.doc).where(a.c.stack == stack, a.c.parent_uid == parent).order_by(a.c.uid)
        )

    # -- file versions ----------------------------------------------------------------------
    def versions(self, stack: str, uid: str) -> list[FileVersion]:
        """Every version of an asset's file, newest first."""
        v = t.asset_versions
        rows = self._conn.execute(
            select(v.c.version, v.c.version_uid, v.c.blob, v.c.doc)
            .where(v.c.stack == stack, v.c.uid == uid)
            .order_by(v.c.version.desc())
        )
        return [FileVersion(n, vuid, blob, loads(doc)) for n, vuid, blob, doc in rows]

    def rewrite_version(self, stack: str, uid: str, version: int, doc: dict[str, Any]) -> None:
        """Replace the document a version of an asset keeps (its name changed)."""
        keys = {"stack": stack, "uid": uid, "version": version}
        self._update(t.asset_versions, keys, doc=dumps(doc))

    def file(self, stack: str, uid: str, version_uid: str) -> FileVersion | None:
        """The version of an asset's file whose URL carries `version_uid`."""
        return next((f for f in self.versions(stack, uid) if f.version_uid == version_uid), None)

    def blobs(self, stack: str) -> list[str]:
        """Every blob a stack's asset versions hold (deleting the stack releases them)."""
        v = t.asset_versions
        return list(
            self._conn.execute(select(v.c.blob).where(v.c.stack == stack).distinct()).scalars()
        )

    def held(self, blob: str) -> bool:
        """Whether any version of any asset still holds a blob."""
        v = t.asset_versions
        return bool(self._conn.execute(select(exists().where(v.c.blob == blob))).scalar())

    def delete(self, stack: str, uid: str, actor: str = "") -> list[str]:
        """Delete an asset or (empty) folder, its versions and its publications; the blobs its
        versions held, which the caller deletes once nothing else holds them."""
        blobs = sorted({f.blob for f in self.versions(stack, uid)})
        self.unpublish(stack, uid, reason="deleted", actor=actor)
        self._events.record(
            stack, NewEvent("asset_deleted", uid=uid, actor=actor, data={"uid": uid})
        )
        self._delete(t.asset_versions, stack=stack, uid=uid)
        self._delete(t.assets, stack=stack, uid=uid)
        delete_documents(self._conn, [Document(stack, LATEST, LATEST, ASSET_CONTENT_TYPE, uid, {})])
        self._changes.record(stack, entry=uid, content_type=ASSET_CONTENT_TYPE)
        return blobs

    # -- publications -----------------------------------------------------------------------
    def publish(
        self,
        stack: str,
        environment: str,
        locale: str,
        doc: dict[str, Any],
        *,
        published_at: str,
        published_by: str,
    ) -> None:
        """Publish an asset's ready-to-serve document to an environment in a locale, replacing
        what was published there; index it and record the change (its number orders the Sync
        API's pages)."""
        seq = self._changes.record(stack, environment, locale, doc["uid"], "", ASSET_CONTENT_TYPE)
        values = {
            "stack": stack,
            "environment": environment,
            "locale": locale,
            "uid": doc["uid"],
            "version": doc["_version"],
            "doc": dumps(doc),
            "published_at": published_at,
            "published_by": published_by,
            "seq": seq,
        }
        self._conn.execute(self._sql.upsert(t.asset_publications, values))
        index = Document(stack, environment, locale, ASSET_CONTENT_TYPE, doc["uid"], doc)
        replace_documents(self._conn, [index])
        self._events.record(
            stack,
            NewEvent(
                "asset_published",
                environment,
                locale,
                uid=doc["uid"],
                actor=published_by,
                data=doc,
            ),
        )

    def unpublish(
        self,
        stack: str,
        uid: str,
        environment: str | None = None,
        locale: str | None = None,
        *,
        reason: str = "unpublished",
        actor: str = "",
    ) -> None:
        """Unpublish an asset wherever it matches `environment` and `locale` (None: any), as
        `asset_{reason}` events ("deleted" when the asset is being deleted)."""
        p = t.asset_publications
        match = [p.c.stack == stack, p.c.uid == uid]
        if environment is not None:
            match.append(p.c.environment == environment)
        if locale is not None:
            match.append(p.c.locale == locale)
        places = self._conn.execute(select(p.c.environment, p.c.locale).where(*match)).all()
        for env, code in places:
            self._changes.record(stack, env, code, uid, "", ASSET_CONTENT_TYPE)
        self._events.record_many(
            stack,
            [
                NewEvent(f"asset_{reason}", env, code, uid=uid, actor=actor, data={"uid": uid})
                for env, code in places
            ],
        )
        self._conn.execute(delete(p).where(*match))
        delete_documents(
            self._conn,
            [Document(stack, env, code, ASSET_CONTENT_TYPE, uid, {}) for env, code in places],
        )

    def details(self, stack: str, uid: str) -> list[dict[str, Any]]:
        """Where an asset is published, as the management API lists it."""
        p = t.asset_publications
        rows = self._conn.execute(
            select(p.c.environment, p.c.locale, p.c.published_at, p.c.published_by, p.c.version)
            .where(p.c.stack == stack, p.c.uid == uid)
            .order_by(p.c.environment, p.c.locale)
        )
        return [
            {"environment": env, "locale": code, "time": at, "user": by, "version": version}
            for env, code, at, by, version in rows
        ]

    def details_of(self, stack: str, uids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        """`details` of each of `uids` (a page of a list), keyed by uid, in one lookup per 500."""
        p = t.asset_publications
        found: dict[str, list[dict[str, Any]]] = {uid: [] for uid in uids}
        wanted = sorted(found)
        for start in range(0, len(wanted), 500):
            rows = self._conn.execute(
                select(
                    p.c.uid,
                    p.c.environment,
                    p.c.locale,
                    p.c.published_at,
                    p.c.published_by,
                    p.c.version,
                )
                .where(p.c.stack == stack, p.c.uid.in_(wanted[start : start + 500]))
                .order_by(p.c.uid, p.c.environment, p.c.locale)
            )
            for uid, env, code, at, by, version in rows:
                found[uid].append(
                    {"environment": env, "locale": code, "time": at, "user": by, "version": version}
                )
        return found

    def published(
        self, stack: str, environment: str, chain: Sequence[str], uids: Sequence[str]
    ) -> dict[str, dict[str, Any]]:
        """The published documents of `uids` in an environment, each in the first locale of
        `chain` it is published in."""
        p = t.asset_publications
        wanted = sorted(set(uids))
        rank = {code: n for n, code in enumerate(chain)}
        best: dict[str, tuple[int, str]] = {}
        for start in range(0, len(wanted), 500):
            rows = self._conn.execute(
                select(p.c.uid, p.c.locale, p.c.doc).where(
                    p.c.stack == stack,
                    p.c.environment == environment,
                    p.c.locale.in_(list(chain)),
                    p.c.uid.in_(wanted[start : start + 500]),
                )
            )
            for uid, code, doc in rows:
                if uid not in best or rank[code] < best[uid][0]:
                    best[uid] = (rank[code], doc)
        return {uid: loads(doc) for uid, (_rank, doc) in best.items()}

    def published_page(
        self, stack: str, environment: str, chain: Sequence[str], listing: sqllist.Listing
    ) -> tuple[list[dict[str, Any]], int | None]:
        """One page of the assets published in an environment, each in the first locale of
        `chain` it is published in, filtered, sorted and counted by the database."""
        target = sqllist.Target(stack, environment, ASSET_CONTENT_TYPE, tuple(chain))
        found = sqllist.list_entries(self._conn, target, listing)
        p = t.asset_publications
        uids = sorted({uid for uid, _ in found.entries})
        codes = sorted({code for _, code in found.entries})
        if not uids:
            return [], found.count
        rows = self._conn.execute(
            select(p.c.uid, p.c.locale, p.c.doc).where(
                p.c.stack == stack,
                p.c.environment == environment,
                p.c.locale.in_(codes),
                p.c.uid.in_(uids),
            )
        )
        docs = {(uid, code): doc for uid, code, doc in rows}
        return [loads(docs[key]) for key in found.entries if key in docs], found.count

    def drop_locale(self, stack: str, locale: str) -> None:
        """Unpublish every asset published in a locale (it is being deleted)."""
        p = t.asset_publications
        places = self._conn.execute(
            select(p.c.environment, p.c.uid).where(p.c.stack == stack, p.c.locale == locale)
        ).all()
        self._delete(p, stack=stack, locale=locale)
        delete_documents(
            self._conn,
            [Document(stack, env, locale, ASSET_CONTENT_TYPE, uid, {}) for env, uid in places],
        )
        for env, uid in places:
            self._changes.record(stack, env, locale, uid, "", ASSET_CONTENT_TYPE)
        self._events.record_many(
            stack,
            [
                NewEvent("asset_unpublished", env, locale, uid=uid, data={"uid": uid})
                for env, uid in places
            ],
        )


class BlobRows(Rows):
    """The `blobs` table's writes (`veneer.assets.blobs.DatabaseBlobs`), in a write transaction:
    on SQLite that holds the write lock from its start, so a blob's write waits its turn as any
    other writer does instead of failing on a lock upgrade."""

    def add(self, key: str, data: bytes) -> None:
        """Store `data` under `key`; bytes already stored under it (a concurrent put of the same
        bytes) are kept."""
        values = {"key": key, "size": len(data), "data": data}
        kind = postgresql if self._conn.dialect.name == "postgresql" else sqlite
        statement = kind.insert(t.blobs).values(**values)
        self._conn.execute(statement.on_conflict_do_nothing(index_elements=["key"]))

    def delete(self, key: str) -> None:
        self._delete(t.blobs, key=key)
