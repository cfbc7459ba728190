"""Entry points of the "Amazon" ribbon tab, called by the workbook's VBA through RunPython.

Each one finds the calling workbook with `xw.Book.caller()` (or takes `book` in tests and headless runs),
works inside `app.properties(screen_updating=False, ...)`, shows progress in the status bar, ends with a
French message box, and never lets a Python traceback reach the user.
"""

from __future__ import annotations

import functools
import os
from dataclasses import fields
from decimal import Decimal, InvalidOperation
from pathlib import Path

import xlwings as xw

from . import audit, values
from . import findings as F
from .errors import AddinError
from .excel import addin as A
from .excel import sheets as S
from .settings import Settings, from_mapping, load
from .text import plural

TITLE = "AmazonImport"
FILE_FILTER = "Rapports Amazon (*.txt;*.csv;*.xlsx;*.xls),*.txt;*.csv;*.xlsx;*.xls"


def _target_book(book=None):
    """The workbook RunPython was called for, in both variants: xlwings passes its name and Excel's window
    (`--wb`, `--hwnd`; the add-in's VBA names ActiveWorkbook, the .xlsm's its own), where `xw.books.active`
    could be a workbook of another Excel instance."""
    return book if book is not None else xw.Book.caller()


def _entry(func, writes_orders: bool = True):
    """Common frame: screen updating and events off, status bar, errors as one French message box.
    Calculation is manual too for buttons that write the order sheet (its cells may feed the user's
    formulas); Vérifier writes only the add-in's own sheets and marks, and Excel recalculates anyway when
    calculation is set back to automatic."""
    if not callable(func):
        return lambda f: _entry(f, writes_orders=func)

    @functools.wraps(func)
    def wrapper(addin: bool = False, book=None, **kwargs):
        book = _target_book(book)
        app = book.app

        def status(text):
            try:
                app.status_bar = text
            except Exception:  # a status bar is a courtesy, never a failure
                pass

        audit.setup()
        try:
            quiet = dict(screen_updating=False, enable_events=False)
            if writes_orders:
                quiet["calculation"] = "manual"
            with app.properties(**quiet):
                message = func(book, addin=addin, status=status, **kwargs)
        except AddinError as exc:
            message = exc.message
        except Exception as exc:  # noqa: BLE001 - the user gets a sentence, the log gets the traceback
            where = audit.unexpected(f"ribbon {func.__name__}", exc)
            message = (f"Erreur inattendue ({type(exc).__name__}). Rien n'a été écrit dans Gestan ; "
                       f"{where}.")
        finally:
            status(False)
        if message:
            app.alert(message, title=TITLE)
        return message

    return wrapper


def settings_for(book) -> Settings:
    """amazon_addin.toml (AMAZON_ADDIN_CONFIG, else ./ or ~/amazon_addin.toml), overridden by the workbook's
    `Paramètres` sheet. The sheet is read as a user fills it in a French Excel: "200", "200,0", 200 or
    "1 048 575" for a number."""
    base = load(os.environ.get("AMAZON_ADDIN_CONFIG"))
    sheet = A.find_sheet(book, A.SETTINGS_SHEET)
    if sheet is None:
        return base
    pairs = {}
    for row in A.read_block(sheet):
        if len(row) >= 2 and isinstance(row[0], str) and row[0].strip() and not row[0].startswith("#") \
                and row[0].strip().casefold() != "paramètre":  # the sheet's own header row
            key = row[0].strip()
            if row[1] is not None and str(row[1]).strip() != "":
                pairs[key] = sheet_value(key, row[1])
    return from_mapping(pairs, base, source=f"la feuille « {A.SETTINGS_SHEET} »", folder=_book_folder(book))


def _book_folder(book) -> Path | None:
    """Relative paths in the sheet start from the workbook's folder, as those of a file start from its own
    (None for a workbook never saved, or kept online)."""
    try:
        path = Path(str(book.fullname))
    except Exception:  # noqa: BLE001 - a name Excel cannot give is no reason to refuse the settings
        return None
    return path.parent if path.is_absolute() and path.parent.is_dir() else None


_DEFAULTS = {f.name: f.default for f in fields(Settings)}


def sheet_value(key: str, value):
    """A cell of the `Paramètres` sheet as the setting's type wants it: whole numbers from text (French
    decimal comma, spaces as thousands), text from numbers (a cell typed 123 for a product code)."""
    default = _DEFAULTS.get(key)
    if isinstance(default, bool):
        return value
    if isinstance(default, int) and isinstance(value, str):
        text = "".join(value.split()).replace("\u202f", "").replace(",", ".")
        try:
            number = Decimal(text)
        except InvalidOperation:
            return value
        return int(number) if number.is_finite() and number == number.to_integral_value() else value
    if (default is None or isinstance(default, str)) and not isinstance(value, str):
        return values.as_text(value)
    return value


