"""Vérifier's checks (SPEC §2, §7): a `Table` in, typed rows, findings and orders out.

Checks run column by column over the whole sheet; every finding points at one cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

from . import columns as C
from . import findings as F
from . import postcodes, text, values
from . import vat as V
from .orders import Order, build_orders
from .reader import Table
from .settings import Settings


@dataclass
class TypedRow:
    index: int
    number: int
    v: dict = field(default_factory=dict)
    bad: bool = False  # holds an error: the row's order cannot be built


@dataclass
class Verification:
    table: Table
    findings: list[F.Finding]
    rows: list[TypedRow]
    orders: list[Order]
    order_count: int
    notice: str | None = None  # e.g. why the database's checks could not run

    @property
    def counts(self) -> dict[str, int]:
        return F.count_by_severity(self.findings)

    @property
    def has_errors(self) -> bool:
        return any(f.severity == F.ERROR for f in self.findings)


@lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    import pycountry

    return frozenset(c.alpha_2 for c in pycountry.countries)


@lru_cache(maxsize=1)
def _currencies() -> frozenset[str]:
    import pycountry

    return frozenset(c.alpha_3 for c in pycountry.currencies)


_COUNTRY_FIXES = {"UK": "GB", "EL": "GR", "FX": "FR"}
_CURRENCY_FIXES = {"€": "EUR", "EURO": "EUR", "EUROS": "EUR", "£": "GBP", "$": "USD"}


@lru_cache(maxsize=256)
def _country_suggestion(value: str) -> str | None:
    up = value.strip().upper()
    if up in _COUNTRY_FIXES:
        return _COUNTRY_FIXES[up]
    import pycountry

    try:
        return pycountry.countries.lookup(value.strip()).alpha_2
    except LookupError:
        return _french_country_names().get(_fold(value))


def _fold(value: str) -> str:
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", value.strip().casefold())
    return "".join(c for c in decomposed if c.isalnum())


@lru_cache(maxsize=1)
def _french_country_names() -> dict[str, str]:
    """French country names (pycountry's own translations) → ISO code, for the suggestion only."""
    import gettext

    import pycountry

    try:
        fr = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"])
    except OSError:
        return {}
    names = {}
    for c in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            label = getattr(c, attr, None)
            if label:
                names[_fold(fr.gettext(label))] = c.alpha_2
    return names


class _Checker:
    def __init__(self, table: Table, settings: Settings):
        self.t = table
        self.s = settings
        self.findings: list[F.Finding] = []
        self.rows = [TypedRow(i, n) for i, n in enumerate(table.row_numbers)]

    def add(self, cls: type[F.Finding], i: int | None, column: str | None, suggestion: Any = None,
            severity: str = "", **params) -> None:
        t = self.t
        if i is None:
            row, cell = 1, None
        else:
            row, cell = t.row_numbers[i], t.cell(i, column) if column else None
        f = cls(row=row, column=C.display(column) if column else None, cell=cell,
                suggestion=None if suggestion is None else str(suggestion), params=params, severity=severity,
                col_index=t.columns.get(column, -1) if column else -1)
        self.findings.append(f)
        if f.severity == F.ERROR and i is not None:
            self.rows[i].bad = True

    # ------------------------------------------------------------------------------------ columns
    def missing_columns(self) -> None:
        for name in C.REQUIRED:
            if name not in self.t.columns:
                self.add(F.MissingColumn, None, name, name=C.display(name))

    def text_cells(self) -> None:
        charset = self.s.jeu_caracteres
        written = set(C.WRITTEN_TEXT)
        for name in self.t.columns:
            cs = charset if name in written else None
            for i, raw in enumerate(self.t.column_values(name)):
                if isinstance(raw, str) and raw:
                    issue = text.inspect(raw, cs)
                    if issue is not None:
                        self.add(F.BadCharacters, i, name, issue.fixed, severity=issue.severity,
                                 detail=" ; ".join(issue.reasons))

    def typed(self) -> None:
        t, zone = self.t, self.s.zone
        money_cols = set(C.MONEY)
        for name in t.columns:
            col = t.column_values(name)
            required = name in C.MUST_HAVE_VALUE
            for i, raw in enumerate(col):
                if values.is_blank(raw):
                    if required:
                        self.add(F.EmptyField, i, name, name=C.display(name))
                    self.rows[i].v[name] = None
                    continue
                self.rows[i].v[name] = self._one(name, i, raw, money_cols, zone)

    def _one(self, name: str, i: int, raw, money_cols, zone):
        shown = values.as_text(raw)
        if name in money_cols:
            try:
                amount = values.parse_money(raw)
            except ValueError as exc:
                self.add(F.BadAmount, i, name, value=shown, detail=str(exc))
                return None
            if amount < 0 and name not in C.SIGNED_MONEY:
                self.add(F.BadAmount, i, name, abs(amount), value=shown, detail="un montant négatif est impossible ici")
                return None
            return amount
        if name == "quantity-purchased":
            try:
                return values.parse_quantity(raw)
            except ValueError:
                self.add(F.BadQuantity, i, name, value=shown)
                return None
        if name in C.DATES:
            try:
                return values.parse_datetime(raw, zone, self.t.date1904)
            except (ValueError, OverflowError):
                self.add(F.BadDate, i, name, value=shown)
                return None
        if name in C.IDS:
            severity = F.ERROR if name == "order-id" else F.WARNING
            try:
                ident, restored = values.parse_identifier(raw)
            except values.IdDamage as exc:
                self.add(F.BadIdentifier, i, name, severity=severity, detail=(
                    f"Identifiant « {exc} » abîmé par Excel (notation scientifique) : ses chiffres sont perdus ; "
                    "reprenez la valeur du rapport Amazon d'origine."))
                return None
            if restored:
                self.add(F.BadIdentifier, i, name, ident, severity=F.INFO, detail=(
                    f"Identifiant « {shown if isinstance(raw, str) else format(raw, '.1f')} » converti en nombre "
                    f"par Excel ; la valeur exacte « {ident} » a été rétablie."))
            return ident
        if name in C.BOOLEANS:
            try:
                return values.parse_bool(raw)
            except ValueError:
                self.add(F.BadBoolean, i, name, value=shown)
                return None
        if name in ("ship-country", "bill-country"):
            code = shown.strip().upper()
            if code not in _countries():
                self.add(F.BadCountry, i, name, _country_suggestion(shown), value=shown)
                return None
            return code
        if name == "currency":
            code = shown.strip().upper()
            if code not in _currencies():
                self.add(F.BadCurrency, i, name, _CURRENCY_FIXES.get(code), value=shown)
                return None
            return code
        return shown.strip()

    def postcodes_and_phones(self) -> None:
        for i, r in enumerate(self.rows):
            v = r.v
            ship_country = v.get("ship-country") or ""
            bill_country = v.get("bill-country") or ship_country
            for name, country in (("ship-postal-code", ship_country), ("bill-postal-code", bill_country)):
                code = v.get(name)
                if code:
                    fixed = postcodes.restore(country, code)
                    if fixed:
                        self.add(F.PostcodeRestored, i, name, fixed, value=code, fixed=fixed, country=country)
                        v[name] = fixed
            for name, country in (("ship-phone-number", ship_country), ("buyer-phone-number", bill_country)):
                phone = v.get(name)
                if phone:
                    fixed = postcodes.restore_phone(country, phone)
                    if fixed:
                        self.add(F.PhoneRestored, i, name, fixed, value=phone, fixed=fixed)
                        v[name] = fixed

    def vat_arithmetic(self) -> None:
        for i, r in enumerate(self.rows):
            for ttc_c, ht_c, tax_c in (("item-price", "vat-exclusive-item-price", "item-tax"),
                                       ("shipping-price", "vat-exclusive-shipping-price", "shipping-tax")):
                ttc, ht, tax = r.v.get(ttc_c), r.v.get(ht_c), r.v.get(tax_c)
                if isinstance(ttc, Decimal) and isinstance(ht, Decimal) and isinstance(tax, Decimal):
                    gap = ttc - (ht + tax)
                    if abs(gap) > Decimal("0.01"):
                        self.add(F.VatMismatch, i, tax_c, format(ttc - ht, "f"), ttc=V.fmt_money(ttc),
                                 ht=V.fmt_money(ht), tva=V.fmt_money(tax), gap=V.fmt_money(gap))

    def orders(self) -> dict[str, list[TypedRow]]:
        groups: dict[str, list[TypedRow]] = {}
        for r in self.rows:
            oid = r.v.get("order-id")
            if oid:
                groups.setdefault(oid, []).append(r)
        columns = [c for c in C.ORDER_LEVEL if c in self.t.columns]
        for oid, rows in groups.items():
            if len(rows) < 2:
                continue
            first = rows[0]
            keys = {c: self._compare_key(first, c) for c in columns}
            for r in rows[1:]:
                for c in columns:
                    if self._compare_key(r, c) != keys[c]:
                        raw_first = values.as_text(self.t.value(first.index, c))
                        first_issue = text.inspect(raw_first, None) if raw_first else None
                        fixed_first = first_issue.fixed if first_issue and first_issue.fixed else raw_first
                        self.add(F.OrderMismatch, r.index, c, fixed_first, order=oid,
                                 value=values.as_text(self.t.value(r.index, c)), first=raw_first,
                                 first_row=first.number)
        return groups

    def _compare_key(self, r: TypedRow, c: str):
        typed = r.v.get(c)
        if c in C.DATES and typed is not None:
            return typed  # aware datetimes compare as instants
        shown = values.as_text(self.t.value(r.index, c))
        issue = text.inspect(shown, None) if shown else None
        if issue is not None and issue.fixed is not None:
            shown = issue.fixed  # a cell already flagged for its characters is compared as repaired
        return " ".join(shown.split()).casefold()


def verify_table(table: Table, settings: Settings, facts=None) -> Verification:
    """All checks; with `facts` (a `GestanFacts`) also those that need the database."""
    ch = _Checker(table, settings)
    ch.missing_columns()
    ch.text_cells()
    ch.typed()
    ch.postcodes_and_phones()
    ch.vat_arithmetic()
    groups = ch.orders()
    missing = any(f.code == F.MissingColumn.code for f in ch.findings)
    buildable = [] if missing else [g for g in groups.values() if not any(r.bad for r in g)]
    orders, notes = build_orders(buildable, settings, facts.product_rate if facts is not None else None)
    for n in notes:
        ch.add(n.kind, _index_of(ch.rows, n.row), n.column, n.suggestion, **n.params)
    result = Verification(table, ch.findings, ch.rows, orders, len(groups))
    if facts is not None:
        from .facts import database_findings

        result.findings = result.findings + database_findings(result, facts, settings)
    result.findings = F.sort_findings(result.findings)
    return result


def _index_of(rows: list[TypedRow], number: int) -> int:
    lo, hi = 0, len(rows)
    while lo < hi:  # row numbers increase: bisect
        mid = (lo + hi) // 2
        if rows[mid].number < number:
            lo = mid + 1
        else:
            hi = mid
    return lo
