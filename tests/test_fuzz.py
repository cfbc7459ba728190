"""Property-based tests: no input makes the reader or the checks crash, and what they say holds."""

import tempfile
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from amazon_addin import values
from amazon_addin.errors import ReadError
from amazon_addin.settings import Settings
from amazon_addin.verify import verify_file
from exportgen import HEADER, row, write_txt, write_xlsx

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
S = Settings()
PARIS = ZoneInfo("Europe/Paris")

cell_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)
noisy = st.one_of(cell_text, st.sampled_from(["", " ", "7100", "1,5", "-3", "2.20764E+13", "JÃ¼rgen", "Łukasz",
                                              "=1+1", "\x00", "\ufffd", "12.505", "31/02/2017", "ZZ", "true"]))


def _assert_consistent(result):
    keys = [(f.row, f.col_index, f.code) for f in result.findings]
    assert keys == sorted(keys)
    assert len({(f.row, f.column, f.code) for f in result.findings}) == len(result.findings)
    for f in result.findings:
        assert f.severity in ("error", "warning", "info")
        assert isinstance(f.message, str) and f.message
        assert f.suggestion is None or isinstance(f.suggestion, str)
    for o in result.orders:
        assert o.total_ttc == o.amazon_ttc
        for line in o.lines:
            assert line.ht + line.tva == line.ttc


@FAST
@given(data=st.binary(max_size=2048), ext=st.sampled_from([".txt", ".csv", ".xlsx", ".xls", ""]))
def test_random_bytes_never_crash(data, ext):
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / f"f{ext}"
        path.write_bytes(data)
        try:
            _assert_consistent(verify_file(path, S))
        except ReadError as exc:
            assert exc.message.endswith(".") and "Traceback" not in exc.message


@FAST
@given(header_noise=st.lists(cell_text, max_size=5), body=st.text(max_size=400))
def test_random_text_after_a_real_header(header_noise, body):
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "f.txt"
        path.write_text("\t".join(HEADER + header_noise) + "\n" + body, encoding="utf-8")
        _assert_consistent(verify_file(path, S))


@SLOW
@given(cells=st.lists(st.fixed_dictionaries({}, optional={
    k: noisy for k in ("order-id", "sku", "quantity-purchased", "item-price", "item-tax", "shipping-price",
                       "vat-exclusive-item-price", "purchase-date", "ship-country", "ship-postal-code",
                       "currency", "buyer-name", "is-business-order", "buyer-tax-registration-id",
                       "item-promotion-discount", "gift-wrap-price")}), min_size=1, max_size=6),
       fmt=st.sampled_from(["txt", "xlsx"]))
def test_mutated_rows_never_crash(cells, fmt):
    rows = []
    for i, overrides in enumerate(cells):
        r = row(order_id=f"405-000000{i % 3}-0000000")
        r.update(overrides)
        clean = {k: v.replace("\t", " ").replace("\n", " ").replace("\r", " ") for k, v in r.items()}
        if fmt == "xlsx":  # a worksheet cannot hold C0 controls at all
            clean = {k: ILLEGAL_CHARACTERS_RE.sub("", v) for k, v in clean.items()}
        rows.append(clean)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / f"f.{fmt}"
        (write_txt if fmt == "txt" else write_xlsx)(path, rows)
        result = verify_file(path, S)
        _assert_consistent(result)
        assert all(2 <= f.row <= len(rows) + 1 for f in result.findings if f.code != "E_COLONNE_MANQUANTE")


@FAST
@given(raw=st.one_of(st.text(max_size=20), st.floats(allow_nan=True), st.integers(), st.booleans()))
def test_money_parser_total(raw):
    try:
        value = values.parse_money(raw)
    except ValueError:
        return
    assert isinstance(value, Decimal) and value == value.quantize(Decimal("0.01"))


@FAST
@given(raw=st.one_of(st.text(max_size=30), st.floats(), st.integers(min_value=-10**9, max_value=10**9)))
def test_date_parser_total(raw):
    try:
        dt = values.parse_datetime(raw, PARIS)
    except (ValueError, OverflowError):
        return
    assert dt.tzinfo is not None
