"""The OpenAPI 3.1 description of every route Veneer serves, written by hand, served at
`/-/openapi.json`.

Two tests keep it true: `tests/api/test_openapi.py` fails when a path or method is in the router
and not here, or here and not in the router; `tests/e2e/test_schemathesis.py` runs Schemathesis
against a live server and holds every response to the statuses and schemas below.

Management and delivery share the content paths (`/v3/content_types…`): a request carrying
`access_token` is a delivery request, so those operations list the parameters and the response
shapes of both APIs. Credentials are security schemes (`authtoken`, `authorization`,
`access_token`, the editor's session cookie); the stack is the `api_key` header.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from veneer import __version__
from veneer.api.responses import json_response

Json = dict[str, Any]

# -- schema primitives ---------------------------------------------------------------------------
STR: Json = {"type": "string"}
INT: Json = {"type": "integer"}
BOOL: Json = {"type": "boolean"}
TIME: Json = {
    "type": "string",
    "format": "date-time",
    "description": "ISO-8601 UTC with milliseconds.",
}
BLT: Json = {"type": "string", "pattern": "^blt[0-9a-f]{16}$"}
SECRET: Json = {"type": "string", "pattern": "^cs[0-9a-f]{24}$"}
VERSION: Json = {"type": "integer", "minimum": 1}


def ref(name: str) -> Json:
    return {"$ref": f"#/components/schemas/{name}"}


def arr(items: Json) -> Json:
    return {"type": "array", "items": items}


def obj(required: tuple[str, ...] = (), /, **props: Json) -> Json:
    schema: Json = {"type": "object", "properties": props}
    if required:
        schema["required"] = list(required)
    return schema


def closed(schema: Json) -> Json:
    return {**schema, "additionalProperties": False}


def with_notice(schema: Json, *, key: str = "notice") -> Json:
    return {"allOf": [schema, obj((key,), **{key: STR})]}


def counted(key: str, item: Json) -> Json:
    """A list answer: `{key: [...]}`, plus `count` with `include_count=true`."""
    return obj((key,), **{key: arr(item), "count": {"type": "integer", "minimum": 0}})


AUDIT = ("created_at", "created_by", "updated_at", "updated_by")
AUDIT_PROPS: Json = {"created_at": TIME, "updated_at": TIME, "created_by": STR, "updated_by": STR}

PUBLISH_RECORD = obj(
    ("environment", "locale", "time", "user", "version"),
    environment=BLT,
    locale=STR,
    time=TIME,
    user=STR,
    version=VERSION,
)
VARIANT_LAYER = obj(
    ("_uid", "_instance_uid", "_change_set", "_order", "_base_entry_version"),
    _uid=STR,
    _instance_uid={"type": "string", "pattern": "^blt[0-9a-f]{20}$"},
    _change_set=arr(STR),
    _order=arr({"type": "object", "additionalProperties": arr(STR)}),
    _base_entry_version=VERSION,
    _stale={
        **arr(STR),
        "description": "With include_stale=true: the overridden paths whose base value changed "
        "since the variant was saved against `_base_entry_version`.",
    },
)
# `_variant_explain` (include_variant_explain=true with x-cs-variant-uid, delivery and preview).
METADATA: Json = {
    "type": "object",
    "description": "With include_metadata=true: the metadata apps attach, by extension uid "
    '(Veneer attaches none: always `{"extensions": {}}`).',
    "properties": {"extensions": {"type": "object", "additionalProperties": arr({})}},
}
VARIANT_EXPLAIN = {
    **obj(
        ("paths", "variants"),
        paths={
            "type": "object",
            "description": "For every path a named variant changed: the source served (a "
            "variant uid, or `base` when none applied) and the variants that lost it, in "
            "priority order; `removed_by` when an order removed the instance holding it.",
            "additionalProperties": obj(
                ("source", "lost"), source=STR, lost=arr(STR), removed_by=STR
            ),
        },
        variants=arr(
            obj(
                ("name", "status"),
                name=STR,
                uid={"type": ["string", "null"]},
                status={
                    "enum": [
                        "applied",
                        "lost",
                        "not_published",
                        "not_saved",
                        "unknown",
                        "beyond_limit",
                    ]
                },
            )
        ),
    ),
    "description": "Why the merge is what it is: per changed path, and per name of the header.",
}
ENTRY_SYSTEM = ("uid", "locale", "_version", *AUDIT, "tags")
FOLDER_TYPE = "application/vnd.contenstack.folder"  # sic: Contentstack's spelling
ASSET_SYSTEM = ("uid", *AUDIT, "content_type", "tags", "ACL", "is_dir", "parent_uid", "_version")
ASSET_REQUIRED = (*ASSET_SYSTEM, "file_size", "filename", "url", "title", "description")
ASSET_PROPS: Json = {
    "uid": BLT,
    "content_type": {**STR, "description": "Sniffed from the bytes, never the client's word."},
    "file_size": {
        "type": "string",
        "pattern": "^[0-9]+$",
        "description": "Bytes, as a string (as Contentstack sends it).",
    },
    "tags": arr(STR),
    "filename": STR,
    "url": {
        **STR,
        "description": "Absolute (the asset_base_url setting, else the request's origin); the "
        "path alone with relative_urls=true.",
    },
    "ACL": {"type": "object"},
    "is_dir": {"const": False},
    "parent_uid": {"type": ["string", "null"], "description": "The folder holding it."},
    "_version": VERSION,
    "title": STR,
    "description": STR,
    "dimension": {
        **obj(("height", "width"), height=INT, width=INT),
        "description": "Images only, with include_dimension=true.",
    },
    "permanent_url": {**STR, "description": "Once set: the URL that always names this asset."},
    "_version_name": {
        **obj(("title", "updated_by", "updated_at"), title=STR, updated_by=STR, updated_at=TIME),
        "description": "A past version's name (GET with `version`).",
    },
    **AUDIT_PROPS,
}

SCHEMAS: dict[str, Json] = {
    "Error": closed(
        obj(
            ("error_message", "error_code", "errors"),
            error_message=STR,
            error_code=INT,
            errors={
                "type": "object",
                "additionalProperties": arr(STR),
                "description": "Per-field messages: {field: [message, …]}.",
            },
        )
    ),
    "Notice": obj(("notice",), notice=STR),
    "User": obj(
        (
            "uid",
            "email",
            "username",
            "first_name",
            "last_name",
            "created_at",
            "updated_at",
            "active",
        ),
        uid=BLT,
        email=STR,
        username=STR,
        first_name=STR,
        last_name=STR,
        created_at=TIME,
        updated_at=TIME,
        active=BOOL,
        organizations=arr(ref("Organization")),
        authtoken=SECRET,
    ),
    "Organization": obj(
        ("uid", "name", "is_owner", "org_roles"),
        uid=BLT,
        name=STR,
        is_owner=BOOL,
        org_roles=arr(obj(("name",), name=STR)),
    ),
    "Stack": obj(
        (
            "uid",
            "api_key",
            "name",
            "description",
            "org_uid",
            "master_locale",
            "owner_uid",
            "created_at",
            "updated_at",
            "settings",
        ),
        uid=BLT,
        api_key=BLT,
        name=STR,
        description=STR,
        org_uid=BLT,
        master_locale=STR,
        owner_uid=BLT,
        created_at=TIME,
        updated_at=TIME,
        settings={"type": "object"},
        SYS_ACL={"type": "object"},
    ),
    "Token": obj(
        ("uid", "name", "description", "scope", "type", *AUDIT),
        uid=BLT,
        name=STR,
        description=STR,
        scope=arr({"type": "object"}),
        type={"enum": ["management", "delivery"]},
        expires_on={
            "description": "A future ISO 8601 date (the token works through that UTC day) or "
            "date-time (kept in UTC); null for no expiry."
        },
        token={**SECRET, "description": "The secret, shown only in the answer to the creation."},
        preview_token={
            **SECRET,
            "description": "A delivery token's preview token (live preview), shown only in the "
            "answer to its creation.",
        },
        **AUDIT_PROPS,
    ),
    "Environment": obj(
        ("uid", "name", "urls", "_version", *AUDIT),
        uid=BLT,
        name=STR,
        urls=arr({"type": "object"}),
        ACL={"type": "array"},
        _version=VERSION,
        **AUDIT_PROPS,
    ),
    "Webhook": obj(
        ("uid", "name", "destinations", "channels", "retry_policy", "disabled", *AUDIT),
        uid=BLT,
        name=STR,
        destinations=arr(
            obj(
                ("target_url",),
                target_url=STR,
                http_basic_auth=STR,
                http_basic_password={**STR, "description": "Shown masked (********)."},
                custom_header=arr(obj(("header_name", "value"), header_name=STR, value=STR)),
            )
        ),
        channels=arr(STR),
        retry_policy={"enum": ["manual", "automatic", "auto"]},
        disabled=BOOL,
        concise_payload=BOOL,
        branches=arr(STR),
        secret={**STR, "description": "Signs what is sent; shown to callers who may write."},
        **AUDIT_PROPS,
    ),
    "WebhookExecution": obj(
        ("uid", "webhooks", "channel", "event_data", "request_details", "status", "state"),
        uid=BLT,
        webhooks=arr(STR),
        channel=arr(STR),
        event_data={"type": "object"},
        event_headers={"type": "object"},
        destination={"type": "object"},
        request_details=arr({"type": "object"}),
        retry_count=INT,
        status={**INT, "description": "The last HTTP status received (0: none)."},
        state={"enum": ["pending", "sending", "success", "failed"]},
        attempts=INT,
        next_attempt_at={"type": ["string", "null"]},
        created_at=TIME,
        updated_at=TIME,
    ),
    "Locale": obj(
        ("uid", "code", "name", "fallback_locale", "_version", *AUDIT),
        uid=BLT,
        code=STR,
        name=STR,
        fallback_locale={"type": ["string", "null"]},
        ACL={"type": "array"},
        _version=VERSION,
        **AUDIT_PROPS,
    ),
    "Field": obj(
        ("uid", "data_type", "display_name"),
        uid={"type": "string", "pattern": "^[a-z][a-z0-9_]*$", "maxLength": 64},
        data_type={
            "enum": [
                "text",
                "number",
                "boolean",
                "isodate",
                "json",
                "link",
                "reference",
                "file",
                "group",
                "blocks",
                "global_field",
            ]
        },
        display_name={"type": "string", "minLength": 1},
        mandatory=BOOL,
        unique=BOOL,
        multiple=BOOL,
        field_metadata={"type": "object"},
    ),
    "ContentTypeInput": obj(
        ("uid", "title", "schema"),
        uid={"type": "string", "pattern": "^[a-z][a-z0-9_]*$", "maxLength": 64},
        title={"type": "string", "minLength": 1},
        description=STR,
        schema=arr(ref("Field")),
        options={"type": "object"},
    ),
    "ContentType": obj(
        ("uid", "title", "schema", "options", "_version", "created_at", "updated_at"),
        uid=STR,
        title=STR,
        description=STR,
        schema=arr({"type": "object"}),
        options={"type": "object"},
        _version=VERSION,
        created_at=TIME,
        updated_at=TIME,
    ),
    "GlobalField": obj(
        ("uid", "title", "schema", "_version", "created_at", "updated_at"),
        uid=STR,
        title=STR,
        description=STR,
        schema=arr({"type": "object"}),
        _version=VERSION,
        created_at=TIME,
        updated_at=TIME,
    ),
    "Role": obj(
        ("uid", "name", "description", "users", "roles", *AUDIT),
        uid=BLT,
        name=STR,
        description=STR,
        rules=arr(ref("RoleRule")),
        deploy_content=BOOL,
        users=arr(STR),
        roles=arr(STR),
        owner=STR,
        org_uid=STR,
        api_key=STR,
        SYS_ACL={"type": "object"},
        **AUDIT_PROPS,
    ),
    "RoleRule": obj(
        ("module", "acl"),
        module={
            "enum": [
                "branch",
                "branch_alias",
                "content_type",
                "entry",
                "asset",
                "folder",
                "environment",
                "locale",
                "taxonomy",
            ]
        },
        acl={"type": "object", "additionalProperties": {"type": ["boolean", "object"]}},
    ),
    "Label": obj(
        ("uid", "name", "parent", "content_types", "_version", "created_at", "updated_at"),
        uid=STR,
        name=STR,
        parent=arr(STR),
        content_types=arr(STR),
        _version=VERSION,
        created_at=TIME,
        updated_at=TIME,
    ),
    "Extension": obj(
        ("uid", "title", "type", "_version", "created_at", "updated_at"),
        uid=STR,
        title=STR,
        type={"enum": ["field", "widget", "dashboard", "asset_sidebar_widget", "rte_plugin"]},
        data_type=STR,
        src=STR,
        srcdoc=STR,
        tags=arr(STR),
        multiple=BOOL,
        config={},
        _version=VERSION,
        created_at=TIME,
        updated_at=TIME,
    ),
    "Query": {
        "type": "object",
        "description": "Field paths to values (exact match) or to conditions.",
        "properties": {
            "$and": {**arr(ref("Query")), "minItems": 1},
            "$or": {**arr(ref("Query")), "minItems": 1},
        },
        "additionalProperties": {
            "anyOf": [ref("Condition"), {"type": ["string", "number", "boolean", "null"]}]
        },
    },
    "Condition": closed(
        obj(
            **{
                "$ne": {},
                "$in": arr({}),
                "$nin": arr({}),
                "$lt": {},
                "$lte": {},
                "$gt": {},
                "$gte": {},
                "$exists": BOOL,
                "$regex": STR,
                "$options": STR,
                # the taxonomy operators (docs/taxonomies.md), with `levels`
                "$eq_below": STR,
                "$below": STR,
                "$eq_above": STR,
                "$above": STR,
                "levels": {"type": "integer", "minimum": 0, "maximum": 10},
            }
        )
    ),
    "PublishRecord": PUBLISH_RECORD,
    "Entry": {
        **obj(
            ENTRY_SYSTEM,
            uid=BLT,
            locale=STR,
            _version=VERSION,
            tags=arr(STR),
            ACL={"type": "object"},
            _in_progress=BOOL,
            publish_details=arr(ref("PublishRecord")),
            _variant=VARIANT_LAYER,
            _variant_explain=VARIANT_EXPLAIN,
            _applied_variants={"type": "object", "additionalProperties": STR},
            _variant_preview={
                **arr(obj(("uid", "_version"), uid=STR, _version=VERSION)),
                "description": "With variant_preview=true: the saved entry variants merged.",
            },
            _variant_overrides={
                "type": "object",
                "additionalProperties": arr(STR),
                "description": "With include_variant_overrides=true: {path: [variant uids]}.",
            },
            **AUDIT_PROPS,
        ),
        "description": "An entry as the management API stores it; its own fields sit beside these.",
    },
    "EntryVariant": {
        **obj(
            (*ENTRY_SYSTEM, "_variant"),
            uid={**BLT, "description": "The base entry's uid."},
            locale=STR,
            _version=VERSION,
            tags=arr(STR),
            _variant=VARIANT_LAYER,
            publish_details=arr(ref("PublishRecord")),
            **AUDIT_PROPS,
        ),
        "description": "The variant's own (changed) fields, its system fields and `_variant`.",
    },
    "PublishedEntry": {
        **obj(
            ("uid",),
            uid=BLT,
            locale=STR,
            _version=VERSION,
            tags=arr(STR),
            publish_details=obj(
                ("environment", "locale", "time", "user"),
                environment=BLT,
                locale=STR,
                time=TIME,
                user=STR,
                variants={
                    "type": "object",
                    "additionalProperties": obj(
                        ("environment", "locale", "time", "user", "version"),
                        environment=BLT,
                        locale=STR,
                        time=TIME,
                        user=STR,
                        version=VERSION,
                        alias=STR,
                    ),
                },
            ),
            _applied_variants={
                "type": "object",
                "additionalProperties": STR,
                "description": "With include_applied_variants=true: {field path: variant uid}.",
            },
            _variant_explain=VARIANT_EXPLAIN,
            _metadata=METADATA,
        ),
        "description": "A published entry as the delivery API serves it (only[BASE][] may leave just uid).",
    },
    "VariantError": obj(("code", "message"), code=STR, message=STR, details={"type": "object"}),
    "VariantGroup": obj(
        ("uid", "name", "content_types", *AUDIT),
        uid=STR,
        name=STR,
        description=STR,
        content_types=arr(obj(("uid", "status"), uid=STR, status={"enum": ["linked", "unlinked"]})),
        branches=arr(STR),
        personalize_metadata={"type": "object"},
        variants=arr(ref("Variant")),
        variant_count={"type": "integer", "minimum": 0},
        **AUDIT_PROPS,
    ),
    "Variant": obj(
        ("uid", "name", *AUDIT),
        uid=STR,
        name=STR,
        variant_group_uid=STR,
        alias=STR,
        personalize_metadata={"type": "object"},
        **AUDIT_PROPS,
    ),
    "Asset": {
        **obj(ASSET_REQUIRED, **ASSET_PROPS, publish_details=arr(ref("PublishRecord"))),
        "description": "An asset as the management API answers it; `publish_details` (where it "
        "is published) in the answers about one asset.",
    },
    "PublishedAsset": {
        **obj(
            (*ASSET_REQUIRED, "publish_details"),
            **ASSET_PROPS,
            publish_details=obj(
                ("environment", "locale", "time", "user"),
                environment=BLT,
                locale=STR,
                time=TIME,
                user=STR,
            ),
            _metadata=METADATA,
        ),
        "description": "A published asset as the delivery API serves it.",
    },
    "AssetFolder": obj(
        (*ASSET_SYSTEM, "name"),
        uid=BLT,
        content_type={"const": FOLDER_TYPE},
        tags=arr(STR),
        name=STR,
        ACL={"type": "object"},
        is_dir={"const": True},
        parent_uid={"type": ["string", "null"], "description": "The folder holding it."},
        _version=VERSION,
        **AUDIT_PROPS,
    ),
    "PublishResult": obj(
        ("notice", "job_id"),
        notice={"const": "The requested action has been performed."},
        job_id={"type": "string", "format": "uuid"},
        errors={
            **arr(ref("VariantError")),
            "description": "With show_errors=true: unknown variants.",
        },
    ),
}


# -- request bodies ------------------------------------------------------------------------------
def body(schema: Json, description: str = "", media: str = "application/json") -> Json:
    out: Json = {"required": True, "content": {media: {"schema": schema}}}
    if description:
        out["description"] = description
    return out


WRAPPED = "The object may also be sent unwrapped (without the outer key)."
NAME: Json = {"type": "string", "minLength": 1, "maxLength": 200}
VARIANT_INPUT: Json = {
    "type": "object",
    "properties": {
        "_variant": obj(
            _uid=STR,
            _change_set=arr(STR),
            _order=arr({"type": "object", "additionalProperties": arr(STR)}),
        ),
        "tags": arr(STR),
    },
}
GROUP_LINKS = arr({"anyOf": [STR, obj(("uid",), uid=STR, status={"enum": ["linked", "unlinked"]})]})
GROUP_INPUT = obj(
    uid={"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
    name={"type": "string", "minLength": 1},
    description=STR,
    content_types=GROUP_LINKS,
    personalize_metadata={"type": "object"},
)
VARIANT_DEF = obj(
    uid={"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
    name={"type": "string", "minLength": 1},
    alias={"type": "string", "maxLength": 200},
    personalize_metadata={"type": "object"},
)
PUBLISH_INPUT = obj(
    ("entry",),
    entry=obj(
        ("environments",),
        environments={**arr(STR), "minItems": 1, "description": "Environment names or uids."},
        locales=arr(STR),
        variants=arr(obj(("uid",), uid=STR, version=VERSION)),
        variant_rules=obj(publish_latest_base=BOOL, publish_latest_base_conditionally=BOOL),
    ),
    locale=STR,
    version=VERSION,
    scheduled_at={**TIME, "description": "Queue the job for this time."},
)

ASSET_DETAILS = obj(
    title={"type": "string", "maxLength": 500},
    permanent_url={
        "type": "string",
        "maxLength": 2000,
        "description": "Set once: a URL ending in /v3/assets/{api_key}/{uid}/{slug}.",
    },
    description={"type": "string", "maxLength": 10_000},
    tags={**arr({"type": "string", "maxLength": 100}), "maxItems": 100},
    parent_uid={"type": ["string", "null"], "description": "A folder's uid; null: the root."},
)
FOLDER_INPUT = obj(
    name={"type": "string", "minLength": 1, "maxLength": 255, "pattern": "\\S"},
    parent_uid={"type": ["string", "null"], "description": "A folder's uid; null: the root."},
)


def asset_form(*, upload_required: bool) -> Json:
    """A multipart upload: the file in `asset[upload]`, the details in `asset[...]` fields."""
    fields: Json = {
        "asset[upload]": {
            "type": "string",
            "contentMediaType": "application/octet-stream",
            "description": "The file; its name becomes `filename` (reduced to a safe basename).",
        },
        "asset[title]": {"type": "string", "maxLength": 500},
        "asset[description]": {"type": "string", "maxLength": 10_000},
        "asset[parent_uid]": {**STR, "description": "The folder to put it in."},
        "asset[tags]": {**STR, "description": "Comma-separated (or the field repeated)."},
        "asset[permanent_url]": {**STR, "description": "As in the JSON body (updates only)."},
    }
    schema: Json = {"type": "object", "properties": fields}
    if upload_required:
        schema["required"] = ["asset[upload]"]
    return schema


EXTENSION_BODY = obj(
    ("extension",),
    extension=obj(
        ("title",),
        title={"type": "string", "minLength": 1},
        type=STR,
        data_type=STR,
        src=STR,
        srcdoc=STR,
        tags=arr(STR),
        multiple=BOOL,
        config={},
    ),
)
EXTENSION_FORM: Json = {
    "type": "object",
    "required": ["extension[upload]", "extension[title]"],
    "properties": {
        "extension[upload]": {
            "type": "string",
            "contentMediaType": "text/html",
            "description": "The extension's HTML (UTF-8), kept as its `srcdoc`.",
        },
        "extension[title]": STR,
        "extension[type]": STR,
        "extension[data_type]": STR,
        "extension[tags]": {**STR, "description": "Comma-separated."},
        "extension[multiple]": {"enum": ["true", "false", "True", "False"]},
        "extension[enable]": {"enum": ["true", "false", "True", "False"]},
        "extension[config]": {**STR, "description": "A JSON object."},
        "extension[scope]": {**STR, "description": "A JSON object."},
        "extension[default_width]": STR,
    },
}


BODIES: dict[str, Json] = {
    "asset_upload": body(
        asset_form(upload_required=True), "The file and its details.", "multipart/form-data"
    ),
    "asset_update": {
        "required": True,
        "description": "A new file (a new URL) with details, as multipart (the file may also be "
        "in a field named `upload` or `asset`); or details alone, as JSON (the `asset` object "
        "may be sent unwrapped), with `version` to start from that version's file and details.",
        "content": {
            "multipart/form-data": {"schema": asset_form(upload_required=False)},
            "application/json": {
                "schema": obj(
                    ("asset",),
                    asset=ASSET_DETAILS,
                    version={**VERSION, "description": "Update asset revision."},
                )
            },
        },
    },
    "entry_version_name": body(
        obj(
            ("entry",),
            entry=obj(
                ("_version_name",),
                _version_name={"type": "string", "minLength": 1, "maxLength": 100},
                locale=STR,
                force={"type": "boolean"},
            ),
        )
    ),
    "version_name": body(
        obj(
            ("upload",),
            upload=obj(
                ("_version_name",),
                _version_name={"type": "string", "minLength": 1, "maxLength": 100},
            ),
        )
    ),
    "asset_publish": body(
        obj(
            ("asset",),
            asset=obj(
                ("environments",),
                environments={
                    **arr(STR),
                    "minItems": 1,
                    "description": "Environment names or uids.",
                },
                locales={**arr(STR), "description": "Default: the master locale."},
            ),
            version={**VERSION, "description": "Default: the latest."},
            scheduled_at={**TIME, "description": "Queue the job for this time."},
        )
    ),
    "folder": body(obj(("asset",), asset=obj(("name",), **FOLDER_INPUT["properties"])), WRAPPED),
    "folder_update": body(
        obj(("asset",), asset=FOLDER_INPUT), "Rename, or move (never into itself). " + WRAPPED
    ),
    "share": body(
        obj(
            ("share",),
            share=obj(
                ("users",),
                users={
                    "type": "object",
                    "additionalProperties": arr({"enum": ["admin", "member"]}),
                    "description": "Email of an existing account → [its role].",
                },
                message=STR,
            ),
        ),
        WRAPPED,
    ),
    "unshare": body(obj(("emails",), emails={**arr(STR), "minItems": 1})),
    "login": body(
        obj(("user",), user=obj(("email", "password"), email=STR, password=STR, tfa_token=STR))
    ),
    "stack": body(
        obj(
            ("stack",),
            stack=obj(
                ("name",),
                name=NAME,
                description=STR,
                master_locale={"type": "string", "maxLength": 32},
            ),
        ),
        WRAPPED,
    ),
    "stack_update": body(obj(("stack",), stack=obj(name=NAME, description=STR)), WRAPPED),
    "token": body(
        obj(
            ("token",),
            token=obj(
                ("name", "scope"),
                name={"type": "string", "minLength": 1},
                description=STR,
                scope={
                    **arr(
                        {
                            "type": "object",
                            "properties": {
                                "module": STR,
                                "environments": arr(STR),
                                "branches": arr(STR),
                                "acl": {"type": "object"},
                            },
                        }
                    ),
                    "contains": obj(("module",), module={"const": "branch"}),
                    "description": 'Must name the branch (`{"module": "branch", '
                    '"branches": ["main"], "acl": {"read": true}}`), as Contentstack '
                    "requires on a stack with branches: 422, error_code 141, "
                    "`scope.branch_or_alias` otherwise.",
                },
                expires_on={"type": ["string", "null"]},
            ),
        ),
        WRAPPED,
    ),
    "environment": body(
        obj(
            ("environment",),
            environment=obj(
                ("name",),
                name={"type": "string", "pattern": "^[A-Za-z0-9_\\-. ]{1,100}$"},
                urls=arr(obj(locale=STR, url=STR)),
            ),
        ),
        WRAPPED,
    ),
    "webhook": body(obj(("webhook",), webhook={"type": "object"}), WRAPPED),
    "webhook_retry": body(obj(execution_uid=STR)),
    "locale": body(
        obj(
            ("locale",),
            locale=obj(
                ("code",),
                code={
                    "type": "string",
                    "pattern": "^[a-z]{2,3}(-[a-z0-9]{2,8})*$",
                    "maxLength": 32,
                },
                name=STR,
                fallback_locale=STR,
            ),
        ),
        WRAPPED,
    ),
    "content_type": body(obj(("content_type",), content_type=ref("ContentTypeInput")), WRAPPED),
    "global_field": body(
        obj(
            ("global_field",),
            global_field=obj(
                ("uid", "title", "schema"),
                uid={"type": "string", "pattern": "^[a-z][a-z0-9_]*$", "maxLength": 64},
                title={"type": "string", "minLength": 1},
                description=STR,
                schema={**arr(ref("Field")), "minItems": 1},
            ),
        ),
        WRAPPED,
    ),
    "label": body(
        obj(
            ("label",),
            label=obj(
                ("name",),
                name={"type": "string", "minLength": 1},
                parent=arr(STR),
                content_types=arr(STR),
            ),
        ),
        WRAPPED,
    ),
    "role": body(
        obj(
            ("role",),
            role=obj(
                ("name", "rules"),
                name={"type": "string", "minLength": 1, "maxLength": 255},
                description=STR,
                rules=arr(ref("RoleRule")),
                deploy_content=BOOL,
                users=arr(STR),
            ),
        ),
        "A custom role; one rule must be on the branch (module `branch` or `branch_alias`). "
        + WRAPPED,
    ),
    "extension": body(EXTENSION_BODY, WRAPPED),
    "extension_upload": {
        "required": True,
        "description": "The extension as JSON (the object may also be sent unwrapped); or its "
        "HTML file uploaded as multipart, stored as `srcdoc`, at most the JSON body limit.",
        "content": {
            "application/json": {"schema": EXTENSION_BODY},
            "multipart/form-data": {"schema": EXTENSION_FORM},
        },
    },
    "entry": body(
        obj(
            ("entry",),
            entry={
                "type": "object",
                "description": "Field values by field uid.",
                "properties": {"tags": arr(STR)},
            },
        )
    ),
    "publish": body(PUBLISH_INPUT),
    "entry_variant": body(
        obj(("entry",), entry=obj(("_variant",), **VARIANT_INPUT["properties"])),
        "The variant's fields; `_variant._change_set` and `_variant._order` are optional.",
    ),
    "entry_variant_rebase": body(
        obj(("revert",), revert=arr(STR)),
        "The overridden paths (from `_variant._change_set` or `_order`) to revert.",
    ),
    "entry_variant_post": body(
        obj(
            ("entry",),
            entry=obj(
                ("_variant",),
                _variant=obj(
                    ("_uid",), _uid=STR, _change_set=arr(STR), _order=arr({"type": "object"})
                ),
                tags=arr(STR),
            ),
        ),
        "The variant is named by `entry._variant._uid` (uid or alias).",
    ),
    "group": body(
        obj(("name",), **GROUP_INPUT["properties"]), "May also be wrapped in `variant_group`."
    ),
    "group_update": body(
        GROUP_INPUT,
        "Rename, describe, link or unlink content types (each listed one gets its "
        "status). May also be wrapped in `variant_group`.",
    ),
    "links": body(
        {"anyOf": [obj(("content_types",), content_types=GROUP_LINKS), GROUP_LINKS]},
        "`content_types` to link or unlink, or a bare list of them.",
    ),
    "variant": body(
        obj(("name",), **VARIANT_DEF["properties"]), "May also be wrapped in `variant`."
    ),
    "variant_update": body(
        obj(
            ("name",),
            name={"type": "string", "minLength": 1},
            personalize_metadata={"type": "object"},
        ),
        "May also be wrapped in `variant`.",
    ),
}


def form(**fields: Json) -> Json:
    return body(
        {"type": "object", "properties": {"csrf": STR, **fields}, "additionalProperties": STR},
        "An HTML form; `csrf` must match the session.",
        "application/x-www-form-urlencoded",
    )


# -- parameters ----------------------------------------------------------------------------------
def param(name: str, where: str, schema: Json, description: str, *, required: bool = False) -> Json:
    return {
        "name": name,
        "in": where,
        "required": required,
        "schema": schema,
        "description": description,
    }


def flag_param(name: str, description: str) -> Json:
    return param(name, "query", BOOL, description)


def array_param(name: str, description: str) -> Json:
    return {**param(name, "query", arr(STR), description), "style": "form", "explode": True}


LENGTH: Json = {"type": "string", "pattern": "^([0-9]+(\\.[0-9]*)?|\\.[0-9]+)p?$"}
EDGES = "One to four lengths (top, right, bottom, left), comma-separated."
IMAGE_PARAMETERS: dict[str, Json] = {
    name: param(name, "query", schema, "Images (JPEG, PNG, GIF, WebP, AVIF): " + text)
    for name, schema, text in (
        ("width", LENGTH, "pixels (at most 8192), a fraction below 1, or a percentage (50p)."),
        ("height", LENGTH, "pixels (at most 8192), a fraction below 1, or a percentage (50p)."),
        ("fit", {"enum": ["bounds", "crop", "cover"]}, "how width and height both apply."),
        ("quality", {"type": "integer", "minimum": 1, "maximum": 100}, "JPEG, WebP, AVIF."),
        ("format", {"enum": ["jpg", "pjpg", "png", "webp", "gif", "avif"]}, "the output."),
        ("auto", {"enum": ["webp", "avif"]}, "this format when Accept takes it (Vary: Accept)."),
        ("crop", STR, "W,H or a ratio (4:3), then xN, yN, offset-xN, offset-yN, safe, smart."),
        ("trim", STR, "cut from the edges. " + EDGES),
        ("pad", STR, "add to the edges. " + EDGES),
        ("bg-color", STR, "hex (rgb, rrggbb, rrggbbaa) or r,g,b[,a]."),
        (
            "dpr",
            {"type": "number", "exclusiveMinimum": 0, "maximum": 10_000},
            "multiplies width and height (needs one).",
        ),
        ("disable", {"enum": ["upscale"]}, "never enlarge."),
        ("orient", STR, "1 to 8 (EXIF numbering), or r, l, h, v, hv."),
    )
}
PARAMETERS: dict[str, Json] = {
    "api_key": param(
        "api_key",
        "header",
        STR,
        "The stack's API key (412 when missing or unknown).",
        required=True,
    ),
    "api_key_optional": param(
        "api_key", "header", STR, "A stack's API key: answer about that stack only."
    ),
    "organization_uid": param(
        "organization_uid",
        "header",
        STR,
        "The organization of a new stack (needed when the user belongs to several).",
    ),
    "include_collaborators": flag_param(
        "include_collaborators",
        "With api_key: the stack's users under `collaborators` (the JS SDK's stack.users()).",
    ),
    "ownership_uid": param(
        "uid", "query", STR, "The uid of the user the stack is transferred to.", required=True
    ),
    "x-project-uid": param(
        "x-project-uid",
        "header",
        STR,
        "Personalize: the project, i.e. the stack's API key (the api_key header will do too).",
    ),
    "connectedStackApiKey": param(
        "connectedStackApiKey", "query", STR, "Personalize: the project of this stack only."
    ),
    "environment": param("environment", "query", STR, "Delivery: the environment (name or uid)."),
    "environment_header": param(
        "environment",
        "header",
        STR,
        "Delivery: the environment, as the Python SDK sends it (the query parameter wins).",
    ),
    "x-cs-variant-uid": param(
        "x-cs-variant-uid",
        "header",
        STR,
        "Comma-separated variant uids or aliases (spaces trimmed). Delivery: apply these "
        "published variants, the first listed winning per path, up to the stack's limit. "
        "Management with include_variant=true: the variant to merge.",
    ),
    "include_applied_variants": flag_param(
        "include_applied_variants",
        "Delivery (or a management preview) with x-cs-variant-uid: add `_applied_variants` "
        "{path: variant uid}.",
    ),
    "include_variant_explain": flag_param(
        "include_variant_explain",
        "With x-cs-variant-uid (delivery, or a management preview): add `_variant_explain`, the "
        "source and losing variants of every changed path and the fate of every name.",
    ),
    "variant_preview": flag_param(
        "variant_preview",
        "Management entry read with x-cs-variant-uid: merge the latest saved base and entry "
        "variants of the locale (nothing needs publishing), as delivery will serve them.",
    ),
    "include_variant_overrides": flag_param(
        "include_variant_overrides",
        "Management base entry read: add `_variant_overrides` {path: [variant uids]} from the "
        "entry's variants in that locale.",
    ),
    "include_stale": flag_param(
        "include_stale",
        "Management entry-variant reads: add `_variant._stale`, the overrides whose base "
        "value changed since the variant was saved.",
    ),
    "variant_query": param(
        "variant_query",
        "query",
        {"type": "string", "enum": ["merged", "base"]},
        "Delivery lists with x-cs-variant-uid: `merged` applies query and sort to the documents "
        "as served with the named variants (Veneer's own); `base` (the default) to base data.",
    ),
    "coverage_environment": param(
        "environment",
        "query",
        STR,
        "Variant coverage: only this environment's published versions (name or uid).",
    ),
    "coverage_only": param(
        "only",
        "query",
        STR,
        "Variant coverage: keep the variant cells that are stale, noop, in conflicts or "
        "unpublished (comma-separated, any of them); a filter of the page's rows.",
    ),
    "coverage_after": param(
        "after", "query", STR, "Variant coverage: the entries after this uid (the answer's `next`)."
    ),
    "coverage_skip": param(
        "skip", "query", {"type": "integer", "minimum": 0, "maximum": 10_000}, "Entries to skip."
    ),
    "coverage_limit": param(
        "limit",
        "query",
        {"type": "integer", "minimum": 1, "maximum": 100},
        "Entries per page (default 25, at most 100).",
    ),
    "show_errors": flag_param(
        "show_errors",
        "Add `errors` to the answer: variants over the limit (delivery), "
        "unknown variants (publish).",
    ),
    "If-None-Match": param(
        "If-None-Match", "header", STR, "Delivery: ETags already held; 304 when one matches."
    ),
    "If-Match": param(
        "If-Match",
        "header",
        STR,
        'The ETag a GET answered ("v3"): write only if that is still the stored version (409).',
    ),
    "locale": param("locale", "query", STR, "Locale code (default: the stack's master locale)."),
    "include_fallback": flag_param("include_fallback", "Walk the locale's fallback chain."),
    "include_publish_details": flag_param("include_publish_details", "Add `publish_details`."),
    "include_count": flag_param("include_count", "Add the total `count`."),
    "include_rules": flag_param("include_rules", "Roles: add each custom role's `rules`."),
    "include_permissions": flag_param(
        "include_permissions", "Roles: a role's permissions are its `rules` (as include_rules)."
    ),
    "count": flag_param("count", "Answer only the number of matching entries: `{entries: N}`."),
    "skip": param(
        "skip", "query", {"type": "integer", "minimum": 0, "maximum": 10_000_000}, "Items to skip."
    ),
    "limit": param(
        "limit",
        "query",
        {"type": "integer", "minimum": 1, "maximum": 100},
        "Items per page (default and maximum 100).",
    ),
    "query": {
        "name": "query",
        "in": "query",
        "required": False,
        "content": {"application/json": {"schema": ref("Query")}},
        "description": "A JSON filter: field values and $ne $in $nin $lt $lte $gt $gte $exists $regex "
        "($options) $and $or, dot paths into groups.",
    },
    "doc_query": {
        "name": "query",
        "in": "query",
        "required": False,
        "content": {"application/json": {"schema": {"type": "object"}}},
        "description": "A JSON filter on the documents' top-level keys: a value (string, number, "
        "boolean; a list key such as `tags` matches by its items), $in, $nin, $ne. Anything else "
        "is a 422 naming the key.",
    },
    "asc": param("asc", "query", STR, "Sort ascending by this field."),
    "desc": param("desc", "query", STR, "Sort descending by this field."),
    "version": param("version", "query", VERSION, "A version of the entry (default: the latest)."),
    "include_variant": flag_param(
        "include_variant", "Management: merge the variant named by x-cs-variant-uid (the JS SDK)."
    ),
    "include_variants": flag_param(
        "include_variants", "Management: merge the variant named by variant_uid (the Python SDK)."
    ),
    "variant_uid": param(
        "variant_uid", "query", STR, "Management: the variant to merge (uid or alias)."
    ),
    "include": array_param(
        "include[]", "Delivery: reference field paths to replace by the published entries."
    ),
    "only": array_param(
        "only[BASE][]",
        "Keep only these field paths (and uid); also sent indexed, `only[BASE][0]=title` (JS SDK).",
    ),
    "except": array_param(
        "except[BASE][]",
        "Drop these field paths; also sent indexed, `except[BASE][0]=body` (JS SDK).",
    ),
    "include_content_type": flag_param("include_content_type", "Delivery: add the `content_type`."),
    "include_variant_info": flag_param("include_variant_info", "Add each group's `variants`."),
    "include_variant_count": flag_param(
        "include_variant_count", "Add each group's `variant_count`."
    ),
    "content_type": param("content_type", "query", STR, "Only groups linked to this content type."),
    "experience_uid": param(
        "experience_uid", "query", STR, "Only groups of this Personalize experience."
    ),
    "name": param("name", "query", STR, "Only groups with this name."),
    "uid": param("uid", "query", STR, "Comma-separated variant uids or aliases to pick."),
    "uids": array_param("uids[]", "Variant uids or aliases to pick (the JS SDK's fetchByUIDs)."),
    "asset_version": param(
        "version", "query", VERSION, "A version of the asset (default: the latest)."
    ),
    "folder": param(
        "folder", "query", STR, "Only what is directly inside this folder (uid; cs_root: the top)."
    ),
    "global_field_count": flag_param(
        "count", "Answer only the number of global fields: `{global_fields: N}`."
    ),
    "include_embedded_items": array_param(
        "include_embedded_items[]",
        "`BASE`: answer `_embedded_items`, the entries and assets the JSON RTE fields embed.",
    ),
    "include_all": flag_param(
        "include_all", "Delivery: expand every reference field, `include_all_depth` levels deep."
    ),
    "include_all_depth": param(
        "include_all_depth",
        "query",
        {"type": "integer", "minimum": 1, "maximum": 5},
        "Delivery, with include_all: how many levels of references to expand (default 3).",
    ),
    "include_branch": flag_param(
        "include_branch",
        'Name the branch each item was read from: `_branch: "main"` (the only one).',
    ),
    "include_metadata": flag_param(
        "include_metadata",
        'Delivery: add `_metadata` (`{"extensions": {}}`: Veneer attaches no metadata).',
    ),
    "include_global_fields": flag_param(
        "include_global_fields",
        "Content type references: also list the global fields that reference it.",
    ),
    "overwrite": flag_param(
        "overwrite", "Import: replace the existing item of the file's uid (else refused, 422)."
    ),
    "schema_version": param(
        "version",
        "query",
        VERSION,
        "Export: the version wanted; only the latest is kept (another is refused, 422).",
    ),
    "include_global_field_schema": flag_param(
        "include_global_field_schema",
        "Answer the schema of each global field the content type names (else its reference only).",
    ),
    "asset_count": flag_param("count", "Answer only the number of matching assets: `{assets: N}`."),
    "named": flag_param("named", "Only the versions that have a name."),
    "permanent_environment": param(
        "environment",
        "query",
        STR,
        "The file published in this environment (name or uid; the master locale's).",
    ),
    "include_folders": flag_param("include_folders", "Management: list folders too."),
    "include_dimension": flag_param(
        "include_dimension", "Add images' `dimension` {height, width}."
    ),
    "relative_urls": flag_param("relative_urls", "Give `url` as a path, without the origin."),
    **IMAGE_PARAMETERS,
    "Range": param(
        "Range", "header", STR, "One byte range (bytes=0-99, bytes=100-, bytes=-100): a 206."
    ),
    "If-Range": param(
        "If-Range", "header", STR, "Answer the Range only while the ETag is still this one."
    ),
    "file_If-None-Match": param(
        "If-None-Match", "header", STR, "ETags already held; 304 when one matches."
    ),
    "next": param("next", "query", STR, "Editor path to go to after logging in."),
    "token": param("token", "query", STR, "A password reset token (`veneer reset-password`)."),
    "q": param("q", "query", STR, "Editor: find entries whose title contains this."),
    "page": param("page", "query", {"type": "integer", "minimum": 1}, "Editor: page number."),
    "notice": param(
        "notice", "query", STR, "Editor: the notice to show (saved, created, published…)."
    ),
    "asset_uids": param(
        "uids", "query", STR, "Editor: asset uids, comma separated, to show as such."
    ),
    "pick": param(
        "pick",
        "query",
        STR,
        "Editor: the token of the reference picker a new entry is made for (it is handed back).",
    ),
    "trashed": param(
        "trashed", "query", STR, "Editor: the entry just moved to the trash (offers to undo)."
    ),
    "a": param("a", "query", INT, "Editor: the version shown on the left."),
    "b": param("b", "query", INT, "Editor: the version shown on the right (default: the latest)."),
    "against": param(
        "against", "query", {"enum": ["base"]}, "Editor: compare the variant with its base entry."
    ),
    "undo": param("undo", "query", STR, "Editor: the field just reverted (offers to undo)."),
    "undo_from": param(
        "undo_from", "query", INT, "Editor: the variant version the reverted field is undone from."
    ),
    "list_status": param(
        "status",
        "query",
        {"type": "string", "pattern": "^(published|unpublished|changed):.+$"},
        "Editor: entries whose base is published, not published, or changed since publish "
        "(latest version newer than the published one) in an environment (by uid), in the "
        "list's locale.",
    ),
    "list_variants": param(
        "variants", "query", {"enum": ["yes", "no"]}, "Editor: entries with, or without, variants."
    ),
    "list_only": param(
        "only",
        "query",
        {"enum": ["localized"]},
        "Editor: only the entries localized in the locale (no fallback).",
    ),
    "list_sort": param(
        "sort",
        "query",
        {"enum": ["updated_at", "created_at", "title"]},
        "Editor: the list's sort key (updated_at by default).",
    ),
    "list_order": param(
        "order", "query", {"enum": ["asc", "desc"]}, "Editor: the sort order (desc by default)."
    ),
}
LIST_FILTERS = ("list_status", "list_variants", "list_only", "list_sort", "list_order")
PATH_PARAMS = {
    "ct": "Content type uid.",
    "name": "Environment name or uid.",
    "code": "Locale code.",
    "group": "Variant group uid.",
    "variant": "Variant uid or alias.",
    "api_key": "The stack's API key.",
    "path": "A file of the editor's static assets.",
    "org_uid": "Organization uid.",
    "version_uid": "The version of the file, as the asset's url names it.",
    "filename": "The file's name, as the asset's url names it.",
    "slug": "The last segment of the asset's permanent_url.",
    "version": "A version number (of the asset, the entry or the entry variant).",
    "job": "A scheduled publish or unpublish (its job_id).",
    "taxonomy": "Taxonomy uid.",
    "term": "Term uid.",
    "ownership_token": "The token of an ownership transfer (the server log gives its link).",
    "experience": "Personalize: an experience, i.e. a variant group uid.",
    "experience_version": "Personalize: the experience's version (its latestVersion).",
}


def _path_param(path: str, name: str) -> Json:
    if name == "uid":
        kinds = {
            "_tokens/": "Token",
            "/branches/": "Branch",
            "/roles/": "Role",
            "/global_fields/": "Global field",
            "/labels/": "Label",
            "/extensions/": "Extension",
            "/webhooks/": "Webhook (or, for logs and retry, execution)",
            "/assets/folders/": "Folder",
            "/bulk/jobs/": "Bulk job (its job_id)",
            "/assets/": "Asset",
        }
        kind = next((label for part, label in kinds.items() if part in path), "Entry")
        text = f"{kind} uid."
    else:
        text = PATH_PARAMS[name]
    return param(name, "path", {"type": "string", "minLength": 1}, text, required=True)


def params(*names: str) -> list[Json]:
    return [{"$ref": f"#/components/parameters/{name}"} for name in names]


LIST = ("skip", "limit", "include_count")
DELIVERY_SCOPE = ("environment", "environment_header", "If-None-Match")
ENTRY_READ = (
    "locale",
    "include_fallback",
    "x-cs-variant-uid",
    "include_applied_variants",
    "include_variant_explain",
    "show_errors",
    "include",
    "only",
    "except",
    "include_content_type",
    "include_branch",
    "include_embedded_items",
    "include_all",
    "include_all_depth",
)

# -- responses -----------------------------------------------------------------------------------
ERRORS = {
    400: "Malformed JSON; a body that is not JSON, not of the expected shape or holding a NUL character; "
    "or a NUL character in the URL.",
    401: "Missing or invalid credentials.",
    403: "Valid credentials without the right (a read-only token, a token where a user is needed, "
    "an environment the delivery token is not scoped to).",
    404: "No route matches the path.",
    405: "The path exists; the method does not.",
    412: "The api_key is missing or names no stack the caller reaches.",
    409: "If-Match, or the body's entry._version, names a version that is no longer the stored "
    "one; nothing was written.",
    413: "The request body is over the configured cap.",
    416: "The Range starts beyond the end of the file (Content-Range: bytes */size).",
    422: "Validation failed, or the object doesn't exist (error_code 141).",
    429: "Rate limited; retry after Retry-After seconds.",
    408: "The request body did not arrive within body_timeout seconds.",
    503: "The database is unreachable or read-only (or, for /-/ready, its migrations are not "
    "this version's); retry after Retry-After seconds.",
    504: "A delivery request ran past the configured timeout.",
}
HTML_ERRORS = {
    400: "The form could not be read (or holds a NUL character).",
    401: "Login failed.",
    403: "The form's CSRF token is wrong.",
    413: "The form is over the body cap.",
    404: "No such stack, content type, entry or editor page.",
    405: "The address takes another method (a form's target opened as a page).",
    409: "The entry or variant changed since the form was loaded, or a change needs confirming.",
    422: "Some fields need attention.",
    429: "Too many failed logins; retry later.",
}
HTML = {"text/html": {"schema": STR}}


def _responses() -> Json:
    out: Json = {}
    for status, text in ERRORS.items():
        out[f"E{status}"] = {
            "description": text,
            "content": {"application/json": {"schema": ref("Error")}},
        }
    for status in (429, 503):
        out[f"E{status}"]["headers"] = {
            "Retry-After": {
                "required": True,
                "schema": {"type": "string", "pattern": "^[0-9]+$"},
                "description": "Seconds to wait.",
            }
        }
    out["E416"]["headers"] = {
        "Content-Range": {
            "required": True,
            "schema": {"type": "string", "pattern": "^bytes \\*/[0-9]+$"},
            "description": "The file's size.",
        }
    }
    out["NotModified"] = {
        "description": "The ETag in If-None-Match still matches.",
        "headers": {"ETag": {"required": True, "schema": STR}},
    }
    for status, text in HTML_ERRORS.items():
        out[f"H{status}"] = {"description": text, "content": HTML}
    # The editor's own page, or the JSON answer of the router (no route) or of the URL guard.
    for status in (400, 404):
        out[f"H{status}"]["content"] = {**HTML, **out[f"E{status}"]["content"]}
    out["Redirect"] = {
        "description": "Go on to another editor page (or to the login page without a session).",
        "headers": {"Location": {"required": True, "schema": STR}},
    }
    return out


def ok(
    schema: Json, status: int = 200, description: str = "OK", headers: Json | None = None
) -> Json:
    response: Json = {
        "description": description,
        "content": {"application/json": {"schema": schema}},
    }
    if headers:
        response["headers"] = headers
    return {str(status): response}


def errors(*statuses: int) -> Json:
    return {str(s): {"$ref": f"#/components/responses/E{s}"} for s in statuses}


def html_errors(*statuses: int) -> Json:
    return {str(s): {"$ref": f"#/components/responses/H{s}"} for s in statuses}


# -- operations ----------------------------------------------------------------------------------
USER: list[Json] = [{"authtoken": []}]
MANAGER: list[Json] = [{"authtoken": []}, {"management_token": []}]
ANYONE: list[Json] = [*MANAGER, {"delivery_token": []}]
SESSION: list[Json] = [{"editor_session": []}]
READ = (401, 403, 412, 422, 429)  # 403: a token whose scope cannot read the module
WRITE = (400, 401, 403, 412, 413, 422, 429)
DELIVERY_ERRORS = (401, 403, 412, 422, 504)
ETAG = {
    "ETag": {"required": True, "schema": STR},
    "Cache-Control": {"required": True, "schema": STR},
    "Surrogate-Key": {"required": True, "schema": STR},
    "Cache-Tag": {"required": True, "schema": STR},
}


def op(
    summary: str,
    tag: str,
    responses: Json,
    *,
    parameters: list[Json] | None = None,
    request: str | Json | None = None,
    security: list[Json] | None = None,
    description: str = "",
) -> Json:
    out: Json = {
        "summary": summary,
        "tags": [tag],
        "parameters": parameters or [],
        "responses": responses,
        "security": security if security is not None else MANAGER,
    }
    if request is not None:
        out["requestBody"] = BODIES[request] if isinstance(request, str) else request
    if description:
        out["description"] = description
    return out


class Paths:
    """Operations by path and method; `both=True` adds the trailing-slash twin the router serves."""

    def __init__(self) -> None:
        self.items: dict[str, dict[str, Json]] = {}

    def add(self, path: str, method: str, operation: Json, *, both: bool = False) -> None:
        for each in [path, path + "/"] if both else [path]:
            names = re.findall(r"{(\w+)}", each)
            # Any URL may be refused (a NUL character); a path parameter holding "/" can reach
            # another route, or none.
            responses = {**errors(400, *((404, 405) if names else ())), **operation["responses"]}
            self.items.setdefault(each, {})[method] = {
                **operation,
                "operationId": _operation_id(method, each),
                "parameters": [
                    *(_path_param(each, name) for name in names),
                    *operation["parameters"],
                ],
                "responses": responses,
            }


def _operation_id(method: str, path: str) -> str:
    words = re.sub(r"[{}]", "", path).replace("-", "_").strip("/").replace("/", "_") or "root"
    return f"{method}_{words}" + ("_slash" if path.endswith("/") and path != "/app/" else "")


def notice(schema: Json | None = None, status: int = 200) -> Json:
    return ok(ref("Notice") if schema is None else schema, status)


def users(p: Paths) -> None:
    p.add(
        "/v3/user-session",
        "post",
        op(
            "Log in: a user and a fresh authtoken",
            "users",
            {
                **ok(obj(("notice", "user"), notice=STR, user=ref("User"))),
                **errors(400, 401, 413, 422, 429),
            },
            request="login",
            security=[],
        ),
    )
    p.add(
        "/v3/user-session",
        "delete",
        op(
            "Log out: end the authtoken's session",
            "users",
            {**notice(), **errors(400, 401, 413)},
            security=USER,
        ),
    )
    p.add(
        "/v3/user",
        "get",
        op(
            "The logged-in user",
            "users",
            {**ok(obj(("user",), user=ref("User"))), **errors(401, 429)},
            security=USER,
        ),
    )
    p.add(
        "/v3/organizations",
        "get",
        op(
            "The user's organizations",
            "users",
            {
                **ok(obj(("organizations",), organizations=arr(ref("Organization")))),
                **errors(401, 429),
            },
            security=USER,
        ),
    )
    p.add(
        "/v3/user",
        "put",
        op(
            "Change the logged-in user's first and last name",
            "users",
            {**ok(obj(("notice", "user"), notice=STR, user=ref("User"))), **errors(*WRITE)},
            request=body(obj(("user",), user=obj(first_name=STR, last_name=STR)), WRAPPED),
            security=USER,
        ),
    )
    p.add(
        "/v3/user/forgot_password",
        "post",
        op(
            "Ask for a password reset: the same answer whether or not the account exists; "
            "Veneer sends no email, the reset link goes to the server log",
            "users",
            {**notice(), **errors(400, 413, 422, 429)},
            request=body(obj(("user",), user=obj(("email",), email=STR))),
            security=[],
        ),
    )
    p.add(
        "/v3/user/reset_password",
        "post",
        op(
            "Set a new password with a reset token (ends every session of the account)",
            "users",
            {**notice(), **errors(400, 413, 422, 429)},
            request=body(
                obj(
                    ("user",),
                    user=obj(
                        ("reset_password_token", "password", "password_confirmation"),
                        reset_password_token=STR,
                        password=STR,
                        password_confirmation=STR,
                    ),
                )
            ),
            security=[],
        ),
    )
    p.add(
        "/v3/organizations/{org_uid}",
        "get",
        op(
            "One of the user's organizations",
            "users",
            {
                **ok(obj(("organization",), organization=ref("Organization"))),
                **errors(401, 403, 429),
            },
            security=USER,
        ),
    )
    role = obj(("uid", "name", "org_uid"), uid=STR, name=STR, org_uid=STR, description=STR)
    p.add(
        "/v3/organizations/{org_uid}/roles",
        "get",
        op(
            "The organization's roles: owner, admin, member",
            "users",
            {**ok(obj(("roles",), roles=arr(role))), **errors(401, 403, 429)},
            security=USER,
        ),
    )
    p.add(
        "/v3/organizations/{org_uid}/stacks",
        "get",
        op(
            "The organization's stacks",
            "users",
            {**ok(obj(("stacks",), stacks=arr(ref("Stack")))), **errors(401, 403, 429)},
            security=USER,
        ),
    )
    share = obj(("email", "user_uid", "org_roles"), email=STR, user_uid=STR, org_roles=arr(STR))
    p.add(
        "/v3/organizations/{org_uid}/share",
        "get",
        op(
            "The organization's members (every share is accepted: Veneer invites no one)",
            "users",
            {**ok(obj(("shares",), shares=arr(share))), **errors(401, 403, 429)},
            security=USER,
        ),
    )
    p.add(
        "/v3/organizations/{org_uid}/share",
        "post",
        op(
            "Add existing accounts to the organization, or change their role (owner/admin only)",
            "users",
            {**ok(obj(("notice", "shares"), notice=STR, shares=arr(share))), **errors(*WRITE)},
            request="share",
            security=USER,
        ),
    )
    p.add(
        "/v3/organizations/{org_uid}/share",
        "delete",
        op(
            "Remove members: their tokens are revoked, their scheduled publishes cancelled",
            "users",
            {**notice(), **errors(*WRITE)},
            request="unshare",
            security=USER,
        ),
    )


def stacks(p: Paths) -> None:
    one = obj(("stack",), stack=ref("Stack"))
    p.add(
        "/v3/stacks",
        "get",
        op(
            "With api_key: that stack; without: every stack the caller reaches",
            "stacks",
            {
                **ok({"anyOf": [one, counted("stacks", ref("Stack"))]}),
                **errors(401, 403, 412, 422, 429),
            },
            parameters=params("api_key_optional", *LIST, "include_collaborators"),
        ),
        both=True,
    )
    p.add(
        "/v3/stacks",
        "post",
        op(
            "Create a stack",
            "stacks",
            {**ok(with_notice(one), 201), **errors(400, 401, 403, 413, 422, 429)},
            parameters=params("organization_uid"),
            request="stack",
            security=USER,
        ),
        both=True,
    )
    p.add(
        "/v3/stacks",
        "put",
        op(
            "Rename or describe the stack",
            "stacks",
            {**ok(with_notice(one)), **errors(*WRITE)},
            parameters=params("api_key"),
            request="stack_update",
        ),
    )
    p.add(
        "/v3/stacks",
        "delete",
        op(
            "Delete the stack and everything in it",
            "stacks",
            {**notice(), **errors(400, 401, 403, 412, 413, 429)},
            parameters=params("api_key"),
            security=USER,
        ),
    )
    for kind in ("management_tokens", "delivery_tokens"):
        base, one_token = f"/v3/stacks/{kind}", obj(("token",), token=ref("Token"))
        label = kind.replace("_", " ")[:-1]
        p.add(
            base,
            "get",
            op(
                f"List {label}s",
                "tokens",
                {**ok(counted("tokens", ref("Token"))), **errors(401, 403, 412, 422, 429)},
                parameters=params("api_key", *LIST),
                security=USER,
            ),
        )
        p.add(
            base,
            "post",
            op(
                f"Create a {label}",
                "tokens",
                {**ok(with_notice(one_token), 201), **errors(*WRITE)},
                parameters=params("api_key"),
                request="token",
                security=USER,
            ),
        )
        p.add(
            base + "/{uid}",
            "get",
            op(
                f"A {label}",
                "tokens",
                {**ok(one_token), **errors(401, 403, 412, 422, 429)},
                parameters=params("api_key"),
                security=USER,
            ),
        )
        p.add(
            base + "/{uid}",
            "put",
            op(
                f"Update a {label}",
                "tokens",
                {**ok(with_notice(one_token)), **errors(*WRITE)},
                parameters=params("api_key"),
                request="token",
                security=USER,
            ),
        )
        p.add(
            base + "/{uid}",
            "delete",
            op(
                f"Delete a {label}",
                "tokens",
                {**notice(), **errors(*WRITE)},
                parameters=params("api_key"),
                security=USER,
            ),
        )
    preview = "/v3/stacks/delivery_tokens/{uid}/preview_token"
    p.add(
        preview,
        "post",
        op(
            "Create a delivery token's preview token (replacing its previous one)",
            "tokens",
            {**ok(with_notice(obj(("token",), token=ref("Token"))), 201), **errors(*WRITE)},
            parameters=params("api_key"),
            security=USER,
        ),
    )
    p.add(
        preview,
        "delete",
        op(
            "Delete a delivery token's preview token",
            "tokens",
            {**notice(), **errors(*WRITE)},
            parameters=params("api_key"),
            security=USER,
        ),
    )


def settings_resources(p: Paths) -> None:
    """Environments and locales: the same five operations each."""
    for base, key, plural, request, item in (
        ("/v3/environments", "environment", "environments", "environment", "{name}"),
        ("/v3/locales", "locale", "locales", "locale", "{code}"),
    ):
        one = obj((key,), **{key: ref(key.title())})
        p.add(
            base,
            "get",
            op(
                f"List {plural}",
                plural,
                {**ok(counted(plural, ref(key.title()))), **errors(*READ)},
                parameters=params("api_key", *LIST),
            ),
            both=True,
        )
        p.add(
            base,
            "post",
            op(
                f"Create a {key}",
                plural,
                {**ok(with_notice(one), 201), **errors(*WRITE)},
                parameters=params("api_key"),
                request=request,
            ),
            both=True,
        )
        p.add(
            f"{base}/{item}",
            "get",
            op(f"A {key}", plural, {**ok(one), **errors(*READ)}, parameters=params("api_key")),
        )
        p.add(
            f"{base}/{item}",
            "put",
            op(
                f"Update a {key}",
                plural,
                {**ok(with_notice(one)), **errors(*WRITE)},
                parameters=params("api_key"),
                request=request,
            ),
        )
        p.add(
            f"{base}/{item}",
            "delete",
            op(
                f"Delete a {key}",
                plural,
                {**notice(), **errors(*WRITE)},
                parameters=params("api_key"),
            ),
        )


def stack_modules(p: Paths) -> None:
    """Roles (built-in and custom), the `main` branch, the stack's settings, and the modules
    Veneer does not store yet (always an empty list); labels and extensions (`documents`)."""
    branch = obj(("uid", "source", "alias", *AUDIT), uid={"const": "main"}, source=STR)
    for path, key, item, summary in (
        ("/v3/stacks/branches", "branches", branch, "The stack's branches: only main"),
        *(
            (f"/v3/{key}", key, {"type": "object"}, f"{key.title()}: none yet")
            for key in ("workflows",)
        ),
    ):
        p.add(
            path,
            "get",
            op(
                summary,
                "stack",
                {**ok(counted(key, item)), **errors(*READ)},
                parameters=params("api_key", *LIST),
            ),
        )
    roles(p)
    p.add(
        "/v3/stacks/branches/{uid}",
        "get",
        op(
            "A branch (only main exists)",
            "stack",
            {**ok(obj(("branch",), branch=branch)), **errors(*READ)},
            parameters=params("api_key"),
        ),
    )
    p.add(
        "/v3/stacks/settings",
        "get",
        op(
            "The stack's settings",
            "stack",
            {**ok(obj(("stack_settings",), stack_settings={"type": "object"})), **errors(*READ)},
            parameters=params("api_key"),
        ),
    )
    p.add(
        "/v3/stacks/settings",
        "post",
        op(
            "Change the stack's settings (delivery_cache_control, delivery_cors_origins, variant_limit, ...)",
            "stack",
            {
                **ok(obj(("notice", "stack_settings"), stack_settings={"type": "object"})),
                **errors(*WRITE),
            },
            parameters=params("api_key"),
            request=body(obj(("stack_settings",), stack_settings={"type": "object"}), WRAPPED),
        ),
    )
    p.add(
        "/v3/stacks/settings/reset",
        "post",
        op(
            "Reset Contentstack's stack settings to their defaults (Veneer's delivery settings stay)",
            "stack",
            {
                **ok(obj(("notice", "stack_settings"), stack_settings={"type": "object"})),
                **errors(*WRITE),
            },
            parameters=params("api_key"),
        ),
    )


def roles(p: Paths) -> None:
    """`/v3/roles`: the three built-in roles, then the stack's custom roles (services.roles)."""
    role = ref("Role")
    one = obj(("role",), role=role)
    rules = ("include_rules", "include_permissions")
    p.add(
        "/v3/roles",
        "get",
        op(
            "The stack's roles: Admin, Developer, Content Manager, then its custom roles",
            "stack",
            {**ok(counted("roles", role)), **errors(*READ)},
            parameters=params("api_key", *LIST, *rules),
        ),
    )
    p.add(
        "/v3/roles",
        "post",
        op(
            "Create a custom role",
            "stack",
            {**ok(with_notice(one), 201), **errors(*WRITE)},
            parameters=params("api_key"),
            request="role",
            security=USER,
        ),
    )
    p.add(
        "/v3/roles/{uid}",
        "get",
        op(
            "A role (built-in or custom)",
            "stack",
            {**ok(one), **errors(*READ)},
            parameters=params("api_key", *rules),
        ),
    )
    p.add(
        "/v3/roles/{uid}",
        "put",
        op(
            "Update a custom role (built-in roles: 422)",
            "stack",
            {**ok(with_notice(one)), **errors(*WRITE)},
            parameters=params("api_key"),
            request="role",
            security=USER,
        ),
    )
    p.add(
        "/v3/roles/{uid}",
        "delete",
        op(
            "Delete a custom role (422 for a built-in role or one users hold)",
            "stack",
            {**notice(), **errors(*WRITE)},
            parameters=params("api_key"),
            security=USER,
        ),
    )


