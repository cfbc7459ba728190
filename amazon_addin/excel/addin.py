"""What the ribbon does to a workbook, through xlwings' public API only.

The same functions run in Excel (RunPython, COM) and headless (the openpyxl engine), so the command
line's `verifier --out` and the tests exercise exactly what the user's buttons do. Every write that
carries text from the export goes to cells formatted as Text (`@`), so it can never become a formula.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from collections import defaultdict
from datetime import date, datetime
from pathlib import PureWindowsPath

from .. import columns as C
from .. import findings as F
from .. import values
from ..checks import Verification, verify_table
from ..reader import Table, build_table, read_grid
from ..settings import Settings
from . import marks

ORDER_SHEET = "Commandes"
CONTROLS_SHEET = "Contrôles"
PREVIEW_SHEET = "Aperçu"
ALERTS_SHEET = "Alertes stock"
SETTINGS_SHEET = "Paramètres"
REGISTRY_SHEET = "_AmazonImport"
INVOICE_HEADER = "N° facture"
OWN_SHEETS = (CONTROLS_SHEET, PREVIEW_SHEET, ALERTS_SHEET, SETTINGS_SHEET, REGISTRY_SHEET)
SHEET_NAME_MAX = 31
_SHEET_NAME_FORBIDDEN = re.compile(r"[\x00-\x1f:\\/?*\[\]]")  # Excel refuses these in a sheet name

RED = (255, 199, 206)
ORANGE = (255, 213, 153)
BLUE = (221, 235, 247)
GREEN = (198, 239, 206)
FILL = {F.ERROR: RED, F.WARNING: ORANGE, F.INFO: BLUE}
LABEL = {F.ERROR: "Erreur", F.WARNING: "Avertissement", F.INFO: "Information"}
TEXT = "@"


# ------------------------------------------------------------------------------------------ sheets

def find_sheet(book, name: str):
    """The sheet, or None: one lookup (COM raises "Invalid index" for a missing name)."""
    try:
        return book.sheets[name]
    except Exception:  # KeyError headless, pywintypes.com_error in Excel
        return None


def get_or_add_sheet(book, name: str, hidden: bool = False):
    sheet = find_sheet(book, name)
    if sheet is not None:
        return sheet
    sheet = book.sheets.add(name, after=book.sheets[len(book.sheets) - 1])
    if hidden:
        sheet.visible = False
    return sheet


def order_sheet(book, addin: bool = False):
    """The .xlsm works on `Commandes`; the add-in on the active sheet of the active workbook."""
    sheet = None if addin else find_sheet(book, ORDER_SHEET)
    return sheet if sheet is not None else book.sheets.active


def read_block(sheet) -> list[list]:
    """The whole used block, aligned from A1 with the sheet's rows and columns, in three round trips:
    `raw_value` skips xlwings' conversion layer, which costs some fifteen more COM reads."""
    used = sheet.used_range
    address = used.address
    data = used.raw_value
    if not isinstance(data, (list, tuple)):
        data = [[data]]
    top_left = address.split(":")[0].replace("$", "")
    col, row = marks.split_cell(top_left)
    pad = [None] * C.index_of(col)
    rows = [[None] * 0 for _ in range(row - 1)]
    for r in data:
        rows.append(pad + [_naive(v) for v in r])
    return rows or [[]]


def _naive(v):
    # pywin32 hands Excel dates back as UTC-aware datetimes; a cell has no time zone: keep the wall time.
    if isinstance(v, datetime) and v.tzinfo is not None:
        return v.replace(tzinfo=None)
    return v


def read_order_table(sheet) -> Table:
    return build_table(f"{sheet.book.name}!{sheet.name}", "excel", read_block(sheet))


def _escape_sheet(name: str) -> str:
    return name.replace("'", "''").replace('"', '""')


def _link(sheet_name: str, cell: str) -> str:
    # Built by the add-in from a sheet name and an address it computed: never from export text.
    return f'=HYPERLINK("#\'{_escape_sheet(sheet_name)}\'!{cell}","{cell}")'


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
    sheet.range(address).raw_value = rows
    return address


