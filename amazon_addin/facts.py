"""What Vérifier needs to know of the Gestan database, as plain data, and the findings it implies.

The database adapter fills a `GestanFacts`; this module stays pure (no SQL), so the findings
W_PRODUIT_NOUVEAU, W_VILLE_NOUVELLE, I_DEJA_INTEGREE and W_DATE_ANTERIEURE are testable alone.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache

from . import findings as F


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
    last_dates: dict[str, date] = field(default_factory=dict)  # counter name (FA2026) → last invoice date

    def product_rate(self, sku: str) -> Decimal | None:
        p = self.products.get(sku)
        return p.taux_tva if p is not None else None

    def knows_city(self, country: str, postcode: str, city: str) -> bool:
        return (country.upper(), postcode.strip(), fold_city(city)) in self.postal


@lru_cache(maxsize=65536)
def fold_city(city: str) -> str:
    """`Saint-Étienne`, `ST ETIENNE ` and `saint etienne` differ; `Saint-Étienne`/`SAINT ETIENNE` do not."""
    decomposed = unicodedata.normalize("NFKD", city or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", plain).split())


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


def database_findings(verification, facts: GestanFacts, settings, predictions: bool = True) -> list[F.Finding]:
    """Findings that need the database; demotes the findings of already-integrated orders to info.
    `predictions=False` leaves out W_PRODUIT_NOUVEAU and W_VILLE_NOUVELLE: Intégrer reports what it
    created instead of predicting it, and on 100k rows they are 300k findings nobody reads."""
    t = verification.table
    out: list[F.Finding] = []

    def add(cls, typed_row, column, suggestion=None, **params):
        out.append(cls(row=typed_row.number, column=column, cell=t.cell(typed_row.index, column),
                       suggestion=suggestion, params=params, col_index=t.columns.get(column, -1)))

    integrated_rows: set[int] = set()
    for r in verification.rows:
        oid = r.v.get("order-id")
        if oid and oid in facts.integrated:
            integrated_rows.add(r.number)
            add(F.AlreadyIntegrated, r, "order-id", order=oid, invoice=facts.integrated[oid])
            continue
        if not predictions:
            continue
        sku = r.v.get("sku")
        if sku and sku not in facts.products and "sku" in t.columns:
            add(F.NewProduct, r, "sku", sku=sku, family=settings.famille_produits)
        for prefix in ("ship", "bill"):
            country, postcode, city = (r.v.get(f"{prefix}-country"), r.v.get(f"{prefix}-postal-code"),
                                       r.v.get(f"{prefix}-city"))
            if prefix == "bill" and not country:
                country = r.v.get("ship-country")
            if country and postcode and city and f"{prefix}-city" in t.columns and \
                    not facts.knows_city(country, postcode, city):
                add(F.NewCity, r, f"{prefix}-city", postcode=postcode, city=city, country=country)
    by_number = {r.number: r for r in verification.rows}
    for o in verification.orders:
        if o.order_id in facts.integrated:
            continue
        last = facts.last_dates.get(counter_name(settings.format_numero, o.invoice_date))
        if last is not None and o.invoice_date < last:
            add(F.EarlierDate, by_number[o.rows[0]], "purchase-date", day=o.invoice_date.strftime("%d/%m/%Y"),
                year=o.invoice_date.year, last=last.strftime("%d/%m/%Y"))
    for f in verification.findings:
        if f.row in integrated_rows and f.severity != F.INFO:
            f.severity = F.INFO  # an order Intégrer will skip never blocks (SPEC §7)
    return out
