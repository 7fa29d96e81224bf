"""The editor's entry list filters (issue 17, Major 8) as SQL conditions on one candidate entry,
and what a page of that list shows of each row's publications and variants.

A condition is keyed to one entry: every EXISTS below is a lookup in a primary key
(`publications`: stack, environment, locale, entry, variant; `entries`: stack, uid, locale;
`entry_variants`: stack, entry, locale, variant), so a list pays per row it reads, never per entry
of the type. Publish states are those of the list's locale (where delivery serves the entry);
"changed" compares the published base version with the latest version of the locale the row shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import ColumnElement, FromClause, and_, select, true

import veneer.store.tables as t

BASE = ""  # the variant of a base entry's publication
State = Literal["published", "unpublished", "changed"]
STATES: tuple[State, ...] = ("published", "unpublished", "changed")
Clause = ColumnElement[bool]


@dataclass(frozen=True)
class Status:
    """The base entry's publish state in one environment (in the list's locale)."""

    environment: str
    state: State


@dataclass(frozen=True)
class HasVariants:
    """Whether the entry has entry variants in the locale its row shows."""

    present: bool


Condition = Status | HasVariants


def drives(conditions: Sequence[Condition]) -> Status | None:
    """A condition whose publications can drive a list (every match has one), if any."""
    return next((c for c in conditions if isinstance(c, Status) and c.state != "unpublished"), None)


def render(
    conditions: Sequence[Condition],
    stack: str,
    locale: str,
    entry: ColumnElement[str],
    shown: ColumnElement[str],
) -> Clause:
    """The conditions on the candidate `entry`, listed in `locale`, shown in the locale `shown`."""
    return and_(true(), *(_one(c, stack, locale, entry, shown) for c in conditions))


def _one(
    c: Condition, stack: str, locale: str, entry: ColumnElement[str], shown: ColumnElement[str]
) -> Clause:
    if isinstance(c, HasVariants):
        v = t.entry_variants.alias()
        found = select(v.c.version).where(
            v.c.stack == stack, v.c.entry == entry, v.c.locale == shown
        )
        exists = found.offset(0).exists()
        return exists if c.present else ~exists
    p = t.publications.alias()
    published = select(p.c.version).where(
        p.c.stack == stack,
        p.c.environment == c.environment,
        p.c.locale == locale,
        p.c.entry == entry,
        p.c.variant == BASE,
    )
    if c.state == "changed":
        published = published.where(newer(stack, p, shown))
    exists = published.offset(0).exists()
    return ~exists if c.state == "unpublished" else exists


def newer(stack: str, p: FromClause, shown: ColumnElement[str]) -> Clause:
    """The entry of publication `p` has a latest version newer than it in the locale `shown`."""
    e = t.entries.alias()
    found = select(e.c.version).where(
        e.c.stack == stack, e.c.uid == p.c.entry, e.c.locale == shown, e.c.version > p.c.version
    )
    return found.offset(0).exists()
