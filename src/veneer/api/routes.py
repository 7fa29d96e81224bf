"""Every route Veneer serves, in one place. Management and delivery share the content paths:
a request carrying `access_token` is a delivery request (see `api.delivery.dispatch`)."""

from __future__ import annotations

from typing import Any

from starlette.routing import BaseRoute, Mount, Route

from veneer.api import files, system
from veneer.api.delivery import dispatch, sync
from veneer.api.management import assets as am
from veneer.api.management import bulk_operations as bk
from veneer.api.management import content_types as ct
from veneer.api.management import entries as en
from veneer.api.management import entry_variants as ev
from veneer.api.management import environments as env
from veneer.api.management import global_fields as gf
from veneer.api.management import labels as lb
from veneer.api.management import personalize as pz
from veneer.api.management import stack_modules as sm
from veneer.api.management import stack_users as su
from veneer.api.management import stacks as st
from veneer.api.management import taxonomies as tx
from veneer.api.management import users as us
from veneer.api.management import variant_groups as vg
from veneer.api.management import webhooks as wh
from veneer.web.routes import app as editor_app

V3 = "/v3"
CT = V3 + "/content_types/{ct}"
ENTRY = CT + "/entries/{uid}"
GROUP = V3 + "/variant_groups/{group}"
ASSET = V3 + "/assets/{uid}"
FILE = V3 + "/assets/{api_key}/{uid}/{version_uid}/{filename}"
PERMANENT = V3 + "/assets/{api_key}/{uid}/{slug}"  # an asset's permanent URL
SYNC = V3 + "/stacks/sync"  # the Sync API: delivery only, on either role
TAXONOMY_ENTRIES = V3 + "/taxonomies/entries"  # entries by their terms: delivery only
PERSONALIZE = (
    "/personalize"  # the Personalize Management API calls the CLI makes (docs/personalize.md)
)


def resource(path: str, *, slash: bool = False, **verbs: Any) -> list[BaseRoute]:
    """One route per HTTP verb; `slash` also answers `path/` (the legacy JS SDK sends `entries/`)."""
    paths = [path, path + "/"] if slash else [path]
    return [
        Route(p, handler, methods=[verb.upper()]) for verb, handler in verbs.items() for p in paths
    ]


def _tokens(kind: str) -> list[BaseRoute]:
    preview = (
        resource(
            V3 + "/stacks/delivery_tokens/{uid}/preview_token",
            post=st.create_preview_token,
            delete=st.delete_preview_token,
        )
        if kind == "delivery_tokens"
        else []
    )
    return [
        *preview,
        *resource(V3 + f"/stacks/{kind}", get=st.list_tokens, post=st.create_token),
        *resource(
            V3 + f"/stacks/{kind}/{{uid}}",
            get=st.get_token,
            put=st.update_token,
            delete=st.delete_token,
        ),
    ]


