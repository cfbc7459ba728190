"""An xlwings engine backed by openpyxl, that counts the COM round trips a command would cost.

`activate()` registers the engine `"openpyxl"` in `xw.engines` and makes it active: add-in code
written against xlwings' public API runs unchanged on Linux (`xw.Book(path)`, `xw.Book()`,
`xw.Book.caller()` after `set_mock_caller()`), and tests read `counter` to state what a command would
cost in Excel. A new book holds one sheet named "Sheet1" (English Excel, not "Feuil1").

Cost model. Every call xlwings' `main.py` makes on the engine (each property get or set, each method)
is recorded in `counter.by_name` as "Class.member" (a setter as "Class.member="), weighted by the number
of COM round trips xlwings' Windows implementation (`_xlwindows.py` 0.37.8) makes for it: 1 unless the
table says otherwise. Each `.Interior`, `.Comment`, `.Parent` hop is a round trip of its own.

| impl call                                         | weight    | what `_xlwindows.py` does                       |
|---------------------------------------------------|-----------|-------------------------------------------------|
| `Sheet.range("M5")`, `Sheet.range("B5,B9:B12")`   | 1         | `Worksheet.Range(address)`                      |
| `Range.raw_value` get or set, a whole 2D block    | 1         | one SAFEARRAY round trip                        |
| `Range.number_format=`, `Range.column_width=`     | 1         | one property set, every area at once            |
| `Range.color=` on "B5,B9:B12,D40" (None too)      | 2         | `Interior`, then `Color` (or `ColorIndex`)      |
| `Range.color` get                                 | 2 or 4    | `Interior.ColorIndex`, then `Interior.Color`    |
|                                                   |           | when filled; a mixed range raises (see below)   |
| `Range.note` get                                  | 1 or 2    | `Comment`, read twice when there is one         |
| `Note.text` get or set, `Note.delete`             | 1         | `Comment.Text()`, `Comment.Text(t)`, `Delete()` |
| `Range.api.AddComment(text)`                      | 1         | one COM method; raises if a note exists         |
| `Range.api.ClearComments()`, multi-area           | 1         | one COM method                                  |
| `Range.select`, `Sheet.activate`, `Book.activate` | 1 each    | `Select()`, `Activate()`                        |
| `App.selection`                                   | 3         | `Selection.Address` (a probe), `Selection`      |
| `Range.font`, then `Font.bold=`                   | 1 + 1     | `Font`, then `Bold`                             |
| `Sheet.clear`, `Sheet.clear_contents`             | 2         | `Cells`, then `Clear()` / `ClearContents()`     |
| `Sheet.autofit(axis)`, `Range.autofit(axis)`      | 2, 4 both | `Columns` (or `Rows`), then `AutoFit()`         |
| `Sheets.active`                                   | 2         | `Parent.ActiveSheet`                            |
| `Sheets.__iter__`                                 | 1 + n     | `_NewEnum`, then one step per sheet             |
| `Sheet.notes`                                     | 1 + n     | `Comments`, then one step per note              |
| `Sheets.add` (+1 with a name)                     | 1 to 11   | `Add()`; before a sheet 2; after one 5; after   |
|                                                   |           | the last one 11 (Add, Move, Activate, Counts)   |
| `Sheet.delete`                                    | 6         | DisplayAlerts read, off, `Delete()`, restored   |
| `Range.set_colors(colors)`                        | 3/cell    | xlwings loops cell by cell on Windows           |
| `Range.row_hidden` get; set                       | 3 + 2/row; 2 | `EntireRow.Rows.Item(i).Hidden` per row      |
| `App.api.WorksheetFunction.Subtotal(n, rng)`      | 2         | `WorksheetFunction`, then `Subtotal`            |
| `Range.insert`, `Range.delete`                    | 1         | `Insert(Shift, CopyOrigin)`, `Delete(Shift)`    |
| `Range.sort`                                      | 15        | the Sort object's fields, range, header, Apply  |
| `*.api`, `App.pid`, `App.engine`                  | 0         | a held reference, a Python-side value           |
| `Engine.*`, `Apps.*`, `Books.open`, `Book.save`   | not       | process bookkeeping, or outside a command       |
| `Book.close`, `App.quit`, `App.kill`              | counted   | (opening, saving, closing)                      |

Navigation (`Range.sheet`, `Sheet.book`, `Book.app`, `Book.name`, `Range.shape`...) counts 1 per call:
over COM these are round trips too. So `main.Range.add_note(text)` costs 3 (shape, note, add_note) on
top of the range lookup, against 1 for `range.api.AddComment(text)`; reading
`sheet.range("A1", sheet.used_range.last_cell).options(ndim=2).value` costs about 20 whatever the size;
writing a 2D list about 70 (xlwings' resize compares sheets, books and apps; it also splits writes of
over 100,000 cells into chunks, a few more calls each). Calls the engine makes to itself are not
counted (depth guard), and `with counter.paused():` excludes a block (`open_book` uses it).

Colours read as Excel reports them for a whole range: None when no cell of any area is filled, the
colour when every cell shares it, and for a mixed range the TypeError xlwings raises on Windows
(`Interior.ColorIndex` and `Interior.Color` are Null there). Focus: `Sheets.add` activates the new sheet
(and tab), `activate()` moves the focus, hiding or deleting the active sheet activates the next visible
one, `Range.select` works only on the active sheet of the active book, and `App.selection` reads it back.
User gestures (`Range.insert`, `Range.delete`, `Range.sort`, `rows.hidden`, `Range.autofilter`) move and
hide cells as Excel does: see `moves.py`.

Entry rules emulated when a str is written: `=...` is a formula unless the cell's number format is
"@" (then it stays text, as Excel does); a leading `'` is dropped and the rest kept as text; a plain
integer string ("00123", "+33612345678") becomes a number kept to 15 digits, as in every Excel locale.
Strings Excel would parse depending on its locale or version (decimals, dates, times, TRUE/VRAI, a
leading `+`, `-` or `@`) are kept as text and listed in `ENGINE.risky_writes`: format such cells "@".

Not emulated: formulas are never calculated (a formula cell reads back as its text); whole rows or
columns (`"A:A"`, `sheet.cells`) can be cleared, uncoloured, sized, inserted, deleted and hidden, whole
columns formatted (the column's format, which new cells take, as in Excel), not read; other getters give the first cell's value on a mixed range; theme colours read as
None (but the text colour); `Range.api` knows only AddComment and ClearComments, `App.api` only
`WorksheetFunction.Subtotal` (3 and 103: COUNTA, of visible rows for 103); what xlwings' base classes
leave unimplemented raises NotImplementedError; autofit changes no width (there is no layout engine).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import numbers
import os
import re
from contextlib import contextmanager
from copy import copy

import openpyxl
import xlwings as xw
from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
from openpyxl.styles.colors import COLOR_INDEX
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries
from xlwings import base_classes as bc
from xlwings.utils import hex_to_rgb, int_to_rgb

from . import moves

NAME = "openpyxl"
MAX_ROWS, MAX_COLS = 1_048_576, 16_384
SHEET_PREFIX, BOOK_PREFIX, NOTE_AUTHOR = "Sheet", "Book", "xlwings"
_INTEGER = re.compile(r"[+-]?\d+")
# What Excel may read as a number, date, time or boolean depending on its locale (not emulated).
_PARSABLE = re.compile(r"[+-]?(\d[\d ]*)?[.,]?\d+([eE][+-]?\d+)?%?|\d{1,4}[/.-]\d{1,2}([/.-]\d{1,4})?"
                       r"|\d{1,2}:\d{2}(:\d{2})?|(?i:true|false|vrai|faux)")
_APP_ERROR = "Application-defined or object-defined error"
# OOXML's ST_Xstring (ECMA-376 Part 1, 22.9.2.19): a character XML cannot hold (controls, CR, which XML
# parsers turn into LF, U+FFFE/U+FFFF, lone surrogates) is stored as `_xHHHH_`, and an underscore that would
# start such a sequence as `_x005F_`. Excel writes and reads cells and notes so; calamine reads them so.
_XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0d\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_XML_ESCAPE_LIKE = re.compile("_(?=x[0-9A-Fa-f]{4}_)")
_XML_ESCAPED = re.compile("_x([0-9A-Fa-f]{4})_")


def xml_escape(text: str) -> str:
    """Text as Excel stores it in the file (see `_XML_UNSAFE`)."""
    if text and not text.strip():  # openpyxl marks no whitespace-only text `xml:space="preserve"`: readers
        return "".join("_x%04X_" % ord(ch) for ch in text)  # would drop it, escaped it survives
    if "_x" in text:
        text = _XML_ESCAPE_LIKE.sub("_x005F_", text)
    return _XML_UNSAFE.sub(lambda m: "_x%04X_" % ord(m.group()), text)


def xml_unescape(text: str) -> str:
    """Text as Excel shows it, from what the file stores."""
    return _XML_ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


class ComError(Exception):
    """What pywin32 raises when Excel refuses a call (hresult 0x800A03EC unless said otherwise)."""

    def __init__(self, message, hresult=-2146827284):
        super().__init__(hresult, message)
        self.hresult = hresult


_MIXED = object()  # a range whose cells differ (Excel answers Null)


class _CellError(str):
    """An error value (#N/A...) read from a cell: None, or its text with `err_to_str`."""


# ------------------------------------------------------------------------------------ the counter

class Counter:
    def __init__(self):
        self._depth = 0
        self.reset()

    def reset(self):
        self.total, self.calls, self.by_name, self.cost_by_name = 0, 0, {}, {}

    @contextmanager
    def paused(self):
        self._depth += 1
        try:
            yield self
        finally:
            self._depth -= 1

    def _record(self, key, weight):
        if self._depth:  # the engine calling itself, or a paused block: not a round trip
            return
        self.calls += 1
        self.total += weight
        self.by_name[key] = self.by_name.get(key, 0) + 1
        self.cost_by_name[key] = self.cost_by_name.get(key, 0) + weight

    def __repr__(self):
        return f"<Counter total={self.total} calls={self.calls}>"


counter = Counter()


def _autofit_cost(self, axis=None):
    return 4 if axis is None else 2


def _add_cost(self, before=None, after=None, name=None):
    if before is not None:
        cost = 2
    elif after is not None:  # xlwings adds before the next sheet, or adds, moves and activates
        cost = 11 if after._ws is after._book._wb.worksheets[-1] else 5
    else:
        cost = 1
    return cost + (name is not None)


_WEIGHTS = {"Range.api": 0, "Sheet.api": 0, "Sheets.api": 0, "Book.api": 0, "Books.api": 0, "App.api": 0,
            "App.pid": 0, "App.engine": 0,
            "Range.color": lambda self: 2 if self._colour() is None else 4, "Range.color=": 2,
            "Range.note": lambda self: 2 if self._note_cell() is not None else 1,
            "Range.row_hidden": lambda self: 3 + 2 * (self._areas[0][2] - self._areas[0][0]),
            "Range.row_hidden=": 2, "Range.sort": 15, "App.selection": 3,
            "Sheet.clear": 2, "Sheet.clear_contents": 2, "Sheet.delete": 6, "Sheets.active": 2,
            "Sheet.autofit": _autofit_cost, "Range.autofit": _autofit_cost, "Sheets.add": _add_cost,
            "Sheets.__iter__": lambda self: 1 + len(self._book._wb.worksheets),
            "Sheet.notes": lambda self: 1 + sum(c.comment is not None for c in self._ws._cells.values()),
            "Range.set_colors": lambda self, colors: 3 * sum(c is not ... for row in colors for c in row)}
_UNCOUNTED = {"Books.open", "Book.save", "Book.close", "App.quit", "App.kill"}
_DUNDERS = {"__call__", "__len__", "__iter__", "__contains__"}


def _wrap(func, key):
    weight = _WEIGHTS.get(key, 1)

    def counted(*args, **kwargs):
        if counter._depth:
            return func(*args, **kwargs)
        counter._record(key, weight(*args, **kwargs) if callable(weight) else weight)
        with counter.paused():
            return func(*args, **kwargs)

    counted.__name__, counted.__wrapped__ = func.__name__, func
    return counted


def _counted(cls):
    """Wrap every public member a class defines itself, so that each call is recorded."""
    for name, member in list(vars(cls).items()):
        key = f"{cls.__name__}.{name}"
        if (name.startswith("_") and name not in _DUNDERS) or key in _UNCOUNTED:
            continue
        if isinstance(member, property):
            setattr(cls, name, property(member.fget and _wrap(member.fget, key),
                                        member.fset and _wrap(member.fset, key + "=")))
        elif callable(member):
            setattr(cls, name, _wrap(member, key))
    return cls


# ---------------------------------------------------------------------------------- cell helpers

def _blank(cell):
    return cell.value is None and not cell.has_style and cell.comment is None and cell.hyperlink is None


def _read(cell):
    """A cell's value as COM returns it: numbers as float, dates as datetime, errors marked."""
    v = None if cell is None else cell.value
    if isinstance(v, str):
        return _CellError(v) if cell.data_type == "e" else xml_unescape(v)
    if v is None or isinstance(v, bool):
        return v
    if isinstance(v, numbers.Number):
        return float(v)
    if isinstance(v, dt.datetime):
        return v.replace(tzinfo=None)
    if isinstance(v, dt.date):
        return dt.datetime(v.year, v.month, v.day)
    if isinstance(v, dt.time):
        return dt.datetime.combine(dt.date(1899, 12, 30), v)
    if isinstance(v, dt.timedelta):
        return dt.datetime(1899, 12, 30) + v
    return getattr(v, "text", None) or str(v)  # ArrayFormula and other formula objects


def _formula(cell):
    v = _read(cell)
    if isinstance(v, bool) or v is None:
        return {None: "", True: "TRUE", False: "FALSE"}[v]
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)


