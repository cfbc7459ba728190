"""Vérifier's checks of amounts and rows (SPEC §7 "Money and VAT", "Integration"): tax sanity, duplicate rows,
text lengths, orders Amazon invoiced. A mixin of `checks._Checker`, whose typed columns (`self.cols`) and
`self.add` it uses.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import lru_cache
from itertools import repeat

from . import booking as B
from . import columns as C
from . import fba
from . import findings as F
from . import targets, values
from . import vat as V
from . import vat_rates

_NO_RATE = (Decimal(0),)
# tax × (100 + L) ≤ TTC × L ⇔ tax ≤ L % of (TTC − tax): a pair `B.tax_sanity` passes whatever the rates
_D30, _D130 = B.SANE_RATE_LIMIT, 100 + B.SANE_RATE_LIMIT


class RowChecks:
    def tax_sanity(self) -> None:
        """Before anything else is computed from a tax (SPEC §7): HT given and tax empty gives the tax; a tax
        at or above its TTC, negative, or beyond any legal rate is an error on the tax cell, suggesting the
        tax at the destination's standard rate."""
        cols, n, s = self.cols, len(self.rows), self.s
        none = [None] * n
        qty_c = cols.get("quantity-purchased", none)
        country_c, postcode_c = cols.get("ship-country", none), cols.get("ship-postal-code", none)
        when_c = cols.get("purchase-date", none)
        days = self.purchase_days = {w: w.astimezone(s.zone).date() for w in set(when_c) if w is not None}
        undated = date.today()
        row_rates = None  # each row's rates, worked out once for the three pairs (at C speed: map, lru_cache)
        sanity = B.tax_sanity
        for ttc_c, tax_c, ht_c, per_qty in C.AMOUNT_PAIRS:
            if ttc_c not in cols:
                continue
            prices, hts = cols[ttc_c], cols.get(ht_c, none) if ht_c else none
            taxes = cols.setdefault(tax_c, [None] * n)
            if row_rates is None:
                row_days = list(map(days.get, when_c, repeat(undated, n)))
                row_rates = list(map(_sanity_rates, map(_or_blank, country_c), map(_or_blank, postcode_c),
                                     row_days))
            for i, ttc in enumerate(prices):
                if ttc is None:
                    continue
                tax = taxes[i]
                if tax is None:  # B.tax_from_ht
                    if hts[i] is None:
                        continue
                    tax = taxes[i] = ttc - hts[i]
                if tax >= 0 and tax * _D130 <= ttc * _D30:
                    continue  # not negative, below its TTC, an implied rate ≤ 30 %: nearly every pair
                qty = qty_c[i] if per_qty and qty_c[i] else 1
                rates = row_rates[i]
                case = sanity(ttc, tax, qty, rates)
                if case is not None:
                    fixed = V.split_ttc(ttc, rates[0])[1]
                    # What the cell should hold: the tax Amazon's own HT implies when it is sane, else the
                    # standard rate's; nothing when the destination is unknown (its rate is not known either)
                    # or when Amazon's HT would then disagree with it.
                    suggestion = fixed if hts[i] is None or ttc - hts[i] == fixed else None
                    if hts[i] is not None and B.tax_sanity(ttc, ttc - hts[i], qty, rates) is None:
                        suggestion = ttc - hts[i]
                    if country_c[i] is None:
                        suggestion = None
                    self.add(F.VatMismatch, i, tax_c, None if suggestion is None else format(suggestion, "f"),
                             case=case, tva=V.fmt_money(tax),
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
        # FBA: one item shipped in two parcels is two rows of one order-item-id, each its own shipment item.
        parcels = self.cols.get("shipment-item-id", [None] * len(ids))
        rows = self.t.rows
        seen: dict[tuple, list[int]] = {}
        cells: dict[int, tuple] = {}  # only rows whose key repeats are compared cell by cell

        def cells_of(j: int) -> tuple:
            return cells[j] if j in cells else cells.setdefault(j, _cells(rows[j]))

        for i, (oid, item, parcel) in enumerate(zip(ids, items, parcels)):
            if not oid:
                continue
            earlier = seen.setdefault((oid, item or None, parcel or None), [])
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

    def fba_centres(self) -> set[int]:
        """FBA shipments (SPEC §1): one that left a fulfilment centre outside France is a sale of that country,
        `E_FBA_HORS_FRANCE`, unless `fba_hors_france` = `ignorer` skips the row, said (`I_FBA_HORS_FRANCE`); an
        unknown centre is a warning. Returns the indices of the rows skipped."""
        centres = self.cols.get("fulfillment-center-id")
        if centres is None:
            return set()
        skip = self.s.fba_hors_france == "ignorer"
        skipped = set()
        unknown: dict[str, list[int]] = {}
        for i, centre in enumerate(centres):
            country = fba.centre_country(centre)
            if country is None:
                unknown.setdefault(centre or "", []).append(i)
            elif country != fba.FRANCE:
                if skip:
                    self.add(F.FbaSkipped, i, "fulfillment-center-id", centre=centre, country=country)
                    self.ignored[i] = True
                    skipped.add(i)
                else:
                    self.add(F.FbaAbroad, i, "fulfillment-center-id", centre=centre, country=country)
        for centre, rows in unknown.items():  # once per centre, every cell coloured in Excel (like a new product)
            self.add(F.FbaUnknownCentre, rows[0], "fulfillment-center-id", centre=centre or "(vide)", count=len(rows))
            self.findings[-1].also = tuple(self.t.cell(i, "fulfillment-center-id") for i in rows[1:])
        return skipped

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


def _or_blank(value):
    return value or ""


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
