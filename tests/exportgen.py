"""Builders of Amazon order reports, in every shape a seller can hand us, for the tests.

Plain functions (no pytest fixtures) so that any test module can `from exportgen import ...`.
They know nothing of `amazon_addin`: the layouts below are written from SPEC §1 on purpose, so a
mistake in the package's own tables cannot hide itself.

Rows are dicts keyed by header names (`row()` builds one); a row may also be a list/tuple of raw cell
values (written as they are, positionally) or `None` for a fully empty line/row.
"""

from __future__ import annotations

import csv
import datetime as _dt
import functools
import io
import itertools
import random
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

# ------------------------------------------------------------------------------------------ layout

# The 34 columns of the yomajo sample (Amazon.co.uk 2020 order report), in its order.
YOMAJO_HEADER = [
    "order-id", "order-item-id", "purchase-date", "payments-date", "buyer-email", "buyer-name",
    "buyer-phone-number", "sku", "product-name", "quantity-purchased", "currency", "item-price",
    "item-tax", "shipping-price", "shipping-tax", "ship-service-level", "recipient-name",
    "ship-address-1", "ship-address-2", "ship-address-3", "ship-city", "ship-state",
    "ship-postal-code", "ship-country", "ship-phone-number", "delivery-start-date",
    "delivery-end-date", "delivery-time-zone", "delivery-Instructions", "sales-channel",
    "is-business-order", "purchase-order-number", "price-designation", "is-sold-by-ab",
]

# The 2020-style report with the invoicing (billing / B2B / HT / promotion / gift-wrap) columns.
HEADER = YOMAJO_HEADER + [
    "bill-name", "bill-address-1", "bill-address-2", "bill-city", "bill-postal-code", "bill-country",
    "buyer-company-name", "buyer-tax-registration-id", "vat-exclusive-item-price",
    "vat-exclusive-shipping-price", "item-promotion-discount", "ship-promotion-discount",
    "gift-wrap-price", "gift-wrap-tax",
]

# The headerless "Gestan letter layout" (SPEC §1): column letters → header names.
LETTER_LAYOUT = {
    "A": "order-id", "C": "purchase-date", "D": "payments-date", "F": "buyer-name", "H": "sku",
    "J": "product-name", "K": "quantity-purchased", "L": "currency", "M": "item-price",
    "N": "item-tax", "O": "shipping-price", "P": "shipping-tax", "R": "recipient-name",
    "S": "ship-address-1", "T": "ship-address-2", "V": "ship-city", "W": "ship-state",
    "X": "ship-postal-code", "Y": "ship-country", "Z": "ship-phone-number", "AA": "bill-name",
    "AB": "bill-address-1", "AC": "bill-address-2", "AE": "bill-city", "AF": "bill-state",
    "AG": "bill-postal-code", "AH": "bill-country", "AL": "delivery-Instructions",
    "AR": "is-business-order", "AV": "buyer-company-name", "BC": "vat-exclusive-item-price",
    "BD": "vat-exclusive-shipping-price",
}

DEFAULTS = {
    "order-id": "405-1234567-1234567",
    "order-item-id": "12345678901234",
    "purchase-date": "2026-03-05T10:00:00+00:00",
    "payments-date": "2026-03-05T10:00:00+00:00",
    "buyer-email": "cecile.dupre@marketplace.amazon.fr",
    "buyer-name": "Cécile Dupré",
    "buyer-phone-number": "0612345678",
    "sku": "TASSE-GRES-01",
    "product-name": "Tasse en grès émaillé « Été » – bleu",
    "quantity-purchased": "1",
    "currency": "EUR",
    "item-price": "24.00",
    "item-tax": "4.00",
    "shipping-price": "0.00",
    "shipping-tax": "0.00",
    "ship-service-level": "Standard",
    "recipient-name": "Cécile Dupré",
    "ship-address-1": "12 rue de l'Église",
    "ship-address-2": "Bâtiment B",
    "ship-address-3": "",
    "ship-city": "Orléans",
    "ship-state": "Loiret",
    "ship-postal-code": "45000",
    "ship-country": "FR",
    "ship-phone-number": "0612345678",
    "delivery-start-date": "",
    "delivery-end-date": "",
    "delivery-time-zone": "",
    "delivery-Instructions": "",
    "sales-channel": "Amazon.fr",
    "is-business-order": "false",
    "purchase-order-number": "",
    "price-designation": "",
    "is-sold-by-ab": "false",
    "bill-name": "Cécile Dupré",
    "bill-address-1": "12 rue de l'Église",
    "bill-address-2": "Bâtiment B",
    "bill-city": "Orléans",
    "bill-postal-code": "45000",
    "bill-country": "FR",
    "buyer-company-name": "",
    "buyer-tax-registration-id": "",
    "vat-exclusive-item-price": "20.00",
    "vat-exclusive-shipping-price": "0.00",
    "item-promotion-discount": "0.00",
    "ship-promotion-discount": "0.00",
    "gift-wrap-price": "0.00",
    "gift-wrap-tax": "0.00",
}

