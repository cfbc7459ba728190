"""Vérifier's checks (SPEC §2, §7): a `Table` in, typed rows, findings and orders out.

Checks run column by column over the whole sheet; every finding points at one cell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from collections.abc import Mapping
from itertools import compress, filterfalse
from operator import is_, is_not, ne
from typing import Any

from . import columns as C
from . import exchange
from . import findings as F
from . import postcodes, reports, targets, text, values
from . import vat as V
from .orders import Order, build_orders
from .reader import Table, no_gc
from .row_checks import RowChecks
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
    __slots__ = ("index", "number", "_cols", "_bad")

    def __init__(self, index: int, number: int, cols: dict, bad: list):
        self.index, self.number, self._cols, self._bad = index, number, cols, bad

    @property
    def v(self) -> RowValues:
        """The row's typed values (made when asked: few callers want them, 100k rows are made)."""
        return RowValues(self._cols, self.index)

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


class _Checker(RowChecks):
    """Column by column, each distinct value of a column parsed once (exports repeat themselves); the checks
    of amounts and rows come from `row_checks.RowChecks`."""

    def __init__(self, table: Table, settings: Settings):
        self.t = table
        self.s = settings
        self.findings: list[F.Finding] = []
        n = len(table.rows)
        self.cols: dict[str, list] = {}
        self.bad = [False] * n
        self.ignored = [False] * n  # exact repeats (W_LIGNE_DOUBLE): Intégrer leaves them out
        self.rows = [TypedRow(i, number, self.cols, self.bad) for i, number in enumerate(table.row_numbers)]
        self.raw = table.columns_values()
        self._sound_cache: dict[tuple[str, str], bool] = {}
        self._dates: dict[str, tuple] = {}  # date text → (value, problem), shared by the date columns
        self._iso: dict[str, datetime] = {}  # Amazon's ISO instants read without a problem, shared likewise
        self.purchase_days: dict = {}  # purchase instant → its day in `fuseau_horaire` (`tax_sanity`'s)
        self._distinct: dict[str, set] = {}  # column → its distinct raw values, from `text_cells` to `typed`

    def add(self, cls: type[F.Finding], i: int | None, column: str | None, suggestion: Any = None,
            severity: str = "", **params) -> None:
        t = self.t
        if i is None:
            row, cell = 1, None
        else:
            row, cell = t.row_numbers[i], t.cell(i, column) if column else None
        if suggestion is not None and column and not self._sound(column, str(suggestion)):
            suggestion = None
        f = cls(row=row, column=C.display(column) if column else None, cell=cell,
                suggestion=None if suggestion is None else str(suggestion), params=params, severity=severity,
                col_index=t.columns.get(column, -1) if column else -1)
        self.findings.append(f)
        if f.severity == F.ERROR and i is not None:
            self.bad[i] = True

    def _sound(self, name: str, suggestion: str) -> bool:
        """A suggestion is offered only if the cell would pass its own checks with it (never « France »
        for a country, nor a negative tax)."""
        key = (name, suggestion)
        ok = self._sound_cache.get(key)
        if ok is None:
            ok = not (values.is_blank(suggestion) and name in C.MUST_HAVE_VALUE)
            if ok and not values.is_blank(suggestion):
                value, problem = self._parse(name, suggestion)
                ok = problem is None or (problem is not _BLANK and problem[2] == F.INFO)
                if ok and name in _TAXES and value is not None and value < 0:  # the tax sanity check's own
                    ok = False
            if ok and name in _WRITTEN:
                issue = text.inspect(suggestion, self.s.jeu_caracteres)
                ok = issue is None or issue.severity != F.ERROR
            self._sound_cache[key] = ok
        return ok

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
            distinct = self._distinct[name] = set(col)  # `typed` reads it too
            texts = _texts(distinct)
            # Only texts that are not plain printable ASCII need a look: picked in C, the rest never visited.
            for raw in set(filterfalse(str.isascii, texts)).union(filterfalse(str.isprintable, texts)):
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
            distinct = self._distinct.pop(name, None)
            if distinct is None or keyed is not col:
                distinct = set(keyed)
            value_of = self._plain_dates(distinct) if name in _DATES else _plain_values(name, distinct)
            problems = {}
            for k in distinct.difference(value_of) if value_of else distinct:
                value, problem = self._parse(name, k[1] if type(k) is tuple else k)
                value_of[k] = value
                if problem is not None and (problem is not _BLANK or required):
                    problems[k] = problem
            self.cols[name] = _typed_column(keyed, value_of)
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

    def _plain_dates(self, distinct: set) -> dict:
        """`_plain_values` for a date column: Amazon's ISO instants with their offset, read in one C-level pass
        as `values.parse_datetime` reads them, shared with the other date columns through `_iso`."""
        plain = self._iso
        texts = _texts(distinct)
        pending = (texts if texts is distinct else set(texts)).difference(plain)
        if self._dates:  # texts `_parse` has read (an impossible date among them would fail the whole batch)
            pending.difference_update(self._dates)
        new = list(filter(_ISO_INSTANT, pending))
        try:
            parsed = list(map(datetime.fromisoformat, new))
        except ValueError:  # a well-shaped impossible date (month 13): every new one by `_parse`, which names it
            new = parsed = []
        plain.update(zip(new, parsed))
        common = plain.keys() & distinct
        return dict(zip(common, map(plain.__getitem__, common)))

    def _parse(self, name: str, raw):
        """(typed value, problem) for one distinct raw value; problem = (class, suggestion, severity, params)."""
        if type(raw) is str:
            if name in _IDS and values.plain_identifier(raw):
                return raw, None  # order and item ids: most distinct values of an export, nothing to undo
            if name in _MONEY and values.plain_amount(raw):
                return Decimal(raw), None  # "12.34": what parse_money would make of it, without its detours
            if name in _DATES:
                # Dates repeat across columns (payments-date is mostly purchase-date): one parse per text.
                hit = self._dates.get(raw)
                if hit is None:
                    hit = self._dates[raw] = self._parse_date(raw)
                return hit
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
            return self._parse_date(raw)
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
                    f"Identifiant « {shown} » converti en nombre par Excel ; la valeur exacte « {ident} » a été "
                    "rétablie.")})
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

    def _parse_date(self, raw):
        if values.is_blank(raw):
            return None, _BLANK
        try:
            return values.parse_datetime(raw, self.s.zone, self.t.date1904), None
        except (ValueError, OverflowError):
            return None, (F.BadDate, None, "", {"value": values.as_text(raw)})

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
            fixes = {}  # each distinct (country, value) restored once; rows walked only if one was
            for country, value in set(zip(countries, col)):
                if value:
                    fixed = restore(country or "", value)
                    if fixed:
                        fixes[(country, value)] = fixed
            if not fixes:
                continue
            for i, (value, country) in enumerate(zip(col, countries)):
                fixed = fixes.get((country, value)) if value else None
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
        # Every later row of an order beside its order's first row, as parallel lists (one entry per pair).
        pairs = [(oid, g, r) for oid, g in multi for r in g[1:]]
        later = [r.index for _, _, r in pairs]
        firsts = [g[0].index for _, g, _ in pairs]
        for c in C.ORDER_LEVEL:
            if c not in self.raw:
                continue
            raw = self.raw[c]
            # The key compared is a function of the raw cell (and, for postcodes and phones, of the typed one):
            # rows whose inputs are the very same need no key, and most rows of an order repeat its first. The
            # reader shares one object per distinct text, so `is` finds those in C; only the others are looked at.
            typed = self.cols[c] if c in C.POSTCODES or c in C.PHONES else None
            get = raw.__getitem__
            maybe = set(compress(range(len(pairs)), map(is_not, map(get, later), map(get, firsts))))
            if typed is not None:
                get = typed.__getitem__
                maybe.update(compress(range(len(pairs)), map(ne, map(get, later), map(get, firsts))))
            if not maybe:
                continue
            key_of = self._compare_key(c)
            first_keys: dict[int, object] = {}  # an order's first row → its key, made once
            for p in sorted(maybe):
                oid, g, r = pairs[p]
                first = g[0]
                v0, v = raw[first.index], raw[r.index]
                if v is v0 or (type(v) is type(v0) and v == v0):
                    if typed is None or typed[r.index] == typed[first.index]:
                        continue
                k0 = first_keys.get(first.index, _UNSET)
                if k0 is _UNSET:
                    k0 = first_keys[first.index] = key_of(first.index)
                if key_of(r.index) != k0:
                    raw_first = values.as_text(raw[first.index])
                    # The suggestion is the first row's value as it should be: repaired (in Gestan's
                    # charset where it is written), zeros restored; none when it is wrong itself.
                    charset = self.s.jeu_caracteres if c in _WRITTEN else None
                    first_issue = text.inspect(raw_first, charset) if raw_first else None
                    fixed_first = first_issue.fixed if first_issue and first_issue.fixed else raw_first
                    if c in C.POSTCODES or c in C.PHONES:  # zeros restored, which needs its country
                        countries = self.cols.get("ship-country", [None] * len(self.rows))
                        country = countries[first.index]
                        # the same digits read otherwise under another country: no suggestion then
                        same = country is not None and countries[r.index] == country
                        fixed_first = (self.cols[c][first.index] or fixed_first) if same else None
                    if raw_first and self.cols[c][first.index] is None:
                        fixed_first = None
                    self.add(F.OrderMismatch, r.index, c, fixed_first, order=oid,
                             value=values.as_text(raw[r.index]), first=raw_first, first_row=first.number)
        return groups

    def _compare_key(self, c: str):
        """Row index → the value compared across an order's rows (trimmed, collapsed, casefolded; dates as
        instants; a cell already flagged for its characters compared as repaired)."""
        raw, typed = self.raw[c], self.cols[c]
        if c in C.DATES:
            return lambda i: typed[i] if typed[i] is not None else _norm(values.as_text(raw[i]))
        if c in C.POSTCODES or c in C.PHONES:  # compared restored: "7100" and "07100" are one postcode
            return lambda i: _norm(typed[i] if typed[i] is not None else values.as_text(raw[i]))
        charset = self.s.jeu_caracteres if c in _WRITTEN else None
        mixed = _mixed_numbers(self.t, raw)
        cache: dict = {}

        def key(i: int):
            k = _key(raw[i]) if mixed else raw[i]
            if k not in cache:
                cache[k] = _norm(values.as_text(k[1] if type(k) is tuple else k), charset)
            return cache[k]
        return key

