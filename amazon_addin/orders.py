"""Group typed rows into orders with Decimal invoice lines (SPEC §3, §7 "Money and VAT").

Line TTC amounts are Amazon's own amounts, so invoice totals equal Amazon's to the cent; HT and VAT
come from Amazon when it gives them, else from the snapped or derived rate. What had to be derived or
adjusted is recorded as `Note`s, which Vérifier turns into findings.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Callable

from . import findings as F
from . import vat as V
from .settings import Settings

ZERO = Decimal("0.00")
UNIT = Decimal("0.0001")


@dataclass
class Note:
    row: int
    column: str
    kind: type[F.Finding]
    params: dict
    suggestion: str | None = None


@dataclass(slots=True)
class Line:
    kind: str  # "item", "gift", "promo", "shipping"
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


@dataclass(slots=True)
class Address:
    name: str
    line1: str
    line2: str
    postcode: str
    city: str
    region: str
    country: str
    phone: str


@dataclass(slots=True)
class Order:
    order_id: str
    channel: str
    rows: list[int]
    purchase: datetime
    invoice_date: date
    currency: str
    regime: str
    buyer_name: str
    buyer_email: str
    buyer_phone: str
    shipping: Address
    billing: Address
    b2b: bool
    company: str
    vat_number: str
    po_number: str
    instructions: str
    lines: list[Line] = field(default_factory=list)
    amazon_ttc: Decimal = ZERO

    @property
    def total_ht(self) -> Decimal:
        return sum((l.ht for l in self.lines), ZERO)

    @property
    def total_tva(self) -> Decimal:
        return sum((l.tva for l in self.lines), ZERO)

    @property
    def total_ttc(self) -> Decimal:
        return sum((l.ttc for l in self.lines), ZERO)


def _t(v) -> str:
    return "" if v is None else str(v).strip()


def _address(C: dict, i: int, prefix: str, name_key: str) -> Address:
    line2, line3 = C[f"{prefix}-address-2"][i] or "", C[f"{prefix}-address-3"][i] or ""
    return Address(
        name=C[name_key][i] or "",
        line1=C[f"{prefix}-address-1"][i] or "",
        line2=f"{line2} {line3}" if line2 and line3 else line2 or line3,
        postcode=C[f"{prefix}-postal-code"][i] or "",
        city=C[f"{prefix}-city"][i] or "",
        region=C[f"{prefix}-state"][i] or "",
        country=(C[f"{prefix}-country"][i] or "").upper(),
        phone=C[f"{prefix}-phone-number"][i] or "",
    )


def _money(v) -> Decimal | None:
    return v if isinstance(v, Decimal) else None


class _Columns(dict):
    """Typed columns by name; an absent column reads as all None (a shared list, never written)."""

    def __init__(self, cols: dict, n: int):
        super().__init__(cols)
        self._none = [None] * n

    def __missing__(self, name):
        return self._none


class _Builder:
    def __init__(self, settings: Settings, product_rate: Callable[[str], Decimal | None] | None, cols: dict, n: int):
        self.settings = settings
        self.C = _Columns(cols, n)
        self.product_rate = product_rate or (lambda sku: None)
        self.notes: list[Note] = []

    # One amount (item, gift wrap) → HT/TVA/rate, with notes on the tax cell.
    def _taxed(self, row: int, ttc: Decimal, tax: Decimal | None, ht_amz: Decimal | None, qty: int,
               regime: str, rates: tuple, wanted: Decimal, country: str, day: date,
               tax_col: str, ttc_col: str) -> tuple[Decimal, Decimal, Decimal, bool]:
        if regime != V.TAXABLE:
            if tax:
                rate = V.implied_rate(ttc, tax) or Decimal(0)
                ht = self._reconcile(row, ttc, tax, ht_amz, tax_col)
                return ht, ttc - ht, rate, False
            return ttc, ZERO, Decimal(0), False
        if tax is None or (tax == 0 and ttc != 0):
            rate = V.derive_rate(wanted, rates)
            ht, tva = V.split_ttc(ttc, rate)
            # A suggestion replaces only the value it corrects: the derived VAT goes in the tax cell, never in
            # the price; without a tax column the finding sits on the price, with nothing to write.
            col, suggestion = (tax_col, format(tva, "f")) if tax_col in self.C else (ttc_col, None)
            self.notes.append(Note(row, col, F.VatComputed, {
                "country": country, "rate": V.fmt_rate(rate), "tva": V.fmt_money(tva),
                "ttc": V.fmt_money(ttc)}, suggestion=suggestion))
            return ht, tva, rate, True
        rate = V.snap(ttc, tax, qty, rates)
        if rate is None:
            implied = V.implied_rate(ttc, tax)
            self.notes.append(Note(row, tax_col, F.VatRate, {
                "tva": V.fmt_money(tax), "ttc": V.fmt_money(ttc),
                "rate": V.fmt_rate(implied) if implied is not None else "?", "country": country,
                "day": day.strftime("%d/%m/%Y"), "legal": ", ".join(V.fmt_rate(r) + " %" for r in rates)}))
            rate = implied if implied is not None else Decimal(0)
        ht = self._reconcile(row, ttc, tax, ht_amz, tax_col)
        return ht, ttc - ht, rate, False

    def _reconcile(self, row: int, ttc: Decimal, tax: Decimal, ht_amz: Decimal | None, tax_col: str) -> Decimal:
        """HT to store; when Amazon's HT + TVA misses TTC by a cent, TTC wins and the gap is stated."""
        if ht_amz is None:
            return ttc - tax
        gap = ttc - (ht_amz + tax)
        if gap != 0:
            self.notes.append(Note(row, tax_col, F.RoundingGap, {
                "gap": V.fmt_money(gap), "ht": V.fmt_money(ht_amz), "tva": V.fmt_money(tax),
                "ttc": V.fmt_money(ttc), "fixed": V.fmt_money(ttc - ht_amz)}, suggestion=format(ttc - ht_amz, "f")))
        return ht_amz

    def build(self, rows: list) -> Order:
        s, C = self.settings, self.C
        i = rows[0].index
        purchase: datetime = C["purchase-date"][i]
        day = purchase.astimezone(s.zone).date()
        ship = _address(C, i, "ship", "recipient-name")
        bill = _address(C, i, "bill", "bill-name")
        buyer = C["buyer-name"][i] or ""
        if not (bill.line1 or bill.city or bill.postcode):
            # Billing falls back to shipping as a whole block (SPEC §7).
            bill = replace(ship, name=bill.name or buyer or ship.name)
        elif not bill.name:
            bill.name = buyer or ship.name
        b2b = bool(C["is-business-order"][i])
        vat_number = C["buyer-tax-registration-id"][i] or ""
        regime = V.regime(ship.country, ship.postcode, b2b, vat_number)
        rates = V.legal_rates(ship.country, ship.postcode, day) if regime == V.TAXABLE else (Decimal(0),)
        order = Order(
            order_id=C["order-id"][i], channel=C["sales-channel"][i] or s.canal_defaut,
            rows=[r.number for r in rows], purchase=purchase, invoice_date=day,
            currency=(C["currency"][i] or "").upper(), regime=regime,
            buyer_name=buyer, buyer_email=C["buyer-email"][i] or "",
            buyer_phone=C["buyer-phone-number"][i] or "", shipping=ship, billing=bill, b2b=b2b,
            company=C["buyer-company-name"][i] or "", vat_number=vat_number,
            po_number=C["purchase-order-number"][i] or "", instructions=C["delivery-instructions"][i] or "",
        )
        country = ship.country
        items, gifts, promos = [], [], []
        amazon = ZERO
        qty_c, ttc_c, sku_c, name_c = C["quantity-purchased"], C["item-price"], C["sku"], C["product-name"]
        tax_c, ht_c = C["item-tax"], C["vat-exclusive-item-price"]
        gift_c, gift_tax_c = C["gift-wrap-price"], C["gift-wrap-tax"]
        ipromo_c, spromo_c = C["item-promotion-discount"], C["ship-promotion-discount"]
        for r in rows:
            j = r.index
            qty, ttc, sku = qty_c[j], ttc_c[j], sku_c[j]
            amazon += ttc
            wanted = self.product_rate(sku)
            wanted = s.taux_tva_defaut if wanted is None else wanted
            ht, tva, rate, derived = self._taxed(
                r.number, ttc, tax_c[j], ht_c[j], qty, regime, rates, wanted, country, day, "item-tax", "item-price")
            items.append(Line("item", sku, name_c[j], qty, (ht / qty).quantize(UNIT), ht, tva, ttc, rate, r.number,
                              derived))
            gift = gift_c[j]
            if gift:
                amazon += gift
                ght, gtva, grate, gder = self._taxed(
                    r.number, gift, gift_tax_c[j], None, 1, regime, rates, rate, country, day,
                    "gift-wrap-tax", "gift-wrap-price")
                gifts.append(Line("gift", s.produit_emballage, "Emballage cadeau", 1, ght.quantize(UNIT), ght,
                                  gtva, gift, grate, r.number, gder))
            promo = abs(ipromo_c[j] or ZERO) + abs(spromo_c[j] or ZERO)
            if promo:
                amazon -= promo
                pht, ptva = V.split_ttc(promo, rate)
                promos.append(Line("promo", s.produit_remise, f"Remise {sku}", 1, -pht.quantize(UNIT),
                                   -pht, -ptva, -promo, rate, r.number))
        shipping, ship_ttc = self._shipping(rows, items, regime, rates, country, day)
        order.lines = items + gifts + promos + shipping
        order.amazon_ttc = amazon + ship_ttc
        return order

    def _shipping(self, rows, items, regime, rates, country, day) -> tuple[list[Line], Decimal]:
        s, C = self.settings, self.C
        price_c = C["shipping-price"]
        if len(rows) == 1:  # the common case, often with free shipping: no lists, no sums
            ttc = price_c[rows[0].index] or ZERO
            if not ttc:
                return [], ZERO
        idx = [r.index for r in rows]
        prices = [price_c[j] for j in idx]
        ttc = sum((p for p in prices if p is not None), ZERO)
        if ttc == 0:
            return [], ttc
        taxes = [C["shipping-tax"][j] for j in idx]
        tax = None if all(t is None for t in taxes) else sum((t or ZERO for t in taxes), ZERO)
        hts = [C["vat-exclusive-shipping-price"][j] for j in idx]
        ht_amz = None if all(h is None for h in hts) else sum((h or ZERO for h in hts), ZERO)
        row = next((r.number for r, p in zip(rows, prices) if p), rows[0].number)
        label = "Frais de port"

        def line(ht, tva, part_ttc, rate, derived=False):
            return Line("shipping", s.produit_port, label, 1, ht.quantize(UNIT), ht, tva, part_ttc, rate, row, derived)

        if regime != V.TAXABLE:
            ht, tva, rate, _ = self._taxed(row, ttc, tax, ht_amz, 1, regime, rates, Decimal(0), country, day,
                                           "shipping-tax", "shipping-price")
            return [line(ht, tva, ttc, rate)], ttc
        # Rates of the items, weighted by their HT, decide how shipping is taxed when Amazon does not say.
        by_rate: dict[Decimal, Decimal] = {}
        for it in items:
            by_rate[it.rate] = by_rate.get(it.rate, ZERO) + it.ht
        if tax is not None and tax != 0:
            rate = V.snap(ttc, tax, 1, rates)
            if rate is not None:
                ht = self._reconcile(row, ttc, tax, ht_amz, "shipping-tax")
                return [line(ht, ttc - ht, ttc, rate)], ttc
            # Mixed-rate order: split TTC and tax pro rata of the items' HT by rate, to the cent.
            keys = sorted(by_rate, reverse=True) or [rates[0]]
            weights = [by_rate.get(k, Decimal(1)) for k in keys]
            ttcs, taxes_ = V.allocate(ttc, weights), V.allocate(tax, weights)
            return [line(t - x, x, t, k) for k, t, x in zip(keys, ttcs, taxes_) if t], ttc
        # Amazon gave no shipping VAT on a taxable sale: derive it at the items' rates.
        keys = sorted(by_rate, reverse=True) or [rates[0]]
        weights = [by_rate.get(k, Decimal(1)) for k in keys]
        out = []
        for k, part in zip(keys, V.allocate(ttc, weights)):
            if part:
                ht, tva = V.split_ttc(part, k)
                out.append(line(ht, tva, part, k, True))
        total_tva = sum((l.tva for l in out), ZERO)
        # The order's shipping VAT fits one cell only when one row carries the shipping, at one rate.
        has_tax_col = "shipping-tax" in C
        col = "shipping-tax" if has_tax_col else "shipping-price"
        single = has_tax_col and len(keys) == 1 and sum(1 for p in prices if p) == 1
        self.notes.append(Note(row, col, F.VatComputed, {
            "country": country, "rate": "/".join(V.fmt_rate(k) for k in keys), "tva": V.fmt_money(total_tva),
            "ttc": V.fmt_money(ttc)}, suggestion=format(total_tva, "f") if single else None))
        return out, ttc


def build_orders(groups: list[list], settings: Settings,
                 product_rate: Callable[[str], Decimal | None] | None = None, cols: dict | None = None,
                 n: int = 0) -> tuple[list[Order], list[Note]]:
    """`groups`: lists of typed rows (indices into `cols`, the typed columns), one list per order, rows
    already free of blocking errors."""
    b = _Builder(settings, product_rate, cols or {}, n)
    orders = [b.build(g) for g in groups]
    return orders, b.notes
