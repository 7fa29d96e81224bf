"""Content types the editor tests use: one field of every kind the editor renders."""

from __future__ import annotations

from typing import Any


def rte(*paragraphs: str) -> dict[str, Any]:
    return {
        "type": "doc",
        "uid": "d" * 32,
        "attrs": {},
        "children": [
            {"type": "p", "attrs": {}, "uid": f"{i:032x}", "children": [{"text": p}]}
            for i, p in enumerate(paragraphs)
        ],
    }


AUTHOR: dict[str, Any] = {
    "title": "Author",
    "uid": "author",
    "schema": [
        {
            "display_name": "Name",
            "uid": "title",
            "data_type": "text",
            "mandatory": True,
            "unique": True,
        }
    ],
}

KITCHEN: dict[str, Any] = {
    "title": "Kitchen",
    "uid": "kitchen",
    "schema": [
        {
            "display_name": "Title",
            "uid": "title",
            "data_type": "text",
            "mandatory": True,
            "unique": True,
        },
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
            "enum": {"advanced": False, "choices": [{"value": "news"}, {"value": "guide"}]},
        },
        {
            "display_name": "Size",
            "uid": "size",
            "data_type": "number",
            "display_type": "radio",
            "enum": {"advanced": False, "choices": [{"value": 1}, {"value": 2.5}]},
        },
        {
            "display_name": "Labels",
            "uid": "labels",
            "data_type": "text",
            "multiple": True,
            "display_type": "checkbox",
            "enum": {"advanced": False, "choices": [{"value": "red"}, {"value": "blue"}]},
        },
        {"display_name": "Keywords", "uid": "keywords", "data_type": "text", "multiple": True},
        {"display_name": "Rating", "uid": "rating", "data_type": "number"},
        {"display_name": "Featured", "uid": "featured", "data_type": "boolean"},
        {"display_name": "Day", "uid": "day", "data_type": "isodate"},
        {
            "display_name": "Body",
            "uid": "body",
            "data_type": "json",
            "field_metadata": {"allow_json_rte": True},
        },
        {"display_name": "Extra", "uid": "extra", "data_type": "json"},
        {"display_name": "More", "uid": "more", "data_type": "link"},
        {
            "display_name": "Author",
            "uid": "author",
            "data_type": "reference",
            "reference_to": ["author"],
            "field_metadata": {"ref_multiple": False},
        },
        {"display_name": "Image", "uid": "image", "data_type": "file"},
        {
            "display_name": "SEO",
            "uid": "seo",
            "data_type": "group",
            "schema": [{"display_name": "Meta title", "uid": "meta_title", "data_type": "text"}],
        },
        {
            "display_name": "Items",
            "uid": "items",
            "data_type": "group",
            "multiple": True,
            "schema": [
                {"display_name": "Label", "uid": "label", "data_type": "text", "mandatory": True},
                {"display_name": "Count", "uid": "count", "data_type": "number"},
                {
                    "display_name": "Notes",
                    "uid": "notes",
                    "data_type": "group",
                    "multiple": True,
                    "schema": [{"display_name": "Note", "uid": "note", "data_type": "text"}],
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

KITCHEN_ENTRY: dict[str, Any] = {
    "title": "Everything",
    "summary": "line one\nline two",
    "category": "guide",
    "size": 2.5,
    "labels": ["blue"],
    "keywords": ["a", "b"],
    "rating": 4.0,
    "featured": True,
    "day": "2026-11-01",
    "body": rte("First paragraph.", "Second\nwith a soft line."),
    "extra": {"k": [1, 2]},
    "more": {"title": "Docs", "href": "https://example.com"},
    "author": [{"uid": "bltauthor00000001", "_content_type_uid": "author"}],
    "image": "bltasset",
    "seo": {"meta_title": "Meta", "_metadata": {"uid": "csseo"}},
    "items": [
        {
            "label": "one",
            "count": 1,
            "notes": [{"note": "n1", "_metadata": {"uid": "csnote1"}}],
            "_metadata": {"uid": "csitem1"},
        },
        {"label": "two", "count": 2, "notes": [], "_metadata": {"uid": "csitem2"}},
    ],
    "sections": [
        {"hero": {"headline": "Hi", "_metadata": {"uid": "cshero"}}},
        {
            "cta": {
                "label": "Go",
                "link": {"title": "Go", "href": "/go"},
                "_metadata": {"uid": "cscta"},
            }
        },
    ],
    "tags": ["x", "y"],
}
