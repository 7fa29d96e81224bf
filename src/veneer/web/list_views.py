"""The entry list of a content type (issue 17, Major 8): search, locale, publish-state and variant
filters, sorting, each row's publications and variants at a glance, and bulk publish/unpublish of
the entries ticked on the page. The database filters, sorts and pages (`services.entry_list`)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response

from veneer.errors import VeneerError
from veneer.services import content_types, entries, environments, locales, stacks
from veneer.services import entry_list as listing
from veneer.services import variant_groups as groups
from veneer.services.entry_list import STATES, Condition, HasVariants, Status
from veneer.web.page import Page, view
from veneer.web.views import page_number, stack_crumbs, titled

PAGE_SIZE = 25
COUNT_LIMIT = 10_000  # the entry list counts this many at most, then says "more than"
SORTS = {"updated_at": "Last updated", "created_at": "Created", "title": "Title"}
STATE_LABELS = {
    "published": "Published in",
    "unpublished": "Not published in",
    "changed": "Changed since publish in",
}


@dataclass(frozen=True)
class Filters:
    """The list's query string, read leniently: an unknown value means no filter."""

    search: str
    locale: str | None
    status: str  # "<state>:<environment uid>" or ""
    variants: str  # "yes", "no" or ""
    only_localized: bool
    sort: str
    order: str  # "asc" or "desc"
    number: int

    @classmethod
    def read(cls, page: Page, envs: dict[str, str]) -> Filters:
        status = page.param("status") or ""
        state, _, env = status.partition(":")
        sort = page.param("sort") or ""
        variants = page.param("variants") or ""
        order = page.param("order") or ""
        return cls(
            search=page.param("q") or "",
            locale=page.param("locale"),
            status=status if state in STATES and env in envs else "",
            variants=variants if variants in ("yes", "no") else "",
            only_localized=page.param("only") == "localized",
            sort=sort if sort in SORTS else "updated_at",
            order=order if order in ("asc", "desc") else "desc",
            number=page_number(page.param("page")),
        )

    def conditions(self) -> tuple[Condition, ...]:
        found: list[Condition] = []
        if self.status:
            state, _, env = self.status.partition(":")
            found.append(Status(env, state))  # type: ignore[arg-type]  # checked in read()
        if self.variants:
            found.append(HasVariants(self.variants == "yes"))
        return tuple(found)

    def query(self, locale: str, **changes: Any) -> dict[str, Any]:
        """The query string of this list (a link keeps every filter), with `changes`."""
        params = {
            "q": self.search,
            "locale": locale,
            "status": self.status,
            "variants": self.variants,
            "only": "localized" if self.only_localized else "",
            "sort": self.sort if self.sort != "updated_at" else "",
            "order": self.order if self.order != "desc" else "",
            "page": self.number if self.number > 1 else "",
        }
        return {k: v for k, v in {**params, **changes}.items() if v not in (None, "")}


@view
def entry_list(page: Page) -> Response:
    return _render(page)


@view
def bulk_publish(page: Page) -> Response:
    """Publish or unpublish the entries ticked on the list, each on its own; the list again with
    what became of each (the filters are the query string the form was posted to)."""
    api_key, ct_uid = page.path("api_key"), page.path("ct")
    unpublish = page.field("action") == "unpublish"
    uids = page.fields("entries")
    try:
        outcomes = listing.publish_many(
            page.services,
            page.actor,
            api_key,
            ct_uid,
            uids,
            page.fields("environments"),
            page.fields("locales"),
            locale=page.param("locale"),
            unpublish=unpublish,
            with_variants=page.field("with_variants") == "1",
        )
    except VeneerError as exc:
        problems = [m for messages in exc.errors.values() for m in messages]
        return _render(page, bulk_error=" ".join([exc.message, *problems]), status=exc.status)
    results = [(o.uid, _title(page, api_key, ct_uid, o.uid), o.error) for o in outcomes]
    summary = {
        "action": "Unpublished" if unpublish else "Published",
        "environments": page.fields("environments"),
        "locales": page.fields("locales"),
        "done": sum(1 for o in outcomes if o.error is None),
        "results": results,
    }
    return _render(page, bulk=summary)


@view
def bulk_reload(page: Page) -> Response:
    """Reloading the address a bulk publish left: the list, with the same filters."""
    return page.redirect(
        page.href(
            "stacks",
            page.path("api_key"),
            "content-types",
            page.path("ct"),
            "entries",
            **dict(page.request.query_params),
        )
    )


def _title(page: Page, api_key: str, ct_uid: str, uid: str) -> str:
    """An entry's title for the bulk report (its uid when it can't be read)."""
    try:
        doc = entries.get_entry(page.services, page.actor, api_key, ct_uid, uid)
    except VeneerError:
        return uid
    return str(doc.get("title") or uid)


def _render(page: Page, status: int = 200, **extra: Any) -> Response:
    api_key, ct_uid = page.path("api_key"), page.path("ct")
    stack = stacks.get_stack(page.services, page.actor, api_key)
    ct = content_types.get_content_type(page.services, page.actor, api_key, ct_uid)
    codes = locales.list_locales(page.services, page.actor, api_key)
    envs = {
        e["uid"]: e["name"]
        for e in environments.list_environments(page.services, page.actor, api_key)
    }
    f = Filters.read(page, envs)
    locale = (f.locale or stack["master_locale"]).lower()
    lp = titled(
        f.search,
        skip=(f.number - 1) * PAGE_SIZE,
        limit=PAGE_SIZE,
        include_count=True,
        count_limit=COUNT_LIMIT,
        **({"asc": f.sort} if f.order == "asc" else {"desc": f.sort}),
    )
    found = listing.list_page(
        page.services,
        page.actor,
        api_key,
        ct_uid,
        lp,
        locale,
        conditions=f.conditions(),
        include_fallback=not f.only_localized,
    )
    count = found.count
    more = count > COUNT_LIMIT  # counted no further: "more than", and a next page while full
    pages = max(
        1, math.ceil(count / PAGE_SIZE), f.number + (len(found.entries) == PAGE_SIZE and more)
    )
    base = page.href("stacks", api_key, "content-types", ct_uid, "entries")
    return page.render(
        "entries.html",
        status=status,
        stack=stack,
        ct=ct,
        entries=found.entries,
        glances=found.glances,
        count=min(count, COUNT_LIMIT),
        more=more,
        locales=codes,
        locale=locale,
        filters=f,
        filtered=bool(f.search or f.status or f.variants or f.only_localized),
        sorts=SORTS,
        states=STATE_LABELS,
        pages=pages,
        environments=envs,
        variant_names=_variant_names(page, api_key, found),
        crumbs=[*stack_crumbs(page, stack), (ct["title"], base)],
        trashed=page.param("trashed") if page.param("notice") == "trashed" else None,
        bulk=extra.get("bulk"),
        bulk_error=extra.get("bulk_error"),
    )


def _variant_names(page: Page, api_key: str, found: listing.EntryPage) -> dict[str, str]:
    """The names of the variants the page's rows have (read only when some row has one)."""
    wanted = {v for g in found.glances.values() for v in g.variants}
    if not wanted:
        return {}
    params = {"uid": ",".join(sorted(wanted))}
    _, docs, _ = groups.list_variants(page.services, page.actor, api_key, params)
    return {d["uid"]: d.get("name") or d["uid"] for d in docs}
