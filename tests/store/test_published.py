"""The delivery read path's storage contract (`veneer.store.published`), the same tests on SQLite
and PostgreSQL: each named operation, the database cutting off a statement at the request's
deadline, and a broken connection replaced on the next request."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson
import pytest
from sqlalchemy import Table

from veneer.errors import RequestTimeout
from veneer.services.context import Services
from veneer.store import tables as t
from veneer.store.published import Change, PublishedReader, PublishedVariant

AT = "2024-01-01T00:00:00.000Z"


@dataclass(frozen=True)
class Seeded:
    """A stack of its own: environment `production` (uid `env_prod`), locales en-us (master),
    fr-fr (falls back to en-us) and de-de (no fallback), content types `page` then `author`."""

    stack: str

    def doc(self, title: str) -> bytes:
        return orjson.dumps({"title": title, "stack": self.stack})


def _insert(services: Services, table: Table, *rows: dict[str, Any]) -> None:
    with services.store.engine.begin() as conn:
        conn.execute(table.insert(), list(rows))


def _publication(
    seeded: Seeded, entry: str, locale: str, variant: str = "", ct: str = "page", title: str = ""
) -> dict[str, Any]:
    return {
        "stack": seeded.stack,
        "environment": "env_prod",
        "locale": locale,
        "entry": entry,
        "variant": variant,
        "content_type": ct,
        "version": 1,
        "doc": seeded.doc(title or f"{entry} {locale} {variant}").decode(),
        "published_at": AT,
        "published_by": "someone",
        "seq": 1,
    }


@pytest.fixture
def seeded(services: Services) -> Seeded:
    seeded = Seeded("blt" + secrets.token_hex(8))
    stack = seeded.stack
    _insert(
        services,
        t.stacks,
        {
            "api_key": stack,
            "org_uid": "org",
            "name": "Stack",
            "description": "",
            "master_locale": "en-us",
            "owner_uid": "someone",
            "settings": '{"variant_limit": 2}',
            "created_at": AT,
            "updated_at": AT,
        },
    )
    _insert(
        services,
        t.environments,
        {"stack": stack, "uid": "env_prod", "name": "production", "doc": "{}"},
    )
    _insert(
        services,
        t.locales,
        *(
            {"stack": stack, "code": code, "doc": orjson.dumps({"fallback_locale": fb}).decode()}
            for code, fb in [("en-us", None), ("fr-fr", "en-us"), ("de-de", None)]
        ),
    )
    _insert(
        services,
        t.content_types,
        {"stack": stack, "uid": "page", "doc": '{"uid": "page"}', "created_at": AT},
        {"stack": stack, "uid": "author", "doc": '{"uid": "author"}', "created_at": AT + "1"},
    )
    return seeded


@pytest.fixture
def reader(services: Services) -> Iterator[PublishedReader]:
    reader = services.store.published_reader(5.0)
    reader.start()
    yield reader
    reader.close()


def test_change_log(services: Services, seeded: Seeded, reader: PublishedReader) -> None:
    before = reader.newest_change()
    rows = [
        {"stack": seeded.stack, "environment": "env_prod", "locale": "en-us", "entry": entry}
        | {"variant": variant, "content_type": "page", "at": AT}
        for entry, variant in [("e1", ""), ("e2", "v1"), ("e3", "")]
    ]
    _insert(services, t.changes, *rows)
    newest = reader.newest_change()
    assert newest >= before + 3
    assert reader.changes_after(before, newest - 1) == [
        Change(seeded.stack, "env_prod", "e1", "", "page"),
        Change(seeded.stack, "env_prod", "e2", "v1", "page"),
    ]
    assert reader.changes_after(newest - 1, newest) == [
        Change(seeded.stack, "env_prod", "e3", "", "page")
    ]
    assert reader.changes_after(newest, newest) == []


def test_delivery_token(services: Services, seeded: Seeded, reader: PublishedReader) -> None:
    doc = {"scope": [{"module": "environment", "environments": [{"uid": "env_prod"}]}]}
    hashes = {kind: secrets.token_hex(16) for kind in ("delivery", "management")}
    _insert(
        services,
        t.tokens,
        *(
            {"uid": secrets.token_hex(8), "stack": seeded.stack, "kind": kind}
            | {"token_hash": token_hash, "doc": orjson.dumps(doc).decode()}
            | {"created_by": "someone", "created_at": AT, "updated_at": AT}
            for kind, token_hash in hashes.items()
        ),
    )
    assert reader.delivery_token(hashes["delivery"]) == (seeded.stack, doc)
    assert reader.delivery_token(hashes["management"]) is None  # not a delivery token
    assert reader.delivery_token("0" * 32) is None


def test_stack(seeded: Seeded, reader: PublishedReader) -> None:
    assert reader.stack_exists(seeded.stack)
    assert reader.master_locale(seeded.stack) == "en-us"
    assert reader.stack_settings(seeded.stack) == {"variant_limit": 2}
    assert not reader.stack_exists("nope")
    assert reader.master_locale("nope") is None
    assert reader.stack_settings("nope") is None


def test_environment_by_name_or_uid(seeded: Seeded, reader: PublishedReader) -> None:
    assert reader.environment_uid(seeded.stack, "production") == "env_prod"
    assert reader.environment_uid(seeded.stack, "env_prod") == "env_prod"
    assert reader.environment_uid(seeded.stack, "staging") is None
    assert reader.environment_uid("other", "production") is None


def test_locale_fallback(seeded: Seeded, reader: PublishedReader) -> None:
    assert reader.locale_fallback(seeded.stack, "fr-fr") == "en-us"
    assert reader.locale_fallback(seeded.stack, "de-de") is None
    assert reader.locale_fallback(seeded.stack, "ja-jp") is False
    assert reader.locale_fallback("other", "en-us") is False


def test_content_types(seeded: Seeded, reader: PublishedReader) -> None:
    assert reader.content_type(seeded.stack, "page") == {"uid": "page"}
    assert reader.content_type(seeded.stack, "blog") is None
    assert reader.content_type("other", "page") is None
    assert reader.content_types(seeded.stack) == [{"uid": "page"}, {"uid": "author"}]
    assert reader.content_types("other") == []


def test_published_entry(services: Services, seeded: Seeded, reader: PublishedReader) -> None:
    _insert(
        services,
        t.publications,
        _publication(seeded, "e1", "en-us", title="base"),
        _publication(seeded, "e1", "fr-fr", variant="v1", title="variant"),
    )
    stack = seeded.stack
    assert reader.published_entry(stack, "env_prod", "en-us", "page", "e1") == seeded.doc("base")
    assert reader.published_entry(stack, "env_prod", "fr-fr", "page", "e1") is None  # a variant
    assert reader.published_entry(stack, "env_prod", "en-us", "author", "e1") is None
    assert reader.published_entry(stack, "env_other", "en-us", "page", "e1") is None


def test_published_variants(services: Services, seeded: Seeded, reader: PublishedReader) -> None:
    stack = seeded.stack
    _insert(
        services,
        t.variants,
        *(
            {"stack": stack, "uid": uid, "group_uid": "g", "alias": alias}
            | {"doc": "{}", "created_at": AT}
            for uid, alias in [("v1", "red"), ("v2", None), ("v3", "blue")]
        ),
    )
    _insert(
        services,
        t.publications,
        _publication(seeded, "e1", "en-us"),
        _publication(seeded, "e1", "en-us", variant="v1"),
        _publication(seeded, "e1", "en-us", variant="v2"),
        _publication(seeded, "e1", "fr-fr", variant="v1"),
        _publication(seeded, "e2", "en-us", variant="v3"),
    )
    rows = reader.published_variants(stack, "env_prod", ["e1", "e2"], ["en-us"], ["red", "v2"])
    assert sorted(rows) == [
        PublishedVariant("e1", "en-us", "v1", "red", seeded.doc("e1 en-us v1")),
        PublishedVariant("e1", "en-us", "v2", None, seeded.doc("e1 en-us v2")),
    ]
    both = reader.published_variants(stack, "env_prod", ["e1"], ["en-us", "fr-fr"], ["v1"])
    assert sorted((row.entry, row.locale, row.variant) for row in both) == [
        ("e1", "en-us", "v1"),
        ("e1", "fr-fr", "v1"),
    ]
    assert reader.published_variants(stack, "env_prod", ["e1"], ["en-us"], ["blue"]) == []
    assert reader.published_variants(stack, "env_prod", ["e1"], ["en-us"], []) == []


def _slow_statement(services: Services) -> str:
    if services.store.dialect == "postgresql":
        return "SELECT pg_sleep(5)"
    return (
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000000) "
        "SELECT count(*) FROM c"
    )


def test_the_database_cuts_off_a_statement_at_the_deadline(services: Services) -> None:
    """Not only between steps: a statement still running at the deadline is stopped by the
    database, and the connection stays usable."""
    reader = services.store.published_reader(0.2)
    try:
        reader.start()
        began = time.monotonic()
        with pytest.raises(RequestTimeout):
            reader._rows(_slow_statement(services), ())
        assert time.monotonic() - began < 2
        reader.start()
        assert reader.newest_change() >= 0
    finally:
        reader.close()


def test_a_named_read_past_the_deadline_is_cut_off(services: Services, seeded: Seeded) -> None:
    entries = [f"e{n}" for n in range(20_000)]
    variant = {"stack": seeded.stack, "uid": "v1", "group_uid": "g", "alias": None}
    _insert(services, t.variants, variant | {"doc": "{}", "created_at": AT})
    _insert(
        services,
        t.publications,
        *(_publication(seeded, entry, "en-us", variant="v1") for entry in entries),
    )
    reader = services.store.published_reader(0.001)
    try:
        reader.start()
        with pytest.raises(RequestTimeout):
            reader.published_variants(seeded.stack, "env_prod", entries, ["en-us"], ["v1"])
    finally:
        reader.close()


def test_a_broken_connection_is_replaced_on_the_next_request(
    seeded: Seeded, reader: PublishedReader
) -> None:
    assert reader.stack_exists(seeded.stack)
    reader._local.conn.close()  # as if the server went away
    with pytest.raises(Exception):  # the driver's own error  # noqa: B017
        reader.stack_exists(seeded.stack)
    reader.start()
    assert reader.stack_exists(seeded.stack)
