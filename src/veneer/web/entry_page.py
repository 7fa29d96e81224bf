"""The entry editor page: `Editor` holds everything it shows besides the fields, on the base
entry or on one of its variants. The views of both (entry_views, variant_views) build on it."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import Any

import orjson
from starlette.responses import Response

from veneer.domain import assets as domain_assets
from veneer.domain import save_merge, variant_diff
from veneer.domain import variants as domain_variants
from veneer.domain.listing import ListParams
from veneer.errors import NotFoundObject, ValidationFailed
from veneer.services import (
    content_types,
    entries,
    entry_variants,
    environments,
    locales,
    schedules,
    stacks,
    variant_groups,
)
from veneer.web import asset_views, editor
from veneer.web import fields as F
from veneer.web.page import Page
from veneer.web.views import stack_crumbs, titled

SHOWN_CHARS = 400  # of a value shown in a badge or a table cell
PICK_TOKEN = re.compile(r"[A-Za-z0-9]{8,40}")
REFERENCE_PAGE = 20  # entries a reference picker shows per page
MAX_PICKED_TITLES = 500  # titles looked up for the references one form shows (the rest: uids)
NOTICES = {
    "saved": "Entry saved.",
    "created": "Entry created.",
    "published": "Publish request completed.",
    "unpublished": "Unpublish request completed.",
    "variant_saved": "Entry variant saved.",
    "reverted": "The field inherits the base entry value again.",
    "instance_restored": "The instance is back in the variant, with the base entry's values.",
    "revert_undone": "The revert was undone: the field holds the variant's own value again.",
    "version_restored": "The version was restored: its content is the latest version now.",
    "unchanged": "Nothing was changed, so nothing was saved.",
    "scheduled": "Scheduled. It is listed under Scheduled until it runs.",
    "variant_deleted": "The variant's values were deleted; the variant inherits the base entry again.",
    "schedule_cancelled": "The schedule was cancelled.",
    "restored": (
        "The entry was restored from the trash with its versions, locales and variants. It is not "
        "published anywhere: publish it again where it should be."
    ),
    "rebased": "Review saved: the variant is now marked as reviewed against the latest base entry.",
}
CONFLICT = (
    '{who} saved version {version} of this entry after you opened it.{fields} Under "Merge", '
    "keep yours or take theirs for each field that differs, then save again."
)
VARIANT_CONFLICT = (
    "{who} saved this variant (version {version}) after you opened it.{fields} Under "
    '"Merge", keep yours or take theirs for each field that differs, then save again.'
)
CONFLICT_KEY = "Saved meanwhile"  # the error summary's label of those notes


def reference_choices(
    page: Page, api_key: str, ct: str, locale: str | None, search: str = "", number: int = 1
) -> tuple[list[tuple[str, str]], bool]:
    """(uid, title) of one page (REFERENCE_PAGE, by title) of the entries of `ct` whose title
    contains `search`, and whether more follow: what a reference picker offers, found and paged
    by the database (one more row is read to tell whether there is a next page)."""
    items, _ = entries.list_entries(
        page.services,
        page.actor,
        api_key,
        ct,
        titled(
            search,
            skip=(number - 1) * REFERENCE_PAGE,
            limit=REFERENCE_PAGE + 1,
            asc="title",
        ),
        locale,
        include_fallback=True,
    )
    found = [(e["uid"], str(e.get("title") or e["uid"])) for e in items[:REFERENCE_PAGE]]
    return found, len(items) > REFERENCE_PAGE


def shown(value: Any) -> str:
    """A value as the editor shows it beside a field: text as it is, anything else as compact
    JSON, cut at SHOWN_CHARS."""
    text = value if isinstance(value, str) else orjson.dumps(value).decode()
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "…"


def rte_uid() -> str:
    return secrets.token_hex(16)  # JSON RTE node uids are 32 hex characters


def number(text: str | None) -> int | None:
    """A version number as a form or query carries it; None when there is none."""
    return int(text) if text and text.isdigit() else None


def apply_choices(
    page: Page, stored: dict[str, Any], values: dict[str, Any], problems: dict[str, list[str]]
) -> dict[str, Any]:
    """The form's values with a merge's choices (`merge.<field>`) applied: a field whose choice
    differs from the value the form was shown with (`merge_shown.<field>`) takes the `stored`
    value (theirs) or the one the form held before the merge (mine, `merge_mine.<field>`, JSON).
    A form without a merge is returned as it is."""
    picked, kept = {}, dict(values)
    for uid in [*values, *(u for u in ("tags",) if u not in values)]:
        choice = page.field(f"merge.{uid}")
        if choice not in (save_merge.MINE, save_merge.THEIRS):
            continue
        if choice == page.field(f"merge_shown.{uid}"):
            continue  # the form shows that value already (with any edit made to it)
        if choice == save_merge.THEIRS:
            picked[uid] = choice
            continue
        try:
            kept[uid] = orjson.loads(page.field(f"merge_mine.{uid}"))
        except orjson.JSONDecodeError:
            problems.setdefault(uid, []).append("could not take your value back: edit it.")
    return save_merge.merge(kept, stored, picked)


@dataclass
class Editor:
    """Everything the editor page shows besides the fields."""

    page: Page
    stack: dict[str, Any]
    ct: dict[str, Any]
    locale: str
    locales: list[dict[str, Any]]
    environments: list[dict[str, Any]]
    entry: dict[str, Any] | None = None  # latest version, with publish_details
    versions: list[dict[str, Any]] = field(default_factory=list)
    viewing: int | None = None
    publish_errors: dict[str, list[str]] = field(default_factory=dict)
    publish_message: str = ""
    dialog_open: bool = False
    groups: list[dict[str, Any]] = field(
        default_factory=list
    )  # variant groups linked to the content type
    records: dict[str, dict[str, Any]] = field(
        default_factory=dict
    )  # this entry's variants, by variant uid
    variant: dict[str, Any] | None = None  # the variant being edited
    variant_versions: list[dict[str, Any]] = field(default_factory=list)
    schedules: list[dict[str, Any]] = field(default_factory=list)  # pending, earliest first
    merge: list[save_merge.Choice] = field(default_factory=list)  # after a refused stale save
    # Read once per page (the sidebar and the publish dialog both show them).
    _publications: list[dict[str, Any]] | None = field(default=None, init=False, repr=False)

    @classmethod
    def load(cls, page: Page) -> Editor:
        api_key, ct_uid = page.path("api_key"), page.path("ct")
        stack = stacks.get_stack(page.services, page.actor, api_key)
        ct = content_types.get_content_type(page.services, page.actor, api_key, ct_uid)
        codes = locales.list_locales(page.services, page.actor, api_key)
        locale = (page.param("locale") or stack["master_locale"]).lower()
        if locale not in {c["code"] for c in codes}:
            raise ValidationFailed(
                f"The locale '{locale}' is not added to this stack.", {"locale": ["is not valid."]}
            )
        envs = environments.list_environments(page.services, page.actor, api_key)
        return cls(page, stack, ct, locale, codes, envs)

    @property
    def pick(self) -> str:
        """The token of the reference picker (in another tab) this new entry was made for, which
        the created entry's page hands it (editor.js, a BroadcastChannel); '' when none."""
        token = self.page.param("pick") or ""
        return token if PICK_TOKEN.fullmatch(token) else ""

    @property
    def api_key(self) -> str:
        return str(self.stack["api_key"])

    def href(self, *parts: str, **query: Any) -> str:
        return self.page.href(
            "stacks",
            self.api_key,
            "content-types",
            self.ct["uid"],
            "entries",
            *parts,
            locale=self.locale,
            **query,
        )

    def load_entry(self, uid: str) -> None:
        services, actor = self.page.services, self.page.actor
        self.entry = entries.get_entry(
            services, actor, self.api_key, self.ct["uid"], uid, self.locale, publish_details=True
        )
        self.versions = entries.list_versions(
            services, actor, self.api_key, self.ct["uid"], uid, self.locale
        )
        self.schedules = schedules.pending(services, actor, self.api_key, self.ct["uid"], uid)

    def load_variants(self) -> None:
        """The variant switcher's choices, and which variants this entry has (with publish details)."""
        services, actor = self.page.services, self.page.actor
        self.groups, _ = variant_groups.list_groups(
            services,
            actor,
            self.api_key,
            {"content_type": self.ct["uid"], "include_variant_info": "true", "asc": "name"},
        )
        if self.entry is not None:
            records, _ = entry_variants.list_for_entry(
                services,
                actor,
                self.api_key,
                self.ct["uid"],
                self.entry["uid"],
                ListParams(),
                self.locale,
                publish_details=True,
            )
            self.records = {r["_variant"]["_uid"]: r for r in records}

    def variant_name(self, uid: str) -> str:
        for group in self.groups:
            for variant in group.get("variants") or []:
                if variant["uid"] == uid:
                    return str(variant["name"])
        return uid

    def stale_paths(self, variant: str) -> list[str]:
        """The overrides of this entry's `variant` whose base value changed since it was saved
        (none for a variant with no values of its own here)."""
        if self.entry is None or variant not in self.records:
            return []
        found = entry_variants.get(
            self.page.services,
            self.page.actor,
            self.api_key,
            self.ct["uid"],
            self.entry["uid"],
            variant,
            self.locale,
            include_stale=True,
        )
        return list(found["_variant"]["_stale"])

    def stale_variants(self) -> list[tuple[str, str, int]]:
        """(uid, name, stale overrides) of each of this entry's variants with stale overrides."""
        counts = [(uid, self.variant_name(uid), len(self.stale_paths(uid))) for uid in self.records]
        return sorted((c for c in counts if c[2]), key=lambda c: c[1])

    def base_marks(self) -> editor.BaseMarks:
        """The base entry's override badges: for each path the entry's variants override in
        this locale, each variant's name and value there (one read of the entry's variants, and
        one merge per variant)."""
        assert self.entry is not None
        services, actor = self.page.services, self.page.actor
        paths = entry_variants.overrides(
            services, actor, self.api_key, self.ct["uid"], self.entry["uid"], self.locale
        )
        merged: dict[str, dict[str, Any]] = {}
        found: dict[str, list[tuple[str, str]]] = {}
        for path, variants in paths.items():
            for variant in variants:
                if variant not in merged:
                    merged[variant] = entry_variants.merged(
                        services,
                        actor,
                        self.api_key,
                        self.ct["uid"],
                        self.entry["uid"],
                        variant,
                        self.locale,
                    )
                value = domain_variants.value_at(self.ct["schema"], merged[variant], path)
                found.setdefault(path, []).append((self.variant_name(variant), shown(value)))
        return editor.BaseMarks(found)

    @property
    def record(self) -> dict[str, Any] | None:
        """The stored entry variant being edited (None until its first save)."""
        return self.records.get(self.variant["uid"]) if self.variant else None

    def references(self, values: dict[str, Any]) -> editor.References:
        """The content types the form's reference pickers offer, and the titles of the entries
        its reference fields hold (read by key, in the editor's locale along its fallbacks)."""
        refs = editor.References()
        services, actor = self.page.services, self.page.actor
        for target in sorted(F.walk_references(self.ct["schema"])):
            try:
                ct = content_types.get_content_type(services, actor, self.api_key, target)
            except NotFoundObject:
                continue
            entries_of = ("stacks", self.api_key, "content-types", target, "entries")
            refs.types[target] = editor.RefType(
                target,
                str(ct["title"]),
                self.page.href(*entries_of, "choices", locale=self.locale),
                self.page.href(*entries_of, "new", locale=self.locale),
            )
        picked = sorted(F.reference_values(self.ct["schema"], values))[:MAX_PICKED_TITLES]
        keys = [(ct, uid) for ct, _, uid in (v.partition(":") for v in picked) if ct in refs.types]
        titles = entries.titles(services, actor, self.api_key, keys, self.locale)
        refs.titles = {f"{ct}:{uid}": title for (ct, uid), title in titles.items()}
        refs.assets = self.page.href("stacks", self.api_key, "assets", "choices")
        return refs

    def scheduled(self) -> list[dict[str, Any]]:
        """The pending schedules as the page lists them: environment names, variant names."""
        names = {e["uid"]: e["name"] for e in self.environments}
        return [
            {
                **job,
                "environment_names": [names.get(e, e) for e in job["environments"]],
                "variant_names": [self.variant_name(v) for v in job["variants"]],
            }
            for job in self.schedules
        ]

    def crumbs(self) -> list[tuple[str, str]]:
        return [*stack_crumbs(self.page, self.stack), (self.ct["title"], self.href())]

    def publications(self) -> list[dict[str, Any]]:
        """Where the base entry and each of its variants are published (every locale), and at
        which version; `latest`: the version a publish there would take now (for a variant; for
        the base entry, its latest version in the editor's locale)."""
        if self.entry is None:
            return []
        if self._publications is None:
            names = {e["uid"]: e["name"] for e in self.environments}
            base = [
                {**p, "what": "Base entry", "variant": "", "latest": self.entry.get("_version")}
                for p in self.entry.get("publish_details") or []
            ]
            variants = entry_variants.publications(
                self.page.services,
                self.page.actor,
                self.api_key,
                self.ct["uid"],
                self.entry["uid"],
                self.locale,
            )
            rows = [
                {**p, "what": p.get("what") or self.variant_name(p["variant"])}
                for p in base + variants
            ]
            for row in rows:
                row["environment_name"] = names.get(row["environment"], row["environment"])
            self._publications = sorted(
                rows,
                key=lambda p: (p["variant"] != "", p["what"], p["environment_name"], p["locale"]),
            )
        return self._publications

    def render(
        self,
        values: dict[str, Any],
        errors: dict[str, list[str]] | None = None,
        *,
        status: int = 200,
        message: str = "",
        base_version: int | None = None,
        variant_version: int | None = None,
        marks: editor.Marks | None = None,
    ) -> Response:
        if marks is None and self.variant is None and self.entry is not None and self.records:
            marks = self.base_marks()
        refs = self.references(values)
        uids = domain_assets.asset_uids(self.ct["schema"], values)
        refs.picked = asset_views.resolve(self.page, self.api_key, sorted(uids))
        nodes, tags, summary = editor.build_form(
            self.ct["schema"], values, errors or {}, refs, marks
        )
        notice = NOTICES.get(self.page.param("notice") or "")
        latest = (self.entry or {}).get("_version")
        record_version = (self.record or {}).get("_version", 0)
        return self.page.render(
            "entry.html",
            status=status,
            ed=self,
            nodes=nodes,
            tags=tags,
            summary=summary,
            message=message,
            notice=notice,
            values=values,
            crumbs=self.crumbs(),
            base_version=latest if base_version is None else base_version,
            variant_version=record_version if variant_version is None else variant_version,
        )

    def current(self) -> dict[str, Any]:
        """The variant being edited as it looks now: the latest base entry with it applied."""
        assert self.entry is not None and self.variant is not None
        return entry_variants.merged(
            self.page.services,
            self.page.actor,
            self.api_key,
            self.ct["uid"],
            self.entry["uid"],
            self.variant["uid"],
            self.locale,
        )

    def render_variant(
        self,
        values: dict[str, Any] | None = None,
        errors: dict[str, list[str]] | None = None,
        *,
        status: int = 200,
        message: str = "",
        base_version: int | None = None,
        variant_version: int | None = None,
    ) -> Response:
        """The editor on the variant: `values` (default: the variant now) with its marks."""
        current = self.current()
        marks = variant_diff.Marks.of(self.ct["schema"], self.entry or {}, current, self.record)
        return self.render(
            current if values is None else values,
            errors,
            status=status,
            message=message,
            base_version=base_version,
            variant_version=variant_version,
            marks=editor.VariantMarks(marks),
        )

    def rerender(self, status: int) -> Response:
        """This page again after a failed publish (the dialog stays open with its errors)."""
        if self.variant is not None:
            return self.render_variant(status=status)
        return self.render(self.entry or {}, status=status)

    def offer_merge(
        self,
        original: dict[str, Any] | None,
        mine: dict[str, Any],
        theirs: dict[str, Any],
        *,
        tags: bool,
    ) -> dict[str, Any]:
        """After a refused stale save: the merge's choices (`self.merge`) between the form
        (`mine`) and what is stored now (`theirs`), against what the form was opened with
        (`original`; when that is gone, every field that differs keeps mine); returns the form's
        values with the default choices applied (theirs where only they changed)."""
        was = theirs if original is None else original
        self.merge = save_merge.choices(self.ct["schema"], was, mine, theirs, tags=tags)
        return save_merge.merge(mine, theirs, save_merge.defaults(self.merge))

    def merge_rows(self) -> list[dict[str, Any]]:
        """The merge table after a refused stale save: per field, both values as shown, who
        changed it, the default choice and my value as JSON (posted back: "keep mine")."""
        by = {"mine": "You", "theirs": "They", "both": "Both of you"}
        return [
            {
                "choice": c,
                "mine": shown(c.mine) if c.mine not in (None, "", []) else "",
                "theirs": shown(c.theirs) if c.theirs not in (None, "", []) else "",
                "changed_by": by[c.changed_by],
                "mine_json": orjson.dumps(c.mine).decode(),
            }
            for c in self.merge
        ]

    def _who(self, doc: dict[str, Any]) -> str:
        if doc.get("updated_by") == self.page.actor.uid:
            return "You (in another tab or window, or through the API)"
        return "Another user"

    def _differing(self, values: dict[str, Any] | None, stored: dict[str, Any]) -> str:
        """ " Fields that differ from what is stored now: …" of the form's `values`, or ""."""
        if values is None:
            return ""
        labels = [
            str(field.get("display_name") or field["uid"])
            for field in self.ct["schema"]
            if isinstance(field.get("uid"), str)
            and values.get(field["uid"]) != stored.get(field["uid"])
        ]
        return (
            f" Fields that differ from what is stored now: {', '.join(labels)}." if labels else ""
        )

    def stale_notes(
        self,
        base_seen: int | None,
        variant_seen: int | None = None,
        values: dict[str, Any] | None = None,
    ) -> list[str]:
        """Why a save over versions the form saw was refused, in the editor's words: who saved
        (you, in another tab or through the API, or another user) and which fields of the form
        differ from what is stored now (`values`: the form's); call it after reloading what is
        stored now."""
        assert self.entry is not None
        notes = []
        # What the form shows: the base entry, or on a variant the base with the variant merged.
        shown_now = (
            self.current() if self.variant is not None and values is not None else self.entry
        )
        if base_seen is not None and base_seen != self.entry["_version"]:
            notes.append(
                CONFLICT.format(
                    who=self._who(self.entry),
                    version=self.entry["_version"],
                    fields=self._differing(values, shown_now),
                )
            )
        record = self.record or {}
        version = record.get("_version", 0)
        if self.variant is not None and variant_seen is not None and variant_seen != version:
            notes.append(
                VARIANT_CONFLICT.format(
                    who=self._who(record),
                    version=version,
                    fields=self._differing(values, shown_now),
                )
            )
        return notes
