"""The SQL side of the ``hfsql`` SQLAlchemy dialect: HFSQL (PC SOFT, HFSQL Classic / Client-Server).

Only the subset of SQL that PC SOFT documents for HFSQL, or that the add-in cannot do without, is emitted.
Every decision and its source is written down in ``docs/hfsql.md``; in short:

* identifiers are quoted with double quotes (SQL-92, accepted by HFSQL since version 15);
* no RETURNING, no sequences, no multi-row ``VALUES``: each INSERT carries one row (``executemany`` for many);
* the id of a row just inserted is read back by a *key-retrieval select* in the same transaction, on a
  unique business column (``numero``, ``cle``...), see :class:`HFSQLExecutionContext`;
* ``SELECT ... FOR UPDATE`` is not rendered: ``with_for_update()`` makes the execution context first write
  the selected row(s) with a no-op ``UPDATE t SET c = c WHERE ...``, which takes HFSQL's record lock until
  COMMIT or ROLLBACK, then run the plain SELECT;
* transactions go through ODBC (manual-commit mode, ``SQLEndTran``) unless ``transactions=sql`` asks for
  HFSQL's SQL statements (``START TRANSACTION`` / ``COMMIT`` / ``ROLLBACK``, HFSQL 21 and later);
* reflection uses the ODBC catalog functions (``SQLTables``, ``SQLColumns``, ``SQLPrimaryKeys``) through
  pyodbc, so it needs no HFSQL system table.
"""

from __future__ import annotations

import datetime as dt
import decimal
import logging
import re

from sqlalchemy import exc, util
from sqlalchemy import schema as sa_schema
from sqlalchemy import types as sqltypes
from sqlalchemy.engine import default, reflection
from sqlalchemy.sql import compiler, elements
from sqlalchemy.sql import expression as sql

log = logging.getLogger("amazon_addin.hfsql")

# Words quoted wherever they name a table or a column: the SQL-92 reserved words, the keywords PC SOFT's
# SQL pages use (TOP, BOTTOM, LIMIT, ...) and the names of HFSQL's item types. Quoting a word that did not
# need it is harmless; failing to quote one that did is a syntax error on the server.
RESERVED_WORDS = frozenset("""
absolute action add all allocate alter and any are as asc assertion at authorization avg begin between
bigint binary bit blob boolean both bottom by call cascade cascaded case cast catalog char character
check clob close coalesce collate collation column commit connect connection constraint constraints
continue convert corresponding count create cross currency current current_date current_time
current_timestamp current_user cursor date datetime day deallocate dec decimal declare default
deferrable deferred delete desc describe descriptor diagnostics disconnect distinct domain double drop
duration else end escape except exception exec execute exists external extract false fetch file first
float for foreign found from full get global go goto grant group having hour identity if immediate in
index indicator initially inner input insensitive insert int integer intersect interval into is
isolation join key language last leading left level like limit local lower match max memo min minute
modify module money month names national natural nchar next no not null nullif numeric nvarchar
octet_length of offset on only open option or order outer output overlaps pad partial position precision
prepare preserve primary prior privileges procedure public read real references relative replace
restrict revoke right rollback rows savepoint schema scroll second section select session session_user
set size smallint some space sql sqlcode sqlerror sqlstate start substring sum system_user table
temporary text then time timestamp timezone_hour timezone_minute tinyint to top trailing transaction
translate translation trim true union unique unknown update upper usage user using value values varchar
varying view when whenever where with work write year zone
""".split())

