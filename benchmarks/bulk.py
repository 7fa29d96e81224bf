"""Bulk load rate (issue 11 §4): create + publish of N ~2 KB entries through `services.bulk`.

    PYTHONPATH=src .venv/bin/python benchmarks/bulk.py [--count 50000] [--batch 2000]
        [--variants 0.1] [--databases sqlite postgresql] [--pg postgresql://postgres@127.0.0.1:5432]
        [--profile out.prof]

For each database, in a fresh database (a temporary SQLite file; a PostgreSQL database created and
dropped): migrates, makes a stack with an `article` content type (a unique title, a `url`, a
number, a date, a reference, a group, a ~1.5 KB text) and one environment, then loads N articles
published to it, a fraction (--variants) with 3 published entry variants, and prints entries/s,
the publications written and the rows of the field-value index per entry. `make_stack` and
`articles` are what `benchmarks/scale.py` builds its stacks with.
"""

from __future__ import annotations

import argparse
import cProfile
import random
import secrets
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg

from veneer.passwords import Passwords
from veneer.services import bulk, content_types, environments, stacks, users, variant_groups
from veneer.services.context import Actor, Services
from veneer.settings import Settings
from veneer.store import open_store
from veneer.store.migrate import upgrade

WORDS = [
    "lorem",
    "ipsum",
    "dolor",
    "sit",
    "amet",
    "consectetur",
    "adipiscing",
    "elit",
    "sed",
    "do",
    "eiusmod",
    "tempor",
]
VARIANTS = ("cs_red", "cs_green", "cs_blue")
ARTICLE = {
    "title": "Article",
    "uid": "article",
    "schema": [
        {"display_name": "Title", "uid": "title", "data_type": "text", "unique": True},
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
            "schema": [
                {"display_name": "Meta title", "uid": "meta_title", "data_type": "text"},
                {
                    "display_name": "Meta description",
                    "uid": "meta_description",
                    "data_type": "text",
                },
            ],
        },
        {"display_name": "Body", "uid": "body", "data_type": "text"},
    ],
}
AUTHOR = {
    "title": "Author",
    "uid": "author",
    "schema": [{"display_name": "Title", "uid": "title", "data_type": "text"}],
}


def make_stack(services: Services, variants: bool = True) -> tuple[Actor, str, str]:
    """(an owner, the api key of a new stack with `article` and `author`, its environment uid),
    with a variant group of three variants (VARIANTS) linked to `article` when `variants`."""
    user = users.create_user(services, f"bulk-{secrets.token_hex(4)}@example.com", "bulk bench 1")
    actor = Actor(kind="user", uid=user["uid"])
    stack = stacks.create_stack(services, actor, {"name": "Bulk", "master_locale": "en-us"})
    key = stack["api_key"]
    for ct in (AUTHOR, ARTICLE):
        content_types.create_content_type(services, actor, key, ct)
    env = environments.create_environment(services, actor, key, {"name": "production"})
    if variants:
        group = {"name": "Colors", "uid": "colors", "content_types": ["article"]}
        variant_groups.create_group(services, actor, key, group)
        for uid in VARIANTS:
            body = {"uid": uid, "name": uid.removeprefix("cs_")}
            variant_groups.create_variant(services, actor, key, body, "colors")
    return actor, key, str(env["uid"])


def articles(count: int, with_variants: float = 0.0, seed: int = 1) -> Iterator[dict[str, Any]]:
    """`count` create bodies of ~2 KB articles; a `with_variants` fraction of them also carry
    three entry variants (each changing the title and the SEO meta title)."""
    rng = random.Random(seed)
    for i in range(count):
        day = f"2024-{1 + i % 12:02}-{1 + i % 28:02}"
        entry = {
            "title": f"Article {i}",
            "url": f"/articles/{i}",
            "number": rng.randrange(1000),
            "date": f"{day}T10:00:00.000Z",
            "author": [{"uid": f"bltauthor{i % 50:013}", "_content_type_uid": "author"}],
            "seo": {"meta_title": f"Article {i}", "meta_description": " ".join(WORDS[:8])},
            "body": " ".join(rng.choice(WORDS) for _ in range(250))[:1500],
            "tags": rng.sample(WORDS, 3),
        }
        item: dict[str, Any] = {"entry": entry}
        if rng.random() < with_variants:
            item["variants"] = {
                uid: {"entry": {"title": f"{uid} {i}", "seo": {"meta_title": uid}, "_variant": {}}}
                for uid in VARIANTS
            }
        yield item


@contextmanager
def database(kind: str, pg: str) -> Iterator[Services]:
    """Migrated services over a fresh database of `kind`, dropped at the end."""
    if kind == "sqlite":
        with (
            tempfile.TemporaryDirectory() as tmp,
            _services(f"sqlite:///{Path(tmp) / 'bulk.db'}") as services,
        ):
            yield services
        return
    name = f"veneer_bulk_{secrets.token_hex(4)}"
    with psycopg.connect(f"{pg}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        with _services(f"{pg}/{name}") as services:
            yield services
    finally:
        with psycopg.connect(f"{pg}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def _services(url: str) -> Iterator[Services]:
    store = open_store(url)
    upgrade(store)
    try:
        yield Services(
            store=store, settings=Settings(database_url=url), passwords=Passwords.cheap()
        )
    finally:
        store.dispose()


def run(services: Services, count: int, batch: int, fraction: float, profile: str | None) -> None:
    actor, key, _ = make_stack(services)
    load = bulk.Load("article", environments=("production",), batch_size=batch)
    items = list(articles(count, fraction))  # made before the clock starts
    profiler = cProfile.Profile() if profile else None
    started, cpu = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    report = bulk.load_entries(services, actor, key, load, items)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    if profiler:
        profiler.disable()
        profiler.dump_stats(f"{profile}.{services.store.dialect}")
    with services.store.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT count(*) FROM entry_values").scalar_one()
    print(
        f"{services.store.dialect:<11}{count:>9,}  {report.loaded / elapsed:>9,.0f} entries/s"
        f" ({report.loaded / cpu:,.0f} per CPU second of this process)"
        f"  {report.published:>9,} publications  {rows / max(report.loaded, 1):>5.1f} index rows"
        f" per entry  refused {len(report.refused)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=50_000)
    parser.add_argument("--batch", type=int, default=bulk.BATCH)
    parser.add_argument("--variants", type=float, default=0.0, help="fraction with 3 variants")
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--profile", default=None, help="write cProfile stats to this path.<db>")
    args = parser.parse_args()
    for kind in args.databases:
        with database(kind, args.pg) as services:
            run(services, args.count, args.batch, args.variants, args.profile)


if __name__ == "__main__":
    main()
