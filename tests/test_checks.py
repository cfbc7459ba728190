"""Every finding code, triggered and not triggered, at the right cell, through the real reader."""

from decimal import Decimal

import pytest

from amazon_addin.settings import Settings
from amazon_addin.verify import verify_file
from exportgen import HEADER, order_id, row, write_txt, write_xlsx

SETTINGS = Settings(vies="non")  # VIES itself: tests/test_vat_rules.py, against a local stand-in


def check(tmp_path, rows, header=HEADER, settings=SETTINGS, name="export.txt"):
    path = tmp_path / name
    if name.endswith(".xlsx"):
        write_xlsx(path, rows, header=header)
    else:
        write_txt(path, rows, header=header)
    return verify_file(path, settings)


def codes(result, code=None):
    found = [(f.cell, f.code, f.severity) for f in result.findings]
    return [x for x in found if code is None or x[1] == code]


def col(name, header=HEADER):
    from amazon_addin.columns import letter

    return letter(list(header).index(name))


def test_clean_row_gives_no_finding(tmp_path):
    result = check(tmp_path, [row()])
    assert result.findings == []
    assert result.order_count == 1 and len(result.orders) == 1


def test_missing_required_column(tmp_path):
    header = [h for h in HEADER if h != "sku"]
    result = check(tmp_path, [row()], header=header)
    assert [(f.row, f.column, f.code) for f in result.findings] == [(1, "sku", "E_COLONNE_MANQUANTE")]
    assert result.orders == []  # nothing can be built without the column
    assert check(tmp_path, [row()]).findings == []


@pytest.mark.parametrize("name", ["order-id", "sku", "product-name", "quantity-purchased", "item-price",
                                  "recipient-name", "ship-city", "ship-postal-code", "ship-country"])
def test_empty_required_field(tmp_path, name):
    result = check(tmp_path, [row(), row(**{name.replace("-", "_"): "  "})])
    assert (f"{col(name)}3", "E_CHAMP_VIDE", "error") in codes(result)
    assert not [c for c in codes(result) if c[0].endswith("2") and c[0][:-1].isalpha()]


def test_mojibake_error_with_repair(tmp_path):
    result = check(tmp_path, [row(buyer_name="JÃ¼rgen Weiss")])
    (f,) = [f for f in result.findings if f.code == "E_CARACTERES"]
    assert f.cell == f"{col('buyer-name')}2" and f.severity == "error" and f.suggestion == "Jürgen Weiss"
    assert "mal décodé" in f.message


def test_charset_error_with_transliteration_only_on_written_columns(tmp_path):
    result = check(tmp_path, [row(recipient_name="Łukasz Nowak")])
    (f,) = result.findings
    assert (f.code, f.column, f.suggestion) == ("E_CARACTERES", "recipient-name", "Lukasz Nowak")
    utf8 = Settings(jeu_caracteres="utf-8")
    assert check(tmp_path, [row(recipient_name="Łukasz Nowak")], settings=utf8).findings == []


def test_control_characters(tmp_path):
    result = check(tmp_path, [row(ship_address_1="12 rue\x0b des Lilas")])
    assert codes(result) == [(f"{col('ship-address-1')}2", "E_CARACTERES", "error")]


@pytest.mark.parametrize("qty", ["0", "-1", "1.5", "deux"])
def test_bad_quantity(tmp_path, qty):
    result = check(tmp_path, [row(quantity_purchased=qty)])
    assert codes(result, "E_QUANTITE") == [(f"{col('quantity-purchased')}2", "E_QUANTITE", "error")]


@pytest.mark.parametrize("field, value", [("item_price", "abc"), ("item_price", "-5.00"),
                                          ("shipping_price", "1.234"), ("item_tax", "4.001")])
def test_bad_amount(tmp_path, field, value):
    result = check(tmp_path, [row(**{field: value})])
    assert (f"{col(field.replace('_', '-'))}2", "E_MONTANT", "error") in codes(result)


def test_promotion_may_be_negative(tmp_path):
    result = check(tmp_path, [row(item_promotion_discount="-2.40")])
    assert codes(result, "E_MONTANT") == []


