"""The add-in's plumbing on a workbook: sheets found or added, blocks read and written in one round trip each,
its own sheets set up once and rewritten in one block, the registry saved, the focus given back.

Every write that carries text from the export goes to cells formatted as Text (`@`): it never becomes a formula.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import xlwings as xw

from .. import columns as C
from .. import findings as F
from . import layout, marks
from .registry import REGISTRY_SHEET, Registry

if TYPE_CHECKING:
    from ..checks import Verification

TEXT = layout.TEXT


def find_sheet(book, name: str):
    """The sheet, or None: one lookup in a book, or in its `sheets` already held (COM raises "Invalid index"
    for a missing name)."""
    try:
        return (book.sheets if isinstance(book, xw.Book) else book)[name]
    except Exception:  # KeyError headless, pywintypes.com_error in Excel
        return None


def get_or_add_sheet(book, name: str, hidden: bool = False, after=None):
    """The sheet, created when missing: hidden sheets anywhere (two round trips), others after `after`.
    Excel activates a sheet it adds: `finish` gives the focus back to the order sheet."""
    sheet = find_sheet(book, name)
    if sheet is not None:
        return sheet
    if hidden:
        sheet = book.sheets.add(name)
        sheet.visible = False
    else:
        sheet = book.sheets.add(name, after=after if after is not None else book.sheets[len(book.sheets) - 1])
    return sheet


def read_block(sheet) -> list[list]:
    """The whole used block, aligned from A1 with the sheet's rows and columns, in three round trips:
    `raw_value` skips xlwings' conversion layer, which costs some fifteen more COM reads."""
    used = sheet.used_range
    address = used.address
    data = used.raw_value
    if not isinstance(data, (list, tuple)):
        data = [[data]]
    elif data and not isinstance(data[0], (list, tuple)):
        data = [data]
    top_left = address.split(":")[0].replace("$", "")
    col, row = marks.split_cell(top_left)
    pad = [None] * C.index_of(col)
    rows = [[] for _ in range(row - 1)]
    for r in data:
        rows.append(pad + [_naive(v) for v in r])
    return rows or [[]]


def _naive(v):
    # pywin32 hands Excel dates back as UTC-aware datetimes; a cell has no time zone: keep the wall time.
    if isinstance(v, datetime) and v.tzinfo is not None:
        return v.replace(tzinfo=None)
    return v


def _rect(top_left_row: int, first_col: int, nrows: int, ncols: int) -> str:
    return (f"{C.letter(first_col)}{top_left_row}:"
            f"{C.letter(first_col + ncols - 1)}{top_left_row + nrows - 1}")


def put(sheet, top: str, rows: list[list]) -> str:
    """Write a 2D block in one round trip: `raw_value` on the exact address skips xlwings' conversion
    layer, whose resizing alone costs some seventy COM property reads per write. Returns the address."""
    col, row = marks.split_cell(top)
    ncols = max((len(r) for r in rows), default=0)
    if not rows or not ncols:
        return top
    rows = [list(r) + [None] * (ncols - len(r)) for r in rows]
    address = _rect(row, C.index_of(col), len(rows), ncols)
    sheet.range(address).raw_value = _com(sheet, rows)
    return address


def _com(sheet, rows: list[list]) -> list[list]:
    """Dates go to Excel as xlwings' own writes convert them for this engine (pywin32 needs a time zone on
    them); two navigation round trips, only for a block that holds dates."""
    if not any(isinstance(v, (datetime, date)) for r in rows for v in r):
        return rows
    prepare = sheet.book.app.engine.impl.prepare_xl_data_element
    return [[prepare(v, {}) if isinstance(v, (datetime, date)) else v for v in r] for r in rows]


def write_text_block(sheet, top: str, rows: list[list]) -> None:
    """Text-format the target then write it: strangers' `=`, `+`, `-`, `@` stay text."""
    if not rows:
        return
    col, row = marks.split_cell(top)
    ncols = max(len(r) for r in rows)
    sheet.range(_rect(row, C.index_of(col), len(rows), ncols)).number_format = TEXT
    put(sheet, top, rows)


