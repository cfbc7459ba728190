"""Vérifier's checks (SPEC §2, §7): a `Table` in, typed rows, findings and orders out.

Checks run column by column over the whole sheet; every finding points at one cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from collections.abc import Mapping
from typing import Any

from . import booking as B
from . import columns as C
from . import exchange
from . import findings as F
from . import postcodes, targets, text, values
from . import vat as V
from . import vat_rates
from .orders import Order, build_orders
from .reader import Table, no_gc
from .settings import Settings


class RowValues(Mapping):
    """One row's typed values, read from column lists: a dict per row would cost ~2 KB × rows."""

    __slots__ = ("_cols", "_i")

    def __init__(self, cols: dict, i: int):
        self._cols = cols
        self._i = i

    def __getitem__(self, name):
        return self._cols[name][self._i]

    def get(self, name, default=None):
        col = self._cols.get(name)
        return default if col is None else col[self._i]

    def __setitem__(self, name, value):
        self._cols[name][self._i] = value

    def __iter__(self):
        return iter(self._cols)

    def __len__(self):
        return len(self._cols)


class TypedRow:
    __slots__ = ("index", "number", "v", "_bad")

    def __init__(self, index: int, number: int, v: RowValues, bad: list):
        self.index, self.number, self.v, self._bad = index, number, v, bad

    @property
    def bad(self) -> bool:
        """The row holds an error: its order cannot be built."""
        return self._bad[self.index]


@dataclass
class Verification:
    table: Table
    findings: list[F.Finding]
    rows: list[TypedRow]
    orders: list[Order]  # the orders Intégrer may create: built, free of errors, not invoiced by Amazon
    order_count: int
    notice: str | None = None  # e.g. why the database's checks could not run
    groups: dict[str, list[int]] = field(default_factory=dict)  # every order of the sheet → its rows' indices
    amazon_invoiced: set[str] = field(default_factory=set)  # orders Amazon invoiced itself: never invoiced here
    cols: dict = field(default_factory=dict, repr=False)  # the typed columns (for the journal's fingerprints)

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


def _mixed_numbers(table: Table, col: list) -> bool:
    """True when values equal as dict keys but typed differently (1, 1.0, True) may meet in a column."""
    if table.format in ("txt", "csv"):
        return False  # text files hold only str and None
    kinds = set(map(type, col))
    return len(kinds & {bool, int, float}) > 1


def _key(raw):
    # 1.0, 1 and True are equal as dict keys; a cell's type matters for parsing, so keep it in the key.
    return raw if type(raw) is str else (type(raw).__name__, raw)