def documents(p: Paths) -> None:
    """Global fields, labels and extensions: the same five operations on each."""
    for plural, key, schema, tag in (
        ("global_fields", "global_field", "GlobalField", "global fields"),
        ("labels", "label", "Label", "labels"),
        ("extensions", "extension", "Extension", "extensions"),
    ):
        _document_crud(p, plural, key, schema, tag)


def import_file(field: str) -> Json:
    """An import call's body: the exported JSON file as the multipart field `field`."""
    form = {
        "type": "object",
        "required": [field],
        "properties": {
            field: {
                "type": "string",
                "contentMediaType": "application/json",
                "description": "The JSON file, as `…/export` writes it.",
            }
        },
    }
    return body(form, "The file to import.", "multipart/form-data")


def global_field_files(p: Paths) -> None:
    one = obj(("global_field",), global_field=ref("GlobalField"))
    p.add(
        "/v3/global_fields/{uid}/export",
        "get",
        op(
            "Export a global field (the bare document, to import elsewhere)",
            "global fields",
            {**ok(ref("GlobalField")), **errors(*READ)},
            parameters=params("api_key", "schema_version"),
        ),
    )
    p.add(
        "/v3/global_fields/import",
        "post",
        op(
            "Import a global field from an exported file",
            "global fields",
            {**ok(with_notice(one)), **errors(*WRITE)},
            parameters=params("api_key", "overwrite"),
            request=import_file("global_field"),
        ),
    )


