"""What the ribbon does to a workbook, through xlwings' public API only.

The same functions run in Excel (RunPython, COM) and headless (the openpyxl engine), so the command
line's `verifier --out` and the tests exercise exactly what the user's buttons do. Every write that
carries text from the export goes to cells formatted as Text (`@`), so it can never become a formula.
Each button reads the order sheet once and the add-in's registry once, writes in blocks, and leaves the
order sheet active with the first error selected (`finish`).
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
from ..errors import AddinError, SettingsError
from ..reader import Table, build_table, read_grid
from ..settings import Settings
from ..text import plural
from . import layout, marking, marks
from .marking import BLUE, GREEN, ORANGE, RED
from .registry import REGISTRY_SHEET, Registry
from .sheets import (OwnSheet, TEXT, clear_legacy, find_sheet, finish, get_or_add_sheet, put, read_block,
                     save_registry)

ORDER_SHEET = "Commandes"
CONTROLS_SHEET = "Contrôles"
PREVIEW_SHEET = "Aperçu"
ALERTS_SHEET = "Alertes stock"
SETTINGS_SHEET = "Paramètres"
INVOICE_HEADER = "N° facture"
OWN_SHEETS = (CONTROLS_SHEET, PREVIEW_SHEET, ALERTS_SHEET, SETTINGS_SHEET, REGISTRY_SHEET)
SHEET_NAME_MAX = 31
_SHEET_NAME_FORBIDDEN = re.compile(r"[\x00-\x1f:\\/?*\[\]]")  # Excel refuses these in a sheet name

FILL = {F.ERROR: RED, F.WARNING: ORANGE, F.INFO: BLUE}
LABEL = {F.ERROR: "Erreur", F.WARNING: "Avertissement", F.INFO: "Information"}
# One note for cells that say the same thing (SPEC §7: every such cell coloured, the first carries the note).
ONCE_PER_VALUE = {F.NewProduct.code, F.NewCity.code, F.AlreadyIntegrated.code}


# ------------------------------------------------------------------------------------------ sheets

def is_own_sheet(name: str) -> bool:
    return name.casefold() in {n.casefold() for n in OWN_SHEETS}


def order_sheet(book, addin: bool = False, registry=None, sheets=None, with_focus: bool = False):
    """The .xlsm works on `Commandes`; the add-in on the active sheet, unless that is one of its own sheets
    (Contrôles, Aperçu...): then on the order sheet it worked on last. With `with_focus`, returns
    (sheet, whether it is the active sheet)."""
    sheets = sheets if sheets is not None else book.sheets
    sheet = None if addin else find_sheet(sheets, ORDER_SHEET)
    if sheet is not None:
        return (sheet, False) if with_focus else sheet  # the user may be on another sheet: activate it
    active = sheets.active
    name = active.name
    found, focused = None, False
    if not is_own_sheet(name):
        found, focused = active, True
    elif registry is not None and registry.last and not is_own_sheet(registry.last):
        found = find_sheet(sheets, registry.last)
    if found is None:
        raise AddinError(f"La feuille active est « {name} », une feuille de l'add-in : activez la feuille "
                         "des commandes, puis recommencez.")
    return (found, focused) if with_focus else found


def read_order_table(sheet) -> Table:
    return build_table(f"{sheet.book.name}!{sheet.name}", "excel", read_block(sheet))


def _escape_sheet(name: str) -> str:
    return name.replace("'", "''").replace('"', '""')


def _link(sheet_name: str, cell: str) -> str:
    # Built by the add-in from a sheet name and an address it computed: never from export text.
    return f'=HYPERLINK("#\'{_escape_sheet(sheet_name)}\'!{cell}","{cell}")'


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
    """Put an export's cells into a sheet, readable: text columns as text (no lost zeros, no formula),
    amounts as numbers with two decimals, dates as dates (the seller's time, dd/mm/yyyy), widths fitted.

    The .xlsm loads into its own sheet `Commandes`, emptied first. The add-in works in the user's own
    workbook: it adds a new sheet named after the file, next to the active one (Excel activates it), and
    never writes over a sheet that is already there (COM changes cannot be undone)."""
    grid = read_grid(path, settings.taille_max_mo)
    table = build_table(str(path), grid.format, grid.rows, max_rows=settings.lignes_max)  # validates it
    registry = Registry.read(book, find_sheet)
    clear_legacy(book, registry)
    if addin:
        name = sheet_name_for(path, [s.name for s in book.sheets])
        sheet = book.sheets.add(name, after=book.sheets.active)
    else:
        sheet = get_or_add_sheet(book, ORDER_SHEET)
        sheet.clear()
    registry.sheets.pop(sheet.name, None)  # its marks went with its cells
    registry.last = sheet.name
    rows = grid.rows
    width = max((len(r) for r in rows), default=0)
    numeric = {idx for name, idx in table.columns.items() if name in C.MONEY or name == "quantity-purchased"}
    dated = {idx for name, idx in table.columns.items() if name in C.DATES}
    header_idx = table.header_row - 1  # -1 for the letter layout: every row is data
    date1904 = grid.date1904
    out, dates = [], defaultdict(list)
    for i, r in enumerate(rows):
        line = []
        for j in range(width):
            v = r[j] if j < len(r) else None
            if v is None or v == "":
                line.append(None)
            elif i == header_idx:
                line.append(values.as_text(v))
            elif j in numeric:
                line.append(_number_or_text(v))
            elif j in dated:
                typed = layout.typed_date(v, settings.zone, date1904)
                dates[j].append(typed)
                line.append(typed if typed is not None else values.as_text(v))
            elif isinstance(v, (datetime, date)):
                line.append(v)
            else:
                line.append(values.as_text(v))
        out.append(line)
    if out and width:
        money = {idx for name, idx in table.columns.items() if name in C.MONEY}
        by_format: dict[str, list[str]] = defaultdict(list)
        for j in range(width):  # whole columns: rows the user adds take the format too
            fmt = (layout.MONEY if j in money else None) if j in numeric else \
                layout.date_format(dates[j]) if j in dated else TEXT
            if fmt:
                by_format[fmt].append(f"{C.letter(j)}:{C.letter(j)}")
        for fmt, areas in by_format.items():
            for address in marks.pack(areas):
                sheet.range(address).number_format = fmt
        put(sheet, "A1", out)
        caps = {j: 50 for j in range(width) if j not in numeric and j not in dated}
        layout.set_widths(sheet, layout.widths(out, header_rows=1 if header_idx == 0 else 0, caps=caps))
    # The add-in's own sheets are set up here, once, so that each Vérifier costs what its marks cost.
    controls_sheet(book, registry).sheet(after=sheet)
    preview_sheet(book, registry).sheet(after=sheet)
    save_registry(book, registry)
    finish(sheet)
    return sheet, table


def _number_or_text(v):
    try:
        return float(values.parse_money(v))
    except ValueError:
        return values.as_text(v)


# -------------------------------------------------------------------------------------- Vérifier

def finding_line(f: F.Finding) -> str:
    line = f"[{LABEL[f.severity]}] {f.message}"
    if f.suggestion is not None:
        line += f"\nÀ mettre à la place : {F.suggestion_text(f)}"
    return line


def note_text(found: list[F.Finding]) -> str:
    return "\n".join(finding_line(f) for f in sorted(found, key=lambda f: F.SEVERITY_RANK[f.severity]))


def fix_line(original: str) -> str:
    return f"[Corrigé] Valeur d'origine : {original if original != '' else '(vide)'}"


def wanted(result: Verification, fixes: dict, width: int):
    """Each marked cell's fill and note (errors red, warnings orange, Corriger's cells green, the rows of
    integrated orders light blue), the worst severity winning; one note per cell, listing its findings."""
    by_cell: dict[tuple[int, int], list[F.Finding]] = defaultdict(list)
    for f in result.findings:
        if f.cell:
            by_cell[marking.cell_pos(f.cell)].append(f)
    repeats: dict[tuple[str, str], int] = defaultdict(int)
    for found in by_cell.values():
        for f in found:
            if f.code in ONCE_PER_VALUE:
                repeats[(f.code, f.message)] += 1
    shade = shaded(result.findings)
    noted: set[tuple[str, str]] = set()
    want = {}
    for pos in sorted(set(by_cell) | set(fixes) | set(shade)):
        found = sorted(by_cell.get(pos, []), key=lambda f: F.SEVERITY_RANK[f.severity])
        worst = [f.severity for f in found[:1]] + ([shade[pos]] if pos in shade else [])
        fill = FILL[min(worst, key=F.SEVERITY_RANK.__getitem__)] if worst else GREEN
        lines = [fix_line(fixes[pos])] if pos in fixes else []
        for f in found:
            key = (f.code, f.message)
            if f.also:  # said once for many cells: the note here, the other cells coloured only
                lines.append(finding_line(f) + f"\n(Même constat sur {plural(len(f.also), 'autre cellule', 'autres cellules')}"
                             ", toutes en couleur.)")
                continue
            if f.code in ONCE_PER_VALUE:
                if key in noted:
                    continue
                noted.add(key)
                others = repeats[key] - 1
                if others:
                    lines.append(finding_line(f) + f"\n(Même constat sur {plural(others, 'autre cellule', 'autres cellules')}"
                                 f", toutes en couleur ; liste dans « {CONTROLS_SHEET} ».)")
                    continue
            lines.append(finding_line(f))
        want[pos] = marking.Want(fill, marking.block("\n".join(lines)) if lines else None, fix=fixes.get(pos))
    blue = {f.row: width - 1 for f in result.findings if f.code == F.AlreadyIntegrated.code}
    return want, blue


def shaded(findings: list[F.Finding]) -> dict[tuple[int, int], str]:
    """The cells a once-per-value finding covers besides its first, with the worst severity that colours each
    (SPEC §7: "in Excel every such cell is coloured, the first carries the note")."""
    out: dict[tuple[int, int], str] = {}
    for f in findings:
        for cell in f.also:
            pos = marking.cell_pos(cell)
            if pos not in out or F.SEVERITY_RANK[f.severity] < F.SEVERITY_RANK[out[pos]]:
                out[pos] = f.severity
    return out


def hidden_row_count(app, sheet, table: Table) -> int:
    """Rows hidden by hand or by a filter, with an order id: SUBTOTAL(103) counts the visible ones."""
    idx = table.columns.get("order-id")
    if idx is None or not table.row_numbers:
        return 0
    col = C.letter(idx)
    filled = sum(1 for v in table.column_values("order-id") if v is not None and v != "")
    try:
        visible = app.api.WorksheetFunction.Subtotal(
            103, sheet.range(f"{col}{table.row_numbers[0]}:{col}{table.row_numbers[-1]}").api)
    except Exception:  # noqa: BLE001 - a count Excel cannot give is no reason to stop Vérifier
        return 0
    return max(0, filled - int(visible))


class Pass:
    """One button's look at the order sheet: the registry and the sheet's cells read once each."""

    def __init__(self, book, settings: Settings, addin: bool = False, status=None):
        self.book, self.settings, self.addin = book, settings, addin
        self.status = status or (lambda text: None)
        self.app = book.app
        self.sheets = book.sheets
        self.registry = Registry.read(self.sheets, find_sheet)
        clear_legacy(book, self.registry)
        self.sheet, self.focused = order_sheet(book, addin, self.registry, self.sheets, with_focus=True)
        self.name = self.sheet.name
        self.block = read_block(self.sheet)
        self.table = build_table(f"{book.name}!{self.name}", "excel", self.block)
        self.hidden = hidden_row_count(self.app, self.sheet, self.table)
        self.facts = None
        self.lost = 0

    @property
    def width(self) -> int:
        return max(max((len(r) for r in self.block), default=0), len(self.table.header))

    def rebuild(self) -> None:
        self.table = build_table(self.table.path, "excel", self.block)

    def verify(self, facts_for=None, facts=None) -> Verification:
        """The checks, with Gestan's facts when a base is named (`facts_for(table)`); without them, and
        said, when it cannot be read."""
        notice = None
        if facts_for is not None:
            try:
                facts = facts_for(self.table)
            except SettingsError as exc:
                notice = ("Contrôles de la base Gestan non faits (produits, villes, commandes déjà intégrées) : "
                          + exc.message)
        self.facts = facts
        result = verify_table(self.table, self.settings, facts)
        if self.hidden:
            result.findings = F.sort_findings(result.findings + [
                F.HiddenRows(row=1, column=None, params={"count": self.hidden})])
        result.notice = notice
        return result

    def mark(self, result: Verification, new_fixes: dict | None = None, writes: dict | None = None) -> None:
        old = self.registry.sheets.get(self.name) or self._adopt()
        tracked = marking.track(old, self.block, self.table.header_row,
                                probe=lambda cell: marking.probe_note(self.sheet, cell),
                                search=lambda: marking.search_notes(self.sheet))
        self.lost = tracked.lost
        fixes = {pos: cm.fix for pos, cm in tracked.state.cells.items() if cm.fix is not None}
        for pos, original in (new_fixes or {}).items():
            fixes.setdefault(pos, original)  # a cell corrected twice keeps its first value
        width = self.width
        want, blue = wanted(result, fixes, width)
        for pos, value in (writes or {}).items():
            want.setdefault(pos, marking.Want(GREEN, None)).value = value
        state = marking.apply(self.sheet, tracked.state, want, blue, self.status)
        state.header = marking.fold_header(self.block, self.table.header_row)
        state.width = width
        state.excluded = sorted({c for (_, c), w in want.items() if w.fill in (RED, ORANGE, GREEN)})
        keep = [c for c in range(width) if c not in set(state.excluded)]
        state.rows = {r: marking.fingerprint(self.block[r - 1], keep)
                      for r in {r for r, _ in state.cells} | set(state.blue) if r <= len(self.block)}
        self.registry.sheets[self.name] = state
        self.registry.last = self.name

    def _adopt(self):
        """A marked sheet the user renamed: its marks are this sheet's when no other sheet claims them."""
        if not self.registry.sheets:
            return None
        names = {s.name for s in self.sheets}
        orphans = [n for n in self.registry.sheets if n not in names]
        return self.registry.sheets.pop(orphans[0]) if len(orphans) == 1 else None

    def publish(self, result: Verification, alerts=None) -> None:
        """Contrôles and Aperçu rewritten (and `Alertes stock`: (alerts, moved codes)), the registry saved,
        the focus back on the order sheet."""
        moved = write_controls(self.book, self.registry, self.sheet, result, self.name, self.sheets)
        moved |= write_preview(self.book, self.registry, self.sheet, result, self.sheets)
        if alerts is not None:
            moved |= write_alerts(self.book, self.registry, self.sheet, *alerts)
        moved |= save_registry(self.book, self.registry, self.sheets)
        finish(self.sheet, result, activate=moved or not self.focused)


