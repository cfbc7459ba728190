"""The money rules of SPEC §7 "Money and VAT", one function per rule, each quoting the rule it applies.

An `Amount` is one pair of Amazon cells (a price TTC and its tax) on one row; a rule turns it into the HT,
VAT and rate a stored line carries, and says what it had to decide as `Note`s that Vérifier shows on the
tax cell. `orders.py` walks an order's rows and calls these rules; it holds no rule of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache

from . import findings as F
from . import vat as V
from .regimes import DEEMED, Regime

ZERO = V.ZERO
SANE_RATE_LIMIT = Decimal(30)  # no EU rate exceeds 27 %


@dataclass
class Note:
    row: int
    column: str
    kind: type[F.Finding]
    params: dict
    suggestion: str | None = None


@dataclass(slots=True)
class Line:
    kind: str  # "item", "gift", "promo", "ship_promo", "shipping"
    product_code: str
    label: str
    quantity: int
    unit_ht: Decimal
    ht: Decimal
    tva: Decimal
    ttc: Decimal
    rate: Decimal
    row: int
    derived: bool = False


@dataclass(slots=True)  # not frozen: a frozen dataclass's __init__ costs a call per field, and rows make 100k
class Amount:
    """One TTC amount of a row and the tax and HT Amazon gave with it (None: not given)."""

    row: int
    ttc: Decimal
    tax: Decimal | None
    ht: Decimal | None
    qty: int
    price_col: str
    tax_col: str

    @property
    def untaxed(self) -> bool:
        """Amazon gave no tax, or 0 on a non-zero amount."""
        return self.tax is None or (self.tax == 0 and self.ttc != 0)


@dataclass(slots=True)
class Taxed:
    ht: Decimal
    tva: Decimal
    rate: Decimal
    derived: bool = False


@dataclass
class Context:
    """The sale the rules book for, and where their notes go."""

    regime: Regime
    day: date
    notes: list[Note] = field(default_factory=list)

    def note(self, a: Amount, column: str, kind: type[F.Finding], suggestion: Decimal | str | None = None,
             **params) -> None:
        text = None if suggestion is None else (format(suggestion, "f") if isinstance(suggestion, Decimal)
                                                else suggestion)
        self.notes.append(Note(a.row, column, kind, params, text))

    def legal(self) -> str:
        return ", ".join(V.fmt_rate(r) + " %" for r in self.regime.rates)

    @property
    def key(self) -> tuple:
        """What the rules' results depend on besides the amounts and rate: a `Memo` key. The day is left out:
        it only words some notes (the regime already holds the rates of its day)."""
        r = self.regime
        return r.code, r.rates, r.rates_country, r.catalogue, r.why


class Memo:
    """A rule is a function of one amount, a rate and the sale (`Context.key`): exports repeat their amounts
    (shipping above all), so each distinct call is worked out once per export and its result shared (no caller
    changes a `Taxed`). A call that said something (a note, worded with its row and day) is worked out again
    each time."""

    def __init__(self):
        self._seen: dict[tuple, tuple] = {}

    def __call__(self, rule, a: Amount, rate: Decimal, ctx: Context, ctx_key: tuple):
        key = (rule, a.ttc, a.tax, a.ht, a.qty, a.price_col, a.tax_col, rate, ctx_key)
        hit = self._seen.get(key)
        if hit is None or hit[1]:
            notes = ctx.notes
            mark = len(notes)
            result = rule(a, rate, ctx)
            if hit is None:
                self._seen[key] = (result, len(notes) > mark)
            return result
        return hit[0]


# ------------------------------------------------------------------------------------ tax sanity

def tax_from_ht(ttc: Decimal | None, tax: Decimal | None, ht: Decimal | None) -> Decimal | None:
    """"HT given, tax empty: tax = TTC − `vat-exclusive-*`, then snapped and checked like any tax." """
    if tax is None and ttc is not None and ht is not None:
        return ttc - ht
    return tax


@lru_cache(maxsize=65536)  # amounts repeat across an export
def tax_sanity(ttc: Decimal, tax: Decimal, qty: int, rates: tuple[Decimal, ...]) -> str | None:
    """"Tax sanity: on any amount pair (item, shipping, gift wrap) a tax ≥ its TTC (TTC > 0), a negative tax on
    a positive TTC, or an implied rate above 30 % that no legal rate explains within the snap tolerance (tiny
    amounts: 0.01 on 0.03 snaps to 20 %) is an error `E_TVA_INCOHERENTE` on the tax cell." Returns the case
    of the finding, or None when the tax is sane."""
    if tax < 0:
        return "negative"
    if ttc > 0 and tax >= ttc:
        return "above_ttc"
    implied = V.implied_rate(ttc, tax)
    if implied is not None and implied > SANE_RATE_LIMIT and V.snap(ttc, tax, qty, rates) is None:
        return "too_high"
    return None


# ----------------------------------------------------------------------------------------- rates

def derived_vat(a: Amount, rate: Decimal, ctx: Context, suggest: bool = True) -> Taxed:
    """"Derived VAT (Amazon gave none): VAT = TTC × r / (100 + r) rounded half-up to the cent, HT = TTC − VAT
    (French practice: VAT from the TTC)." Said by `W_TVA_CALCULEE` on the tax cell, the VAT as suggestion
    (never on the price cell: Corriger writes a suggestion into the cell it sits on)."""
    ht, tva = V.split_ttc(a.ttc, rate)
    if a.ttc != 0:
        ctx.note(a, a.tax_col, F.VatComputed, tva if suggest else None, case="one", country=ctx.regime.rates_country,
                 rate=V.fmt_rate(rate), tva=V.fmt_money(tva), ttc=V.fmt_money(a.ttc))
    return Taxed(ht, tva, rate, True)


def amazon_tax_at_rate(a: Amount, rate: Decimal, ctx: Context) -> Taxed:
    """"Snapping never changes a TTC": Amazon's tax is kept at the snapped rate, with Amazon's HT when given
    (HT + tax one cent off the TTC: the TTC wins, `I_ECART_ARRONDI`). "Every stored line is consistent at its own
    rate [...]. A line that cannot be made consistent without changing Amazon's amounts is a finding": when
    Amazon's split is not, the VAT is taken from the TTC at that rate and `I_ECART_ARRONDI` states it."""
    gap = a.ht is not None and a.ttc - (a.ht + a.tax) != 0
    ht = a.ht if gap else a.ttc - a.tax
    if V.consistent(ht, a.ttc - ht, rate, a.qty):
        if gap:  # one note, saying what is stored: the gap note only when that split is the one booked
            ctx.note(a, a.tax_col, F.RoundingGap, a.ttc - ht, case="gap", gap=V.fmt_money(a.ttc - (ht + a.tax)),
                     ht=V.fmt_money(ht), tva=V.fmt_money(a.tax), ttc=V.fmt_money(a.ttc),
                     fixed=V.fmt_money(a.ttc - ht))
        return Taxed(ht, a.ttc - ht, rate)
    fixed_ht, fixed = V.split_ttc(a.ttc, rate)
    # The note sits on the cell whose value is not booked: Amazon's HT when it gave one, else its tax; its
    # suggestion is what is booked there, so that writing it removes the note and changes no TTC.
    col, suggestion = (HT_COLUMN[a.price_col], fixed_ht) if gap and a.price_col in HT_COLUMN else (a.tax_col, fixed)
    ctx.note(a, col, F.RoundingGap, suggestion, case="rate", tva=V.fmt_money(a.ttc - ht), rate=V.fmt_rate(rate),
             ht=V.fmt_money(ht), fixed=V.fmt_money(fixed), ttc=V.fmt_money(a.ttc))
    return Taxed(fixed_ht, fixed, rate)


