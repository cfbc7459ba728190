"""The Gestan reference schema (SPEC §4) in SQLAlchemy Core, remappable to a customer's real names.

Every column is declared with `key=` its reference name, so the code always writes `t.c.code` while
the SQL uses whatever name the mapping file gives (`ART_CODE`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
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

# The columns an invoice line and a credit note line share: a credit note mirrors its invoice's lines.
_LINE = [
    ("rang", Integer, {"nullable": False}),
    ("produit_code", TEXT, {}),
    ("libelle", TEXT, {}),
    ("quantite", Integer, {}),
    ("prix_unitaire_ht", UNIT_PRICE, {}),
    ("montant_ht", MONEY, {}),
    ("montant_tva", MONEY, {}),
    ("montant_ttc", MONEY, {}),
    ("taux_tva", RATE, {}),
]


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
        *_LINE,
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
        *_LINE,
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


TODO = "à compléter"  # a name the integrator still has to find in the base; check-db lists each one
PROFILES = Path(__file__).resolve().parent.parent / "profiles"


@dataclass(frozen=True)
class Mapping:
    """Reference names → real names, and what a real base does differently. Empty = the reference schema."""

    tables: dict  # ref table → real table
    columns: dict  # (ref table, ref column) → real column
    converters: dict = field(default_factory=dict)  # (ref table, ref column) → convert.Spec
    absent: frozenset = frozenset()  # (ref table, ref column) the base does not keep: never written or read
    todo: tuple = ()  # (ref table, ref column or None) still "à compléter"
    numbering_key: str | None = None  # set: the invoice number is the base's own id, read back by this column

    def table(self, ref: str) -> str:
        return self.tables.get(ref, ref)

    def column(self, ref_table: str, ref_col: str) -> str:
        return self.columns.get((ref_table, ref_col), ref_col)

    def kept(self, ref_table: str, ref_col: str) -> bool:
        """The base has this column (mapped or reference-named), as opposed to absent or still to find."""
        if (ref_table, ref_col) in self.absent or (ref_table, ref_col) in self.todo:
            return False
        return not (ref_table == "factures" and ref_col == "numero" and self.numbering_key)


IDENTITY = Mapping({}, {})


def mapping_file(path: str | Path) -> Path:
    """The file itself, else a profile shipped with the add-in (`mapping = "gestan15"`)."""
    p = Path(path)
    if p.is_file() or p.is_dir():
        return p
    profile = PROFILES / f"{p.name}.toml"
    if not p.suffix and profile.is_file():
        return profile
    known = ", ".join(sorted(f.stem for f in PROFILES.glob("*.toml")))
    raise SettingsError(f"Fichier de correspondance « {p} » introuvable (paramètre « mapping » ; profils fournis : "
                        f"{known}).")


def load_mapping(path: str | Path | None) -> Mapping:
    """A TOML file: one section per reference table, `table = "REAL"` and `ref_col = "REAL_COL"`; a column may
    also be `false` (not kept by this base), `"à compléter"`, or an inline table choosing a converter
    (gestan/convert.py) or the base's own invoice numbering."""
    if not path:
        return IDENTITY
    p = mapping_file(path)
    data, encoding = read_toml(p, "Fichier de correspondance")
    details.info("Correspondance des noms : « %s » lue (%s).", p.resolve(), encoding)
    return parse_mapping(data)


def parse_mapping(data: dict) -> Mapping:
    from .convert import parse_spec

    tables, columns, converters, absent, todo = {}, {}, {}, set(), []
    numbering = None
    for ref, section in data.items():
        if ref not in REFERENCE or not isinstance(section, dict):
            raise SettingsError(f"Fichier de correspondance : table de référence « {ref} » inconnue (attendu : "
                                f"{', '.join(REFERENCE)}).")
        known = {c[0]: o for c in REFERENCE[ref] for o in [c[2]]}
        for key, value in section.items():
            where = f"{ref}.{key}"
            if key != "table" and key not in known:
                raise SettingsError(f"Fichier de correspondance : colonne « {key} » inconnue dans « {ref} ».")
            if isinstance(value, str) and value.strip().casefold() in (TODO, "a completer"):
                todo.append((ref, None if key == "table" else key))
            elif value is False and key != "table":
                if known[key].get("primary_key") or known[key].get("nullable") is False:
                    raise SettingsError(f"Fichier de correspondance : « {where} » ne peut pas valoir false : "
                                        "l'intégration en a besoin.")
                absent.add((ref, key))
            elif isinstance(value, dict) and (ref, key) == ("factures", "numero"):
                numbering = _numbering(value)
            elif isinstance(value, dict) and key != "table":
                columns[(ref, key)], spec = parse_spec(where, value)
                if spec is not None:
                    converters[(ref, key)] = spec
            elif isinstance(value, str) and value.strip():
                (tables.__setitem__(ref, value.strip()) if key == "table" else
                 columns.__setitem__((ref, key), value.strip()))
            else:
                raise SettingsError(f"Fichier de correspondance : « {where} » doit être un nom non vide, false, "
                                    f"« {TODO} » ou un convertisseur {{ colonne = ..., convertir = ... }}.")
    _refuse_collisions(tables, columns, frozenset(absent) | {(r, c) for r, c in todo if c})
    return Mapping(tables, columns, converters, frozenset(absent), tuple(todo), numbering)


