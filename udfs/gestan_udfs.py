"""xlwings UDFs to use beside an export: =GESTAN_STOCK(code), =GESTAN_FACTURE(commande), =AMAZON_TAUX_TVA(ttc; tva).

Import them into AmazonImport.xlsm with its macro ImportPythonUDFs (its sheet xlwings.conf: `UDF MODULES` =
`gestan_udfs`, with this folder as `PYTHONPATH`; see the README). On Linux the xlwings decorators pass through,
so the functions are plain Python.
Settings (the Gestan base) come from amazon_addin.toml: current folder, AMAZON_ADDIN_CONFIG, or the home folder.

A cell never shows a Python traceback: what cannot be answered is a text starting with `#` (`#GESTAN : …` for
the base, `#VALEUR : …` for the arguments, `#INCONNU : …` for a product Gestan does not know), an empty
argument gives an empty cell. Cell values are read as the add-in's reader reads them: Excel hands numbers
over as floats, so the product code 3760123456789 arrives as 3760123456789.0 and is looked up as
"3760123456789".
"""

from __future__ import annotations

import functools
import os
from functools import lru_cache

import xlwings as xw


@lru_cache(maxsize=4)
def _gestan(config: str | None):
    # One engine per settings file for the life of the UDF process: a cell recalculation must not reconnect.
    from amazon_addin.gestan import open_gestan
    from amazon_addin.settings import load

    settings = load(config)
    return open_gestan(settings, read_only=True)


def _never_raises(func):
    """Whatever goes wrong ends as one sentence in the cell, and the traceback in the add-in's log."""

    @functools.wraps(func)
    def wrapper(*args):
        try:
            return func(*args)
        except Exception as exc:  # noqa: BLE001 - a cell cannot show a traceback
            from amazon_addin import audit

            audit.setup()
            where = audit.unexpected(f"UDF {func.__name__}", exc)
            return f"#GESTAN : erreur inattendue ({type(exc).__name__}) ; {where}"

    return wrapper


def _first(query_builder):
    """The query's first row (None when there is none), or the `#GESTAN` sentence saying why not."""
    from sqlalchemy.exc import SQLAlchemyError

    from amazon_addin.errors import AddinError
    from amazon_addin.gestan.connect import describe_error, display_url

    engine = None
    try:
        engine, schema = _gestan(os.environ.get("AMAZON_ADDIN_CONFIG"))
        with engine.connect() as conn:
            return conn.execute(query_builder(schema)).first()
    except AddinError as exc:
        return f"#GESTAN : {exc.message}"
    except SQLAlchemyError as exc:  # a base without Gestan's tables, a server gone: said in the cell
        where = display_url(engine) if engine is not None else "base"
        return (f"#GESTAN : {describe_error(exc, where)} Vérifiez la base avec « amazon-addin check-db ».")


def _text(raw) -> str:
    """A cell as the add-in's reader reads it (7100.0 → "7100"), trimmed; "" for an empty cell."""
    from amazon_addin.values import as_text, is_blank

    return "" if is_blank(raw) else as_text(raw).strip()


@xw.func
@_never_raises
def GESTAN_STOCK(code):
    """Stock of a Gestan product; `#INCONNU` when Gestan does not know it, empty for an empty code."""
    from sqlalchemy import select

    code = _text(code)
    if not code:
        return None
    found = _first(lambda s: select(s.produits.c.stock).where(s.produits.c.code == code))
    if isinstance(found, str):
        return found
    if found is None:
        return f"#INCONNU : le produit « {code} » n'existe pas dans Gestan"
    return 0 if found.stock is None else found.stock


@xw.func
@_never_raises
def GESTAN_FACTURE(commande):
    """Invoice number of an Amazon order already integrated; "" when not integrated yet, empty for an empty
    order id, `#VALEUR` for an id Excel damaged (2.20764E+13)."""
    from sqlalchemy import select

    from amazon_addin.values import IdDamage, is_blank, parse_identifier

    if is_blank(commande):
        return None
    try:
        order, _ = parse_identifier(commande)
    except IdDamage as exc:
        return f"#VALEUR : le n° de commande « {exc} » a été abîmé par Excel (notation scientifique)"
    found = _first(lambda s: select(s.invoice_number()).select_from(
        s.imports_amazon.join(s.factures, s.imports_amazon.c.facture_id == s.factures.c.id))
        .where(s.imports_amazon.c.commande == order.strip()))
    if isinstance(found, str):
        return found
    return str(found.numero) if found is not None and found.numero not in (None, "") else ""


@xw.func
@_never_raises
def AMAZON_TAUX_TVA(ttc, tva):
    """VAT rate (%) implied by a TTC amount and its VAT, to two decimals: =AMAZON_TAUX_TVA(24; 4) → 20.
    A VAT that is not part of its TTC (negative, as large as it, or larger) is an error value."""
    from amazon_addin.values import is_blank, parse_money
    from amazon_addin.vat import implied_rate

    if is_blank(ttc) or is_blank(tva):
        return None
    try:
        amount, tax = parse_money(ttc), parse_money(tva)
    except ValueError as exc:
        return f"#VALEUR : montants illisibles ({exc})"
    if amount <= 0 or tax < 0 or tax >= amount:
        return "#VALEUR : la TVA doit être positive et plus petite que le montant TTC qui la contient"
    rate = implied_rate(amount, tax)
    return float(rate.normalize() if rate == rate.to_integral() else rate)


__all__ = ["GESTAN_STOCK", "GESTAN_FACTURE", "AMAZON_TAUX_TVA"]
