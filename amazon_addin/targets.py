"""Where each text of the export lands in Gestan, and how long it may be (SPEC §4, §7 "Money and VAT").

`TEXT_LENGTHS` is the reference schema's text columns and their lengths: `gestan/schema.py` declares its
`String(n)` from it, and Vérifier reads it without loading SQLAlchemy. A real base's own lengths, reflected
by the database adapter, replace these when a base is given (`limits(reflected)`).
"""

from __future__ import annotations

from dataclasses import dataclass

# (reference table, column) → length in characters.
TEXT_LENGTHS: dict[tuple[str, str], int] = {
    ("familles", "code"): 20, ("familles", "libelle"): 100,
    ("produits", "code"): 60, ("produits", "libelle"): 500, ("produits", "famille"): 20,
    ("clients", "cle"): 250, ("clients", "nom"): 200, ("clients", "societe"): 200, ("clients", "adresse1"): 250,
    ("clients", "adresse2"): 250, ("clients", "code_postal"): 20, ("clients", "ville"): 100,
    ("clients", "region"): 100, ("clients", "pays"): 2, ("clients", "telephone"): 40, ("clients", "email"): 250,
    ("clients", "tva_intracom"): 20,
    ("codes_postaux", "pays"): 2, ("codes_postaux", "code_postal"): 20, ("codes_postaux", "ville"): 100,
    ("factures", "numero"): 30, ("factures", "canal"): 40, ("factures", "commande"): 40, ("factures", "devise"): 3,
    ("factures", "livraison_nom"): 200, ("factures", "livraison_adresse1"): 250,
    ("factures", "livraison_adresse2"): 250, ("factures", "livraison_code_postal"): 20,
    ("factures", "livraison_ville"): 100, ("factures", "livraison_region"): 100, ("factures", "livraison_pays"): 2,
    ("factures", "livraison_telephone"): 40, ("factures", "instructions"): 500, ("factures", "bon_commande"): 100,
    ("factures", "regime"): 20, ("factures", "mention_tva"): 250, ("factures", "tva_client"): 20,
    ("factures", "facturation_nom"): 200, ("factures", "facturation_adresse1"): 250,
    ("factures", "facturation_adresse2"): 250, ("factures", "facturation_code_postal"): 20,
    ("factures", "facturation_ville"): 100, ("factures", "facturation_pays"): 2,
    ("factures", "vies_reference"): 60,
    ("lignes_facture", "produit_code"): 60, ("lignes_facture", "libelle"): 500,
    ("mouvements_stock", "produit_code"): 60, ("mouvements_stock", "libelle"): 250,
    ("imports_amazon", "commande"): 40, ("imports_amazon", "canal"): 40, ("imports_amazon", "fichier"): 250,
    ("imports_amazon", "empreinte"): 64,
    ("integrations_amazon", "utilisateur"): 100, ("integrations_amazon", "fichier"): 250,
    ("integrations_amazon", "sha256"): 64,
    ("avoirs", "numero"): 30, ("avoirs", "motif"): 250, ("avoirs", "devise"): 3, ("avoirs", "utilisateur"): 100,
    ("lignes_avoir", "produit_code"): 60, ("lignes_avoir", "libelle"): 500,
    ("compteurs", "nom"): 40,
}

# Export column → the reference columns its text is written to. Billing falls back to shipping as a
# whole block (SPEC §7), so a shipping text may also become the customer's and the invoice's billing text.
WRITTEN_TO: dict[str, tuple[tuple[str, str], ...]] = {
    "order-id": (("factures", "commande"), ("imports_amazon", "commande")),
    "sku": (("produits", "code"), ("lignes_facture", "produit_code"), ("mouvements_stock", "produit_code")),
    "product-name": (("produits", "libelle"), ("lignes_facture", "libelle")),
    "sales-channel": (("factures", "canal"), ("imports_amazon", "canal")),
    "buyer-email": (("clients", "email"),),
    "buyer-name": (("clients", "nom"), ("factures", "facturation_nom")),
    "buyer-phone-number": (("clients", "telephone"),),
    "buyer-company-name": (("clients", "societe"),),
    "buyer-tax-registration-id": (("clients", "tva_intracom"), ("factures", "tva_client")),
    "purchase-order-number": (("factures", "bon_commande"),),
    "delivery-instructions": (("factures", "instructions"),),
    "recipient-name": (("factures", "livraison_nom"), ("clients", "nom"), ("factures", "facturation_nom")),
    "ship-address-1": (("factures", "livraison_adresse1"), ("clients", "adresse1"),
                       ("factures", "facturation_adresse1")),
    "ship-address-2": (("factures", "livraison_adresse2"), ("clients", "adresse2"),
                       ("factures", "facturation_adresse2")),
    "ship-address-3": (("factures", "livraison_adresse2"), ("clients", "adresse2"),
                       ("factures", "facturation_adresse2")),
    "ship-city": (("factures", "livraison_ville"), ("clients", "ville"), ("factures", "facturation_ville"),
                  ("codes_postaux", "ville")),
    "ship-state": (("factures", "livraison_region"), ("clients", "region")),
    "ship-postal-code": (("factures", "livraison_code_postal"), ("clients", "code_postal"),
                         ("factures", "facturation_code_postal"), ("codes_postaux", "code_postal")),
    "ship-phone-number": (("factures", "livraison_telephone"), ("clients", "telephone")),
    "bill-name": (("clients", "nom"), ("factures", "facturation_nom")),
    "bill-address-1": (("clients", "adresse1"), ("factures", "facturation_adresse1")),
    "bill-address-2": (("clients", "adresse2"), ("factures", "facturation_adresse2")),
    "bill-address-3": (("clients", "adresse2"), ("factures", "facturation_adresse2")),
    "bill-city": (("clients", "ville"), ("factures", "facturation_ville"), ("codes_postaux", "ville")),
    "bill-state": (("clients", "region"),),
    "bill-postal-code": (("clients", "code_postal"), ("factures", "facturation_code_postal"),
                         ("codes_postaux", "code_postal")),
}
# Keys: cutting them could merge two of them (SPEC §7), so too long is an error, never a truncation.
KEYS = frozenset({"order-id", "sku"})
# Pairs written as one text ("address 2 address 3"): the second part gives way when the whole is too long.
JOINED = (("ship-address-2", "ship-address-3"), ("bill-address-2", "bill-address-3"))


@dataclass(frozen=True)
class Limit:
    length: int
    target: str  # the reference column that holds the least, "table.column", for the message
    key: bool


def limits(reflected: dict[tuple[str, str], int | None] | None = None) -> dict[str, Limit]:
    """Export column → the tightest of its target columns: the reflected length of a real base where it has
    one (None: unbounded), else the reference schema's."""
    reflected = reflected or {}
    out = {}
    for column, targets in WRITTEN_TO.items():
        best = None
        for target in targets:
            length = reflected[target] if target in reflected else TEXT_LENGTHS[target]
            if length is not None and (best is None or length < best[0]):
                best = (length, f"{target[0]}.{target[1]}")
        if best is not None:
            out[column] = Limit(best[0], best[1], column in KEYS)
    return out