class _Checker:
    """Column by column, each distinct value of a column parsed once (exports repeat themselves)."""

    def __init__(self, table: Table, settings: Settings):
        self.t = table
        self.s = settings
        self.findings: list[F.Finding] = []
        n = len(table.rows)
        self.cols: dict[str, list] = {}
        self.bad = [False] * n
        self.ignored = [False] * n  # exact repeats (W_LIGNE_DOUBLE): Intégrer leaves them out
        self.rows = [TypedRow(i, number, RowValues(self.cols, i), self.bad)
                     for i, number in enumerate(table.row_numbers)]
        self.raw = {name: table.column_values(name) for name in table.columns}

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
            self.bad[i] = True

    # ------------------------------------------------------------------------------------ columns
    def missing_columns(self) -> None:
        for name in C.REQUIRED:
            if name not in self.t.columns:
                self.add(F.MissingColumn, None, name, name=C.display(name))

    def text_cells(self) -> None:
        charset = self.s.jeu_caracteres
        written = set(C.WRITTEN_TEXT)
        for name, col in self.raw.items():
            cs = charset if name in written else None
            issues = {}
            for raw in set(col):
                if type(raw) is str and raw and not (raw.isascii() and raw.isprintable()):
                    issue = text.inspect(raw, cs)
                    if issue is not None:
                        issues[raw] = issue
            if issues:
                for i, raw in enumerate(col):
                    issue = issues.get(raw) if type(raw) is str else None
                    if issue is not None:
                        self.add(F.BadCharacters, i, name, issue.fixed, severity=issue.severity,
                                 detail=" ; ".join(issue.reasons))

    def typed(self) -> None:
        for name, col in self.raw.items():
            required = name in C.MUST_HAVE_VALUE
            keyed = [_key(v) for v in col] if _mixed_numbers(self.t, col) else col
            value_of, problems = {}, {}
            for k in set(keyed):
                value, problem = self._parse(name, k[1] if type(k) is tuple else k)
                value_of[k] = value
                if problem is not None and (problem is not _BLANK or required):
                    problems[k] = problem
            self.cols[name] = list(map(value_of.__getitem__, keyed))
            if problems:
                for i, k in enumerate(keyed):
                    problem = problems.get(k)
                    if problem is None:
                        continue
                    if problem is _BLANK:
                        self.add(F.EmptyField, i, name, name=C.display(name))
                    else:
                        cls, suggestion, severity, params = problem
                        self.add(cls, i, name, suggestion, severity=severity, **params)

    def _parse(self, name: str, raw):
        """(typed value, problem) for one distinct raw value; problem = (class, suggestion, severity, params)."""
        if values.is_blank(raw):
            return None, _BLANK
        shown = values.as_text(raw)
        if name in _MONEY:
            try:
                amount = values.parse_money(raw)
            except ValueError as exc:
                return None, (F.BadAmount, None, "", {"value": shown, "detail": str(exc)})
            if amount < 0 and name not in C.SIGNED_MONEY:
                return None, (F.BadAmount, abs(amount), "", {"value": shown,
                                                             "detail": "un montant négatif est impossible ici"})
            return amount, None
        if name == "quantity-purchased":
            try:
                return values.parse_quantity(raw), None
            except ValueError:
                return None, (F.BadQuantity, None, "", {"value": shown})
        if name in C.DATES:
            try:
                return values.parse_datetime(raw, self.s.zone, self.t.date1904), None
            except (ValueError, OverflowError):
                return None, (F.BadDate, None, "", {"value": shown})
        if name in C.IDS:
            severity = F.ERROR if name == "order-id" else F.WARNING
            try:
                ident, restored = values.parse_identifier(raw)
            except values.IdDamage as exc:
                return None, (F.BadIdentifier, None, severity, {"detail": (
                    f"Identifiant « {exc} » abîmé par Excel (notation scientifique) : ses chiffres sont perdus ; "
                    "reprenez la valeur du rapport Amazon d'origine.")})
            if restored:
                return ident, (F.BadIdentifier, ident, F.INFO, {"detail": (
                    f"Identifiant « {shown if isinstance(raw, str) else format(raw, '.1f')} » converti en nombre "
                    f"par Excel ; la valeur exacte « {ident} » a été rétablie.")})
            return ident, None
        if name in C.BOOLEANS:
            try:
                return values.parse_bool(raw), None
            except ValueError:
                return None, (F.BadBoolean, None, "", {"value": shown})
        if name in ("ship-country", "bill-country"):
            code = shown.strip().upper()
            if code not in _countries():
                return None, (F.BadCountry, _country_suggestion(shown), "", {"value": shown})
            return code, None
        if name == "currency":
            code = shown.strip().upper()
            if code not in _currencies():
                return None, (F.BadCurrency, _CURRENCY_FIXES.get(code), "", {"value": shown})
            return code, None
        return shown.strip(), None

    def postcodes_and_phones(self) -> None:
        cols = self.cols
        n = len(self.rows)
        none = [None] * n
        ship_c = cols.get("ship-country", none)
        bill_c = [b or s for b, s in zip(cols.get("bill-country", none), ship_c)]
        for name, countries, restore, cls in (
                ("ship-postal-code", ship_c, postcodes.restore, F.PostcodeRestored),
                ("bill-postal-code", bill_c, postcodes.restore, F.PostcodeRestored),
                ("ship-phone-number", ship_c, postcodes.restore_phone, F.PhoneRestored),
                ("buyer-phone-number", bill_c, postcodes.restore_phone, F.PhoneRestored)):
            col = cols.get(name)
            if col is None:
                continue
            cache = {}
            for i, (value, country) in enumerate(zip(col, countries)):
                if not value:
                    continue
                key = (country, value)
                fixed = cache[key] if key in cache else cache.setdefault(key, restore(country or "", value))
                if fixed:
                    params = {"value": value, "fixed": fixed}
                    if cls is F.PostcodeRestored:
                        params["country"] = country
                    self.add(cls, i, name, fixed, **params)
                    col[i] = fixed

    def vat_arithmetic(self) -> None:
        cols = self.cols
        for ttc_c, ht_c, tax_c in (("item-price", "vat-exclusive-item-price", "item-tax"),
                                   ("shipping-price", "vat-exclusive-shipping-price", "shipping-tax")):
            if not all(c in cols for c in (ttc_c, ht_c, tax_c)):
                continue
            for i, (ttc, ht, tax) in enumerate(zip(cols[ttc_c], cols[ht_c], cols[tax_c])):
                if ttc is not None and ht is not None and tax is not None:
                    gap = ttc - (ht + tax)
                    if gap > _CENT or gap < -_CENT:
                        self.add(F.VatMismatch, i, tax_c, format(ttc - ht, "f"), case="arithmetic",
                                 ttc=V.fmt_money(ttc), ht=V.fmt_money(ht), tva=V.fmt_money(tax),
                                 gap=V.fmt_money(gap))

    def tax_sanity(self) -> None:
        """Before anything else is computed from a tax (SPEC §7): HT given and tax empty gives the tax; a tax
        at or above its TTC, negative, or beyond any legal rate is an error on the tax cell, suggesting the
        tax at the destination's standard rate."""
        cols, n, s = self.cols, len(self.rows), self.s
        none = [None] * n
        qty_c = cols.get("quantity-purchased", none)
        country_c, postcode_c = cols.get("ship-country", none), cols.get("ship-postal-code", none)
        when_c = cols.get("purchase-date", none)
        days = {w: w.astimezone(s.zone).date() for w in set(when_c) if w is not None}
        undated = date.today()
        for ttc_c, tax_c, ht_c, per_qty in C.AMOUNT_PAIRS:
            if ttc_c not in cols:
                continue
            prices, hts = cols[ttc_c], cols.get(ht_c, none) if ht_c else none
            taxes = cols.setdefault(tax_c, [None] * n)
            for i, ttc in enumerate(prices):
                if ttc is None:
                    continue
                tax = B.tax_from_ht(ttc, taxes[i], hts[i])
                taxes[i] = tax
                if tax is None:
                    continue
                qty = qty_c[i] if per_qty and qty_c[i] else 1
                rates = _sanity_rates(country_c[i] or "", postcode_c[i] or "", days.get(when_c[i], undated))
                case = B.tax_sanity(ttc, tax, qty, rates)
                if case is not None:
                    fixed = V.split_ttc(ttc, rates[0])[1]
                    self.add(F.VatMismatch, i, tax_c, format(fixed, "f"), case=case, tva=V.fmt_money(tax),
                             ttc=V.fmt_money(ttc), rate=V.fmt_rate(rates[0]), fixed=V.fmt_money(fixed),
                             implied=V.fmt_rate(V.implied_rate(ttc, tax) or Decimal(0)))

    def duplicates(self) -> None:
        """(order-id, order-item-id) is unique (SPEC §7 "Integration"): an exact repeat is W_LIGNE_DOUBLE and
        ignored; the same pair with other cells is E_LIGNE_DOUBLE; without an order-item-id, identical rows of
        one order are E_LIGNE_DOUBLE (nothing tells a copy from a second, equal item)."""
        ids = self.cols.get("order-id")
        if ids is None:
            return
        items = self.cols.get("order-item-id", [None] * len(ids))
        rows = self.t.rows
        seen: dict[tuple, list[int]] = {}
        cells: dict[int, tuple] = {}  # only rows whose key repeats are compared cell by cell

        def cells_of(j: int) -> tuple:
            return cells[j] if j in cells else cells.setdefault(j, _cells(rows[j]))

        for i, (oid, item) in enumerate(zip(ids, items)):
            if not oid:
                continue
            earlier = seen.setdefault((oid, item or None), [])
            if not item:  # no item id: only a row identical to an earlier one of its order is a copy
                first = next((j for j in earlier if cells_of(j) == cells_of(i)), None)
            else:
                first = earlier[0] if earlier else None
            earlier.append(i)
            if first is None:
                continue
            params = dict(order=oid, item=item or "", first_row=self.t.row_numbers[first])
            if not item:
                self.add(F.ConflictingRow, i, "order-id", case="no_item_id", **params)
            elif cells_of(first) == cells_of(i):
                self.add(F.DuplicateRow, i, "order-item-id", **params)
                self.ignored[i] = True
            else:
                self.add(F.ConflictingRow, i, "order-item-id", case="different", **params)

    def text_lengths(self, limits: dict[str, targets.Limit]) -> None:
        """Text longer than its Gestan column (SPEC §7): W_TEXTE_TRONQUE suggesting the cut text, which is what
        Intégrer then writes; a key (sku, order-id) is E_TROP_LONG instead. A database error is never the first
        to notice."""
        cols = self.cols
        for name, limit in limits.items():
            col = cols.get(name)
            if col is None:
                continue
            long = {v for v in set(col) if type(v) is str and len(v) > limit.length}
            for i, v in enumerate(col) if long else ():
                if v in long:
                    self._too_long(i, name, v, limit, v[:limit.length])
        for first, second in targets.JOINED:
            a, b = cols.get(first), cols.get(second)
            limit = limits.get(first)
            if a is None or b is None or limit is None:
                continue
            for i, (x, y) in enumerate(zip(a, b)):
                if x and y and len(x) + 1 + len(y) > limit.length:
                    self._too_long(i, second, y, limit, y[:max(0, limit.length - len(x) - 1)].rstrip())

    def _too_long(self, i: int, name: str, value: str, limit: targets.Limit, cut: str) -> None:
        params = dict(length=len(value), limit=limit.length, target=limit.target)
        if limit.key:
            self.add(F.TooLongKey, i, name, **params)
        else:
            self.add(F.TooLongText, i, name, cut, **params)
            self.cols[name][i] = cut

    def amazon_invoiced(self) -> set[str]:
        """Orders Amazon invoiced itself (`is-amazon-invoiced`, SPEC §7): no second invoice, I_FACTURE_PAR_AMAZON."""
        flags, ids = self.cols.get("is-amazon-invoiced"), self.cols.get("order-id")
        if flags is None or ids is None:
            return set()
        out = set()
        for i, (flag, oid) in enumerate(zip(flags, ids)):
            if flag and oid:
                out.add(oid)
                self.add(F.InvoicedByAmazon, i, "is-amazon-invoiced", order=oid)
        return out

    def orders(self) -> dict[str, list[TypedRow]]:
        groups: dict[str, list[TypedRow]] = {}
        rows, ignored = self.rows, self.ignored
        for i, oid in enumerate(self.cols.get("order-id", ())):
            if oid and not ignored[i]:
                g = groups.get(oid)
                if g is None:
                    groups[oid] = [rows[i]]
                else:
                    g.append(rows[i])
        multi = [(oid, g) for oid, g in groups.items() if len(g) > 1]
        if not multi:
            return groups
        for c in C.ORDER_LEVEL:
            if c not in self.raw:
                continue
            keys = self._compare_keys(c)
            raw = self.raw[c]
            for oid, g in multi:
                first = g[0]
                k0 = keys[first.index]
                for r in g[1:]:
                    if keys[r.index] != k0:
                        raw_first = values.as_text(raw[first.index])
                        first_issue = text.inspect(raw_first, None) if raw_first else None
                        fixed_first = first_issue.fixed if first_issue and first_issue.fixed else raw_first
                        self.add(F.OrderMismatch, r.index, c, fixed_first, order=oid,
                                 value=values.as_text(raw[r.index]), first=raw_first, first_row=first.number)
        return groups

    def _compare_keys(self, c: str) -> list:
        """Per row: the value compared across an order's rows (trimmed, collapsed, casefolded; dates as
        instants; a cell already flagged for its characters compared as repaired)."""
        if c in C.DATES:
            typed = self.cols[c]
            return [t if t is not None else _norm(values.as_text(r)) for t, r in zip(typed, self.raw[c])]
        col = self.raw[c]
        keyed = [_key(v) for v in col] if _mixed_numbers(self.t, col) else col
        cache = {k: _norm(values.as_text(k[1] if type(k) is tuple else k)) for k in set(keyed)}
        return list(map(cache.__getitem__, keyed))


