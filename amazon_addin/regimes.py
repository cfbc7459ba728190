"""The VAT regime of one sale, from its destination and its buyer (SPEC §7 "Money and VAT").

Stored per invoice as `factures.regime`: `FR`, `OSS-<country>`, `IC` (intra-EU B2B, reverse charge),
`EXPORT`, `DEEMED` (marketplace deemed supplier) or `FRANCHISE`. Each rule below is one function whose
docstring quotes the spec; `choose_regime` only chains them in the spec's order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Callable

from . import vat as V
from . import vat_rates
from .vies import Answer

FR, IC, EXPORT, DEEMED, FRANCHISE = "FR", "IC", "EXPORT", "DEEMED", "FRANCHISE"
NO_RATE = (Decimal(0),)
_OVERSEAS = {"GP", "MQ", "RE", "GF", "YT", "PM", "BL", "MF", "NC", "PF", "WF", "TF"}


@dataclass(frozen=True)
class Sale:
    """What the regime depends on, for one order."""

    country: str
    postcode: str
    day: date  # the date of sale (`date_vente`)
    b2b: bool
    vat_number: str
    currency: str
    amazon_tax: Decimal  # every tax Amazon gave on the order
    goods: tuple[tuple[Decimal, int], ...]  # each item row's value without VAT (order's currency), and quantity


@dataclass(frozen=True)
class Regime:
    code: str
    rates: tuple[Decimal, ...]  # the legal rates of the regime, standard first; (0,) when zero-rated
    rates_country: str  # whose rates (FR, DE, XI) or the destination, for messages
    catalogue: bool  # French VAT: the rate of a product known in Gestan is the line's rate
    mention: str | None  # the legal mention printed on the invoice (`mention_tva`)
    why: str  # French: why this regime, said by E_TVA_REGIME
    vies: Answer | None = None  # the VIES consultation behind `IC`, or the failed one behind W_VIES
    candidate_ic: bool = False  # the buyer asked for reverse charge (W_VIES when not confirmed)

    @property
    def taxable(self) -> bool:
        return self.code == FR or self.code.startswith("OSS-")


def french_destination(country: str, postcode: str) -> bool:
    """"FR (mainland and Corsica) and MC (FR 98000) → French rates." """
    return vat_rates.vat_country(country, postcode) == "FR"


def outside_eu_vat_area(country: str, postcode: str) -> str | None:
    """"Overseas departments (GP, MQ, RE, GF, YT, or FR postcodes 971–976), the territories outside the EU VAT
    area (ES 35/38/51/52, FR 975 and 984–989, and those `vat_rates.py` lists) and non-EU destinations → export
    0 % (`EXPORT`)." Returns why in French, or None inside the area."""
    if vat_rates.vat_country(country, postcode) is not None:
        return None
    code = (country or "").strip().upper()
    if code in _OVERSEAS or code in ("FR", "MC"):
        return "livraison outre-mer, hors du territoire de TVA de l'Union européenne : exportation"
    if code in vat_rates.EU_VAT_COUNTRIES:
        return "territoire hors du champ de la TVA de l'Union européenne : exportation"
    return "livraison hors de l'Union européenne : exportation"


def reverse_charge_candidate(sale: Sale) -> bool:
    """"Other EU VAT-area country: B2B reverse charge 0 % (`IC`) only when the buyer's number is of another
    member state, syntactically valid (python-stdnum) [...]. Reverse charge needs the goods to leave France:
    a delivery to FR/MC stays French-taxable whatever the VAT number." """
    area = vat_rates.vat_country(sale.country, sale.postcode)
    number = (sale.vat_number or "").strip()
    return (area is not None and area != "FR" and sale.b2b and bool(number) and V.valid_eu_vat_number(number)
            and V.vat_number_country(number) != "FR")


