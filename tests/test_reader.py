"""The reader (SPEC §1, §7 "Reading"): every file shape a seller hands us gives the same cells, or a
`ReadError` carrying one French sentence — never another exception."""

from __future__ import annotations

import codecs
import csv
import io
import re
from datetime import date, datetime, timezone

import pytest

from amazon_addin.errors import ReadError
from amazon_addin.reader import read_table
from amazon_addin.values import as_text, parse_datetime
from exportgen import (
    CORRUPT, HEADER, LETTER_LAYOUT, Sheet, expected_row_numbers, expected_texts,
    letter_expected_texts, make_corrupt, make_damaged_xlsx, order_id, row, write_csv,
    write_encrypted_xlsx, write_letters, write_txt, write_xls, write_xlsx,
)

# The repository is cloned next to `shared/` (<repo>/../shared); never copy the samples in.
from samples import sample  # noqa: E402  (skips, saying where it looked, when the samples are absent)

# SPEC §1: every header the reader must recognise (canonical spelling, lower case).
SPEC_COLUMNS = (
    "order-id", "order-item-id", "purchase-date", "payments-date", "buyer-email", "buyer-name",
    "buyer-phone-number", "sku", "product-name", "quantity-purchased", "currency", "item-price",
    "item-tax", "shipping-price", "shipping-tax", "recipient-name", "ship-address-1", "ship-address-2",
    "ship-address-3", "ship-city", "ship-state", "ship-postal-code", "ship-country", "ship-phone-number",
    "bill-name", "bill-address-1", "bill-address-2", "bill-address-3", "bill-city", "bill-state",
    "bill-postal-code", "bill-country", "delivery-instructions", "sales-channel", "is-business-order",
    "purchase-order-number", "buyer-company-name", "buyer-tax-registration-id",
    "vat-exclusive-item-price", "vat-exclusive-shipping-price", "item-promotion-discount",
    "ship-promotion-discount", "gift-wrap-price", "gift-wrap-tax",
)

NOT_A_REPORT = "pas un rapport de commandes Amazon"


# -------------------------------------------------------------------------------------- helpers

def texts(table) -> list:
    return [[as_text(v) for v in r] for r in table.rows]


def assert_french_sentence(message: str) -> None:
    """One French sentence for the user: no traceback, no English exception text."""
    assert isinstance(message, str) and message.strip() == message and message
    assert "\n" not in message
    assert (message[0].isupper() or message.startswith("«")) and message.endswith((".", "!")), message
    assert re.search(r"\b(fichier|classeur|feuille|ligne|lignes|rapport|colonnes?)\b", message, re.I), message
    for english in ("Traceback", "Error", "error", "Errno", "No such file", "invalid", "Exception"):
        assert english not in message, message


def read_error(path, **kw) -> ReadError:
    with pytest.raises(ReadError) as info:
        read_table(path, **kw)
    assert_french_sentence(info.value.message)
    return info.value


def french_rows() -> list:
    """Two orders (the first with two items), accents, € and œ (cp1252-only), and a blank row."""
    return [
        row(order_id=order_id(1), sku="A-1", product_name="Cœur de bœuf à 24 € – « Été »"),
        row(order_id=order_id(1), order_item_id="12345678901235", sku="B-2", product_name="Théière",
            item_price="12.00", item_tax="2.00", vat_exclusive_item_price="10.00"),
        None,  # a fully empty row: skipped, but it keeps its row number
        row(order_id=order_id(2), recipient_name="Zoé Lefèvre", buyer_name="Zoé Lefèvre",
            bill_name="Zoé Lefèvre", ship_city="Saint-Étienne", bill_city="Saint-Étienne",
            ship_postal_code="07100", bill_postal_code="07100", ship_phone_number="0475123456",
            item_price="9.90", item_tax="1.65", vat_exclusive_item_price="8.25",
            delivery_instructions="Sonner chez Mme Lefèvre"),
    ]


# ------------------------------------------------------------------------- every format, same cells

def _txt(**kw):
    return lambda d, rows: write_txt(d / "export.txt", rows, **kw)


def _csv(**kw):
    return lambda d, rows: write_csv(d / "export.csv", rows, **kw)


