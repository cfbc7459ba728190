"""Postcode and phone formats, and the exact restoration of leading zeros Excel dropped.

A zero is restored only where the country's postcode is a fixed number of digits, so the missing
digits can only be leading zeros, and the restored code is a valid one (SPEC §7). `1000` in Belgium is
valid as it is and is left alone.
"""

from __future__ import annotations

import re

# country → (digits, regex the full code must match). Only formats where a leading zero exists.
_FIXED = {
    "FR": (5, r"(0[1-9]|[1-8]\d|9[0-5])\d{3}|97[1-8]\d{2}|98\d{3}"),
    "MC": (5, r"980\d{2}"),
    "GP": (5, r"971\d{2}"), "MQ": (5, r"972\d{2}"), "GF": (5, r"973\d{2}"), "RE": (5, r"974\d{2}"),
    "YT": (5, r"976\d{2}"), "PM": (5, r"975\d{2}"), "BL": (5, r"977\d{2}"), "MF": (5, r"978\d{2}"),
    "DE": (5, r"(0[1-9]|[1-9]\d)\d{3}"),
    "IT": (5, r"\d{5}"),
    "ES": (5, r"(0[1-9]|[1-4]\d|5[0-2])\d{3}"),
    "FI": (5, r"\d{5}"),
    "EE": (5, r"\d{5}"),
    "HR": (5, r"[1-5]\d{4}"),
    "US": (5, r"\d{5}(-\d{4})?"),
    "NO": (4, r"\d{4}"),
    "RO": (6, r"\d{6}"),
    "AU": (4, r"\d{4}"),
}
_COMPILED = {k: (n, re.compile(rf"^(?:{rx})$")) for k, (n, rx) in _FIXED.items()}
_DIGITS_RE = re.compile(r"^(\d+)(-\d{4})?$")


def restore(country: str, value: str) -> str | None:
    """The postcode with its lost leading zeros put back, when that is certain; else None."""
    spec = _COMPILED.get((country or "").strip().upper())
    if spec is None:
        return None
    length, full = spec
    text = value.strip()
    m = _DIGITS_RE.match(text)
    if not m or len(m.group(1)) >= length:
        return None
    if m.group(2) and country.upper() != "US":
        return None
    fixed = m.group(1).zfill(length) + (m.group(2) or "")
    return fixed if full.match(fixed) else None


def is_valid(country: str, value: str) -> bool | None:
    """True/False for the fixed formats above; None when the country's format is not known here."""
    spec = _COMPILED.get((country or "").strip().upper())
    if spec is None:
        return None
    return bool(spec[1].match(value.strip()))


_FR_PHONE_RE = re.compile(r"^[1-9]\d{8}$")
_FR_PHONE_COUNTRIES = {"FR", "MC", "GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF"}


def restore_phone(country: str, value: str) -> str | None:
    """A French 9-digit number that lost its leading 0 (`671944444` → `0671944444`)."""
    if (country or "").strip().upper() not in _FR_PHONE_COUNTRIES:
        return None
    text = value.strip()
    if _FR_PHONE_RE.match(text):
        return "0" + text
    return None
