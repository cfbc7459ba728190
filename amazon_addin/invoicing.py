"""Pure rules of Intégrer: customer dedup key, what a batch creates, invoice order, stock alerts (SPEC §3, §7
"Integration")."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from operator import attrgetter

from . import vat as V
from .facts import GestanFacts, place_key
from .orders import Order
from .regimes import FR, french_destination


@lru_cache(maxsize=65536)  # a repeat customer's name, once per batch (its orders are keyed one by one)
def name_key(name: str) -> str:
    """NFKD, accents removed, casefold, non-alphanumerics → space, tokens sorted."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(sorted(re.sub(r"[^0-9a-z]+", " ", plain).split()))


def customer_key(order: Order) -> str:
    """B2B with a valid VAT number: the number; else billing name + billing postcode + country."""
    if order.b2b and order.vat_number and V.valid_eu_vat_number(order.vat_number):
        from stdnum.eu import vat as eu_vat

        return "TVA:" + eu_vat.compact(order.vat_number).upper()
    bill = order.billing
    name = bill.name or order.buyer_name or order.shipping.name
    return f"{name_key(name)}|{bill.postcode.strip().upper()}|{bill.country or order.shipping.country}"


@dataclass
class NewProduct:
    code: str
    libelle: str
    famille: str
    taux_tva: Decimal
    prix_ttc: Decimal
    row: int  # sheet row of its first line
    count: int = 0  # rows of the batch that sell it
    rows: list = field(default_factory=list)  # sheet rows of every line that sells it, first included

    def to_row(self) -> dict:
        return {"code": self.code, "libelle": self.libelle, "famille": self.famille, "taux_tva": self.taux_tva,
                "prix_ttc": self.prix_ttc, "gere_stock": False, "stock": 0, "stock_alerte": 0}


@dataclass
class NewPlace:
    pays: str
    code_postal: str
    ville: str
    row: int  # sheet row of its first order
    column: str  # "ship-city" or "bill-city", the cell that names it first
    count: int = 0  # rows of the batch that share it
    cells: dict = field(default_factory=dict)  # column → sheet rows of every cell that names it, first included

    def to_row(self) -> dict:
        return {"pays": self.pays, "code_postal": self.code_postal, "ville": self.ville}


@dataclass
class Plan:
    """What a batch of new orders creates in Gestan: what Vérifier announces, what Intégrer writes."""

    products: dict[str, NewProduct] = field(default_factory=dict)
    places: dict[tuple[str, str, str], NewPlace] = field(default_factory=dict)


def french_taxable(order: Order) -> bool:
    """A line that may set a product's French rate: a French sale delivered in France or Monaco."""
    return order.regime == FR and french_destination(order.shipping.country, order.shipping.postcode)


def new_product_price(order: Order, line, default_rate: Decimal) -> tuple[Decimal, Decimal]:
    """"new products: [...] rate and `prix_ttc` from the first French-taxable line of the batch (destination
    FR/MC), else `taux_tva_defaut` and unit HT × (1 + rate): an export or OSS sale never sets a product's French
    rate." The HT of a foreign-currency line is first turned into euros at the invoice's rate."""
    if french_taxable(order):
        return line.rate, V.money(line.ttc / line.quantity)
    unit_ht = line.ht / line.quantity
    if order.taux_change is not None and order.taux_change != 1:
        unit_ht = unit_ht / order.taux_change
    return default_rate, V.money(unit_ht * (1 + default_rate / V.HUNDRED))


def plan(orders: list[Order], facts: GestanFacts, settings) -> Plan:
    """New products (unknown skus, created once, from the first French-taxable line else the defaults) and new
    postal codes (each delivery or billing place of a new order not in the table, once) (SPEC §7)."""
    out = Plan()
    pending: dict[str, list] = {}  # sku → [first line, its order, French-taxable line found]
    keys: dict[tuple, tuple | bool] = {}  # (country, postcode, city) as written → its new place's key, or False
    for o in orders:
        for line in o.lines:
            if line.kind != "item" or line.product_code in facts.products:
                continue
            entry = pending.setdefault(line.product_code, [line, o, None, 0, []])
            entry[3] += 1
            entry[4].append(line.row)
            if entry[2] is None and french_taxable(o):
                entry[2] = (line, o)
        seen = set()
        for a in (o.shipping, o.billing):
            raw = (a.country, a.postcode, a.city)
            key = keys.get(raw)
            if key is None:  # each address as written looked up once: customers and their towns repeat
                key = place_key(*raw) if a.country and a.postcode and a.city else False
                if key in facts.postal:
                    key = False
                keys[raw] = key
            if not key or key in seen:
                continue
            seen.add(key)
            place = out.places.get(key)
            if place is None:
                place = out.places[key] = NewPlace(a.country.upper(), a.postcode.strip(), a.city.strip(), o.rows[0],
                                                   f"{a.source}-city")
            place.count += len(o.rows)
            place.cells.setdefault(f"{a.source}-city", []).extend(o.rows)
    for code, (first, order, french, count, rows) in pending.items():
        line, o = french if french is not None else (first, order)
        rate, price = new_product_price(o, line, settings.taux_tva_defaut)
        out.products[code] = NewProduct(code, first.label, settings.famille_produits, rate, price, first.row, count,
                                        rows)
    return out


def numbering_order(orders: list[Order]) -> list[Order]:
    """Numbers are given in order of (invoice date, purchase instant, order id)."""
    return sorted(orders, key=attrgetter("invoice_date", "purchase", "order_id"))  # the same key tuples, C-level


@dataclass
class Alert:
    code: str
    libelle: str
    stock_avant: int
    quantite: int
    stock_apres: int
    stock_alerte: int
    commandes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"code": self.code, "libelle": self.libelle, "stock_avant": self.stock_avant,
                "quantite": self.quantite, "stock_apres": self.stock_apres, "stock_alerte": self.stock_alerte,
                "commandes": list(self.commandes)}


def stock_alerts(sold: dict[str, tuple[int, list[str]]], products: dict) -> list[Alert]:
    """One alert per stock-managed product whose stock after the batch is below its alert level."""
    alerts = []
    for code in sorted(sold):
        p = products.get(code)
        if p is None or not p.gere_stock:
            continue
        qty, orders = sold[code]
        after = p.stock - qty
        if after < p.stock_alerte:
            alerts.append(Alert(code, p.libelle, p.stock, qty, after, p.stock_alerte, orders))
    return alerts