# ODBC SQL data type codes (sql.h / sqlext.h), as SQLColumns reports them in DATA_TYPE.
_ODBC_TYPES = {
    1: sqltypes.CHAR, 12: sqltypes.VARCHAR, -1: sqltypes.TEXT,
    -8: sqltypes.NCHAR, -9: sqltypes.NVARCHAR, -10: sqltypes.TEXT,
    2: sqltypes.NUMERIC, 3: sqltypes.DECIMAL,
    4: sqltypes.INTEGER, 5: sqltypes.SMALLINT, -5: sqltypes.BIGINT, -6: sqltypes.SMALLINT,
    -7: sqltypes.BOOLEAN, 16: sqltypes.BOOLEAN,
    6: sqltypes.FLOAT, 7: sqltypes.REAL, 8: sqltypes.FLOAT,
    9: sqltypes.DATE, 91: sqltypes.DATE, 10: sqltypes.TIME, 92: sqltypes.TIME,
    11: sqltypes.DATETIME, 93: sqltypes.DATETIME,
    -2: sqltypes.BINARY, -3: sqltypes.VARBINARY, -4: sqltypes.LargeBinary,
    -11: sqltypes.CHAR,
}
_MONEY_TYPE_NAMES = ("currency", "money", "monétaire", "monetaire")
# ODBC SQL_TXN_* bit values (SQLGetInfo SQL_DEFAULT_TXN_ISOLATION, SQLSetConnectAttr SQL_ATTR_TXN_ISOLATION).
_TXN_ISOLATION = {"READ UNCOMMITTED": 1, "READ COMMITTED": 2, "REPEATABLE READ": 4, "SERIALIZABLE": 8}


class CURRENCY(sqltypes.Numeric):
    """HFSQL's *Monétaire* item: 24 significant digits, at most 6 decimals; read as ``Decimal``.

    The reference schema does not use it (``NUMERIC(p, s)`` keeps the declared scale); it is here for
    mapping existing Gestan columns of that type.
    """

    __visit_name__ = "CURRENCY"

    def __init__(self, asdecimal: bool = True):
        super().__init__(precision=24, scale=6, asdecimal=asdecimal)


# --------------------------------------------------------------------------------------------------------
# Result and bind processing that does not trust the driver to return the Python type it was asked for.


class _HFSQLBoolean(sqltypes.Boolean):
    """Booleans bound as Python ``bool`` (ODBC SQL_BIT); read back from a bit, an integer or a character."""

    def bind_processor(self, dialect):
        def process(value):
            return None if value is None else bool(value)
        return process

    def result_processor(self, dialect, coltype):
        def process(value):
            if value is None or isinstance(value, bool):
                return value
            if isinstance(value, (bytes, bytearray)):
                value = value.decode("ascii", "replace")
            if isinstance(value, str):
                return value.strip().lower() not in ("", "0", "f", "false", "n", "no", "non", "faux")
            return bool(value)
        return process


class _HFSQLNumeric(sqltypes.Numeric):
    """``Decimal`` in, ``Decimal`` out, even when a driver hands back a float or a string."""

    def bind_processor(self, dialect):
        return None

    def result_processor(self, dialect, coltype):
        if not self.asdecimal:
            return super().result_processor(dialect, coltype)
        scale = self.scale if self.scale is not None else self._default_decimal_return_scale
        quantum = decimal.Decimal(1).scaleb(-scale) if scale is not None else None

        def process(value):
            if value is None or isinstance(value, decimal.Decimal):
                return value
            out = decimal.Decimal(str(value).strip().replace(",", ".")) if not isinstance(value, int) \
                else decimal.Decimal(value)
            return out.quantize(quantum) if quantum is not None and isinstance(value, float) else out
        return process


class _HFSQLInteger(sqltypes.Integer):
    def result_processor(self, dialect, coltype):
        def process(value):
            if value is None or isinstance(value, int):
                return value
            if isinstance(value, decimal.Decimal):
                return int(value)
            return int(str(value).strip())
        return process


def _date_literal(value: dt.date) -> str:
    return "'%04d%02d%02d'" % (value.year, value.month, value.day)


class _HFSQLDate(sqltypes.Date):
    """Dates travel as ODBC DATE parameters; HFSQL's own text form is ``YYYYMMDD``."""

    def literal_processor(self, dialect):
        return _date_literal

    def result_processor(self, dialect, coltype):
        def process(value):
            if value is None:
                return None
            if isinstance(value, dt.datetime):
                return value.date()
            if isinstance(value, dt.date):
                return value
            text = str(value).strip()
            if re.fullmatch(r"\d{8}", text):
                return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
            return dt.date.fromisoformat(text[:10])
        return process


