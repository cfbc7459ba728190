"""SPEC §7 "Money and VAT" and "Integration", rule by rule: a worked example each, through the real reader.

The examples of issue 13 are here with their numbers (the book and the mug, 12.00 / 13.00, 12.03 at 20 %, a
606-character name...), and others of our own. VIES is a local stand-in (conftest.py), rates a small file in
the ECB's layout: nothing reaches the network.
"""

from datetime import date
from decimal import Decimal as D

import pytest

from amazon_addin.errors import SettingsError
from amazon_addin.facts import GestanFacts, ProductFact
from amazon_addin.checks import verify_table
from amazon_addin.invoicing import plan
from amazon_addin.reader import read_table
from amazon_addin.settings import Settings
from exportgen import HEADER, row, write_ecb_rates, write_txt

BASE = Settings(vies="non")
TODAY = date(2026, 12, 2)


def verify(tmp_path, rows, settings=BASE, facts=None, header=HEADER, predictions=False, **kw):
    path = write_txt(tmp_path / "export.txt", rows, header=header)
    return verify_table(read_table(path), settings, facts, predictions, today=TODAY, **kw)


def found(result):
    return [(f.cell, f.code) for f in result.findings]


def only(result, code):
    (f,) = [f for f in result.findings if f.code == code]
    return f


def lines(order, kind=None):
    return [(l.product_code, l.ht, l.tva, l.ttc, l.rate) for l in order.lines if kind is None or l.kind == kind]


def oid(n):
    return f"405-{8000000 + n:07d}-0000001"


# ------------------------------------------------------------------------------------------------ rows

def test_identical_row_twice_is_a_warning_and_counted_once(tmp_path):
    twice = row(order_id=oid(1), order_item_id="11111111111111", quantity_purchased="2", item_price="48.00",
                item_tax="8.00", vat_exclusive_item_price="40.00")
    result = verify(tmp_path, [twice, dict(twice)])
    assert found(result) == [("B3", "W_LIGNE_DOUBLE")] and "ligne 2" in result.findings[0].message
    (o,) = result.orders
    assert [(l.quantity, l.ttc) for l in o.lines] == [(2, D("48.00"))] and o.rows == [2]


def test_same_item_with_other_cells_is_an_error(tmp_path):
    first = row(order_id=oid(2), order_item_id="22222222222222", quantity_purchased="1")
    other = dict(first, **{"quantity-purchased": "2", "item-price": "48.00", "item-tax": "8.00",
                           "vat-exclusive-item-price": "40.00"})
    result = verify(tmp_path, [first, other])
    assert found(result) == [("B3", "E_LIGNE_DOUBLE")] and result.orders == []


def test_identical_rows_without_an_item_id_column_are_an_error(tmp_path):
    header = [h for h in HEADER if h != "order-item-id"]
    same = row(order_id=oid(3))
    result = verify(tmp_path, [same, dict(same)], header=header)
    assert found(result) == [("A3", "E_LIGNE_DOUBLE")] and "supprimez la copie" in result.findings[0].message
    two_items = [row(order_id=oid(3), sku="A"), row(order_id=oid(3), sku="B")]
    assert verify(tmp_path, two_items, header=header).findings == []


# ------------------------------------------------------------------------------------------ tax sanity

def test_tax_above_its_ttc_is_an_error_on_the_tax_cell(tmp_path):
    result = verify(tmp_path, [row(order_id=oid(4), item_price="12.00", item_tax="13.00", vat_exclusive_item_price="")])
    f = only(result, "E_TVA_INCOHERENTE")
    assert (f.cell, f.suggestion) == ("M2", "2.00") and "13,00" in f.message and "20 %" in f.message
    assert result.orders == [] and result.has_errors


@pytest.mark.parametrize("ttc, tax, fixed, case", [
    ("24.00", "-1.00", "4.00", "négative"),
    ("10.00", "3.00", "1.67", "au-delà de tout taux légal"),
])
def test_negative_tax_or_a_rate_no_law_has_is_an_error(tmp_path, ttc, tax, fixed, case):
    result = verify(tmp_path, [row(order_id=oid(5), item_price=ttc, item_tax=tax, vat_exclusive_item_price="")])
    f = only(result, "E_TVA_INCOHERENTE")
    assert (f.cell, f.suggestion) == ("M2", fixed) and case in f.message


def test_tiny_amounts_snap_instead_of_failing(tmp_path):
    # 0.01 of VAT on 0.03 is 50 %, yet 0.03 × 20 / 120 = 0.005 is within the cent: a 20 % line.
    result = verify(tmp_path, [row(order_id=oid(6), item_price="0.03", item_tax="0.01", vat_exclusive_item_price="")])
    assert result.findings == [] and lines(result.orders[0]) == [("TASSE-GRES-01", D("0.02"), D("0.01"), D("0.03"), 20)]


