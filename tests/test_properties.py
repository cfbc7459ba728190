"""Properties of the books over generated exports, on SQLite, PostgreSQL and MariaDB (hypothesis, bounded).

For any export Vérifier accepts, what Intégrer stores satisfies (SPEC §7 "Money and VAT"):
- every stored line is consistent at its own rate: |TVA − HT × taux / 100| ≤ 0.01 × max(1, quantité);
- each invoice's TTC equals Amazon's amounts for the order (items + shipping + gift wrap − promotions) to the
  cent, or, for a marketplace deemed supplier sale, invoice TTC + taxe_marketplace does;
- the per-rate bases (HT) of a file add up to the file's HT, and its VAT likewise;
- integrating the same file again changes nothing but the audit trail.
Exports mix French, OSS, intra-EU B2B, export and UK deemed-supplier orders, several rates per order, Amazon
taxes exact, a cent off, zero or missing, shipping per row with or without tax, promotions and gift wrap.
"""

import itertools
from datetime import date
from decimal import ROUND_HALF_UP, Decimal as D

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from amazon_addin.gestan import Schema, make_engine
from amazon_addin.gestan.integrate import integrate_table
from amazon_addin.reader import read_table
from amazon_addin.settings import Settings
from exportgen import row, write_ecb_rates, write_txt

CENT = D("0.01")
TODAY = date(2026, 12, 2)
DESTINATIONS = {
    # kind: (country, postcode, currency, legal rates Amazon may charge; () = zero-rated)
    "FR": ("FR", "75011", "EUR", (D(20), D(10), D("5.5"))),
    "DE": ("DE", "10115", "EUR", (D(19), D(7))),
    "ES": ("ES", "28013", "EUR", (D(21), D(10), D(4))),
    "IC": ("BE", "1000", "EUR", ()),
    "EXPORT": ("US", "10001", "USD", ()),
    "DEEMED": ("GB", "SW1A 1AA", "GBP", (D(20),)),
}
_ORDER_NUMBERS = itertools.count(1)


def money(x: D) -> D:
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


@st.composite
def amount_with_tax(draw, low: int, high: int, rate: D | None, qty: int = 1, taxed: bool = False):
    """A TTC in cents and the tax Amazon gives with it: exact, a cent off within the tolerance, 0 or missing."""
    ttc = D(draw(st.integers(low, high))) / 100
    if rate is None:  # zero-rated: Amazon gives no tax
        return ttc, draw(st.sampled_from(["0.00", ""]))
    exact = money(ttc * rate / (100 + rate))
    modes = ["exact", "off"] if taxed else ["exact", "exact", "off", "zero", "empty"]
    mode = draw(st.sampled_from(modes))
    if mode == "off" and exact > CENT:
        return ttc, str(exact + draw(st.sampled_from([CENT, -CENT])))
    if mode == "zero":
        return ttc, "0.00"
    if mode == "empty":
        return ttc, ""
    return ttc, str(exact)


@st.composite
def export_order(draw):
    kind = draw(st.sampled_from(list(DESTINATIONS)))
    country, postcode, currency, rates = DESTINATIONS[kind]
    oid = f"405-{next(_ORDER_NUMBERS):07d}-{draw(st.integers(0, 9999999)):07d}"
    day = draw(st.sampled_from(["2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05"]))
    common = dict(order_id=oid, currency=currency, ship_country=country, ship_postal_code=postcode,
                  ship_city="Ville", bill_country=country, bill_postal_code=postcode, bill_city="Ville",
                  purchase_date=f"{day}T10:00:00+00:00", payments_date=f"{day}T10:00:00+00:00",
                  vat_exclusive_item_price="", vat_exclusive_shipping_price="")
    if kind == "IC":
        common.update(is_business_order="true", buyer_tax_registration_id="BE0403019261", bill_name="Atelier SA")
    small = kind == "DEEMED"  # a UK consignment stays under £135
    rows = []
    for _ in range(draw(st.integers(1, 3))):
        rate = draw(st.sampled_from(rates)) if rates else None
        qty = draw(st.integers(1, 3 if small else 4))
        ttc, tax = draw(amount_with_tax(100 * qty, (1500 if small else 9000) * qty, rate, qty, taxed=small))
        cells = dict(common, sku=f"GEN-{kind}-{rate}", quantity_purchased=str(qty), item_price=str(ttc),
                     item_tax=tax)
        if draw(st.booleans()) and tax not in ("", "0.00"):  # Amazon's HT when it gives it
            cells["vat_exclusive_item_price"] = str(ttc - D(tax))
        if draw(st.booleans()):
            ship, ship_tax = draw(amount_with_tax(1, 1200, rate, taxed=small))
            cells.update(shipping_price=str(ship), shipping_tax=ship_tax)
            if draw(st.booleans()):
                cells["ship_promotion_discount"] = str(-money(ship * D(draw(st.integers(0, 100))) / 100))
        else:
            cells.update(shipping_price="0.00", shipping_tax="0.00")
        cells["item_promotion_discount"] = str(-money(ttc * D(draw(st.sampled_from([0, 0, 10, 25]))) / 100))
        if draw(st.integers(0, 3)) == 0:
            gift, gift_tax = draw(amount_with_tax(50, 500, rate, taxed=small))
            cells.update(gift_wrap_price=str(gift), gift_wrap_tax=gift_tax)
        rows.append(row(**cells))
    return rows


