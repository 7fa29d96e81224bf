"""Jobs: scheduled publishes and unpublishes, run by whichever worker's scheduler sees them due."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update

import veneer.store.tables as t
from veneer.store.core import Rows, dumps, loads


class Jobs(Rows):
    def add(
        self,
        uid: str,
        stack: str,
        kind: str,
        payload: dict[str, Any],
        *,
        run_at: str,
        created_by: str,
        created_at: str,
        subject: str = "",
    ) -> None:
        """Queue a job (publish or unpublish) of a stack to run at `run_at`; `subject` is the
        entry (or asset) it publishes."""
        self._insert(
            t.jobs,
            uid=uid,
            stack=stack,
            subject=subject,
            kind=kind,
            payload=dumps(payload),
            run_at=run_at,
            status="queued",
            result="{}",
            created_by=created_by,
            created_at=created_at,
        )

    def queued(self) -> int:
        """The scheduled queue's depth, counted over the due-jobs index (the jobs that ran are
        never walked)."""
        query = select(func.count()).select_from(t.jobs).where(t.jobs.c.status == "queued")
        return int(self._conn.execute(query).scalar() or 0)

    def due(self, now: str) -> list[str]:
        """The uids of the queued jobs whose time has come, earliest first."""
        j = t.jobs
        query = select(j.c.uid).where(j.c.status == "queued", j.c.run_at <= now)
        return list(self._conn.execute(query.order_by(j.c.run_at)).scalars())

    def claim(self, uid: str) -> dict[str, Any] | None:
        """Lock a job and return its row (payload as a dict) while it is still queued; None once
        another worker has run it."""
        self._sql.lock(self._conn, t.jobs, {"uid": uid})
        row = self._row(t.jobs, uid=uid)
        if row is None or row["status"] != "queued":
            return None
        return {**row, "payload": loads(row["payload"])}

    def finish(self, uid: str, status: str, result: dict[str, Any]) -> None:
        """Record how a job ended: done, or failed with the error in `result`."""
        self._update(t.jobs, {"uid": uid}, status=status, result=dumps(result))

    def cancel_created_by(self, org_uid: str, user_uid: str, reason: str) -> int:
        """Cancel every queued job a user scheduled in the stacks of an organization; how many."""
        j, s = t.jobs, t.stacks
        in_org = select(s.c.api_key).where(s.c.org_uid == org_uid)
        result = self._conn.execute(
            update(j)
            .where(j.c.created_by == user_uid, j.c.status == "queued", j.c.stack.in_(in_org))
            .values(status="cancelled", result=dumps({"error": reason}))
        )
        return int(result.rowcount)

    def run_now(self, stack: str, uids: list[str], now: str) -> None:
        """Make some queued jobs of a stack due now (a bulk publish hands over what it left)."""
        j = t.jobs
        self._conn.execute(
            update(j)
            .where(j.c.stack == stack, j.c.uid.in_(uids), j.c.status == "queued")
            .values(run_at=now)
        )

    def pending(self, stack: str) -> int:
        """How many jobs of a stack are still queued."""
        j = t.jobs
        query = (
            select(func.count()).select_from(j).where(j.c.stack == stack, j.c.status == "queued")
        )
        return int(self._conn.execute(query).scalar_one())

    def queued_for(self, stack: str, subject: str) -> list[dict[str, Any]]:
        """The queued jobs of one entry (or asset), earliest first (payload as a dict): read by
        the `ix_jobs_subject` key, never a walk of the stack's jobs."""
        j = t.jobs
        query = (
            select(j)
            .where(j.c.stack == stack, j.c.subject == subject, j.c.status == "queued")
            .order_by(j.c.run_at, j.c.uid)
        )
        return [{**row, "payload": loads(row["payload"])} for row in self._rows(query)]

    def cancel(self, stack: str, uid: str, reason: str) -> bool:
        """Cancel one queued job of a stack; False when there is no such job still queued."""
        j = t.jobs
        result = self._conn.execute(
            update(j)
            .where(j.c.uid == uid, j.c.stack == stack, j.c.status == "queued")
            .values(status="cancelled", result=dumps({"error": reason}))
        )
        return bool(result.rowcount)

    def cancel_for(self, stack: str, subject: str, reason: str) -> int:
        """Cancel every queued job of one entry (or asset); how many."""
        j = t.jobs
        result = self._conn.execute(
            update(j)
            .where(j.c.stack == stack, j.c.subject == subject, j.c.status == "queued")
            .values(status="cancelled", result=dumps({"error": reason}))
        )
        return int(result.rowcount)