def run_verifier(book, settings: Settings, facts=None, addin: bool = False, status=None,
                 facts_for=None) -> Verification:
    """Vérifier on a workbook: read once, mark what changed, rebuild Contrôles and Aperçu."""
    if status:
        status("Vérifier : lecture de la feuille…")
    p = Pass(book, settings, addin, status)
    result = p.verify(facts_for, facts)
    p.mark(result)
    p.publish(result)
    return result


CONTROLS_HEADER = ["Cellule", "Ligne", "Colonne", "Gravité", "Code", "Message", "Suggestion"]


def controls_sheet(book, registry) -> OwnSheet:
    return OwnSheet(book, registry, CONTROLS_SHEET, CONTROLS_HEADER, {TEXT: "C:G"},
                    {0: 10, 1: 8, 2: 28, 3: 16, 4: 24, 5: 100, 6: 40})


def write_controls(book, registry, order, result: Verification, order_name: str | None = None,
                   sheets=None) -> bool:
    name = order_name or order.name
    rows = [CONTROLS_HEADER] + [[_link(name, f.cell) if f.cell else None, f.row, f.column, LABEL[f.severity],
                                 f.code, f.message, F.suggestion_text(f)] for f in result.findings]
    return controls_sheet(book, registry).write(rows, after=order, sheets=sheets)