def _document_crud(p: Paths, plural: str, key: str, schema: str, tag: str) -> None:
    one = obj((key,), **{key: ref(schema)})
    counting = key == "global_field"
    queried = key == "extension"  # `domain.doc_filters`: equality, $in, $nin, $ne
    listing = (
        "api_key",
        *LIST,
        *(("global_field_count",) if counting else ()),
        *(("doc_query",) if queried else ()),
    )
    # An unknown extension is Contentstack's 404 (error_code 347); other modules answer 422.
    read_errors = errors(*READ, 404) if queried else errors(*READ)
    write_errors = errors(*WRITE, 404) if queried else errors(*WRITE)
    listed = counted(plural, ref(schema))
    if counting:
        number = closed(obj((plural,), **{plural: {"type": "integer", "minimum": 0}}))
        listed = {"anyOf": [listed, number]}
    delete_note = (
        " (refused with 422 while a content type or global field uses it)"
        if key == "global_field"
        else ""
    )
    name = tag.rstrip("s")
    p.add(
        f"/v3/{plural}",
        "get",
        op(
            f"List the stack's {tag}",
            tag,
            {**ok(listed), **errors(*READ)},
            parameters=params(*listing),
        ),
        both=True,
    )
    p.add(
        f"/v3/{plural}",
        "post",
        op(
            f"Create a {name}",
            tag,
            {**ok(with_notice(one), 201), **errors(*WRITE)},
            parameters=params("api_key"),
            request="extension_upload" if queried else key,
        ),
        both=True,
    )
    p.add(
        f"/v3/{plural}/{{uid}}",
        "get",
        op(f"A {name}", tag, {**ok(one), **read_errors}, parameters=params("api_key")),
    )
    p.add(
        f"/v3/{plural}/{{uid}}",
        "put",
        op(
            f"Update a {name}",
            tag,
            {**ok(with_notice(one)), **write_errors},
            parameters=params("api_key"),
            request=key,
        ),
    )
    p.add(
        f"/v3/{plural}/{{uid}}",
        "delete",
        op(
            f"Delete a {name}{delete_note}",
            tag,
            {**notice(), **write_errors},
            parameters=params("api_key"),
        ),
    )