class _HFSQLDateTime(sqltypes.DateTime):
    """Date-times travel as ODBC TIMESTAMP parameters; HFSQL keeps them to the millisecond."""

    def literal_processor(self, dialect):
        def process(value):
            return "'%04d%02d%02d%02d%02d%02d%03d'" % (value.year, value.month, value.day, value.hour,
                                                      value.minute, value.second, value.microsecond // 1000)
        return process

    def result_processor(self, dialect, coltype):
        def process(value):
            if value is None or isinstance(value, dt.datetime):
                return value
            if isinstance(value, dt.date):
                return dt.datetime(value.year, value.month, value.day)
            text = str(value).strip()
            m = re.fullmatch(r"(\d{4})(\d\d)(\d\d)(\d\d)?(\d\d)?(\d\d)?(\d{1,3})?", text)
            if m:
                y, mo, d, h, mi, s, ms = m.groups()
                return dt.datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0),
                                   int((ms or "0").ljust(3, "0")) * 1000)
            return dt.datetime.fromisoformat(text)
        return process


# --------------------------------------------------------------------------------------------------------
# Compilers


class HFSQLIdentifierPreparer(compiler.IdentifierPreparer):
    """Double-quoted identifiers (SQL-92), quoted when reserved, mixed-case or not plain ASCII words."""

    reserved_words = RESERVED_WORDS
    illegal_initial_characters = compiler.ILLEGAL_INITIAL_CHARACTERS

    def __init__(self, dialect):
        super().__init__(dialect, initial_quote='"', final_quote='"', escape_quote='"')


class HFSQLCompiler(compiler.SQLCompiler):
    """SELECT / INSERT / UPDATE / DELETE in the HFSQL subset."""

    def get_select_precolumns(self, select, **kw):
        text = super().get_select_precolumns(select, **kw)
        if select._offset_clause is not None:
            raise exc.CompileError("HFSQL : OFFSET n'est pas pris en charge par ce dialecte (non confirmé "
                                   "dans la documentation PC SOFT).")
        if select._limit_clause is not None:
            if select._simple_int_clause(select._limit_clause):
                text += "TOP %d " % select._limit
            else:
                text += "TOP %s " % self.process(select._limit_clause, literal_execute=True, **kw)
        return text

    def limit_clause(self, select, **kw):
        return ""  # rendered as TOP n by get_select_precolumns

    def fetch_clause(self, select, **kw):
        raise exc.CompileError("HFSQL : FETCH FIRST n'est pas pris en charge par ce dialecte ; "
                               "utilisez .limit().")

    def for_update_clause(self, select, **kw):
        # No FOR UPDATE in HFSQL's documented SQL: the lock is taken by HFSQLExecutionContext.pre_exec,
        # which writes the selected row(s) first (see HFSQLDialect.for_update_lock_statement).
        return ""

    def returning_clause(self, stmt, returning_cols, **kw):
        raise exc.CompileError("HFSQL n'a pas de clause RETURNING.")

    def visit_sequence(self, seq, **kw):
        raise exc.CompileError("HFSQL n'a pas de séquences : utilisez un identifiant automatique.")

    def default_from(self):
        # HFSQL has no DUAL table and no SELECT without FROM; a constant SELECT is a programming error here.
        raise exc.CompileError("HFSQL n'accepte pas de SELECT sans FROM.")


class HFSQLDDLCompiler(compiler.DDLCompiler):
    """CREATE TABLE with PRIMARY KEY and UNIQUE constraints; foreign keys are not rendered."""

    def get_column_specification(self, column, **kwargs):
        colspec = (self.preparer.format_column(column) + " "
                   + self.dialect.type_compiler_instance.process(column.type, type_expression=column))
        if column.table is not None and column is column.table._autoincrement_column:
            colspec += " " + self.dialect._identity_clause()
        default = self.get_column_default_string(column)
        if default is not None:
            colspec += " DEFAULT " + default
        if not column.nullable:
            colspec += " NOT NULL"
        return colspec

    def visit_primary_key_constraint(self, constraint, **kw):
        if len(constraint) == 0:
            return None
        return "PRIMARY KEY (%s)" % ", ".join(self.preparer.quote(c.name) for c in constraint)

    def visit_unique_constraint(self, constraint, **kw):
        if len(constraint) == 0:
            return None
        return "UNIQUE (%s)" % ", ".join(self.preparer.quote(c.name) for c in constraint)

    def visit_foreign_key_constraint(self, constraint, **kw):
        # HFSQL keeps referential integrity in its analysis ("links"), and PC SOFT does not document
        # FOREIGN KEY in CREATE TABLE; the add-in writes consistent rows itself.
        return None

    def visit_check_constraint(self, constraint, **kw):
        return None

    def visit_column_check_constraint(self, constraint, **kw):
        return None


