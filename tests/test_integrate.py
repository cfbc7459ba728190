"""Intégrer on a real SQLite file: invoices, numbering, customers, stock, postal codes, never twice."""

import json
import os
import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path

import pytest

from amazon_addin.gestan import Schema, make_engine
from amazon_addin.gestan.integrate import integrate_table
from amazon_addin.reader import read_table
from amazon_addin.settings import Settings
from backends import Backend
from exportgen import row, write_settings, write_txt

ROOT = Path(__file__).resolve().parents[1]
FIXED_DATES = ROOT / "tests" / "settings" / "fixed-dates.toml"  # date_facture = achat, vies = non


def cli(*args, cwd=None, env=None):
    """The command line; with the settings above unless the test runs in a folder with its own settings."""
    args = list(args) + (["--config", FIXED_DATES] if cwd is None and args[0] in ("verifier", "integrer") else [])
    proc = subprocess.run([sys.executable, "-m", "amazon_addin", *map(str, args)], capture_output=True,
                          cwd=cwd or ROOT, timeout=600, env={**os.environ, **(env or {})})
    err = proc.stderr.decode("utf-8")
    assert "Traceback" not in err
    return proc.returncode, proc.stdout.decode("utf-8"), err


@pytest.fixture
def base(demo_base):
    return demo_base


def dump(backend) -> dict:
    return backend.dump()


def query(backend, sql: str):
    return backend.query(sql)


def order(n, **kw):
    return row(order_id=f"405-{n:07d}-0000000", **kw)


