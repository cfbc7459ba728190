"""Read an Amazon order report (.txt, .csv, .xlsx, .xls) into a `Table` of raw cells.

Knows nothing of Excel-the-application nor of the database: a file in, cells out, or a `ReadError`
carrying one French sentence.
"""

from __future__ import annotations

import codecs
import gc
import csv
import io
import re
import struct
import zipfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path

from . import columns as C
from .errors import ReadError

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
_LINE_RE = re.compile(r"\r\n|\n|\r")
_XLSX_1904_RE = re.compile(rb"<(?:\w+:)?workbookPr\b[^>]*\bdate1904=\"(1|true)\"")


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
        rows = [[same(c, c) for c in line.split(delim)] for line in lines]
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

def _ole_kind(path: Path) -> str:
    import olefile

    try:
        with olefile.OleFileIO(str(path)) as ole:
            if ole.exists("EncryptionInfo") or ole.exists("EncryptedPackage"):
                return "encrypted"
            if ole.exists("Workbook") or ole.exists("Book"):
                return "xls"
    except OSError:
        raise ReadError("Le classeur est endommagé : il ne peut pas être ouvert.")
    return "other"


def _xls_stream(path: Path) -> bytes:
    """The Workbook (BIFF8) or Book (BIFF5) stream of an .xls."""
    import olefile

    with olefile.OleFileIO(str(path)) as ole:
        name = "Workbook" if ole.exists("Workbook") else "Book"
        return ole.openstream(name).read()


def _xls_date1904(data: bytes) -> bool:
    """The DATEMODE record (0x0022) of an .xls workbook's globals: 1 means the 1904 date system."""
    pos = 0
    while pos + 4 <= len(data):
        rtype, size = struct.unpack_from("<HH", data, pos)
        if rtype == 0x0022 and size >= 2:
            return struct.unpack_from("<H", data, pos + 4)[0] == 1
        if rtype == 0x000A:  # EOF of the globals substream
            return False
        pos += 4 + size
    return False


# ------------------------------------------------------------------------------- hostile workbooks
#
# An .xlsx is a zip of XML parts that calamine (Rust) inflates, parses and turns into one dense grid of
# 32-byte cells spanning the used range. Strangers' files can abuse each step, and a Rust allocation failure
# aborts the process (no exception, no sentence). So, before calamine touches a part:
# - the archive: a bounded central directory and number of parts, only the two compression methods Excel
#   writes, no zip encryption, an unzipped size bounded by `taille_max_mo` and by a plausible ratio;
# - every XML part: no DTD in its prolog (entity expansion, external entities), and an ASCII-compatible
#   encoding (what the scans below can read);
# - the order sheet: the grid its valued cells span (one cell in XFD1048576 means 17 billion cells) must stay
#   within a budget relative to its size. Sheets up to SHEET_FULL_SCAN_MAX are read cell by cell (one regex
#   pass; only unusual tags reach Python); larger ones when their declared used range (<dimension>) is too big.
# An .xls is bounded the same way from its BIFF cell records (at most 65 536 × 256 cells: no abort, but a 6 KB
# file could take a gigabyte).

XLSX_MAX_PARTS = 10_000  # a real workbook holds tens of parts (hundreds with many sheets and images)
XLSX_MAX_DIRECTORY = 4 << 20  # central directory bytes (~50 000 entries)
XLSX_UNZIPPED_PER_LIMIT = 5  # unzipped parts ≤ 5 × taille_max_mo (XML is ~10× its deflated size)
XLSX_BOMB_RATIO = 100  # real workbooks deflate 5-30 to 1; deflate's maximum is 1032 to 1
XLSX_BOMB_FLOOR = 64 << 20  # below this unzipped size no ratio is suspicious (a 10 MB cell of one letter)
XML_PROLOG_MAX = 1 << 20
GRID_FLOOR = 8_000_000  # cells a sheet may span whatever its size (256 MB in calamine)
GRID_BYTES_PER_CELL = 8  # beyond the floor: one cell per 8 bytes of sheet XML (real sheets: ~40 per cell)
GRID_NEAR_COLUMNS = 130  # columns A..DZ are "near": a cheap regex proves no valued cell lies beyond
# Sheets up to this size of XML (~5 000 order lines) are checked cell by cell, at ~4 ms per MB; larger ones only
# when their declared used range (<dimension>) is too big, which a crafted file can hide. Raising it closes
# that gap at a price: ~1.1 s, 15 % of `verifier`, on 100 000 lines (tests/test_hostile.py shows both sides).
SHEET_FULL_SCAN_MAX = 16 << 20
XLS_FULL_SCAN_MAX = 1 << 20  # the BIFF walk is Python: as long as calamine itself beyond ~1 MB of stream
_DAMAGED = "Le classeur est endommagé : il ne peut pas être lu."