class HFSQLTypeCompiler(compiler.GenericTypeCompiler):
    """HFSQL item types by their SQL names; see the table in docs/hfsql.md."""

    def _sub(self, hfsql: str) -> str:
        return self.dialect._conformance_types.get(hfsql, hfsql)

    def visit_BOOLEAN(self, type_, **kw):
        return "BOOLEAN"

    def visit_boolean(self, type_, **kw):
        return "BOOLEAN"

    def visit_NUMERIC(self, type_, **kw):
        if type_.precision is None:
            return "NUMERIC"
        if type_.scale is None:
            return "NUMERIC(%d)" % type_.precision
        return "NUMERIC(%d, %d)" % (type_.precision, type_.scale)

    def visit_DECIMAL(self, type_, **kw):
        return self.visit_NUMERIC(type_, **kw)

    def visit_CURRENCY(self, type_, **kw):
        return self._sub("CURRENCY")

    def visit_INTEGER(self, type_, **kw):
        return "INTEGER"

    def visit_SMALLINT(self, type_, **kw):
        return "SMALLINT"

    def visit_BIGINT(self, type_, **kw):
        return "BIGINT"

    def visit_DATE(self, type_, **kw):
        return "DATE"

    def visit_DATETIME(self, type_, **kw):
        return self._sub("DATETIME")

    def visit_TIMESTAMP(self, type_, **kw):
        return self._sub("DATETIME")

    def visit_datetime(self, type_, **kw):
        return self._sub("DATETIME")

    def visit_TIME(self, type_, **kw):
        return "TIME"

    def _text(self, type_) -> str:
        return "TEXT"

    def visit_VARCHAR(self, type_, **kw):
        return "VARCHAR(%d)" % type_.length if type_.length else self._text(type_)

    def visit_CHAR(self, type_, **kw):
        return "CHAR(%d)" % type_.length if type_.length else "CHAR(1)"

    def visit_NVARCHAR(self, type_, **kw):
        return ("%s(%d)" % (self._sub("NVARCHAR"), type_.length)) if type_.length else self._text(type_)

    def visit_NCHAR(self, type_, **kw):
        return ("%s(%d)" % (self._sub("NCHAR"), type_.length)) if type_.length else self._sub("NCHAR") + "(1)"

    def visit_TEXT(self, type_, **kw):
        return "TEXT"

    def visit_CLOB(self, type_, **kw):
        return "TEXT"

    def visit_BLOB(self, type_, **kw):
        return self._sub("BLOB")

    def visit_large_binary(self, type_, **kw):
        return self._sub("BLOB")

    def visit_uuid(self, type_, **kw):
        return "CHAR(36)"


# --------------------------------------------------------------------------------------------------------
# Execution: id read-back and row locks


