"""Entry points of the "Amazon" ribbon tab, called by the workbook's VBA through RunPython.

Each one finds the calling workbook with `xw.Book.caller()` (or takes `book` in tests and headless runs),
works inside `app.properties(screen_updating=False, ...)`, shows progress in the status bar, ends with a
French message box, and never lets a Python traceback reach the user.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import xlwings as xw

from . import audit
from .errors import AddinError, SettingsError
from .excel import addin as A
from .settings import Settings, from_mapping, load

TITLE = "AmazonImport"
FILE_FILTER = "Rapports Amazon (*.txt;*.csv;*.xlsx;*.xls),*.txt;*.csv;*.xlsx;*.xls"


def _target_book(book=None):
    """The workbook RunPython was called for, in both variants: xlwings passes its name and Excel's window
    (`--wb`, `--hwnd`; the add-in's VBA names ActiveWorkbook, the .xlsm's its own), where `xw.books.active`
    could be a workbook of another Excel instance."""
    return book if book is not None else xw.Book.caller()


def _entry(func):
    """Common frame: screen updating off, status bar, errors as one French message box."""

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
            with app.properties(screen_updating=False, calculation="manual", enable_events=False):
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
    `Paramètres` sheet."""
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
                pairs[key] = row[1]
    return from_mapping(pairs, base, source=f"la feuille « {A.SETTINGS_SHEET} »", folder=_book_folder(book))


def _book_folder(book) -> Path | None:
    """Relative paths in the sheet start from the workbook's folder, as those of a file start from its own
    (None for a workbook never saved, or kept online)."""
    try:
        path = Path(str(book.fullname))
    except Exception:  # noqa: BLE001 - a name Excel cannot give is no reason to refuse the settings
        return None
    return path.parent if path.is_absolute() and path.parent.is_dir() else None


def verify_book(book, settings: Settings, addin: bool = False, status=None):
    """Vérifier with the database's findings when a base is named; without them if it cannot be read."""
    from .gestan import read_facts

    facts, notice = None, None
    if settings.base_explicite:
        try:
            facts = read_facts(settings, A.read_order_table(A.order_sheet(book, addin)))
        except SettingsError as exc:
            notice = ("Contrôles de la base Gestan non faits (produits, villes, commandes déjà intégrées) : "
                      + exc.message)
    result = A.run_verifier(book, settings, facts, addin, status)
    result.notice = notice
    return result


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
    return (f"{len(table.rows)} ligne(s) chargée(s) dans la feuille « {sheet.name} ». "
            "Cliquez sur Vérifier pour contrôler le fichier.")


@_entry
def verifier(book, addin=False, status=None):
    settings = settings_for(book)
    result = verify_book(book, settings, addin, status)
    return A.summary_text(result)


@_entry
def corriger(book, addin=False, status=None):
    settings = settings_for(book)
    result = verify_book(book, settings, addin, status)
    n = A.apply_suggestions(book, result, addin)
    after = verify_book(book, settings, addin, status)
    return f"{n} cellule(s) corrigée(s) (en vert).\n" + A.summary_text(after)


@_entry
def integrer(book, addin=False, status=None):
    from .gestan import open_gestan
    from .gestan.integrate import Blocked, integrate_table

    settings = settings_for(book)
    sheet = A.order_sheet(book, addin)
    status("Intégrer : nouvelle vérification de la feuille…")
    table = A.read_order_table(sheet)
    engine, schema = open_gestan(settings)
    try:
        summary = integrate_table(engine, schema, table, settings, file_name=f"{book.name}!{sheet.name}",
                                  sha256=A.sheet_sha256(table))
    except Blocked:
        verify_book(book, settings, addin, status)
        return ("Intégration refusée : des erreurs restent (cellules en rouge, liste dans « Contrôles »). "
                "Rien n'a été écrit dans Gestan.")
    finally:
        engine.dispose()
    status("Intégrer : numéros de facture et alertes de stock…")
    try:
        A.write_invoice_numbers(sheet, table, A.invoice_numbers_by_row(summary, summary.verification))
        A.write_alerts(book, summary.alerts)
    except Exception as exc:  # noqa: BLE001 - the invoices are in Gestan: never say "nothing was written"
        where = audit.unexpected("ribbon integrer (sheet update)", exc)
        return (f"{len(summary.invoices)} facture(s) créée(s) dans Gestan, mais la feuille n'a pas pu être "
                f"complétée (numéros de facture, alertes de stock) : {where}.")
    text = (f"{len(summary.invoices)} facture(s) créée(s) dans Gestan, {len(summary.skipped)} commande(s) déjà "
            f"intégrée(s) passée(s).\n{summary.customers_created} client(s) et {summary.products_created} "
            f"produit(s) créé(s), {summary.postal_codes_added} code(s) postal(aux) ajouté(s), "
            f"{summary.stock_movements} mouvement(s) de stock.")
    if summary.alerts:
        text += f"\n{len(summary.alerts)} produit(s) sous le seuil d'alerte : voir la feuille « {A.ALERTS_SHEET} »."
    return text


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
    sheet = A.get_or_add_sheet(book, A.SETTINGS_SHEET)
    sheet.clear()
    rows = [["Paramètre", "Valeur", "Explication"]] + describe_for_sheet(current)
    A.write_text_block(sheet, "A1", rows)
    A.write_text_block(sheet, "E1", [["Familles dans Gestan", "Libellé"]] + [list(f) for f in families])
    sheet.range("A1:F1").font.bold = True
    return ("Paramètres valides. Modifiez la colonne B de la feuille « Paramètres » ; "
            "un mot de passe ne s'y écrit jamais (utilisez ${VARIABLE} ou un DSN ODBC).")
