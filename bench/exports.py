"""Realistic Amazon order reports for the benchmarks: 57 columns, accents, multi-item orders, several
countries, B2B buyers, repeat customers. Deterministic for a given size and seed."""

from __future__ import annotations

import random
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

HEADER = [
    "order-id", "order-item-id", "purchase-date", "payments-date", "reporting-date", "promise-date",
    "days-past-promise", "buyer-email", "buyer-name", "buyer-phone-number", "sku", "number-of-items",
    "product-name", "quantity-purchased", "quantity-shipped", "quantity-to-ship", "currency", "item-price",
    "item-tax", "shipping-price", "shipping-tax", "ship-service-level", "ship-service-name", "recipient-name",
    "ship-address-1", "ship-address-2", "ship-address-3", "ship-city", "ship-state", "ship-postal-code",
    "ship-country", "ship-phone-number", "bill-name", "bill-address-1", "bill-address-2", "bill-city",
    "bill-state", "bill-postal-code", "bill-country", "delivery-Instructions", "sales-channel",
    "is-business-order", "purchase-order-number", "buyer-company-name", "buyer-tax-registration-id",
    "vat-exclusive-item-price", "vat-exclusive-shipping-price", "item-promotion-discount",
    "ship-promotion-discount", "gift-wrap-price", "gift-wrap-tax", "price-designation", "is-prime",
    "is-sold-by-ab", "is-replacement-order", "customized-url", "is-buyer-requested-cancellation",
]
assert len(HEADER) == 57

FIRST = ["Cécile", "Hélène", "Jérôme", "François", "Anaïs", "Loïc", "Zoë", "Jürgen", "Léa", "Noël", "Bérénice",
         "Gaël", "Inès", "Mathéo", "Chloé", "Raphaël", "Agnès", "Josué", "Maëlle", "Théo"]