FORMATS = {
    # id: (writer, table.format, acceptable encodings or None for workbooks)
    "txt-utf8": (_txt(), "txt", {"utf-8"}),
    "txt-utf8-crlf": (_txt(newline="\r\n"), "txt", {"utf-8"}),
    "txt-utf8-cr": (_txt(newline="\r"), "txt", {"utf-8"}),
    "txt-utf8-bom": (_txt(bom=True), "txt", {"utf-8", "utf-8-sig"}),
    "txt-cp1252": (_txt(encoding="cp1252"), "txt", {"cp1252"}),
    "txt-utf16-le-bom": (_txt(encoding="utf-16-le", bom=True, newline="\r\n"), "txt",
                         {"utf-16", "utf-16-le"}),
    "txt-utf16-be-bom": (_txt(encoding="utf-16-be", bom=True), "txt", {"utf-16", "utf-16-be"}),
    "csv-semicolon-cp1252": (_csv(delimiter=";"), "csv", {"cp1252"}),
    "csv-comma-cp1252": (_csv(delimiter=","), "csv", {"cp1252"}),
    "csv-tab-cp1252": (_csv(delimiter="\t"), "csv", {"cp1252"}),
    "csv-semicolon-utf8-bom": (_csv(delimiter=";", encoding="utf-8", bom=True), "csv",
                               {"utf-8", "utf-8-sig"}),
    "xlsx": (lambda d, rows: write_xlsx(d / "export.xlsx", rows), "xlsx", None),
    "xls": (lambda d, rows: write_xls(d / "export.xls", rows), "xls", None),
}


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_reads_the_same_cells(tmp_path, fmt):
    writer, kind, encodings = FORMATS[fmt]
    rows = french_rows()
    table = read_table(writer(tmp_path, rows))
    assert table.format == kind
    assert table.layout == "header"
    assert table.header == HEADER
    assert texts(table) == expected_texts(rows)
    assert table.row_numbers == [2, 3, 5]
    assert table.value(0, "product-name") == "Cœur de bœuf à 24 € – « Été »"
    assert table.value(2, "ship-city") == "Saint-Étienne"
    if encodings is not None:
        assert codecs.lookup(table.encoding).name in encodings
    assert table.cell(2, "ship-city") == "U5"  # ship-city is column U (21st) of HEADER


@pytest.mark.parametrize("delimiter", [";", ","])
def test_csv_excel_quoting_is_undone(tmp_path, delimiter):
    rows = [
        row(product_name='Mug "XL", grand modèle; bleu', item_price="24,00", item_tax="4,00",
            vat_exclusive_item_price="20,00", ship_address_2="Bât. B\n2e étage"),
        row(order_id=order_id(2), product_name='"Citation"'),
    ]
    path = write_csv(tmp_path / "export.csv", rows, delimiter=delimiter)
    assert b'"Mug ""XL"", grand mod' in path.read_bytes()  # the file really is quoted
    table = read_table(path)
    assert texts(table) == expected_texts(rows)
    # a line break inside a quoted cell is one sheet row: row numbers count records, not lines
    assert table.row_numbers == [2, 3]


def test_workbook_sheet_commandes_is_chosen_even_when_not_first(tmp_path):
    decoy = Sheet("Lisez-moi", rows=[["order-id", "sku", "item-price"], [order_id(9), "LEURRE", "1.00"]])
    rows = french_rows()
    table = read_table(write_xlsx(tmp_path / "export.xlsx", rows, sheet="Commandes", extra_sheets=[decoy]))
    assert table.sheet == "Commandes"
    assert texts(table) == expected_texts(rows)
    assert table.row_numbers == [2, 3, 5]


def test_xls_sheet_commandes_is_chosen_even_when_not_first(tmp_path):
    decoy = Sheet("Lisez-moi", rows=[["order-id", "sku", "item-price"], [order_id(9), "LEURRE", "1.00"]])
    rows = french_rows()
    table = read_table(write_xls(tmp_path / "export.xls", rows, sheet="Commandes", extra_sheets=[decoy]))
    assert table.sheet == "Commandes"
    assert texts(table) == expected_texts(rows)


@pytest.mark.parametrize("writer", [write_xlsx, write_xls], ids=["xlsx", "xls"])
def test_without_commandes_the_first_visible_sheet_is_read(tmp_path, writer):
    hidden = Sheet("Brouillon", rows=[["order-id", "sku", "item-price"], [order_id(9), "CACHE", "1.00"]],
                   hidden=True)
    rows = french_rows()
    ext = "xlsx" if writer is write_xlsx else "xls"
    table = read_table(writer(tmp_path / f"export.{ext}", rows, sheet="Export amazon", extra_sheets=[hidden]))
    assert table.sheet == "Export amazon"
    assert texts(table) == expected_texts(rows)
    assert table.row_numbers == [2, 3, 5]


def test_without_commandes_and_all_visible_the_first_sheet_is_read(tmp_path):
    rows = french_rows()
    other = Sheet("Notes", rows=[["rien à voir"]], before=False)
    table = read_table(write_xlsx(tmp_path / "export.xlsx", rows, sheet="Feuil1", extra_sheets=[other]))
    assert table.sheet == "Feuil1"
    assert texts(table) == expected_texts(rows)


@pytest.mark.parametrize("header_row", [2, 4])
def test_xlsx_header_below_blank_rows(tmp_path, header_row):
    rows = french_rows()
    table = read_table(write_xlsx(tmp_path / "export.xlsx", rows, header_row=header_row))
    assert table.layout == "header"
    assert texts(table) == expected_texts(rows)
    assert table.row_numbers == expected_row_numbers(rows, first_data_row=header_row + 1)
    assert table.row_numbers[0] == header_row + 1