def test_shipping_and_gift_wrap_taxes_are_checked_too(tmp_path):
    result = verify(tmp_path, [row(order_id=oid(7), shipping_price="5.00", shipping_tax="5.00",
                                   vat_exclusive_shipping_price="", gift_wrap_price="2.00", gift_wrap_tax="-0.33")])
    assert sorted(found(result)) == [("AV2", "E_TVA_INCOHERENTE"), ("O2", "E_TVA_INCOHERENTE")]
    assert {f.suggestion for f in result.findings} == {"0.83", "0.33"}
    # Amazon's own HT of 0.00 beside it: 0.83 would break the row's arithmetic, so nothing is suggested.
    result = verify(tmp_path, [row(order_id=oid(7), shipping_price="5.00", shipping_tax="5.00",
                                   vat_exclusive_shipping_price="0.00")])
    assert [(f.cell, f.suggestion) for f in result.findings if f.code == "E_TVA_INCOHERENTE"] == [("O2", None)]


def test_ht_given_and_tax_empty_gives_the_tax(tmp_path):
    result = verify(tmp_path, [row(order_id=oid(8), item_price="21.10", item_tax="", vat_exclusive_item_price="20.00")])
    assert result.findings == []
    assert lines(result.orders[0]) == [("TASSE-GRES-01", D("20.00"), D("1.10"), D("21.10"), D("5.5"))]


# ------------------------------------------------------------------------------------------- rounding

def test_derived_vat_comes_from_the_ttc_half_up(tmp_path):
    # 12.03 at 20 %: VAT = 12.03 × 20 / 120 = 2.005 → 2.01, HT = 10.02 (not HT first: 10.025 → 10.03).
    result = verify(tmp_path, [row(order_id=oid(9), item_price="12.03", item_tax="0.00", vat_exclusive_item_price="")])
    f = only(result, "W_TVA_CALCULEE")
    assert (f.cell, f.column, f.suggestion) == ("M2", "item-tax", "2.01")
    assert lines(result.orders[0]) == [("TASSE-GRES-01", D("10.02"), D("2.01"), D("12.03"), 20)]


def test_unit_price_ht_half_up_to_four_decimals(tmp_path):
    result = verify(tmp_path, [row(order_id=oid(10), quantity_purchased="3", item_price="20.00", item_tax="3.33",
                                   vat_exclusive_item_price="16.67")])
    (line,) = result.orders[0].lines
    assert (line.ht, line.unit_ht) == (D("16.67"), D("5.5567"))  # 5.55666… half-up


def test_vat_computed_sits_on_the_tax_cell_never_on_the_price(tmp_path):
    """Corriger writes a suggestion into the cell it marks: a VAT suggested on item-price would destroy the price."""
    from amazon_addin.excel import addin as A
    from amazon_addin.excel import engine as E
    from amazon_addin.excel.corriger import run_corriger

    header = [h for h in HEADER if h not in ("item-tax", "vat-exclusive-item-price")]
    result = verify(tmp_path, [row(order_id=oid(11), item_price="24.00")], header=header)
    f = only(result, "W_TVA_CALCULEE")
    assert (f.column, f.cell, f.suggestion) == ("item-tax", None, "4.00")
    E.activate()
    book = E.new_book()
    book.sheets[0].name = A.ORDER_SHEET
    A.load_export(book, tmp_path / "export.txt", BASE)
    A.run_verifier(book, BASE)
    assert run_corriger(book, BASE)[0] == 0
    assert book.sheets[A.ORDER_SHEET].range("L2").value == 24.0  # the price is still the price
    book.close()


# ---------------------------------------------------------------------------- the catalogue rate (4b)

BOOK = ProductFact("LIVRE", "Livre", D("5.5"), False, 0, 0)


def test_catalogue_rate_rules_a_french_sale(tmp_path):
    # Amazon taxed the book at 20 % (3.52); Gestan says 5.5 %: the invoice carries 1.10, never 3.52.
    facts = GestanFacts(products={"LIVRE": BOOK})
    result = verify(tmp_path, [row(order_id=oid(12), sku="LIVRE", item_price="21.10", item_tax="3.52",
                                   vat_exclusive_item_price="")], facts=facts)
    f = only(result, "W_TAUX_TVA")
    assert (f.cell, f.suggestion) == ("M2", "1.10") and "20 %" in f.message and "5,5 %" in f.message
    assert lines(result.orders[0]) == [("LIVRE", D("20.00"), D("1.10"), D("21.10"), D("5.5"))]


