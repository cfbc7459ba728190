"""The add-in's marks on the order sheet (fills and notes), kept apart from the user's own, wherever the
user moves the cells.

What the add-in did is kept in the hidden sheet `_AmazonImport` (the registry): per marked cell, the fill it
painted, a hash of its note, whether the user had a note of their own there, the fill the cell had before,
and for Corriger the value it replaced; per marked row a fingerprint of the row's values; per sheet its
header. Excel moves fills and notes with the cells when the user inserts or deletes columns or rows, or
sorts; values move with them. So before touching anything, `track` finds each marked row where it is now
(its fingerprint, over the columns the add-in never asked to edit) and each column by its header, and falls
back to reading the note it expects to find there, then to searching the sheet's notes for the add-in's
own, recognised by their markers. Filtering and hiding move nothing.

`apply` then changes only what differs between what is there and what is wanted: a second Vérifier that
finds the same problems costs no note and no fill. A user's note is never replaced: the add-in's text is
added after it between `[AmazonImport]` and `[/AmazonImport]`, and cut out again when its mark goes; a
user's fill is read before it is painted over (one read per group of cells, bisected only where the group
is mixed) and put back when the mark goes.

Known limit: a note the add-in created on a cell that had none is the add-in's; text a user types into it
goes with it.
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass

from .. import columns as C
from .. import values
from . import marks
from .registry import CellMark, SheetMarks, cell_name, cell_pos

NOTE_START, NOTE_END = "[AmazonImport]", "[/AmazonImport]"

RED = (255, 199, 206)
ORANGE = (255, 213, 153)
BLUE = (221, 235, 247)
GREEN = (198, 239, 206)

_USER = object()  # a cell the add-in never painted: whatever the user put there


# ------------------------------------------------------------------------------------------- notes

def block(text: str) -> str:
    """The add-in's part of a note, between markers that let it be found and cut out again."""
    return f"{NOTE_START}\n{text}\n{NOTE_END}"


def combine(user: str | None, ours: str) -> str:
    return ours if not user else f"{user}\n\n{ours}"


def strip(text: str | None) -> str:
    """A note's text without the add-in's part (what the user wrote, before or after it)."""
    if not text:
        return ""
    start = text.rfind(NOTE_START)
    if start < 0:
        return text
    end = text.find(NOTE_END, start)
    end = len(text) if end < 0 else end + len(NOTE_END)
    return (text[:start].rstrip("\n") + ("\n" + text[end:].lstrip("\n") if text[end:].strip() else "")).strip("\n")


def ours_in(text: str | None) -> str | None:
    if not text or NOTE_START not in text:
        return None
    start = text.rfind(NOTE_START)
    end = text.find(NOTE_END, start)
    return text[start:] if end < 0 else text[start:end + len(NOTE_END)]


def digest(text: str | None) -> str | None:
    return None if text is None else hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


# ---------------------------------------------------------------------------------------- tracking

def fold_header(block: list[list], header_row: int) -> list[str]:
    if not header_row or len(block) < header_row:
        return []
    return [C.normalise_header(v) for v in block[header_row - 1]]