def test_xls_header_below_a_blank_row(tmp_path):
    rows = french_rows()
    table = read_table(write_xls(tmp_path / "export.xls", rows, header_row=2))
    assert texts(table) == expected_texts(rows)
    assert table.row_numbers == [3, 4, 6]


def test_txt_header_below_a_blank_line(tmp_path):
    rows = french_rows()
    path = write_txt(tmp_path / "export.txt", rows)
    path.write_bytes(b"\n" + path.read_bytes())
    table = read_table(path)
    assert texts(table) == expected_texts(rows)
    assert table.row_numbers == [3, 4, 6]


@pytest.mark.parametrize("delimiter", [";", ","])
def test_csv_header_below_excels_empty_row(tmp_path, delimiter):
    # Excel writes an empty row of the used range as delimiters only (";;;;").
    rows = french_rows()
    path = write_csv(tmp_path / "export.csv", rows, delimiter=delimiter)
    path.write_bytes(delimiter.encode() * (len(HEADER) - 1) + b"\r\n" + path.read_bytes())
    table = read_table(path)
    assert texts(table) == expected_texts(rows)
    assert table.row_numbers == [3, 4, 6]


@pytest.mark.parametrize("delimiter", [";", ","])
def test_csv_header_below_a_truly_empty_line(tmp_path, delimiter):
    rows = french_rows()
    path = write_csv(tmp_path / "export.csv", rows, delimiter=delimiter)
    path.write_bytes(b"\r\n" + path.read_bytes())
    table = read_table(path)
    assert texts(table) == expected_texts(rows)
    assert table.row_numbers == [3, 4, 6]


def test_blank_rows_of_every_kind_are_skipped_but_counted(tmp_path):
    blank_tabs = {h: "" for h in HEADER}
    blank_spaces = {h: " " for h in HEADER}  # only spaces: still an empty row
    rows = [row(order_id=order_id(1)), blank_tabs, None, blank_spaces, row(order_id=order_id(2)), None]
    table = read_table(write_txt(tmp_path / "export.txt", rows))
    assert table.row_numbers == [2, 6]
    assert [r[0] for r in table.rows] == [order_id(1), order_id(2)]


def test_ragged_short_rows_are_kept(tmp_path):
    path = tmp_path / "export.txt"
    head = "\t".join(HEADER)
    path.write_text(f"{head}\n{order_id(1)}\t999\n", encoding="utf-8")
    table = read_table(path)
    assert table.rows == [[order_id(1), "999"]]
    assert table.value(0, "order-item-id") == "999"
    assert table.value(0, "sku") is None  # beyond the short row: unknown, no IndexError


def test_workbook_with_a_wrong_extension_is_read_by_its_content(tmp_path):
    rows = [row()]
    real = write_xlsx(tmp_path / "export.xlsx", rows)
    renamed = tmp_path / "export.txt"
    renamed.write_bytes(real.read_bytes())
    table = read_table(renamed)
    assert table.format == "xlsx"
    assert texts(table) == expected_texts(rows)


# -------------------------------------------------------------------------------------- columns

def test_columns_map_every_spec_name_to_its_position(tmp_path):
    table = read_table(write_txt(tmp_path / "export.txt", [row()]))
    expected = {}
    for i, h in enumerate(HEADER):
        if h.casefold() in SPEC_COLUMNS:
            expected[h.casefold()] = i
    assert {k: v for k, v in table.columns.items() if k in SPEC_COLUMNS} == expected
    assert table.columns["delivery-instructions"] == HEADER.index("delivery-Instructions")
    # unknown columns are kept in the cells but not mapped
    for unknown in ("ship-service-level", "price-designation", "is-sold-by-ab", "delivery-time-zone"):
        assert unknown not in table.columns
    assert table.header[HEADER.index("price-designation")] == "price-designation"


MESSY_HEADER = [
    "ORDER-ID", "  sku  ", "\u00a0item-price\u00a0", "Quantity_Purchased", "billing-name",
    "buyer-vat-number", "Ship_Postal_Code", "Delivery-Instructions", "ma-colonne", "Product-Name\t",
]
MESSY_EXPECTED = {
    "order-id": 0, "sku": 1, "item-price": 2, "quantity-purchased": 3, "bill-name": 4,
    "buyer-tax-registration-id": 5, "ship-postal-code": 6, "delivery-instructions": 7,
}


