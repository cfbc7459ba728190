"""The Gestan database adapter (SQLAlchemy Core): schema, connection, facts, integration, admin."""

from __future__ import annotations

from contextlib import contextmanager

from .connect import make_engine
from .schema import Schema, load_mapping


def open_gestan(settings, db_url: str | None = None, *, read_only: bool = False, must_exist: bool = True):
    """(engine, schema) for `--db`, else the `base` setting."""
    url = db_url or settings.base
    schema = Schema(load_mapping(settings.mapping))
    engine = make_engine(url, from_settings=db_url is None and settings.base_explicite,
                         lock_wait_s=settings.attente_verrou_s, read_only=read_only, must_exist=must_exist)
    return engine, schema


@contextmanager
def speaking(engine):
    """Inside: any database failure becomes one French sentence naming its cause (exit 3); the engine is
    disposed on the way out, and a failed command leaves no empty SQLite file of its own making behind."""
    from pathlib import Path

    from sqlalchemy.exc import SQLAlchemyError

    from ..errors import SettingsError
    from .connect import describe_error, display_url

    fresh = None
    if engine.dialect.name == "sqlite" and engine.url.database and not engine.url.database.startswith("file:"):
        fresh = None if Path(engine.url.database).exists() else Path(engine.url.database)
    done = False
    try:
        yield
        done = True
    except SQLAlchemyError as exc:
        raise SettingsError(describe_error(exc, display_url(engine))) from None
    finally:
        engine.dispose()
        if not done and fresh is not None and fresh.is_file() and fresh.stat().st_size == 0:
            fresh.unlink()


def read_facts(settings, table):
    """Gestan's facts for Vérifier, read-only, when a base is named (`--db` or an explicit `base`); else None."""
    if not settings.base_explicite:
        return None
    from .admin import require_schema
    from .store import load_facts

    engine, schema = open_gestan(settings, read_only=True)
    with speaking(engine), engine.connect() as conn:
        require_schema(conn, schema, reading=True)
        return load_facts(conn, schema, table, settings)