exports = st.lists(export_order(), min_size=1, max_size=4).map(lambda orders: [r for o in orders for r in o])


def amazon_amounts(rows) -> dict:
    """What Amazon says each order comes to: items + shipping + gift wrap − promotions."""
    out = {}
    for r in rows:
        total = D(r["item-price"]) + D(r["shipping-price"] or 0) + D(r["gift-wrap-price"] or 0)
        total -= abs(D(r["item-promotion-discount"] or 0)) + abs(D(r["ship-promotion-discount"] or 0))
        out[r["order-id"]] = out.get(r["order-id"], D(0)) + total
    return out


def dec(value) -> D:
    return money(D(str(value)))


@pytest.fixture
def rates_settings(tmp_path):
    rates = write_ecb_rates(tmp_path / "eurofxref-hist.csv")
    return Settings(vies="non", taux_change=str(rates))


@pytest.mark.parametrize("examples", [20])
def test_books_hold_over_generated_exports(demo_base, rates_settings, tmp_path, examples):
    base = demo_base
    engine = make_engine(base.url)
    schema = Schema()
    files = itertools.count()

    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                     HealthCheck.data_too_large])
    @given(rows=exports)
    def books_hold(rows):
        path = write_txt(tmp_path / f"export{next(files)}.txt", rows)
        expected = amazon_amounts(rows)
        summary = integrate_table(engine, schema, read_table(path), rates_settings, file_name=path.name,
                                  sha256=path.name, today=TODAY)
        assert sorted(i["commande"] for i in summary.invoices) == sorted(expected)
        ids = ", ".join(f"'{o}'" for o in expected)
        invoices = base.query("select id, commande, regime, total_ht, total_tva, total_ttc, taxe_marketplace "
                              f"from factures where commande in ({ids})")
        lines = base.query("select facture_id, quantite, montant_ht, montant_tva, montant_ttc, taux_tva "
                           f"from lignes_facture where facture_id in ({', '.join(str(i[0]) for i in invoices)})")
        for _, qty, ht, tva, ttc, rate in lines:
            ht, tva, ttc, rate = dec(ht), dec(tva), dec(ttc), D(str(rate))
            assert abs(tva - ht * rate / 100) <= CENT * max(1, qty), (ht, tva, rate, qty)
            assert ht + tva == ttc
        by_invoice: dict = {}
        for facture_id, _, ht, tva, ttc, _ in lines:
            sums = by_invoice.setdefault(facture_id, [D(0), D(0), D(0)])
            for k, v in enumerate((ht, tva, ttc)):
                sums[k] += dec(v)
        for fid, commande, regime, ht, tva, ttc, marketplace in invoices:
            assert [dec(ht), dec(tva), dec(ttc)] == by_invoice[fid]  # totals are sums of the stored lines
            kept = dec(marketplace or 0)
            assert dec(ttc) + kept == expected[commande], (commande, regime)
            assert kept == 0 or regime == "DEEMED"
        per_rate: dict = {}
        for _, _, ht, tva, _, rate in lines:
            base_, vat = per_rate.setdefault(D(str(rate)), [D(0), D(0)])
            per_rate[D(str(rate))] = [base_ + dec(ht), vat + dec(tva)]
        assert sum(b for b, _ in per_rate.values()) == sum(dec(i[3]) for i in invoices)
        assert sum(v for _, v in per_rate.values()) == sum(dec(i[4]) for i in invoices)
        # Again: nothing new, nothing changed, every order counted as skipped.
        before = base.dump()
        again = integrate_table(engine, schema, read_table(path), rates_settings, file_name=path.name,
                                sha256=path.name, today=TODAY)
        assert (len(again.invoices), len(again.skipped)) == (0, len(expected))
        after = base.dump()
        assert len(after.pop("integrations_amazon")) == len(before.pop("integrations_amazon")) + 1
        assert after == before

    try:
        books_hold()
    finally:
        engine.dispose()
