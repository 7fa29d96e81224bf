"""The entries of a csdx folder (csdx.py imports them, after every part they refer to): each
content type's chunk files, locale by locale, with their entry variants, through the bulk path
(`services.bulk`, batches of one transaction, each recording how far its chunk got), published as
their `publish_details` say."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from veneer.errors import ValidationFailed, VeneerError
from veneer.services import bulk
from veneer.transfer.csdx_folder import chunk_files, read_json, values
from veneer.transfer.csdx_journal import Journal

# Keys of an exported entry that the target sets itself (or that say where it was published).
ENTRY_SYSTEM = frozenset(
    {
        "uid",
        "locale",
        "ACL",
        "_version",
        "_in_progress",
        "publish_details",
        "created_at",
        "created_by",
        "updated_at",
        "updated_by",
        "_workflow",
        "_metadata",
        "stackHeaders",
        "urlPath",
    }
)
ENTRY_FILES = "entries (chunk files)"  # the bar of the entries, which counts their files


@dataclass
class Entries(Journal):
    """The entries part of an import (csdx.py's `_Run`), and where items are published."""

    environments: dict[str, str] = field(default_factory=dict)  # export's uid: target's uid

    def publications(self, item: dict[str, Any], locale: str | None = None) -> dict[str, list[str]]:
        """The target's environments an item is published to, each with its locales (only
        `locale`'s when given); an environment the export lacks is refused."""
        found: dict[str, list[str]] = {}
        for detail in item.get("publish_details") or []:
            if not isinstance(detail, dict) or (locale and detail.get("locale") != locale):
                continue
            env = self.environments.get(str(detail.get("environment")))
            if env is None:
                raise ValidationFailed(
                    "Publishing failed. Please enter valid data.",
                    {
                        "publish_details.environment": [
                            f"{detail.get('environment')} is not an environment of the export."
                        ]
                    },
                )
            found.setdefault(env, []).append(str(detail.get("locale")))
        return found

    def entries(self, master: str) -> None:
        """The chunk files of each content type and locale, master locale first; the position:
        [chunk file, items of it handled]. The bar counts chunk files: csdx's index files name
        the chunks without counting their entries, and counting them would read every file
        twice."""
        root = self.path("entries")
        folders = sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
        work = []
        for typed in folders:
            codes = sorted(
                (p.name for p in typed.iterdir() if p.is_dir()), key=lambda c: (c != master, c)
            )
            work += [
                (typed.name, code, chunk) for code in codes for chunk in chunk_files(typed / code)
            ]
        self.progress.start(ENTRY_FILES, len(work))
        self.counted("entries", "entry_variants")
        at = self.state["done"].get("entries", (0, 0))
        for n, (ct, code, chunk) in enumerate(work):
            if n >= at[0]:
                self.entry_chunk(n, ct, code, chunk, at[1] if n == at[0] else 0)
            self.progress.advance(ENTRY_FILES, 1)

    def entry_chunk(self, n: int, ct: str, code: str, chunk: Path, start: int) -> None:
        """The items of one chunk file from `start` on, read and checked, then loaded through the
        bulk path, whose every transaction records how far the chunk got."""
        items = values(read_json(chunk))
        early: list[tuple[int, dict[str, Any]]] = []  # (position, refusal) found by reading
        kept: list[bulk.Kept] = []
        where: list[int] = []  # the position in the chunk of each kept item
        for position in range(start, len(items)):
            item = items[position]
            if str(item.get("locale", code)).lower() != code:
                continue  # shown in this locale, not localized in it
            try:
                kept.append(self.kept(ct, code, chunk.parent, item))
                where.append(position)
            except VeneerError as exc:
                early.append((position, self.problem(chunk, item.get("uid"), exc)))
        twice = self.twice(code, kept)
        early += [(where[j], self.problem(chunk, kept[j].uid, twice[j])) for j in sorted(twice)]
        kept, where = (
            [k for j, k in enumerate(kept) if j not in twice],
            [p for j, p in enumerate(where) if j not in twice],
        )
        before = self.state

        def reached(upto: int, refused: list[bulk.Refusal]) -> dict[str, Any]:
            """The journal once the first `upto` kept items are handled (`refused` among them)."""
            handled = where[upto] if upto < len(where) else len(items)
            found = [(p, x) for p, x in early if p < handled]
            found += [
                (where[r.position], self.refusal(chunk, kept[r.position].uid, r)) for r in refused
            ]
            no = {r.position for r in refused}
            loaded = [kept[j] for j in range(upto) if j not in no]
            counts = before["counts"]
            return {
                **before,
                "done": {**before["done"], "entries": (n, handled)},
                "problems": [
                    *before["problems"],
                    *(x for _, x in sorted(found, key=lambda f: f[0])),
                ],
                "counts": {
                    **counts,
                    "entries": counts["entries"] + len(loaded),
                    "entry_variants": counts["entry_variants"]
                    + sum(len(k.variant_environments) for k in loaded),
                },
            }

        request = bulk.Load(ct, code, (), self.batch_size)
        try:
            report = bulk.load_entries(
                self.services,
                self.actor,
                self.stack,
                request,
                kept,
                journal=lambda tx, upto, refused: self.mark(tx, reached(upto, refused)),
            )
        except VeneerError as exc:  # the content type or the locale: every item refused
            found = [x for _, x in sorted(early, key=lambda f: f[0])]
            self.state = {
                **before,
                "done": {**before["done"], "entries": (n, len(items))},
                "problems": [*before["problems"], *found, self.problem(chunk, None, exc)],
            }
            return
        self.state = reached(len(kept), report.refused)

    def twice(self, code: str, kept: list[bulk.Kept]) -> dict[int, VeneerError]:
        """The kept items whose uid an earlier item of the chunk or an entry of the stack has in
        this locale (the export holds an entry twice), by their index, with the refusal."""
        seen: set[str] = set()
        again = set()
        for j, item in enumerate(kept):
            if item.uid in seen:
                again.add(j)
            seen.add(item.uid)
        with self.services.store.read() as tx:
            there = tx.entries.existing(self.stack, code, sorted(seen))
        return {
            j: ValidationFailed(
                f"Entry creation failed. The export holds the entry {item.uid} twice in {code}.",
                {"uid": ["is not unique."]},
            )
            for j, item in enumerate(kept)
            if j in again or item.uid in there
        }

    def kept(self, ct: str, code: str, folder: Path, item: dict[str, Any]) -> bulk.Kept:
        uid = str(item.get("uid"))
        entry = self.moved({k: v for k, v in item.items() if k not in ENTRY_SYSTEM})
        envs = tuple(self.publications(item, code))
        variants: dict[str, Any] = {}
        variant_envs: dict[str, tuple[str, ...]] = {}
        for chunk in chunk_files(folder / "variants" / uid):
            for variant in values(read_json(chunk)):
                meta = variant.get("_variant") or {}
                ref = str(meta.get("_uid"))
                fields = {k: v for k, v in variant.items() if k not in ENTRY_SYSTEM}
                fields["_variant"] = {k: meta[k] for k in ("_change_set", "_order") if meta.get(k)}
                fields["_variant"].setdefault("_change_set", [])
                variants[ref] = {"entry": self.moved(fields)}
                variant_envs[ref] = tuple(self.publications(variant, code))
        body = {"entry": entry, "variants": variants}
        return bulk.Kept(body, uid, envs, variant_envs)

    def moved(self, fields: dict[str, Any]) -> dict[str, Any]:
        """An entry's fields with the paths of the source stack's asset files made this stack's
        (the files keep their uids and version uids; only the api key in the path changes)."""
        if not self.source_key:
            return fields
        old, new = f"/v3/assets/{self.source_key}/", f"/v3/assets/{self.stack}/"
        raw = orjson.dumps(fields)
        if old.encode() not in raw:
            return fields
        moved: dict[str, Any] = orjson.loads(raw.replace(old.encode(), new.encode()))
        return moved
