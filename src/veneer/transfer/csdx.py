"""`veneer import DIR` of a folder written by `csdx cm:stacks:export` (docs/export-import.md).

The folder is read part by part, in the order the parts depend on each other, and each part is
written through the operation the CMA's own request for it runs, so it is validated as the CMA
validates it: locales, environments, taxonomies with their terms, global fields, content types,
asset folders, assets with their files (then published as the export says), variant groups and
variants, then the entries of each content type and locale with their entry variants, through
the bulk path (`services.bulk`, batches of one transaction, published as their `publish_details`
say). The stack is new (a new api key; the export's stack is another); entries, assets, folders,
taxonomies, content types, global fields, variant groups and variants keep their uids, so every
reference between them stays valid. Environments are made anew and found by name.

An item the CMA would refuse is reported with its file, its uid and the CMA's answer, and the
import goes on to find every such item; if there is any, the stack is deleted at the end: the
import is all or nothing. What the export holds that is not read is listed (`Imported.skipped`).

An import that stops (killed, a failure) is re-run and continues, as `veneer export`'s own format
does (`load`): the stack is created marked in its settings (`load.IMPORTING`) with the folder's
path, and each step (one item, one publication of an asset, one batch of entries) is written in
one transaction that also records in that mark how far the import got, the refusals found so far
and the counts (`Store.recording`, the bulk path's `journal`). A refused step writes nothing, so
it is recorded with the next one, or taken again by a re-run and refused again. A re-run of the
same folder by the same owner finds the marked stack and skips what is recorded; the end of the
import removes the mark (or deletes the stack, when something was refused).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from veneer import ids
from veneer.domain.webhooks import MASK
from veneer.errors import ValidationFailed, VeneerError
from veneer.services import (
    assets,
    bulk,
    content_types,
    environments,
    global_fields,
    labels,
    locales,
    roles,
    stacks,
    taxonomies,
    variant_groups,
    webhooks,
)
from veneer.services.context import Actor, Services
from veneer.store import Transaction
from veneer.transfer.export import Progress, Quiet
from veneer.transfer.load import (
    IMPORTING,
    Imported,
    ImportRefused,
    Options,
    delete_stack,
    finish,
    owner_of,
    record,
)

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
# Parts of an export that are not read: what is in them is listed in the summary.
NOT_READ = {
    "extensions": "extensions are not imported",
    "workflows": "workflows are not imported",
    "marketplace_apps": "Marketplace apps are not part of a Veneer stack",
    "composable_studio": "Composable Studio projects are not part of a Veneer stack",
}


class ImportFailed(ImportRefused):
    """Items of the export the CMA refuses: the import wrote nothing that stays."""

    def __init__(self, problems: list[dict[str, Any]]) -> None:
        self.problems = problems
        lines = [orjson.dumps(problem).decode() for problem in problems[:20]]
        more = f"\n… and {len(problems) - 20} more." if len(problems) > 20 else ""
        super().__init__(
            f"{len(problems)} item(s) of the export were refused, so nothing was imported "
            "(the new stack was deleted). Fix them in the export and import it again:\n"
            + "\n".join(lines)
            + more
        )


def branch_folder(directory: Path) -> Path | None:
    """The branch folder of a csdx export in `directory` (the folder itself, or its branch's
    folder when it holds `branches.json`), or None when it is not a csdx export."""
    branches = directory / "branches.json"
    if branches.is_file():
        names = [b.get("uid") for b in _json(branches) or [] if isinstance(b, dict)]
        found = [directory / n for n in names if isinstance(n, str) and (directory / n).is_dir()]
        if len(found) == 1:
            return found[0]
        if (directory / "main").is_dir():
            return directory / "main"
        raise ImportRefused(
            f"{directory} holds the export of {len(found)} branches: import one branch's folder."
        )
    if (directory / "export-info.json").is_file() or any(
        (directory / part).is_dir() for part in ("content_types", "entries")
    ):
        return directory
    return None


def _json(path: Path) -> Any:
    try:
        return orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise ImportRefused(f"{path} is not JSON: {exc}.") from None


def _values(raw: Any) -> list[Any]:
    """The objects of a csdx file: a list, or an object keyed by uid (what is not an object in
    it is left out)."""
    found = raw.values() if isinstance(raw, dict) else raw if isinstance(raw, list) else []
    return [item for item in found if isinstance(item, dict)]


@dataclass
class _Run:
    services: Services
    actor: Actor
    stack: str
    folder: Path
    progress: Progress
    batch_size: int
    # The journal, as recorded in the stack's settings: {"export": the folder, "done": each
    # part's position, "counts", "problems": the refusals found, "source_key"}.
    state: dict[str, Any]
    environments: dict[str, str] = field(default_factory=dict)  # export's uid: target's uid
    skipped: list[str] = field(default_factory=list)

    # -- helpers -------------------------------------------------------------------------------
    def path(self, *parts: str) -> Path:
        return self.folder.joinpath(*parts)

    def read(self, *parts: str) -> Any:
        path = self.path(*parts)
        return _json(path) if path.is_file() else None

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

    def counted(self, *kinds: str) -> None:
        self.state = {**self.state, "counts": {**dict.fromkeys(kinds, 0), **self.state["counts"]}}

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
            record(tx, self.stack, reached)

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

    # -- the parts, in order -------------------------------------------------------------------
    def run(self, master: str) -> None:
        self.locales(master)
        self.environments_()
        self.taxonomies()
        self.global_fields()
        self.content_types()
        self.folders()
        self.assets()
        self.variants()
        self.entries(master)
        self.labels()
        self.custom_roles()
        self.webhooks()
        self.not_read()

    def locales(self, master: str) -> None:
        path = self.path("locales", "locales.json")
        others = [x for x in _values(self.read("locales", "locales.json")) if x.get("code")]
        others = [x for x in others if str(x["code"]).lower() != master]
        # Each locale after the one it falls back to.
        made, ordered = {master}, []
        while others:
            ready = [x for x in others if (x.get("fallback_locale") or master).lower() in made]
            ready = ready or others  # a fallback the export lacks: the CMA's answer says so
            ordered += ready
            made |= {str(x["code"]).lower() for x in ready}
            others = [x for x in others if x not in ready]

        def write(item: dict[str, Any]) -> None:
            body = {k: item.get(k) for k in ("code", "name", "fallback_locale")}
            locales.create_locale(self.services, self.actor, self.stack, body)

        self.each("locales", path, ordered, write)

    def environments_(self) -> None:
        path = self.path("environments", "environments.json")

        def write(item: dict[str, Any]) -> None:
            body = {"name": item.get("name"), "urls": item.get("urls") or []}
            made = environments.create_environment(self.services, self.actor, self.stack, body)
            self.environments[str(item.get("uid"))] = made["uid"]

        def recorded(item: dict[str, Any]) -> None:
            with self.services.store.read() as tx:
                made = tx.environments.find(self.stack, str(item.get("name")))
            if made is not None:
                self.environments[str(item.get("uid"))] = made["uid"]

        items = _values(self.read("environments", "environments.json"))
        self.each("environments", path, items, write, recorded)

    def taxonomies(self) -> None:
        listed = _values(self.read("taxonomies", "taxonomies.json"))
        path = self.path("taxonomies")

        def write(item: dict[str, Any]) -> None:
            raw = self.read("taxonomies", f"{item.get('uid')}.json") or {"taxonomy": item}
            taxonomies.import_taxonomy(self.services, self.actor, self.stack, raw)

        self.each("taxonomies", path, listed, write)

    def global_fields(self) -> None:
        path = self.path("global_fields", "globalfields.json")
        items = _values(self.read("global_fields", "globalfields.json"))
        # A global field that nests another comes after it.
        items = _dependencies_first(items, "global_field")

        def write(item: dict[str, Any]) -> None:
            global_fields.import_global_field(
                self.services, self.actor, self.stack, lambda: item, False
            )

        self.each("global_fields", path, items, write)

    def content_types(self) -> None:
        path = self.path("content_types", "schema.json")
        items = _values(self.read("content_types", "schema.json"))
        if not items and self.path("content_types").is_dir():
            files = sorted(self.path("content_types").glob("*.json"))
            items = [_json(f) for f in files if f.name != "schema.json"]

        def write(item: dict[str, Any]) -> None:
            content_types.import_content_type(
                self.services, self.actor, self.stack, lambda: item, False
            )

        self.each("content_types", path, items, write)

    def folders(self) -> None:
        path = self.path("assets", "folders.json")
        items = _values(self.read("assets", "folders.json"))
        uids = {x.get("uid") for x in items}
        ordered, made = [], set()
        while items:  # each folder after its parent
            ready = [
                x for x in items if x.get("parent_uid") in made or x.get("parent_uid") not in uids
            ]
            ready = ready or items
            ordered += ready
            made |= {x.get("uid") for x in ready}
            items = [x for x in items if x not in ready]

        def write(item: dict[str, Any]) -> None:
            body = {"name": item.get("name"), "parent_uid": item.get("parent_uid")}
            assets.create_folder(self.services, self.actor, self.stack, body, uid=item.get("uid"))

        self.each("folders", path, ordered, write)

    def assets(self) -> None:
        """Each asset in two or more steps: its creation, then each environment it is published
        to (the position: [chunk, asset in it, steps of that asset taken])."""
        index = self.read("assets", "assets.json") or {}
        chunks = [self.path("assets", index[k]) for k in sorted(index, key=_number)]
        listed = [_values(_json(c)) if c.is_file() else [] for c in chunks]
        self.progress.start("assets", sum(len(items) for items in listed))
        self.counted("assets")
        at = tuple(self.state["done"].get("assets", (0, 0, 0)))
        for c, (chunk, items) in enumerate(zip(chunks, listed, strict=True)):
            for i, item in enumerate(items):
                if (c, i) >= at[:2]:
                    self.asset(chunk, (c, i), item, at[2] if (c, i) == at[:2] else 0)
                self.progress.advance("assets", 1)

    def asset(self, chunk: Path, where: tuple[int, int], item: dict[str, Any], first: int) -> None:
        uid, filename = str(item.get("uid")), str(item.get("filename"))
        version_uid = ids.blt()
        url = str(item.get("url") or "")
        parts = url.split("/v3/assets/", 1)[-1].split("/") if "/v3/assets/" in url else []
        if len(parts) >= 4 and parts[1] == uid:
            self.state = {**self.state, "source_key": self.source_key or parts[0]}
            version_uid = parts[2]

        def create() -> None:
            file = self.path("assets", "files", uid, filename)
            if not file.is_file():
                raise ValidationFailed(
                    "Asset creation failed. The export lacks the asset's file.",
                    {"asset[upload]": [f"assets/files/{uid}/{filename} is missing."]},
                )
            self.publications(item)  # an environment the export lacks: refused before writing
            details: dict[str, Any] = {
                k: item[k] for k in ("title", "description", "tags", "parent_uid") if k in item
            }
            upload = assets.Upload(filename, file.read_bytes())
            if len(upload.data) <= self.services.settings.max_upload_bytes:
                with self.services.store.recording(None):  # the file first, in its own step
                    self.services.blobs().put(upload.data)
            assets.create_asset(
                self.services, self.actor, self.stack, upload, details, keep=(uid, version_uid)
            )

        if first == 0 and not self.step("assets", (*where, 1), create, chunk, uid):
            return
        published = list(self.publications(item).items())
        for n, (env, codes) in enumerate(published, 1):
            if n < first:
                continue
            body = {"asset": {"environments": [env], "locales": codes}}
            self.step(
                "assets",
                (*where, n + 1),
                functools.partial(assets.publish, self.services, self.actor, self.stack, uid, body),
                chunk,
                uid,
                count=False,
            )

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

    def variants(self) -> None:
        base = self.path("personalize", "experiences")
        experiences = _values(self.read("personalize", "experiences", "experiences.json"))
        linked = self.read("personalize", "experiences", "experiences-content-types.json") or {}
        path = base / "experiences.json"
        groups: list[dict[str, Any]] = []
        members: list[dict[str, Any]] = []
        for experience in experiences:
            cms = experience.get("_cms") or {}
            group = cms.get("variantGroup")
            if not group:
                continue
            versions = _values(
                self.read("personalize", "experiences", "versions", f"{experience.get('uid')}.json")
            )
            names = {
                str(v.get("shortUid")): v.get("name")
                for version in versions[-1:]
                for v in version.get("variants") or []
            }
            types = [
                x.get("uid")
                for x in linked.get(experience.get("uid"), [])
                if x.get("status") == "linked"
            ]
            groups.append(
                {
                    "uid": group,
                    "name": experience.get("name"),
                    "description": experience.get("description") or "",
                    "content_types": types,
                }
            )
            for short, variant in (cms.get("variants") or {}).items():
                name = names.get(str(short)) or variant
                members.append({"uid": variant, "name": name, "group": group})

        def write_group(item: dict[str, Any]) -> None:
            variant_groups.create_group(self.services, self.actor, self.stack, item)

        self.each("variant_groups", path, groups, write_group)

        def write_variant(item: dict[str, Any]) -> None:
            body = {"uid": item["uid"], "name": item["name"]}
            variant_groups.create_variant(
                self.services, self.actor, self.stack, body, item["group"]
            )

        self.each("variants", path, members, write_variant)

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
                (typed.name, code, chunk) for code in codes for chunk in self.chunks(typed / code)
            ]
        self.progress.start(ENTRY_FILES, len(work))
        self.counted("entries", "entry_variants")
        at = self.state["done"].get("entries", (0, 0))
        for n, (ct, code, chunk) in enumerate(work):
            if n >= at[0]:
                self.entry_chunk(n, ct, code, chunk, at[1] if n == at[0] else 0)
            self.progress.advance(ENTRY_FILES, 1)

    def chunks(self, folder: Path) -> list[Path]:
        index = _json(folder / "index.json") if (folder / "index.json").is_file() else {}
        return [
            folder / index[k] for k in sorted(index, key=_number) if (folder / index[k]).is_file()
        ]

    def entry_chunk(self, n: int, ct: str, code: str, chunk: Path, start: int) -> None:
        """The items of one chunk file from `start` on, read and checked, then loaded through the
        bulk path, whose every transaction records how far the chunk got."""
        items = _values(_json(chunk))
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
                journal=lambda tx, upto, refused: record(tx, self.stack, reached(upto, refused)),
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

    def refusal(self, chunk: Path, uid: str, refusal: bulk.Refusal) -> dict[str, Any]:
        return {
            "file": str(chunk.relative_to(self.folder)),
            "uid": uid,
            "error_message": refusal.message,
            "error_code": refusal.error_code,
            "errors": refusal.errors,
        }

    def kept(self, ct: str, code: str, folder: Path, item: dict[str, Any]) -> bulk.Kept:
        uid = str(item.get("uid"))
        entry = self.moved({k: v for k, v in item.items() if k not in ENTRY_SYSTEM})
        envs = tuple(self.publications(item, code))
        variants: dict[str, Any] = {}
        variant_envs: dict[str, tuple[str, ...]] = {}
        for chunk in self.chunks(folder / "variants" / uid):
            for variant in _values(_json(chunk)):
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

    def labels(self) -> None:
        path = self.path("labels", "labels.json")
        items = _values(self.read("labels", "labels.json"))
        made: dict[str, str] = {}  # the export's uid: the target's
        ordered, uids = [], {x.get("uid") for x in items}
        while items:  # each label after those it sits under
            ready = [
                x for x in items if all(p in made or p not in uids for p in x.get("parent") or [])
            ]
            ready = ready or items
            for x in ready:
                made[x.get("uid")] = ""
            ordered += ready
            items = [x for x in items if x not in ready]

        def write(item: dict[str, Any]) -> None:
            body = {
                "name": item.get("name"),
                "parent": [made.get(p) or p for p in item.get("parent") or []],
                "content_types": item.get("content_types") or [],
            }
            doc = labels.create(labels.LABEL, self.services, self.actor, self.stack, body)
            made[str(item.get("uid"))] = doc["uid"]

        claimed: set[str] = set()

        def recorded(item: dict[str, Any]) -> None:
            """The label an earlier run made of `item`: the first of its name and parents."""
            parents = [made.get(p) or p for p in item.get("parent") or []]
            with self.services.store.read() as tx:
                there = tx.labels.all(self.stack)
            for doc in there:
                if doc["uid"] not in claimed and (doc.get("name"), doc.get("parent") or []) == (
                    item.get("name"),
                    parents,
                ):
                    claimed.add(doc["uid"])
                    made[str(item.get("uid"))] = doc["uid"]
                    return

        self.each("labels", path, ordered, write, recorded)

    def custom_roles(self) -> None:
        """Custom roles (`custom-roles/custom-roles.json`, keyed by uid; csdx leaves the built-in
        ones out), with new uids. Their environment and locale rules name the export's uids: they
        are mapped to the target's (locales by code, through `custom-roles-locales.json`). The
        users holding them are the source's, not part of the export."""
        path = self.path("custom-roles", "custom-roles.json")
        sources = self.read("custom-roles", "custom-roles-locales.json")
        codes = {
            str(uid): str(x["code"]).lower()
            for uid, x in (sources.items() if isinstance(sources, dict) else [])
            if isinstance(x, dict) and x.get("code")
        }
        made = locales.list_locales(self.services, self.actor, self.stack)
        by_code = {str(x["code"]): str(x.get("uid") or x["code"]) for x in made}
        uids = {**self.environments}
        uids.update({old: by_code[code] for old, code in codes.items() if code in by_code})

        def write(item: dict[str, Any]) -> None:
            body: dict[str, Any] = {
                k: item[k] for k in ("name", "description", "deploy_content") if k in item
            }
            rules = item.get("rules")
            body["rules"] = [_mapped(r, uids) for r in rules] if isinstance(rules, list) else rules
            roles.create(self.services, self.actor, self.stack, body)

        items = _values(self.read("custom-roles", "custom-roles.json"))
        self.each("custom roles", path, items, write)

    def webhooks(self) -> None:
        """Webhooks, last: sent only what happens after the import. The export holds neither
        their signing secrets nor their destinations' passwords (masked)."""
        path = self.path("webhooks", "webhooks.json")
        keys = ("name", "destinations", "channels", "retry_policy", "disabled", "concise_payload")
        items = _values(self.read("webhooks", "webhooks.json"))
        masked = [
            destination
            for item in items
            for destination in item.get("destinations") or []
            if isinstance(destination, dict) and destination.get("http_basic_password") == MASK
        ]

        def write(item: dict[str, Any]) -> None:
            body = {k: item[k] for k in keys if k in item}
            for destination in body.get("destinations") or []:
                if isinstance(destination, dict) and destination.get("http_basic_password") == MASK:
                    destination["http_basic_password"] = ""
            webhooks.create_webhook(self.services, self.actor, self.stack, body)

        self.each("webhooks", path, items, write)
        if masked:
            self.skipped.append(
                f"webhooks/: {len(masked)} destination password(s) not in the export: set them again"
            )

    def not_read(self) -> None:
        for part, why in NOT_READ.items():
            folder = self.path(part)
            count = (
                sum(len(_values(_json(f))) for f in folder.glob("*.json")) if folder.is_dir() else 0
            )
            if count:
                self.skipped.append(f"{part}/: {count} item(s) not read ({why})")