_CANON = {name.casefold(): name for name in DEFAULTS}


def _key(name: str) -> str:
    """`order_id` / `order-id` / `delivery_instructions` → the header spelling used in `HEADER`."""
    dashed = name.replace("_", "-")
    return _CANON.get(dashed.casefold(), dashed)


_ITEM_IDS = itertools.count(12345678901234)


def row(**overrides) -> dict:
    """One valid French order row (all values are text, as Amazon writes them).

    Keyword names use `_` for `-` (`row(order_id="405-...", item_price="12.00")`); a name that is not
    in `HEADER` adds a column (write it with a `header=` that includes it). `None` removes a key.
    Each row gets an order-item-id of its own, as Amazon gives: (order-id, order-item-id) is unique.
    """
    out = dict(DEFAULTS, **{"order-item-id": f"{next(_ITEM_IDS):014d}"})
    for name, value in overrides.items():
        k = _key(name)
        if value is None:
            out.pop(k, None)
        else:
            out[k] = value
    return out


def order_id(n: int) -> str:
    """A distinct, well-formed Amazon order id for the n-th order of a test."""
    return f"405-{1234567 + n:07d}-{7654321 + n:07d}"


def cells(rows, header=HEADER) -> list:
    """The cells as they sit in the file: one list per row (`None` rows stay `None`: blank lines)."""
    out = []
    for r in rows:
        if r is None:
            out.append(None)
        elif isinstance(r, dict):
            out.append([r.get(h, "") for h in header] if header is not None else list(r.values()))
        else:
            out.append(list(r))
    return out


def expected_texts(rows, header=HEADER) -> list:
    """The text of every non-blank data row, as the reader must give it back (blank rows skipped)."""
    out = []
    for c in cells(rows, header):
        if c is None or all(v is None or str(v).strip() == "" for v in c):
            continue
        out.append(["" if v is None else str(v) for v in c])
    return out


def expected_row_numbers(rows, first_data_row: int = 2) -> list:
    """1-based sheet rows of the non-blank data rows, blank rows counted."""
    nums = []
    for i, c in enumerate(cells(rows, None)):
        if c is None or all(v is None or str(v).strip() == "" for v in c):
            continue
        nums.append(first_data_row + i)
    return nums


# ------------------------------------------------------------------------------------- text files

_BOMS = {
    "utf-8": b"\xef\xbb\xbf", "utf8": b"\xef\xbb\xbf",
    "utf-16-le": b"\xff\xfe", "utf-16le": b"\xff\xfe",
    "utf-16-be": b"\xfe\xff", "utf-16be": b"\xfe\xff",
}


def _encode(text: str, encoding: str, bom: bool) -> bytes:
    data = text.encode(encoding)
    if bom and not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        data = _BOMS[encoding.lower()] + data
    return data


def write_txt(path, rows, header=HEADER, encoding="utf-8", bom=False, newline="\n") -> Path:
    """Amazon style: tab separated, no quoting, one line per row. `header=None`: no header line.

    `encoding="utf-16"` writes Python's native BOM; `bom=True` adds one for utf-8 / utf-16-le / -be.
    """
    lines = []
    if header is not None:
        lines.append("\t".join(header))
    for c in cells(rows, header):
        lines.append("" if c is None else "\t".join("" if v is None else str(v) for v in c))
    text = newline.join(lines) + newline
    path = Path(path)
    path.write_bytes(_encode(text, encoding, bom))
    return path


