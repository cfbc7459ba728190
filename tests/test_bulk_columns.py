"""Intégrer builds its parameters a whole column at a time: the same values, of the same types, as the
per-order invoice rows, and the same rows in a real SQLite file."""

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal as D

from amazon_addin.checks import verify_table
from amazon_addin.gestan import Schema, make_engine
from amazon_addin.gestan import bulk
from amazon_addin.gestan.admin import init_db
from amazon_addin.gestan.integrate import _invoice_columns, _invoice_row, _LineColumns
from amazon_addin.reader import read_table
from amazon_addin.settings import Settings
from exportgen import row, write_txt


def order(n, **kw):
    return row(order_id=f"405-{n:07d}-0000000", **kw)


def varied_orders(tmp_path, vies_server, rates_file) -> list:
    """Orders that exercise every branch of an invoice row: VIES-checked B2B, another currency, blank second
    lines, regions and phones, a blank bill country, several lines, a gift wrap, a promotion."""
    vies_server.answers["BE0403019261"] = "valid"
    rows = [
        order(1, sku="TASSE-01", quantity_purchased="2", item_price="24.00", item_tax="4.00",
              vat_exclusive_item_price="20.00", shipping_price="4.80", shipping_tax="0.80",
              vat_exclusive_shipping_price="4.00"),
        order(1, sku="LIVRE-CUISINE", item_price="21.10", item_tax="1.10", vat_exclusive_item_price="20.00"),
        order(2, is_business_order="true", buyer_tax_registration_id="BE0403019261", bill_name="Atelier Dubois",
              bill_address_1="Rue Neuve 1", bill_address_2="", bill_city="Bruxelles", bill_postal_code="1000",
              bill_country="BE", ship_city="Bruxelles", ship_postal_code="1000", ship_country="BE", ship_state="",
              ship_address_2="", ship_phone_number="", item_tax="0.00", vat_exclusive_item_price="24.00",
              purchase_order_number="BC-1", buyer_company_name="Atelier Dubois SPRL"),
        order(3, currency="GBP", ship_country="GB", ship_postal_code="SW1A 1AA", ship_city="London",
              bill_country="GB", bill_postal_code="SW1A 1AA", bill_city="London", item_price="12.00",
              item_tax="2.00", vat_exclusive_item_price="10.00", delivery_instructions="Sonner deux fois"),
        order(4, bill_country="", gift_wrap_price="2.40", gift_wrap_tax="0.40", item_promotion_discount="-1.20",
              purchase_date="2026-03-06T10:00:00+00:00", payments_date="2026-03-06T10:00:00+00:00"),
    ]
    settings = Settings(vies="oui", vies_url=vies_server.url, tva_vendeur="FR40303265045",
                        taux_change=str(rates_file), date_facture="achat")
    verification = verify_table(read_table(write_txt(tmp_path / "export.txt", rows)), settings, predictions=False)
    assert not verification.has_errors
    return verification.orders


def test_invoice_columns_are_the_invoice_rows(tmp_path, vies_server, rates_file):
    orders = varied_orders(tmp_path, vies_server, rates_file)
    numbers, clients = [f"FA{n:06d}" for n in range(len(orders))], list(range(10, 10 + len(orders)))
    rows = [_invoice_row(o, n, c) for o, n, c in zip(orders, numbers, clients)]
    columns = _invoice_columns(orders, numbers, clients, _LineColumns(orders))
    assert list(columns) == list(rows[0])
    for key, values in columns.items():
        expected = [r[key] for r in rows]
        assert list(values) == expected, key
        assert [type(v) for v in values] == [type(v) for v in expected], key
    # The branches were taken: a VIES answer, a foreign currency, a fallback bill country, a blank line 2.
    assert any(columns["vies_reference"]) and "GBP" in columns["devise"] and None in columns["livraison_adresse2"]
    assert columns["facturation_pays"][-1] == columns["livraison_pays"][-1] == "FR"


def test_line_columns_give_each_orders_lines_and_totals(tmp_path, vies_server, rates_file):
    orders = varied_orders(tmp_path, vies_server, rates_file)
    assert max(len(o.lines) for o in orders) >= 3 and any(l.ttc < 0 for o in orders for l in o.lines)
    lines = _LineColumns(orders)
    assert lines.columns["montant_ht"] == [l.ht for o in orders for l in o.lines]
    assert lines.columns["kind"] == [l.kind for o in orders for l in o.lines]
    assert lines.per_order(range(len(orders))) == [k for k, o in enumerate(orders) for _ in o.lines]
    # Running-sum differences are exact: the very totals of the orders, cent for cent.
    assert lines.per_order_sums(lines.columns["montant_ht"]) == [o.total_ht for o in orders]
    assert lines.per_order_sums(lines.columns["montant_tva"]) == [o.total_tva for o in orders]
    assert lines.per_order_sums(lines.columns["montant_ttc"]) == [o.total_ttc for o in orders]


def test_written_by_columns_as_by_dicts_in_a_real_sqlite_file(tmp_path, vies_server, rates_file):
    orders = varied_orders(tmp_path, vies_server, rates_file)
    numbers, clients = [f"FA{n:06d}" for n in range(len(orders))], [None] * len(orders)
    written = []
    for how in ("dicts", "columns"):
        engine = make_engine(f"sqlite:///{tmp_path / how}.db", must_exist=False)
        schema = Schema()
        init_db(engine, schema, Settings(vies="non"))
        with engine.begin() as conn:
            if how == "dicts":
                bulk.insert_dicts(conn, schema.factures, [_invoice_row(*a) for a in zip(orders, numbers, clients)])
            else:
                bulk.insert_columns(conn, schema.factures, _invoice_columns(orders, numbers, clients, _LineColumns(orders)))
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            names = [c.name for c in schema.factures.columns]
            cur.execute("SELECT " + ", ".join(f"{n}, typeof({n})" for n in names) + " FROM factures ORDER BY id")
            written.append(cur.fetchall())
        finally:
            raw.close()
            engine.dispose()
    assert written[0] == written[1] and len(written[0]) == len(orders)


def test_a_converter_runs_once_per_distinct_value_only_where_that_changes_nothing():
    calls = []

    def show(value):  # a Python-level converter that tells apart what equality does not
        calls.append(value)
        return repr(value)

    def plain(col):
        return [repr(v) for v in col]

    days = [date(2026, 3, 1 + i % 3) for i in range(60)]
    calls.clear()
    assert bulk.convert_column(show, days) == plain(days) and len(calls) == 3  # memoised
    paris = timezone(timedelta(hours=1))
    cases = [
        [True, 1] * 20,  # equal across types
        [D("1.0"), D("1.00")] * 20,  # equal Decimals, two exponents
        [0.0, -0.0] * 20,
        [datetime(2026, 3, 1, 10, tzinfo=timezone.utc), datetime(2026, 3, 1, 11, tzinfo=paris)] * 20,
        [None, "a", None, "b"] * 10,
    ]
    for col in cases:
        assert bulk.convert_column(show, col) == plain(col), col[:2]
    # A C-level converter is applied per value, as SQLAlchemy would.
    assert bulk.convert_column(float, [D("1.10")] * 40) == [1.1] * 40