def test_catalogue_rate_does_not_rule_an_oss_sale(tmp_path):
    facts = GestanFacts(products={"LIVRE": BOOK})
    result = verify(tmp_path, [row(order_id=oid(13), sku="LIVRE", item_price="21.40", item_tax="1.40",
                                   vat_exclusive_item_price="", ship_country="DE", ship_postal_code="10115",
                                   bill_country="DE", bill_postal_code="10115")], facts=facts)
    assert result.findings == [] and result.orders[0].regime == "OSS-DE"
    assert lines(result.orders[0]) == [("LIVRE", D("20.00"), D("1.40"), D("21.40"), 7)]


# --------------------------------------------------------------------------- shipping, gift wrap, promotions

def test_gift_wrap_follows_its_row_rate(tmp_path):
    facts = GestanFacts(products={"LIVRE": BOOK})
    result = verify(tmp_path, [row(order_id=oid(14), sku="LIVRE", item_price="21.10", item_tax="1.10",
                                   vat_exclusive_item_price="", gift_wrap_price="2.11", gift_wrap_tax="0.00")],
                    facts=facts)
    f = only(result, "W_TVA_CALCULEE")
    assert (f.cell, f.suggestion) == ("AV2", "0.11")
    assert lines(result.orders[0], "gift") == [("EMBALLAGE", D("2.00"), D("0.11"), D("2.11"), D("5.5"))]


def test_free_shipping_promotion_reduces_shipping_never_items(tmp_path):
    facts = GestanFacts(products={"LIVRE": BOOK})
    rows = [row(order_id=oid(15), sku="LIVRE", item_price="21.10", item_tax="1.10", vat_exclusive_item_price="",
                shipping_price="4.22", shipping_tax="0.22", vat_exclusive_shipping_price="",
                ship_promotion_discount="-4.22")]
    result = verify(tmp_path, rows, facts=facts)
    assert result.findings == []
    o = result.orders[0]
    assert lines(o) == [("LIVRE", D("20.00"), D("1.10"), D("21.10"), D("5.5")),
                        ("PORT", D("-4.00"), D("-0.22"), D("-4.22"), D("5.5")),
                        ("PORT", D("4.00"), D("0.22"), D("4.22"), D("5.5"))]
    assert o.total_ttc == D("21.10")


def test_promotion_larger_than_its_item_warns_and_a_negative_invoice_is_refused(tmp_path):
    rows = [row(order_id=oid(16), item_price="10.00", item_tax="1.67", vat_exclusive_item_price="",
                item_promotion_discount="-12.00")]
    result = verify(tmp_path, rows)
    assert sorted(found(result)) == [("A2", "E_FACTURE_NEGATIVE"), ("AS2", "W_REMISE_EXCESSIVE")]
    assert "avoir" in only(result, "E_FACTURE_NEGATIVE").message and result.orders == []
    covered = [dict(rows[0], **{"shipping-price": "5.00", "shipping-tax": "0.83", "vat-exclusive-shipping-price": ""})]
    result = verify(tmp_path, covered)
    assert found(result) == [("AS2", "W_REMISE_EXCESSIVE")] and result.orders[0].total_ttc == D("3.00")


# ------------------------------------------------------------------------------------------------ regimes

def b2b(n, country="BE", postcode="1000", number="BE0403019261", **kw):
    values = dict(order_id=oid(n), ship_country=country, ship_postal_code=postcode, ship_city="Ville",
                  bill_country=country, bill_postal_code=postcode, bill_city="Ville", is_business_order="true",
                  buyer_tax_registration_id=number, item_price="24.00", item_tax="0.00",
                  vat_exclusive_item_price="24.00")
    values.update(kw)
    return row(**values)


def test_delivery_to_lyon_with_a_belgian_vat_number_is_french_taxable(tmp_path, vies_server):
    vies_server.answers["BE0403019261"] = "valid"
    settings = Settings(vies_url=vies_server.url)
    rows = [b2b(17, country="FR", postcode="69006", item_tax="4.00", vat_exclusive_item_price="20.00")]
    result = verify(tmp_path, rows, settings)
    assert result.findings == [] and result.orders[0].regime == "FR" and result.orders[0].total_tva == D("4.00")
    assert vies_server.requests == []  # not a reverse-charge candidate: VIES is not even asked


def test_reverse_charge_needs_the_number_confirmed_in_vies(tmp_path, vies_server):
    vies_server.answers["BE0403019261"] = "valid"
    settings = Settings(vies_url=vies_server.url, tva_vendeur="FR40303265045")
    result = verify(tmp_path, [b2b(18), b2b(19, sku="AUTRE")], settings)
    assert result.findings == []
    o = result.orders[0]
    assert (o.regime, o.total_tva, o.mention) == ("IC", D("0.00"),
                                                   "Exonération de TVA, article 262 ter I du CGI – Autoliquidation")
    assert o.vies.reference == "WAPI00000001" and str(o.vies.checked_at) == "2026-03-05 10:15:30"
    # One question per number in a run, in the Commission's request shape, with the seller as requester.
    assert vies_server.requests == [{"countryCode": "BE", "vatNumber": "0403019261",
                                     "requesterMemberStateCode": "FR", "requesterNumber": "40303265045"}]


