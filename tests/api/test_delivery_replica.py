"""`VENEER_READ_DATABASE_URL`: delivery reads go to the replica only while it holds every change the
primary had logged when the request began; a replica that lags, or cannot be reached, is passed
over for the primary, so no read returns what an acknowledged publish replaced.

The replica is a real second PostgreSQL database made from the primary (`CREATE DATABASE ...
TEMPLATE`): an exact copy of it at one moment, which then lags behind every later write, as a
streaming replica that stopped applying would. tests/e2e/test_cluster.py runs a delivery node whose
replica URL names the primary itself (a replica that is always current).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson
import psycopg
import pytest
from starlette.testclient import TestClient

from tests.api.test_delivery import Site, make_site
from tests.conftest import BACKENDS, PG_SERVER, WEBHOOKS, _database, _drop_pg_database, new_user
from veneer.api.delivery.cache import DeliveryCache
from veneer.api.delivery.context import DeliveryContext
from veneer.api.delivery.follower import REPLICA_REST, ChangeFollower
from veneer.app import create_app
from veneer.passwords import Passwords
from veneer.services.context import Services
from veneer.settings import Settings
from veneer.store import open_store
from veneer.store import tables as t
from veneer.store.migrate import upgrade


@pytest.fixture
def primary(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """The settings of a new PostgreSQL database (dropped after the test)."""
    if "postgresql" not in BACKENDS:
        pytest.skip("read replicas are PostgreSQL's; VENEER_TEST_BACKENDS leaves it out")
    with contextmanager(_database)("postgresql", tmp_path_factory) as url:
        files = str(tmp_path_factory.mktemp("files"))
        yield Settings(database_url=url, files_dir=files, **WEBHOOKS)


@contextmanager
def serving(settings: Settings) -> Iterator[TestClient]:
    """The app on `settings`' databases, with its own store (closed at the end)."""
    store = open_store(settings.database_url)
    upgrade(store)
    services = Services(store, settings, Passwords.cheap())
    try:
        with TestClient(create_app(settings, services=services)) as client:
            yield client
    finally:
        store.dispose()


@contextmanager
def snapshot(url: str) -> Iterator[str]:
    """The URL of a copy of the database at `url` as it is now (dropped at the end). Nothing may
    be connected to it while it is copied."""
    source = url.rsplit("/", 1)[1]
    name = f"{source}_replica"
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        _drop_pg_database(name)


def state_of(client: TestClient) -> Any:
    app: Any = client.app
    while not hasattr(app, "state"):  # through the ASGI wrappers, to the Starlette app
        app = app.app
    return app.state


def context_of(client: TestClient) -> DeliveryContext:
    context: DeliveryContext = state_of(client).delivery_context
    return context


def stored_title(url: str, entry: str) -> str:
    """The title of the entry's published en-us document, as the database at `url` holds it."""
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT doc FROM publications WHERE entry = %s AND locale = 'en-us' AND variant = ''",
            (entry,),
        ).fetchone()
    assert row is not None
    return str(orjson.loads(row[0])["title"])


def apply_on_replica(primary: str, replica: str, entry: str) -> None:
    """What replaying the primary's log would bring the replica for one entry's publish: its
    published documents and the change-log rows it has not applied."""
    with psycopg.connect(primary) as source, psycopg.connect(replica) as target:
        newest = target.execute("SELECT COALESCE(MAX(seq), 0) FROM changes").fetchone()
        for table, where, args in (
            ("changes", "seq > %s", (newest[0] if newest else 0,)),
            ("publications", "entry = %s", (entry,)),
        ):
            found = source.execute(f"SELECT * FROM {table} WHERE {where}", args)
            columns = ", ".join(column.name for column in found.description or ())
            rows = found.fetchall()
            marks = ", ".join(["%s"] * len(rows[0]))
            if table == "publications":
                target.execute("DELETE FROM publications WHERE entry = %s", (entry,))
            with target.cursor() as cursor:
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)


def make_stack(settings: Settings) -> Site:
    """make_site's stack on the primary, built by an app that is then closed (so the database can
    be copied)."""
    with serving(settings) as client:
        api = new_user(state_of(client).services, client)
        api.api_key = api.ok(
            api.post("/stacks", {"stack": {"name": "Replica", "master_locale": "en-us"}}), 201
        )["stack"]["api_key"]
        return make_site(api)


def titles(site: Site, uid: str) -> set[str]:
    """The entry's title as served alone, in its content type's list and by a query."""
    listed = site.entries()["entries"]
    queried = site.entries(query=orjson.dumps({"uid": uid}).decode())["entries"]
    return (
        {site.entry(uid)["title"]}
        | {e["title"] for e in listed if e["uid"] == uid}
        | {e["title"] for e in queried}
    )


