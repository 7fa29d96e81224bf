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
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from veneer import ids
from veneer.domain.webhooks import MASK
from veneer.errors import ValidationFailed
from veneer.services import (
    assets,
    content_types,
    environments,
    global_fields,
    labels,
    locales,
    roles,
    taxonomies,
    variant_groups,
    webhooks,
)
from veneer.services.context import Actor, Services
from veneer.transfer.csdx_entries import Entries
from veneer.transfer.csdx_folder import branch_folder, number, read_json, values
from veneer.transfer.csdx_journal import begin
from veneer.transfer.export import Progress, Quiet
from veneer.transfer.load import (
    Imported,
    ImportRefused,
    Options,
    delete_stack,
    finish,
    owner_of,
)

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


@dataclass
class _Run(Entries):
    skipped: list[str] = field(default_factory=list)

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
        others = [x for x in values(self.read("locales", "locales.json")) if x.get("code")]
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

        items = values(self.read("environments", "environments.json"))
        self.each("environments", path, items, write, recorded)

    def taxonomies(self) -> None:
        listed = values(self.read("taxonomies", "taxonomies.json"))
        path = self.path("taxonomies")

        def write(item: dict[str, Any]) -> None:
            raw = self.read("taxonomies", f"{item.get('uid')}.json") or {"taxonomy": item}
            taxonomies.import_taxonomy(self.services, self.actor, self.stack, raw)

        self.each("taxonomies", path, listed, write)

    def global_fields(self) -> None:
        path = self.path("global_fields", "globalfields.json")
        items = values(self.read("global_fields", "globalfields.json"))
        # A global field that nests another comes after it.
        items = _dependencies_first(items, "global_field")

        def write(item: dict[str, Any]) -> None:
            global_fields.import_global_field(
                self.services, self.actor, self.stack, lambda: item, False
            )

        self.each("global_fields", path, items, write)

    def content_types(self) -> None:
        path = self.path("content_types", "schema.json")
        items = values(self.read("content_types", "schema.json"))
        if not items and self.path("content_types").is_dir():
            files = sorted(self.path("content_types").glob("*.json"))
            items = [read_json(f) for f in files if f.name != "schema.json"]

        def write(item: dict[str, Any]) -> None:
            content_types.import_content_type(
                self.services, self.actor, self.stack, lambda: item, False
            )

        self.each("content_types", path, items, write)

    def folders(self) -> None:
        path = self.path("assets", "folders.json")
        items = values(self.read("assets", "folders.json"))
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
        chunks = [self.path("assets", index[k]) for k in sorted(index, key=number)]
        listed = [values(read_json(c)) if c.is_file() else [] for c in chunks]
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

    def variants(self) -> None:
        base = self.path("personalize", "experiences")
        experiences = values(self.read("personalize", "experiences", "experiences.json"))
        linked = self.read("personalize", "experiences", "experiences-content-types.json") or {}
        path = base / "experiences.json"
        groups: list[dict[str, Any]] = []
        members: list[dict[str, Any]] = []
        for experience in experiences:
            cms = experience.get("_cms") or {}
            group = cms.get("variantGroup")
            if not group:
                continue
            versions = values(
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

    def labels(self) -> None:
        path = self.path("labels", "labels.json")
        items = values(self.read("labels", "labels.json"))
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

        items = values(self.read("custom-roles", "custom-roles.json"))
        self.each("custom roles", path, items, write)

    def webhooks(self) -> None:
        """Webhooks, last: sent only what happens after the import. The export holds neither
        their signing secrets nor their destinations' passwords (masked)."""
        path = self.path("webhooks", "webhooks.json")
        keys = ("name", "destinations", "channels", "retry_policy", "disabled", "concise_payload")
        items = values(self.read("webhooks", "webhooks.json"))
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
                sum(len(values(read_json(f))) for f in folder.glob("*.json"))
                if folder.is_dir()
                else 0
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
        values(read_json(folder / "locales" / "master-locale.json"))
        if (folder / "locales" / "master-locale.json").is_file()
        else []
    )
    master = str(masters[0].get("code") if masters else "en-us").lower()
    owner, organization = owner_of(services, options)
    actor = Actor(kind="user", uid=owner)
    api_key, state, resumed = begin(services, actor, organization, folder, master)
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
    done = Imported(api_key, resumed, dict(run.state["counts"]))
    done.skipped = run.skipped
    done.seconds = time.perf_counter() - started
    return done