@pytest.mark.parametrize("answer, said", [("invalid", "inconnu ou inactif"), ("MS_UNAVAILABLE", "ne répond pas")])
def test_a_number_vies_does_not_confirm_is_booked_taxable(tmp_path, vies_server, answer, said):
    vies_server.answers["BE0403019261"] = answer
    result = verify(tmp_path, [b2b(20)], Settings(vies_url=vies_server.url))
    f = only(result, "W_VIES")
    assert f.cell == "AP2" and said in f.message and "OSS-BE" in f.message
    o = result.orders[0]
    assert (o.regime, o.total_tva) == ("OSS-BE", D("4.17")) and o.mention is None  # 21 % from the TTC
    assert only(result, "W_TVA_CALCULEE").cell == "M2"


def test_vies_unreachable_is_said_once_and_booked_taxable(tmp_path):
    import socket

    with socket.socket() as s:  # a port nobody listens on: connection refused at once
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = Settings(vies_url=f"http://127.0.0.1:{port}/check-vat-number")
    result = verify(tmp_path, [b2b(21), b2b(22, number="DE136695976", country="DE", postcode="10115")], settings)
    assert [f.cell for f in result.findings if f.code == "W_VIES"] == ["AP2", "AP3"]
    assert all("injoignable" in f.message for f in result.findings if f.code == "W_VIES")
    assert [o.regime for o in result.orders] == ["OSS-BE", "OSS-DE"]


def test_vies_off_means_syntax_only(tmp_path):
    result = verify(tmp_path, [b2b(23), b2b(24, number="BE0403019262")], BASE)  # the second fails its check digits
    assert [o.regime for o in result.orders] == ["IC", "OSS-BE"] and result.orders[0].vies is None


@pytest.mark.parametrize("country, postcode, why", [("US", "10001", "hors de l'Union"),
                                                    ("FR", "97100", "outre-mer"),
                                                    ("ES", "35001", "hors du champ")])
def test_amazon_vat_on_an_export_is_an_error_saying_why(tmp_path, country, postcode, why):
    result = verify(tmp_path, [row(order_id=oid(25), ship_country=country, ship_postal_code=postcode,
                                   item_price="24.00", item_tax="4.00", vat_exclusive_item_price="20.00")])
    f = only(result, "E_TVA_REGIME")
    # With Amazon's own HT beside it, 0.00 alone would break the row's arithmetic: two cells to fix, no suggestion.
    assert (f.cell, f.suggestion) == ("M2", None) and "EXPORT" in f.message and why in f.message
    alone = verify(tmp_path, [row(order_id=oid(25), ship_country=country, ship_postal_code=postcode,
                                  item_price="24.00", item_tax="4.00", vat_exclusive_item_price="")])
    assert (only(alone, "E_TVA_REGIME").cell, only(alone, "E_TVA_REGIME").suggestion) == ("M2", "0.00")
    fixed = verify(tmp_path, [row(order_id=oid(25), ship_country=country, ship_postal_code=postcode,
                                  item_price="24.00", item_tax="0.00", vat_exclusive_item_price="")])
    assert fixed.findings == [] and lines(fixed.orders[0]) == [("TASSE-GRES-01", D("24.00"), 0, D("24.00"), 0)]
    assert fixed.orders[0].mention == "Exonération de TVA, article 262 I du CGI"


def test_amazon_vat_on_a_confirmed_reverse_charge_is_an_error(tmp_path):
    result = verify(tmp_path, [b2b(26, item_tax="4.17", vat_exclusive_item_price="19.83")])
    f = only(result, "E_TVA_REGIME")
    assert f.cell == "M2" and "IC" in f.message and "autoliquidation" in f.message


