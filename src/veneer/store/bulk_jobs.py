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
    def add(self, job: dict[str, Any], items: Sequence[dict[str, Any]]) -> None:
        """Record a job (`body` and `summary` as dicts) and its items, numbered in order."""
        self._insert(
            t.bulk_jobs, **{**job, "body": dumps(job["body"]), "summary": dumps(job["summary"])}
        )
        keys = {"stack": job["stack"], "job": job["uid"]}
        rows = [
            {**keys, **{name: item.get(name) for name in ITEM_COLUMNS}, "position": n}
            for n, item in enumerate(items)
        ]
        if rows:
            self._conn.execute(insert(t.bulk_job_items), rows)

    def get(self, stack: str, uid: str) -> dict[str, Any] | None:
        """A job of this stack (body and summary as dicts), or None: another stack's is none."""
        row = self._row(t.bulk_jobs, stack=stack, uid=uid)
        if row is None:
            return None
        return {**row, "body": loads(row["body"]), "summary": loads(row["summary"])}

    def items(
        self, stack: str, job: str, chosen: ItemFilter, skip: int, limit: int
    ) -> tuple[list[dict[str, Any]], int]:
        """One page of a job's items in the order they ran, and how many match in all."""
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
