"""Publishing and unpublishing entries to environments × locales (semantics §3).

Publishing builds the document delivery will serve and writes it, for every target, in one
transaction; each change also appends to `changes`, which delivery processes follow to purge
exactly the cache keys a publish touched.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from veneer import ids
from veneer.errors import ValidationFailed
from veneer.services import access, assets, loaders
from veneer.services.context import Actor, Services
from veneer.services.documents import (
    Target,
    moment,
    publish_targets,
    published,
    schedule,
    variant_publication,
)
from veneer.store import Transaction

NOTICE = "The requested action has been performed."


@dataclass(frozen=True)
class PublishRequest:
    environments: tuple[str, ...]
    locales: tuple[str, ...]
    source_locale: str | None
    version: int | None
    scheduled_at: str | None
    raw: dict[str, Any]
    variants: tuple[tuple[str, int | None], ...] = ()
    publish_latest_base: bool = False
    publish_latest_base_conditionally: bool = True


def parse_request(body: dict[str, Any]) -> PublishRequest:
    entry = body.get("entry")
    if not isinstance(entry, dict):
        raise ValidationFailed(
            "The request body must hold an 'entry' object.", {"entry": ["is required."]}
        )
    envs, codes = entry.get("environments"), entry.get("locales")
    problems = {}
    if not isinstance(envs, list) or not envs or not all(isinstance(e, str) for e in envs):
        problems["entry.environments"] = ["must be a non-empty list of environment names or uids."]
    if codes is not None and (
        not isinstance(codes, list) or not all(isinstance(c, str) for c in codes)
    ):
        problems["entry.locales"] = ["must be a list of locale codes."]
    version = body.get("version")
    if version not in (None, "") and not str(version).isdigit():
        problems["version"] = ["must be a version number."]
    source = body.get("locale")
    if source is not None and not isinstance(source, str):
        problems["locale"] = ["must be a locale code."]
    scheduled_at = moment(body.get("scheduled_at"), problems)
    variants = _variants(entry.get("variants"), problems)
    rules = entry.get("variant_rules")
    if rules is not None and not isinstance(rules, dict):
        problems["entry.variant_rules"] = ["must be an object."]
    if problems:
        raise ValidationFailed("Publishing failed. Please enter valid data.", problems)
    rules = rules if isinstance(rules, dict) else {"publish_latest_base_conditionally": True}
    return PublishRequest(
        tuple(envs or ()),
        tuple(c.lower() for c in codes or ()),
        source,
        int(version) if version not in (None, "") else None,
        scheduled_at,
        body,
        variants,
        bool(rules.get("publish_latest_base")),
        bool(rules.get("publish_latest_base_conditionally")),
    )


def _variants(raw: Any, problems: dict[str, list[str]]) -> tuple[tuple[str, int | None], ...]:
    """`[{uid, version?}]`; a uid listed twice keeps its last version."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems["entry.variants"] = ["must be a list of {uid, version}."]
        return ()
    chosen: dict[str, int | None] = {}
    for position, item in enumerate(raw):
        uid = item.get("uid") if isinstance(item, dict) else None
        version = item.get("version") if isinstance(item, dict) else None
        if (
            not isinstance(uid, str)
            or not uid
            or (version is not None and not str(version).isdigit())
        ):
            problems[f"entry.variants.{position}"] = [
                "must be {uid, version} with a version number."
            ]
            continue
        chosen.pop(uid, None)
        chosen[uid] = int(version) if version is not None else None
    return tuple(chosen.items())


def _targets(tx: Transaction, stack: dict[str, Any], req: PublishRequest) -> list[Target]:
    codes = req.locales or (loaders.entry_locale(tx, stack, req.source_locale),)
    return publish_targets(tx, stack, req.environments, codes)


