"""Read an Amazon order report (.txt, .csv, .xlsx, .xls) into a `Table` of raw cells.

Knows nothing of Excel-the-application nor of the database: a file in, cells out, or a `ReadError`
carrying one French sentence.
"""

from __future__ import annotations

import codecs
import csv
import gc
import io
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain, repeat
from operator import itemgetter
from pathlib import Path

from . import columns as C
from . import defences, isolated, reports
from .defences import shown
from .errors import ReadError

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
_LINE_RE = re.compile(r"\r\n|\n|\r")


@dataclass
class Table:
    """The cells of the order sheet. `rows[i]` sits on sheet row `row_numbers[i]` (1-based)."""

    path: str
    format: str  # "txt", "csv", "xlsx", "xls"
    layout: str  # "header" or "letters"
    header: list = field(default_factory=list)
    columns: dict = field(default_factory=dict)  # canonical name → 0-based column index
    rows: list = field(default_factory=list)
    row_numbers: list = field(default_factory=list)
    encoding: str | None = None
    sheet: str | None = None
    date1904: bool = False
    header_row: int = 0  # 1-based sheet row of the header; 0 for the letter layout
    report: str = reports.ORDERS  # which report is read as orders: `reports.ORDERS` or `reports.FBA`
    _min_width: int | None = field(default=None, repr=False)

    def value(self, i: int, name: str):
        idx = self.columns.get(name)
        if idx is None:
            return None
        row = self.rows[i]
        return row[idx] if idx < len(row) else None

    def cell(self, i: int, name: str) -> str | None:
        idx = self.columns.get(name)
        return None if idx is None else f"{C.letter(idx)}{self.row_numbers[i]}"

    def columns_values(self) -> dict[str, list]:
        """`column_values` of every named column. Rows of one width (an export as Amazon writes it) are read
        once each, in order, into one flat list that every column is a strided slice of: picking a column from
        each row in turn would visit the 100k rows once per column, each visit a cache miss."""
        widths = set(map(len, self.rows))
        if len(widths) != 1:
            return {name: self.column_values(name) for name in self.columns}
        (width,) = widths
        flat = list(chain.from_iterable(self.rows))
        return {name: flat[idx::width] if idx < width else [None] * len(self.rows)
                for name, idx in self.columns.items()}

    def column_values(self, name: str) -> list:
        idx = self.columns.get(name)
        if idx is None:
            return [None] * len(self.rows)
        if self._min_width is None:
            self._min_width = min(map(len, self.rows), default=0)
        if idx < self._min_width:
            return list(map(itemgetter(idx), self.rows))  # every row is wide enough: C-speed
        return [row[idx] if idx < len(row) else None for row in self.rows]


# ---------------------------------------------------------------------------------------------- text

def _cp1252_total(data: bytes) -> str:
    # cp1252 leaves 0x81 0x8D 0x8F 0x90 0x9D undefined: map them as Latin-1 so decoding never fails.
    return data.decode("cp1252", errors="latin1fallback")


def _latin1_fallback(exc: UnicodeDecodeError):
    return exc.object[exc.start: exc.end].decode("latin-1"), exc.end


codecs.register_error("latin1fallback", _latin1_fallback)