PREVIEW_HEADER = ["Commande", "Client / ligne", "Libellé", "Adresse", "Quantité", "Prix HT", "TVA", "Prix TTC",
                  "% TVA", "Prix unitaire HT"]


def preview_rows(result: Verification) -> list[list]:
    """Gestan's preview grid: one block per order; columns A–D text, E–J numbers (unit price HT last)."""
    out = [list(PREVIEW_HEADER)]
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
        out.append([None, "Code", "Libellé", None, "Quantité", "Prix HT", "TVA", "Prix TTC", "% TVA",
                    "Prix unitaire HT"])
        for line in o.lines:
            out.append([None, line.product_code, line.label, None, line.quantity, float(line.ht), float(line.tva),
                        float(line.ttc), float(line.rate), float(line.unit_ht)])
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
        out.append([None] * 10)
    return [r + [None] * (10 - len(r)) for r in out]  # xlwings refuses jagged 2D lists


def preview_sheet(book, registry) -> OwnSheet:
    return OwnSheet(book, registry, PREVIEW_SHEET, PREVIEW_HEADER,
                    {TEXT: "A:D", layout.MONEY: "F:H", layout.UNIT_PRICE: "J:J"},
                    {0: 22, 1: 16, 2: 40, 3: 40, 4: 10, 5: 12, 6: 12, 7: 12, 8: 8, 9: 18}, fitted={2: 60, 3: 60})


