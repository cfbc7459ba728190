"""Engines for the Gestan database: URLs, passwords from the environment, SQLite locking, French errors."""

from __future__ import annotations

import os
import re
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from ..errors import SettingsError

_ENV_RE = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")


def resolve_url(url: str, from_settings: bool = False):
    """Parse a URL; `${NAME}` as password is read from the environment (SPEC §7)."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise SettingsError(f"Adresse de base de données invalide : « {_redact(url)} ».")
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
    engine = _make_engine(url, from_settings, lock_wait_s, read_only, must_exist)
    # Messages name the base as the user wrote it, password masked: never the rewritten ODBC string.
    engine.addin_display_url = _redact(url)
    return engine


def display_url(engine) -> str:
    return getattr(engine, "addin_display_url", None) or _redact(str(engine.url))


def _make_engine(url, from_settings, lock_wait_s, read_only, must_exist) -> Engine:
    parsed = resolve_url(url, from_settings)
    path = sqlite_path(parsed)
    if path is not None:
        if must_exist and not path.is_file():
            raise SettingsError(
                f"La base Gestan « {path} » n'existe pas : créez-la d'abord avec « amazon-addin init-db ».")
        if read_only:
            parsed = parsed.set(database=f"file:{path.resolve()}?mode=ro", query={"uri": "true"})
        engine = create_engine(parsed, connect_args={"timeout": lock_wait_s})
        _sqlite_transactions(engine)
        return engine
    parsed = _odbc_port(parsed)
    options = {}
    if parsed.get_backend_name() in ("postgresql", "mysql", "mariadb"):
        # Each statement sees what other integrations committed before it (MariaDB defaults to a snapshot).
        options["isolation_level"] = "READ COMMITTED"
    try:
        return create_engine(parsed, pool_pre_ping=True, **options)
    except NoSuchModuleError:
        raise SettingsError(f"Type de base de données non pris en charge : « {parsed.drivername} ».")
    except ImportError as exc:
        raise SettingsError(f"Pilote de base de données absent ({exc.name}) : installez-le avec pip.")


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
    """One French sentence for a connection or lock failure, never the password."""
    text = str(getattr(exc, "orig", exc)) or type(exc).__name__
    low = text.lower()
    target = _redact(url)
    if any(word in low for word in ("locked", "lock wait timeout", "lock timeout", "could not obtain lock",
                                    "verrouill", "bloqué")):  # HFSQL's driver may answer in French
        return f"La base Gestan est occupée par une autre intégration ; réessayez dans un instant ({target})."
    if "password" in low or "access denied" in low or "authentication" in low:
        return f"Connexion refusée par la base Gestan : identifiant ou mot de passe incorrect ({target})."
    if "unable to open" in low or "connection refused" in low or "could not connect" in low or \
            "can't connect" in low or "timeout" in low or "no such host" in low:
        return f"La base Gestan est injoignable ({target})."
    first = text.strip().splitlines()[0][:200] if text.strip() else type(exc).__name__
    return f"Erreur de la base Gestan ({target}) : {first}."