def webhooks(p: Paths) -> None:
    """Webhooks (docs/webhooks.md): the five operations, executions, logs and retry."""
    one = obj(("webhook",), webhook=ref("Webhook"))
    executions = counted("webhooks", ref("WebhookExecution"))
    base, item = "/v3/webhooks", "/v3/webhooks/{uid}"
    listed = op(
        "List webhooks",
        "webhooks",
        {**ok(counted("webhooks", ref("Webhook"))), **errors(*READ)},
        parameters=params("api_key", *LIST),
    )
    p.add(base, "get", listed, both=True)
    made = op(
        "Create a webhook",
        "webhooks",
        {**ok(with_notice(one), 201), **errors(*WRITE)},
        parameters=params("api_key"),
        request="webhook",
    )
    p.add(base, "post", made, both=True)
    p.add(
        item,
        "get",
        op("A webhook", "webhooks", {**ok(one), **errors(*READ)}, parameters=params("api_key")),
    )
    changed = op(
        "Update a webhook (enable or disable it with `disabled`)",
        "webhooks",
        {**ok(with_notice(one)), **errors(*WRITE)},
        parameters=params("api_key"),
        request="webhook",
    )
    p.add(item, "put", changed)
    gone = op(
        "Delete a webhook", "webhooks", {**notice(), **errors(*WRITE)}, parameters=params("api_key")
    )
    p.add(item, "delete", gone)
    p.add(
        item + "/executions",
        "get",
        op(
            "A webhook's executions, newest first",
            "webhooks",
            {**ok(executions), **errors(*READ)},
            parameters=params("api_key", *LIST),
        ),
    )
    p.add(
        item + "/logs",
        "get",
        op(
            "One execution, by its uid",
            "webhooks",
            {**ok(obj(("webhooks",), webhooks=arr(ref("WebhookExecution")))), **errors(*READ)},
            parameters=params("api_key"),
        ),
    )
    p.add(
        item + "/export",
        "get",
        op(
            "Export a webhook (its bare definition, to import elsewhere)",
            "webhooks",
            {**ok(ref("Webhook")), **errors(*READ)},
            parameters=params("api_key"),
        ),
    )
    for path, summary in (
        (base + "/import", "Import a webhook from an exported file, as a new webhook"),
        (item + "/import", "Import an exported file over an existing webhook"),
    ):
        p.add(
            path,
            "post",
            op(
                summary + " (the multipart field `webhook`; `entry`, as the Python SDK sends it)",
                "webhooks",
                {**ok(with_notice(one)), **errors(*WRITE)},
                parameters=params("api_key"),
                request=import_file("webhook"),
            ),
        )
    again = obj(("notice", "webhook"), notice=STR, webhook=ref("WebhookExecution"))
    p.add(
        item + "/retry",
        "post",
        op(
            "Send a finished execution again (uid: the execution's, or the webhook's with "
            "execution_uid)",
            "webhooks",
            {**ok(again), **errors(*WRITE)},
            parameters=params("api_key"),
            request="webhook_retry",
        ),
    )