class HFSQLExecutionContext(default.DefaultExecutionContext):
    """Reads back new ids by key; takes row locks for ``with_for_update()``."""

    _hfsql_lastrowid = None

    def pre_exec(self):
        if not self.compiled or not isinstance(self.compiled, compiler.SQLCompiler):
            return
        statement = self.compiled.statement
        if isinstance(statement, sql.Select) and statement._for_update_arg is not None \
                and not statement._for_update_arg.read:
            lock = self.dialect.for_update_lock_statement(statement)
            overrides = self.compiled_parameters[0] if self.compiled_parameters else {}
            self._run_side_statement(lock, overrides)

    def post_exec(self):
        if self.isinsert and not self.executemany and getattr(self.compiled, "postfetch_lastrowid", False):
            self._hfsql_lastrowid = self._read_back_id()

    def get_lastrowid(self):
        return self._hfsql_lastrowid

    # -- helpers -------------------------------------------------------------------------------------

    def _run_side_statement(self, statement, overrides):
        compiled = statement.compile(dialect=self.dialect, compile_kwargs={"render_postcompile": True})
        # Values the caller bound by name at execution time; anonymous binds carry their own values.
        known = {k: v for k, v in overrides.items()
                 if k in compiled.binds and not isinstance(compiled.binds[k].key, elements._anonymous_label)}
        params = compiled.construct_params(known, _check=False)
        processors = compiled._bind_processors
        positional = [processors[key](params[key]) if key in processors else params[key]
                      for key in compiled.positiontup]
        text = compiled.string
        self._side_execute(text, positional, fetch=False)

    def _side_execute(self, text: str, params: list, fetch: bool):
        log.debug("%s %r", text, params)
        echo = getattr(self.root_connection, "_echo", False)
        if echo:
            self.root_connection._log_info(text)
            self.root_connection._log_info("[hfsql] %r", tuple(params))
        cursor = self._dbapi_connection.cursor()
        try:
            cursor.execute(text, params)
            return cursor.fetchall() if fetch else None
        finally:
            cursor.close()

    def _read_back_id(self):
        table = self.compiled.statement.table
        autoinc = table._autoincrement_column
        if autoinc is None:
            return None
        params = self.compiled_parameters[0]
        key_of = self.compiled._within_exec_param_key_getter
        if params.get(key_of(autoinc)) is not None:
            return None  # the caller gave the id: nothing to read back
        plan = self.dialect.id_lookup_plan(table, {c.key: params.get(key_of(c)) for c in table.columns})
        if plan is None:
            raise exc.InvalidRequestError(
                f"HFSQL : impossible de relire l'identifiant du nouvel enregistrement de « {table.name} » : "
                "aucune colonne unique ni valeur exploitable dans l'INSERT (voir docs/hfsql.md).")
        text, values, unique = plan
        rows = self._side_execute(text, values, fetch=True)
        if not rows or rows[0][0] is None:
            raise exc.InvalidRequestError(
                f"HFSQL : l'enregistrement inséré dans « {table.name} » n'a pas été retrouvé par sa clé.")
        if unique and len(rows) > 1:
            raise exc.InvalidRequestError(
                f"HFSQL : plusieurs enregistrements de « {table.name} » répondent à la clé unique.")
        return rows[0][0]


# --------------------------------------------------------------------------------------------------------
# The dialect


