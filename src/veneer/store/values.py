"""Writing the field-value index (`tables.entry_values`): the rows of a document replace the rows
it had. The caller writes them in the transaction that writes the document itself."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, tuple_
from sqlalchemy.engine import Connection

from veneer.domain.fieldindex import document_rows
from veneer.store.tables import entry_values as v

BATCH = 5_000  # rows per INSERT statement


@dataclass(frozen=True)
class Document:
    """One indexed document: an entry in a locale, in a scope ('' = latest, else an environment)."""

    stack: str
    scope: str
    locale: str
    content_type: str
    entry: str
    doc: dict[str, Any]


def replace_documents(conn: Connection, documents: Iterable[Document]) -> None:
    """Index `documents`, dropping whatever was indexed for them before."""
    documents = list(documents)
    delete_documents(conn, documents)
    insert_documents(conn, documents)


def insert_documents(conn: Connection, documents: Iterable[Document]) -> None:
    """Index documents that have no rows yet (a bulk load into fresh keys), in batches."""
    batch: list[dict[str, Any]] = []
    for row in _rows(documents):
        batch.append(row)
        if len(batch) == BATCH:
            conn.execute(insert(v), batch)
            batch = []
    if batch:
        conn.execute(insert(v), batch)


def delete_documents(conn: Connection, documents: Iterable[Document]) -> None:
    """Drop the rows of `documents` (unpublishing, deleting an entry or a localization)."""
    keys = [(d.stack, d.scope, d.locale, d.entry) for d in documents]
    for start in range(0, len(keys), 500):
        conn.execute(
            delete(v).where(
                tuple_(v.c.stack, v.c.scope, v.c.locale, v.c.entry).in_(keys[start : start + 500])
            )
        )


def _rows(documents: Iterable[Document]) -> Iterator[dict[str, Any]]:
    for d in documents:
        owner = {
            "stack": d.stack,
            "scope": d.scope,
            "locale": d.locale,
            "content_type": d.content_type,
            "entry": d.entry,
        }
        for row in document_rows(d.doc):
            yield {**owner, **row._asdict()}
