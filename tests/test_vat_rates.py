"""Tests of amazon_addin.vat_rates: territory, dated rates, every change boundary."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from amazon_addin import vat_rates
from amazon_addin.vat_rates import (
    EU_VAT_COUNTRIES,
    UnknownVatCountry,
    is_eu_vat_area,
    rates,
    standard_rate,
    vat_country,
)


def R(*values: str) -> tuple[Decimal, ...]:
    return tuple(Decimal(v) for v in values)


THE_27 = {
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
    "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
}

# Written out independently of the module: the rates on the first day of the table...
ON_2017_01_01 = {
    "AT": R("20", "13", "10"),
    "BE": R("21", "12", "6"),
    "BG": R("20", "9"),
    "CY": R("19", "9", "5"),
    "CZ": R("21", "15", "10"),
    "DE": R("19", "7"),
    "DK": R("25"),
    "EE": R("20", "9"),
    "ES": R("21", "10", "4"),
    "FI": R("24", "14", "10"),
    "FR": R("20", "10", "5.5", "2.1"),
    "GR": R("24", "13", "6"),
    "HR": R("25", "13", "5"),
    "HU": R("27", "18", "5"),
    "IE": R("23", "13.5", "9", "4.8"),
    "IT": R("22", "10", "5", "4"),
    "LT": R("21", "9", "5"),
    "LU": R("17", "14", "8", "3"),
    "LV": R("21", "12"),
    "MT": R("18", "7", "5"),
    "NL": R("21", "6"),
    "PL": R("23", "8", "5"),
    "PT": R("23", "13", "6"),
    "RO": R("19", "9", "5"),
    "SE": R("25", "12", "6"),
    "SI": R("22", "9.5"),
    "SK": R("20", "10"),
}

# ... and on 2026-01-01.
ON_2026_01_01 = {
    "AT": R("20", "13", "10"),
    "BE": R("21", "12", "6"),
    "BG": R("20", "9"),
    "CY": R("19", "9", "5", "3"),
    "CZ": R("21", "12"),
    "DE": R("19", "7"),
    "DK": R("25"),
    "EE": R("24", "13", "9"),
    "ES": R("21", "10", "4"),
    "FI": R("25.5", "13.5", "10"),
    "FR": R("20", "10", "5.5", "2.1"),
    "GR": R("24", "13", "6"),
    "HR": R("25", "13", "5"),
    "HU": R("27", "18", "5"),
    "IE": R("23", "13.5", "9", "4.8"),
    "IT": R("22", "10", "5", "4"),
    "LT": R("21", "12", "5"),
    "LU": R("17", "14", "8", "3"),
    "LV": R("21", "12", "5"),
    "MT": R("18", "12", "7", "5"),
    "NL": R("21", "9"),
    "PL": R("23", "8", "5"),
    "PT": R("23", "13", "6"),
    "RO": R("21", "11"),
    "SE": R("25", "12", "6"),
    "SI": R("22", "9.5", "5"),
    "SK": R("23", "19", "5"),
}

# Every change in the table: (country, first day of the new rates, rates the day before, rates that day).
CHANGES = [
    ("AT", date(2020, 7, 1), R("20", "13", "10"), R("20", "13", "10", "5")),
    ("AT", date(2022, 1, 1), R("20", "13", "10", "5"), R("20", "13", "10")),
    ("AT", date(2026, 7, 1), R("20", "13", "10"), R("20", "13", "10", "4.9")),
    ("CY", date(2023, 7, 21), R("19", "9", "5"), R("19", "9", "5", "3")),
    ("CZ", date(2024, 1, 1), R("21", "15", "10"), R("21", "12")),
    ("DE", date(2020, 7, 1), R("19", "7"), R("16", "5")),
    ("DE", date(2021, 1, 1), R("16", "5"), R("19", "7")),
    ("EE", date(2022, 8, 1), R("20", "9"), R("20", "9", "5")),
    ("EE", date(2024, 1, 1), R("20", "9", "5"), R("22", "9", "5")),
    ("EE", date(2025, 1, 1), R("22", "9", "5"), R("22", "13", "9")),
    ("EE", date(2025, 7, 1), R("22", "13", "9"), R("24", "13", "9")),
    ("ES", date(2022, 7, 1), R("21", "10", "4"), R("21", "10", "5", "4")),
    ("ES", date(2024, 10, 1), R("21", "10", "5", "4"), R("21", "10", "7.5", "4", "2")),
    ("ES", date(2025, 1, 1), R("21", "10", "7.5", "4", "2"), R("21", "10", "4")),
    ("FI", date(2024, 9, 1), R("24", "14", "10"), R("25.5", "14", "10")),
    ("FI", date(2026, 1, 1), R("25.5", "14", "10"), R("25.5", "13.5", "10")),
    ("IE", date(2020, 9, 1), R("23", "13.5", "9", "4.8"), R("21", "13.5", "9", "4.8")),
    ("IE", date(2021, 3, 1), R("21", "13.5", "9", "4.8"), R("23", "13.5", "9", "4.8")),
    ("LT", date(2026, 1, 1), R("21", "9", "5"), R("21", "12", "5")),
    ("LU", date(2023, 1, 1), R("17", "14", "8", "3"), R("16", "13", "7", "3")),
    ("LU", date(2024, 1, 1), R("16", "13", "7", "3"), R("17", "14", "8", "3")),
    ("LV", date(2018, 1, 1), R("21", "12"), R("21", "12", "5")),
    ("MT", date(2024, 1, 1), R("18", "7", "5"), R("18", "12", "7", "5")),
    ("NL", date(2019, 1, 1), R("21", "6"), R("21", "9")),
    ("RO", date(2025, 8, 1), R("19", "9", "5"), R("21", "11")),
    ("SI", date(2020, 1, 1), R("22", "9.5"), R("22", "9.5", "5")),
    ("SK", date(2023, 1, 1), R("20", "10"), R("20", "10", "5")),
    ("SK", date(2025, 1, 1), R("20", "10", "5"), R("23", "19", "5")),
]

ONE_DAY = timedelta(days=1)


def every_day(first: date, last: date):
    day = first
    while day <= last:
        yield day
        day += ONE_DAY


# --- countries and territory -------------------------------------------------------------------


def test_exactly_the_27_member_states():
    assert EU_VAT_COUNTRIES == THE_27
    assert isinstance(EU_VAT_COUNTRIES, frozenset)
    assert "EL" not in EU_VAT_COUNTRIES and "GB" not in EU_VAT_COUNTRIES and "MC" not in EU_VAT_COUNTRIES


@pytest.mark.parametrize("code", sorted(THE_27))
def test_each_member_state_maps_to_itself(code):
    assert vat_country(code) == code
    assert vat_country(code.lower()) == code
    assert vat_country(f"  {code.lower()} ") == code
    assert is_eu_vat_area(code)


@pytest.mark.parametrize(
    "country, postcode, expected",
    [
        ("MC", None, "FR"),
        ("mc", "98000", "FR"),
        (" Mc ", None, "FR"),
        ("EL", None, "GR"),
        ("el", None, "GR"),
        ("gr", None, "GR"),
        ("GR", "10557", "GR"),
        ("FR", "75001", "FR"),
        ("FR", " 75001 ", "FR"),
        ("FR", "1000", "FR"),        # Bourg-en-Bresse 01000, leading zero lost in Excel
        ("FR", "20000", "FR"),       # Corsica is inside the area
        ("FR", "98000", "FR"),       # Monaco addressed with an FR postcode
        ("FR", "", "FR"),
        ("FR", None, "FR"),
        ("FR", "97100", None),       # Guadeloupe
        ("FR", "97 100", None),
        ("FR", "97200", None),       # Martinique
        ("FR", "97300", None),       # Guyane
        ("FR", "97400", None),       # La Réunion
        ("FR", "97500", None),       # Saint-Pierre-et-Miquelon
        ("FR", "97600", None),       # Mayotte
        ("FR", "97133", None),       # Saint-Barthélemy
        ("FR", "98800", None),       # Nouvelle-Calédonie
        ("FR", 97100, None),         # a number read from Excel
        ("FR", "97100.0", None),
        ("fr", "F-97100", None),
        ("FR", "97100 CEDEX", None),
        ("FR", "75008 CEDEX 08", "FR"),
        ("GP", None, None),
        ("MQ", None, None),
        ("RE", None, None),
        ("GF", None, None),
        ("YT", "97600", None),
        ("gp", "97100", None),
        ("ES", "28001", "ES"),
        ("ES", "3510", "ES"),        # Alicante 03510, leading zero lost
        ("ES", "35001", None),       # Las Palmas de Gran Canaria
        ("ES", "38001", None),       # Santa Cruz de Tenerife
        ("ES", "51001", None),       # Ceuta
        ("ES", "52001", None),       # Melilla
        ("FI", "00100", "FI"),
        ("FI", "22100", None),       # Mariehamn, Åland
        ("FI", "AX-22100", None),
        ("DE", "10115", "DE"),
        ("DE", "78266", None),       # Büsingen
        ("DE", "27498", None),       # Heligoland
        ("IT", "00184", "IT"),
        ("IT", "23041", None),       # Livigno
        ("IT", "22061", None),       # Campione d'Italia
        ("GR", "63086", None),       # Mount Athos
        ("BE", "1000", "BE"),        # a postcode rule of another country does not leak
        ("NL", "9711 AB", "NL"),
        ("GB", None, None),
        ("GB", "BT1 1AA", "XI"),     # Northern Ireland: EU rules for goods
        ("GB", "bt94 9zz", "XI"),
        ("GB", "BTX 1AA", None),     # not a Northern Irish postcode district
        ("UK", None, None),
        ("XI", None, "XI"),
        ("CH", "1200", None),
        ("NO", None, None),
        ("US", "10001", None),
        ("AX", None, None),
        ("IC", None, None),
        ("", None, None),
        ("   ", None, None),
        ("FRA", None, None),
        ("XX", None, None),
    ],
)
def test_vat_country(country, postcode, expected):
    assert vat_country(country, postcode) == expected
    assert is_eu_vat_area(country, postcode) is (expected is not None)


def test_vat_country_tolerates_a_missing_country():
    assert vat_country(None) is None  # type: ignore[arg-type]
    assert is_eu_vat_area(None) is False  # type: ignore[arg-type]


@pytest.mark.parametrize("country", ["GB", "CH", "US", "NO", "GP", "MQ", "RE", "GF", "YT", "", "EU"])
def test_rates_outside_the_area_raise(country):
    with pytest.raises(UnknownVatCountry):
        rates(country, date(2024, 1, 1))
    with pytest.raises(UnknownVatCountry):
        standard_rate(country, date(2024, 1, 1))


def test_unknown_vat_country_is_a_value_error():
    assert issubclass(UnknownVatCountry, ValueError)
    with pytest.raises(ValueError, match="GB"):
        rates("GB", date(2024, 1, 1))


def test_northern_ireland_has_the_uk_rates_but_is_not_one_of_the_27():
    assert rates("XI", date(2024, 6, 1)) == R("20", "5") and standard_rate("xi", date(2026, 1, 1)) == 20
    assert "XI" not in EU_VAT_COUNTRIES and is_eu_vat_area("GB", "BT7 1NN")


def test_deemed_supplier_table():
    gb, no, ch = (vat_rates.DEEMED_SUPPLIER[c] for c in ("GB", "NO", "CH"))
    assert (gb.start, gb.currency, gb.limit, gb.per_item) == (date(2021, 1, 1), "GBP", Decimal("135"), False)
    assert (no.currency, no.limit, no.per_item) == ("NOK", Decimal("3000"), True)
    assert (ch.start, ch.limit, ch.standard_rate) == (date(2025, 1, 1), None, Decimal("8.1"))
    assert not set(vat_rates.DEEMED_SUPPLIER) & EU_VAT_COUNTRIES


@pytest.mark.parametrize("day", [date(2017, 1, 1), date(2020, 8, 1), date(2026, 12, 31)])
def test_monaco_uses_french_rates(day):
    assert rates("MC", day) == rates("FR", day) == R("20", "10", "5.5", "2.1")
    assert standard_rate("mc", day) == Decimal("20")


@pytest.mark.parametrize("code", ["GR", "gr", "EL", "el", " El "])
def test_greece_under_both_codes(code):
    assert rates(code, date(2024, 6, 1)) == R("24", "13", "6")
    assert standard_rate(code, date(2024, 6, 1)) == Decimal("24")


# --- the rates ---------------------------------------------------------------------------------


def test_rates_on_2017_01_01():
    assert {c: rates(c, date(2017, 1, 1)) for c in THE_27} == ON_2017_01_01


def test_rates_on_2026_01_01():
    assert {c: rates(c, date(2026, 1, 1)) for c in THE_27} == ON_2026_01_01


@pytest.mark.parametrize(
    "country, day, expected",
    [
        ("FR", date(2023, 5, 17), "20"),
        ("DE", date(2020, 11, 30), "16"),
        ("DE", date(2022, 3, 1), "19"),
        ("IE", date(2020, 12, 25), "21"),
        ("LU", date(2023, 6, 30), "16"),
        ("FI", date(2025, 3, 3), "25.5"),
        ("EE", date(2025, 12, 31), "24"),
        ("RO", date(2025, 8, 1), "21"),
        ("SK", date(2025, 2, 1), "23"),
        ("HU", date(2019, 1, 1), "27"),
        ("MT", date(2022, 2, 2), "18"),
    ],
)
def test_standard_rate(country, day, expected):
    assert standard_rate(country, day) == Decimal(expected)
    assert standard_rate(country, day) == rates(country, day)[0]


def test_rates_are_decimals_built_from_strings():
    fr = rates("FR", date(2024, 1, 1))
    assert all(type(r) is Decimal for r in fr)
    assert [str(r) for r in fr] == ["20", "10", "5.5", "2.1"]
    assert [str(r) for r in rates("IE", date(2024, 1, 1))] == ["23", "13.5", "9", "4.8"]
    assert str(rates("ES", date(2024, 12, 1))[2]) == "7.5"


@pytest.mark.parametrize("country, change, before, after", CHANGES, ids=[f"{c[0]}-{c[1]}" for c in CHANGES])
def test_every_change_boundary(country, change, before, after):
    assert rates(country, change - ONE_DAY) == before
    assert rates(country, change) == after
    assert standard_rate(country, change - ONE_DAY) == before[0]
    assert standard_rate(country, change) == after[0]


def test_changes_listed_here_are_all_the_changes():
    """A daily sweep finds a change exactly on the days listed in CHANGES, and nowhere else."""
    found = set()
    for country in THE_27:
        previous = rates(country, date(2017, 1, 1))
        for day in every_day(date(2017, 1, 2), date(2026, 12, 31)):
            current = rates(country, day)
            if current != previous:
                found.add((country, day))
            previous = current
    assert found == {(c, d) for c, d, _, _ in CHANGES}


def test_temporary_changes_last_exactly_their_period():
    for day in (date(2020, 7, 1), date(2020, 9, 15), date(2020, 12, 31)):
        assert standard_rate("DE", day) == Decimal("16")
    for day in (date(2020, 9, 1), date(2021, 1, 1), date(2021, 2, 28)):
        assert standard_rate("IE", day) == Decimal("21")
    for day in (date(2023, 1, 1), date(2023, 12, 31)):
        assert rates("LU", day) == R("16", "13", "7", "3")
    for day in (date(2024, 10, 1), date(2024, 12, 31)):
        assert rates("ES", day) == R("21", "10", "7.5", "4", "2")
    for day in (date(2020, 7, 1), date(2021, 12, 31)):
        assert Decimal("5") in rates("AT", day)


def test_dates_before_the_table_use_the_2017_rates():
    assert rates("RO", date(2016, 12, 31)) == R("19", "9", "5")
    assert rates("NL", date(2010, 6, 1)) == R("21", "6")
    assert rates("FR", date(1999, 1, 1)) == R("20", "10", "5.5", "2.1")
    assert rates("LV", date(2016, 1, 1)) == R("21", "12")


def test_dates_after_the_table_use_the_last_known_rates():
    assert rates("FI", date(2027, 1, 1)) == R("25.5", "13.5", "10")
    assert rates("RO", date(2030, 6, 1)) == R("21", "11")
    assert rates("AT", date(2031, 1, 1)) == R("20", "13", "10", "4.9")
    for country in THE_27:
        assert rates(country, date(2040, 1, 1)) == rates(country, date(2026, 12, 31))


def test_a_datetime_is_accepted_as_a_date():
    assert rates("DE", datetime(2020, 7, 1, 0, 0)) == R("16", "5")
    assert rates("DE", datetime(2020, 6, 30, 23, 59)) == R("19", "7")
    assert standard_rate("IE", datetime(2021, 2, 28, 12)) == Decimal("21")


def test_every_month_of_every_country_is_ordered_and_in_range():
    """Sweep: every month 2017-2026 gives a non-empty tuple, standard first, the rest strictly
    decreasing, every rate strictly between 0 and 28 (0 % is never listed)."""
    for country in THE_27:
        for year in range(2017, 2027):
            for month in range(1, 13):
                for day in (date(year, month, 1), date(year, month, 28)):
                    found = rates(country, day)
                    assert found, (country, day)
                    assert isinstance(found, tuple)
                    assert all(Decimal(0) < r < Decimal(28) for r in found), (country, day, found)
                    assert all(a > b for a, b in zip(found, found[1:])), (country, day, found)
                    assert found[0] == max(found)
                    assert standard_rate(country, day) == found[0]
                    assert found[0] >= Decimal(15)  # EU minimum standard rate


def test_table_bounds_are_published():
    assert vat_rates.TABLE_START == date(2017, 1, 1)
    assert vat_rates.TABLE_END == date(2026, 12, 31)
    assert vat_rates.TABLE_START < vat_rates.BELIEVED_CORRECT_UNTIL <= vat_rates.TABLE_END


def test_module_imports_on_its_own_and_cheaply():
    """Loaded by path in a fresh interpreter (no package __init__), it pulls in no heavy module."""
    path = Path(vat_rates.__file__).resolve()
    code = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('vat_rates_alone', {str(path)!r})\n"
        "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)\n"
        "from datetime import date\n"
        "assert m.standard_rate('FR', date(2024, 1, 1)) == 20\n"
        "heavy = {'pandas', 'numpy', 'openpyxl', 'xlwings', 'stdnum', 'requests'} & set(sys.modules)\n"
        "print(sorted(heavy))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
