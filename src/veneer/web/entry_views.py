"""The entry editor on the base entry: create, edit, version history, and the publish dialog (which
publishes the base entry and/or its variants). The variant editor builds on `Editor` (variant_views)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import Response

from veneer.domain.listing import ListParams
from veneer.errors import NotFoundObject, ValidationFailed, VeneerError
from veneer.services import (
    content_types,
    entries,
    entry_variants,
    environments,
    locales,
    publishing,
    stacks,
    variant_groups,
)
from veneer.web import editor
from veneer.web import fields as F
from veneer.web.page import Page, view
from veneer.web.views import stack_crumbs

REFERENCE_CHOICES = 100  # entries offered per referenced content type
NOTICES = {
    "saved": "Entry saved.",
    "created": "Entry created.",
    "published": "Publish request completed.",
    "unpublished": "Unpublish request completed.",
    "variant_saved": "Entry variant saved.",
    "reverted": "The field inherits the base entry value again.",
    "unchanged": "Nothing was changed, so nothing was saved.",
}
BASE = "base"  # the publish dialog's value for the base entry
CONFLICT = (
    "Someone saved version {version} of this entry after you opened it. Check the fields and save "
    "again to overwrite it with what you see here."
)


def rte_uid() -> str:
    return secrets.token_hex(16)  # JSON RTE node uids are 32 hex characters


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

    @property
    def record(self) -> dict[str, Any] | None:
        """The stored entry variant being edited (None until its first save)."""
        return self.records.get(self.variant["uid"]) if self.variant else None

    def references(self) -> editor.References:
        refs = editor.References()
        services, actor = self.page.services, self.page.actor
        for target in sorted(F.walk_references(self.ct["schema"])):
            try:
                ct = content_types.get_content_type(services, actor, self.api_key, target)
            except NotFoundObject:
                continue
            items, _ = entries.list_entries(
                services,
                actor,
                self.api_key,
                target,
                ListParams(limit=REFERENCE_CHOICES, asc="title"),
                self.locale,
                include_fallback=True,
            )
            refs.by_type[target] = (
                ct["title"],
                [(e["uid"], str(e.get("title") or e["uid"])) for e in items],
            )
        return refs

    def crumbs(self) -> list[tuple[str, str]]:
        return [
            *stack_crumbs(self.page, self.stack),
            (
                self.ct["title"],
                self.page.href(
                    "stacks",
                    self.api_key,
                    "content-types",
                    self.ct["uid"],
                    "entries",
                    locale=self.locale,
                ),
            ),
        ]

    def publications(self) -> list[dict[str, Any]]:
        """Where the base entry and each of its variants are published, and at which version."""
        names = {e["uid"]: e["name"] for e in self.environments}
        sources = [("Base entry", "", self.entry or {})]
        sources += [
            (self.variant_name(uid), uid, record) for uid, record in sorted(self.records.items())
        ]
        rows = [
            {
                **p,
                "what": what,
                "variant": uid,
                "latest": doc.get("_version"),
                "environment_name": names.get(p["environment"], p["environment"]),
            }
            for what, uid, doc in sources
            for p in doc.get("publish_details") or []
        ]
        return sorted(
            rows, key=lambda p: (p["variant"] != "", p["what"], p["environment_name"], p["locale"])
        )

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
        nodes, tags, summary = editor.build_form(
            self.ct["schema"], values, errors or {}, self.references(), marks
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

    def rerender(self, status: int) -> Response:
        """This page again after a failed publish (the dialog stays open with its errors)."""
        if self.variant is not None:
            from veneer.web.variant_views import (
                render_variant,  # variant_views builds on this module
            )

            return render_variant(self, status=status)
        return self.render(self.entry or {}, status=status)


def _version_param(page: Page) -> int | None:
    raw = page.param("version")
    return int(raw) if raw and raw.isdigit() else None


@view
def new_entry(page: Page) -> Response:
    return Editor.load(page).render({})


@view
def create_entry(page: Page) -> Response:
    ed = Editor.load(page)
    values, problems = F.decode_entry(ed.ct["schema"], page.form or {}, {}, rte_uid)  # type: ignore[arg-type]
    if problems:
        return ed.render(values, problems, status=422, message="Some fields need attention.")
    try:
        entry = entries.create_entry(
            page.services, page.actor, ed.api_key, ed.ct["uid"], {"entry": values}, ed.locale
        )
    except VeneerError as exc:
        return ed.render(values, exc.errors, status=exc.status, message=exc.message)
    return page.redirect(ed.href(entry["uid"], notice="created"))


@view
def edit_entry(page: Page) -> Response:
    ed = Editor.load(page)
    ed.load_entry(page.path("uid"))
    ed.load_variants()
    assert ed.entry is not None
    ed.viewing = _version_param(page)
    values = ed.entry
    if ed.viewing is not None and ed.viewing != ed.entry["_version"]:
        values = entries.get_entry(
            page.services,
            page.actor,
            ed.api_key,
            ed.ct["uid"],
            ed.entry["uid"],
            ed.locale,
            ed.viewing,
        )
    else:
        ed.viewing = None
    return ed.render(values)


@view
def save_entry(page: Page) -> Response:
    ed = Editor.load(page)
    ed.load_entry(page.path("uid"))
    ed.load_variants()
    assert ed.entry is not None
    form = page.form
    assert form is not None
    values, problems = F.decode_entry(ed.ct["schema"], form, ed.entry, rte_uid)  # type: ignore[arg-type]
    loaded = page.field("base_version")
    if loaded.isdigit() and int(loaded) != ed.entry["_version"]:
        problems.setdefault("entry", []).append(CONFLICT.format(version=ed.entry["_version"]))
    if problems:
        return ed.render(
            values,
            problems,
            status=422 if "entry" not in problems else 409,
            message="The entry was not saved.",
        )
    try:
        entries.update_entry(
            page.services,
            page.actor,
            ed.api_key,
            ed.ct["uid"],
            ed.entry["uid"],
            {"entry": values},
            ed.locale,
        )
    except VeneerError as exc:
        return ed.render(
            values,
            exc.errors,
            status=exc.status,
            message=exc.message,
            base_version=int(loaded) if loaded.isdigit() else None,
        )
    return page.redirect(ed.href(ed.entry["uid"], notice="saved"))


def publish_body(page: Page, ed: Editor) -> tuple[dict[str, Any], bool]:
    """The publish (or unpublish) request the dialog describes; (body, unpublish)."""
    unpublish = page.field("action") == "unpublish"
    chosen = page.fields("targets")
    variants = [v for v in chosen if v != BASE and v in ed.records]
    entry: dict[str, Any] = {
        "environments": page.fields("environments"),
        "locales": page.fields("locales"),
    }
    body: dict[str, Any] = {"entry": entry, "locale": ed.locale}
    missing = {
        key: [f"Choose at least one {what}."]
        for key, what, picked in (
            ("targets", "entry or variant", chosen),
            ("entry.environments", "environment", entry["environments"]),
            ("entry.locales", "locale", entry["locales"]),
        )
        if not picked
    }
    if missing:
        raise ValidationFailed("Choose what to publish, and where.", missing)
    if variants and not (
        unpublish and BASE in chosen
    ):  # unpublishing the base takes its variants along
        entry["variants"] = [{"uid": v} for v in variants]
        if not unpublish:
            entry["variant_rules"] = {
                "publish_latest_base": BASE in chosen,
                "publish_latest_base_conditionally": True,
            }
    version = page.field("version")
    if not variants and version.isdigit() and not unpublish:
        body["version"] = int(version)
    return body, unpublish


@view
def publish_entry(page: Page) -> Response:
    ed = Editor.load(page)
    ed.load_entry(page.path("uid"))
    ed.load_variants()
    assert ed.entry is not None
    origin = page.field("from")
    if origin and origin != BASE:
        ed.variant = variant_groups.get_variant(page.services, page.actor, ed.api_key, origin)
    try:
        body, unpublish = publish_body(page, ed)
        publishing.publish(
            page.services,
            page.actor,
            ed.api_key,
            ed.ct["uid"],
            ed.entry["uid"],
            body,
            unpublish=unpublish,
        )
    except VeneerError as exc:
        ed.publish_errors, ed.publish_message, ed.dialog_open = exc.errors, exc.message, True
        return ed.rerender(exc.status)
    where = (ed.entry["uid"], "variants", ed.variant["uid"]) if ed.variant else (ed.entry["uid"],)
    return page.redirect(ed.href(*where, notice="unpublished" if unpublish else "published"))
