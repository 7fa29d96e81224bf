"""Stacks for the tests of the official CLI (test_cli_round_trip.py, test_csdx_folder_import.py):
a rich source stack (`build_source`), a stack read as what names its parts (`snapshot`), where
two snapshots differ (`differences`), and `veneer serve` over TLS for the CLI (`csdx_server`)."""

from __future__ import annotations

import contextlib
import hashlib
import io
import ssl
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from PIL import Image

from tests.conftest import Api, free_port, stop_server
from tests.e2e.csdx import Csdx, certificate, serve
from veneer.settings import Settings

TITLE = {"display_name": "Title", "uid": "title", "data_type": "text", "mandatory": True}
SEO = {
    "global_field": {
        "title": "SEO",
        "uid": "seo",
        "schema": [
            {"display_name": "Meta title", "uid": "meta_title", "data_type": "text"},
            {"display_name": "Share image", "uid": "share_image", "data_type": "file"},
        ],
    }
}
AUTHOR = {
    "content_type": {
        "title": "Author",
        "uid": "author",
        "schema": [TITLE, {"display_name": "Photo", "uid": "photo", "data_type": "file"}],
    }
}
ARTICLE = {
    "content_type": {
        "title": "Article",
        "uid": "article",
        "options": {"is_page": True, "singleton": False, "title": "title", "url_prefix": "/"},
        "schema": [
            TITLE,
            {
                "display_name": "URL",
                "uid": "url",
                "data_type": "text",
                "unique": True,
                "field_metadata": {"_default": True},
            },
            {"display_name": "Views", "uid": "views", "data_type": "number"},
            {"display_name": "Hero", "uid": "hero", "data_type": "file"},
            {"display_name": "Gallery", "uid": "gallery", "data_type": "file", "multiple": True},
            {
                "display_name": "Body",
                "uid": "body",
                "data_type": "json",
                "field_metadata": {"allow_json_rte": True, "rich_text_type": "advanced"},
                "reference_to": ["sys_assets"],
            },
            {
                "display_name": "Author",
                "uid": "author",
                "data_type": "reference",
                "reference_to": ["author"],
                "field_metadata": {"ref_multiple": False, "ref_multiple_content_types": False},
            },
            {
                "display_name": "SEO",
                "uid": "seo",
                "data_type": "global_field",
                "reference_to": "seo",
            },
            {
                "display_name": "Topics",
                "uid": "taxonomies",
                "data_type": "taxonomy",
                "taxonomies": [{"taxonomy_uid": "topics", "max_terms": 5}],
            },
            {
                "display_name": "Card",
                "uid": "card",
                "data_type": "group",
                "schema": [
                    {"display_name": "Label", "uid": "label", "data_type": "text"},
                    {"display_name": "Image", "uid": "image", "data_type": "file"},
                ],
            },
            {
                "display_name": "Sections",
                "uid": "sections",
                "data_type": "blocks",
                "multiple": True,
                "blocks": [
                    {
                        "title": "Quote",
                        "uid": "quote",
                        "schema": [{"display_name": "Text", "uid": "text", "data_type": "text"}],
                    },
                    {
                        "title": "Banner",
                        "uid": "banner",
                        "schema": [{"display_name": "Image", "uid": "image", "data_type": "file"}],
                    },
                ],
            },
        ],
    }
}


def png(color: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (24, 16), color).save(out, "PNG")
    return out.getvalue()


def upload(api: Api, name: str, color: str, folder: str | None = None) -> dict[str, Any]:
    data = {"asset[title]": name.title(), "asset[tags][]": "round-trip"}
    if folder:
        data["asset[parent_uid]"] = folder
    response = api.post(
        "/assets", files={"asset[upload]": (f"{name}.png", png(color), "image/png")}, data=data
    )
    return api.ok(response, 201)["asset"]


