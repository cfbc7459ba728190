"""The Gestan database adapter (SQLAlchemy Core): schema, connection, facts, integration, admin."""

from __future__ import annotations

from .connect import make_engine
from .schema import Schema, load_mapping


def open_gestan(settings, db_url: str | None = None, *, read_only: bool = False, must_exist: bool = True):
    """(engine, schema) for `--db`, else the `base` setting."""
    url = db_url or settings.base
    engine = make_engine(url, from_settings=db_url is None and settings.base_explicite,
                         lock_wait_s=settings.attente_verrou_s, read_only=read_only, must_exist=must_exist)
    return engine, Schema(load_mapping(settings.mapping))
