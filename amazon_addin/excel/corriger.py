"""Corriger: every error's and warning's suggestion written into its own cell, typed, in blocks, the old value
kept in the cell's note, then one Vérifier of the sheet as corrected (`verifier --out --appliquer` is the same).

A suggestion only ever replaces the value it corrects (derived VAT goes in the tax cell, never over a price);
the suggestions a fix reveals are found in memory first (checks cost no round trip), so Corriger twice is
Corriger once.
"""

from __future__ import annotations

import itertools
from collections import defaultdict

from .. import columns as C
from .. import findings as F
from .. import values
from ..checks import Verification
from ..settings import Settings
from ..text import plural
from . import layout, marking, marks
from .addin import Pass
from .sheets import TEXT, _com, put


def typed_suggestion(column: str, suggestion: str, settings: Settings):
    """(value, number format) Corriger writes: amounts as numbers, dates as dates, all else as text."""
    name = C.canonical(column) or column
    if name in C.MONEY:
        try:
            return float(values.parse_money(suggestion)), layout.MONEY
        except ValueError:
            pass
    if name in C.DATES:
        typed = layout.typed_date(suggestion, settings.zone)
        if typed is not None:
            return typed, layout.date_format([typed])
    return suggestion, TEXT


def write_fixes(sheet, fixes: dict) -> dict:
    """`fixes`: (row, col) → (value, format). Formats in packed addresses; runs of three cells or more down
    a column in one write each. Returns the single cells left to write, which go through the Range their
    note needs anyway."""
    by_format: dict[str, list[str]] = defaultdict(list)
    for (r, c), (_, fmt) in fixes.items():
        by_format[fmt].append(marking.cell_name(r, c))
    for fmt, cells in by_format.items():
        for address in marks.addresses(cells):
            sheet.range(address).number_format = fmt
    singles = {}
    for c in sorted({c for _, c in fixes}):
        rows = sorted(r for r, cc in fixes if cc == c)
        for _, run in itertools.groupby(enumerate(rows), key=lambda t: t[1] - t[0]):
            run = [r for _, r in run]
            if len(run) >= 3:
                put(sheet, marking.cell_name(run[0], c), [[fixes[(r, c)][0]] for r in run])
            else:
                singles.update({(r, c): _com(sheet, [[fixes[(r, c)][0]]])[0][0] for r in run})
    return singles


def suggested_fixes(result: Verification, block: list[list], settings: Settings) -> dict:
    """(row, col) → (typed value, format) for each error's and warning's suggestion that changes its cell.
    One value per cell: the order's own (already repaired) value wins over a cell's lone repair, which
    would leave the order incoherent; then the worst finding's."""
    fixes = {}
    for f in sorted(result.findings, key=lambda f: (f.code != F.OrderMismatch.code, F.SEVERITY_RANK[f.severity])):
        if not f.cell or f.suggestion is None or f.severity not in (F.ERROR, F.WARNING):
            continue
        pos = marking.cell_pos(f.cell)
        r, c = pos
        if pos in fixes:
            continue
        raw = block[r - 1][c] if c < len(block[r - 1]) else None
        value = typed_suggestion(f.column, f.suggestion, settings)
        if value[0] != raw:
            fixes[pos] = value
    return fixes


CORRIGER_ROUNDS = 5  # a fix can reveal the next one (an order made coherent can now have its VAT derived)


def run_corriger(book, settings: Settings, addin: bool = False, status=None, facts_for=None):
    """Corriger on the order sheet; returns (cells written, result of the Vérifier that follows)."""
    p = Pass(book, settings, addin, status)
    result = p.verify(facts_for)
    original = [list(r) for r in p.block]
    fixes: dict = {}
    for _ in range(CORRIGER_ROUNDS):
        more = suggested_fixes(result, p.block, settings)
        if not more:
            break
        for (r, c), (value, _) in more.items():
            row = p.block[r - 1]
            row.extend([None] * (c + 1 - len(row)))
            row[c] = value
        fixes.update(more)
        p.rebuild()
        result = p.verify(facts_for)
    originals = {}
    for (r, c) in list(fixes):
        before = original[r - 1][c] if r - 1 < len(original) and c < len(original[r - 1]) else None
        if fixes[(r, c)][0] == before:
            del fixes[(r, c)]  # changed, then changed back
        else:
            originals[(r, c)] = values.as_text(before)
    singles = {}
    if fixes:
        p.status(f"Corriger : {plural(len(fixes), 'cellule')}…")
        singles = write_fixes(p.sheet, fixes)
    p.mark(result, originals, writes=singles)
    p.publish(result)
    return len(fixes), result
