"""The bytes of asset files, kept under the SHA-256 of their content.

Content addressing makes the store trivially safe: a key names exactly one content, so a put is
idempotent (the same file uploaded twice, or by two requests at once, is stored once and both
succeed), nothing is ever overwritten with something else, and asset versions that share a file
share its bytes. Everything about an asset but its bytes lives in the store's tables.

Two implementations of one small contract, tested by one suite (tests/assets/test_blobs.py):
`DatabaseBlobs` keeps the bytes in the `blobs` table, so that several nodes on one PostgreSQL share
assets with nothing else to run; `DiskBlobs` keeps them as files, which suits a single node on
SQLite (the database file and its backups stay small). `open_blobs` picks one from the
`blob_store` setting. A key is checked before it is used anywhere: it becomes a file path.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Integer, LargeBinary, func, literal, select

from veneer.settings import ConfigError
from veneer.store import Store
from veneer.store import tables as t
from veneer.store.core import refusals

_KEY = re.compile(r"[0-9a-f]{64}")
# substr's arguments are 32-bit integers in PostgreSQL; no value in either database is longer
# (1 GB at most), so a range clamped to them reads the same bytes.
_INT32 = 2**31 - 1


class BlobStore(Protocol):
    """Bytes by the SHA-256 (lowercase hex) of their content. Every method refuses a key that is
    not one with ValueError."""

    def put(self, data: bytes) -> str:
        """Store `data` (once, however often it is put) and return its key. A reader sees the
        whole of it or nothing."""
        ...

    def get(self, key: str) -> bytes | None:
        """The bytes under `key`; None when absent."""
        ...

    def read(self, key: str, start: int, length: int) -> bytes | None:
        """At most `length` bytes from offset `start` (fewer at the end, none past it), without
        loading the rest where the backend allows; None when absent."""
        ...

    def size(self, key: str) -> int | None:
        """How many bytes are under `key`; None when absent."""
        ...

    def delete(self, key: str) -> None:
        """Forget `key`; nothing happens when it is absent."""
        ...

    def exists(self, key: str) -> bool: ...


def key_of(data: bytes) -> str:
    """The key `data` is stored under."""
    return hashlib.sha256(data).hexdigest()


def checked(key: str) -> str:
    """`key`, when it is a key (64 lowercase hex digits): it can then never name another path."""
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise ValueError(f"not a blob key (64 lowercase hex digits): {key!r}")
    return key


def _checked_range(start: int, length: int) -> None:
    if start < 0 or length < 0:
        raise ValueError(f"a byte range starts and lasts at least 0, not {start}, {length}")


class DiskBlobs:
    """A directory of files `root/ab/cd/<key>`: two levels of 256 directories keep each one small.
    A file appears whole or not at all (written aside, synced, then renamed into place)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, key: str) -> Path:
        key = checked(key)
        return self.root / key[:2] / key[2:4] / key

    def put(self, data: bytes) -> str:
        key = key_of(data)
        path = self.path(key)
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            _write_atomically(path, data)
        return key

    def get(self, key: str) -> bytes | None:
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError:
            return None

    def read(self, key: str, start: int, length: int) -> bytes | None:
        _checked_range(start, length)
        try:
            with self.path(key).open("rb") as file:
                # No more than the file holds: a buffered read allocates what it is asked for.
                left = os.fstat(file.fileno()).st_size - start
                file.seek(start)
                return file.read(max(0, min(length, left)))
        except FileNotFoundError:
            return None

    def size(self, key: str) -> int | None:
        try:
            return self.path(key).stat().st_size
        except FileNotFoundError:
            return None

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()


def _write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to a temporary file beside `path`, sync it, and rename it to `path` (atomic
    within a directory); the directory is synced so that the rename survives a crash too. Two
    writers of the same key both succeed: their files hold the same bytes."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _sync_directory(path.parent)


def _sync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class DatabaseBlobs:
    """The `blobs` table of `store`'s database, each call in a short transaction of its own (a
    write one for `put` and `delete`, which waits for the write lock like any writer). Range
    reads run `substr` in the database, which returns only the range (PostgreSQL reads just the
    chunks it needs of a value stored uncompressed; SQLite loads the value, but only the range
    crosses into Python)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def put(self, data: bytes) -> str:
        key = key_of(data)
        if self.exists(key):  # nothing sent, and no write lock taken, for bytes already stored
            return key
        with self.store.write() as tx:  # the write lock from the start, as every writer
            tx.blobs.add(key, data)
        return key

    def get(self, key: str) -> bytes | None:
        return self._one(t.blobs.c.data, key)

    def read(self, key: str, start: int, length: int) -> bytes | None:
        _checked_range(start, length)
        # substr counts from 1, on bytes for a binary value in both databases; SQLite's gives NULL
        # for an empty value, which is no bytes here, not an absent blob.
        first, most = min(start + 1, _INT32), min(length, _INT32)
        part = func.substr(t.blobs.c.data, literal(first, Integer), literal(most, Integer))
        return self._one(func.coalesce(part, literal(b"", LargeBinary)), key)

    def size(self, key: str) -> int | None:
        found = self._scalar(t.blobs.c.size, key)
        return None if found is None else int(found)

    def delete(self, key: str) -> None:
        with self.store.write() as tx:
            tx.blobs.delete(checked(key))

    def exists(self, key: str) -> bool:
        return self._scalar(literal(1), key) is not None

    def _one(self, column: ColumnElement[Any], key: str) -> bytes | None:
        found = self._scalar(column, key)
        return None if found is None else bytes(found)

    def _scalar(self, column: ColumnElement[Any], key: str) -> Any:
        query = select(column).where(t.blobs.c.key == checked(key))
        with refusals(), self.store.engine.connect() as conn:
            return conn.execute(query).scalar()


def open_blobs(setting: str, store: Store, data_dir: Path) -> BlobStore:
    """The blob store the `blob_store` setting names: "" (the database on PostgreSQL, so that
    nodes share assets; `data_dir/blobs` on SQLite), "database", "disk" (`data_dir/blobs`) or
    "disk:/absolute/path"."""
    if setting == "database" or (setting == "" and store.dialect == "postgresql"):
        return DatabaseBlobs(store)
    if setting in ("", "disk"):
        return DiskBlobs(data_dir / "blobs")
    directory = setting.removeprefix("disk:")
    if directory != setting and Path(directory).is_absolute():
        return DiskBlobs(Path(directory))
    raise ConfigError(
        "Setting VENEER_BLOB_STORE must be empty, 'database', 'disk' or 'disk:/absolute/path', "
        f"not {setting!r}."
    )
