"""Reading what Vérifier needs from Gestan, and the settings that must name existing rows."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import String, func, inspect, select
from sqlalchemy.exc import NoSuchTableError

from datetime import date

from .. import targets, values
from ..errors import SettingsError
from ..facts import GestanFacts, ProductFact, counter_name, longest_number, place_key
from .schema import REFERENCE, Schema

CHUNK = 500  # IN lists stay well under every server's parameter limit
LOCK_ROW = "_VERROU_AMAZON"


def chunks(items: list, size: int = CHUNK):
    for i in range(0, len(items), size):
        yield items[i: i + size]


def _texts(table, name: str) -> list[str]:
    col = table.column_values(name)
    distinct = set(col)
    if set(map(type, distinct)) <= {str, type(None)}:  # a text export: no type to tell apart, C-level
        out = {v.strip() for v in distinct if v is not None}
        out.discard("")
        return sorted(out)
    out = set()
    # Each distinct cell once, by type too (True == 1 as set members): order ids repeat per item, skus per order.
    for _, raw in {(type(v), v) for v in col}:
        if not values.is_blank(raw):
            out.add(values.as_text(raw).strip())
    return sorted(out)


def load_facts(conn, schema: Schema, table, settings) -> GestanFacts:
    """Only the rows the export can touch: its skus, its order ids, its countries' postcodes."""
    facts = GestanFacts()
    facts.lengths, missing = reflect_lengths(conn, schema)
    facts.missing_columns = missing
    p, j, cp, f = schema.produits, schema.imports_amazon, schema.codes_postaux, schema.factures
    skus = _texts(table, "sku") + [settings.produit_port, settings.produit_remise, settings.produit_emballage]
    for part in chunks(sorted(set(skus))):
        for row in conn.execute(select(p.c.code, p.c.libelle, p.c.taux_tva, p.c.gere_stock, p.c.stock,
                                       p.c.stock_alerte).where(p.c.code.in_(part))):
            facts.products[row.code] = ProductFact(
                row.code, row.libelle or "", None if row.taux_tva is None else Decimal(row.taux_tva),
                bool(row.gere_stock), int(row.stock or 0), int(row.stock_alerte or 0))
    ids = _texts(table, "order-id")
    # A base not yet upgraded by init-db has no fingerprints: its orders are simply "already integrated".
    kept = j.c.empreinte if ("imports_amazon", "empreinte") not in missing else None
    # A credited order (its journal row names a credit note) is no longer integrated: it may come back.
    credit = j.c.avoir_id if ("imports_amazon", "avoir_id") not in missing else None
    extra = [c for c in (kept, credit) if c is not None]
    journal = select(j.c.commande, schema.invoice_number(), *extra) \
        .select_from(j.outerjoin(f, j.c.facture_id == f.c.id))
    # An export of more than one chunk of orders (60k orders are 121 queries) reads a journal no longer than
    # itself whole, in one query; a small export (the daily case) never counts a long journal.
    if len(ids) > CHUNK and conn.execute(select(func.count()).select_from(j)).scalar() <= len(ids):
        wanted = set(ids)
        rows = (row for row in conn.execute(journal) if row.commande in wanted)
    else:  # a long journal: only the export's orders, by chunks
        rows = (row for part in chunks(ids) for row in conn.execute(journal.where(j.c.commande.in_(part))))
    for row in rows:
        numero = str(row.numero) if row.numero not in (None, "") else "?"
        if credit is not None and row.avoir_id is not None:
            facts.credited[row.commande] = numero
            continue
        facts.integrated[row.commande] = numero
        facts.fingerprints[row.commande] = row.empreinte if kept is not None else None
    countries = sorted({c.upper() for c in _texts(table, "ship-country") + _texts(table, "bill-country")})
    for part in chunks(countries):
        for row in conn.execute(select(cp.c.pays, cp.c.code_postal, cp.c.ville).where(cp.c.pays.in_(part))):
            facts.postal.add(place_key(row.pays, row.code_postal, row.ville))
    return _last_dates(conn, schema, facts, settings)


def reflect_lengths(conn, schema: Schema) -> tuple[dict, list[tuple[str, str]]]:
    """The real base's text lengths of the columns an export is written to, and the (reference table, column)
    pairs it lacks. A text type without a length (TEXT, CLOB) is unbounded."""
    insp = inspect(conn)
    lengths: dict[tuple[str, str], int | None] = {}
    missing: list[tuple[str, str]] = []
    wanted = {t for cols in targets.WRITTEN_TO.values() for t, _ in cols} | {"imports_amazon", "factures"}
    for ref, table in schema.tables():
        if ref not in wanted:
            continue
        try:
            real = {c["name"].casefold(): c["type"] for c in insp.get_columns(table.name)}
        except NoSuchTableError:
            continue  # check-db says so; the statements that need it will fail in French
        for name, *_ in REFERENCE[ref]:
            if not schema.mapping.kept(ref, name):
                lengths[(ref, name)] = None  # not written to this base: no limit to announce
        for col in table.columns:
            if col.key.startswith("_") or "__" in col.key:
                continue  # a converter's helper column (first name, family id): check-db reports it
            found = real.get(col.name.casefold())
            if found is None:
                missing.append((ref, col.key))
            elif (ref, col.key) in targets.TEXT_LENGTHS:
                lengths[(ref, col.key)] = getattr(found, "length", None) if isinstance(found, String) else None
    return lengths, missing


