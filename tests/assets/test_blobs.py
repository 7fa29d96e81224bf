"""The blob store contract, once for every backend: a directory, and the `blobs` table on a real
SQLite file and on the real PostgreSQL (the session's databases, see tests/conftest.py)."""

from __future__ import annotations

import hashlib
import os
import secrets
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import BACKENDS, Made, _database
from veneer.assets.blobs import BlobStore, DatabaseBlobs, DiskBlobs, open_blobs
from veneer.settings import ConfigError
from veneer.store import Store, open_store
from veneer.store import tables as t
from veneer.store.migrate import upgrade

MB = 1024 * 1024
THREADS = 8


def _migrated(url: str) -> Iterator[Store]:
    store = open_store(url)
    upgrade(store)
    try:
        yield store
    finally:
        store.dispose()


def migrated_store(made: Made, backend: str, tmp: pytest.TempPathFactory) -> Store:
    """A migrated store on the session's database of kind `backend`."""
    url = made.once("database", backend, lambda: _database(backend, tmp))
    return made.once("blob store", url, lambda: _migrated(url))


@pytest.fixture(params=["disk", *BACKENDS])
def blobs(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    made: Made,
    tmp_path_factory: pytest.TempPathFactory,
) -> BlobStore:
    if request.param == "disk":
        return DiskBlobs(tmp_path / "blobs")
    return DatabaseBlobs(migrated_store(made, request.param, tmp_path_factory))


def stored(blobs: BlobStore) -> int:
    """How many blobs the backend holds: files under the root, or rows of the table."""
    if isinstance(blobs, DiskBlobs):
        return sum(1 for path in blobs.root.rglob("*") if path.is_file())
    assert isinstance(blobs, DatabaseBlobs)
    with blobs.store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.blobs)).scalar_one())


def fresh(size: int = 1000) -> bytes:
    """Bytes no other test stores (the databases last the whole session)."""
    return secrets.token_bytes(size)


# -- the contract ---------------------------------------------------------------------------------
def test_put_returns_the_sha256_and_get_returns_the_bytes(blobs: BlobStore) -> None:
    data = fresh()
    key = blobs.put(data)
    assert key == hashlib.sha256(data).hexdigest()
    assert blobs.get(key) == data
    assert blobs.exists(key) and blobs.size(key) == len(data)


def test_the_same_bytes_are_stored_once(blobs: BlobStore) -> None:
    data = fresh()
    before = stored(blobs)
    assert blobs.put(data) == blobs.put(data)
    assert stored(blobs) == before + 1


def test_empty_bytes_are_a_blob(blobs: BlobStore) -> None:
    key = blobs.put(b"")
    assert key == hashlib.sha256(b"").hexdigest()
    assert (blobs.get(key), blobs.size(key), blobs.read(key, 0, 10)) == (b"", 0, b"")
    blobs.delete(key)  # the one blob tests share: gone again for the next backend's run


def test_a_5_mb_blob(blobs: BlobStore) -> None:
    data = fresh(5 * MB)
    key = blobs.put(data)
    assert blobs.size(key) == 5 * MB
    assert blobs.get(key) == data
    assert blobs.read(key, 5 * MB - 1000, 4096) == data[-1000:]


RANGES = [
    (0, 10),  # the start
    (500, 100),  # the middle
    (1000, 100),  # the end: 24 bytes
    (1023, 1),  # the last byte
    (1024, 10),  # just past the end: none
    (5000, 10),  # far past it: none
    (10, 0),  # nothing asked
    (0, 2048),  # more than there is: all
    (2**40, 2**40),  # beyond any database's integers
]


@pytest.mark.parametrize(("start", "length"), RANGES)
def test_range_reads(blobs: BlobStore, start: int, length: int) -> None:
    data = bytes(range(256)) * 4
    key = blobs.put(data)
    assert blobs.read(key, start, length) == data[start : start + length]


def test_a_range_cannot_be_negative(blobs: BlobStore) -> None:
    key = blobs.put(fresh())
    for start, length in [(-1, 10), (0, -1)]:
        with pytest.raises(ValueError, match="byte range"):
            blobs.read(key, start, length)


def test_an_absent_blob(blobs: BlobStore) -> None:
    key = hashlib.sha256(fresh()).hexdigest()
    assert (blobs.get(key), blobs.read(key, 0, 10), blobs.size(key)) == (None, None, None)
    assert not blobs.exists(key)


def test_delete_then_get_is_none(blobs: BlobStore) -> None:
    data = fresh()
    key = blobs.put(data)
    before = stored(blobs)
    blobs.delete(key)
    assert blobs.get(key) is None and not blobs.exists(key)
    assert stored(blobs) == before - 1
    blobs.delete(key)  # absent: no error
    assert blobs.put(data) == key and blobs.get(key) == data


BAD_KEYS = [
    "../x",
    "../" + "0" * 61,  # as long as a key
    "A" * 64,  # uppercase
    "a" * 63,  # short
    "a" * 65,
    "a" * 64 + "\n",
    "g" * 64,
    "",
]


@pytest.mark.parametrize("key", BAD_KEYS)
def test_what_is_not_a_key_is_refused(blobs: BlobStore, key: str) -> None:
    calls = [
        lambda: blobs.get(key),
        lambda: blobs.read(key, 0, 1),
        lambda: blobs.size(key),
        lambda: blobs.delete(key),
        lambda: blobs.exists(key),
    ]
    for call in calls:
        with pytest.raises(ValueError, match="not a blob key"):
            call()


