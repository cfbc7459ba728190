"""Intégrer on SQLite, PostgreSQL and MariaDB: what the accountant's rules leave in the books (SPEC §4, §7).

Every test runs the command line as a user would, in a folder holding its own `amazon_addin.toml`.
"""

import json
import os
import subprocess
import sys
from datetime import date, datetime
from decimal import Decimal as D
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from backends import ALL, CREDIT_COLUMNS, CREDIT_TABLES, NEW_COLUMNS, create_previous_version, new_backend
from exportgen import row, write_settings, write_txt

ROOT = Path(__file__).resolve().parents[1]


def cli(*args, cwd):
    proc = subprocess.run([sys.executable, "-m", "amazon_addin", *map(str, args)], capture_output=True, cwd=cwd,
                          timeout=180, env=dict(os.environ))
    err = proc.stderr.decode("utf-8")
    assert "Traceback" not in err
    return proc.returncode, proc.stdout.decode("utf-8"), err


def order(n, **kw):
    return row(order_id=f"405-{n:07d}-0000013", **kw)


@pytest.fixture
def base(demo_base):
    return demo_base


@pytest.fixture
def folder(tmp_path):
    """Where the user works: fixed dates for pinned numbers, VIES not asked unless a test says otherwise."""
    write_settings(tmp_path, date_facture="achat", vies="non")
    return tmp_path


def old_base(backend, credit_notes: bool = True) -> None:
    """A base an older version made (see `create_previous_version`), holding what its init-db put there and
    one order it integrated (FA2026000001)."""
    engine = backend.engine()
    try:
        create_previous_version(engine, credit_notes=credit_notes)
    finally:
        engine.dispose()
    backend.execute(
        "insert into familles (code, libelle) values ('AMAZON', 'Produits Amazon'), ('PORT', 'Frais de port')",
        "insert into produits (code, libelle, famille, taux_tva, prix_ttc, gere_stock, stock, stock_alerte) values "
        "('PORT', 'Port', 'PORT', 20, 0, false, 0, 0), ('REMISE', 'Remise', 'AMAZON', 20, 0, false, 0, 0), "
        "('EMBALLAGE', 'Emballage', 'AMAZON', 20, 0, false, 0, 0)",
        "insert into factures (numero, date, commande, total_ttc) values ('FA2026000001', '2026-03-01', "
        "'405-0000001-0000013', 24)",
        "insert into imports_amazon (commande, canal, facture_id) values ('405-0000001-0000013', 'Amazon.fr', 1)",
        "insert into compteurs (nom, valeur) values ('FA2026', 1)")


@pytest.mark.parametrize("kind", ALL)
def test_a_base_of_the_previous_version_upgrades_cleanly(tmp_path, kind):
    backend = new_backend(kind, tmp_path)
    try:
        old_base(backend)
        write_settings(tmp_path, date_facture="achat", vies="non")
        export = write_txt(tmp_path / "export.txt", [order(1), order(2, purchase_date="2026-03-06T10:00:00+00:00",
                                                                   payments_date="2026-03-06T10:00:00+00:00")])
        code, _, err = cli("check-db", "--db", backend.url, cwd=tmp_path)
        assert code == 1 and "Colonne manquante : factures.regime" in err and "imports_amazon.empreinte" in err
        # Vérifier reads the old base as it is; Intégrer says what to do before writing anything.
        code, out, _ = cli("verifier", export, "--db", backend.url, "--json", cwd=tmp_path)
        codes = [f["code"] for f in json.loads(out)["findings"]]
        assert code == 0 and codes[0] == "I_DEJA_INTEGREE" and "W_COMMANDE_MODIFIEE" not in codes
        before = backend.dump()
        code, out, err = cli("integrer", export, "--db", backend.url, cwd=tmp_path)
        assert code == 3 and "init-db" in err and "factures.regime" in err and backend.dump() == before
        code, _, err = cli("init-db", "--db", backend.url, cwd=tmp_path)
        assert code == 0, err
        added = [f"factures.{c}" for c in NEW_COLUMNS["factures"]] + ["imports_amazon.empreinte"]
        assert f"Colonnes ajoutées : {', '.join(added)}." in err
        assert cli("check-db", "--db", backend.url, cwd=tmp_path)[0] == 0
        code, _, err = cli("init-db", "--db", backend.url, cwd=tmp_path)
        assert code == 0 and "Colonnes ajoutées" not in err  # nothing twice
        code, out, err = cli("integrer", export, "--db", backend.url, "--json", cwd=tmp_path)
        assert code == 0, err
        summary = json.loads(out)
        assert summary["invoices"] == [{"commande": "405-0000002-0000013", "numero": "FA2026000002"}]
        assert summary["skipped"] == [{"commande": "405-0000001-0000013", "numero": "FA2026000001"}]
        invoices = backend.query("select numero, regime, date_vente, total_ttc from factures order by numero")
        assert [(n, r, str(d) if d else None, D(str(t))) for n, r, d, t in invoices] == [
            ("FA2026000001", None, None, D("24")), ("FA2026000002", "FR", "2026-03-06", D("24"))]
    finally:
        backend.drop()