_BLANK = object()
_MONEY = frozenset(C.MONEY)
_CENT = Decimal("0.01")
_NO_RATE = (Decimal(0),)


def _cells(row) -> tuple:
    """A row's cells as text, trailing empties dropped: what "identical rows" compares."""
    cells = [values.as_text(v).strip() if not values.is_blank(v) else "" for v in row]
    while cells and not cells[-1]:
        cells.pop()
    return tuple(cells)


@lru_cache(maxsize=4096)
def _sanity_rates(country: str, postcode: str, day: date) -> tuple[Decimal, ...]:
    """The rates a destination's taxes are checked against, standard first: its EU rates, a deemed-supplier
    country's standard rate, else 0 % (an export)."""
    area = vat_rates.vat_country(country, postcode)
    if area is not None:
        return vat_rates.rates(area, day)
    deemed = vat_rates.DEEMED_SUPPLIER.get(country.strip().upper())
    return (deemed.standard_rate,) if deemed is not None else _NO_RATE


def _norm(shown: str) -> str:
    issue = text.inspect(shown, None) if shown else None
    if issue is not None and issue.fixed is not None:
        shown = issue.fixed
    return " ".join(shown.split()).casefold()


def verify_table(table: Table, settings: Settings, facts=None, predictions: bool = True, *, vies=None,
                 today: date | None = None) -> Verification:
    """All checks; with `facts` (a `GestanFacts`) also those that need the database. `vies`: the VIES checker
    (by default one on the setting `vies_url` when `vies` = `oui`); `today`: the issue date of `integration`."""
    if vies is None and settings.vies == "oui":
        from .vies import Checker

        vies = Checker(settings.vies_url, settings.tva_vendeur)
    rates = exchange.load(settings.taux_change)
    with no_gc():
        return _verify_table(table, settings, facts, predictions, vies, today, rates)