HT_COLUMN = {"item-price": "vat-exclusive-item-price", "shipping-price": "vat-exclusive-shipping-price"}


def catalogue_rate_rules_french_sale(a: Amount, rate: Decimal, ctx: Context) -> Taxed:
    """"Rate of a French sale: a product known in Gestan with a rate → that rate is the line's rate (the
    seller's catalogue is the legal reference, CGI art. 278 ff.) and VAT = TTC × r / (100 + r); Amazon's tax
    beyond the snap tolerance is `W_TAUX_TVA` naming both rates, and is never printed." """
    if a.untaxed:
        return derived_vat(a, rate, ctx)
    ht, tva = V.split_ttc(a.ttc, rate)
    if V.snap(a.ttc, a.tax, a.qty, (rate,)) is None:
        amazon = V.snap(a.ttc, a.tax, a.qty, ctx.regime.rates) or V.implied_rate(a.ttc, a.tax)
        ctx.note(a, a.tax_col, F.VatRate, tva, case="catalogue", tva=V.fmt_money(a.tax), ttc=V.fmt_money(a.ttc),
                 rate=V.fmt_rate(amazon) if amazon is not None else "?", wanted=V.fmt_rate(rate),
                 fixed=V.fmt_money(tva))
    return Taxed(ht, tva, rate)


