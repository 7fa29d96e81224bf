"""What every editor view receives (`Page`), and the wrappers that turn views into endpoints.

Views are plain synchronous functions of a `Page`: they call services (blocking database work),
so `view()` runs them in the thread pool after the async parts (reading the form, checking the
session and the CSRF token) are done.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Router
from starlette.types import Receive, Scope, Send

from veneer import __version__
from veneer.api.call import PUBLIC_BODY_BYTES, read_body
from veneer.api.responses import as_error
from veneer.errors import (
    BadRequest,
    Forbidden,
    NotFoundObject,
    PreconditionFailed,
    Unauthorized,
)
from veneer.services import ratelimit, users
from veneer.services.context import Actor, Services
from veneer.web import session

MAX_UPLOAD_FILES = 20  # files one upload form of the asset library may hold
MAX_FORM_FIELDS = 20_000  # a long entry (many group instances) posts many inputs
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}

templates = Environment(
    loader=PackageLoader("veneer.web", "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass
class Page:
    services: Services
    request: Request
    form: FormData | None = None
    who: Actor | None = None
    session_token: str = ""  # the editor session (never an API authtoken)

    @property
    def actor(self) -> Actor:
        """The logged-in user (views wrapped by `view()` always have one)."""
        if self.who is None:
            raise Unauthorized()
        return self.who

    @property
    def signed_in(self) -> bool:
        return self.who is not None

    @property
    def base(self) -> str:
        return session.base_path(self.request)

    def href(self, *parts: str, **query: Any) -> str:
        path = "/".join(quote(str(p), safe="") for p in parts)
        params = {k: v for k, v in query.items() if v not in (None, "")}
        return f"{self.base}/{path}" + ("?" + urlencode(params, doseq=True) if params else "")

    def static(self, name: str) -> str:
        return f"{self.base}/static/{name}?v={__version__}"

    def param(self, name: str) -> str | None:
        value = self.request.query_params.get(name)
        return value or None

    def path(self, name: str) -> str:
        return str(self.request.path_params[name])

    def field(self, name: str) -> str:
        value = self.form.get(name) if self.form is not None else None
        return value if isinstance(value, str) else ""

    def fields(self, name: str) -> list[str]:
        return [
            v
            for v in (self.form.getlist(name) if self.form is not None else [])
            if isinstance(v, str) and v
        ]

    def uploads(self, name: str) -> list[tuple[str, bytes]]:
        """(filename, bytes) of each file posted as `name` (an empty file input posts none)."""
        found = []
        for v in self.form.getlist(name) if self.form is not None else []:
            if isinstance(v, UploadFile) and v.filename:
                v.file.seek(0)
                found.append((v.filename, v.file.read()))
        return found

    @property
    def csrf(self) -> str:
        return session.csrf_token(self.session_token) if self.session_token else ""

    @property
    def user(self) -> dict[str, Any]:
        return (self.who.user or {}) if self.who else {}

    def render(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = templates.get_template(template).render(page=self, **context)
        return HTMLResponse(html, status_code=status, headers=HEADERS)

    def redirect(self, url: str) -> Response:
        return RedirectResponse(url, status_code=303, headers=HEADERS)


View = Callable[[Page], Response]


async def _read_form(
    request: Request, services: Services, cap: int | None = None, files: int = 0
) -> FormData:
    """The posted form, read under the body cap (413) and refused (400) when it holds a NUL
    character, which no field may contain and PostgreSQL would reject. `files`: how many file
    parts it may hold (the asset library's upload forms); their bytes share one cap, the upload
    cap plus the ordinary body cap."""
    settings = services.settings
    if files and cap is None:
        cap = settings.max_upload_bytes + settings.max_body_bytes
    request._body = await read_body(  # form() re-reads it
        request, cap or settings.max_body_bytes, settings.body_timeout
    )
    form = await request.form(max_files=files, max_fields=MAX_FORM_FIELDS)
    if any(
        "\x00" in key or (isinstance(value, str) and "\x00" in value)
        for key, value in form.multi_items()
    ):
        raise BadRequest(
            "The form contains a NUL character.", {"body": ["must not contain NUL characters."]}
        )
    return form


def error_page(page: Page, exc: BaseException) -> Response:
    """The editor's page for a failure, from the API's answer to it (`as_error`: status, message,
    field errors, headers). Only a stack or object the URL names and that cannot be found is a
    404 here, as browsers expect of a URL (the API answers 412 or 422)."""
    error = as_error(exc)
    status, message = error.status, error.message
    if isinstance(error, (PreconditionFailed, NotFoundObject)):
        status = 404
    if isinstance(error, PreconditionFailed):  # the API key is part of the editor's URL
        message = "This stack does not exist, or you do not have access to it."
    response = page.render("error.html", status=status, message=message, errors=error.errors)
    response.headers.update(error.headers)
    return response


def to_login(request: Request) -> Response:
    base = session.base_path(request)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    response = RedirectResponse(
        f"{base}/login?" + urlencode({"next": target}), status_code=303, headers=HEADERS
    )
    session.clear_cookie(response, request, session.COOKIE)
    return response


async def _answer(page: Page, steps: Callable[[], Awaitable[Response]]) -> Response:
    """Run a view's steps under the request's deadline (`Store.deadline`); errors become the
    editor's HTML pages (the API answers JSON instead)."""
    services = page.services
    try:
        with services.store.deadline(services.settings.request_timeout):
            return await steps()
    except Unauthorized:
        return to_login(page.request)
    except Exception as exc:  # noqa: BLE001 -- an HTML page; as_error logs what is unexpected
        return error_page(page, exc)


def view(handler: View) -> Callable[[Request], Awaitable[Response]]:
    """A view for a logged-in user; POSTs must carry the session's CSRF token."""
    return _signed_in(handler, 0)


def upload_view(handler: View) -> Callable[[Request], Awaitable[Response]]:
    """A view like `view()` whose POST is a multipart form with up to MAX_UPLOAD_FILES files."""
    return _signed_in(handler, MAX_UPLOAD_FILES)


def _signed_in(handler: View, files: int) -> Callable[[Request], Awaitable[Response]]:

    async def run(request: Request) -> Response:
        services: Services = request.app.state.services
        session_token = request.cookies.get(session.COOKIE) or ""
        if not session_token:
            return to_login(request)
        page = Page(services, request, session_token=session_token)

        async def steps() -> Response:
            page.who = await run_in_threadpool(
                partial(users.authenticate, editor=True), services, session_token
            )
            # The editor is a management client too: it counts against the organization's limit.
            await run_in_threadpool(
                ratelimit.limit_management, services, page.who, request.path_params.get("api_key")
            )
            if request.method == "POST":
                page.form = await _read_form(request, services, files=files)
                if not session.csrf_ok(session_token, page.form.get("csrf")):
                    raise Forbidden(
                        "The form expired or did not come from this site. Reload the page and retry."
                    )
            return await run_in_threadpool(handler, page)

        return await _answer(page, steps)

    run.__name__ = handler.__name__
    run.__doc__ = handler.__doc__
    return run


def public(handler: View) -> Callable[[Request], Awaitable[Response]]:
    """A view without a session (the login page); it checks its own CSRF token."""

    async def run(request: Request) -> Response:
        services: Services = request.app.state.services
        page = Page(services, request)

        async def steps() -> Response:
            if request.method == "POST":  # from anyone: a login form is small
                page.form = await _read_form(request, services, PUBLIC_BODY_BYTES)
            return await run_in_threadpool(handler, page)

        return await _answer(page, steps)

    run.__name__ = handler.__name__
    return run


class HtmlErrors:
    """The editor's router, answering a URL it has no route for with an HTML page, as a browser
    shows it (the API answers JSON): 404, or 405 when the URL is a route for another method
    (a reload of a form's target). The page reveals nothing, so it needs no session. `routes` is
    the router's, so the URL map stays readable through the mount (the OpenAPI test walks it)."""

    def __init__(self, router: Router) -> None:
        self.router = router
        self.routes = router.routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.router(scope, receive, send)
        except HTTPException as exc:  # raised by the router before any response started
            if scope["type"] != "http" or exc.status_code not in (404, 405):
                raise
            request = Request(scope, receive)
            page = Page(request.app.state.services, request)
            message = (
                "This address only takes a form the editor sends; it is not a page to open."
                if exc.status_code == 405
                else "There is no page at this address."
            )
            response = page.render("error.html", status=exc.status_code, message=message, errors={})
            response.headers.update(exc.headers or {})  # a 405 says what is Allowed
            await response(scope, receive, send)
