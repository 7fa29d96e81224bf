"""How `veneer import` of a csdx folder (csdx.py) records its progress, and takes it up again.

The stack is created marked in its settings (`load.IMPORTING`) with the folder's path, and each
step (one item, one publication of an asset, one batch of entries) is written in one transaction
that also records in that mark how far the import got, the refusals found so far and the counts
(`Store.recording`, the bulk path's `journal`). A re-run of the same folder by the same owner
finds the marked stack (`unfinished`) and skips what is recorded.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from veneer.errors import VeneerError
from veneer.services import bulk, stacks
from veneer.services.context import Actor, Services
from veneer.store import Transaction
from veneer.transfer.csdx_folder import read_json, stack_name
from veneer.transfer.export import Progress
from veneer.transfer.load import IMPORTING, record


@dataclass
class Journal:
    """An import's stack, its folder and its journal, and the steps that advance the journal
    (the base of csdx.py's `_Run`)."""

    services: Services
    actor: Actor
    stack: str
    folder: Path
    progress: Progress
    batch_size: int  # entries per transaction of the bulk path: one step
    # The journal, as recorded in the stack's settings: {"export": the folder, "done": each
    # part's position, "counts", "problems": the refusals found, "source_key"}.
    state: dict[str, Any]

    # -- helpers -------------------------------------------------------------------------------
    def path(self, *parts: str) -> Path:
        return self.folder.joinpath(*parts)

    def read(self, *parts: str) -> Any:
        path = self.path(*parts)
        return read_json(path) if path.is_file() else None

    @property
    def source_key(self) -> str | None:
        return self.state.get("source_key")

    def problem(self, path: Path, uid: Any, exc: VeneerError) -> dict[str, Any]:
        return {
            "file": str(path.relative_to(self.folder)),
            "uid": uid,
            "error_message": exc.message,
            "error_code": exc.error_code,
            "errors": exc.errors,
        }

    def refusal(self, chunk: Path, uid: str, refusal: bulk.Refusal) -> dict[str, Any]:
        return {
            "file": str(chunk.relative_to(self.folder)),
            "uid": uid,
            "error_message": refusal.message,
            "error_code": refusal.error_code,
            "errors": refusal.errors,
        }

    def counted(self, *kinds: str) -> None:
        self.state = {**self.state, "counts": {**dict.fromkeys(kinds, 0), **self.state["counts"]}}

    def mark(self, tx: Transaction, state: dict[str, Any]) -> None:
        """Record `state` as the journal in the stack's import mark, in `tx`."""
        record(tx, self.stack, state)

    def step(
        self, part: str, at: Any, write: Callable[[], Any], path: Path, uid: Any, count: bool = True
    ) -> bool:
        """Take one step of `part`: `write()`, in one transaction that also records `at` as the
        part's position (and the step counted); a refusal is noted with its file and uid, and
        recorded by the next step that writes. Whether the step was taken."""
        counts = self.state["counts"]
        reached = {**self.state, "done": {**self.state["done"], part: at}}
        if count:
            reached["counts"] = {**counts, part: counts.get(part, 0) + 1}
        writes = 0

        def recorded(tx: Transaction) -> None:
            nonlocal writes
            writes += 1
            if writes > 1:  # the step could stop half taken: it must be one transaction
                raise RuntimeError(f"A step of the import's {part} wrote in two transactions.")
            self.mark(tx, reached)

        try:
            with self.services.store.recording(recorded):
                write()
        except VeneerError as exc:
            problems = [*self.state["problems"], self.problem(path, uid, exc)]
            self.state = {**self.state, "done": reached["done"], "problems": problems}
            return False
        self.state = reached
        return True

    def each(
        self,
        kind: str,
        path: Path,
        items: list[Any],
        write: Callable[[Any], Any],
        recorded: Callable[[Any], None] | None = None,
    ) -> None:
        """Write `items` one by one (`write(item)`), each a step; those an earlier run recorded
        are skipped (`recorded(item)` finds what they made)."""
        self.progress.start(kind, len(items))
        self.counted(kind)
        start = int(self.state["done"].get(kind, 0))
        for position, item in enumerate(items):
            if position >= start:
                uid = item.get("uid") if isinstance(item, dict) else None
                self.step(kind, position + 1, functools.partial(write, item), path, uid)
            elif recorded is not None:
                recorded(item)
            self.progress.advance(kind, 1)


def begin(
    services: Services, actor: Actor, organization: str, folder: Path, master: str
) -> tuple[str, dict[str, Any], bool]:
    """The stack the import of `folder` by `actor` writes to, its journal, and whether it was
    found: the one an interrupted import left, or a new one, created marked."""
    export = f"csdx:{folder.resolve()}"
    found = unfinished(services, actor.uid, export)
    if found is not None:
        return found[0], found[1], True
    state: dict[str, Any] = {
        "export": export,
        "done": {},
        "counts": {},
        "problems": [],
        "source_key": None,
    }
    body = {"name": stack_name(folder), "master_locale": master}
    marked = {IMPORTING: state}
    stack = stacks.create_stack(services, actor, body, organization, settings=marked)
    return stack["api_key"], state, False


def unfinished(services: Services, owner: str, export: str) -> tuple[str, dict[str, Any]] | None:
    """The stack an interrupted import of the folder `export` by `owner` left (among the stacks
    of the owner's organizations, marked as being imported), with its journal, or None."""
    with services.store.read() as tx:
        stacks_ = tx.stacks.of_user(owner)
    for stack in stacks_:
        state = stack["settings"].get(IMPORTING)
        if isinstance(state, dict) and state.get("export") == export:
            return stack["api_key"], state
    return None
