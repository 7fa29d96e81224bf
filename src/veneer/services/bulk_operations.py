"""Contentstack's bulk operations (docs/bulk-operations.md): publish, unpublish and delete many
entries and assets in one request, and the status of a bulk publish or unpublish job.

Every item, environment and locale is checked before anything is written (a 422 naming each one
that doesn't exist). A bulk publish is then recorded as a job whose items (each entry or asset,
to all its environments × locales) are queued for the scheduler, each to run in a transaction of
its own and record its outcomes, as Contentstack queues them; a small one (at most
RUN_IN_REQUEST publications) runs in the request itself, its items' queue entries set a minute
ahead so that the scheduler only runs what the request could not. An item that fails as it is
published (a variant whose base may not be published, an entry deleted meanwhile) is recorded as
failed, with its reason, and the others are done. With `publish_with_reference` the entries and
assets the named entries reference are added to the job (one level, five in the nested flow).
A bulk delete runs in the request, in one transaction (at most 100 items).
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from veneer import ids
from veneer.domain import assets as domain_assets
from veneer.domain import bulk_requests
from veneer.domain.bulk_requests import AssetItem, BulkRequest, EntryItem, Problems
from veneer.domain.listing import ListParams
from veneer.errors import Forbidden, NotFoundObject, ValidationFailed, VeneerError
from veneer.services import access, assets, loaders, publishing
from veneer.services.context import Actor, Services
from veneer.services.documents import Target, moment
from veneer.store import Transaction
from veneer.store.bulk_jobs import ItemFilter

# Publications (items × environments × locales) a bulk publish makes in the request; a larger
# one (up to 10 × 10 × 10) is left to the scheduler and answers at once, as Contentstack's does.
RUN_IN_REQUEST = 100
# How deep the nested reference flow publishes references, and how many it may add to a request
# (Veneer's bound: Contentstack documents none).
NESTED_LEVELS = 5
MAX_REFERENCED = 100
# The share of the request time limit a bulk publish may spend running its items itself.
REQUEST_SHARE = 0.5
# How long the scheduler leaves the items of a job run in the request before it takes them up
# (a request cut off or a server stopped midway).
GRACE = timedelta(seconds=60)

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


def publish(
    services: Services,
    actor: Actor,
    api_key: str | None,
    body: dict[str, Any],
    *,
    unpublish: bool = False,
    nested: bool = False,
    api_version: str | None = None,
) -> dict[str, Any]:
    """Check every item, record the job and queue its items (running them now when the job is
    small); its notice and id. A publish with `publish_with_reference` (or `nested=true`) takes
    the entries and assets its entries reference along: one level, five with `api_version`
    3.2 or `nested=true` (the nested reference flow)."""
    action = "unpublish" if unpublish else "publish"
    job = ids.job_id()
    with services.store.write() as tx:
        stack = _stack(tx, actor, api_key, body)
        req = bulk_requests.parse_publish(body)
        _refuse_schedule(req)
        environments, plan = _check(tx, stack, req)
        if not unpublish and (nested or body.get("publish_with_reference") is True):
            levels = NESTED_LEVELS if nested or str(api_version).strip() == "3.2" else 1
            _with_references(tx, stack, req, plan, levels)
        total = sum(len(environments) * len(item["codes"]) for item in plan)
        at_once = total <= RUN_IN_REQUEST
        now = datetime.now(UTC)
        tx.bulk_jobs.add(
            {
                "stack": stack["api_key"],
                "uid": job,
                "action": action,
                "body": _job_body(req, environments, plan, ids.format_time(now)),
                "total": total,
                "created_by": actor.uid,
                "created_at": ids.format_time(now),
            }
        )
        run_at = ids.format_time(now + GRACE if at_once else now)
        queued = _queue(tx, stack["api_key"], actor, job, plan, environments, action, run_at)
    if at_once:
        _run_in_request(services, stack["api_key"], queued)
    return {"notice": NOTICES[action], "job_id": job}


def _run_in_request(services: Services, stack: str, queued: list[str]) -> None:
    """Run a small job's items one after the other while within REQUEST_SHARE of the request
    time limit (a loaded database may be slow); whatever is left goes to the scheduler now."""
    stop = time.monotonic() + services.settings.request_timeout * REQUEST_SHARE
    for n, uid in enumerate(queued):
        if time.monotonic() >= stop:
            with services.store.write() as tx:
                tx.jobs.run_now(stack, queued[n:], ids.now())
            return
        publishing.run_job(services, uid)


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
    """A bulk job of this stack (another stack's is not found), as Contentstack shows it: its
    status and summary counted from the outcomes its items have recorded so far."""
    with services.store.read() as tx:
        stack = _readable(tx, actor, api_key)
        job = _found_job(tx, stack["api_key"], uid)
    success, failed = job["counts"].get("success", 0), job["counts"].get("failed", 0)
    done = success + failed >= job["total"]
    return {
        "uid": job["uid"],
        "created_by": job["created_by"],
        "updated_by": "",
        "created_at": job["created_at"],
        "updated_at": job["updated_at"],
        "action": job["action"],
        "api_key": job["stack"],
        "status": "complete" if done else "in_progress",
        "body": job["body"],
        "summary": {
            "approvals": 0,
            "skip": 0,
            "state": "completed" if done else "in_progress",
            "success": success,
            "total_processed": success + failed,
            "unsuccess": failed,
        },
    }


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
) -> tuple[list[str], list[dict[str, Any]]]:
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
) -> dict[str, Any] | None:
    """What the item's queued job publishes (checked: its publish request parses)."""
    where = f"entries.{n}"
    if tx.content_types.get(stack, item.content_type) is None:
        problems[where] = [f"The content type '{item.content_type}' doesn't exist."]
        return None
    try:
        doc = loaders.entry_version(tx, stack, item.content_type, item.uid, code, item.version)
        body = _entry_body(req, item, code)
        publishing.parse_request(body)
    except VeneerError as exc:
        problems[where] = [_missing_entry(item, code) if _is_missing(exc) else _reason(exc)]
        return None
    return {
        "type": "entry",
        "uid": item.uid,
        "content_type": item.content_type,
        "locale": code,
        "title": str(doc.get("title") or ""),
        "version": item.version or doc.get("_version"),
        "codes": list(req.locales or (code,)),
        "body": body,
        "depth": 0,
    }


def _entry_body(req: BulkRequest, item: EntryItem, code: str) -> dict[str, Any]:
    """The entry's publish request, as `POST …/entries/{uid}/publish` would take it."""
    entry: dict[str, Any] = {
        "environments": list(req.environments),
        "locales": list(req.locales or (code,)),
        **(json.loads(item.variant_keys) if item.variant_keys else {}),
    }
    return {"entry": entry, "locale": code, "version": item.version}


def _reason(exc: VeneerError) -> str:
    """An error's message with the fields it names (a variant list that cannot be read...)."""
    details = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.errors.items())
    return exc.message + (f" ({details})" if details else "")


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


