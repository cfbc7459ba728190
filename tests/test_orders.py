"""Orders and money: lines HT/TVA/TTC, shipping, promotions, gift wrap; totals equal Amazon's to the cent."""

from decimal import Decimal as D

from amazon_addin.settings import Settings
from amazon_addin.verify import verify_file
from exportgen import row, write_txt

SETTINGS = Settings(vies="non", date_facture="achat")


def orders_of(tmp_path, rows, settings=SETTINGS):
    path = write_txt(tmp_path / "export.txt", rows)
    result = verify_file(path, settings)
    return result, {o.order_id: o for o in result.orders}


def amazon_total(rows):
    total = D(0)
    for r in rows:
        for key, sign in (("item-price", 1), ("shipping-price", 1), ("gift-wrap-price", 1),
                          ("item-promotion-discount", -1), ("ship-promotion-discount", -1)):
            value = r.get(key) or "0"
            total += sign * abs(D(value)) if sign < 0 else D(value)
    return total


def test_multi_item_order_reconciles(tmp_path):
    oid = "405-7000000-0000001"
    rows = [
        row(order_id=oid, sku="A", quantity_purchased="3", item_price="35.97", item_tax="5.99",
            vat_exclusive_item_price="29.98", shipping_price="4.99", shipping_tax="0.83",
            vat_exclusive_shipping_price="4.16"),
        row(order_id=oid, sku="LIVRE", item_price="15.83", item_tax="0.83", vat_exclusive_item_price="15.00",
            shipping_price="1.00", shipping_tax="0.17", vat_exclusive_shipping_price="0.83"),
    ]
    result, orders = orders_of(tmp_path, rows)
    # The book row's shipping tax is at 20 %, not its item's 5.5 %: kept as Amazon gave it, and said.
    assert [(f.cell, f.code) for f in result.findings] == [("O3", "W_TAUX_TVA")]
    assert "5,5 %" in result.findings[0].message and "20 %" in result.findings[0].message
    o = orders[oid]
    kinds = [(l.kind, l.product_code, l.rate) for l in o.lines]
    assert kinds == [("item", "A", 20), ("item", "LIVRE", D("5.5")), ("shipping", "PORT", 20)]
    a = o.lines[0]
    assert (a.quantity, a.unit_ht, a.ht, a.tva, a.ttc) == (3, D("9.9933"), D("29.98"), D("5.99"), D("35.97"))
    ship = o.lines[-1]
    assert (ship.ht, ship.tva, ship.ttc) == (D("4.99"), D("1.00"), D("5.99"))
    assert o.total_ttc == amazon_total(rows) == o.amazon_ttc == D("57.79")
    assert o.total_ht + o.total_tva == o.total_ttc


def test_shipping_follows_row_rate(tmp_path):
    # The book and mug: shipping 6.00 / tax 0.77 split per row by Amazon (4.00 at 20 %, 2.00 at 5.5 %).
    oid = "405-7000000-0000002"
    rows = [
        row(order_id=oid, sku="TASSE", item_price="12.00", item_tax="2.00", vat_exclusive_item_price="",
            shipping_price="4.00", shipping_tax="0.67", vat_exclusive_shipping_price=""),
        row(order_id=oid, sku="LIVRE", item_price="21.10", item_tax="1.10", vat_exclusive_item_price="",
            shipping_price="2.00", shipping_tax="0.10", vat_exclusive_shipping_price=""),
    ]
    result, orders = orders_of(tmp_path, rows)
    assert result.findings == []
    lines = [(l.ht, l.tva, l.rate) for l in orders[oid].lines if l.kind == "shipping"]
    assert lines == [(D("3.33"), D("0.67"), 20), (D("1.90"), D("0.10"), D("5.5"))]
    assert orders[oid].total_ttc == amazon_total(rows) == D("39.10")


def test_untaxed_shipping_on_a_mixed_rate_order_split_pro_rata_of_the_items_ttc(tmp_path):
    oid = "405-7000000-0000012"
    # Shipping 6.00 with no tax on a 20 % + 5.5 % order: split pro rata of the items' TTC (24.00 / 21.10),
    # half-up, the last part taking the remainder: 3.19 at 20 %, 2.81 at 5.5 %.
    rows = [
        row(order_id=oid, sku="A", item_price="24.00", item_tax="4.00", vat_exclusive_item_price="20.00",
            shipping_price="6.00", shipping_tax="", vat_exclusive_shipping_price=""),
        row(order_id=oid, sku="B", item_price="21.10", item_tax="1.10", vat_exclusive_item_price="20.00"),
    ]
    result, orders = orders_of(tmp_path, rows)
    (f,) = result.findings
    assert (f.code, f.cell, f.suggestion) == ("W_TVA_CALCULEE", "O2", None)
    assert "3,19 à 20 %" in f.message and "2,81 à 5,5 %" in f.message
    lines = [(l.ttc, l.ht, l.tva, l.rate) for l in orders[oid].lines if l.kind == "shipping"]
    assert lines == [(D("3.19"), D("2.66"), D("0.53"), 20), (D("2.81"), D("2.66"), D("0.15"), D("5.5"))]
    assert orders[oid].total_ttc == amazon_total(rows)


