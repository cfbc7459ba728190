"""Readable sheets: column widths computed from their content, number and date formats.

Excel honours a width set by the add-in; Autofit would need Excel's layout engine (the headless engine has
none) and makes a column of long messages hundreds of characters wide. Widths here are counted in
characters of the default font, the unit of `ColumnWidth`, rounded up to a few steps so that columns of
similar width are set in one call (one call per distinct width).
"""

from __future__ import annotations

from datetime import date, datetime

from .. import columns as C
from .. import values

DATE = "dd/mm/yyyy"
DATETIME = "dd/mm/yyyy hh:mm"
MONEY = "0.00"
UNIT_PRICE = "0.00##"
TEXT = "@"
STEPS = (6, 8, 10, 12, 14, 16, 20, 24, 28, 32, 40, 50, 60, 80, 100)


def shown_length(v) -> int:
    """Characters a cell needs, as Excel shows it with the add-in's formats."""
    if v is None:
        return 0
    if isinstance(v, bool):
        return 5
    if isinstance(v, float):
        return len(f"{v:,.2f}") if not v.is_integer() or abs(v) >= 1000 else len(f"{v:.2f}")
    if isinstance(v, int):
        return len(str(v))
    if isinstance(v, datetime):
        return 16 if (v.hour, v.minute, v.second) != (0, 0, 0) else 10
    if isinstance(v, date):
        return 10
    text = values.as_text(v)
    if text.startswith("=HYPERLINK("):  # the add-in's links show their last argument
        return len(text.rsplit(",", 1)[-1].strip('")'))
    return max((len(line) for line in text.split("\n")), default=0)


def step(n: float) -> int:
    for s in STEPS:
        if n <= s:
            return s
    return STEPS[-1]


def widths(rows: list[list], header_rows: int = 1, caps: dict[int, int] | None = None,
           floor: int = 6) -> dict[int, int]:
    """Column index → width fitting every cell (headers count one more, being bold), within `caps`."""
    caps = caps or {}
    out: dict[int, float] = {}
    for i, row in enumerate(rows):
        extra = 1 if i < header_rows else 0
        for j, v in enumerate(row):
            n = shown_length(v)
            if n:
                out[j] = max(out.get(j, 0), n + extra)
    return {j: max(floor, min(step(n + 2), caps.get(j, STEPS[-1]))) for j, n in out.items()}


def set_widths(sheet, wanted: dict[int, int], previous: dict | None = None) -> dict[str, int]:
    """Set the widths that changed since `previous` (as stored: letter → width); one call per distinct width."""
    previous = previous or {}
    by_width: dict[int, list[str]] = {}
    for j, w in sorted(wanted.items()):
        letter = C.letter(j)
        if previous.get(letter) != w:
            by_width.setdefault(w, []).append(letter)
    for w, letters in sorted(by_width.items()):
        for address in _column_addresses(letters):
            sheet.range(address).column_width = w
    return {C.letter(j): w for j, w in wanted.items()}


def _column_addresses(letters: list[str]) -> list[str]:
    from .marks import pack

    return pack([f"{x}:{x}" for x in letters])


def typed_date(raw, zone, date1904: bool = False):
    """An export's date as an Excel date (the seller's wall time, which the reader takes back in `zone`),
    or None when it cannot be read (the cell keeps its text, and Vérifier says E_DATE)."""
    try:
        dt = values.parse_datetime(raw, zone, date1904)
    except (ValueError, OverflowError, TypeError):
        return None
    return dt.astimezone(zone).replace(tzinfo=None)


def date_format(dates: list) -> str:
    return DATETIME if any((d.hour, d.minute, d.second) != (0, 0, 0) for d in dates if d is not None) else DATE
