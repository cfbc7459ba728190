"""The registry of the add-in's marks: the hidden sheet `_AmazonImport`, read once and written once per button.

Per marked cell: the fill the add-in painted, a hash of its note, whether the user had a note of their own
there, the fill the cell had before, and for Corriger the value it replaced; per marked row a fingerprint of
its values; per sheet its header and width; per own sheet (Contrôles, Aperçu…) what it holds; and the order
sheet the add-in worked on last. An older add-in's registry (kind, sheet, address) is recognised.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from .. import columns as C
from . import marks

REGISTRY_SHEET = "_AmazonImport"
REGISTRY_HEADER = ["feuille", "type", "clé", "valeur"]


# ------------------------------------------------------------------------------------------- state

@dataclass
class CellMark:
    fill: tuple | None = None  # the add-in's own fill on the cell (not a light-blue row's)
    note: str | None = None  # hash of the add-in's note block on it
    user_note: bool = False  # the cell had a note of the user's when the add-in wrote its own
    painted: bool = False  # the add-in changed the cell's fill: `user_fill` is what was there before
    user_fill: tuple | None = None
    fix: str | None = None  # Corriger: the value the cell held before (shown as text)

    def to_json(self) -> str:
        return json.dumps({"f": _hex(self.fill), "n": self.note, "un": self.user_note, "p": self.painted,
                           "uf": _hex(self.user_fill), "o": self.fix}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> CellMark:
        d = json.loads(text)
        return cls(_rgb(d.get("f")), d.get("n"), bool(d.get("un")), bool(d.get("p")), _rgb(d.get("uf")), d.get("o"))


@dataclass
class SheetMarks:
    header: list[str] = field(default_factory=list)  # folded header texts; [] for the letter layout
    width: int = 0
    excluded: list[int] = field(default_factory=list)  # columns left out of the row fingerprints
    rows: dict[int, str] = field(default_factory=dict)  # marked row → fingerprint
    cells: dict[tuple[int, int], CellMark] = field(default_factory=dict)  # (row, 0-based column)
    blue: dict[int, int] = field(default_factory=dict)  # row → last column of its light-blue span from A


def _hex(rgb):
    return None if rgb is None else "%02X%02X%02X" % tuple(rgb)


def _rgb(text):
    return None if not text else tuple(int(text[i:i + 2], 16) for i in (0, 2, 4))


def cell_name(row: int, col: int) -> str:
    return f"{C.letter(col)}{row}"


def cell_pos(cell: str) -> tuple[int, int]:
    col, row = marks.split_cell(cell)
    return row, C.index_of(col)


# ---------------------------------------------------------------------------------------- registry

class Registry:
    """The hidden sheet, read once and written once per button (two or three round trips each)."""

    def __init__(self):
        self.sheets: dict[str, SheetMarks] = {}
        self.extents: dict[str, dict] = {}  # own sheet → {"rows": n, "widths": {...}}
        self.last: str | None = None  # the order sheet the add-in worked on last
        self.legacy: list[tuple[str, str, str]] = []  # (kind, sheet, address) from an older add-in
        self.rows_written = 0

    @classmethod
    def read(cls, book, find_sheet) -> Registry:
        reg = cls()
        sheet = find_sheet(book, REGISTRY_SHEET)
        if sheet is None:
            return reg
        data = sheet.used_range.raw_value
        if not isinstance(data, (list, tuple)) or not data or not isinstance(data[0], (list, tuple)):
            data = [[data]]
        reg.rows_written = len(data)
        for row in data:
            row = list(row) + [None] * (4 - len(row))
            name, kind, key, value = (None if v is None else str(v) for v in row[:4])
            if name in ("fill", "note", "fix") and kind and key:  # an older add-in's (kind, sheet, address)
                reg.legacy.append((name, kind, key))
                continue
            if not name or not kind or row[:4] == REGISTRY_HEADER:
                continue
            try:
                reg._load(name, kind, key, value)
            except (ValueError, TypeError, KeyError):  # a damaged entry is forgotten, never a failure
                continue
        return reg

    def _load(self, name, kind, key, value):
        if kind == "last":
            self.last = name
            return
        if kind == "extent":
            self.extents[name] = json.loads(value)
            return
        state = self.sheets.setdefault(name, SheetMarks())
        if kind == "sheet":
            d = json.loads(value)
            state.header, state.width, state.excluded = d["header"], int(d["width"]), list(d["excluded"])
        elif kind == "row":
            state.rows[int(key)] = value
        elif kind == "cell":
            state.cells[cell_pos(key)] = CellMark.from_json(value)
        elif kind == "blue":
            state.blue[int(key)] = int(value)

    def entries(self) -> list[list]:
        out = [list(REGISTRY_HEADER)]
        if self.last:
            out.append([self.last, "last", "", ""])
        for name, ext in sorted(self.extents.items()):
            out.append([name, "extent", "", json.dumps(ext, ensure_ascii=False)])
        for name, st in sorted(self.sheets.items()):
            out.append([name, "sheet", "", json.dumps({"header": st.header, "width": st.width,
                                                        "excluded": st.excluded}, ensure_ascii=False)])
            out += [[name, "row", str(r), fp] for r, fp in sorted(st.rows.items())]
            out += [[name, "cell", cell_name(*pos), cm.to_json()] for pos, cm in sorted(st.cells.items())]
            out += [[name, "blue", str(r), str(last)] for r, last in sorted(st.blue.items())]
        return out
