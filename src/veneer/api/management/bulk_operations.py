"""`/v3/bulk/…`: Contentstack's bulk publish, unpublish and delete, and the job status reads
(docs/bulk-operations.md)."""

from __future__ import annotations

from typing import Any

from veneer.api.call import Call, endpoint
from veneer.domain.listing import flag, list_params
from veneer.errors import ValidationFailed
from veneer.services import bulk_operations
from veneer.store.bulk_jobs import ItemFilter

STATUSES = ("success", "failed")
TYPES = ("entry", "asset")


@endpoint
def publish(call: Call) -> dict[str, Any]:
    return bulk_operations.publish(
        call.services,
        call.actor(),
        call.api_key,
        call.body,
        nested=flag(call.params, "nested"),
        api_version=call.header("api_version"),
    )


@endpoint
def unpublish(call: Call) -> dict[str, Any]:
    return bulk_operations.publish(
        call.services, call.actor(), call.api_key, call.body, unpublish=True
    )


@endpoint
def delete(call: Call) -> dict[str, Any]:
    return bulk_operations.delete(call.services, call.actor(), call.api_key, call.body)


@endpoint
def job_status(call: Call) -> dict[str, Any]:
    return bulk_operations.job_status(call.services, call.actor(), call.api_key, call.path("uid"))


@endpoint
def job_items(call: Call) -> dict[str, Any]:
    lp = list_params(call.params)
    items, count = bulk_operations.job_items(
        call.services, call.actor(), call.api_key, call.path("uid"), _filter(call), lp
    )
    answer: dict[str, Any] = {"items": [show_item(item) for item in items]}
    # Contentstack counts only from the first page.
    if lp.include_count and lp.skip == 0:
        answer.update(skip=lp.skip, limit=lp.limit, total_count=count)
    return answer


def _filter(call: Call) -> ItemFilter:
    status, kind = call.params.get("status") or None, call.params.get("type") or None
    problems = {
        name: [f"must be one of {', '.join(allowed)}."]
        for name, value, allowed in (("status", status, STATUSES), ("type", kind, TYPES))
        if value is not None and value not in allowed
    }
    if problems:
        raise ValidationFailed("The job items filter is not valid.", problems)
    content_types = [*call.params.getlist("ct[]"), *call.params.getlist("ct")]
    return ItemFilter(status, kind, tuple(ct for ct in content_types if ct))


def show_item(row: dict[str, Any]) -> dict[str, Any]:
    """An item of a job as Contentstack lists it: one per entry or asset × environment × locale."""
    details = {"status": row["status"]}
    if row["failure_reason"]:
        details["failure_reason"] = row["failure_reason"]
    item = {
        "uid": row["uid"],
        "locale": row["locale"],
        "version": row["version"],
        "title": row["title"],
        "type": row["type"],
        "publish_details": details,
        "publish_locale": row["publish_locale"],
        "environment": row["environment"],
        "action": row["action"],
        "published_at": row["published_at"],
        "scheduled_at": "",
        "user": row["user_uid"],
        "depth": row["depth"],
    }
    if row["type"] == "entry":
        item["content_type"] = {"uid": row["content_type"]}
    return item