@pytest.mark.parametrize("fmt", ["txt", "csv", "xlsx"])
def test_header_names_are_normalised_and_aliases_resolved(tmp_path, fmt):
    header = MESSY_HEADER[:-1] if fmt == "txt" else MESSY_HEADER  # a tab inside a .txt header splits it
    values = [order_id(1), "SKU-1", "24.00", "1", "Jean Payeur", "FR40303265045", "45000", "Code 1234",
              "gardé", "Tasse"]
    data = [values[: len(header)]]
    if fmt == "txt":
        path = write_txt(tmp_path / "export.txt", data, header=header)
    elif fmt == "csv":
        path = write_csv(tmp_path / "export.csv", data, header=header)
    else:
        path = write_xlsx(tmp_path / "export.xlsx", data, header=header)
    table = read_table(path)
    assert table.layout == "header"
    expected = dict(MESSY_EXPECTED)
    if fmt != "txt":
        expected["product-name"] = 9
    assert table.columns == expected
    assert table.value(0, "bill-name") == "Jean Payeur"
    assert table.value(0, "buyer-tax-registration-id") == "FR40303265045"
    assert table.rows[0][8] == "gardé"  # the unknown column's cell is kept


def test_utf8_bom_does_not_hide_the_first_header(tmp_path):
    table = read_table(write_txt(tmp_path / "export.txt", [row()], bom=True))
    assert table.columns["order-id"] == 0
    assert table.header[0] == "order-id"


def test_header_needs_order_id_and_two_other_known_names(tmp_path):
    ok = read_table(write_txt(tmp_path / "ok.txt", [[order_id(1), "S", "1.00"]],
                              header=["order-id", "sku", "item-price"]))
    assert ok.layout == "header" and ok.row_numbers == [2]
    err = read_error(write_txt(tmp_path / "short.txt", [[order_id(1), "S", "x"]],
                               header=["order-id", "sku", "foo"]))
    assert NOT_A_REPORT in err.message
    no_id = [h for h in HEADER if h != "order-id"]
    err = read_error(write_txt(tmp_path / "noid.txt", [row()], header=no_id))
    assert NOT_A_REPORT in err.message


def test_duplicated_header_first_one_wins(tmp_path):
    header = ["order-id", "sku", "item-price", "sku"]
    table = read_table(write_txt(tmp_path / "export.txt", [[order_id(1), "PREMIER", "1.00", "SECOND"]],
                                 header=header))
    assert table.columns["sku"] == 1
    assert table.value(0, "sku") == "PREMIER"


# -------------------------------------------------------------------------------- letter layout

def letter_rows() -> list:
    return [
        row(order_id=order_id(1), quantity_purchased="2", ship_postal_code="07100"),
        None,
        row(order_id=order_id(2), ship_city="Saint-Étienne", buyer_company_name="Dupré SARL",
            is_business_order="true", vat_exclusive_shipping_price="4.90"),
    ]


@pytest.mark.parametrize("fmt", ["txt", "csv", "xlsx", "xls"])
def test_letter_layout_is_read_from_row_one(tmp_path, fmt):
    rows = letter_rows()
    table = read_table(write_letters(tmp_path / f"lettres.{fmt}", rows, fmt))
    assert table.layout == "letters"
    assert table.header == []
    assert table.row_numbers == [1, 3]  # no header: data from row 1, the blank row counted
    assert texts(table) == letter_expected_texts(rows)
    expected = {name.casefold(): i for name, i in (
        (name, sum((ord(c) - 64) * 26 ** k for k, c in enumerate(reversed(letters))) - 1)
        for letters, name in LETTER_LAYOUT.items())}
    assert table.columns == expected
    assert table.value(0, "order-id") == order_id(1)
    assert table.value(0, "quantity-purchased") == "2"
    assert table.value(0, "ship-postal-code") == "07100"
    assert table.value(1, "ship-city") == "Saint-Étienne"
    assert table.value(1, "buyer-company-name") == "Dupré SARL"
    assert table.value(1, "vat-exclusive-shipping-price") == "4.90"
    assert table.cell(1, "vat-exclusive-shipping-price") == "BD3"


def test_letter_layout_with_numeric_quantity(tmp_path):
    table = read_table(write_letters(tmp_path / "lettres.xlsx", letter_rows(), "xlsx", numeric=True))
    assert table.layout == "letters"
    assert table.value(0, "quantity-purchased") == 2.0


@pytest.mark.parametrize("a1, k1", [
    (order_id(1), "deux"),       # K1 not a number
    (order_id(1), "1.5"),        # K1 not whole
    (order_id(1), ""),           # K1 empty
    ("4051234567", "1"),         # A1 not an order id
    ("commande", "1"),
    (" " + order_id(1) + "-9", "1"),
])
def test_letter_layout_needs_evidence(tmp_path, a1, k1):
    r = row(order_id=a1, quantity_purchased=k1)
    err = read_error(write_letters(tmp_path / "lettres.txt", [r, row()], "txt"))
    assert NOT_A_REPORT in err.message


def test_letter_layout_is_not_guessed_below_a_blank_row(tmp_path):
    path = write_letters(tmp_path / "lettres.xlsx", [None, row()], "xlsx")
    err = read_error(path)
    assert NOT_A_REPORT in err.message