def write_csv(path, rows, header=HEADER, delimiter=";", encoding="cp1252", bom=False) -> Path:
    """French Excel style: csv module, QUOTE_MINIMAL, CRLF. `header=None`: no header line."""
    buf = io.StringIO(newline="")
    w = csv.writer(buf, delimiter=delimiter, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    if header is not None:
        w.writerow(header)
    for c in cells(rows, header):
        w.writerow([] if c is None else ["" if v is None else v for v in c])
    path = Path(path)
    path.write_bytes(_encode(buf.getvalue(), encoding, bom))
    return path


# ---------------------------------------------------------------------------------------- workbooks

_INT_RE = re.compile(r"^[+-]?\d+$")
_FLOAT_RE = re.compile(r"^[+-]?(\d+\.\d*|\.\d+)$")
_ISO_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?([+-]\d{2}:\d{2}|Z)?$")


def excelify(value):
    """What Excel turns a typed text into: 07100 → 7100, 24.00 → 24.0, ISO date → datetime, ...

    Dates lose their offset (Excel has no time zones: the wall-clock time is kept). Integers beyond
    Excel's 15 significant digits become floats (the digits are lost, as in Excel).
    """
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.casefold() in ("true", "false"):
        return text.casefold() == "true"
    if _INT_RE.match(text):
        n = int(text)
        return n if len(text.lstrip("+-")) <= 15 else float(n)
    if _FLOAT_RE.match(text):
        return float(text)
    if _ISO_RE.match(text):
        return _dt.datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)
    return value


@dataclass
class Sheet:
    """Another sheet of a workbook: `before=True` puts it before the order sheet."""

    name: str
    rows: list = field(default_factory=list)
    hidden: bool = False
    before: bool = True


def _as_sheet(s) -> Sheet:
    return s if isinstance(s, Sheet) else Sheet(str(s))


def _grid(rows, header, numeric, header_row):
    """(1-based row, list of values) for every non-None line, header first."""
    out = []
    r = header_row
    if header is not None:
        out.append((r, list(header)))
        r += 1
    for c in cells(rows, header):
        if c is not None:
            out.append((r, [excelify(v) if numeric else v for v in c]))
        r += 1
    return out


