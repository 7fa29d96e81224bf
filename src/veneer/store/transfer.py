"""Moving a whole stack (`veneer export` and `veneer import`, docs/export-import.md). The export
reads each table in keyset pages in the order of an index whose key leads with `stack`, so a page
costs the same at the start of a million-row table as at its end, and only the page is ever in
memory; the import writes rows nothing indexes (histories) on the bulk path."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, func, or_, select

from veneer.store.core import Rows

PAGE = 1_000  # rows per keyset page


def after(columns: Sequence[ColumnElement[Any]], key: Sequence[Any]) -> ColumnElement[bool]:
    """Rows whose (columns) sort after `key`, spelt as ORs of prefixes (`a > ? OR (a = ? AND
    b > ?) …`) rather than a row value, which both databases turn into one range of the index."""
    terms = []
    for n, column in enumerate(columns):
        equal = [columns[i] == key[i] for i in range(n)]
        terms.append(and_(*equal, column > key[n]))
    return or_(*terms)


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
        columns: Sequence[ColumnElement[Any]] | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every row of a stack in `table` (that meets `match`) in `order` (columns that, after
        `stack`, are an index's key and unique), read in keyset pages of `page` rows."""
        keys = [table.c[name] for name in order]
        wanted = list(columns) if columns is not None else list(table.columns)
        last: tuple[Any, ...] | None = None
        while True:
            query = select(*wanted).where(table.c.stack == stack, *match)
            if last is not None:
                query = query.where(after(keys, last))
            found = [
                dict(row)
                for row in self._conn.execute(query.order_by(*keys).limit(page)).mappings()
            ]
            yield from found
            if len(found) < page:
                return
            last = tuple(found[-1][name] for name in order)

    def insert(self, table: Table, rows: Iterable[Sequence[Any]]) -> None:
        """Insert new rows (each a value per column of `table`, in order) on the bulk path."""
        self._sql.insert_rows(self._conn, table, rows)
