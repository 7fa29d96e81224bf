"""Publishing environments, addressed by name (as Contentstack does) or uid."""

from __future__ import annotations

import re
from typing import Any

from veneer import ids
from veneer.domain.listing import ListParams
from veneer.errors import NotFoundObject, ValidationFailed
from veneer.services import access
from veneer.services.context import Actor, Services
from veneer.store import Transaction

NAME = re.compile(r"^[A-Za-z0-9_\-. ]{1,100}$")


def list_environments(
    services: Services, actor: Actor, api_key: str | None
) -> list[dict[str, Any]]:
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, "environment")
        return tx.environments.all(stack["api_key"])


def page_environments(
    services: Services, actor: Actor, api_key: str | None, lp: ListParams
) -> tuple[list[dict[str, Any]], int | None]:
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, "environment")
        return tx.environments.page(stack["api_key"], lp)


def get_environment(
    services: Services, actor: Actor, api_key: str | None, name: str
) -> dict[str, Any]:
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, "environment")
        return _load(tx, stack["api_key"], name)


def _load(tx: Transaction, stack: str, name: str) -> dict[str, Any]:
    doc = tx.environments.find(stack, name)
    if doc is None:
        raise NotFoundObject(errors={"environment": ["is not an environment of this stack."]})
    return doc


def _valid_name(body: dict[str, Any]) -> str:
    name = body.get("name")
    if not isinstance(name, str) or not NAME.match(name):
        raise ValidationFailed(
            "Environment creation failed. Please enter valid data.",
            {"name": ["must be 1-100 letters, digits, spaces, '-', '_' or '.'."]},
        )
    return name


def _urls(body: dict[str, Any]) -> list[dict[str, Any]]:
    urls = body.get("urls", [])
    if not isinstance(urls, list) or not all(isinstance(u, dict) for u in urls):
        raise ValidationFailed(
            "Environment creation failed. Please enter valid data.",
            {"urls": ["must be a list of {locale, url} objects."]},
        )
    return urls


def create_environment(
    services: Services, actor: Actor, api_key: str | None, body: dict[str, Any]
) -> dict[str, Any]:
    now = ids.now()
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, "environment", write=True)
        name = _valid_name(body)
        doc = {
            "name": name,
            "urls": _urls(body),
            "uid": ids.blt(),
            "created_by": actor.uid,
            "updated_by": actor.uid,
            "created_at": now,
            "updated_at": now,
            "ACL": [],
            "_version": 1,
        }
        if tx.environments.find(stack["api_key"], name):
            raise ValidationFailed(
                "Environment creation failed. Please enter valid data.",
                {"name": ["is not unique."]},
            )
        tx.environments.add(stack["api_key"], doc)
    return doc


def update_environment(
    services: Services, actor: Actor, api_key: str | None, name: str, body: dict[str, Any]
) -> dict[str, Any]:
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, "environment", write=True)
        doc = _load(tx, stack["api_key"], name)
        if "name" in body and body["name"] != doc["name"]:
            new_name = _valid_name(body)
            if tx.environments.find(stack["api_key"], new_name):
                raise ValidationFailed(
                    "Environment update failed. Please enter valid data.",
                    {"name": ["is not unique."]},
                )
            doc["name"] = new_name
        if "urls" in body:
            doc["urls"] = _urls(body)
        doc.update(updated_by=actor.uid, updated_at=ids.now(), _version=doc.get("_version", 1) + 1)
        tx.environments.replace(stack["api_key"], doc)
        tx.changes.record(stack["api_key"])
    return doc


def delete_environment(services: Services, actor: Actor, api_key: str | None, name: str) -> None:
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, "environment", write=True)
        doc = _load(tx, stack["api_key"], name)
        tx.environments.delete(stack["api_key"], doc["uid"])
        tx.changes.record(stack["api_key"])
