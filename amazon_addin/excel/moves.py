"""What a user does to a sheet between two ribbon buttons, done to an openpyxl worksheet as Excel does it.

Used by the headless engine (`engine.py`) so tests can insert columns, sort and filter the way a seller
would, then press Vérifier again. Each function documents the Excel behaviour it reproduces:

- inserting cells shifts the cells after them with their values, formats and notes (and, for whole rows
  or columns, their heights or widths); the new cells take the format of the cells on their left (or
  above), which is Excel's default `xlFormatFromLeftOrAbove`, never their notes or values;
- deleting cells drops them with their notes and shifts the following ones back;
- sorting a range moves each row's cells within the range with their values, formats and notes; rows
  keep their heights and hidden state; order: numbers (dates too), then text ignoring case, then FALSE,
  TRUE, errors, and blank cells last in both directions; equal keys keep their order;
- hiding rows and filtering by values hide rows without moving anything.

Not emulated: formulas are not rewritten (the engine never calculates them), merged cells, tables, data
validation and conditional formats do not move.
"""

from __future__ import annotations

import numbers
from copy import copy

from openpyxl.utils import get_column_letter

MAX_ROWS, MAX_COLS = 1_048_576, 16_384


class MoveRefused(Exception):
    """Excel refuses the gesture (e.g. it would push data off the sheet)."""


def _relocate(ws, where) -> None:
    """Move every cell to `where(row, col)` (None drops it), keeping its value, style, note, link."""
    moved = {}
    for (r, c), cell in list(ws._cells.items()):
        target = where(r, c)
        if target is None:
            continue
        cell.row, cell.column = target
        if cell.hyperlink is not None:
            cell.hyperlink.ref = cell.coordinate
        moved[target] = cell
    ws._cells.clear()
    ws._cells.update(moved)


def _shift_dimensions(dims, keys, first: int, by: int, key_of) -> None:
    """Row heights or column widths follow whole rows or columns; `by` < 0 deletes."""
    old = {k: dims[k] for k in list(dims.keys()) if keys(k) is not None}
    for k in list(old):
        del dims[k]
    for k, dim in old.items():
        n = keys(k)
        if n < first:
            dims[k] = dim
        elif by < 0 and n < first - by:
            continue  # a deleted row or column takes its height or width with it
        else:
            new = key_of(n + by)
            dim.index = new
            dims[new] = dim


def _col_number(letter):
    from openpyxl.utils import column_index_from_string

    return column_index_from_string(letter) if isinstance(letter, str) else None


def _copy_style(ws, source, target) -> None:
    cell = ws._cells.get(source)
    if cell is not None and cell.has_style:
        new = ws.cell(*target)
        new._style = copy(cell._style)


def insert(ws, area, shift: str | None, copy_origin: str | None) -> None:
    r1, c1, r2, c2 = area
    whole_cols, whole_rows = r1 == 1 and r2 == MAX_ROWS, c1 == 1 and c2 == MAX_COLS
    if shift is None:  # Excel decides from the range's shape
        shift = "right" if whole_cols else "down"
    if shift not in ("right", "down"):
        raise ValueError(f"shift must be 'right' or 'down', not {shift!r}")
    below_or_right = copy_origin == "format_from_right_or_below"
    if shift == "right":
        k = c2 - c1 + 1
        if any(r1 <= r <= r2 and c + k > MAX_COLS for (r, c), cell in ws._cells.items() if c >= c1
               and cell.value is not None):
            raise MoveRefused("Excel cannot shift nonblank cells off of the worksheet.")
        _relocate(ws, lambda r, c: (r, c + k) if r1 <= r <= r2 and c >= c1 else (r, c))
        if whole_cols:
            _shift_dimensions(ws.column_dimensions, _col_number, c1, k, get_column_letter)
        rows = {r for (r, c) in ws._cells if r1 <= r <= r2 and c == (c2 + 1 if below_or_right else c1 - 1)}
        for r in rows:
            for c in range(c1, c2 + 1):
                _copy_style(ws, (r, c2 + 1 if below_or_right else c1 - 1), (r, c))
    else:
        k = r2 - r1 + 1
        if any(c1 <= c <= c2 and r + k > MAX_ROWS for (r, c), cell in ws._cells.items() if r >= r1
               and cell.value is not None):
            raise MoveRefused("Excel cannot shift nonblank cells off of the worksheet.")
        _relocate(ws, lambda r, c: (r + k, c) if c1 <= c <= c2 and r >= r1 else (r, c))
        if whole_rows:
            _shift_dimensions(ws.row_dimensions, lambda n: n if isinstance(n, int) else None, r1, k, int)
        cols = {c for (r, c) in ws._cells if c1 <= c <= c2 and r == (r2 + 1 if below_or_right else r1 - 1)}
        for c in cols:
            for r in range(r1, r2 + 1):
                _copy_style(ws, (r2 + 1 if below_or_right else r1 - 1, c), (r, c))