class HFSQLDialect(default.DefaultDialect):
    name = "hfsql"
    supports_statement_cache = True

    statement_compiler = HFSQLCompiler
    ddl_compiler = HFSQLDDLCompiler
    type_compiler_cls = HFSQLTypeCompiler
    preparer = HFSQLIdentifierPreparer
    execution_ctx_cls = HFSQLExecutionContext

    max_identifier_length = 128
    supports_alter = False
    supports_comments = False
    supports_sequences = False
    sequences_optional = False
    supports_identity_columns = False
    supports_native_boolean = True
    supports_native_decimal = True
    supports_native_enum = False
    supports_empty_insert = False
    supports_default_values = False
    supports_default_metavalue = False
    supports_multivalues_insert = False
    supports_is_distinct_from = False
    supports_simple_order_by_label = True
    supports_server_side_cursors = False
    supports_schemas = False
    div_is_floordiv = False

    postfetch_lastrowid = True
    implicit_returning = False
    favor_returning_over_lastrowid = False
    insert_returning = False
    update_returning = False
    delete_returning = False
    insert_executemany_returning = False
    insert_executemany_returning_sort_by_parameter_order = False
    update_executemany_returning = False
    delete_executemany_returning = False
    use_insertmanyvalues = False
    use_insertmanyvalues_wo_returning = False

    colspecs = {
        sqltypes.Boolean: _HFSQLBoolean,
        sqltypes.Numeric: _HFSQLNumeric,
        sqltypes.Float: sqltypes.Float,
        sqltypes.Integer: _HFSQLInteger,
        sqltypes.Date: _HFSQLDate,
        sqltypes.DateTime: _HFSQLDateTime,
    }

    # HFSQL item types named in DDL, and the standard names a non-HFSQL server takes instead (conformance
    # runs only, see HFSQLDialect_pyodbc.on_connect). Empty = the HFSQL names.
    _conformance_types: dict = {}
    _conformance_identity: str | None = None

    def __init__(self, transactions: str = "odbc", **kw):
        super().__init__(**kw)
        if transactions not in ("odbc", "sql"):
            raise exc.ArgumentError("hfsql : transactions doit valoir « odbc » ou « sql ».")
        self.transactions = transactions
        self._sql_txn_open: set[int] = set()
        self._autocommit_conns: set[int] = set()
        self._isolation: dict[int, str] = {}
        self._conformance_types = {}
        self._conformance_identity = None
        self.backend_dbms = "HFSQL"

    # -- DDL ---------------------------------------------------------------------------------------------

    def _identity_clause(self) -> str:
        return self._conformance_identity or "AUTO_INCREMENT"

    # -- identifiers of new rows ---------------------------------------------------------------------

    @staticmethod
    def _lookup_keys(table) -> list[list]:
        """Candidate unique keys of `table`: ``Table(..., info={"hfsql_lookup_key": ("col", ...)})`` first,
        then the columns declared ``unique=True``, then the UNIQUE constraints."""
        keys = []
        explicit = table.info.get("hfsql_lookup_key")
        if explicit:
            names = [explicit] if isinstance(explicit, str) else list(explicit)
            cols = []
            for n in names:
                col = table.c.get(n)
                if col is None:
                    col = next((c for c in table.columns if c.name == n), None)
                if col is None:
                    raise exc.ArgumentError(f"hfsql_lookup_key : colonne « {n} » inconnue dans {table.name}.")
                cols.append(col)
            keys.append(cols)
        for col in table.columns:
            if col.unique and not col.primary_key:
                keys.append([col])
        for cons in sorted(table.constraints, key=lambda c: c.name or ""):
            if isinstance(cons, sa_schema.UniqueConstraint) and len(cons.columns):
                cols = list(cons.columns)
                if cols not in keys:
                    keys.append(cols)
        return keys

    def id_lookup_plan(self, table, values: dict):
        """(sql, params, unique) reading back the autoincrement id of the row just inserted with `values`.

        `values` maps column keys to the Python values the INSERT carried. A unique key whose values are
        all present gives a select that can match only that row, whoever else writes the table meanwhile;
        otherwise every inserted value that compares exactly (not NULL, not a float nor a date-time) is
        matched and the greatest id among identical rows is taken (see docs/hfsql.md for when that is safe).
        """
        autoinc = table._autoincrement_column
        prep = self.identifier_preparer
        for key in self._lookup_keys(table):
            if all(values.get(c.key) is not None for c in key):
                where = " AND ".join(f"{prep.format_column(c)} = ?" for c in key)
                params = [self._bind(c, values[c.key]) for c in key]
                return (f"SELECT {prep.format_column(autoinc)} FROM {prep.format_table(table)} WHERE {where}",
                        params, True)
        cols = [c for c in table.columns if c is not autoinc and values.get(c.key) is not None
                and not isinstance(c.type, (sqltypes.DateTime, sqltypes.Time, sqltypes.Float,
                                            sqltypes.LargeBinary))]
        if not cols:
            return None
        where = " AND ".join(f"{prep.format_column(c)} = ?" for c in cols)
        params = [self._bind(c, values[c.key]) for c in cols]
        return (f"SELECT MAX({prep.format_column(autoinc)}) FROM {prep.format_table(table)} WHERE {where}",
                params, False)

    def _bind(self, column, value):
        proc = column.type._cached_bind_processor(self)
        return proc(value) if proc else value

    # -- row locks -------------------------------------------------------------------------------------

    def for_update_lock_statement(self, select):
        """The no-op UPDATE that locks the rows a ``with_for_update()`` SELECT reads (HFSQL write lock)."""
        froms = select.get_final_froms()
        if len(froms) != 1 or not isinstance(froms[0], sa_schema.Table):
            raise exc.CompileError("HFSQL : with_for_update() demande un SELECT sur une seule table.")
        table = froms[0]
        target = next((c for c in table.columns if not c.primary_key), None)
        if target is None:
            target = list(table.primary_key)[0]
        stmt = sql.update(table).values({target: target})
        if select._where_criteria:
            stmt = stmt.where(*select._where_criteria)
        return stmt

    # -- transactions --------------------------------------------------------------------------------

    @staticmethod
    def _raw_dbapi(connection):
        """The driver's own connection object under a pool wrapper (stable key for the whole checkout)."""
        return getattr(connection, "dbapi_connection", None) or connection

    def do_begin(self, dbapi_connection):
        raw = self._raw_dbapi(dbapi_connection)
        if self.transactions == "sql" and id(raw) not in self._autocommit_conns:
            cursor = raw.cursor()
            try:
                cursor.execute("START TRANSACTION")
            finally:
                cursor.close()
            self._sql_txn_open.add(id(raw))

    def _end_sql(self, dbapi_connection, word: str):
        raw = self._raw_dbapi(dbapi_connection)
        if id(raw) not in self._sql_txn_open:
            return
        self._sql_txn_open.discard(id(raw))
        cursor = raw.cursor()
        try:
            cursor.execute(word)
        finally:
            cursor.close()

    def do_commit(self, dbapi_connection):
        if self.transactions == "sql":
            self._end_sql(dbapi_connection, "COMMIT")
        else:
            dbapi_connection.commit()

    def do_rollback(self, dbapi_connection):
        if self.transactions == "sql":
            self._end_sql(dbapi_connection, "ROLLBACK")
        else:
            dbapi_connection.rollback()

    def do_close(self, dbapi_connection):
        raw = self._raw_dbapi(dbapi_connection)
        self._sql_txn_open.discard(id(raw))
        self._autocommit_conns.discard(id(raw))
        self._isolation.pop(id(raw), None)
        dbapi_connection.close()

    # -- isolation levels, through the ODBC connection attribute SQL_ATTR_TXN_ISOLATION ----------------

    def get_isolation_level_values(self, dbapi_connection):
        return ["AUTOCOMMIT", *_TXN_ISOLATION]

    def _driver_default_isolation(self, raw):
        try:
            code = raw.getinfo(self.loaded_dbapi.SQL_DEFAULT_TXN_ISOLATION)
        except (self.loaded_dbapi.Error, AttributeError):
            code = None
        return {v: k for k, v in _TXN_ISOLATION.items()}.get(code, "READ COMMITTED")

    def get_default_isolation_level(self, dbapi_connection):
        # The transactional level the connection has now (set on connect, else the driver's default).
        raw = self._raw_dbapi(dbapi_connection)
        return self._isolation.get(id(raw)) or self._driver_default_isolation(raw)

    def get_isolation_level(self, dbapi_connection):
        raw = self._raw_dbapi(dbapi_connection)
        if id(raw) in self._autocommit_conns:
            return "AUTOCOMMIT"
        return self._isolation.get(id(raw)) or self._driver_default_isolation(raw)

    def set_isolation_level(self, dbapi_connection, level):
        raw = self._raw_dbapi(dbapi_connection)
        if level == "AUTOCOMMIT":
            raw.autocommit = True
            self._autocommit_conns.add(id(raw))
            return
        self._autocommit_conns.discard(id(raw))
        raw.autocommit = self.transactions == "sql"
        raw.set_attr(self.loaded_dbapi.SQL_ATTR_TXN_ISOLATION, _TXN_ISOLATION[level])
        self._isolation[id(raw)] = level

    def detect_autocommit_setting(self, dbapi_connection):
        return id(self._raw_dbapi(dbapi_connection)) in self._autocommit_conns

    def do_release_savepoint(self, connection, name):
        # SAVEPOINT and rolling back to one are documented for HFSQL; RELEASE SAVEPOINT is not. A savepoint
        # that is never released simply ends with its transaction.
        pass

    def do_ping(self, dbapi_connection):
        # HFSQL has no SELECT without FROM; a catalog call for a table that does not exist is a cheap
        # round trip that every ODBC driver answers.
        cursor = dbapi_connection.cursor()
        try:
            cursor.tables(table="hfsql_ping_none", tableType="TABLE").fetchall()
        finally:
            cursor.close()
        return True

    def _get_default_schema_name(self, connection):
        return None

    # -- reflection through the ODBC catalog -----------------------------------------------------------

    @staticmethod
    def _raw(connection):
        return connection.connection.dbapi_connection

    def _current_catalog(self, raw):
        try:
            name = raw.getinfo(self.loaded_dbapi.SQL_DATABASE_NAME)
        except (self.loaded_dbapi.Error, AttributeError):
            return None
        return name or None

    def _catalog_tables(self, connection, table_type="TABLE"):
        """(catalog, schema, name) of the tables of the current database (a driver such as MariaDB's lists
        every database it can see; their rows are left out)."""
        raw = self._raw(connection)
        current = self._current_catalog(raw)
        cursor = raw.cursor()
        try:
            rows = cursor.tables(tableType=table_type).fetchall()
        finally:
            cursor.close()
        return [(r[0], r[1], r[2]) for r in rows
                if r[2] and (current is None or not r[0] or r[0].casefold() == current.casefold())]

    def _resolve(self, connection, table_name, schema=None):
        """(catalog, schema, real name) of `table_name`, matched case-insensitively, or None."""
        wanted = table_name.casefold()
        for cat, sch, name in self._catalog_tables(connection):
            if name.casefold() == wanted and (schema is None or (sch or "") == schema):
                return cat, sch, name
        return None

    @reflection.cache
    def get_table_names(self, connection, schema=None, **kw):
        names = []
        for _cat, sch, name in self._catalog_tables(connection):
            if (schema is None or (sch or "") == schema) and name not in names:
                names.append(name)
        return names

    @reflection.cache
    def get_view_names(self, connection, schema=None, **kw):
        return [name for _cat, sch, name in self._catalog_tables(connection, "VIEW")
                if schema is None or (sch or "") == schema]

    def get_schema_names(self, connection, **kw):
        return []

    def has_table(self, connection, table_name, schema=None, **kw):
        self._ensure_has_table_connection(connection)
        return self._resolve(connection, table_name, schema) is not None

    @reflection.cache
    def get_columns(self, connection, table_name, schema=None, **kw):
        found = self._resolve(connection, table_name, schema)
        if found is None:
            raise exc.NoSuchTableError(table_name)
        cat, sch, real = found
        cursor = self._raw(connection).cursor()
        try:
            rows = [r for r in cursor.columns(table=real, catalog=cat, schema=sch).fetchall() if r[2] == real]
        finally:
            cursor.close()
        rows.sort(key=lambda r: r[16] if len(r) > 16 and r[16] is not None else 0)
        columns = []
        for r in rows:
            name, data_type, type_name, size, digits, nullable, default_ = (
                r[3], r[4], (r[5] or ""), r[6], r[8], r[10], r[12])
            columns.append({"name": name, "type": self._reflected_type(data_type, type_name, size, digits),
                            "nullable": nullable != 0, "default": default_, "autoincrement": "auto"})
        return columns

    @staticmethod
    def _reflected_type(data_type, type_name, size, digits):
        low = type_name.lower()
        if any(m in low for m in _MONEY_TYPE_NAMES):
            return CURRENCY()
        if "bool" in low:
            return sqltypes.BOOLEAN()
        cls = _ODBC_TYPES.get(data_type)
        if cls is None:
            util.warn(f"hfsql : type ODBC {data_type} ({type_name}) inconnu, lu comme NullType")
            return sqltypes.NULLTYPE
        if cls in (sqltypes.NUMERIC, sqltypes.DECIMAL):
            return cls(precision=size, scale=digits)
        if cls in (sqltypes.CHAR, sqltypes.VARCHAR, sqltypes.NCHAR, sqltypes.NVARCHAR):
            return cls(length=size) if size and size < 1_000_000 else sqltypes.TEXT()
        return cls()

    @reflection.cache
    def get_pk_constraint(self, connection, table_name, schema=None, **kw):
        found = self._resolve(connection, table_name, schema)
        if found is None:
            raise exc.NoSuchTableError(table_name)
        cat, sch, real = found
        cursor = self._raw(connection).cursor()
        try:
            rows = [r for r in cursor.primaryKeys(table=real, catalog=cat, schema=sch).fetchall()
                    if r[2] == real]
        except self.loaded_dbapi.Error:
            rows = []
        finally:
            cursor.close()
        rows.sort(key=lambda r: r[4] or 0)
        return {"constrained_columns": [r[3] for r in rows], "name": (rows[0][5] if rows else None)}

    def get_foreign_keys(self, connection, table_name, schema=None, **kw):
        return []

    def get_indexes(self, connection, table_name, schema=None, **kw):
        return []

    def get_unique_constraints(self, connection, table_name, schema=None, **kw):
        return []

    def get_check_constraints(self, connection, table_name, schema=None, **kw):
        return []


dialect = HFSQLDialect