class OwnSheet:
    """One of the add-in's sheets. Set up once (whole-column formats, bold header, widths for what its
    columns hold), then rewritten by each button in one block over what it held: rows left over from a
    longer run are blanked in the same write, and only columns fitted to their content are resized."""

    def __init__(self, book, registry, name: str, header: list[str], formats: dict[str, str],
                 widths: dict[int, int], fitted: dict[int, int] | None = None):
        self.book, self.registry, self.name, self.header = book, registry, name, header
        self.formats, self.widths, self.fitted = formats, widths, fitted or {}

    def sheet(self, after, sheets=None):
        """The sheet, created and set up when missing (Excel activates it: `finish` takes the focus back)."""
        ext = self.registry.extents.setdefault(self.name, {})
        sheet = find_sheet(sheets if sheets is not None else self.book, self.name)
        if sheet is not None and ext.get("setup"):
            return sheet, False
        created = sheet is None
        if created:
            sheet = get_or_add_sheet(self.book, self.name, after=after)
        for fmt, columns in self.formats.items():
            sheet.range(columns).number_format = fmt
        width = len(self.header)
        put(sheet, "A1", [self.header])
        sheet.range(f"A1:{C.letter(width - 1)}1").font.bold = True
        ext.clear()
        ext.update(setup=True, rows=1, widths=layout.set_widths(sheet, self.widths))
        return sheet, created

    def write(self, rows: list[list], after, sheets=None) -> bool:
        """Returns whether the sheet had to be created (then it has the focus)."""
        sheet, created = self.sheet(after, sheets)
        ext = self.registry.extents[self.name]
        ncols = len(self.header)
        before = int(ext.get("rows", 0))
        padded = [list(r) + [None] * (ncols - len(r)) for r in rows]
        padded += [[None] * ncols for _ in range(before - len(rows))]
        put(sheet, "A1", padded)
        if self.fitted:
            fit = layout.widths(rows, caps=self.fitted)
            wanted = {j: max(self.widths.get(j, 0), fit.get(j, 0)) for j in self.fitted}
            ext["widths"] = {**ext.get("widths", {}), **layout.set_widths(sheet, wanted, ext.get("widths"))}
        ext["rows"] = len(rows)
        return created


def save_registry(book, registry: Registry, sheets=None) -> bool:
    """The registry in one write over what it held (hidden sheet, text columns: keys like 12 stay "12").
    Returns whether the sheet had to be created."""
    sheet = find_sheet(sheets if sheets is not None else book, REGISTRY_SHEET)
    created = sheet is None
    if created:
        sheet = get_or_add_sheet(book, REGISTRY_SHEET, hidden=True)
        sheet.range("A:D").number_format = TEXT
    rows = registry.entries()
    rows += [[None] * 4 for _ in range(registry.rows_written - len(rows))]
    put(sheet, "A1", rows)
    registry.rows_written = len(rows)
    return created


def clear_legacy(book, registry: Registry) -> None:
    """Marks left by an add-in version that kept only addresses: cleared there, once."""
    if not registry.legacy:
        return
    sheets = {s.name: s for s in book.sheets}
    for kind, name, address in registry.legacy:
        sheet = sheets.get(name)
        if sheet is None or kind == "fix":
            continue
        rng = sheet.range(address)
        if kind == "note":
            rng.api.ClearComments()
        else:
            rng.color = None
    registry.legacy.clear()


def finish(sheet, result: Verification | None = None, activate: bool = True) -> None:
    """Every button ends on the order sheet, its first error selected: sheets the add-in added or rewrote
    never keep the focus (in the add-in, the next button acts on the active sheet). `activate=False` when
    the order sheet is known to have kept it."""
    if activate:
        sheet.activate()
    first = next((f.cell for f in result.findings if f.severity == F.ERROR and f.cell), None) if result else None
    if first:
        sheet.range(first).select()