def decode_text(data: bytes) -> tuple[str, str]:
    """BOM, else strict UTF-8, else cp1252 (SPEC §1)."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        return data.decode("utf-16", errors="replace"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return _cp1252_total(data), "cp1252"


def _sniff_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in ("\t", ";", ",")}
    best = max(counts, key=lambda d: (counts[d], d == "\t"))
    return best if counts[best] else "\t"


def _read_text(data: bytes, quoting: bool) -> tuple[list[list], str]:
    if data.count(b"\x00") > len(data) // 100 + 1 and not data.startswith(
        (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    ):
        raise ReadError("Ce fichier n'est pas un fichier texte : il contient des données binaires.")
    text, encoding = decode_text(data)
    first = next((line for line in _LINE_RE.split(text[:65536]) if line.strip()), "")
    delim = _sniff_delimiter(first)
    if quoting:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim, quotechar='"', strict=False)
        try:
            same = {}.setdefault
            rows = [[same(c, c) for c in r] for r in reader]
        except csv.Error as exc:  # pragma: no cover - csv with strict=False rarely raises
            raise ReadError(f"Le fichier CSV est mal formé ({exc}).")
    else:
        lines = _LINE_RE.split(text) if "\r" in text else text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        # One object per distinct cell text: exports repeat themselves (dates, countries, names, amounts),
        # so 100k rows hold ~5% distinct strings; sharing them halves the memory and speeds hashing.
        same = {}.setdefault
        rows = [list(map(same, cells, cells)) for cells in map(str.split, lines, repeat(delim, len(lines)))]
        if delim == "\t" and '"' in text:
            # Amazon never quotes, but Excel's "tab-delimited text" does: undo only Excel's exact form,
            # on the lines that hold a quote at all.
            for line, row in zip(lines, rows):
                if '"' not in line:
                    continue
                for j, v in enumerate(row):
                    if len(v) >= 2 and v[0] == '"' == v[-1] and '"' not in v[1:-1].replace('""', ""):
                        row[j] = v[1:-1].replace('""', '"')
        del lines
    return rows, encoding


# ----------------------------------------------------------------------------------------- workbooks

def _order_sheet(sheets: list[defences.SheetInfo]) -> int | None:
    """SPEC §7: the sheet `Commandes` if present, else the first visible worksheet (else the first sheet)."""
    for i, s in enumerate(sheets):
        if s.name.strip().casefold() == "commandes":
            return i
    for i, s in enumerate(sheets):
        if s.visible and s.worksheet:
            return i
    return 0 if sheets else None


def _read_workbook(path: Path, kind: str, max_mb: int = 200) -> tuple[list[list], str, bool]:
    inspected = defences.inspect_workbook(path, kind, max_mb, choose=_order_sheet)
    rows, sheet = isolated.read_sheet(path, inspected)
    return rows, sheet, inspected.date1904


# ------------------------------------------------------------------------------------------- layout

def _is_blank_row(row: list) -> bool:
    for v in row:
        if v is not None and v != "" and not (isinstance(v, str) and not v.strip()):
            return False
    return True


def _header_map(header: list, aliases: dict | None = None) -> dict[str, int]:
    found: dict[str, int] = {}
    for i, cell in enumerate(header):
        name = C.canonical(cell) or (aliases or {}).get(C.normalise_header(cell))
        if name and name not in found:  # the first of duplicated headers wins
            found[name] = i
    return found


def _looks_like_letters(first: list) -> bool:
    def at(letters: str):
        i = C.index_of(letters)
        return first[i] if i < len(first) else None

    a1 = at("A")
    k1 = at("K")
    if not isinstance(a1, str) or not C.ORDER_ID_RE.match(a1.strip()):
        return False
    if isinstance(k1, float):
        return k1.is_integer()
    if isinstance(k1, int):
        return True
    return isinstance(k1, str) and k1.strip().isdigit()


def build_table(path: str, fmt: str, rows: list[list], encoding=None, sheet=None, date1904=False,
                max_rows: int | None = None) -> Table:
    # The first non-blank row is the header (Excel users sometimes leave a blank row above).
    start = 0
    while start < len(rows) and _is_blank_row(rows[start]):
        start += 1
    if start == len(rows):
        raise ReadError("Le fichier est vide : aucune ligne de commande.")
    first = rows[start]
    report = reports.recognise(first)
    if report is not None and not report.read:
        raise ReadError(report.refusal())  # a wrong download: named, with the right one (SPEC §1)
    mapping = _header_map(first, report.aliases if report else None)
    if "order-id" in mapping and len(mapping) >= 3:
        layout = "header"
        data_start = start + 1
        header = ["" if v is None else str(v) for v in first]
    elif start == 0 and _looks_like_letters(first):
        layout = "letters"
        mapping = {name: C.index_of(letters) for letters, name in C.LETTER_LAYOUT.items()}
        data_start = 0
        header = []
    else:
        raise ReadError(
            "Ce fichier n'est pas un rapport de commandes Amazon : la ligne d'en-tête ne contient pas "
            "les colonnes attendues (order-id, sku, item-price…)."
        )
    data, numbers = [], []
    for i in range(data_start, len(rows)):
        row = rows[i]
        if _is_blank_row(row):
            continue
        data.append(row)
        numbers.append(i + 1)
        if max_rows is not None and len(data) > max_rows:
            raise ReadError(
                f"Le fichier compte plus de {max_rows} lignes de commande, la limite fixée par le "
                "paramètre « lignes_max »."
            )
    return Table(path=path, format=fmt, layout=layout, header=header, columns=mapping, rows=data,
                 row_numbers=numbers, encoding=encoding, sheet=sheet, date1904=date1904,
                 header_row=start + 1 if layout == "header" else 0,
                 report=report.key if report is not None and layout == "header" else reports.ORDERS)


@dataclass
class Grid:
    """The raw cells of a file's order sheet, before any header is looked for."""

    rows: list
    format: str
    encoding: str | None = None
    sheet: str | None = None
    date1904: bool = False


