"""Locales of a stack, with fallback chains. The master locale exists from the stack's creation."""

from __future__ import annotations

import re
from typing import Any

from veneer import ids
from veneer.domain import listing
from veneer.errors import NotFoundObject, ValidationFailed
from veneer.services import access
from veneer.services.changes import record_change
from veneer.services.context import Actor, Services
from veneer.store import dumps, loads
from veneer.store import tables as t

CODE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$")
LOCALE_NAMES = {
    "en-us": "English - United States",
    "fr-fr": "French - France",
    "de-de": "German - Germany",
    "es-es": "Spanish - Spain",
    "en-gb": "English - United Kingdom",
    "it-it": "Italian - Italy",
    "ja-jp": "Japanese - Japan",
    "pt-br": "Portuguese - Brazil",
    "fr-ca": "French - Canada",
}


def locale_doc(
    uid: str, code: str, name: str, fallback: str | None, user: str, now: str
) -> dict[str, Any]:
    return {
        "code": code,
        "name": name,
        "fallback_locale": fallback,
        "uid": uid,
        "created_by": user,
        "updated_by": user,
        "created_at": now,
        "updated_at": now,
        "ACL": [],
        "_version": 1,
    }


def list_locales(services: Services, actor: Actor, api_key: str | None) -> list[dict[str, Any]]:
    with services.store.read() as conn:
        stack = access.stack_row(services, conn, actor, api_key)
        return [
            loads(r["doc"])
            for r in services.store.all(conn, t.locales, t.locales.c.code, stack=stack["api_key"])
        ]


def get_locale(services: Services, actor: Actor, api_key: str | None, code: str) -> dict[str, Any]:
    with services.store.read() as conn:
        stack = access.stack_row(services, conn, actor, api_key)
        return _load(services, conn, stack["api_key"], code)


def _load(services: Services, conn: Any, stack: str, code: str) -> dict[str, Any]:
    doc = services.store.doc(conn, t.locales, stack=stack, code=code.lower())
    if doc is None:
        raise NotFoundObject(errors={"code": ["is not a locale of this stack."]})
    return doc


def create_locale(
    services: Services, actor: Actor, api_key: str | None, body: dict[str, Any]
) -> dict[str, Any]:
    with services.store.write() as conn:
        stack = access.stack_row(services, conn, actor, api_key, write=True)
        code = body.get("code")
        if (
            not isinstance(code, str) or len(code) > 32 or not CODE.match(code.lower())
        ):  # the column's width
            raise ValidationFailed(
                "Language creation failed. Please enter valid data.",
                {"code": ["is not a valid locale code."]},
                error_code=247,
            )
        code = code.lower()
        if services.store.one(conn, t.locales, stack=stack["api_key"], code=code):
            raise ValidationFailed(
                "Language was already added.", {"code": ["is already added."]}, error_code=247
            )
        fallback = _fallback(services, conn, stack, code, body.get("fallback_locale"))
        doc = locale_doc(
            ids.blt(),
            code,
            str(body.get("name") or LOCALE_NAMES.get(code, code)),
            fallback,
            actor.uid,
            ids.now(),
        )
        services.store.insert(conn, t.locales, stack=stack["api_key"], code=code, doc=dumps(doc))
    return doc


def _fallback(
    services: Services, conn: Any, stack: dict[str, Any], code: str, fallback: Any
) -> str:
    fallback = fallback or stack["master_locale"]
    if not isinstance(fallback, str) or fallback.lower() == code:
        raise ValidationFailed(
            "Language creation failed. Please enter valid data.",
            {"fallback_locale": ["must be another locale of this stack."]},
        )
    fallback = fallback.lower()
    if not services.store.one(conn, t.locales, stack=stack["api_key"], code=fallback):
        raise ValidationFailed(
            "Language creation failed. Please enter valid data.",
            {"fallback_locale": ["is not a locale of this stack."]},
        )
    if code in fallback_chain(services, conn, stack["api_key"], fallback):
        raise ValidationFailed(
            "Language update failed. Please enter valid data.",
            {"fallback_locale": ["would make a fallback loop."]},
        )
    return fallback


def update_locale(
    services: Services, actor: Actor, api_key: str | None, code: str, body: dict[str, Any]
) -> dict[str, Any]:
    with services.store.write() as conn:
        stack = access.stack_row(services, conn, actor, api_key, write=True)
        doc = _load(services, conn, stack["api_key"], code)
        if "fallback_locale" in body and doc["code"] != stack["master_locale"]:
            doc["fallback_locale"] = _fallback(
                services, conn, stack, doc["code"], body["fallback_locale"]
            )
        if isinstance(body.get("name"), str) and body["name"].strip():
            doc["name"] = body["name"]
        doc.update(updated_at=ids.now(), updated_by=actor.uid, _version=doc.get("_version", 1) + 1)
        services.store.update(
            conn, t.locales, {"stack": stack["api_key"], "code": doc["code"]}, doc=dumps(doc)
        )
        record_change(services, conn, stack["api_key"])
    return doc


def delete_locale(services: Services, actor: Actor, api_key: str | None, code: str) -> None:
    with services.store.write() as conn:
        stack = access.stack_row(services, conn, actor, api_key, write=True)
        doc = _load(services, conn, stack["api_key"], code)
        if doc["code"] == stack["master_locale"]:
            raise ValidationFailed(
                "The master language cannot be deleted.", {"code": ["is the master locale."]}
            )
        from veneer.services import publishing  # publishing depends on this module

        publishing.drop_publications(services, conn, stack["api_key"], locale=doc["code"])
        for table in (t.entries, t.entry_versions, t.entry_variants, t.entry_variant_versions):
            services.store.delete(conn, table, stack=stack["api_key"], locale=doc["code"])
        services.store.delete(conn, t.locales, stack=stack["api_key"], code=doc["code"])
        record_change(services, conn, stack["api_key"])


def fallback_chain(services: Services, conn: Any, stack: str, code: str) -> list[str]:
    """`code` followed by its fallbacks, ending at the master locale; loops are cut."""

    def fallback_of(current: str) -> str | None | bool:
        doc = services.store.doc(conn, t.locales, stack=stack, code=current)
        return doc.get("fallback_locale") if doc else False

    return listing.fallback_chain(code, fallback_of)
