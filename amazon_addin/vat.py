"""VAT arithmetic of one amount (SPEC §7 "Money and VAT"): rounding, snapping to a legal rate, HT/TVA split.

Every quantize here is explicit ROUND_HALF_UP. The rules that decide *which* rate and regime apply live in
`regimes.py` (the sale) and `booking.py` (each line); this module only knows numbers.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

CENT = Decimal("0.01")
UNIT = Decimal("0.0001")
HUNDRED = Decimal(100)
ZERO = Decimal("0.00")


def money(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def unit_price_ht(ht: Decimal, quantity: int) -> Decimal:
    """`prix_unitaire_ht`: the line's HT over its quantity, half-up to 4 decimals (SPEC §7)."""
    return (ht if quantity == 1 else ht / quantity).quantize(UNIT, rounding=ROUND_HALF_UP)


@lru_cache(maxsize=1024)
def valid_eu_vat_number(number: str) -> bool:
    from stdnum.eu import vat as eu_vat

    return bool(number) and eu_vat.is_valid(number)


def vat_number_country(number: str) -> str:
    """ISO country of a VAT number's prefix (`EL` is Greece, `XI` Northern Ireland)."""
    from stdnum.eu import vat as eu_vat

    cc = eu_vat.compact(number)[:2].upper()
    return "GR" if cc == "EL" else cc


def compact_vat_number(number: str) -> str:
    from stdnum.eu import vat as eu_vat

    return eu_vat.compact(number).upper()


def tolerance(quantity: int) -> Decimal:
    """The snap and consistency tolerance of a line: 0.01 × max(1, quantity)."""
    return CENT if quantity <= 1 else CENT * quantity


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


@lru_cache(maxsize=65536)
def split_ttc(ttc: Decimal, rate: Decimal) -> tuple[Decimal, Decimal]:
    """(HT, TVA) of a TTC amount at `rate`, French practice: VAT = TTC × r / (100 + r) rounded half-up to the
    cent, HT = TTC − VAT (12.03 at 20 % → VAT 2.01, HT 10.02)."""
    tva = money(ttc * rate / (HUNDRED + rate))
    return ttc - tva, tva


def consistent(ht: Decimal, tva: Decimal, rate: Decimal, quantity: int) -> bool:
    """A stored line is consistent at its own rate: |TVA − HT × rate / 100| ≤ 0.01 × max(1, quantity)."""
    return abs(tva - ht * rate / HUNDRED) <= (CENT if quantity <= 1 else CENT * quantity)  # tolerance(), inlined


def fmt_rate(rate: Decimal) -> str:
    text = format(rate.normalize(), "f")
    return text.replace(".", ",")


def fmt_money(x: Decimal) -> str:
    return format(x, "f").replace(".", ",")


def allocate(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Split `total` pro rata of `weights`, each part half-up to the cent, the last part taking the remainder
    (SPEC §7); all weights zero: the whole on the first part."""
    if not weights:
        return []
    s = sum(weights)
    if s == 0:
        return [total] + [ZERO] * (len(weights) - 1)
    parts = [money(total * w / s) for w in weights[:-1]]
    return parts + [total - sum(parts, ZERO)]
