"""``hfsql+pyodbc``: HFSQL through PC SOFT's ODBC driver and pyodbc.

URLs::

    hfsql+pyodbc://user:password@host:4900/database?driver=HFSQL   # HFSQL Client/Server, no DSN
    hfsql+pyodbc://@GESTAN                                        # an ODBC data source (DSN)
    hfsql+pyodbc://user:password@GESTAN                           # a DSN, with credentials
    hfsql+pyodbc:///?odbc_connect=DRIVER%3D...                    # a whole connection string, as is

With PC SOFT's driver (the default ``driver=HFSQL``, or any driver name containing "HFSQL") the keywords
are those of its data sources: ``Server Name``, ``Server Port``, ``Database``, ``UID``, ``PWD``. With any
other driver the common ODBC keywords ``Server``, ``Port``, ``Database``, ``UID``, ``PWD`` are used (this is
how the dialect's SQL is run through PostgreSQL's or MariaDB's ODBC drivers in the tests). Other query
parameters are passed on as ``key=value``; ``transactions=odbc|sql`` chooses how transactions are driven.

The password never appears in a log line or a ``repr``: the connection string is a ``str`` whose ``repr``
masks ``PWD``.
"""

from __future__ import annotations

import logging
import re

from sqlalchemy import util
from sqlalchemy.connectors.pyodbc import PyODBCConnector

from .base import HFSQLDialect, HFSQLExecutionContext

log = logging.getLogger("amazon_addin.hfsql")

DEFAULT_DRIVER = "HFSQL"
_SECRET_KEYS = ("pwd", "password")


def _quote(value) -> str:
    """An ODBC attribute value, braced when it holds characters the ODBC grammar would split on."""
    text = str(value)
    if any(ch in text for ch in ";{}=") or text != text.strip():
        return "{%s}" % text.replace("}", "}}")
    return text


def mask(connection_string: str) -> str:
    """The connection string with every password value replaced by ``***``."""
    return re.sub(r"(?i)(\b(?:pwd|password)\s*=\s*)(\{(?:[^}]|\}\})*\}|[^;]*)", r"\1***", connection_string)


class OdbcConnectionString(str):
    """A connection string that shows ``PWD=***`` wherever it is printed with ``repr`` (logs, tracebacks)."""

    def __repr__(self) -> str:
        return repr(mask(str(self)))

    @property
    def masked(self) -> str:
        return mask(str(self))


class HFSQLExecutionContext_pyodbc(HFSQLExecutionContext):
    pass


class HFSQLDialect_pyodbc(PyODBCConnector, HFSQLDialect):
    driver = "pyodbc"
    supports_statement_cache = True
    execution_ctx_cls = HFSQLExecutionContext_pyodbc
    pyodbc_driver_name = DEFAULT_DRIVER
    default_paramstyle = "qmark"

    def __init__(self, transactions: str = "odbc", **kw):
        super().__init__(transactions=transactions, **kw)

    # PyODBCConnector's own versions would shadow HFSQLDialect's (they come first in the MRO).
    get_isolation_level_values = HFSQLDialect.get_isolation_level_values
    get_isolation_level = HFSQLDialect.get_isolation_level
    set_isolation_level = HFSQLDialect.set_isolation_level
    detect_autocommit_setting = HFSQLDialect.detect_autocommit_setting

    # -- the connection string -------------------------------------------------------------------------

    def create_connect_args(self, url):
        query = dict(url.query)
        connect_args = {}
        for flag in ("ansi", "unicode_results"):
            if flag in query:
                connect_args[flag] = util.asbool(query.pop(flag))
        if "timeout" in query:
            connect_args["timeout"] = int(query.pop("timeout"))
        if "transactions" in query:
            self.transactions = query.pop("transactions")
            if self.transactions not in ("odbc", "sql"):
                raise ValueError("hfsql : transactions doit valoir « odbc » ou « sql ».")
        if "odbc_connect" in query:
            return [OdbcConnectionString(query.pop("odbc_connect"))], connect_args

        driver = query.pop("driver", None) or self.pyodbc_driver_name
        dsn = query.pop("dsn", None)
        parts = []
        if dsn or (url.host and not url.database):
            parts.append("DSN=%s" % _quote(dsn or url.host))
        else:
            parts.append("DRIVER={%s}" % driver.replace("}", "}}"))
            pc_soft = "hfsql" in driver.lower()
            if url.host:
                parts.append("%s=%s" % ("Server Name" if pc_soft else "Server", _quote(url.host)))
            if url.port:
                parts.append("%s=%d" % ("Server Port" if pc_soft else "Port", url.port))
            if url.database:
                parts.append("Database=%s" % _quote(url.database))
        if url.username:
            parts.append("UID=%s" % _quote(url.username))
        if url.password:
            parts.append("PWD=%s" % _quote(url.password))
        for key, value in query.items():
            if isinstance(value, (tuple, list)):
                value = value[-1]
            parts.append("%s=%s" % (key, _quote(value)))
        return [OdbcConnectionString(";".join(parts))], connect_args

    # -- per connection --------------------------------------------------------------------------------

    def on_connect(self):
        inherited = super().on_connect()

        def connect(dbapi_connection):
            if inherited is not None:
                inherited(dbapi_connection)
            self._configure_backend(dbapi_connection)
            if self.transactions == "sql":
                dbapi_connection.autocommit = True  # BEGIN/COMMIT/ROLLBACK are then sent as SQL

        return connect

    def _configure_backend(self, dbapi_connection) -> None:
        """Recognise the DBMS behind the driver. HFSQL: nothing to do. Another DBMS is only ever a
        conformance run of this dialect's SQL (tests): the few DDL names HFSQL spells its own way are
        swapped for that DBMS's standard ones, and MySQL/MariaDB are put in ANSI_QUOTES mode. DML is the
        same text in every case."""
        try:
            name = str(dbapi_connection.getinfo(self.loaded_dbapi.SQL_DBMS_NAME) or "")
        except self.loaded_dbapi.Error:
            name = ""
        low = name.lower()
        self.backend_dbms = name or "HFSQL"
        if not low or "hfsql" in low or "hyper" in low:
            self._conformance_types = {}
            self._conformance_identity = None
            return
        if "postgres" in low:
            self._conformance_types = {"DATETIME": "TIMESTAMP", "CURRENCY": "NUMERIC(24, 6)", "BLOB": "BYTEA",
                                       "NVARCHAR": "VARCHAR", "NCHAR": "CHAR"}
            self._conformance_identity = "GENERATED BY DEFAULT AS IDENTITY"
        elif "mysql" in low or "mariadb" in low:
            self._conformance_types = {"CURRENCY": "DECIMAL(24, 6)", "NVARCHAR": "VARCHAR", "NCHAR": "CHAR"}
            self._conformance_identity = "AUTO_INCREMENT"
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, "
                               "',ANSI_QUOTES,NO_BACKSLASH_ESCAPES')")
            finally:
                cursor.close()
        if not getattr(self, "_conformance_warned", False):
            self._conformance_warned = True
            log.warning("hfsql+pyodbc : le serveur ODBC est « %s », pas HFSQL (exécution de conformité).", name)


dialect = HFSQLDialect_pyodbc