_BLANK = object()
_UNSET = object()
_MONEY = frozenset(C.MONEY)
_IDS = frozenset(C.IDS)
_DATES = frozenset(C.DATES)
# Columns `_parse` reads as more than free text (the rest: stripped, or blank).
_PARSED = _MONEY | _IDS | _DATES | frozenset(C.BOOLEANS) | {"quantity-purchased", "ship-country", "bill-country",
                                                             "currency"}


def _plain_values(name: str, distinct: set) -> dict:
    """{text: typed value} for the distinct texts of a column whose `_parse` has no problem to report and needs
    no Python call per value: ids and two-decimal amounts as `_parse`'s own shortcuts take them, free text that
    is not blank (stripped). Each test runs in C over the whole set: ids are all distinct, and `_parse` is a
    Python call each. The other values go through `_parse`."""
    texts = _texts(distinct)
    if name in _IDS:
        plain = list(filter(values.plain_identifier, texts))
        return dict(zip(plain, plain))
    if name in _MONEY:
        plain = list(filter(values.plain_amount, texts))
        return dict(zip(plain, map(Decimal, plain)))
    if name in _PARSED:
        return {}
    return {raw: kept for raw, kept in zip(texts, map(str.strip, texts)) if kept}


def _texts(distinct: set):
    """The str values of a column's distinct values: the set itself when it holds nothing else (text files)."""
    return distinct if set(map(type, distinct)) == _STR_ONLY else [v for v in distinct if type(v) is str]


