"""Versions in the editor (issue 17, Major 7 and Major 1): two versions side by side with the
changed fields marked, restoring one as a new version, a variant against its base; and reverting
one field of a variant (or undoing that) without sending the rest of the form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from starlette.responses import Response

from veneer.domain import version_diff
from veneer.errors import ValidationFailed
from veneer.services import variant_groups, versions
from veneer.web.entry_page import Editor, number
from veneer.web.page import Page, view

RESTORE = "restore"  # what the restore dialog posts as `confirm`


def pretty(value: Any) -> str:
    """A value as a column shows it: text as it is, anything else as indented JSON."""
    if value is None or value == "" or value == []:
        return ""
    if isinstance(value, str):
        return value
    return orjson.dumps(value, option=orjson.OPT_INDENT_2).decode()


@dataclass
class Shown:
    """A row as the page shows it: each side's lines, with the ones that changed marked."""

    row: version_diff.Row
    left: list[tuple[str, bool]]
    right: list[tuple[str, bool]]


def shown_rows(rows: list[version_diff.Row]) -> list[Shown]:
    found = []
    for row in rows:
        left, right = pretty(row.left).splitlines(), pretty(row.right).splitlines()
        gone, came = version_diff.changed_lines(left, right) if row.changed else (set(), set())
        found.append(
            Shown(
                row,
                [(line, n in gone) for n, line in enumerate(left)],
                [(line, n in came) for n, line in enumerate(right)],
            )
        )
    return found


def _entry_href(page: Page, *parts: str, **query: Any) -> str:
    api_key, ct, uid = page.path("api_key"), page.path("ct"), page.path("uid")
    return page.href(
        "stacks",
        api_key,
        "content-types",
        ct,
        "entries",
        uid,
        *parts,
        locale=page.param("locale"),
        **query,
    )


def _render(page: Page, ed: Editor, comparison: versions.Comparison, against: bool) -> Response:
    assert ed.entry is not None
    variant = ed.variant
    here = ("variants", variant["uid"]) if variant else ()
    crumbs = [
        *ed.crumbs(),
        (str(ed.entry.get("title") or ed.entry["uid"]), ed.href(ed.entry["uid"], *here)),
        ("Versions", ed.href(ed.entry["uid"], *here, "versions")),
    ]
    uid = ed.entry["uid"]
    return page.render(
        "versions.html",
        ed=ed,
        cmp=comparison,
        against=against,
        editor_url=ed.href(uid, *here),
        compare_url=ed.href(uid, *here, "versions"),
        base_url=ed.href(uid, *here, "versions", against="base"),
        restore_url=lambda n: ed.href(uid, *here, "versions", str(n), "restore"),
        crumbs=crumbs,
        rows=shown_rows(
            [r for r in comparison.rows if r.changed or page.param("only") != "changed"]
        ),
        only_changed=page.param("only") == "changed",
        changed=sum(1 for row in comparison.rows if row.changed),
        restorable=sorted(
            {side.version for side in (comparison.left, comparison.right)}
            - ({comparison.latest} if not against else {comparison.latest, *comparison.versions}),
            reverse=True,
        ),
    )


@view
def compare_entry(page: Page) -> Response:
    """Two versions of the base entry side by side (`a`, `b`; default the latest two)."""
    ed = Editor.load(page)
    ed.load_entry(page.path("uid"))
    assert ed.entry is not None
    comparison = versions.compare_entry(
        page.services,
        page.actor,
        ed.api_key,
        ed.ct["uid"],
        ed.entry["uid"],
        ed.locale,
        number(page.param("a")),
        number(page.param("b")),
    )
    return _render(page, ed, comparison, False)


