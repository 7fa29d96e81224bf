"""The entry editor on the base entry: create, edit, version history, and the publish dialog (which
publishes the base entry and/or its variants)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.responses import JSONResponse, Response

from veneer import ids
from veneer.errors import NotFoundObject, StaleVersion, ValidationFailed, VeneerError
from veneer.services import entries, publishing, variant_groups
from veneer.web import fields as F
from veneer.web.entry_page import (
    CONFLICT_KEY,
    Editor,
    apply_choices,
    number,
    reference_choices,
    rte_uid,
)
from veneer.web.page import HEADERS, Page, view
from veneer.web.views import page_number

BASE = "base"  # the publish dialog's value for the base entry


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
    return page.redirect(ed.href(entry["uid"], notice="created", pick=ed.pick))


@view
def edit_entry(page: Page) -> Response:
    ed = Editor.load(page)
    ed.load_entry(page.path("uid"))
    ed.load_variants()
    assert ed.entry is not None
    ed.viewing = number(page.param("version"))
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
    assert ed.entry is not None and page.form is not None
    values, problems = F.decode_entry(ed.ct["schema"], page.form, ed.entry, rte_uid)  # type: ignore[arg-type]
    values = apply_choices(page, ed.entry, values, problems)  # a merge's choices
    seen = number(page.field("base_version"))
    try:
        if problems:
            raise ValidationFailed("The entry was not saved.", problems)
        saved = entries.update_entry(
            page.services,
            page.actor,
            ed.api_key,
            ed.ct["uid"],
            ed.entry["uid"],
            {"entry": values},
            ed.locale,
            expected_version=seen,
            skip_unchanged=True,  # a save with no edit makes no new version
        )
    except StaleVersion as exc:
        ed.load_entry(ed.entry["uid"])  # the form is shown over the latest, merged
        notes = {CONFLICT_KEY: ed.stale_notes(seen, values=values)}
        merged = offer_merge(page, ed, seen, values)
        return ed.render(merged, {**exc.errors, **notes}, status=exc.status, message=exc.message)
    except VeneerError as exc:
        return ed.render(
            values, exc.errors, status=exc.status, message=exc.message, base_version=seen
        )
    same = all(saved.get(k) == ed.entry.get(k) for k in ("locale", "_version"))
    notice = "unchanged" if same else "saved"
    return page.redirect(ed.href(ed.entry["uid"], notice=notice))


def offer_merge(page: Page, ed: Editor, seen: int | None, mine: dict[str, Any]) -> dict[str, Any]:
    """After a refused stale save: the merge between the form and the latest version, against
    the version the form was opened at (`seen`)."""
    assert ed.entry is not None
    original = None
    if seen is not None:
        try:
            original = entries.get_entry(
                page.services,
                page.actor,
                ed.api_key,
                ed.ct["uid"],
                ed.entry["uid"],
                ed.locale,
                seen,
            )
        except NotFoundObject:
            pass
    return ed.offer_merge(original, mine, ed.entry, tags=True)


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
    when = scheduled_at(page, missing)
    if missing:
        raise ValidationFailed("Choose what to publish, and where.", missing)
    if when:
        body["scheduled_at"] = when
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


def scheduled_at(page: Page, problems: dict[str, list[str]]) -> str | None:
    """The dialog's "Schedule for" time in UTC (the stored format), or None to act now. The
    browser posts a local time and its offset from UTC in minutes (`tz_offset`, as JavaScript's
    getTimezoneOffset gives it); without one the time is UTC. A time not in the future is refused."""
    raw = page.field("scheduled_at").strip()
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        problems["scheduled_at"] = ["must be a date and time."]
        return None
    offset = page.field("tz_offset")
    minutes = int(offset) if re.fullmatch(r"-?\d{1,4}", offset) else 0
    try:
        if moment.tzinfo is None:
            moment = (moment + timedelta(minutes=minutes)).replace(tzinfo=UTC)
        when = ids.format_time(moment)
    except OverflowError:  # a time at the very edge of the calendar
        problems["scheduled_at"] = ["must be a date and time."]
        return None
    if when <= ids.now():
        problems["scheduled_at"] = [
            "is not in the future: choose a later time, or leave it empty to act now."
        ]
        return None
    return when


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
    notice = "unpublished" if unpublish else "published"
    return page.redirect(ed.href(*where, notice="scheduled" if "scheduled_at" in body else notice))


@view
def publish_reload(page: Page) -> Response:
    """A failed publish leaves the browser at …/publish; reloading it opens the entry again."""
    ed = Editor.load(page)
    return page.redirect(ed.href(page.path("uid")))


@view
def choices(page: Page) -> Response:
    """The reference picker's search (editor.js): one page of the entries of a content type whose
    title contains `q`, by title, as `{"choices": [{value, label}], "page": n, "more": bool}`,
    found and paged by the database."""
    api_key, ct = page.path("api_key"), page.path("ct")
    number = page_number(page.param("page"))
    found, more = reference_choices(
        page, api_key, ct, page.param("locale"), page.param("q") or "", number
    )
    body = {
        "choices": [{"value": f"{ct}:{uid}", "label": label} for uid, label in found],
        "page": number,
        "more": more,
    }
    return JSONResponse(body, headers=HEADERS)
