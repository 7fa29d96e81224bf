"""The asset library of the editor: folders, search, upload, an asset's page, and the JSON the
entry form's asset picker reads.

Everything goes through `veneer.services.assets`, so the editor enforces the same roles and limits
as the API. Uploads are ordinary multipart forms (`upload_view`): without JavaScript the page
works as is; `assets.js` only posts the same form one file at a time to show progress, asking for
JSON (`Accept: application/json`) so it need not follow the redirect a browser form gets.
Thumbnails are the delivery's own image renditions (`?width=…&format=webp`), same-origin paths,
so the editor's CSP (`img-src 'self'`) admits them.
"""

from __future__ import annotations

import math
import string
from typing import Any

import orjson
from starlette.responses import JSONResponse, Response

from veneer.domain.listing import ListParams, parse_query
from veneer.errors import ValidationFailed
from veneer.services import assets, stacks
from veneer.web.page import HEADERS, Page, upload_view, view
from veneer.web.views import stack_crumbs

PAGE_SIZE = 30
PICKER_SIZE = 24
MAX_RESOLVED = 100  # assets one page of the entry form shows as thumbnails
MAX_SEARCH = 200
MAX_DEPTH = 50  # folders shown in the breadcrumbs at most (a loop is cut)
THUMB = "?width=160&format=webp"
RENDERED = ("image/jpeg", "image/png", "image/webp", "image/gif")  # what renditions can resize


def search_query(search: str) -> dict[str, Any] | None:
    """The `query` finding assets whose title or filename contains `search` (any case)."""
    search = search.strip()[:MAX_SEARCH]
    if not search:
        return None
    literal = "".join(f"\\{c}" if c in string.punctuation else c for c in search)
    pattern = {"$regex": literal, "$options": "i"}
    return {"$or": [{"title": pattern}, {"filename": pattern}]}


def _params(search: str, skip: int, limit: int) -> ListParams:
    query = search_query(search)
    parsed = parse_query(orjson.dumps(query).decode()) if query else None
    return ListParams(
        query=parsed, where=query, skip=skip, limit=limit, include_count=True, desc="updated_at"
    )


def thumbnail(doc: dict[str, Any]) -> str:
    """The small image of an asset ("" when it is no image a rendition can shrink)."""
    url = str(doc.get("url") or "")
    if doc.get("content_type") in RENDERED:
        return url + THUMB
    return url if str(doc.get("content_type", "")).startswith("image/") else ""


def extension(doc: dict[str, Any]) -> str:
    name = str(doc.get("filename") or "")
    return name.rsplit(".", 1)[-1][:5].upper() if "." in name else "FILE"


def _number(raw: str | None) -> int:
    return int(raw) if raw and raw.isdigit() and 0 < int(raw) < 100_000 else 1


def _library(page: Page) -> str:
    return page.href("stacks", page.path("api_key"), "assets")


def _crumbs(page: Page, stack: dict[str, Any], folder: str | None) -> list[tuple[str, str]]:
    """Stack › Assets › each folder down to `folder`."""
    chain: list[dict[str, Any]] = []
    current = folder
    while current and len(chain) < MAX_DEPTH:
        found = assets.get_folder(page.services, page.actor, stack["api_key"], current)
        chain.insert(0, found)
        current = found.get("parent_uid")
        if any(f["uid"] == current for f in chain):
            break
    library = _library(page)
    return [
        *stack_crumbs(page, stack),
        ("Assets", library),
        *(
            (str(f["name"]), page.href("stacks", stack["api_key"], "assets", folder=f["uid"]))
            for f in chain
        ),
    ]


@view
def library(page: Page) -> Response:
    api_key = page.path("api_key")
    stack = stacks.get_stack(page.services, page.actor, api_key)
    folder, search = page.param("folder"), page.param("q") or ""
    number = _number(page.param("page"))
    crumbs = _crumbs(page, stack, folder)  # first: a folder that is not there is a 404 page
    found, count = assets.list_assets(
        page.services,
        page.actor,
        api_key,
        _params(search, (number - 1) * PAGE_SIZE, PAGE_SIZE),
        folder=None if search else (folder or assets.ROOT_FOLDER),
        include_folders=not search,
    )
    return page.render(
        "assets.html",
        stack=stack,
        folder=folder or "",
        search=search,
        folders=[d for d in found if d.get("is_dir")],
        files=[d for d in found if not d.get("is_dir")],
        count=count or 0,
        number=number,
        pages=max(1, math.ceil((count or 0) / PAGE_SIZE)),
        thumbnail=thumbnail,
        extension=extension,
        crumbs=crumbs,
    )


def _wants_json(page: Page) -> bool:
    return "application/json" in page.request.headers.get("accept", "")


