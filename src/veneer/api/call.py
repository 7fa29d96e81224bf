"""A request as the handlers see it: parameters, a size-capped JSON body, and credentials.

Handlers are written as plain functions of a `Call`; `endpoint()` turns them into Starlette
endpoints that run them in the thread pool (they do blocking database work) under the request's
deadline (`Store.deadline`: the database cuts off what runs past it), and render errors.

A body costs nothing until its sender is known: `endpoint()` authenticates the caller before it
reads a byte (only `public` endpoints, the login, read first, and at most `PUBLIC_BODY_BYTES`).
The body must arrive within `body_timeout` (408), its structure is bounded by counting before
parsing (`max_json_items`, 413), and a large one is parsed in the thread pool, off the event loop.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from veneer import clients
from veneer.api.responses import error_response, json_response
from veneer.errors import BadRequest, BodyTimeout, PayloadTooLarge, Unauthorized, VeneerError
from veneer.services import ratelimit, tokens, users
from veneer.services.context import Actor, Services
from veneer.settings import Settings

Handler = Callable[["Call"], Any]
PUBLIC_BODY_BYTES = 64 * 1024  # what an anonymous caller may send (a login is a few hundred bytes)
INLINE_PARSE_BYTES = 64 * 1024  # smaller bodies parse in microseconds: no thread hop
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
log = logging.getLogger("veneer")


def json_depth(value: Any, limit: int) -> bool:
    """True when `value` nests no deeper than `limit` (iterative: no recursion on hostile input)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return False
        children = (
            item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        )
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return True


def has_nul(raw: bytes, value: Any) -> bool:
    """True when a key or string anywhere in `value` (parsed from `raw`) holds U+0000. JSON can only
    carry it escaped, so bodies without `\\u0000` are not walked. No uid or name contains one, and
    PostgreSQL can neither store nor compare it."""
    if b"\\u0000" not in raw:
        return False
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str) and "\x00" in item:
            return True
        if isinstance(item, dict):
            stack.extend([*item, *item.values()])
        elif isinstance(item, list):
            stack.extend(item)
    return False


async def read_body(request: Request, cap: int, timeout: float) -> bytes:
    """The whole body, at most `cap` bytes (413), received within `timeout` seconds (408). A client
    that disconnects (or sends a malformed chunk, which the server reports the same way) gets a
    400, and the log one line."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > cap:
        raise PayloadTooLarge(errors={"body": [f"must be at most {cap} bytes."]})
    chunks, size = [], 0
    try:
        async with asyncio.timeout(timeout):
            async for chunk in request.stream():
                size += len(chunk)
                if size > cap:
                    raise PayloadTooLarge(errors={"body": [f"must be at most {cap} bytes."]})
                chunks.append(chunk)
    except TimeoutError:
        _log_cut(request, f"not received within {timeout:g}s", size)
        raise BodyTimeout(errors={"body": [f"must arrive within {timeout:g} seconds."]}) from None
    except ClientDisconnect:
        _log_cut(request, "cut off by the client", size)
        raise BadRequest(
            "The request body ended before it was complete.",
            {"body": ["was cut off: the client disconnected or sent a malformed chunk."]},
        ) from None
    return b"".join(chunks)


def _log_cut(request: Request, what: str, size: int) -> None:
    client = request.client.host if request.client else "?"
    log.warning(
        "request body %s: %s %s from %s after %d bytes",
        what,
        request.method,
        request.url.path,
        client,
        size,
    )


def check_media_type(request: Request, raw: bytes) -> None:
    """A body must be JSON; a missing Content-Type is tolerated (some clients omit it), and so is
    a bare `multipart/form-data` (no boundary) on a body that is JSON: the Python management
    SDK's `imports()` leaves that header on its client, so every later request it sends says so."""
    header = request.headers.get("content-type", "")
    media = header.split(";")[0].strip().lower()
    if media == "multipart/form-data" and not _boundary_of(header) and raw.lstrip()[:1] in b"{[":
        return
    if raw.strip() and media and media != "application/json" and not media.endswith("+json"):
        raise BadRequest(
            f"The request body must be JSON, not {media}.",
            {"content-type": ["must be application/json."]},
        )