def test_integrate_then_again_changes_nothing(tmp_path, base):
    rows = [order(1, sku="TASSE-01", quantity_purchased="2", item_price="24.00", item_tax="4.00",
                  vat_exclusive_item_price="20.00", shipping_price="4.80", shipping_tax="0.80",
                  vat_exclusive_shipping_price="4.00"),
            order(1, sku="LIVRE-CUISINE", item_price="21.10", item_tax="1.10", vat_exclusive_item_price="20.00"),
            order(2, sku="NOUVEAU-1", product_name="Nouveauté", item_price="12.00", item_tax="2.00",
                  vat_exclusive_item_price="10.00", purchase_date="2026-03-06T10:00:00+00:00",
                  payments_date="2026-03-06T10:00:00+00:00")]
    export = write_txt(tmp_path / "export.txt", rows)
    code, out, err = cli("integrer", export, "--db", base.url, "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["invoices_created"] == 2 and summary["orders_skipped"] == 0
    assert summary["customers_created"] == 1  # the same buyer in two orders
    assert summary["products_created"] == 1 and summary["stock_movements"] == 2
    assert summary["postal_codes_added"] == 0  # 45000 Orléans is in the demo table
    # What was created is listed, in the text as in the JSON.
    assert summary["created_products"] == [{"code": "NOUVEAU-1", "libelle": "Nouveauté"}]
    assert summary["added_postal_codes"] == [] and "Code(s) postal" not in err
    assert "Produit(s) créé(s) : NOUVEAU-1 « Nouveauté »." in err
    assert summary["invoices"] == [{"commande": "405-0000001-0000000", "numero": "FA2026000001"},
                                   {"commande": "405-0000002-0000000", "numero": "FA2026000002"}]
    totals = query(base, "select numero, total_ht, total_tva, total_ttc from factures order by numero")
    assert [(n, D(str(ht)), D(str(tva)), D(str(ttc))) for n, ht, tva, ttc in totals] == [
        ("FA2026000001", D("44"), D("5.9"), D("49.9")), ("FA2026000002", D("10"), D("2"), D("12"))]
    lines = query(base, "select f.numero, l.rang, l.produit_code, l.montant_ttc from lignes_facture l "
                        "join factures f on f.id = l.facture_id order by f.numero, l.rang")
    assert [(n, r, p) for n, r, p, _ in lines] == [("FA2026000001", 1, "TASSE-01"), ("FA2026000001", 2, "LIVRE-CUISINE"),
                                                   ("FA2026000001", 3, "PORT"), ("FA2026000002", 1, "NOUVEAU-1")]
    # Per invoice and per file, the stored lines add up to Amazon's amounts to the cent.
    for numero, _, _, ttc in totals:
        stored = sum(D(str(t)) for n, _, _, t in lines if n == numero)
        assert stored == D(str(ttc)).quantize(D("0.01"))
    assert sum(D(str(t)) for *_, t in lines) == D("24.00") + D("4.80") + D("21.10") + D("12.00")
    assert query(base, "select stock from produits where code = 'TASSE-01'") == [(10,)]
    assert query(base, "select quantite from mouvements_stock order by id") == [(-2,), (-1,)]
    assert query(base, "select famille, taux_tva, gere_stock from produits where code = 'NOUVEAU-1'") == [
        ("AMAZON", 20, 0)]

    before = dump(base)
    code, out, _ = cli("integrer", export, "--db", base.url, "--json")
    again = json.loads(out)
    assert code == 0 and again["invoices_created"] == 0 and again["orders_skipped"] == 2
    assert again["skipped"][0] == {"commande": "405-0000001-0000000", "numero": "FA2026000001"}
    after = dump(base)
    assert len(after.pop("integrations_amazon")) == len(before.pop("integrations_amazon")) + 1  # audit only
    assert after == before


def test_numbering_contiguous_by_date_and_per_year(tmp_path, base):
    when = ["2026-05-02T10:00:00+00:00", "2026-05-01T10:00:00+00:00", "2026-12-31T23:30:00+00:00",
            "2026-10-31T23:40:00+00:00", "2026-05-01T09:00:00+00:00"]
    rows = [order(n, purchase_date=w, payments_date=w) for n, w in enumerate(when, 1)]
    export = write_txt(tmp_path / "export.txt", rows)
    code, out, err = cli("integrer", export, "--db", base.url, "--json")
    assert code == 0, err
    numbers = {i["commande"][4:11]: i["numero"] for i in json.loads(out)["invoices"]}
    assert numbers == {"0000005": "FA2026000001", "0000002": "FA2026000002", "0000001": "FA2026000003",
                       "0000004": "FA2026000004", "0000003": "FA2027000001"}
    dates = {c: str(d) for c, d in query(base, "select commande, date from factures")}
    assert dates["405-0000004-0000000"] == "2026-11-01"  # 23:40 UTC on 31 October is 1 November in Paris
    assert dates["405-0000003-0000000"] == "2027-01-01"
    assert sorted(query(base, "select nom, valeur from compteurs where nom like 'FA%'")) == [("FA2026", 4), ("FA2027", 1)]
    # An order older than the last 2026 invoice is flagged by verifier --db.
    late = write_txt(tmp_path / "late.txt", [order(9, purchase_date="2026-04-01T10:00:00+00:00",
                                                   payments_date="2026-04-01T10:00:00+00:00")])
    code, out, _ = cli("verifier", late, "--db", base.url, "--json")
    (f,) = json.loads(out)["findings"]
    assert code == 1 and (f["code"], f["cell"]) == ("E_DATE_ANTERIEURE", "C2") and "FA2026" in f["message"]
    # With date_facture = integration (the default) the invoice is dated the day it is issued: no such error.
    write_settings(tmp_path, vies="non")
    code, out, _ = cli("verifier", late, "--db", base.url, "--json", cwd=tmp_path)
    assert code == 0 and json.loads(out)["findings"] == []


def test_customers_dedup(tmp_path, base):
    rows = [order(1, buyer_name="Hélène Azé", bill_name="Hélène AZÉ", bill_postal_code="75116", bill_city="Paris",
                  ship_postal_code="75116", ship_city="Paris"),
            order(2, buyer_name="Hélène Azé", bill_name="AZE  helene", bill_postal_code="75116", bill_city="Paris",
                  ship_postal_code="75116", ship_city="Paris"),
            order(3, buyer_name="Hélène Azé", bill_name="Hélène Azé", bill_postal_code="69006", bill_city="Lyon",
                  ship_postal_code="69006", ship_city="Lyon"),
            order(4, is_business_order="true", buyer_tax_registration_id="BE0403019261", bill_name="Atelier A",
                  ship_country="BE", ship_postal_code="1000", ship_city="Bruxelles", bill_country="BE",
                  bill_postal_code="1000", bill_city="Bruxelles", item_tax="0.00", vat_exclusive_item_price="24.00"),
            order(5, is_business_order="true", buyer_tax_registration_id="BE 0403.019.261", bill_name="Atelier A sprl",
                  ship_country="BE", ship_postal_code="1050", ship_city="Ixelles", bill_country="BE",
                  bill_postal_code="1050", bill_city="Ixelles", item_tax="0.00", vat_exclusive_item_price="24.00")]
    export = write_txt(tmp_path / "export.txt", rows)
    code, out, err = cli("integrer", export, "--db", base.url, "--json")
    assert code == 0, err
    assert json.loads(out)["customers_created"] == 3
    assert sorted((c["pays"], c["code_postal"], c["ville"]) for c in json.loads(out)["added_postal_codes"]) == [
        ("BE", "1050", "Ixelles"), ("FR", "75116", "Paris")]
    assert "Code(s) postal(aux) ajouté(s) : " in err and "FR 75116 Paris" in err and "BE 1050 Ixelles" in err
    clients = query(base, "select cle from clients order by id")
    assert clients == [("aze helene|75116|FR",), ("aze helene|69006|FR",), ("TVA:BE0403019261",)]
    # Postal codes: 75116 Paris, 1000 Bruxelles (known), 1050 Ixelles; each added once.
    assert sorted(query(base, "select pays, code_postal, ville from codes_postaux where id > 6")) == [
        ("BE", "1050", "Ixelles"), ("FR", "75116", "Paris")]


def test_errors_block_and_nothing_is_written(tmp_path, base):
    export = write_txt(tmp_path / "export.txt", [order(1), order(2, quantity_purchased="0")])
    before = dump(base)
    code, out, err = cli("integrer", export, "--db", base.url, "--json")
    assert code == 1 and "Rien n'a été écrit" in err
    assert [f["code"] for f in json.loads(out)["findings"] if f["severity"] == "error"] == ["E_QUANTITE"]
    assert dump(base) == before


def test_already_integrated_orders_never_block(tmp_path, base):
    url = base.url
    first = write_txt(tmp_path / "first.txt", [order(1)])
    assert cli("integrer", first, "--db", url)[0] == 0
    # The same order, now broken in the sheet, plus a new one: the old one is skipped, not blocking.
    second = write_txt(tmp_path / "second.txt", [order(1, quantity_purchased="0"), order(2)])
    code, out, err = cli("integrer", second, "--db", url, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert (data["invoices_created"], data["orders_skipped"]) == (1, 1)  # order 1 skipped, broken or not
    assert data["skipped"] == [{"commande": "405-0000001-0000000", "numero": "FA2026000001"}]
    code, out, _ = cli("verifier", second, "--db", url, "--json")
    found = {(f["cell"], f["code"]): f["severity"] for f in json.loads(out)["findings"]}
    assert found[("A2", "I_DEJA_INTEGREE")] == "info" and found[("J2", "E_QUANTITE")] == "info"
    assert code == 0


def test_planted_failure_in_last_order_leaves_base_untouched(tmp_path, base):
    # A foreign invoice already holds the number the third order would get.
    base.execute("insert into factures (numero, date, total_ttc) values ('FA2026000003', '2026-01-01', 0)")
    before = dump(base)
    export = write_txt(tmp_path / "export.txt", [order(n, sku=f"NEW-{n}") for n in (1, 2, 3)])
    code, out, err = cli("integrer", export, "--db", base.url, "--json")
    assert code == 3 and out == ""
    assert "rien n'a été écrit" in err and len(err.strip().splitlines()) >= 1
    assert dump(base) == before


def test_crash_before_commit_rolls_back_everything(tmp_path, base):
    settings = Settings()
    engine = make_engine(base.url)
    export = write_txt(tmp_path / "export.txt", [order(1), order(2, sku="NEW")])
    before = dump(base)

    def boom(conn):
        raise RuntimeError("crash simulé")

    with pytest.raises(RuntimeError):
        integrate_table(engine, Schema(), read_table(export), settings, file_name="x", sha256="0",
                        fail_before_commit=boom)
    engine.dispose()
    assert dump(base) == before


def test_stock_alerts(tmp_path, base):
    rows = [order(1, sku="PLAID-LIN", quantity_purchased="2", item_price="178.00", item_tax="29.67",
                  vat_exclusive_item_price="148.33"),
            order(2, sku="PLAID-LIN", quantity_purchased="1", item_price="89.00", item_tax="14.83",
                  vat_exclusive_item_price="74.17"),
            order(3, sku="BOUGIE-LAV", item_price="19.00", item_tax="3.17", vat_exclusive_item_price="15.83")]
    export = write_txt(tmp_path / "export.txt", rows)
    code, out, err = cli("integrer", export, "--db", base.url, "--json")
    assert code == 0, err
    assert json.loads(out)["alerts"] == [{
        "code": "PLAID-LIN", "libelle": "Plaid en lin lavé", "stock_avant": 4, "quantite": 3, "stock_apres": 1,
        "stock_alerte": 3, "commandes": ["405-0000001-0000000", "405-0000002-0000000"]}]


def test_vat_derived_from_the_product_rate(tmp_path, base):
    export = write_txt(tmp_path / "export.txt", [order(1, sku="LIVRE-CUISINE", item_price="21.10", item_tax="0.00",
                                                       vat_exclusive_item_price="")])
    code, out, _ = cli("verifier", export, "--db", base.url, "--json")
    (f,) = json.loads(out)["findings"]
    assert f["code"] == "W_TVA_CALCULEE" and f["suggestion"] == "1.10" and "5,5 %" in f["message"]
    code, out, _ = cli("verifier", export, "--json")  # without the base: the default 20 %
    assert json.loads(out)["findings"][0]["suggestion"] == "3.52"


def test_database_findings_triggered_and_not(tmp_path, base):
    url = base.url
    known = order(1, sku="TASSE-01", ship_city="Orléans", ship_postal_code="45000", bill_city="ORLEANS")
    new = order(2, sku="INCONNU", ship_city="Roiffieux", ship_postal_code="07100", bill_city="Roiffieux",
                bill_postal_code="07100")
    export = write_txt(tmp_path / "export.txt", [known, new])
    code, out, _ = cli("verifier", export, "--db", url, "--json")
    assert code == 0
    found = sorted((f["cell"], f["code"]) for f in json.loads(out)["findings"])
    # Delivery and billing name the same new place: announced once, on its first cell.
    assert found == [("H3", "W_PRODUIT_NOUVEAU"), ("U3", "W_VILLE_NOUVELLE")]
    assert cli("integrer", export, "--db", url)[0] == 0
    code, out, _ = cli("verifier", export, "--db", url, "--json")
    assert sorted((f["cell"], f["code"]) for f in json.loads(out)["findings"]) == [
        ("A2", "I_DEJA_INTEGREE"), ("A3", "I_DEJA_INTEGREE")]


def test_verifier_never_creates_a_base(tmp_path):
    export = write_txt(tmp_path / "export.txt", [order(1)])
    missing = tmp_path / "absent.db"
    code, _, err = cli("verifier", export, "--db", f"sqlite:///{missing}")
    assert code == 3 and "init-db" in err and not missing.exists()
    code, _, err = cli("integrer", export, "--db", f"sqlite:///{missing}")
    assert code == 3 and not missing.exists()


def test_settings_checked_before_anything_is_written(tmp_path, base):
    export = write_txt(tmp_path / "export.txt", [order(1)])
    before = dump(base)
    (tmp_path / "amazon_addin.toml").write_text('famille_produits = "NULLE"\n', encoding="utf-8")
    code, _, err = cli("integrer", export, "--db", base.url, cwd=tmp_path)
    assert code == 3 and "famille_produits" in err and "NULLE" in err
    (tmp_path / "amazon_addin.toml").write_text('format_numero = "FA{annee}{seq}"\n', encoding="utf-8")
    code, _, err = cli("integrer", export, "--db", base.url, cwd=tmp_path)
    assert code == 3 and "format_numero" in err
    assert dump(base) == before


def test_custom_number_format(tmp_path, base):
    (tmp_path / "amazon_addin.toml").write_text('format_numero = "AMZ-{year}-{seq:04d}"\ndate_facture = "achat"\n',
                                               encoding="utf-8")
    export = write_txt(tmp_path / "export.txt", [order(1), order(2)])
    code, out, err = cli("integrer", export, "--db", base.url, "--json", cwd=tmp_path)
    assert code == 0, err
    assert [i["numero"] for i in json.loads(out)["invoices"]] == ["AMZ-2026-0001", "AMZ-2026-0002"]


def test_passwords_never_in_settings(tmp_path, monkeypatch):
    export = write_txt(tmp_path / "export.txt", [order(1)])
    (tmp_path / "amazon_addin.toml").write_text('base = "postgresql://gestan:secret@127.0.0.1/test"\n',
                                               encoding="utf-8")
    code, _, err = cli("verifier", export, cwd=tmp_path)
    assert code == 3 and "mot de passe" in err and "secret" not in err
    (tmp_path / "amazon_addin.toml").write_text('base = "postgresql://gestan:${GESTAN_MDP}@127.0.0.1/test"\n',
                                               encoding="utf-8")
    monkeypatch.delenv("GESTAN_MDP", raising=False)
    code, _, err = cli("verifier", export, cwd=tmp_path)
    assert code == 3 and "GESTAN_MDP" in err and "n'est pas définie" in err


def test_init_db_is_idempotent_and_check_db(tmp_path, base):
    before = dump(base)
    code, _, err = cli("init-db", "--db", base.url)
    assert code == 0 and "aucune" in err
    assert dump(base) == before
    assert cli("check-db", "--db", base.url)[0] == 0
    code, _, err = cli("init-db", "--db", base.url, "--demo")
    assert code == 0  # no invoice yet: demo rows already there, nothing added twice
    assert dump(base) == before
    base.execute("alter table clients drop column tva_intracom", "drop table mouvements_stock")
    code, _, err = cli("check-db", "--db", base.url)
    assert code == 1
    assert "clients.tva_intracom" in err and "Table manquante : mouvements_stock" in err


def test_init_demo_refuses_a_base_with_invoices(tmp_path, base):
    export = write_txt(tmp_path / "export.txt", [order(1)])
    assert cli("integrer", export, "--db", base.url)[0] == 0
    code, _, err = cli("init-db", "--db", base.url, "--demo")
    assert code == 3 and "factures" in err


def test_mapping_file_remaps_names(tmp_path):
    mapping = tmp_path / "gestan-map.toml"
    mapping.write_text('[produits]\ntable = "ARTICLES"\ncode = "ART_CODE"\nstock = "ART_STOCK"\n'
                       '[factures]\nnumero = "FAC_NUM"\n', encoding="utf-8")
    (tmp_path / "amazon_addin.toml").write_text(f'mapping = "{mapping}"\nbase = "sqlite:///{tmp_path / "g.db"}"\n'
                                               'date_facture = "achat"\n', encoding="utf-8")
    assert cli("init-db", "--demo", cwd=tmp_path)[0] == 0
    export = write_txt(tmp_path / "export.txt", [order(1, sku="TASSE-01", quantity_purchased="2",
                                                       item_price="24.00", item_tax="4.00")])
    code, out, err = cli("integrer", export, "--json", cwd=tmp_path)
    assert code == 0, err
    g = Backend("sqlite", f"sqlite:///{tmp_path / 'g.db'}")
    assert g.query("select ART_STOCK from ARTICLES where ART_CODE = 'TASSE-01'") == [(10,)]
    assert g.query("select FAC_NUM from factures") == [("FA2026000001",)]
    assert cli("check-db", cwd=tmp_path)[0] == 0


def test_demo_command(tmp_path):
    code, _, err = cli("demo", cwd=tmp_path)
    assert code == 0, err
    db = Backend("sqlite", f"sqlite:///{tmp_path / 'demo-gestan.db'}")
    assert db.query("select count(*) from factures") == [(6,)]
    assert "Alerte stock TASSE-01" in err and "0 facture(s) créée(s), 6 commandes déjà intégrées passées." in err
    # Run twice: the demo always starts from a fresh base.
    assert cli("demo", cwd=tmp_path)[0] == 0
    assert db.query("select count(*) from factures") == [(6,)]


def test_audit_trail_in_base_and_log(tmp_path, base):
    log = tmp_path / "audit.log"
    export = write_txt(tmp_path / "export.txt", [order(1), order(2)])
    code, out, err = cli("integrer", export, "--db", base.url, env={"AMAZON_ADDIN_LOG": str(log)})
    assert code == 0, err
    from amazon_addin.gestan.integrate import file_sha256

    digest = file_sha256(export)
    rows = base.query("select utilisateur, fichier, sha256, nb_factures from integrations_amazon")
    assert [(f, s, n) for _, f, s, n in rows] == [("export.txt", digest, 2)] and rows[0][0]
    text = log.read_text(encoding="utf-8")
    assert f"sha256={digest}" in text and "FA2026000001, FA2026000002" in text and "fichier=export.txt" in text
    bad = write_txt(tmp_path / "bad.txt", [order(3, quantity_purchased="0")])
    assert cli("integrer", bad, "--db", base.url, env={"AMAZON_ADDIN_LOG": str(log)})[0] == 1
    assert "integration refusee" in log.read_text(encoding="utf-8")


def test_no_password_in_the_audit_log(tmp_path):
    log = tmp_path / "audit.log"
    export = write_txt(tmp_path / "export.txt", [order(1)])
    url = "postgresql+psycopg://gestan:TresSecret@127.0.0.1:1/gestan"
    code, _, err = cli("integrer", export, "--db", url, env={"AMAZON_ADDIN_LOG": str(log)})
    assert code == 3 and "TresSecret" not in err
    text = log.read_text(encoding="utf-8") if log.exists() else ""
    assert "TresSecret" not in text


def test_new_rows_find_their_own_ids_beside_gestan_rows_with_higher_ids(tmp_path, base):
    """Ids are read back in one query per table (above the highest id before the insert, filtered by the unique
    key): Gestan's own customers and invoices, even with ids far above, are never taken for ours."""
    base.execute("insert into clients (id, cle, nom) values (5000, 'gestan|1|FR', 'Client de Gestan')",
                 "insert into factures (id, numero, date, client_id, commande) "
                 "values (9000, 'AV-0001', '2026-01-02', 5000, 'manuel')")
    rows = [order(n, buyer_name=f"Client {n}", bill_name=f"Client {n}", bill_postal_code=f"4500{n}",
                  ship_postal_code=f"4500{n}") for n in range(1, 4)]
    code, out, err = cli("integrer", write_txt(tmp_path / "export.txt", rows), "--db", base.url, "--json")
    assert code == 0, err
    linked = query(base, "select j.commande, f.commande, c.nom from imports_amazon j join factures f "
                         "on f.id = j.facture_id join clients c on c.id = f.client_id order by j.commande")
    assert linked == [(f"405-{n:07d}-0000000", f"405-{n:07d}-0000000", f"Client {n}") for n in range(1, 4)]
    assert query(base, "select nom from clients where id = 5000") == [("Client de Gestan",)]


def test_the_journal_is_read_whole_or_by_the_exports_orders_with_the_same_facts(tmp_path, base, monkeypatch):
    """load_facts reads the whole journal in one query when the export has more than one chunk of orders and the
    journal is no longer, else only the export's orders by chunks (a small export never counts the journal):
    every way finds the same integrated, changed and credited orders."""
    from sqlalchemy import event

    from amazon_addin.gestan import store
    from amazon_addin.settings import load as load_settings

    r1, r2, r3 = order(1), order(2), order(3)  # each row keeps its order-item-id in every export
    first = write_txt(tmp_path / "first.txt", [r1, r2, r3, order(5)])
    assert cli("integrer", first, "--db", base.url)[0] == 0
    assert cli("avoir", "--commande", "405-0000002-0000000", "--db", base.url)[0] == 0
    changed = dict(r3, **{"item-price": "30.00", "item-tax": "5.00", "vat-exclusive-item-price": "25.00"})
    exports = {  # journal: 4 rows; chunks of 2 orders below
        "long": write_txt(tmp_path / "long.txt", [r1, r2, changed, order(4), order(6)]),  # 5 orders: read whole
        "medium": write_txt(tmp_path / "medium.txt", [r1, changed, order(4)]),  # 3 orders: counted, by chunks
        "short": write_txt(tmp_path / "short.txt", [r1, changed]),  # one chunk: by chunks, never counted
    }
    monkeypatch.setattr(store, "CHUNK", 2)  # the threshold: more than 2 orders is "more than one chunk"
    engine = make_engine(base.url)
    statements = []
    event.listen(engine, "before_cursor_execute",
                 lambda conn, cursor, sql, *rest: statements.append(" ".join(sql.split()).upper()))
    settings = load_settings(FIXED_DATES)
    facts, ways = {}, {}
    try:
        for name, export in exports.items():
            statements.clear()
            with engine.connect() as conn:
                facts[name] = store.load_facts(conn, Schema(), read_table(export), settings)
            journal = [s for s in statements if "FROM IMPORTS_AMAZON" in s]
            counted = [s for s in journal if "COUNT(" in s]
            read = [s for s in journal if "COUNT(" not in s]
            assert len(read) == 1, statements  # the whole journal, or one IN query (chunks() still takes 500)
            ways[name] = (len(counted), "chunks" if " IN (" in read[0] else "whole")
    finally:
        engine.dispose()
    assert ways == {"long": (1, "whole"), "medium": (1, "chunks"), "short": (0, "chunks")}  # each way was taken
    one, three = "405-0000001-0000000", "405-0000003-0000000"
    assert facts["long"].integrated == {one: "FA2026000001", three: "FA2026000003"}
    assert facts["long"].credited == {"405-0000002-0000000": "FA2026000002"}
    for name in ("medium", "short"):
        assert facts[name].integrated == facts["long"].integrated and facts[name].credited == {}
        assert facts[name].fingerprints == facts["long"].fingerprints
    assert all(facts["long"].fingerprints[k] for k in (one, three))
    # Vérifier then tells the changed order from the unchanged one, whichever way the journal was read.
    for name, cell in (("long", "A4"), ("medium", "A3"), ("short", "A3")):  # the changed order's row in each
        _, out, _ = cli("verifier", exports[name], "--db", base.url, "--json")
        changed_cells = [f["cell"] for f in json.loads(out)["findings"] if f["code"] == "W_COMMANDE_MODIFIEE"]
        assert changed_cells == [cell]
