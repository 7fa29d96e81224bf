"""An entry's pending schedules: the publish and unpublish jobs queued for it (`scheduled_at`),
found by the entry's key (`jobs.subject`), and cancelled one at a time."""

from __future__ import annotations

from typing import Any

from veneer.errors import NotFoundObject
from veneer.services import access, loaders
from veneer.services.context import Actor, Services

CANCELLED = "Cancelled by {who}."


def pending(
    services: Services, actor: Actor, api_key: str | None, ct_uid: str, uid: str
) -> list[dict[str, Any]]:
    """The queued jobs of one entry, earliest first, as `{uid, action, run_at, environments,
    locales, variants, created_by, created_at}`."""
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, "entry")
        loaders.content_type(tx, stack["api_key"], ct_uid)
        jobs = tx.jobs.queued_for(stack["api_key"], uid)
    return [_shown(job) for job in jobs if job["payload"].get("content_type") == ct_uid]


def _shown(job: dict[str, Any]) -> dict[str, Any]:
    entry = job["payload"].get("body", {}).get("entry") or {}
    return {
        "uid": job["uid"],
        "action": job["kind"],
        "run_at": job["run_at"],
        "environments": list(entry.get("environments") or []),
        "locales": list(entry.get("locales") or []),
        "variants": [v.get("uid") for v in entry.get("variants") or [] if isinstance(v, dict)],
        "created_by": job["created_by"],
        "created_at": job["created_at"],
    }


def cancel(
    services: Services, actor: Actor, api_key: str | None, ct_uid: str, uid: str, job: str
) -> None:
    """Cancel one pending schedule of an entry; 404 when it is not queued for that entry (ran,
    cancelled, or another entry's)."""
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, "entry", write=True)
        key = stack["api_key"]
        loaders.content_type(tx, key, ct_uid)
        mine = {j["uid"] for j in tx.jobs.queued_for(key, uid)}
        if job not in mine or not tx.jobs.cancel(key, job, CANCELLED.format(who=actor.uid)):
            raise NotFoundObject(
                "The schedule is not pending any more (it ran or was cancelled).",
                {"job": [f"'{job}' is not valid."]},
            )