def test_shipping_vat_derived_at_the_items_rate(tmp_path):
    oid = "405-7000000-0000003"
    rows = [row(order_id=oid, item_price="24.00", item_tax="0.00", vat_exclusive_item_price="",
                shipping_price="5.00", shipping_tax="0.00", vat_exclusive_shipping_price="")]
    result, orders = orders_of(tmp_path, rows)
    assert sorted(f.column for f in result.findings) == ["item-tax", "shipping-tax"]
    assert all(f.code == "W_TVA_CALCULEE" for f in result.findings)
    ship = orders[oid].lines[-1]
    assert (ship.ht, ship.tva, ship.rate) == (D("4.17"), D("0.83"), 20)
    assert orders[oid].total_ttc == D("29.00")


def test_promotions_and_gift_wrap_lines_in_order(tmp_path):
    oid = "405-7000000-0000004"
    rows = [row(order_id=oid, sku="A", item_price="24.00", item_tax="4.00", vat_exclusive_item_price="20.00",
                gift_wrap_price="3.00", gift_wrap_tax="0.50", item_promotion_discount="-2.40",
                shipping_price="4.80", shipping_tax="0.80", vat_exclusive_shipping_price="4.00",
                ship_promotion_discount="-4.80")]
    result, orders = orders_of(tmp_path, rows)
    assert result.findings == []
    o = orders[oid]
    assert [l.kind for l in o.lines] == ["item", "gift", "promo", "ship_promo", "shipping"]
    gift, promo, ship_promo, ship = o.lines[1:]
    assert (gift.product_code, gift.ttc, gift.tva, gift.rate) == ("EMBALLAGE", D("3.00"), D("0.50"), 20)
    # The item promotion reduces the item; the free-shipping one reduces the shipping, never the items.
    assert (promo.product_code, promo.ttc, promo.ht, promo.tva) == ("REMISE", D("-2.40"), D("-2.00"), D("-0.40"))
    assert (ship_promo.product_code, ship_promo.ttc, ship_promo.ht, ship_promo.tva, ship_promo.rate) == (
        "PORT", D("-4.80"), D("-4.00"), D("-0.80"), 20)
    assert (ship.product_code, ship.ttc) == ("PORT", D("4.80"))
    assert o.total_ttc == amazon_total(rows) == D("24.60")


def test_settings_name_the_products(tmp_path):
    s = Settings(produit_port="TRANSPORT", produit_remise="RABAIS", produit_emballage="PAPIER")
    oid = "405-7000000-0000005"
    rows = [row(order_id=oid, gift_wrap_price="1.20", gift_wrap_tax="0.20", item_promotion_discount="1.20",
                shipping_price="1.20", shipping_tax="0.20", vat_exclusive_shipping_price="")]
    _, orders = orders_of(tmp_path, rows, s)
    assert [l.product_code for l in orders[oid].lines] == ["TASSE-GRES-01", "PAPIER", "RABAIS", "TRANSPORT"]
    assert orders[oid].lines[2].label == "Remise TASSE-GRES-01"


def test_invoice_date_in_seller_time_zone_and_billing_fallback(tmp_path):
    oid = "405-7000000-0000006"
    rows = [row(order_id=oid, purchase_date="2026-10-31T23:40:00+00:00", payments_date="2026-10-31T23:40:00+00:00",
                bill_name="", bill_address_1="", bill_city="", bill_postal_code="", bill_country="")]
    _, orders = orders_of(tmp_path, rows)
    o = orders[oid]
    assert str(o.sale_date) == str(o.invoice_date) == "2026-11-01"  # date_facture = achat
    assert (o.billing.line1, o.billing.city, o.billing.postcode) == (o.shipping.line1, o.shipping.city,
                                                                       o.shipping.postcode)
    assert o.billing.name == "Cécile Dupré"
    new_york = Settings(fuseau_horaire="America/New_York", date_facture="achat")
    _, ny = orders_of(tmp_path, rows, new_york)
    assert str(ny[oid].invoice_date) == "2026-10-31"


def test_many_orders_reconcile_per_order_and_per_file(tmp_path):
    import random

    rnd = random.Random(42)
    rows = []
    for n in range(60):
        oid = f"405-71{n:05d}-0000000"
        for k in range(rnd.randint(1, 3)):
            rate = rnd.choice([D(20), D(10), D("5.5")])
            ttc = D(rnd.randint(100, 20000)) / 100
            ht = (ttc * 100 / (100 + rate)).quantize(D("0.01"))
            ship = D(rnd.choice([0, 0, 399, 490])) / 100
            rows.append(row(order_id=oid, sku=f"S{k}", item_price=str(ttc), item_tax=str(ttc - ht),
                            vat_exclusive_item_price=str(ht), shipping_price=str(ship), shipping_tax="",
                            vat_exclusive_shipping_price="", quantity_purchased=str(rnd.randint(1, 4))))
    result, orders = orders_of(tmp_path, rows)
    assert not [f for f in result.findings if f.severity == "error"]
    assert len(orders) == 60
    for o in orders.values():
        assert o.total_ttc == o.amazon_ttc
        assert all(l.ht + l.tva == l.ttc for l in o.lines)
    assert sum(o.total_ttc for o in orders.values()) == amazon_total(rows)
