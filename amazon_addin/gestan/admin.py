"""init-db and check-db: create what is missing (never drop or alter), report what a base lacks."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, insert, inspect, select, text
from sqlalchemy.schema import CreateColumn

from ..errors import SettingsError
from .schema import Schema
from .store import LOCK_ROW

# Demo catalogue: code, label, family, rate, price TTC, stock managed, stock, alert level.
DEMO_PRODUCTS = [
    ("TASSE-01", "Tasse en grès émaillé", "AMAZON", "20", "12.00", True, 12, 5),
    ("BOUGIE-LAV", "Bougie parfumée lavande", "AMAZON", "20", "19.00", True, 30, 5),
    ("LIVRE-CUISINE", "Livre « Cuisine du marché »", "AMAZON", "5.5", "21.10", True, 40, 10),
    ("PLAID-LIN", "Plaid en lin lavé", "AMAZON", "20", "89.00", True, 4, 3),
]
DEMO_POSTCODES = [
    ("FR", "75001", "Paris"), ("FR", "69006", "Lyon"), ("FR", "13007", "Marseille"),
    ("FR", "45000", "Orléans"), ("FR", "33000", "Bordeaux"), ("BE", "1000", "Bruxelles"),
]


@dataclass
class InitReport:
    tables_created: list[str] = field(default_factory=list)
    columns_added: list[str] = field(default_factory=list)  # "table.column", real names
    rows_added: list[str] = field(default_factory=list)


def init_db(engine, schema: Schema, settings, demo: bool = False) -> InitReport:
    report = InitReport()
    with engine.begin() as conn:
        existing = set(inspect(conn).get_table_names())
        for ref, table in schema.tables():
            if table.name not in existing:
                report.tables_created.append(table.name)
        schema.metadata.create_all(conn, checkfirst=True)
        report.columns_added = add_missing_columns(conn, schema, existing)
        if demo and conn.execute(select(func.count()).select_from(schema.factures)).scalar():
            raise SettingsError("La base contient déjà des factures : --demo ne s'applique qu'à une base neuve.")
        fam, prod, cp, cnt = schema.familles, schema.produits, schema.codes_postaux, schema.compteurs

        def ensure(table, key_col, key, values, label):
            if conn.execute(select(key_col).where(key_col == key)).first() is None:
                conn.execute(insert(table).values(**values))
                report.rows_added.append(label)

        ensure(fam, fam.c.code, settings.famille_produits,
               {"code": settings.famille_produits, "libelle": "Produits Amazon"}, f"famille {settings.famille_produits}")
        ensure(fam, fam.c.code, settings.famille_port,
               {"code": settings.famille_port, "libelle": "Frais de port"}, f"famille {settings.famille_port}")
        rate = settings.taux_tva_defaut
        for code, label, family in ((settings.produit_port, "Frais de port", settings.famille_port),
                                    (settings.produit_remise, "Remise Amazon", settings.famille_produits),
                                    (settings.produit_emballage, "Emballage cadeau", settings.famille_produits)):
            ensure(prod, prod.c.code, code, {"code": code, "libelle": label, "famille": family, "taux_tva": rate,
                                              "prix_ttc": Decimal("0.00"), "gere_stock": False, "stock": 0,
                                              "stock_alerte": 0}, f"produit {code}")
        ensure(cnt, cnt.c.nom, LOCK_ROW, {"nom": LOCK_ROW, "valeur": 0}, "verrou d'intégration")
        if demo:
            for code, label, family, tva, price, managed, stock, alert in DEMO_PRODUCTS:
                ensure(prod, prod.c.code, code, {"code": code, "libelle": label, "famille": family,
                                                  "taux_tva": Decimal(tva), "prix_ttc": Decimal(price),
                                                  "gere_stock": managed, "stock": stock, "stock_alerte": alert},
                       f"produit {code}")
            for country, postcode, city in DEMO_POSTCODES:
                q = select(cp.c.id).where(cp.c.pays == country, cp.c.code_postal == postcode, cp.c.ville == city)
                if conn.execute(q).first() is None:
                    conn.execute(insert(cp).values(pays=country, code_postal=postcode, ville=city))
                    report.rows_added.append(f"code postal {country} {postcode} {city}")
    return report


def add_missing_columns(conn, schema: Schema, existing: set[str]) -> list[str]:
    """A base made by an older version gains this version's nullable columns (SPEC §7: `init-db` creates only
    what is missing and never drops or changes anything). A missing NOT NULL column is left for check-db to
    report: adding one would need a value for the rows already there."""
    insp = inspect(conn)
    preparer = conn.dialect.identifier_preparer
    added = []
    for _ref, table in schema.tables():
        if table.name not in existing:
            continue  # created whole just now
        have = {c["name"].casefold() for c in insp.get_columns(table.name)}
        for col in table.columns:
            if col.name.casefold() in have or not col.nullable or col.primary_key:
                continue
            ddl = CreateColumn(col).compile(dialect=conn.dialect)
            conn.execute(text(f"ALTER TABLE {preparer.format_table(table)} ADD COLUMN {ddl}"))
            added.append(f"{table.name}.{col.name}")
    return added


def check_db(engine, schema: Schema) -> list[tuple[str, str | None]]:
    """(table, None) for a missing table, (table, column) for a missing column; real names."""
    missing = []
    with engine.connect() as conn:
        insp = inspect(conn)
        tables = {t.casefold(): t for t in insp.get_table_names()}
        for _ref, table in schema.tables():
            real = tables.get(table.name.casefold())
            if real is None:
                missing.append((table.name, None))
                continue
            have = {c["name"].casefold() for c in insp.get_columns(real)}
            for col in table.columns:
                if col.name.casefold() not in have:
                    missing.append((table.name, col.name))
    return missing