def write_xlsx(path, rows, header=HEADER, sheet="Commandes", numeric=False, date1904=False,
               extra_sheets=(), header_row=1) -> Path:
    """An .xlsx written with openpyxl. Cells are text unless `numeric=True` (see `excelify`).

    `extra_sheets`: names or `Sheet(...)`; `header_row`: the sheet row of the header (rows above
    stay empty). `header=None`: no header (data from `header_row`).
    """
    import openpyxl
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    wb = openpyxl.Workbook()
    if date1904:
        wb.epoch = CALENDAR_MAC_1904
    main = wb.active
    main.title = sheet
    extras = [_as_sheet(s) for s in extra_sheets]
    for i, ex in enumerate(e for e in extras if e.before):
        ws = wb.create_sheet(ex.name, i)
        _fill_openpyxl(ws, ex.rows)
        if ex.hidden:
            ws.sheet_state = "hidden"
    for ex in (e for e in extras if not e.before):
        ws = wb.create_sheet(ex.name)
        _fill_openpyxl(ws, ex.rows)
        if ex.hidden:
            ws.sheet_state = "hidden"
    for r, values in _grid(rows, header, numeric, header_row):
        for j, v in enumerate(values, start=1):
            if v is not None and v != "":
                cell = main.cell(row=r, column=j, value=v)
                if isinstance(v, _dt.datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm:ss"
    wb.active = wb.sheetnames.index(sheet)
    path = Path(path)
    wb.save(path)
    return path


def _fill_openpyxl(ws, rows):
    for i, values in enumerate(rows, start=1):
        for j, v in enumerate(values or (), start=1):
            if v is not None and v != "":
                ws.cell(row=i, column=j, value=v)


def write_xls(path, rows, header=HEADER, numeric=False, sheet="Commandes", date1904=False,
              extra_sheets=(), header_row=1) -> Path:
    """An Excel 97-2003 .xls written with xlwt (same conventions as `write_xlsx`)."""
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    wb.dates_1904 = bool(date1904)  # before any date is written: xlwt converts at write time
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD HH:MM:SS")
    extras = [_as_sheet(s) for s in extra_sheets]

    def fill(ws, grid):
        for r, values in grid:
            for j, v in enumerate(values):
                if v is None or v == "":
                    continue
                if isinstance(v, (_dt.datetime, _dt.date)):
                    ws.write(r - 1, j, v, date_style)
                else:
                    ws.write(r - 1, j, v)

    for ex in (e for e in extras if e.before):
        ws = wb.add_sheet(ex.name)
        fill(ws, [(i, list(v or ())) for i, v in enumerate(ex.rows, start=1)])
        if ex.hidden:
            ws.visibility = 1
    main = wb.add_sheet(sheet)
    fill(main, _grid(rows, header, numeric, header_row))
    for ex in (e for e in extras if not e.before):
        ws = wb.add_sheet(ex.name)
        fill(ws, [(i, list(v or ())) for i, v in enumerate(ex.rows, start=1)])
    wb.active_sheet = [e.before for e in extras].count(True)
    path = Path(path)
    wb.save(str(path))
    return path


def _letter_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


LETTER_WIDTH = max(_letter_index(k) for k in LETTER_LAYOUT) + 1  # A..BD = 56 columns


def letter_cells(r) -> list:
    """One row dict → the 56 cells of the letter layout (unmapped letters stay empty)."""
    if r is None:
        return None
    if not isinstance(r, dict):
        return list(r)
    out = [""] * LETTER_WIDTH
    for letters, name in LETTER_LAYOUT.items():
        out[_letter_index(letters)] = r.get(name, "")
    return out


def write_letters(path, rows, fmt="txt", **kw) -> Path:
    """The headerless Gestan letter layout (SPEC §1): data from row 1, fields at fixed letters.

    `fmt`: "txt" (tab separated), "csv" (`;`), "xlsx" or "xls"; extra keywords go to the writer.
    """
    grid = [letter_cells(r) for r in rows]
    if fmt == "txt":
        return write_txt(path, grid, header=None, **kw)
    if fmt == "csv":
        return write_csv(path, grid, header=None, **kw)
    if fmt == "xlsx":
        return write_xlsx(path, grid, header=None, **kw)
    if fmt == "xls":
        return write_xls(path, grid, header=None, **kw)
    raise ValueError(fmt)


def letter_expected_texts(rows) -> list:
    return expected_texts([letter_cells(r) for r in rows], header=None)


# ------------------------------------------------------------------------------- damaged files

def xlsx_bytes(rows=None, **kw) -> bytes:
    """A valid .xlsx, in memory."""
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        p = write_xlsx(Path(d) / "x.xlsx", [row()] if rows is None else rows, **kw)
        return p.read_bytes()


def write_encrypted_xlsx(path, password="secret", rows=None) -> Path:
    """A real password-protected workbook (ECMA-376 agile encryption, as Excel does it)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = io.BytesIO(xlsx_bytes(rows))
    out = io.BytesIO()
    OOXMLFile(plain).encrypt(password, out)
    path = Path(path)
    path.write_bytes(out.getvalue())
    return path


def make_truncated_xlsx(path) -> Path:
    """The first half of a valid .xlsx (an interrupted download or copy)."""
    data = xlsx_bytes([row(order_id=order_id(i)) for i in range(20)])
    path = Path(path)
    path.write_bytes(data[: len(data) // 2])
    return path


def make_truncated_xls(path) -> Path:
    """The first half of a valid .xls."""
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        data = write_xls(Path(d) / "x.xls", [row(order_id=order_id(i)) for i in range(40)]).read_bytes()
    path = Path(path)
    path.write_bytes(data[: len(data) // 2])
    return path


def make_zip_not_workbook(path) -> Path:
    """A zip archive holding `hello.txt`, named like a workbook."""
    path = Path(path)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("hello.txt", "Bonjour, ceci n'est pas un classeur.\n")
    return path


def make_damaged_xlsx(path, member="xl/workbook.xml") -> Path:
    """A complete .xlsx whose `member` has its compressed bytes scrambled (CRC/inflate failure)."""
    data = bytearray(xlsx_bytes([row(order_id=order_id(i)) for i in range(5)]))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.getinfo(member)
    # local file header: 30 bytes + name + extra, then the compressed data
    name_len, extra_len = struct.unpack("<HH", data[info.header_offset + 26: info.header_offset + 30])
    start = info.header_offset + 30 + name_len + extra_len
    rnd = random.Random(1904)
    for i in range(start, start + info.compress_size):
        data[i] = rnd.randrange(256)
    path = Path(path)
    path.write_bytes(bytes(data))
    return path


def make_random_bytes(path, size=8192, seed=7) -> Path:
    path = Path(path)
    path.write_bytes(random.Random(seed).randbytes(size))
    return path


def make_empty(path) -> Path:
    path = Path(path)
    path.write_bytes(b"")
    return path


def make_not_report_txt(path) -> Path:
    """A text file that is not an order report (a shopping list, tab separated)."""
    path = Path(path)
    path.write_text("article\tquantité\tprix\npommes\t3\t2,50\npoires\t2\t3,10\n", encoding="utf-8")
    return path


def png_bytes(width=4, height=4) -> bytes:
    """A tiny valid PNG image."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    raw = b"".join(b"\x00" + bytes([200, 30, 30]) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw))
            + chunk(b"IEND", b""))