def management_routes() -> list[BaseRoute]:
    return [
        *resource(V3 + "/user-session", post=us.login, delete=us.logout),
        *resource(V3 + "/user", get=us.current_user, put=us.update_user),
        *resource(V3 + "/user/forgot_password", post=us.forgot_password),
        *resource(V3 + "/user/reset_password", post=us.reset_password),
        *resource(V3 + "/organizations", get=us.list_organizations),
        *resource(V3 + "/organizations/{org_uid}", get=us.get_organization),
        *resource(V3 + "/organizations/{org_uid}/roles", get=us.organization_roles),
        *resource(V3 + "/organizations/{org_uid}/stacks", get=us.organization_stacks),
        *resource(
            V3 + "/organizations/{org_uid}/share",
            get=us.organization_members,
            post=us.share_organization,
            delete=us.remove_members,
        ),
        *resource(V3 + "/stacks", slash=True, get=st.get_stacks, post=st.create_stack),
        *resource(V3 + "/stacks", put=st.update_stack, delete=st.delete_stack),
        *resource(V3 + "/stacks/users", get=su.list_users),
        *resource(V3 + "/stacks/users/roles", post=su.update_roles, put=su.update_roles),
        *resource(V3 + "/stacks/share", post=su.share),
        *resource(V3 + "/stacks/unshare", post=su.unshare),
        *resource(V3 + "/stacks/transfer_ownership", post=su.transfer_ownership),
        *resource(V3 + "/stacks/accept_ownership/{ownership_token}", get=su.accept_ownership),
        *resource(SYNC, get=dispatch.delivery_only(sync.sync)),
        *_tokens("management_tokens"),
        *_tokens("delivery_tokens"),
        *stack_module_routes(),
        *resource(
            V3 + "/environments", slash=True, get=env.list_environments, post=env.create_environment
        ),
        *resource(
            V3 + "/environments/{name}",
            get=env.get_environment,
            put=env.update_environment,
            delete=env.delete_environment,
        ),
        *resource(V3 + "/locales", slash=True, get=env.list_locales, post=env.create_locale),
        *resource(
            V3 + "/locales/{code}",
            get=env.get_locale,
            put=env.update_locale,
            delete=env.delete_locale,
        ),
        *resource(
            V3 + "/content_types",
            slash=True,
            get=dispatch.content_types(ct.list_content_types),
            post=ct.create_content_type,
        ),
        *resource(V3 + "/content_types/import", post=ct.import_content_type),
        *resource(CT + "/references", get=ct.content_type_references),
        *resource(CT + "/export", get=ct.export_content_type),
        *resource(
            CT,
            get=dispatch.content_type(ct.get_content_type),
            put=ct.update_content_type,
            delete=ct.delete_content_type,
        ),
        *resource(
            CT + "/entries", slash=True, get=dispatch.entries(en.list_entries), post=en.create_entry
        ),
        *resource(
            ENTRY, get=dispatch.entry(en.get_entry), put=en.update_entry, delete=en.delete_entry
        ),
        *resource(ENTRY + "/versions", get=en.list_versions),
        *resource(
            ENTRY + "/versions/{version}/name", post=en.name_version, delete=en.unname_version
        ),
        *resource(ENTRY + "/references", get=en.list_references),
        *resource(ENTRY + "/locales", get=en.list_locales),
        *resource(ENTRY + "/unlocalize", post=en.unlocalize),
        *resource(ENTRY + "/publish", post=en.publish),
        *resource(ENTRY + "/unpublish", post=en.unpublish),
        *resource(ENTRY + "/variants", slash=True, get=ev.list_variants, post=ev.post_variant),
        *resource(
            ENTRY + "/variants/{variant}",
            get=ev.get_variant,
            put=ev.put_variant,
            delete=ev.delete_variant,
        ),
        *resource(ENTRY + "/variants/{variant}/versions", get=ev.versions),
        *resource(ENTRY + "/variants/{variant}/rebase", post=ev.rebase),
        *resource(CT + "/variant_coverage", get=ev.coverage),  # Veneer's own (issue 16 §6)
        *variant_routes(),
        *personalize_routes(),
        *asset_routes(),
        *webhook_routes(),
        *bulk_routes(),
    ]


def bulk_routes() -> list[BaseRoute]:
    """Contentstack's bulk operations (docs/bulk-operations.md)."""
    return [
        *resource(V3 + "/bulk/publish", post=bk.publish),
        *resource(V3 + "/bulk/unpublish", post=bk.unpublish),
        *resource(V3 + "/bulk/delete", post=bk.delete),
        *resource(V3 + "/bulk/jobs/{uid}", get=bk.job_status),
        *resource(V3 + "/bulk/jobs/{uid}/items", get=bk.job_items),
    ]


def asset_routes() -> list[BaseRoute]:
    return [
        *resource(V3 + "/assets/folders", slash=True, post=am.create_folder),
        *resource(
            V3 + "/assets/folders/{uid}",
            get=am.get_folder,
            put=am.update_folder,
            delete=am.delete_folder,
        ),
        *resource(
            V3 + "/assets",
            slash=True,
            get=dispatch.assets_list(am.list_assets),
            post=am.create_asset,
        ),
        # Before `/assets/{uid}`: these are lists, not uids.
        *resource(V3 + "/assets/images", get=am.list_images),
        *resource(V3 + "/assets/videos", get=am.list_videos),
        *resource(V3 + "/assets/rt", get=am.list_rte_assets),
        *resource(
            ASSET, get=dispatch.asset(am.get_asset), put=am.update_asset, delete=am.delete_asset
        ),
        *resource(ASSET + "/versions", get=am.list_versions),
        *resource(ASSET + "/references", get=am.list_references),
        *resource(
            ASSET + "/versions/{version}/name", post=am.name_version, delete=am.unname_version
        ),
        *resource(ASSET + "/publish", post=am.publish),
        *resource(ASSET + "/unpublish", post=am.unpublish),
        *resource(FILE, get=files.serve_file, head=files.serve_file),
        *resource(PERMANENT, get=files.serve_permanent, head=files.serve_permanent),
    ]


