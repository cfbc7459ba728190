"""Many rows into one table at the driver's own speed: one compiled INSERT per table, executed once with the
DB-API `executemany` on prepared tuples, the type conversions applied per column, never per row through
SQLAlchemy's parameter machinery; the new ids read back in one query per table.

The SQL is the dialect's own single-row INSERT (so HFSQL keeps one row per VALUES and no RETURNING), sent
through `Connection.exec_driver_sql`: the same transaction, the same events, the same DBAPIError wrapping as
any other statement. Rows may be dicts (`insert_dicts`) or tuples in a given column order (`insert_tuples`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from operator import itemgetter
from types import FunctionType

from sqlalchemy import func, insert, select

from .store import chunks

_PYFORMAT = re.compile(r"%\((\w+)\)s")
# Types whose equal values are the same value to any converter (unlike Decimal("1.0") and Decimal("1.00"),
# 0.0 and -0.0, or True and 1 in one column); an aware datetime is left out below.
_EXACT = frozenset({str, int, bool, date, datetime})


def convert_column(process, col: list) -> list:
    """`process` applied to every value of a column. A Python-level converter (SQLite's dates, booleans, a
    mapping's converters) runs once per distinct value: a column holds few (dates, flags, one import instant);
    a C-level one (Decimal to float) is faster called per value than memoised."""
    if not isinstance(process, FunctionType) or len(col) < 16:
        return list(map(process, col))
    kinds = set(map(type, col))
    kinds.discard(type(None))
    if len(kinds) > 1 or not kinds <= _EXACT:
        return list(map(process, col))
    distinct = set(col)
    if datetime in kinds and any(v is not None and v.tzinfo is not None for v in distinct):
        return list(map(process, col))  # equal instants in two time zones are two values to write
    memo = {v: process(v) for v in distinct}
    return list(map(memo.__getitem__, col))


class Insert:
    """The INSERT of `keys` (reference column keys) into `table`, compiled once for `dialect`."""

    def __init__(self, dialect, table, keys: Sequence[str]):
        compiled = insert(table).compile(dialect=dialect, column_keys=list(keys), for_executemany=True)
        if dialect.positional:
            order, sql = list(compiled.positiontup), compiled.string
        elif dialect.paramstyle == "pyformat":  # psycopg, psycopg2: %(name)s also exists as %s
            order = _PYFORMAT.findall(compiled.string)
            sql = _PYFORMAT.sub("%s", compiled.string)
        else:  # a named-only driver: dicts, still converted per column
            order, sql = None, compiled.string
        names = list(order) if order is not None else [c.key for c in compiled.statement.table.columns
                                                       if c.key in compiled.binds]
        self.defaults = {}  # columns the statement fills from their scalar default: one value per column
        self.derived = {}  # columns computed from another given column (a first name from the whole name)
        for name in set(names) - set(keys):
            derived = table.c[name].info.get("derived")
            if derived is not None and derived[0] in keys:
                self.derived[name] = derived
                continue
            default = table.c[name].default
            if default is None or not default.is_scalar:
                raise ValueError(f"{table.name}.{name}: no value given and no scalar default")
            self.defaults[name] = default.arg
        self.table, self.sql, self.names, self.named = table, sql, names, order is None
        self.processors = [table.c[k].type.dialect_impl(dialect).bind_processor(dialect) for k in names]

    def parameters(self, columns: dict[str, list]) -> list:
        """Per-row parameters from whole columns ({key: values}), each column converted in one pass."""
        n = len(next(iter(columns.values())))
        converted = []
        for name, process in zip(self.names, self.processors):
            if name in self.derived:
                source, fill = self.derived[name]
                col = list(map(fill, columns[source]))
            else:
                col = columns[name] if name not in self.defaults else [self.defaults[name]] * n
            converted.append(col if process is None else convert_column(process, col))
        if self.named:
            return [dict(zip(self.names, row)) for row in zip(*converted)]
        return list(zip(*converted))

    def parameters_from_dicts(self, rows: list[dict]) -> list:
        """The same from dict rows: one C-level pick per row when no column needs converting."""
        given = [name for name in self.names if name not in self.defaults and name not in self.derived]
        given += [source for source, _ in self.derived.values() if source not in given]
        if self.named or self.defaults or self.derived or any(p is not None for p in self.processors):
            return self.parameters({name: list(map(itemgetter(name), rows)) for name in given})
        if len(given) == 1:
            return [(v,) for v in map(itemgetter(given[0]), rows)]
        return list(map(itemgetter(*given), rows))


def insert_columns(conn, table, columns: dict[str, list]) -> int:
    """Insert the rows held column by column ({key: values}, all of one length); returns the row count."""
    if not columns:
        return 0
    n = len(next(iter(columns.values())))
    if not n:
        return 0
    statement = _statement(conn, table, tuple(columns))
    conn.exec_driver_sql(statement.sql, statement.parameters(columns))
    return n


def insert_dicts(conn, table, rows: list[dict]) -> int:
    """Insert rows given as dicts with the same keys (those of the first row)."""
    if not rows:
        return 0
    statement = _statement(conn, table, tuple(rows[0]))
    conn.exec_driver_sql(statement.sql, statement.parameters_from_dicts(rows))
    return len(rows)


def insert_tuples(conn, table, keys: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Insert rows given as tuples in `keys` order."""
    rows = list(rows)
    if not rows:
        return 0
    return insert_columns(conn, table, dict(zip(keys, map(list, zip(*rows)))))


def _statement(conn, table, keys: tuple) -> Insert:
    """Compiled once per (dialect, table, columns) for the life of the connection's engine."""
    cache = conn.info.setdefault("amazon_addin.bulk", {})
    key = (table, keys)
    found = cache.get(key)
    if found is None:
        found = cache[key] = Insert(conn.dialect, table, keys)
    return found


def last_id(conn, id_col) -> int:
    """The highest id in the table now (0 when empty): rows inserted after it, in this transaction, have higher
    ones (autoincrement and sequences only grow)."""
    return conn.execute(select(func.max(id_col))).scalar() or 0


def ids_since(conn, id_col, key_col, keys: Iterable, after: int) -> dict:
    """{key: id} of the rows just inserted, in one query: those with an id above `after` (read before the insert)
    whose unique key is one of ours. Exact even if Gestan inserts rows meanwhile (their keys are not ours); any
    key not found that way (an id column that does not grow) is looked up by key, by chunks."""
    wanted = set(keys)
    out = {}
    for key, id_ in conn.execute(select(key_col, id_col).where(id_col > after)):
        if key in wanted:
            out[key] = id_
    missing = sorted(wanted - out.keys())
    for part in chunks(missing):
        for key, id_ in conn.execute(select(key_col, id_col).where(key_col.in_(part))):
            out[key] = id_
    return out