def make_png(path) -> Path:
    path = Path(path)
    path.write_bytes(png_bytes())
    return path


def make_ole_not_workbook(path) -> Path:
    """An OLE2 compound file (like a .doc) that holds no workbook stream, named `.xls`."""
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        data = write_xls(Path(d) / "x.xls", [row()]).read_bytes()
    name = "Workbook".encode("utf-16-le")
    assert data.count(name) == 1
    path = Path(path)
    path.write_bytes(data.replace(name, "Document".encode("utf-16-le")))
    return path


CORRUPT = {
    # kind: (file name, maker)
    "truncated-xlsx": ("tronque.xlsx", make_truncated_xlsx),
    "truncated-xls": ("tronque.xls", make_truncated_xls),
    "zip-not-workbook": ("archive.xlsx", make_zip_not_workbook),
    "ole-not-workbook": ("document.xls", make_ole_not_workbook),
    "damaged-xlsx": ("abime.xlsx", make_damaged_xlsx),
    "damaged-xlsx-sheet": ("abime-feuille.xlsx",
                           functools.partial(make_damaged_xlsx, member="xl/worksheets/sheet1.xml")),
    "random-xlsx": ("aleatoire.xlsx", make_random_bytes),
    "random-txt": ("aleatoire.txt", make_random_bytes),
    "empty-txt": ("vide.txt", make_empty),
    "empty-xlsx": ("vide.xlsx", make_empty),
    "not-report-txt": ("courses.txt", make_not_report_txt),
    "png-csv": ("image.csv", make_png),
    "encrypted-xlsx": ("protege.xlsx", write_encrypted_xlsx),
}


def make_corrupt(directory, kind: str) -> Path:
    """Write the damaged file `kind` (a key of `CORRUPT`) into `directory`; return its path."""
    name, maker = CORRUPT[kind]
    return maker(Path(directory) / name)



# ------------------------------------------------------------------------------- settings and rates

# A few ECB reference rates in the layout of eurofxref-hist.csv (newest first, N/A where none, trailing comma).
ECB_RATES = """Date,USD,JPY,CHF,GBP,NOK,SEK,
2026-03-05,1.0850,162.40,0.9610,0.8420,11.5120,11.2010,
2026-03-04,1.0832,161.97,N/A,0.8415,11.4980,11.1985,
2026-03-03,1.0801,161.20,0.9588,0.8409,11.4861,11.1850,
2026-03-02,1.0790,160.85,0.9575,0.8400,11.4700,11.1700,
"""


def write_ecb_rates(path, text: str = ECB_RATES) -> Path:
    path = Path(path)
    path.write_text(text, encoding="utf-8")
    return path


def write_settings(directory, **values) -> Path:
    """`amazon_addin.toml` in `directory` with these keys (text in TOML literal strings: paths stay as written)."""
    lines = [f"{k} = {v}" if isinstance(v, (int, float)) else f"{k} = '{v}'" for k, v in values.items()]
    path = Path(directory) / "amazon_addin.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# ------------------------------------------------------------------------------ other Amazon reports