def content_types(p: Paths) -> None:
    one = obj(("content_type",), content_type=ref("ContentType"))
    p.add(
        "/v3/content_types",
        "get",
        op(
            "List content types (management, or delivery with access_token)",
            "content types",
            {
                **ok(counted("content_types", ref("ContentType"))),
                **errors(*sorted({*READ, *DELIVERY_ERRORS})),
                "304": {"$ref": "#/components/responses/NotModified"},
            },
            parameters=params(
                "api_key",
                *LIST,
                "include_global_field_schema",
                "include_branch",
                *DELIVERY_SCOPE,
            ),
            security=ANYONE,
        ),
        both=True,
    )
    p.add(
        "/v3/content_types",
        "post",
        op(
            "Create a content type",
            "content types",
            {**ok(with_notice(one), 201), **errors(*WRITE)},
            parameters=params("api_key"),
            request="content_type",
        ),
        both=True,
    )
    p.add(
        "/v3/content_types/{ct}",
        "get",
        op(
            "A content type (management, or delivery with access_token)",
            "content types",
            {
                **ok(one),
                **errors(*sorted({*READ, *DELIVERY_ERRORS})),
                "304": {"$ref": "#/components/responses/NotModified"},
            },
            parameters=params(
                "api_key", "include_global_field_schema", "include_branch", *DELIVERY_SCOPE
            ),
            security=ANYONE,
        ),
    )
    p.add(
        "/v3/content_types/{ct}",
        "put",
        op(
            "Update a content type",
            "content types",
            {**ok(with_notice(one)), **errors(*WRITE)},
            parameters=params("api_key"),
            request="content_type",
        ),
    )
    p.add(
        "/v3/content_types/{ct}/references",
        "get",
        op(
            "The content types (and global fields) in which a content type is referenced",
            "content types",
            {**ok(obj(("references",), references=arr(STR))), **errors(*READ)},
            parameters=params("api_key", "include_global_fields", "include_branch"),
        ),
    )
    p.add(
        "/v3/content_types/{ct}/export",
        "get",
        op(
            "Export a content type (the bare document, to import elsewhere)",
            "content types",
            {**ok(ref("ContentType")), **errors(*READ)},
            parameters=params("api_key", "schema_version", "include_branch"),
        ),
    )
    p.add(
        "/v3/content_types/import",
        "post",
        op(
            "Import a content type from an exported file",
            "content types",
            {**ok(with_notice(one)), **errors(*WRITE)},
            parameters=params("api_key", "overwrite", "include_branch"),
            request=import_file("content_type"),
        ),
    )
    p.add(
        "/v3/content_types/{ct}",
        "delete",
        op(
            "Delete a content type and its entries",
            "content types",
            {**notice(), **errors(*WRITE)},
            parameters=params("api_key"),
        ),
    )


SHARED = (
    "Management answers with the stored entries; a request with `access_token` is a delivery request "
    "and answers with published content only, with `x-cs-variant-uid` variants applied."
)


def entry_reference() -> Json:
    """One entry that refers to an asset or an entry, as `…/references` lists it."""
    return obj(
        ("entry_uid", "content_type_uid", "locale", "_version", "title", "content_type_title"),
        entry_uid=BLT,
        content_type_uid=STR,
        locale=STR,
        _version=VERSION,
        title={"type": ["string", "null"]},
        content_type_title=STR,
    )


def entries(p: Paths) -> None:
    base, entry = "/v3/content_types/{ct}/entries", "/v3/content_types/{ct}/entries/{uid}"
    both_errors = errors(*sorted({*READ, *DELIVERY_ERRORS}))
    not_modified = {"304": {"$ref": "#/components/responses/NotModified"}}
    listed = {
        "anyOf": [
            counted("entries", ref("Entry")),
            closed(obj(("entries",), entries={"type": "integer", "minimum": 0})),
            {
                "allOf": [
                    counted("entries", ref("PublishedEntry")),
                    obj(content_type=ref("ContentType"), errors=arr(ref("VariantError"))),
                ]
            },
        ]
    }
    p.add(
        base,
        "get",
        op(
            "List entries (management, or delivery with access_token)",
            "entries",
            {**ok(listed), **both_errors, **not_modified},
            security=ANYONE,
            description=SHARED,
            parameters=params(
                "api_key",
                *LIST,
                "count",
                "query",
                "asc",
                "desc",
                "variant_query",
                "include_publish_details",
                *DELIVERY_SCOPE,
                *ENTRY_READ,
            ),
        ),
        both=True,
    )
    p.add(
        base,
        "post",
        op(
            "Create an entry",
            "entries",
            {**ok(with_notice(obj(("entry",), entry=ref("Entry"))), 201), **errors(*WRITE)},
            parameters=params("api_key", "locale"),
            request="entry",
        ),
        both=True,
    )
    single = {
        "anyOf": [
            obj(("entry",), entry=ref("Entry")),
            obj(
                ("entry",),
                entry=ref("PublishedEntry"),
                content_type=ref("ContentType"),
                errors=arr(ref("VariantError")),
            ),
        ]
    }
    p.add(
        entry,
        "get",
        op(
            "An entry (management, or delivery with access_token)",
            "entries",
            {**ok(single), **both_errors, **not_modified},
            security=ANYONE,
            description=SHARED + " Management with "
            "include_variant(s)=true merges one variant into the latest version.",
            parameters=params(
                "api_key",
                "version",
                "include_publish_details",
                "include_variant",
                "include_variants",
                "variant_uid",
                "variant_preview",
                "include_variant_overrides",
                *DELIVERY_SCOPE,
                *ENTRY_READ,
            ),
        ),
    )
    p.add(
        entry,
        "put",
        op(
            "Update an entry (localizes it in a new locale)",
            "entries",
            {**ok(with_notice(obj(("entry",), entry=ref("Entry")))), **errors(*WRITE, 409)},
            description="A field's value may be an atomic operation on the stored one: "
            '`{"PUSH": {"data": x}}`, `{"PULL": {"data": x}}` or `{"PULL": {"query": q}}`, '
            '`{"UPDATE": {"index": i, "data": x}}` on multiple fields, `{"ADD": n}` and '
            '`{"SUB": n}` on numbers; applied under the write lock, then validated.',
            parameters=params("api_key", "locale", "If-Match"),
            request="entry",
        ),
    )
    p.add(
        entry,
        "delete",
        op(
            "Delete an entry (in the master locale: everywhere, variants included)",
            "entries",
            {**notice(), **errors(*WRITE)},
            parameters=params("api_key", "locale"),
        ),
    )
    p.add(
        entry + "/versions",
        "get",
        op(
            "The entry's versions, newest first",
            "entries",
            {
                **ok(
                    counted(
                        "versions",
                        obj(
                            ("_version", "locale"),
                            _version=VERSION,
                            locale=STR,
                            updated_at=TIME,
                            updated_by=STR,
                            _version_name=obj(
                                ("title", "updated_by", "updated_at"),
                                title=STR,
                                updated_by=STR,
                                updated_at=TIME,
                            ),
                        ),
                    )
                ),
                **errors(*READ),
            },
            parameters=params("api_key", "locale", "named", *LIST),
        ),
    )
    p.add(
        entry + "/versions/{version}/name",
        "post",
        op(
            "Name a version of the entry (in `entry.locale`, default the master locale)",
            "entries",
            {**notice(), **errors(*WRITE)},
            parameters=params("api_key", "locale"),
            request="entry_version_name",
        ),
    )
    p.add(
        entry + "/versions/{version}/name",
        "delete",
        op(
            "Take a version's name away",
            "entries",
            {**notice(), **errors(*WRITE)},
            parameters=params("api_key", "locale"),
        ),
    )
    p.add(
        entry + "/references",
        "get",
        op(
            "The latest entries whose reference fields point to the entry",
            "entries",
            {**ok(counted("references", entry_reference())), **errors(*READ)},
            parameters=params("api_key", "locale", "include_count"),
        ),
    )
    p.add(
        entry + "/locales",
        "get",
        op(
            "Every locale of the stack, with whether the entry is localized in it",
            "entries",
            {
                **ok(
                    obj(
                        ("locales",),
                        locales=arr(
                            obj(("code", "localized"), code=STR, localized={"type": "boolean"})
                        ),
                    )
                ),
                **errors(*READ),
            },
            parameters=params("api_key"),
        ),
    )
    p.add(
        entry + "/unlocalize",
        "post",
        op(
            "Delete the entry's localization in a locale, so reads there fall back again",
            "entries",
            {**notice(), **errors(*WRITE)},
            parameters=params("api_key", "locale"),
        ),
    )
    for action in ("publish", "unpublish"):
        p.add(
            f"{entry}/{action}",
            "post",
            op(
                f"{action.title()} the entry (and variants)",
                "publishing",
                {**ok(ref("PublishResult")), **errors(*WRITE)},
                parameters=params("api_key", "locale", "show_errors"),
                request="publish",
            ),
        )


def entry_variants(p: Paths) -> None:
    base = "/v3/content_types/{ct}/entries/{uid}/variants"
    p.add(
        "/v3/content_types/{ct}/variant_coverage",
        "get",
        op(
            "Variant coverage of a content type (Veneer's own)",
            "entry variants",
            {
                **ok(obj(("variant_coverage",), variant_coverage={"type": "object"})),
                **errors(*READ),
            },
            description="One page of the type's entries (by uid), each in each locale it is "
            "localized in: the base and every entry variant with published version against the "
            "latest per environment, stale overrides, no-op overrides, and paths several variants "
            "override (docs/variants-beyond.md §6).",
            parameters=params(
                "api_key",
                "locale",
                "coverage_environment",
                "coverage_only",
                "coverage_after",
                "coverage_skip",
                "coverage_limit",
            ),
        ),
    )
    one = obj(("entry",), entry=ref("EntryVariant"))
    created = {**ok(with_notice(one), 201, "Created"), **ok(with_notice(one), 200, "Updated")}
    p.add(
        base,
        "get",
        op(
            "The entry's variants in a locale",
            "entry variants",
            {**ok(counted("entries", ref("EntryVariant"))), **errors(*READ)},
            parameters=params(
                "api_key", "locale", *LIST, "include_publish_details", "include_stale"
            ),
        ),
        both=True,
    )
    p.add(
        base,
        "post",
        op(
            "Create or update the entry variant named in the body",
            "entry variants",
            {**created, **errors(*WRITE, 409)},
            parameters=params("api_key", "locale", "If-Match"),
            request="entry_variant_post",
        ),
        both=True,
    )
    p.add(
        base + "/{variant}",
        "get",
        op(
            "An entry variant",
            "entry variants",
            {**ok(one), **errors(*READ)},
            parameters=params("api_key", "locale", "include_publish_details", "include_stale"),
        ),
    )
    p.add(
        base + "/{variant}/rebase",
        "post",
        op(
            "Review an entry variant against the latest base entry",
            "entry variants",
            {**ok(with_notice(one)), **errors(*WRITE)},
            description="Reverts the `revert` paths to inheriting the base, keeps every other "
            "override and records the latest base version as `_base_entry_version`, in a new "
            "version. 422 for a path the variant does not override.",
            parameters=params("api_key", "locale"),
            request="entry_variant_rebase",
        ),
    )
    p.add(
        base + "/{variant}",
        "put",
        op(
            "Create or update an entry variant",
            "entry variants",
            {**created, **errors(*WRITE, 409)},
            parameters=params("api_key", "locale", "If-Match"),
            request="entry_variant",
        ),
    )
    p.add(
        base + "/{variant}",
        "delete",
        op(
            "Delete (and unpublish) an entry variant",
            "entry variants",
            {**notice(), **errors(*WRITE)},
            parameters=params("api_key", "locale"),
        ),
    )
    p.add(
        base + "/{variant}/versions",
        "get",
        op(
            "The entry variant's versions, newest first",
            "entry variants",
            {
                **ok(
                    obj(
                        ("versions",),
                        versions=arr(obj(("_version", "locale"), _version=VERSION, locale=STR)),
                    )
                ),
                **errors(*READ),
            },
            parameters=params("api_key", "locale"),
        ),
    )