def test_bad_date(tmp_path):
    result = check(tmp_path, [row(purchase_date="le 3 mars")])
    assert codes(result) == [(f"{col('purchase-date')}2", "E_DATE", "error")]


def test_impossible_iso_date_among_good_ones_is_named_and_the_others_read(tmp_path):
    """Well-shaped instants are read in one pass; one that cannot exist (month 13) sends the new ones of its
    column to the cell-by-cell reading, which names it, while the others keep their exact instant."""
    from datetime import datetime, timezone

    good = ["2026-03-04T03:55:25+00:00", "2026-03-05T23:10:00+01:00", "2026-03-06T08:00:00Z"]
    rows = [row(order_id=order_id(k), purchase_date=d, payments_date=d) for k, d in enumerate(good)]
    rows.insert(1, row(order_id=order_id(9), purchase_date="2026-13-02T10:00:00+00:00"))
    result = check(tmp_path, rows)
    assert codes(result) == [(f"{col('purchase-date')}3", "E_DATE", "error")]
    assert sorted(o.purchase for o in result.orders) == [
        datetime(2026, 3, 4, 3, 55, 25, tzinfo=timezone.utc), datetime(2026, 3, 5, 22, 10, tzinfo=timezone.utc),
        datetime(2026, 3, 6, 8, tzinfo=timezone.utc)]
    assert check(tmp_path, [r for r in rows if r["order-id"] != order_id(9)]).findings == []


def test_date_columns_share_their_instants_and_an_impossible_one_is_named_in_each(tmp_path):
    """The second date column reuses the instants the first one read and reads its own new ones in one pass;
    an impossible instant the first column named is named again in the second without failing the others.
    Each order's sale day is its purchase instant's day in `fuseau_horaire` (23:30 UTC is the next day in Paris)."""
    from datetime import date

    bad = "2026-13-02T10:00:00+00:00"
    rows = [row(order_id=order_id(0), purchase_date="2026-03-05T23:30:00+00:00",
                payments_date="2026-03-07T09:00:00+00:00"),
            row(order_id=order_id(1), purchase_date="2026-03-04T03:55:25+00:00",
                payments_date="2026-03-04T03:55:25+00:00"),
            row(order_id=order_id(2), purchase_date=bad, payments_date=bad)]
    result = check(tmp_path, rows)
    assert sorted(codes(result, "E_DATE")) == sorted([(f"{col('payments-date')}4", "E_DATE", "error"),
                                                       (f"{col('purchase-date')}4", "E_DATE", "error")])
    assert sorted((o.order_id, o.sale_date) for o in result.orders) == [
        (order_id(0), date(2026, 3, 6)), (order_id(1), date(2026, 3, 4))]
    assert result.cols["payments-date"][0].day == 7 and result.cols["payments-date"][2] is None


def test_ids_amounts_and_texts_read_whole_columns_keep_each_cells_problem(tmp_path):
    """The C-speed readings of whole columns (plain ids, two-decimal amounts, free text) leave every other value
    to the cell-by-cell reading: a damaged id, a comma amount and a blank name are still named, at their cell."""
    rows = [row(order_id=order_id(k), item_price="12.00", item_tax="2.00", vat_exclusive_item_price="10.00")
            for k in range(4)]
    rows[1]["order-item-id"] = "4.00E+13"
    rows[2]["item-price"] = "12,00"
    rows[3]["recipient-name"] = "   "
    found = codes(result := check(tmp_path, rows))
    assert (f"{col('order-item-id')}3", "E_IDENTIFIANT", "warning") in found
    assert (f"{col('recipient-name')}5", "E_CHAMP_VIDE", "error") in found
    assert not [c for c in found if c[0] == f"{col('item-price')}4" and c[2] == "error"]
    typed = result.cols
    assert typed["item-price"][2] == Decimal("12.00") and typed["recipient-name"][3] is None
    assert typed["order-item-id"][0] == rows[0]["order-item-id"]


