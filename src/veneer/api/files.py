"""Asset files at `/v3/assets/{api_key}/{asset_uid}/{version_uid}/{filename}`, the path of
Contentstack's asset host (sites rebuild it themselves), with its Image Delivery parameters.

No credentials: whoever holds a URL may fetch it, as on Contentstack. A URL names one version of
one file, so its answer never changes: a strong ETag, `Cache-Control: public, immutable` (a CDN
may keep it for a year), `Range` requests answered from the blob store without reading the
whole file. An image rendition (`?width=800&format=webp`) is computed once, in the thread pool,
at most `RENDER_SLOTS` at a time per process, and kept on disk within a byte budget
(`assets.renditions`). Files a browser could run script in (SVG, HTML) are served sandboxed
(`Content-Security-Policy: sandbox`) and as attachments; every answer says `nosniff`.

A permanent URL, `/v3/assets/{api_key}/{asset_uid}/{slug}` (set with the asset's
`permanent_url`), names the asset rather than one file: it serves the latest version, or with
`?environment=` the version published there, so its answers are revalidated (`no-cache`) and
its ETag is the file's.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from veneer.api.delivery.cache import Cached, Dep, entry_dep
from veneer.api.delivery.context import DeliveryContext
from veneer.api.responses import error_response
from veneer.assets import images, sniff
from veneer.assets.renditions import RenditionCache
from veneer.errors import NotFound, RangeNotSatisfiable, VeneerError
from veneer.services import assets
from veneer.services.context import Services

IMMUTABLE = "public, max-age=31536000, immutable"
MEMO_BYTES = 1024 * 1024  # versioned files up to this size are kept in the process cache
REVALIDATE = "public, no-cache"  # a permanent URL: the file it names changes
RENDER_SLOTS = threading.BoundedSemaphore(2)  # renditions computed at once in one process
_caches: dict[str, RenditionCache] = {}
_caches_lock = threading.Lock()


def base_url(request: Request, configured: str) -> str:
    """The origin asset URLs are given in: `configured` (the `asset_base_url` setting), else the
    request's own."""
    if configured:
        return configured
    host = request.headers.get("host") or f"{request.url.hostname}:{request.url.port}"
    return f"{request.url.scheme}://{host}"


def _renditions(services: Services) -> RenditionCache:
    root = services.settings.data_dir / "renditions"
    with _caches_lock:
        cache = _caches.get(str(root))
        if cache is None:
            cache = _caches[str(root)] = RenditionCache(
                root, services.settings.rendition_cache_bytes
            )
        return cache


@dataclass(frozen=True)
class Body:
    """What a file request answers before any Range: the bytes' source and their headers."""

    blob: str | None  # the original's blob (read in ranges), or None with `data`
    data: bytes | None
    size: int
    content_type: str
    etag: str
    vary: bool
    filename: str
    cache_control: str


async def serve_file(request: Request) -> Response:
    """A version's file, at the URL the asset's `url` gives. Its answer never changes while the
    asset exists, so a small one (a rendition, an icon) is kept in the delivery process cache,
    dropped when the asset changes (the change log names it, as for entries): a repeated request
    is answered on the event loop without touching the database."""
    delivery: DeliveryContext = request.app.state.delivery_context
    services: Services = request.app.state.services
    key = _memo_key(request)
    try:
        delivery.start()
        cached = delivery.cache.get(key) if delivery.cache.enabled else None
        if cached is not None:
            return _respond(services, request, _unpacked(cached))
        with services.store.deadline(services.settings.request_timeout):
            body = await run_in_threadpool(_memo_body, services, request)
            if body.data is not None and body.size <= MEMO_BYTES and delivery.cache.enabled:
                dep = entry_dep(request.path_params["api_key"], "", request.path_params["uid"])
                delivery.cache.put(key, _packed(body, dep))
            return await run_in_threadpool(_respond, services, request, body)
    except VeneerError as exc:
        return error_response(exc)


def _memo_key(request: Request) -> tuple[str, ...]:
    """What a versioned file's answer depends on: its path, its image parameters, and `Accept`
    when `auto` lets it choose the format."""
    query = "&".join(sorted(f"{k}={v}" for k, v in request.query_params.multi_items()))
    accept = request.headers.get("accept", "") if "auto" in request.query_params else ""
    return ("file", request.url.path, query, accept)


def _memo_body(services: Services, request: Request) -> Body:
    """The body of a versioned file, its bytes read when it is small enough to keep."""
    body = _body(services, request, _version_file)
    if body.data is None and body.size <= MEMO_BYTES:
        assert body.blob is not None
        data = services.blobs().get(body.blob)
        if data is None:
            raise _not_found()
        body = replace(body, data=data)
    return body


def _packed(body: Body, dep: Dep) -> Cached:
    assert body.data is not None
    meta = (
        (b"content-type", body.content_type.encode()),
        (b"cache-control", body.cache_control.encode()),
        (b"filename", body.filename.encode()),
        (b"vary", b"1" if body.vary else b""),
    )
    return Cached(body.data, body.etag, (dep,), meta)