def test_uk_marketplace_deemed_supplier_up_to_135_pounds(tmp_path, rates_file):
    settings = Settings(vies="non", taux_change=str(rates_file))
    small = row(order_id=oid(27), currency="GBP", ship_country="GB", ship_postal_code="SW1A 1AA", item_price="12.00",
                item_tax="2.00", vat_exclusive_item_price="10.00", shipping_price="3.60", shipping_tax="0.60",
                vat_exclusive_shipping_price="")
    result = verify(tmp_path, [small], settings)
    assert found(result) == [("M2", "I_TVA_MARKETPLACE")]
    o = result.orders[0]
    assert (o.regime, o.total_ht, o.total_tva, o.total_ttc, o.taxe_marketplace) == (
        "DEEMED", D("13.00"), 0, D("13.00"), D("2.60"))
    assert o.total_ttc + o.taxe_marketplace == o.amazon_ttc == D("15.60")
    big = dict(small, **{"item-price": "240.00", "item-tax": "40.00", "vat-exclusive-item-price": "200.00"})
    result = verify(tmp_path, [big], settings)  # above £135: not Amazon's tax to collect
    assert [(f.cell, "EXPORT" in f.message) for f in result.findings] == [("M2", True), ("O2", True)]


def test_norway_limit_is_per_item_in_kroner(tmp_path, rates_file):
    settings = Settings(vies="non", taux_change=str(rates_file))
    rows = [row(order_id=oid(28), currency="NOK", ship_country="NO", ship_postal_code="0150", item_price="1250.00",
                item_tax="250.00", vat_exclusive_item_price="1000.00", quantity_purchased="1"),
            row(order_id=oid(28), sku="B", currency="NOK", ship_country="NO", ship_postal_code="0150",
                item_price="3125.00", item_tax="625.00", vat_exclusive_item_price="2500.00")]
    result = verify(tmp_path, rows, settings)
    assert result.orders[0].regime == "DEEMED"  # 3 500 NOK in all, each item under 3 000
    rows[1] = dict(rows[1], **{"item-price": "3751.25", "item-tax": "750.25", "vat-exclusive-item-price": "3001.00"})
    assert [(f.cell, f.code) for f in verify(tmp_path, rows, settings).findings] == [
        ("M2", "E_TVA_REGIME"), ("M3", "E_TVA_REGIME")]


def test_northern_ireland_follows_eu_rules_at_uk_rates(tmp_path, rates_file):
    settings = Settings(vies="non", taux_change=str(rates_file))
    result = verify(tmp_path, [row(order_id=oid(29), currency="GBP", ship_country="GB", ship_postal_code="BT1 1AA",
                                   item_price="12.00", item_tax="2.00", vat_exclusive_item_price="10.00")], settings)
    assert result.findings == [] and result.orders[0].regime == "OSS-XI"
    assert lines(result.orders[0]) == [("TASSE-GRES-01", D("10.00"), D("2.00"), D("12.00"), 20)]


def test_regime_ue_france_charges_french_vat_on_eu_consumer_sales(tmp_path):
    german = row(order_id=oid(30), ship_country="DE", ship_postal_code="10115", item_price="24.00", item_tax="4.00",
                 vat_exclusive_item_price="20.00")
    assert found(verify(tmp_path, [german])) == [("M2", "W_TAUX_TVA")]  # OSS: 20 % is not German
    result = verify(tmp_path, [german], Settings(vies="non", regime_ue="france"))
    assert result.findings == [] and (result.orders[0].regime, result.orders[0].total_tva) == ("FR", D("4.00"))


def test_franchise_sellers_invoice_without_vat(tmp_path):
    settings = Settings(vies="non", franchise_tva="oui")
    result = verify(tmp_path, [row(order_id=oid(31), item_price="24.00", item_tax="0.00", vat_exclusive_item_price="")],
                    settings)
    o = result.orders[0]
    assert result.findings == [] and (o.regime, o.total_ht, o.total_tva) == ("FRANCHISE", D("24.00"), 0)
    assert o.mention == "TVA non applicable, art. 293 B du CGI"
    taxed = verify(tmp_path, [row(order_id=oid(31))], settings)
    assert "FRANCHISE" in only(taxed, "E_TVA_REGIME").message


def test_orders_invoiced_by_amazon_are_skipped_and_never_block(tmp_path):
    header = HEADER + ["is-amazon-invoiced"]
    rows = [row(order_id=oid(32), is_amazon_invoiced="true", quantity_purchased="0"),
            row(order_id=oid(33), is_amazon_invoiced="false")]
    result = verify(tmp_path, rows, header=header)
    f = only(result, "I_FACTURE_PAR_AMAZON")
    assert f.severity == "info" and f.row == 2 and "pas de seconde facture" in f.message
    assert only(result, "E_QUANTITE").severity == "info"  # its order is skipped: nothing to fix
    assert not result.has_errors and [o.order_id for o in result.orders] == [oid(33)]
    assert result.amazon_invoiced == {oid(32)}


# ----------------------------------------------------------------------------------------------- lengths

