"""`/v3/assets`: uploads (multipart `asset[upload]`, `asset[title]`, ...), asset details, versions,
folders and publishing, in Contentstack's shapes. The files themselves are served by
`api/files.py`; delivery's asset reads by `api/delivery/assets.py`."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from veneer.api.call import Call, collection, created, endpoint
from veneer.api.files import base_url
from veneer.domain.listing import flag, list_params
from veneer.services import assets

FORM_FIELDS = ("title", "description", "parent_uid", "tags", "permanent_url")
# The file's form field: Contentstack's `asset[upload]`; `upload`; and `asset`, the field the
# Python management SDK's `replace()` sends (contentstack-management 1.11).
FILE_FIELDS = ("asset[upload]", "upload", "asset")


def show_asset(call: Call, doc: dict[str, Any]) -> dict[str, Any]:
    """An asset as the management API answers it (URL in the request's origin)."""
    return assets.present(
        doc,
        base_url(call.request, call.services.settings.asset_base_url),
        relative=flag(call.params, "relative_urls"),
        dimension=flag(call.params, "include_dimension"),
    )


def _upload(call: Call) -> tuple[assets.Upload | None, dict[str, Any]]:
    """The file and the raw details of a multipart upload, or the details of a JSON body."""
    if call.form is None:
        return None, call.section("asset")
    raw: dict[str, Any] = {}
    for name in FORM_FIELDS:
        for key in (f"asset[{name}]", f"asset[{name}][]", name):
            if key in call.form.fields:
                raw[name] = call.form.fields[key]
                break
    file = call.form.file
    upload = (
        assets.Upload(file[1], file[2]) if file is not None and file[0] in FILE_FIELDS else None
    )
    return upload, raw


def _create_asset(call: Call) -> Any:
    upload, details = _upload(call)
    doc = assets.create_asset(call.services, call.actor(), call.api_key, upload, details)
    return created({"notice": "Asset created successfully.", "asset": show_asset(call, doc)})


def _update_asset(call: Call) -> dict[str, Any]:
    upload, details = _upload(call)
    # Contentstack's "update asset revision": `{"asset": {...}, "version": n}` makes version n the
    # latest again (a new version with its file), with the details sent.
    revert_to = call.body.get("version") if call.form is None else None
    doc = assets.update_asset(
        call.services, call.actor(), call.api_key, call.path("uid"), upload, details, revert_to
    )
    return {"notice": "Asset updated successfully.", "asset": show_asset(call, doc)}


create_asset = endpoint(_create_asset, uploads=True)
update_asset = endpoint(_update_asset, uploads=True)


@endpoint
def list_assets(call: Call) -> dict[str, Any]:
    """`count=true` answers only the number of matching assets, `{"assets": N}`, as the JS
    management SDK's `asset().query().count()` expects (the entries list does the same)."""
    folder = call.params.get("folder") or None
    lp = list_params(call.params)
    counting = flag(call.params, "count")
    if counting:
        lp = replace(lp, skip=0, limit=1, include_count=True)
    page, count = assets.list_assets(
        call.services,
        call.actor(),
        call.api_key,
        lp,
        folder=folder,
        include_folders=flag(call.params, "include_folders"),
        publish_details=flag(call.params, "include_publish_details"),
    )
    if counting:
        return {"assets": count}
    return collection("assets", [show_asset(call, doc) for doc in page], count)


@endpoint
def list_rte_assets(call: Call) -> list[dict[str, Any]]:
    """`GET /v3/assets/rt`: the assets uploaded through a Rich Text Editor field, as
    `[{image, thumb, title}]`. Veneer has no upload path inside an RTE (RTE fields use assets of
    the library), so there are none."""
    return assets.rte_assets(call.services, call.actor(), call.api_key)


def _list_of_type(asset_type: str) -> Any:
    """`GET /v3/assets/images` or `/v3/assets/videos`: the assets of that kind."""

    def list_of_type(call: Call) -> dict[str, Any]:
        page, count = assets.list_assets(
            call.services,
            call.actor(),
            call.api_key,
            list_params(call.params),
            asset_type=asset_type,
            publish_details=flag(call.params, "include_publish_details"),
        )
        return collection("assets", [show_asset(call, doc) for doc in page], count)

    list_of_type.__name__ = f"list_{asset_type}"
    return endpoint(list_of_type)


list_images = _list_of_type("images")
list_videos = _list_of_type("videos")


@endpoint
def get_asset(call: Call) -> dict[str, Any]:
    version = assets.version_number(call.params.get("version"), "version")
    doc = assets.get_asset(call.services, call.actor(), call.api_key, call.path("uid"), version)
    return {"asset": show_asset(call, doc)}


@endpoint
def list_references(call: Call) -> dict[str, Any]:
    found = assets.references(call.services, call.actor(), call.api_key, call.path("uid"))
    return collection(
        "references", found, len(found) if flag(call.params, "include_count") else None
    )


@endpoint
def delete_asset(call: Call) -> dict[str, Any]:
    assets.delete_asset(call.services, call.actor(), call.api_key, call.path("uid"))
    return {"notice": "Asset deleted successfully."}


@endpoint
def list_versions(call: Call) -> dict[str, Any]:
    found = assets.versions(
        call.services,
        call.actor(),
        call.api_key,
        call.path("uid"),
        named=flag(call.params, "named"),
    )
    return collection("versions", found, len(found) if flag(call.params, "include_count") else None)


@endpoint
def name_version(call: Call) -> dict[str, Any]:
    uid, version = call.path("uid"), call.path("version")
    assets.name_version(call.services, call.actor(), call.api_key, uid, version, call.body)
    return {"notice": "Version name assigned successfully."}


@endpoint
def unname_version(call: Call) -> dict[str, Any]:
    uid, version = call.path("uid"), call.path("version")
    assets.name_version(call.services, call.actor(), call.api_key, uid, version, None)
    return {"notice": "Version name deleted successfully"}  # sic: Contentstack's, no period


@endpoint
def publish(call: Call) -> dict[str, Any]:
    return assets.publish(call.services, call.actor(), call.api_key, call.path("uid"), call.body)


@endpoint
def unpublish(call: Call) -> dict[str, Any]:
    return assets.publish(
        call.services, call.actor(), call.api_key, call.path("uid"), call.body, unpublish=True
    )


@endpoint
def create_folder(call: Call) -> Any:
    doc = assets.create_folder(call.services, call.actor(), call.api_key, call.section("asset"))
    return created({"notice": "Folder created successfully.", "asset": doc})


@endpoint
def get_folder(call: Call) -> dict[str, Any]:
    return {"asset": assets.get_folder(call.services, call.actor(), call.api_key, call.path("uid"))}


@endpoint
def update_folder(call: Call) -> dict[str, Any]:
    doc = assets.update_folder(
        call.services, call.actor(), call.api_key, call.path("uid"), call.section("asset")
    )
    return {"notice": "Folder updated successfully.", "asset": doc}


@endpoint
def delete_folder(call: Call) -> dict[str, Any]:
    assets.delete_folder(call.services, call.actor(), call.api_key, call.path("uid"))
    return {"notice": "Folder deleted successfully."}
