"""Engines for the Gestan database: URLs, passwords from the environment, SQLite locking, French errors."""

from __future__ import annotations

import os
import re
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from ..errors import SettingsError, os_reason
from ..settings import Waits, details, waits

_ENV_RE = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")


def resolve_url(url: str, from_settings: bool = False):
    """Parse a URL; `${NAME}` as password is read from the environment (SPEC §7)."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise SettingsError(f"Adresse de base de données invalide : « {_redact(url)} »{_url_hint(url)}.")
    password = parsed.password
    if password:
        m = _ENV_RE.match(password)
        if m:
            value = os.environ.get(m.group(1))
            if value is None:
                raise SettingsError(
                    f"La variable d'environnement {m.group(1)} (mot de passe de la base) n'est pas définie.")
            parsed = parsed.set(password=value)
        elif from_settings:
            raise SettingsError(
                "Un mot de passe ne doit jamais figurer dans le fichier de paramètres : écrivez ${NOM_VARIABLE} "
                "à sa place et définissez cette variable d'environnement, ou utilisez un DSN ODBC.")
    return parsed


def _url_hint(url: str) -> str:
    if "://" not in url and re.search(r"\.(db|sqlite3?|gdb)$|[\\/]", url, re.I):
        return f" ; pour un fichier SQLite, écrivez sqlite:///{url.replace(chr(92), '/')}"
    return " (ex. sqlite:///gestan.db, postgresql+psycopg://utilisateur@serveur/base)"


def _redact(url: str) -> str:
    """No password in any message: `user:secret@` and ODBC `PWD=secret` (plain or URL-encoded) masked."""
    url = re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)
    return re.sub(r"(?i)((?:PWD|PASSWORD)(?:=|%3D))(\{(?:[^}]|\}\})*\}|[^;&%]*(?:%(?!3B)[0-9A-F]{2}[^;&%]*)*)",
                  r"\1***", url)


def sqlite_path(parsed) -> Path | None:
    if parsed.get_backend_name() != "sqlite":
        return None
    db = parsed.database or ""
    if db in ("", ":memory:") or db.startswith("file:"):
        return None
    return Path(db)


def make_engine(url: str, *, from_settings: bool = False, lock_wait_s: int = 30, read_only: bool = False,
                must_exist: bool = True) -> Engine:
    bounds = waits(lock_wait_s)
    engine = _make_engine(url, from_settings, bounds, read_only, must_exist)
    details.info("Base : %s ; attentes : connexion %d s, verrou %d s, instruction %d s.", _redact(url),
                 bounds.connect_s, bounds.lock_s, bounds.statement_s)
    # Messages name the base as the user wrote it, password masked: never the rewritten ODBC string.
    engine.addin_display_url = _redact(url)
    return engine


def display_url(engine) -> str:
    return getattr(engine, "addin_display_url", None) or _redact(str(engine.url))


def _make_engine(url, from_settings, bounds: Waits, read_only, must_exist) -> Engine:
    parsed = resolve_url(url, from_settings)
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_path(parsed)
        if path is None:
            raise SettingsError(f"« {_redact(url)} » désigne une base SQLite en mémoire, effacée à la fin de la "
                                "commande : donnez un fichier (ex. sqlite:///gestan.db).")
        check_sqlite_file(path, must_exist, writing=not read_only)
        if read_only:
            parsed = parsed.set(database=f"file:{path.resolve()}?mode=ro", query={"uri": "true"})
        engine = create_engine(parsed, connect_args={"timeout": bounds.lock_s})
        _sqlite_transactions(engine)
        return engine
    parsed, connect_args = _bounded(_odbc_port(parsed), bounds)
    options = {}
    if parsed.get_backend_name() in ("postgresql", "mysql", "mariadb"):
        # Each statement sees what other integrations committed before it (MariaDB defaults to a snapshot).
        options["isolation_level"] = "READ COMMITTED"
    try:
        engine = create_engine(parsed, pool_pre_ping=True, connect_args=connect_args, **options)
    except NoSuchModuleError:
        raise SettingsError(f"Type de base de données non pris en charge : « {parsed.drivername} » (pris en charge : "
                            "sqlite, postgresql+psycopg, mysql+pyodbc, hfsql+pyodbc).")
    except ImportError as exc:
        raise SettingsError(f"Pilote Python de la base absent ({exc.name}) : installez-le avec pip "
                            "(PostgreSQL : pip install \"amazon-addin[postgresql]\").")
    if engine.dialect.driver == "pyodbc" and not _is_mysql(parsed):
        @event.listens_for(engine, "connect")
        def _statement_timeout(dbapi_connection, _record):
            try:  # pyodbc sets the connection timeout, then each statement's query timeout
                dbapi_connection.timeout = bounds.statement_s
            except Exception:  # noqa: BLE001 - a driver refusing the attribute (psqlODBC) keeps its own
                details.info("Le pilote ODBC refuse un délai par instruction ; seul le délai de connexion s'applique.")

    return engine


def _is_mysql(parsed) -> bool:
    return parsed.get_backend_name() in ("mysql", "mariadb")


def _bounded(parsed, bounds: Waits):
    """The URL and connect arguments that bound every wait on this driver (SPEC §6: never an endless wait).

    psycopg: connect_timeout (connection and login), statement_timeout on the server, tcp_user_timeout for
    a server that vanishes mid-statement. MariaDB's ODBC driver ignores ODBC's login timeout: CONN_TIMEOUT
    covers the connection and its handshake, READ_/WRITE_TIMEOUT each exchange. Other ODBC drivers (HFSQL):
    the login timeout here, the query timeout on each connection."""
    if parsed.get_backend_name() == "postgresql":
        query = dict(parsed.query)
        args = {"connect_timeout": bounds.connect_s, "tcp_user_timeout": bounds.statement_s * 1000}
        own = query.pop("options", "")
        args["options"] = f"{own} -c statement_timeout={bounds.statement_s * 1000}".strip()
        return parsed.set(query=query), {k: v for k, v in args.items() if k not in query}
    if parsed.drivername.endswith("+pyodbc"):
        if _is_mysql(parsed):
            wanted = {"CONN_TIMEOUT": bounds.connect_s, "READ_TIMEOUT": bounds.statement_s,
                      "WRITE_TIMEOUT": bounds.statement_s}
            if "odbc_connect" in parsed.query:
                text = parsed.query["odbc_connect"]
                have = {p.split("=", 1)[0].strip().upper() for p in text.split(";") if "=" in p}
                extra = ";".join(f"{k}={v}" for k, v in wanted.items() if k not in have)
                parsed = parsed.update_query_dict({"odbc_connect": f"{text};{extra}" if extra else text})
            else:
                have = {k.upper() for k in parsed.query}
                parsed = parsed.update_query_dict({k: str(v) for k, v in wanted.items() if k not in have})
        return parsed, ({} if "timeout" in parsed.query else {"timeout": bounds.connect_s})  # ODBC login timeout
    return parsed, {}


def check_sqlite_file(path: Path, must_exist: bool, writing: bool = True) -> None:
    """Local causes, found before SQLite's one "unable to open database file" hides them (never called
    "injoignable": the folder, the file or the rights are named)."""
    shown = str(path)
    if len(shown) > 80:
        shown = f"{shown[:40]}…{shown[-30:]} ({len(str(path))} caractères)"
    try:
        if path.is_dir():
            raise SettingsError(f"« {shown} » est un dossier, pas une base Gestan : ajoutez le nom du fichier "
                                f"(ex. sqlite:///{(path / 'gestan.db').as_posix()}).")
        exists = path.exists()
        folder = path.parent if str(path.parent) else Path(".")
        folder_ok = folder.is_dir()
        head = b""
        if exists:
            with open(path, "rb") as fh:
                head = fh.read(16)
    except OSError as exc:
        raise SettingsError(f"Base Gestan « {shown} » inaccessible : {os_reason(exc)}.")
    if not exists:
        if not folder_ok:
            raise SettingsError(f"Le dossier « {folder.absolute()} » de la base Gestan n'existe pas : créez-le, ou corrigez le "
                                "paramètre base (ou --db).")
        if must_exist:
            raise SettingsError(
                f"La base Gestan « {shown} » n'existe pas : créez-la d'abord avec « amazon-addin init-db ».")
        if not os.access(folder, os.W_OK):
            raise SettingsError(f"Le dossier « {folder.absolute()} » est en lecture seule : la base Gestan ne peut "
                                "pas y être créée ; choisissez un dossier où vous pouvez écrire.")
        return
    if head and not head.startswith(b"SQLite format 3\x00"):
        raise SettingsError(f"« {shown} » n'est pas une base SQLite (c'est un fichier d'un autre type) : vérifiez le "
                            "paramètre base ou --db.")
    if writing and not os.access(path, os.W_OK):
        raise SettingsError(f"La base Gestan « {shown} » est en lecture seule : donnez les droits d'écriture sur ce "
                            "fichier (et sur son dossier, où SQLite écrit son journal).")
    if writing and not os.access(folder, os.W_OK):
        raise SettingsError(f"Le dossier « {folder.absolute()} » de la base Gestan est en lecture seule : SQLite doit "
                            "y écrire son journal ; donnez les droits d'écriture sur ce dossier.")


def _odbc_value(value: str) -> str:
    return "{" + value.replace("}", "}}") + "}" if any(c in value for c in ";{}= ") else value


def _odbc_port(parsed):
    """mysql+pyodbc: SQLAlchemy writes the port SQL-Server style (`Server=host,3307`), which the MariaDB
    driver silently ignores, connecting to 3306. Spell the connection string out with PORT= instead."""
    if parsed.drivername not in ("mysql+pyodbc", "mariadb+pyodbc") or not parsed.host or not parsed.port \
            or "odbc_connect" in parsed.query:
        return parsed
    query = dict(parsed.query)
    parts = [f"DRIVER={{{query.pop('driver', 'MariaDB Unicode')}}}", f"SERVER={parsed.host}",
             f"PORT={parsed.port}"]
    if parsed.database:
        parts.append(f"DATABASE={_odbc_value(parsed.database)}")
    if parsed.username:
        parts.append(f"UID={_odbc_value(parsed.username)}")
    if parsed.password:
        parts.append(f"PWD={_odbc_value(str(parsed.password))}")
    parts += [f"{k.upper()}={_odbc_value(str(v))}" for k, v in sorted(query.items())]
    return URL.create(parsed.drivername, query={"odbc_connect": ";".join(parts)})


def _sqlite_transactions(engine: Engine) -> None:
    # pysqlite's own transaction handling defers BEGIN and upgrades locks late, which deadlocks two
    # writers; take the write lock at BEGIN instead (SQLAlchemy's documented recipe).
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        dbapi_connection.execute("PRAGMA foreign_keys = ON")

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if not _is_read_only(conn) else "BEGIN")


def _is_read_only(conn) -> bool:
    return "mode=ro" in str(conn.engine.url.database or "")


def describe_error(exc: Exception, url: str) -> str:
    """One French sentence naming the cause of a database failure (gestan/diagnose.py), never the password."""
    from .diagnose import describe

    return describe(exc, url, _where(url))


def _where(url: str) -> dict:
    """What the URL says, for the sentences: the base as written (masked), file, host, DSN, ODBC driver."""
    where = {"base": _redact(url)}
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return where
    if parsed.get_backend_name() == "sqlite":
        where["path"] = parsed.database or "?"
    query = {k.lower(): v for k, v in parsed.query.items()}
    connect = query.get("odbc_connect", "")
    found = dict(re.findall(r"(?i)\b(driver|dsn|server)\s*=\s*\{?([^;}]*)", connect))
    found = {k.lower(): v for k, v in found.items()}
    host = parsed.host or found.get("server")
    where["host"] = f"{host}:{parsed.port}" if host and parsed.port else (host or "?")
    where["driver"] = query.get("driver") or found.get("driver") or "?"
    where["dsn"] = found.get("dsn") or (parsed.host if parsed.host and not parsed.port and not parsed.database
                                        else "?")
    return where
