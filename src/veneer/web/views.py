"""Login, logout, and the way down to an entry: stacks → content types → entries."""

from __future__ import annotations

import string
from typing import Any

import orjson
from starlette.responses import Response

from veneer.domain.listing import ListParams, parse_query
from veneer.errors import VeneerError
from veneer.services import content_types, stacks, users
from veneer.web import session
from veneer.web.page import Page, public, view

MAX_SEARCH = 200


@public
def login_form(page: Page) -> Response:
    target = session.safe_next(page.request, page.param("next"))
    token = page.request.cookies.get(session.COOKIE)
    if token:
        try:
            users.authenticate(page.services, token, editor=True)
            return page.redirect(target)
        except VeneerError:
            pass
    return _login_page(page, target, "", None)


def _login_page(
    page: Page, target: str, email: str, error: str | None, status: int = 200
) -> Response:
    token = session.new_login_csrf()
    response = page.render(
        "login.html",
        status=status,
        target=target,
        email=email,
        error=error,
        login_csrf=token,
        reset_done=page.param("reset") == "done",
    )
    session.set_cookie(response, page.request, session.LOGIN_COOKIE, token, max_age=3600)
    return response


@public
def login(page: Page) -> Response:
    target = session.safe_next(page.request, page.field("next"))
    email = page.field("email").strip()
    if not session.login_csrf_ok(page.request, page.field("csrf")):
        return _login_page(page, target, email, "The login form expired. Please try again.", 403)
    try:
        token = users.editor_login(
            page.services, email, page.field("password"), session.address(page.request)
        )
    except VeneerError as exc:  # failed logins count against the same limits as the API's
        response = _login_page(page, target, email, exc.message, exc.status)
        response.headers.update(exc.headers)
        return response
    response = page.redirect(target)
    session.set_cookie(
        response,
        page.request,
        session.COOKIE,
        token,
        max_age=page.services.settings.editor_session_hours * 3600,
    )
    session.clear_cookie(response, page.request, session.LOGIN_COOKIE)
    return response


@view
def logout(page: Page) -> Response:
    users.logout(page.services, page.session_token, editor=True)
    response = page.redirect(page.href("login"))
    session.clear_cookie(response, page.request, session.COOKIE)
    return response


@view
def stack_list(page: Page) -> Response:
    return page.render(
        "stacks.html", stacks=stacks.list_stacks(page.services, page.actor), crumbs=[]
    )


def stack_crumbs(page: Page, stack: dict[str, Any]) -> list[tuple[str, str]]:
    return [("Stacks", page.href("")), (stack["name"], page.href("stacks", stack["api_key"], ""))]


@view
def content_type_list(page: Page) -> Response:
    api_key = page.path("api_key")
    stack = stacks.get_stack(page.services, page.actor, api_key)
    types = content_types.list_content_types(page.services, page.actor, api_key)
    return page.render(
        "content_types.html", stack=stack, content_types=types, crumbs=stack_crumbs(page, stack)
    )


def title_query(search: str) -> dict[str, Any] | None:
    """The `query` that finds entries whose title contains `search` (literally, any case). Only
    ASCII punctuation is escaped, which keeps the pattern in the subset every database runs
    (docs/queries.md)."""
    search = search.strip()[:MAX_SEARCH]
    literal = "".join(f"\\{c}" if c in string.punctuation else c for c in search)
    return {"title": {"$regex": literal, "$options": "i"}} if search else None


def titled(search: str, **params: Any) -> ListParams:
    """List parameters that find the entries whose title contains `search` (all when empty)."""
    query = title_query(search)
    parsed = parse_query(orjson.dumps(query).decode()) if query else None
    return ListParams(query=parsed, where=query, **params)


def page_number(raw: str | None) -> int:
    return int(raw) if raw and raw.isdigit() and 0 < int(raw) < 100_000 else 1