def test_a_606_character_product_name_is_cut_with_a_warning(tmp_path):
    name = ("Coffret « Été » " * 40)[:605] + "!"
    result = verify(tmp_path, [row(order_id=oid(34), product_name=name)])
    f = only(result, "W_TEXTE_TRONQUE")
    assert (f.cell, f.suggestion) == ("I2", name[:500]) and "606" in f.message and "500" in f.message
    assert result.orders[0].lines[0].label == name[:500]


def test_a_sku_too_long_for_gestan_is_an_error(tmp_path):
    result = verify(tmp_path, [row(order_id=oid(35), sku="S" * 61)])
    f = only(result, "E_TROP_LONG")
    assert f.cell == "H2" and f.suggestion is None and "produits.code" in f.message and result.orders == []


def test_the_real_base_lengths_win(tmp_path):
    facts = GestanFacts(lengths={("produits", "libelle"): 30, ("lignes_facture", "libelle"): None})
    result = verify(tmp_path, [row(order_id=oid(36), product_name="Tasse en grès émaillé bleu de Gien")], facts=facts)
    f = only(result, "W_TEXTE_TRONQUE")
    assert f.suggestion == "Tasse en grès émaillé bleu de " and "produits.libelle" in f.message


def test_joined_address_lines_give_way_on_the_third(tmp_path):
    result = verify(tmp_path, [row(order_id=oid(37), ship_address_2="B" * 200, ship_address_3="Escalier C " * 10)])
    f = only(result, "W_TEXTE_TRONQUE")
    assert f.cell == "T2" and len("B" * 200 + " " + f.suggestion) <= 250
    assert len(result.orders[0].shipping.line2) <= 250


# ---------------------------------------------------------------------------------------------- currency

def test_foreign_order_gets_the_last_ecb_rate_on_or_before_the_sale(tmp_path, rates_file):
    settings = Settings(vies="non", taux_change=str(rates_file))
    sweden = dict(order_id=oid(38), currency="SEK", ship_country="SE", ship_postal_code="11122",
                  item_price="250.00", item_tax="50.00", vat_exclusive_item_price="200.00")
    result = verify(tmp_path, [row(purchase_date="2026-03-04T10:00:00+00:00", **sweden)], settings)
    o = result.orders[0]
    assert result.findings == [] and (o.regime, o.taux_change) == ("OSS-SE", D("11.1985"))
    assert o.euros() == (D("17.86"), D("4.46"), D("22.32"))  # 200 / 11.1985, 50 / 11.1985
    saturday = verify(tmp_path, [row(purchase_date="2026-03-07T10:00:00+00:00", **sweden)], settings)
    assert saturday.orders[0].taux_change == D("11.2010")  # Friday's rate
    swiss = verify(tmp_path, [row(order_id=oid(39), currency="CHF", ship_country="CH", ship_postal_code="1200",
                                  item_price="24.00", item_tax="0.00", vat_exclusive_item_price="",
                                  purchase_date="2026-03-04T10:00:00+00:00")],
                   settings)
    assert swiss.orders[0].taux_change == D("0.9588")  # N/A on the 4th: the 3rd's


@pytest.mark.parametrize("currency, when, case", [("USD", "2026-03-05T10:00:00+00:00", None),
                                                  ("HUF", "2026-03-05T10:00:00+00:00", "pas de taux pour HUF"),
                                                  ("USD", "2026-04-20T10:00:00+00:00", "téléchargez à nouveau")])
def test_no_rate_is_an_error_on_the_currency_cell(tmp_path, rates_file, currency, when, case):
    us = row(order_id=oid(40), currency=currency, ship_country="US", ship_postal_code="10001", item_price="24.00",
             item_tax="0.00", vat_exclusive_item_price="", purchase_date=when)
    without = only(verify(tmp_path, [us]), "E_TAUX_CHANGE")
    assert without.cell == "K2" and "taux_change" in without.message
    result = verify(tmp_path, [us], Settings(vies="non", taux_change=str(rates_file)))
    if case is None:
        assert result.findings == [] and result.orders[0].taux_change == D("1.0850")
    else:
        assert case in only(result, "E_TAUX_CHANGE").message


def test_a_rates_file_that_cannot_be_read_is_a_settings_error(tmp_path):
    with pytest.raises(SettingsError, match="taux_change.*introuvable"):
        verify(tmp_path, [row()], Settings(taux_change=str(tmp_path / "absent.csv")))
    bad = write_ecb_rates(tmp_path / "bad.csv", "Jour;USD\n05/03/2026;1,08\n")
    with pytest.raises(SettingsError, match="eurofxref-hist.csv"):
        verify(tmp_path, [row()], Settings(taux_change=str(bad)))


# ----------------------------------------------------------------------------------- products and plan