# --------------------------------------------------------------------------- text file specifics

def test_lone_quotes_in_txt_do_not_swallow_lines(tmp_path):
    rows = [
        row(order_id=order_id(1), product_name='Écran 27" incurvé'),
        row(order_id=order_id(2), product_name='"Édition limitée', ship_address_1='Résidence "Les Pins'),
        row(order_id=order_id(3), recipient_name='Jean "Jo', ship_address_2='"'),
        row(order_id=order_id(4), product_name='Fin"'),
    ]
    table = read_table(write_txt(tmp_path / "export.txt", rows))
    assert len(table.rows) == 4
    assert table.row_numbers == [2, 3, 4, 5]
    assert texts(table) == expected_texts(rows)


def test_line_separators_other_than_cr_lf_stay_inside_cells(tmp_path):
    odd = "a\u2028b\x0bc\x1cd\x85e\x0cf"
    rows = [row(order_id=order_id(1), product_name=odd), row(order_id=order_id(2))]
    for path in (write_txt(tmp_path / "export.txt", rows),
                 write_csv(tmp_path / "export.csv", rows, encoding="utf-8")):
        table = read_table(path)
        assert table.row_numbers == [2, 3]
        assert table.value(0, "product-name") == odd


def test_excel_quoted_tab_delimited_text_is_unquoted(tmp_path):
    # What Excel writes for "Texte (séparateur : tabulation)": quotes around cells holding a quote
    # or a comma (doubled inner quotes); Amazon itself never quotes.
    cells = dict(row())
    cells["product-name"] = '"Mug ""XL"", bleu"'
    cells["ship-address-1"] = '"12, rue de l\'Église"'
    cells["ship-address-2"] = '""'
    cells["buyer-name"] = '"""Coco"""'
    path = tmp_path / "export.txt"
    path.write_text("\t".join(HEADER) + "\r\n" + "\t".join(cells[h] for h in HEADER) + "\r\n",
                    encoding="cp1252")
    table = read_table(path)
    assert table.value(0, "product-name") == 'Mug "XL", bleu'
    assert table.value(0, "ship-address-1") == "12, rue de l'Église"
    assert table.value(0, "ship-address-2") == ""
    assert table.value(0, "buyer-name") == '"Coco"'
    assert table.value(0, "recipient-name") == "Cécile Dupré"


@pytest.mark.parametrize("ext", ["txt", "csv"])
def test_cp1252_undefined_bytes_never_fail(tmp_path, ext):
    sep = b"\t" if ext == "txt" else b";"
    head = sep.join(h.encode() for h in HEADER)
    values = [v.encode("cp1252") for v in (row()[h] for h in HEADER)]
    values[HEADER.index("product-name")] = b"Caf\xe9 \x81\x8d\x8f\x90\x9d \x80"
    path = tmp_path / f"export.{ext}"
    path.write_bytes(head + b"\r\n" + sep.join(values) + b"\r\n")
    table = read_table(path)
    assert codecs.lookup(table.encoding).name == "cp1252"
    assert table.value(0, "product-name") == "Café \x81\x8d\x8f\x90\x9d €"
    assert table.value(0, "recipient-name") == "Cécile Dupré"


def test_only_undefined_cp1252_bytes(tmp_path):
    path = tmp_path / "export.txt"
    head = "\t".join(HEADER).encode()
    values = [row()[h].encode("ascii", "replace") for h in HEADER]
    values[HEADER.index("sku")] = b"\x81\x9d"
    path.write_bytes(head + b"\n" + b"\t".join(values) + b"\n")
    table = read_table(path)
    assert table.value(0, "sku") == "\x81\x9d"


def test_utf8_is_preferred_to_cp1252(tmp_path):
    # "Ã©" in cp1252 is "é" in UTF-8: valid UTF-8 must be decoded as UTF-8.
    table = read_table(write_txt(tmp_path / "export.txt", [row(ship_city="Orléans")], encoding="utf-8"))
    assert table.value(0, "ship-city") == "Orléans"
    assert codecs.lookup(table.encoding).name == "utf-8"


def test_tab_delimited_csv_honours_excel_quoting(tmp_path):
    rows = [row(order_id=order_id(1), ship_address_1="Bât. B\t2e étage", ship_address_2="Porte 3\r\nCode 1234"),
            row(order_id=order_id(2))]
    path = write_csv(tmp_path / "export.csv", rows, delimiter="\t")
    table = read_table(path)
    assert table.row_numbers == [2, 3]
    assert texts(table) == expected_texts(rows)


# ------------------------------------------------------------------------------- workbook values

