"""`/v3/taxonomies` and `/v3/taxonomies/{taxonomy}/terms` (management; docs/taxonomies.md).
Deletes answer 204 without a body, as Contentstack does; `force=true` deletes a taxonomy with its
terms and a term with its descendants."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import orjson
from starlette.responses import Response

from veneer.api.call import Call, collection, created, endpoint
from veneer.domain.listing import flag, list_params
from veneer.domain.taxonomies import depth_param
from veneer.errors import ValidationFailed
from veneer.services import taxonomies


def _counted(call: Call, key: str, page_of: Any) -> dict[str, Any]:
    """A list as the other modules answer it; `count=true` answers only the number."""
    lp = list_params(call.params)
    counting = flag(call.params, "count")
    if counting:
        lp = replace(lp, skip=0, limit=1, include_count=True)
    page, count = page_of(lp)
    if counting:
        return {key: count}
    return collection(key, page, count)


def _depth(call: Call) -> int | None:
    return depth_param(call.params.get("depth"))


@endpoint
def list_taxonomies(call: Call) -> dict[str, Any]:
    return _counted(
        call,
        "taxonomies",
        lambda lp: taxonomies.page_taxonomies(call.services, call.actor(), call.api_key, lp),
    )


@endpoint
def get_taxonomy(call: Call) -> dict[str, Any]:
    found = taxonomies.get_taxonomy(
        call.services,
        call.actor(),
        call.api_key,
        call.path("taxonomy"),
        flag(call.params, "include_terms_count"),
    )
    return {"taxonomy": found}


@endpoint
def create_taxonomy(call: Call) -> Any:
    found = taxonomies.create_taxonomy(
        call.services, call.actor(), call.api_key, call.section("taxonomy")
    )
    return created({"notice": "Taxonomy created successfully.", "taxonomy": found})


@endpoint
def update_taxonomy(call: Call) -> dict[str, Any]:
    found = taxonomies.update_taxonomy(
        call.services, call.actor(), call.api_key, call.path("taxonomy"), call.section("taxonomy")
    )
    return {"notice": "Taxonomy updated successfully.", "taxonomy": found}


@endpoint
def delete_taxonomy(call: Call) -> Response:
    taxonomies.delete_taxonomy(
        call.services,
        call.actor(),
        call.api_key,
        call.path("taxonomy"),
        flag(call.params, "force"),
    )
    return Response(status_code=204)


@endpoint
def list_terms(call: Call) -> dict[str, Any]:
    typeahead = call.params.get("typeahead") or call.params.get("term") or None
    return _counted(
        call,
        "terms",
        lambda lp: taxonomies.page_terms(
            call.services,
            call.actor(),
            call.api_key,
            call.path("taxonomy"),
            lp,
            _depth(call),
            typeahead,
        ),
    )


@endpoint
def get_term(call: Call) -> dict[str, Any]:
    found = taxonomies.get_term(
        call.services, call.actor(), call.api_key, call.path("taxonomy"), call.path("term")
    )
    return {"term": found}


def _term_body(call: Call) -> dict[str, Any]:
    """The `term` object; a `parent_uid` beside it (as the Python SDK sends it) counts too."""
    body = dict(call.section("term"))
    if "parent_uid" in call.body and "parent_uid" not in body:
        body["parent_uid"] = call.body["parent_uid"]
    return body


@endpoint
def create_term(call: Call) -> Any:
    found = taxonomies.create_term(
        call.services, call.actor(), call.api_key, call.path("taxonomy"), _term_body(call)
    )
    return created({"notice": "Term created successfully.", "term": found})


@endpoint
def update_term(call: Call) -> dict[str, Any]:
    found = taxonomies.update_term(
        call.services,
        call.actor(),
        call.api_key,
        call.path("taxonomy"),
        call.path("term"),
        _term_body(call),
    )
    return {"notice": "Term updated successfully.", "term": found}


@endpoint
def move_term(call: Call) -> dict[str, Any]:
    found = taxonomies.move_term(
        call.services,
        call.actor(),
        call.api_key,
        call.path("taxonomy"),
        call.path("term"),
        _term_body(call),
    )
    return {"notice": "Term moved successfully.", "term": found}


@endpoint
def delete_term(call: Call) -> Response:
    taxonomies.delete_term(
        call.services,
        call.actor(),
        call.api_key,
        call.path("taxonomy"),
        call.path("term"),
        flag(call.params, "force"),
    )
    return Response(status_code=204)


@endpoint
def term_ancestors(call: Call) -> dict[str, Any]:
    found = taxonomies.ancestors(
        call.services, call.actor(), call.api_key, call.path("taxonomy"), call.path("term")
    )
    return {"terms": found}


@endpoint
def term_descendants(call: Call) -> dict[str, Any]:
    found = taxonomies.descendants(
        call.services,
        call.actor(),
        call.api_key,
        call.path("taxonomy"),
        call.path("term"),
        _depth(call),
    )
    return {"terms": found}


@endpoint
def export_taxonomy(call: Call) -> dict[str, Any]:
    """`GET /v3/taxonomies/{taxonomy}/export`: the taxonomy and its terms as JSON (the CLI's
    export writes it to a file, its import sends that file back)."""
    if (call.params.get("format") or "json").lower() != "json":
        raise ValidationFailed(
            "Taxonomies are exported as JSON only.", {"format": ["must be json."]}
        )
    return taxonomies.export_taxonomy(
        call.services, call.actor(), call.api_key, call.path("taxonomy")
    )


def _import_taxonomy(call: Call) -> Any:
    """`POST /v3/taxonomies/import`: an exported taxonomy, as the multipart file `taxonomy` (as
    the SDKs and the CLI send it) or as the JSON body."""
    raw: Any = call.body
    if call.form is not None:
        if call.form.file is None:
            raise ValidationFailed(
                "Taxonomy import failed. Please enter valid data.", {"taxonomy": ["is required."]}
            )
        try:
            raw = orjson.loads(call.form.file[2])
        except orjson.JSONDecodeError:
            raise ValidationFailed(
                "Taxonomy import failed. Please enter valid data.",
                {"taxonomy": ["must be a JSON export of a taxonomy."]},
            ) from None
    found = taxonomies.import_taxonomy(call.services, call.actor(), call.api_key, raw)
    return created({"notice": "Taxonomy imported successfully.", "taxonomy": found})


import_taxonomy = endpoint(_import_taxonomy, uploads=True)