def _unpacked(cached: Cached) -> Body:
    meta = {name.decode(): value.decode() for name, value in cached.headers}
    return Body(
        None,
        cached.body,
        len(cached.body),
        meta["content-type"],
        cached.etag,
        meta["vary"] == "1",
        meta["filename"],
        meta["cache-control"],
    )


async def serve_permanent(request: Request) -> Response:
    """The file an asset's permanent URL names."""
    return await _serve(request, _permanent_file)


def _version_file(services: Services, request: Request) -> tuple[assets.File, str]:
    p = request.path_params
    found = assets.open_file(services, p["api_key"], p["uid"], p["version_uid"])
    if found is None or found.filename != p["filename"]:
        raise _not_found()
    return found, IMMUTABLE


def _permanent_file(services: Services, request: Request) -> tuple[assets.File, str]:
    p = request.path_params
    environment = request.query_params.get("environment") or None
    found = assets.permanent_file(services, p["api_key"], p["uid"], p["slug"], environment)
    if found is None:
        raise _not_found()
    return found, REVALIDATE


Locate = Callable[[Services, Request], tuple[assets.File, str]]


async def _serve(request: Request, locate: Locate) -> Response:
    services: Services = request.app.state.services
    try:
        with services.store.deadline(services.settings.request_timeout):
            body = await run_in_threadpool(_body, services, request, locate)
            return await run_in_threadpool(_respond, services, request, body)
    except VeneerError as exc:
        return error_response(exc)


def _not_found() -> NotFound:
    return NotFound("The asset was not found.", {"asset": ["does not exist."]})


def _body(services: Services, request: Request, locate: Locate) -> Body:
    found, cache_control = locate(services, request)
    params = {k: v for k, v in request.query_params.items() if k != "environment"}
    transform = images.parse_transform(params, request.headers.get("accept"), found.content_type)
    if transform is None:
        etag = f'"{found.blob}"'
        return Body(
            found.blob,
            None,
            found.size,
            found.content_type,
            etag,
            False,
            found.filename,
            cache_control,
        )
    key = f"{found.blob}:{transform.key()}"

    def compute() -> bytes:
        source = services.blobs().get(found.blob)
        if source is None:
            raise _not_found()
        with RENDER_SLOTS:
            return images.render(source, transform, images.Limits()).data

    data = _renditions(services).get_or_render(key, compute)
    etag = '"' + hashlib.blake2b(key.encode(), digest_size=16).hexdigest() + '"'
    return Body(
        None, data, len(data), transform.content_type, etag, True, found.filename, cache_control
    )


def _respond(services: Services, request: Request, body: Body) -> Response:
    headers = {
        "etag": body.etag,
        "cache-control": body.cache_control,
        "accept-ranges": "bytes",
        "x-content-type-options": "nosniff",
    }
    if body.vary:
        headers["vary"] = "Accept"
    if sniff.is_active(body.content_type):
        name = quote(body.filename)
        headers["content-security-policy"] = "sandbox"
        headers["content-disposition"] = f"attachment; filename*=UTF-8''{name}"
    if _matches(request.headers.get("if-none-match"), body.etag):
        return Response(status_code=304, headers=headers)
    span = _range(request.headers.get("range"), body.size, request.headers.get("if-range"), body)
    if isinstance(span, str):  # unsatisfiable
        return error_response(
            RangeNotSatisfiable(
                errors={"range": [f"must start before byte {body.size}."]},
                headers={"accept-ranges": "bytes", "content-range": f"bytes */{body.size}"},
            )
        )
    start, length = span if span is not None else (0, body.size)
    data = _read(services, body, start, length)
    if span is not None:
        headers["content-range"] = f"bytes {start}-{start + length - 1}/{body.size}"
    return Response(
        b"" if request.method == "HEAD" else data,
        status_code=206 if span is not None else 200,
        media_type=body.content_type,
        headers={**headers, "content-length": str(len(data))},
    )


def _read(services: Services, body: Body, start: int, length: int) -> bytes:
    if body.data is not None:
        return body.data[start : start + length]
    assert body.blob is not None
    data = services.blobs().read(body.blob, start, length)
    if data is None:
        raise _not_found()
    return data


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return etag in tags or "*" in tags


def _range(
    header: str | None, size: int, if_range: str | None, body: Body
) -> tuple[int, int] | str | None:
    """(start, length) of a single-range `Range: bytes=…` request, "unsatisfiable", or None
    (the whole file: no Range, an If-Range that no longer matches, several ranges, or a header
    that is not a byte range, which RFC 9110 says to ignore)."""
    if not header or (if_range is not None and if_range.strip() != body.etag):
        return None
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, dash, last = spec.strip().partition("-")
    if not dash or not (first.isdecimal() or last.isdecimal()) or (last and not last.isdecimal()):
        return None
    if not first.isdecimal():  # a suffix: the last N bytes
        suffix = int(last)
        if suffix == 0:
            return "unsatisfiable"
        return max(0, size - suffix), min(suffix, size)
    start = int(first)
    if start >= size:
        return "unsatisfiable"
    end = min(int(last), size - 1) if last else size - 1
    if end < start:
        return None
    return start, end - start + 1