@pytest.mark.parametrize("kind", ALL)
def test_a_base_from_before_credit_notes_is_refused_then_upgrades_and_credits(tmp_path, kind):
    """A base made before credit notes existed (no `avoirs`, `lignes_avoir`, nor the `avoir_id` columns that
    name one): Vérifier and Intégrer stop in French naming init-db and write nothing; init-db creates the two
    tables and adds the columns, keeping what the base holds; then an order is integrated and credited."""
    backend = new_backend(kind, tmp_path)
    try:
        old_base(backend, credit_notes=False)
        backend.execute("insert into produits (code, libelle, famille, taux_tva, prix_ttc, gere_stock, stock, "
                        "stock_alerte) values ('TASSE-01', 'Tasse', 'AMAZON', 20, 12, true, 5, 0)")
        write_settings(tmp_path, date_facture="achat", vies="non")
        export = write_txt(tmp_path / "export.txt", [order(1), order(2, sku="TASSE-01", quantity_purchased="2",
                                                                   purchase_date="2026-03-06T10:00:00+00:00",
                                                                   payments_date="2026-03-06T10:00:00+00:00")])
        code, _, err = cli("check-db", "--db", backend.url, cwd=tmp_path)
        assert code == 1
        for name in CREDIT_TABLES:
            assert f"Table manquante : {name}." in err
        for table, columns in CREDIT_COLUMNS.items():
            assert all(f"Colonne manquante : {table}.{c}." in err for c in columns)
        assert "crée les tables manquantes et ajoute, vides, les colonnes facultatives qui manquent" in err
        before = backend.dump()
        code, out, err = cli("verifier", export, "--db", backend.url, cwd=tmp_path)
        assert code == 3 and "table manquante : avoirs" in err and "init-db" in err, err
        code, out, err = cli("integrer", export, "--db", backend.url, cwd=tmp_path)  # names its first gap
        assert code == 3 and "init-db" in err and "check-db" in err, err
        assert backend.dump() == before
        code, _, err = cli("init-db", "--db", backend.url, cwd=tmp_path)
        assert code == 0, err
        assert "Tables créées : avoirs, lignes_avoir." in err
        added = err.split("Colonnes ajoutées : ", 1)[1].split(".\n", 1)[0].split(", ")
        assert {f"{t}.{c}" for t, cs in CREDIT_COLUMNS.items() for c in cs} <= set(added)
        assert cli("check-db", "--db", backend.url, cwd=tmp_path)[0] == 0
        assert backend.query("select numero, commande from factures") == [("FA2026000001", "405-0000001-0000013")]
        code, out, err = cli("integrer", export, "--db", backend.url, "--json", cwd=tmp_path)
        assert code == 0, err
        assert json.loads(out)["invoices"] == [{"commande": "405-0000002-0000013", "numero": "FA2026000002"}]
        assert backend.query("select stock from produits where code = 'TASSE-01'") == [(3,)]
        code, out, err = cli("avoir", "--commande", "405-0000002-0000013", "--db", backend.url, "--json", cwd=tmp_path)
        assert code == 0, err
        (made,) = json.loads(out)["credit_notes"]
        assert (made["commande"], made["facture"]) == ("405-0000002-0000013", "FA2026000002")
        assert backend.query("select stock from produits where code = 'TASSE-01'") == [(5,)]
        assert backend.query("select count(*) from lignes_avoir")[0][0] == 1
        journal = backend.query("select a.numero from imports_amazon j join avoirs a on a.id = j.avoir_id")
        assert journal == [(made["avoir"],)]
    finally:
        backend.drop()


def test_a_606_character_name_is_a_finding_then_written_cut(folder, base):
    name = ("Lampe de bureau articulée « Atelier » en laiton brossé, " * 12)[:605] + "!"
    export = write_txt(folder / "export.txt", [order(3, sku="LAMPE-1", product_name=name)])
    code, out, _ = cli("verifier", export, "--db", base.url, "--json", cwd=folder)
    truncated = [f for f in json.loads(out)["findings"] if f["code"] == "W_TEXTE_TRONQUE"]
    assert code == 0 and [(f["cell"], f["suggestion"]) for f in truncated] == [("I2", name[:500])]
    code, _, err = cli("integrer", export, "--db", base.url, cwd=folder)
    assert code == 0, err  # never a database error
    assert base.query("select libelle from produits where code = 'LAMPE-1'") == [(name[:500],)]
    assert base.query("select libelle from lignes_facture where produit_code = 'LAMPE-1'") == [(name[:500],)]


