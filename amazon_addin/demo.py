"""`amazon-addin demo`: an example export through Vérifier and Intégrer into ./demo-gestan.db."""

from __future__ import annotations

from pathlib import Path

HEADER = (
    "order-id order-item-id purchase-date payments-date buyer-email buyer-name buyer-phone-number sku "
    "product-name quantity-purchased currency item-price item-tax shipping-price shipping-tax "
    "ship-service-level recipient-name ship-address-1 ship-address-2 ship-address-3 ship-city ship-state "
    "ship-postal-code ship-country ship-phone-number bill-name bill-address-1 bill-address-2 bill-city "
    "bill-postal-code bill-country delivery-Instructions sales-channel is-business-order "
    "purchase-order-number buyer-company-name buyer-tax-registration-id vat-exclusive-item-price "
    "vat-exclusive-shipping-price item-promotion-discount ship-promotion-discount gift-wrap-price gift-wrap-tax"
).split()

_PEOPLE = {
    "dupre": dict(buyer_name="Cécile Dupré", buyer_email="c.dupre@marketplace.amazon.fr", recipient_name="Cécile Dupré",
                  ship_address_1="12 rue des Lilas", ship_city="Orléans", ship_postal_code="45000",
                  ship_country="FR", ship_phone_number="0612345678", sales_channel="Amazon.fr"),
    "martin": dict(buyer_name="Lucas Martin", buyer_email="l.martin@marketplace.amazon.fr", recipient_name="Lucas Martin",
                   ship_address_1="8 chemin du Moulin", ship_address_2="Lieu-dit Les Combes", ship_city="Roiffieux",
                   ship_postal_code="7100", ship_country="FR", sales_channel="Amazon.fr"),
    "weiss": dict(buyer_name="Jürgen Weiß", buyer_email="j.weiss@marketplace.amazon.de", recipient_name="Jürgen Weiß",
                  ship_address_1="Hauptstraße 5", ship_city="München", ship_postal_code="80331", ship_country="DE",
                  sales_channel="Amazon.de"),
    "dubois": dict(buyer_name="Atelier Dubois SPRL", buyer_email="achats@marketplace.amazon.com.be",
                   recipient_name="Atelier Dubois", ship_address_1="Rue Neuve 1", ship_city="Bruxelles",
                   ship_postal_code="1000", ship_country="BE", sales_channel="Amazon.fr", is_business_order="true",
                   purchase_order_number="BC-2026-114", buyer_company_name="Atelier Dubois SPRL",
                   buyer_tax_registration_id="BE0403019261"),
    "garcia": dict(buyer_name="Lucía García", buyer_email="l.garcia@marketplace.amazon.es", recipient_name="Lucía García",
                   ship_address_1="Calle Mayor 10", ship_city="Madrid", ship_postal_code="28013", ship_country="ES",
                   sales_channel="Amazon.es"),
}

# (order id, when, who, sku, label, qty, TTC, tax, HT, shipping TTC, shipping tax, extras)
_LINES = [
    ("405-1000001-0000001", "2026-03-02T09:15:00+00:00", "dupre", "TASSE-01", "Tasse en grès émaillé", 2,
     "24.00", "4.00", "20.00", "4.80", "0.80", {}),
    ("405-1000001-0000001", "2026-03-02T09:15:00+00:00", "dupre", "LIVRE-CUISINE", "Livre « Cuisine du marché »", 1,
     "21.10", "1.10", "20.00", "0.00", "0.00", {}),
    ("171-1000002-0000002", "2026-03-02T23:40:00+00:00", "martin", "TASSE-01", "Tasse en grès émaillé", 1,
     "12.00", "2.00", "10.00", "3.90", "0.65", {"item_promotion_discount": "-1.20"}),
    ("028-1000003-0000003", "2026-03-03T10:00:00+00:00", "weiss", "BOUGIE-LAV", "Bougie parfumée lavande", 1,
     "19.00", "3.03", "15.97", "5.95", "0.95", {"gift_wrap_price": "3.00", "gift_wrap_tax": "0.48"}),
    ("402-1000004-0000004", "2026-03-03T14:30:00+00:00", "dubois", "TASSE-01", "Tasse en grès émaillé", 6,
     "60.00", "0.00", "60.00", "0.00", "0.00", {}),
    ("402-1000004-0000004", "2026-03-03T14:30:00+00:00", "dubois", "PLAID-LIN", "Plaid en lin lavé", 2,
     "148.33", "0.00", "148.33", "0.00", "0.00", {}),
    ("406-1000005-0000005", "2026-03-04T08:05:00+00:00", "garcia", "ESPEJO-01", "Miroir en rotin", 1,
     "36.30", "6.30", "30.00", "4.84", "0.84", {}),
    ("406-1000006-0000006", "2026-03-04T18:20:00+00:00", "dupre", "TASSE-01", "Tasse en grès émaillé", 3,
     "36.00", "6.00", "30.00", "0.00", "0.00", {}),
]


def export_rows() -> list[dict]:
    rows = []
    for n, (oid, when, who, sku, label, qty, ttc, tax, ht, ship, ship_tax, extra) in enumerate(_LINES, 1):
        r = dict.fromkeys(HEADER, "")
        values = dict(order_id=oid, order_item_id=f"{50000000000000 + n}", purchase_date=when, payments_date=when,
                      sku=sku, product_name=label, quantity_purchased=str(qty), currency="EUR", item_price=ttc,
                      item_tax=tax, vat_exclusive_item_price=ht, shipping_price=ship, shipping_tax=ship_tax,
                      ship_service_level="Standard", is_business_order="false")
        values.update(_PEOPLE[who])
        values.update(extra)
        for key, value in values.items():
            r[key.replace("_", "-")] = value
        rows.append(r)
    return rows


def write_export(path: Path) -> Path:
    lines = ["\t".join(HEADER)]
    for r in export_rows():
        lines.append("\t".join(r.get(h, "") for h in HEADER))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