def write_text_block(sheet, top: str, rows: list[list]) -> None:
    """Text-format the target then write it: strangers' `=`, `+`, `-`, `@` stay text."""
    if not rows:
        return
    col, row = marks.split_cell(top)
    ncols = max(len(r) for r in rows)
    sheet.range(_rect(row, C.index_of(col), len(rows), ncols)).number_format = TEXT
    put(sheet, top, rows)


# -------------------------------------------------------------------------------------- the registry

def _registry_read(book) -> dict[str, list[str]]:
    """Addresses of the marks Vérifier left last time, by kind (`fill`, `note`, `fix`)."""
    sheet = find_sheet(book, REGISTRY_SHEET)
    if sheet is None:
        return {}
    out: dict[str, list[str]] = defaultdict(list)
    for row in read_block(sheet):
        if len(row) >= 3 and row[0] and row[2]:
            out[str(row[0])].append(f"{row[1]}|{row[2]}")
    return out


def _registry_write(book, entries: list[tuple[str, str, str]]) -> None:
    """(kind, sheet name, address) rows, kept in a hidden sheet so the next run clears exactly these."""
    sheet = get_or_add_sheet(book, REGISTRY_SHEET, hidden=True)
    sheet.clear_contents()
    if entries:
        write_text_block(sheet, "A1", [list(e) for e in entries])


def clear_marks(book, kinds=("fill", "note")) -> list[tuple[str, str, str]]:
    """Remove this add-in's previous fills and notes, never the user's own; returns what is kept."""
    kept = []
    registry = _registry_read(book)
    sheets = {s.name: s for s in book.sheets} if registry else {}
    for kind, items in registry.items():
        for item in items:
            sheet_name, address = item.split("|", 1)
            if kind not in kinds:
                kept.append((kind, sheet_name, address))
                continue
            if sheet_name not in sheets:
                continue
            rng = sheets[sheet_name].range(address)
            if kind == "note":
                rng.api.ClearComments()
            else:
                rng.color = None
    return kept


# ---------------------------------------------------------------------------------------- Charger

def sheet_name_for(path, taken) -> str:
    """A new sheet's name for an export: the file's name without its extension, as a legal Excel sheet name
    (31 characters at most, none of : \\ / ? * [ ], no apostrophe at either end), unique among `taken`
    without regard to case as Excel compares them, and never one of the add-in's own sheets (which Vérifier
    rebuilds) nor Excel's reserved "History"."""
    stem = PureWindowsPath(str(path)).stem  # Excel hands over a Windows path; `/` is a separator there too
    base = _SHEET_NAME_FORBIDDEN.sub("_", stem).strip().strip("'").strip() or ORDER_SHEET
    used = {name.casefold() for name in (*taken, *OWN_SHEETS, "History")}
    for n in itertools.count(1):
        suffix = f" ({n})" if n > 1 else ""
        name = base[:SHEET_NAME_MAX - len(suffix)].rstrip().rstrip("'") + suffix
        if name.casefold() not in used:
            return name


def load_export(book, path, settings: Settings, addin: bool = False):
    """Put an export's cells into a sheet: text columns as text (no lost zeros), amounts as numbers.

    The .xlsm loads into its own sheet `Commandes`, emptied first. The add-in works in the user's own
    workbook: it adds a new sheet named after the file, next to the active one (Excel activates it), and
    never writes over a sheet that is already there (COM changes cannot be undone)."""
    grid = read_grid(path, settings.taille_max_mo)
    table = build_table(str(path), grid.format, grid.rows, max_rows=settings.lignes_max)  # validates it
    clear_marks(book, kinds=("fill", "note", "fix"))
    _registry_write(book, [])
    if addin:
        name = sheet_name_for(path, [s.name for s in book.sheets])
        sheet = book.sheets.add(name, after=book.sheets.active)
    else:
        sheet = get_or_add_sheet(book, ORDER_SHEET)
        sheet.clear()
    rows = grid.rows
    width = max((len(r) for r in rows), default=0)
    numeric = {idx for name, idx in table.columns.items() if name in C.MONEY or name == "quantity-purchased"}
    header_idx = table.header_row - 1  # -1 for the letter layout: every row is data
    out = []
    for i, r in enumerate(rows):
        line = []
        for j in range(width):
            v = r[j] if j < len(r) else None
            if v is None or v == "":
                line.append(None)
            elif j in numeric and i != header_idx:
                line.append(_number_or_text(v))
            elif isinstance(v, (datetime, date)):
                line.append(v)
            else:
                line.append(values.as_text(v))
        out.append(line)
    if out and width:
        text_cols = [j for j in range(width) if j not in numeric]
        areas = [f"{C.letter(j)}1:{C.letter(j)}{len(out)}" for j in text_cols]
        for address in marks.pack(areas):
            sheet.range(address).number_format = TEXT
        money = [f"{C.letter(j)}1:{C.letter(j)}{len(out)}" for name, j in table.columns.items() if name in C.MONEY]
        for address in marks.pack(money):
            sheet.range(address).number_format = "0.00"
        put(sheet, "A1", out)
    return sheet, table


