"""Writing the field-value index (`tables.entry_values`): the rows of a document replace the rows
it had. The caller writes them in the transaction that writes the document itself."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from sqlalchemy import delete, insert
from sqlalchemy.engine import Connection, Dialect

from veneer.domain.fieldindex import Row, document_rows
from veneer.store.tables import JsonNumber
from veneer.store.tables import entry_values as v

BATCH = 5_000  # rows per executemany
COLUMNS = [column.name for column in v.columns]


@dataclass(frozen=True)
class Document:
    """One indexed document: an entry in a locale, in a scope ('' = latest, else an environment)."""

    stack: str
    scope: str
    locale: str
    content_type: str
    entry: str
    doc: dict[str, Any]
    rows: list[Row] | None = None  # `document_rows(doc)`, when the caller has them already


def replace_documents(conn: Connection, documents: Iterable[Document]) -> None:
    """Index `documents`, dropping whatever was indexed for them before."""
    documents = list(documents)
    delete_documents(conn, documents)
    insert_documents(conn, documents)


def insert_documents(conn: Connection, documents: Iterable[Document]) -> None:
    """Index documents that have no rows yet (a bulk load into fresh keys): PostgreSQL's COPY,
    SQLite's executemany, straight on the driver, since this is the bulk path."""
    rows = _rows(documents, conn.dialect)
    cursor = _driver(conn).cursor()
    if conn.dialect.name == "postgresql":
        with cursor.copy(f"COPY entry_values ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    sql = str(insert(v).compile(dialect=conn.dialect))
    while batch := list(islice(rows, BATCH)):
        cursor.executemany(sql, batch)


def _driver(conn: Connection) -> Any:
    driver = conn.connection.driver_connection
    assert driver is not None  # an open SQLAlchemy connection has its driver's
    return driver


def delete_documents(conn: Connection, documents: Iterable[Document]) -> None:
    """Drop the rows of `documents` (unpublishing, deleting an entry or a localization)."""
    # Grouped by (stack, scope, locale), entries listed: searches of the primary key. Not
    # `(stack, scope, locale, entry) IN (VALUES …)`, which SQLite answers by scanning the table.
    groups: dict[tuple[str, str, str], list[str]] = {}
    for d in documents:
        groups.setdefault((d.stack, d.scope, d.locale), []).append(d.entry)
    for (stack, scope, locale), entries in groups.items():
        for start in range(0, len(entries), 500):
            conn.execute(
                delete(v).where(
                    v.c.stack == stack,
                    v.c.scope == scope,
                    v.c.locale == locale,
                    v.c.entry.in_(entries[start : start + 500]),
                )
            )


def _rows(documents: Iterable[Document], dialect: Dialect) -> Iterator[tuple[Any, ...]]:
    """The rows of `documents` as tuples in COLUMNS order, numbers as the dialect binds them."""
    number = JsonNumber()
    for d in documents:
        owner = (d.stack, d.scope, d.locale, d.entry)
        for path, n, kind, num, text, tail, first in d.rows or document_rows(d.doc):
            num = number.process_bind_param(num, dialect)
            yield (*owner, path, n, d.content_type, kind, num, text, tail, first)
