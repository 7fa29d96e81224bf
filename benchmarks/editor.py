"""Editor page loads with a large content type (issue 17, "Done means"): the entry list (plain,
searched, paged, and filtered by publish state and variants, sorted by title), an entry's editor,
an editor with a reference picker, the picker's search, the trash, timed in-process.

    PYTHONPATH=src .venv/bin/python benchmarks/editor.py [--size 10000] [--runs 30]
                                                         [--databases sqlite,postgresql]
                                                         [--pg postgresql+psycopg://127.0.0.1:5432/]

For each database, in a fresh database: a stack with a `page` type of `size` entries (loaded through
the bulk path and published to production), 5 of them edited since (changed since publish) and 3
with an entry variant, 30 more never published (20 of them in the trash), a `links` type whose
entry references 10 pages, and one scheduled publish. Then, through the app (Starlette's TestClient, the session of a logged-in
user, one request at a time), p50 and p95 over `runs` requests of each page. Target: < 500 ms.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from scale import database  # benchmarks/scale.py: a fresh SQLite file or PostgreSQL database

PASSWORD = "bench-password"
PAGE = {
    "title": "Page",
    "uid": "page",
    "schema": [
        {"display_name": "Title", "uid": "title", "data_type": "text", "mandatory": True},
        {"display_name": "Body", "uid": "body", "data_type": "text"},
    ],
}
LINKS = {
    "title": "Links",
    "uid": "links",
    "schema": [
        {"display_name": "Title", "uid": "title", "data_type": "text", "mandatory": True},
        {
            "display_name": "Pages",
            "uid": "pages",
            "data_type": "reference",
            "reference_to": ["page"],
            "field_metadata": {"ref_multiple": True},
        },
    ],
}


@contextmanager
def editor_site(url: str, size: int) -> Iterator[tuple[Any, dict[str, str]]]:
    """(a logged-in TestClient, the paths to time) over a fresh stack of `size` pages."""
    from starlette.testclient import TestClient

    from veneer.app import create_app
    from veneer.domain.listing import ListParams
    from veneer.services import (
        bulk,
        content_types,
        entries,
        entry_variants,
        environments,
        publishing,
        stacks,
        trash,
        users,
        variant_groups,
    )
    from veneer.services.context import Actor, Services
    from veneer.settings import Settings
    from veneer.store import open_store
    from veneer.store.migrate import upgrade

    store = open_store(url)
    upgrade(store)
    settings = Settings(database_url=url, admin_password=PASSWORD, webhook_senders=0)
    services = Services(store=store, settings=settings)
    owner = users.create_user(services, "bench@example.com", PASSWORD)
    actor = Actor(kind="user", uid=owner["uid"], user=owner)
    key = stacks.create_stack(services, actor, {"name": "Editor", "master_locale": "en-us"})[
        "api_key"
    ]
    env = environments.create_environment(services, actor, key, {"name": "production"})["uid"]
    for schema in (PAGE, LINKS):
        content_types.create_content_type(services, actor, key, schema)
    items = ({"entry": {"title": f"Page {n:06d}", "body": "Text " * 40}} for n in range(size))
    started = time.perf_counter()
    load = bulk.Load("page", "en-us", environments=("production",))
    report = bulk.load_entries(services, actor, key, load, items)
    print(f"  loaded {report.loaded:,} pages in {time.perf_counter() - started:.1f} s")
    group = {"name": "Audience", "uid": "audience", "content_types": ["page"]}
    variant_groups.create_group(services, actor, key, group)
    variant_groups.create_variant(services, actor, key, {"uid": "devs", "name": "Devs"}, "audience")
    spread = list(entries.list_entries(services, actor, key, "page", ListParams(limit=100))[0])
    for doc in spread[10:15]:  # changed since publish
        entries.update_entry(services, actor, key, "page", doc["uid"], {"entry": {"body": "New"}})
    for doc in spread[20:23]:  # with a variant
        body = {"entry": {"title": doc["title"] + " (devs)", "_variant": {}}}
        entry_variants.upsert(services, actor, key, "page", doc["uid"], "devs", body)
    made = [
        entries.create_entry(services, actor, key, "page", {"entry": {"title": f"Extra {n}"}})
        for n in range(30)
    ]
    for doc in made[:20]:
        trash.trash_entry(services, actor, key, "page", doc["uid"])
    one = made[20]["uid"]
    refs = [{"uid": d["uid"], "_content_type_uid": "page"} for d in made[20:]]
    link = entries.create_entry(
        services, actor, key, "links", {"entry": {"title": "Links", "pages": refs}}
    )["uid"]
    later = {
        "entry": {"environments": ["production"], "locales": ["en-us"]},
        "scheduled_at": "2099-01-01T00:00:00.000Z",
    }
    publishing.publish(services, actor, key, "page", one, later)
    app = create_app(settings, services=services)
    base = f"/app/stacks/{key}"
    listed = f"{base}/content-types/page/entries"
    with TestClient(app) as client:
        form = client.get("/app/login").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', form)
        assert csrf is not None
        login = {"csrf": csrf.group(1), "email": "bench@example.com", "password": PASSWORD}
        client.post("/app/login", data={**login, "next": "/app/"}, follow_redirects=False)
        yield (
            client,
            {
                "entry list": f"{base}/content-types/page/entries",
                "entry list, search": f"{base}/content-types/page/entries?q=page+0042",
                "entry list, page 200": f"{base}/content-types/page/entries?page=200",
                "entry list, published": f"{listed}?status=published:{env}",
                "entry list, published, by title, page 100": (
                    f"{listed}?status=published:{env}&sort=title&order=asc&page=100"
                ),
                "entry list, not published": f"{listed}?status=unpublished:{env}",
                "entry list, changed since publish": f"{listed}?status=changed:{env}",
                "entry list, has variants": f"{listed}?variants=yes",
                "entry list, by title desc": f"{listed}?sort=title&order=desc",
                "entry editor (with schedule)": f"{base}/content-types/page/entries/{one}",
                "editor with a reference picker": f"{base}/content-types/links/entries/{link}",
                "picker search, page 1": f"{base}/content-types/page/entries/choices?q=page",
                "picker search, page 50": f"{base}/content-types/page/entries/choices?q=page&page=50",
                "trash": f"{base}/trash",
            },
        )
    store.dispose()


def timed(get: Callable[[], Any], runs: int) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        response = get()
        samples.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            sys.exit(f"{response.status_code}: {response.text[:300]}")
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(0.95 * len(samples)))]


def shown(html: str) -> str:
    """What an entry list says it holds ("5 entries (filtered)"), to check the filters work."""
    found = re.search(r'<p class="meta" id="count">(.*?)</p>', html)
    return f"  [{found.group(1)}]" if found else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--pg", default="postgresql+psycopg://127.0.0.1:5432/")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for kind in args.databases.split(","):
            print(f"{kind}, {args.size:,} entries in the type")
            with (
                database(kind, args.pg, Path(tmp), args.size) as (url, _size),
                editor_site(url, args.size) as (client, pages),
            ):
                for name, path in pages.items():
                    p50, p95 = timed(lambda path=path: client.get(path), args.runs)
                    verdict = "ok" if p95 < 500 else "OVER 500 ms"
                    print(
                        f"  {name:42} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  {verdict}{shown(client.get(path).text)}"
                    )


if __name__ == "__main__":
    main()
