"""Real databases for the tests: a SQLite file, PostgreSQL (psycopg), MariaDB through pyodbc.

Each test gets a database of its own, created on the server and dropped afterwards. A server that is
not there skips the test outside CI, saying why; under CI=true it fails, as the brief requires.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import MetaData, create_engine, select, text

PG_ADMIN = os.environ.get("AI_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
MARIADB_ADMIN = os.environ.get(
    "AI_TEST_MARIADB", "mysql+pyodbc://root:@127.0.0.1:3306/test?driver=MariaDB+Unicode&charset=utf8mb4")
SERVERS = ("postgresql", "mariadb-pyodbc")
ALL = ("sqlite",) + SERVERS


def _unavailable(why: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"serveur requis en CI indisponible : {why}")
    pytest.skip(f"serveur indisponible hors CI : {why}")


@dataclass
class Backend:
    kind: str
    url: str
    _admin: str | None = None
    _name: str | None = None

    def engine(self):
        return create_engine(self.url)

    def query(self, sql: str, **params) -> list[tuple]:
        engine = self.engine()
        try:
            with engine.connect() as conn:
                return [tuple(r) for r in conn.execute(text(sql), params)]
        finally:
            engine.dispose()

    def execute(self, *statements: str) -> None:
        engine = self.engine()
        try:
            with engine.begin() as conn:
                for sql in statements:
                    conn.execute(text(sql))
        finally:
            engine.dispose()

    def dump(self) -> dict:
        """Every table's rows as sorted text: the whole visible state of the base."""
        engine = self.engine()
        try:
            meta = MetaData()
            meta.reflect(engine)
            with engine.connect() as conn:
                return {name: sorted(repr(tuple(r)) for r in conn.execute(select(table)))
                        for name, table in sorted(meta.tables.items())}
        finally:
            engine.dispose()

    def drop(self) -> None:
        if self._admin:
            admin = create_engine(self._admin, isolation_level="AUTOCOMMIT")
            try:
                with admin.connect() as conn:
                    if self.kind == "postgresql":
                        conn.execute(text(f"DROP DATABASE IF EXISTS {self._name} WITH (FORCE)"))
                    else:
                        conn.execute(text(f"DROP DATABASE IF EXISTS {self._name}"))
            finally:
                admin.dispose()


# The columns this version added to the reference schema: a base made by the previous version lacks them.
NEW_COLUMNS = {
    "factures": ["taux_change", "date_vente", "expedie_par_amazon", "regime", "mention_tva", "tva_client",
                 "facturation_nom", "facturation_adresse1", "facturation_adresse2", "facturation_code_postal",
                 "facturation_ville", "facturation_pays", "taxe_marketplace", "total_ht_eur", "total_tva_eur",
                 "total_ttc_eur", "vies_date", "vies_reference"],
    "imports_amazon": ["empreinte"],
}


# What credit notes added: two tables, and a column in two others that names a credit note.
CREDIT_TABLES = ("avoirs", "lignes_avoir")
CREDIT_COLUMNS = {"mouvements_stock": ["avoir_id"], "imports_amazon": ["avoir_id"]}


def create_previous_version(engine, credit_notes: bool = True) -> None:
    """The reference schema as the previous version's init-db made it: the same tables without NEW_COLUMNS.
    `credit_notes=False`: as a version from before credit notes made it (without CREDIT_TABLES and
    CREDIT_COLUMNS either)."""
    from sqlalchemy import Table, UniqueConstraint

    from amazon_addin.gestan.schema import UNIQUE_TOGETHER, Schema

    meta = MetaData()
    for ref, table in Schema().tables():
        if not credit_notes and ref in CREDIT_TABLES:
            continue
        left_out = NEW_COLUMNS.get(ref, []) + ([] if credit_notes else CREDIT_COLUMNS.get(ref, []))
        keep = [c._copy() for c in table.columns if c.key not in left_out]
        unique = [UniqueConstraint(*UNIQUE_TOGETHER[ref], name=f"uq_{ref}")] if ref in UNIQUE_TOGETHER else []
        Table(table.name, meta, *keep, *unique)
    meta.create_all(engine)


def new_backend(kind: str, tmp_path: Path) -> Backend:
    if kind == "sqlite":
        return Backend(kind, f"sqlite:///{tmp_path / 'gestan.db'}")
    name = f"ai_{uuid.uuid4().hex[:10]}"
    admin_url = PG_ADMIN if kind == "postgresql" else MARIADB_ADMIN
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            if kind == "postgresql":
                conn.execute(text(f"CREATE DATABASE {name} ENCODING 'UTF8' TEMPLATE template0"))
            else:
                conn.execute(text(f"CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"))
        admin.dispose()
    except Exception as exc:  # driver missing, server down: skip outside CI, fail in CI
        _unavailable(f"{kind} ({type(exc).__name__}: {str(exc).splitlines()[0][:160]})")
    if kind == "postgresql":
        url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    else:
        base, query = admin_url.split("?", 1)
        url = base.rsplit("/", 1)[0] + f"/{name}?{query}"
    return Backend(kind, url, admin_url, name)