def _size_fr(n: int) -> str:
    if n >= 1 << 20:
        return f"{_int_fr(round(n / (1 << 20)))} Mo"
    return f"{_int_fr(max(1, round(n / 1024)))} Ko"


def _int_fr(n: int) -> str:
    return f"{n:,}".replace(",", "\u00a0")


def _shown(name: str) -> str:
    """A name from the file, safe inside a one-line sentence."""
    name = "".join(ch if ch.isprintable() else "?" for ch in name)
    return name if len(name) <= 80 else name[:77] + "…"


def _zip_directory_size(path: Path, size: int) -> int:
    """Size of the central directory as the end records state it (0 when they cannot be found)."""
    with path.open("rb") as fh:
        tail_len = min(size, 65_557 + 20)
        fh.seek(size - tail_len)
        tail = fh.read(tail_len)
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or at + 22 > len(tail):
            return 0
        cd_size = struct.unpack_from("<I", tail, at + 12)[0]
        if at >= 20 and tail[at - 20: at - 16] == b"PK\x06\x07":  # zip64: the real size is further back
            offset = struct.unpack_from("<Q", tail, at - 12)[0]
            if offset + 56 <= size:
                fh.seek(offset)
                rec = fh.read(56)
                if rec[:4] == b"PK\x06\x06":
                    cd_size = max(cd_size, struct.unpack_from("<Q", rec, 40)[0])
        return cd_size


def _check_archive(zf: zipfile.ZipFile, file_size: int, max_mb: int) -> None:
    infos = zf.infolist()
    if len(infos) > XLSX_MAX_PARTS:
        raise ReadError(f"Le classeur .xlsx contient {_int_fr(len(infos))} parties, bien plus qu'un vrai "
                        "classeur Excel : il n'est pas lu.")
    unzipped = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise ReadError("Le classeur est protégé par un mot de passe : enregistrez-le sans mot de passe.")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ReadError("Le classeur .xlsx utilise une méthode de compression qu'Excel n'emploie pas "
                            f"(partie « {_shown(info.filename)} ») : il n'est pas lu.")
        if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
            raise ReadError(_DAMAGED)
        unzipped += info.file_size
    if unzipped > XLSX_BOMB_FLOOR and unzipped > XLSX_BOMB_RATIO * file_size:
        raise ReadError(
            f"Le classeur .xlsx se décompresserait en {_size_fr(unzipped)} à partir de {_size_fr(file_size)}, comme "
            "une archive piégée (« bombe zip ») : il n'est pas lu.")
    if unzipped > XLSX_UNZIPPED_PER_LIMIT * max_mb * (1 << 20):
        raise ReadError(
            f"Le classeur .xlsx décompressé pèserait {_size_fr(unzipped)}, plus de {XLSX_UNZIPPED_PER_LIMIT} fois "
            f"la limite de {max_mb} Mo fixée par le paramètre « taille_max_mo » : il n'est pas lu.")