def test_xlsx_numbers_come_back_as_floats_and_dates_as_datetimes(tmp_path):
    rows = [row(ship_postal_code="07100", bill_postal_code="07100", order_item_id="22076422275242",
                item_price="24.50", quantity_purchased="2", purchase_date="2026-03-05T10:15:30+00:00",
                is_business_order="true")]
    table = read_table(write_xlsx(tmp_path / "export.xlsx", rows, numeric=True))
    postcode = table.value(0, "ship-postal-code")
    assert isinstance(postcode, float) and postcode == 7100.0
    assert as_text(postcode) == "7100"
    item_id = table.value(0, "order-item-id")
    assert isinstance(item_id, float) and item_id == 22076422275242.0
    assert as_text(item_id) == "22076422275242"
    assert table.value(0, "item-price") == 24.5
    assert table.value(0, "quantity-purchased") == 2.0
    assert table.value(0, "purchase-date") == datetime(2026, 3, 5, 10, 15, 30)
    assert table.value(0, "is-business-order") is True
    assert table.value(0, "order-id") == "405-1234567-1234567"
    assert table.date1904 is False


def test_xls_numbers_and_dates(tmp_path):
    rows = [row(ship_postal_code="07100", item_price="24.50", purchase_date="2026-03-05T10:15:30+00:00")]
    table = read_table(write_xls(tmp_path / "export.xls", rows, numeric=True))
    assert table.value(0, "ship-postal-code") == 7100
    assert as_text(table.value(0, "ship-postal-code")) == "7100"
    assert table.value(0, "item-price") == 24.5
    assert table.value(0, "purchase-date") == datetime(2026, 3, 5, 10, 15, 30)


@pytest.mark.parametrize("writer", [write_xlsx, write_xls], ids=["xlsx", "xls"])
def test_1904_workbook_date_cells_give_the_right_dates(tmp_path, writer):
    rows = [row(purchase_date="2026-03-05T10:15:30+00:00", payments_date="2017-02-07T14:19:32+00:00")]
    ext = "xlsx" if writer is write_xlsx else "xls"
    table = read_table(writer(tmp_path / f"export.{ext}", rows, numeric=True, date1904=True))
    assert table.value(0, "purchase-date") == datetime(2026, 3, 5, 10, 15, 30)
    assert table.value(0, "payments-date") == datetime(2017, 2, 7, 14, 19, 32)


NOON_1904_SERIAL = (datetime(2026, 3, 5, 12) - datetime(1904, 1, 1)).days + 0.5
NOON_1900_SERIAL = (datetime(2026, 3, 5, 12) - datetime(1899, 12, 30)).days + 0.5


def test_xlsx_1904_flag_for_dates_left_as_plain_numbers(tmp_path):
    # A date column re-formatted "Standard" keeps the serial: only the workbook's flag dates it.
    path = write_xlsx(tmp_path / "export.xlsx", [row(purchase_date=NOON_1904_SERIAL)], date1904=True)
    table = read_table(path)
    assert table.date1904 is True
    raw = table.value(0, "purchase-date")
    assert isinstance(raw, float)
    assert parse_datetime(raw, timezone.utc, table.date1904) == datetime(2026, 3, 5, 12, tzinfo=timezone.utc)
    plain = read_table(write_xlsx(tmp_path / "p.xlsx", [row(purchase_date=NOON_1900_SERIAL)]))
    assert plain.date1904 is False
    assert parse_datetime(plain.value(0, "purchase-date"), timezone.utc, plain.date1904) == \
        datetime(2026, 3, 5, 12, tzinfo=timezone.utc)


def test_xls_1904_flag_for_dates_left_as_plain_numbers(tmp_path):
    path = write_xls(tmp_path / "export.xls", [row(purchase_date=NOON_1904_SERIAL)], date1904=True)
    table = read_table(path)
    raw = table.value(0, "purchase-date")
    assert parse_datetime(raw, timezone.utc, table.date1904) == datetime(2026, 3, 5, 12, tzinfo=timezone.utc)


def test_xlsx_midnight_dates_are_dates(tmp_path):
    rows = [row(purchase_date="2026-03-05T00:00:00+00:00")]
    table = read_table(write_xlsx(tmp_path / "export.xlsx", rows, numeric=True))
    value = table.value(0, "purchase-date")
    assert isinstance(value, date)
    assert (value.year, value.month, value.day) == (2026, 3, 5)
    assert getattr(value, "hour", 0) == 0


# --------------------------------------------------------------------------------- real samples

def test_sample_2017_fr_report():
    table = read_table(sample("akretion-connector-amazon__5724843814017999.csv"))
    assert table.layout == "header"
    assert codecs.lookup(table.encoding).name == "cp1252"
    assert len(table.rows) == 11
    assert table.row_numbers == list(range(2, 13))
    ids = table.column_values("order-id")
    i = ids.index("407-8251065-5874724")
    assert table.value(i, "ship-postal-code") == "7100"
    assert ids.count("408-6015720-8565128") == 2
    assert len(table.header) == 30
    for name in ("order-id", "sku", "item-price", "currency", "recipient-name", "ship-postal-code",
                 "delivery-instructions", "sales-channel"):
        assert name in table.columns
    # Latin-1 accents come out right (cp1252 fallback, not mojibake)
    assert "Cécile HONXA" in table.column_values("buyer-name")
    assert "Orléans" in table.column_values("ship-city")