def _rgb(color):
    if isinstance(color, str):
        return hex_to_rgb(color)
    if isinstance(color, int):
        return int_to_rgb(color)
    return None if color is None else tuple(color)


def _argb(rgb):
    return "FF%02X%02X%02X" % tuple(rgb)


def _color_of(color):
    """openpyxl Color -> RGB; theme colours need the theme part, so only theme 1 (text) is known."""
    if color is None:
        return None
    if color.type == "rgb" and isinstance(color.rgb, str):
        return hex_to_rgb(color.rgb[-6:])
    if color.type == "indexed" and color.indexed < len(COLOR_INDEX):
        return hex_to_rgb(COLOR_INDEX[color.indexed][-6:])
    return (0, 0, 0) if color.type == "theme" and color.theme == 1 else None


def _restyle(obj, attr, **changes):
    style = copy(getattr(obj, attr))  # openpyxl styles are shared: change a copy
    for name, value in changes.items():
        setattr(style, name, value)
    setattr(obj, attr, style)


class _NoApi:
    def __init__(self, owner):
        self._owner = owner

    def __getattr__(self, name):
        raise AttributeError(f"{self._owner}.api.{name} is not emulated by the {NAME} engine")


class _RangeApi(_NoApi):
    """`range.api`: the COM methods the add-in calls, one round trip each. Truthy, as xlwings needs."""

    def __init__(self, rng):
        super().__init__("Range")
        self._rng = rng

    def AddComment(self, text=None):  # noqa: N802 (COM names)
        counter._record("Range.api.AddComment", 1)
        r1, c1, r2, c2 = self._rng._areas[0]
        if len(self._rng._areas) > 1 or (r1, c1) != (r2, c2):
            raise ComError("AddComment method of Range class failed")
        with counter.paused():
            return self._rng._add_note("" if text is None else str(text))

    def ClearComments(self):  # noqa: N802
        counter._record("Range.api.ClearComments", 1)
        with counter.paused():
            for cell in self._rng._existing():
                if cell.comment is not None:
                    cell.comment = None
                    self._rng._sheet._discard(cell)


