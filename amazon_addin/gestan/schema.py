"""The Gestan reference schema (SPEC §4) in SQLAlchemy Core, remappable to a customer's real names.

Every column is declared with `key=` its reference name, so the code always writes `t.c.code` while
the SQL uses whatever name the mapping file gives (`ART_CODE`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import (Boolean, Column, Date, DateTime, ForeignKey, Integer, MetaData, Numeric, String,
                        Table, UniqueConstraint)

from ..errors import SettingsError
from ..settings import details
from ..tomlfile import read_toml
from ..targets import TEXT_LENGTHS

MONEY = Numeric(12, 2, asdecimal=True)
EXCHANGE_RATE = Numeric(14, 6, asdecimal=True)  # units of a currency per 1 EUR, as the ECB publishes them
TEXT = object()  # a text column: its length is in targets.TEXT_LENGTHS
RATE = Numeric(5, 2, asdecimal=True)
UNIT_PRICE = Numeric(14, 4, asdecimal=True)

# Reference table → list of (column, type, options). Names are the contract; types are ours. Columns after
# the first release are nullable, so `init-db` can add them to an older base.
REFERENCE: dict[str, list[tuple]] = {
    "familles": [
        ("code", TEXT, {"primary_key": True}),
        ("libelle", TEXT, {}),
    ],
    "produits": [
        ("code", TEXT, {"primary_key": True}),
        ("libelle", TEXT, {}),
        ("famille", TEXT, {"fk": ("familles", "code")}),
        ("taux_tva", RATE, {}),
        ("prix_ttc", MONEY, {}),
        ("gere_stock", Boolean, {"nullable": False, "default": False}),
        ("stock", Integer, {"nullable": False, "default": 0}),
        ("stock_alerte", Integer, {"nullable": False, "default": 0}),
    ],
    "clients": [
        ("id", Integer, {"primary_key": True, "autoincrement": True}),
        ("cle", TEXT, {"unique": True, "nullable": False}),
        ("nom", TEXT, {}),
        ("societe", TEXT, {}),
        ("adresse1", TEXT, {}),
        ("adresse2", TEXT, {}),
        ("code_postal", TEXT, {}),
        ("ville", TEXT, {}),
        ("region", TEXT, {}),
        ("pays", TEXT, {}),
        ("telephone", TEXT, {}),
        ("email", TEXT, {}),
        ("tva_intracom", TEXT, {}),
    ],
    "codes_postaux": [
        ("id", Integer, {"primary_key": True, "autoincrement": True}),
        ("pays", TEXT, {"nullable": False}),
        ("code_postal", TEXT, {"nullable": False}),
        ("ville", TEXT, {"nullable": False}),
    ],
    "factures": [
        ("id", Integer, {"primary_key": True, "autoincrement": True}),
        ("numero", TEXT, {"unique": True, "nullable": False}),
        ("date", Date, {"nullable": False}),
        ("client_id", Integer, {"fk": ("clients", "id")}),
        ("canal", TEXT, {}),
        ("commande", TEXT, {}),
        ("devise", TEXT, {}),
        ("total_ht", MONEY, {}),
        ("total_tva", MONEY, {}),
        ("total_ttc", MONEY, {}),
        ("livraison_nom", TEXT, {}),
        ("livraison_adresse1", TEXT, {}),
        ("livraison_adresse2", TEXT, {}),
        ("livraison_code_postal", TEXT, {}),
        ("livraison_ville", TEXT, {}),
        ("livraison_region", TEXT, {}),
        ("livraison_pays", TEXT, {}),
        ("livraison_telephone", TEXT, {}),
        ("instructions", TEXT, {}),
        ("commande_pro", Boolean, {}),
        ("bon_commande", TEXT, {}),
        ("taux_change", EXCHANGE_RATE, {}),
        ("date_vente", Date, {}),
        ("expedie_par_amazon", Boolean, {}),
        ("regime", TEXT, {}),
        ("mention_tva", TEXT, {}),
        ("tva_client", TEXT, {}),
        ("facturation_nom", TEXT, {}),
        ("facturation_adresse1", TEXT, {}),
        ("facturation_adresse2", TEXT, {}),
        ("facturation_code_postal", TEXT, {}),
        ("facturation_ville", TEXT, {}),
        ("facturation_pays", TEXT, {}),
        ("taxe_marketplace", MONEY, {}),
        ("total_ht_eur", MONEY, {}),
        ("total_tva_eur", MONEY, {}),
        ("total_ttc_eur", MONEY, {}),
        ("vies_date", DateTime, {}),
        ("vies_reference", TEXT, {}),
    ],
    "lignes_facture": [
        ("id", Integer, {"primary_key": True, "autoincrement": True}),
        ("facture_id", Integer, {"fk": ("factures", "id"), "nullable": False}),
        ("rang", Integer, {"nullable": False}),
        ("produit_code", TEXT, {}),
        ("libelle", TEXT, {}),
        ("quantite", Integer, {}),
        ("prix_unitaire_ht", UNIT_PRICE, {}),
        ("montant_ht", MONEY, {}),
        ("montant_tva", MONEY, {}),
        ("montant_ttc", MONEY, {}),
        ("taux_tva", RATE, {}),
    ],
    "mouvements_stock": [
        ("id", Integer, {"primary_key": True, "autoincrement": True}),
        ("produit_code", TEXT, {"nullable": False}),
        ("date", Date, {"nullable": False}),
        ("quantite", Integer, {"nullable": False}),
        ("facture_id", Integer, {"fk": ("factures", "id")}),
        ("libelle", TEXT, {}),
        ("avoir_id", Integer, {"fk": ("avoirs", "id")}),  # an incoming movement given back by a credit note
    ],
    "imports_amazon": [
        ("id", Integer, {"primary_key": True, "autoincrement": True}),
        ("commande", TEXT, {"unique": True, "nullable": False}),
        ("canal", TEXT, {}),
        ("facture_id", Integer, {"fk": ("factures", "id")}),
        ("integration_id", Integer, {"fk": ("integrations_amazon", "id")}),
        ("fichier", TEXT, {}),
        ("date_import", DateTime, {}),
        ("empreinte", TEXT, {}),
        ("avoir_id", Integer, {"fk": ("avoirs", "id")}),  # set: the invoice was credited, the order may come back
    ],
    "integrations_amazon": [
        ("id", Integer, {"primary_key": True, "autoincrement": True}),
        ("utilisateur", TEXT, {}),
        ("date", DateTime, {}),
        ("fichier", TEXT, {}),
        ("sha256", TEXT, {}),
        ("nb_factures", Integer, {}),
    ],
    # Credit notes (avoirs): a full credit of one invoice, its lines mirroring the invoice's. Amounts are
    # positive, as Gestan prints a credit note: the document says it is a credit, so invoices minus credit
    # notes is what the customer was finally charged. `integration_id`: the integration that booked the
    # credited invoice; `utilisateur`, `cree_le` and `motif`: who, when and why (the audit trail).
    "avoirs": [
        ("id", Integer, {"primary_key": True, "autoincrement": True}),
        ("numero", TEXT, {"unique": True, "nullable": False}),
        ("date", Date, {"nullable": False}),
        ("facture_id", Integer, {"fk": ("factures", "id"), "unique": True, "nullable": False}),
        ("client_id", Integer, {"fk": ("clients", "id")}),
        ("motif", TEXT, {}),
        ("devise", TEXT, {}),
        ("taux_change", EXCHANGE_RATE, {}),
        ("total_ht", MONEY, {}),
        ("total_tva", MONEY, {}),
        ("total_ttc", MONEY, {}),
        ("integration_id", Integer, {"fk": ("integrations_amazon", "id")}),
        ("utilisateur", TEXT, {}),
        ("cree_le", DateTime, {}),
    ],
    "lignes_avoir": [
        ("id", Integer, {"primary_key": True, "autoincrement": True}),
        ("avoir_id", Integer, {"fk": ("avoirs", "id"), "nullable": False}),
        ("rang", Integer, {"nullable": False}),
        ("produit_code", TEXT, {}),
        ("libelle", TEXT, {}),
        ("quantite", Integer, {}),
        ("prix_unitaire_ht", UNIT_PRICE, {}),
        ("montant_ht", MONEY, {}),
        ("montant_tva", MONEY, {}),
        ("montant_ttc", MONEY, {}),
        ("taux_tva", RATE, {}),
    ],
    "compteurs": [
        ("nom", TEXT, {"primary_key": True}),
        ("valeur", Integer, {"nullable": False}),
    ],
}
UNIQUE_TOGETHER = {"codes_postaux": ("pays", "code_postal", "ville")}
# Text columns take their length from the one table Vérifier also reads (targets.TEXT_LENGTHS).
for _ref, _cols in REFERENCE.items():
    _cols[:] = [(n, String(TEXT_LENGTHS[(_ref, n)]) if t is TEXT else t, o) for n, t, o in _cols]


@dataclass(frozen=True)
class Mapping:
    """Reference names → real names. Empty mapping = the reference schema itself."""

    tables: dict  # ref table → real table
    columns: dict  # (ref table, ref column) → real column

    def table(self, ref: str) -> str:
        return self.tables.get(ref, ref)

    def column(self, ref_table: str, ref_col: str) -> str:
        return self.columns.get((ref_table, ref_col), ref_col)


IDENTITY = Mapping({}, {})


def load_mapping(path: str | Path | None) -> Mapping:
    """A TOML file: one section per reference table, `table = "REAL"` and `ref_col = "REAL_COL"`."""
    if not path:
        return IDENTITY
    p = Path(path)
    if not p.is_file() and not p.is_dir():
        raise SettingsError(f"Fichier de correspondance « {p} » introuvable (paramètre « mapping »).")
    data, encoding = read_toml(p, "Fichier de correspondance")
    details.info("Correspondance des noms : « %s » lue (%s).", p.resolve(), encoding)
    tables, columns = {}, {}
    for ref, section in data.items():
        if ref not in REFERENCE or not isinstance(section, dict):
            raise SettingsError(f"Fichier de correspondance : table de référence « {ref} » inconnue (attendu : "
                                f"{', '.join(REFERENCE)}).")
        known = {c[0] for c in REFERENCE[ref]}
        for key, value in section.items():
            if not isinstance(value, str) or not value.strip():
                raise SettingsError(f"Fichier de correspondance : « {ref}.{key} » doit être un nom non vide.")
            if key == "table":
                tables[ref] = value.strip()
            elif key in known:
                columns[(ref, key)] = value.strip()
            else:
                raise SettingsError(f"Fichier de correspondance : colonne « {key} » inconnue dans « {ref} ».")
    _refuse_collisions(tables, columns)
    return Mapping(tables, columns)


def _refuse_collisions(tables: dict, columns: dict) -> None:
    """Two reference tables on one real table, or two columns of a table on one real column, would write
    one thing over another; names that differ only by case collide on most servers too."""
    mapping = Mapping(tables, columns)
    seen: dict[str, str] = {}
    for ref in REFERENCE:
        real = mapping.table(ref)
        other = seen.setdefault(real.casefold(), ref)
        if other != ref:
            raise SettingsError(f"Fichier de correspondance : les tables de référence « {other} » et « {ref} » "
                                f"désignent la même table réelle{_spelled(mapping.table(other), real)} ; chacune doit "
                                "avoir la sienne.")
        cols: dict[str, str] = {}
        for name, *_ in REFERENCE[ref]:
            real_col = mapping.column(ref, name)
            first = cols.setdefault(real_col.casefold(), name)
            if first != name:
                raise SettingsError(f"Fichier de correspondance : « {ref}.{first} » et « {ref}.{name} » désignent la "
                                    f"même colonne réelle{_spelled(mapping.column(ref, first), real_col)} ; chacune "
                                    "doit avoir la sienne.")


def _spelled(first: str, second: str) -> str:
    if first == second:
        return f" « {first} »"
    return f" (« {first} » et « {second} » : la plupart des bases ne distinguent pas les majuscules)"


class Schema:
    """The SQLAlchemy tables for one mapping; `schema.produits.c.code` whatever the real names."""

    def __init__(self, mapping: Mapping = IDENTITY):
        self.mapping = mapping
        self.metadata = MetaData()
        for ref, cols in REFERENCE.items():
            columns = []
            for name, type_, opts in cols:
                opts = dict(opts)
                fk = opts.pop("fk", None)
                # By the referenced column's key (its reference name), which is how Table.c finds it.
                args = [ForeignKey(f"{mapping.table(fk[0])}.{fk[1]}")] if fk else []
                columns.append(Column(mapping.column(ref, name), type_, *args, key=name, **opts))
            if ref in UNIQUE_TOGETHER:
                columns.append(UniqueConstraint(*(mapping.column(ref, c) for c in UNIQUE_TOGETHER[ref]),
                                                name=f"uq_{ref}"))
            setattr(self, ref, Table(mapping.table(ref), self.metadata, *columns))

    def tables(self):
        return [(ref, getattr(self, ref)) for ref in REFERENCE]