@upload_view
def upload(page: Page) -> Response:
    """Create one asset per posted file, in the form's folder."""
    api_key = page.path("api_key")
    files = page.uploads("files")
    if not files:
        raise ValidationFailed("Choose at least one file.", {"files": ["is required."]})
    folder = page.field("folder") or None
    made = [
        assets.create_asset(
            page.services,
            page.actor,
            api_key,
            assets.Upload(name, data),
            {"parent_uid": folder} if folder else {},
        )
        for name, data in files
    ]
    if _wants_json(page):
        body = {"assets": [{"uid": d["uid"], "title": d["title"]} for d in made]}
        return JSONResponse(body, status_code=201, headers=HEADERS)
    return page.redirect(page.href("stacks", api_key, "assets", folder=folder))


@view
def create_folder(page: Page) -> Response:
    api_key = page.path("api_key")
    parent = page.field("folder") or None
    assets.create_folder(
        page.services, page.actor, api_key, {"name": page.field("name"), "parent_uid": parent}
    )
    return page.redirect(page.href("stacks", api_key, "assets", folder=parent))


def _asset_page(page: Page, uid: str, notice: str = "") -> Response:
    api_key = page.path("api_key")
    stack = stacks.get_stack(page.services, page.actor, api_key)
    doc = assets.get_asset(page.services, page.actor, api_key, uid)
    history = assets.versions(page.services, page.actor, api_key, uid)
    used = assets.references(page.services, page.actor, api_key, uid)
    crumbs = [*_crumbs(page, stack, doc.get("parent_uid")), (str(doc.get("title") or uid), "")]
    return page.render(
        "asset.html",
        stack=stack,
        asset=doc,
        history=history,
        used=used,
        notice=notice,
        thumbnail=thumbnail,
        extension=extension,
        crumbs=crumbs[:-1],
    )


@view
def asset_page(page: Page) -> Response:
    notice = {"saved": "Saved.", "replaced": "The file was replaced: a new version."}
    return _asset_page(page, page.path("uid"), notice.get(page.param("notice") or "", ""))


@view
def save_details(page: Page) -> Response:
    api_key, uid = page.path("api_key"), page.path("uid")
    tags = [t.strip() for t in page.field("tags").split(",") if t.strip()]
    raw = {"title": page.field("title"), "description": page.field("description"), "tags": tags}
    assets.update_asset(page.services, page.actor, api_key, uid, None, raw)
    return page.redirect(page.href("stacks", api_key, "assets", uid, notice="saved"))


@upload_view
def replace_file(page: Page) -> Response:
    api_key, uid = page.path("api_key"), page.path("uid")
    files = page.uploads("file")
    if len(files) != 1:
        raise ValidationFailed("Choose one file.", {"file": ["is required: one file."]})
    name, data = files[0]
    assets.update_asset(page.services, page.actor, api_key, uid, assets.Upload(name, data), {})
    return page.redirect(page.href("stacks", api_key, "assets", uid, notice="replaced"))


@view
def delete(page: Page) -> Response:
    api_key, uid = page.path("api_key"), page.path("uid")
    if page.field("confirm") != "yes":
        raise ValidationFailed(
            "Tick the box to confirm the deletion.", {"confirm": ["is required."]}
        )
    doc = assets.get_asset(page.services, page.actor, api_key, uid)
    assets.delete_asset(page.services, page.actor, api_key, uid)
    return page.redirect(page.href("stacks", api_key, "assets", folder=doc.get("parent_uid")))


def choice(doc: dict[str, Any]) -> dict[str, str]:
    """An asset as the entry form's picker shows it."""
    return {
        "uid": doc["uid"],
        "title": str(doc.get("title") or doc.get("filename") or doc["uid"]),
        "filename": str(doc.get("filename") or ""),
        "thumb": thumbnail(doc),
        "ext": extension(doc),
    }


def resolve(page: Page, api_key: str, uids: list[str]) -> dict[str, dict[str, str]]:
    """{uid: picker view} of the assets among `uids` (at most MAX_RESOLVED), in one query."""
    wanted = sorted(set(uids))[:MAX_RESOLVED]
    if not wanted:
        return {}
    query = {"uid": {"$in": wanted}}
    lp = ListParams(query=parse_query(orjson.dumps(query).decode()), where=query, limit=len(wanted))
    found, _ = assets.list_assets(page.services, page.actor, api_key, lp)
    return {d["uid"]: choice(d) for d in found}


@view
def choices(page: Page) -> Response:
    """The picker's JSON: the assets whose uids `uids` lists (comma separated, in that order), or
    else a page of the assets matching `q`: `{"assets": [...], "count": n}`."""
    api_key = page.path("api_key")
    wanted = [u for u in (page.param("uids") or "").split(",") if u][:MAX_RESOLVED]
    if wanted:
        by_uid = resolve(page, api_key, wanted)
        shown = [by_uid[u] for u in wanted if u in by_uid]
        return JSONResponse({"assets": shown, "count": len(shown)}, headers=HEADERS)
    number = _number(page.param("page"))
    found, count = assets.list_assets(
        page.services,
        page.actor,
        api_key,
        _params(page.param("q") or "", (number - 1) * PICKER_SIZE, PICKER_SIZE),
    )
    body = {"assets": [choice(d) for d in found], "count": count or 0}
    return JSONResponse(body, headers=HEADERS)