def _number_or_text(v):
    try:
        return float(values.parse_money(v))
    except ValueError:
        return values.as_text(v)


# -------------------------------------------------------------------------------------- Vérifier

def note_text(found: list[F.Finding]) -> str:
    parts = []
    for f in sorted(found, key=lambda f: F.SEVERITY_RANK[f.severity]):
        line = f"[{LABEL[f.severity]}] {f.message}"
        if f.suggestion is not None:
            line += f"\nÀ mettre à la place : {F.suggestion_text(f)}"
        parts.append(line)
    return "\n".join(parts)


def apply_marks(book, sheet, result: Verification, status=None) -> dict:
    """Colour and annotate the order sheet; whole rows of already-integrated orders in light blue."""
    t = result.table
    by_cell: dict[str, list[F.Finding]] = defaultdict(list)
    for f in result.findings:
        if f.cell:
            by_cell[f.cell].append(f)
    integrated_rows = sorted({f.row for f in result.findings if f.code == F.AlreadyIntegrated.code})
    by_style: dict[str, list[str]] = defaultdict(list)
    for cell, found in by_cell.items():
        worst = min(found, key=lambda f: F.SEVERITY_RANK[f.severity]).severity
        by_style[worst].append(cell)
    entries = []
    name = sheet.name
    width = max((len(r) for r in t.rows), default=1)
    last_col = C.letter(max(width, len(t.header), 1) - 1)
    for address in marks.row_areas(integrated_rows, last_col):
        sheet.range(address).color = BLUE
        entries.append(("fill", name, address))
    for severity in (F.INFO, F.WARNING, F.ERROR):  # errors last: they win where styles meet
        for address in marks.addresses(by_style.get(severity, [])):
            sheet.range(address).color = FILL[severity]
            entries.append(("fill", name, address))
    notes = 0
    for n, (cell, found) in enumerate(sorted(by_cell.items(), key=lambda kv: marks.split_cell(kv[0])[::-1])):
        try:
            sheet.range(cell).api.AddComment(note_text(found))
            notes += 1
        except Exception:  # the user's own note is there: it is never replaced
            continue
        if status and n % 200 == 0:
            status(f"Vérifier : notes {n}/{len(by_cell)}…")
    entries += [("note", name, a) for a in marks.addresses(list(by_cell))]
    return {"entries": entries, "cells": len(by_cell), "notes": notes}


def write_controls(book, order_sheet_name: str, result: Verification) -> None:
    sheet = get_or_add_sheet(book, CONTROLS_SHEET)
    sheet.clear()
    header = ["Ligne", "Colonne", "Gravité", "Code", "Message", "Suggestion"]
    rows = [[f.row, f.column, LABEL[f.severity], f.code, f.message, F.suggestion_text(f)] for f in result.findings]
    n = len(rows) + 1
    sheet.range(f"C1:G{n}").number_format = TEXT
    links = [[_link(order_sheet_name, f.cell) if f.cell else None] for f in result.findings]
    put(sheet, "A1", [["Cellule"]] + links)
    put(sheet, "B1", [header] + rows)
    sheet.range("A1:G1").font.bold = True