def test_typed_column_keeps_false_apart_from_blank():
    """A column whose values are their own typed value is copied with its blanks made None; False (an xlsx
    boolean) is its own value too and must not be taken for a blank."""
    from amazon_addin.checks import _typed_column

    assert _typed_column([False, "", True, None], {False: False, "": None, True: True, None: None}) == [
        False, None, True, None]
    assert _typed_column(["a", "", "b"], {"a": "a", "": None, "b": "b"}) == ["a", None, "b"]
    assert _typed_column([" a", "b"], {" a": "a", "b": "b"}) == ["a", "b"]


def test_vat_arithmetic(tmp_path):
    bad = check(tmp_path, [row(item_price="24.00", item_tax="3.00", vat_exclusive_item_price="20.00")])
    (f,) = [f for f in bad.findings if f.code == "E_TVA_INCOHERENTE"]
    assert f.cell == f"{col('item-tax')}2" and f.suggestion == "4.00" and "≠ HT 20,00" in f.message
    one_cent = check(tmp_path, [row(item_price="24.00", item_tax="3.99", vat_exclusive_item_price="20.00")])
    assert codes(one_cent, "E_TVA_INCOHERENTE") == []
    (gap,) = [f for f in one_cent.findings if f.code == "I_ECART_ARRONDI"]
    assert gap.severity == "info" and gap.suggestion == "4.00"
    assert one_cent.orders[0].total_ttc == Decimal("24.00")


def test_order_rows_disagree(tmp_path):
    a = row(order_id="405-1111111-1111111", ship_city="Orléans")
    b = row(order_id="405-1111111-1111111", sku="B", ship_city="  ORLÉANS ")  # same after trim/casefold
    c = row(order_id="405-1111111-1111111", sku="C", ship_city="Paris",
            purchase_date="2026-03-05T11:00:00+01:00")  # same instant as 10:00 UTC
    result = check(tmp_path, [a, b, c])
    assert codes(result) == [(f"{col('ship-city')}4", "E_COMMANDE_INCOHERENTE", "error")]
    assert result.findings[0].suggestion == "Orléans"
    assert result.order_count == 1 and result.orders == []


def test_unknown_country_and_currency(tmp_path):
    result = check(tmp_path, [row(ship_country="Allemagne", currency="€")])
    found = {f.code: f for f in result.findings}
    assert found["E_PAYS"].suggestion == "DE" and found["E_DEVISE"].suggestion == "EUR"
    lower = check(tmp_path, [row(ship_country="de", currency="eur", ship_postal_code="10115")])
    assert codes(lower) == [("M2", "W_TAUX_TVA", "warning")]  # read as DE/EUR; 20 % is not German


def test_vat_rate_not_legal_in_destination(tmp_path):
    # 24.00 TTC with 4.80 VAT is 25 %: not a French rate.
    result = check(tmp_path, [row(item_price="24.00", item_tax="4.80", vat_exclusive_item_price="19.20")])
    (f,) = result.findings
    assert (f.code, f.cell) == ("W_TAUX_TVA", f"{col('item-tax')}2")
    assert "25" in f.message
    # Spanish 21 % and German 19 % snap.
    es = row(order_id="405-5555555-0000001", item_price="10.59", item_tax="1.84", vat_exclusive_item_price="", ship_country="ES",
             ship_postal_code="18690")
    de = row(order_id="405-5555555-0000002", item_price="11.90", item_tax="1.90", vat_exclusive_item_price="10.00", ship_country="DE",
             ship_postal_code="10115")
    assert check(tmp_path, [es, de]).findings == []


def test_rates_by_sale_date(tmp_path):
    # Germany charged 16 % in the second half of 2020 only.
    july = row(item_price="11.60", item_tax="1.60", vat_exclusive_item_price="10.00", ship_country="DE",
               ship_postal_code="10115", purchase_date="2020-08-01T10:00:00+00:00")
    assert check(tmp_path, [july]).findings == []
    later = dict(july, **{"purchase-date": "2021-02-01T10:00:00+00:00"})
    assert codes(check(tmp_path, [later]), "W_TAUX_TVA")


