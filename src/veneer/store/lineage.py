"""What was published from what: a publication in a locale the entry (or entry variant) is not
localized in holds the content of the locale its fallback chain reached, named by the document's
`locale`. Deleting that content must take those publications too (issue 12, finding 9)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Connection

import veneer.store.tables as t
from veneer.store.core import loads


def published_from(
    conn: Connection, stack: str, entry: str, locale: str, variant: str | None = None
) -> list[tuple[str, str]]:
    """(locale, variant) of every publication of `entry` (only of `variant`, when given) in
    another locale whose document was made from the entry's content in `locale`. Reads only the
    publications of this one entry."""
    p = t.publications
    query = select(p.c.locale, p.c.variant, p.c.doc).where(
        p.c.stack == stack, p.c.entry == entry, p.c.locale != locale
    )
    if variant is not None:
        query = query.where(p.c.variant == variant)
    found = {
        (code, name)
        for code, name, doc in conn.execute(query)
        if loads(doc).get("locale") == locale
    }
    return sorted(found)