def preview_rows(result: Verification) -> list[list]:
    """Gestan's preview grid: one block per order; columns A–D text, E–I numbers."""
    out = [["Commande", "Client / ligne", "Libellé", "Adresse", "Quantité", "Prix HT", "TVA", "Prix TTC", "% TVA"]]
    for o in result.orders:
        s, b = o.shipping, o.billing
        ship = ", ".join(x for x in (s.line1, s.line2, f"{s.postcode} {s.city}".strip(), s.country) if x)
        bill = ", ".join(x for x in (b.line1, b.line2, f"{b.postcode} {b.city}".strip(), b.country) if x)
        out.append([o.order_id, "Acheteur", o.buyer_name, o.buyer_email])
        out.append([None, "Destinataire", s.name, ship])
        out.append([None, "Payeur", b.name, bill])
        out.append([None, "Téléphone", o.buyer_phone or s.phone, None])
        if o.b2b:
            out.append([None, "Professionnel", o.company, " ".join(x for x in (o.vat_number, o.po_number) if x)])
        out.append([None, "Code", "Libellé", None, "Quantité", "Prix HT", "TVA", "Prix TTC", "% TVA"])
        for line in o.lines:
            out.append([None, line.product_code, line.label, None, line.quantity, float(line.ht), float(line.tva),
                        float(line.ttc), float(line.rate)])
        out.append([None, None, f"Total {o.currency} — facture du {o.invoice_date.strftime('%d/%m/%Y')}", None, None,
                    float(o.total_ht), float(o.total_tva), float(o.total_ttc), None])
        euros = o.euros()
        if o.currency != "EUR" and euros is not None:  # the books are in euros: what this invoice weighs there
            out.append([None, None, f"En euros — taux BCE {format(o.taux_change.normalize(), 'f')} {o.currency} "
                        f"pour 1 EUR, vente du {o.sale_date.strftime('%d/%m/%Y')}", None, None,
                        float(euros[0]), float(euros[1]), float(euros[2]), None])
        regime = f"Régime {o.regime}" + (f" — {o.mention}" if o.mention else "")
        if o.taxe_marketplace:
            regime += f" — TVA collectée par Amazon : {format(o.taxe_marketplace, 'f')} {o.currency}"
        out.append([None, None, regime, None, None, None, None, None, None])
        out.append([None] * 9)
    return [r + [None] * (9 - len(r)) for r in out]  # xlwings refuses jagged 2D lists


def write_preview(book, result: Verification) -> None:
    sheet = get_or_add_sheet(book, PREVIEW_SHEET)
    sheet.clear()
    rows = preview_rows(result)
    n = len(rows)
    sheet.range(f"A1:D{n}").number_format = TEXT
    sheet.range(f"F1:H{n}").number_format = "0.00"
    put(sheet, "A1", rows)
    sheet.range("A1:I1").font.bold = True


def run_verifier(book, settings: Settings, facts=None, addin: bool = False, status=None) -> Verification:
    """Vérifier on a workbook: read once, clear own marks, colour, annotate, rebuild Contrôles/Aperçu."""
    sheet = order_sheet(book, addin)
    if status:
        status("Vérifier : lecture de la feuille…")
    table = read_order_table(sheet)
    if status:
        status(f"Vérifier : contrôle de {len(table.rows)} ligne(s)…")
    result = verify_table(table, settings, facts)
    kept = clear_marks(book)
    name = sheet.name
    for kind, sheet_name, address in kept:  # Corriger's green survives; a new finding recolours it below
        if kind == "fix" and sheet_name == name:
            sheet.range(address).color = GREEN
    applied = apply_marks(book, sheet, result, status)
    _registry_write(book, kept + applied["entries"])
    write_controls(book, name, result)
    write_preview(book, result)
    return result