def check_items(raw: bytes, limit: int) -> None:
    """Refuse a body that may hold more than `limit` arrays, objects and members before parsing
    it: the parser holds the interpreter while it builds them (a 10 MB body of empty arrays takes
    seconds). The count is of `[`, `{` and `:` characters, so it can only overcount (inside
    strings), never miss one."""
    items = raw.count(b"[") + raw.count(b"{") + raw.count(b":")
    if items > limit:
        raise PayloadTooLarge(
            f"The request body holds too many arrays, objects or members (over {limit}).",
            {"body": [f"must hold at most {limit} arrays, objects and members."]},
        )


def parse_json(
    raw: bytes, depth_limit: int, lists: bool = False, items_limit: int | None = None
) -> dict[str, Any]:
    """The body as an object. With `lists`, a JSON array (or the reference page's bare
    `{…}, {…}` sequence of objects) arrives as `{"__list__": [...]}`."""
    if not raw.strip():
        return {}
    if items_limit is not None:
        check_items(raw, items_limit)
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        body = _object_sequence(raw) if lists else None
        if body is None:
            raise BadRequest("The request body is not valid JSON.", {"body": [str(exc)]}) from None
    if lists and isinstance(body, list):
        body = {"__list__": body}
    if not isinstance(body, dict):
        raise BadRequest(
            "The request body must be a JSON object.", {"body": ["must be an object."]}
        )
    if not json_depth(body, depth_limit):
        raise BadRequest(
            f"The request body nests deeper than {depth_limit} levels.",
            {"body": [f"must nest at most {depth_limit} levels."]},
        )
    if has_nul(raw, body):
        raise BadRequest(
            "The request body contains a NUL character (\\u0000).",
            {"body": ["must not contain NUL characters."]},
        )
    return body


def _object_sequence(raw: bytes) -> list[Any] | None:
    try:
        items = orjson.loads(b"[" + raw + b"]")
    except orjson.JSONDecodeError:
        return None
    return items if all(isinstance(item, dict) for item in items) else None


@dataclass(frozen=True)
class Form:
    """A multipart form: its text fields (a repeated one joined with commas), and its one file as
    (form field, file name, bytes), if any."""

    fields: dict[str, str]
    file: tuple[str, str, bytes] | None


FORM_FIELD_BYTES = 64 * 1024  # a form's text field (a title, tags) is never longer


def is_form(request: Request) -> bool:
    return request.headers.get("content-type", "").lower().startswith("multipart/form-data")


def _boundary_of(content_type: str) -> str:
    """The `boundary` parameter of a Content-Type header ("" without one)."""
    for part in content_type.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.strip().lower() == "boundary":
            return value.strip().strip('"')
    return ""


BOUNDARY_LINE = (
    200  # bytes read to find the first line of a multipart body sent without its boundary
)


async def _sniff_boundary(
    headers: Headers, stream: AsyncGenerator[bytes, None]
) -> tuple[Headers, AsyncGenerator[bytes, None]]:
    """A multipart body whose Content-Type names no boundary (the Python management SDK's
    `imports()` sends a bare `multipart/form-data`, and `requests` then keeps it) is read by its
    first line, `--<boundary>`, as the boundary: the headers with it, and the whole stream."""
    head = b""
    async for chunk in stream:
        head += chunk
        if b"\r\n" in head or len(head) > BOUNDARY_LINE:
            break
    line = head.split(b"\r\n", 1)[0]
    boundary = line[2:].decode("latin-1").strip() if line.startswith(b"--") else ""
    if not boundary or len(boundary) > 70 or not boundary.isprintable():
        raise BadRequest(
            "The request body is not valid multipart form data.",
            {"content-type": ["must name the body's boundary (multipart/form-data; boundary=…)."]},
        )
    fixed = MutableHeaders(raw=list(headers.raw))
    fixed["content-type"] = f"multipart/form-data; boundary={boundary}"

    async def whole() -> AsyncGenerator[bytes, None]:
        yield head
        async for chunk in stream:
            yield chunk

    return Headers(raw=fixed.raw), whole()


@dataclass(frozen=True)
class Uploads:
    """What a multipart endpoint takes: its file's form field (as a 413 names it) and the setting
    that caps the file's size. Assets and imports take files up to `max_upload_bytes`; an
    extension's HTML becomes part of its document, so no larger than a JSON body."""

    field: str = "asset[upload]"
    limit: str = "max_upload_bytes"

    def max_bytes(self, settings: Settings) -> int:
        return int(getattr(settings, self.limit))

    def too_large(self, settings: Settings) -> PayloadTooLarge:
        return PayloadTooLarge(
            errors={self.field: [f"must be at most {self.max_bytes(settings)} bytes."]}
        )


