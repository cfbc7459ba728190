"""Fulfilled by Amazon: the country a fulfilment centre ships from, and the rules that follow (SPEC §1).

Amazon names its European fulfilment centres after the nearest airport's IATA code plus a digit (`ORY1`
Saran, `LYS1` Sevrey, `FRA3` Bad Hersfeld, `MXP5` Castel San Giovanni...), and its smaller sites `X` + the
country code (`XFRE`, `XDEA`...). The table maps those prefixes to the airport's country: the prefixes of
Amazon's European network known in December 2026, believed right until Amazon opens a centre under a new
prefix. Such a centre is *unknown* (a warning), never guessed French.

A shipment that left a centre outside France (Pan-EU, CEE, MCI) is a sale made from that country (the
goods were stored there: a local sale, or a distance sale from there), not a sale shipped from France, so
it is not booked here as French or OSS (SPEC §1: `E_FBA_HORS_FRANCE`, or skipped with `fba_hors_france`).
"""

from __future__ import annotations

import re

FRANCE = "FR"

# IATA prefix → country of the fulfilment centres named after it. Note FRA is Frankfurt, not France.
CENTRE_PREFIXES = {
    # France
    "ORY": "FR", "MRS": "FR", "LYS": "FR", "LIL": "FR", "BVA": "FR", "ETZ": "FR", "CDG": "FR", "BOD": "FR",
    "NTE": "FR", "TLS": "FR", "SXB": "FR",
    # Germany
    "LEJ": "DE", "FRA": "DE", "MUC": "DE", "STR": "DE", "DUS": "DE", "CGN": "DE", "DTM": "DE", "EDE": "DE",
    "HAM": "DE", "BER": "DE", "PAD": "DE", "HAJ": "DE", "NUE": "DE", "BRE": "DE", "SCN": "DE", "ERF": "DE",
    # Italy
    "MXP": "IT", "FCO": "IT", "BLQ": "IT", "TRN": "IT", "LIN": "IT", "VCE": "IT", "BGY": "IT", "PSR": "IT",
    # Spain
    "MAD": "ES", "BCN": "ES", "ZAZ": "ES", "SVQ": "ES", "VLC": "ES", "AGP": "ES", "BIO": "ES",
    # Poland, Czech Republic, Slovakia
    "WRO": "PL", "POZ": "PL", "KTW": "PL", "SZZ": "PL", "LCJ": "PL", "GDN": "PL",
    "PRG": "CZ", "BRQ": "CZ", "BTS": "SK",
    # Netherlands, Belgium, Sweden
    "RTM": "NL", "AMS": "NL", "EIN": "NL", "BRU": "BE", "LGG": "BE", "ARN": "SE", "GOT": "SE",
    # United Kingdom (outside the EU since 2021)
    "BHX": "GB", "LTN": "GB", "EDI": "GB", "GLA": "GB", "MAN": "GB", "LBA": "GB", "EMA": "GB", "BRS": "GB",
    "CWL": "GB", "DSA": "GB", "LCY": "GB", "STN": "GB", "NCL": "GB", "LPL": "GB", "MME": "GB",
}
# Smaller sites: X + ISO country code + a letter or digit (`XFRE`, `XDEB`, `XITF`, `XUKA`).
_X_SITE = re.compile(r"^X(FR|DE|IT|ES|PL|CZ|NL|BE|SE|UK)[A-Z0-9]$")
_CENTRE = re.compile(r"^([A-Z]{3})\d{1,2}$")


def centre_country(centre: str | None) -> str | None:
    """The ISO country a fulfilment centre ships from, or None when the centre is unknown."""
    code = (centre or "").strip().upper()
    site = _X_SITE.match(code)
    if site:
        country = site.group(1)
        return "GB" if country == "UK" else country
    m = _CENTRE.match(code)
    return CENTRE_PREFIXES.get(m.group(1)) if m else None


def ships_from_france(centre: str | None) -> bool | None:
    """True / False for a known centre, None for an unknown one."""
    country = centre_country(centre)
    return None if country is None else country == FRANCE


def moves_seller_stock(order_fba: bool, stock_fba: str) -> bool:
    """"FBA goods leave Amazon's warehouses, not the seller's: stock movements for FBA rows only when the
    setting `stock_fba` = `oui` (default `non`)" (SPEC §1)."""
    return not order_fba or stock_fba == "oui"