# An instant as Amazon writes it, offset included (`values.parse_datetime`'s first path takes it as is).
_ISO_INSTANT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?(?:[+-]\d\d:\d\d|Z)", re.ASCII).fullmatch
_STR_ONLY = {str}
_TEXT_KEYS = frozenset({str, type(None)})


def _typed_column(keyed: list, value_of: dict) -> list:
    """Each cell's typed value. A column of texts that are their own typed value (ids, free text), blanks aside,
    is copied in C, its empty cells made None: the lookup per cell costs more than the rest of the typing."""
    if set(map(type, value_of)) <= _TEXT_KEYS:
        own = sum(map(is_, value_of, value_of.values()))  # values that are their own typed value
        if own == len(value_of):
            return list(keyed)
        if own == len(value_of) - 1 and value_of.get("", "") is None:  # all but "", the only falsy text
            return [v or None for v in keyed]
    return list(map(value_of.__getitem__, keyed))


_TAXES = frozenset({"item-tax", "shipping-tax", "gift-wrap-tax"})
_WRITTEN = frozenset(C.WRITTEN_TEXT)
_CENT = Decimal("0.01")


def _norm(shown: str, charset: str | None = None) -> str:
    issue = text.inspect(shown, charset) if shown else None
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
    if not table.rows and table.layout == "header":
        ch.add(F.NoOrders, None, None)  # a header and no data row: never "peut être intégré" (SPEC §1)
    ch.missing_columns()
    ch.text_cells()
    ch.typed()
    ch.postcodes_and_phones()
    ch.text_lengths(facts.limits() if facts is not None else targets.limits())
    ch.tax_sanity()
    ch.vat_arithmetic()
    ch.duplicates()
    fba_report = table.report == reports.FBA
    abroad = ch.fba_centres() if fba_report else set()
    invoiced = ch.amazon_invoiced()
    groups = ch.orders()
    missing = any(f.code == F.MissingColumn.code for f in ch.findings)
    if missing:
        buildable = []
    elif not invoiced and not any(ch.bad):  # a clean sheet: every order is built
        buildable = list(groups.values())
    else:
        buildable = [g for oid, g in groups.items() if oid not in invoiced and not any(r.bad for r in g)]
    orders, notes = build_orders(buildable, settings, facts.product_rate if facts is not None else None,
                                 ch.cols, len(ch.rows), today=today, confirm=vies.check if vies else None, rates=rates,
                                 fba=fba_report, purchase_days=ch.purchase_days)
    for n in notes:
        ch.add(n.kind, _index_of(ch.rows, n.row), n.column, n.suggestion, **n.params)
    if facts is not None:
        from .facts import reissue_credited

        reissue_credited(orders, facts, today or datetime.now(settings.zone).date())
    bad = ch.bad
    if any(bad):  # the orders' own notes may have found errors
        by_number = {r.number: r.index for r in ch.rows}
        orders = [o for o in orders if not any(bad[by_number[number]] for number in o.rows)]
    result = Verification(table, ch.findings, ch.rows, orders, len(groups),
                          groups={oid: [r.index for r in g] for oid, g in groups.items()},
                          amazon_invoiced=invoiced, cols=ch.cols)
    skipped_rows = {r.number for oid in invoiced for r in groups.get(oid, ())}
    skipped_rows |= {ch.rows[i].number for i in abroad}  # shipped from abroad, left aside: they never block
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