ASSET_UPLOADS = Uploads()


async def read_form(request: Request, settings: Settings, uploads: Uploads = ASSET_UPLOADS) -> Form:
    """A multipart upload: at most one file within the `uploads` limit (413), a few short text
    fields, all received within `upload_timeout` seconds (408). Parsed as it arrives: files
    spool to disk past 1 MiB (Starlette's parser), so an upload never sits in memory twice."""
    limit = uploads.max_bytes(settings)
    cap = limit + FORM_FIELD_BYTES
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > cap:
        raise uploads.too_large(settings)

    async def capped() -> AsyncGenerator[bytes, None]:
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > cap:
                raise uploads.too_large(settings)
            yield chunk

    try:
        async with asyncio.timeout(settings.upload_timeout):
            headers: Headers = request.headers
            stream = capped()
            if not _boundary_of(headers.get("content-type", "")):
                headers, stream = await _sniff_boundary(headers, stream)
            parser = MultiPartParser(
                headers, stream, max_files=1, max_fields=50, max_part_size=FORM_FIELD_BYTES
            )
            data = await parser.parse()
            fields: dict[str, str] = {}
            file = None
            for name, value in data.multi_items():
                if isinstance(value, str):
                    fields[name] = f"{fields[name]},{value}" if name in fields else value
                else:
                    file = (name, value.filename or "file", await value.read())
                    await value.close()
    except TimeoutError:
        _log_cut(request, f"not received within {settings.upload_timeout:g}s", 0)
        raise BodyTimeout(
            errors={"body": [f"must arrive within {settings.upload_timeout:g} seconds."]}
        ) from None
    except ClientDisconnect:
        raise BadRequest(
            "The request body ended before it was complete.",
            {"body": ["was cut off: the client disconnected or sent a malformed chunk."]},
        ) from None
    except MultiPartException as exc:
        raise BadRequest(
            "The request body is not valid multipart form data.", {"body": [exc.message]}
        ) from None
    if file is not None and len(file[2]) > limit:
        raise uploads.too_large(settings)
    _refuse_nul(fields)
    return Form(fields, file)


def _refuse_nul(fields: dict[str, str]) -> None:
    """A form's text fields follow a JSON body's rule (`has_nul`): no U+0000 anywhere."""
    bad = [name for name, value in fields.items() if "\x00" in name or "\x00" in value]
    if bad:
        raise BadRequest(
            "The request body contains a NUL character (\\u0000).",
            {
                ("body" if "\x00" in name else name): ["must not contain NUL characters."]
                for name in bad
            },
        )


def live_preview_hash(request: Request) -> str:
    """The live preview hash a request carries (header or parameter), "" without one; `init`
    (the SDKs' value before a preview starts) is none."""
    found = request.headers.get("live_preview") or request.query_params.get("live_preview") or ""
    return "" if found == "init" else found


def is_preview(request: Request) -> bool:
    """A live preview read: a GET with a `preview_token` header and a live preview hash. It is
    answered with the latest saved content (the management read, as the preview token's
    read-only actor) instead of the published."""
    return (
        request.method in ("GET", "HEAD")
        and bool(request.headers.get("preview_token"))
        and bool(live_preview_hash(request))
    )


