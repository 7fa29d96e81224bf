"""The demo stack: a content type with every field kind, entries in two locales, an environment
and a delivery token, and two generated images in its articles' file field, all made through the
same services the API uses."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image

from veneer.domain.listing import ListParams
from veneer.services import (
    assets,
    content_types,
    entries,
    entry_variants,
    environments,
    locales,
    publishing,
    stacks,
    tokens,
    variant_groups,
)
from veneer.services.context import Actor, Services

DEMO_STACK = "Veneer demo"

AUTHOR = {
    "title": "Author",
    "uid": "author",
    "schema": [
        {
            "display_name": "Name",
            "uid": "title",
            "data_type": "text",
            "mandatory": True,
            "unique": True,
        },
        {
            "display_name": "Bio",
            "uid": "bio",
            "data_type": "text",
            "field_metadata": {"multiline": True},
        },
    ],
}

ARTICLE = {
    "title": "Article",
    "uid": "article",
    "schema": [
        {
            "display_name": "Title",
            "uid": "title",
            "data_type": "text",
            "mandatory": True,
            "unique": True,
        },
        {"display_name": "URL", "uid": "url", "data_type": "text"},
        {
            "display_name": "Summary",
            "uid": "summary",
            "data_type": "text",
            "field_metadata": {"multiline": True},
        },
        {
            "display_name": "Category",
            "uid": "category",
            "data_type": "text",
            "display_type": "dropdown",
            "enum": {
                "advanced": False,
                "choices": [{"value": "news"}, {"value": "guide"}, {"value": "story"}],
            },
        },
        {"display_name": "Reading time", "uid": "reading_time", "data_type": "number"},
        {"display_name": "Featured", "uid": "featured", "data_type": "boolean"},
        {"display_name": "Published on", "uid": "published_on", "data_type": "isodate"},
        {
            "display_name": "Body",
            "uid": "body",
            "data_type": "json",
            "field_metadata": {"allow_json_rte": True},
        },
        {"display_name": "Read more", "uid": "read_more", "data_type": "link"},
        {
            "display_name": "Author",
            "uid": "author",
            "data_type": "reference",
            "reference_to": ["author"],
        },
        {"display_name": "Hero image", "uid": "hero_image", "data_type": "file"},
        {
            "display_name": "SEO",
            "uid": "seo",
            "data_type": "group",
            "schema": [
                {"display_name": "Meta title", "uid": "meta_title", "data_type": "text"},
                {
                    "display_name": "Meta description",
                    "uid": "meta_description",
                    "data_type": "text",
                },
            ],
        },
        {
            "display_name": "Highlights",
            "uid": "highlights",
            "data_type": "group",
            "multiple": True,
            "schema": [
                {"display_name": "Heading", "uid": "heading", "data_type": "text"},
                {
                    "display_name": "Detail",
                    "uid": "detail",
                    "data_type": "text",
                    "field_metadata": {"multiline": True},
                },
            ],
        },
        {
            "display_name": "Sections",
            "uid": "sections",
            "data_type": "blocks",
            "blocks": [
                {
                    "uid": "hero",
                    "title": "Hero",
                    "schema": [
                        {"display_name": "Headline", "uid": "headline", "data_type": "text"}
                    ],
                },
                {
                    "uid": "cta",
                    "title": "Call to action",
                    "schema": [
                        {"display_name": "Label", "uid": "label", "data_type": "text"},
                        {"display_name": "Link", "uid": "link", "data_type": "link"},
                    ],
                },
            ],
        },
    ],
}


def _rte(text: str) -> dict[str, Any]:
    return {
        "type": "doc",
        "uid": "demo-doc",
        "attrs": {},
        "children": [{"type": "p", "uid": "demo-p", "attrs": {}, "children": [{"text": text}]}],
    }


def demo_image(width: int, height: int, hue: int) -> bytes:
    """A generated JPEG (a diagonal gradient): the demo's pictures are made, not bundled."""
    image = Image.new("RGB", (width, height))
    image.putdata(
        [
            ((hue + x) % 256, (y * 255) // max(1, height - 1), 255 - (x * 255) // max(1, width - 1))
            for y in range(height)
            for x in range(width)
        ]
    )
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def _images(services: Services, actor: Actor, key: str) -> list[str]:
    """Two published images, uploaded as any client would; their uids."""
    made = []
    for n, hue in enumerate((20, 140), 1):
        upload = assets.Upload(f"hero-{n}.jpg", demo_image(320, 180, hue))
        doc = assets.create_asset(
            services, actor, key, upload, assets.Details(title=f"Hero {n}", tags=["demo"])
        )
        body = {"asset": {"environments": ["production"], "locales": ["en-us", "fr-fr"]}}
        assets.publish(services, actor, key, doc["uid"], body)
        made.append(doc["uid"])
    return made


def _article(title: str, author_uid: str, summary: str, n: int, image: str) -> dict[str, Any]:
    return {
        "entry": {
            "title": title,
            "url": f"/articles/{n}",
            "summary": summary,
            "category": "guide",
            "reading_time": 4 + n,
            "featured": n == 1,
            "published_on": "2026-11-01",
            "body": _rte(summary),
            "read_more": {"title": "Docs", "href": "https://example.com/docs"},
            "author": [{"uid": author_uid, "_content_type_uid": "author"}],
            "hero_image": image,
            "seo": {"meta_title": title, "meta_description": summary},
            "highlights": [
                {"heading": "Fast", "detail": "Served from the cache."},
                {"heading": "Open", "detail": "Self-hosted."},
            ],
            "sections": [
                {"hero": {"headline": title}},
                {"cta": {"label": "Start", "link": {"title": "Go", "href": "/go"}}},
            ],
        }
    }


def load_demo(services: Services, owner: dict[str, Any]) -> dict[str, Any]:
    """Create the demo stack once; returns its api key, fresh tokens and a sample entry uid.

    Tokens are stored hashed, so each call mints a new delivery and management token to print.
    """
    actor = Actor(kind="user", uid=owner["uid"], user=owner)
    existing = [s for s in stacks.list_stacks(services, actor) if s["name"] == DEMO_STACK]
    key = existing[0]["api_key"] if existing else _create_demo(services, actor)
    first = entries.list_entries(
        services, actor, key, "article", ListParams(asc="created_at", limit=1)
    )[0][0]
    delivery = tokens.create_token(
        services,
        actor,
        key,
        "delivery",
        {
            "name": "Demo delivery",
            "scope": [
                {"module": "environment", "environments": ["production"], "acl": {"read": True}},
                tokens.MAIN_BRANCH_SCOPE,
            ],
        },
    )
    management = tokens.create_token(
        services,
        actor,
        key,
        "management",
        {
            "name": "Demo management",
            "scope": [
                {"module": "content_type", "acl": {"read": True, "write": True}},
                tokens.MAIN_BRANCH_SCOPE,
            ],
        },
    )
    return {
        "api_key": key,
        "environment": "production",
        "delivery_token": delivery["token"],
        "management_token": management["token"],
        "entry_uid": first["uid"],
        "content_type": "article",
    }


def _create_demo(services: Services, actor: Actor) -> str:
    key: str = stacks.create_stack(services, actor, {"name": DEMO_STACK, "master_locale": "en-us"})[
        "api_key"
    ]
    locales.create_locale(services, actor, key, {"code": "fr-fr", "fallback_locale": "en-us"})
    environments.create_environment(services, actor, key, {"name": "production"})
    content_types.create_content_type(services, actor, key, AUTHOR)
    content_types.create_content_type(services, actor, key, ARTICLE)
    author = entries.create_entry(
        services, actor, key, "author", {"entry": {"title": "Ada", "bio": "Writes guides."}}
    )
    images = _images(services, actor, key)
    made = [
        entries.create_entry(
            services,
            actor,
            key,
            "article",
            _article(title, author["uid"], summary, n, images[n - 1]),
        )
        for n, (title, summary) in enumerate(
            [
                ("Hello Veneer", "A first article."),
                ("Variants explained", "How entry variants work."),
            ],
            1,
        )
    ]
    entries.update_entry(
        services,
        actor,
        key,
        "article",
        made[0]["uid"],
        {"entry": {"title": "Bonjour Veneer", "summary": "Un premier article."}},
        "fr-fr",
    )
    body = {
        "entry": {"environments": ["production"], "locales": ["en-us", "fr-fr"]},
        "locale": "en-us",
    }
    for ct, uid in [("author", author["uid"])] + [("article", e["uid"]) for e in made]:
        publishing.publish(services, actor, key, ct, uid, body)
    _variants(services, actor, key, made[0]["uid"])
    return key


# The demo's variant group: the first article speaks to two audiences (Veneer is built around
# entry variants, so the demo shows some: `x-cs-variant-uid: developers` on delivery).
AUDIENCES = {
    "developers": ("Developers", {"title": "Hello Veneer, developers", "summary": "Start here."}),
    "marketers": ("Marketers", {"summary": "Publish personalized pages."}),
}


def _variants(services: Services, actor: Actor, key: str, article: str) -> None:
    group = {"name": "Audience", "uid": "audience", "content_types": ["article"]}
    variant_groups.create_group(services, actor, key, group)
    for uid, (name, fields) in AUDIENCES.items():
        variant_groups.create_variant(services, actor, key, {"uid": uid, "name": name}, "audience")
        entry_variants.upsert(
            services, actor, key, "article", article, uid, {"entry": {**fields, "_variant": {}}}
        )
    publish = {
        "entry": {
            "environments": ["production"],
            "locales": ["en-us"],
            "variants": [{"uid": uid} for uid in AUDIENCES],
        },
        "locale": "en-us",
    }
    publishing.publish(services, actor, key, "article", article, publish)


def owner_account(services: Services) -> dict[str, Any]:
    with services.store.read() as tx:
        row = tx.accounts.first_user()
    if row is None:
        raise RuntimeError(
            "The database has no user yet: run `veneer serve` or `veneer migrate` first."
        )
    return row