def test_no_rate_warning_outside_eu(tmp_path, rates_file):
    gb = row(order_id="405-5555555-0000003", item_price="12.00", item_tax="2.00", vat_exclusive_item_price="10.00", ship_country="GB",
             ship_postal_code="SW1A 1AA", currency="GBP")
    ch = row(order_id="405-5555555-0000004", item_price="12.00", item_tax="0.00", vat_exclusive_item_price="12.00", ship_country="CH",
             ship_postal_code="1200", currency="CHF")
    settings = Settings(vies="non", taux_change=str(rates_file))
    # Amazon collected the UK VAT as deemed supplier (said as info); the Swiss sale without tax is an export.
    assert codes(check(tmp_path, [gb, ch], settings=settings)) == [("M2", "I_TVA_MARKETPLACE", "info")]


def test_vat_computed_when_amazon_gives_zero(tmp_path):
    result = check(tmp_path, [row(item_price="24.00", item_tax="0.00", vat_exclusive_item_price="")])
    (f,) = result.findings
    assert (f.code, f.cell, f.suggestion) == ("W_TVA_CALCULEE", f"{col('item-tax')}2", "4.00")
    (line,) = result.orders[0].lines
    assert (line.ht, line.tva, line.ttc, line.rate) == (Decimal("20.00"), Decimal("4.00"), Decimal("24.00"), 20)


def test_overseas_and_reverse_charge_are_zero_rated(tmp_path):
    dom = row(item_price="24.00", item_tax="0.00", vat_exclusive_item_price="24.00", ship_postal_code="97100",
              ship_city="Basse-Terre")
    b2b = row(order_id="405-2222222-2222222", item_price="24.00", item_tax="0.00",
              vat_exclusive_item_price="24.00", ship_country="BE", ship_postal_code="1000",
              ship_city="Bruxelles", is_business_order="true", buyer_tax_registration_id="BE0403019261")
    result = check(tmp_path, [dom, b2b])
    assert result.findings == []
    assert all(line.rate == 0 and line.tva == 0 for o in result.orders for line in o.lines)
    # The same B2B sale with an invalid VAT number is taxable in Belgium.
    invalid = dict(b2b, **{"buyer-tax-registration-id": "BE0403019262"})
    assert codes(check(tmp_path, [invalid]), "W_TVA_CALCULEE")


def test_lost_postcode_zero(tmp_path):
    result = check(tmp_path, [row(ship_postal_code="7100", ship_city="Roiffieux")])
    (f,) = result.findings
    assert (f.code, f.severity, f.suggestion) == ("W_CP_COMPLETE", "warning", "07100")
    assert result.orders[0].shipping.postcode == "07100"
    be = row(ship_postal_code="1000", ship_country="BE", ship_city="Bruxelles", item_price="24.20",
             item_tax="4.20", vat_exclusive_item_price="20.00")
    assert check(tmp_path, [be]).findings == []


def test_lost_phone_zero(tmp_path):
    result = check(tmp_path, [row(ship_phone_number="671944444")])
    assert [(f.code, f.suggestion) for f in result.findings] == [("W_TEL_COMPLETE", "0671944444")]
    assert check(tmp_path, [row(ship_phone_number="0671944444")]).findings == []


def test_identifiers_damaged_by_excel(tmp_path):
    result = check(tmp_path, [row(order_item_id="2.20764E+13"), row(order_id="405-3333333-3333333",
                                                                    order_item_id="40000000000011.0")])
    found = [(f.cell, f.code, f.severity, f.suggestion) for f in result.findings]
    assert (f"{col('order-item-id')}2", "E_IDENTIFIANT", "warning", None) in found
    assert (f"{col('order-item-id')}3", "E_IDENTIFIANT", "info", "40000000000011") in found
    assert not [x for x in found if x[2] == "error"]


def test_findings_sorted_and_unique(tmp_path):
    rows = [row(order_id=f"405-444444{i}-4444444", quantity_purchased="0", ship_country="ZZ")
            for i in range(3)]
    result = check(tmp_path, rows)
    keys = [(f.row, f.col_index, f.code) for f in result.findings]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    assert len(result.findings) == 6