def facts_reader(settings: Settings):
    """Vérifier and Intégrer read one base, the one the settings name (read-only here, never created)."""
    if not settings.base_explicite:
        return None
    from .gestan import read_facts

    return lambda table: read_facts(settings, table)


def verify_book(book, settings: Settings, addin: bool = False, status=None):
    """Vérifier with the database's findings when a base is named; without them if it cannot be read."""
    return A.run_verifier(book, settings, addin=addin, status=status, facts_for=facts_reader(settings))


NO_BASE = ("Aucune base Gestan n'est configurée : cliquez sur Paramètres et renseignez « base » (par exemple "
           "sqlite:///C:/Gestan/gestan.db ou un DSN ODBC), ou le fichier amazon_addin.toml. Rien n'a été écrit.")


@_entry
def charger(book, addin=False, status=None, path: str | None = None):
    settings = settings_for(book)
    if path is None:
        chosen = book.app.api.GetOpenFilename(FILE_FILTER, 1, "Choisir le rapport de commandes Amazon")
        if not chosen or chosen is False:
            return None  # the user cancelled
        path = str(chosen)
    status(f"Charger : lecture de {Path(path).name}…")
    sheet, table = A.load_export(book, path, settings, addin)
    return (f"{plural(len(table.rows), 'ligne chargée', 'lignes chargées')} dans la feuille « {sheet.name} ». "
            "Cliquez sur Vérifier pour contrôler le fichier.")


@_entry(False)
def verifier(book, addin=False, status=None):
    settings = settings_for(book)
    result = verify_book(book, settings, addin, status)
    return A.summary_text(result)


@_entry
def corriger(book, addin=False, status=None):
    settings = settings_for(book)
    from .excel.corriger import run_corriger

    n, result = run_corriger(book, settings, addin, status, facts_for=facts_reader(settings))
    done = plural(n, "cellule corrigée", "cellules corrigées")
    return f"{done} (en vert ; la note de chacune garde la valeur d'origine).\n" + A.summary_text(result)


@_entry
def integrer(book, addin=False, status=None):
    from .gestan import open_gestan
    from .gestan.integrate import Blocked, integrate_table

    settings = settings_for(book)
    if not settings.base_explicite:  # never a default ./gestan.db next to wherever Excel runs
        raise AddinError(NO_BASE)
    status("Intégrer : nouvelle vérification de la feuille…")
    p = A.Pass(book, settings, addin, status)
    engine, schema = open_gestan(settings)
    try:
        summary = integrate_table(engine, schema, p.table, settings, file_name=f"{book.name}!{p.name}",
                                  sha256=A.sheet_sha256(p.table))
    except Blocked:
        result = p.verify(facts_reader(settings))
        p.mark(result)
        p.publish(result)
        if any(f.code == F.NoOrders.code for f in result.findings):
            return F.NoOrders(row=1, column=None).message + " Rien n'a été écrit dans Gestan."
        return ("Intégration refusée : des erreurs restent (cellules en rouge, liste dans « Contrôles »). "
                "Rien n'a été écrit dans Gestan.")
    finally:
        engine.dispose()
    status("Intégrer : numéros de facture, nouvelle vérification et alertes de stock…")
    try:
        A.write_invoice_numbers(p.sheet, p.table, A.invoice_numbers_by_row(summary, summary.verification))
        after = A.Pass(book, settings, addin, status)  # the sheet as Gestan now sees it: rows light blue
        result = after.verify(facts_reader(settings))
        after.mark(result)
        skus = {r.v.get("sku") for r in result.rows if r.v.get("sku")}
        products = after.facts.products if after.facts is not None else {}
        alerts = alerts_now(skus, products, summary.alerts)
        A.write_alerts(book, after.registry, after.sheet, alerts, {a.code for a in summary.alerts})
        after.publish(result)
    except Exception as exc:  # noqa: BLE001 - the invoices are in Gestan: never say "nothing was written"
        where = audit.unexpected("ribbon integrer (sheet update)", exc)
        return (f"{plural(len(summary.invoices), 'facture créée', 'factures créées')} dans Gestan, mais la feuille "
                f"n'a pas pu être complétée (numéros de facture, alertes de stock) : {where}.")
    text = (f"{plural(len(summary.invoices), 'facture créée', 'factures créées')} dans Gestan, "
            f"{summary.skipped_text(plural)}.\n"
            f"{plural(summary.customers_created, 'client créé', 'clients créés')}, "
            f"{plural(summary.products_created, 'produit créé', 'produits créés')}, "
            f"{plural(summary.postal_codes_added, 'code postal ajouté', 'codes postaux ajoutés')}, "
            f"{plural(summary.stock_movements, 'mouvement de stock', 'mouvements de stock')}.")
    if p.hidden:
        text += "\n" + F.HiddenRows(row=1, column=None, params={"count": p.hidden}).message
    if alerts:
        text += (f"\n{plural(len(alerts), 'produit', 'produits')} sous le seuil d'alerte : voir la feuille "
                 f"« {A.ALERTS_SHEET} ».")
    return text


