"""Locales of a stack, with fallback chains. The master locale exists from the stack's creation."""

from __future__ import annotations

import re
from typing import Any

from veneer import ids
from veneer.domain.listing import ListParams
from veneer.errors import NotFoundObject, ValidationFailed
from veneer.services import access
from veneer.services.context import Actor, Services
from veneer.services.documents import LOCALE_NAMES, locale_doc
from veneer.store import Transaction

CODE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$")


def list_locales(services: Services, actor: Actor, api_key: str | None) -> list[dict[str, Any]]:
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, "locale")
        return tx.locales.all(stack["api_key"])


def page_locales(
    services: Services, actor: Actor, api_key: str | None, lp: ListParams
) -> tuple[list[dict[str, Any]], int | None]:
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, "locale")
        return tx.locales.page(stack["api_key"], lp)


def get_locale(services: Services, actor: Actor, api_key: str | None, code: str) -> dict[str, Any]:
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, "locale")
        return _load(tx, stack["api_key"], code)


def _load(tx: Transaction, stack: str, code: str) -> dict[str, Any]:
    doc = tx.locales.get(stack, code.lower())
    if doc is None:
        raise NotFoundObject(errors={"code": ["is not a locale of this stack."]})
    return doc


def create_locale(
    services: Services, actor: Actor, api_key: str | None, body: dict[str, Any]
) -> dict[str, Any]:
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, "locale", write=True)
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
        if tx.locales.get(stack["api_key"], code) is not None:
            raise ValidationFailed(
                "Language was already added.", {"code": ["is already added."]}, error_code=247
            )
        fallback = _fallback(tx, stack, code, body.get("fallback_locale"))
        doc = locale_doc(
            ids.blt(),
            code,
            str(body.get("name") or LOCALE_NAMES.get(code, code)),
            fallback,
            actor.uid,
            ids.now(),
        )
        tx.locales.add(stack["api_key"], doc)
    return doc


def _fallback(tx: Transaction, stack: dict[str, Any], code: str, requested: Any) -> str:
    requested = requested or stack["master_locale"]
    if not isinstance(requested, str) or requested.lower() == code:
        raise ValidationFailed(
            "Language creation failed. Please enter valid data.",
            {"fallback_locale": ["must be another locale of this stack."]},
        )
    fallback = requested.lower()
    if tx.locales.get(stack["api_key"], fallback) is None:
        raise ValidationFailed(
            "Language creation failed. Please enter valid data.",
            {"fallback_locale": ["is not a locale of this stack."]},
        )
    if code in tx.locales.chain(stack["api_key"], fallback):
        raise ValidationFailed(
            "Language update failed. Please enter valid data.",
            {"fallback_locale": ["would make a fallback loop."]},
        )
    return fallback


def update_locale(
    services: Services, actor: Actor, api_key: str | None, code: str, body: dict[str, Any]
) -> dict[str, Any]:
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, "locale", write=True)
        doc = _load(tx, stack["api_key"], code)
        if "fallback_locale" in body and doc["code"] != stack["master_locale"]:
            doc["fallback_locale"] = _fallback(tx, stack, doc["code"], body["fallback_locale"])
        if isinstance(body.get("name"), str) and body["name"].strip():
            doc["name"] = body["name"]
        doc.update(updated_at=ids.now(), updated_by=actor.uid, _version=doc.get("_version", 1) + 1)
        tx.locales.replace(stack["api_key"], doc)
        tx.changes.record(stack["api_key"])
    return doc


def delete_locale(services: Services, actor: Actor, api_key: str | None, code: str) -> None:
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, "locale", write=True)
        doc = _load(tx, stack["api_key"], code)
        if doc["code"] == stack["master_locale"]:
            raise ValidationFailed(
                "The master language cannot be deleted.", {"code": ["is the master locale."]}
            )
        _refuse_if_fallback(tx, stack["api_key"], doc["code"])
        tx.entries.drop_locale(stack["api_key"], doc["code"])
        tx.assets.drop_locale(stack["api_key"], doc["code"])
        tx.locales.delete(stack["api_key"], doc["code"])
        tx.changes.record(stack["api_key"])


def _refuse_if_fallback(tx: Transaction, stack: str, code: str) -> None:
    """A locale other locales fall back to stays until they fall back elsewhere: deleting it would
    leave their chains pointing at nothing (and what they published from it orphaned)."""
    dependents = sorted(
        d["code"] for d in tx.locales.all(stack) if d.get("fallback_locale") == code
    )
    if dependents:
        names = ", ".join(dependents)
        raise ValidationFailed(
            f"The language is the fallback language of {names}; change their fallback first.",
            {"code": [f"is the fallback language of {names}."]},
            error_code=247,
        )