def test_an_order_downloaded_twice_takes_stock_once(folder, base):
    line = order(4, order_item_id="44444444444444", sku="TASSE-01", quantity_purchased="2", item_price="24.00",
                 item_tax="4.00", vat_exclusive_item_price="20.00")
    export = write_txt(folder / "export.txt", [line, dict(line)])
    code, out, err = cli("integrer", export, "--db", base.url, "--json", cwd=folder)
    assert code == 0, err
    assert json.loads(out)["stock_movements"] == 1 and "W_LIGNE_DOUBLE" in err
    assert base.query("select stock from produits where code = 'TASSE-01'") == [(10,)]
    assert base.query("select count(*) from lignes_facture") == [(1,)]


def test_an_integrated_order_that_comes_back_changed_is_skipped_and_said(folder, base):
    first = order(5, order_item_id="55555555555555")
    assert cli("integrer", write_txt(folder / "a.txt", [first]), "--db", base.url, cwd=folder)[0] == 0
    changed = dict(first, **{"quantity-purchased": "2", "item-price": "48.00", "item-tax": "8.00",
                             "vat-exclusive-item-price": "40.00"})
    export = write_txt(folder / "b.txt", [changed])
    code, out, _ = cli("verifier", export, "--db", base.url, "--json", cwd=folder)
    (f,) = [f for f in json.loads(out)["findings"] if f["code"] == "W_COMMANDE_MODIFIEE"]
    assert code == 0 and f["cell"] == "A2" and "amazon-addin avoir --commande 405-0000005-0000013" in f["message"]
    before = base.dump()
    code, out, _ = cli("integrer", export, "--db", base.url, "--json", cwd=folder)
    summary = json.loads(out)
    assert code == 0 and (summary["invoices_created"], summary["orders_skipped"]) == (0, 1)
    after = base.dump()
    assert len(after.pop("integrations_amazon")) == len(before.pop("integrations_amazon")) + 1
    assert after == before
    # The same order as integrated comes back as just "already integrated".
    code, out, _ = cli("verifier", write_txt(folder / "c.txt", [first]), "--db", base.url, "--json", cwd=folder)
    assert [f["code"] for f in json.loads(out)["findings"]] == ["I_DEJA_INTEGREE"]


def test_a_new_city_announced_with_an_empty_bill_country_is_created(folder, base):
    export = write_txt(folder / "export.txt", [order(6, ship_city="Roiffieux", ship_postal_code="07100",
                                                     bill_city="Annonay", bill_postal_code="07100", bill_country="")])
    code, out, _ = cli("verifier", export, "--db", base.url, "--json", cwd=folder)
    announced = sorted((f["cell"], f["message"].split("»")[0]) for f in json.loads(out)["findings"]
                       if f["code"] == "W_VILLE_NOUVELLE")
    assert announced == [("AL2", "« 07100 Annonay "), ("U2", "« 07100 Roiffieux ")]
    code, out, err = cli("integrer", export, "--db", base.url, "--json", cwd=folder)
    assert code == 0 and json.loads(out)["postal_codes_added"] == 2, err
    assert sorted(base.query("select pays, code_postal, ville from codes_postaux where code_postal = '07100'")) == [
        ("FR", "07100", "Annonay"), ("FR", "07100", "Roiffieux")]