class _AppApi(_NoApi):
    """`app.api`: what the add-in calls on Excel's Application object."""

    def __init__(self, app):
        super().__init__("App")
        self.WorksheetFunction = _WorksheetFunction()  # noqa: N815 (COM names)


class _WorksheetFunction:
    def Subtotal(self, function, *ranges):  # noqa: N802
        """SUBTOTAL(3 or 103, ...): non-empty cells, of visible rows only for 103."""
        counter._record("App.api.WorksheetFunction.Subtotal", 2)
        if function not in (3, 103):
            raise NotImplementedError(f"{NAME} engine: SUBTOTAL({function}, ...)")
        total = 0
        for api in ranges:
            rng = api._rng
            hidden = moves.hidden_rows(rng._sheet._ws) if function == 103 else set()
            total += sum(1 for cell in rng._existing() if cell.value not in (None, "") and cell.row not in hidden)
        return float(total)


class _NoteApi(_NoApi):
    """`note.api`: the COM Comment; `Parent.Address` names its cell (two round trips)."""

    def __init__(self, cell):
        super().__init__("Note")
        self._cell = cell

    @property
    def Parent(self):  # noqa: N802
        counter._record("Note.api.Parent", 1)
        return _CellRef(self._cell)


class _CellRef:
    def __init__(self, cell):
        self._cell = cell

    @property
    def Address(self):  # noqa: N802
        counter._record("Note.api.Parent.Address", 1)
        return f"${get_column_letter(self._cell.column)}${self._cell.row}"