def _numbering(value: dict) -> str:
    """`numero = { numerotation = "base", lue_par = "commande" }`: Gestan numbers its invoices itself."""
    key = value.get("lue_par")
    if value.get("numerotation") != "base" or set(value) != {"numerotation", "lue_par"} or key not in \
            {c[0] for c in REFERENCE["factures"]} - {"id", "numero"}:
        raise SettingsError("Fichier de correspondance : « factures.numero » en table doit être "
                            "{ numerotation = \"base\", lue_par = \"commande\" } (lue_par : une colonne de "
                            "référence de factures que l'intégration écrit, par exemple commande).")
    return key


def _refuse_collisions(tables: dict, columns: dict, unused: frozenset = frozenset()) -> None:
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
            if (ref, name) in unused:
                continue
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
    """The SQLAlchemy tables for one mapping; `schema.produits.c.code` whatever the real names. A converted
    column carries its converter as its type (gestan/convert.py); a column the base does not keep is left out,
    so it is neither written nor read."""

    def __init__(self, mapping: Mapping = IDENTITY):
        from . import convert

        self.mapping = mapping
        self.metadata = MetaData()
        extra: dict[str, list] = {}  # ref table → columns a converter needs besides the reference ones
        for (ref, name), spec in mapping.converters.items():
            if spec.name == "nom_prenom":
                n = spec.param("longueur_prenom")
                extra.setdefault(ref, []).append(Column(spec.param("prenom"), String(n), key=f"{name}__prenom",
                                                        default=convert.first_name_default(name, n),
                                                        info={"derived": (name, convert.first_name_of(n))}))
            elif spec.name == "id_par_code":
                extra.setdefault(spec.param("table"), []).append(Column(spec.param("id"), Integer, key="_id"))
        for ref, cols in REFERENCE.items():
            columns = []
            for name, type_, opts in cols:
                if not mapping.kept(ref, name):
                    continue
                opts = dict(opts)
                fk = opts.pop("fk", None)
                spec = mapping.converters.get((ref, name))
                if spec is not None:
                    type_ = convert.column_type(spec, type_, mapping)
                # By the referenced column's key (its reference name), which is how Table.c finds it; never onto
                # a customer's own table (mapped), which init-db must not constrain.
                args = [ForeignKey(f"{mapping.table(fk[0])}.{fk[1]}")] \
                    if fk and spec is None and fk[0] not in mapping.tables else []
                columns.append(Column(mapping.column(ref, name), type_, *args, key=name, **opts))
            if ref in UNIQUE_TOGETHER and all(mapping.kept(ref, c) for c in UNIQUE_TOGETHER[ref]):
                columns.append(UniqueConstraint(*UNIQUE_TOGETHER[ref], name=f"uq_{ref}"))  # by key
            setattr(self, ref, Table(mapping.table(ref), self.metadata, *columns, *extra.get(ref, [])))

    @property
    def base_numbering(self) -> bool:
        """The base numbers invoices itself (its automatic id), read back by `mapping.numbering_key`."""
        return self.mapping.numbering_key is not None

    def invoice_number(self):
        """The invoice number as a selectable column labelled `numero`: ours, or the base's own id."""
        f = self.factures
        return (f.c.id if self.base_numbering else f.c.numero).label("numero")

    def tables(self):
        return [(ref, getattr(self, ref)) for ref in REFERENCE]
