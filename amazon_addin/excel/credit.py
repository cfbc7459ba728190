"""Avoir from Excel: the orders of the selected rows are credited after a confirmation box listing them, and
their credit note numbers go into the column `N° avoir`. The credit itself is `gestan.credit.credit`, the
function the command line calls."""

from __future__ import annotations

import re

from .. import columns as C
from .. import values
from ..errors import AddinError
from ..text import plural
from . import addin as A
from . import layout
from .sheets import TEXT

CREDIT_HEADER = "N° avoir"
SHOWN = 20
_ROWS_RE = re.compile(r"\$?[A-Z]*\$?(\d*)(?::\$?[A-Z]*\$?(\d*))?")


def selected_rows(selection, last_row: int) -> set[int]:
    """Sheet row numbers of a selection, from its address ("$A$2:$C$4,$B$7", "$3:$5", whole columns "$A:$A")."""
    rows: set[int] = set()
    address = str(getattr(selection, "address", "") or "")
    for part in address.split(","):
        m = _ROWS_RE.fullmatch(part.strip())
        if m is None:
            continue
        first = int(m.group(1)) if m.group(1) else 1
        last = int(m.group(2)) if m.group(2) else (first if m.group(1) else last_row)
        rows.update(range(first, min(last, last_row) + 1))
    return rows


def orders_of(table, rows: set[int]) -> dict[str, list[int]]:
    """Order id → its selected sheet rows, in sheet order."""
    out: dict[str, list[int]] = {}
    for i, number in enumerate(table.row_numbers):
        if number in rows:
            raw = table.value(i, "order-id")
            if not values.is_blank(raw):
                out.setdefault(values.as_text(raw).strip(), []).append(number)
    return out


def run_avoir(book, settings, addin: bool = False, status=None, motif: str | None = None) -> str | None:
    from ..gestan import open_gestan
    from ..gestan.credit import credit

    sheet = A.order_sheet(book, addin)
    table = A.read_order_table(sheet)
    if "order-id" not in table.columns:
        raise AddinError(f"La feuille « {sheet.name} » n'a pas de colonne order-id : rien à créditer.")
    selection = book.app.selection
    on_sheet = selection is not None and getattr(selection.sheet, "name", None) == sheet.name
    last = table.row_numbers[-1] if table.row_numbers else 0
    chosen = orders_of(table, selected_rows(selection, last)) if on_sheet else {}
    if not chosen:
        raise AddinError(f"Sélectionnez dans la feuille « {sheet.name} » les lignes des commandes à créditer, puis "
                         "cliquez sur Avoir. Rien n'a été écrit.")
    listed = "\n".join(f"  {oid}" for oid in list(chosen)[:SHOWN])
    more = f"\n  … et {len(chosen) - SHOWN} autre(s)" if len(chosen) > SHOWN else ""
    prompt = (f"Faire un avoir total pour {plural(len(chosen), 'commande', 'commandes')} ?\n{listed}{more}\n\n"
              "Chaque facture est annulée par un avoir daté d'aujourd'hui, le stock est rendu ; la commande pourra "
              "être intégrée à nouveau. Un avoir ne se défait pas.")
    if book.app.alert(prompt, title="AmazonImport", buttons="yes_no") != "yes":
        return "Aucun avoir fait."
    if status:
        status("Avoir : création des avoirs dans Gestan…")
    engine, schema = open_gestan(settings)
    try:
        summary = credit(engine, schema, settings, orders=list(chosen), motif=motif)
    finally:
        engine.dispose()
    numbers = {}
    for c in summary.credits:
        for number in chosen.get(c["commande"], []):
            numbers[number] = c["avoir"]
    write_credit_numbers(sheet, table, numbers)
    shown = "\n".join(f"  {c['avoir']} annule la facture {c['facture']} (commande {c['commande']})"
                      for c in summary.credits[:SHOWN])
    return (f"{plural(len(summary.credits), 'avoir créé', 'avoirs créés')} dans Gestan, "
            f"{plural(summary.stock_movements, 'mouvement de stock rendu', 'mouvements de stock rendus')} :\n"
            f"{shown}\nCes commandes peuvent être intégrées à nouveau (nouvelle facture datée du jour).")


def write_credit_numbers(sheet, table, numbers: dict[int, str]) -> None:
    """The credit note numbers of the credited rows in `N° avoir` (added after the last header when absent),
    as text; the other rows keep what they show."""
    header = [str(h or "").strip().casefold() for h in table.header]
    if CREDIT_HEADER.casefold() in header:
        col = header.index(CREDIT_HEADER.casefold())
    else:
        col = len(header) if header else max((len(r) for r in table.rows), default=0)
        if table.header_row:
            sheet.range(f"{C.letter(col)}{table.header_row}").value = CREDIT_HEADER
    letter = C.letter(col)
    for number, numero in sorted(numbers.items()):
        cell = sheet.range(f"{letter}{number}")
        cell.number_format = TEXT
        cell.value = numero
    if table.header_row:
        layout.set_widths(sheet, {col: layout.step(max(len(CREDIT_HEADER) + 1,
                                                       *(len(n) for n in numbers.values()))) + 2})
