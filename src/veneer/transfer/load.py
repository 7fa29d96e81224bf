"""`veneer import DIR`: an export written back into the database this process is configured with,
under the same api key and uids (so that delivery answers with the same bytes).

Each batch of lines is written in one transaction, which also records in the stack's settings
(`IMPORTING`) how many lines of each file are in, and where they end: an import that stops
(killed, a failure) is re-run and continues after the last batch that committed, writing nothing
twice. The record is removed, and the stack's own settings put back, by the transaction that ends
the import.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from veneer.assets.blobs import DiskBlobs
from veneer.errors import ValidationFailed
from veneer.services.assets import release_blobs
from veneer.services.context import Services
from veneer.store import Transaction
from veneer.store.base import GrowingStatistics
from veneer.transfer.export import FORMAT, FORMAT_VERSION, MANIFEST, STACK_FILE, Progress, Quiet
from veneer.transfer.kinds import KINDS, Kind, Target

IMPORTING = "veneer_import"  # the stack setting an unfinished import keeps its progress in
BATCH = 1_000  # lines per transaction


class ImportRefused(Exception):
    """The import cannot start: not an export, a stack that exists, an owner unknown."""


@dataclass(frozen=True)
class Options:
    owner: str | None = None  # the e-mail of the account that owns the stack; None: the admin's
    organization: str | None = None  # None: the owner's only organization
    replace: bool = False  # delete a stack with the same api key first
    batch_size: int = BATCH


@dataclass
class Imported:
    api_key: str
    resumed: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    skipped: list[str] = field(default_factory=list)  # what of the export was not read, and why


def import_stack(
    services: Services,
    directory: Path,
    options: Options | None = None,
    progress: Progress | None = None,
) -> Imported:
    """Import the export in `directory` (see the module's docstring)."""
    options = options or Options()
    progress = progress or Quiet()
    started = time.perf_counter()
    manifest = read_manifest(directory)
    stack = orjson.loads((directory / STACK_FILE).read_bytes())
    state, resumed = _begin(services, manifest, stack, options)
    target = Target(stack["api_key"], DiskBlobs(directory / "blobs"), services.blobs())
    kinds = [kind for kind in KINDS if kind.file in manifest["files"]]
    for kind in kinds:
        progress.start(kind.name, manifest["files"][kind.file])
    statistics = GrowingStatistics(services.store)
    for kind in kinds:
        _import_kind(
            services, directory, target, kind, state, options.batch_size, progress, statistics
        )
    finish(services, stack)
    services.store.refresh_statistics()
    done = Imported(stack["api_key"], resumed, dict(state["done"]))
    done.seconds = time.perf_counter() - started
    return done


def read_manifest(directory: Path) -> dict[str, Any]:
    path = directory / MANIFEST
    if not path.is_file():
        raise ImportRefused(
            f"{directory} holds no {MANIFEST}: it is not an export made by `veneer export`, or "
            "the export did not finish (nor is it a folder written by `csdx cm:stacks:export`)."
        )
    manifest: dict[str, Any] = orjson.loads(path.read_bytes())
    if manifest.get("format") != FORMAT or manifest.get("version") != FORMAT_VERSION:
        raise ImportRefused(
            f"{path} is not a {FORMAT} of version {FORMAT_VERSION} (it says "
            f"{manifest.get('format')!r}, version {manifest.get('version')!r})."
        )
    return manifest


def _begin(
    services: Services, manifest: dict[str, Any], stack: dict[str, Any], options: Options
) -> tuple[dict[str, Any], bool]:
    """Create the stack, marked as being imported, or find the one an interrupted import of the
    same export left: its progress record, and whether it is resumed."""
    api_key = stack["api_key"]
    with services.store.read() as tx:
        existing = tx.stacks.get(api_key)
    if existing is not None:
        state = existing["settings"].get(IMPORTING)
        if isinstance(state, dict) and state.get("export") == manifest["export"]:
            return state, True
        if not options.replace:
            raise ImportRefused(
                f"The stack {api_key} exists in the target database already. Pass --replace "
                "to delete it (with everything in it) and import the export in its place."
            )
        delete_stack(services, api_key)
    owner, organization = owner_of(services, options)
    state = {"export": manifest["export"], "done": {}, "at": {}}
    with services.store.write() as tx:
        tx.stacks.add(
            {
                **stack,
                "org_uid": organization,
                "owner_uid": owner,
                "settings": {**stack["settings"], IMPORTING: state},
            }
        )
    return state, False


def delete_stack(services: Services, api_key: str) -> None:
    with services.store.write() as tx:
        blobs = tx.assets.blobs(api_key)
        tx.stacks.delete(api_key)
        tx.changes.record(api_key)
    release_blobs(services, blobs)


def owner_of(services: Services, options: Options) -> tuple[str, str]:
    """(the uid of the stack's owner, the uid of its organization) in the target."""
    email = (options.owner or services.settings.admin_email).lower()
    with services.store.read() as tx:
        user = tx.accounts.user_by_email(email)
        if user is None:
            raise ImportRefused(
                f"There is no account {email} in the target database to own the stack: "
                "pass --owner EMAIL, or create the account (`veneer migrate` makes the owner "
                "account on an empty database; `veneer createuser` any other)."
            )
        organizations = [org["uid"] for org in tx.accounts.memberships(user["uid"])]
    if options.organization is not None:
        if options.organization not in organizations:
            raise ImportRefused(
                f"{email} is not a member of the organization {options.organization}."
            )
        return user["uid"], options.organization
    if len(organizations) != 1:
        raise ImportRefused(f"{email} belongs to {len(organizations)} organizations: pass --org.")
    return user["uid"], organizations[0]


def _import_kind(
    services: Services,
    directory: Path,
    target: Target,
    kind: Kind,
    state: dict[str, Any],
    batch_size: int,
    progress: Progress,
    statistics: GrowingStatistics,
) -> None:
    """Write one file's lines after those already in (`state`: lines done, and the byte offset
    after them), a batch per transaction, each transaction also recording how far it got."""
    done = int(state["done"].get(kind.name, 0))
    offset = int(state["at"].get(kind.name, 0))
    progress.advance(kind.name, done)
    with (directory / kind.file).open("rb") as source:
        source.seek(offset)
        while raw := list(itertools.islice(source, batch_size)):
            batch = [orjson.loads(line) for line in raw]
            if kind.before is not None:
                kind.before(target, batch)
            done, offset = done + len(raw), offset + sum(len(line) for line in raw)
            reached = {
                **state,
                "done": {**state["done"], kind.name: done},
                "at": {**state["at"], kind.name: offset},
            }
            with services.store.write(bulk=True) as tx:
                kind.write(tx, target, batch)
                record(tx, target.stack, reached)
            state.update(reached)
            progress.advance(kind.name, len(raw))
            statistics.wrote(len(raw))


def record(tx: Transaction, api_key: str, state: dict[str, Any]) -> None:
    stack = tx.stacks.get(api_key)
    if stack is None:
        raise ValidationFailed(f"The stack {api_key} was deleted during the import.")
    tx.stacks.update(api_key, settings={**stack["settings"], IMPORTING: state})


def finish(services: Services, stack: dict[str, Any]) -> None:
    """Put the stack's own settings back: the import is over."""
    with services.store.write() as tx:
        tx.stacks.update(stack["api_key"], settings=stack["settings"])
        tx.changes.record(stack["api_key"])