PROJECT = obj(
    ("uid", "name", "organizationUid", "connectedStackApiKey"),
    _id=STR,
    uid=STR,
    name=STR,
    description=STR,
    organizationUid=STR,
    connectedStackApiKey=STR,
    audienceCount=INT,
    activeExperienceCount=INT,
    createdBy=STR,
    createdAt=TIME,
    updatedAt=TIME,
)
EXPERIENCE = obj(
    ("uid", "name", "__type", "status", "latestVersion", "_cms"),
    _id=STR,
    uid=STR,
    name=STR,
    description=STR,
    __type={"const": "SegmentedExperience"},
    status={"enum": ["ACTIVE", "DRAFT"]},
    project=STR,
    latestVersion=STR,
    _cms=obj(
        ("variantGroup", "variants"),
        variantGroup=STR,
        variants={"type": "object", "additionalProperties": STR},
    ),
    createdAt=TIME,
    updatedAt=TIME,
)
PZ_VARIANT = obj(
    ("__type", "shortUid", "name"),
    __type={"const": "SegmentedVariant"},
    shortUid=STR,
    name=STR,
    audiences=arr(STR),
    audienceCombinationType=STR,
    alias=STR,
)
EXPERIENCE_VERSION = obj(
    ("uid", "experience", "status", "variants"),
    _id=STR,
    uid=STR,
    experience=STR,
    project=STR,
    name=STR,
    __type=STR,
    status={"enum": ["ACTIVE", "DRAFT"]},
    variants=arr(PZ_VARIANT),
    createdAt=TIME,
    updatedAt=TIME,
)
PZ_VERSION_INPUT = body(
    {"type": "object", "properties": {"status": STR, "variants": arr(PZ_VARIANT)}},
    "The variants to rename (by `shortUid`, else by place) or create; the others stay.",
)


STACK_USER = obj(
    ("uid", "email", "roles", "is_owner"),
    uid=STR,
    email=STR,
    username=STR,
    first_name=STR,
    last_name=STR,
    active=BOOL,
    org_uid=arr(STR),
    roles=arr(STR),
    is_owner=BOOL,
    created_at=TIME,
    updated_at=TIME,
)
ROLE_UIDS = arr(STR)


def stack_users(p: Paths) -> None:
    """Sharing a stack, its users' roles, and ownership transfers (services.collaborators)."""
    notice_only = obj(("notice",), notice=STR)
    roles_body = body(
        obj(("users",), users={"type": "object", "additionalProperties": ROLE_UIDS}),
        "Each user uid (a member or collaborator) mapped to the role uids it now has.",
    )
    roles_answer = obj(
        ("notice", "users"),
        notice={"const": "The roles were applied successfully."},
        users=arr(obj(("uid", "roles"), uid=STR, roles=ROLE_UIDS)),
    )
    key = params("api_key")
    p.add(
        "/v3/stacks/users",
        "get",
        op(
            "The stack's users: its organization's members and its collaborators, with roles",
            "stacks",
            {**ok(obj(("users",), users=arr(STACK_USER))), **errors(401, 403, 412, 429)},
            parameters=key,
            security=USER,
        ),
    )
    for method in ("post", "put"):
        p.add(
            "/v3/stacks/users/roles",
            method,
            op(
                "Set users' stack roles (the Python SDK PUTs, the JS SDK POSTs)",
                "stacks",
                {**ok(roles_answer), **errors(*WRITE)},
                request=roles_body,
                parameters=key,
                security=USER,
            ),
        )
    for path, summary, schema in (
        (
            "/v3/stacks/share",
            "Share the stack with existing accounts (effective at once; no email is sent)",
            obj(
                ("emails",),
                emails=arr(STR),
                roles={"type": "object", "additionalProperties": ROLE_UIDS},
            ),
        ),
        (
            "/v3/stacks/unshare",
            "Take a collaborator off the stack",
            obj(("email",), email=STR),
        ),
        (
            "/v3/stacks/transfer_ownership",
            "Offer the stack to a member of its organization (its acceptance link: server log)",
            obj(("transfer_to",), transfer_to=STR),
        ),
    ):
        p.add(
            path,
            "post",
            op(
                summary,
                "stacks",
                {**ok(notice_only), **errors(*WRITE)},
                request=body(schema),
                parameters=key,
                security=USER,
            ),
        )
    p.add(
        "/v3/stacks/accept_ownership/{ownership_token}",
        "get",
        op(
            "The recipient accepts an ownership transfer",
            "stacks",
            {**ok(notice_only), **errors(401, 403, 412, 422, 429)},
            parameters=params("api_key", "ownership_uid"),
            security=USER,
        ),
    )


def personalize(p: Paths) -> None:
    """The Personalize Management API calls Contentstack's CLI makes (docs/personalize.md)."""
    tag, project = "personalize", params("x-project-uid")
    w = "/personalize/experiences/{experience}"
    for path, method, summary, response, request, parameters in (
        (
            "/personalize/projects",
            "get",
            "The caller's projects (one per stack)",
            ok(arr(PROJECT)),
            None,
            params("connectedStackApiKey", "organization_uid"),
        ),
        (
            "/personalize/projects",
            "post",
            "The project of the stack named by connectedStackApiKey",
            ok(PROJECT, 201),
            body(
                obj(("connectedStackApiKey",), name=STR, description=STR, connectedStackApiKey=STR)
            ),
            [],
        ),
        (
            "/personalize/experiences",
            "get",
            "Experiences: the variant groups that have variants",
            ok(arr(EXPERIENCE)),
            None,
            project,
        ),
        (
            "/personalize/experiences",
            "post",
            "Create an experience: a new variant group",
            ok(EXPERIENCE, 201),
            body(obj(("name",), name=NAME, description=STR)),
            project,
        ),
        (
            w,
            "get",
            "An experience, with its CMS variants by short uid",
            ok(EXPERIENCE),
            None,
            project,
        ),
        (
            w + "/versions",
            "get",
            "An experience's one version",
            ok(arr(EXPERIENCE_VERSION)),
            None,
            project,
        ),
        (
            w + "/versions",
            "post",
            "Rename or create the experience's variants",
            ok(EXPERIENCE_VERSION, 201),
            PZ_VERSION_INPUT,
            project,
        ),
        (
            w + "/versions/{experience_version}",
            "put",
            "Rename or create the experience's variants",
            ok(EXPERIENCE_VERSION),
            PZ_VERSION_INPUT,
            project,
        ),
    ):
        statuses = WRITE if method != "get" else READ
        p.add(
            path,
            method,
            op(
                summary,
                tag,
                {**response, **errors(*statuses)},
                parameters=parameters,
                request=request,
                security=USER,
            ),
        )
    for what in ("audiences", "attributes", "events"):
        p.add(
            f"/personalize/{what}",
            "get",
            op(
                f"No {what}: Veneer keeps none",
                tag,
                {**ok(arr(obj())), **errors(*READ)},
                parameters=project,
                security=USER,
            ),
        )
        p.add(
            f"/personalize/{what}",
            "post",
            op(
                f"Refused: Veneer keeps no {what}",
                tag,
                {**ok(obj(), 201), **errors(*WRITE)},
                parameters=project,
                request=body(obj()),
                security=USER,
            ),
        )


def variant_groups(p: Paths) -> None:
    group, variant = ref("VariantGroup"), ref("Variant")
    linked = {
        "allOf": [
            group,
            obj(
                ("message", "variants"),
                message={"const": "Variant Group and Variants updated successfully"},
            ),
        ]
    }
    listing = (
        "api_key",
        *LIST,
        "query",
        "asc",
        "desc",
        "include_variant_info",
        "include_variant_count",
        "content_type",
        "experience_uid",
        "name",
    )
    p.add(
        "/v3/variant_groups",
        "get",
        op(
            "List variant groups",
            "variant groups",
            {**ok(counted("variant_groups", group)), **errors(*READ)},
            parameters=params(*listing),
        ),
        both=True,
    )
    p.add(
        "/v3/variant_groups",
        "post",
        op(
            "Create a variant group",
            "variant groups",
            {**ok(with_notice(group), 201), **errors(*WRITE)},
            parameters=params("api_key"),
            request="group",
        ),
        both=True,
    )
    g = "/v3/variant_groups/{group}"
    p.add(
        g,
        "get",
        op(
            "A variant group with its variants",
            "variant groups",
            {**ok({"allOf": [group, obj(("variants",))]}), **errors(*READ)},
            parameters=params("api_key"),
        ),
    )
    p.add(
        g,
        "put",
        op(
            "Update a variant group; link or unlink content types",
            "variant groups",
            {**ok(linked), **errors(*WRITE)},
            parameters=params("api_key"),
            request="group_update",
        ),
    )
    p.add(
        g,
        "delete",
        op(
            "Delete a variant group, its variants and their entry variants",
            "variant groups",
            {**notice(), **errors(*WRITE)},
            parameters=params("api_key"),
        ),
    )
    p.add(
        g + "/variants",
        "put",
        op(
            "Link or unlink content types",
            "variant groups",
            {**ok(linked), **errors(*WRITE)},
            parameters=params("api_key"),
            request="links",
        ),
    )
    in_group = {"allOf": [group, counted("variants", variant)]}
    for base, tag, listed in (
        (g + "/variants", "variant groups", in_group),
        ("/v3/variants", "variants", counted("variants", variant)),
    ):
        p.add(
            base,
            "get",
            op(
                "List variants (under a group: the group holding them)",
                tag,
                {**ok(listed), **errors(*READ)},
                parameters=params("api_key", *LIST, "uid", "uids"),
            ),
            both=True,
        )
        p.add(
            base,
            "post",
            op(
                "Create a variant",
                tag,
                {**ok(with_notice(variant), 201), **errors(*WRITE)},
                parameters=params("api_key"),
                request="variant",
            ),
            both=True,
        )
        p.add(
            base + "/{variant}",
            "get",
            op("A variant", tag, {**ok(variant), **errors(*READ)}, parameters=params("api_key")),
        )
        p.add(
            base + "/{variant}",
            "delete",
            op(
                "Delete a variant and its entry variants",
                tag,
                {**notice(), **errors(*WRITE)},
                parameters=params("api_key"),
            ),
        )
    p.add(
        g + "/variants/{variant}",
        "put",
        op(
            "Rename a variant",
            "variant groups",
            {**ok(with_notice(variant)), **errors(*WRITE)},
            parameters=params("api_key"),
            request="variant_update",
        ),
    )


ASSET_SHARED = (
    "Management answers with the stack's assets; a request with `access_token` is a delivery "
    "request and answers with the assets published in its environment and locale only."
)
RTE_ASSETS = {
    **arr(obj(("image", "thumb", "title"), image=STR, thumb=STR, title=STR)),
    "maxItems": 0,
}
ASSET_DELIVERY = ("locale", "include_fallback", "include_dimension", "relative_urls")


def assets(p: Paths) -> None:
    """The asset library: uploads, details, versions, publishing, folders (docs/assets.md)."""
    one = obj(("asset",), asset=ref("Asset"))
    folder = obj(("asset",), asset=ref("AssetFolder"))
    not_modified = {"304": {"$ref": "#/components/responses/NotModified"}}
    both_errors = errors(*sorted({*READ, *DELIVERY_ERRORS}))
    listed = {
        "anyOf": [
            counted("assets", {"anyOf": [ref("Asset"), ref("AssetFolder")]}),
            counted("assets", ref("PublishedAsset")),
            closed(obj(("assets",), assets={"type": "integer", "minimum": 0})),
        ]
    }
    p.add(
        "/v3/assets",
        "get",
        op(
            "List assets (management, or delivery with access_token)",
            "assets",
            {**ok(listed), **both_errors, **not_modified},
            security=ANYONE,
            description=ASSET_SHARED + " Folders are listed only with include_folders=true.",
            parameters=params(
                "api_key",
                *LIST,
                "query",
                "asc",
                "desc",
                "asset_count",
                "folder",
                "include_folders",
                "include_publish_details",
                *ASSET_DELIVERY,
                *DELIVERY_SCOPE,
            ),
        ),
        both=True,
    )
    p.add(
        "/v3/assets",
        "post",
        op(
            "Upload an asset",
            "assets",
            {**ok(with_notice(one), 201), **errors(*WRITE)},
            parameters=params("api_key", "include_dimension", "relative_urls"),
            request="asset_upload",
        ),
        both=True,
    )
    asset_lists(p)
    asset = "/v3/assets/{uid}"
    single = {
        "anyOf": [
            one,
            obj(("asset",), asset=ref("PublishedAsset")),
            # `images`, `videos` and `rt` are not uids: the router sends them to those lists.
            counted("assets", ref("Asset")),
            RTE_ASSETS,
        ]
    }
    p.add(
        asset,
        "get",
        op(
            "An asset (management, or delivery with access_token)",
            "assets",
            {**ok(single), **both_errors, **not_modified},
            security=ANYONE,
            description=ASSET_SHARED + " Management with `version`: that version's details.",
            parameters=params("api_key", "asset_version", *ASSET_DELIVERY, *DELIVERY_SCOPE),
        ),
    )
    p.add(
        asset,
        "put",
        op(
            "Update an asset: new details, or a new file (a new URL); a new version either way",
            "assets",
            {**ok(with_notice(one)), **errors(*WRITE)},
            parameters=params("api_key", "include_dimension", "relative_urls"),
            request="asset_update",
        ),
    )
    p.add(
        asset,
        "delete",
        op(
            "Delete an asset, its versions, its publications and its files",
            "assets",
            {**notice(), **errors(*WRITE)},
            parameters=params("api_key"),
        ),
    )
    asset_versions(p, asset)
    reference = entry_reference()
    p.add(
        asset + "/references",
        "get",
        op(
            "The latest entries whose file fields or JSON RTE hold the asset",
            "assets",
            {**ok(counted("references", reference)), **errors(*READ)},
            parameters=params("api_key", "include_count"),
        ),
    )
    for action, notice_text in (
        ("publish", "Asset sent for publishing."),
        ("unpublish", "Asset sent for unpublishing."),
    ):
        result = obj(
            ("notice", "job_id"),
            notice={"const": notice_text},
            job_id={"type": "string", "format": "uuid"},
        )
        p.add(
            f"{asset}/{action}",
            "post",
            op(
                f"{action.title()} the asset (now, or at scheduled_at)",
                "publishing",
                {**ok(result), **errors(*WRITE)},
                parameters=params("api_key"),
                request="asset_publish",
            ),
        )
    asset_folders(p, folder)


def asset_lists(p: Paths) -> None:
    """The SDKs' special lists: images, videos, and the assets uploaded through an RTE."""
    for kind in ("images", "videos"):
        p.add(
            f"/v3/assets/{kind}",
            "get",
            op(
                f"List the {kind} (image/* or video/* assets)",
                "assets",
                {**ok(counted("assets", ref("Asset"))), **errors(*READ)},
                parameters=params(
                    "api_key",
                    *LIST,
                    "query",
                    "asc",
                    "desc",
                    "include_dimension",
                    "relative_urls",
                    "include_publish_details",
                ),
            ),
        )
    p.add(
        "/v3/assets/rt",
        "get",
        op(
            "The assets uploaded through a Rich Text Editor: none (RTE fields use the library)",
            "assets",
            {**ok(RTE_ASSETS), **errors(*READ)},
            parameters=params("api_key"),
        ),
    )


def asset_versions(p: Paths, asset: str) -> None:
    name = obj(("title", "updated_by", "updated_at"), title=STR, updated_by=STR, updated_at=TIME)
    version = obj(
        ("_version", "updated_at", "updated_by"),
        _version=VERSION,
        updated_at=TIME,
        updated_by=STR,
        _version_name=name,
    )
    p.add(
        asset + "/versions",
        "get",
        op(
            "The asset's versions, newest first",
            "assets",
            {**ok(counted("versions", version)), **errors(*READ)},
            parameters=params("api_key", "named", "include_count"),
        ),
    )
    path = asset + "/versions/{version}/name"
    p.add(
        path,
        "post",
        op(
            "Name a version",
            "assets",
            {**notice(), **errors(*WRITE)},
            parameters=params("api_key"),
            request="version_name",
        ),
    )
    p.add(
        path,
        "delete",
        op(
            "Take a version's name away",
            "assets",
            {**notice(), **errors(*WRITE)},
            parameters=params("api_key"),
        ),
    )


def asset_folders(p: Paths, folder: Json) -> None:
    p.add(
        "/v3/assets/folders",
        "post",
        op(
            "Create a folder",
            "assets",
            {**ok(with_notice(folder), 201), **errors(*WRITE)},
            parameters=params("api_key"),
            request="folder",
        ),
        both=True,
    )
    path = "/v3/assets/folders/{uid}"
    p.add(
        path,
        "get",
        op("A folder", "assets", {**ok(folder), **errors(*READ)}, parameters=params("api_key")),
    )
    p.add(
        path,
        "put",
        op(
            "Rename or move a folder",
            "assets",
            {**ok(with_notice(folder)), **errors(*WRITE)},
            parameters=params("api_key"),
            request="folder_update",
        ),
    )
    p.add(
        path,
        "delete",
        op(
            "Delete a folder with everything inside it",
            "assets",
            {**notice(), **errors(*WRITE)},
            parameters=params("api_key"),
        ),
    )