_BOMS_16 = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def _check_xml_prologs(zf: zipfile.ZipFile) -> None:
    """No DTD in any XML part, and only ASCII-compatible encodings (UTF-8, cp1252...)."""
    for info in zf.infolist():
        if info.is_dir() or info.file_size == 0:
            continue
        with zf.open(info) as fh:
            buf = fh.read(4096)
            if buf.startswith(_BOMS_16) or b"\x00" in buf[:4]:
                if info.filename.lower().endswith((".xml", ".rels")) or buf.lstrip(b"\xff\xfe\x00").startswith(b"<"):
                    raise ReadError(f"La partie « {_shown(info.filename)} » du classeur .xlsx est encodée en UTF-16, "
                                    "ce qu'Excel ne fait jamais : le classeur n'est pas lu.")
                continue
            pos = 3 if buf.startswith(codecs.BOM_UTF8) else 0
            while True:
                while pos < len(buf) and buf[pos] in b" \t\r\n":
                    pos += 1
                if pos >= len(buf) or buf[pos] != 0x3C:  # "<": not (or no longer) in an XML prolog
                    if pos < len(buf) or len(buf) >= info.file_size:
                        break
                elif buf.startswith(b"<?", pos) or buf.startswith(b"<!--", pos):
                    close = b"?>" if buf[pos + 1] == 0x3F else b"-->"
                    end = buf.find(close, pos + 2)
                    if end >= 0:
                        pos = end + len(close)
                        continue
                elif len(buf) - pos >= 2:
                    if buf[pos + 1] == 0x21:  # "<!" that is not a comment: <!DOCTYPE, <!ENTITY...
                        raise ReadError(
                            f"La partie « {_shown(info.filename)} » du classeur .xlsx déclare une DTD "
                            "(<!DOCTYPE>), procédé des attaques par entités XML qu'Excel n'emploie jamais : le "
                            "classeur n'est pas lu.")
                    break  # the root element: the prolog is over
                more = fh.read(65536)  # a declaration or comment goes on beyond what was read
                if not more:
                    break
                if len(buf) > XML_PROLOG_MAX:
                    raise ReadError(f"La partie « {_shown(info.filename)} » du classeur .xlsx commence par plus de "
                                    f"{XML_PROLOG_MAX >> 20} Mo de préambule XML : le classeur n'est pas lu.")
                buf += more


def _xml_attrs(body: bytes, name: bytes) -> list[bytes]:
    """The raw values of an attribute, in order (a hostile tag may repeat it)."""
    return [m.group(1) if m.group(1) is not None else m.group(2) for m in re.finditer(
        rb"(?:^|[\s\"'])" + name + rb"\s*=\s*(?:\"([^\"]*)\"|'([^']*)')", body)]


def _xml_attr(body: bytes, name: bytes, last: bool = False) -> bytes | None:
    """An attribute's raw value; with duplicates the first (quick-xml's lookup) or the `last` (what calamine
    keeps when it reads every attribute of a cell)."""
    values = _xml_attrs(body, name)
    return (values[-1] if last else values[0]) if values else None


