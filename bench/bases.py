"""Gestan bases for the benchmarks: a SQLite file or a PostgreSQL database of their own (created here, dropped
at the end), made by `init-db`, optionally seeded with the export's products and cities, and cloned cheaply
(file copy, `CREATE DATABASE ... TEMPLATE`) so every timed run starts from the same state."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

import exports

PG_ADMIN = os.environ.get("AI_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
# The tables Intégrer fills row by row, parents first; ids kept where another table refers to them.
WRITTEN = (("integrations_amazon", True), ("clients", True), ("factures", True), ("lignes_facture", False), ("mouvements_stock", False),
           ("imports_amazon", False))


class Base:
    def __init__(self, kind: str, tmp: Path, name: str):
        self.kind, self.tmp = kind, tmp
        if kind == "sqlite":
            self.name, self.path = name, tmp / f"{name}.db"
            self.url = f"sqlite:///{self.path}"
        else:
            self.name = f"aibench_{name.replace('-', '_')}_{uuid.uuid4().hex[:8]}"
            self.url = PG_ADMIN.rsplit("/", 1)[0] + f"/{self.name}"

    @classmethod
    def create(cls, kind: str, tmp: Path, name: str, known: bool) -> "Base":
        """A base made by init-db; `known`: the export's products (stock-managed) and cities already in it."""
        base = cls(kind, tmp, name)
        if kind == "postgresql":
            _admin(f"CREATE DATABASE {base.name} ENCODING 'UTF8' TEMPLATE template0")
        subprocess.run([sys.executable, "-m", "amazon_addin", "init-db", "--db", base.url], cwd=tmp, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if known:
            base._seed()
        return base

    def _seed(self) -> None:
        engine = create_engine(self.url)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO produits (code, libelle, famille, taux_tva, prix_ttc, gere_stock, stock, "
                              "stock_alerte) VALUES (:c, :l, 'AMAZON', :t, 10, :g, 1000000, 0)"),
                         [{"c": code, "l": label, "t": 5.5 if reduced else 20, "g": True}
                          for code, label, reduced in exports.PRODUCTS])
            conn.execute(text("INSERT INTO codes_postaux (pays, code_postal, ville) VALUES (:p, :c, :v)"),
                         [{"p": p[0], "c": p[1], "v": p[2]} for p in exports.PLACES])
        engine.dispose()

    def clone(self, name: str) -> "Base":
        copy = Base(self.kind, self.tmp, name)
        if self.kind == "sqlite":
            shutil.copyfile(self.path, copy.path)
        else:
            _admin(f"CREATE DATABASE {copy.name} TEMPLATE {self.name}")
        return copy

    def written_rows(self) -> dict[str, tuple[list[str], list[tuple]]]:
        """{table: (columns, rows)} of what Intégrer wrote, as the DB-API returns them."""
        engine = create_engine(self.url)
        out = {}
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            for table, keep_id in WRITTEN:
                cur.execute(f"SELECT * FROM {table} ORDER BY id")
                names = [d[0] for d in cur.description]
                rows = cur.fetchall()
                if not keep_id:
                    names, rows = names[1:], [tuple(r[1:]) for r in rows]
                out[table] = (names, [tuple(r) for r in rows])
        finally:
            raw.close()
            engine.dispose()
        return out

    def executemany(self, rows: dict[str, tuple[list[str], list[tuple]]]) -> None:
        """The floor: one DB-API executemany per table of the very rows, one transaction, then COMMIT."""
        engine = create_engine(self.url)
        raw = engine.raw_connection()
        mark = "?" if self.kind == "sqlite" else "%s"
        try:
            cur = raw.cursor()
            for table, (names, values) in rows.items():
                if values:
                    cur.executemany(f"INSERT INTO {table} ({', '.join(names)}) VALUES "
                                    f"({', '.join([mark] * len(names))})", values)
            raw.commit()
        finally:
            raw.close()
            engine.dispose()

    def drop(self) -> None:
        if self.kind == "sqlite":
            self.path.unlink(missing_ok=True)
        else:
            _admin(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")


def _admin(sql: str) -> None:
    engine = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(sql))
    finally:
        engine.dispose()


def postgresql_available() -> bool:
    try:
        _admin("SELECT 1")
        return True
    except Exception:
        return False