def rate_snaps_to_legal_rate(a: Amount, wanted: Decimal, ctx: Context) -> Taxed:
    """"A new product, or an OSS sale: the rate snaps to a legal rate r of the regime when |TTC×r/(100+r) −
    tax| ≤ 0.01×max(1, qty)." No tax from Amazon: derived at the product's (or default) rate when it is legal
    at the destination, else at the standard rate. A tax no legal rate explains is kept as Amazon gave it
    (`W_TAUX_TVA`) at its implied rate, unless no two-decimal rate holds it consistently (`E_TVA_INCOHERENTE`)."""
    rates = ctx.regime.rates
    if a.untaxed:
        return derived_vat(a, wanted if wanted in rates else rates[0], ctx)
    rate = V.snap(a.ttc, a.tax, a.qty, rates)
    if rate is not None:
        return amazon_tax_at_rate(a, rate, ctx)
    implied = V.implied_rate(a.ttc, a.tax) or Decimal(0)
    ht = a.ttc - a.tax if a.ht is None else a.ht
    if not V.consistent(ht, a.ttc - ht, implied, a.qty):
        standard = V.split_ttc(a.ttc, rates[0])[1]
        ctx.note(a, a.tax_col, F.VatMismatch, standard, case="unbookable", tva=V.fmt_money(a.tax),
                 ttc=V.fmt_money(a.ttc), implied=V.fmt_rate(implied), rate=V.fmt_rate(rates[0]),
                 fixed=V.fmt_money(standard))
    else:
        ctx.note(a, a.tax_col, F.VatRate, case="not_legal", tva=V.fmt_money(a.tax), ttc=V.fmt_money(a.ttc),
                 rate=V.fmt_rate(implied), country=ctx.regime.rates_country, day=ctx.day.strftime("%d/%m/%Y"),
                 legal=ctx.legal())
    return Taxed(ht, a.ttc - ht, implied)


# ------------------------------------------------------------------------------ zero-rated sales

def zero_rated_refuses_amazon_vat(a: Amount, ctx: Context) -> Taxed:
    """"Amazon charged VAT where the regime says 0 % otherwise (export, DOM, reverse charge): error
    `E_TVA_REGIME` on the tax cell saying which regime applies and why [...], with suggestion `0.00`: printing
    a VAT makes it due (CGI art. 283-3), so nothing is booked until the user fixes the cell (then HT = TTC)."
    Franchise sellers too: "French sales at 0 % (`FRANCHISE`), HT = TTC"."""
    if a.tax:
        # 0.00 in the tax cell fixes the row only when Amazon gave no HT of its own: with one (TTC − tax), the
        # row would then fail its VAT arithmetic, so two cells must change and nothing is written for the user.
        fix = "0.00" if a.ht is None or a.ht == a.ttc else None
        ctx.note(a, a.tax_col, F.WrongRegimeVat, fix, tva=V.fmt_money(a.tax), regime=ctx.regime.code,
                 why=ctx.regime.why)
    return Taxed(a.ttc, ZERO, Decimal(0))


def deemed_supplier_line(a: Amount) -> Taxed:
    """"Booked as `DEEMED` 0 %: HT = TTC − Amazon's tax, no VAT on the invoice, Amazon's tax kept in
    `factures.taxe_marketplace`." """
    return Taxed(a.ttc - (a.tax or ZERO), ZERO, Decimal(0))


def item_taxed(a: Amount, ctx: Context, catalogue_rate: Decimal | None, default_rate: Decimal) -> Taxed:
    """An item's HT, VAT and rate under the sale's regime."""
    regime = ctx.regime
    if regime.code == DEEMED:
        return deemed_supplier_line(a)
    if not regime.taxable:
        return zero_rated_refuses_amazon_vat(a, ctx)
    if regime.catalogue and catalogue_rate is not None:
        return catalogue_rate_rules_french_sale(a, catalogue_rate, ctx)
    return rate_snaps_to_legal_rate(a, catalogue_rate if catalogue_rate is not None else default_rate, ctx)


# ------------------------------------------------------------------- shipping, gift wrap, promotions