# ----------------------------------------------------------------------------------------- ranges

@_counted
class Range(bc.Range):
    """One or more rectangular areas (r1, c1, r2, c2) of a sheet, like an Excel Range."""

    def __init__(self, sheet, areas):
        self._sheet, self._areas, self.options = sheet, areas, {}  # main.Range sets .options

    @staticmethod
    def _huge(area):  # whole rows or columns: only existing cells are ever touched
        return area[2] - area[0] + 1 == MAX_ROWS or area[3] - area[1] + 1 == MAX_COLS

    def _coords(self):
        for r1, c1, r2, c2 in self._areas:
            if self._huge((r1, c1, r2, c2)):
                raise NotImplementedError(f"{NAME} engine: writing or styling whole rows or columns")
            yield from itertools.product(range(r1, r2 + 1), range(c1, c2 + 1))

    def _existing(self):
        cells = self._sheet._ws._cells  # openpyxl's sparse store (its accessors create cells)
        if self._size() > len(cells):
            return [cell for (r, c), cell in list(cells.items())
                    if any(a[0] <= r <= a[2] and a[1] <= c <= a[3] for a in self._areas)]
        return [cells[k] for k in self._coords() if k in cells]

    def _styled(self, apply):
        ws = self._sheet._ws
        for area in self._areas:
            r1, c1, r2, c2 = area
            if r1 == 1 and r2 == MAX_ROWS and c2 - c1 + 1 < MAX_COLS:  # whole columns: the column's own
                for c in range(c1, c2 + 1):  # format (new cells take it), and every cell there already
                    apply(ws.column_dimensions[get_column_letter(c)])
                for cell in Range(self._sheet, [area])._existing():
                    apply(cell)
                continue
            for r, c in Range(self._sheet, [area])._coords():
                apply(self._sheet._cell(r, c))

    def _first_cell(self):
        return self._sheet._ws._cells.get(self._areas[0][:2])

    def _probe(self):
        """The first cell, or an unattached one with the workbook's defaults (creates nothing)."""
        cell = self._first_cell()
        return Cell(self._sheet._ws, *self._areas[0][:2]) if cell is None else cell

    def _block(self, read):
        r1, c1, r2, c2 = self._areas[0]
        if self._huge(self._areas[0]):
            raise NotImplementedError(f"{NAME} engine: reading whole rows or columns")
        get = self._sheet._ws._cells.get
        data = [[read(get((r, c))) for c in range(c1, c2 + 1)] for r in range(r1, r2 + 1)]
        return data[0][0] if (r1, c1) == (r2, c2) else data

    def _write(self, data):
        put = self._sheet._put
        if isinstance(data, (list, tuple)):
            r0, c0 = self._areas[0][:2]
            for i, row in enumerate(data if data and isinstance(data[0], (list, tuple)) else [data]):
                for j, value in enumerate(row):
                    put(r0 + i, c0 + j, value)
        elif data is None or data == "":
            for cell in self._existing():
                put(cell.row, cell.column, None)
        else:
            for r, c in self._coords():
                put(r, c, data)

    def _set_color(self, color_or_rgb):
        rgb = _rgb(color_or_rgb)
        if rgb is None:  # removing a fill never needs to create cells
            for cell in self._existing():
                if cell.has_style and cell._style.fillId:  # fills[0] is "none" in every workbook
                    cell.fill = PatternFill()
                    self._sheet._discard(cell)
        else:
            fill = PatternFill("solid", fgColor=_argb(rgb))
            self._styled(lambda obj: setattr(obj, "fill", fill))

    def _add_note(self, text):
        cell = self._sheet._cell(*self._areas[0][:2])
        if cell.comment is not None:  # Excel refuses a second note on a cell
            raise ComError(_APP_ERROR)
        cell.comment = Comment(xml_escape(text), NOTE_AUTHOR)
        return Note(self._sheet, cell)

    def _address(self):
        def ref(r, c):
            return f"${get_column_letter(c)}${r}"

        parts = []
        for r1, c1, r2, c2 in self._areas:
            if r2 - r1 + 1 == MAX_ROWS:
                parts.append(f"${get_column_letter(c1)}:${get_column_letter(c2)}")
            elif c2 - c1 + 1 == MAX_COLS:
                parts.append(f"${r1}:${r2}")
            else:
                parts.append(ref(r1, c1) + ("" if (r1, c1) == (r2, c2) else ":" + ref(r2, c2)))
        return ",".join(parts)

    api = property(lambda self: _RangeApi(self))
    sheet = property(lambda self: self._sheet)
    row = property(lambda self: self._areas[0][0])
    column = property(lambda self: self._areas[0][1])
    address = property(lambda self: self._address())
    has_array = property(lambda self: False)
    font = property(lambda self: Font(self))

    def _size(self):
        return sum((r2 - r1 + 1) * (c2 - c1 + 1) for r1, c1, r2, c2 in self._areas)

    __len__ = _size  # Excel's Count: every cell of every area

    @property
    def shape(self):  # Excel's Rows.Count, Columns.Count: the first area
        r1, c1, r2, c2 = self._areas[0]
        return r2 - r1 + 1, c2 - c1 + 1

    def __call__(self, *args):
        r0, c0, _, c2 = self._areas[0]
        ncols = c2 - c0 + 1
        if len(args) not in (1, 2):
            raise ValueError("Invalid arguments")
        row, col = args if len(args) == 2 else ((args[0] - 1) // ncols + 1, (args[0] - 1) % ncols + 1)
        r, c = r0 + row - 1, c0 + col - 1
        if not (1 <= r <= MAX_ROWS and 1 <= c <= MAX_COLS):
            raise ComError(_APP_ERROR)
        return Range(self._sheet, [(r, c, r, c)])

    raw_value = property(lambda self: self._block(_read), lambda self, data: self._write(data))
    # Formula and Value take the same entry rules in Excel; formulas read back as their text.
    formula = formula2 = property(lambda self: self._block(_formula), lambda self, data: self._write(data))

    def clear_contents(self):
        for cell in self._existing():
            self._sheet._put(cell.row, cell.column, None)

    def clear(self):  # values, formats and notes, as Excel's Range.Clear
        for cell in self._existing():
            del self._sheet._ws._cells[(cell.row, cell.column)]

    @property
    def number_format(self):
        return self._probe().number_format

    @number_format.setter
    def number_format(self, value):
        self._styled(lambda obj: setattr(obj, "number_format", value))

    def _colour(self):
        """The range's fill as Excel reports it: None, one colour, or _MIXED."""
        seen = set()
        existing = 0
        for cell in self._existing():
            existing += 1
            fill = cell.fill if cell.has_style else None
            seen.add(None if fill is None or fill.fill_type in (None, "none") else _color_of(fill.fgColor))
            if len(seen) > 1:
                return _MIXED
        if existing < self._size():
            seen.add(None)
        if len(seen) > 1:
            return _MIXED
        return seen.pop() if seen else None

    @property
    def color(self):
        colour = self._colour()
        if colour is _MIXED:  # Interior.ColorIndex and .Color are Null: xlwings' int_to_rgb(None) fails
            raise TypeError("int() argument must be a string, a bytes-like object or a real number, not 'NoneType'")
        return colour

    @color.setter
    def color(self, color_or_rgb):
        self._set_color(color_or_rgb)

    def set_colors(self, colors):
        r0, c0 = self._areas[0][:2]
        for i, row in enumerate(colors):
            for j, color in enumerate(row):
                if color is not ...:
                    Range(self._sheet, [(r0 + i, c0 + j) * 2])._set_color(color)

    def _set_width(self, value):
        for _, c1, _, c2 in self._areas:
            for c in range(c1, c2 + 1):
                self._sheet._ws.column_dimensions[get_column_letter(c)].width = value

    def _width(self):
        dim = self._sheet._ws.column_dimensions.get(get_column_letter(self._areas[0][1]))
        return dim.width if dim is not None and dim.customWidth else 8.43

    column_width = property(lambda self: self._width(), lambda self, value: self._set_width(value))

    def autofit(self, axis=None):
        """No layout engine here: widths stay as they are."""

    def _note_cell(self):
        cell = self._first_cell()
        return cell if cell is not None and cell.comment is not None else None

    @property
    def note(self):
        cell = self._note_cell()
        return None if cell is None else Note(self._sheet, cell)

    def select(self):
        book = self._sheet._book
        if book._wb.active is not self._sheet._ws or book._app._active is not book:
            raise ComError("Select method of Range class failed")
        r1, c1 = self._areas[0][:2]
        selection = self._sheet._ws.sheet_view.selection[0]
        selection.activeCell = f"{get_column_letter(c1)}{r1}"
        selection.sqref = self._address().replace("$", "").replace(",", " ")

    def insert(self, shift=None, copy_origin=None):
        try:
            moves.insert(self._sheet._ws, self._areas[0], shift, copy_origin)
        except moves.MoveRefused as exc:
            raise ComError(str(exc))

    def delete(self, shift=None):
        moves.delete(self._sheet._ws, self._areas[0], shift)

    def sort(self, keys, ascending, has_headers):
        moves.sort(self._sheet._ws, self._areas[0], list(keys), list(ascending), has_headers)

    @property
    def row_hidden(self):
        r1, _, r2, _ = self._areas[0]
        return moves.rows_hidden(self._sheet._ws, r1, r2)

    @row_hidden.setter
    def row_hidden(self, value):
        for r1, _, r2, _ in self._areas:
            moves.set_rows_hidden(self._sheet._ws, r1, r2, bool(value))

    @property
    def autofilter(self):
        return moves.AutoFilter(self._sheet._ws, self._areas[0])

    def add_note(self, text):
        return self._add_note(text)


@_counted
class Font(bc.Font):
    def __init__(self, rng):
        self._rng = rng

    def _get(self, attr):
        return getattr(self._rng._probe().font, attr)

    def _set(self, **changes):
        self._rng._styled(lambda obj: _restyle(obj, "font", **changes))

    api = property(lambda self: _NoApi("Font"))
    bold = property(lambda self: bool(self._get("b")), lambda self, v: self._set(b=bool(v)))
    italic = property(lambda self: bool(self._get("i")), lambda self, v: self._set(i=bool(v)))
    size = property(lambda self: float(self._get("sz") or 11), lambda self, v: self._set(sz=v))
    name = property(lambda self: self._get("name"), lambda self, v: self._set(name=v))
    color = property(lambda self: _color_of(self._get("color")) if self._get("color") else (0, 0, 0),
                     lambda self, v: self._set(color=_argb(_rgb(v))))


@_counted
class Note(bc.Note):
    def __init__(self, sheet, cell):
        self._sheet, self._cell = sheet, cell

    api = property(lambda self: _NoteApi(self._cell))
    author = property(lambda self: self._cell.comment.author)

    @property
    def text(self):
        return xml_unescape(self._cell.comment.text)

    @text.setter
    def text(self, value):
        self._cell.comment = Comment(xml_escape(value), self._cell.comment.author)

    def delete(self):
        self._cell.comment = None
        self._sheet._discard(self._cell)


# ------------------------------------------------------------------------------- sheets and books

def _area(text):
    try:
        c1, r1, c2, r2 = range_boundaries(text.strip().upper())
    except (ValueError, TypeError):
        c1 = r1 = r2 = c2 = None
    r1, r2 = (1, MAX_ROWS) if r1 is None and c1 is not None else (r1, r2)
    c1, c2 = (1, MAX_COLS) if c1 is None and r1 is not None else (c1, c2)
    if None in (r1, c1) or min(r1, r2, c1, c2) < 1 or max(r1, r2) > MAX_ROWS or max(c1, c2) > MAX_COLS:
        raise ComError(f"Method 'Range' of object '_Worksheet' failed ({text!r})")
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


@_counted
class Sheet(bc.Sheet):
    def __init__(self, book, ws):
        self._book, self._ws = book, ws

    def _cell(self, r, c):
        cell = self._ws._cells.get((r, c))
        if cell is None:
            cell = self._ws.cell(r, c)
            for dims, key in ((self._ws.row_dimensions, r), (self._ws.column_dimensions, get_column_letter(c))):
                if key in dims and dims[key].has_style:  # a new cell takes its row's or column's format
                    cell._style = copy(dims[key]._style)
                    break
        return cell

    def _discard(self, cell):
        if _blank(cell):  # so that used_range shrinks as Excel's does
            self._ws._cells.pop((cell.row, cell.column), None)

    def _put(self, r, c, value):
        """Write one value with Excel's entry rules (see the module docstring)."""
        if value is None or (isinstance(value, str) and value == ""):
            cell = self._ws._cells.get((r, c))
            if cell is not None:
                cell.value = None
                self._discard(cell)
            return
        cell = self._cell(r, c)
        if not isinstance(value, str):
            cell.value = value
        elif cell.has_style and cell.number_format == "@":  # Text format: kept exactly, `=` included
            cell.value, cell.data_type = xml_escape(value), "s"
        elif value.startswith("'"):  # Excel's prefix character
            cell.value, cell.data_type = xml_escape(value[1:]), "s"
        elif value.startswith("="):
            if value == "=":
                raise ComError(_APP_ERROR)
            cell.value = xml_escape(value)  # openpyxl stores it as a formula
        elif _INTEGER.fullmatch(value) and math.isfinite(float(value)):
            cell.value = float(f"{float(value):.15g}")
        else:
            if len(value) > 1 and value[0] in "+-@" or _PARSABLE.fullmatch(value.strip()):
                ENGINE.risky_writes.append((self._ws.title, f"{get_column_letter(c)}{r}", value))
            cell.value, cell.data_type = xml_escape(value), "s"

    def _whole(self):
        return Range(self, [(1, 1, MAX_ROWS, MAX_COLS)])

    api = property(lambda self: self._ws)
    book = property(lambda self: self._book)
    index = property(lambda self: self._book._wb.worksheets.index(self._ws) + 1)
    cells = property(lambda self: self._whole())
    tables = property(lambda self: [])  # Excel tables (ListObjects) are not emulated: never any

    @property
    def name(self):
        return self._ws.title

    @name.setter
    def name(self, value):
        if value.lower() in (s.lower() for s in self._book._wb.sheetnames if s != self._ws.title):
            raise ComError("That name is already taken. Try a different one.")
        if value.lower() == self._ws.title.lower():
            self._ws.title = "\x1f"  # openpyxl would add a suffix to a case-only change
        self._ws.title = value

    @property
    def notes(self):
        return [Note(self, cell) for _, cell in sorted(self._ws._cells.items()) if cell.comment is not None]

    def range(self, arg1, arg2=None):
        if isinstance(arg1, numbers.Number) and isinstance(arg2, numbers.Number):
            arg1, arg2 = (arg1, arg2), None
        areas = []
        for arg in (arg1, arg2):
            if isinstance(arg, Range):
                areas += arg._areas
            elif isinstance(arg, tuple):
                if 0 in arg:
                    raise IndexError("Attempted to access 0-based Range. xlwings/Excel Ranges are 1-based.")
                (r, c), (nr, nc) = arg[:2], arg[2:] or (1, 1)
                areas.append((r, c, r + nr - 1, c + nc - 1))
            elif isinstance(arg, str):
                if len(arg) > 255:  # Excel's limit on an address string
                    raise ComError("Method 'Range' of object '_Worksheet' failed (address over 255 characters)")
                areas += [_area(part) for part in arg.split(",")]
            elif arg is not None:
                raise TypeError(f"Invalid range argument {arg!r}")
        if arg2 is not None:  # Range(cell1, cell2): the rectangle spanning both
            areas = [(min(a[0] for a in areas), min(a[1] for a in areas),
                      max(a[2] for a in areas), max(a[3] for a in areas))]
        return Range(self, areas)

    def activate(self):
        if self._ws.sheet_state != "visible":
            raise ComError("Activate method of Worksheet class failed")
        self._book._set_active(self._ws)

    select = activate

    def clear_contents(self):
        self._whole().clear_contents()

    def clear(self):  # values, formats and notes; columns and rows lose their formats, keep their sizes
        self._ws._cells.clear()
        for dims in (self._ws.column_dimensions, self._ws.row_dimensions):
            for dim in dims.values():
                if dim.has_style:
                    dim._style = copy(Cell(self._ws)._style)

    def autofit(self, axis=None):
        """No layout engine here: widths stay as they are."""

    def _only_visible(self):
        return [s for s in self._book._wb.worksheets if s.sheet_state == "visible"] == [self._ws]

    def delete(self):
        if self._only_visible():
            raise ComError("A workbook must contain at least one visible worksheet.")
        wb = self._book._wb
        position, was_active = wb.index(self._ws), wb.active is self._ws
        wb.remove(self._ws)
        if was_active:
            self._book._activate_near(position)

    @property
    def used_range(self):
        keys = [k for k, cell in self._ws._cells.items() if not _blank(cell)]
        if not keys:
            return Range(self, [(1, 1, 1, 1)])
        rows, cols = [k[0] for k in keys], [k[1] for k in keys]
        return Range(self, [(min(rows), min(cols), max(rows), max(cols))])

    @property
    def visible(self):
        return self._ws.sheet_state == "visible"

    @visible.setter
    def visible(self, value):
        state = "visible" if value in (True, -1) else "veryHidden" if value == 2 else "hidden"
        if state != "visible" and self._only_visible():
            raise ComError("Unable to set the Visible property of the Worksheet class")
        was_active = self._book._wb.active is self._ws
        self._ws.sheet_state = state
        if state != "visible" and was_active:
            self._book._activate_near(self._book._wb.index(self._ws))


@_counted
class Sheets(bc.Sheets):
    def __init__(self, book):
        self._book = book

    api = property(lambda self: self._book._wb)
    active = property(lambda self: Sheet(self._book, self._book._wb.active))

    def __call__(self, name_or_index):
        sheets = self._book._wb.worksheets
        if isinstance(name_or_index, numbers.Number) and 1 <= name_or_index <= len(sheets):
            return Sheet(self._book, sheets[int(name_or_index) - 1])
        for ws in sheets:
            if isinstance(name_or_index, str) and ws.title.lower() == name_or_index.lower():
                return Sheet(self._book, ws)
        raise ComError("Invalid index.", -2147352565)

    def __len__(self):
        return len(self._book._wb.worksheets)

    def __iter__(self):
        return iter([Sheet(self._book, ws) for ws in self._book._wb.worksheets])

    def __contains__(self, key):
        # With Excel, `"x" in book.sheets` compares impl objects to a str: always False. Fail loudly.
        raise TypeError("`name in book.sheets` is always False with Excel: test [s.name for s in book.sheets]")

    def add(self, before=None, after=None, name=None):  # main.py passes `name` (base_classes lags)
        book, wb = self._book, self._book._wb
        if name is None:
            name = book._next_sheet_name()
        elif name.lower() in (s.lower() for s in wb.sheetnames):
            raise ComError("That name is already taken. Try a different one.")
        anchor = before or after
        position = wb.index(anchor._ws) + (after is not None) if anchor else wb.index(wb.active)
        ws = wb.create_sheet(name, position)  # without before/after: before the active sheet, as Excel
        book._set_active(ws)
        return Sheet(book, ws)


@_counted
class Book(bc.Book):
    def __init__(self, app, wb, path=None, name=None):
        self._app, self._wb, self._path = app, wb, path
        self._name = os.path.basename(path) if path else name
        self._sheet_seq = len(wb.worksheets)

    def _next_sheet_name(self):
        taken = {s.lower() for s in self._wb.sheetnames}
        while True:  # Excel numbers new sheets from a per-book counter
            self._sheet_seq += 1
            if f"{SHEET_PREFIX}{self._sheet_seq}".lower() not in taken:
                return f"{SHEET_PREFIX}{self._sheet_seq}"

    def _set_active(self, ws):
        self._wb.active = ws
        for sheet in self._wb.worksheets:  # one selected tab, or Excel opens the sheets grouped
            sheet.sheet_view.tabSelected = sheet is ws

    def _activate_near(self, position):
        visible = [s for s in self._wb.worksheets if s.sheet_state == "visible"]
        later = [s for s in visible if self._wb.index(s) >= position]
        self._set_active((later or visible[::-1])[0])

    api = property(lambda self: self._wb)
    name = property(lambda self: self._name)
    sheets = property(lambda self: Sheets(self))
    app = property(lambda self: self._app)
    fullname = property(lambda self: self._path or self._name)

    def close(self):
        self._app._close(self)

    def save(self, path=None, password=None):
        if password:
            raise NotImplementedError(f"{NAME} engine: saving with a password")
        target = os.path.realpath(path or self._path or os.path.join(os.getcwd(), self._name + ".xlsx"))
        if os.path.splitext(target)[1].lower() not in (".xlsx", ".xlsm"):
            raise ValueError(f"{NAME} engine: only .xlsx and .xlsm can be saved, not {target!r}")
        self._wb.save(target)
        self._path, self._name = target, os.path.basename(target)

    def activate(self):
        self._app._active = self


@_counted
class Books(bc.Books):
    def __init__(self, app):
        self.app = app  # main.Books.open reads impl.app.engine.type

    api = property(lambda self: list(self.app._books))

    @property
    def active(self):
        if self.app._active is None:
            raise ComError("No active workbook")
        return self.app._active

    def __call__(self, name_or_index):
        books = self.app._books
        if isinstance(name_or_index, numbers.Number) and 1 <= name_or_index <= len(books):
            return books[int(name_or_index) - 1]
        for book in books:
            if book._name.lower() == str(name_or_index).lower():
                return book
        raise KeyError(name_or_index)  # main.Books.open relies on KeyError for "not open"

    def __len__(self):
        return len(self.app._books)

    def __iter__(self):
        return iter(list(self.app._books))

    def add(self):
        return self.app._new_book()

    def open(self, fullname, *args, **kwargs):
        keep_vba = os.path.splitext(fullname)[1].lower() != ".xlsx"
        book = Book(self.app, openpyxl.load_workbook(fullname, keep_vba=keep_vba), path=fullname)
        self.app._books.append(book)
        self.app._active = book
        return book


_BUTTONS = {None: "ok", "ok": "ok", "ok_cancel": "ok", "yes_no": "yes", "yes_no_cancel": "yes"}
_CALCULATION = ("automatic", "manual", "semiautomatic")


def _setting(name, check=lambda value: value, log=None):
    def put(self, value):
        self._settings[name] = check(value)
        if log is not None:
            getattr(ENGINE, log).append(value)

    return property(lambda self: self._settings[name], put)


def _calculation(value):
    if value not in _CALCULATION:
        raise KeyError(value)  # as xlwings' Windows engine does
    return value


@_counted
class App(bc.App):
    _pids = itertools.count(4242)

    def __init__(self, add_book=True, visible=None):
        self._pid, self._books, self._active, self._book_seq = next(self._pids), [], None, 0
        self._settings = dict(visible=bool(visible), screen_updating=True, display_alerts=True,
                              enable_events=True, interactive=True, cut_copy_mode=None,
                              calculation="automatic", status_bar=False)
        if add_book:
            self._new_book()

    def _new_book(self):
        self._book_seq += 1
        wb = openpyxl.Workbook()
        wb.active.title = f"{SHEET_PREFIX}1"
        book = Book(self, wb, name=f"{BOOK_PREFIX}{self._book_seq}")
        self._books.append(book)
        self._active = book
        return book

    def _close(self, book):
        if book in self._books:
            self._books.remove(book)
        if self._active is book:
            self._active = self._books[-1] if self._books else None

    visible = _setting("visible")
    screen_updating = _setting("screen_updating")
    display_alerts = _setting("display_alerts")
    enable_events = _setting("enable_events")
    interactive = _setting("interactive")
    cut_copy_mode = _setting("cut_copy_mode")
    calculation = _setting("calculation", check=_calculation)
    status_bar = _setting("status_bar", log="status_bar_history")  # False: Excel's own text
    api = property(lambda self: _AppApi(self))
    engine = property(lambda self: ENGINE)
    pid = property(lambda self: self._pid)
    @property
    def selection(self):
        book = self._active
        if book is None:
            return None
        sheet = Sheet(book, book._wb.active)
        ref = sheet._ws.sheet_view.selection[0].sqref or "A1"
        return sheet.range(",".join(str(ref).split()))
    version = property(lambda self: "16.0")
    books = property(lambda self: Books(self))

    def calculate(self):
        """Formulas are not evaluated by this engine."""

    def alert(self, prompt, title=None, buttons="ok", mode=None, callback=None):
        answer = _BUTTONS[buttons]  # KeyError on unknown buttons, like Windows
        ENGINE.alerts.append(dict(prompt=prompt, title=title, buttons=buttons, mode=mode))
        return ENGINE.alert_answers.pop(0) if ENGINE.alert_answers else answer

    def activate(self, steal_focus=False):
        ENGINE._apps.remove(self)
        ENGINE._apps.insert(0, self)

    def quit(self):
        for book in list(self._books):
            self._close(book)
        if self in ENGINE._apps:
            ENGINE._apps.remove(self)

    kill = quit


class Apps(bc.Apps):
    """Process bookkeeping, no COM call: not counted. The first app is the active one."""

    def keys(self):
        return [app._pid for app in ENGINE._apps]

    def add(self, spec=None, add_book=True, xl=None, visible=None):
        app = App(add_book=add_book, visible=visible)
        ENGINE._apps.insert(0, app)
        return app

    @staticmethod
    def cleanup():
        pass

    def __iter__(self):
        return iter(list(ENGINE._apps))

    def __len__(self):
        return len(ENGINE._apps)

    def __getitem__(self, pid):
        for app in ENGINE._apps:
            if app._pid == pid:
                return app
        raise KeyError("Could not find an Excel instance with this PID.")


class Engine:
    """The engine impl. xlwings' conversion stages call the two static methods (not counted)."""

    name, type = NAME, "desktop"  # "desktop": xlwings then writes a scalar in one call, as with Excel

    def __init__(self):
        self._apps = []
        self.alerts, self.alert_answers, self.status_bar_history, self.risky_writes = [], [], [], []

    apps = property(lambda self: Apps())

    @staticmethod
    def prepare_xl_data_element(x, options=None):
        if x is None or type(x).__name__ in ("NAType", "NaTType"):
            return ""
        if hasattr(x, "to_pydatetime"):
            x = x.to_pydatetime()
        elif type(x).__module__ == "numpy" and hasattr(x, "item"):
            x = x.item()
        if isinstance(x, float) and math.isnan(x):
            return ""
        if isinstance(x, dt.datetime):
            return x.replace(tzinfo=None)  # COM drops the time zone; openpyxl refuses one
        if isinstance(x, numbers.Number) and not isinstance(x, (bool, int, float)):
            return float(x)  # Decimal, Fraction: Excel stores doubles
        return x

    @staticmethod
    def clean_value_data(data, datetime_builder, empty_as, number_builder, err_to_str):
        def clean(v):
            if v is None or (isinstance(v, str) and v == ""):
                return empty_as
            if isinstance(v, _CellError):
                return str(v) if err_to_str else None
            if isinstance(v, dt.datetime):
                return datetime_builder(year=v.year, month=v.month, day=v.day, hour=v.hour, minute=v.minute,
                                        second=v.second, microsecond=v.microsecond, tzinfo=None)
            if number_builder is not None and isinstance(v, float):
                return number_builder(v)
            return v

        return [[clean(v) for v in row] for row in data]


ENGINE = Engine()


# ------------------------------------------------------------------------------------ module API

def activate() -> xw.Engine:
    """Register (once) the engine "openpyxl" in `xw.engines` and make it the active one."""
    if NAME not in xw.engines.engines_by_name:
        xw.engines.add(xw.Engine(impl=ENGINE))
    engine = xw.engines[NAME]
    engine.activate()
    return engine


def open_book(path) -> xw.Book:
    activate()
    with counter.paused():  # opening is outside any command
        return xw.Book(path)


def new_book() -> xw.Book:
    activate()
    with counter.paused():
        return xw.Book()


def reset() -> None:
    """Quit every app; forget alerts, status bar values, risky writes, the mock caller and the counts."""
    for app in list(ENGINE._apps):
        app.quit()
    for log in (ENGINE.alerts, ENGINE.alert_answers, ENGINE.status_bar_history, ENGINE.risky_writes):
        log.clear()
    if "_mock_caller" in vars(xw.Book):
        del xw.Book._mock_caller
    counter.reset()
