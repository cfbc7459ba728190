from datetime import date, datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from amazon_addin import values

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize("raw, expected", [
    ("12.50", "12.50"), ("12,50", "12.50"), ("1 234,56", "1234.56"), ("1\u00a0234,56", "1234.56"),
    ("1.234,56", "1234.56"), ("1,234.56", "1234.56"), ("17", "17.00"), (9.9, "9.90"), (15, "15.00"),
    (0.30000000000000004, "0.30"), ("-3.00", "-3.00"), ("12.500", "12.50"), ("24,00 €", "24.00"),
    (".5", "0.50"),
])
def test_money_accepts_both_decimal_marks(raw, expected):
    assert values.parse_money(raw) == Decimal(expected)
    assert str(values.parse_money(raw)) == expected


@pytest.mark.parametrize("raw", ["12.505", "abc", "60.OO", "1,2,3.4.5x", "", "NaN", True, float("nan")])
def test_money_rejects(raw):
    with pytest.raises(ValueError):
        values.parse_money(raw)


@pytest.mark.parametrize("raw, expected", [("1", 1), ("2", 2), (3.0, 3), ("4,0", 4), (5, 5)])
def test_quantity(raw, expected):
    assert values.parse_quantity(raw) == expected


@pytest.mark.parametrize("raw", ["0", "-1", "1.5", "1,5", "deux", "", "inf", True])
def test_quantity_rejects(raw):
    with pytest.raises(ValueError):
        values.parse_quantity(raw)


def test_dates_all_forms():
    iso = values.parse_datetime("2017-02-07T14:19:32+00:00", PARIS)
    assert iso == datetime(2017, 2, 7, 14, 19, 32, tzinfo=timezone.utc)
    us = values.parse_datetime("2025-09-24T05:02:50-07:00", PARIS)
    assert us.astimezone(timezone.utc).hour == 12
    dmy = values.parse_datetime("07/02/2017 15:19", PARIS)
    assert dmy == iso.replace(second=0) and dmy.tzinfo is PARIS
    assert values.parse_datetime("31/10/2026", PARIS).date() == date(2026, 10, 31)
    assert values.parse_datetime(datetime(2017, 2, 7, 15, 19, 32), PARIS) == iso
    # Excel serials, 1900 and 1904 systems.
    assert values.parse_datetime(42773.5, PARIS).replace(tzinfo=None) == datetime(2017, 2, 7, 12)
    assert values.parse_datetime(41311.5, PARIS, date1904=True).replace(tzinfo=None) == datetime(2017, 2, 7, 12)


@pytest.mark.parametrize("raw", ["hier", "31/02/2017", "2017-13-01T00:00:00", "", "12", -5.0, True])
def test_dates_rejected(raw):
    with pytest.raises((ValueError, OverflowError)):
        values.parse_datetime(raw, PARIS)


def test_identifiers():
    assert values.parse_identifier("405-7022286-4824726") == ("405-7022286-4824726", False)
    assert values.parse_identifier("40000000000011.0") == ("40000000000011", True)
    assert values.parse_identifier(22076422275242.0) == ("22076422275242", True)
    for damaged in ("2.20764E+13", "2,20764E+13", 1.2345678901234567e19):
        with pytest.raises(values.IdDamage):
            values.parse_identifier(damaged)


def test_as_text_undoes_excel_numbers():
    assert values.as_text(7100.0) == "7100"
    assert values.as_text(22076422275242.0) == "22076422275242"
    assert values.as_text(9.9) == "9.9"
    assert values.as_text(None) == ""
    assert values.as_text(True) == "true"


@pytest.mark.parametrize("raw, expected", [("true", True), ("FALSE", False), ("", False), (True, True),
                                            ("oui", True), (0, False)])
def test_booleans(raw, expected):
    assert values.parse_bool(raw) is expected


def test_boolean_rejects():
    with pytest.raises(ValueError):
        values.parse_bool("peut-être")
