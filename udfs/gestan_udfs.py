"""xlwings UDFs to use beside an export: =GESTAN_STOCK(code), =GESTAN_FACTURE(commande), =AMAZON_TAUX_TVA(ttc; tva).

Import them into AmazonImport.xlsm with its macro ImportPythonUDFs (its sheet xlwings.conf: `UDF MODULES` =
`gestan_udfs`, with this folder as `PYTHONPATH`; see the README). On Linux the xlwings decorators pass through,
so the functions are plain Python.
Settings (the Gestan base) come from amazon_addin.toml: current folder, AMAZON_ADDIN_CONFIG, or the home folder.
"""

from __future__ import annotations

import os
from decimal import InvalidOperation
from functools import lru_cache

import xlwings as xw


@lru_cache(maxsize=4)
def _gestan(config: str | None):
    # One engine per settings file for the life of the UDF process: a cell recalculation must not reconnect.
    from amazon_addin.gestan import open_gestan
    from amazon_addin.settings import load

    settings = load(config)
    return open_gestan(settings, read_only=True)


def _scalar(query_builder):
    from sqlalchemy.exc import SQLAlchemyError

    from amazon_addin.errors import AddinError
    from amazon_addin.gestan.connect import describe_error, display_url

    try:
        engine, schema = _gestan(os.environ.get("AMAZON_ADDIN_CONFIG"))
        with engine.connect() as conn:
            return conn.execute(query_builder(schema)).scalar()
    except AddinError as exc:
        return f"#GESTAN : {exc.message}"
    except SQLAlchemyError as exc:  # the cell says why in French, never the driver's English
        return f"#GESTAN : {describe_error(exc, display_url(engine))}"


@xw.func
@xw.arg("code", str)
def GESTAN_STOCK(code):
    """Stock of a Gestan product; empty when the product does not exist."""
    from sqlalchemy import select

    if code is None or not str(code).strip():
        return None
    value = _scalar(lambda s: select(s.produits.c.stock).where(s.produits.c.code == str(code).strip()))
    return value


@xw.func
@xw.arg("commande", str)
def GESTAN_FACTURE(commande):
    """Invoice number of an Amazon order already integrated; empty otherwise."""
    from sqlalchemy import select

    if commande is None or not str(commande).strip():
        return None
    return _scalar(lambda s: select(s.factures.c.numero).select_from(
        s.imports_amazon.join(s.factures, s.imports_amazon.c.facture_id == s.factures.c.id))
        .where(s.imports_amazon.c.commande == str(commande).strip())) or ""


@xw.func
def AMAZON_TAUX_TVA(ttc, tva):
    """VAT rate (%) implied by a TTC amount and its VAT, to two decimals: =AMAZON_TAUX_TVA(24; 4) → 20."""
    from amazon_addin.values import parse_money
    from amazon_addin.vat import implied_rate

    try:
        rate = implied_rate(parse_money(ttc), parse_money(tva))
    except (ValueError, InvalidOperation):
        return "#VALEUR : montants illisibles"
    return None if rate is None else float(rate.normalize() if rate == rate.to_integral() else rate)


__all__ = ["GESTAN_STOCK", "GESTAN_FACTURE", "AMAZON_TAUX_TVA"]