def delete(ws, area, shift: str | None) -> None:
    r1, c1, r2, c2 = area
    whole_cols, whole_rows = r1 == 1 and r2 == MAX_ROWS, c1 == 1 and c2 == MAX_COLS
    if shift is None:
        shift = "left" if whole_cols else "up"
    if shift not in ("left", "up"):
        raise ValueError(f"shift must be 'left' or 'up', not {shift!r}")

    def inside(r, c):
        return r1 <= r <= r2 and c1 <= c <= c2

    if shift == "left":
        k = c2 - c1 + 1
        _relocate(ws, lambda r, c: None if inside(r, c) else (r, c - k) if r1 <= r <= r2 and c > c2 else (r, c))
        if whole_cols:
            _shift_dimensions(ws.column_dimensions, _col_number, c1, -k, get_column_letter)
    else:
        k = r2 - r1 + 1
        _relocate(ws, lambda r, c: None if inside(r, c) else (r - k, c) if c1 <= c <= c2 and r > r2 else (r, c))
        if whole_rows:
            _shift_dimensions(ws.row_dimensions, lambda n: n if isinstance(n, int) else None, r1, -k, int)


def _sort_key(cell):
    """Excel's ascending order; blanks are handled apart (always last)."""
    v = None if cell is None else cell.value
    if cell is not None and cell.data_type == "e":
        return (3, 0)
    if isinstance(v, bool):
        return (2, int(v))
    if isinstance(v, numbers.Number):
        return (0, float(v))
    if hasattr(v, "toordinal"):  # dates and datetimes are numbers in Excel
        return (0, v.toordinal() + (getattr(v, "hour", 0) * 3600 + getattr(v, "minute", 0) * 60
                                    + getattr(v, "second", 0)) / 86400)
    return (1, str(v).casefold())


def sort(ws, area, keys: list[int], ascending: list[bool], has_headers: bool) -> None:
    r1, c1, r2, c2 = area
    first = r1 + 1 if has_headers else r1
    rows = list(range(first, r2 + 1))
    get = ws._cells.get

    def key(r):
        out = []
        for col, up in zip(keys, ascending):
            cell = get((r, c1 + col - 1))
            blank = cell is None or cell.value is None or cell.value == ""
            kind, value = (0, 0) if blank else _sort_key(cell)
            if not up and not blank:  # descending: reverse every kind and value, blanks stay last
                kind, value = -kind, (-value if isinstance(value, float) else _Reversed(value))
            out.append((blank, kind, value))
        return out

    order = sorted(rows, key=key)  # stable, as Excel keeps equal rows in order
    destination = dict(zip(order, rows))
    _relocate(ws, lambda r, c: (destination[r], c) if c1 <= c <= c2 and r in destination else (r, c))


class _Reversed:
    __slots__ = ("v",)

    def __init__(self, v):
        self.v = v

    def __lt__(self, other):
        return self.v > other.v

    def __eq__(self, other):
        return self.v == other.v


def set_rows_hidden(ws, r1: int, r2: int, hidden: bool) -> None:
    for r in range(r1, r2 + 1):
        ws.row_dimensions[r].hidden = hidden


def rows_hidden(ws, r1: int, r2: int):
    """True, False, or None when some rows of r1..r2 are hidden and others not."""
    states = {bool(ws.row_dimensions[r].hidden) if r in ws.row_dimensions else False for r in range(r1, r2 + 1)}
    return states.pop() if len(states) == 1 else None


def hidden_rows(ws) -> set[int]:
    return {r for r, dim in ws.row_dimensions.items() if dim.hidden}


def shown(cell) -> str:
    """A cell's text as an AutoFilter value list compares it (General format)."""
    v = None if cell is None else cell.value
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


class AutoFilter:
    """A worksheet's AutoFilter on one range: value lists per field hide the rows that match none."""

    def __init__(self, ws, area):
        self.ws, self.area = ws, area
        state = getattr(ws, "_engine_filter", None)
        if state is None or state["area"] != area:
            if state is not None and any(state["criteria"].values()):
                raise ValueError("This worksheet already has an AutoFilter on a different range")
            state = {"area": area, "criteria": {}, "hidden": set()}
            ws._engine_filter = state
            ws.auto_filter.ref = _ref(area)
        self.state = state

    def _apply(self) -> None:
        r1, c1, r2, _ = self.area
        for r in self.state["hidden"]:
            ws_dim = self.ws.row_dimensions[r]
            ws_dim.hidden = False
        self.state["hidden"] = set()
        get = self.ws._cells.get
        for r in range(r1 + 1, r2 + 1):
            for field, allowed in self.state["criteria"].items():
                if shown(get((r, c1 + field - 1))) not in allowed:
                    self.ws.row_dimensions[r].hidden = True
                    self.state["hidden"].add(r)
                    break

    @property
    def criteria(self):
        ncols = self.area[3] - self.area[1] + 1
        out = []
        for field in range(1, ncols + 1):
            values = self.state["criteria"].get(field)
            out.append({"field": field, "type": "values", "values": sorted(values)} if values
                       else {"field": field, "type": "none"})
        return out

    def apply_values(self, field: int, values: list[str]) -> None:
        self.state["criteria"][field] = set(values)
        self._apply()

    def clear(self, field: int | None = None) -> None:
        if field is None:
            self.state["criteria"].clear()
        else:
            self.state["criteria"].pop(field, None)
        self._apply()

    def _unsupported(self, *args, **kwargs):
        raise NotImplementedError("headless engine: AutoFilter by value lists only")

    apply_comparison = apply_top_items = apply_bottom_items = _unsupported
    apply_top_percent = apply_bottom_percent = _unsupported


def _ref(area) -> str:
    r1, c1, r2, c2 = area
    return f"{get_column_letter(c1)}{r1}:{get_column_letter(c2)}{r2}"
