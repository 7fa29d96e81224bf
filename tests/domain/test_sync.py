"""Sync API tokens and parameters (domain/sync.py), without I/O: tokens round-trip and refuse any
edit or another key; parameters parse as docs/sync.md says."""

from __future__ import annotations

import pytest

from veneer.domain import sync
from veneer.errors import ValidationFailed

KEY = b"k" * 32
CURSOR = sync.Cursor(
    stack="blt1",
    environment="blt2",
    types=("entry_published", "asset_published"),
    content_type="page",
    locale="en-us",
    start="2024-01-01T00:00:00.000Z",
    phase="init",
    after=7,
    cap=90,
    events=40,
    skip=100,
    total=230,
    limit=50,
    more=True,
)


def test_a_token_round_trips() -> None:
    assert sync.decode(sync.encode(CURSOR, KEY), KEY, "pagination_token") == CURSOR


@pytest.mark.parametrize(
    "token",
    [
        "",
        ".",
        "abc",
        sync.encode(CURSOR, b"another key"),
        sync.encode(CURSOR, KEY).replace(".", "x."),
        sync.encode(CURSOR, KEY)[:-1],
        sync.encode(CURSOR, KEY) + "A",
    ],
)
def test_a_token_not_made_with_the_key_is_refused(token: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        sync.decode(token, KEY, "sync_token")
    assert refused.value.errors == {"sync_token": ["is not valid."]}


def test_a_finished_sync_resumes_from_its_mark() -> None:
    done = CURSOR.finished(40)
    assert (done.phase, done.after, done.more, done.skip, done.total) == ("delta", 40, False, 0, 0)
    assert done.filters() == CURSOR.filters()


@pytest.mark.parametrize(
    ("given", "types"),
    [
        (None, sync.TYPES),
        ("", sync.TYPES),
        ("asset_published", ("asset_published",)),
        (
            "entry_deleted, entry_published,entry_deleted",
            ("entry_published", "entry_deleted"),
        ),
    ],
)
def test_types(given: str | None, types: tuple[str, ...]) -> None:
    assert sync.parse_types(given) == types


@pytest.mark.parametrize(
    ("given", "start"),
    [
        (None, ""),
        ("2018-08-14", "2018-08-14T00:00:00.000Z"),
        ("2018-08-14T00:00:00.000Z", "2018-08-14T00:00:00.000Z"),
        ("2024-01-01T10:00:00+02:00", "2024-01-01T08:00:00.000Z"),
    ],
)
def test_start_from(given: str | None, start: str) -> None:
    assert sync.parse_start(given) == start


@pytest.mark.parametrize(("given", "limit"), [(None, 100), ("", 100), ("50", 50), ("500", 100)])
def test_limit(given: str | None, limit: int) -> None:
    assert sync.parse_limit(given) == limit


@pytest.mark.parametrize(
    ("parse", "given"),
    [
        (sync.parse_types, "entry_created"),
        (sync.parse_types, ","),
        (sync.parse_start, "yesterday"),
        (sync.parse_start, "0001-01-01T00:00:00+01:00"),
        (sync.parse_limit, "0"),
        (sync.parse_limit, "ten"),
    ],
)
def test_bad_parameters_are_422s(parse: object, given: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse(given)  # type: ignore[operator]
    assert refused.value.error_code == 141


def test_filters_choose_entries_assets_and_event_types() -> None:
    assets = sync.Filters(frozenset(sync.TYPES), "sys_assets")
    assert (assets.entries(), assets.assets()) == (False, True)
    assert assets.event_types() == list(sync.ASSET_EVENTS)
    page = sync.Filters(frozenset({"entry_published", "asset_published"}), "page")
    assert (page.entries(), page.assets(), page.event_types()) == (True, False, ["entry_published"])
