"""What every group of storage operations shares: JSON documents, the few SQL helpers they are
written with, the dialect hooks `sqlite.py` and `postgres.py` implement, and the one place where
driver errors become Veneer's errors."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

import orjson
from sqlalchemy import ColumnElement, Select, Table, and_, delete, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.sql.dml import Insert

from veneer.domain.listing import ListParams
from veneer.errors import Conflict, ValidationFailed, VeneerError
from veneer.store.published import timed_out, unavailable

log = logging.getLogger("veneer")

REFUSED = (
    "A value could not be stored: it is too long, or it clashes with another object. "
    "Nothing was saved."
)


def dumps(doc: Any) -> str:
    return orjson.dumps(doc).decode()


def loads(text: str | bytes) -> Any:
    return orjson.loads(text)


class CutOff(OperationalError):
    """A statement the database stopped at a request's deadline: each dialect's `handle_error`
    listener raises it in place of its driver's own error."""


@contextmanager
def refusals(clash: Callable[[], VeneerError] | None = None) -> Iterator[None]:
    """Translate what the database refused (a value too long for its column, a duplicate key) into
    a 422, a statement it cut off at a request's deadline into a 504, and a database that cannot be
    reached or refuses writes into a 503 (`Unavailable`); `clash` makes the error a duplicate key
    means where the caller knows better. The transaction rolls back, so nothing is written."""
    try:
        yield
    except CutOff:
        raise timed_out() from None
    except IntegrityError as exc:
        log.warning("database refused a write: %s", exc.orig)
        raise clash() if clash else Conflict(REFUSED, {"body": ["could not be stored."]}) from None
    except DataError as exc:
        log.warning("database refused a write: %s", exc.orig)
        raise ValidationFailed(REFUSED, {"body": ["could not be stored."]}) from None
    except DBAPIError as exc:
        if not unreachable(exc):
            raise
        raise unavailable(exc.orig or exc) from None


def unreachable(exc: DBAPIError) -> bool:
    """Whether `exc` says the database is away (connection refused or lost, a file that cannot be
    opened or written) or read-only (SQLSTATE 25006), rather than that a statement was wrong."""
    return (
        isinstance(exc, OperationalError)
        or exc.connection_invalidated
        or getattr(exc.orig, "sqlstate", None) == "25006"
    )


class Dialect(Protocol):
    """What differs between SQLite and PostgreSQL inside a transaction."""

    def upsert(
        self, table: Table, values: Mapping[str, Any], changes: Mapping[str, Any] | None = None
    ) -> Insert:
        """An INSERT of `values` that, on a key already present, sets `changes` instead (by
        default every value outside the primary key)."""
        ...

    def lock(self, conn: Connection, table: Table, keys: Mapping[str, Any]) -> None:
        """Make other writers of the rows matching `keys` wait until this transaction ends."""
        ...

    def order_changes(self, conn: Connection) -> None:
        """Make the change log's next sequence number follow commit order."""
        ...

    def insert_rows(self, conn: Connection, table: Table, rows: Iterable[Sequence[Any]]) -> None:
        """Insert many new rows (each a value per column of `table`, in order) the fastest way the
        driver has: the bulk write path."""
        ...


def scope(stack: str, **given: str | None) -> dict[str, str]:
    """The keys of a stack-wide match: the stack, and each of `given` that is not None."""
    return {"stack": stack, **{name: value for name, value in given.items() if value is not None}}


def on_conflict(
    table: Table, values: Mapping[str, Any], changes: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The arguments of an upsert's ON CONFLICT DO UPDATE: the primary key and what to set."""
    keys = [column.name for column in table.primary_key.columns]
    if changes is None:
        changes = {name: value for name, value in values.items() if name not in keys}
    return {"index_elements": keys, "set_": changes}


def where(table: Table, keys: Mapping[str, Any]) -> ColumnElement[bool]:
    """`column = value` for each of `keys`, all together."""
    return and_(*(table.c[name] == value for name, value in keys.items()))


class Rows:
    """A group of named operations over some tables, inside one transaction."""

    def __init__(self, conn: Connection, sql: Dialect) -> None:
        self._conn = conn
        self._sql = sql

    def _row(self, table: Table, **keys: Any) -> dict[str, Any] | None:
        row = self._conn.execute(select(table).where(where(table, keys))).mappings().first()
        return dict(row) if row is not None else None

    def _rows(self, query: Select[Any]) -> list[dict[str, Any]]:
        """The rows `query` selects, in its order, as dicts."""
        return [dict(row) for row in self._conn.execute(query).mappings()]

    def _doc(self, table: Table, **keys: Any) -> dict[str, Any] | None:
        text = self._conn.execute(select(table.c.doc).where(where(table, keys))).scalar()
        return loads(text) if text is not None else None

    def _docs(self, query: Select[Any]) -> list[dict[str, Any]]:
        """The documents `query` selects (its first column), in its order."""
        return [loads(text) for text in self._conn.execute(query).scalars()]

    def _page(
        self, query: Select[Any], lp: ListParams, rows: bool = False
    ) -> tuple[list[dict[str, Any]], int | None]:
        """One page (`skip`, `limit`) of the documents (or, with `rows`, the rows) `query`
        selects, and with `include_count` how many it selects in all: the database pages and
        counts, Python reads only the page."""
        paged = query.offset(lp.skip).limit(lp.limit)
        docs = self._rows(paged) if rows else self._docs(paged)
        if not lp.include_count:
            return docs, None
        counted = select(func.count()).select_from(query.order_by(None).subquery())
        return docs, int(self._conn.execute(counted).scalar_one())

    def _insert(self, table: Table, **values: Any) -> None:
        self._conn.execute(insert(table).values(**values))

    def _update(self, table: Table, keys: Mapping[str, Any], **values: Any) -> None:
        self._conn.execute(update(table).where(where(table, keys)).values(**values))

    def _delete(self, table: Table, **keys: Any) -> None:
        self._conn.execute(delete(table).where(where(table, keys)))
