"""VAT rates in force in the 27 EU member states, day by day, from 2017-01-01 to 2026-12-31.

Used to check that the VAT Amazon charged on a sale is a legal rate of the destination country on
the invoice date, and to derive VAT when Amazon gave none.

Source
------
European Commission, DG TAXUD, *VAT rates applied in the Member States of the European Union*
(published twice a year, situation at 1 January and 1 July), complemented by the national laws that
changed a rate; each change is dated and its law named in a comment next to it in ``_HISTORY``.

What a row holds
----------------
Every rate that the country's mainland VAT law applies on that day: the standard rate, the reduced
rate(s), the super-reduced rate and the parking rate, as the Commission's table lists them, temporary
rates included (e.g. ES 2 % / 7.5 % in Q4 2024). Deliberately left out:

* the 0 % rate (exemptions with right of deduction: IE books and food, BE newspapers, PL/PT/ES food
  in 2022-2024, DE/AT photovoltaic modules...). Callers treat 0 % themselves (export, reverse charge);
* regional rates: Corsica (FR 13 %, 0.9 %...), Madeira and the Azores (PT), the Greek islands with a
  30 % discount (17 %, 9 %, 4 %);
* rates kept only for contracts signed before a change (e.g. RO 9 % on dwellings until 2026-07-31).

A rate that exists only for services (EE 13 % accommodation, MT 12 %) is listed all the same: the
table is per country and date, not per product.

Territory
---------
``vat_country`` maps a destination to the ISO code whose rates apply, or ``None`` outside the EU VAT
area: Monaco uses French VAT; Greece is ``GR`` (VAT prefix ``EL`` accepted); the French overseas
departments and collectivities (``GP MQ RE GF YT`` or an FR postcode 97xxx, 984xx-989xx), the Canary
Islands, Ceuta and Melilla (ES 35/38/51/52), Åland (FI 22xxx), Büsingen and Heligoland (DE 78266,
27498), Livigno and Campione d'Italia (IT 23041, 22061) and Mount Athos (GR 63086) are outside.
Northern Ireland (``GB`` with a ``BT`` postcode, or ``XI``) follows the EU rules for goods (Windsor
Framework, formerly the Northern Ireland Protocol, from 2021-01-01) at the UK rates: it maps to ``XI``,
which is not one of the 27 (``EU_VAT_COUNTRIES``) but has rates here.

Marketplace deemed supplier
---------------------------
``DEEMED_SUPPLIER`` lists the destinations outside the EU where Amazon, as an online marketplace,
collects and pays the local VAT itself on consignments up to a value limit: the United Kingdom
outside Northern Ireland (VATA 1994 s. 5A, consignments of goods up to £135, from 2021-01-01),
Norway (VOEC scheme, goods below NOK 3,000 per item, from 2020-04-01) and Switzerland (MWSTG art. 20a,
electronic platforms deemed suppliers from 2025-01-01, no value limit).

Validity
--------
Believed correct for every date up to 2026-01-31 (changes known at that date included). Changes
announced for later in 2026 are included where known (AT 4.9 % from 2026-07-01, adopted by the
Austrian government in January 2026); later dates assume no other change. Dates before 2017-01-01
get the 2017-01-01 rates; dates after 2026-12-31 the last known rates.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import date, datetime
from functools import lru_cache
from decimal import Decimal
from typing import NamedTuple

__all__ = [
    "EU_VAT_COUNTRIES",
    "TABLE_START",
    "TABLE_END",
    "BELIEVED_CORRECT_UNTIL",
    "UnknownVatCountry",
    "DEEMED_SUPPLIER",
    "DeemedSupplier",
    "northern_ireland",
    "vat_country",
    "is_eu_vat_area",
    "rates",
    "standard_rate",
]

TABLE_START = date(2017, 1, 1)
TABLE_END = date(2026, 12, 31)
BELIEVED_CORRECT_UNTIL = date(2026, 1, 31)

# country -> ((first day, (standard, other rates in decreasing order)), ...), oldest first.
# Each row holds from its first day until the day before the next row. Rates are strings in percent.
_HISTORY: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "AT": (
        ("2017-01-01", ("20", "13", "10")),  # 13 % is also the parking rate
        # AT: COVID-19 amendment of UStG 1994 (June 2020), 5 % on gastronomy, accommodation, culture and
        # publications from 2020-07-01, first to 2020-12-31, extended to 2021-12-31
        ("2020-07-01", ("20", "13", "10", "5")),
        ("2022-01-01", ("20", "13", "10")),
        # AT: 4.9 % on a basket of basic foods from 2026-07-01 (Ministerrat decision of January 2026)
        ("2026-07-01", ("20", "13", "10", "4.9")),
    ),
    "BE": (
        ("2017-01-01", ("21", "12", "6")),  # 12 % is also the parking rate
    ),
    "BG": (
        ("2017-01-01", ("20", "9")),
    ),
    "CY": (
        ("2017-01-01", ("19", "9", "5")),
        # CY: VAT (Amendment) Law 2023 (Directive 2022/542), 3 % on books, press, medical devices,
        # in force on publication in the Official Gazette, 2023-07-21
        ("2023-07-21", ("19", "9", "5", "3")),
    ),
    "CZ": (
        ("2017-01-01", ("21", "15", "10")),
        # CZ: consolidation package, Act 349/2023 Coll.: 15 % and 10 % merged into 12 % from 2024-01-01
        ("2024-01-01", ("21", "12")),
    ),
    "DE": (
        ("2017-01-01", ("19", "7")),
        # DE: Zweites Corona-Steuerhilfegesetz, 16 %/5 % from 2020-07-01 to 2020-12-31
        ("2020-07-01", ("16", "5")),
        ("2021-01-01", ("19", "7")),
    ),
    "DK": (
        ("2017-01-01", ("25",)),
    ),
    "EE": (
        ("2017-01-01", ("20", "9")),
        # EE: KMS amendment adopted 2022-05-18, 5 % on press publications from 2022-08-01
        ("2022-08-01", ("20", "9", "5")),
        # EE: KMS amendment of 2023, standard 20 -> 22 % from 2024-01-01
        ("2024-01-01", ("22", "9", "5")),
        # EE: same 2023 law, accommodation 9 -> 13 % and press 5 -> 9 % from 2025-01-01
        ("2025-01-01", ("22", "13", "9")),
        # EE: security tax package, standard 22 -> 24 % from 2025-07-01 (made permanent in 2025)
        ("2025-07-01", ("24", "13", "9")),
    ),
    "ES": (
        ("2017-01-01", ("21", "10", "4")),
        # ES: RDL 11/2022, electricity 5 % from 2022-07-01; RDL 17/2022 gas, pellets, firewood 5 % from
        # 2022-10-01; RDL 20/2022 seed oils and pasta 5 % from 2023-01-01; RDL 8/2023 and RDL 4/2024
        # kept the 5 % on oils and pasta until 2024-09-30
        ("2022-07-01", ("21", "10", "5", "4")),
        # ES: RDL 4/2024, from 2024-10-01 to 2024-12-31 basic foods and olive oil 2 %, oils and pasta 7.5 %
        ("2024-10-01", ("21", "10", "7.5", "4", "2")),
        ("2025-01-01", ("21", "10", "4")),
    ),
    "FI": (
        ("2017-01-01", ("24", "14", "10")),
        # FI: arvonlisäverolaki amendment of 2024, standard 24 -> 25.5 % from 2024-09-01
        ("2024-09-01", ("25.5", "14", "10")),
        # FI: 2026 budget law, reduced rate 14 -> 13.5 % from 2026-01-01 (10 % kept for press)
        ("2026-01-01", ("25.5", "13.5", "10")),
    ),
    "FR": (
        ("2017-01-01", ("20", "10", "5.5", "2.1")),  # mainland France and Monaco (CGI art. 278 ss.)
    ),
    "GR": (
        ("2017-01-01", ("24", "13", "6")),  # mainland rates; the island rates 17/9/4 are not listed
    ),
    "HR": (
        ("2017-01-01", ("25", "13", "5")),
    ),
    "HU": (
        ("2017-01-01", ("27", "18", "5")),
    ),
    "IE": (
        ("2017-01-01", ("23", "13.5", "9", "4.8")),  # 13.5 % parking, 4.8 % livestock
        # IE: Finance (COVID-19 and Miscellaneous Provisions) Act 2020, 23 -> 21 % from 2020-09-01
        # to 2021-02-28
        ("2020-09-01", ("21", "13.5", "9", "4.8")),
        ("2021-03-01", ("23", "13.5", "9", "4.8")),
    ),
    "IT": (
        ("2017-01-01", ("22", "10", "5", "4")),
    ),
    "LT": (
        ("2017-01-01", ("21", "9", "5")),
        # LT: Law XV-287 amending art. 19 of the VAT Law, 9 % abolished, new 12 % (accommodation,
        # passenger transport, culture), books to 5 %, from 2026-01-01
        ("2026-01-01", ("21", "12", "5")),
    ),
    "LU": (
        ("2017-01-01", ("17", "14", "8", "3")),  # 14 % is the parking rate
        # LU: tripartite "Solidaritéitspak" law of late 2022, every rate but 3 % lowered by one point
        # from 2023-01-01 to 2023-12-31
        ("2023-01-01", ("16", "13", "7", "3")),
        ("2024-01-01", ("17", "14", "8", "3")),
    ),
    "LV": (
        ("2017-01-01", ("21", "12")),
        # LV: VAT Law amendment of 2017-11-22, 5 % on fresh fruit and vegetables from 2018-01-01
        # (to 2023-12-31); books and press 12 -> 5 % from 2022-01-01 keep the 5 % rate alive
        ("2018-01-01", ("21", "12", "5")),
    ),
    "MT": (
        ("2017-01-01", ("18", "7", "5")),
        # MT: L.N. 231 of 2023, new 12 % rate (Eighth Schedule) from 2024-01-01
        ("2024-01-01", ("18", "12", "7", "5")),
    ),
    "NL": (
        ("2017-01-01", ("21", "6")),
        # NL: Belastingplan 2019, reduced rate 6 -> 9 % from 2019-01-01
        ("2019-01-01", ("21", "9")),
    ),
    "PL": (
        ("2017-01-01", ("23", "8", "5")),
    ),
    "PT": (
        ("2017-01-01", ("23", "13", "6")),  # mainland; 13 % is also the parking rate
    ),
    "RO": (
        # RO: Fiscal Code (Law 227/2015) art. 291, standard 20 -> 19 % on 2017-01-01, the table's start
        ("2017-01-01", ("19", "9", "5")),
        # RO: Law 141/2025, standard 19 -> 21 %, 9 % and 5 % merged into 11 % from 2025-08-01
        ("2025-08-01", ("21", "11")),
    ),
    "SE": (
        ("2017-01-01", ("25", "12", "6")),
    ),
    "SI": (
        ("2017-01-01", ("22", "9.5")),
        # SI: ZDDV-1 amendment of November 2019, 5 % on books, e-books and press from 2020-01-01
        ("2020-01-01", ("22", "9.5", "5")),
    ),
    "SK": (
        ("2017-01-01", ("20", "10")),
        # SK: Act 222/2022 on state-supported rental housing, 5 % from 2023-01-01
        ("2023-01-01", ("20", "10", "5")),
        # SK: 2025 consolidation package (amendment of Act 222/2004), standard 20 -> 23 %,
        # 10 % replaced by 19 %, 5 % widened, from 2025-01-01
        ("2025-01-01", ("23", "19", "5")),
    ),
}


def _build() -> dict[str, tuple[tuple[date, ...], tuple[tuple[Decimal, ...], ...]]]:
    table = {}
    for country, rows in _HISTORY.items():
        starts = tuple(date.fromisoformat(day) for day, _ in rows)
        values = []
        for _, row in rows:
            standard, *others = (Decimal(r) for r in row)
            values.append((standard, *sorted(set(others), reverse=True)))
        table[country] = (starts, tuple(values))
    return table


_TABLE = _build()

EU_VAT_COUNTRIES: frozenset[str] = frozenset(_TABLE)

# Northern Ireland: the UK rates (standard 20 %, reduced 5 %; 0 % left out as above), EU rules for goods.
_TABLE["XI"] = ((date(2017, 1, 1),), ((Decimal("20"), Decimal("5")),))

# Destinations given as another code whose rates are those of an EU country.
_ALIASES = {"MC": "FR", "EL": "GR"}


class DeemedSupplier(NamedTuple):
    """A destination where the marketplace is the deemed supplier: from `start`, for goods of a value
    (VAT and shipping excluded) up to `limit` in `currency` per consignment (`per_item`: per item)."""

    country: str
    start: date
    currency: str
    limit: Decimal | None
    per_item: bool
    standard_rate: Decimal
    law: str


DEEMED_SUPPLIER: dict[str, DeemedSupplier] = {
    d.country: d for d in (
        # UK: VATA 1994 s. 5A (Finance Act 2020), online marketplaces liable on consignments ≤ £135
        DeemedSupplier("GB", date(2021, 1, 1), "GBP", Decimal("135"), False, Decimal("20"),
                       "Royaume-Uni, envois jusqu'à 135 £"),
        # NO: VOEC (VAT on E-Commerce), Merverdiavgiftsloven § 3-30 ff., goods below NOK 3,000 per item
        DeemedSupplier("NO", date(2020, 4, 1), "NOK", Decimal("3000"), True, Decimal("25"),
                       "Norvège, régime VOEC, articles de moins de 3 000 NOK"),
        # CH: MWSTG art. 20a (revision of 2023), electronic platforms deemed suppliers from 2025-01-01
        DeemedSupplier("CH", date(2025, 1, 1), "CHF", None, False, Decimal("8.1"),
                       "Suisse, plateformes de vente en ligne"),
    )
}


def northern_ireland(country: str, postcode: str | None) -> bool:
    """A GB destination with a Northern Ireland postcode (BT1…BT94), or the code XI."""
    code = (country or "").strip().upper()
    if code == "XI":
        return True
    text = str(postcode or "").strip().upper()
    return code in ("GB", "UK") and text.startswith("BT") and text[2:3].isdigit()

# Postcode prefixes of parts of an EU country that are outside the EU VAT area.
_EXCLUDED_POSTCODES = {
    "FR": ("97", "984", "985", "986", "987", "988", "989"),  # DOM, St-Pierre, St-Barth, St-Martin, COM
    "ES": ("35", "38", "51", "52"),  # Canary Islands (Las Palmas, Tenerife), Ceuta, Melilla
    "FI": ("22",),                   # Åland
    "DE": ("78266", "27498"),        # Büsingen am Hochrhein, Heligoland
    "IT": ("23041", "22061"),        # Livigno, Campione d'Italia
    "GR": ("63086",),                # Mount Athos (Karyes)
}


class UnknownVatCountry(ValueError):
    """Rates were asked for a destination outside the EU VAT area."""


def _postcode_digits(postcode: object) -> str:
    """The digits of a numeric postcode, 5 long when Excel dropped a leading zero; '' otherwise."""
    if postcode is None:
        return ""
    text = str(postcode).strip().upper()
    if text.endswith(".0"):  # a number read from Excel as a float
        text = text[:-2]
    text = text.replace(" ", "").replace("-", "")
    text = text.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")  # "F-97100", "FIN-22100", "AX-22100"
    end = 0
    while end < len(text) and text[end] in "0123456789":  # "97100 CEDEX" -> "97100"
        end += 1
    text = text[:end]
    return text.zfill(5) if len(text) == 4 else text


@lru_cache(maxsize=65536)  # destinations repeat across an export
def vat_country(country: str, postcode: str | None = None) -> str | None:
    """ISO code whose rates apply to a destination, or None when outside the EU VAT area.

    'MC' -> 'FR'; 'EL' -> 'GR'; 'FR' with a postcode starting 971..976 -> None; 'GP','MQ','RE','GF',
    'YT' -> None; 'GB' with a BT postcode, or 'XI' -> 'XI'; case-insensitive, trims; unknown/non-EU -> None.
    """
    if not isinstance(country, str):
        return None
    if northern_ireland(country, postcode):
        return "XI"
    code = country.strip().upper()
    code = _ALIASES.get(code, code)
    if code not in _TABLE:
        return None
    excluded = _EXCLUDED_POSTCODES.get(code)
    if excluded and country.strip().upper() != "MC":
        digits = _postcode_digits(postcode)
        if digits and digits.startswith(excluded):
            return None
    return code


def is_eu_vat_area(country: str, postcode: str | None = None) -> bool:
    """True when the destination is inside the EU VAT area (its rates are in this table)."""
    return vat_country(country, postcode) is not None


def rates(country: str, on: date) -> tuple[Decimal, ...]:
    """Every legal rate of that EU country on that date, standard first, then the others decreasing.

    Decimal percentages (Decimal('20'), Decimal('5.5')). Accepts what vat_country accepts (MC -> FR
    rates). Raises UnknownVatCountry outside the area. Dates before 2017-01-01 use the 2017 rates;
    after the table's end, the last known rates.
    """
    code = vat_country(country)
    if code is None:
        raise UnknownVatCountry(f"no EU VAT rates for destination {country!r}")
    if isinstance(on, datetime):
        on = on.date()
    starts, values = _TABLE[code]
    return values[max(bisect_right(starts, on) - 1, 0)]


def standard_rate(country: str, on: date) -> Decimal:
    """The standard rate of that EU country on that date (see `rates`)."""
    return rates(country, on)[0]