def summary_text(result: Verification) -> str:
    counts = result.counts
    text = (f"{result.order_count} commande(s), {len(result.rows)} ligne(s).\n"
            f"{counts[F.ERROR]} erreur(s), {counts[F.WARNING]} avertissement(s), {counts[F.INFO]} information(s).\n")
    text += "".join(line + "\n" for line in F.count_lines(result.findings))
    if result.has_errors:
        text += "Corrigez les cellules en rouge (la note de chaque cellule dit pourquoi et quoi mettre), puis relancez."
    else:
        text += "Aucune erreur : vous pouvez intégrer."
    if result.notice:
        text += "\n\n" + result.notice
    return text


# --------------------------------------------------------------------------------------- Corriger

def apply_suggestions(book, result: Verification, addin: bool = False) -> int:
    """Write every suggestion into its cell, and mark those cells green: amounts as numbers (a French Excel
    shows 3,52 and sums them), everything else as text."""
    sheet = order_sheet(book, addin)
    fixes = {}
    for f in result.findings:
        if f.cell and f.suggestion is not None and f.severity in (F.ERROR, F.WARNING):
            fixes.setdefault(f.cell, _typed_fix(f))
    if not fixes:
        return 0
    amounts = [cell for cell, value in fixes.items() if isinstance(value, float)]
    texts = [cell for cell, value in fixes.items() if not isinstance(value, float)]
    for address in marks.addresses(texts):
        sheet.range(address).number_format = TEXT
    for address in marks.addresses(amounts):
        sheet.range(address).number_format = "0.00"
    for cell, value in fixes.items():
        sheet.range(cell).raw_value = value
    entries = []
    for address in marks.addresses(list(fixes)):
        sheet.range(address).color = GREEN
        entries.append(("fix", sheet.name, address))
    registry = [(k, *item.split("|", 1)) for k, items in _registry_read(book).items() for item in items]
    _registry_write(book, registry + entries)
    return len(fixes)


def _typed_fix(f: F.Finding):
    if f.column in C.MONEY:
        try:
            return float(values.parse_money(f.suggestion))
        except ValueError:
            pass
    return f.suggestion


# --------------------------------------------------------------------------------------- Intégrer

def sheet_sha256(table: Table) -> str:
    """What was integrated is the sheet as edited, not the file on disk: hash its cells."""
    h = hashlib.sha256()
    for row in table.rows:
        h.update(json.dumps([values.as_text(v) for v in row], ensure_ascii=False).encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()


def write_invoice_numbers(sheet, table: Table, numbers: dict[int, str]) -> None:
    """Fill the `N° facture` column (added after the last header when absent), as text."""
    header = [str(h or "").strip().casefold() for h in table.header]
    if INVOICE_HEADER.casefold() in header:
        col = header.index(INVOICE_HEADER.casefold())
    else:
        col = len(header) if header else max((len(r) for r in table.rows), default=0)
    letter = C.letter(col)
    last = table.row_numbers[-1] if table.row_numbers else table.header_row
    start = table.header_row or 1
    block = [[INVOICE_HEADER]] if table.header_row else []
    block += [[numbers.get(r)] for r in range(table.header_row + 1, last + 1)]
    sheet.range(f"{letter}{start}:{letter}{max(start, last)}").number_format = TEXT
    put(sheet, f"{letter}{start}", block)


def write_alerts(book, alerts) -> None:
    sheet = get_or_add_sheet(book, ALERTS_SHEET)
    sheet.clear()
    header = ["Code", "Libellé", "Stock avant", "Quantité vendue", "Stock après", "Seuil d'alerte", "Commandes"]
    rows = [[a.code, a.libelle, a.stock_avant, a.quantite, a.stock_apres, a.stock_alerte, ", ".join(a.commandes)]
            for a in alerts]
    n = len(rows) + 1
    sheet.range(f"A1:B{n},G1:G{n}").number_format = TEXT
    put(sheet, "A1", [header] + rows)
    sheet.range("A1:G1").font.bold = True


def invoice_numbers_by_row(summary, result: Verification) -> dict[int, str]:
    numbers = dict(summary.rows_invoice)
    skipped = {d["commande"]: d["numero"] for d in summary.skipped}
    for r in result.rows:
        oid = r.v.get("order-id")
        if oid in skipped:
            numbers[r.number] = skipped[oid]
    return numbers