# The Amazon Fulfilled Shipments report (FBA), in its published column order.
FBA_HEADER = [
    "amazon-order-id", "merchant-order-id", "shipment-id", "shipment-item-id", "amazon-order-item-id",
    "merchant-order-item-id", "purchase-date", "payments-date", "shipment-date", "reporting-date", "buyer-email",
    "buyer-name", "buyer-phone-number", "sku", "product-name", "quantity-shipped", "currency", "item-price",
    "item-tax", "shipping-price", "shipping-tax", "gift-wrap-price", "gift-wrap-tax", "ship-service-level",
    "recipient-name", "ship-address-1", "ship-address-2", "ship-address-3", "ship-city", "ship-state",
    "ship-postal-code", "ship-country", "ship-phone-number", "bill-address-1", "bill-address-2", "bill-address-3",
    "bill-city", "bill-state", "bill-postal-code", "bill-country", "item-promotion-discount",
    "ship-promotion-discount", "carrier", "tracking-number", "estimated-arrival-date", "fulfillment-center-id",
    "fulfillment-channel", "sales-channel",
]
_FBA_FROM_ORDER = {"amazon-order-id": "order-id", "amazon-order-item-id": "order-item-id",
                   "quantity-shipped": "quantity-purchased"}
_SHIPMENTS = itertools.count(1)


def fba_row(**overrides) -> dict:
    """One shipped item of an FBA order sent from Saran (ORY1), keyed by FBA_HEADER names (`_` for `-`)."""
    base = row()
    n = next(_SHIPMENTS)
    out = {h: base.get(_FBA_FROM_ORDER.get(h, h), "") for h in FBA_HEADER}
    out.update({"shipment-id": f"D{n:08d}", "shipment-item-id": f"S{n:09d}", "merchant-order-id": "",
                "merchant-order-item-id": "", "shipment-date": "2026-03-06T08:00:00+00:00",
                "reporting-date": "2026-03-06T09:00:00+00:00", "carrier": "DPD", "tracking-number": f"TRK{n:07d}",
                "estimated-arrival-date": "2026-03-08T20:00:00+00:00", "fulfillment-center-id": "ORY1",
                "fulfillment-channel": "AFN"})
    for name, value in overrides.items():
        out[name.replace("_", "-")] = value
    return out


