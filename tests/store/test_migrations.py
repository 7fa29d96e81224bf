"""The Alembic migrations build exactly the tables of `veneer.store.tables`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, func, insert, select, text

from tests.conftest import _database
from veneer.store import Store, dumps, loads, open_store
from veneer.store import tables as t
from veneer.store.migrate import current, head, upgrade
from veneer.store.sqllist import Listing
from veneer.store.tables import metadata
from veneer.store.uniques import value_key


def test_database_is_at_head(services: Any) -> None:
    assert current(services.store) == head()


def test_migrated_schema_matches_tables(services: Any) -> None:
    with services.store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


@contextmanager
def _upgraded_over_existing_content(
    before: str, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    """A fresh database at revision `before`, given `_existing_content`, then upgraded to head."""
    backend = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    with contextmanager(_database)(backend, tmp_path_factory) as url:
        store = open_store(url)
        try:
            upgrade(store, before)
            with store.engine.begin() as conn:
                _existing_content(conn)
            upgrade(store)
            yield store
        finally:
            store.dispose()


def test_0003_claims_the_unique_values_of_existing_entries(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    with (
        _upgraded_over_existing_content("0002", database_url, tmp_path_factory) as store,
        store.engine.connect() as conn,
    ):
        u = t.unique_values
        rows = conn.execute(select(u.c.content_type, u.c.locale, u.c.value, u.c.entry))
        assert sorted(tuple(row) for row in rows) == [
            ("page", "en-us", '"Home"', "blt1"),  # blt2 shares it: the first uid keeps it
            ("page", "en-us", '"News"', "blt3"),
            ("page", "fr-fr", '"Home"', "blt2"),
        ]


def test_0004_indexes_the_latest_version_of_existing_entries(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    with _upgraded_over_existing_content("0003", database_url, tmp_path_factory) as store:
        with store.engine.connect() as conn:
            v = t.entry_values
            rows = conn.execute(
                select(v.c.scope, v.c.locale, v.c.content_type, v.c.entry, v.c.text).where(
                    v.c.path == "title", v.c.scope == ""
                )
            )
            assert sorted(tuple(row) for row in rows) == [
                ("", "en-us", "note", "blt4", "Home"),
                ("", "en-us", "page", "blt1", "Home"),
                ("", "en-us", "page", "blt2", "Home"),
                ("", "en-us", "page", "blt3", "News"),
                ("", "fr-fr", "page", "blt2", "Home"),
            ]
        with store.read() as tx:
            listing = Listing(query={"title": "Home"}, asc="title", include_count=True)
            docs, count = tx.entries.page("s", "page", ["fr-fr", "en-us"], listing)
            assert [(d["uid"], d["locale"]) for d in docs] == [("blt1", "en-us"), ("blt2", "fr-fr")]
            assert count == 2


def test_0005_indexes_the_published_base_documents(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    with _upgraded_over_existing_content("0004", database_url, tmp_path_factory) as store:
        with store.read() as tx:
            listing = Listing(query={"title": "Home"}, asc="title", include_count=True)
            rows, count = tx.publications.page("s", "prod", "page", ["fr-fr", "en-us"], listing)
            assert [(uid, code, loads(doc)["title"]) for uid, code, doc in rows] == [
                ("blt1", "en-us", "Home"),
                ("blt2", "fr-fr", "Home"),
            ]
            assert count == 2
            everything = Listing(include_count=True)
            assert tx.publications.page("s", "staging", "page", ["en-us"], everything) == ([], 0)
        with store.engine.connect() as conn:
            v = t.entry_values
            scopes = conn.execute(select(v.c.scope, v.c.entry).where(v.c.path == "title"))
            assert ("prod", "blt3") not in set(scopes)  # only blt3's variant is published


def _existing_content(conn: Connection) -> None:
    """Two content types (only `page` has a unique field) and entries made before 0003."""
    title = {"uid": "title", "data_type": "text"}
    for uid, unique in (("page", True), ("note", False)):
        doc = {"uid": uid, "schema": [{**title, "unique": unique}]}
        conn.execute(
            insert(t.content_types).values(stack="s", uid=uid, doc=dumps(doc), created_at="t")
        )
    for uid, code, ct, value in (
        ("blt1", "en-us", "page", "Home"),
        ("blt2", "en-us", "page", "Home"),
        ("blt2", "fr-fr", "page", "Home"),
        ("blt3", "en-us", "page", "News"),
        ("blt4", "en-us", "note", "Home"),
    ):
        doc = dumps({"uid": uid, "locale": code, "title": value})
        conn.execute(
            insert(t.entries).values(
                stack="s", uid=uid, locale=code, content_type=ct, version=1, doc=doc
            )
        )
        if (uid, code) != ("blt3", "en-us"):
            _publish(conn, uid, code, ct, doc)
    _publish(conn, "blt3", "en-us", "page", dumps({"title": "News"}), variant="v1")


def _publish(conn: Connection, uid: str, code: str, ct: str, doc: str, variant: str = "") -> None:
    """Published to the environment `prod` (tables the revisions before 0005 had already)."""
    conn.execute(
        insert(t.publications).values(
            stack="s",
            environment="prod",
            locale=code,
            entry=uid,
            variant=variant,
            content_type=ct,
            version=1,
            doc=doc,
            published_at="t",
            published_by="u",
            seq=1,
        )
    )


def test_0008_keys_unique_values_in_nfc(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Claims made before 0008 keyed the text as sent: an NFC and an NFD "Café" both held one."""
    backend = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    with contextmanager(_database)(backend, tmp_path_factory) as url:
        store = open_store(url)
        try:
            upgrade(store, "0007")
            title = {"uid": "title", "data_type": "text", "unique": True}
            with store.engine.begin() as conn:
                doc = dumps({"uid": "page", "schema": [title]})
                conn.execute(
                    insert(t.content_types).values(stack="s", uid="page", doc=doc, created_at="t")
                )
                for uid, value in (("blt1", "Caf\u00e9"), ("blt2", "Cafe\u0301")):
                    entry = dumps({"uid": uid, "locale": "en-us", "title": value})
                    conn.execute(
                        insert(t.entries).values(
                            stack="s",
                            uid=uid,
                            locale="en-us",
                            content_type="page",
                            version=1,
                            doc=entry,
                        )
                    )
                    conn.execute(
                        insert(t.unique_values).values(
                            stack="s",
                            content_type="page",
                            locale="en-us",
                            field="title",
                            value=f"as sent {uid}",
                            entry=uid,
                        )
                    )
            upgrade(store)
            with store.engine.connect() as conn:
                u = t.unique_values
                rows = conn.execute(select(u.c.field, u.c.value, u.c.entry)).all()
            assert [tuple(row) for row in rows] == [("title", value_key("Caf\u00e9"), "blt1")]
        finally:
            store.dispose()