def _last_dates(conn, schema: Schema, facts: GestanFacts, settings) -> GestanFacts:
    f, c = schema.factures, schema.compteurs
    if schema.base_numbering:
        return facts  # no series of ours: the base orders its own numbers
    names = [row.nom for row in conn.execute(select(c.c.nom).where(c.c.nom != LOCK_ROW))]
    for name in names:
        last = conn.execute(select(func.max(f.c.date)).where(f.c.numero.like(_like_prefix(name), escape="\\"))) \
            .scalar()
        if last is not None:
            facts.last_dates[name] = last
    return facts


def _like_prefix(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def check_settings_rows(conn, schema: Schema, settings) -> None:
    """A setting naming a family or product that does not exist stops everything (SPEC §5)."""
    fam, prod = schema.familles, schema.produits
    families = {r.code for r in conn.execute(select(fam.c.code).where(
        fam.c.code.in_([settings.famille_produits, settings.famille_port])))}
    for key in ("famille_produits", "famille_port"):
        if getattr(settings, key) not in families:
            raise SettingsError(f"Paramètre « {key} » : la famille « {getattr(settings, key)} » n'existe pas "
                                "dans Gestan.")
    wanted = [settings.produit_port, settings.produit_remise, settings.produit_emballage]
    products = {r.code for r in conn.execute(select(prod.c.code).where(prod.c.code.in_(wanted)))}
    for key in ("produit_port", "produit_remise", "produit_emballage"):
        if getattr(settings, key) not in products:
            raise SettingsError(f"Paramètre « {key} » : le produit « {getattr(settings, key)} » n'existe pas "
                                "dans Gestan.")




# Where each setting is written: (reference table, reference column), so a value the base cannot hold is
# refused before anything is written, never first noticed by the database (SPEC §7).
SETTING_COLUMNS = {
    "famille_produits": (("familles", "code"), ("produits", "famille")),
    "famille_port": (("familles", "code"), ("produits", "famille")),
    "produit_port": (("produits", "code"), ("lignes_facture", "produit_code")),
    "produit_remise": (("produits", "code"), ("lignes_facture", "produit_code")),
    "produit_emballage": (("produits", "code"), ("lignes_facture", "produit_code")),
    "canal_defaut": (("factures", "canal"), ("imports_amazon", "canal")),
}


def check_settings_fit(schema: Schema, settings, lengths: dict) -> None:
    """Each setting fits the columns it goes to; `lengths` are the base's (reflected), else the declared ones."""
    def limit(ref: str, col: str) -> tuple[int | None, str]:
        if not schema.mapping.kept(ref, col):
            return None, ""
        column = getattr(schema, ref).c[col]
        length = lengths.get((ref, col), getattr(column.type, "length", None))
        return length, f"{column.table.name}.{column.name}"

    for (ref, col), spec in schema.mapping.converters.items():
        length, name = limit(ref, col)
        if spec.name == "cle_courte" and length is not None and length < spec.param("longueur"):
            raise SettingsError(f"Fichier de correspondance : « {ref}.{col} » demande des clés de "
                                f"{spec.param('longueur')} caractères et la colonne {name} de la base n'en garde que "
                                f"{length} ; écrivez longueur = {length}.")
    wanted = [(key, getattr(settings, key), f"« {getattr(settings, key)} » a", places)
              for key, places in SETTING_COLUMNS.items()]
    number, prefix = longest_number(settings.format_numero), counter_name(settings.format_numero, date(9999, 12, 31))
    if not schema.base_numbering:  # else format_numero is not used: the base numbers its invoices
        wanted += [("format_numero", number, f"ses numéros (ex. {number}) peuvent avoir", (("factures", "numero"),)),
                   ("format_numero", prefix, f"son préfixe (ex. {prefix}) peut avoir", (("compteurs", "nom"),))]
    credit, credit_prefix = (longest_number(settings.format_numero_avoir),
                             counter_name(settings.format_numero_avoir, date(9999, 12, 31)))
    wanted += [("format_numero_avoir", credit, f"ses numéros (ex. {credit}) peuvent avoir", (("avoirs", "numero"),)),
               ("format_numero_avoir", credit_prefix, f"son préfixe (ex. {credit_prefix}) peut avoir",
                (("compteurs", "nom"),))]
    for key, value, said, places in wanted:
        for ref, col in places:
            length, name = limit(ref, col)
            if length is not None and len(value) > length:
                raise SettingsError(f"Paramètre « {key} » invalide : {said} {len(value)} caractères et la colonne "
                                    f"{name} de la base n'en garde que {length} ; raccourcissez-le.")