# The rules of a custom role that name things the import makes anew: the key listing them.
_LISTED = {"environment": "environments", "locale": "locales"}


def _mapped(rule: Any, uids: dict[str, str]) -> Any:
    """A custom role's rule with the export's environment and locale uids made the target's."""
    key = _LISTED.get(str(rule.get("module"))) if isinstance(rule, dict) else None
    if key is None or not isinstance(rule.get(key), list):
        return rule
    return {**rule, key: [uids.get(str(uid), uid) for uid in rule[key]]}


def _number(key: str) -> tuple[int, str]:
    return (int(key), "") if key.isdecimal() else (0, key)


def _dependencies_first(items: list[dict[str, Any]], data_type: str) -> list[dict[str, Any]]:
    """Global fields, each after those it nests (by `reference_to` of a `data_type` field)."""
    by_uid = {x.get("uid"): x for x in items}

    def needs(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            if node.get("data_type") == data_type and isinstance(node.get("reference_to"), str):
                yield node["reference_to"]
            for value in node.values():
                yield from needs(value)
        elif isinstance(node, list):
            for value in node:
                yield from needs(value)

    ordered: list[dict[str, Any]] = []
    seen: set[Any] = set()

    def visit(item: dict[str, Any], path: tuple[Any, ...]) -> None:
        uid = item.get("uid")
        if uid in seen or uid in path:
            return
        for dep in needs(item.get("schema")):
            if dep in by_uid:
                visit(by_uid[dep], (*path, uid))
        seen.add(uid)
        ordered.append(item)

    for item in items:
        visit(item, ())
    return ordered


def stack_name(folder: Path) -> str:
    projects = folder / "personalize" / "projects" / "projects.json"
    if projects.is_file():
        for project in _values(_json(projects)):
            if isinstance(project, dict) and project.get("name"):
                return str(project["name"])
    return f"Imported from {folder.resolve().name}"


def import_csdx(
    services: Services,
    directory: Path,
    options: Options | None = None,
    progress: Progress | None = None,
) -> Imported:
    """Import the csdx export in `directory` into a new stack (see the module's docstring)."""
    options = options or Options()
    progress = progress or Quiet()
    started = time.perf_counter()
    folder = branch_folder(directory)
    if folder is None:
        raise ImportRefused(f"{directory} is not a folder written by `csdx cm:stacks:export`.")
    masters = (
        _values(_json(folder / "locales" / "master-locale.json"))
        if (folder / "locales" / "master-locale.json").is_file()
        else []
    )
    master = str(masters[0].get("code") if masters else "en-us").lower()
    owner, organization = owner_of(services, options)
    actor = Actor(kind="user", uid=owner)
    export = f"csdx:{folder.resolve()}"
    found = unfinished(services, owner, export)
    if found is None:
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
        api_key = stack["api_key"]
    else:
        api_key, state = found
    run = _Run(services, actor, api_key, folder, progress, options.batch_size, state)
    try:
        run.run(master)
    except ImportRefused:  # a file that is not JSON, say: the folder is refused whole
        delete_stack(services, api_key)
        raise
    if run.state["problems"]:
        delete_stack(services, api_key)
        raise ImportFailed(run.state["problems"])
    finish(services, {"api_key": api_key, "settings": {}})
    services.store.refresh_statistics()
    done = Imported(api_key, found is not None, dict(run.state["counts"]))
    done.skipped = run.skipped
    done.seconds = time.perf_counter() - started
    return done


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