@dataclass
class Call:
    services: Services
    request: Request
    body: dict[str, Any]
    _actor: Actor | None = None
    form: Form | None = None

    @property
    def params(self) -> Any:
        return self.request.query_params

    def path(self, name: str) -> str:
        return str(self.request.path_params[name])

    def header(self, name: str) -> str | None:
        return self.request.headers.get(name)

    @property
    def api_key(self) -> str | None:
        return self.header("api_key") or self.params.get("api_key")

    @property
    def address(self) -> str:
        """The client's address, through trusted proxies (`veneer.clients`)."""
        networks = self.request.app.state.services.settings.proxy_networks
        return clients.client_address(self.request, networks)

    def actor(self) -> Actor:
        """The management caller (an authtoken's user or a management token), counted against the
        management rate limit of the organization it works in."""
        if self._actor is None:
            self._actor = self._authenticate()
            ratelimit.limit_management(self.services, self._actor, self.api_key)
        return self._actor

    @property
    def is_preview(self) -> bool:
        """A live preview read (docs/preview.md): a `preview_token` and a live preview hash."""
        return is_preview(self.request)

    def _authenticate(self) -> Actor:
        if self.is_preview:
            return tokens.authenticate_preview(
                self.services, self.header("preview_token") or "", self.api_key
            )
        authtoken = self.header("authtoken")
        if authtoken:
            return users.authenticate(self.services, authtoken)
        authorization = self.header("authorization")
        if authorization:
            secret = authorization.removeprefix("Bearer ").strip()
            return tokens.authenticate(self.services, secret, "management")
        if self.header("access_token") or self.params.get("access_token"):
            return tokens.authenticate(
                self.services,
                self.header("access_token") or self.params["access_token"],
                "delivery",
            )
        raise Unauthorized(errors={"authtoken": ["is required."]})

    def section(self, key: str) -> dict[str, Any]:
        """The body's `key` object, or the body itself when the client sent it unwrapped."""
        inner = self.body.get(key)
        return inner if isinstance(inner, dict) else self.body


async def read_json(
    request: Request, settings: Settings, *, lists: bool = False, public: bool = False
) -> dict[str, Any]:
    """The request's JSON body as an object (`{}` without one), within every limit."""
    if request.method not in BODY_METHODS:
        return {}
    cap = min(settings.max_body_bytes, PUBLIC_BODY_BYTES) if public else settings.max_body_bytes
    raw = await read_body(request, cap, settings.body_timeout)
    check_media_type(request, raw)
    args = (raw, settings.max_json_depth, lists, settings.max_json_items)
    if len(raw) <= INLINE_PARSE_BYTES:
        return parse_json(*args)
    return await run_in_threadpool(parse_json, *args)


def endpoint(
    handler: Handler,
    *,
    lists: bool = False,
    public: bool = False,
    uploads: bool | Uploads = False,
) -> Callable[[Request], Awaitable[Response]]:
    """A Starlette endpoint around `handler`. Unless `public`, the caller is authenticated (and
    counted against the rate limit) before the body is read. With `uploads` (True: an asset's
    limits), a multipart body arrives as `call.form` (a JSON body still as `call.body`)."""
    form_rule = ASSET_UPLOADS if uploads is True else uploads or None

    async def run(request: Request) -> Response:
        services: Services = request.app.state.services
        try:
            with services.store.deadline(services.settings.request_timeout):
                call = Call(services, request, {})
                if not public:
                    await run_in_threadpool(call.actor)
                if form_rule is not None and is_form(request):
                    call.form = await read_form(request, services.settings, form_rule)
                else:
                    call.body = await read_json(
                        request, services.settings, lists=lists, public=public
                    )
                result = await run_in_threadpool(handler, call)
        except VeneerError as exc:
            return error_response(exc)
        return result if isinstance(result, Response) else json_response(result)

    run.__name__ = handler.__name__
    run.__module__ = handler.__module__  # its route family in /-/metrics (observe.py)
    run.__doc__ = handler.__doc__
    return run


def collection(key: str, page: list[Any], count: int | None) -> dict[str, Any]:
    """Every list's body, as Contentstack shapes it: the page under `key`, and `count` (all the
    items, not the page's) when the caller asked for it with `include_count`."""
    return {key: page} if count is None else {key: page, "count": count}


def imported_file(call: Call, field: str, *aliases: str) -> dict[str, Any]:
    """The JSON document an import call uploads as the form's file `field` (or one of `aliases`,
    names an SDK sends instead; a JSON body is taken as the document too), parsed within the
    JSON body limits."""
    missing = BadRequest(
        f"Upload the file to import as the multipart form field '{field}'.",
        {field: ["is required: a JSON file sent as multipart/form-data."]},
    )
    if call.form is None:
        if call.body:
            return call.body
        raise missing
    if call.form.file is None or call.form.file[0] not in (field, *aliases):
        raise missing
    settings = call.services.settings
    try:
        return parse_json(
            call.form.file[2], settings.max_json_depth, False, settings.max_json_items
        )
    except BadRequest as exc:
        raise BadRequest(
            f"The file '{field}' is not a JSON object.", {field: list(exc.errors.get("body", []))}
        ) from None


def created(payload: dict[str, Any]) -> Response:
    return json_response(payload, status=201)