def asset_files(p: Paths) -> None:
    """The files at the path of Contentstack's asset host: no credentials, an answer that never
    changes for a URL, byte ranges, image renditions."""
    for path, cache_control, extra in (
        (
            "/v3/assets/{api_key}/{uid}/{version_uid}/{filename}",
            "public, max-age=31536000, immutable",
            (),
        ),
        ("/v3/assets/{api_key}/{uid}/{slug}", "public, no-cache", ("permanent_environment",)),
    ):
        _file_route(p, path, cache_control, extra)


def _file_route(p: Paths, path: str, cache_control: str, extra: tuple[str, ...]) -> None:
    permanent = "{slug}" in path
    etag = {"ETag": {"required": True, "schema": STR}}
    cached = {
        **etag,
        "Cache-Control": {"required": True, "schema": {"const": cache_control}},
        "Accept-Ranges": {"required": True, "schema": {"const": "bytes"}},
        "X-Content-Type-Options": {"required": True, "schema": {"const": "nosniff"}},
    }
    span = {"Content-Range": {"required": True, "schema": STR}}
    what = (
        "A permanent URL names the asset: the latest file, or the one published in "
        "`environment`; answers are revalidated (no-cache). "
        if permanent
        else "A URL names one version's file: its answer never changes. "
    )
    label = "permanent URL" if permanent else "file"
    for method in ("get", "head"):
        content: Json = {"content": {"*/*": {}}} if method == "get" else {}
        responses = {
            "200": {"description": "The file, or its rendition.", "headers": cached, **content},
            "206": {
                "description": "The Range asked for.",
                "headers": {**cached, **span},
                **content,
            },
            "304": {"description": "The ETag in If-None-Match still matches.", "headers": etag},
            **errors(404, 416, 422),
        }
        p.add(
            path,
            method,
            op(
                f"An asset's {label}: the file, or its rendition"
                if method == "get"
                else f"An asset's {label}: the headers alone",
                "files",
                responses,
                security=[],
                description=what + "Anyone holding the URL may fetch it. A bad image "
                "parameter is a 400; an image Veneer will not transform (too large, too slow, "
                "undecodable) a 422. SVG, HTML, XML and JavaScript are served sandboxed, as "
                "attachments.",
                parameters=params(
                    *extra, *IMAGE_PARAMETERS, "Range", "If-Range", "file_If-None-Match"
                ),
            ),
        )


def delivery(p: Paths) -> None:
    """A delivery-only node serves these reads (and their trailing-slash twins), and the files."""
    not_modified = {"304": {"$ref": "#/components/responses/NotModified"}}
    entry_extra = obj(content_type=ref("ContentType"), errors=arr(ref("VariantError")))
    reads = [
        (
            "/v3/content_types",
            "List content types",
            counted("content_types", ref("ContentType")),
            (*LIST, "include_global_field_schema", "include_branch"),
            True,
        ),
        (
            "/v3/content_types/{ct}",
            "A content type",
            obj(("content_type",), content_type=ref("ContentType")),
            ("include_global_field_schema", "include_branch"),
            False,
        ),
        (
            "/v3/content_types/{ct}/entries",
            "List published entries",
            {"allOf": [counted("entries", ref("PublishedEntry")), entry_extra]},
            (*LIST, "query", "asc", "desc", "variant_query"),
            True,
        ),
        (
            "/v3/content_types/{ct}/entries/{uid}",
            "A published entry",
            {"allOf": [obj(("entry",), entry=ref("PublishedEntry")), entry_extra]},
            (),
            False,
        ),
        (
            "/v3/assets",
            "List published assets",
            counted("assets", ref("PublishedAsset")),
            (*LIST, "query", "asc", "desc", *ASSET_DELIVERY),
            True,
        ),
        (
            "/v3/assets/{uid}",
            "A published asset",
            obj(("asset",), asset=ref("PublishedAsset")),
            ASSET_DELIVERY,
            False,
        ),
    ]
    for path, summary, schema, extra, both in reads:
        entry_params = ENTRY_READ if "/entries" in path else ()
        responses = {**ok(schema, headers=ETAG), **errors(*DELIVERY_ERRORS), **not_modified}
        p.add(
            path,
            "get",
            op(
                summary,
                "delivery",
                responses,
                security=[{"delivery_token": []}],
                parameters=params(
                    "api_key", *extra, *DELIVERY_SCOPE, *entry_params, "include_metadata"
                ),
            ),
            both=both,
        )


SYNC_TYPES = [
    "entry_published",
    "entry_unpublished",
    "entry_deleted",
    "asset_published",
    "asset_unpublished",
    "asset_deleted",
    "content_type_deleted",
]
SYNC_ITEM = closed(
    obj(
        ("type", "event_at", "content_type_uid", "data"),
        type={"enum": SYNC_TYPES},
        event_at=STR,
        content_type_uid=STR,
        data={"type": "object"},
    )
)


def sync(p: Paths) -> None:
    """The Sync API (docs/sync.md), on either role."""
    page = closed(
        obj(
            ("items", "skip", "limit", "total_count"),
            items=arr(SYNC_ITEM),
            skip=INT,
            limit=INT,
            total_count=INT,
            pagination_token=STR,
            sync_token=STR,
        )
    )
    query = [
        flag_param("init", "Start a sync: what the environment has published now."),
        param("sync_token", "query", STR, "Go on from a finished sync: what changed since."),
        param("pagination_token", "query", STR, "The next page of a sync."),
        param(
            "content_type_uid", "query", STR, "Initial sync: one content type (sys_assets: assets)."
        ),
        param("locale", "query", STR, "Initial sync: one locale."),
        param("start_from", "query", STR, "Initial sync: published from this ISO 8601 date on."),
        param("type", "query", STR, "Initial sync: comma-separated item types to report."),
        param("limit", "query", INT, "Initial sync: items a page (at most and by default 100)."),
    ]
    p.add(
        "/v3/stacks/sync",
        "get",
        op(
            "Sync an environment's published entries and assets",
            "delivery",
            {**ok(page), **errors(*DELIVERY_ERRORS)},
            security=[{"delivery_token": []}],
            parameters=[*params("api_key", "environment", "environment_header"), *query],
        ),
    )


def editor_versions(p: Paths, entries_path: str, page: Any, post: Any) -> None:
    """The editor's versions pages: two versions side by side, restore one; undo a revert."""
    variant = entries_path + "/{uid}/variants/{variant}"
    p.add(
        entries_path + "/{uid}/versions",
        "get",
        page(
            "Two versions of the entry side by side (a, b; default the latest two), changed "
            "fields marked",
            403,
            404,
            422,
            parameters=("locale", "a", "b"),
        ),
    )
    p.add(
        entries_path + "/{uid}/versions/{version}/restore",
        "post",
        post(
            "Restore a version: a new version with its content (confirm=restore; refused with "
            "409 unless expected_version is the latest)",
            form(confirm=STR, expected_version=STR),
            403,
            404,
            409,
            422,
        ),
    )
    p.add(
        variant + "/versions",
        "get",
        page(
            "Two versions of an entry variant side by side over the latest base entry; with "
            "against=base, the variant against its base with its own fields marked",
            403,
            404,
            422,
            parameters=("locale", "a", "b", "against"),
        ),
    )
    p.add(
        variant + "/versions/{version}/restore",
        "post",
        post(
            "Restore a version of an entry variant: a new version with its own values "
            "(confirm=restore)",
            form(confirm=STR, expected_version=STR),
            403,
            404,
            409,
            422,
        ),
    )
    p.add(
        variant + "/restore-field",
        "post",
        post(
            "Undo a revert: one field of the variant takes back its value of a version",
            form(path=STR, version=STR, variant_version=STR),
            403,
            404,
            409,
            422,
        ),
    )


def editor(p: Paths) -> None:
    """The editor UI: HTML pages over the same services, a session cookie, CSRF-checked forms."""
    redirect = {"303": {"$ref": "#/components/responses/Redirect"}}

    def page(
        summary: str, *errs: int, parameters: tuple[str, ...] = (), security: list[Json] = SESSION
    ) -> Json:
        return op(
            summary,
            "editor",
            {
                "200": {"description": "An HTML page.", "content": HTML},
                **redirect,
                **html_errors(*errs),
            },
            parameters=params(*parameters),
            security=security,
        )

    def post(summary: str, request: Json, *errs: int, security: list[Json] = SESSION) -> Json:
        """Every form may be unreadable (400) or too large (413)."""
        return op(
            summary,
            "editor",
            {**redirect, **html_errors(400, 413, *errs)},
            request=request,
            security=security,
        )

    stack = "/app/stacks/{api_key}"
    entries_path = stack + "/content-types/{ct}/entries"
    p.add("/app/", "get", page("The stacks the user reaches", 403, 404, 422))
    p.add("/app/login", "get", page("The login form", parameters=("next",), security=[]))
    p.add(
        "/app/login",
        "post",
        post(
            "Log in (sets the session cookie)",
            form(email=STR, password=STR, next=STR),
            401,
            403,
            422,
            429,
            security=[],
        ),
    )
    p.add("/app/logout", "post", post("Log out", form(), 403))
    p.add(
        "/app/reset-password",
        "get",
        page("Set a new password with a reset link", parameters=("token",), security=[]),
    )
    p.add(
        "/app/reset-password",
        "post",
        post(
            "Set the new password (then to the login page)",
            form(token=STR, password=STR, password_confirmation=STR),
            403,
            422,
            429,
            security=[],
        ),
    )
    p.add(stack + "/", "get", page("The stack's content types", 403, 404, 422))
    p.add(
        entries_path,
        "get",
        page(
            "Entries of a content type: searched, filtered, sorted and paged by the database, "
            "each row with its publications and variants",
            403,
            404,
            422,
            parameters=("locale", "q", "page", "notice", "trashed", *LIST_FILTERS),
        ),
    )
    p.add(
        entries_path + "/bulk",
        "post",
        op(
            "Publish or unpublish the ticked entries (latest base versions) to environments × "
            "locales, each entry on its own; the list again with what became of each",
            "editor",
            {
                "200": {"description": "The list with a report per entry.", "content": HTML},
                **redirect,
                **html_errors(400, 403, 404, 413, 422),
            },
            parameters=params("locale", "q", "page", *LIST_FILTERS),
            request=form(
                action={"enum": ["publish", "unpublish"]},
                entries=STR,
                environments=STR,
                locales=STR,
                with_variants={"enum": ["1"]},
            ),
            security=SESSION,
        ),
    )
    p.add(
        entries_path + "/bulk",
        "get",
        op(
            "Reloading the address a bulk publish left: back to the list, filters kept",
            "editor",
            {**redirect, **html_errors(403, 404, 422)},
            parameters=params("locale", "q", "page", *LIST_FILTERS),
            security=SESSION,
        ),
    )
    p.add(
        entries_path + "/new",
        "get",
        page("A form for a new entry", 403, 404, 422, parameters=("locale", "pick")),
    )
    choice = obj(("value", "label"), value=STR, label=STR)
    p.add(
        entries_path + "/choices",
        "get",
        op(
            "A reference picker's search: one page of the entries whose title contains q, by title",
            "editor",
            {
                "200": {
                    "description": "`value` is `ct:uid`, as the picker posts it; `more`: a next "
                    "page follows.",
                    "content": {
                        "application/json": {
                            "schema": obj(
                                ("choices", "page", "more"),
                                choices=arr(choice),
                                page=INT,
                                more={"type": "boolean"},
                            )
                        }
                    },
                },
                **redirect,
                **html_errors(403, 404, 422),
            },
            parameters=params("locale", "q", "page"),
            security=SESSION,
        ),
    )
    p.add(
        entries_path + "/new",
        "post",
        op(
            "Create an entry from the form",
            "editor",
            {
                "200": {"description": "Never: a saved entry redirects.", "content": HTML},
                **redirect,
                **html_errors(400, 403, 404, 409, 422),
            },
            parameters=params("locale", "pick"),
            request=form(),
            security=SESSION,
        ),
    )
    p.add(
        entries_path + "/{uid}",
        "get",
        page(
            "The entry editor",
            403,
            404,
            422,
            parameters=("locale", "version", "notice", "pick"),
        ),
    )
    p.add(
        entries_path + "/{uid}",
        "post",
        op(
            "Save the entry from the form",
            "editor",
            {**redirect, **html_errors(400, 403, 404, 409, 422)},
            parameters=params("locale"),
            request=form(base_version=STR),
            security=SESSION,
        ),
    )
    p.add(
        entries_path + "/{uid}/publish",
        "post",
        op(
            "Publish or unpublish from the editor",
            "editor",
            {**redirect, **html_errors(400, 403, 404, 422)},
            parameters=params("locale"),
            request=form(
                action={"enum": ["publish", "unpublish"]},
                environments=STR,
                locales=STR,
                version=STR,
                scheduled_at=STR,
                tz_offset=STR,
            ),
            security=SESSION,
        ),
    )
    p.add(
        entries_path + "/{uid}/publish",
        "get",
        op(
            "Reloading the address a failed publish left: back to the entry editor",
            "editor",
            {**redirect, **html_errors(403, 404, 422)},
            parameters=params("locale"),
            security=SESSION,
        ),
    )
    variant = entries_path + "/{uid}/variants/{variant}"
    p.add(
        stack + "/content-types/{ct}/variant-coverage",
        "get",
        page(
            "The variant coverage grid of a content type (locale, environment, only, after)",
            403,
            404,
            422,
            parameters=("locale",),
        ),
    )
    p.add(
        entries_path + "/{uid}/preview",
        "get",
        page(
            "Preview an ordered combination of variants (pos-<uid> selects or variant=<uid>...)",
            403,
            404,
            422,
            parameters=("locale",),
        ),
    )
    p.add(
        variant + "/stale",
        "get",
        page("Review a variant's stale overrides", 403, 404, 422, parameters=("locale",)),
    )
    p.add(
        variant + "/stale",
        "post",
        post("Keep or revert each stale override (choice-<n>)", form(), 403, 404, 422),
    )
    p.add(
        variant,
        "get",
        page(
            "The entry editor on a variant",
            403,
            404,
            422,
            parameters=("locale", "notice", "undo", "undo_from"),
        ),
    )
    p.add(
        variant,
        "post",
        post(
            "Save the variant from the form (only what differs from the entry); a form naming "
            "`revert` reverts that one field to the base value and reads nothing else (a revert "
            "that would discard own values inside the field needs confirm=discard: 422)",
            form(base_version=STR, variant_version=STR, revert=STR, confirm=STR),
            400,
            403,
            404,
            409,
            422,
        ),
    )
    editor_versions(p, entries_path, page, post)
    groups = stack + "/variant-groups"
    p.add(
        groups,
        "get",
        page(
            "Variant groups, their variants and linked content types",
            403,
            404,
            422,
            parameters=("notice",),
        ),
    )
    p.add(
        groups,
        "post",
        post(
            "Create a variant group", form(name=STR, uid=STR, content_types=STR), 400, 403, 404, 422
        ),
    )
    p.add(
        groups + "/{group}",
        "post",
        post(
            "Rename a variant group, link or unlink content types (unlinking "
            "asks for confirm=unlink first: 409)",
            form(name=STR, content_types=STR, confirm=STR),
            400,
            403,
            404,
            409,
            422,
        ),
    )
    p.add(
        groups + "/{group}/variants",
        "post",
        post("Create a variant", form(name=STR, uid=STR), 400, 403, 404, 422),
    )
    p.add(
        groups + "/{group}/variants/{variant}",
        "post",
        post("Rename a variant", form(name=STR), 400, 403, 404, 422),
    )
    editor_assets(p, stack, page, post)
    editor_trash(p, stack, page, post)
    editor_schemas(p, stack, page, post)
    p.add(
        "/app/static/{path}",
        "get",
        op(
            "A static asset of the editor (CSS, JavaScript)",
            "editor",
            {
                "200": {
                    "description": "The file.",
                    "content": {"text/css": {"schema": STR}, "text/javascript": {"schema": STR}},
                },
                "304": {"description": "Not modified."},
                **html_errors(404, 405),
            },
            security=[],
        ),
    )


