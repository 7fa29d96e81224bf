"""`veneer backup DEST`: a consistent copy of a SQLite database, taken while it serves.

SQLite's online backup API copies the database page by page inside one read transaction, so the
copy is the database as of one commit, while writers go on (WAL: a reader never blocks a writer).
It is copied in one step: copying in slices would restart whenever a writer commits between them.

Asset files on disk are then copied from the list the copy itself names (every `asset_versions`
blob), so the copy's files match its rows; they are content-addressed, so a file already in DEST
(from an earlier backup into the same folder) is the same bytes and is skipped. A blob deleted
between the two steps (its asset deleted) is reported, not fatal.

PostgreSQL has its own tool for this, `pg_dump`, which takes a consistent snapshot of a live
database; `POSTGRES_RECIPE` says how (docs/operations.md has the restore drill).
"""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from veneer.assets.blobs import DiskBlobs, open_blobs
from veneer.settings import Settings
from veneer.store import open_store

DATABASE_FILE = "veneer.db"

POSTGRES_RECIPE = """\
Veneer backs up only SQLite itself: PostgreSQL's pg_dump takes a consistent snapshot of a live
database. Back up with
    pg_dump --format=custom --file=veneer.dump "$VENEER_DATABASE_URL"
and restore into an empty database with
    createdb veneer_restored
    pg_restore --no-owner --dbname=postgresql://USER@HOST/veneer_restored veneer.dump
Asset files live in the database (the blobs table) unless VENEER_BLOB_STORE says disk: copy that
directory too. See docs/operations.md."""


class BackupRefused(Exception):
    """The database is not one `veneer backup` copies (PostgreSQL: use pg_dump)."""


@dataclass
class Report:
    database: Path
    pages: int = 0
    files_copied: int = 0
    files_present: int = 0
    files_missing: list[str] = field(default_factory=list)


def backup(settings: Settings, destination: Path) -> Report:
    """Copy the database `settings` names, and its asset files on disk, into `destination`."""
    if not settings.database_url.startswith("sqlite:///"):
        raise BackupRefused(POSTGRES_RECIPE)
    source = settings.database_url.removeprefix("sqlite:///")
    destination.mkdir(parents=True, exist_ok=True)
    report = Report(destination / DATABASE_FILE)
    report.pages = copy_database(Path(source), report.database)
    store = open_store(settings.database_url)
    try:
        blobs = open_blobs(settings.blob_store, store, settings.data_dir)
    finally:
        store.dispose()
    if isinstance(blobs, DiskBlobs):
        copy_blobs(report, blobs, DiskBlobs(destination / "blobs"))
    return report


def copy_database(source: Path, target: Path) -> int:
    """An online backup of `source` into `target` (replaced), as of one commit; its page count."""
    if not source.is_file():
        raise BackupRefused(f"There is no database at {source}.")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    with (
        sqlite3.connect(source) as src,
        sqlite3.connect(partial) as dst,
    ):
        src.backup(dst, pages=-1)
        pages: int = dst.execute("PRAGMA page_count").fetchone()[0]
        dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
    src.close()
    dst.close()
    partial.replace(target)
    return pages


def _blob_keys(database: Path) -> list[str]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
        rows = conn.execute("SELECT DISTINCT blob FROM asset_versions").fetchall()
    conn.close()
    return [key for (key,) in rows]


def copy_blobs(report: Report, source: DiskBlobs, target: DiskBlobs) -> None:
    """Copy each file the copied database names that `target` lacks."""
    for key in _blob_keys(report.database):
        into = target.path(key)
        if into.is_file():
            report.files_present += 1
            continue
        into.parent.mkdir(parents=True, exist_ok=True)
        try:
            shutil.copyfile(source.path(key), into.with_suffix(".partial"))
        except FileNotFoundError:
            report.files_missing.append(key)
            continue
        into.with_suffix(".partial").replace(into)
        report.files_copied += 1
