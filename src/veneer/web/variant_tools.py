"""The editor's variant tools (issue 16): preview a combination of variants before publishing
(§2), and review a variant's stale overrides against the base that moved under them (§4). Both
read through the services the API uses (`entry_variants.preview`, `stale_review`, `rebase`), so
what the editor shows is what the API answers and delivery will serve."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.responses import Response

from veneer.domain import variants as domain
from veneer.errors import VeneerError
from veneer.services import (
    content_types,
    entry_variants,
    environments,
    locales,
    stacks,
    variant_coverage,
)
from veneer.web.entry_page import Editor, shown
from veneer.web.page import Page, view
from veneer.web.views import stack_crumbs

FATES = {
    "applied": "applied",
    "lost": "lost everywhere (an earlier variant won every path it changes)",
    "not_saved": "not saved in this locale",
    "not_published": "not published here",
    "unknown": "unknown",
    "beyond_limit": "beyond the variant limit",
}


def _open(page: Page) -> Editor:
    ed = Editor.load(page)
    ed.load_entry(page.path("uid"))
    ed.load_variants()
    return ed


def _order(page: Page, ed: Editor) -> list[str]:
    """The variants chosen, in order: from the form's `pos-<uid>` selects (1 = first), else from
    repeated `variant` parameters (a link's order)."""
    params = page.request.query_params
    known = [v["uid"] for g in ed.groups for v in g.get("variants") or []]
    placed = [
        (int(params[f"pos-{uid}"]), n, uid)
        for n, uid in enumerate(known)
        if (params.get(f"pos-{uid}") or "").isdigit()
    ]
    if placed:
        return [uid for _pos, _n, uid in sorted(placed)]
    return [uid for uid in params.getlist("variant") if uid in known]


@view
def preview_combination(page: Page) -> Response:
    """The merged entry of an ordered list of variants (latest saved, published or not), each
    field with its source, and the values the winners shadow."""
    ed = _open(page)
    assert ed.entry is not None
    order = _order(page, ed)
    rows: list[dict[str, Any]] = []
    fates: list[dict[str, str]] = []
    if order:
        services, actor, ct, uid = page.services, page.actor, ed.ct["uid"], ed.entry["uid"]
        merged = entry_variants.preview(
            services, actor, ed.api_key, ct, uid, order, ed.locale, explain=True
        )
        explained: dict[str, dict[str, Any]] = merged["_variant_explain"]["paths"]
        alone: dict[str, dict[str, Any]] = {}  # each losing variant merged on its own

        def loser_value(variant: str, path: str) -> Any:
            if variant not in alone:
                alone[variant] = entry_variants.preview(
                    services, actor, ed.api_key, ct, uid, [variant], ed.locale
                )
            return domain.value_at(ed.ct["schema"], alone[variant], path)

        for field in ed.ct["schema"]:
            key = field["uid"]
            here = {p: e for p, e in explained.items() if p == key or p.startswith(key + ".")}
            sources = sorted({e["source"] for e in here.values()} - {"base"})
            rows.append(
                {
                    "uid": key,
                    "label": field.get("display_name") or key,
                    "value": shown(merged.get(key)),
                    "sources": [ed.variant_name(s) for s in sources],
                    "shadowed": [
                        {
                            "path": path,
                            "variant": ed.variant_name(loser),
                            "value": shown(loser_value(loser, path)),
                        }
                        for path, e in sorted(here.items())
                        for loser in e.get("lost") or []
                    ],
                }
            )
        fates = [
            {"name": ed.variant_name(f["uid"] or f["name"]), "fate": FATES.get(f["status"], "")}
            for f in merged["_variant_explain"]["variants"]
        ]
    positions = {uid: n + 1 for n, uid in enumerate(order)}
    return page.render(
        "variant_preview.html",
        ed=ed,
        rows=rows,
        fates=fates,
        order=[ed.variant_name(uid) for uid in order],
        positions=positions,
        slots=sum(len(g.get("variants") or []) for g in ed.groups),
        crumbs=[*ed.crumbs(), (ed.entry.get("title") or ed.entry["uid"], ed.href(ed.entry["uid"]))],
    )


def _review(page: Page) -> tuple[Editor, dict[str, Any]]:
    ed = _open(page)
    assert ed.entry is not None
    variant = page.path("variant")
    ed.variant = next(
        (v for g in ed.groups for v in g.get("variants") or [] if v["uid"] == variant),
        {"uid": variant, "name": variant},
    )
    review = entry_variants.stale_review(
        page.services, page.actor, ed.api_key, ed.ct["uid"], ed.entry["uid"], variant, ed.locale
    )
    return ed, review


def _render_review(
    page: Page, ed: Editor, review: dict[str, Any], status: int = 200, message: str = ""
) -> Response:
    assert ed.entry is not None and ed.variant is not None
    here = ed.href(ed.entry["uid"], "variants", ed.variant["uid"])
    return page.render(
        "variant_stale.html",
        status=status,
        ed=ed,
        review=review,
        rows=[
            {
                "path": item["path"],
                "then": "(that version is gone)" if item["then"] is None else shown(item["then"]),
                "now": shown(item["now"]),
                "variant": shown(item["variant"]),
            }
            for item in review["stale"]
        ],
        message=message,
        crumbs=[*ed.crumbs(), (ed.variant["name"], here)],
    )


@view
def stale_overrides(page: Page) -> Response:
    """A variant's stale overrides, three ways: the base it was saved against, the base now, and
    the variant's value; keep or revert each."""
    ed, review = _review(page)
    return _render_review(page, ed, review)


@view
def resolve_stale(page: Page) -> Response:
    """Keep or revert each stale override (`choice-<n>` = keep | revert for the n-th path shown);
    the variant is marked reviewed against the latest base, as a new version."""
    ed, review = _review(page)
    assert ed.entry is not None and ed.variant is not None
    revert = [
        item["path"]
        for n, item in enumerate(review["stale"])
        if page.field(f"choice-{n}") == "revert"
    ]
    try:
        entry_variants.rebase(
            page.services,
            page.actor,
            ed.api_key,
            ed.ct["uid"],
            ed.entry["uid"],
            ed.variant["uid"],
            {"revert": revert},
            ed.locale,
        )
    except VeneerError as exc:
        return _render_review(page, ed, review, status=exc.status, message=exc.message)
    target = ed.href(ed.entry["uid"], "variants", ed.variant["uid"], notice="rebased")
    return page.redirect(target)


ONLY = (
    ("stale", "Stale overrides"),
    ("noop", "Overrides equal to the base"),
    ("conflicts", "Paths several variants override"),
    ("unpublished", "Not published at their latest version"),
)


@view
def coverage(page: Page) -> Response:
    """The variant coverage report of a content type as a grid (§6): entry × locale rows, a
    column per variant, published version against latest, stale and no-op overrides, conflicts;
    filtered and paged as the API's `…/variant_coverage` (the same service)."""
    api_key, ct_uid = page.path("api_key"), page.path("ct")
    stack = stacks.get_stack(page.services, page.actor, api_key)
    ct = content_types.get_content_type(page.services, page.actor, api_key, ct_uid)
    codes = locales.list_locales(page.services, page.actor, api_key)
    envs = environments.list_environments(page.services, page.actor, api_key)
    params = page.request.query_params
    chosen = params.getlist("only")
    query = {
        k: v
        for k, v in (
            ("locale", params.get("locale") or ""),
            ("environment", params.get("environment") or ""),
            ("after", params.get("after") or ""),
            ("only", ",".join(chosen)),
        )
        if v
    }
    report = variant_coverage.report(page.services, page.actor, api_key, ct_uid, query)
    names = {v["uid"]: v["name"] for v in report["variants"]}
    for row in report["entries"]:
        row["cells"] = {cell["uid"]: cell for cell in row["variants"]}
        row["conflict_names"] = [
            (path, [names.get(uid, uid) for uid in uids]) for path, uids in row["conflicts"].items()
        ]
    base = page.href("stacks", api_key, "content-types", ct_uid, "variant-coverage")
    following = [*((k, v) for k, v in query.items() if k not in ("after", "only"))]
    following += [("only", value) for value in chosen]
    next_href = (
        f"{base}?{urlencode([*following, ('after', report['next'])])}" if report["next"] else ""
    )
    crumbs = [
        *stack_crumbs(page, stack),
        (ct["title"], page.href("stacks", api_key, "content-types", ct_uid, "entries")),
    ]
    return page.render(
        "variant_coverage.html",
        stack=stack,
        ct=ct,
        report=report,
        codes=codes,
        envs=envs,
        query=query,
        chosen=chosen,
        only=ONLY,
        next_href=next_href,
        crumbs=crumbs,
    )
