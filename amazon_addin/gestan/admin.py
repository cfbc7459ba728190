"""init-db and check-db: create what is missing (never drop or alter), report what a base lacks.

Names are compared exactly as the base stores them (reflected): a mapping that differs from the base only by
case is an error naming both spellings, never "present" to check-db and "missing" to init-db, which would
then create an empty twin of the real table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, insert, inspect, select, text
from sqlalchemy.schema import CreateColumn

from ..errors import SettingsError
from .schema import Schema
from .store import LOCK_ROW, check_settings_fit

# Demo catalogue: code, label, rate, price TTC, stock managed, stock, alert level (family: famille_produits).
DEMO_PRODUCTS = [
    ("TASSE-01", "Tasse en grès émaillé", "20", "12.00", True, 12, 5),
    ("BOUGIE-LAV", "Bougie parfumée lavande", "20", "19.00", True, 30, 5),
    ("LIVRE-CUISINE", "Livre « Cuisine du marché »", "5.5", "21.10", True, 40, 10),
    ("PLAID-LIN", "Plaid en lin lavé", "20", "89.00", True, 4, 3),
]
DEMO_POSTCODES = [
    ("FR", "75001", "Paris"), ("FR", "69006", "Lyon"), ("FR", "13007", "Marseille"),
    ("FR", "45000", "Orléans"), ("FR", "33000", "Bordeaux"), ("BE", "1000", "Bruxelles"),
]


@dataclass(frozen=True)
class Gap:
    """A mapped table or column the base does not have under that exact name."""

    table: str  # the real table name the mapping expects
    column: str | None = None
    found: str | None = None  # the base's spelling, when only the case differs
    todo: bool = False  # the mapping still says "à compléter" (table: the reference table's name)

    @property
    def clause(self) -> str:
        if self.todo:
            name = f"{self.table}.{self.column or 'table'}"
            return (f"« {name} » est encore « à compléter » dans le fichier de correspondance : écrivez le nom réel "
                    "(« amazon-addin check-db --proposer » en propose un)")
        what = "table" if self.column is None else "colonne"
        name = self.table if self.column is None else f"{self.table}.{self.column}"
        if self.found is None:
            return f"{what} manquante : {name}"
        spelled = self.found if self.column is None else f"{self.table}.{self.found}"
        return (f"la {what} « {name} » de la correspondance n'existe pas sous ce nom : la base a "
                f"« {spelled} », qui n'en diffère que par les majuscules ; écrivez « {self.found} » tel quel dans le "
                "fichier de correspondance (paramètre mapping)")

    @property
    def sentence(self) -> str:
        return self.clause[:1].upper() + self.clause[1:] + "."


@dataclass
class Reflected:
    gaps: list[Gap] = field(default_factory=list)
    lengths: dict = field(default_factory=dict)  # (ref table, ref column) → the base's length, or None


def reflect(conn, schema: Schema) -> Reflected:
    """Every mapped name looked up exactly as the base stores it, with the lengths of the columns found."""
    out = Reflected()
    insp = inspect(conn)
    stored = insp.get_table_names()
    exact, folded = set(stored), {name.casefold(): name for name in stored}
    out.gaps.extend(Gap(ref, col, todo=True) for ref, col in schema.mapping.todo)
    unnamed = {ref for ref, col in schema.mapping.todo if col is None}
    for ref, table in schema.tables():
        if ref in unnamed:
            continue
        if table.name not in exact:
            out.gaps.append(Gap(table.name, None, folded.get(table.name.casefold())))
            continue
        columns = {c["name"]: c for c in insp.get_columns(table.name)}
        by_fold = {name.casefold(): name for name in columns}
        for col in table.columns:
            real = columns.get(col.name)
            if real is None:
                out.gaps.append(Gap(table.name, col.name, by_fold.get(col.name.casefold())))
            else:
                out.lengths[(ref, col.key)] = getattr(real["type"], "length", None)
    return out


def require_schema(conn, schema: Schema, reading: bool = False) -> Reflected:
    """Stop before reading or writing when the base lacks a mapped name (Vérifier --db, Intégrer). `reading`:
    Vérifier reads a base of an older version as it is, without the nullable columns `init-db` would add."""
    found = reflect(conn, schema)
    gaps = [g for g in found.gaps if not (reading and _upgradable(schema, g))]
    if gaps and all(_upgradable(schema, g) for g in gaps):
        names = ", ".join(f"{g.table}.{g.column}" for g in gaps)
        raise SettingsError(f"La base Gestan n'a pas les colonnes de cette version ({names}) : lancez "
                            "« amazon-addin init-db », qui les ajoute sans rien modifier d'autre.")
    if gaps:
        found = Reflected(gaps, found.lengths)
        more = f" ({len(found.gaps)} écarts : « amazon-addin check-db » les liste tous)" if len(found.gaps) > 1 else ""
        first = found.gaps[0]
        fix = "" if first.found or first.todo else " ; « amazon-addin init-db » crée ce qui manque"
        raise SettingsError(f"La base Gestan ne correspond pas au schéma attendu — {first.clause}{fix}{more}.")
    return found


def _upgradable(schema: Schema, gap: Gap) -> bool:
    """A column this version added, nullable, that `init-db` adds to an older base (no other spelling there)."""
    if gap.column is None or gap.found is not None or gap.todo:
        return False
    table = next((t for _ref, t in schema.tables() if t.name == gap.table), None)
    col = next((c for c in table.columns if c.name == gap.column), None) if table is not None else None
    return col is not None and col.nullable and not col.primary_key


@dataclass
class InitReport:
    tables_created: list[str] = field(default_factory=list)
    columns_added: list[str] = field(default_factory=list)  # "table.column", real names
    rows_added: list[str] = field(default_factory=list)


def init_db(engine, schema: Schema, settings, demo: bool = False) -> InitReport:
    report = InitReport()
    with engine.begin() as conn:
        found = reflect(conn, schema)
        clash = next((g for g in found.gaps if g.found or g.todo), None)
        if clash is not None:
            raise SettingsError(f"Rien n'a été créé : {clash.clause}.")
        # Before any DDL (MariaDB commits each CREATE TABLE); tables to create will have the declared lengths.
        check_settings_fit(schema, settings, found.lengths)
        missing = {g.table for g in found.gaps if g.column is None}
        existing = {t.name for _ref, t in schema.tables()} - missing
        tables = [t for _ref, t in schema.tables() if t.name in missing]
        report.tables_created = [t.name for t in tables]
        schema.metadata.create_all(conn, tables=tables, checkfirst=False)
        report.columns_added = add_missing_columns(conn, schema, existing)
        if demo and conn.execute(select(func.count()).select_from(schema.factures)).scalar():
            raise SettingsError("La base contient déjà des factures : --demo ne s'applique qu'à une base neuve.")
        _default_rows(conn, schema, settings, demo, report)
    return report


def _default_rows(conn, schema: Schema, settings, demo: bool, report: InitReport) -> None:
    fam, prod, cp, cnt = schema.familles, schema.produits, schema.codes_postaux, schema.compteurs

    def ensure(table, key_col, key, values, label):
        if conn.execute(select(key_col).where(key_col == key)).first() is None:
            conn.execute(insert(table).values(**{k: v for k, v in values.items() if k in table.c}))
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
    if not demo:
        return
    for code, label, tva, price, managed, stock, alert in DEMO_PRODUCTS:
        ensure(prod, prod.c.code, code, {"code": code, "libelle": label, "famille": settings.famille_produits,
                                          "taux_tva": Decimal(tva), "prix_ttc": Decimal(price),
                                          "gere_stock": managed, "stock": stock, "stock_alerte": alert},
               f"produit {code}")
    for country, postcode, city in DEMO_POSTCODES:
        q = select(cp.c.id).where(cp.c.pays == country, cp.c.code_postal == postcode, cp.c.ville == city)
        if conn.execute(q).first() is None:
            conn.execute(insert(cp).values(pays=country, code_postal=postcode, ville=city))
            report.rows_added.append(f"code postal {country} {postcode} {city}")


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


def check_db(engine, schema: Schema) -> list[Gap]:
    """Every mapped table and column the base lacks under its exact name."""
    with engine.connect() as conn:
        return reflect(conn, schema).gaps
