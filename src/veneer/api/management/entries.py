"""`/v3/content_types/{ct}/entries` (management), versions, publish and unpublish."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from veneer.api.call import Call, collection, created, endpoint
from veneer.api.management import entry_variants
from veneer.api.management.assets import show_asset
from veneer.api.management.versions import expected_version, tagged
from veneer.domain import assets as domain_assets
from veneer.domain import embedded, projection
from veneer.domain.assets import ASSET_CONTENT_TYPE
from veneer.domain.branches import branched
from veneer.domain.listing import flag, list_params
from veneer.errors import ValidationFailed
from veneer.services import entries, publishing, reference_queries, taxonomies


def _version(call: Call) -> int | None:
    raw = call.params.get("version")
    if raw in (None, ""):
        return None
    if not str(raw).isdigit():
        raise ValidationFailed(
            "The 'version' parameter must be a version number.", {"version": ["is not valid."]}
        )
    return int(raw)


def _embed(call: Call, docs: list[dict[str, Any]]) -> None:
    """In place, with `include_embedded_items[]=BASE`: each entry's `_embedded_items`."""
    if not embedded.wanted(call.params.multi_items()):
        return
    found, items = entries.embedded_items(
        call.services, call.actor(), call.api_key, call.path("ct"), docs
    )
    shown = {
        ref: show_asset(call, item) if ref[0] == ASSET_CONTENT_TYPE else item
        for ref, item in items.items()
    }
    for doc, paths in zip(docs, found, strict=True):
        embedded.attach(doc, paths, shown)


def with_assets(call: Call, ct: str, docs: list[dict[str, Any]]) -> None:
    """In place: each file field shows the latest object of its assets, as Contentstack's
    management API does (`csdx cm:stacks:import` maps asset uids in exported entries only where
    it finds an object with `uid` and `filename`), and each JSON RTE asset node links to its
    asset's current URL (the import maps the node's `asset-uid`, not Veneer's URLs). Writes take
    the uid or the object."""
    schema, found = entries.file_assets(call.services, call.actor(), call.api_key, ct, docs)
    if not found:
        return
    shown = {uid: show_asset(call, doc) for uid, doc in found.items()}
    urls = {uid: doc["url"] for uid, doc in shown.items()}
    for doc in docs:
        domain_assets.embed(schema, doc, shown, keep_missing=True)
        domain_assets.relink(schema, doc, urls)


@endpoint
def list_entries(call: Call) -> dict[str, Any]:
    """`count=true` answers only the number of matching entries, `{"entries": N}`, as the
    management SDKs' `query().count()` expects."""
    expansion = reference_queries.management_expansion(
        call.services,
        call.actor(),
        call.api_key,
        call.path("ct"),
        call.params.get("locale"),
        taxonomies.expand_query(call.services, call.actor(), call.api_key),
    )
    lp = list_params(call.params, expansion)
    counting = flag(call.params, "count")
    if counting:
        lp = replace(lp, skip=0, limit=1, include_count=True)
    page, count = entries.list_entries(
        call.services,
        call.actor(),
        call.api_key,
        call.path("ct"),
        lp,
        call.params.get("locale"),
        flag(call.params, "include_fallback"),
        flag(call.params, "include_publish_details"),
    )
    if counting:
        return {"entries": count}
    _embed(call, page)
    with_assets(call, call.path("ct"), page)
    shown = branched(call.params, projection.project_all(call.params.multi_items(), page))
    return collection("entries", shown, count if lp.include_count else None)


@endpoint
def get_entry(call: Call) -> Any:
    variant = entry_variants.merged_variant_ref(call)
    if variant:
        return entry_variants.merged_entry(call, variant)
    refs = entry_variants.preview_refs(call)
    if refs:
        return entry_variants.preview_entry(call, refs)
    entry = entries.get_entry(
        call.services,
        call.actor(),
        call.api_key,
        call.path("ct"),
        call.path("uid"),
        call.params.get("locale"),
        _version(call),
        flag(call.params, "include_publish_details"),
    )
    if flag(call.params, "include_variant_overrides"):
        entry["_variant_overrides"] = entry_variants.overrides(call, entry["locale"])
    _embed(call, [entry])
    with_assets(call, call.path("ct"), [entry])
    shown = projection.project_all(call.params.multi_items(), [entry])
    return tagged({"entry": branched(call.params, shown)[0]}, entry["_version"])


