"""The editor's login session: an authtoken in a cookie, and the CSRF token derived from it.

The cookie holds the same `authtoken` that `POST /v3/user-session` hands out (a session row in the
database), so logging out anywhere ends it everywhere and several server processes share sessions
without shared memory. It is HTTP-only, SameSite=Lax, scoped to the editor's path, and `Secure`
when the request came over https.

CSRF: every POST form carries ``csrf`` = HMAC-SHA256(authtoken, "veneer-csrf"). Only a holder of
the authtoken (which scripts cannot read) can compute it, and every process computes the same
value, so no server-side secret or state is needed. The login form, which has no session yet,
uses the double-submit pattern: a random value in a short-lived cookie and in the form.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from starlette.requests import Request
from starlette.responses import Response

COOKIE = "veneer_session"
LOGIN_COOKIE = "veneer_login_csrf"
_CONTEXT = b"veneer-csrf-v1"


def csrf_token(authtoken: str) -> str:
    return hmac.new(authtoken.encode(), _CONTEXT, hashlib.sha256).hexdigest()


def csrf_ok(authtoken: str, posted: object) -> bool:
    # compare_digest takes only ASCII str: compare bytes, so a hostile non-ASCII token is just wrong.
    return isinstance(posted, str) and hmac.compare_digest(
        csrf_token(authtoken).encode(), posted.encode()
    )


def login_csrf_ok(request: Request, posted: object) -> bool:
    cookie = request.cookies.get(LOGIN_COOKIE)
    return (
        bool(cookie)
        and isinstance(posted, str)
        and hmac.compare_digest((cookie or "").encode(), posted.encode())
    )


def new_login_csrf() -> str:
    return secrets.token_urlsafe(24)


def base_path(request: Request) -> str:
    """Where the editor is mounted (e.g. "/app"): every link and the cookie path derive from it."""
    return str(request.scope.get("root_path", "")).rstrip("/")


def set_cookie(
    response: Response, request: Request, name: str, value: str, max_age: int | None
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=base_path(request) + "/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def clear_cookie(response: Response, request: Request, name: str) -> None:
    response.delete_cookie(
        name,
        path=base_path(request) + "/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def safe_next(request: Request, target: str | None) -> str:
    """Where to go after login: only a path inside the editor, never another site."""
    base = base_path(request)
    if (
        target
        and target.startswith(base + "/")
        and not target.startswith("//")
        and "\\" not in target
    ):
        return target
    return base + "/"