_SHEET_TAG_RE = re.compile(rb"<(?:[^\s<>/:]+:)?sheet\s((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
_REL_TAG_RE = re.compile(rb"<(?:[^\s<>/:]+:)?Relationship\s((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")


def _sheet_parts(zf: zipfile.ZipFile, sheet: str) -> list[zipfile.ZipInfo]:
    """The part(s) that may hold the sheet `sheet`: every part its name and relationship can designate
    (calamine's reading of the target and the normalised one, duplicated attributes included), else every
    XML part: the check must never look at another part than the one calamine will read."""
    import html
    import posixpath

    names = {i.filename: i for i in zf.infolist()}
    found = set()
    try:
        book = zf.open("xl/workbook.xml").read(5 << 20)
        rels = zf.open("xl/_rels/workbook.xml.rels").read(5 << 20)
        ids = set()
        for m in _SHEET_TAG_RE.finditer(book):
            if sheet in {html.unescape(v.decode("utf-8", "replace")) for v in _xml_attrs(m.group(1), rb"name")}:
                ids.update(_xml_attrs(m.group(1), rb"[^\s=:\"']+:id"))
        for m in _REL_TAG_RE.finditer(rels):
            if ids.intersection(_xml_attrs(m.group(1), rb"Id")):
                for raw in _xml_attrs(m.group(1), rb"Target"):
                    target = html.unescape(raw.decode("utf-8", "replace"))
                    for candidate in (target[1:] if target.startswith("/") else target,
                                      target if target.startswith("xl/") else "xl/" + target,
                                      posixpath.normpath("xl/" + target.lstrip("/")),
                                      posixpath.normpath(target.lstrip("/"))):
                        if candidate in names:
                            found.add(candidate)
    except (KeyError, zipfile.BadZipFile, zlib.error, OSError, ValueError):
        found = set()
    if found:
        return [names[n] for n in sorted(found)]
    return [i for i in zf.infolist() if i.filename.lower().endswith(".xml")]


_REF_RE = re.compile(rb"([A-Za-z]+)(\d+)")
_TAG_BODY = rb"((?:[^>\"']|\"[^\"]*\"|'[^']*')*)"
_ANY_TAG_RE = re.compile(rb"<(/?)(?:[^\s<>/:]+:)?(row|c)(?=[\s>/])" + _TAG_BODY + rb">")
_C_TAG_RE = re.compile(rb"<c" + _TAG_BODY + rb">")
_OTHER_PREFIX_RE = re.compile(rb":c[\s>/]")
# An `r` attribute anywhere but first in `<c ` or `<row `, or spaced (`r = "A1"`): calamine keeps a cell's last.
_STRAY_R_RE = re.compile(rb"r(?<=[\s\"']r)(?:=(?<!<c r=)(?<!<row r=)|\s+=)")


def _ref(value: bytes | None) -> tuple[int, int]:
    """(0-based row, 0-based column) of a cell reference, as calamine reads it."""
    m = _REF_RE.fullmatch(value or b"")
    if m is None:
        raise ReadError(_DAMAGED)
    col = 0
    for ch in m.group(1).upper():
        col = col * 26 + ch - 64
    return int(m.group(2)) - 1, col - 1


def _near_rows_pattern(limit: int) -> tuple[bytes, int]:
    """A regex of the row numbers below some L ≤ `limit` (L = d·10^k), and L."""
    k = len(str(limit)) - 1
    d = limit // 10 ** k
    alternatives = [rb"\d{1,%d}" % k] if k else []
    if d > 1:
        alternatives.append(rb"[0-%d]\d{%d}" % (d - 1, k))
    return rb"(?:" + rb"|".join(alternatives or [rb"(?!)"]) + rb")", d * 10 ** k


def _inflated(path: Path, info: zipfile.ZipInfo, piece: int = 1 << 20):
    """The part's bytes, `piece` bytes at a time, never beyond the size its header states."""
    with path.open("rb") as fh:
        fh.seek(info.header_offset)
        head = fh.read(30)
        if head[:4] != b"PK\x03\x04":
            raise ReadError(_DAMAGED)
        fh.seek(info.header_offset + 30 + sum(struct.unpack_from("<HH", head, 26)))
        left = info.compress_size
        inflate = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
        room = info.file_size
        while left > 0:
            data = fh.read(min(left, 1 << 18))
            if not data:
                raise ReadError(_DAMAGED)
            left -= len(data)
            while data:
                out = inflate.decompress(data, piece) if inflate is not None else data
                data = inflate.unconsumed_tail if inflate is not None else b""
                room -= len(out)
                if room < 0:  # more than the header said: the part lies about its size
                    raise ReadError(_DAMAGED)
                if out:
                    yield out


_DIMENSION_RE = re.compile(rb"<(?:[^\s<>/:]+:)?dimension\s[^>]*?\bref\s*=\s*[\"']"
                           rb"[A-Za-z]{1,3}\d{1,7}(?::([A-Za-z]{1,3})(\d{1,7}))?[\"']")
_SHEET_DATA_RE = re.compile(rb"<(?:[^\s<>/:]+:)?sheetData[\s>/]")


def _declared_extent(path: Path, info: zipfile.ZipInfo) -> tuple[int, int] | None:
    """The used range the sheet declares (`<dimension ref="A1:BD1048576"/>`, before its cells), or None."""
    head = b""
    for data in _inflated(path, info):
        head += data
        if _SHEET_DATA_RE.search(head) or len(head) >= 1 << 20:
            break
    data_at = _SHEET_DATA_RE.search(head)
    m = _DIMENSION_RE.search(head, 0, data_at.start() if data_at else len(head))
    if m is None:
        return None
    if m.group(1) is None:
        return 1, 1
    r, c = _ref(m.group(1) + m.group(2))
    return r + 1, c + 1


def _sheet_extent(path: Path, info: zipfile.ZipInfo, budget: int) -> tuple[int, int] | None:
    """An upper bound of the (rows, columns) that the valued cells of a worksheet part span, or None when a
    regex proved them within `budget` cells. One pass at regex speed; unusual XML gets the exact walk."""
    near_rows, first_far = _near_rows_pattern(max(1, budget // GRID_NEAR_COLUMNS))
    near_ref = rb"(?:[A-Da-d]?[A-Za-z])" + near_rows
    # A cell start tag that is not `<c r="NEAR"`, and is not self-closing (an empty styled cell is no value).
    odd = re.compile(rb"<c(?! r=\"" + near_ref + rb"\")(?=[\s>/])(?!" + _TAG_BODY[1:-1] + rb"/>)")
    rows = cols = 0
    carry = b""
    for data in _inflated(path, info):
        buf = carry + data
        cut = buf.rfind(b"<")  # the last tag may be unfinished: it goes with the next piece
        if cut < len(buf) - 65536:
            cut = len(buf) - 16
        cut = max(cut, 0)
        if _OTHER_PREFIX_RE.search(buf, 0, cut) or _STRAY_R_RE.search(buf, 0, cut):
            return _sheet_extent_exact(path, info)  # prefixed cells, a second or unusual `r` attribute
        for m in odd.finditer(buf, 0, cut):
            tag = _C_TAG_RE.match(buf, m.start(), cut)
            if tag is None:
                return _sheet_extent_exact(path, info)
            ref = _xml_attr(tag.group(1), rb"r", last=True)
            if ref is None:  # placed by counting: only the exact walk knows where
                return _sheet_extent_exact(path, info)
            r, c = _ref(ref)
            rows, cols = max(rows, r + 1), max(cols, c + 1)
        carry = buf[cut:]
    if carry and (_OTHER_PREFIX_RE.search(carry) or _STRAY_R_RE.search(carry) or odd.search(carry)):
        return _sheet_extent_exact(path, info)
    if rows == 0 and cols == 0:
        return None
    return max(rows, first_far - 1), max(cols, GRID_NEAR_COLUMNS)


def _sheet_extent_exact(path: Path, info: zipfile.ZipInfo) -> tuple[int, int]:
    """Every row and cell tag, placed as calamine places them: a cell's own reference (its last `r`), else the
    running position; a row's `r` moves the row; every cell and row end moves on, empty ones included."""
    row = col = 0
    rows = cols = 0
    carry = b""
    stray = _STRAY_R_RE.search
    for data in _inflated(path, info):
        buf = carry + data
        m = None
        for m in _ANY_TAG_RE.finditer(buf):
            closing, name, body = m.groups()
            empty = body.endswith(b"/")
            if name == b"row":
                if not closing:
                    r = _xml_attr(body, rb"r")
                    if r is not None:
                        if not r.isdigit():
                            raise ReadError(_DAMAGED)
                        row = int(r) - 1
                if closing or empty:
                    row, col = row + 1, 0
            elif not closing:
                q = body.find(b'"', 4) if body.startswith(b' r="') else -1
                if q > 0 and not stray(body, q):  # `<c r="A5" t="s">`: the common form, read directly
                    ref = body[4:q]
                else:
                    ref = _xml_attr(body, rb"r", last=True)
                if ref is not None:
                    r, col = _ref(ref)
                else:
                    r = row
                if not empty:
                    if r >= rows:
                        rows = r + 1
                    if col >= cols:
                        cols = col + 1
                col += 1
        carry = buf[m.end():] if m is not None else buf
        if len(carry) > 1 << 20:  # text, not tags: an unfinished tag can only start at the last "<"
            carry = carry[max(carry.rfind(b"<"), 0):]
    return rows, cols


def _check_sheet_extent(path: Path, zf: zipfile.ZipFile, sheet: str) -> None:
    for info in _sheet_parts(zf, sheet):
        budget = max(GRID_FLOOR, info.file_size // GRID_BYTES_PER_CELL)
        declared = _declared_extent(path, info)
        implausible = declared is not None and declared[0] * declared[1] > budget
        if info.file_size > SHEET_FULL_SCAN_MAX and not implausible:
            continue  # a large sheet is taken at its word (see SHEET_FULL_SCAN_MAX)
        extent = _sheet_extent(path, info, budget)
        if extent is not None and extent[0] * extent[1] > budget:
            extent = _sheet_extent_exact(path, info)  # the bound was loose: the exact span, to judge and to say
            if extent[0] * extent[1] > budget:
                _refuse_extent(sheet, extent, info.file_size)


def _refuse_extent(sheet: str, extent: tuple[int, int], size: int) -> None:
    rows, cols = extent
    raise ReadError(
        f"La feuille « {_shown(sheet)} » s'étend jusqu'à la cellule {C.letter(cols - 1)}{rows}, soit "
        f"{_int_fr(rows * cols)} cellules pour {_size_fr(size)} de données : supprimez les lignes et colonnes "
        "inutiles au-delà des commandes, puis réenregistrez le fichier.")


_XLS_CELL_RECORDS = frozenset({
    0x0006, 0x0203, 0x0204, 0x0205, 0x027E, 0x00FD, 0x00D6, 0x0406,  # FORMULA NUMBER LABEL BOOLERR RK LABELSST...
    0x00BD,  # MULRK: row, first column, ..., last column at the end
})


def _check_xls_extent(data: bytes) -> None:
    """The same bound for an .xls, from the BIFF cell records of every sheet's substream (calamine reads every
    sheet of an .xls when it opens it); beyond XLS_FULL_SCAN_MAX of stream, only for a sheet whose DIMENSIONS
    record declares too many cells."""
    sheets, pos = [], 0
    unpack = struct.unpack_from
    while pos + 4 <= len(data):  # globals: BOUNDSHEET8 records name each sheet's substream
        rtype, size = unpack("<HH", data, pos)
        if rtype == 0x0085 and size >= 8:
            start, cch, flags = unpack("<IxxBB", data, pos + 4)
            raw = data[pos + 12: pos + 12 + (cch * 2 if flags & 1 else cch)]
            sheets.append((raw.decode("utf-16-le" if flags & 1 else "latin-1", "replace"), start))
        if rtype == 0x000A:
            break
        pos += 4 + size
    budget = max(GRID_FLOOR // 4, len(data) // GRID_BYTES_PER_CELL)  # calamine's .xls cells weigh ~70 bytes
    total = 0
    for sheet, pos in sheets:
        if len(data) > XLS_FULL_SCAN_MAX:
            at, declared = pos, None
            for _ in range(64):  # DIMENSIONS comes right after the substream's first records
                if at + 4 > len(data):
                    break
                rtype, size = unpack("<HH", data, at)
                if rtype == 0x0200 and size >= 10:
                    row_end, _, col_end = unpack("<xxxxIHH", data, at + 4)  # rwMac, colMic, colMac
                    declared = row_end * col_end
                    break
                at += 4 + size
            if declared is not None and total + declared <= budget:  # Excel and xlwt always write it
                total += declared
                continue
        rows = cols = 0
        cells = _XLS_CELL_RECORDS
        while pos + 4 <= len(data):
            rtype, size = unpack("<HH", data, pos)
            if rtype in cells and size >= 4:
                r, c = unpack("<HH", data, pos + 4)
                if rtype == 0x00BD and size >= 6:
                    c = unpack("<H", data, pos + 2 + size)[0]
                if r >= rows:
                    rows = r + 1
                if c >= cols:
                    cols = c + 1
            elif rtype == 0x000A:
                break
            pos += 4 + size
        total += rows * cols
        if total > budget:
            _refuse_extent(sheet, (rows, cols), len(data))


def _read_workbook(path: Path, kind: str, max_mb: int = 200) -> tuple[list[list], str, bool]:
    date1904 = False
    zf = None
    if kind == "xlsx":
        try:
            size = path.stat().st_size
            if _zip_directory_size(path, size) > XLSX_MAX_DIRECTORY:
                raise ReadError("Le classeur .xlsx annonce un répertoire de parties démesuré : il n'est pas lu.")
            zf = zipfile.ZipFile(path)
            names = set(zf.namelist())
            if "xl/workbook.xml" not in names:
                raise ReadError(
                    "Ce fichier est une archive ZIP mais pas un classeur Excel (.xlsx) : "
                    "pas un rapport de commandes Amazon."
                )
            _check_archive(zf, size, max_mb)
            _check_xml_prologs(zf)
            info = zf.getinfo("xl/workbook.xml")
            if info.file_size < 5_000_000:
                date1904 = bool(_XLSX_1904_RE.search(zf.read("xl/workbook.xml")))
        except ReadError:
            if zf is not None:
                zf.close()
            raise
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError):
            if zf is not None:
                zf.close()
            raise ReadError("Le classeur .xlsx est endommagé ou tronqué : il ne peut pas être ouvert.")
    if kind == "xls":
        data = _xls_stream(path)
        date1904 = _xls_date1904(data)
        _check_xls_extent(data)  # before calamine, which reads every sheet of an .xls at once
        del data
    try:
        return _read_sheet(path, kind, zf, date1904)
    finally:
        if zf is not None:
            zf.close()


def _read_sheet(path: Path, kind: str, zf, date1904: bool) -> tuple[list[list], str, bool]:
    from python_calamine import CalamineWorkbook, PasswordError

    try:
        wb = CalamineWorkbook.from_path(str(path))
        meta = wb.sheets_metadata
        names = [m.name for m in meta]
        chosen = None
        for m in meta:
            if m.name.strip().casefold() == "commandes":
                chosen = m.name
        if chosen is None:
            visible = [m.name for m in meta if str(m.visible).endswith("Visible")
                       and str(m.typ).endswith("WorkSheet")]
            chosen = (visible or names or [None])[0]
        if chosen is None:
            raise ReadError("Le classeur ne contient aucune feuille.")
        if zf is not None:  # before calamine builds the grid: one valued cell far away can span billions
            _check_sheet_extent(path, zf, chosen)
        sheet = wb.get_sheet_by_name(chosen)
        rows = sheet.to_python(skip_empty_area=False)
        same = {}.setdefault  # one object per distinct text, as for text files
        for r in rows:  # in place: a second grid would double the peak memory
            r[:] = [same(v, v) if type(v) is str else v for v in r]
    except ReadError:
        raise
    except PasswordError:
        raise ReadError("Le classeur est protégé par un mot de passe : enregistrez-le sans mot de passe.")
    except Exception as exc:  # calamine raises several types for damaged files
        if "password" in str(exc).lower() or "encrypt" in str(exc).lower():
            raise ReadError("Le classeur est protégé par un mot de passe : enregistrez-le sans mot de passe.")
        raise ReadError("Le classeur est endommagé : il ne peut pas être lu.")
    return rows, chosen, date1904


# ------------------------------------------------------------------------------------------- layout

def _is_blank_row(row: list) -> bool:
    for v in row:
        if v is not None and v != "" and not (isinstance(v, str) and not v.strip()):
            return False
    return True


def _header_map(header: list) -> dict[str, int]:
    found: dict[str, int] = {}
    for i, cell in enumerate(header):
        name = C.canonical(cell)
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
    mapping = _header_map(first)
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
                 header_row=start + 1 if layout == "header" else 0)


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
    """Millions of fresh lists and strings, no cycles: the cyclic collector would only rescan them."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
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
        raise ReadError(f"Le fichier « {_shown(Path(path).name)} » ne peut pas être lu : il est endommagé ou d'un "
                        "format inconnu.") from exc


def _read_grid(p: Path, max_mb: int) -> Grid:
    if not p.exists():
        raise ReadError(f"Le fichier « {_shown(p.name)} » est introuvable.")
    if not p.is_file():
        raise ReadError(f"« {_shown(p.name)} » n'est pas un fichier.")
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
        raise ReadError(f"Le fichier « {_shown(p.name)} » ne peut pas être lu (accès refusé).")
    except OSError as exc:
        raise ReadError(f"Le fichier « {_shown(p.name)} » ne peut pas être lu ({exc.strerror}).")
    ext = p.suffix.lower()
    if head.startswith(ZIP_MAGIC):
        rows, sheet, d1904 = _read_workbook(p, "xlsx", max_mb)
        return Grid(rows, "xlsx", sheet=sheet, date1904=d1904)
    if head.startswith(OLE_MAGIC):
        kind = _ole_kind(p)
        if kind == "encrypted":
            raise ReadError("Le classeur est protégé par un mot de passe : enregistrez-le sans mot de passe.")
        if kind != "xls":
            raise ReadError("Ce fichier Office n'est pas un classeur Excel : pas un rapport de commandes Amazon.")
        rows, sheet, d1904 = _read_workbook(p, "xls", max_mb)
        return Grid(rows, "xls", sheet=sheet, date1904=d1904)
    if ext in (".xlsx", ".xlsm", ".xls"):
        raise ReadError("Le classeur est endommagé ou n'est pas un vrai fichier Excel : il ne peut pas être ouvert.")
    data = p.read_bytes()
    fmt = "csv" if ext == ".csv" else "txt"
    rows, encoding = _read_text(data, quoting=(fmt == "csv"))
    return Grid(rows, fmt, encoding=encoding)