@endpoint
def create_entry(call: Call) -> Any:
    entry = entries.create_entry(
        call.services,
        call.actor(),
        call.api_key,
        call.path("ct"),
        call.body,
        call.params.get("locale"),
    )
    return created({"notice": "Entry created successfully.", "entry": entry})


@endpoint
def update_entry(call: Call) -> dict[str, Any]:
    entry = entries.update_entry(
        call.services,
        call.actor(),
        call.api_key,
        call.path("ct"),
        call.path("uid"),
        call.body,
        call.params.get("locale"),
        expected_version=expected_version(call),
    )
    return {"notice": "Entry updated successfully.", "entry": entry}


@endpoint
def delete_entry(call: Call) -> dict[str, Any]:
    entries.delete_entry(
        call.services,
        call.actor(),
        call.api_key,
        call.path("ct"),
        call.path("uid"),
        call.params.get("locale"),
    )
    return {"notice": "Entry deleted successfully."}


@endpoint
def list_versions(call: Call) -> dict[str, Any]:
    versions = entries.list_versions(
        call.services,
        call.actor(),
        call.api_key,
        call.path("ct"),
        call.path("uid"),
        call.params.get("locale"),
        named=flag(call.params, "named"),
    )
    lp = list_params(call.params)
    return collection("versions", lp.page(versions), len(versions) if lp.include_count else None)


def _naming_locale(call: Call) -> str | None:
    """The locale of a version naming call: `entry.locale` in the body, or `locale`."""
    entry = call.body.get("entry")
    named = entry.get("locale") if isinstance(entry, dict) else None
    return named if isinstance(named, str) and named else call.params.get("locale")


@endpoint
def name_version(call: Call) -> dict[str, Any]:
    """`POST …/entries/{uid}/versions/{version}/name` `{"entry": {"_version_name", "locale",
    "force"}}` (the SDKs' `version_naming`)."""
    entries.name_version(
        call.services,
        call.actor(),
        call.api_key,
        call.path("ct"),
        call.path("uid"),
        call.path("version"),
        call.body,
        _naming_locale(call),
    )
    return {"notice": "Version name assigned successfully."}


@endpoint
def unname_version(call: Call) -> dict[str, Any]:
    entries.name_version(
        call.services,
        call.actor(),
        call.api_key,
        call.path("ct"),
        call.path("uid"),
        call.path("version"),
        None,
        _naming_locale(call),
    )
    return {"notice": "Version name deleted successfully"}  # sic, as for assets


def _publish(call: Call, unpublish: bool) -> dict[str, Any]:
    return publishing.publish(
        call.services,
        call.actor(),
        call.api_key,
        call.path("ct"),
        call.path("uid"),
        call.body,
        unpublish=unpublish,
        show_errors=flag(call.params, "show_errors"),
        locale=call.params.get("locale"),
    )


@endpoint
def publish(call: Call) -> dict[str, Any]:
    return _publish(call, unpublish=False)


@endpoint
def unpublish(call: Call) -> dict[str, Any]:
    return _publish(call, unpublish=True)


@endpoint
def list_references(call: Call) -> dict[str, Any]:
    """The entries whose reference fields point to this one (`include_count` adds their number)."""
    found = entries.references(
        call.services,
        call.actor(),
        call.api_key,
        call.path("ct"),
        call.path("uid"),
        call.params.get("locale"),
    )
    return collection(
        "references", found, len(found) if flag(call.params, "include_count") else None
    )


@endpoint
def list_locales(call: Call) -> dict[str, Any]:
    found = entries.entry_locales(
        call.services, call.actor(), call.api_key, call.path("ct"), call.path("uid")
    )
    return {"locales": found}


@endpoint
def unlocalize(call: Call) -> dict[str, Any]:
    """The locale is the `locale` parameter (the SDKs' way) or the body's `locale`."""
    body_locale = call.section("entry").get("locale") or call.body.get("locale")
    locale = call.params.get("locale") or (body_locale if isinstance(body_locale, str) else None)
    entries.unlocalize(
        call.services, call.actor(), call.api_key, call.path("ct"), call.path("uid"), locale
    )
    return {"notice": "Entry unlocalized successfully."}
