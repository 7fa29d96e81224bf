"""Delivery lists answered by the field-value index of published documents (issue 11), on both
databases: publishing indexes the published base document in its environment, every unpublish
and delete drops its rows, and a list reads only its page's documents and variant patches."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import event, func, select

from tests.api.test_delivery import Site, assert_error, make_site, titles
from tests.api.test_delivery_variants import RED, VariantSite, make_variant_site
from tests.conftest import Api
from veneer.services.context import Services
from veneer.store import tables as t
from veneer.store.published import PublishedReader


@pytest.fixture
def fresh(api: Api) -> Site:
    return make_site(api)


def indexed(services: Services, site: Site, env: str = "production") -> set[tuple[str, str]]:
    """(entry uid, locale) of the documents indexed in an environment of the site's stack."""
    v = t.entry_values
    with services.store.engine.connect() as conn:
        rows = conn.execute(
            select(v.c.entry, v.c.locale)
            .where(v.c.stack == site.api_key, v.c.scope == site.envs[env], v.c.path == "")
            .distinct()
        )
        return {(uid, code) for uid, code in rows}


def index_rows(services: Services, site: Site) -> int:
    v = t.entry_values
    with services.store.engine.connect() as conn:
        count = select(func.count()).where(v.c.stack == site.api_key, v.c.scope != "")
        return int(conn.execute(count).scalar_one())


def test_publish_indexes_and_unpublish_drops(services: Services, fresh: Site) -> None:
    pages = {page["uid"] for page in fresh.pages}
    others = {(fresh.company["uid"], "en-us"), (fresh.author["uid"], "en-us")}
    zero = fresh.pages[0]["uid"]
    assert indexed(services, fresh) == {(uid, "en-us") for uid in pages} | others | {
        (zero, "fr-fr")
    }
    assert indexed(services, fresh, "staging") == set()
    fresh.publish("page", zero, locales=("fr-fr",), unpublish=True)
    assert (zero, "fr-fr") not in indexed(services, fresh)
    assert titles(fresh.entries(query=json.dumps({"title": "Bonjour"}), locale="fr-fr")) == []
    # A republish replaces the rows: the old title no longer matches, the new one does.
    one = fresh.pages[1]["uid"]
    fresh.update("page", one, title="Renamed")
    fresh.publish("page", one)
    assert titles(fresh.entries(query=json.dumps({"title": "Page 1"}))) == []
    assert titles(fresh.entries(query=json.dumps({"title": "Renamed"}))) == ["Renamed"]
    fresh.api.ok(fresh.api.delete(f"/content_types/page/entries/{one}"))
    assert all(uid != one for uid, _code in indexed(services, fresh))
    assert titles(fresh.entries(asc="views")) == ["Page 0", "Page 2", "Page 3"]


def test_deleting_an_environment_a_locale_or_a_type_drops_the_rows(
    services: Services, fresh: Site
) -> None:
    zero = fresh.pages[0]["uid"]
    fresh.publish("page", zero, envs=("staging",))
    assert indexed(services, fresh, "staging") == {(zero, "en-us")}
    fresh.api.ok(fresh.api.delete(f"/environments/{fresh.envs['staging']}"))
    assert indexed(services, fresh, "staging") == set()
    # fr-fr is de-de's fallback: it can be deleted once de-de falls back elsewhere (issue 12, 13)
    fresh.api.ok(fresh.api.put("/locales/de-de", {"locale": {"fallback_locale": "en-us"}}))
    fresh.api.ok(fresh.api.delete("/locales/fr-fr"))
    assert (zero, "fr-fr") not in indexed(services, fresh)
    fresh.api.ok(fresh.api.delete("/content_types/page"))
    assert indexed(services, fresh) == {
        (fresh.company["uid"], "en-us"),
        (fresh.author["uid"], "en-us"),
    }
    fresh.api.ok(fresh.api.delete("/stacks"))
    assert index_rows(services, fresh) == 0


def test_fallback_count_and_paging(fresh: Site) -> None:
    body = fresh.entries(
        locale="de-de", include_fallback="true", asc="views", include_count="true", limit=2
    )
    assert titles(body) == ["Bonjour", "Page 1"] and body["count"] == 4
    assert [e["locale"] for e in body["entries"]] == ["fr-fr", "en-us"]
    body = fresh.entries(locale="fr-fr", include_count="true")
    assert titles(body) == ["Bonjour"] and body["count"] == 1
    body = fresh.entries(desc="views", skip=1, limit=2, include_count="true")
    assert titles(body) == ["Page 2", "Page 1"] and body["count"] == 4
    nested = fresh.entries(query=json.dumps({"seo.keywords": "gamma"}), asc="views")
    assert titles(nested) == ["Page 0", "Page 2"]


def test_an_unknown_content_type_is_an_error(fresh: Site) -> None:
    """The query is checked first (119), then the content type (118, Contentstack's 422)."""
    body = assert_error(fresh.get("/content_types/nope/entries", query='{"views": 1}'), 422)
    assert body["error_code"] == 118
    bad = json.dumps({"views": {"$near": 1}})
    assert (
        assert_error(fresh.get("/content_types/nope/entries", query=bad), 422)["error_code"] == 119
    )
    assert fresh.entries(ct="company", query=json.dumps({"title": "Nobody"})) == {"entries": []}


def test_a_list_reads_only_its_page(services: Services, fresh: Site) -> None:
    """The documents are read by the page's keys: two of them for a page of two."""
    statements: list[tuple[str, Any]] = []

    def spy(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "publications.doc" in statement:
            statements.append((statement, parameters))

    event.listen(services.store.engine, "before_cursor_execute", spy)
    try:
        body = fresh.entries(asc="views", limit=2)
    finally:
        event.remove(services.store.engine, "before_cursor_execute", spy)
    assert titles(body) == ["Page 0", "Page 1"]
    [(_statement, parameters)] = statements
    keys = {fresh.pages[0]["uid"], fresh.pages[1]["uid"]}
    values = parameters.values() if isinstance(parameters, dict) else parameters
    assert keys <= {str(value) for value in values}
    assert not {page["uid"] for page in fresh.pages[2:]} & {str(value) for value in values}


def test_a_variant_list_reads_only_the_pages_patches(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    site: VariantSite = make_variant_site(api)
    asked: list[list[str]] = []
    real = PublishedReader.published_variants

    def spy(self: PublishedReader, stack: str, env: str, entries: Any, *rest: Any) -> Any:
        asked.append(list(entries))
        return real(self, stack, env, entries, *rest)

    monkeypatch.setattr(PublishedReader, "published_variants", spy)
    body = site.listed(RED, asc="views", skip=1, limit=2, include_count="true")
    assert [e["title"] for e in body["entries"]] == ["Red other 1", "Red other 2"]
    assert body["count"] == 5
    assert [sorted(entries) for entries in asked] == [
        sorted([site.others[0]["uid"], site.others[1]["uid"]])
    ]