def test_a_lagging_replica_is_passed_over_until_it_holds_the_publish(primary: Settings) -> None:
    site = make_stack(primary)
    uid = site.pages[1]["uid"]
    with snapshot(primary.database_url) as replica:
        with_replica = dataclasses.replace(primary, read_database_url=replica)
        with serving(with_replica) as client:
            site.api.client = client
            published = context_of(client).published
            assert titles(site, uid) == {"Page 1"}
            assert published.replica_reads > 0  # the copy holds every change: it serves
            site.update("page", uid, title="Changed")
            site.publish("page", uid)
            assert stored_title(replica, uid) == "Page 1"  # what the lagging replica holds
            before = published.replica_reads
            assert titles(site, uid) == {"Changed"}
            assert published.replica_reads == before  # the primary served every read
            apply_on_replica(primary.database_url, replica, uid)
            assert site.entry(uid)["title"] == "Changed"
            assert site.entry(site.pages[3]["uid"])["title"] == "Page 3"  # not cached yet
            assert published.replica_reads > before  # caught up: it serves again


def test_an_unreachable_replica_is_passed_over(primary: Settings) -> None:
    site = make_stack(primary)
    uid = site.pages[2]["uid"]
    gone = dataclasses.replace(primary, read_database_url=f"{PG_SERVER}/no_such_replica")
    with serving(gone) as client:
        site.api.client = client
        assert titles(site, uid) == {"Page 2"}
        assert context_of(client).published.replica_reads == 0


def test_a_replica_that_goes_away_is_passed_over_at_once(primary: Settings) -> None:
    site = make_stack(primary)
    pages = [page["uid"] for page in site.pages]
    with snapshot(primary.database_url) as replica:
        with_replica = dataclasses.replace(primary, read_database_url=replica)
        with serving(with_replica) as client:
            site.api.client = client
            published = context_of(client).published
            assert site.entry(pages[0])["title"] == "Page 0"
            assert published.replica_reads > 0
            _drop_pg_database(replica.rsplit("/", 1)[1])  # its connections are cut too
            before = published.replica_reads
            assert site.entry(pages[1])["title"] == "Page 1"  # not cached: read on the primary
            assert titles(site, pages[2]) == {"Page 2"}  # lists and queries too
            assert published.replica_reads == before


def test_a_list_that_finds_the_replica_gone_fails_once(primary: Settings) -> None:
    """A list, a query or an asset read (SQLAlchemy's pool, not the entry reads' connection) that
    finds the replica gone answers 503 and marks it: the next requests read the primary."""
    site = make_stack(primary)
    with snapshot(primary.database_url) as replica:
        with_replica = dataclasses.replace(primary, read_database_url=replica)
        with serving(with_replica) as client:
            site.api.client = client
            assert len(site.entries()["entries"]) == 4
            _drop_pg_database(replica.rsplit("/", 1)[1])
            assert site.get("/content_types/page/entries", limit=2).status_code == 503
            assert len(site.entries(limit=3)["entries"]) == 3


def test_an_unreachable_replica_is_tried_again_only_after_a_rest(primary: Settings) -> None:
    store = open_store(primary.database_url)
    upgrade(store)
    reader = store.published_reader(5.0, f"{PG_SERVER}/no_such_replica")
    now = [0.0]
    follower = ChangeFollower(reader, DeliveryCache(True, 10), clock=lambda: now[0])
    tries: list[float] = []
    ask = reader.replica_newest_change

    def counted() -> int:
        tries.append(now[0])
        return ask()

    reader.replica_newest_change = counted  # type: ignore[method-assign]
    try:
        with store.engine.begin() as conn:  # a change, so that the replica has one to hold
            conn.execute(
                t.changes.insert(),
                [
                    {
                        "stack": "s",
                        "environment": "",
                        "locale": "",
                        "entry": "",
                        "variant": "",
                        "at": "2024",
                    }
                ],
            )
        for step in range(12):
            now[0] = step * 1.0
            reader.start()
            follower.sync()
        assert tries == [0.0, REPLICA_REST, 2 * REPLICA_REST]
    finally:
        reader.close()
        store.dispose()


def test_a_replica_needs_postgresql() -> None:
    from veneer.settings import ConfigError

    with pytest.raises(ConfigError, match="needs a PostgreSQL VENEER_DATABASE_URL"):
        Settings.from_env(
            {
                "VENEER_DATABASE_URL": "sqlite:////tmp/veneer.db",
                "VENEER_READ_DATABASE_URL": f"{PG_SERVER}/replica",
            }
        )
