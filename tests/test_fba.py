"""Amazon Fulfilled Shipments read as orders (SPEC §1, §7 "Integration"): one invoice per order whatever its
shipments, marked fulfilled by Amazon, dated by the shipment, no stock movement unless `stock_fba` = `oui`,
shipments from a centre outside France refused (or left aside with `fba_hors_france` = `ignorer`), and a
second run creates nothing — on SQLite, PostgreSQL and MariaDB."""

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from exportgen import FBA_HEADER, fba_row, write_csv, write_settings, write_txt

ROOT = Path(__file__).resolve().parents[1]
FIXED_DATES = ROOT / "tests" / "settings" / "fixed-dates.toml"  # date_facture = achat, vies = non


def cli(*args, cwd=None):
    proc = subprocess.run([sys.executable, "-m", "amazon_addin", *map(str, args)], capture_output=True,
                          cwd=cwd or ROOT, timeout=600)
    out, err = proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")
    assert "Traceback" not in err
    return proc.returncode, out, err


def shipments():
    """Order 1 shipped in two parcels (the cups from Saran on the 6th, the second cup's twin on the 9th from
    Lauwin-Planque), order 2 in one."""
    first = "405-1111111-1111111"
    return [
        fba_row(amazon_order_id=first, amazon_order_item_id="50000000000001", sku="TASSE-01", quantity_shipped="2",
                item_price="24.00", item_tax="4.00", shipment_date="2026-03-06T08:00:00+00:00"),
        fba_row(amazon_order_id=first, amazon_order_item_id="50000000000002", sku="TASSE-01", quantity_shipped="1",
                item_price="12.00", item_tax="2.00", shipment_date="2026-03-09T23:30:00+00:00",
                fulfillment_center_id="LIL1"),
        fba_row(amazon_order_id="405-2222222-2222222", amazon_order_item_id="50000000000003", sku="TASSE-01",
                shipment_date="2026-03-07T10:00:00+00:00", purchase_date="2026-03-05T10:00:00+00:00"),
    ]


def test_fba_shipments_integrate_end_to_end(demo_base, tmp_path):
    path = write_txt(tmp_path / "fba.txt", shipments(), header=FBA_HEADER)
    code, out, err = cli("integrer", path, "--db", demo_base.url, "--json", "--config", FIXED_DATES)
    assert code == 0, err
    summary = json.loads(out)
    assert summary["invoices_created"] == 2 and summary["stock_movements"] == 0  # stock_fba = non by default
    invoices = demo_base.query("select commande, date_vente, date, expedie_par_amazon, total_ttc from factures "
                               "order by commande")
    assert [(c, str(dv)[:10], str(d)[:10], bool(fba), Decimal(str(ttc))) for c, dv, d, fba, ttc in invoices] == [
        # both parcels on one invoice, dated by the last shipment (23:30 UTC is the 10th in Paris)
        ("405-1111111-1111111", "2026-03-10", "2026-03-10", True, Decimal("36.00")),
        ("405-2222222-2222222", "2026-03-07", "2026-03-07", True, Decimal("24.00"))]
    lines = demo_base.query("select f.commande, l.produit_code, l.quantite from lignes_facture l join factures f "
                            "on f.id = l.facture_id order by f.commande, l.rang")
    assert [(c, p, int(q)) for c, p, q in lines] == [
        ("405-1111111-1111111", "TASSE-01", 2), ("405-1111111-1111111", "TASSE-01", 1),
        ("405-2222222-2222222", "TASSE-01", 1)]
    assert demo_base.query("select stock from produits where code = 'TASSE-01'") == [(12,)]
    assert demo_base.query("select count(*) from mouvements_stock") == [(0,)]
    # Second run: nothing new.
    code, out, err = cli("integrer", path, "--db", demo_base.url, "--json", "--config", FIXED_DATES)
    assert code == 0 and json.loads(out)["invoices_created"] == 0 and json.loads(out)["orders_skipped"] == 2
    assert demo_base.query("select count(*) from factures") == [(2,)]


@pytest.mark.parametrize("demo_base", ["sqlite"], indirect=True)
def test_fba_stock_moves_only_when_asked(demo_base, tmp_path):
    write_settings(tmp_path, stock_fba="oui", vies="non")
    path = write_csv(tmp_path / "fba.csv", shipments(), header=FBA_HEADER)
    code, out, err = cli("integrer", path, "--db", demo_base.url, "--json", cwd=tmp_path)
    assert code == 0, err
    assert json.loads(out)["stock_movements"] == 3
    assert demo_base.query("select stock from produits where code = 'TASSE-01'") == [(8,)]


