"""The editor's login session: a session token in a cookie, and the CSRF token derived from it.

The cookie holds an editor session (`users.editor_login`): a session row in the database, so
several server processes share it without shared memory, but stored under another hash than an
API authtoken's, so the cookie is no API credential (and an authtoken opens no editor), and it
lives `VENEER_EDITOR_SESSION_HOURS`, not an authtoken's 14 days. It is HTTP-only, SameSite=Lax,
scoped to the editor's path, and `Secure` when the request came over https: directly, or through
a proxy listed in `VENEER_TRUSTED_PROXIES` that says so in `X-Forwarded-Proto`.

CSRF: every POST form carries ``csrf`` = HMAC-SHA256(session token, "veneer-csrf"). Only a holder
of the token (which scripts cannot read) can compute it, and every process computes the same
value, so no server-side secret or state is needed. The login form, which has no session yet,
uses the double-submit pattern: a random value in a short-lived cookie and in the form.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from starlette.requests import Request
from starlette.responses import Response

from veneer import clients
from veneer.services.context import Services

COOKIE = "veneer_session"
LOGIN_COOKIE = "veneer_login_csrf"
_CONTEXT = b"veneer-csrf-v1"


def csrf_token(session_token: str) -> str:
    return hmac.new(session_token.encode(), _CONTEXT, hashlib.sha256).hexdigest()


def csrf_ok(session_token: str, posted: object) -> bool:
    # compare_digest takes only ASCII str: compare bytes, so a hostile non-ASCII token is just wrong.
    return isinstance(posted, str) and hmac.compare_digest(
        csrf_token(session_token).encode(), posted.encode()
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


def is_https(request: Request) -> bool:
    """Whether the browser reached us over https: the request's own scheme, or the first
    `X-Forwarded-Proto` of a trusted proxy (anyone else's header is ignored)."""
    if request.url.scheme == "https":
        return True
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return forwarded == "https" and _trusted(request)


def _trusted(request: Request) -> bool:
    services: Services = request.app.state.services
    host = request.client.host if request.client else ""
    return clients.trusted(host, services.settings.proxy_networks)


def address(request: Request) -> str:
    """The client's address, through trusted proxies (`veneer.clients`)."""
    services: Services = request.app.state.services
    return clients.client_address(request, services.settings.proxy_networks)


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
        secure=is_https(request),
    )


def clear_cookie(response: Response, request: Request, name: str) -> None:
    response.delete_cookie(
        name,
        path=base_path(request) + "/",
        httponly=True,
        samesite="lax",
        secure=is_https(request),
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
