"""`create_app(settings)`: the ASGI application. Wiring only."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from veneer.api.delivery.context import DeliveryContext
from veneer.api.delivery.fast import DeliveryFront
from veneer.api.responses import error_response
from veneer.api.routes import routes
from veneer.api.system import worker_samples_of
from veneer.errors import BadRequest, Unavailable, VeneerError
from veneer.logs import AccessLog
from veneer.metrics import METRICS, remove_snapshot, write_snapshot
from veneer.observe import Observe
from veneer.passwords import Passwords
from veneer.services import publishing, webhook_sender
from veneer.services.context import Services
from veneer.settings import Settings
from veneer.store import open_store
from veneer.store.migrate import upgrade

log = logging.getLogger("veneer")


async def _error(request: Request, exc: Exception) -> Response:
    return error_response(exc)


class RequestGuard:
    """Before routing: drop the empty leading pair of `?&query=…` (the JS management SDK sends it),
    and refuse NUL characters in the path or query, which no uid contains and PostgreSQL rejects."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            query = scope.get("query_string", b"")
            if "\x00" in scope.get("path", "") or b"%00" in query or b"\x00" in query:
                response = error_response(
                    BadRequest(
                        "The request URL contains a NUL character.",
                        {"url": ["must not contain NUL characters."]},
                    )
                )
                await response(scope, receive, send)
                return
            if query.startswith(b"&"):
                scope = {**scope, "query_string": query.lstrip(b"&")}
        await self.app(scope, receive, send)


async def _scheduler(services: Services, stopping: asyncio.Event) -> None:
    """Runs scheduled publishes; the queue lives in the database, so it survives restarts. Once
    `stopping` is set it starts no new pass; a pass under way (in a thread) runs to its end."""
    while not stopping.is_set():
        outcome = "ok"
        try:
            ran = await asyncio.to_thread(publishing.run_due_jobs, services)
            METRICS.count("veneer_scheduled_jobs_run_total", by=ran)
        except Unavailable:  # the database is away; the store logged it, in one line
            outcome = "unavailable"
        except VeneerError as exc:
            outcome = "skipped"
            log.warning("scheduler pass skipped: %s", exc.message)
        except Exception:  # keep the loop alive; the failure is logged and the job stays queued
            outcome = "failed"
            log.exception("scheduler pass failed")
        METRICS.count("veneer_scheduler_runs_total", (("outcome", outcome),))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), services.settings.scheduler_interval)


async def _housekeeping(app: Starlette, settings: Settings, access: AccessLog | None) -> None:
    """Each second: leave this worker's metrics where the worker answering a scrape reads them,
    and write out the request lines buffered since."""
    while True:
        await asyncio.sleep(1.0)
        if access is not None:
            access.flush()
        try:
            write_snapshot(settings.metrics_path, worker_samples_of(app))
        except OSError as exc:
            log.warning("metrics not written: %s", exc)


def create_app(
    settings: Settings | None = None,
    *,
    migrate: bool = True,
    services: Services | None = None,
    access: AccessLog | None = None,
) -> Any:
    """The application; `access` receives a line per request (the server's entry point, asgi.py,
    gives one when VENEER_LOG_REQUESTS is on)."""
    settings = settings or Settings.from_env()
    if services is None:
        store = open_store(settings.database_url)
        if migrate:
            upgrade(store)
        services = Services(store, settings, Passwords(concurrency=settings.password_hashes))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        stopping = asyncio.Event()
        scheduler = webhooks = None
        if settings.role == "all":
            scheduler = asyncio.create_task(_scheduler(services, stopping))
            if settings.webhook_senders > 0:
                webhooks = asyncio.create_task(webhook_sender.run(services))
        housekeeping = asyncio.create_task(_housekeeping(app, settings, access))
        yield
        # The server has stopped taking requests and finished those in flight: let a scheduled
        # job that is running finish too (Granian kills the worker after `shutdown_timeout`).
        # A webhook send under way is cut off: its delivery stays claimed and is sent again
        # once its lease has passed (services/webhook_sender.py).
        stopping.set()
        housekeeping.cancel()
        if webhooks:
            webhooks.cancel()
        if scheduler:
            await scheduler
        remove_snapshot(settings.metrics_path)
        if access is not None:
            access.close()
        delivery.close()

    app = Starlette(
        routes=routes(settings.role),
        lifespan=lifespan,
        exception_handlers={
            HTTPException: _error,
            VeneerError: _error,
            Exception: _error,
        },
    )
    app.state.services = services
    app.state.delivery_context = delivery = DeliveryContext.open(services)
    app.state.delivery = delivery.cache
    return Observe(RequestGuard(DeliveryFront(app, delivery)), access)
