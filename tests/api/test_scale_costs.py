"""No hidden O(n) (issue 11): a request or a single write about one entry costs the database the
same whether its content type holds N entries or 4N, on both databases. Costs are counted by
`tests/cost.py` (statements, SQLite VM loop steps, and the planner's word that every read of a
content table is an index search bound to one entry), never timed. docs/scale-audit.md lists every
path checked."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select

from tests.api.test_core_flow import setup_page
from tests.conftest import Api
from tests.cost import Cost, measure
from veneer import ids
from veneer.services import publishing
from veneer.services.context import Services
from veneer.store import loads
from veneer.store import tables as t

N = 20
ENTRIES = "/content_types/page/entries"
TO_PRODUCTION = {"entry": {"environments": ["production"], "locales": ["en-us"]}}


class Stack:
    """A stack whose `page` content type grows: every entry published to production, each with a
    published entry variant when the stack has variants."""

    def __init__(self, api: Api, services: Services, *, variants: bool = False) -> None:
        self.api, self.services, self.variants = api, services, variants
        self.size = 0
        setup_page(api)
        api.ok(api.post("/environments", {"environment": {"name": "production"}}), 201)
        if variants:
            group = {"name": "Colors", "uid": "colors", "content_types": ["page"]}
            api.ok(api.post("/variant_groups", group), 201)
            for uid in ("red", "blue"):
                variant = {"uid": uid, "name": uid.title()}
                api.ok(api.post("/variant_groups/colors/variants", variant), 201)

    def entry(self, *, published: bool = True) -> str:
        """A new entry (with a red variant, when the stack has variants), published unless not."""
        self.size += 1
        title = f"Entry {ids.cs()}"
        body = {"entry": {"title": title, "views": self.size}}
        uid: str = self.api.ok(self.api.post(ENTRIES, body), 201)["entry"]["uid"]
        publish = TO_PRODUCTION
        if self.variants:
            layer = {"entry": {"title": f"{title} red", "_variant": {}}}
            self.api.ok(self.api.put(f"{ENTRIES}/{uid}/variants/red", layer), 201)
            publish = {"entry": {**TO_PRODUCTION["entry"], "variants": [{"uid": "red"}]}}
        if published:
            self.api.ok(self.api.post(f"{ENTRIES}/{uid}/publish", publish))
        return uid

    def grow(self, size: int) -> None:
        """Add entries until the type holds `size`: one through the API, copied row for row."""
        if self.size < size:
            uid = self.entry()
            copy_entry(self.services, self.api.api_key, uid, size - self.size)
            self.size = size

    def cost(self, operation: Callable[[], Any]) -> Cost:
        with measure(self.services.store) as cost:
            operation()
        return cost


# Every table that holds rows of one entry, and the column naming it.
ENTRY_ROWS = {
    t.entries: "uid",
    t.entry_versions: "uid",
    t.publications: "entry",
    t.entry_values: "entry",
    t.entry_variants: "entry",
    t.entry_variant_versions: "entry",
    t.unique_values: "entry",
}


def copy_entry(services: Services, stack: str, uid: str, copies: int) -> None:
    """`copies` entries, each a copy of every row `uid` has (published, with its variants and
    index rows) under a new uid and title: what as many API calls would make, in one transaction."""
    # The store's write transaction: it takes the write lock before reading (a plain BEGIN would
    # fail with "database is locked" on SQLite if the webhook sender commits in between).
    with services.store.write() as tx:
        conn = tx._conn
        title = conn.execute(
            select(t.entries.c.doc).where(t.entries.c.stack == stack, t.entries.c.uid == uid)
        ).scalar_one()
        doc = loads(title)
        title, made = doc["title"], doc["updated_at"]
        # Each copy made a millisecond before the last, as entries made one after the other are:
        # lists sort by the time by default, and one tie group of every copy is not what a stack
        # holds.
        renamed = [(ids.blt(), f"Entry {ids.cs()}", _earlier(made, n + 1)) for n in range(copies)]
        for table, column in ENTRY_ROWS.items():
            rows = conn.execute(
                select(table).where(table.c.stack == stack, table.c[column] == uid)
            ).mappings()
            rows = [dict(row) for row in rows]
            if not rows:
                continue
            conn.execute(
                insert(table),
                [
                    {
                        key: value.replace(uid, new).replace(title, new_title).replace(made, at)
                        if isinstance(value, str)
                        else value
                        for key, value in row.items()
                    }
                    for new, new_title, at in renamed
                    for row in rows
                ],
            )


def _earlier(at: str, milliseconds: int) -> str:
    """The API's time `at` (ISO 8601, milliseconds, Z), `milliseconds` earlier, in its format."""
    moment = datetime.fromisoformat(at) - timedelta(milliseconds=milliseconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def same_cost_at_n_and_4n(stack: Stack, operations: dict[str, Callable[[str], Any]]) -> None:
    """Each operation, given a fresh entry of its own, costs the same with N entries as with 4N,
    and reads no content table but by an index search bound to one entry."""
    costs: dict[str, list[Cost]] = {name: [] for name in operations}
    for size in (N, 4 * N):
        stack.grow(size)
        for name, operation in operations.items():
            uid = stack.entry()
            costs[name].append(stack.cost(lambda: operation(uid)))  # noqa: B023
    assert [
        problem for name, (small, large) in costs.items() for problem in compare(name, small, large)
    ] == []


def compare(name: str, small: Cost, large: Cost) -> list[str]:
    """What differs between an operation's cost at N and at 4N, or what it scans."""
    problems = [f"{name}: {scan}" for scan in {*small.scans, *large.scans}]
    if small.statements == 0 or not small.same_as(large):
        problems.append(f"{name}: {small.summary()} at N, {large.summary()} at 4N")
    return problems


def test_one_entry_reads_and_writes_cost_the_same_at_n_and_4n(api: Api, services: Services) -> None:
    stack = Stack(api, services)

    def path(uid: str) -> str:
        return f"{ENTRIES}/{uid}"

    same_cost_at_n_and_4n(
        stack,
        {
            "get with publish details": lambda uid: api.ok(
                api.get(path(uid), params={"include_publish_details": "true"})
            ),
            "versions": lambda uid: api.ok(api.get(path(uid) + "/versions")),
            "update": lambda uid: api.ok(api.put(path(uid), {"entry": {"title": uid}})),
            "publish again": lambda uid: api.ok(api.post(path(uid) + "/publish", TO_PRODUCTION)),
            "unpublish": lambda uid: api.ok(api.post(path(uid) + "/unpublish", TO_PRODUCTION)),
            "delete": lambda uid: api.ok(api.delete(path(uid))),
        },
    )


def test_a_query_for_a_few_entries_costs_the_same_at_n_and_4n(api: Api, services: Services) -> None:
    """A management query by a field's value (sites look pages up by `url`) reads the index rows
    of that value and the page's documents by their keys, however many entries the type holds."""
    stack = Stack(api, services)
    costs = []
    for size in (N, 4 * N):
        stack.grow(size)
        uids = sorted(stack.entry() for _ in range(2))
        for uid in uids:
            api.ok(api.put(f"{ENTRIES}/{uid}", {"entry": {"body": f"/section-{size}"}}))
        query = json.dumps({"body": f"/section-{size}"})
        with measure(services.store, keys={"text"}) as cost:  # an index search by the value
            found = api.ok(
                api.get(ENTRIES, params={"query": query, "include_count": "true", "asc": "uid"})
            )
        assert [entry["uid"] for entry in found["entries"]] == uids and found["count"] == 2
        costs.append(cost)
    assert compare("query by value", *costs) == []


def test_create_and_first_publish_cost_the_same_at_n_and_4n(api: Api, services: Services) -> None:
    stack = Stack(api, services)
    costs = []
    for size in (N, 4 * N):
        stack.grow(size)
        costs.append(stack.cost(lambda: stack.entry()))
    assert compare("operation", *costs) == []


def test_entry_variant_reads_and_writes_cost_the_same_at_n_and_4n(
    api: Api, services: Services
) -> None:
    stack = Stack(api, services, variants=True)

    def path(uid: str) -> str:
        return f"{ENTRIES}/{uid}"

    with_blue = {"entry": {**TO_PRODUCTION["entry"], "variants": [{"uid": "blue"}]}}
    with_red = {"entry": {**TO_PRODUCTION["entry"], "variants": [{"uid": "red"}]}}
    same_cost_at_n_and_4n(
        stack,
        {
            "variant list with publish details": lambda uid: api.ok(
                api.get(path(uid) + "/variants", params={"include_publish_details": "true"})
            ),
            "variant versions": lambda uid: api.ok(api.get(path(uid) + "/variants/red/versions")),
            "merged read": lambda uid: api.ok(
                api.get(path(uid), headers={"x-cs-variant-uid": "red"})
            ),
            "new variant": lambda uid: api.ok(
                api.put(path(uid) + "/variants/blue", {"entry": {"title": "b", "_variant": {}}}),
                201,
            ),
            "publish a variant": lambda uid: api.ok(api.post(path(uid) + "/publish", with_red)),
            "unpublish a variant": lambda uid: api.ok(api.post(path(uid) + "/unpublish", with_red)),
            "delete a variant": lambda uid: api.ok(api.delete(path(uid) + "/variants/red")),
            "publish an unknown one": lambda uid: api.ok(
                api.post(path(uid) + "/publish", with_blue)
            ),
        },
    )


def test_scheduled_publish_costs_the_same_after_n_and_4n_jobs(api: Api, services: Services) -> None:
    """Jobs that ran stay in the table: finding the due ones must not walk them."""
    stack = Stack(api, services)
    costs = []
    for size in (N, 4 * N):
        stack.grow(size)
        _schedule(api, stack.entry(published=False))
        _run_jobs(services)
        copy_done_jobs(services, api.api_key, size - 1)
        uid = stack.entry(published=False)
        with measure(services.store) as cost:
            _schedule(api, uid)
            with services.store.deadline(60):
                assert _run_jobs(services) == 1
        costs.append(cost)
    assert compare("operation", *costs) == []


def copy_done_jobs(services: Services, stack: str, copies: int) -> None:
    """`copies` more of the stack's jobs that ran (a copy of one), in one transaction."""
    j = t.jobs
    with services.store.engine.begin() as conn:
        done = (
            conn.execute(select(j).where(j.c.stack == stack, j.c.status == "done").limit(1))
            .mappings()
            .one()
        )
        conn.execute(insert(j), [{**done, "uid": ids.job_id()} for _ in range(copies)])


def _schedule(api: Api, uid: str) -> None:
    """Queue a publish of `uid` an hour from now (the app's own scheduler leaves it alone)."""
    at = ids.format_time(datetime.now(UTC) + timedelta(hours=1))
    api.ok(api.post(f"{ENTRIES}/{uid}/publish", {**TO_PRODUCTION, "scheduled_at": at}))


def _run_jobs(services: Services) -> int:
    """Run the jobs due two hours from now, as the scheduler will then."""
    return publishing.run_due_jobs(
        services, now=ids.format_time(datetime.now(UTC) + timedelta(hours=2))
    )


def test_deleting_a_variant_or_unlinking_a_group_costs_what_it_deletes(
    api: Api, services: Services
) -> None:
    """Inherently proportional to the entry variants it deletes, and to nothing else: with one
    entry variant of its own, deleting a variant or unlinking its group from the content type
    costs the same while the stack's other entry variants grow from N to 4N."""
    stack = Stack(api, services, variants=True)
    unlink = {"content_types": [{"uid": "page", "status": "unlinked"}]}
    operations: dict[str, Callable[[str], Any]] = {
        "delete a variant": lambda group: api.ok(
            api.delete(f"/variant_groups/{group}/variants/{group}")
        ),
        "unlink a group": lambda group: api.ok(api.put(f"/variant_groups/{group}", unlink)),
    }
    costs: dict[str, list[Cost]] = {name: [] for name in operations}
    for size in (N, 4 * N):
        stack.grow(size)
        for name, operation in operations.items():
            group = _group_with_one_entry_variant(
                stack, f"sizes_{size}_{len(costs[name])}_{name[0]}"
            )
            with measure(services.store, keys={"variant"}) as cost:  # its own entry variants
                operation(group)
            costs[name].append(cost)
    assert [problem for name, pair in costs.items() for problem in compare(name, *pair)] == []


def _group_with_one_entry_variant(stack: Stack, uid: str) -> str:
    """A variant group linked to `page` whose one variant (`uid` too) one new entry has."""
    api = stack.api
    api.ok(api.post("/variant_groups", {"name": uid, "uid": uid, "content_types": ["page"]}), 201)
    api.ok(api.post(f"/variant_groups/{uid}/variants", {"uid": uid, "name": "Big"}), 201)
    layer = {"entry": {"title": "big", "_variant": {}}}
    api.ok(api.put(f"{ENTRIES}/{stack.entry()}/variants/{uid}", layer), 201)
    return uid
