"""The management API's entry lists answered by the field-value index (issue 11), on both
databases: the index follows every write and delete of the latest entries, and a list loads only
the documents of its page."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

import veneer.store.entries
from tests.api.test_core_flow import make_entry, setup_page
from tests.conftest import Api
from veneer.services.context import Services
from veneer.store import tables as t


def listed(api: Api, **params: Any) -> dict[str, Any]:
    """The list of `page` entries with `params` (a `query` as an object)."""
    if "query" in params:
        params["query"] = json.dumps(params["query"])
    return api.ok(api.get("/content_types/page/entries", params=params))


def titles(api: Api, **params: Any) -> list[str]:
    return [entry["title"] for entry in listed(api, asc="title", **params)["entries"]]


def indexed(services: Services, api: Api) -> int:
    """The number of rows the stack has in the index of the latest entries."""
    v = t.entry_values
    with services.store.engine.connect() as conn:
        count = select(func.count()).where(v.c.stack == api.api_key, v.c.scope == "")
        return int(conn.execute(count).scalar_one())


def test_lists_follow_create_update_localize_and_delete(api: Api) -> None:
    setup_page(api)
    api.ok(api.post("/locales", {"locale": {"code": "fr-fr", "fallback_locale": "en-us"}}), 201)
    home, news = make_entry(api, "Home"), make_entry(api, "News")
    assert titles(api) == ["Home", "News"]
    path = f"/content_types/page/entries/{home['uid']}"
    api.ok(api.put(path, {"entry": {"title": "About"}}))
    assert titles(api) == ["About", "News"]
    api.ok(api.put(path, {"entry": {"title": "Bonjour"}}, params={"locale": "fr-fr"}))
    assert titles(api, locale="fr-fr") == ["Bonjour"]
    assert titles(api, locale="fr-fr", include_fallback="true") == ["Bonjour", "News"]
    api.ok(api.delete(path, params={"locale": "fr-fr"}))
    assert titles(api, locale="fr-fr") == []
    assert titles(api) == ["About", "News"]
    api.ok(api.delete(f"/content_types/page/entries/{news['uid']}"))
    assert titles(api) == ["About"]


def test_deletes_drop_the_rows(services: Services, api: Api) -> None:
    setup_page(api)
    api.ok(api.post("/locales", {"locale": {"code": "fr-fr", "fallback_locale": "en-us"}}), 201)
    home = make_entry(api, "Home")
    before = indexed(services, api)
    path = f"/content_types/page/entries/{home['uid']}"
    api.ok(api.put(path, {"entry": {"title": "Bonjour"}}, params={"locale": "fr-fr"}))
    assert indexed(services, api) > before
    api.ok(api.delete("/locales/fr-fr"))
    assert indexed(services, api) == before
    api.ok(api.delete("/content_types/page"))
    assert indexed(services, api) == 0
    setup_page(api)
    make_entry(api, "Again")
    api.ok(api.delete("/stacks"))
    assert indexed(services, api) == 0


def test_count_sort_and_nested_query(api: Api) -> None:
    setup_page(api)
    for title, views, labels in (("A", 3, ["x"]), ("B", 1, ["y", "z"]), ("C", 2, ["z"])):
        make_entry(api, title, views=views, items=[{"label": label} for label in labels])
    body = listed(api, asc="views", include_count="true", limit=2)
    assert [e["title"] for e in body["entries"]] == ["B", "C"] and body["count"] == 3
    body = listed(api, desc="views", skip=1)
    assert [e["title"] for e in body["entries"]] == ["C", "B"] and "count" not in body
    body = listed(api, query={"items.label": "z"}, asc="title", include_count="true")
    assert [e["title"] for e in body["entries"]] == ["B", "C"] and body["count"] == 2


def test_a_list_loads_only_its_page(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    setup_page(api)
    for title in ("A", "B", "C", "D"):
        make_entry(api, title)
    loaded: list[Any] = []
    real = veneer.store.entries.loads

    def spy(text: str | bytes) -> Any:
        loaded.append(text)
        return real(text)

    monkeypatch.setattr(veneer.store.entries, "loads", spy)
    body = listed(api, asc="title", limit=1, include_count="true")
    assert [e["title"] for e in body["entries"]] == ["A"] and body["count"] == 4
    assert len(loaded) == 1