# Headers of the reports sellers download by mistake, from Amazon's Seller Central help and SP-API report
# types: each key names the report, the list is its row 1.
WRONG_REPORTS = {
    "reglement-v2": ["settlement-id", "settlement-start-date", "settlement-end-date", "deposit-date", "total-amount",
                     "currency", "transaction-type", "order-id", "merchant-order-id", "adjustment-id", "shipment-id",
                     "marketplace-name", "amount-type", "amount-description", "amount", "fulfillment-id",
                     "posted-date", "posted-date-time", "order-item-code", "merchant-order-item-id",
                     "merchant-adjustment-item-id", "sku", "quantity-purchased", "promotion-id"],
    "reglement-v1": ["settlement-id", "settlement-start-date", "settlement-end-date", "deposit-date", "total-amount",
                     "currency", "transaction-type", "order-id", "merchant-order-id", "adjustment-id", "shipment-id",
                     "marketplace-name", "shipment-fee-type", "shipment-fee-amount", "order-fee-type",
                     "order-fee-amount", "fulfillment-id", "posted-date", "order-item-code", "merchant-order-item-id",
                     "merchant-adjustment-item-id", "sku", "quantity-purchased", "price-type", "price-amount",
                     "item-related-fee-type", "item-related-fee-amount", "misc-fee-amount", "other-fee-amount",
                     "other-fee-reason-description", "promotion-id", "promotion-type", "promotion-amount",
                     "direct-payment-type", "direct-payment-amount", "other-amount"],
    # A settlement export with only some of its columns (the seller's own selection, or an older layout).
    "reglement": ["settlement-id", "settlement-start-date", "settlement-end-date", "deposit-date", "total-amount",
                  "currency", "transaction-type", "order-id", "sku", "quantity-purchased", "posted-date"],
    "non-expediees": ["order-id", "order-item-id", "purchase-date", "payments-date", "reporting-date", "promise-date",
                      "days-past-promise", "buyer-email", "buyer-name", "buyer-phone-number", "sku", "product-name",
                      "quantity-purchased", "quantity-shipped", "quantity-to-ship", "ship-service-level",
                      "recipient-name", "ship-address-1", "ship-address-2", "ship-address-3", "ship-city",
                      "ship-state", "ship-postal-code", "ship-country", "sales-channel", "is-business-order"],
    "toutes-commandes": ["amazon-order-id", "merchant-order-id", "purchase-date", "last-updated-date", "order-status",
                         "fulfillment-channel", "sales-channel", "order-channel", "url", "ship-service-level",
                         "product-name", "sku", "asin", "item-status", "quantity", "currency", "item-price",
                         "item-tax", "shipping-price", "shipping-tax", "gift-wrap-price", "gift-wrap-tax",
                         "item-promotion-discount", "ship-promotion-discount", "ship-city", "ship-state",
                         "ship-postal-code", "ship-country", "promotion-ids", "is-business-order",
                         "purchase-order-number", "price-designation"],
    "avtr": ["UNIQUE_ACCOUNT_IDENTIFIER", "ACTIVITY_PERIOD", "SALES_CHANNEL", "MARKETPLACE", "TRANSACTION_TYPE",
             "TRANSACTION_EVENT_ID", "ACTIVITY_TRANSACTION_ID", "TAX_CALCULATION_DATE", "TRANSACTION_DEPART_DATE",
             "SELLER_SKU", "ASIN", "ITEM_DESCRIPTION", "QTY", "TOTAL_ACTIVITY_VALUE_AMT_VAT_INCL",
             "TRANSACTION_CURRENCY_CODE", "SALE_DEPART_COUNTRY", "SALE_ARRIVAL_COUNTRY"],
    "calcul-tva": ["Marketplace ID", "Merchant ID", "Order Date", "Transaction Type", "Is Invoice Corrected",
                   "Order ID", "Shipment Date", "Shipment ID", "Transaction ID", "ASIN", "SKU", "Quantity",
                   "Tax Calculation Date", "Tax Rate", "Product Tax Code", "Currency", "Tax Type",
                   "Tax Calculation Reason Code", "Tax Address Role", "Jurisdiction Level", "Jurisdiction Name",
                   "OUR_PRICE Tax Inclusive Selling Price", "OUR_PRICE Tax Amount",
                   "OUR_PRICE Tax Exclusive Selling Price", "Ship From Country", "Ship To City", "Ship To Country",
                   "Ship To Postal Code", "Is Amazon Invoiced"],
    "retours-fba": ["return-date", "order-id", "sku", "asin", "fnsku", "product-name", "quantity",
                    "fulfillment-center-id", "detailed-disposition", "reason", "status", "license-plate-number",
                    "customer-comments"],
    "retours": ["Order ID", "Order date", "Return request date", "Return request status", "Amazon RMA ID",
                "Seller RMA ID", "Label type", "Label cost", "Currency code", "Return carrier", "Tracking ID",
                "Label to be paid by", "A-to-z claim", "Is prime", "ASIN", "Merchant SKU", "Item Name",
                "Return quantity", "Return reason", "In policy", "Return type", "Resolution", "Order Amount",
                "Order quantity", "Refunded Amount"],
    "transactions": ["date/heure", "numéro de versement", "type", "numéro de la commande", "sku", "description",
                     "quantité", "marketplace", "traitement", "ville d'origine de la commande", "ventes de produits",
                     "total"],
    "inventaire": ["sku", "asin", "price", "quantity"],
    "inventaire-fba": ["sku", "fnsku", "asin", "product-name", "condition", "your-price", "mfn-listing-exists",
                       "mfn-fulfillable-quantity", "afn-listing-exists", "afn-warehouse-quantity",
                       "afn-fulfillable-quantity", "afn-unsellable-quantity", "afn-reserved-quantity",
                       "afn-total-quantity"],
    "inventaire-fba-stock": ["seller-sku", "fulfillment-channel-sku", "asin", "condition-type",
                             "Warehouse-Condition-code", "Quantity Available"],
    "offres": ["item-name", "item-description", "listing-id", "seller-sku", "price", "quantity", "open-date",
               "image-url", "item-is-marketplace", "product-id-type", "item-note", "item-condition", "asin1",
               "product-id", "fulfillment-channel", "status"],
}


def write_report(path, header, fmt: str, rows: int = 2) -> Path:
    """A report with `header` and `rows` data rows of plausible text, as .txt, .csv or .xlsx."""
    data = [[f"{i}{j}" if j % 3 else "405-1234567-1234567" for j in range(len(header))] for i in range(rows)]
    writer = {"txt": write_txt, "csv": write_csv, "xlsx": write_xlsx}[fmt]
    return writer(Path(path).with_suffix(f".{fmt}"), data, header=header)