def read_table(path: str | Path, max_mb: int = 200, max_rows: int | None = None) -> Table:
    """Read any supported export. Raises `ReadError` (exit 2) with one French sentence."""
    with no_gc():
        return _read_table(path, max_mb, max_rows)


@contextmanager
def no_gc():
    """Millions of fresh lists and strings, no cycles: the cyclic collector would only rescan them. When it comes
    back on, what was made meanwhile goes to the oldest generation (`freeze` then `unfreeze`): left young, the
    first allocation after would start a young pass over all of it (0.3 s after reading 100k rows, 0.5 s after
    checking them)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.freeze()
            gc.unfreeze()
            gc.enable()


def _read_table(path, max_mb, max_rows) -> Table:
    g = read_grid(path, max_mb)
    return build_table(str(path), g.format, g.rows, encoding=g.encoding, sheet=g.sheet, date1904=g.date1904,
                       max_rows=max_rows)


def read_grid(path: str | Path, max_mb: int = 200) -> Grid:
    """The cells as the file holds them (Charger loads these into the sheet as they are)."""
    try:
        return _read_grid(Path(path), max_mb)
    except (ReadError, MemoryError):
        raise
    except Exception as exc:  # any other failure while reading means the file is unreadable to us
        raise ReadError(f"Le fichier « {shown(Path(path).name)} » ne peut pas être lu : il est endommagé ou d'un "
                        "format inconnu.") from exc


def _read_grid(p: Path, max_mb: int) -> Grid:
    if not p.exists():
        raise ReadError(f"Le fichier « {shown(p.name)} » est introuvable.")
    if not p.is_file():
        raise ReadError(f"« {shown(p.name)} » n'est pas un fichier.")
    try:
        size = p.stat().st_size
        if size == 0:
            raise ReadError("Le fichier est vide.")
        if size > max_mb * 1024 * 1024:
            raise ReadError(
                f"Le fichier pèse plus de {max_mb} Mo, la limite fixée par le paramètre « taille_max_mo »."
            )
        with p.open("rb") as fh:
            head = fh.read(8)
    except PermissionError:
        raise ReadError(f"Le fichier « {shown(p.name)} » ne peut pas être lu (accès refusé).")
    except OSError as exc:
        raise ReadError(f"Le fichier « {shown(p.name)} » ne peut pas être lu ({exc.strerror}).")
    ext = p.suffix.lower()
    if head.startswith(ZIP_MAGIC):
        rows, sheet, d1904 = _read_workbook(p, "xlsx", max_mb)
        return Grid(rows, "xlsx", sheet=sheet, date1904=d1904)
    if head.startswith(OLE_MAGIC):
        rows, sheet, d1904 = _read_workbook(p, "xls", max_mb)
        return Grid(rows, "xls", sheet=sheet, date1904=d1904)
    if ext in (".xlsx", ".xlsm", ".xls"):
        raise ReadError("Le classeur est endommagé ou n'est pas un vrai fichier Excel : il ne peut pas être ouvert.")
    data = p.read_bytes()
    fmt = "csv" if ext == ".csv" else "txt"
    rows, encoding = _read_text(data, quoting=(fmt == "csv"))
    return Grid(rows, fmt, encoding=encoding)
