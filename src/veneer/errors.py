"""The one error hierarchy of Veneer.

Every failure a client can cause is one of these classes; `veneer.api.responses.as_error` maps
any exception onto them (anything else becomes a logged `VeneerError`), and the API renders the
result as Contentstack's body
``{"error_message": str, "error_code": int, "errors": {field: [msg, ...]}}``, the editor as an
HTML page with the same status, message and field errors.
Nothing here imports HTTP code: domain and services raise these, the interfaces render them.
The tree below is pinned by tests/test_error_shape.py (class, HTTP status, error_code):

    VeneerError                 500  500  an unexpected failure (logged; never a client mistake)
    ├── BadRequest              400  400  malformed JSON, wrong body shape
    ├── Unauthorized            401  105  missing or bad credentials
    ├── Forbidden               403  162  valid credentials without the right
    ├── NotFound                404  404  unknown route (resources use NotFoundObject)
    ├── MethodNotAllowed        405  405  a known route without this method
    ├── BodyTimeout             408  408  a request body not received in time
    ├── PreconditionFailed      412  109  missing or unknown api_key
    ├── PayloadTooLarge         413  413  a request body over the cap
    ├── RangeNotSatisfiable     416  416  a byte range beyond an asset's file
    ├── ValidationFailed        422  119  per-field errors
    │   ├── NotFoundObject      422  141  "The requested object doesn't exist."
    │   └── Conflict            422  119  a uniqueness rule was broken
    ├── StaleVersion            409  409  the caller's version is not the stored one
    ├── TooManyRequests         429  429  carries retry_after seconds
    ├── ResponseTooLarge        422  413  a delivery response over the cap
    ├── Unavailable             503  503  the database is unreachable or read-only (Retry-After)
    └── RequestTimeout          504  504  a request over the time limit
"""

from __future__ import annotations

from typing import Any

Errors = dict[str, list[str]]


class VeneerError(Exception):
    status: int = 500
    error_code: int = 500
    default_message: str = "Something went wrong on our side. The error was logged; please retry."

    def __init__(
        self,
        message: str | None = None,
        errors: Errors | None = None,
        *,
        error_code: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.errors: Errors = errors or {}
        if error_code is not None:
            self.error_code = error_code
        self.headers = headers or {}
        super().__init__(self.message)

    def body(self) -> dict[str, Any]:
        return {"error_message": self.message, "error_code": self.error_code, "errors": self.errors}


class BadRequest(VeneerError):
    status = 400
    error_code = 400
    default_message = "The request body is not valid JSON."


class Unauthorized(VeneerError):
    status = 401
    error_code = 105
    default_message = "You're not allowed in here unless you're logged in."


class Forbidden(VeneerError):
    status = 403
    error_code = 162
    default_message = "You don't have the permission to perform this action."


class NotFound(VeneerError):
    status = 404
    error_code = 404
    default_message = "The requested URL was not found."


class MethodNotAllowed(VeneerError):
    status = 405
    error_code = 405
    default_message = "This method is not allowed on this path."


class BodyTimeout(VeneerError):
    """The client did not send the whole request body within `body_timeout`."""

    status = 408
    error_code = 408
    default_message = "The request body was not received in time."


class PreconditionFailed(VeneerError):
    status = 412
    error_code = 109
    default_message = "The entered API key is invalid"


class PayloadTooLarge(VeneerError):
    status = 413
    error_code = 413
    default_message = "The request body is too large."


class RangeNotSatisfiable(VeneerError):
    """A `Range` that starts past the end of a file (sent with `Content-Range: bytes */size`)."""

    status = 416
    error_code = 416
    default_message = "The requested range is beyond the end of the file."


class ValidationFailed(VeneerError):
    status = 422
    error_code = 119
    default_message = "The request could not be processed. Please enter valid data."


class NotFoundObject(ValidationFailed):
    error_code = 141
    default_message = "The requested object doesn't exist."


class Conflict(ValidationFailed):
    """A uniqueness rule was broken (Contentstack answers these with 422 too)."""

    error_code = 119


class StaleVersion(VeneerError):
    """The caller saw an older version than the one stored (`If-Match`, the editor's saves)."""

    status = 409
    error_code = 409
    default_message = (
        "This object was changed since you read it. Reload it and apply your change again."
    )


class TooManyRequests(VeneerError):
    status = 429
    error_code = 429
    default_message = "Too many requests. Please retry later."

    def __init__(self, retry_after: int, message: str | None = None) -> None:
        super().__init__(message, headers={"Retry-After": str(max(1, retry_after))})
        self.retry_after = retry_after


class ResponseTooLarge(VeneerError):
    status = 422
    error_code = 413
    default_message = "The response is too large. Narrow the request with limit, only or except."


class Unavailable(VeneerError):
    """The database cannot be reached, or refuses writes (a read-only file or server): the client
    should retry after `RETRY_AFTER` seconds; the server recovers by itself once it is back."""

    status = 503
    error_code = 503
    default_message = "The database is unavailable right now. Please retry shortly."
    RETRY_AFTER = 5

    def __init__(self, message: str | None = None, errors: Errors | None = None) -> None:
        super().__init__(message, errors, headers={"Retry-After": str(self.RETRY_AFTER)})


class RequestTimeout(VeneerError):
    status = 504
    error_code = 504
    default_message = "The request took too long and was cut off."