LAST = ["Dupré", "Lefèvre", "Müller", "García", "Øster", "Côté", "Bréhier", "Pérez", "Ferrand", "Lemaître",
        "Dubois", "Martin", "Bernard", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau"]
STREETS = ["rue de l'Église", "avenue des Châtaigniers", "chemin du Moulin", "place de la Mairie",
           "boulevard Saint-Michel", "impasse des Lilas", "allée des Érables", "route de Besançon"]
# (country, postcode, city, currency, standard rate, reduced rate)
PLACES = [
    ("FR", "45000", "Orléans", "EUR", "20", "5.5"), ("FR", "07100", "Roiffieux", "EUR", "20", "5.5"),
    ("FR", "75012", "Paris", "EUR", "20", "5.5"), ("FR", "69006", "Lyon", "EUR", "20", "5.5"),
    ("FR", "13007", "Marseille", "EUR", "20", "5.5"), ("FR", "33000", "Bordeaux", "EUR", "20", "5.5"),
    ("FR", "59800", "Lille", "EUR", "20", "5.5"), ("FR", "25000", "Besançon", "EUR", "20", "5.5"),
    ("BE", "1000", "Bruxelles", "EUR", "21", "6"), ("DE", "80331", "München", "EUR", "19", "7"),
    ("ES", "28013", "Madrid", "EUR", "21", "4"), ("IT", "00118", "Roma", "EUR", "22", "4"),
]
PRODUCTS = [(f"SKU-{i:04d}", f"{kind} « {adj} » n°{i}", reduced)
            for i, (kind, adj, reduced) in enumerate(
                [(k, a, r) for k, r in (("Tasse en grès", False), ("Livre de cuisine", True),
                                         ("Bougie parfumée", False), ("Plaid en lin", False),
                                         ("Carnet à spirale", False), ("Thé vert bio", True))
                 for a in ("Été", "Hiver", "Épicé", "Forêt", "Océan", "Crème brûlée", "Noël", "Pâques")])]

CENT = Decimal("0.01")


def _split(ttc: Decimal, rate: Decimal) -> tuple[Decimal, Decimal]:
    ht = (ttc * 100 / (100 + rate)).quantize(CENT, rounding=ROUND_HALF_UP)
    return ht, ttc - ht


def rows(n_rows: int, seed: int = 2026) -> list[list[str]]:
    rnd = random.Random(seed)
    out: list[list[str]] = []
    customers = []
    for c in range(max(50, n_rows // 6)):
        place = rnd.choice(PLACES)
        name = f"{rnd.choice(FIRST)} {rnd.choice(LAST)}"
        b2b = rnd.random() < 0.05 and place[0] == "BE"
        customers.append((name, place, f"{rnd.randint(1, 180)} {rnd.choice(STREETS)}", b2b,
                          f"06{rnd.randint(10000000, 99999999)}"))
    order_no = 0
    while len(out) < n_rows:
        order_no += 1
        name, (country, postcode, city, currency, std, red), street, b2b, phone = rnd.choice(customers)
        day, hour = rnd.randint(1, 28), rnd.randint(0, 23)
        when = f"2026-03-{day:02d}T{hour:02d}:{rnd.randint(0, 59):02d}:{rnd.randint(0, 59):02d}+00:00"
        oid = f"{rnd.choice(('171', '402', '405', '407', '408'))}-{order_no:07d}-{rnd.randint(0, 9999999):07d}"
        items = min(rnd.choice((1, 1, 1, 2, 2, 3)), n_rows - len(out))
        ship_ttc = Decimal(rnd.choice(("0.00", "0.00", "3.90", "4.99", "6.50")))
        line2 = rnd.choice(("", "", "Bâtiment B", "3e étage"))
        note = rnd.choice(("", "", "Laisser chez le gardien", "Sonner deux fois"))
        prime = rnd.choice(("true", "false"))
        for k in range(items):
            sku, label, reduced = rnd.choice(PRODUCTS)
            qty = rnd.choice((1, 1, 1, 2, 3))
            rate = Decimal(red if reduced else std)
            ttc = (Decimal(rnd.randint(499, 8999)) / 100) * qty
            reverse = b2b
            ht, tax = (ttc, Decimal("0.00")) if reverse else _split(ttc, rate)
            s_ttc = ship_ttc if k == 0 else Decimal("0.00")
            # Amazon taxes each row's shipping at its item's rate (SPEC §7: the accessory follows its principal).
            s_ht, s_tax = (s_ttc, Decimal("0.00")) if reverse else _split(s_ttc, rate)
            promo = "-1.00" if rnd.random() < 0.05 else "0.00"
            gift = "2.50" if rnd.random() < 0.02 else "0.00"
            gift_tax = str(_split(Decimal(gift), rate)[1]) if gift != "0.00" and not reverse else "0.00"
            out.append([
                oid, f"{rnd.randint(10**13, 10**14 - 1)}", when, when, when, when, "0",
                f"{abs(hash(name)) % 10**9}@marketplace.amazon.fr", name, phone, sku, str(qty), label, str(qty),
                "0", str(qty), currency, str(ttc), str(tax), str(s_ttc), str(s_tax), "Standard", "Std FR Dom",
                name, street, line2, "", city, "", postcode, country,
                phone, name, street, "", city, "", postcode, country,
                note, "Amazon.fr",
                "true" if b2b else "false", "BC-2026-1" if b2b else "", "Atelier Dubois SPRL" if b2b else "",
                "BE0403019261" if b2b else "", str(ht), str(s_ht), promo, "0.00", gift, gift_tax, "",
                prime, "false", "false", "", "false",
            ])
    return out


def write_txt(path: Path, n_rows: int) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write("\t".join(HEADER) + "\n")
        for r in rows(n_rows):
            fh.write("\t".join(r) + "\n")
    return path


def write_xlsx(path: Path, n_rows: int) -> Path:
    """As a user re-saves it: amounts and quantities as numbers, the rest as text."""
    from openpyxl import Workbook

    numeric = {i for i, h in enumerate(HEADER) if h in {
        "quantity-purchased", "item-price", "item-tax", "shipping-price", "shipping-tax",
        "vat-exclusive-item-price", "vat-exclusive-shipping-price", "item-promotion-discount",
        "ship-promotion-discount", "gift-wrap-price", "gift-wrap-tax"}}
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Commandes")
    ws.append(HEADER)
    for r in rows(n_rows):
        ws.append([float(v) if i in numeric else v for i, v in enumerate(r)])
    wb.save(path)
    return path
