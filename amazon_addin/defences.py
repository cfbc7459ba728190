"""Hostile workbooks: every check an .xlsx or .xls passes before calamine (Rust) reads a cell of it.

Strangers' files can abuse each step of reading a workbook, and a failure inside the Rust library aborts the
process (no exception, no sentence). `inspect_workbook` is the one entry point every workbook read passes
first: it looks at the file with plain Python (zip directory, XML prologs, the order sheet's extent, BIFF
records), refuses what no real workbook does with one French sentence, chooses the order sheet, and says how
much the isolated read may use (`isolated.py` then reads it in a child process). When that child dies anyway,
`explain_failure` finds the reason with the exact (slower) scans, so the user still gets the precise sentence.
"""

from __future__ import annotations

import codecs
import html
import posixpath
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from . import columns as C
from .errors import ReadError

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
# What these scans take at its word (a large sheet's own <dimension>, a large .xls stream's DIMENSIONS) cannot
# abort the add-in either: calamine only ever runs in a child process with a memory limit (isolated.py).

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
# when their declared used range (<dimension>) is too big, which a crafted file can hide: the child process
# then dies on its memory limit instead of the add-in, and `explain_failure` runs the full scan to say why
# (scanning every large sheet up front would cost ~1.5 s, 20 % of `verifier`, on 100 000 lines).
SHEET_FULL_SCAN_MAX = 16 << 20
XLS_FULL_SCAN_MAX = 1 << 20  # the BIFF walk is Python: as long as calamine itself beyond ~1 MB of stream
_DAMAGED = "Le classeur est endommagé : il ne peut pas être lu."


def _size_fr(n: int) -> str:
    if n >= 1 << 20:
        return f"{_int_fr(round(n / (1 << 20)))} Mo"
    return f"{_int_fr(max(1, round(n / 1024)))} Ko"