def _verify_table(table: Table, settings: Settings, facts, predictions: bool, vies, today, rates) -> Verification:
    ch = _Checker(table, settings)
    ch.missing_columns()
    ch.text_cells()
    ch.typed()
    ch.postcodes_and_phones()
    ch.text_lengths(facts.limits() if facts is not None else targets.limits())
    ch.tax_sanity()
    ch.vat_arithmetic()
    ch.duplicates()
    invoiced = ch.amazon_invoiced()
    groups = ch.orders()
    missing = any(f.code == F.MissingColumn.code for f in ch.findings)
    buildable = [] if missing else [g for oid, g in groups.items()
                                    if oid not in invoiced and not any(r.bad for r in g)]
    orders, notes = build_orders(buildable, settings, facts.product_rate if facts is not None else None,
                                 ch.cols, len(ch.rows), today=today, confirm=vies.check if vies else None, rates=rates)
    for n in notes:
        ch.add(n.kind, _index_of(ch.rows, n.row), n.column, n.suggestion, **n.params)
    bad = ch.bad
    by_number = {r.number: r.index for r in ch.rows}
    orders = [o for o in orders if not any(bad[by_number[number]] for number in o.rows)]
    result = Verification(table, ch.findings, ch.rows, orders, len(groups),
                          groups={oid: [r.index for r in g] for oid, g in groups.items()},
                          amazon_invoiced=invoiced, cols=ch.cols)
    skipped_rows = {r.number for oid in invoiced for r in groups.get(oid, ())}
    if facts is not None:
        from .facts import database_findings

        extra, integrated_rows = database_findings(result, facts, settings, predictions)
        result.findings = result.findings + extra
        skipped_rows |= integrated_rows
    for f in result.findings:
        if f.row in skipped_rows and f.severity != F.INFO and f.code != F.ModifiedOrder.code:
            f.severity = F.INFO  # an order Intégrer will skip never blocks (SPEC §7)
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