def test_letter_layout(tmp_path):
    from amazon_addin.columns import LETTER_LAYOUT, index_of

    width = index_of("BD") + 1
    cells = [""] * width
    base = row(quantity_purchased="0")
    for letters, name in LETTER_LAYOUT.items():
        key = name if name != "delivery-instructions" else "delivery-Instructions"
        cells[index_of(letters)] = base.get(key, "")
    path = tmp_path / "letters.txt"
    path.write_text("\t".join(cells) + "\n", encoding="utf-8")
    result = verify_file(path, SETTINGS)
    assert result.table.layout == "letters"
    assert [(f.row, f.cell, f.code) for f in result.findings] == [(1, "K1", "E_QUANTITE")]


def test_xlsx_numbers_are_typed_like_text(tmp_path):
    from exportgen import write_xlsx as wx

    path = tmp_path / "numeric.xlsx"
    wx(path, [row(ship_postal_code="7100", ship_city="Roiffieux", order_item_id="22076422275242")], numeric=True)
    result = verify_file(path, SETTINGS)
    # The phone and the postcode lost their zero when Excel stored them as numbers.
    assert [(f.code, f.suggestion) for f in result.findings if f.severity != "info"] == [
        ("W_TEL_COMPLETE", "0612345678"), ("W_CP_COMPLETE", "07100"), ("W_TEL_COMPLETE", "0612345678")]
    assert result.orders[0].lines[0].ttc == Decimal("24.00")


def test_unreadable_boolean(tmp_path):
    result = check(tmp_path, [row(is_business_order="peut-être")])
    assert codes(result) == [(f"{col('is-business-order')}2", "E_BOOLEEN", "error")]
    assert check(tmp_path, [row(is_business_order="TRUE")]).findings == []


def test_real_2017_sample_orders(tmp_path):
    from samples import sample

    result = verify_file(sample("akretion-connector-amazon__5724843814017999.csv"), SETTINGS)
    assert result.table.encoding == "cp1252" and len(result.rows) == 11
    orders = {o.order_id: o for o in result.orders}
    assert len(orders) == 10
    two = orders["408-6015720-8565128"]
    assert [l.product_code for l in two.lines] == ["A1090", "DC"] and two.rows == [11, 12]
    assert two.total_ttc == Decimal("29.80") and two.total_tva == Decimal("4.96")
    assert orders["407-8251065-5874724"].shipping.postcode == "07100"
    assert orders["404-7240787-0270752"].buyer_name == "Cécile HONXA"
    assert sum(o.total_ttc for o in orders.values()) == Decimal("174.73")  # awk over the file agrees


def test_no_suggestion_fails_its_own_check(tmp_path):
    """E_COMMANDE_INCOHERENTE once suggested the first row's « France », itself an E_PAYS error; a negative
    tax is no suggestion for a tax cell either."""
    first = row(order_id="405-0000000-0000001", ship_country="France")
    second = row(order_id="405-0000000-0000001", order_item_id="2", ship_country="FR")
    taxed = row(order_id="405-0000000-0000002", item_price="10.00", vat_exclusive_item_price="12.00",
                item_tax="2.00")  # TTC − HT = −2.00: not a tax anyone may type
    result = check(tmp_path, [first, second, taxed])
    found = {(f.cell, f.code): f.suggestion for f in result.findings}
    country = col("ship-country")
    assert found[(f"{country}2", "E_PAYS")] == "FR"
    assert found[(f"{country}3", "E_COMMANDE_INCOHERENTE")] is None
    assert found[(f"{col('item-tax')}4", "E_TVA_INCOHERENTE")] is None
    # A valid first row is still what the other rows are told to match.
    coherent = check(tmp_path, [row(order_id="405-0000000-0000001", ship_city="Lyon"),
                                row(order_id="405-0000000-0000001", order_item_id="2", ship_city="Paris")])
    assert [(f.code, f.suggestion) for f in coherent.findings] == [("E_COMMANDE_INCOHERENTE", "Lyon")]