def test_concurrent_puts_of_the_same_bytes_all_succeed(blobs: BlobStore) -> None:
    data, before = fresh(MB), stored(blobs)
    start = threading.Barrier(THREADS)
    keys: list[str] = []
    errors: list[BaseException] = []

    def put() -> None:
        start.wait()
        try:
            keys.append(blobs.put(data))
        except BaseException as exc:  # noqa: BLE001 -- reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=put) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert keys == [hashlib.sha256(data).hexdigest()] * THREADS
    assert stored(blobs) == before + 1 and blobs.get(keys[0]) == data


def test_a_reader_sees_a_whole_blob_or_none(blobs: BlobStore) -> None:
    data = fresh(5 * MB)
    key = hashlib.sha256(data).hexdigest()
    writer = threading.Thread(target=blobs.put, args=(data,))
    writer.start()
    while writer.is_alive():
        found = blobs.get(key)
        assert found is None or found == data
    writer.join()
    assert blobs.get(key) == data


class LateBlobs(DatabaseBlobs):
    """A put that always finds its key absent, as one does when another node stores the same
    bytes between its check and its insert."""

    def exists(self, key: str) -> bool:
        return False


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_database_put_that_meets_its_key_inserted_meanwhile_succeeds(
    made: Made, tmp_path_factory: pytest.TempPathFactory, backend: str
) -> None:
    blobs = LateBlobs(migrated_store(made, backend, tmp_path_factory))
    data, before = fresh(), stored(blobs)
    assert blobs.put(data) == blobs.put(data) == hashlib.sha256(data).hexdigest()
    assert stored(blobs) == before + 1 and blobs.get(hashlib.sha256(data).hexdigest()) == data


# -- the directory --------------------------------------------------------------------------------
def test_disk_layout_and_no_temporary_files_left(tmp_path: Path) -> None:
    blobs = DiskBlobs(tmp_path / "blobs")
    keys = {blobs.put(fresh()) for _ in range(5)} | {blobs.put(b"")}
    files = {path.relative_to(blobs.root) for path in blobs.root.rglob("*") if path.is_file()}
    assert files == {Path(key[:2], key[2:4], key) for key in keys}


def test_disk_put_of_a_stored_key_does_not_rewrite_it(tmp_path: Path) -> None:
    blobs = DiskBlobs(tmp_path / "blobs")
    data = fresh()
    first = blobs.path(blobs.put(data)).stat()
    second = blobs.path(blobs.put(data)).stat()
    assert (second.st_ino, second.st_mtime_ns) == (first.st_ino, first.st_mtime_ns)


def test_disk_put_that_fails_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blobs = DiskBlobs(tmp_path / "blobs")
    data = fresh()

    def full(_fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError, match="No space"):
        blobs.put(data)
    assert [path for path in blobs.root.rglob("*") if path.is_file()] == []
    assert blobs.get(hashlib.sha256(data).hexdigest()) is None


# -- choosing the backend -------------------------------------------------------------------------
@pytest.fixture(params=BACKENDS)
def store(
    request: pytest.FixtureRequest, made: Made, tmp_path_factory: pytest.TempPathFactory
) -> Store:
    return migrated_store(made, request.param, tmp_path_factory)


def test_the_default_is_the_database_on_postgresql_and_a_directory_on_sqlite(
    store: Store, tmp_path: Path
) -> None:
    blobs = open_blobs("", store, tmp_path)
    if store.dialect == "postgresql":
        assert isinstance(blobs, DatabaseBlobs) and blobs.store is store
    else:
        assert isinstance(blobs, DiskBlobs) and blobs.root == tmp_path / "blobs"
    key = blobs.put(b"the default")
    assert blobs.get(key) == b"the default"


def test_disk_setting_is_the_data_directory(store: Store, tmp_path: Path) -> None:
    blobs = open_blobs("disk", store, tmp_path / "data")
    assert isinstance(blobs, DiskBlobs) and blobs.root == tmp_path / "data" / "blobs"
    key = blobs.put(b"on disk")
    assert blobs.path(key).read_bytes() == b"on disk"


def test_disk_setting_with_a_directory(store: Store, tmp_path: Path) -> None:
    blobs = open_blobs(f"disk:{tmp_path / 'elsewhere'}", store, tmp_path / "data")
    assert isinstance(blobs, DiskBlobs) and blobs.root == tmp_path / "elsewhere"


def test_database_setting(store: Store, tmp_path: Path) -> None:
    blobs = open_blobs("database", store, tmp_path)
    assert isinstance(blobs, DatabaseBlobs) and blobs.store is store
    key = blobs.put(b"forced into the database")
    assert not (tmp_path / "blobs").exists() and blobs.get(key) == b"forced into the database"


@pytest.mark.parametrize(
    "setting", ["disk:", "disk:relative/path", "s3://bucket", "Database", " database", "file:/x"]
)
def test_a_bad_setting_is_refused(store: Store, tmp_path: Path, setting: str) -> None:
    with pytest.raises(ConfigError, match="VENEER_BLOB_STORE") as refused:
        open_blobs(setting, store, tmp_path)
    assert repr(setting) in refused.value.message