def webhook_routes() -> list[BaseRoute]:
    hook = V3 + "/webhooks/{uid}"
    return [
        *resource(V3 + "/webhooks", slash=True, get=wh.list_webhooks, post=wh.create_webhook),
        *resource(V3 + "/webhooks/import", post=wh.import_webhook),
        *resource(hook, get=wh.get_webhook, put=wh.update_webhook, delete=wh.delete_webhook),
        *resource(hook + "/import", post=wh.import_webhook),
        *resource(hook + "/export", get=wh.export_webhook),
        *resource(hook + "/executions", get=wh.list_executions),
        *resource(hook + "/logs", get=wh.execution_logs),
        *resource(hook + "/retry", post=wh.retry),
    ]


def stack_module_routes() -> list[BaseRoute]:
    return [
        *resource(V3 + "/roles", get=sm.list_roles, post=sm.create_role),
        *resource(V3 + "/roles/{uid}", get=sm.get_role, put=sm.update_role, delete=sm.delete_role),
        *resource(V3 + "/stacks/branches", get=sm.list_branches),
        *resource(V3 + "/stacks/branches/{uid}", get=sm.get_branch),
        *resource(V3 + "/stacks/settings", get=sm.get_settings, post=sm.update_settings),
        *resource(V3 + "/stacks/settings/reset", post=sm.reset_settings),
        *[r for key in sm.NOT_STORED for r in resource(V3 + f"/{key}", get=sm.not_stored(key))],
        *resource(
            V3 + "/global_fields",
            slash=True,
            get=dispatch.global_fields(gf.list_global_fields),
            post=gf.create_global_field,
        ),
        *resource(V3 + "/global_fields/import", post=gf.import_global_field),
        *resource(V3 + "/global_fields/{uid}/export", get=gf.export_global_field),
        *resource(
            V3 + "/global_fields/{uid}",
            get=dispatch.global_field(gf.get_global_field),
            put=gf.update_global_field,
            delete=gf.delete_global_field,
        ),
        *_documents("labels", lb.LABELS),
        *_documents("extensions", lb.EXTENSIONS),
        *taxonomy_routes(),
    ]


def taxonomy_routes() -> list[BaseRoute]:
    taxonomy = V3 + "/taxonomies/{taxonomy}"
    term = taxonomy + "/terms/{term}"
    return [
        # Before `/taxonomies/{taxonomy}`: the delivery list of entries by their terms.
        *resource(TAXONOMY_ENTRIES, get=dispatch.delivery_only(dispatch.DELIVERY_TAXONOMY_ENTRIES)),
        *resource(
            V3 + "/taxonomies",
            slash=True,
            get=dispatch.taxonomies(tx.list_taxonomies),
            post=tx.create_taxonomy,
        ),
        *resource(V3 + "/taxonomies/import", post=tx.import_taxonomy),
        *resource(
            taxonomy,
            get=dispatch.taxonomy(tx.get_taxonomy),
            put=tx.update_taxonomy,
            delete=tx.delete_taxonomy,
        ),
        *resource(
            taxonomy + "/terms", slash=True, get=dispatch.terms(tx.list_terms), post=tx.create_term
        ),
        *resource(term, get=dispatch.term(tx.get_term), put=tx.update_term, delete=tx.delete_term),
        *resource(taxonomy + "/export", get=tx.export_taxonomy),
        *resource(term + "/ancestors", get=dispatch.term_ancestors(tx.term_ancestors)),
        *resource(term + "/descendants", get=dispatch.term_descendants(tx.term_descendants)),
        *resource(term + "/locales", get=dispatch.delivery_only(dispatch.DELIVERY_TERM_LOCALES)),
        *resource(term + "/move", put=tx.move_term),
    ]


def _documents(plural: str, handlers: dict[str, Any]) -> list[BaseRoute]:
    return [
        *resource(V3 + f"/{plural}", slash=True, get=handlers["list"], post=handlers["create"]),
        *resource(
            V3 + f"/{plural}/{{uid}}",
            get=handlers["get"],
            put=handlers["update"],
            delete=handlers["delete"],
        ),
    ]