@pytest.mark.parametrize("demo_base", ["sqlite"], indirect=True)
def test_a_later_shipment_of_an_invoiced_order_is_not_invoiced_again(demo_base, tmp_path):
    rows = shipments()
    early = write_txt(tmp_path / "mars-1.txt", [rows[0]], header=FBA_HEADER)
    assert cli("integrer", early, "--db", demo_base.url, "--config", FIXED_DATES)[0] == 0
    later = write_txt(tmp_path / "mars-2.txt", rows, header=FBA_HEADER)  # the same order with its second parcel
    code, out, err = cli("verifier", later, "--db", demo_base.url, "--json", "--config", FIXED_DATES)
    found = {(f["row"], f["code"]) for f in json.loads(out)["findings"]}
    assert code == 0 and {(2, "W_COMMANDE_MODIFIEE"), (2, "I_DEJA_INTEGREE"), (3, "I_DEJA_INTEGREE")} <= found
    code, out, _ = cli("integrer", later, "--db", demo_base.url, "--json", "--config", FIXED_DATES)
    assert code == 0 and [i["commande"] for i in json.loads(out)["invoices"]] == ["405-2222222-2222222"]
    assert json.loads(out)["skipped"][0]["commande"] == "405-1111111-1111111"


def test_shipment_from_a_centre_abroad_blocks_unless_ignored(tmp_path):
    rows = shipments()
    rows[2]["fulfillment-center-id"] = "FRA3"  # Bad Hersfeld, Germany (FRA is Frankfurt)
    rows.append(fba_row(amazon_order_id="405-3333333-3333333", fulfillment_center_id="QQQ9"))
    rows.append(fba_row(amazon_order_id="405-4444444-4444444", fulfillment_center_id="QQQ9"))
    path = write_txt(tmp_path / "pan-eu.txt", rows, header=FBA_HEADER)
    code, out, err = cli("verifier", path, "--json", "--config", FIXED_DATES)
    found = [(f["cell"], f["code"], f["severity"]) for f in json.loads(out)["findings"]]
    centre = f"{chr(65 + FBA_HEADER.index('fulfillment-center-id') - 26)}"
    assert code == 1 and found == [(f"A{centre}4", "E_FBA_HORS_FRANCE", "error"),
                                   (f"A{centre}5", "W_FBA_CENTRE_INCONNU", "warning")]
    assert "centre FRA3 (DE)" in err and "fba_hors_france" in err
    assert "« QQQ9 » inconnu" in err and "(2 ligne(s) de l'export)" in err  # once per centre, its rows counted
    write_settings(tmp_path, fba_hors_france="ignorer", date_facture="achat", vies="non")
    code, out, err = cli("verifier", path, "--json", cwd=tmp_path)
    data = json.loads(out)
    assert code == 0 and data["orders"] == 3  # the German shipment's order is left aside, and said
    assert [(f["cell"], f["code"]) for f in data["findings"]][0] == (f"A{centre}4", "I_FBA_HORS_FRANCE")
    assert "ligne ignorée" in err


def test_fba_settings_are_checked(tmp_path):
    write_settings(tmp_path, stock_fba="peut-être")
    code, _, err = cli("verifier", ROOT / "examples" / "commandes.txt", cwd=tmp_path)
    assert code == 3 and "Paramètre « stock_fba » invalide : « peut-être » : valeurs possibles oui ou non." in err
    write_settings(tmp_path, fba_hors_france="Ignorer")  # case does not matter
    code, _, err = cli("verifier", ROOT / "examples" / "commandes.txt", "--config", tmp_path / "amazon_addin.toml")
    assert code != 3, err


@pytest.mark.parametrize("centre, country", [("ORY1", "FR"), ("LYS1", "FR"), ("lil1 ", "FR"), ("FRA3", "DE"),
                                             ("MXP5", "IT"), ("BCN1", "ES"), ("KTW1", "PL"), ("XFRE", "FR"),
                                             ("XUKA", "GB"), ("QQQ9", None), ("", None), (None, None)])
def test_centre_country_from_its_airport_prefix(centre, country):
    from amazon_addin.fba import centre_country

    assert centre_country(centre) == country
