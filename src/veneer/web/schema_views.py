"""Creating a content type and editing its schema in the editor (issue 17 §9; docs/editor-content-types.md).

Both forms post the definition as JSON (`schema_form`), saved through the services the
management API's `POST /v3/content_types` and `PUT /v3/content_types/{uid}` call: the same
checks, the same errors, shown next to the form with the user's input kept. A save that drops
fields some entry holds values in asks first (`confirm=remove`); the API does not ask.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from veneer.domain.global_fields import shaped
from veneer.domain.listing import ListParams
from veneer.errors import VeneerError
from veneer.services import content_types, global_fields, stacks, taxonomies
from veneer.web import schema_form as S
from veneer.web.page import Page, view
from veneer.web.views import stack_crumbs

NOTICES = {
    "created": "Content type created.",
    "saved": "Schema saved.",
    "unchanged": "Nothing changed: the schema was not saved.",
}
CHOICES = 100  # global fields and taxonomies offered by the form (the first, by uid)


def _render(
    page: Page,
    doc: dict[str, Any],
    *,
    new: bool,
    status: int = 200,
    message: str = "",
    errors: dict[str, list[str]] | None = None,
    dropping: list[str] | None = None,
) -> Response:
    api_key = page.path("api_key")
    stack = stacks.get_stack(page.services, page.actor, api_key)
    types = content_types.list_content_types(page.services, page.actor, api_key)
    listing = ListParams(limit=CHOICES, asc="uid")
    fields, _ = global_fields.page_global_fields(page.services, page.actor, api_key, listing)
    terms, _ = taxonomies.page_taxonomies(page.services, page.actor, api_key, listing)
    base = page.href("stacks", api_key, "content-types")
    title = "New content type" if new else f"{doc.get('title') or page.path('ct')}: schema"
    crumbs = [*stack_crumbs(page, stack)]
    if not new:
        ct = page.path("ct")
        crumbs.append((str(doc.get("title") or ct), f"{base}/{ct}/entries"))
    return page.render(
        "content_type_form.html",
        status=status,
        stack=stack,
        doc=doc,
        new=new,
        heading=title,
        action=f"{base}/new" if new else f"{base}/{page.path('ct')}/schema",
        content_types=[{"uid": t["uid"], "title": t["title"]} for t in types],
        global_fields=[{"uid": g["uid"], "title": g.get("title") or g["uid"]} for g in fields],
        taxonomies=[{"uid": t["uid"], "name": t.get("name") or t["uid"]} for t in terms],
        kinds=S.KINDS,
        form=S,
        errors=errors or {},
        message=message,
        dropping=dropping or [],
        notice=NOTICES.get(page.param("notice") or ""),
        crumbs=crumbs,
    )


@view
def new_form(page: Page) -> Response:
    stacks.get_stack(page.services, page.actor, page.path("api_key"))
    return _render(page, S.NEW_TYPE, new=True)


@view
def create(page: Page) -> Response:
    api_key = page.path("api_key")
    doc = S.parse(page.field("content_type"))
    try:
        made = content_types.create_content_type(page.services, page.actor, api_key, doc)
    except VeneerError as exc:
        return _render(
            page, doc, new=True, status=exc.status, message=exc.message, errors=exc.errors
        )
    return page.redirect(
        page.href("stacks", api_key, "content-types", made["uid"], "schema", notice="created")
    )


def _current(page: Page) -> dict[str, Any]:
    found = content_types.get_content_type(
        page.services, page.actor, page.path("api_key"), page.path("ct")
    )
    return S.editable(shaped(found, False))


@view
def schema_form(page: Page) -> Response:
    return _render(page, _current(page), new=False)


@view
def save_schema(page: Page) -> Response:
    api_key, uid = page.path("api_key"), page.path("ct")
    current = _current(page)
    doc = {**S.parse(page.field("content_type")), "uid": uid}  # the uid is the URL's
    here = page.href("stacks", api_key, "content-types", uid, "schema")
    if doc == current:
        return page.redirect(here + "?notice=unchanged")
    try:
        schema = doc.get("schema")
        if page.field("confirm") != "remove" and isinstance(schema, list):
            dropping = content_types.removed_with_data(
                page.services, page.actor, api_key, uid, schema
            )
            if dropping:
                message = "Entries hold values in fields this change removes."
                return _render(page, doc, new=False, status=409, message=message, dropping=dropping)
        content_types.update_content_type(page.services, page.actor, api_key, uid, doc)
    except VeneerError as exc:
        return _render(
            page, doc, new=False, status=exc.status, message=exc.message, errors=exc.errors
        )
    return page.redirect(here + "?notice=saved")