def fingerprint(row: list, cols) -> str:
    texts = [values.as_text(row[c]) if c < len(row) and row[c] is not None else "" for c in cols]
    return hashlib.blake2b("\x1f".join(texts).encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


def align(old: list[str], new: list[str], old_width: int, new_width: int) -> tuple[dict[int, int], list[int]]:
    """Old column → new column (deleted ones absent), and the columns inserted since. Headers are matched
    in order (renamed headers keep their place); a sheet without a header keeps its columns."""
    if not old or not new:
        width = max(old_width, new_width)
        return {c: c for c in range(width)}, []
    mapping, inserted = {}, []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal" or (op == "replace" and i2 - i1 == j2 - j1):
            mapping.update({i1 + k: j1 + k for k in range(i2 - i1)})
        elif op in ("insert", "replace"):
            inserted += range(j1, j2)
    for c in range(len(old), old_width):  # cells right of the header (e.g. a column the add-in added)
        mapping.setdefault(c, c + (new_width - old_width) if new_width >= old_width else c)
    return mapping, sorted(inserted)


class Tracked:
    """The registry's marks of one sheet, moved to where the cells are now."""

    def __init__(self, state: SheetMarks, lost: int = 0):
        self.state = state
        self.lost = lost  # marked rows that could not be found (deleted, or moved and edited)


def track(old: SheetMarks | None, block: list[list], header_row: int, probe=None, search=None) -> Tracked:
    """Where the marks of `old` are now, given the sheet's values `block` (aligned from A1).

    `probe(cell)` returns the note text at a cell (the sheet's, read over COM) and `search()` every
    (cell, note text) of the sheet; both are only called for rows whose values no longer say where they
    went (moved and edited, or edited outside the marked cells)."""
    if old is None or not (old.cells or old.blue):
        return Tracked(SheetMarks())
    new_header = fold_header(block, header_row)
    new_width = max((len(r) for r in block), default=0)
    colmap, inserted = align(old.header, new_header, old.width, new_width)
    excluded = set(old.excluded)
    fp_cols = [(c, colmap[c]) for c in range(old.width) if c not in excluded and c in colmap]
    new_cols = [n for _, n in fp_cols]
    first = header_row + 1
    n_rows = len(block)

    def fp_now(r):
        return fingerprint(block[r - 1], new_cols) if 1 <= r <= n_rows else None

    rowmap, claimed = {}, set()
    for r, fp in old.rows.items():
        if fp_now(r) == fp:
            rowmap[r] = r
            claimed.add(r)
    pending = sorted(r for r in old.rows if r not in rowmap)
    if pending:
        by_fp: dict[str, list[int]] = {}
        for r in range(first, n_rows + 1):
            if r not in claimed:
                by_fp.setdefault(fp_now(r), []).append(r)
        still = []
        for r in pending:
            candidates = by_fp.get(old.rows[r])
            if candidates:
                rowmap[r] = candidates.pop(0)
                claimed.add(rowmap[r])
            else:
                still.append(r)
        pending = still
    if pending and probe is not None:
        pending = _probe_rows(old, pending, colmap, rowmap, claimed, probe, search)
    state = SheetMarks(header=new_header, width=new_width)
    for (r, c), cm in old.cells.items():
        if r in rowmap and c in colmap:
            state.cells[(rowmap[r], colmap[c])] = cm
    for r, last in old.blue.items():
        if r in rowmap:
            spanned = [colmap[c] for c in range(last + 1) if c in colmap]
            if spanned:
                state.blue[rowmap[r]] = _extend(max(spanned), inserted)
    _format_copies(state, inserted, block, claimed, first)
    return Tracked(state, lost=len(pending))


def _probe_rows(old, pending, colmap, rowmap, claimed, probe, search):
    """Rows whose fingerprint is nowhere: edited in place (their note is still where it was), or edited and
    moved (their note is found among the sheet's notes by its hash)."""
    noted = {}
    for (r, c), cm in old.cells.items():
        if cm.note and r in pending and c in colmap:
            noted.setdefault(r, (c, cm.note))
    still, moved = [], []
    for r in pending:
        if r not in noted:
            still.append(r)  # nothing to check it by: assume the row stayed, as most edits do
            rowmap[r] = r
            continue
        c, note = noted[r]
        if r not in claimed and digest(ours_in(probe(cell_name(r, colmap[c])))) == note:
            rowmap[r] = r
            claimed.add(r)
        else:
            moved.append(r)
    if moved and search is not None:
        where: dict[str, list[int]] = {}
        for cell, text in search():
            h = digest(ours_in(text))
            if h is not None:
                where.setdefault(h, []).append(cell_pos(cell)[0])
        lost = []
        for r in moved:
            rows = [x for x in where.get(noted[r][1], []) if x not in claimed]
            if rows:
                rowmap[r] = rows[0]
                claimed.add(rows[0])
            else:
                lost.append(r)
        return lost
    return moved


def _extend(last: int, inserted: list[int]) -> int:
    """Columns inserted right after a span took its format from the left: they belong to it now."""
    ins = set(inserted)
    while last + 1 in ins:
        last += 1
    return last


def _format_copies(state: SheetMarks, inserted: list[int], block, claimed: set[int], first: int) -> None:
    """Excel gives inserted cells the format on their left (columns) or above (rows): the add-in's fills
    copied so are the add-in's to take back."""
    ins = set(inserted)
    trailing, c = set(), state.width - 1
    while c in ins:  # columns added after the others (N° facture) were typed in, not inserted
        trailing.add(c)
        c -= 1
    for c in inserted:
        if c in trailing:
            continue
        left = c - 1
        while left in ins:
            left -= 1
        for (r, lc), cm in list(state.cells.items()):
            if lc == left and cm.fill is not None and (r, c) not in state.cells:
                state.cells[(r, c)] = CellMark(fill=cm.fill, painted=True, user_fill=cm.user_fill)
    marked_rows = {r for r, _ in state.cells} | set(state.blue)
    for r in range(first, len(block) + 1):
        if r in claimed or r - 1 not in marked_rows or any(v not in (None, "") for v in block[r - 1]):
            continue  # only a blank row inserted under a marked one is a copy of its formats
        for (ar, c), cm in list(state.cells.items()):
            if ar == r - 1 and cm.fill is not None:
                state.cells.setdefault((r, c), CellMark(fill=cm.fill, painted=True, user_fill=cm.user_fill))
        if r - 1 in state.blue:
            state.blue.setdefault(r, state.blue[r - 1])


# ------------------------------------------------------------------------------------------ wanted

KEEP = object()  # no value to write


@dataclass
class Want:
    """What the add-in wants on one cell: its fill, its note block (None: no note), and for Corriger the
    value to write there (through the same Range as the note: one round trip saved a cell)."""
    fill: tuple | None
    note: str | None
    fix: str | None = None
    value: object = KEEP


# ------------------------------------------------------------------------------------------- apply

def read_fill(sheet, address):
    """None, a colour, or _MIXED (xlwings raises on a range whose cells differ)."""
    return _colour_of(sheet.range(address))


def _colour_of(rng):
    try:
        return rng.color
    except Exception:  # noqa: BLE001 - TypeError from xlwings' int_to_rgb(None) on Windows
        return _MIXED


_MIXED = object()


def cells_of(address: str) -> list[tuple[int, int]]:
    out = []
    for area in address.split(","):
        a, _, b = area.partition(":")
        r1, c1 = cell_pos(a)
        r2, c2 = cell_pos(b) if b else (r1, c1)
        out += [(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]
    return out


def user_fills(sheet, cells: list[tuple[int, int]], known_blank: bool = False) -> dict:
    """The fills the user has on `cells`, read in groups (a group that is mixed is halved until it is not)."""
    out = {}
    if known_blank:
        return {pos: None for pos in cells}

    def check(group):
        for address in marks.addresses([cell_name(*p) for p in group]):
            colour = read_fill(sheet, address)
            inside = cells_of(address)
            if colour is _MIXED and len(inside) > 1:
                half = len(inside) // 2
                check(inside[:half])
                check(inside[half:])
            else:
                out.update({p: None if colour is _MIXED else colour for p in inside})

    if cells:
        check(sorted(cells, key=lambda p: (p[1], p[0])))
    return out


def paint(sheet, by_colour: dict) -> None:
    for colour, cells in by_colour.items():
        for address in marks.addresses([cell_name(*p) for p in cells]):
            sheet.range(address).color = colour


def apply(sheet, now: SheetMarks, want: dict[tuple[int, int], Want], want_blue: dict[int, int],
          status=None) -> SheetMarks:
    """Make the sheet show `want` (cells) and `want_blue` (rows) where it shows `now`; returns the new state."""
    cells = now.cells
    old_blue = now.blue

    def blue_at(spans, r, c):
        return r in spans and c <= spans[r]

    entering = {r: last for r, last in want_blue.items() if old_blue.get(r) != last}
    leaving = {r: last for r, last in old_blue.items() if want_blue.get(r) != last}

    def shows(own_fill, spans, pos):
        """A cell's fill: the add-in's own mark, else its light-blue row, else what the user had."""
        if own_fill is not None:
            return own_fill
        if blue_at(spans, *pos):
            return BLUE
        cm = cells.get(pos)
        return cm.user_fill if cm is not None and cm.painted else _USER

    def current(pos):
        cm = cells.get(pos)
        return shows(cm.fill if cm is not None else None, old_blue, pos)

    def final(pos):
        w = want.get(pos)
        return shows(w.fill if w is not None else None, want_blue, pos)

    # 1. What the user has under the cells about to be painted for the first time.
    fresh = [p for p in want if want[p].fill is not None and current(p) is _USER]
    fresh += [(r, c) for r, last in entering.items() for c in range(last + 1)
              if current((r, c)) is _USER and (r, c) not in want]
    never_painted = not any(cm.painted for cm in cells.values()) and not old_blue
    blank = never_painted and bool(fresh) and _colour_of(sheet.used_range) is None  # a fresh export: no fill
    for pos, colour in user_fills(sheet, list(dict.fromkeys(fresh)), known_blank=blank).items():
        if colour is None and pos not in want:
            continue  # under a light-blue row, no fill to give back: nothing to remember
        cm = cells.setdefault(pos, CellMark())
        cm.painted, cm.user_fill = True, colour

    # 2. Light-blue rows: whole spans at once, then the cells inside them that show something else.
    after: dict = {}
    _paint_spans(sheet, leaving, None, after)
    _paint_spans(sheet, entering, BLUE, after)

    # 3. Cells whose fill differs from what they should show.
    touched = set(cells) | set(want) | {p for p in after if p in cells or p in want}
    by_colour: dict = {}
    for pos in touched:
        cur = after.get(pos, current(pos))
        fin = final(pos)
        if fin is _USER or cur == fin:
            continue
        by_colour.setdefault(fin, []).append(pos)
    paint(sheet, by_colour)

    # 4. Notes: cut out, replaced or added only where they change.
    _notes(sheet, cells, want, status)

    # 5. The new state: what the add-in still has on the sheet.
    state = SheetMarks(blue=dict(want_blue))
    for pos in set(cells) | set(want):
        cm = cells.get(pos, CellMark())
        w = want.get(pos)
        new = CellMark(fill=w.fill if w else None, note=digest(w.note) if w and w.note else None,
                       user_note=cm.user_note if w and w.note else False, fix=w.fix if w else None)
        covered = new.fill is not None or blue_at(want_blue, *pos)
        if covered:
            new.painted, new.user_fill = cm.painted, cm.user_fill
        if new.fill is None and new.note is None and not new.fix and not (covered and new.user_fill is not None):
            continue
        state.cells[pos] = new
    return state


def _paint_spans(sheet, spans: dict[int, int], colour, after: dict) -> None:
    """Rows from A to their last column in `colour`, grouped by span; `after` learns what each cell shows."""
    by_last: dict[int, list[int]] = {}
    for r, last in spans.items():
        by_last.setdefault(last, []).append(r)
    for last, rows in by_last.items():
        for address in marks.row_areas(rows, C.letter(last)):
            sheet.range(address).color = colour
        for r in rows:
            after.update({(r, c): colour for c in range(last + 1)})


def _notes(sheet, cells, want, status) -> None:
    clear, add, replace, cut = [], [], [], []
    values = {pos: w.value for pos, w in want.items() if w.value is not KEEP}

    def cell_range(pos):
        rng = sheet.range(cell_name(*pos))
        if pos in values:
            rng.raw_value = values.pop(pos)
        return rng

    for pos in set(cells) | set(want):
        cm = cells.get(pos)
        old = cm.note if cm is not None else None
        w = want.get(pos)
        new = w.note if w is not None else None
        if digest(new) == old:
            continue
        if old is None:
            add.append(pos)
        elif new is None:
            (cut if cm.user_note else clear).append(pos)
        elif cm.user_note:
            replace.append(pos)
        else:  # the add-in's note alone: cleared with the others in a few calls, then added anew
            clear.append(pos)
            add.append(pos)
    for address in marks.addresses([cell_name(*p) for p in clear]):
        sheet.range(address).api.ClearComments()
    for pos in cut:  # the user's own text stays, as it is now
        rng = cell_range(pos)
        note = rng.note
        if note is not None:
            rest = strip(note.text)
            if rest:
                note.text = rest
            else:
                note.delete()  # the user emptied their part meanwhile: no empty note left behind
        cells[pos].user_note = False
    for pos in replace:  # the user's text kept as it is now, the add-in's part replaced
        note = cell_range(pos).note
        if note is not None:
            note.text = combine(strip(note.text), want[pos].note)
        else:
            add.append(pos)
    for n, pos in enumerate(sorted(add, key=lambda p: (p[0], p[1]))):
        rng = cell_range(pos)
        text = want[pos].note
        try:
            rng.api.AddComment(text)
        except Exception:  # noqa: BLE001 - the user's own note is there: ours goes after it, never in its place
            note = rng.note
            user = strip(note.text) if note is not None else ""
            if note is not None:
                note.text = combine(user, text)
            cell = cells.setdefault(pos, CellMark())
            cell.user_note = bool(user)
        if status and n and n % 200 == 0:
            status(f"Vérifier : notes {n}/{len(add)}…")
    for pos, value in values.items():  # values on cells whose note stays as it is
        sheet.range(cell_name(*pos)).raw_value = value


def search_notes(sheet) -> list[tuple[str, str]]:
    """Every (cell, text) of the sheet's notes: the slow path, four round trips a note."""
    out = []
    for note in sheet.notes:
        try:
            out.append((note.api.Parent.Address.replace("$", ""), note.text))
        except Exception:  # noqa: BLE001 - a note Excel cannot describe is not one of ours
            continue
    return out


def probe_note(sheet, cell: str) -> str | None:
    note = sheet.range(cell).note
    return None if note is None else note.text
