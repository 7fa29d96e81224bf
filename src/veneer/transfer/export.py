"""`veneer export --stack API_KEY DIR`: a stack's objects, one NDJSON file per kind, its asset files
under `blobs/`, and `manifest.json`, written last (an export without one is incomplete)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

import orjson

from veneer import ids
from veneer.assets.blobs import BlobStore, DiskBlobs
from veneer.errors import PreconditionFailed
from veneer.store import Store, Transaction
from veneer.transfer.kinds import JSON_COLUMNS, KINDS, SKIPPED, Kind

FORMAT = "veneer-stack-export"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
STACK_FILE = "stack.json"
STACK_COLUMNS = ("api_key", "name", "description", "master_locale", "settings")
STACK_TIMES = ("created_at", "updated_at")


class Progress(Protocol):
    """What an export or import tells as it goes: each kind's total, then lines done."""

    def start(self, kind: str, total: int) -> None: ...

    def advance(self, kind: str, lines: int) -> None: ...


class Quiet:
    def start(self, kind: str, total: int) -> None:
        pass

    def advance(self, kind: str, lines: int) -> None:
        pass


@dataclass
class Exported:
    directory: Path
    counts: dict[str, int] = field(default_factory=dict)
    files: int = 0  # asset files copied


class ExportRefused(Exception):
    """The export cannot be written (a folder that is not empty, a stack that does not exist)."""


def export_stack(
    store: Store,
    blobs: BlobStore,
    api_key: str,
    directory: Path,
    *,
    secrets: bool = True,
    progress: Progress | None = None,
) -> Exported:
    """Write the stack `api_key` into `directory` (absent or empty), as of one snapshot of the
    database; `secrets`: include the tokens (their hashes) and the webhooks (their secrets), in
    files only their owner may read."""
    progress = progress or Quiet()
    if directory.exists() and any(directory.iterdir()):
        raise ExportRefused(f"{directory} is not empty: export into a new folder.")
    directory.mkdir(parents=True, exist_ok=True)
    done = Exported(directory)
    kinds = [kind for kind in KINDS if secrets or not kind.secret]
    with store.snapshot() as tx:
        stack = tx.stacks.get(api_key)
        if stack is None:
            raise PreconditionFailed(errors={"api_key": [f"{api_key} is not a stack here."]})
        (directory / STACK_FILE).write_bytes(orjson.dumps(_stack_line(stack)))
        totals = {kind.name: _count(tx, kind, api_key) for kind in kinds}
        for kind in kinds:
            progress.start(kind.name, totals[kind.name])
        for kind in kinds:
            done.counts[kind.name] = _export_kind(
                tx, kind, api_key, directory, blobs, done, progress
            )
    manifest = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "export": str(uuid.uuid4()),
        "api_key": api_key,
        "exported_at": ids.now(),
        "source": store.dialect,
        "secrets": secrets,
        "files": {kind.file: done.counts[kind.name] for kind in kinds},
    }
    (directory / MANIFEST).write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
    return done


def _stack_line(stack: dict[str, Any]) -> dict[str, Any]:
    return {name: stack[name] for name in (*STACK_COLUMNS, *STACK_TIMES)}


def _count(tx: Transaction, kind: Kind, api_key: str) -> int:
    match = [kind.match()] if kind.match else []
    return tx.transfer.count(kind.table, api_key, *match)


def _export_kind(
    tx: Transaction,
    kind: Kind,
    api_key: str,
    directory: Path,
    blobs: BlobStore,
    done: Exported,
    progress: Progress,
) -> int:
    """Write one kind's file; the asset versions' files too. The number of lines."""
    files = DiskBlobs(directory / "blobs")
    match = [kind.match()] if kind.match else []
    count = 0
    path = directory / kind.file
    with path.open("wb") as out:
        if kind.secret:
            path.chmod(0o600)
        for row in tx.transfer.rows(kind.table, api_key, kind.order, *match):
            _write_line(out, row)
            if "blob" in row and not files.exists(row["blob"]):
                _copy_file(blobs, files, row)
                done.files += 1
            count += 1
            if count % 1_000 == 0:
                progress.advance(kind.name, 1_000)
    progress.advance(kind.name, count % 1_000)
    return count


def _write_line(out: IO[bytes], row: dict[str, Any]) -> None:
    line = {
        str(name): orjson.Fragment(value) if name in JSON_COLUMNS else value
        for name, value in row.items()
        if name not in SKIPPED
    }
    out.write(orjson.dumps(line, option=orjson.OPT_APPEND_NEWLINE))


def _copy_file(blobs: BlobStore, files: DiskBlobs, row: dict[str, Any]) -> None:
    data = blobs.get(row["blob"])
    if data is None:
        raise ExportRefused(
            f"The file {row['blob']} of asset {row['uid']} (version {row['version']}) is missing "
            "from the blob store (VENEER_BLOB_STORE)."
        )
    files.put(data)
