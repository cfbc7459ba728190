"""Which Amazon report a file is, by its header (SPEC §1 "Which Amazon reports are orders").

Sellers often download the wrong report. Each known report is one row of `REPORTS`: its French name, the
header names that identify it (after `columns.normalise_header`: casefold, `_`→`-`), where Seller Central FR
offers it, and either how it is read as orders (its column aliases) or what to download instead. Column
names come from Amazon's public Seller Central help and SP-API report-type documentation
(`GET_FLAT_FILE_ORDERS_DATA`, `GET_AMAZON_FULFILLED_SHIPMENTS_DATA_GENERAL`,
`GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE`...); believed right in December 2026. A header no row matches
falls back to the reader's own rule (order-id and two other known names).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .columns import normalise_header

# Where the two reports that are read live in Seller Central FR: the advice of every refusal.
ORDER_REPORT_AT = "Commandes > Rapports sur les commandes > Nouvelles commandes"
FBA_SHIPMENTS_AT = "Rapports > Expédié par Amazon > Expéditions traitées par Amazon"
DOWNLOAD = (f"téléchargez le rapport de commandes ({ORDER_REPORT_AT}) ou, pour les ventes expédiées par Amazon, "
            f"le rapport des expéditions ({FBA_SHIPMENTS_AT})")

ORDERS = "commandes"  # the seller-fulfilled order report
FBA = "fba"  # the Amazon Fulfilled Shipments report

# The FBA shipments report names the order report's columns otherwise (SPEC §1).
FBA_ALIASES = {
    "amazon-order-id": "order-id",
    "amazon-order-item-id": "order-item-id",
    "quantity-shipped": "quantity-purchased",
}


@dataclass(frozen=True)
class Report:
    key: str
    name: str  # French, with its article: "un rapport de paiements (règlement) Amazon"
    all_of: frozenset  # normalised header names that must all be present
    found_at: str  # where Seller Central FR offers it
    none_of: frozenset = frozenset()  # names that must be absent
    read: bool = False  # read as orders (else refused)
    aliases: dict = field(default_factory=dict)
    instead: str = DOWNLOAD

    def matches(self, names: set[str]) -> bool:
        return self.all_of <= names and not (self.none_of & names)

    def refusal(self) -> str:
        """One French sentence: the report found, and the one to download instead."""
        return f"Ce fichier est {self.name}, pas un rapport de commandes : {self.instead}."


def _names(*names: str) -> frozenset:
    return frozenset(names)


# Most specific first: the first report whose names are all present is the file's.
REPORTS = (
    Report("reglement-v2", "un rapport de paiements (règlement, fichier plat V2) Amazon",
           _names("settlement-id", "amount-type", "amount-description"), "Paiements > Rapports > Rapports de règlement"),
    Report("reglement-v1", "un rapport de paiements (règlement, fichier plat V1) Amazon",
           _names("settlement-id", "price-type", "price-amount"), "Paiements > Rapports > Rapports de règlement"),
    Report("reglement", "un rapport de paiements (règlement) Amazon", _names("settlement-id", "transaction-type"),
           "Paiements > Rapports > Rapports de règlement"),
    Report("transactions", "un rapport des transactions par période (paiements) Amazon",
           _names("numéro de versement", "numéro de la commande"), "Paiements > Rapports > Rapport de transactions"),
    Report("avtr", "le rapport des transactions TVA (AVTR) d'Amazon",
           _names("unique-account-identifier", "transaction-event-id"),
           "Rapports > Documents fiscaux > Rapport des transactions TVA Amazon"),
    Report("calcul-tva", "un rapport de calcul de la TVA d'Amazon (service de calcul de TVA)",
           _names("tax calculation date", "tax calculation reason code"),
           "Rapports > Documents fiscaux > Rapport de calcul de la TVA"),
    Report("retours-fba", "un rapport des retours clients Expédié par Amazon",
           _names("return-date", "detailed-disposition"), "Rapports > Expédié par Amazon > Retours clients"),
    Report("retours", "un rapport des retours (commandes expédiées par le vendeur)",
           _names("amazon rma id", "return request date"), "Commandes > Rapports sur les retours"),
    Report("non-expediees", "un rapport des commandes non expédiées (sans les prix)",
           _names("order-id", "quantity-to-ship"), "Commandes > Rapports sur les commandes > Commandes non expédiées",
           none_of=_names("item-price"),  # refused for having no prices: with them, it is the order report
           instead=f"téléchargez le rapport de commandes, qui donne les prix ({ORDER_REPORT_AT})"),
    Report("toutes-commandes", "un rapport « Toutes les commandes » (sans nom ni adresse d'acheteur)",
           _names("amazon-order-id", "order-status"), "Rapports > Expédié par Amazon > Toutes les commandes"),
    Report(FBA, "le rapport des expéditions traitées par Amazon (FBA)",
           _names("amazon-order-id", "shipment-id", "quantity-shipped"), FBA_SHIPMENTS_AT, read=True,
           aliases=FBA_ALIASES),
    Report(ORDERS, "le rapport de commandes", _names("order-id", "order-item-id", "item-price"), ORDER_REPORT_AT,
           read=True),
    Report("inventaire-fba", "un rapport d'inventaire Expédié par Amazon",
           _names("afn-fulfillable-quantity"), "Rapports > Expédié par Amazon > Gérer l'inventaire FBA"),
    Report("inventaire-fba-stock", "un rapport d'inventaire Expédié par Amazon",
           _names("seller-sku", "fulfillment-channel-sku"), "Rapports > Expédié par Amazon > Inventaire Amazon"),
    Report("offres", "un rapport des offres (annonces) Amazon", _names("listing-id", "seller-sku"),
           "Catalogue > Rapports d'inventaire > Toutes les offres"),
    Report("inventaire", "un rapport d'inventaire Amazon", _names("sku", "asin", "price", "quantity"),
           "Catalogue > Rapports d'inventaire > Rapport d'inventaire", none_of=_names("order-id")),
)
BY_KEY = {r.key: r for r in REPORTS}


def recognise(header: list) -> Report | None:
    """The known report whose identifying names row 1 holds, or None."""
    names = {normalise_header(cell) for cell in header if cell is not None}
    return next((r for r in REPORTS if r.matches(names)), None)