def reverse_charge_confirmed(sale: Sale, vies_enabled: bool, confirm: Callable[[str], Answer] | None) -> Answer | None:
    """"[...] and confirmed in VIES on or before the sale (setting `vies` = `oui` default [...]; VIES
    unreachable or "invalid" → `W_VIES` and the sale is booked taxable; `vies` = `non`: syntax only)."
    None when VIES is not asked (`vies` = `non`); else VIES's answer."""
    if not vies_enabled or confirm is None:
        return None
    return confirm(sale.vat_number)


def deemed_supplier(sale: Sale, convert: Callable[[Decimal, str, str, date], Decimal | None]) -> str | None:
    """"Marketplace deemed supplier (GB outside BT up to £135 per consignment, NO under VOEC, CH under its
    platform rules; the list a table in `vat_rates.py`): Amazon collected and pays that tax. Booked as `DEEMED`
    0 %." Applies when Amazon charged tax there and the goods are within the limit (a value in another
    currency is converted through the euro; an unknown conversion trusts Amazon's collection). Returns
    the rule's French name, or None."""
    if vat_rates.vat_country(sale.country, sale.postcode) is not None:
        return None  # Northern Ireland follows EU rules
    rule = vat_rates.DEEMED_SUPPLIER.get((sale.country or "").strip().upper())
    if rule is None or sale.day < rule.start or sale.amazon_tax <= 0:
        return None
    if rule.limit is not None:
        if rule.per_item:
            values = [value / qty for value, qty in sale.goods]
        else:
            values = [sum((value for value, _ in sale.goods), V.ZERO)]
        for value in values:
            local = value if sale.currency == rule.currency else convert(value, sale.currency, rule.currency, sale.day)
            if local is not None and local > rule.limit:
                return None
    return rule.law


def destination_rates(sale: Sale, regime_ue: str) -> tuple[str, str, tuple[Decimal, ...]]:
    """"Otherwise destination rates (OSS; setting `regime_ue` = `oss` default, or `france` for sellers under
    the EU distance-selling threshold, who charge French VAT on every EU consumer sale)." Northern Ireland:
    "OSS at the UK rates, prefix XI". Returns (code, rates country, legal rates)."""
    area = vat_rates.vat_country(sale.country, sale.postcode)
    if area == "FR" or regime_ue == "france":
        return FR, "FR", vat_rates.rates("FR", sale.day)
    return f"OSS-{area}", area, vat_rates.rates(area, sale.day)


def choose_regime(sale: Sale, settings, confirm: Callable[[str], Answer] | None = None,
                  convert: Callable[[Decimal, str, str, date], Decimal | None] | None = None) -> Regime:
    """The spec's order: outside the EU VAT area (deemed supplier, else export), reverse charge, French or
    destination VAT, franchise."""
    outside = outside_eu_vat_area(sale.country, sale.postcode)
    if outside is not None:
        deemed = deemed_supplier(sale, convert or (lambda *a: None))
        if deemed is not None:
            return Regime(DEEMED, NO_RATE, sale.country, False, settings.mention_export,
                          f"TVA collectée par Amazon, fournisseur présumé ({deemed})")
        return Regime(EXPORT, NO_RATE, sale.country, False, settings.mention_export, outside)
    answer = None
    candidate = reverse_charge_candidate(sale)
    if candidate:
        answer = reverse_charge_confirmed(sale, settings.vies == "oui", confirm)
        if answer is None or answer.confirmed:
            how = "confirmé par VIES" if answer is not None else "valide (sans consultation VIES : vies = non)"
            return Regime(IC, NO_RATE, sale.country, False, settings.mention_ic,
                          f"livraison intracommunautaire à un professionnel, numéro {sale.vat_number} {how} : "
                          "autoliquidation par l'acheteur", answer, True)
    code, country, rates = destination_rates(sale, settings.regime_ue)
    if code == FR and settings.franchise_tva == "oui":
        return Regime(FRANCHISE, NO_RATE, "FR", False, settings.mention_franchise,
                      "franchise en base de TVA (paramètre franchise_tva, CGI art. 293 B)", answer, candidate)
    return Regime(code, rates, country, code == FR, None, "", answer, candidate)