def publish(
    services: Services,
    actor: Actor,
    api_key: str | None,
    ct_uid: str,
    uid: str,
    body: dict[str, Any],
    *,
    unpublish: bool = False,
    show_errors: bool = False,
    locale: str | None = None,
) -> dict[str, Any]:
    """Publish (or unpublish) now, or queue the job when `scheduled_at` is in the future.
    `locale` (the query parameter) stands in for a body without one."""
    if locale and not body.get("locale"):
        body = {**body, "locale": locale}
    job = ids.job_id()
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, "entry", write=True)
        req = parse_request(body)
        source = loaders.entry_locale(tx, stack, req.source_locale)
        loaders.latest_entry(tx, stack["api_key"], ct_uid, uid, source)
        targets = _targets(tx, stack, req)
        unknown = _resolve_variants(tx, stack["api_key"], req)[1]
        if req.scheduled_at and req.scheduled_at > ids.now():
            payload = {"content_type": ct_uid, "entry": uid, "body": body}
            schedule(
                tx, stack["api_key"], actor, job, payload, req.scheduled_at, unpublish=unpublish
            )
        else:
            apply(tx, stack, actor, ct_uid, uid, req, targets, unpublish)
    answer: dict[str, Any] = {"notice": NOTICE, "job_id": job}
    if show_errors and unknown:
        answer["errors"] = [
            {
                "code": "VARIANT_NOT_FOUND",
                "message": f"The variant '{ref}' doesn't exist.",
                "details": {"uid": ref},
            }
            for ref in unknown
        ]
    return answer


def apply(
    tx: Transaction,
    stack: dict[str, Any],
    actor: Actor,
    ct_uid: str,
    uid: str,
    req: PublishRequest,
    targets: list[Target],
    unpublish: bool,
) -> None:
    """Every target in this one transaction: all of it commits, or none."""
    for target in targets:
        if unpublish:
            _unpublish(tx, stack, actor, uid, req, target)
        elif req.variants:
            _publish_with_variants(tx, stack, actor, ct_uid, uid, req, target)
        else:
            _publish_base(tx, stack, actor, ct_uid, uid, req, target)


def _unpublish(
    tx: Transaction,
    stack: dict[str, Any],
    actor: Actor,
    uid: str,
    req: PublishRequest,
    target: Target,
) -> None:
    """Without `variants` the base goes, and its variants with it (semantics §3); with them, just those."""
    where = {"entry": uid, "environment": target.environment, "locale": target.locale}
    if not req.variants:
        tx.publications.drop(stack["api_key"], actor=actor.uid, **where)
        return
    for variant in _resolve_variants(tx, stack["api_key"], req)[0]:
        tx.publications.drop(stack["api_key"], variant=variant["uid"], actor=actor.uid, **where)


def _resolve_variants(
    tx: Transaction, stack: str, req: PublishRequest
) -> tuple[list[dict[str, Any]], list[str]]:
    """(the request's variants that exist, each with its wanted version; the uids that don't).
    Unknown variant uids are ignored (semantics §3)."""
    found, unknown = [], []
    for ref, version in req.variants:
        try:
            found.append({**loaders.variant(tx, stack, ref), "_wanted_version": version})
        except ValidationFailed:
            unknown.append(ref)
    return found, unknown


def _publish_with_variants(
    tx: Transaction,
    stack: dict[str, Any],
    actor: Actor,
    ct_uid: str,
    uid: str,
    req: PublishRequest,
    target: Target,
) -> None:
    base_published = tx.publications.exists(
        stack["api_key"], target.environment, target.locale, uid, ""
    )
    if req.publish_latest_base or (req.publish_latest_base_conditionally and not base_published):
        _publish_base(tx, stack, actor, ct_uid, uid, replace(req, version=None), target)
    elif not base_published:
        raise ValidationFailed(
            "The base entry is not published in this environment and locale; set "
            "variant_rules.publish_latest_base or publish_latest_base_conditionally.",
            {"entry.variant_rules": ["would publish a variant without its base entry."]},
        )
    for variant in _resolve_variants(tx, stack["api_key"], req)[0]:
        _publish_variant(tx, stack, actor, ct_uid, uid, req, target, variant)