def rte(text: str, asset: dict[str, Any]) -> dict[str, Any]:
    image = {
        "type": "reference",
        "uid": f"img-{asset['uid']}",
        "attrs": {
            "type": "asset",
            "asset-uid": asset["uid"],
            "asset-link": asset["url"],
            "asset-name": asset["filename"],
            "asset-type": "image/png",
            "display-type": "display",
            "content-type-uid": "sys_assets",
        },
        "children": [{"text": ""}],
    }
    paragraph = {"type": "p", "uid": f"p-{asset['uid']}", "attrs": {}, "children": [{"text": text}]}
    return {
        "type": "doc",
        "uid": f"doc-{asset['uid']}",
        "attrs": {},
        "children": [paragraph, image],
    }


def build_source(api: Api) -> None:
    """The stack the CLI exports: every kind of thing the round trip must keep."""
    ok, post = api.ok, api.post
    ok(post("/locales", {"locale": {"code": "fr-fr", "fallback_locale": "en-us"}}), 201)
    for name in ("production", "staging"):
        ok(post("/environments", {"environment": {"name": name}}), 201)
    ok(post("/taxonomies", {"taxonomy": {"uid": "topics", "name": "Topics"}}), 201)
    for uid, name, parent in (("news", "News", None), ("tech", "Tech", "news")):
        term = {"term": {"uid": uid, "name": name, "parent_uid": parent}}
        ok(post("/taxonomies/topics/terms", term), 201)
    ok(post("/global_fields", SEO), 201)
    ok(post("/content_types", AUTHOR), 201)
    ok(post("/content_types", ARTICLE), 201)

    folder = ok(post("/assets/folders", {"asset": {"name": "Heroes"}}), 201)["asset"]["uid"]
    red, blue = upload(api, "red", "red", folder), upload(api, "blue", "blue", folder)
    photo, share = upload(api, "photo", "green"), upload(api, "share", "yellow")
    for asset in (red, blue, photo):
        publish = {"asset": {"environments": ["production"], "locales": ["en-us"]}}
        ok(post(f"/assets/{asset['uid']}/publish", publish))

    def create(ct: str, entry: dict[str, Any], locale: str = "en-us") -> str:
        body = {"entry": entry}
        made = ok(post(f"/content_types/{ct}/entries", body, params={"locale": locale}), 201)
        return str(made["entry"]["uid"])

    def publish(ct: str, uid: str, envs: list[str], locales: list[str], **extra: Any) -> None:
        body = {"entry": {"environments": envs, "locales": locales, **extra}}
        ok(post(f"/content_types/{ct}/entries/{uid}/publish", body))

    ada = create("author", {"title": "Ada", "photo": photo["uid"]})
    grace = create("author", {"title": "Grace"})
    publish("author", ada, ["production"], ["en-us"])
    articles = {}
    for n, (title, author, hero) in enumerate(
        (("Hello", ada, red), ("Variants", grace, blue), ("Draft", ada, red)), start=1
    ):
        articles[title] = create(
            "article",
            {
                "title": title,
                "url": f"/articles/{n}",
                "views": n * 10,
                "hero": hero["uid"],
                "gallery": [blue["uid"], red["uid"]],
                "body": rte(f"The {title} article.", hero),
                "author": [{"uid": author, "_content_type_uid": "author"}],
                "seo": {"meta_title": f"{title} | Site", "share_image": share["uid"]},
                "taxonomies": [{"taxonomy_uid": "topics", "term_uid": "tech"}],
                "card": {"label": f"Card {n}", "image": blue["uid"]},
                "sections": [
                    {"quote": {"text": f"Quote {n}"}},
                    {"banner": {"image": red["uid"]}},
                ],
            },
        )
    hello = articles["Hello"]
    api.ok(
        api.put(
            f"/content_types/article/entries/{hello}",
            {"entry": {"title": "Bonjour", "url": "/fr/articles/1", "views": 11}},
            params={"locale": "fr-fr"},
        )
    )
    publish("article", hello, ["production", "staging"], ["en-us", "fr-fr"])
    publish("article", articles["Variants"], ["production"], ["en-us"])

    group = {"name": "Audiences", "uid": "audiences", "content_types": ["article"]}
    ok(post("/variant_groups", group), 201)
    for uid, name in (("developers", "Developers"), ("marketers", "Marketers")):
        ok(post("/variant_groups/audiences/variants", {"uid": uid, "name": name}), 201)
    changes = {
        "developers": {"title": "Hello, developers", "views": 99},
        "marketers": {"seo": {"meta_title": "Buy now"}},
    }
    for variant, fields in changes.items():
        body = {"entry": {**fields, "_variant": {"_change_set": sorted(fields)}}}
        response = api.put(f"/content_types/article/entries/{hello}/variants/{variant}", body)
        assert response.status_code in (200, 201), response.text
    publish(
        "article",
        hello,
        ["production"],
        ["en-us"],
        variants=[{"uid": "developers"}, {"uid": "marketers"}],
    )


