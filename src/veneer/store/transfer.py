"""Moving a whole stack (`veneer export` and `veneer import`, docs/export-import.md). The export
reads each table in keyset pages in the order of an index whose key leads with `stack`, so a page
costs the same at the start of a million-row table as at its end, and only the page is ever in
memory; the import writes rows nothing indexes (histories) on the bulk path."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, func, select, tuple_

from veneer.store.core import Rows

PAGE = 1_000  # rows per keyset page


def page_query(
    table: Table,
    stack: str,
    order: Sequence[str],
    last: Sequence[Any] | None,
    *match: ColumnElement[bool],
) -> Select[Any]:
    """The rows of a stack in `table` after the key `last` (None: from the start) in `order`. The
    key is compared as a row value, `(a, b) > (?, ?)`, which both databases search as one range
    of the index (spelt as ORs, PostgreSQL would filter the stack's rows from its first one)."""
    keys = [table.c[name] for name in order]
    query = select(table).where(table.c.stack == stack, *match)
    if last is not None:
        query = query.where(tuple_(*keys) > tuple_(*last))
    return query.order_by(*keys)


class Transfer(Rows):
    def count(self, table: Table, stack: str, *match: ColumnElement[bool]) -> int:
        """How many rows of a stack `table` holds (that also meet `match`)."""
        query = select(func.count()).select_from(table).where(table.c.stack == stack, *match)
        return int(self._conn.execute(query).scalar_one())

    def rows(
        self,
        table: Table,
        stack: str,
        order: Sequence[str],
        *match: ColumnElement[bool],
        page: int = PAGE,
    ) -> Iterator[dict[str, Any]]:
        """Every row of a stack in `table` (that meets `match`) in `order` (columns that, after
        `stack`, are an index's key and unique), read in keyset pages of `page` rows."""
        last: tuple[Any, ...] | None = None
        while True:
            query = page_query(table, stack, order, last, *match).limit(page)
            found = [dict(row) for row in self._conn.execute(query).mappings()]
            yield from found
            if len(found) < page:
                return
            last = tuple(found[-1][name] for name in order)

    def insert(self, table: Table, rows: Iterable[Sequence[Any]]) -> None:
        """Insert new rows (each a value per column of `table`, in order) on the bulk path."""
        self._sql.insert_rows(self._conn, table, rows)
