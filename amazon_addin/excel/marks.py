"""Cells grouped into few Excel addresses: each multi-area address costs one COM round trip.

Excel refuses a Range address longer than 255 characters, so cells of one style are packed into
vertical runs (`M5:M9`) and the runs into comma-separated addresses of at most 255 characters.
"""

from __future__ import annotations

import re
from collections import defaultdict

MAX_ADDRESS = 255
_CELL_RE = re.compile(r"^([A-Z]{1,3})(\d+)$")


def split_cell(cell: str) -> tuple[str, int]:
    m = _CELL_RE.match(cell)
    if not m:
        raise ValueError(f"not a cell address: {cell!r}")
    return m.group(1), int(m.group(2))


def runs(cells) -> list[str]:
    """Cells → areas: contiguous rows of one column become `C5:C9`; order is column then row."""
    by_col: dict[str, set[int]] = defaultdict(set)
    for cell in cells:
        col, row = split_cell(cell)
        by_col[col].add(row)
    out = []
    for col in sorted(by_col, key=lambda c: (len(c), c)):
        rows = sorted(by_col[col])
        start = prev = rows[0]
        for r in rows[1:] + [None]:
            if r is not None and r == prev + 1:
                prev = r
                continue
            out.append(f"{col}{start}" if start == prev else f"{col}{start}:{col}{prev}")
            if r is not None:
                start = prev = r
    return out


def pack(areas: list[str], limit: int = MAX_ADDRESS) -> list[str]:
    """Areas joined by commas into addresses no longer than `limit` characters."""
    out, current = [], ""
    for area in areas:
        candidate = f"{current},{area}" if current else area
        if len(candidate) > limit and current:
            out.append(current)
            current = area
        else:
            current = candidate
    if current:
        out.append(current)
    return out


def addresses(cells) -> list[str]:
    return pack(runs(cells))


def row_areas(rows, last_col: str) -> list[str]:
    """Whole rows `A5:BD9` (contiguous rows merged), packed."""
    ordered = sorted(set(rows))
    areas = []
    if ordered:
        start = prev = ordered[0]
        for r in ordered[1:] + [None]:
            if r is not None and r == prev + 1:
                prev = r
                continue
            areas.append(f"A{start}:{last_col}{prev}")
            if r is not None:
                start = prev = r
    return pack(areas)
