"""VAT decisions for one sale (SPEC §7 "Money and VAT"): regime, rate snapping, HT/TVA split."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from . import vat_rates

CENT = Decimal("0.01")
HUNDRED = Decimal(100)

TAXABLE = "taxable"      # EU VAT area destination: the destination's rates apply
REVERSE = "reverse"      # B2B with a valid non-French EU VAT number: 0 %, reverse charge
EXPORT = "export"        # French overseas departments and territories: 0 %
OUTSIDE = "outside"      # outside the EU: 0 %

REGIME_FR = {
    REVERSE: "autoliquidation (client professionnel de l'UE)",
    EXPORT: "exportation (outre-mer)",
    OUTSIDE: "hors Union européenne",
}
_DOM = {"GP", "MQ", "RE", "GF", "YT", "PM", "BL", "MF"}


def money(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


@lru_cache(maxsize=1024)
def valid_eu_vat_number(number: str) -> bool:
    from stdnum.eu import vat as eu_vat

    return bool(number) and eu_vat.is_valid(number)


def vat_number_country(number: str) -> str:
    from stdnum.eu import vat as eu_vat

    cc = eu_vat.compact(number)[:2].upper()
    return "GR" if cc == "EL" else cc


@lru_cache(maxsize=65536)
def regime(country: str, postcode: str | None, b2b: bool, vat_number: str | None) -> str:
    country = (country or "").strip().upper()
    if vat_rates.vat_country(country, postcode) is None:
        if country in _DOM or (country == "FR" and (postcode or "").strip()[:3] in
                               {"971", "972", "973", "974", "975", "976"}):
            return EXPORT
        return OUTSIDE
    if b2b and vat_number and valid_eu_vat_number(vat_number) and vat_number_country(vat_number) != "FR":
        return REVERSE
    return TAXABLE


@lru_cache(maxsize=4096)
def legal_rates(country: str, postcode: str | None, on: date) -> tuple[Decimal, ...]:
    return vat_rates.rates(country, on)


def tolerance(quantity: int) -> Decimal:
    return CENT * max(1, quantity)


@lru_cache(maxsize=65536)  # prices and taxes repeat across an export
def snap(ttc: Decimal, tax: Decimal, quantity: int, rates: tuple[Decimal, ...]) -> Decimal | None:
    """The legal rate r with |TTC×r/(100+r) − tax| ≤ 0.01×max(1, qty), the closest one; else None."""
    best, best_gap = None, None
    limit = tolerance(quantity)
    for r in rates:
        gap = abs(ttc * r / (HUNDRED + r) - tax)
        if gap <= limit and (best_gap is None or gap < best_gap):
            best, best_gap = r, gap
    return best


def implied_rate(ttc: Decimal, tax: Decimal) -> Decimal | None:
    ht = ttc - tax
    if ht == 0:
        return None
    return (tax * HUNDRED / ht).quantize(CENT, rounding=ROUND_HALF_UP)


def split_ttc(ttc: Decimal, rate: Decimal) -> tuple[Decimal, Decimal]:
    """(HT, TVA) of a TTC amount at `rate`, HT rounded half-up, TVA the exact remainder."""
    ht = money(ttc * HUNDRED / (HUNDRED + rate))
    return ht, ttc - ht


def derive_rate(wanted: Decimal, rates: tuple[Decimal, ...]) -> Decimal:
    """The product's (or default) rate if it is legal at the destination, else the standard rate."""
    return wanted if wanted in rates else rates[0]


def fmt_rate(rate: Decimal) -> str:
    text = format(rate.normalize(), "f")
    return text.replace(".", ",")


def fmt_money(x: Decimal) -> str:
    return format(x, "f").replace(".", ",")


def allocate(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Split `total` (cents) pro rata of `weights`, the rounding left on the largest part, to the cent."""
    if not weights:
        return []
    s = sum(weights)
    if s == 0:
        parts = [Decimal(0)] * len(weights)
        parts[0] = total
        return parts
    parts = [money(total * w / s) for w in weights]
    biggest = max(range(len(weights)), key=lambda i: abs(weights[i]))
    parts[biggest] += total - sum(parts)
    return parts