def variant_routes() -> list[BaseRoute]:
    return [
        *resource(V3 + "/variant_groups", slash=True, get=vg.list_groups, post=vg.create_group),
        *resource(GROUP, get=vg.get_group, put=vg.update_group, delete=vg.delete_group),
        *resource(GROUP + "/variants", slash=True, get=vg.list_variants, post=vg.create_variant),
        *resource(GROUP + "/variants", put=vg.link_content_types),
        *resource(
            GROUP + "/variants/{variant}",
            get=vg.get_variant,
            put=vg.rename_variant,
            delete=vg.delete_variant,
        ),
        *resource(V3 + "/variants", slash=True, get=vg.list_variants, post=vg.create_variant),
        *resource(V3 + "/variants/{variant}", get=vg.get_variant, delete=vg.delete_variant),
    ]


def personalize_routes() -> list[BaseRoute]:
    experience = PERSONALIZE + "/experiences/{experience}"
    return [
        *resource(PERSONALIZE + "/projects", get=pz.list_projects, post=pz.create_project),
        *resource(PERSONALIZE + "/experiences", get=pz.list_experiences, post=pz.create_experience),
        *resource(experience, get=pz.get_experience),
        *resource(experience + "/versions", get=pz.list_versions, post=pz.create_version),
        *resource(experience + "/versions/{experience_version}", put=pz.update_version),
        *[
            route
            for what in ("audiences", "attributes", "events")
            for route in resource(
                PERSONALIZE + f"/{what}", get=pz.list_nothing, post=pz.create_nothing
            )
        ],
    ]


def delivery_routes() -> list[BaseRoute]:
    """A delivery-only node (`--role delivery`) serves just these."""
    only = dispatch.delivery_only
    return [
        *resource(V3 + "/content_types", slash=True, get=only(dispatch.DELIVERY_CONTENT_TYPES)),
        *resource(CT, get=only(dispatch.DELIVERY_CONTENT_TYPE)),
        *resource(CT + "/entries", slash=True, get=only(dispatch.DELIVERY_ENTRIES)),
        *resource(ENTRY, get=only(dispatch.DELIVERY_ENTRY)),
        *resource(V3 + "/assets", slash=True, get=only(dispatch.DELIVERY_ASSETS)),
        *resource(ASSET, get=only(dispatch.DELIVERY_ASSET)),
        *resource(SYNC, get=only(sync.sync)),
        *resource(TAXONOMY_ENTRIES, get=only(dispatch.DELIVERY_TAXONOMY_ENTRIES)),
        *delivery_module_routes(),
        *resource(FILE, get=files.serve_file, head=files.serve_file),
        *resource(PERMANENT, get=files.serve_permanent, head=files.serve_permanent),
    ]


def delivery_module_routes() -> list[BaseRoute]:
    """Global fields and taxonomies, as a delivery-only node serves them."""
    only = dispatch.delivery_only
    taxonomy = V3 + "/taxonomies/{taxonomy}"
    term = taxonomy + "/terms/{term}"
    return [
        *resource(V3 + "/global_fields", slash=True, get=only(dispatch.DELIVERY_GLOBAL_FIELDS)),
        *resource(V3 + "/global_fields/{uid}", get=only(dispatch.DELIVERY_GLOBAL_FIELD)),
        *resource(V3 + "/taxonomies", slash=True, get=only(dispatch.DELIVERY_TAXONOMIES)),
        *resource(taxonomy, get=only(dispatch.DELIVERY_TAXONOMY)),
        *resource(taxonomy + "/terms", slash=True, get=only(dispatch.DELIVERY_TERMS)),
        *resource(term, get=only(dispatch.DELIVERY_TERM)),
        *resource(term + "/ancestors", get=only(dispatch.DELIVERY_TERM_ANCESTORS)),
        *resource(term + "/descendants", get=only(dispatch.DELIVERY_TERM_DESCENDANTS)),
        *resource(term + "/locales", get=only(dispatch.DELIVERY_TERM_LOCALES)),
    ]


def routes(role: str) -> list[BaseRoute]:
    api = (
        delivery_routes()
        if role == "delivery"
        else [*management_routes(), Mount("/app", app=editor_app())]
    )
    return [*system.routes(), *api]