def accessory_follows_row_rate(a: Amount, item_rate: Decimal, ctx: Context) -> Taxed | None:
    """"Shipping belongs to its row: each row's shipping-price/shipping-tax is taxed at that row's item rate
    (the accessory follows its principal, as Amazon's own VAT calculation does). [...] A row's shipping tax
    that implies another legal rate: kept as Amazon gave it, `W_TAUX_TVA` on that row's shipping-tax cell."
    "Gift wrap [...] at its row's item rate." None when Amazon gave no tax on a taxable sale: the caller
    derives it."""
    regime = ctx.regime
    if regime.code == DEEMED:
        return deemed_supplier_line(a)
    if not regime.taxable:
        return zero_rated_refuses_amazon_vat(a, ctx)
    if a.untaxed:
        return None
    if V.snap(a.ttc, a.tax, a.qty, (item_rate,)) is not None:
        return amazon_tax_at_rate(a, item_rate, ctx)
    other = V.snap(a.ttc, a.tax, a.qty, regime.rates)
    if other is not None:
        ctx.note(a, a.tax_col, F.VatRate, case="other_rate", tva=V.fmt_money(a.tax), ttc=V.fmt_money(a.ttc),
                 rate=V.fmt_rate(other), wanted=V.fmt_rate(item_rate))
        return amazon_tax_at_rate(a, other, ctx)
    return rate_snaps_to_legal_rate(a, item_rate, ctx)


def gift_wrap_follows_row_rate(a: Amount, item_rate: Decimal, ctx: Context) -> Taxed:
    """"Gift wrap: product `produit_emballage`, at its row's item rate" (derived there when Amazon gave no tax)."""
    taxed = accessory_follows_row_rate(a, item_rate, ctx)
    return taxed if taxed is not None else derived_vat(a, item_rate, ctx)


def untaxed_shipping_split_pro_rata(total: Decimal, items_ttc_by_rate: dict[Decimal, Decimal]) -> list[
        tuple[Decimal, Decimal]]:
    """"Shipping with no tax information on a mixed-rate order: split across the rates pro rata of the items'
    TTC, half-up, the last part taking the remainder, VAT derived per part (`W_TVA_CALCULEE`)." Rates from the
    highest; returns (rate, part TTC)."""
    rates = sorted(items_ttc_by_rate, reverse=True)
    return list(zip(rates, V.allocate(total, [items_ttc_by_rate[r] for r in rates])))


def summed_line_stays_consistent(ht: Decimal, tva: Decimal, rate: Decimal, first: Amount,
                                 ctx: Context) -> tuple[Decimal, Decimal]:
    """"Shipping lines are one per rate present, summing the rows at that rate." Rows consistent one by one
    may add up to a sum a cent or two off its rate: then the line's VAT is taken from its TTC at that rate,
    stated by `I_ECART_ARRONDI` (the TTC stays Amazon's)."""
    if V.consistent(ht, tva, rate, 1):
        return ht, tva
    ttc = ht + tva
    fixed_ht, fixed = V.split_ttc(ttc, rate)
    ctx.note(first, first.tax_col, F.RoundingGap, case="rate", tva=V.fmt_money(tva), rate=V.fmt_rate(rate),
             ht=V.fmt_money(ht), fixed=V.fmt_money(fixed), ttc=V.fmt_money(ttc))
    return fixed_ht, fixed


def promotion_line(kind: str, product: str, label: str, promo: Decimal, rate: Decimal, row: int) -> Line:
    """"`item-promotion-discount` reduces its item (negative line at the item's rate, product `produit_remise`);
    `ship-promotion-discount` reduces that row's shipping (negative shipping line at the row's shipping rate,
    shipping product)." VAT derived from the promotion's TTC at that rate."""
    ht, tva = V.split_ttc(promo, rate)
    return Line(kind, product, label, 1, V.unit_price_ht(-ht, 1), -ht, -tva, -promo, rate, row)


def promotion_not_larger(promo: Decimal, discounted: Decimal, what: str, a: Amount, ctx: Context) -> None:
    """"A promotion larger than what it discounts: warning." """
    if promo > discounted:
        ctx.note(a, a.price_col, F.ExcessivePromotion, promo=V.fmt_money(promo), what=what,
                 amount=V.fmt_money(discounted))


def shipping_line(product: str, ht: Decimal, tva: Decimal, rate: Decimal, row: int, derived: bool) -> Line:
    return Line("shipping", product, "Frais de port", 1, V.unit_price_ht(ht, 1), ht, tva, ht + tva, rate, row,
                derived)


LINE_ORDER = {"item": 0, "gift": 1, "promo": 2, "ship_promo": 2, "shipping": 3}


def line_order(lines: list[Line]) -> list[Line]:
    """"Line order: items in file order, gift wrap, promotions, shipping." (A stable sort keeps file order.)"""
    return sorted(lines, key=lambda l: LINE_ORDER[l.kind])