def test_a_new_product_takes_its_rate_only_from_a_french_taxable_line(tmp_path):
    rows = [row(order_id=oid(41), sku="NEUF", ship_country="ES", ship_postal_code="28013", item_price="36.30",
                item_tax="6.30", vat_exclusive_item_price="30.00"),
            row(order_id=oid(42), sku="NEUF", item_price="21.10", item_tax="1.10", vat_exclusive_item_price="20.00"),
            row(order_id=oid(43), sku="EXPORT-SEUL", ship_country="CH", ship_postal_code="1200", item_price="50.00",
                item_tax="0.00", vat_exclusive_item_price="")]
    result = verify(tmp_path, rows)
    made = plan(result.orders, GestanFacts(), BASE).products
    assert (made["NEUF"].taux_tva, made["NEUF"].prix_ttc, made["NEUF"].count) == (D("5.5"), D("21.10"), 2)
    assert (made["EXPORT-SEUL"].taux_tva, made["EXPORT-SEUL"].prix_ttc) == (D("20"), D("60.00"))  # HT × 1.2


def test_predictions_are_what_integrer_creates(tmp_path):
    rows = [row(order_id=oid(44), sku="NEUF", ship_city="Roiffieux", ship_postal_code="07100",
                bill_city="Annonay", bill_postal_code="07100", bill_country=""),
            row(order_id=oid(45), sku="NEUF", ship_city="Roiffieux", ship_postal_code="07100")]
    facts = GestanFacts(postal={("FR", "45000", "orleans")})
    result = verify(tmp_path, rows, facts=facts, predictions=True)
    announced = sorted((f.cell, f.code, f.params.get("count")) for f in result.findings)
    assert announced == [("AL2", "W_VILLE_NOUVELLE", 1), ("H2", "W_PRODUIT_NOUVEAU", 2),
                         ("U2", "W_VILLE_NOUVELLE", 2)]
    made = plan(result.orders, facts, BASE)
    assert sorted(made.places) == [("FR", "07100", "annonay"), ("FR", "07100", "roiffieux")]  # bill-country empty
    assert list(made.products) == ["NEUF"]


# ------------------------------------------------------------------------------------- dates and journal

def test_invoice_date_is_the_issue_day_unless_achat(tmp_path):
    rows = [row(order_id=oid(46), purchase_date="2026-03-05T23:30:00+00:00")]
    o = verify(tmp_path, rows).orders[0]
    assert (o.sale_date, o.invoice_date) == (date(2026, 3, 6), TODAY)  # Paris time; issued today
    o = verify(tmp_path, rows, Settings(vies="non", date_facture="achat")).orders[0]
    assert o.invoice_date == o.sale_date == date(2026, 3, 6)


def test_an_older_sale_cannot_take_a_later_number_with_achat(tmp_path):
    facts = GestanFacts(last_dates={"FA2026": date(2026, 3, 10)})
    rows = [row(order_id=oid(47), purchase_date="2026-03-05T10:00:00+00:00")]
    f = only(verify(tmp_path, rows, Settings(vies="non", date_facture="achat"), facts=facts), "E_DATE_ANTERIEURE")
    assert (f.cell, f.severity) == ("C2", "error") and "10/03/2026" in f.message and "integration" in f.message
    assert verify(tmp_path, rows, facts=facts).findings == []  # issued today: after the 10th


def test_an_integrated_order_that_comes_back_changed_is_said(tmp_path):
    from amazon_addin.orders import fingerprint

    first = verify(tmp_path, [row(order_id=oid(48), order_item_id="48484848484848")])
    kept = fingerprint(first.cols, first.groups[oid(48)])  # what Intégrer stored in the journal
    facts = GestanFacts(integrated={oid(48): "FA2026000048"}, fingerprints={oid(48): kept})
    again = verify(tmp_path, [row(order_id=oid(48), order_item_id="48484848484848")], facts=facts)
    assert found(again) == [("A2", "I_DEJA_INTEGREE")]
    changed = verify(tmp_path, [row(order_id=oid(48), order_item_id="48484848484848", quantity_purchased="2",
                                    item_price="48.00", item_tax="8.00", vat_exclusive_item_price="40.00")],
                     facts=facts)
    f = only(changed, "W_COMMANDE_MODIFIEE")
    assert f.severity == "warning" and "FA2026000048" in f.message
    assert f"faites un avoir (`amazon-addin avoir --commande {oid(48)}`) puis intégrez à nouveau" in f.message


def test_a_tax_no_two_decimal_rate_can_hold_is_an_error(tmp_path):
    # 123.45 on 1 000.00 is 14.0836 %: stored at 14.08 %, 876.55 × 14.08 % = 123.42, three cents off its own rate.
    result = verify(tmp_path, [row(order_id=oid(49), item_price="1000.00", item_tax="123.45",
                                   vat_exclusive_item_price="")])
    f = only(result, "E_TVA_INCOHERENTE")
    assert (f.cell, f.suggestion) == ("M2", "166.67") and "14,08 %" in f.message and result.orders == []


