"""The editor's URL map (mounted by `veneer.api.routes` under `/app`)."""

from __future__ import annotations

from pathlib import Path

from starlette.routing import BaseRoute, Mount, Route, Router
from starlette.staticfiles import StaticFiles

from veneer.web import asset_views as av
from veneer.web import entry_views as ev
from veneer.web import list_views as lv
from veneer.web import password_views as pv
from veneer.web import schema_views as sv
from veneer.web import trash_views as tv
from veneer.web import variant_tools as vt
from veneer.web import variant_views as vv
from veneer.web import version_views as ver
from veneer.web import views as v
from veneer.web.page import HtmlErrors

STATIC = Path(__file__).parent / "static"


def routes() -> list[BaseRoute]:
    """The whole URL map of the editor."""
    stack = "/stacks/{api_key}"
    types = stack + "/content-types"
    entries = types + "/{ct}/entries"
    groups = stack + "/variant-groups"
    library = stack + "/assets"
    return [
        Route("/", v.stack_list, methods=["GET"]),
        Route("/login", v.login_form, methods=["GET"]),
        Route("/login", v.login, methods=["POST"]),
        Route("/logout", v.logout, methods=["POST"]),
        Route("/reset-password", pv.reset_form, methods=["GET"]),
        Route("/reset-password", pv.reset, methods=["POST"]),
        Route(stack + "/", v.content_type_list, methods=["GET"]),
        Route(types + "/new", sv.new_form, methods=["GET"]),
        Route(types + "/new", sv.create, methods=["POST"]),
        Route(types + "/{ct}/schema", sv.schema_form, methods=["GET"]),
        Route(types + "/{ct}/schema", sv.save_schema, methods=["POST"]),
        Route(entries, lv.entry_list, methods=["GET"]),
        Route(entries + "/bulk", lv.bulk_publish, methods=["POST"]),
        Route(entries + "/bulk", lv.bulk_reload, methods=["GET"]),
        Route(entries + "/new", ev.new_entry, methods=["GET"]),
        Route(entries + "/new", ev.create_entry, methods=["POST"]),
        Route(entries + "/choices", ev.choices, methods=["GET"]),
        Route(entries + "/{uid}", ev.edit_entry, methods=["GET"]),
        Route(entries + "/{uid}", ev.save_entry, methods=["POST"]),
        Route(entries + "/{uid}/publish", ev.publish_entry, methods=["POST"]),
        Route(entries + "/{uid}/publish", ev.publish_reload, methods=["GET"]),
        Route(entries + "/{uid}/delete", tv.delete_entry, methods=["POST"]),
        Route(entries + "/{uid}/versions", ver.compare_entry, methods=["GET"]),
        Route(
            entries + "/{uid}/versions/{version}/restore",
            ver.restore_entry_version,
            methods=["POST"],
        ),
        Route(entries + "/{uid}/variants/{variant}/versions", ver.compare_variant, methods=["GET"]),
        Route(
            entries + "/{uid}/variants/{variant}/versions/{version}/restore",
            ver.restore_variant_version,
            methods=["POST"],
        ),
        Route(
            entries + "/{uid}/variants/{variant}/restore-field",
            ver.restore_field,
            methods=["POST"],
        ),
        Route(entries + "/{uid}/schedules/{job}/cancel", tv.cancel_schedule, methods=["POST"]),
        Route(stack + "/content-types/{ct}/variant-coverage", vt.coverage, methods=["GET"]),
        Route(entries + "/{uid}/preview", vt.preview_combination, methods=["GET"]),
        Route(entries + "/{uid}/variants/{variant}/stale", vt.stale_overrides, methods=["GET"]),
        Route(entries + "/{uid}/variants/{variant}/stale", vt.resolve_stale, methods=["POST"]),
        Route(entries + "/{uid}/variants/{variant}", vv.edit_variant, methods=["GET"]),
        Route(entries + "/{uid}/variants/{variant}", vv.save_variant, methods=["POST"]),
        Route(
            entries + "/{uid}/variants/{variant}/delete",
            tv.delete_entry_variant,
            methods=["POST"],
        ),
        Route(groups, vv.variant_group_list, methods=["GET"]),
        Route(groups, vv.create_group, methods=["POST"]),
        Route(groups + "/{group}", vv.update_group, methods=["POST"]),
        Route(groups + "/{group}/delete", tv.delete_group, methods=["POST"]),
        Route(groups + "/{group}/variants", vv.create_variant, methods=["POST"]),
        Route(groups + "/{group}/variants/{variant}", vv.rename_variant, methods=["POST"]),
        Route(groups + "/{group}/variants/{variant}/delete", tv.delete_variant, methods=["POST"]),
        Route(stack + "/trash", tv.trash_list, methods=["GET"]),
        Route(stack + "/trash/{uid}/restore", tv.restore_entry, methods=["POST"]),
        Route(stack + "/trash/{uid}/delete", tv.delete_forever, methods=["POST"]),
        Route(library, av.library, methods=["GET"]),
        Route(library, av.upload, methods=["POST"]),
        Route(library + "/folders", av.create_folder, methods=["POST"]),
        Route(library + "/choices", av.choices, methods=["GET"]),
        Route(library + "/{uid}", av.asset_page, methods=["GET"]),
        Route(library + "/{uid}", av.save_details, methods=["POST"]),
        Route(library + "/{uid}/file", av.replace_file, methods=["POST"]),
        Route(library + "/{uid}/delete", av.delete, methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]


def app() -> HtmlErrors:
    """The editor as one ASGI app (mounted at `/app`): its routes, answering a URL none of them
    takes with an HTML page rather than the API's JSON."""
    return HtmlErrors(Router(routes()))