def editor_trash(
    p: Paths, stack: str, page: Callable[..., Json], post: Callable[..., Json]
) -> None:
    """Delete in the editor (`veneer.web.trash_views`): the trash, schedules, confirmed deletes."""
    entry = stack + "/content-types/{ct}/entries/{uid}"
    confirmed = form(confirm={"const": "delete"})
    p.add(
        entry + "/delete",
        "post",
        post("Move an entry to the stack's trash", confirmed, 400, 403, 404, 422),
    )
    p.add(
        entry + "/schedules/{job}/cancel",
        "post",
        post("Cancel a pending scheduled publish or unpublish", form(), 400, 403, 404, 422),
    )
    p.add(
        stack + "/trash",
        "get",
        page(
            "The stack's trash, most recently deleted first",
            403,
            404,
            422,
            parameters=("page", "notice"),
        ),
    )
    p.add(
        stack + "/trash/{uid}/restore",
        "post",
        post("Restore an entry from the trash (unpublished)", form(), 400, 403, 404, 422),
    )
    p.add(
        stack + "/trash/{uid}/delete",
        "post",
        post("Delete a trashed entry for good", confirmed, 400, 403, 404, 422),
    )
    p.add(
        entry + "/variants/{variant}/delete",
        "post",
        post("Delete an entry variant (its own values here)", confirmed, 400, 403, 404, 422),
    )
    groups = stack + "/variant-groups/{group}"
    p.add(
        groups + "/delete",
        "post",
        post("Delete a variant group with its variants", confirmed, 400, 403, 404, 422),
    )
    p.add(
        groups + "/variants/{variant}/delete",
        "post",
        post("Delete a variant with its entry variants", confirmed, 400, 403, 404, 422),
    )


def editor_schemas(
    p: Paths, stack: str, page: Callable[..., Json], post: Callable[..., Json]
) -> None:
    """The content type editor (`veneer.web.schema_views`): a definition posted as JSON."""
    definition = {
        **STR,
        "description": "The content type as JSON, as `POST /v3/content_types` takes it "
        "(the page's script builds it from the form).",
    }
    types = stack + "/content-types"
    p.add(types + "/new", "get", page("A form for a new content type", 403, 404, 422))
    p.add(
        types + "/new",
        "post",
        post(
            "Create a content type (then to its schema page); refused input is shown again",
            form(content_type=definition),
            400,
            403,
            404,
            422,
        ),
    )
    p.add(
        types + "/{ct}/schema",
        "get",
        page("Edit a content type's definition and schema", 403, 404, 422, parameters=("notice",)),
    )
    p.add(
        types + "/{ct}/schema",
        "post",
        post(
            "Save a content type's definition (as `PUT /v3/content_types/{uid}`); dropping "
            "fields that entries hold values in asks for confirm=remove first: 409",
            form(content_type=definition, confirm=STR),
            400,
            403,
            404,
            409,
            422,
        ),
    )


def editor_assets(
    p: Paths, stack: str, page: Callable[..., Json], post: Callable[..., Json]
) -> None:
    """The editor's asset library (`veneer.web.asset_views`)."""
    binary: Json = {"type": "string", "contentMediaType": "application/octet-stream"}
    library = stack + "/assets"
    uploads = body(
        {
            "type": "object",
            "properties": {"csrf": STR, "folder": STR, "files": arr(binary)},
            "additionalProperties": STR,
        },
        "A multipart form; `csrf` must match the session.",
        "multipart/form-data",
    )
    picked = obj(
        ("uid", "title", "filename", "thumb", "ext"),
        uid=STR,
        title=STR,
        filename=STR,
        thumb=STR,
        ext=STR,
    )
    p.add(
        library,
        "get",
        page(
            "The asset library: a folder, or a search",
            403,
            404,
            422,
            parameters=("folder", "q", "page"),
        ),
    )
    upload = post(
        "Upload files (201 JSON when asked with Accept: application/json)", uploads, 403, 404, 422
    )
    upload["responses"]["201"] = {
        "description": "The assets made, for the upload script.",
        "content": {
            "application/json": {
                "schema": obj(("assets",), assets=arr(obj(("uid", "title"), uid=STR, title=STR)))
            }
        },
    }
    p.add(library, "post", upload)
    p.add(
        library + "/folders",
        "post",
        post("Create a folder", form(name=STR, folder=STR), 403, 404, 422),
    )
    p.add(
        library + "/choices",
        "get",
        op(
            "The asset picker's search: assets matching q, or the ones uids names",
            "editor",
            {
                "200": {
                    "description": "Assets as the picker shows them.",
                    "content": {
                        "application/json": {
                            "schema": obj(("assets", "count"), assets=arr(picked), count=INT)
                        }
                    },
                },
                "303": {"$ref": "#/components/responses/Redirect"},
                **html_errors(403, 404, 422),
            },
            parameters=params("q", "page", "asset_uids"),
            security=SESSION,
        ),
    )
    p.add(
        library + "/{uid}",
        "get",
        page(
            "An asset: preview, details, versions, used in", 403, 404, 422, parameters=("notice",)
        ),
    )
    p.add(
        library + "/{uid}",
        "post",
        post("Save an asset's details", form(title=STR, description=STR, tags=STR), 403, 404, 422),
    )
    replace = body(
        {
            "type": "object",
            "properties": {"csrf": STR, "file": binary},
            "additionalProperties": STR,
        },
        "A multipart form; `csrf` must match the session.",
        "multipart/form-data",
    )
    p.add(
        library + "/{uid}/file",
        "post",
        post("Replace the file (a new version)", replace, 403, 404, 422),
    )
    p.add(
        library + "/{uid}/delete",
        "post",
        post("Delete the asset (confirm=yes)", form(confirm=STR), 403, 404, 422),
    )


def system(p: Paths) -> None:
    def read(path: str, summary: str, schema: Json) -> None:
        p.add(path, "get", op(summary, "system", ok(schema), security=[]))

    status = {"const": "ok"}
    p.add(
        "/-/health",
        "get",
        op(
            "Health: the database answers (and takes writes, but on a delivery node)",
            "system",
            {**ok(obj(("status", "database"), status=status, database=status)), **errors(503)},
            security=[],
        ),
    )
    p.add(
        "/-/ready",
        "get",
        op(
            "Readiness: healthy, and the database's migrations are this version's",
            "system",
            {
                **ok(
                    obj(
                        ("status", "database", "migrations"),
                        status=status,
                        database=status,
                        migrations={"const": "current"},
                    )
                ),
                **errors(503),
            },
            security=[],
        ),
    )
    read(
        "/-/version",
        "Version and role",
        obj(("version", "role"), version=STR, role={"enum": ["all", "delivery"]}),
    )
    read(
        "/-/settings",
        "Every setting, its environment variable, default and help",
        obj(
            ("settings",),
            settings=arr(
                obj(("name", "env", "default", "help"), name=STR, env=STR, default={}, help=STR)
            ),
        ),
    )
    p.add(
        "/-/metrics",
        "get",
        op(
            "Metrics of every worker of this node, in Prometheus' text format (docs/operations.md)",
            "system",
            {
                "200": {
                    "description": "The exposition text, version 0.0.4.",
                    "content": {"text/plain": {"schema": STR}},
                }
            },
            security=[],
        ),
    )
    read(
        "/-/openapi.json",
        "This document",
        obj(("openapi", "info", "paths"), openapi={"const": "3.1.0"}),
    )


# -- taxonomies and terms (docs/taxonomies.md) ----------------------------------------------
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


# A delivery answer carries an ETag: `If-None-Match` with it (or `*`) is answered 304.
NOT_MODIFIED = {"304": {"$ref": "#/components/responses/NotModified"}}
MODULE_READS = (
    "/v3/global_fields",
    "/v3/global_fields/",
    "/v3/global_fields/{uid}",
    "/v3/taxonomies",
    "/v3/taxonomies/",
    "/v3/taxonomies/{taxonomy}",
    "/v3/taxonomies/{taxonomy}/terms",
    "/v3/taxonomies/{taxonomy}/terms/",
    "/v3/taxonomies/{taxonomy}/terms/{term}",
    "/v3/taxonomies/{taxonomy}/terms/{term}/ancestors",
    "/v3/taxonomies/{taxonomy}/terms/{term}/descendants",
)


def module_reads(p: Paths, role: str) -> None:
    """Global fields and taxonomies: read by the CMA, and by the CDA with a delivery token
    (`access_token` and `environment`), in the same shapes. A delivery-only node serves only the
    delivery reads."""
    source = p
    if role == "delivery":
        source = Paths()
        _document_crud(source, "global_fields", "global_field", "GlobalField", "global fields")
        taxonomies(source)
    extra = params("locale", "include_fallback", "include_branch", "include_global_field_schema")
    for path in MODULE_READS:
        read = source.items[path]["get"]
        p.items.setdefault(path, {})["get"] = {
            **read,
            "summary": read["summary"] + " (management, or delivery with access_token)",
            "security": [{"delivery_token": []}] if role == "delivery" else ANYONE,
            "parameters": [*read["parameters"], *extra, *params(*DELIVERY_SCOPE)],
            "responses": {**read["responses"], **errors(*DELIVERY_ERRORS), **NOT_MODIFIED},
        }
    many = obj(("terms",), terms=arr(TERM))
    p.add(
        "/v3/taxonomies/{taxonomy}/terms/{term}/locales",
        "get",
        op(
            "A term in each locale it has (delivery: terms are not localized, so the master locale)",
            "delivery",
            {**ok(many), **errors(*DELIVERY_ERRORS), **NOT_MODIFIED},
            security=[{"delivery_token": []}],
            parameters=params("api_key", "environment", "environment_header"),
        ),
    )


# -- bulk operations (docs/bulk-operations.md) ---------------------------------------------------
BULK_ENTRY = obj(
    ("uid",),
    uid=STR,
    content_type={**STR, "description": "The content type uid (or _content_type_uid)."},
    _content_type_uid=STR,
    locale={**STR, "description": "The source locale (default: the master locale)."},
    version={"type": ["integer", "string"], "description": "A version number of that locale."},
    variants=arr(obj(("uid",), uid=STR, version=VERSION)),
    variant_rules=obj(publish_latest_base=BOOL, publish_latest_base_conditionally=BOOL),
)
BULK_ASSET = obj(("uid",), uid=STR, version={"type": ["integer", "string"]})
BULK_PUBLISH = obj(
    ("environments",),
    entries={**arr(BULK_ENTRY), "maxItems": 10, "description": "With assets, at most 10 items."},
    items={**arr(BULK_ENTRY), "description": "The nested flow's name for `entries`."},
    assets={**arr(BULK_ASSET), "maxItems": 10},
    environments={**arr(STR), "minItems": 1, "maxItems": 10, "description": "Names or uids."},
    locales={
        **arr(STR),
        "maxItems": 10,
        "description": "Target locales (default: each entry's source locale; assets: master).",
    },
    rules=obj(approvals={"type": ["string", "boolean"]}),
    scheduled_at={**STR, "description": "Only a time already past: Veneer publishes at once."},
    publish_with_reference={
        **BOOL,
        "description": "Publish the referenced entries and assets too (1 level; 5 with 3.2).",
    },
    workflow={"type": "object"},
)
BULK_DELETE = obj(
    entries={
        **arr(obj(("uid", "content_type"), uid=STR, content_type=STR, locale=STR)),
        "maxItems": 100,
        "description": "With assets, at most 100 items; the master locale deletes everywhere.",
    },
    assets={**arr(obj(("uid",), uid=STR)), "maxItems": 100},
)
BULK_JOB = obj(
    ("uid", "api_key", "action", "status", "body", "summary"),
    uid={"type": "string", "format": "uuid"},
    created_by=STR,
    updated_by=STR,
    created_at=TIME,
    updated_at=TIME,
    action={"enum": ["publish", "unpublish"]},
    api_key=STR,
    status={"enum": ["in_progress", "complete"]},
    body=obj(
        branch=STR,
        locales=arr(STR),
        environments=arr(STR),
        published_at=TIME,
        scheduled_at=STR,
    ),
    summary=obj(
        approvals=INT,
        skip=INT,
        state=STR,
        success=INT,
        total_processed=INT,
        unsuccess=INT,
    ),
)
BULK_ITEM = obj(
    ("uid", "type", "publish_details", "environment", "publish_locale", "action"),
    uid=STR,
    locale=STR,
    version={"type": ["integer", "null"]},
    title=STR,
    type={"enum": ["entry", "asset"]},
    publish_details=obj(("status",), status={"enum": ["success", "failed"]}, failure_reason=STR),
    publish_locale=STR,
    environment=STR,
    action={"enum": ["publish", "unpublish"]},
    published_at={"type": ["string", "null"]},
    scheduled_at=STR,
    user=STR,
    depth=INT,
    content_type=obj(("uid",), uid=STR),
)
BULK_ITEMS = obj(("items",), items=arr(BULK_ITEM), skip=INT, limit=INT, total_count=INT)
BULK_QUERY = [
    flag_param("skip_workflow_stage_check", "Accepted (Veneer has no workflows); also a header."),
    flag_param("approvals", "Accepted (Veneer has no approvals); also a header."),
    flag_param("nested", "The nested reference flow: references published, 5 levels deep."),
    param("event_type", "query", STR, "bulk, with nested=true: accepted."),
    flag_param("publish_all_localized", "Accepted; no effect in Veneer."),
    param("api_version", "header", STR, "3.2: publish_with_reference goes 5 levels deep."),
]


def bulk_operations(p: Paths) -> None:
    for action in ("publish", "unpublish"):
        result = obj(("notice", "job_id"), notice=STR, job_id={"type": "string", "format": "uuid"})
        p.add(
            f"/v3/bulk/{action}",
            "post",
            op(
                f"Bulk {action}: up to 10 entries and assets, 10 locales, 10 environments",
                "publishing",
                {**ok(result), **errors(*WRITE)},
                parameters=[*params("api_key"), *BULK_QUERY],
                request=body(BULK_PUBLISH),
                description="Every item, environment and locale is checked first (422, error "
                "code 141, naming each one that doesn't exist); then all of it runs in the "
                "request and the finished job is recorded for the job status reads.",
            ),
        )
    p.add(
        "/v3/bulk/delete",
        "post",
        op(
            "Bulk delete: up to 100 entries (in a locale) and assets",
            "publishing",
            {**notice(), **errors(*WRITE)},
            parameters=params("api_key"),
            request=body(BULK_DELETE),
        ),
    )
    p.add(
        "/v3/bulk/jobs/{uid}",
        "get",
        op(
            "A bulk publish or unpublish job of the stack (another stack's: 422, 141)",
            "publishing",
            {**ok(BULK_JOB), **errors(*READ)},
            parameters=[*params("api_key"), param("api_version", "header", STR, "3.2.")],
        ),
    )
    p.add(
        "/v3/bulk/jobs/{uid}/items",
        "get",
        op(
            "The job's items: one per entry or asset, environment and locale, in order",
            "publishing",
            {**ok(BULK_ITEMS), **errors(*READ)},
            parameters=[
                *params("api_key", "skip", "limit"),
                flag_param(
                    "include_count", "With skip 0: add skip, limit and total_count (the matches)."
                ),
                param("status", "query", {"enum": ["success", "failed"]}, "Only these items."),
                param("type", "query", {"enum": ["entry", "asset"]}, "Only entries or assets."),
                array_param("ct[]", "Only the entries of these content types."),
                flag_param("include_reference", "Accepted: references are listed anyway."),
                param("api_version", "header", STR, "3.2."),
            ],
        ),
    )


@lru_cache(maxsize=2)
def document(role: str = "all") -> Json:
    """The description of what a node of `role` serves (`all`, or `delivery`: system + delivery reads)."""
    p = Paths()
    system(p)
    sync(p)
    taxonomy_entries(p)
    if role == "delivery":
        delivery(p)
        asset_files(p)
    else:
        for part in (
            users,
            stacks,
            stack_users,
            stack_modules,
            settings_resources,
            documents,
            global_field_files,
            content_types,
            entries,
            entry_variants,
            variant_groups,
            personalize,
            webhooks,
            assets,
            asset_files,
            bulk_operations,
            editor,
            taxonomies,
        ):
            part(p)
    module_reads(p, role)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Veneer",
            "version": __version__,
            "description": "A self-hostable headless CMS that speaks Contentstack's Content Management and "
            "Content Delivery APIs. Every answer is JSON except the editor's pages; errors are "
            "`{error_message, error_code, errors}`.",
        },
        "paths": p.items,
        "components": {
            "schemas": SCHEMAS,
            "parameters": PARAMETERS,
            "responses": _responses(),
            "securitySchemes": {
                "authtoken": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "authtoken",
                    "description": "A user's session, from POST /v3/user-session.",
                },
                "management_token": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "authorization",
                    "description": "A management token of the stack, raw or as `Bearer <token>`.",
                },
                "delivery_token": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "access_token",
                    "description": "A delivery token; it makes a content read a delivery request.",
                },
                "editor_session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "veneer_session",
                    "description": "The editor's login cookie (an authtoken).",
                },
            },
        },
    }


async def serve(request: Request) -> Response:
    return json_response(document(request.app.state.services.settings.role))
