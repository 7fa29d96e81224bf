"""Several `veneer serve` nodes on one PostgreSQL database, as a cluster runs (docs/operations.md,
"Many nodes"): a reader hammering one node never gets a document older than the last publish
acknowledged by the other; a scheduled publish runs exactly once however many nodes watch the
queue; and a node killed (-9) in the middle of a burst of writes through both loses nothing either
acknowledged.

Each test has a PostgreSQL database of its own (the session's app would run the scheduled jobs
and make the count meaningless). SQLite is a single-node database (one file, one machine):
tests/e2e/test_multiprocess_cache.py covers several processes on one file.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import text

from tests.conftest import BACKENDS, MAIN_BRANCH, PASSWORD, _database
from tests.e2e.test_crash_safety import _assert_whole_publish, _burst, _check_integrity
from tests.e2e.test_webhook_delivery import Servers
from veneer import ids
from veneer.passwords import Passwords
from veneer.services.context import Services
from veneer.settings import Settings
from veneer.store import open_store
from veneer.store.migrate import upgrade

pytestmark = [pytest.mark.slow, pytest.mark.e2e]
PUBLISH = {"entry": {"environments": ["production"], "locales": ["en-us"]}, "locale": "en-us"}
NODE = {"VENEER_SCHEDULER_INTERVAL": "0.2"}


@pytest.fixture
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    """The services of a new PostgreSQL database (dropped after the test)."""
    if "postgresql" not in BACKENDS:
        pytest.skip("a cluster shares one PostgreSQL; VENEER_TEST_BACKENDS leaves it out")
    with contextmanager(_database)("postgresql", tmp_path_factory) as url:
        store = open_store(url)
        upgrade(store)
        try:
            yield Services(store, Settings(database_url=url), Passwords.cheap())
        finally:
            store.dispose()


@pytest.fixture
def cluster(fresh: Services, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    made = Servers(fresh, tmp_path_factory.mktemp("cluster"))
    try:
        yield made
    finally:
        made.stop()


def editor(cluster: Servers, base: str, services: Services) -> httpx.Client:
    """A logged-in user with a stack holding fr-fr, `production`, the `doc` content type and a
    delivery token (in the client's `delivery_token` header, unused by the management API)."""
    from veneer.services import users

    email = f"cluster-{secrets.token_hex(5)}@example.com"
    users.create_user(services, email, PASSWORD)
    http = cluster.client(base)
    login = http.post("/user-session", json={"user": {"email": email, "password": PASSWORD}})
    http.headers["authtoken"] = login.json()["user"]["authtoken"]
    http.headers["api_key"] = http.post("/stacks", json={"stack": {"name": "cluster"}}).json()[
        "stack"
    ]["api_key"]
    http.post("/locales", json={"locale": {"code": "fr-fr"}})
    http.post("/environments", json={"environment": {"name": "production"}})
    schema = [
        {"display_name": "Title", "uid": "title", "data_type": "text", "mandatory": True},
        {"display_name": "N", "uid": "n", "data_type": "number"},
    ]
    made = http.post(
        "/content_types", json={"content_type": {"title": "Doc", "uid": "doc", "schema": schema}}
    )
    assert made.status_code == 201, made.text
    scope = [
        {"module": "environment", "environments": ["production"], "acl": {"read": True}},
        MAIN_BRANCH,
    ]
    token = http.post("/stacks/delivery_tokens", json={"token": {"name": "web", "scope": scope}})
    assert token.status_code == 201, token.text
    http.headers["delivery_token"] = token.json()["token"]["token"]
    return http


def through(cluster: Servers, http: httpx.Client, base: str) -> httpx.Client:
    """The same editor, through another node."""
    return cluster.client(base, http.headers)


def website(cluster: Servers, http: httpx.Client, base: str) -> httpx.Client:
    """A delivery client of the editor's stack on the node at `base`."""
    headers = {"api_key": http.headers["api_key"], "access_token": http.headers["delivery_token"]}
    return cluster.client(base, headers)


def create(http: httpx.Client, title: str, n: int = 0) -> str:
    made = http.post("/content_types/doc/entries", json={"entry": {"title": title, "n": n}})
    assert made.status_code == 201, made.text
    return str(made.json()["entry"]["uid"])


def served_n(web: httpx.Client, uid: str) -> int | None:
    """`n` of the entry as the node serves it to a website (None while it is not published)."""
    got = web.get(f"/content_types/doc/entries/{uid}", params={"environment": "production"})
    return got.json()["entry"]["n"] if got.status_code == 200 else None


class Reader(threading.Thread):
    """Reads the entry from one node without pause and checks each answer against the last publish
    acknowledged before the request was sent: an older `n` is a stale read."""

    def __init__(self, web: httpx.Client, uid: str) -> None:
        super().__init__(daemon=True)
        self.web, self.uid = web, uid
        self.acknowledged = 0
        self.reads = 0
        self.stale: list[tuple[int, int | None]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            expected = self.acknowledged
            got = served_n(self.web, self.uid)
            self.reads += 1
            if got is None or got < expected:
                self.stale.append((expected, got))


def test_a_reader_on_one_node_never_gets_what_a_publish_on_the_other_replaced(
    fresh: Services, cluster: Servers
) -> None:
    (_, one), (_, two) = cluster.start(**NODE), cluster.start(**NODE)
    writers = [editor(cluster, one, fresh)]
    writers.append(through(cluster, writers[0], two))
    uid = create(writers[0], "watched")
    assert writers[0].post(f"/content_types/doc/entries/{uid}/publish", json=PUBLISH).is_success
    readers = [Reader(website(cluster, writers[0], base), uid) for base in (one, two)]
    for reader in readers:
        reader.start()
    try:
        for n in range(1, 31):  # each node publishes in turn; both readers follow both
            writer = writers[n % 2]
            updated = writer.put(f"/content_types/doc/entries/{uid}", json={"entry": {"n": n}})
            assert updated.status_code == 200, updated.text
            published = writer.post(f"/content_types/doc/entries/{uid}/publish", json=PUBLISH)
            assert published.status_code == 200, published.text
            for reader in readers:
                reader.acknowledged = n
            time.sleep(0.05)
    finally:
        for reader in readers:
            reader.stop.set()
            reader.join(10)
    assert [reader.stale for reader in readers] == [[], []]
    assert min(reader.reads for reader in readers) > 30  # they read while publishes went on
    assert {served_n(reader.web, uid) for reader in readers} == {30}


def test_a_delivery_node_on_a_replica_never_gets_what_a_publish_replaced(
    fresh: Services, cluster: Servers
) -> None:
    """A delivery node whose replica URL names the primary (a replica that is always current):
    it serves from the replica, and a reader on it is never stale."""
    _, writes = cluster.start(**NODE)
    replica = fresh.settings.database_url + "?application_name=veneer-replica"
    _, reads = cluster.start(
        **NODE, VENEER_ROLE="delivery", VENEER_READ_DATABASE_URL=replica, VENEER_WEBHOOK_SENDERS="0"
    )
    http = editor(cluster, writes, fresh)
    uid = create(http, "watched")
    assert http.post(f"/content_types/doc/entries/{uid}/publish", json=PUBLISH).is_success
    reader = Reader(website(cluster, http, reads), uid)
    reader.start()
    try:
        for n in range(1, 21):
            updated = http.put(f"/content_types/doc/entries/{uid}", json={"entry": {"n": n}})
            assert updated.status_code == 200, updated.text
            published = http.post(f"/content_types/doc/entries/{uid}/publish", json=PUBLISH)
            assert published.status_code == 200, published.text
            reader.acknowledged = n
            time.sleep(0.05)
    finally:
        reader.stop.set()
        reader.join(10)
    assert reader.stale == []
    assert reader.reads > 20
    with fresh.store.engine.connect() as conn:
        replica_sessions = conn.execute(
            text("SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = 'veneer-replica'")
        ).scalar()
    assert replica_sessions and replica_sessions > 0  # the node read through the replica URL


def test_a_scheduled_publish_runs_once_however_many_nodes_watch(
    fresh: Services, cluster: Servers
) -> None:
    bases = [cluster.start(**NODE)[1] for _ in range(2)]
    http = editor(cluster, bases[0], fresh)
    uids = [create(http, f"scheduled {i}", i) for i in range(8)]
    when = ids.format_time(datetime.now(UTC) + timedelta(seconds=3))
    for uid in uids:
        scheduled = http.post(
            f"/content_types/doc/entries/{uid}/publish", json={**PUBLISH, "scheduled_at": when}
        )
        assert scheduled.status_code == 200, scheduled.text
    webs = [website(cluster, http, base) for base in bases]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(served_n(webs[1], uid) is None for uid in uids):
        time.sleep(0.2)
    time.sleep(1.0)  # five more scheduler passes on each node: room for a second run
    with fresh.store.engine.connect() as conn:
        jobs = conn.execute(text("SELECT status, COUNT(*) FROM jobs GROUP BY status")).all()
        events = conn.execute(
            text("SELECT uid, COUNT(*) FROM events WHERE type = 'entry_published' GROUP BY uid")
        ).all()
        changes = conn.execute(
            text("SELECT entry, COUNT(*) FROM changes WHERE entry != '' GROUP BY entry")
        ).all()
    assert jobs == [("done", len(uids))]
    assert dict(events) == {uid: 1 for uid in uids}
    assert dict(changes) == {uid: 1 for uid in uids}
    for web in webs:
        assert [served_n(web, uid) for uid in uids] == list(range(8))


def test_kill_minus_nine_on_one_node_mid_burst_loses_nothing_either_acknowledged(
    fresh: Services, cluster: Servers
) -> None:
    rate = {**NODE, "VENEER_MANAGEMENT_RATE_LIMIT": "0"}
    (doomed, one), (_, two) = cluster.start(**rate), cluster.start(**rate)
    http = editor(cluster, one, fresh)
    clients = [through(cluster, http, base) for base in (one, one, two, two)]
    acked: list[tuple[str, str, int, int]] = []
    stop = threading.Event()
    bursts = [
        threading.Thread(target=_burst, args=(client, acked, stop, i))
        for i, client in enumerate(clients)
    ]
    for burst in bursts:
        burst.start()
    time.sleep(2.0)
    cluster.kill(doomed)
    killed_at = len(acked)
    time.sleep(1.5)  # the survivor goes on taking writes
    stop.set()
    for burst in bursts:
        burst.join(30)
    assert len(acked) > killed_at, "the surviving node should have taken writes after the kill"
    _check_integrity(fresh)
    survivor = through(cluster, http, two)
    for _kind, entry, version, value in (a for a in acked if a[0] == "write"):
        doc = survivor.get(f"/content_types/doc/entries/{entry}", params={"version": version})
        assert doc.status_code == 200 and doc.json()["entry"]["n"] == value, doc.text
    web = website(cluster, http, two)
    for entry, value in last_published(acked).items():
        _assert_whole_publish(survivor, entry, must_exist=True)
        served = served_n(web, entry)
        assert served is not None and served >= value, (entry, served, value)


def last_published(acked: list[tuple[str, str, int, int]]) -> dict[str, int]:
    """For each entry with an acknowledged publish, `n` as of the last one (each entry is written
    by one thread, so `acked` holds its writes and publishes in the order they happened)."""
    written: dict[str, int] = {}
    published: dict[str, int] = {}
    for kind, entry, _version, value in acked:
        if kind == "write":
            written[entry] = value
        else:
            published[entry] = written[entry]
    return published