def test_sample_2017_single_row():
    table = read_table(sample("akretion-connector-amazon__56460amz.csv"))
    assert len(table.rows) == 1 and table.row_numbers == [2]
    assert table.value(0, "order-id") == "404-2131033-7725917"
    assert table.value(0, "shipping-price") == "17"
    assert table.value(0, "ship-postal-code") == "31450"


def test_sample_2020_uk_report():
    table = read_table(sample("yomajo-Amazon-Orders-Parser__sample_amzn_export.txt"))
    assert codecs.lookup(table.encoding).name == "utf-8"
    assert table.header == [h for h in HEADER[:34]]  # the 34 columns exportgen copies
    assert len(table.rows) == 1 and table.row_numbers == [2]
    assert table.value(0, "ship-city") == "Almuñécar"
    assert table.value(0, "item-tax") == "1.84"
    assert table.value(0, "is-business-order") == "false"
    assert table.rows[0][table.header.index("is-sold-by-ab")] == "false"  # unknown column kept


def test_sample_2025_us_unshipped_report_is_named_and_refused():
    """An Unshipped Orders report has no prices: named, and the order report is what to download (SPEC §1)."""
    err = read_error(sample("littlesnaf-CustomOrderService__sample-amazon-orders.txt"))
    assert err.exit_code == 2
    assert err.message.startswith("Ce fichier est un rapport des commandes non expédiées (sans les prix), pas un "
                                  "rapport de commandes : téléchargez le rapport de commandes")


def test_sample_vat_transactions_report_is_named_and_refused():
    err = read_error(sample("TM312-vat_automation__AVTR_Sales Tax Transaction Report_Test Company.txt"))
    assert err.message.startswith("Ce fichier est le rapport des transactions TVA (AVTR) d'Amazon, pas un rapport "
                                  "de commandes : téléchargez")
    assert err.exit_code == 2


# ------------------------------------------------------------------------------ unreadable files

@pytest.mark.parametrize("kind", list(CORRUPT))
def test_unreadable_files_raise_read_error(tmp_path, kind):
    path = make_corrupt(tmp_path, kind)
    err = read_error(path)
    assert err.exit_code == 2
    if kind == "encrypted-xlsx":
        assert "mot de passe" in err.message
    if kind in ("not-report-txt", "zip-not-workbook", "ole-not-workbook"):
        assert NOT_A_REPORT in err.message


def test_encrypted_workbook_whatever_its_extension(tmp_path):
    for name in ("protege.xls", "protege.txt", "protege.csv"):
        err = read_error(write_encrypted_xlsx(tmp_path / name, password="Été2026"))
        assert "mot de passe" in err.message


@pytest.mark.parametrize("content", [b"", b"\n\n\r\n", b"\t\t\t\n\t\t\n", b" \n"])
def test_empty_or_blank_text_files(tmp_path, content):
    path = tmp_path / "vide.txt"
    path.write_bytes(content)
    read_error(path)


def test_empty_workbook(tmp_path):
    read_error(write_xlsx(tmp_path / "vide.xlsx", [], header=None))


def test_header_only_file_reads_no_rows(tmp_path):
    table = read_table(write_txt(tmp_path / "entete.txt", []))
    assert table.rows == [] and table.row_numbers == []
    assert table.columns["order-id"] == 0


def test_missing_file_and_directory(tmp_path):
    err = read_error(tmp_path / "absent.txt")
    assert "absent.txt" in err.message
    read_error(tmp_path)


def test_binary_named_txt(tmp_path):
    path = tmp_path / "image.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 200)
    read_error(path)


# ---------------------------------------------------------------------------------------- limits

@pytest.mark.parametrize("writer", [
    lambda d, rows: write_txt(d / "export.txt", rows),
    lambda d, rows: write_csv(d / "export.csv", rows),
    lambda d, rows: write_xlsx(d / "export.xlsx", rows),
], ids=["txt", "csv", "xlsx"])
def test_max_rows(tmp_path, writer):
    rows = [row(order_id=order_id(i)) for i in range(5)]
    rows.insert(2, None)  # blank rows are not order lines
    path = writer(tmp_path, rows)
    assert len(read_table(path, max_rows=5).rows) == 5
    assert len(read_table(path, max_rows=None).rows) == 5
    err = read_error(path, max_rows=4)
    assert "lignes_max" in err.message
    assert "4" in err.message


def test_max_rows_letter_layout(tmp_path):
    path = write_letters(tmp_path / "lettres.txt", [row(order_id=order_id(i)) for i in range(3)], "txt")
    assert len(read_table(path, max_rows=3).rows) == 3
    assert "lignes_max" in read_error(path, max_rows=2).message