@view
def compare_variant(page: Page) -> Response:
    """Two versions of an entry variant, or (`against=base`) one against the base entry."""
    ed = Editor.load(page)
    ed.load_entry(page.path("uid"))
    assert ed.entry is not None
    ed.variant = variant_groups.get_variant(
        page.services, page.actor, ed.api_key, page.path("variant")
    )
    against = page.param("against") == "base"
    comparison = versions.compare_variant(
        page.services,
        page.actor,
        ed.api_key,
        ed.ct["uid"],
        ed.entry["uid"],
        ed.variant["uid"],
        ed.locale,
        number(page.param("a")),
        number(page.param("b")),
        against_base=against,
    )
    return _render(page, ed, comparison, against)


def _confirmed(page: Page) -> int:
    """The version a restore names, once its dialog was confirmed."""
    if page.field("confirm") != RESTORE:
        raise ValidationFailed(
            "Confirm that the version should be restored.", {"confirm": ["is required."]}
        )
    version = number(page.path("version"))
    if version is None:
        raise ValidationFailed("Name a version to restore.", {"version": ["is not valid."]})
    return version


@view
def restore_entry_version(page: Page) -> Response:
    """Make a new version of the base entry holding version N's content."""
    version = _confirmed(page)
    expected = number(page.field("expected_version"))
    saved = versions.restore_entry_version(
        page.services,
        page.actor,
        page.path("api_key"),
        page.path("ct"),
        page.path("uid"),
        page.param("locale"),
        version,
        expected,
    )
    made = saved["_version"] != expected
    return page.redirect(_entry_href(page, notice="version_restored" if made else "unchanged"))


@view
def restore_variant_version(page: Page) -> Response:
    """Make a new version of an entry variant holding version N's own values."""
    version = _confirmed(page)
    saved = versions.restore_variant_version(
        page.services,
        page.actor,
        page.path("api_key"),
        page.path("ct"),
        page.path("uid"),
        page.path("variant"),
        page.param("locale"),
        version,
        number(page.field("expected_version")),
    )
    notice = "version_restored" if saved else "unchanged"
    return page.redirect(_entry_href(page, "variants", page.path("variant"), notice=notice))


def revert_field(page: Page) -> Response:
    """Revert one field of a variant to the base entry's value; nothing else of the form is
    read. The page after it offers to undo (`undo`, `undo_from`: the version before). Called by
    `variant_views.save_variant` for a form that names a field to revert."""
    path, before = page.field("revert"), number(page.field("variant_version"))
    saved = versions.revert_field(
        page.services,
        page.actor,
        page.path("api_key"),
        page.path("ct"),
        page.path("uid"),
        page.path("variant"),
        page.param("locale"),
        path,
        before,
        confirm=page.field("confirm"),
    )
    query = {"notice": "reverted", "undo": path, "undo_from": before} if saved else {}
    return page.redirect(
        _entry_href(page, "variants", page.path("variant"), **(query or {"notice": "unchanged"}))
    )


def restore_instance(page: Page) -> Response:
    """Put back one base instance the variant removed ("Restore" on an instance marked "removed
    here"); nothing else of the form is read. Called by `variant_views.save_variant`."""
    saved = versions.restore_instance(
        page.services,
        page.actor,
        page.path("api_key"),
        page.path("ct"),
        page.path("uid"),
        page.path("variant"),
        page.param("locale"),
        page.field("restore"),
        number(page.field("variant_version")),
    )
    notice = "instance_restored" if saved else "unchanged"
    return page.redirect(_entry_href(page, "variants", page.path("variant"), notice=notice))


@view
def restore_field(page: Page) -> Response:
    """Undo a revert: give one field of a variant back its value of version `version`."""
    path, version = page.field("path"), number(page.field("version"))
    if version is None:
        raise ValidationFailed(
            "Name the version to take the value from.", {"version": ["is required."]}
        )
    saved = versions.restore_field(
        page.services,
        page.actor,
        page.path("api_key"),
        page.path("ct"),
        page.path("uid"),
        page.path("variant"),
        page.param("locale"),
        path,
        version,
        number(page.field("variant_version")),
    )
    notice = "revert_undone" if saved else "unchanged"
    return page.redirect(_entry_href(page, "variants", page.path("variant"), notice=notice))