def test_the_invoice_keeps_what_the_law_wants_printed(tmp_path, base, vies_server, rates_file):
    vies_server.answers["BE0403019261"] = "valid"
    write_settings(tmp_path, date_facture="achat", vies_url=vies_server.url, tva_vendeur="FR40303265045",
                   taux_change=str(rates_file))
    belgian = order(7, is_business_order="true", buyer_tax_registration_id="BE0403019261", bill_name="Atelier Dubois",
                    bill_address_1="Rue Neuve 1", bill_city="Bruxelles", bill_postal_code="1000", bill_country="BE",
                    ship_city="Bruxelles", ship_postal_code="1000", ship_country="BE", item_tax="0.00",
                    vat_exclusive_item_price="24.00")
    british = order(8, currency="GBP", ship_country="GB", ship_postal_code="SW1A 1AA", ship_city="London",
                    bill_country="GB", bill_postal_code="SW1A 1AA", bill_city="London", item_price="12.00",
                    item_tax="2.00", vat_exclusive_item_price="10.00")
    export = write_txt(tmp_path / "export.txt", [belgian, british])
    code, out, err = cli("integrer", export, "--db", base.url, "--json", cwd=tmp_path)
    assert code == 0, err
    got = base.query("select commande, regime, mention_tva, tva_client, facturation_nom, facturation_adresse1, "
                     "facturation_ville, facturation_pays, devise, taux_change, total_ttc, total_ttc_eur, "
                     "taxe_marketplace, date_vente, vies_date, vies_reference from factures order by commande")
    (be, gb) = [tuple(D(str(v)) if isinstance(v, (float, D)) else v for v in r) for r in got]
    assert be[:9] == ("405-0000007-0000013", "IC", "Exonération de TVA, article 262 ter I du CGI – Autoliquidation",
                      "BE0403019261", "Atelier Dubois", "Rue Neuve 1", "Bruxelles", "BE", "EUR")
    assert be[9:13] == (1, 24, 24, 0) and str(be[13]) == "2026-03-05"
    assert str(be[14])[:19] == "2026-03-05 10:15:30" and be[15] == "WAPI00000001"
    assert gb[1:3] == ("DEEMED", "Exonération de TVA, article 262 I du CGI") and gb[8] == "GBP"
    assert (gb[9], gb[10], gb[11], gb[12]) == (D("0.842"), 10, D("11.88"), 2)  # 10 / 0.842; Amazon kept 2.00
    assert base.query("select montant_tva from lignes_facture l join factures f on f.id = l.facture_id "
                      "where f.commande = '405-0000008-0000013'") in ([(0,)], [(D("0.00"),)], [(0.0,)])
    # A later change of the customer record never rewrites the invoice as issued.
    base.execute("update clients set nom = 'Autre nom', ville = 'Gand'")
    assert base.query("select facturation_nom, facturation_ville from factures where regime = 'IC'") == [
        ("Atelier Dubois", "Bruxelles")]


def test_invoices_are_dated_the_day_they_are_issued_by_default(tmp_path, base):
    write_settings(tmp_path, vies="non")
    export = write_txt(tmp_path / "export.txt", [order(9, purchase_date="2026-03-05T10:00:00+00:00")])
    before = datetime.now(ZoneInfo("Europe/Paris")).date()
    code, out, err = cli("integrer", export, "--db", base.url, "--json", cwd=tmp_path)
    after = datetime.now(ZoneInfo("Europe/Paris")).date()
    assert code == 0, err
    ((numero, issued, sold),) = base.query("select numero, date, date_vente from factures")
    issued = issued if isinstance(issued, date) else date.fromisoformat(str(issued))
    assert issued in (before, after) and str(sold) == "2026-03-05"
    assert numero == f"FA{issued.year}000001"


def test_amazon_invoiced_orders_are_counted_skipped_and_exports_never_set_a_french_rate(folder, base):
    header = list(row()) + ["is-amazon-invoiced"]
    export = write_txt(folder / "export.txt", [
        order(10, sku="DEJA-FACTUREE", is_amazon_invoiced="true"),
        order(11, sku="SUISSE-1", is_amazon_invoiced="false", ship_country="CH", ship_postal_code="1200",
              ship_city="Genève", bill_country="CH", bill_postal_code="1200", bill_city="Genève", currency="EUR",
              item_price="30.00", item_tax="0.00", vat_exclusive_item_price="")], header=header)
    code, out, err = cli("integrer", export, "--db", base.url, "--json", cwd=folder)
    assert code == 0, err
    summary = json.loads(out)
    assert summary["invoices"] == [{"commande": "405-0000011-0000013", "numero": "FA2026000001"}]
    assert summary["skipped"] == [{"commande": "405-0000010-0000013", "numero": None}]
    assert summary["orders_skipped"] == 1 and "I_FACTURE_PAR_AMAZON" in err
    # Never called "already integrated": Amazon invoiced it, Gestan never had it.
    assert "1 facture(s) créée(s), 0 commande déjà intégrée passée, 1 commande facturée par Amazon passée." in err
    assert base.query("select count(*) from produits where code = 'DEJA-FACTUREE'") == [(0,)]
    # Sold only abroad: the default French rate and HT × 1.2, never the export's 0 %.
    ((rate, price),) = base.query("select taux_tva, prix_ttc from produits where code = 'SUISSE-1'")
    assert (D(str(rate)), D(str(price))) == (20, D("36"))
    assert base.query("select regime, mention_tva from factures") == [
        ("EXPORT", "Exonération de TVA, article 262 I du CGI")]