@_entry
def avoir(book, addin=False, status=None):
    """Credit notes for the orders of the selected rows, after a confirmation box listing them."""
    from .excel.credit import run_avoir

    settings = settings_for(book)
    if not settings.base_explicite:
        raise AddinError(NO_BASE)
    return run_avoir(book, settings, addin, status)


@_entry
def parametres(book, addin=False, status=None):
    from .settings import describe_for_sheet

    current = settings_for(book)
    families = []
    try:
        if current.base_explicite:
            from sqlalchemy import select

            from .gestan import open_gestan, speaking

            engine, schema = open_gestan(current, read_only=True)
            with speaking(engine), engine.connect() as conn:
                families = [(r.code, r.libelle) for r in conn.execute(
                    select(schema.familles.c.code, schema.familles.c.libelle).order_by(schema.familles.c.code))]
    except AddinError as exc:
        families = [("?", exc.message)]
    registry = A.Registry.read(book, A.find_sheet)
    try:
        order = A.order_sheet(book, addin, registry)
    except AddinError:
        order = None  # no order sheet yet: the focus stays where it is
    existing = A.find_sheet(book, A.SETTINGS_SHEET)
    if existing is not None:
        _refuse_foreign_settings_sheet(A.read_block(existing))
    sheet = existing if existing is not None else A.get_or_add_sheet(book, A.SETTINGS_SHEET)
    sheet.clear()
    rows = [["Paramètre", "Valeur", "Explication"]] + describe_for_sheet(current)
    if not current.base_explicite:  # the default base is no choice of the user's: never written as one
        rows = [[k, "" if k == "base" else v, e] for k, v, e in rows]
    S.write_text_block(sheet, "A1", rows)
    family_rows = [["Familles dans Gestan", "Libellé"]] + [list(f) for f in families]
    S.write_text_block(sheet, "E1", family_rows)
    sheet.range("A1:F1").font.bold = True
    widths = A.layout.widths(rows, caps={1: 60, 2: 100})
    widths.update({4 + j: w for j, w in A.layout.widths(family_rows, caps={1: 60}).items()})
    A.layout.set_widths(sheet, widths)
    if order is not None and order.name != sheet.name:
        A.finish(order)
    return ("Paramètres valides. Modifiez la colonne B de la feuille « Paramètres » ; "
            "un mot de passe ne s'y écrit jamais (utilisez ${VARIABLE} ou un DSN ODBC).")


def _refuse_foreign_settings_sheet(block: list[list]) -> None:
    """A sheet named « Paramètres » is rewritten only when it holds what this button writes: settings in A to C
    (a key in A on every filled row) and Gestan's families in E and F. Anything else is the user's own work,
    which `clear()` would destroy with no Undo."""
    from .columns import letter

    for r, row in enumerate(block, start=1):
        key = row[0] if row else None
        for c, value in enumerate(row):
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            ours = c in (4, 5) or (c in (0, 1, 2) and isinstance(key, str) and key.strip())
            if not ours:
                raise AddinError(f"La feuille « {A.SETTINGS_SHEET} » de ce classeur contient autre chose que les "
                                 f"paramètres de l'add-in (cellule {letter(c)}{r}) : renommez-la, puis cliquez à "
                                 "nouveau sur Paramètres. Rien n'a été modifié.")


def alerts_now(skus, products: dict, moved: list) -> list:
    """`Alertes stock` after Intégrer: every stock-managed product of the sheet under its alert level now,
    those this integration moved as it reported them."""
    from .invoicing import Alert

    by_code = {a.code: a for a in moved}
    out = []
    for code in sorted(set(skus) | set(by_code)):
        if code in by_code:
            out.append(by_code[code])
            continue
        p = products.get(code)
        if p is not None and p.gere_stock and p.stock < p.stock_alerte:
            out.append(Alert(code, p.libelle, p.stock, 0, p.stock, p.stock_alerte, []))
    return out
