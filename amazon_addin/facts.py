"""What Vérifier needs to know of the Gestan database, as plain data, and the findings it implies.

The database adapter fills a `GestanFacts`; this module stays pure (no SQL), so the findings
W_PRODUIT_NOUVEAU, W_VILLE_NOUVELLE, I_DEJA_INTEGREE, W_COMMANDE_MODIFIEE and E_DATE_ANTERIEURE are
testable alone. What W_PRODUIT_NOUVEAU and W_VILLE_NOUVELLE announce comes from `invoicing.plan`, the very
function Intégrer creates from.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from itertools import repeat

from . import columns as C
from . import findings as F
from . import targets


@dataclass(frozen=True)
class ProductFact:
    code: str
    libelle: str
    taux_tva: Decimal | None
    gere_stock: bool
    stock: int
    stock_alerte: int


@dataclass
class GestanFacts:
    products: dict[str, ProductFact] = field(default_factory=dict)
    postal: set[tuple[str, str, str]] = field(default_factory=set)  # (country, postcode, folded city)
    integrated: dict[str, str] = field(default_factory=dict)  # order id → invoice number
    fingerprints: dict[str, str | None] = field(default_factory=dict)  # order id → journal fingerprint
    credited: dict[str, str] = field(default_factory=dict)  # order id → its credited invoice's number
    last_dates: dict[str, date] = field(default_factory=dict)  # counter name (FA2026) → last invoice date
    # (reference table, column) → the real base's text length (None: unbounded); empty: the reference's.
    lengths: dict[tuple[str, str], int | None] = field(default_factory=dict)
    missing_columns: list[tuple[str, str]] = field(default_factory=list)  # reference columns the base lacks

    def product_rate(self, sku: str) -> Decimal | None:
        p = self.products.get(sku)
        return p.taux_tva if p is not None else None

    def limits(self) -> dict[str, targets.Limit]:
        return targets.limits(self.lengths)


@lru_cache(maxsize=65536)
def fold_city(city: str) -> str:
    """`Saint-Étienne`, `ST ETIENNE ` and `saint etienne` differ; `Saint-Étienne`/`SAINT ETIENNE` do not."""
    decomposed = unicodedata.normalize("NFKD", city or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", plain).split())


def place_key(country: str, postcode: str, city: str) -> tuple[str, str, str]:
    """How a (country, postcode, city) is looked up in the postal-code table."""
    return (country or "").upper(), (postcode or "").strip(), fold_city(city)


_SEQ_RE = re.compile(r"\{seq(:[^}]*)?\}")


def counter_name(number_format: str, day: date) -> str:
    """The counter row of an invoice: the number format rendered without its sequence (`FA2026`)."""
    return _SEQ_RE.sub("", number_format).replace("{year}", f"{day.year:04d}")


def render_number(number_format: str, day: date, seq: int) -> str:
    return number_format.format(year=f"{day.year:04d}", seq=seq)


def longest_number(number_format: str) -> str:
    """The longest number a format renders: a sequence of its own padding, and at least six digits (a
    million invoices a year in one series)."""
    width = max([6] + [int(w) for w in re.findall(r"\{seq:0?(\d+)d\}", number_format)])
    return render_number(number_format, date(9999, 12, 31), 10 ** width - 1)


def reissue_credited(orders: list, facts: GestanFacts, today: date) -> None:
    """An order invoiced again after a credit note is dated the day of its new integration, whatever
    `date_facture` says: the law's chronology puts the new invoice after the credit note (`date_vente` keeps
    the purchase date)."""
    if facts.credited:
        for o in orders:
            if o.order_id in facts.credited:
                o.invoice_date = today


def database_findings(verification, facts: GestanFacts, settings, predictions: bool = True
                      ) -> tuple[list[F.Finding], set[int]]:
    """Findings that need the database, and the sheet rows of orders Intégrer will skip (their findings become
    info). `predictions=False` leaves out W_PRODUIT_NOUVEAU and W_VILLE_NOUVELLE: Intégrer reports what it
    created instead of predicting it, and on 100k rows they are thousands of findings nobody reads."""
    from .invoicing import plan
    from .orders import fingerprints

    t = verification.table
    rows = verification.rows
    out: list[F.Finding] = []

    def add(cls, index, column, suggestion=None, also=(), **params):
        out.append(cls(row=rows[index].number, column=column, cell=t.cell(index, column), suggestion=suggestion,
                       params=params, col_index=t.columns.get(column, -1), also=also))

    def others(rows_by_column: dict, first):
        """The cells a once-per-value finding covers besides its first (SPEC §7: every one coloured in Excel)."""
        # Sorted as (row, column index) pairs of ints before any address is made: 100k rows of new products
        # make 100k addresses.
        ordered, letter = [], {}
        for column, numbers in rows_by_column.items():
            idx = t.columns.get(column)
            if idx is not None:
                letter[idx] = C.letter(idx)
                ordered += zip(index_of.keys() & numbers, repeat(idx))
        ordered.sort()
        return tuple(a for a in (f"{letter[idx]}{r}" for r, idx in ordered) if a != first)

    skipped_rows: set[int] = set()
    integrated = {oid: ix for oid, ix in verification.groups.items() if oid in facts.integrated}
    now = fingerprints(verification.cols, {oid: ix for oid, ix in integrated.items() if facts.fingerprints.get(oid)})
    for oid, indices in integrated.items():
        invoice = facts.integrated[oid]
        for i in indices:
            skipped_rows.add(rows[i].number)
            add(F.AlreadyIntegrated, i, "order-id", order=oid, invoice=invoice)
        if oid in now and now[oid] != facts.fingerprints[oid]:
            add(F.ModifiedOrder, indices[0], "order-id", order=oid, invoice=invoice)
    for oid, indices in verification.groups.items():
        if oid in facts.credited:
            order = next((o for o in verification.orders if o.order_id == oid), None)
            day = order.invoice_date.strftime("%d/%m/%Y") if order is not None else "?"
            add(F.CreditedOrder, indices[0], "order-id", order=oid, invoice=facts.credited[oid], day=day)
    new_orders = [o for o in verification.orders if o.order_id not in facts.integrated]
    index_of = {r.number: r.index for r in rows}
    if predictions:
        made = plan(new_orders, facts, settings)
        for p in made.products.values():
            i = index_of[p.row]
            add(F.NewProduct, i, "sku", also=others({"sku": p.rows}, t.cell(i, "sku")), sku=p.code,
                family=p.famille, rate=_pct(p.taux_tva), price=format(p.prix_ttc, "f").replace(".", ","),
                count=p.count)
        for place in made.places.values():
            i = index_of[place.row]
            add(F.NewCity, i, place.column, also=others(place.cells, t.cell(i, place.column)),
                postcode=place.code_postal, city=place.ville, country=place.pays, count=place.count)
    if settings.date_facture == "achat":
        for o in new_orders:
            series = counter_name(settings.format_numero, o.invoice_date)
            last = facts.last_dates.get(series)
            if last is not None and o.invoice_date < last:
                add(F.EarlierDate, index_of[o.rows[0]], "purchase-date", day=o.invoice_date.strftime("%d/%m/%Y"),
                    series=series, last=last.strftime("%d/%m/%Y"))
    return out, skipped_rows


def _pct(rate: Decimal) -> str:
    return format(rate.normalize(), "f").replace(".", ",")
