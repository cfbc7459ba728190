"""Typing of raw cell values: money, quantities, dates, identifiers, booleans.

Every parser takes what a reader gives (text from .txt/.csv; str/float/int/bool/datetime from
workbooks) and returns a typed value or raises `ValueError` whose text is a French detail.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal, InvalidOperation

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal(10) ** 9  # no Amazon line comes near; beyond, quantize and Gestan columns overflow

_SPACES = str.maketrans("", "", " \u00a0\u202f\u2009'")
_MONEY_RE = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")
_SCI_RE = re.compile(r"^\d+([.,]\d+)?[eE][+-]?\d+$")
_FLOAT_INT_RE = re.compile(r"^(\d+)[.,]0+$")


def is_blank(raw) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def as_text(raw) -> str:
    """A cell as the text a user would read, with Excel's numeric artefacts undone (7100.0 → 7100)."""
    if raw is None:
        return ""
    if isinstance(raw, str):
        return raw
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, float):
        if raw.is_integer() and abs(raw) < 1e15:
            return str(int(raw))
        return format(raw, ".15g")
    if isinstance(raw, datetime):
        return raw.isoformat(sep=" ")
    return str(raw)


plain_amount = re.compile(r"\d{1,9}\.\d\d").fullmatch  # "12.34": parse_money gives Decimal(raw) itself


def parse_money(raw) -> Decimal:
    """Decimal with `.` or `,`; spaces as thousands; both marks → the last is the decimal one."""
    if isinstance(raw, bool):
        raise ValueError("un nombre est attendu")
    if isinstance(raw, (int, Decimal)):
        value = Decimal(raw)
    elif isinstance(raw, float):
        if raw != raw or raw in (float("inf"), float("-inf")):
            raise ValueError("un nombre est attendu")
        # Excel keeps 15 significant digits: 0.30000000000000004 is 0.3 on screen.
        value = Decimal(format(raw, ".15g"))
    else:
        text = str(raw).strip().translate(_SPACES)
        for sym in ("€", "EUR", "£", "$"):
            if text.endswith(sym):
                text = text[: -len(sym)].strip()
        if "," in text and "." in text:
            if text.rfind(",") > text.rfind("."):
                text = text.replace(".", "").replace(",", ".")
            else:
                text = text.replace(",", "")
        elif text.count(".") > 1:
            text = text.replace(".", "")
        elif text.count(",") > 1:
            text = text.replace(",", "")
        if not _MONEY_RE.match(text):
            raise ValueError("un nombre est attendu (ex. 12,50 ou 12.50)")
        value = Decimal(text.replace(",", "."))
    if not value.is_finite() or abs(value) >= MAX_AMOUNT:
        raise ValueError("montant hors de proportion (un milliard ou plus)")
    if value != value.quantize(CENT, rounding="ROUND_HALF_UP"):
        raise ValueError("plus de deux décimales : un montant se donne au centime")
    return value.quantize(CENT)


def parse_quantity(raw) -> int:
    if isinstance(raw, bool):
        raise ValueError("bool")
    try:
        if isinstance(raw, float):
            value = Decimal(format(raw, ".15g"))
        else:
            value = Decimal(str(raw).strip().replace(",", "."))
    except InvalidOperation:
        raise ValueError("pas un nombre")
    if not value.is_finite() or value != value.to_integral_value() or value < 1:
        raise ValueError("pas un entier ≥ 1")
    return int(value)


_DMY_RE = re.compile(
    r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T]+(\d{1,2})[:h](\d{2})(?::(\d{2}))?)?$"
)
_EXCEL_1900 = datetime(1899, 12, 30)
_EXCEL_1904 = datetime(1904, 1, 1)


def excel_serial(value: float, date1904: bool = False) -> datetime:
    if not (0 < value < 2958466):
        raise ValueError("hors plage")
    base = _EXCEL_1904 if date1904 else _EXCEL_1900
    # Serials are binary fractions of a day: 10:00 is stored as 0.41666…69; round to the second.
    return base + timedelta(seconds=round(value * 86400))


def parse_datetime(raw, zone: tzinfo, date1904: bool = False) -> datetime:
    """An aware datetime; naive values are in the seller's time zone (SPEC §7)."""
    if type(raw) is str and len(raw) >= 10 and raw[4] == "-" and raw[0].isdigit():
        try:  # Amazon's own ISO form, as the slow path below would read it: no space, zone name or day first
            dt = datetime.fromisoformat(raw)
        except ValueError:
            pass
        else:
            return dt if dt.tzinfo is not None else dt.replace(tzinfo=zone)
    if isinstance(raw, datetime):
        dt = raw
    elif isinstance(raw, date):
        dt = datetime.combine(raw, time())
    elif isinstance(raw, (int, float)) and not isinstance(raw, bool):
        dt = excel_serial(float(raw), date1904)
    elif isinstance(raw, str):
        text = raw.strip()
        m = _DMY_RE.match(text)
        if m:
            d, mo, y, hh, mm, ss = m.groups()
            dt = datetime(int(y), int(mo), int(d), int(hh or 0), int(mm or 0), int(ss or 0))
        else:
            if not text or not text[0].isdigit() or len(text) < 10:
                raise ValueError("date illisible")
            dt = datetime.fromisoformat(text.replace(" UTC", "+00:00").replace(" PDT", "-07:00")
                                        .replace(" PST", "-08:00"))
    else:
        raise ValueError("date illisible")
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=zone)
    return dt


_TRUE = {"true", "vrai", "1", "yes", "oui", "y", "o"}
_FALSE = {"false", "faux", "0", "no", "non", "n", ""}


def parse_bool(raw) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, (int, float)):
        if raw in (0, 1):
            return bool(raw)
        raise ValueError("booléen attendu")
    text = str(raw or "").strip().casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError("booléen attendu")


class IdDamage(ValueError):
    """Excel turned an identifier into a float and its digits are lost."""


_PLAIN_ID_RE = re.compile(r"[0-9A-DF-Za-df-z_-]+")  # no space, mark or exponent: nothing Excel could have done


plain_identifier = _PLAIN_ID_RE.fullmatch


def parse_identifier(raw) -> tuple[str, bool]:
    """(text, restored): restored is True when Excel's float was undone exactly (`40000000000011.0`)."""
    if type(raw) is str and _PLAIN_ID_RE.fullmatch(raw):
        return raw, False
    if isinstance(raw, float):
        if raw.is_integer() and abs(raw) < 1e15:
            return str(int(raw)), True
        raise IdDamage(format(raw, ".15g"))
    if isinstance(raw, int) and not isinstance(raw, bool):
        return str(raw), False
    text = str(raw).strip()
    if _SCI_RE.match(text):
        # 2.20764E+13: Excel kept 6 of 14 digits; nothing can bring the others back.
        raise IdDamage(text)
    m = _FLOAT_INT_RE.match(text)
    if m:
        return m.group(1), True
    return text, False