@pytest.mark.parametrize("ext", ["txt", "xlsx"])
def test_max_mb(tmp_path, ext):
    path = tmp_path / f"gros.{ext}"
    if ext == "txt":
        rows = [row(order_id=order_id(i), product_name=f"Article n° {i} " + "x" * 200) for i in range(2500)]
        write_txt(path, rows)
    else:
        # a workbook padded with an incompressible part still is a workbook over the limit
        write_xlsx(path, [row()])
        import zipfile
        import random
        with zipfile.ZipFile(path, "a", zipfile.ZIP_STORED) as zf:
            zf.writestr("docProps/remplissage.bin", random.Random(3).randbytes(1_200_000))
    size = path.stat().st_size
    assert 1024 * 1024 < size < 2 * 1024 * 1024
    err = read_error(path, max_mb=1)
    assert "taille_max_mo" in err.message
    assert "1" in err.message
    assert len(read_table(path, max_mb=2).rows) >= 1


# ----------------------------------------------------------------------------- exportgen sanity

def test_exportgen_row_keywords_and_header():
    r = row(order_id="405-0000000-0000001", item_price="12.00", delivery_instructions="Digicode 12")
    assert r["order-id"] == "405-0000000-0000001"
    assert r["item-price"] == "12.00"
    assert r["delivery-Instructions"] == "Digicode 12"
    assert len(HEADER) == 48 and len(set(HEADER)) == 48
    assert set(HEADER) == set(row())
    assert row(sku=None).get("sku") is None


def test_exportgen_csv_is_french_excel_style(tmp_path):
    path = write_csv(tmp_path / "x.csv", [row(product_name="a;b")])
    data = path.read_bytes()
    assert data.count(b"\r\n") == 2
    assert "Cécile".encode("cp1252") in data
    parsed = list(csv.reader(io.StringIO(data.decode("cp1252"), newline=""), delimiter=";"))
    assert parsed[1][HEADER.index("product-name")] == "a;b"


def test_exportgen_damaged_xlsx_is_a_complete_zip(tmp_path):
    import zipfile
    path = make_damaged_xlsx(tmp_path / "x.xlsx")
    with zipfile.ZipFile(path) as zf:
        assert "xl/workbook.xml" in zf.namelist()


@pytest.mark.parametrize("ragged", [False, True])
def test_all_columns_at_once_are_each_columns_own_values(tmp_path, ragged):
    """`columns_values` (one pass over the rows, every column a strided slice) gives each named column exactly
    what `column_values` gives it, short rows included (their missing cells are None)."""
    from exportgen import row, write_txt

    rows = [row(buyer_name=f"Client {k}") for k in range(30)]
    path = write_txt(tmp_path / "e.txt", rows)
    if ragged:  # a line cut short after its 20th cell, as a hand-edited file may have
        lines = path.read_text(encoding="utf-8").split("\n")
        lines[7] = "\t".join(lines[7].split("\t")[:20])
        path.write_text("\n".join(lines), encoding="utf-8")
    table = read_table(path)
    assert len({len(r) for r in table.rows}) == (2 if ragged else 1)
    every = table.columns_values()
    assert list(every) == list(table.columns)
    for name in table.columns:
        assert every[name] == table.column_values(name), name
    late = next(name for name, idx in table.columns.items() if idx >= 20 and every[name][5])
    assert (every[late][6] is None) == ragged and every[late][5] is not None


@pytest.mark.parametrize("collector_on", [True, False])
def test_reading_and_checking_leave_the_collector_as_found_and_its_young_generation_empty(tmp_path, collector_on):
    """The cyclic collector is off while millions of cells are made; when it comes back on they are promoted to
    the oldest generation, so no young pass over all of them starts at the first allocation after (one such pass
    was 0.3 s after reading 100k rows). A collector the caller had turned off stays off."""
    import gc

    from amazon_addin.checks import verify_table
    from amazon_addin.settings import Settings

    path = write_txt(tmp_path / "e.txt", [row(order_id=order_id(k)) for k in range(3000)])
    passes = []

    def seen(phase, info):
        if phase == "start":
            passes.append(info["generation"])

    was = gc.isenabled()
    (gc.enable if collector_on else gc.disable)()
    gc.collect()
    gc.callbacks.append(seen)
    try:
        table = read_table(path)
        after_read = gc.get_count()[0]
        result = verify_table(table, Settings(vies="non"))
        after_check = gc.get_count()[0]
        on_after = gc.isenabled()
    finally:
        gc.callbacks.remove(seen)
        (gc.enable if was else gc.disable)()
    assert len(result.orders) == 3000
    assert on_after is collector_on
    assert passes == []  # 3,000 rows make some 200,000 objects: unpromoted, a young pass would have run
    if collector_on:  # below the threshold of a young pass: nothing left waiting for one
        assert after_read < 700 and after_check < 700