def _plan_asset(
    req: BulkRequest, stack: dict[str, Any], doc: dict[str, Any], n: int
) -> dict[str, Any]:
    item = req.assets[n]
    return _asset_plan(req, stack, doc, item.uid, item.version)


def _asset_plan(
    req: BulkRequest, stack: dict[str, Any], doc: dict[str, Any], uid: str, version: int | None
) -> dict[str, Any]:
    return {
        "type": "asset",
        "uid": uid,
        "content_type": "",
        "locale": "",
        "title": str(doc.get("title") or doc.get("filename") or ""),
        "version": version or doc.get("_version"),
        "requested": version,
        "codes": list(req.locales or (stack["master_locale"].lower(),)),
        "depth": 0,
    }


def _with_references(
    tx: Transaction,
    stack: dict[str, Any],
    req: BulkRequest,
    plan: list[dict[str, Any]],
    levels: int,
) -> None:
    """Add to `plan` the entries (latest version, in the referencing entry's locale) and assets
    its entries reference, `levels` deep, each once; references that don't exist are left out.
    More than MAX_REFERENCED of them is a 422."""
    key, named = stack["api_key"], len(plan)
    seen = {(item["type"], item["uid"]) for item in plan}
    frontier = [
        (
            item,
            loaders.entry_version(
                tx,
                key,
                item["content_type"],
                item["uid"],
                item["locale"],
                item["body"].get("version"),
            ),
        )
        for item in plan
        if item["type"] == "entry"
    ]
    for depth in range(1, levels + 1):
        following = []
        for parent, doc in frontier:
            schema = (tx.content_types.get(key, parent["content_type"]) or {}).get("schema") or []
            for ct, uid in domain_assets.entry_refs(schema, doc):
                found = _referenced_entry(tx, req, key, ct, uid, parent["locale"], depth)
                if found is not None and ("entry", uid) not in seen:
                    seen.add(("entry", uid))
                    plan.append(found[0])
                    following.append(found)
            for uid in sorted(domain_assets.asset_uids(schema, doc)):
                asset = tx.assets.get(key, uid)
                if asset is not None and not asset.get("is_dir") and ("asset", uid) not in seen:
                    seen.add(("asset", uid))
                    plan.append({**_asset_plan(req, stack, asset, uid, None), "depth": depth})
            if len(plan) - named > MAX_REFERENCED:
                raise ValidationFailed(
                    "Bulk publishing failed: too many references to publish along.",
                    {"publish_with_reference": [f"would add more than {MAX_REFERENCED} items."]},
                )
        frontier = following