def write_preview(book, registry, order, result: Verification, sheets=None) -> bool:
    return preview_sheet(book, registry).write(preview_rows(result), after=order, sheets=sheets)


def summary_text(result: Verification) -> str:
    counts = result.counts
    text = (f"{plural(result.order_count, 'commande')}, {plural(len(result.rows), 'ligne')}.\n"
            f"{plural(counts[F.ERROR], 'erreur')}, {plural(counts[F.WARNING], 'avertissement')}, "
            f"{plural(counts[F.INFO], 'information')}.\n")
    text += "".join(line + "\n" for line in F.count_lines(result.findings))
    if any(f.code == F.NoOrders.code for f in result.findings):
        text += F.NoOrders(row=1, column=None).message
    elif result.has_errors:
        text += "Corrigez les cellules en rouge (la note de chaque cellule dit pourquoi et quoi mettre), puis relancez."
    else:
        text += "Aucune erreur : vous pouvez intégrer."
    if result.notice:
        text += "\n\n" + result.notice
    return text


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
    if table.header_row:
        layout.set_widths(sheet, {col: layout.step(max(len(INVOICE_HEADER) + 1, *(len(n or "") for n in
                                                                                  numbers.values())) + 2)})


ALERTS_HEADER = ["Code", "Libellé", "Stock avant", "Quantité vendue", "Stock après", "Seuil d'alerte", "Commandes",
                 "Cette intégration"]


def write_alerts(book, registry, order, alerts, moved: set[str] | None = None) -> bool:
    """Every product of the sheet under its alert level now; `moved`: those this integration moved."""
    moved = moved or set()
    rows = [list(ALERTS_HEADER)] + [
        [a.code, a.libelle, a.stock_avant, a.quantite, a.stock_apres, a.stock_alerte, ", ".join(a.commandes),
         "oui" if a.code in moved else None] for a in alerts]
    sheet = OwnSheet(book, registry, ALERTS_SHEET, ALERTS_HEADER, {TEXT: "A:B,G:H"},
                     {0: 16, 1: 40, 2: 12, 3: 16, 4: 12, 5: 14, 6: 40, 7: 18}, fitted={1: 60, 6: 60})
    return sheet.write(rows, after=order)


def invoice_numbers_by_row(summary, result: Verification) -> dict[int, str]:
    numbers = dict(summary.rows_invoice)
    skipped = {d["commande"]: d["numero"] for d in summary.skipped}
    for r in result.rows:
        oid = r.v.get("order-id")
        if oid in skipped:
            numbers[r.number] = skipped[oid]
    return numbers
