"""Group typed rows into orders with Decimal invoice lines (SPEC §3, §7 "Money and VAT").

Line TTC amounts are Amazon's own amounts, so invoice totals equal Amazon's to the cent (less the tax a
marketplace collected, for `DEEMED` sales). The regime comes from `regimes.py`, every line from a rule of
`booking.py`; this module only walks the rows. What had to be derived or adjusted is recorded as `Note`s,
which Vérifier turns into findings.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Callable

from . import booking as B
from . import exchange
from . import findings as F
from . import vat as V
from . import vat_rates
from .booking import Amount, Line, Note  # noqa: F401  (Line and Note are part of this module's interface)
from .regimes import DEEMED, IC, Regime, Sale, choose_regime
from .settings import Settings
from .vies import Answer

ZERO = V.ZERO
UNIT = V.UNIT


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
    source: str = "ship"  # the export's columns it comes from: "ship" or "bill"


@dataclass(slots=True)
class Order:
    order_id: str
    channel: str
    rows: list[int]
    purchase: datetime
    sale_date: date  # `date_vente`: drives the rates, the exchange rate and the VAT period
    invoice_date: date  # the issue date (setting `date_facture`)
    currency: str
    regime: str  # `factures.regime`
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
    vat: Regime | None = None
    lines: list[Line] = field(default_factory=list)
    amazon_ttc: Decimal = ZERO  # items + shipping + gift wrap − promotions, as Amazon gave them
    taxe_marketplace: Decimal = ZERO  # the tax a marketplace deemed supplier collected (`DEEMED`)
    taux_change: Decimal | None = None  # units of the currency per 1 EUR (ECB), 1 for EUR
    fba: bool = False  # fulfilled by Amazon (`factures.expedie_par_amazon`): its stock left Amazon's warehouse

    @property
    def total_ht(self) -> Decimal:
        return sum((l.ht for l in self.lines), ZERO)

    @property
    def total_tva(self) -> Decimal:
        return sum((l.tva for l in self.lines), ZERO)

    @property
    def total_ttc(self) -> Decimal:
        return sum((l.ttc for l in self.lines), ZERO)

    @property
    def mention(self) -> str | None:
        return self.vat.mention if self.vat is not None else None

    @property
    def vies(self) -> Answer | None:
        return self.vat.vies if self.vat is not None and self.regime == IC else None

    def euros(self) -> tuple[Decimal, Decimal, Decimal] | None:
        """(HT, TVA, TTC) in euros at `taux_change`, each half-up to the cent; TTC = HT + TVA."""
        if self.taux_change is None:
            return None
        ht, tva = exchange.to_euros(self.total_ht, self.taux_change), exchange.to_euros(self.total_tva, self.taux_change)
        return ht, tva, ht + tva


_ADDRESS_FIELDS = ("address-1", "address-2", "address-3", "postal-code", "city", "state", "country", "phone-number")


def _address_columns(C: dict, prefix: str, name_key: str) -> tuple:
    """The typed columns one address is read from, looked up once per export."""
    return (prefix, C[name_key], *(C[f"{prefix}-{f}"] for f in _ADDRESS_FIELDS))


def _address(cols: tuple, i: int) -> Address:
    prefix, name, line1, line2, line3, postcode, city, region, country, phone = cols
    line2, line3 = line2[i] or "", line3[i] or ""
    return Address(name[i] or "", line1[i] or "", f"{line2} {line3}" if line2 and line3 else line2 or line3,
                   postcode[i] or "", city[i] or "", region[i] or "", (country[i] or "").upper(), phone[i] or "",
                   prefix)


class _Columns(dict):
    """Typed columns by name; an absent column reads as all None (a shared list, never written)."""

    def __init__(self, cols: dict, n: int):
        super().__init__(cols)
        self._none = [None] * n

    def __missing__(self, name):
        return self._none


# The cells an invoice is made of: an integrated order that comes back with other values here has changed.
FINGERPRINT_COLUMNS = (
    "order-item-id", "sku", "product-name", "quantity-purchased", "currency", "item-price", "item-tax",
    "shipping-price", "shipping-tax", "vat-exclusive-item-price", "vat-exclusive-shipping-price",
    "item-promotion-discount", "ship-promotion-discount", "gift-wrap-price", "gift-wrap-tax", "ship-country",
    "ship-postal-code", "is-business-order", "buyer-tax-registration-id",
)


def _canon(value) -> str:
    if value is None:
        return ""
    if type(value) is str:
        return value.strip()
    if isinstance(value, Decimal):
        return format(V.money(value), "f")
    return str(value)


def fingerprints(cols: dict, groups: dict[str, list[int]]) -> dict[str, str]:
    """Per order id: SHA-256 of its invoice-making cells, row order ignored (SPEC §7 "Integration": the journal
    keeps a fingerprint of each integrated order's lines). Columns absent or empty count alike, so a
    re-download with another column choice does not look like a change."""
    if not groups:
        return {}
    # Only the rows asked for: Vérifier on a base asks for the orders already integrated, often none.
    rows = sorted({i for indices in groups.values() for i in indices})

    every = bool(rows) and len(rows) == rows[-1] + 1  # every row (Intégrer on a clean export): columns as they are

    def picked(col):
        if col is None:
            return None
        if every and len(col) == len(rows):
            return col
        if not rows or len(col) > rows[-1]:
            return list(map(col.__getitem__, rows))
        return [col[i] if i < len(col) else None for i in rows]

    texts = [_canon_column(picked(cols.get(c))) for c in FINGERPRINT_COLUMNS]
    blank = [""] * len(rows)
    row_text = dict(zip(rows, map("\x1f".join, zip(*(blank if t is None else t for t in texts)))))
    out = {}
    sha256 = hashlib.sha256
    for oid, indices in groups.items():
        if len(indices) == 1:  # most orders: one row, nothing to sort or join
            out[oid] = sha256(row_text[indices[0]].encode("utf-8")).hexdigest()
        else:
            out[oid] = sha256("\x1e".join(sorted([row_text[i] for i in indices])).encode("utf-8")).hexdigest()
    return out


def _canon_column(col: list | None) -> list[str] | None:
    """Each row's canonical text, each distinct value made once. Keyed by type too when types mix
    (True == 1 == Decimal(1) as dict keys)."""
    if col is None:
        return None
    kinds = set(map(type, col))
    if kinds == {str}:  # texts (ids above all, every one distinct): a memo would cost more than strip itself
        return list(map(str.strip, col))
    if len(kinds) <= 1:
        memo = {v: _canon(v) for v in set(col)}
        return list(map(memo.__getitem__, col))
    memo = {key: _canon(key[1]) for key in {(type(v), v) for v in col}}
    return [memo[(type(v), v)] for v in col]


def fingerprint(cols: dict, indices: list[int]) -> str:
    return fingerprints(cols, {"": indices})[""]


def sale_date_is_shipment_date(purchase: datetime, shipped: list, zone) -> date:
    """"`factures.date_vente` = the date of sale (shipment date when the report has one, e.g. FBA `shipment-date`;
    else the purchase date) in `fuseau_horaire`" (SPEC §7). Shipments of one order grouped on one invoice: the
    last one, the day the sale was complete."""
    dates = [d for d in shipped if d is not None]
    return (max(dates) if dates else purchase).astimezone(zone).date()


class _Builder:
    """Builds the orders of one export. Per-export work (column lookups, a sale's day, an exchange rate, a regime)
    is done once and kept: 100k rows make ~60k orders, so per-order work is what Vérifier's time is made of."""

    def __init__(self, settings: Settings, product_rate: Callable[[str], Decimal | None] | None, cols: dict, n: int,
                 today: date, confirm: Callable[[str], Answer] | None, rates: exchange.RatesFile | None,
                 fba: bool = False, purchase_days: dict | None = None):
        self.settings = settings
        self.fba = fba
        self.cols = cols
        C = self.C = _Columns(cols, n)
        self.product_rate = product_rate or (lambda sku: None)
        self.today = today
        self.confirm = confirm
        self.rates = rates
        self.regimes: dict[tuple, Regime] = {}  # Sale's fields → its regime
        self.notes: list[Note] = []
        self.ship_cols = _address_columns(C, "ship", "recipient-name")
        self.bill_cols = _address_columns(C, "bill", "bill-name")
        self.shipped = None if "shipment-date" not in cols else C["shipment-date"]
        self.shipping_cols = (C["shipping-price"], C["shipping-tax"], C["vat-exclusive-shipping-price"],
                              C["ship-promotion-discount"])
        self.memo = B.Memo()
        self.header_cols = tuple(C[name] for name in (
            "order-id", "purchase-date", "sales-channel", "currency", "buyer-name", "buyer-email", "buyer-phone-number",
            "is-business-order", "buyer-company-name", "buyer-tax-registration-id", "purchase-order-number",
            "delivery-instructions", "fulfillment-channel"))
        self._exchange: dict[tuple[str, date], exchange.Lookup] = {}
        self._zone = settings.zone
        self._by_issue = settings.date_facture == "achat"
        self.purchase_days = purchase_days or {}  # purchase instant → its day in the zone, when the checks made them

    def convert(self, amount: Decimal, source: str, target: str, day: date) -> Decimal | None:
        """An amount in another currency, through the euro at the ECB rates; None when a rate is missing."""
        a, b = exchange.rate_for(self.rates, source, day), exchange.rate_for(self.rates, target, day)
        return None if a.rate is None or b.rate is None else amount / a.rate * b.rate

    def sale_day(self, purchase: datetime, rows: list) -> date:
        if self.shipped is not None:
            return sale_date_is_shipment_date(purchase, [self.shipped[r.index] for r in rows], self._zone)
        day = self.purchase_days.get(purchase)  # sale_date_is_shipment_date with no shipment date
        return purchase.astimezone(self._zone).date() if day is None else day

    def header(self, rows: list) -> Order:
        s = self.settings
        i = rows[0].index
        (oid_c, purchase_c, channel_c, currency_c, buyer_c, email_c, phone_c, b2b_c, company_c, vat_c, po_c,
         instructions_c, fulfilment_c) = self.header_cols
        purchase: datetime = purchase_c[i]
        sale_day = self.sale_day(purchase, rows)
        ship = _address(self.ship_cols, i)
        bill = _address(self.bill_cols, i)
        buyer = buyer_c[i] or ""
        if not (bill.line1 or bill.city or bill.postcode):
            # Billing falls back to shipping as a whole block (SPEC §7).
            bill = Address(bill.name or buyer or ship.name, ship.line1, ship.line2, ship.postcode, ship.city,
                           ship.region, ship.country, ship.phone, ship.source)
        else:
            bill.name = bill.name or buyer or ship.name
            bill.country = bill.country or ship.country
        return Order(
            order_id=oid_c[i], channel=channel_c[i] or s.canal_defaut,
            rows=[r.number for r in rows], purchase=purchase, sale_date=sale_day,
            invoice_date=sale_day if self._by_issue else self.today,
            currency=(currency_c[i] or "").upper(), regime="", buyer_name=buyer,
            buyer_email=email_c[i] or "", buyer_phone=phone_c[i] or "", shipping=ship,
            billing=bill, b2b=bool(b2b_c[i]), company=company_c[i] or "",
            vat_number=vat_c[i] or "", po_number=po_c[i] or "",
            instructions=instructions_c[i] or "",
            fba=self.fba or (fulfilment_c[i] or "").strip().upper() == "AFN")

    def regime_of(self, order: Order, rows: list) -> Regime:
        C = self.C
        tax = ZERO
        goods = []
        if order.shipping.country in vat_rates.DEEMED_SUPPLIER:  # only there do Amazon's tax and values matter
            for r in rows:
                j = r.index
                for name in ("item-tax", "shipping-tax", "gift-wrap-tax"):
                    tax += C[name][j] or ZERO
                goods.append((C["item-price"][j] - (C["item-tax"][j] or ZERO), C["quantity-purchased"][j]))
        ship = order.shipping
        key = (ship.country, ship.postcode, order.sale_date, order.b2b, order.vat_number, order.currency, tax,
               tuple(goods))
        regime = self.regimes.get(key)  # a plain tuple: hashed and compared in C, unlike the dataclass
        if regime is None:  # sales repeat (same place, day, buyer kind): one decision each
            regime = self.regimes[key] = choose_regime(Sale(*key), self.settings, self.confirm, self.convert)
        return regime

    def build(self, rows: list) -> Order:
        order = self.header(rows)
        first = rows[0].number
        regime = self.regime_of(order, rows)
        order.vat, order.regime = regime, regime.code
        ctx = B.Context(regime, order.sale_date, self.notes)
        if regime.candidate_ic and regime.code != IC and regime.vies is not None:
            self.notes.append(Note(first, "buyer-tax-registration-id", F.ViesUnconfirmed, {
                "number": order.vat_number, "detail": regime.vies.detail, "regime": regime.code}))
        self.exchange_rate(order, first)
        items, extra = self.items(rows, ctx)
        shipping = _Shipping(self, ctx)
        for r, item in zip(rows, items):
            shipping.add(r, item)
        shipped = shipping.lines(items)
        if extra:
            order.lines = B.line_order(items + extra + shipped)
        else:  # items, then shipping: already in the line order
            order.lines = items + shipped if shipped else items
        order.amazon_ttc = self.amazon_amounts(rows)
        if regime.code == DEEMED:
            order.taxe_marketplace = order.amazon_ttc - order.total_ttc
            self.notes.append(Note(first, "item-tax", F.MarketplaceVat, {
                "country": order.shipping.country, "tax": V.fmt_money(order.taxe_marketplace)}))
        if order.total_ttc < 0:
            self.notes.append(Note(first, "order-id", F.NegativeInvoice, {
                "order": order.order_id, "ttc": V.fmt_money(order.total_ttc)}))
        return order

    def amazon_amounts(self, rows: list) -> Decimal:
        """Amazon's amounts for the order: items + shipping + gift wrap − promotions."""
        C = self.C
        price_c, ship_c, gift_c = C["item-price"], C["shipping-price"], C["gift-wrap-price"]
        promo_c, ship_promo_c = C["item-promotion-discount"], C["ship-promotion-discount"]
        total = ZERO
        for r in rows:
            j = r.index
            total += price_c[j] + (ship_c[j] or ZERO) + (gift_c[j] or ZERO)
            promo, ship_promo = promo_c[j], ship_promo_c[j]
            if promo or ship_promo:
                total -= abs(promo or ZERO) + abs(ship_promo or ZERO)
        return total

    def exchange_rate(self, order: Order, first: int) -> None:
        """"An order in another currency keeps its currency on the invoice and gets `factures.taux_change` [...] =
        the last ECB reference rate published on or before [...] `date_vente` [...]. No rate for a non-EUR order
        → error `E_TAUX_CHANGE` on the currency cell naming the setting [...]. EUR orders: `taux_change` = 1." """
        key = (order.currency, order.sale_date)
        found = self._exchange.get(key)
        if found is None:
            found = self._exchange[key] = exchange.rate_for(self.rates, order.currency, order.sale_date)
        order.taux_change = found.rate
        if found.rate is None:
            self.notes.append(Note(first, "currency", F.MissingExchangeRate, {
                "case": found.problem, "currency": order.currency, "day": order.sale_date.strftime("%d/%m/%Y"),
                "last": found.last.strftime("%d/%m/%Y") if found.last else ""}))

    def items(self, rows: list, ctx: B.Context) -> tuple[list[Line], list[Line]]:
        """The item lines, one per row, and the gift-wrap then promotion lines (most orders have none)."""
        s, C = self.settings, self.C
        items, gifts, promos = [], [], []
        qty_c, ttc_c, sku_c, name_c = C["quantity-purchased"], C["item-price"], C["sku"], C["product-name"]
        tax_c, ht_c = C["item-tax"], C["vat-exclusive-item-price"]
        gift_c, gift_tax_c, promo_c = C["gift-wrap-price"], C["gift-wrap-tax"], C["item-promotion-discount"]
        product_rate, default_rate, item_taxed = self.product_rate, s.taux_tva_defaut, B.item_taxed
        for r in rows:
            j, number = r.index, r.number
            qty, ttc, sku = qty_c[j], ttc_c[j], sku_c[j]
            a = Amount(number, ttc, tax_c[j], ht_c[j], qty, "item-price", "item-tax")
            t = item_taxed(a, ctx, product_rate(sku), default_rate)
            items.append(Line("item", sku, name_c[j], qty, V.unit_price_ht(t.ht, qty), t.ht, t.tva, t.ht + t.tva,
                              t.rate, number, t.derived))
            if gift_c[j]:
                g = B.gift_wrap_follows_row_rate(Amount(number, gift_c[j], gift_tax_c[j], None, 1, "gift-wrap-price",
                                                        "gift-wrap-tax"), t.rate, ctx)
                gifts.append(Line("gift", s.produit_emballage, "Emballage cadeau", 1, V.unit_price_ht(g.ht, 1), g.ht,
                                  g.tva, g.ht + g.tva, g.rate, number, g.derived))
            promo = promo_c[j]
            if promo:
                promo = abs(promo)
                B.promotion_not_larger(promo, ttc, f"l'article {sku}",
                                       Amount(number, promo, None, None, 1, "item-promotion-discount", ""), ctx)
                promos.append(B.promotion_line("promo", s.produit_remise, f"Remise {sku}", promo, t.rate, number))
        return items, gifts + promos


class _Shipping:
    """The shipping of one order: each row's at its item's rate, then one line per rate (SPEC §7)."""

    def __init__(self, builder: _Builder, ctx: B.Context):
        self.b, self.ctx = builder, ctx
        self.price_c, self.tax_c, self.ht_c, self.promo_c = builder.shipping_cols
        self.by_rate: dict[Decimal, list] = {}  # rate → [ht, tva, ttc, first Amount, derived]
        self.promo_by_rate: dict[Decimal, list] = {}  # rate → [promo TTC, first row]
        self.untaxed: list[tuple[Amount, Decimal]] = []  # (row's shipping, its promotion) with no tax from Amazon
        self.ctx_key = None

    def add(self, r, item: Line) -> None:
        j = r.index
        price, promo = self.price_c[j] or ZERO, self.promo_c[j]
        promo = abs(promo) if promo else ZERO
        if not price and not promo:
            return
        a = Amount(r.number, price, self.tax_c[j], self.ht_c[j], 1, "shipping-price", "shipping-tax")
        if promo:
            B.promotion_not_larger(promo, price, "les frais de port de la ligne",
                                   Amount(r.number, promo, None, None, 1, "ship-promotion-discount", ""), self.ctx)
        if price:
            if self.ctx_key is None:
                self.ctx_key = self.ctx.key
            taxed = self.b.memo(B.accessory_follows_row_rate, a, item.rate, self.ctx, self.ctx_key)
        else:
            taxed = B.Taxed(ZERO, ZERO, item.rate)
        if taxed is None:
            self.untaxed.append((a, promo))
            return
        self._put(taxed.rate, taxed.ht, taxed.tva, a, taxed.derived)
        if promo:
            self._promo(taxed.rate, promo, r.number)

    def _put(self, rate, ht, tva, a: Amount, derived: bool) -> None:
        if not a.ttc:
            return
        slot = self.by_rate.setdefault(rate, [ZERO, ZERO, a, False])
        slot[0] += ht
        slot[1] += tva
        slot[3] = slot[3] or derived

    def _promo(self, rate, promo, row) -> None:
        slot = self.promo_by_rate.setdefault(rate, [ZERO, row])
        slot[0] += promo

    def derive_untaxed(self, items: list[Line]) -> None:
        """Rows where Amazon gave no shipping tax: at their item's rate when the order has one rate; a mixed-rate
        order splits them pro rata of the items' TTC (`booking.untaxed_shipping_split_pro_rata`)."""
        by_rate: dict[Decimal, Decimal] = {}
        for it in items:
            by_rate[it.rate] = by_rate.get(it.rate, ZERO) + it.ttc
        if len(by_rate) <= 1:
            rate = next(iter(by_rate), self.ctx.regime.rates[0])
            for a, promo in self.untaxed:
                t = B.derived_vat(a, rate, self.ctx)
                self._put(rate, t.ht, t.tva, a, True)
                if promo:
                    self._promo(rate, promo, a.row)
            return
        total = sum((a.ttc for a, _ in self.untaxed), ZERO)
        promo_total = sum((p for _, p in self.untaxed), ZERO)
        parts = B.untaxed_shipping_split_pro_rata(total, by_rate)
        shown = "; ".join(f"{V.fmt_money(p)} à {V.fmt_rate(r)} %" for r, p in parts)
        for a, _ in self.untaxed:
            self.ctx.note(a, a.tax_col, F.VatComputed, case="split", ttc=V.fmt_money(total), parts=shown)
        first = self.untaxed[0][0]
        for (rate, part), (_, promo_part) in zip(parts, B.untaxed_shipping_split_pro_rata(promo_total, by_rate)):
            ht, tva = V.split_ttc(part, rate)
            self._put(rate, ht, tva, replace(first, ttc=part), True)
            if promo_part:
                self._promo(rate, promo_part, first.row)

    def lines(self, items: list[Line]) -> list[Line]:
        if self.untaxed:
            self.derive_untaxed(items)
        s = self.b.settings
        out = []
        for rate in sorted(self.promo_by_rate, reverse=True):
            promo, row = self.promo_by_rate[rate]
            out.append(B.promotion_line("ship_promo", s.produit_port, "Remise sur frais de port", promo, rate, row))
        for rate in sorted(self.by_rate, reverse=True):
            ht, tva, first, derived = self.by_rate[rate]
            ht, tva = B.summed_line_stays_consistent(ht, tva, rate, first, self.ctx)
            out.append(B.shipping_line(s.produit_port, ht, tva, rate, first.row, derived))
        return out


def build_orders(groups: list[list], settings: Settings,
                 product_rate: Callable[[str], Decimal | None] | None = None, cols: dict | None = None,
                 n: int = 0, *, today: date | None = None, confirm: Callable[[str], Answer] | None = None,
                 rates: exchange.RatesFile | None = None, fba: bool = False,
                 purchase_days: dict | None = None) -> tuple[list[Order], list[Note]]:
    """`groups`: lists of typed rows (indices into `cols`, the typed columns), one list per order, rows
    already free of blocking errors. `today`: the issue date when `date_facture` = `integration`; `confirm`:
    the VIES check of a VAT number; `rates`: the ECB rates file; `fba`: the rows are Amazon Fulfilled Shipments;
    `purchase_days`: purchase instants already turned into their day in `fuseau_horaire` (by the checks)."""
    b = _Builder(settings, product_rate, cols or {}, n, today or datetime.now(settings.zone).date(), confirm, rates,
                 fba, purchase_days)
    orders = [b.build(g) for g in groups]
    return orders, b.notes
