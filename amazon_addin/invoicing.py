"""Pure rules of Intégrer: customer dedup key, invoice order, stock alerts (SPEC §3, §7 "Integration")."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from . import vat as V
from .orders import Order


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


def numbering_order(orders: list[Order]) -> list[Order]:
    """Numbers are given in order of (invoice date, purchase instant, order id)."""
    return sorted(orders, key=lambda o: (o.invoice_date, o.purchase, o.order_id))


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