def _publish_variant(
    tx: Transaction,
    stack: dict[str, Any],
    actor: Actor,
    ct_uid: str,
    uid: str,
    req: PublishRequest,
    target: Target,
    variant: dict[str, Any],
) -> None:
    for code in tx.locales.chain(stack["api_key"], target.locale):
        stored = tx.entry_variants.get(stack["api_key"], uid, code, variant["uid"])
        if stored is not None:
            break
    else:
        return  # this entry has no such variant: nothing to publish here
    source = (req.source_locale or stack["master_locale"]).lower()
    wanted = variant["_wanted_version"]
    if wanted is not None and code == source and wanted != stored["system"]["_version"]:
        stored = (
            tx.entry_variants.version(stack["api_key"], uid, code, variant["uid"], wanted)
            if 0 < wanted < stored["system"]["_version"]
            else None
        )
        if stored is None:
            raise ValidationFailed(
                f"Version {wanted} of the variant '{variant['uid']}' doesn't exist.",
                {"entry.variants": [f"'{variant['uid']}' has no version {wanted}."]},
            )
    schema = loaders.content_type(tx, stack["api_key"], ct_uid)["schema"]
    doc = variant_publication(schema, uid, stored, variant)
    _put(tx, stack["api_key"], target, uid, variant["uid"], ct_uid, doc, actor)


def _publish_base(
    tx: Transaction,
    stack: dict[str, Any],
    actor: Actor,
    ct_uid: str,
    uid: str,
    req: PublishRequest,
    target: Target,
) -> None:
    """A target locale the entry is not localized in gets the fallback content; `version` names a
    version of the request's locale, so it applies wherever that locale's content is published."""
    source = (req.source_locale or stack["master_locale"]).lower()
    doc = loaders.latest_entry(tx, stack["api_key"], ct_uid, uid, target.locale)
    if req.version is not None and doc["locale"] == source:
        doc = loaders.entry_version(tx, stack["api_key"], ct_uid, uid, source, req.version)
    _put(tx, stack["api_key"], target, uid, "", ct_uid, doc, actor)


def _put(
    tx: Transaction,
    stack: str,
    target: Target,
    entry: str,
    variant: str,
    ct_uid: str,
    doc: dict[str, Any],
    actor: Actor,
) -> None:
    now = ids.now()
    ready = published(doc, target.environment, target.locale, actor.uid, now)
    tx.publications.put(
        stack,
        target.environment,
        target.locale,
        entry,
        variant,
        ct_uid,
        ready,
        published_at=now,
        published_by=actor.uid,
    )


# The runners of queued jobs of other kinds than a publish, by their payload's key: a bulk job's
# items publish through this module, so `services.bulk_operations` registers its runner here
# when it is loaded (the app loads it with its routes) instead of this module importing it.
JobRunner = Callable[[Transaction, dict[str, Any], Actor, dict[str, Any]], None]
JOB_RUNNERS: dict[str, JobRunner] = {}


def run_due_jobs(services: Services, now: str | None = None) -> int:
    """Run every queued job whose time has come; called by the server's scheduler loop."""
    now = now or ids.now()
    with services.store.read() as tx:
        due = tx.jobs.due(now)
    return sum(run_job(services, uid) for uid in due)


def run_job(services: Services, uid: str) -> int:
    """Run one queued job, unless another worker has (then 0)."""
    with services.store.write() as tx:
        job = tx.jobs.claim(uid)
        if job is None:
            return 0  # another worker took it
        payload = job["payload"]
        actor = Actor(kind="job", uid=payload["actor"]["uid"], stack=job["stack"])
        status, result = "done", {}
        try:
            with tx.savepoint():
                stack = tx.stacks.get(job["stack"])
                assert stack is not None
                if "bulk" in payload:
                    JOB_RUNNERS["bulk"](tx, stack, actor, payload)
                elif "asset" in payload:
                    assets.run_job(tx, stack, actor, payload)
                else:
                    req = parse_request(payload["body"])
                    apply(
                        tx,
                        stack,
                        actor,
                        payload["content_type"],
                        payload["entry"],
                        req,
                        _targets(tx, stack, req),
                        payload["unpublish"],
                    )
        # A job that cannot run is recorded as failed, never retried forever.
        except Exception as exc:  # noqa: BLE001
            status, result = "failed", {"error": str(exc)}
        tx.jobs.finish(uid, status, result)
    return 1


def pending_jobs(services: Services, stack: str) -> int:
    with services.store.read() as tx:
        return tx.jobs.pending(stack)
