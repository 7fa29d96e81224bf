"""The bulk write path (services/bulk.py) on both databases: what it writes equals what the CMA's
create, entry variant update and publish write; refusals (validation, unique values within the
load and against the database) leave no trace and stop nothing else; the change log, the
field-value index, CMA lists and delivery see bulk-loaded content."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

import veneer.store.tables as t
from tests.api.test_delivery import Site
from tests.conftest import Api
from tests.test_cli import veneer
from veneer.domain.fieldindex import document_rows
from veneer.errors import ValidationFailed
from veneer.services import bulk
from veneer.services.context import Actor, Services
from veneer.store.base import GrowingStatistics
from veneer.store.uniques import Uniques

VARIANT = "cs_red"
ARTICLE = {
    "content_type": {
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
            {"display_name": "URL", "uid": "url", "data_type": "text", "unique": True},
            {"display_name": "Number", "uid": "number", "data_type": "number"},
            {"display_name": "Date", "uid": "date", "data_type": "isodate"},
            {
                "display_name": "Author",
                "uid": "author",
                "data_type": "reference",
                "reference_to": ["author"],
            },
            {
                "display_name": "SEO",
                "uid": "seo",
                "data_type": "group",
                "schema": [{"display_name": "Meta", "uid": "meta", "data_type": "text"}],
            },
            {
                "display_name": "Links",
                "uid": "links",
                "data_type": "group",
                "multiple": True,
                "schema": [{"display_name": "Label", "uid": "label", "data_type": "text"}],
            },
            {"display_name": "Body", "uid": "body", "data_type": "text"},
        ],
    }
}
AUTHOR = {
    "content_type": {
        "title": "Author",
        "uid": "author",
        "schema": [{"display_name": "Title", "uid": "title", "data_type": "text"}],
    }
}


def article(n: int, **more: Any) -> dict[str, Any]:
    return {
        "title": f"Article {n}",
        "url": f"/articles/{n}",
        "number": n,
        "date": "2024-05-01T10:00:00.000Z",
        "author": [{"uid": "bltauthor", "_content_type_uid": "author"}],
        "seo": {"meta": f"About {n}", "_metadata": {"uid": "csseo"}},
        "links": [{"label": "one", "_metadata": {"uid": "csone"}}],
        "body": "lorem ipsum " * 20,
        "tags": ["a", "b"],
        **more,
    }


@pytest.fixture
def site(api: Api) -> Site:
    site = Site(api)
    for name in ("production", "staging"):
        env = api.ok(api.post("/environments", {"environment": {"name": name}}), 201)
        site.envs[name] = env["environment"]["uid"]
    site.tokens["production"] = site.token("production", ["production"])
    api.ok(api.post("/content_types", AUTHOR), 201)
    api.ok(api.post("/content_types", ARTICLE), 201)
    group = {"name": "Colors", "uid": "colors", "content_types": ["article"]}
    api.ok(api.post("/variant_groups", group), 201)
    variant = {"uid": VARIANT, "name": "Red", "alias": "red"}
    api.ok(api.post("/variant_groups/colors/variants", variant), 201)
    return site


def actor(api: Api) -> Actor:
    user = api.ok(api.get("/user"))["user"]
    return Actor(kind="user", uid=user["uid"])


def load(services: Services, api: Api, items: list[Any], **options: Any) -> bulk.Report:
    options = {"environments": ("production",), **options}
    return bulk.load_entries(
        services, actor(api), api.api_key, bulk.Load("article", **options), items
    )


def rows(services: Services, table: t.Table, stack: str, **keys: str) -> list[dict[str, Any]]:
    with services.store.engine.connect() as conn:
        query = select(table).where(table.c.stack == stack)
        for name, value in keys.items():
            query = query.where(table.c[name] == value)
        return [dict(row) for row in conn.execute(query).mappings()]


def doc(row: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(row["doc"])
    return found


UNSTABLE = {"uid", "created_at", "updated_at", "time", "instance_uid"}


def stable(value: Any) -> Any:
    """`value` without what differs between two writes of the same content (uids, times)."""
    if isinstance(value, dict):
        return {k: stable(v) for k, v in value.items() if k not in UNSTABLE}
    if isinstance(value, list):
        return [stable(item) for item in value]
    return value


def written(services: Services, stack: str, uid: str) -> dict[str, Any]:
    """Everything stored for an entry: latest, versions, entry variants, publications, index."""
    index = sorted(
        (r["scope"] != "", r["path"], r["n"], r["kind"], float(r["num"]), r["text"], r["first"])
        for r in rows(services, t.entry_values, stack, entry=uid)
        if r["path"]
        not in {"uid", "created_at", "updated_at", "publish_details", "publish_details.time"}
    )
    published = rows(services, t.publications, stack, entry=uid)
    return {
        "entry": [stable(doc(r)) for r in rows(services, t.entries, stack, uid=uid)],
        "versions": [stable(doc(r)) for r in rows(services, t.entry_versions, stack, uid=uid)],
        "variants": [stable(doc(r)) for r in rows(services, t.entry_variants, stack, entry=uid)],
        "published": sorted(
            (r["variant"], r["version"], json.dumps(stable(doc(r)), sort_keys=True))
            for r in published
        ),
        "index": index,
        "variant_fields": sorted(
            (r["variant"], r["locale"], r["field"])
            for r in rows(services, t.variant_fields, stack, entry=uid)
        ),
    }


def test_bulk_writes_what_the_cma_writes(services: Services, site: Site) -> None:
    api = site.api
    body, red = article(1), {"entry": {"title": "Red 1", "_variant": {}}}
    uid = api.ok(api.post("/content_types/article/entries", {"entry": body}), 201)["entry"]["uid"]
    path = f"/content_types/article/entries/{uid}"
    api.ok(api.put(f"{path}/variants/{VARIANT}", red), 201)
    publish: dict[str, Any] = {"entry": {"environments": ["production"], "locales": ["en-us"]}}
    api.ok(api.post(f"{path}/publish", publish))
    publish["entry"]["variants"] = [{"uid": VARIANT}]
    api.ok(api.post(f"{path}/publish", publish))
    theirs = written(services, api.api_key, uid)
    api.ok(api.delete(path))  # frees its unique values

    report = load(services, api, [{"entry": body, "variants": {VARIANT: red}}])
    assert (report.loaded, report.published, report.refused) == (1, 2, [])
    (loaded,) = rows(services, t.entries, api.api_key)
    ours = written(services, api.api_key, loaded["uid"])
    assert ours == theirs
    assert [p[0] for p in ours["published"]] == ["", VARIANT] and ours["variants"]
    assert ours["variant_fields"] == [(VARIANT, "en-us", "title")]
    assert {scoped for scoped, *_ in ours["index"]} == {False, True}  # latest, and published


def test_index_rows_of_the_published_document(services: Services, site: Site) -> None:
    api = site.api
    report = load(services, api, [{"entry": article(n)} for n in range(3)])
    assert report.loaded == 3
    for row in rows(services, t.publications, api.api_key):
        indexed = rows(services, t.entry_values, api.api_key, entry=row["entry"])
        scoped = sorted(
            (r["path"], r["n"], r["kind"], float(r["num"]), r["text"], r["tail"], r["first"])
            for r in indexed
            if r["scope"] == site.envs["production"]
        )
        expected = sorted(
            (r.path, r.n, r.kind, float(r.num), r.text, r.tail, r.first)
            for r in document_rows(doc(row))
        )
        assert scoped == expected and len(indexed) == 2 * len(expected) - 5  # publish_details.*


def test_refusals_stop_nothing_and_leave_nothing(services: Services, site: Site) -> None:
    api = site.api
    api.ok(api.post("/content_types/article/entries", {"entry": article(0)}), 201)
    red = {"entry": {"title": "Red", "_variant": {}}}
    items: list[Any] = [
        {"entry": article(1)},
        {"entry": {**article(2), "title": ""}},  # mandatory
        {"entry": article(3, number="three")},
        "not an object",
        {"entry": article(0, url="/fresh")},  # title held by the entry made through the API
        {"entry": article(5, title="Article 1")},  # title claimed by item 0 of this load
        {"entry": article(6, url="/articles/1")},  # url too
        {"entry": article(7), "variants": {"cs_unknown": {"entry": {"_variant": {}}}}},
        {"entry": article(8), "variants": {VARIANT: {"entry": {"number": "x", "_variant": {}}}}},
        {"entry": article(9), "variants": {VARIANT: {"entry": {"title": "Red 9"}}}},
        {"entry": article(10), "variants": {VARIANT: {"entry": {"_variant": {}}}}},
        {"entry": article(11), "variants": {VARIANT: red, "red": red}},
    ]
    report = load(services, api, items, batch_size=4)
    refused = {r.position: r for r in report.refused}
    assert sorted(refused) == [1, 2, 3, 4, 5, 6, 7, 8, 9, 11]
    assert report.loaded == 2 and report.published == 2 + 1
    assert refused[1].errors == {"title": ["is required"]}
    assert list(refused[2].errors) == ["number"]
    assert refused[3].errors == {"entry": ["is required."]}
    for position, fields in {4: ["title"], 5: ["title"], 6: ["url"]}.items():
        assert (refused[position].message, refused[position].errors) == (
            "Entry creation failed. Please enter valid data.",
            {field: ["is not unique."] for field in fields},
        )
    assert list(refused[7].errors) == ["variants.cs_unknown.variant"]
    assert list(refused[8].errors) == ["variants.cs_red.number"]
    assert list(refused[9].errors) == ["variants.cs_red.entry._variant"]
    assert refused[11].errors == {"variants": ["names a variant twice (by uid and by alias)."]}
    titles = sorted(doc(r)["title"] for r in rows(services, t.entries, api.api_key))
    assert titles == ["Article 0", "Article 1", "Article 10"]
    held = rows(services, t.unique_values, api.api_key)
    assert len(held) == 3 * 2 and len(rows(services, t.entry_variants, api.api_key)) == 1
    published = {r["entry"] for r in rows(services, t.publications, api.api_key)}
    indexed = {r["entry"] for r in rows(services, t.entry_values, api.api_key)}
    assert len(published) == 2 and len(indexed) == 3


def test_a_batch_the_database_refuses_is_written_line_by_line(
    services: Services, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A concurrent writer takes a unique value between the check and the insert (simulated: the
    first check sees nothing held): the batch rolls back, and each line is written alone."""
    api = site.api
    api.ok(api.post("/content_types/article/entries", {"entry": article(1)}), 201)
    check = Uniques._held
    calls: list[int] = []

    def racing(self: Uniques, *args: Any) -> list[tuple[str, str, str]]:
        calls.append(1)
        return [] if len(calls) == 1 else check(self, *args)

    monkeypatch.setattr(Uniques, "_held", racing)
    report = load(services, api, [{"entry": article(n)} for n in (0, 1, 2)])
    assert report.loaded == 2 and len(calls) == 4  # the batch, then each line alone
    assert [(r.position, r.errors) for r in report.refused] == [
        (1, {"title": ["is not unique."], "url": ["is not unique."]})
    ]
    titles = sorted(doc(r)["title"] for r in rows(services, t.entries, api.api_key))
    assert titles == ["Article 0", "Article 1", "Article 2"]


