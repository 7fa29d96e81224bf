"""The OpenAPI description of taxonomies and terms (docs/taxonomies.md), added to
`openapi.document` like its other parts."""

from __future__ import annotations

from veneer.api.openapi import (
    DELIVERY_ERRORS,
    INT,
    LIST,
    READ,
    STR,
    TIME,
    WRAPPED,
    WRITE,
    Json,
    Paths,
    arr,
    body,
    closed,
    counted,
    errors,
    flag_param,
    obj,
    ok,
    op,
    param,
    params,
    with_notice,
)

TAG = "taxonomies"
UID: Json = {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"}
TAXONOMY: Json = obj(
    ("uid", "name", "description", "created_at", "updated_at"),
    uid=STR,
    name=STR,
    description=STR,
    terms_count=INT,
    created_at=TIME,
    created_by=STR,
    updated_at=TIME,
    updated_by=STR,
)
TERM: Json = obj(
    ("uid", "name", "parent_uid", "depth", "order", "taxonomy_uid", "created_at", "updated_at"),
    uid=STR,
    name=STR,
    parent_uid={"type": ["string", "null"]},
    depth={"type": "integer", "minimum": 1},
    order={"type": "integer", "minimum": 1},
    taxonomy_uid=STR,
    created_at=TIME,
    created_by=STR,
    updated_at=TIME,
    updated_by=STR,
)
PARENT: Json = {"type": ["string", "null"], "description": "A term uid; null for a root term."}
ORDER: Json = {"type": "integer", "minimum": 1, "description": "The place among its siblings."}


def _request(key: str, inner: Json) -> Json:
    return body(obj((key,), **{key: inner}), WRAPPED)


def _number(key: str) -> Json:
    return {
        "anyOf": [
            counted(key, TAXONOMY if key == "taxonomies" else TERM),
            closed(obj((key,), **{key: {"type": "integer", "minimum": 0}})),
        ]
    }


DEPTH = param(
    "depth", "query", {"type": "integer", "minimum": 0, "maximum": 10}, "Levels (0: every level)."
)
FORCE = flag_param("force", "Delete the taxonomy's terms (the term's descendants) too.")
COUNT = flag_param("count", "Answer only the number: `{taxonomies: N}` or `{terms: N}`.")
NO_BODY = {"204": {"description": "Deleted."}}


def taxonomies(p: Paths) -> None:
    one = obj(("taxonomy",), taxonomy=TAXONOMY)
    new = _request(
        "taxonomy",
        obj(("uid", "name"), uid=UID, name={"type": "string", "minLength": 1}, description=STR),
    )
    edit = _request("taxonomy", obj((), name={"type": "string", "minLength": 1}, description=STR))
    listing = [*params("api_key", *LIST), COUNT]
    path = "/v3/taxonomies/{taxonomy}"
    p.add(
        "/v3/taxonomies",
        "get",
        op(
            "List the stack's taxonomies",
            TAG,
            {**ok(_number("taxonomies")), **errors(*READ)},
            parameters=listing,
        ),
        both=True,
    )
    p.add(
        "/v3/taxonomies",
        "post",
        op(
            "Create a taxonomy",
            TAG,
            {**ok(with_notice(one), 201), **errors(*WRITE)},
            parameters=params("api_key"),
            request=new,
        ),
        both=True,
    )
    terms_count = flag_param("include_terms_count", "Add `terms_count`.")
    p.add(
        path,
        "get",
        op(
            "A taxonomy",
            TAG,
            {**ok(one), **errors(*READ)},
            parameters=[*params("api_key"), terms_count],
        ),
    )
    p.add(
        path,
        "put",
        op(
            "Update a taxonomy",
            TAG,
            {**ok(with_notice(one)), **errors(*WRITE)},
            parameters=params("api_key"),
            request=edit,
        ),
    )
    p.add(
        path,
        "delete",
        op(
            "Delete a taxonomy (with terms: force=true; refused while a content type uses it)",
            TAG,
            {**NO_BODY, **errors(*WRITE)},
            parameters=[*params("api_key"), FORCE],
        ),
    )
    exported = obj(("taxonomy", "terms"), taxonomy=TAXONOMY, terms=arr(TERM))
    file_format = param("format", "query", {"enum": ["json"]}, "The export's format: json.")
    p.add(
        path + "/export",
        "get",
        op(
            "A taxonomy and all its terms, parents first (the CLI's export file)",
            TAG,
            {**ok(exported), **errors(*READ)},
            parameters=[*params("api_key"), file_format],
        ),
    )
    term_input = obj(("uid", "name"), uid=UID, name=STR, parent_uid=PARENT, order=ORDER)
    document = obj(
        ("taxonomy",),
        taxonomy=obj(("uid", "name"), uid=UID, name={"type": "string", "minLength": 1}),
        terms=arr(term_input),
    )
    upload = {
        "type": "object",
        "required": ["taxonomy"],
        "properties": {
            "taxonomy": {
                "type": "string",
                "contentMediaType": "application/json",
                "description": "An export file (`{taxonomy, terms}`).",
            }
        },
    }
    p.add(
        "/v3/taxonomies/import",
        "post",
        op(
            "Create a taxonomy with its terms from an export",
            TAG,
            {**ok(with_notice(one), 201), **errors(*WRITE)},
            parameters=params("api_key"),
            request={
                "required": True,
                "description": "The export file as the multipart field `taxonomy`, or its JSON.",
                "content": {
                    "multipart/form-data": {"schema": upload},
                    "application/json": {"schema": document},
                },
            },
        ),
    )
    terms(p, path + "/terms")


def terms(p: Paths, base: str) -> None:
    one = obj(("term",), term=TERM)
    many = obj(("terms",), terms=arr(TERM))
    new = _request(
        "term",
        obj(
            ("uid", "name"),
            uid=UID,
            name={"type": "string", "minLength": 1},
            parent_uid=PARENT,
            order=ORDER,
        ),
    )
    edit = _request(
        "term", obj((), name={"type": "string", "minLength": 1}, parent_uid=PARENT, order=ORDER)
    )
    move = _request("term", obj((), parent_uid=PARENT, order=ORDER))
    typeahead = param("typeahead", "query", STR, "Only the terms whose name holds this text.")
    term = base + "/{term}"
    p.add(
        base,
        "get",
        op(
            "List a taxonomy's terms, level by level",
            TAG,
            {**ok(_number("terms")), **errors(*READ)},
            parameters=[*params("api_key", *LIST), COUNT, DEPTH, typeahead],
        ),
        both=True,
    )
    p.add(
        base,
        "post",
        op(
            "Create a term",
            TAG,
            {**ok(with_notice(one), 201), **errors(*WRITE)},
            parameters=params("api_key"),
            request=new,
        ),
        both=True,
    )
    p.add(
        term, "get", op("A term", TAG, {**ok(one), **errors(*READ)}, parameters=params("api_key"))
    )
    p.add(
        term,
        "put",
        op(
            "Rename a term (parent_uid or order move it)",
            TAG,
            {**ok(with_notice(one)), **errors(*WRITE)},
            parameters=params("api_key"),
            request=edit,
        ),
    )
    p.add(
        term,
        "delete",
        op(
            "Delete a term (with descendants: force=true)",
            TAG,
            {**NO_BODY, **errors(*WRITE)},
            parameters=[*params("api_key"), FORCE],
        ),
    )
    p.add(
        term + "/move",
        "put",
        op(
            "Move a term under another parent, at a place",
            TAG,
            {**ok(with_notice(one)), **errors(*WRITE)},
            parameters=params("api_key"),
            request=move,
        ),
    )
    p.add(
        term + "/ancestors",
        "get",
        op(
            "A term's ancestors, the root first",
            TAG,
            {**ok(many), **errors(*READ)},
            parameters=params("api_key"),
        ),
    )
    p.add(
        term + "/descendants",
        "get",
        op(
            "A term's descendants, level by level",
            TAG,
            {**ok(many), **errors(*READ)},
            parameters=[*params("api_key"), DEPTH],
        ),
    )


def taxonomy_entries(p: Paths) -> None:
    entry = {
        "type": "object",
        "required": ["uid", "_content_type_uid"],
        "properties": {"uid": STR, "_content_type_uid": STR},
    }
    answer = obj(("entries",), entries=arr(entry), count=INT)
    p.add(
        "/v3/taxonomies/entries",
        "get",
        op(
            "Published entries of every content type with a taxonomy field, by their terms",
            "delivery",
            {**ok(answer), **errors(*DELIVERY_ERRORS)},
            security=[{"delivery_token": []}],
            parameters=params(
                "api_key",
                "environment",
                "environment_header",
                "query",
                "locale",
                "include_fallback",
                *LIST,
                "asc",
                "desc",
            ),
        ),
    )