def test_the_preview_shows_a_foreign_invoice_in_euros(tmp_path, rates_file):
    from amazon_addin.excel.addin import preview_rows

    settings = Settings(vies="non", taux_change=str(rates_file))
    result = verify(tmp_path, [row(order_id=oid(50), currency="GBP", ship_country="GB", ship_postal_code="SW1A 1AA",
                                   item_price="12.00", item_tax="2.00", vat_exclusive_item_price="10.00")], settings)
    grid = preview_rows(result)
    (euros,) = [r for r in grid if r[2] and str(r[2]).startswith("En euros")]
    assert "0.842 GBP pour 1 EUR" in euros[2] and euros[5:8] == [11.88, 0.0, 11.88]
    (regime,) = [r for r in grid if r[2] and str(r[2]).startswith("Régime")]
    assert "DEEMED" in regime[2] and "2.00 GBP" in regime[2]
    assert not [r for r in preview_rows(verify(tmp_path, [row(order_id=oid(51))])) if str(r[2]).startswith("En euros")]


@pytest.mark.parametrize("key, value, said", [
    ("regime_ue", "Allemagne", "oss ou france"), ("date_facture", "livraison", "integration ou achat"),
    ("vies", "peut-être", "oui ou non"), ("franchise_tva", "1", "oui ou non"),
    ("vies_url", "ftp://ec.europa.eu/vies", "http"), ("tva_vendeur", "FR123", "FR123"),
    ("mention_export", "  ", "non vide")])
def test_the_new_settings_are_checked(key, value, said):
    from amazon_addin.settings import from_mapping

    with pytest.raises(SettingsError, match=key) as caught:
        from_mapping({key: value})
    assert said in caught.value.message
    assert from_mapping({"regime_ue": "France", "vies": "NON"}).regime_ue == "france"  # as a user types it


def test_vies_that_never_answers_costs_one_bounded_wait_per_run(tmp_path):
    """A listener that accepts and stays silent: the first number times out, the others are not even sent."""
    import socket
    import threading

    from amazon_addin.vies import Checker

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted = []

    def accept():
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            accepted.append(conn)

    threading.Thread(target=accept, daemon=True).start()
    try:
        checker = Checker(f"http://127.0.0.1:{listener.getsockname()[1]}/check-vat-number", timeout=0.5)
        rows = [b2b(52), b2b(53, number="DE136695976", country="DE", postcode="10115"),
                b2b(54, number="NL004495445B01", country="NL", postcode="1011")]
        result = verify(tmp_path, rows, Settings(), vies=checker)
        assert [o.regime for o in result.orders] == ["OSS-BE", "OSS-DE", "OSS-NL"]
        assert all("injoignable" in f.message for f in result.findings if f.code == "W_VIES")
        assert len([f for f in result.findings if f.code == "W_VIES"]) == 3 and len(accepted) == 1
    finally:
        listener.close()
        for conn in accepted:
            conn.close()


def test_tax_sanity_shortcut_never_passes_a_pair_the_rule_refuses():
    """Vérifier skips `booking.tax_sanity` for a pair with tax × 130 ≤ TTC × 30: such a pair must be one the
    rule passes, whatever the destination's rates (checked over every cent pair of a grid and edge cases)."""
    from hypothesis import given, settings as hsettings, strategies as st

    from amazon_addin.booking import tax_sanity
    from amazon_addin.row_checks import _D130, _D30

    cents = st.integers(min_value=-200_000, max_value=200_000).map(lambda c: D(c) / 100)
    rates = st.sampled_from([(D(0),), (D(20), D(10), D("5.5")), (D(27),), (D(21), D(12), D(6))])

    @hsettings(max_examples=3000, deadline=None)
    @given(ttc=cents, tax=cents, qty=st.integers(1, 5), legal=rates)
    def check(ttc, tax, qty, legal):
        if tax >= 0 and tax * _D130 <= ttc * _D30:
            assert tax_sanity(ttc, tax, qty, legal) is None

    check()
    # The bound itself: 30 % exactly passes, a cent more on the tax is checked by the rule (and refused).
    assert D("3.00") * _D130 <= D("13.00") * _D30 and tax_sanity(D("13.00"), D("3.00"), 1, (D(20),)) is None
    assert not D("3.01") * _D130 <= D("13.01") * _D30 and tax_sanity(D("13.01"), D("3.01"), 1, (D(20),)) == "too_high"
    assert tax_sanity(D("0.00"), D("0.00"), 1, (D(20),)) is None and D(0) * _D130 <= D(0) * _D30
