"""`/v3/content_types/{ct}/entries/{e}/variants[/{v}]`, `…/variants/{v}/versions` and `…/rebase`,
and the content type's `/v3/content_types/{ct}/variant_coverage` report."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from veneer.api.call import Call, created, endpoint
from veneer.api.delivery.variants import refs_of
from veneer.api.management.versions import expected_version, tagged
from veneer.domain.listing import flag, list_params
from veneer.services import entry_variants as service
from veneer.services import variant_coverage


def _ids(call: Call) -> tuple[str, str]:
    return call.path("ct"), call.path("uid")


def _upsert(call: Call, variant_ref: str | None) -> Any:
    body, was_created = service.upsert(
        call.services,
        call.actor(),
        call.api_key,
        *_ids(call),
        variant_ref,
        call.body,
        call.params.get("locale"),
        expected_version=expected_version(call),
    )
    if was_created:
        return created({"entry": body, "notice": service.CREATED})
    return {"entry": body, "notice": service.UPDATED}


@endpoint
def put_variant(call: Call) -> Any:
    return _upsert(call, call.path("variant"))


@endpoint
def post_variant(call: Call) -> Any:
    """What the Python management SDK sends: the variant is named in the body."""
    return _upsert(call, None)


@endpoint
def get_variant(call: Call) -> Response:
    entry = service.get(
        call.services,
        call.actor(),
        call.api_key,
        *_ids(call),
        call.path("variant"),
        call.params.get("locale"),
        flag(call.params, "include_publish_details"),
        flag(call.params, "include_stale"),
    )
    return tagged({"entry": entry}, entry["_version"])


@endpoint
def list_variants(call: Call) -> dict[str, Any]:
    lp = list_params(
        {k: v for k, v in call.params.items() if k in {"skip", "limit", "include_count"}}
    )
    page, count = service.list_for_entry(
        call.services,
        call.actor(),
        call.api_key,
        *_ids(call),
        lp,
        call.params.get("locale"),
        flag(call.params, "include_publish_details"),
        flag(call.params, "include_stale"),
    )
    body: dict[str, Any] = {"entries": page}
    if lp.include_count:
        body["count"] = count
    return body


@endpoint
def delete_variant(call: Call) -> dict[str, Any]:
    service.delete(
        call.services,
        call.actor(),
        call.api_key,
        *_ids(call),
        call.path("variant"),
        call.params.get("locale"),
    )
    return {"notice": service.DELETED}


@endpoint
def versions(call: Call) -> dict[str, Any]:
    return {
        "versions": service.versions(
            call.services,
            call.actor(),
            call.api_key,
            *_ids(call),
            call.path("variant"),
            call.params.get("locale"),
        )
    }


def merged_variant_ref(call: Call) -> str | None:
    """`include_variant=true` + `x-cs-variant-uid` (JS) or `include_variants=true` + `variant_uid` (Python)."""
    if not (flag(call.params, "include_variant") or flag(call.params, "include_variants")):
        return None
    ref = call.params.get("variant_uid") or call.header("x-cs-variant-uid") or ""
    first = ref.split(",")[0].strip()
    return first or None


def merged_entry(call: Call, ref: str) -> Response:
    """The base entry with one variant merged in, tagged with the base entry's version."""
    entry = service.merged(
        call.services,
        call.actor(),
        call.api_key,
        *_ids(call),
        ref,
        call.params.get("locale"),
        explain=flag(call.params, "include_variant_explain"),
    )
    return tagged({"entry": entry}, entry["_version"])


def preview_refs(call: Call) -> tuple[str, ...]:
    """The variants to preview: `x-cs-variant-uid` with `variant_preview=true` (without the flag
    the header is ignored on management reads, as before); a live preview read always previews
    them, as delivery would merge them."""
    if not flag(call.params, "variant_preview") and not call.is_preview:
        return ()
    return refs_of(call.request.headers)


def preview_entry(call: Call, refs: tuple[str, ...]) -> Response:
    """The latest saved base merged with the latest saved variants named, tagged with the base
    entry's version."""
    entry = service.preview(
        call.services,
        call.actor(),
        call.api_key,
        *_ids(call),
        refs,
        call.params.get("locale"),
        applied=flag(call.params, "include_applied_variants"),
        explain=flag(call.params, "include_variant_explain"),
    )
    return tagged({"entry": entry}, entry["_version"])


def overrides(call: Call, locale: str) -> dict[str, list[str]]:
    """`include_variant_overrides=true` on a base entry read: {path: [variant uids]}."""
    return service.overrides(call.services, call.actor(), call.api_key, *_ids(call), locale)


@endpoint
def rebase(call: Call) -> dict[str, Any]:
    """`POST …/variants/{variant}/rebase` `{"revert": [paths]}`."""
    entry = service.rebase(
        call.services,
        call.actor(),
        call.api_key,
        *_ids(call),
        call.path("variant"),
        call.body,
        call.params.get("locale"),
    )
    return {"notice": service.REBASED, "entry": entry}


@endpoint
def coverage(call: Call) -> dict[str, Any]:
    """`GET /v3/content_types/{ct}/variant_coverage` (docs/variants-beyond.md §6)."""
    found = variant_coverage.report(
        call.services, call.actor(), call.api_key, call.path("ct"), call.params
    )
    return {"variant_coverage": found}
