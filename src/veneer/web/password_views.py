"""Setting a new password with a reset link (`/app/reset-password?token=…`). Veneer sends no
email: the person who runs it prints a link with `veneer reset-password EMAIL` (or finds the one
`POST /v3/user/forgot_password` logged) and hands it over."""

from __future__ import annotations

from starlette.responses import Response

from veneer.errors import VeneerError
from veneer.services import users
from veneer.web import session
from veneer.web.page import Page, public


def _form(page: Page, token: str, error: str = "", status: int = 200) -> Response:
    csrf = session.new_login_csrf()
    response = page.render(
        "reset_password.html", status=status, token=token, error=error, login_csrf=csrf
    )
    session.set_cookie(response, page.request, session.LOGIN_COOKIE, csrf, max_age=3600)
    return response


@public
def reset_form(page: Page) -> Response:
    return _form(page, page.param("token") or "")


@public
def reset(page: Page) -> Response:
    token = page.field("token")
    if not session.login_csrf_ok(page.request, page.field("csrf")):
        return _form(page, token, "The form expired. Please try again.", 403)
    try:
        give_back = users.limit_resets(page.services, session.address(page.request))
        users.reset_password(
            page.services, token, page.field("password"), page.field("password_confirmation")
        )
        give_back()
    except VeneerError as exc:
        problems = [m for messages in exc.errors.values() for m in messages]
        detail = f" ({'; '.join(problems)})" if problems else ""
        response = _form(page, token, exc.message + detail, exc.status)
        response.headers.update(exc.headers)
        return response
    response = page.redirect(page.href("login", reset="done"))
    session.clear_cookie(response, page.request, session.LOGIN_COOKIE)
    return response
