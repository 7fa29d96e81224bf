"""Bulk publish and unpublish jobs of a stack and the outcome of each of their items."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select

import veneer.store.tables as t
from veneer.store.core import Rows, dumps, loads

ITEM_COLUMNS = tuple(c.name for c in t.bulk_job_items.c if c.name not in ("stack", "job"))


@dataclass(frozen=True)
class ItemFilter:
    """What `GET …/jobs/{uid}/items` narrows to: a status, a type, content types (any of them)."""

    status: str | None = None
    type: str | None = None
    content_types: tuple[str, ...] = ()


class BulkJobs(Rows):
    def add(self, job: dict[str, Any]) -> None:
        """Record a job (`body` as a dict, `total`: how many publications it makes)."""
        self._insert(t.bulk_jobs, **{**job, "body": dumps(job["body"])})

    def add_items(self, stack: str, job: str, items: Sequence[dict[str, Any]]) -> None:
        """The outcomes of some of a job's publications, each with its `position`."""
        keys = {"stack": stack, "job": job}
        rows = [{**keys, **{name: item.get(name) for name in ITEM_COLUMNS}} for item in items]
        if rows:
            self._conn.execute(insert(t.bulk_job_items), rows)

    def get(self, stack: str, uid: str) -> dict[str, Any] | None:
        """A job of this stack (another stack's is none), with `counts`: its outcomes so far by
        status, and `updated_at`: when the latest of them was recorded (its creation before)."""
        row = self._row(t.bulk_jobs, stack=stack, uid=uid)
        if row is None:
            return None
        i = t.bulk_job_items
        query = (
            select(i.c.status, func.count(), func.max(i.c.processed_at))
            .where(i.c.stack == stack, i.c.job == uid)
            .group_by(i.c.status)
        )
        counts, latest = {}, row["created_at"]
        for status, count, processed_at in self._conn.execute(query):
            counts[status] = int(count)
            latest = max(latest, processed_at)
        return {**row, "body": loads(row["body"]), "counts": counts, "updated_at": latest}

    def items(
        self, stack: str, job: str, chosen: ItemFilter, skip: int, limit: int
    ) -> tuple[list[dict[str, Any]], int]:
        """One page of a job's items in the request's order, and how many match in all."""
        i = t.bulk_job_items
        query = select(i).where(i.c.stack == stack, i.c.job == job)
        if chosen.status:
            query = query.where(i.c.status == chosen.status)
        if chosen.type:
            query = query.where(i.c.type == chosen.type)
        if chosen.content_types:
            query = query.where(i.c.content_type.in_(chosen.content_types))
        page = self._rows(query.order_by(i.c.position).offset(skip).limit(limit))
        counted = select(func.count()).select_from(query.subquery())
        return page, int(self._conn.execute(counted).scalar_one())
