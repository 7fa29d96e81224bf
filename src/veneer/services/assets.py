"""Assets and asset folders (docs/assets.md): uploads, versions, folders, publishing, and the
files themselves.

An upload's bytes go to the blob store (`veneer.assets.blobs`, content-addressed) before the
transaction that records the asset; the stored `content_type` is sniffed from the bytes, never
taken from the client; the filename is sanitized. Every write of an asset makes a new `_version`
(as Contentstack's does); each version row names the blob of its file and the URL segment of
that file (`version_uid`, new whenever the file changes), so a URL a site built stays valid for
as long as the asset exists. Deleting an asset deletes the blobs nothing else holds.

Documents keep `url` as a path (`/v3/assets/{api_key}/{uid}/{version_uid}/{filename}`); the API
makes it absolute (`present`) with the `asset_base_url` setting, or the request's own origin.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from veneer import ids
from veneer.assets import images, sniff
from veneer.domain import assets as domain_assets
from veneer.domain.fieldindex import MAX_PATH
from veneer.domain.listing import ListParams
from veneer.errors import NotFoundObject, PayloadTooLarge, ValidationFailed
from veneer.services import access
from veneer.services.context import Actor, Services
from veneer.services.documents import Target, moment, publish_targets, schedule
from veneer.store import Transaction
from veneer.store.assets import FileVersion
from veneer.store.sqllist import Listing

FOLDER_TYPE = "application/vnd.contenstack.folder"  # sic: Contentstack's own spelling
MODULE = "asset"
MAX_TITLE = 500
MAX_TAGS = 100
UID = re.compile(r"[a-z0-9_]{1,64}")  # a uid kept from another stack (`veneer import`)
# `GET /v3/assets/images` and `/v3/assets/videos`: the MIME type prefix each one lists.
ASSET_TYPES = {"images": "image/", "videos": "video/"}
ROOT_FOLDER = "cs_root"  # `folder=cs_root`: what is at the top, in no folder
VERSION_NAME = "_version_name"  # a version's name, kept in that version's document
PUBLISHED = "Asset sent for publishing."
UNPUBLISHED = "Asset sent for unpublishing."


@dataclass(frozen=True)
class Upload:
    """An uploaded file: its name as the client gave it, and its bytes."""

    filename: str
    data: bytes


@dataclass(frozen=True)
class Details:
    """What a create or update may set besides the file (None: not sent)."""

    title: str | None = None
    description: str | None = None
    tags: list[str] | None = None
    parent_uid: str | None = None
    parent_sent: bool = False  # `parent_uid` was sent, possibly as null (move to the root)
    permanent_url: str | None = None


# -- reading the request ---------------------------------------------------------------------


def details_of(raw: dict[str, Any]) -> Details:
    """The asset fields of a JSON body's `asset` object, or of a form's `asset[...]` fields."""
    problems: dict[str, list[str]] = {}
    title = _text(raw, "title", problems, MAX_TITLE)
    description = _text(raw, "description", problems, 10_000)
    permanent_url = _text(raw, "permanent_url", problems, 2_000)
    tags = _tags(raw.get("tags"), problems) if "tags" in raw else None
    parent = raw.get("parent_uid")
    if parent in ("", "null"):
        parent = None
    if parent is not None and not isinstance(parent, str):
        problems["parent_uid"] = ["must be the uid of a folder."]
    if problems:
        raise ValidationFailed("Asset creation failed. Please enter valid data.", problems)
    return Details(title, description, tags, parent, "parent_uid" in raw, permanent_url)


def _text(raw: dict[str, Any], key: str, problems: dict[str, list[str]], limit: int) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        problems[key] = [f"must be text of at most {limit} characters."]
        return None
    return value


def _tags(raw: Any, problems: dict[str, list[str]]) -> list[str]:
    """Tags as a list of strings, or a comma-separated string (what a form can carry)."""
    if isinstance(raw, str):
        raw = [tag.strip() for tag in raw.split(",")]
    if not isinstance(raw, list) or not all(isinstance(tag, str) for tag in raw):
        problems["tags"] = ["must be a list of strings."]
        return []
    tags = list(dict.fromkeys(tag for tag in raw if tag))
    if len(tags) > MAX_TAGS or any(len(tag) > 100 for tag in tags):
        problems["tags"] = [f"must be at most {MAX_TAGS} tags of at most 100 characters."]
    return tags


# -- documents -------------------------------------------------------------------------------


def file_path(api_key: str, uid: str, version_uid: str, filename: str) -> str:
    """The path a file is served at, shaped like Contentstack's image host's."""
    return f"/v3/assets/{api_key}/{uid}/{version_uid}/{quote(filename)}"


def present(
    doc: dict[str, Any], base: str, *, relative: bool = False, dimension: bool = False
) -> dict[str, Any]:
    """An asset document as the API answers it: `url` absolute (`base` + path) unless `relative`,
    `dimension` only when asked for."""
    shown = {k: v for k, v in doc.items() if dimension or k != "dimension"}
    for key in ("url", "permanent_url"):
        url = shown.get(key)
        if isinstance(url, str) and url.startswith("/") and not relative:
            shown[key] = base.rstrip("/") + url
    return shown


def permanent_path(api_key: str, uid: str, sent: str, previous: str | None) -> str:
    """The path of a permanent URL sent for an asset: `…/v3/assets/{api_key}/{uid}/{slug}` on any
    host (Veneer serves it on its own, `asset_base_url` included). Contentstack lets it be set
    once: sending another is refused, sending the same again is not a change."""
    prefix = f"/v3/assets/{api_key}/{uid}/"
    path = urlsplit(sent).path
    slug = unquote(path.removeprefix(prefix))
    if not path.startswith(prefix) or not slug or "/" in slug or len(slug) > 200:
        raise ValidationFailed(
            "The permanent URL is not valid.",
            {"asset.permanent_url": [f"must be a URL ending in {prefix}{{slug}}."]},
        )
    shaped = prefix + quote(slug)
    if previous is not None and previous != shaped:
        raise ValidationFailed(
            "The permanent URL of an asset can be set only once.",
            {"asset.permanent_url": [f"is already {previous}."]},
        )
    return shaped


def _check_folder(tx: Transaction, stack: str, uid: object, field: str) -> None:
    if uid is None:
        return
    if not isinstance(uid, str):
        raise ValidationFailed("The folder does not exist.", {field: ["must be a folder's uid."]})
    folder = tx.assets.get(stack, uid)
    if folder is None or not folder.get("is_dir"):
        raise ValidationFailed(
            "The folder does not exist.", {field: [f"'{uid}' is not a folder of this stack."]}
        )


def _stored_file(services: Services, upload: Upload) -> tuple[str, dict[str, Any]]:
    """Put an upload's bytes in the blob store: (blob key, the file's fields of the document)."""
    cap = services.settings.max_upload_bytes
    if len(upload.data) > cap:
        raise PayloadTooLarge(errors={"asset[upload]": [f"must be at most {cap} bytes."]})
    filename = sniff.safe_filename(upload.filename)
    content_type = sniff.sniff(upload.data, filename)
    fields: dict[str, Any] = {
        "content_type": content_type,
        "file_size": str(len(upload.data)),
        "filename": filename,
    }
    if content_type.startswith("image/"):
        size = images.dimension(upload.data)
        if size is not None:
            fields["dimension"] = {"height": size[0], "width": size[1]}
    return services.blobs().put(upload.data), fields


# -- assets ----------------------------------------------------------------------------------


def create_asset(
    services: Services,
    actor: Actor,
    api_key: str | None,
    upload: Upload | None,
    details: Details | dict[str, Any],
    *,
    keep: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """`details`: parsed, or the raw fields (`details_of`), parsed once the caller may write.
    `keep`: the (uid, version uid) of an asset moved from another stack (`veneer import`)."""
    with services.store.read() as tx:
        access.stack_row(tx, actor, api_key, MODULE, write=True)
    details = details if isinstance(details, Details) else details_of(details)
    if upload is None:
        raise ValidationFailed(
            "Asset creation failed. Please enter valid data.",
            {"asset[upload]": ["is required: send the file as multipart form data."]},
        )
    blob, file = _stored_file(services, upload)
    now = ids.now()
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, MODULE, write=True)
        _check_folder(tx, stack["api_key"], details.parent_uid, "asset[parent_uid]")
        uid, version_uid = keep or (ids.blt(), ids.blt())
        if keep is not None:
            _check_new_uid(tx, stack["api_key"], uid, "Asset")
        doc = {
            "uid": uid,
            "created_at": now,
            "updated_at": now,
            "created_by": actor.uid,
            "updated_by": actor.uid,
            **file,
            "tags": details.tags or [],
            "url": file_path(stack["api_key"], uid, version_uid, file["filename"]),
            "ACL": {},
            "is_dir": False,
            "parent_uid": details.parent_uid,
            "_version": 1,
            "title": details.title or file["filename"],
            "description": details.description or "",
        }
        tx.assets.save(stack["api_key"], doc, FileVersion(1, version_uid, blob, doc), new=True)
    _keep(services, blob, upload)
    return doc


def _keep(services: Services, blob: str, upload: Upload) -> None:
    """After the version holding `blob` committed: put the bytes again if a concurrent delete of
    the last other holder removed them between our put and our commit."""
    store = services.blobs()
    if not store.exists(blob):
        store.put(upload.data)


def update_asset(
    services: Services,
    actor: Actor,
    api_key: str | None,
    uid: str,
    upload: Upload | None,
    details: Details | dict[str, Any],
    revert_to: Any = None,
) -> dict[str, Any]:
    """A new `_version`: new details, and a new file when one is uploaded. `details` as for
    `create_asset`. With `revert_to` (a version number as sent: Contentstack's "update asset
    revision"), the new version starts from that version: its file, URL and details, then the
    details sent."""
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, MODULE, write=True)
        _asset(tx, stack["api_key"], uid)
    details = details if isinstance(details, Details) else details_of(details)
    revert = version_number(revert_to, "version")
    stored = _stored_file(services, upload) if upload is not None else None
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, MODULE, write=True)
        previous = _asset(tx, stack["api_key"], uid)
        if details.parent_sent:
            _check_folder(tx, stack["api_key"], details.parent_uid, "asset[parent_uid]")
        version = previous["_version"] + 1
        history = tx.assets.versions(stack["api_key"], uid)
        current = history[0] if revert is None else _version_of(history, revert)
        base = previous if revert is None else {**current.doc, "parent_uid": previous["parent_uid"]}
        doc = {**base, "updated_at": ids.now(), "updated_by": actor.uid, "_version": version}
        doc.pop("publish_details", None)
        doc.pop(VERSION_NAME, None)  # a name is the named version's own
        if "permanent_url" in previous:  # it names the asset, whatever version is the latest
            doc["permanent_url"] = previous["permanent_url"]
        if details.permanent_url is not None:
            doc["permanent_url"] = permanent_path(
                stack["api_key"], uid, details.permanent_url, previous.get("permanent_url")
            )
        for key in ("title", "description", "tags"):
            if getattr(details, key) is not None:
                doc[key] = getattr(details, key)
        if details.parent_sent:
            doc["parent_uid"] = details.parent_uid
        blob, version_uid = current.blob, current.version_uid
        if stored is not None:
            blob, file = stored
            version_uid = ids.blt()
            doc.pop("dimension", None)
            doc.update(file, url=file_path(stack["api_key"], uid, version_uid, file["filename"]))
        tx.assets.save(
            stack["api_key"], doc, FileVersion(version, version_uid, blob, doc), new=False
        )
    if upload is not None:
        _keep(services, blob, upload)
    return doc


def version_number(raw: Any, where: str) -> int | None:
    """A version number sent as `where` (a number or its digits), or None when not sent."""
    if raw in (None, ""):
        return None
    if isinstance(raw, bool) or not str(raw).isdecimal():
        raise ValidationFailed(
            f"The '{where}' parameter must be a version number.", {where: ["is not valid."]}
        )
    return int(raw)


def _version_of(history: Sequence[FileVersion], version: int) -> FileVersion:
    found = next((f for f in history if f.version == version), None)
    if found is None:
        raise NotFoundObject(
            "The asset version was not found.", {"version": [f"{version} does not exist."]}
        )
    return found


def _asset(tx: Transaction, stack: str, uid: str, *, folder: bool = False) -> dict[str, Any]:
    doc = tx.assets.get(stack, uid)
    if doc is None or bool(doc.get("is_dir")) != folder:
        what = "folder" if folder else "asset"
        raise NotFoundObject(
            f"The {what} was not found.", {"uid": [f"'{uid}' is not an {what} of this stack."]}
        )
    return doc


def get_asset(
    services: Services, actor: Actor, api_key: str | None, uid: str, version: int | None = None
) -> dict[str, Any]:
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, MODULE)
        doc = _asset(tx, stack["api_key"], uid)
        if version is not None:
            doc = _version_of(tx.assets.versions(stack["api_key"], uid), version).doc
        return {**doc, "publish_details": tx.assets.details(stack["api_key"], uid)}


def list_assets(
    services: Services,
    actor: Actor,
    api_key: str | None,
    lp: ListParams,
    *,
    folder: str | None = None,
    include_folders: bool = False,
    asset_type: str | None = None,
    publish_details: bool = False,
) -> tuple[list[dict[str, Any]], int | None]:
    """A page of the stack's assets (with folders when asked), in a folder when one is named
    (ROOT_FOLDER: at the top),
    only the images or videos with `asset_type` (a key of ASSET_TYPES); `query` and the sort
    run in the database as entry lists do. `publish_details`: each asset (not folder) of the
    page says where it is published, as a single asset does."""
    clauses: list[dict[str, Any]] = [lp.where] if lp.where else []
    if asset_type is not None:
        clauses.append({"content_type": {"$regex": "^" + ASSET_TYPES[asset_type]}})
    if folder is not None:
        clauses.append({"parent_uid": None if folder == ROOT_FOLDER else folder})
    if not include_folders and not _names(lp.where, "is_dir"):
        # A query about `is_dir` decides for itself (`csdx cm:stacks:export` lists the folders
        # with `query={"is_dir": true}`).
        clauses.append({"is_dir": False})
    query = {"$and": clauses} if len(clauses) > 1 else clauses[0] if clauses else None
    listing = Listing(query, lp.asc, lp.desc, lp.skip, lp.limit, lp.include_count)
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, MODULE)
        if folder not in (None, ROOT_FOLDER):
            _check_folder(tx, stack["api_key"], folder, "folder")
        page, count = tx.assets.page(stack["api_key"], listing)
        if publish_details:
            files = [doc["uid"] for doc in page if not doc.get("is_dir")]
            details = tx.assets.details_of(stack["api_key"], files)
            page = [
                doc if doc.get("is_dir") else {**doc, "publish_details": details[doc["uid"]]}
                for doc in page
            ]
        return page, count


def _names(where: Any, key: str) -> bool:
    """Whether a query object has a condition on `key`, at any depth of `$and`/`$or`."""
    if isinstance(where, dict):
        return any(name == key or _names(value, key) for name, value in where.items())
    if isinstance(where, list):
        return any(_names(item, key) for item in where)
    return False


def versions(
    services: Services, actor: Actor, api_key: str | None, uid: str, *, named: bool = False
) -> list[dict[str, Any]]:
    """`{_version, updated_at, updated_by}` of each version, newest first, with `_version_name`
    when the version has a name; only the named ones with `named`."""
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, MODULE)
        _asset(tx, stack["api_key"], uid)
        found = []
        for f in tx.assets.versions(stack["api_key"], uid):
            shown = {
                "_version": f.version,
                "updated_at": f.doc["updated_at"],
                "updated_by": f.doc["updated_by"],
            }
            if VERSION_NAME in f.doc:
                shown[VERSION_NAME] = f.doc[VERSION_NAME]
            if VERSION_NAME in shown or not named:
                found.append(shown)
        return found


def name_version(
    services: Services,
    actor: Actor,
    api_key: str | None,
    uid: str,
    version: str,
    body: dict[str, Any] | None,
) -> None:
    """Name a version (its number as the path gives it) of an asset (`{"upload":
    {"_version_name": "..."}}`), or with no body take its name away. The name is `{title,
    updated_by, updated_at}`, as Contentstack shows it."""
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, MODULE, write=True)
        number = version_number(version, "version_number")
        title = None if body is None else _version_title(body)
        _asset(tx, stack["api_key"], uid)
        found = _version_of(tx.assets.versions(stack["api_key"], uid), number or 0)
        doc = {k: v for k, v in found.doc.items() if k != VERSION_NAME}
        if title is not None:
            doc[VERSION_NAME] = {"title": title, "updated_by": actor.uid, "updated_at": ids.now()}
        tx.assets.rewrite_version(stack["api_key"], uid, found.version, doc)


def _version_title(body: dict[str, Any]) -> str:
    upload = body.get("upload")
    title = upload.get(VERSION_NAME) if isinstance(upload, dict) else None
    if not isinstance(title, str) or not title.strip() or len(title) > 100:
        raise ValidationFailed(
            "The version name is not valid.",
            {f"upload.{VERSION_NAME}": ["is required: 1 to 100 characters."]},
        )
    return title.strip()


def rte_assets(services: Services, actor: Actor, api_key: str | None) -> list[dict[str, Any]]:
    """The assets uploaded through a Rich Text Editor field: none, since Veneer's RTE fields take
    assets of the library and nothing is uploaded through them (after the access check)."""
    with services.store.read() as tx:
        access.stack_row(tx, actor, api_key, MODULE)
    return []


def references(
    services: Services, actor: Actor, api_key: str | None, uid: str
) -> list[dict[str, Any]]:
    """The entries (latest versions, per locale) whose file fields or JSON RTE hold the asset,
    in Contentstack's shape: `{entry_uid, content_type_uid, locale, _version, title,
    content_type_title}`. Read by the field-value index at the paths where each content type
    can hold an asset (`domain.assets.asset_paths`): keyed lookups, never a walk of the stack."""
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, MODULE)
        key = stack["api_key"]
        _asset(tx, key, uid)
        types = {ct["uid"]: ct for ct in tx.content_types.all(key)}
        keys = [
            (ct_uid, path)
            for ct_uid, ct in types.items()
            for path in domain_assets.asset_paths(ct.get("schema") or [], MAX_PATH)
        ]
        codes = [code["code"] for code in tx.locales.all(key)]
        found = []
        for ct_uid, entry_uid, locale in tx.entries.referrers(key, keys, uid, codes):
            ct = types[ct_uid]
            entry = tx.entries.latest(key, ct_uid, entry_uid, locale)
            if entry is None:
                continue
            if uid in domain_assets.asset_uids(ct.get("schema") or [], entry):
                found.append(
                    {
                        "entry_uid": entry_uid,
                        "content_type_uid": ct_uid,
                        "locale": locale,
                        "_version": entry.get("_version"),
                        "title": entry.get("title"),
                        "content_type_title": ct.get("title"),
                    }
                )
        return found


def delete_asset(services: Services, actor: Actor, api_key: str | None, uid: str) -> None:
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, MODULE, write=True)
        _asset(tx, stack["api_key"], uid)
        blobs = tx.assets.delete(stack["api_key"], uid, actor.uid)
    release_blobs(services, blobs)


def release_blobs(services: Services, blobs: Iterable[str]) -> None:
    """Delete the blobs no asset version holds any more (after the deleting transaction)."""
    with services.store.read() as tx:
        unheld = [blob for blob in blobs if not tx.assets.held(blob)]
    store = services.blobs()
    for blob in unheld:
        store.delete(blob)


# -- folders ---------------------------------------------------------------------------------


def _check_new_uid(tx: Transaction, stack: str, uid: str, what: str) -> None:
    """A uid kept from another stack is a uid and not one of this stack's assets or folders."""
    if not UID.fullmatch(uid):
        raise ValidationFailed(
            f"{what} creation failed. Please enter valid data.", {"uid": ["is not valid."]}
        )
    if tx.assets.get(stack, uid) is not None:
        raise ValidationFailed(
            f"{what} creation failed. Please enter valid data.", {"uid": ["is not unique."]}
        )


def create_folder(
    services: Services,
    actor: Actor,
    api_key: str | None,
    body: dict[str, Any],
    *,
    uid: str | None = None,
) -> dict[str, Any]:
    """`uid`: the uid of a folder moved from another stack (`veneer import`)."""
    parent = body.get("parent_uid") or None
    now = ids.now()
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, MODULE, write=True)
        name = _folder_name(body)
        if parent is not None and not isinstance(parent, str):
            raise ValidationFailed(
                "Folder creation failed. Please enter valid data.",
                {"parent_uid": ["must be the uid of a folder."]},
            )
        _check_folder(tx, stack["api_key"], parent, "parent_uid")
        if uid is not None:
            _check_new_uid(tx, stack["api_key"], uid, "Folder")
        doc = {
            "uid": uid or ids.blt(),
            "created_at": now,
            "updated_at": now,
            "created_by": actor.uid,
            "updated_by": actor.uid,
            "content_type": FOLDER_TYPE,
            "tags": [],
            "name": name,
            "ACL": {},
            "is_dir": True,
            "parent_uid": parent,
            "_version": 1,
        }
        tx.assets.save(stack["api_key"], doc, None, new=True)
    return doc


def _folder_name(body: dict[str, Any]) -> str:
    name = body.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 255:
        raise ValidationFailed(
            "Folder creation failed. Please enter valid data.",
            {"name": ["is required: 1 to 255 characters."]},
        )
    return name.strip()


def get_folder(services: Services, actor: Actor, api_key: str | None, uid: str) -> dict[str, Any]:
    with services.store.read() as tx:
        stack = access.stack_row(tx, actor, api_key, MODULE)
        return _asset(tx, stack["api_key"], uid, folder=True)


def update_folder(
    services: Services, actor: Actor, api_key: str | None, uid: str, body: dict[str, Any]
) -> dict[str, Any]:
    """Rename a folder (`name`) or move it (`parent_uid`; never into itself or a subfolder)."""
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, MODULE, write=True)
        doc = _asset(tx, stack["api_key"], uid, folder=True)
        if "name" in body:
            doc["name"] = _folder_name(body)
        if "parent_uid" in body:
            parent = body["parent_uid"] or None
            _check_folder(tx, stack["api_key"], parent, "parent_uid")
            if parent is not None and uid in _ancestry(tx, stack["api_key"], parent):
                raise ValidationFailed(
                    "Folder update failed. Please enter valid data.",
                    {"parent_uid": ["would put the folder inside itself."]},
                )
            doc["parent_uid"] = parent
        doc.update(updated_at=ids.now(), updated_by=actor.uid, _version=doc["_version"] + 1)
        tx.assets.save(stack["api_key"], doc, None, new=False)
    return doc


def _ancestry(tx: Transaction, stack: str, uid: str) -> list[str]:
    """`uid` and the folders above it, up to the root (a loop is cut)."""
    chain: list[str] = []
    current: str | None = uid
    while current is not None and current not in chain:
        chain.append(current)
        folder = tx.assets.get(stack, current)
        current = folder.get("parent_uid") if folder else None
    return chain


def delete_folder(services: Services, actor: Actor, api_key: str | None, uid: str) -> None:
    """Delete a folder with everything inside it, subfolders included, in one transaction."""
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, MODULE, write=True)
        _asset(tx, stack["api_key"], uid, folder=True)
        blobs: list[str] = []
        pending = [uid]
        while pending:
            current = pending.pop()
            for child in tx.assets.children(stack["api_key"], current):
                if child.get("is_dir"):
                    pending.append(child["uid"])
                else:
                    blobs.extend(tx.assets.delete(stack["api_key"], child["uid"], actor.uid))
            tx.assets.delete(stack["api_key"], current, actor.uid)
    release_blobs(services, blobs)


# -- publishing ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublishAsset:
    environments: tuple[str, ...]
    locales: tuple[str, ...]
    version: int | None
    scheduled_at: str | None


def parse_publish(body: dict[str, Any]) -> PublishAsset:
    """`{"asset": {"environments": [...], "locales": [...]}, "version": n, "scheduled_at": t}`."""
    asset = body.get("asset")
    if not isinstance(asset, dict):
        raise ValidationFailed(
            "The request body must hold an 'asset' object.", {"asset": ["is required."]}
        )
    envs, codes = asset.get("environments"), asset.get("locales")
    problems: dict[str, list[str]] = {}
    if not isinstance(envs, list) or not envs or not all(isinstance(e, str) for e in envs):
        problems["asset.environments"] = ["must be a non-empty list of environment names or uids."]
    if codes is not None and (
        not isinstance(codes, list) or not all(isinstance(c, str) for c in codes)
    ):
        problems["asset.locales"] = ["must be a list of locale codes."]
    version = body.get("version")
    if version not in (None, "") and not str(version).isdecimal():
        problems["version"] = ["must be a version number."]
    scheduled_at = moment(body.get("scheduled_at"), problems)
    if problems:
        raise ValidationFailed("Publishing failed. Please enter valid data.", problems)
    return PublishAsset(
        tuple(envs or ()),
        tuple(c.lower() for c in codes or ()),
        int(version) if version not in (None, "") else None,
        scheduled_at,
    )


def publish(
    services: Services,
    actor: Actor,
    api_key: str | None,
    uid: str,
    body: dict[str, Any],
    *,
    unpublish: bool = False,
) -> dict[str, Any]:
    """Publish (or unpublish) now, or queue the job when `scheduled_at` is in the future."""
    job = ids.job_id()
    with services.store.write() as tx:
        stack = access.stack_row(tx, actor, api_key, MODULE, write=True)
        req = parse_publish(body)
        _asset(tx, stack["api_key"], uid)
        targets = _targets(tx, stack, req)
        if req.scheduled_at and req.scheduled_at > ids.now():
            payload = {"asset": uid, "body": body}
            schedule(
                tx, stack["api_key"], actor, job, payload, req.scheduled_at, unpublish=unpublish
            )
        else:
            apply(tx, stack, actor, uid, req, targets, unpublish)
    return {"notice": UNPUBLISHED if unpublish else PUBLISHED, "job_id": job}


def _targets(tx: Transaction, stack: dict[str, Any], req: PublishAsset) -> list[Target]:
    codes = req.locales or (stack["master_locale"].lower(),)
    return publish_targets(tx, stack, req.environments, codes)


def apply(
    tx: Transaction,
    stack: dict[str, Any],
    actor: Actor,
    uid: str,
    req: PublishAsset,
    targets: Sequence[Target],
    unpublish: bool,
) -> None:
    """Every target in this one transaction (also what a scheduled job runs)."""
    doc = _asset(tx, stack["api_key"], uid)
    if req.version is not None and req.version != doc["_version"]:
        found = next(
            (f for f in tx.assets.versions(stack["api_key"], uid) if f.version == req.version),
            None,
        )
        if found is None:
            raise ValidationFailed(
                f"Version {req.version} of the asset doesn't exist.",
                {"version": [f"{req.version} does not exist."]},
            )
        doc = {k: v for k, v in found.doc.items() if k != VERSION_NAME}
    now = ids.now()
    for target in targets:
        if unpublish:
            tx.assets.unpublish(
                stack["api_key"], uid, target.environment, target.locale, actor=actor.uid
            )
            continue
        ready = {
            **doc,
            "publish_details": {
                "environment": target.environment,
                "locale": target.locale,
                "time": now,
                "user": actor.uid,
            },
        }
        tx.assets.publish(
            stack["api_key"],
            target.environment,
            target.locale,
            ready,
            published_at=now,
            published_by=actor.uid,
        )


def run_job(tx: Transaction, stack: dict[str, Any], actor: Actor, payload: dict[str, Any]) -> None:
    """A scheduled asset publish or unpublish, as the scheduler hands it over."""
    req = parse_publish(payload["body"])
    apply(tx, stack, actor, payload["asset"], req, _targets(tx, stack, req), payload["unpublish"])


# -- files -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class File:
    """A version of an asset's file, as the file route serves it."""

    blob: str
    filename: str
    content_type: str
    size: int


def open_file(services: Services, api_key: str, uid: str, version_uid: str) -> File | None:
    """The file at an asset URL, or None. Files are served to anyone holding the URL, published
    or not, as Contentstack's asset host serves them; a deleted asset's are gone."""
    with services.store.read() as tx:
        found = tx.assets.file(api_key, uid, version_uid)
    if found is None:
        return None
    doc = found.doc
    return File(found.blob, doc["filename"], doc["content_type"], int(doc["file_size"]))


def permanent_file(
    services: Services, api_key: str, uid: str, slug: str, environment: str | None
) -> File | None:
    """The file at a permanent URL: the asset's latest version, or with `environment` (a name or
    uid) the version published there in the stack's master locale; None for no such file."""
    with services.store.read() as tx:
        doc = tx.assets.get(api_key, uid)
        path = doc.get("permanent_url") if doc is not None else None
        if not isinstance(path, str) or unquote(path.rsplit("/", 1)[-1]) != slug:
            return None
        if environment is None:
            found: FileVersion | None = tx.assets.versions(api_key, uid)[0]
        else:
            stack = tx.stacks.get(api_key)
            env = tx.environments.find(api_key, environment)
            if stack is None or env is None:
                return None
            code = stack["master_locale"].lower()
            published = tx.assets.published(api_key, env["uid"], [code], [uid]).get(uid)
            if published is None:
                return None
            found = tx.assets.file(api_key, uid, published["url"].split("/")[5])
    if found is None:
        return None
    kept = found.doc
    return File(found.blob, kept["filename"], kept["content_type"], int(kept["file_size"]))


def check_entry_assets(
    tx: Transaction,
    stack: str,
    schema: list[dict[str, Any]],
    doc: dict[str, Any],
    previous: dict[str, Any] | None = None,
) -> None:
    """Refuse (422, per field) an entry whose file fields name what is not a usable asset. Only
    the uids `previous` (the version replaced, or the base of an entry variant) did not hold
    are checked: an asset deleted since does not block edits of other fields."""
    held = (
        {uid for _path, _field, uid in domain_assets.file_refs(schema, previous)}
        if previous is not None
        else set()
    )
    refs = [ref for ref in domain_assets.file_refs(schema, doc) if ref[2] not in held]
    found = tx.assets.get_many(stack, [uid for _path, _field, uid in refs]) if refs else {}
    problems = entry_asset_problems(found, refs)
    if problems:
        raise ValidationFailed(None, problems)


def entry_asset_problems(
    found: dict[str, dict[str, Any]], refs: Sequence[tuple[str, dict[str, Any], str]]
) -> dict[str, list[str]]:
    """What is wrong with the assets an entry's file fields name ((path, field, uid) each), given
    the stack's assets among them (`found`, by uid): an asset that does not exist in the stack
    (or is a folder), or one the field's `extensions` or image-only setting refuses."""
    problems: dict[str, list[str]] = {}
    for path, field, uid in refs:
        doc = found.get(uid)
        if doc is None or doc.get("is_dir"):
            problems[path] = [f"'{uid}' is not an asset of this stack."]
            continue
        allowed = [
            e.lower().lstrip(".") for e in field.get("extensions") or [] if isinstance(e, str)
        ]
        extension = doc["filename"].rsplit(".", 1)[-1].lower() if "." in doc["filename"] else ""
        if allowed and extension not in allowed:
            problems[path] = [f"must be a file of type {', '.join(allowed)}."]
        elif (field.get("field_metadata") or {}).get("image") and not str(
            doc.get("content_type", "")
        ).startswith("image/"):
            problems[path] = ["must be an image."]
    return problems