def _int_fr(n: int) -> str:
    return f"{n:,}".replace(",", "\u00a0")


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
                            f"(partie « {shown(info.filename)} ») : il n'est pas lu.")
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
                    raise ReadError(f"La partie « {shown(info.filename)} » du classeur .xlsx est encodée en UTF-16, "
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
                            f"La partie « {shown(info.filename)} » du classeur .xlsx déclare une DTD "
                            "(<!DOCTYPE>), procédé des attaques par entités XML qu'Excel n'emploie jamais : le "
                            "classeur n'est pas lu.")
                    break  # the root element: the prolog is over
                more = fh.read(65536)  # a declaration or comment goes on beyond what was read
                if not more:
                    break
                if len(buf) > XML_PROLOG_MAX:
                    raise ReadError(f"La partie « {shown(info.filename)} » du classeur .xlsx commence par plus de "
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


def _check_sheet_extent(path: Path, zf: zipfile.ZipFile, sheet: str, full: bool = False) -> None:
    for info in _sheet_parts(zf, sheet):
        budget = max(GRID_FLOOR, info.file_size // GRID_BYTES_PER_CELL)
        declared = _declared_extent(path, info)
        implausible = declared is not None and declared[0] * declared[1] > budget
        if info.file_size > SHEET_FULL_SCAN_MAX and not implausible and not full:
            continue  # a large sheet is taken at its word (see SHEET_FULL_SCAN_MAX)
        extent = _sheet_extent(path, info, budget)
        if extent is not None and extent[0] * extent[1] > budget:
            extent = _sheet_extent_exact(path, info)  # the bound was loose: the exact span, to judge and to say
            if extent[0] * extent[1] > budget:
                _refuse_extent(sheet, extent, info.file_size)


def _refuse_extent(sheet: str, extent: tuple[int, int], size: int) -> None:
    rows, cols = extent
    raise ReadError(
        f"La feuille « {shown(sheet)} » s'étend jusqu'à la cellule {C.letter(cols - 1)}{rows}, soit "
        f"{_int_fr(rows * cols)} cellules pour {_size_fr(size)} de données : supprimez les lignes et colonnes "
        "inutiles au-delà des commandes, puis réenregistrez le fichier.")


_XLS_CELL_RECORDS = frozenset({
    0x0006, 0x0203, 0x0204, 0x0205, 0x027E, 0x00FD, 0x00D6, 0x0406,  # FORMULA NUMBER LABEL BOOLERR RK LABELSST...
    0x00BD,  # MULRK: row, first column, ..., last column at the end
})


def _xls_sheets(data: bytes) -> list[tuple[SheetInfo, int]]:
    """Each sheet of an .xls as the globals' BOUNDSHEET8 records list it, with its substream's offset."""
    sheets, pos = [], 0
    unpack = struct.unpack_from
    while pos + 4 <= len(data):
        rtype, size = unpack("<HH", data, pos)
        if rtype == 0x0085 and size >= 8:
            start, state, kind, cch, flags = unpack("<IBBBB", data, pos + 4)
            raw = data[pos + 12: pos + 12 + (cch * 2 if flags & 1 else cch)]
            name = raw.decode("utf-16-le" if flags & 1 else "latin-1", "replace")
            sheets.append((SheetInfo(name, state & 0x3 == 0, kind == 0), start))
        if rtype == 0x000A:
            break
        pos += 4 + size
    return sheets


def _check_xls_extent(data: bytes, full: bool = False) -> None:
    """The same bound for an .xls, from the BIFF cell records of every sheet's substream (calamine reads every
    sheet of an .xls when it opens it); beyond XLS_FULL_SCAN_MAX of stream (unless `full`), only for a sheet
    whose DIMENSIONS record declares too many cells."""
    unpack = struct.unpack_from
    budget = max(GRID_FLOOR // 4, len(data) // GRID_BYTES_PER_CELL)  # calamine's .xls cells weigh ~70 bytes
    total = 0
    for sheet, pos in _xls_sheets(data):
        if len(data) > XLS_FULL_SCAN_MAX and not full:
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
            _refuse_extent(sheet.name, (rows, cols), len(data))


# ------------------------------------------------------------------------------------- entry points

@dataclass(frozen=True)
class SheetInfo:
    name: str
    visible: bool
    worksheet: bool  # not a chart, dialog or macro sheet


@dataclass(frozen=True)
class Inspected:
    """What the checks learnt of a workbook that passed them: what to read, and within which memory."""

    kind: str  # "xlsx" or "xls"
    sheet: str | None  # the order sheet (None: the workbook lists no sheet)
    index: int  # its position among the workbook's sheets, as calamine lists them
    date1904: bool
    memory_limit: int  # bytes of address space the child that reads it may take


_XLSX_1904_RE = re.compile(rb"<(?:\w+:)?workbookPr\b[^>]*\bdate1904=\"(1|true)\"")
# The child's address space: the interpreter and calamine (~20 MB), then per byte of the workbook's XML (or
# .xls stream) what calamine's cells and Python's objects take. Measured: a 285 MB sheet of 100 000 orders
# peaks at 650 MB (2.3 per byte; shared strings, ~26 bytes of XML per cell, reach ~5); an .xls cell record of
# ~12 bytes becomes ~135 bytes. Above this, only a file whose grid is mostly empty air: it dies, and
# `explain_failure` measures that air.
CHILD_BASE_BYTES = 256 << 20
CHILD_BYTES_PER_XML_BYTE = 8
CHILD_BYTES_PER_BIFF_BYTE = 24


def inspect_workbook(path: Path, kind: str, max_mb: int,
                     choose: Callable[[list[SheetInfo]], int | None]) -> Inspected:
    """Every check of this module, in order, on an .xlsx (zip) or .xls (OLE) file; `choose` picks the order
    sheet among the workbook's sheets (an index, or None when there is none). Raises `ReadError`."""
    if kind == "xlsx":
        return _inspect_xlsx(path, max_mb, choose)
    return _inspect_xls(path, choose)


def _inspect_xlsx(path: Path, max_mb: int, choose) -> Inspected:
    zf = None
    try:
        size = path.stat().st_size
        if _zip_directory_size(path, size) > XLSX_MAX_DIRECTORY:
            raise ReadError("Le classeur .xlsx annonce un répertoire de parties démesuré : il n'est pas lu.")
        zf = zipfile.ZipFile(path)
        names = set(zf.namelist())
        if "xl/workbook.xml" not in names:
            raise ReadError(
                "Ce fichier est une archive ZIP mais pas un classeur Excel (.xlsx) : pas un rapport de commandes Amazon.")
        _check_archive(zf, size, max_mb)
        _check_xml_prologs(zf)
        date1904 = False
        if zf.getinfo("xl/workbook.xml").file_size < 5_000_000:
            date1904 = bool(_XLSX_1904_RE.search(zf.read("xl/workbook.xml")))
        sheets = _xlsx_sheets(zf)
        index = choose(sheets)
        sheet = sheets[index].name if index is not None else None
        if sheet is not None:  # before calamine builds the grid: one valued cell far away can span billions
            _check_sheet_extent(path, zf, sheet)
        unzipped = sum(i.file_size for i in zf.infolist())
        return Inspected("xlsx", sheet, index or 0, date1904, CHILD_BASE_BYTES + CHILD_BYTES_PER_XML_BYTE * unzipped)
    except ReadError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError, KeyError):
        raise ReadError("Le classeur .xlsx est endommagé ou tronqué : il ne peut pas être ouvert.")
    finally:
        if zf is not None:
            zf.close()


def _xlsx_sheets(zf: zipfile.ZipFile) -> list[SheetInfo]:
    """The workbook's sheets in calamine's order (xl/workbook.xml), visible or not, worksheet or not."""
    book = zf.open("xl/workbook.xml").read(5 << 20)
    try:
        rels = zf.open("xl/_rels/workbook.xml.rels").read(5 << 20)
    except KeyError:
        rels = b""
    types = {}
    for m in _REL_TAG_RE.finditer(rels):
        for rid in _xml_attrs(m.group(1), rb"Id"):
            types[rid] = b"".join(_xml_attrs(m.group(1), rb"Type")[:1])
    out = []
    for m in _SHEET_TAG_RE.finditer(book):
        body = m.group(1)
        name = html.unescape(b"".join(_xml_attrs(body, rb"name")[:1]).decode("utf-8", "replace"))
        state = b"".join(_xml_attrs(body, rb"state")[:1])
        rid = b"".join(_xml_attrs(body, rb"[^\s=:\"']+:id")[:1])
        kind = types.get(rid, b"")
        out.append(SheetInfo(name, state in (b"", b"visible"), not kind or kind.endswith(b"/worksheet")))
    return out


def _inspect_xls(path: Path, choose) -> Inspected:
    kind = _ole_kind(path)
    if kind == "encrypted":
        raise ReadError("Le classeur est protégé par un mot de passe : enregistrez-le sans mot de passe.")
    if kind != "xls":
        raise ReadError("Ce fichier Office n'est pas un classeur Excel : pas un rapport de commandes Amazon.")
    data = _xls_stream(path)
    _check_xls_extent(data)  # before calamine, which reads every sheet of an .xls at once
    sheets = [info for info, _ in _xls_sheets(data)]
    index = choose(sheets)
    return Inspected("xls", sheets[index].name if index is not None else None, index or 0, _xls_date1904(data),
                     CHILD_BASE_BYTES + CHILD_BYTES_PER_BIFF_BYTE * len(data))


def explain_failure(path: Path, inspected: Inspected) -> None:
    """After the isolated read died: the exact scans, which raise the precise `ReadError` when the file's
    extent was the cause (a large sheet hiding a far cell). Returns when they find nothing to say."""
    try:
        if inspected.kind == "xlsx":
            with zipfile.ZipFile(path) as zf:
                if inspected.sheet is not None:
                    _check_sheet_extent(path, zf, inspected.sheet, full=True)
        else:
            _check_xls_extent(_xls_stream(path), full=True)
    except ReadError:
        raise
    except Exception:  # noqa: BLE001 - the file defeats even the plain scans: the caller's sentence stands
        return


def shown(name: str) -> str:
    """A name from the file, safe inside a one-line sentence."""
    name = "".join(ch if ch.isprintable() else "?" for ch in name)
    return name if len(name) <= 80 else name[:77] + "…"
