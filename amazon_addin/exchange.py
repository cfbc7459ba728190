"""Euro reference rates of the European Central Bank, read from a local file (SPEC §7 "Money and VAT").

The books are in euros. An order in another currency gets the last ECB reference rate published on or
before its date of sale, in units of the currency per 1 EUR as the ECB writes them. The source is the
file named by the setting `taux_change`, in the layout of the ECB's `eurofxref-hist.csv`
(`Date,USD,JPY,...` then one row per business day, newest first, `N/A` where a currency had no rate);
nothing is ever fetched from the network.
"""

from __future__ import annotations

import csv
import io
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from .errors import SettingsError
from .vat import money

EUR = "EUR"
ONE = Decimal(1)
# Past this many days without a rate before the date of sale, the file is out of date rather than closed
# for a weekend or the TARGET holidays (at most four days in a row).
STALE_AFTER_DAYS = 7


@dataclass(frozen=True)
class Lookup:
    rate: Decimal | None
    day: date | None  # the ECB date of the rate found
    problem: str | None = None  # "no_file", "no_rate", "stale": the case of E_TAUX_CHANGE
    last: date | None = None  # the file's newest rate for that currency (for "stale")


@dataclass
class RatesFile:
    path: str
    days: dict[str, list[date]] = field(default_factory=dict)  # currency → ascending dates
    values: dict[str, list[Decimal]] = field(default_factory=dict)

    def lookup(self, currency: str, on: date) -> Lookup:
        days = self.days.get(currency)
        if not days:
            return Lookup(None, None, "no_rate")
        i = bisect_right(days, on) - 1
        if i < 0:
            return Lookup(None, None, "no_rate")
        if (on - days[i]).days > STALE_AFTER_DAYS:
            return Lookup(None, None, "stale", days[i])
        return Lookup(self.values[currency][i], days[i])


def rate_for(rates: RatesFile | None, currency: str, on: date) -> Lookup:
    """Units of `currency` per 1 EUR on the date of sale: 1 for EUR; the last ECB rate on or before `on`."""
    if currency == EUR:
        return Lookup(ONE, on)
    if rates is None:
        return Lookup(None, None, "no_file")
    return rates.lookup(currency, on)


def to_euros(amount: Decimal, rate: Decimal) -> Decimal:
    return money(amount / rate)


def load(path: str | None) -> RatesFile | None:
    """The rates file named by the setting, or None when there is none. A named file that cannot be read is
    a settings problem (exit 3), said in French."""
    if not path:
        return None
    p = Path(path)
    try:
        stat = p.stat()
    except OSError:
        raise SettingsError(f"Paramètre « taux_change » : fichier de taux « {p} » introuvable.")
    return _load(str(p.resolve()), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=4)
def _load(path: str, _mtime: int, _size: int) -> RatesFile:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise SettingsError(f"Paramètre « taux_change » : fichier de taux « {path} » illisible ({exc.strerror}).")
    text = data.decode("utf-8-sig", errors="replace")
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header or header[0].strip().casefold() != "date" or len(header) < 2:
        raise SettingsError(f"Paramètre « taux_change » : « {path} » n'a pas la forme du fichier eurofxref-hist.csv "
                            "de la BCE (première colonne Date, puis une colonne par devise).")
    currencies = [h.strip().upper() for h in header[1:]]
    points: dict[str, list[tuple[date, Decimal]]] = {c: [] for c in currencies if c}
    for n, row in enumerate(reader, start=2):
        if not row or not row[0].strip():
            continue
        try:
            day = date.fromisoformat(row[0].strip())
        except ValueError:
            raise SettingsError(f"Paramètre « taux_change » : date « {row[0]} » illisible à la ligne {n} de « {path} ».")
        for currency, cell in zip(currencies, row[1:]):
            cell = cell.strip()
            if not currency or not cell or cell.upper() == "N/A":
                continue
            try:
                value = Decimal(cell)
            except InvalidOperation:
                raise SettingsError(f"Paramètre « taux_change » : taux « {cell} » illisible ({currency}, ligne {n} "
                                    f"de « {path} »).")
            if value.is_finite() and value > 0:
                points[currency].append((day, value))
    out = RatesFile(path)
    for currency, pts in points.items():
        pts.sort()
        out.days[currency] = [d for d, _ in pts]
        out.values[currency] = [v for _, v in pts]
    return out