def test_the_journal_is_told_in_each_transaction_how_far_it_got(
    services: Services, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`journal`: inside each transaction that commits, how many items are handled once it does
    and the refusals among them, on the line-by-line path too (`veneer import` of a csdx folder
    records its progress with it)."""
    api = site.api
    api.ok(api.post("/content_types/article/entries", {"entry": article(1)}), 201)
    check = Uniques._held
    calls: list[int] = []

    def racing(self: Uniques, *args: Any) -> list[tuple[str, str, str]]:
        calls.append(1)
        return [] if len(calls) == 1 else check(self, *args)

    monkeypatch.setattr(Uniques, "_held", racing)
    told: list[tuple[int, list[int]]] = []

    def journal(tx: Any, upto: int, refused: list[bulk.Refusal]) -> None:
        told.append((upto, [r.position for r in refused]))

    items = [{"entry": article(n)} for n in (0, 1, 2)]
    items.insert(1, {"entry": {**article(5), "title": ""}})  # refused before any transaction
    report = bulk.load_entries(
        services, actor(api), api.api_key, bulk.Load("article"), items, journal=journal
    )
    assert sorted(r.position for r in report.refused) == [1, 2]
    # The batch rolled back (told nothing), then each line alone.
    assert told == [(1, []), (3, [1, 2]), (4, [1, 2])]


def test_a_refused_load_writes_nothing(services: Services, site: Site) -> None:
    with pytest.raises(ValidationFailed) as caught:
        load(services, site.api, [{"entry": article(1)}], environments=("nowhere",))
    assert caught.value.error_code == 141
    assert rows(services, t.entries, site.api.api_key) == []


def test_publications_are_in_the_change_log(services: Services, site: Site) -> None:
    api = site.api
    items = [
        {"entry": article(n), "variants": {VARIANT: {"entry": {"_variant": {}}}}} for n in range(5)
    ]
    report = load(services, api, items, environments=("production", "staging"), batch_size=2)
    assert report.loaded == 5 and report.published == 5 * 2 * 2
    changes = [c for c in rows(services, t.changes, api.api_key) if c["entry"]]
    published = rows(services, t.publications, api.api_key)
    logged = {(c["environment"], c["entry"], c["variant"]): c["seq"] for c in changes}
    assert {(p["environment"], p["entry"], p["variant"]): p["seq"] for p in published} == logged
    assert len(changes) == len(published) == 20


def test_cma_lists_and_delivery_find_bulk_loaded_entries(services: Services, site: Site) -> None:
    api = site.api
    report = load(services, api, [{"entry": article(n)} for n in range(30)], batch_size=7)
    assert report.loaded == 30
    query = {"query": '{"url": "/articles/17"}', "include_count": "true"}
    found = api.ok(api.get("/content_types/article/entries", params=query))
    assert [e["title"] for e in found["entries"]] == ["Article 17"] and found["count"] == 1
    ranged = {"query": '{"number": {"$gte": 25}}', "asc": "number", "include_count": "true"}
    found = api.ok(api.get("/content_types/article/entries", params=ranged))
    assert [e["number"] for e in found["entries"]] == [25, 26, 27, 28, 29]
    delivered = site.ok("/content_types/article/entries", params=query)
    assert [e["title"] for e in delivered["entries"]] == ["Article 17"]
    assert delivered["entries"][0]["publish_details"]["environment"] == site.envs["production"]
    delivered = site.ok("/content_types/article/entries", params=ranged)
    assert [e["number"] for e in delivered["entries"]] == [25, 26, 27, 28, 29]
    assert delivered["count"] == 5


def test_progress_is_told_each_batch(services: Services, site: Site) -> None:
    told: list[int] = []
    items = [{"entry": article(n)} for n in range(5)]
    bulk.load_entries(
        services,
        actor(site.api),
        site.api.api_key,
        bulk.Load("article", batch_size=2),
        items,
        progress=told.append,
    )
    assert told == [2, 2, 1]


def test_the_load_command(services: Services, site: Site, tmp_path: Path) -> None:
    lines = [
        json.dumps({"entry": article(1)}),
        "{not json",
        json.dumps({"entry": article(2, number="two")}),
        json.dumps({"entry": article(3)}),
    ]
    source = tmp_path / "articles.jsonl"
    source.write_text("\n".join(lines) + "\n")
    refusals = tmp_path / "refused.jsonl"
    url, key = services.settings.database_url, site.api.api_key
    ran = veneer(
        url,
        "load",
        str(source),
        "--api-key",
        key,
        "--content-type",
        "article",
        "--environment",
        "production",
        "--batch-size",
        "2",
        "--refusals",
        str(refusals),
    )
    assert ran.returncode == 1, ran.stderr
    assert "line 2: " in ran.stderr and "line 3: " in ran.stderr and "entries/s" in ran.stderr
    refused = [json.loads(line) for line in refusals.read_text().splitlines()]
    assert [(r["line"], r["error_code"]) for r in refused] == [(2, 400), (3, 119)]
    assert list(refused[1]["errors"]) == ["number"]
    delivered = site.ok("/content_types/article/entries", params={"asc": "number"})
    assert [e["title"] for e in delivered["entries"]] == ["Article 1", "Article 3"]
    owner = site.api.ok(site.api.get("/user"))["user"]["uid"]
    assert {e["created_by"] for e in delivered["entries"]} == {owner}


def test_a_load_refreshes_postgresqls_statistics(services: Services, site: Site) -> None:
    """PostgreSQL plans the lists' per-entry checks well only with statistics (docs/queries.md):
    a load analyzes the content tables. SQLite's plans are made for none: it keeps none."""
    with services.store.engine.connect() as conn:
        if services.store.dialect == "postgresql":
            conn.exec_driver_sql("SELECT pg_stat_reset()")
    assert load(services, site.api, [{"entry": article(n)} for n in range(3)]).loaded == 3
    with services.store.engine.connect() as conn:
        if services.store.dialect == "postgresql":
            analyzed = conn.exec_driver_sql(
                "SELECT count(*) FROM pg_stat_user_tables WHERE analyze_count > 0 "
                "AND relname IN ('entries', 'publications', 'entry_values')"
            ).scalar_one()
            assert analyzed == 3
        else:
            stats = conn.exec_driver_sql(
                "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'"
            ).scalar_one()
            assert stats == 0


def test_statistics_are_refreshed_as_the_load_grows(
    services: Services, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Refreshed once FIRST entries are in, then each time their number doubled, then at the end:
    PostgreSQL plans a batch's key look-ups from them (store/base.py::GrowingStatistics)."""
    monkeypatch.setattr(GrowingStatistics, "FIRST", 4)
    refreshed: list[int] = []
    real = services.store.refresh_statistics

    def refresh() -> None:
        e = t.entries
        count = select(func.count()).select_from(e).where(e.c.stack == site.api.api_key)
        with services.store.engine.connect() as conn:
            refreshed.append(conn.execute(count).scalar_one())
        real()

    monkeypatch.setattr(services.store, "refresh_statistics", refresh)
    items = [{"entry": article(n)} for n in range(13)]
    report = load(services, site.api, items, batch_size=2)
    assert report.loaded == 13
    assert refreshed == [4, 8, 13]


def test_entries_naming_unknown_terms_are_refused(services: Services, site: Site) -> None:
    """A loaded entry's taxonomy terms must exist, as the CMA's create checks them."""
    api = site.api
    api.ok(api.post("/taxonomies", {"taxonomy": {"uid": "topic", "name": "Topic"}}), 201)
    api.ok(api.post("/taxonomies/topic/terms", {"term": {"uid": "news", "name": "News"}}), 201)
    field = {
        "display_name": "Taxonomy",
        "uid": "taxonomies",
        "data_type": "taxonomy",
        "taxonomies": [{"taxonomy_uid": "topic"}],
    }
    schema = [*ARTICLE["content_type"]["schema"], field]
    api.ok(api.put("/content_types/article", {"content_type": {"schema": schema}}))

    def held(*terms: str) -> list[dict[str, str]]:
        return [{"taxonomy_uid": "topic", "term_uid": term} for term in terms]

    items = [
        {"entry": article(1, taxonomies=held("news"))},
        {"entry": article(2, taxonomies=held("news", "gone"))},
    ]
    report = load(services, api, items)
    assert [(r.position, r.errors) for r in report.refused] == [
        (1, {"taxonomies": ["'gone' is not a term of the taxonomy 'topic'."]})
    ]
    query = json.dumps({"taxonomies.topic": "news"})
    found = api.ok(api.get("/content_types/article/entries", params={"query": query}))
    assert [e["title"] for e in found["entries"]] == ["Article 1"]