def _referenced_entry(
    tx: Transaction, req: BulkRequest, key: str, ct: str, uid: str, code: str, depth: int
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """A referenced entry's plan and latest document, or None when it doesn't exist."""
    try:
        doc = loaders.latest_entry(tx, key, ct, uid, code)
    except NotFoundObject:
        return None
    codes = list(req.locales or (code,))
    body = {"entry": {"environments": list(req.environments), "locales": codes}, "locale": code}
    item = {
        "type": "entry",
        "uid": uid,
        "content_type": ct,
        "locale": code,
        "title": str(doc.get("title") or ""),
        "version": doc.get("_version"),
        "codes": codes,
        "body": body,
        "depth": depth,
    }
    return item, doc


# -- running -------------------------------------------------------------------------------------


def _job_body(
    req: BulkRequest, environments: list[str], plan: list[dict[str, Any]], now: str
) -> dict[str, Any]:
    """Where the job publishes, as the job status shows it."""
    codes = req.locales or tuple(dict.fromkeys(c for item in plan for c in item["codes"]))
    return {
        "branch": "main",
        "locales": list(codes),
        "environments": environments,
        "published_at": now,
        "scheduled_at": "",
    }


def _queue(
    tx: Transaction,
    stack: str,
    actor: Actor,
    job: str,
    plan: list[dict[str, Any]],
    environments: list[str],
    action: str,
    run_at: str,
) -> list[str]:
    """One scheduler job per item, each knowing the positions its outcomes take in the job."""
    queued, position = [], 0
    for item in plan:
        uid = ids.job_id()
        payload = {
            "bulk": job,
            "position": position,
            "item": item,
            "environments": environments,
            "unpublish": action == "unpublish",
            "actor": {"kind": actor.kind, "uid": actor.uid},
        }
        tx.jobs.add(
            uid,
            stack,
            f"bulk_{action}",
            payload,
            run_at=run_at,
            created_by=actor.uid,
            created_at=ids.now(),
        )
        queued.append(uid)
        position += len(environments) * len(item["codes"])
    return queued


def run_item(tx: Transaction, stack: dict[str, Any], actor: Actor, payload: dict[str, Any]) -> None:
    """One queued item of a bulk job (the scheduler's hand-over): published to each environment
    × locale alone, a failure recorded with its reason and leaving the others done."""
    item, position, outcomes = payload["item"], payload["position"], []
    for env in payload["environments"]:
        for code in item["codes"]:
            target = Target(env, code)
            try:
                with tx.savepoint():
                    _apply(tx, stack, actor, item, target, payload["unpublish"])
                failure = None
            except VeneerError as exc:
                failure = exc.message
            except Exception:  # noqa: BLE001 -- recorded as failed, never left unfinished
                failure = VeneerError.default_message
            action = "unpublish" if payload["unpublish"] else "publish"
            outcomes.append(_outcome(item, target, actor, action, position, failure))
            position += 1
    tx.bulk_jobs.add_items(stack["api_key"], payload["bulk"], outcomes)


def _apply(
    tx: Transaction,
    stack: dict[str, Any],
    actor: Actor,
    item: dict[str, Any],
    target: Target,
    unpublish: bool,
) -> None:
    if item["type"] == "entry":
        req = publishing.parse_request(item["body"])
        publishing.apply(
            tx, stack, actor, item["content_type"], item["uid"], req, [target], unpublish
        )
    else:
        req_asset = assets.PublishAsset((), tuple(item["codes"]), item["requested"], None)
        assets.apply(tx, stack, actor, item["uid"], req_asset, [target], unpublish)


def _outcome(
    item: dict[str, Any],
    target: Target,
    actor: Actor,
    action: str,
    position: int,
    failure: str | None,
) -> dict[str, Any]:
    now = ids.now()
    return {
        "position": position,
        "type": item["type"],
        "uid": item["uid"],
        "content_type": item["content_type"],
        "locale": item["locale"],
        "version": item["version"],
        "title": item["title"],
        "environment": target.environment,
        "publish_locale": target.locale,
        "action": action,
        "status": "failed" if failure else "success",
        "failure_reason": failure,
        "published_at": None if failure else now,
        "processed_at": now,
        "user_uid": actor.uid,
        "depth": item.get("depth", 0),
    }


publishing.JOB_RUNNERS["bulk"] = run_item
