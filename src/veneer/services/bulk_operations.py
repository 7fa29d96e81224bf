"""Contentstack's bulk operations (docs/bulk-operations.md): publish, unpublish and delete many
entries and assets in one request, and the status of a bulk publish or unpublish job.

Contentstack queues a bulk job and answers at once; Veneer runs it in the request, in one
transaction, since the request is bounded (10 entries and assets × 10 locales × 10
environments, 100 items for a delete), and records the finished job and each item's outcome so
that the job status reads answer truthfully. Every item, environment and locale is checked
before anything is written; an item that still fails as it is published (a variant whose base
may not be published, say) is recorded as failed, the others done.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from veneer import ids
from veneer.domain import bulk_requests
from veneer.domain.bulk_requests import AssetItem, BulkRequest, EntryItem, Problems
from veneer.domain.listing import ListParams
from veneer.errors import Forbidden, NotFoundObject, ValidationFailed, VeneerError
from veneer.services import access, assets, loaders, publishing
from veneer.services.context import Actor, Services
from veneer.services.documents import Target, moment
from veneer.store import Transaction
from veneer.store.bulk_jobs import ItemFilter

NOTICES = {
    "publish": "Your bulk publish request is in progress. Please check publish queue for more "
    "details.",
    "unpublish": "Your bulk unpublish request is in progress. Please check publish queue for "
    "more details.",
    "delete": "Your bulk delete request is in progress. Please check bulk task queue for more "
    "details.",
}

SCHEDULE_REFUSED = (
    "Veneer runs bulk publishes at once: schedule each entry's or asset's publish "
    "(POST …/publish with scheduled_at), or leave scheduled_at out."
)


@dataclass(frozen=True)
class Planned:
    """One checked item of a bulk publish: what to publish, and how the job lists it."""

    type: str  # entry | asset
    uid: str
    content_type: str
    locale: str  # the entry's source locale ('' for an asset)
    title: str
    version: int | None
    codes: tuple[str, ...]  # the locales it is published in
    entry_request: publishing.PublishRequest | None = None
    asset_request: assets.PublishAsset | None = None


def publish(
    services: Services,
    actor: Actor,
    api_key: str | None,
    body: dict[str, Any],
    *,
    unpublish: bool = False,
) -> dict[str, Any]:
    """Publish (or unpublish) every item of the request now, record the job; its notice and id."""
    action = "unpublish" if unpublish else "publish"
    job = ids.job_id()
    with services.store.write() as tx:
        stack = _stack(tx, actor, api_key, body)
        req = bulk_requests.parse_publish(body)
        _refuse_schedule(req)
        environments, plan = _check(tx, stack, req)
        now = ids.now()
        items = [
            outcome
            for planned in plan
            for outcome in _run(tx, stack, actor, planned, environments, action, now)
        ]
        tx.bulk_jobs.add(_job(stack, actor, job, action, req, environments, items, now), items)
    return {"notice": NOTICES[action], "job_id": job}


def delete(
    services: Services, actor: Actor, api_key: str | None, body: dict[str, Any]
) -> dict[str, Any]:
    """Delete every entry (in its locale; the master locale's deletes it everywhere) and asset
    of the request, all in one transaction once each is found."""
    with services.store.write() as tx:
        stack = _stack(tx, actor, api_key, body)
        req = bulk_requests.parse_delete(body)
        key = stack["api_key"]
        problems: Problems = {}
        codes = _entry_codes(tx, stack, req, problems)
        for n, item in enumerate(req.entries):
            if codes[n] and tx.entries.latest(key, item.content_type, item.uid, codes[n]) is None:
                problems[f"entries.{n}"] = [_missing_entry(item, codes[n])]
        _check_assets(tx, key, req.assets, problems)
        _refuse(problems)
        blobs: list[str] = []
        for item, code in zip(req.entries, codes, strict=True):
            # An entry deleted everywhere by an earlier item of the request is already gone.
            if tx.entries.latest(key, item.content_type, item.uid, code) is not None:
                everywhere = code == stack["master_locale"]
                tx.entries.purge(key, item.uid, None if everywhere else code, actor=actor.uid)
        for asset in req.assets:
            if tx.assets.get(key, asset.uid) is not None:
                blobs.extend(tx.assets.delete(key, asset.uid, actor.uid))
    assets.release_blobs(services, blobs)
    return {"notice": NOTICES["delete"]}


def job_status(services: Services, actor: Actor, api_key: str | None, uid: str) -> dict[str, Any]:
    """A bulk job of this stack (another stack's is not found)."""
    with services.store.read() as tx:
        stack = _readable(tx, actor, api_key)
        return _found_job(tx, stack["api_key"], uid)


def job_items(
    services: Services,
    actor: Actor,
    api_key: str | None,
    uid: str,
    chosen: ItemFilter,
    lp: ListParams,
) -> tuple[list[dict[str, Any]], int]:
    """One page of a job's items (filtered by status, type, content types) and how many match."""
    with services.store.read() as tx:
        stack = _readable(tx, actor, api_key)
        _found_job(tx, stack["api_key"], uid)
        return tx.bulk_jobs.items(stack["api_key"], uid, chosen, lp.skip, lp.limit)


# -- access --------------------------------------------------------------------------------------


def _stack(
    tx: Transaction, actor: Actor, api_key: str | None, body: dict[str, Any]
) -> dict[str, Any]:
    """The stack, if the caller may write the entries (and the assets) the request names:
    checked before the body is, so that a caller without access learns nothing from it."""
    named = {
        "entry": bool(body.get("entries") or body.get("items")),
        "asset": bool(body.get("assets")),
    }
    modules = [module for module, wanted in named.items() if wanted] or ["entry"]
    rows = [access.stack_row(tx, actor, api_key, module, write=True) for module in modules]
    return rows[0]


def _readable(tx: Transaction, actor: Actor, api_key: str | None) -> dict[str, Any]:
    """The stack, if the caller may read its entries or its assets (a job may hold either)."""
    try:
        return access.stack_row(tx, actor, api_key, "entry")
    except Forbidden:
        return access.stack_row(tx, actor, api_key, "asset")


def _found_job(tx: Transaction, stack: str, uid: str) -> dict[str, Any]:
    job = tx.bulk_jobs.get(stack, uid)
    if job is None:
        raise NotFoundObject(
            "The job was not found.", {"job_id": [f"'{uid}' is not a bulk job of this stack."]}
        )
    return job


# -- checking ------------------------------------------------------------------------------------


def _refuse_schedule(req: BulkRequest) -> None:
    problems: Problems = {}
    when = moment(req.scheduled_at, problems)
    if when is not None and when > ids.now():
        problems["scheduled_at"] = [SCHEDULE_REFUSED]
    if problems:
        raise ValidationFailed("Bulk publishing failed. Please enter valid data.", problems)


def _refuse(problems: Problems) -> None:
    if problems:
        raise ValidationFailed(
            "Some of the entries, assets, environments or locales of the request don't exist.",
            problems,
            error_code=141,
        )


def _check(
    tx: Transaction, stack: dict[str, Any], req: BulkRequest
) -> tuple[list[str], list[Planned]]:
    """The environments' uids and each item's plan; a 422 naming every item, environment and
    locale that doesn't exist before anything is written."""
    key = stack["api_key"]
    problems: Problems = {}
    environments = []
    for name in req.environments:
        env = tx.environments.find(key, name)
        if env is None:
            problems.setdefault("environments", []).append(f"'{name}' doesn't exist.")
        else:
            environments.append(env["uid"])
    for code in req.locales:
        if tx.locales.get(key, code) is None:
            problems.setdefault("locales", []).append(f"'{code}' is not a locale of this stack.")
    codes = _entry_codes(tx, stack, req, problems)
    plan = [
        planned
        for n, item in enumerate(req.entries)
        if codes[n] and (planned := _plan_entry(tx, key, req, n, item, codes[n], problems))
    ]
    for n, asset in _check_assets(tx, key, req.assets, problems):
        plan.append(_plan_asset(req, stack, asset, n))
    _refuse(problems)
    return list(dict.fromkeys(environments)), plan


def _entry_codes(
    tx: Transaction, stack: dict[str, Any], req: BulkRequest, problems: Problems
) -> list[str]:
    """Each entry's source locale ('' where the stack lacks it, with the problem named)."""
    codes = []
    for n, item in enumerate(req.entries):
        code = item.locale or stack["master_locale"].lower()
        known = tx.locales.get(stack["api_key"], code) is not None
        if not known:
            problems[f"entries.{n}"] = [f"The locale '{code}' is not a locale of this stack."]
        codes.append(code if known else "")
    return codes


def _plan_entry(
    tx: Transaction,
    stack: str,
    req: BulkRequest,
    n: int,
    item: EntryItem,
    code: str,
    problems: Problems,
) -> Planned | None:
    where = f"entries.{n}"
    if tx.content_types.get(stack, item.content_type) is None:
        problems[where] = [f"The content type '{item.content_type}' doesn't exist."]
        return None
    try:
        doc = loaders.entry_version(tx, stack, item.content_type, item.uid, code, item.version)
        entry_request = publishing.parse_request(_entry_body(req, item, code))
    except VeneerError as exc:
        problems[where] = [_missing_entry(item, code) if _is_missing(exc) else exc.message]
        return None
    return Planned(
        "entry",
        item.uid,
        item.content_type,
        code,
        str(doc.get("title") or ""),
        item.version or doc.get("_version"),
        req.locales or (code,),
        entry_request=entry_request,
    )


def _entry_body(req: BulkRequest, item: EntryItem, code: str) -> dict[str, Any]:
    """The entry's publish request, as `POST …/entries/{uid}/publish` would take it."""
    entry: dict[str, Any] = {
        "environments": list(req.environments),
        "locales": list(req.locales or (code,)),
        **(json.loads(item.variant_keys) if item.variant_keys else {}),
    }
    return {"entry": entry, "locale": code, "version": item.version}


def _is_missing(exc: VeneerError) -> bool:
    return isinstance(exc, NotFoundObject) or "doesn't exist" in exc.message


def _missing_entry(item: EntryItem, code: str) -> str:
    version = f" has no version {item.version} in" if item.version else " doesn't exist in"
    return f"The entry '{item.uid}' of '{item.content_type}'{version} '{code}'."


def _check_assets(
    tx: Transaction, stack: str, items: tuple[AssetItem, ...], problems: Problems
) -> list[tuple[int, dict[str, Any]]]:
    """Each asset found, with its number in the request (its version checked when one is named)."""
    found = []
    for n, item in enumerate(items):
        doc = tx.assets.get(stack, item.uid)
        if doc is None or doc.get("is_dir"):
            problems[f"assets.{n}"] = [f"The asset '{item.uid}' doesn't exist."]
            continue
        versions = {v.version for v in tx.assets.versions(stack, item.uid)} | {doc["_version"]}
        if item.version is not None and item.version not in versions:
            problems[f"assets.{n}"] = [f"The asset '{item.uid}' has no version {item.version}."]
            continue
        found.append((n, doc))
    return found


def _plan_asset(req: BulkRequest, stack: dict[str, Any], doc: dict[str, Any], n: int) -> Planned:
    item = req.assets[n]
    codes = req.locales or (stack["master_locale"].lower(),)
    return Planned(
        "asset",
        item.uid,
        "",
        "",
        str(doc.get("title") or doc.get("filename") or ""),
        item.version or doc.get("_version"),
        codes,
        asset_request=assets.PublishAsset(req.environments, codes, item.version, None),
    )


# -- running -------------------------------------------------------------------------------------


def _run(
    tx: Transaction,
    stack: dict[str, Any],
    actor: Actor,
    planned: Planned,
    environments: list[str],
    action: str,
    now: str,
) -> list[dict[str, Any]]:
    """Publish one item to each environment × locale, each alone: one failing is recorded as
    failed, with its reason, and leaves the others done."""
    outcomes = []
    for env in environments:
        for code in planned.codes:
            target = Target(env, code)
            try:
                with tx.savepoint():
                    _apply(tx, stack, actor, planned, target, action == "unpublish")
                failure = None
            except VeneerError as exc:
                failure = exc.message
            outcomes.append(_outcome(planned, target, actor, action, now, failure))
    return outcomes


def _apply(
    tx: Transaction,
    stack: dict[str, Any],
    actor: Actor,
    planned: Planned,
    target: Target,
    unpublish: bool,
) -> None:
    if planned.entry_request is not None:
        publishing.apply(
            tx,
            stack,
            actor,
            planned.content_type,
            planned.uid,
            planned.entry_request,
            [target],
            unpublish,
        )
    elif planned.asset_request is not None:
        assets.apply(tx, stack, actor, planned.uid, planned.asset_request, [target], unpublish)


def _outcome(
    planned: Planned, target: Target, actor: Actor, action: str, now: str, failure: str | None
) -> dict[str, Any]:
    return {
        "type": planned.type,
        "uid": planned.uid,
        "content_type": planned.content_type,
        "locale": planned.locale,
        "version": planned.version,
        "title": planned.title,
        "environment": target.environment,
        "publish_locale": target.locale,
        "action": action,
        "status": "failed" if failure else "success",
        "failure_reason": failure,
        "published_at": None if failure else now,
        "user_uid": actor.uid,
    }


def _job(
    stack: dict[str, Any],
    actor: Actor,
    uid: str,
    action: str,
    req: BulkRequest,
    environments: list[str],
    items: list[dict[str, Any]],
    now: str,
) -> dict[str, Any]:
    """The job row: Contentstack's `body` (where it published) and `summary` (how it went)."""
    failed = sum(item["status"] == "failed" for item in items)
    codes = req.locales or tuple(dict.fromkeys(item["publish_locale"] for item in items))
    return {
        "stack": stack["api_key"],
        "uid": uid,
        "action": action,
        "status": "complete",
        "body": {
            "branch": "main",
            "locales": list(codes),
            "environments": environments,
            "published_at": now,
            "scheduled_at": "",
        },
        "summary": {
            "approvals": 0,
            "skip": 0,
            "state": "completed",
            "success": len(items) - failed,
            "total_processed": len(items),
            "unsuccess": failed,
        },
        "created_by": actor.uid,
        "created_at": now,
        "updated_at": now,
    }