# -- reading a stack as what names its parts ------------------------------------------------------
SYSTEM = {
    "created_at",
    "updated_at",
    "created_by",
    "updated_by",
    "_version",
    "ACL",
    "_in_progress",
    "publish_details",
    "deleted_at",
    # An entry variant's bookkeeping in the stack that holds it: the version of the base entry it
    # was saved over (the import writes each base twice: then its references) and its instance.
    "_base_entry_version",
    "_instance_uid",
}


class Names:
    """Uids of a stack's entries, assets, folders, environments and variants, by what names them."""

    def __init__(self) -> None:
        self.by_uid: dict[str, str] = {}
        self.by_url: dict[str, str] = {}

    def label(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.by_uid.get(value, self.by_url.get(value, value))
        return value

    def normal(self, node: Any) -> Any:
        """The node with uids and asset URLs named, system keys and the CLI's marks left out."""
        if isinstance(node, dict):
            out = {}
            rte_node = "type" in node and "children" in node
            for key, value in node.items():
                if (
                    key in SYSTEM
                    or (key == "dirty" and value is True)
                    or (rte_node and key == "uid")
                ):
                    continue
                out[key] = self.normal(value)
            return out
        if isinstance(node, list):
            return [self.normal(item) for item in node]
        return self.label(node)


def listed(api: Api, path: str, key: str, **params: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    while True:
        page = api.ok(api.get(path, params={**params, "skip": len(found), "limit": 100}))[key]
        found += page
        if len(page) < 100:
            return found


def snapshot(api: Api, key: str) -> dict[str, Any]:
    """Everything the round trip must keep, with the stack's own uids named."""
    api.api_key = key
    names = Names()
    environments = listed(api, "/environments", "environments")
    for env in environments:
        names.by_uid[env["uid"]] = f"environment:{env['name']}"
    assets = listed(api, "/assets", "assets", include_folders="true")
    for asset in assets:
        label = f"{'folder' if asset.get('is_dir') else 'asset'}:{asset.get('filename') or asset['name']}"
        names.by_uid[asset["uid"]] = label
        if asset.get("url"):
            names.by_url[asset["url"]] = label + ":url"
    groups = listed(api, "/variant_groups", "variant_groups")
    variants: dict[str, list[str]] = {}
    for group in groups:
        names.by_uid[group["uid"]] = f"group:{group['name']}"
        members = listed(api, f"/variant_groups/{group['uid']}/variants", "variants")
        variants[group["name"]] = sorted(v["name"] for v in members)
        for variant in members:
            names.by_uid[variant["uid"]] = f"variant:{variant['name']}"
    types = listed(api, "/content_types", "content_types")
    locales = listed(api, "/locales", "locales")
    rows: list[tuple[str, str, dict[str, Any]]] = []
    for ct in types:
        for locale in locales:
            for entry in listed(
                api,
                f"/content_types/{ct['uid']}/entries",
                "entries",
                locale=locale["code"],
                include_publish_details="true",
            ):
                if entry["locale"] == locale["code"]:
                    rows.append((ct["uid"], locale["code"], entry))
                    names.by_uid[entry["uid"]] = f"entry:{ct['uid']}/{entry['title']}"
    entries, published, entry_variants = {}, {}, {}
    for ct_uid, locale, entry in rows:
        name = (ct_uid, locale, names.by_uid[entry["uid"]])
        entries[name] = names.normal(entry)
        published[name] = sorted(
            (names.label(p["environment"]), p["locale"]) for p in entry["publish_details"]
        )
        found = api.ok(
            api.get(
                f"/content_types/{ct_uid}/entries/{entry['uid']}/variants",
                params={"locale": locale, "include_publish_details": "true"},
            )
        )["entries"]
        entry_variants[name] = sorted(
            (names.normal(v) for v in found), key=lambda v: str(v["_variant"]["_uid"])
        )
    terms = {
        t["uid"]: sorted(
            (term["uid"], term["name"], term.get("parent_uid"))
            for term in listed(api, f"/taxonomies/{t['uid']}/terms", "terms")
        )
        for t in listed(api, "/taxonomies", "taxonomies")
    }
    files = {
        names.by_uid[a["uid"]]: (
            a["title"],
            a.get("tags"),
            names.label(a.get("parent_uid")),
            hashlib.sha256(
                api.client.get(httpx.URL(a["url"]).raw_path.decode()).content
            ).hexdigest(),
        )
        for a in assets
        if not a.get("is_dir")
    }
    return {
        "locales": sorted((x["code"], x.get("fallback_locale")) for x in locales),
        "environments": sorted(names.by_uid[e["uid"]] for e in environments),
        "taxonomies": terms,
        "global_fields": {
            g["uid"]: names.normal(g) for g in listed(api, "/global_fields", "global_fields")
        },
        "content_types": {c["uid"]: names.normal(c) for c in types},
        "assets": files,
        "folders": sorted(names.by_uid[a["uid"]] for a in assets if a.get("is_dir")),
        "entries": entries,
        "published": published,
        "variant_groups": variants,
        "entry_variants": entry_variants,
    }


def differences(source: Any, target: Any, path: str) -> list[str]:
    """Where two snapshots differ, as `path: source != target` lines (a readable failure)."""
    if isinstance(source, dict) and isinstance(target, dict):
        found = []
        for key in sorted(set(source) | set(target), key=str):
            where = f"{path}.{key}"
            if key not in target:
                found.append(f"{where}: lost ({source[key]!r:.200})")
            elif key not in source:
                found.append(f"{where}: added ({target[key]!r:.200})")
            else:
                found += differences(source[key], target[key], where)
        return found
    if isinstance(source, list) and isinstance(target, list) and len(source) == len(target):
        return [
            d
            for n, (a, b) in enumerate(zip(source, target))
            for d in differences(a, b, f"{path}.{n}")
        ]
    return [] if source == target else [f"{path}: {source!r:.200} != {target!r:.200}"]


# -- a server for the CLI -------------------------------------------------------------------------
@contextlib.contextmanager
def csdx_server(settings: Settings, tmp_path: Path) -> Iterator[Csdx]:
    """`veneer serve` over TLS on the test's database, and a CLI installation pointed at it.
    `settings` must be the in-process services' (`services.settings`): the session's `settings`
    fixture is made again, with another files folder, whenever a worker switches databases."""
    cert, key = certificate(tmp_path)
    port, log = free_port(), tmp_path / "server.log"
    process = serve(settings, port, cert, key, log)
    trusted = ssl.create_default_context(cafile=str(cert))
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"https://127.0.0.1:{port}/-/health", verify=trusted, timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        yield Csdx(tmp_path / "home", cert, port)
    finally:
        stop_server(process)
