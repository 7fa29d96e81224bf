"""The entry editor on a variant, and the variant groups page."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from veneer import ids
from veneer.domain import variant_diff
from veneer.errors import StaleVersion, ValidationFailed, VeneerError
from veneer.services import content_types, entry_variants, stacks, variant_groups, versions
from veneer.web import fields as F
from veneer.web.entry_page import CONFLICT_KEY, Editor, apply_choices, number, rte_uid
from veneer.web.page import Page, view
from veneer.web.version_views import restore_instance, revert_field
from veneer.web.views import stack_crumbs


def open_variant(page: Page) -> tuple[Editor, dict[str, Any]]:
    """The editor on `variant` of the entry: (editor, what the variant looks like now)."""
    ed = Editor.load(page)
    ed.load_entry(page.path("uid"))
    ed.load_variants()
    ed.variant = variant_groups.get_variant(
        page.services, page.actor, ed.api_key, page.path("variant")
    )
    if ed.record is not None:
        ed.variant_versions = entry_variants.versions(
            page.services,
            page.actor,
            ed.api_key,
            ed.ct["uid"],
            page.path("uid"),
            ed.variant["uid"],
            ed.locale,
        )
    return ed, ed.current()


@view
def edit_variant(page: Page) -> Response:
    ed, _ = open_variant(page)
    return ed.render_variant()


@view
def save_variant(page: Page) -> Response:
    """Save the form; a form posted by a field's "Revert to base entry value" reverts that field
    alone (version_views.revert_field), and one posted by "Restore" on a base instance the
    variant removed puts that back alone (version_views.restore_instance): the rest of the form
    is not read."""
    if page.field("revert"):
        return revert_field(page)
    if page.field("restore"):
        return restore_instance(page)
    ed, current = open_variant(page)
    assert ed.entry is not None and ed.variant is not None and page.form is not None
    doc, problems = F.decode_entry(ed.ct["schema"], page.form, current, rte_uid)  # type: ignore[arg-type]
    doc.pop("tags", None)
    doc = apply_choices(page, current, doc, problems)  # a merge's choices
    base_seen, variant_seen = (
        number(page.field("base_version")),
        number(page.field("variant_version")),
    )
    here = (ed.entry["uid"], "variants", ed.variant["uid"])
    try:
        if problems:
            raise ValidationFailed("The variant was not saved.", problems)
        sent = variant_diff.submission(ed.ct["schema"], current, doc, ed.entry, ids.cs)
        if variant_diff.is_empty(sent):
            # Nothing to store: no new version, and no empty record for a variant that has
            # none yet (it would claim "has its own values" while it inherits everything).
            return page.redirect(ed.href(*here, notice="unchanged"))
        entry_variants.upsert(
            page.services,
            page.actor,
            ed.api_key,
            ed.ct["uid"],
            ed.entry["uid"],
            ed.variant["uid"],
            {"entry": sent},
            ed.locale,
            expected_version=variant_seen,
            expected_base_version=base_seen,
        )
    except StaleVersion as exc:
        ed.load_entry(ed.entry["uid"])  # the form is shown over the latest, merged
        ed.load_variants()
        notes = {CONFLICT_KEY: ed.stale_notes(base_seen, variant_seen, doc)}
        original = (
            versions.variant_as_opened(
                page.services,
                page.actor,
                ed.api_key,
                ed.ct["uid"],
                ed.entry["uid"],
                ed.variant["uid"],
                ed.locale,
                base_seen,
                variant_seen,
            )
            if base_seen is not None and variant_seen is not None
            else None
        )
        merged = ed.offer_merge(original, doc, ed.current(), tags=False)
        return ed.render_variant(
            merged, {**exc.errors, **notes}, status=exc.status, message=exc.message
        )
    except VeneerError as exc:
        return ed.render_variant(
            doc,
            exc.errors,
            status=exc.status,
            message=exc.message,
            base_version=base_seen,
            variant_version=variant_seen,
        )
    return page.redirect(ed.href(*here, notice="variant_saved"))


# -- variant groups --------------------------------------------------------------------------------

GROUP_NOTICES = {
    "group_created": "Variant group created.",
    "links_saved": "Content types updated.",
    "variant_created": "Variant created.",
    "variant_renamed": "Variant renamed.",
    "group_renamed": "Variant group renamed.",
    "group_deleted": "Variant group deleted, with its variants and their entry variants.",
    "variant_deleted": "Variant deleted, with its entry variants.",
}


def _groups_page(
    page: Page,
    *,
    status: int = 200,
    errors: dict[str, list[str]] | None = None,
    message: str = "",
    form: str = "",
    confirm: dict[str, Any] | None = None,
) -> Response:
    api_key = page.path("api_key")
    stack = stacks.get_stack(page.services, page.actor, api_key)
    groups, _ = variant_groups.list_groups(
        page.services, page.actor, api_key, {"include_variant_info": "true", "asc": "name"}
    )
    types = content_types.list_content_types(page.services, page.actor, api_key)
    crumbs = [
        *stack_crumbs(page, stack),
        ("Variant groups", page.href("stacks", api_key, "variant-groups")),
    ]
    return page.render(
        "variant_groups.html",
        status=status,
        stack=stack,
        groups=groups,
        content_types=types,
        errors=errors or {},
        message=message,
        failed_form=form,
        confirm=confirm,
        notice=GROUP_NOTICES.get(page.param("notice") or ""),
        crumbs=crumbs,
    )


@view
def variant_group_list(page: Page) -> Response:
    return _groups_page(page)


def _links(page: Page, group: dict[str, Any] | None) -> list[dict[str, str]]:
    """Every content type ticked is linked; one that was linked and is no longer ticked is unlinked."""
    ticked = set(page.fields("content_types"))
    was = {
        c["uid"] for c in (group or {}).get("content_types") or [] if c.get("status") == "linked"
    }
    return [{"uid": uid, "status": "linked"} for uid in sorted(ticked)] + [
        {"uid": uid, "status": "unlinked"} for uid in sorted(was - ticked)
    ]


def _after(page: Page, notice: str) -> Response:
    return page.redirect(page.href("stacks", page.path("api_key"), "variant-groups", notice=notice))


@view
def create_group(page: Page) -> Response:
    body = {
        "name": page.field("name"),
        "uid": page.field("uid").strip() or None,
        "content_types": _links(page, None),
    }
    try:
        variant_groups.create_group(page.services, page.actor, page.path("api_key"), body)
    except VeneerError as exc:
        return _groups_page(
            page, status=exc.status, errors=exc.errors, message=exc.message, form="new-group"
        )
    return _after(page, "group_created")


@view
def update_group(page: Page) -> Response:
    api_key, uid = page.path("api_key"), page.path("group")
    group = variant_groups.get_group(page.services, page.actor, api_key, uid)
    links = _links(page, group)
    dropping = [link["uid"] for link in links if link["status"] == "unlinked"]
    if dropping and page.field("confirm") != "unlink":
        # Unlinking deletes this group's entry variants of those content types: ask first.
        return _groups_page(
            page,
            status=409,
            form=f"group-{uid}",
            confirm={
                "group": group,
                "content_types": page.fields("content_types"),
                "name": page.field("name"),
                "dropping": dropping,
            },
        )
    body: dict[str, Any] = {"content_types": links}
    if page.field("name").strip():
        body["name"] = page.field("name")
    try:
        variant_groups.update_group(page.services, page.actor, api_key, uid, body)
    except VeneerError as exc:
        return _groups_page(
            page, status=exc.status, errors=exc.errors, message=exc.message, form=f"group-{uid}"
        )
    return _after(page, "links_saved")


@view
def create_variant(page: Page) -> Response:
    api_key, group = page.path("api_key"), page.path("group")
    body = {"name": page.field("name"), "uid": page.field("uid").strip() or None}
    try:
        variant_groups.create_variant(page.services, page.actor, api_key, body, group)
    except VeneerError as exc:
        return _groups_page(
            page,
            status=exc.status,
            errors=exc.errors,
            message=exc.message,
            form=f"new-variant-{group}",
        )
    return _after(page, "variant_created")


@view
def rename_variant(page: Page) -> Response:
    api_key, group, uid = page.path("api_key"), page.path("group"), page.path("variant")
    try:
        if not page.field("name").strip():
            raise ValidationFailed("Give the variant a name.", {"name": ["is required."]})
        variant_groups.rename_variant(
            page.services, page.actor, api_key, group, uid, {"name": page.field("name")}
        )
    except VeneerError as exc:
        return _groups_page(
            page, status=exc.status, errors=exc.errors, message=exc.message, form=f"variant-{uid}"
        )
    return _after(page, "variant_renamed")
