"""Delete in the editor: an entry goes to the stack's trash (and comes back from it), a pending
schedule is cancelled, a variant or variant group is deleted after a confirmation."""

from __future__ import annotations

import math

from starlette.responses import Response

from veneer.errors import NotFoundObject, ValidationFailed, VeneerError
from veneer.services import (
    content_types,
    entry_variants,
    schedules,
    stacks,
    trash,
    variant_groups,
)
from veneer.web.page import Page, view
from veneer.web.views import page_number, stack_crumbs

CONFIRM = "delete"  # what a confirmation dialog posts as `confirm`


def _confirmed(page: Page, what: str) -> None:
    """Refuse a delete that did not come through its confirmation dialog."""
    if page.field("confirm") != CONFIRM:
        raise ValidationFailed(
            f"Confirm that the {what} should be deleted.", {"confirm": ["is required."]}
        )


@view
def delete_entry(page: Page) -> Response:
    """Move the entry to the trash; the entry list then offers to undo."""
    api_key, ct, uid = page.path("api_key"), page.path("ct"), page.path("uid")
    _confirmed(page, "entry")
    trash.trash_entry(page.services, page.actor, api_key, ct, uid, page.param("locale"))
    return page.redirect(
        page.href(
            "stacks",
            api_key,
            "content-types",
            ct,
            "entries",
            locale=page.param("locale"),
            notice="trashed",
            trashed=uid,
        )
    )


@view
def trash_list(page: Page) -> Response:
    return _trash_page(page)


def _trash_page(page: Page, status: int = 200, message: str = "") -> Response:
    api_key = page.path("api_key")
    stack = stacks.get_stack(page.services, page.actor, api_key)
    number = page_number(page.param("page"))
    items, count = trash.list_trash(
        page.services, page.actor, api_key, (number - 1) * trash.TRASH_PAGE
    )
    more, full = count > trash.COUNT_LIMIT, len(items) == trash.TRASH_PAGE
    crumbs = [*stack_crumbs(page, stack), ("Trash", page.href("stacks", api_key, "trash"))]
    types = content_types.list_content_types(page.services, page.actor, api_key)
    return page.render(
        "trash.html",
        stack=stack,
        items=items,
        count=min(count, trash.COUNT_LIMIT),
        more=more,
        number=number,
        pages=max(1, math.ceil(count / trash.TRASH_PAGE), number + (more and full)),
        crumbs=crumbs,
        titles={ct["uid"]: ct["title"] for ct in types},
        message=message,
        notice="The entry was deleted for good." if page.param("notice") == "deleted" else "",
        status=status,
    )


@view
def restore_entry(page: Page) -> Response:
    api_key, uid = page.path("api_key"), page.path("uid")
    try:
        found = trash.restore_entry(page.services, page.actor, api_key, uid)
    except VeneerError as exc:  # a unique value taken meanwhile, or already restored
        problems = " ".join(m for messages in exc.errors.values() for m in messages)
        status = 404 if isinstance(exc, NotFoundObject) else exc.status  # as `error_page` does
        return _trash_page(page, status, f"{exc.message} {problems}".strip())
    ct = found["content_type"]
    return page.redirect(
        page.href("stacks", api_key, "content-types", ct, "entries", uid, notice="restored")
    )


@view
def delete_forever(page: Page) -> Response:
    api_key, uid = page.path("api_key"), page.path("uid")
    _confirmed(page, "entry")
    trash.delete_forever(page.services, page.actor, api_key, uid)
    return page.redirect(page.href("stacks", api_key, "trash", notice="deleted"))


@view
def cancel_schedule(page: Page) -> Response:
    api_key, ct, uid = page.path("api_key"), page.path("ct"), page.path("uid")
    schedules.cancel(page.services, page.actor, api_key, ct, uid, page.path("job"))
    target = (uid, "variants", page.field("from")) if page.field("from") else (uid,)
    return page.redirect(
        page.href(
            "stacks",
            api_key,
            "content-types",
            ct,
            "entries",
            *target,
            locale=page.param("locale"),
            notice="schedule_cancelled",
        )
    )


@view
def delete_entry_variant(page: Page) -> Response:
    """Delete an entry variant (the variant's own values of this entry, in this locale)."""
    api_key, ct, uid = page.path("api_key"), page.path("ct"), page.path("uid")
    _confirmed(page, "entry variant")
    locale = page.param("locale")
    entry_variants.delete(page.services, page.actor, api_key, ct, uid, page.path("variant"), locale)
    return page.redirect(
        page.href(
            "stacks",
            api_key,
            "content-types",
            ct,
            "entries",
            uid,
            "variants",
            page.path("variant"),
            locale=locale,
            notice="variant_deleted",
        )
    )


@view
def delete_group(page: Page) -> Response:
    api_key, uid = page.path("api_key"), page.path("group")
    _confirmed(page, "variant group")
    variant_groups.delete_group(page.services, page.actor, api_key, uid)
    return _groups(page, "group_deleted")


@view
def delete_variant(page: Page) -> Response:
    api_key, group, uid = page.path("api_key"), page.path("group"), page.path("variant")
    _confirmed(page, "variant")
    variant_groups.delete_variant(page.services, page.actor, api_key, uid, group)
    return _groups(page, "variant_deleted")


def _groups(page: Page, notice: str) -> Response:
    return page.redirect(page.href("stacks", page.path("api_key"), "variant-groups", notice=notice))