def test_0011_numbers_existing_asset_publications_by_their_change(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The Sync API orders asset publications by their change's number: 0011 gives the ones
    published before it the number of their latest change (0 when the log has none)."""
    backend = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    with contextmanager(_database)(backend, tmp_path_factory) as url:
        store = open_store(url)
        try:
            upgrade(store, "0010")
            with store.engine.begin() as conn:
                for n, uid in enumerate(["blta", "blta", "bltb"]):
                    row = {"stack": "s", "environment": "e", "locale": "en-us", "entry": uid}
                    conn.execute(
                        insert(t.changes).values(
                            **row, variant="", content_type="sys_assets", at=f"2024-01-0{n + 1}"
                        )
                    )
                for uid in ("blta", "bltb", "bltc"):  # as 0010 made the table: no seq
                    conn.execute(
                        text(
                            "INSERT INTO asset_publications (stack, environment, locale, uid,"
                            " version, doc, published_at, published_by) VALUES ('s', 'e',"
                            " 'en-us', :uid, 1, '{}', '2024-01-01', 'u')"
                        ),
                        {"uid": uid},
                    )
                c = t.changes
                changes = {
                    uid: seq
                    for uid, seq in conn.execute(
                        select(c.c.entry, func.max(c.c.seq)).group_by(c.c.entry)
                    )
                }
            upgrade(store)
            with store.engine.connect() as conn:
                a = t.asset_publications
                found = dict(conn.execute(select(a.c.uid, a.c.seq)).all())
        finally:
            store.dispose()
    assert found == {"blta": changes["blta"], "bltb": changes["bltb"], "bltc": 0}


def test_0015_names_the_subject_of_queued_jobs(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """An entry's pending schedules are found by `jobs.subject`: 0015 names the entry (or asset)
    of the jobs still queued from their payload; the jobs that ran keep ''."""
    backend = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    with contextmanager(_database)(backend, tmp_path_factory) as url:
        store = open_store(url)
        try:
            upgrade(store, "0013")
            with store.engine.begin() as conn:
                for uid, payload, status in (
                    ("j1", {"entry": "blt1", "content_type": "page"}, "queued"),
                    ("j2", {"asset": "blt2"}, "queued"),
                    ("j3", {"entry": "blt3"}, "done"),
                ):
                    conn.execute(
                        text(
                            "INSERT INTO jobs (uid, stack, kind, payload, run_at, status, result,"
                            " created_by, created_at) VALUES (:uid, 's', 'publish', :payload,"
                            " '2030-01-01', :status, '{}', 'u', '2024-01-01')"
                        ),
                        {"uid": uid, "payload": dumps(payload), "status": status},
                    )
            upgrade(store)
            with store.engine.connect() as conn:
                j = t.jobs
                found = dict(conn.execute(select(j.c.uid, j.c.subject)).all())
            assert found == {"j1": "blt1", "j2": "blt2", "j3": ""}
        finally:
            store.dispose()


def test_0016_names_the_fields_of_published_entry_variants(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Variant publications made before 0016 get their `variant_fields` rows (merged queries);
    base publications get none."""
    backend = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    with contextmanager(_database)(backend, tmp_path_factory) as url:
        store = open_store(url)
        try:
            upgrade(store, "0015")
            red = {
                "set": [[["title"], "Red"], [["seo", "meta_title"], "R"]],
                "add": [],
                "order": [],
            }
            blue = {"set": [], "add": [[["group"], {}]], "order": [[["group"], ["cs1"]]]}
            with store.engine.begin() as conn:
                _publish(conn, "blt1", "en-us", "page", dumps({"title": "Home"}))
                _publish(conn, "blt1", "en-us", "page", dumps({"patch": red}), variant="red")
                _publish(conn, "blt2", "fr-fr", "page", dumps({"patch": blue}), variant="blue")
            upgrade(store)
            with store.engine.connect() as conn:
                f = t.variant_fields
                rows = conn.execute(
                    select(f.c.entry, f.c.variant, f.c.locale, f.c.environment, f.c.field)
                ).all()
            assert sorted(tuple(row) for row in rows) == [
                ("blt1", "red", "en-us", "prod", "seo"),
                ("blt1", "red", "en-us", "prod", "title"),
                ("blt2", "blue", "fr-fr", "prod", "group"),
            ]
        finally:
            store.dispose()
