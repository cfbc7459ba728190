"""Every Amazon report a seller may download is known by its header (SPEC §1 "Which Amazon reports are
orders"): the two order reports are read, every other one is refused with one French sentence naming it and
what to download; a header-only report is an error, never "peut être intégré"; a finding said once per new
product or city does not drown the real errors (SPEC §7 "Findings")."""

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from amazon_addin import ribbon
from amazon_addin.errors import ReadError
from amazon_addin.excel import addin as A
from amazon_addin.excel import engine as E
from amazon_addin.reader import read_table
from exportgen import FBA_HEADER, HEADER, WRONG_REPORTS, fba_row, row, write_report, write_txt

ROOT = Path(__file__).resolve().parents[1]
FORMATS = ("txt", "csv", "xlsx")
DOWNLOAD = ("téléchargez le rapport de commandes (Commandes > Rapports sur les commandes > Nouvelles commandes) ou, "
            "pour les ventes expédiées par Amazon, le rapport des expéditions (Rapports > Expédié par Amazon > "
            "Expéditions traitées par Amazon).")
# What the seller reads: the report named in French.
NAMES = {
    "reglement-v2": "un rapport de paiements (règlement, fichier plat V2) Amazon",
    "reglement-v1": "un rapport de paiements (règlement, fichier plat V1) Amazon",
    "reglement": "un rapport de paiements (règlement) Amazon",
    "non-expediees": "un rapport des commandes non expédiées (sans les prix)",
    "toutes-commandes": "un rapport « Toutes les commandes » (sans nom ni adresse d'acheteur)",
    "avtr": "le rapport des transactions TVA (AVTR) d'Amazon",
    "calcul-tva": "un rapport de calcul de la TVA d'Amazon (service de calcul de TVA)",
    "retours-fba": "un rapport des retours clients Expédié par Amazon",
    "retours": "un rapport des retours (commandes expédiées par le vendeur)",
    "transactions": "un rapport des transactions par période (paiements) Amazon",
    "inventaire": "un rapport d'inventaire Amazon",
    "inventaire-fba": "un rapport d'inventaire Expédié par Amazon",
    "inventaire-fba-stock": "un rapport d'inventaire Expédié par Amazon",
    "offres": "un rapport des offres (annonces) Amazon",
}


def run(*args, cwd=None):
    proc = subprocess.run([sys.executable, "-m", "amazon_addin", *map(str, args)], capture_output=True,
                          cwd=cwd or ROOT, timeout=600)
    out, err = proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")
    assert "Traceback" not in err
    return proc.returncode, out, err


def init_db(path):
    code, _, err = run("init-db", "--demo", "--db", f"sqlite:///{path}")
    assert code == 0, err


def test_every_report_of_the_table_has_a_test_file():
    from amazon_addin.reports import REPORTS

    assert {r.key for r in REPORTS if not r.read} == set(WRONG_REPORTS) == set(NAMES)
    assert {r.key for r in REPORTS if r.read} == {"commandes", "fba"}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", sorted(WRONG_REPORTS))
def test_wrong_downloads_are_named_with_what_to_download(tmp_path, kind, fmt):
    path = write_report(tmp_path / kind, WRONG_REPORTS[kind], fmt)
    with pytest.raises(ReadError) as info:
        read_table(path)
    message = info.value.message
    assert info.value.exit_code == 2
    assert message.startswith(f"Ce fichier est {NAMES[kind]}, pas un rapport de commandes : téléchargez le rapport "
                              "de commandes")
    assert message.endswith(").") and message.count(". ") == 0  # one sentence


def test_unshipped_orders_point_to_the_report_with_prices(tmp_path):
    with pytest.raises(ReadError) as info:
        read_table(write_report(tmp_path / "a-expedier", WRONG_REPORTS["non-expediees"], "txt"))
    assert info.value.message.endswith(": téléchargez le rapport de commandes, qui donne les prix (Commandes > "
                                       "Rapports sur les commandes > Nouvelles commandes).")


def test_an_order_report_with_the_unshipped_columns_and_prices_is_read(tmp_path):
    """Recent order reports also carry `quantity-to-ship` (the bench's 57-column layout does): the unshipped
    report is refused for its missing prices, so a header that has them is the order report."""
    header = HEADER + [c for c in ("reporting-date", "quantity-shipped", "quantity-to-ship") if c not in HEADER]
    assert read_table(write_report(tmp_path / "commandes", header, "txt")).report == "commandes"


def test_settlement_report_refused_by_the_command_line(tmp_path):
    path = write_report(tmp_path / "paiements", WRONG_REPORTS["reglement-v2"], "txt", rows=2600)
    for command in ("verifier", "integrer"):
        code, out, err = run(command, path, "--db", f"sqlite:///{tmp_path / 'gestan.db'}")
        assert (code, out) == (2, "")
        assert err == ("Ce fichier est un rapport de paiements (règlement, fichier plat V2) Amazon, pas un rapport de "
                       f"commandes : {DOWNLOAD}\n")
    assert not (tmp_path / "gestan.db").exists()


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_two_order_reports_are_read(tmp_path, fmt):
    orders = write_report(tmp_path / "commandes", HEADER, fmt)
    assert read_table(orders).report == "commandes"
    fba = read_table(write_report(tmp_path / "fba", FBA_HEADER, fmt))
    assert fba.report == "fba"
    assert fba.columns["order-id"] == FBA_HEADER.index("amazon-order-id")
    assert fba.columns["order-item-id"] == FBA_HEADER.index("amazon-order-item-id")
    assert fba.columns["quantity-purchased"] == FBA_HEADER.index("quantity-shipped")
    assert fba.columns["shipment-date"] == FBA_HEADER.index("shipment-date")


@pytest.mark.parametrize("header", [HEADER, FBA_HEADER], ids=["commandes", "fba"])
def test_header_only_report_is_an_error_and_writes_nothing(tmp_path, header):
    db = tmp_path / "gestan.db"
    init_db(db)
    path = write_txt(tmp_path / "vide.txt", [], header=header)
    code, out, err = run("verifier", path, "--json")
    findings = json.loads(out)["findings"]
    assert code == 1 and [(f["code"], f["severity"], f["row"]) for f in findings] == [("E_AUCUNE_COMMANDE", "error", 1)]
    assert "période" in findings[0]["message"] and "dates" in findings[0]["message"]
    assert "peut être intégré" not in err and "Rien à intégrer : le fichier ne contient aucune commande." in err
    code, _, err = run("integrer", path, "--db", f"sqlite:///{db}")
    assert code == 1 and "Rien n'a été écrit dans Gestan." in err
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from integrations_amazon").fetchone() == (0,)
        assert conn.execute("select count(*) from factures").fetchone() == (0,)


def test_one_finding_per_new_product_over_2600_rows(tmp_path):
    """2,600 rows selling 33 new skus: 33 W_PRODUIT_NOUVEAU, each saying how many rows share it."""
    db = tmp_path / "gestan.db"
    init_db(db)
    rows = [row(order_id=f"405-{1000000 + i:07d}-{2000000 + i:07d}", sku=f"NOUVEAU-{i % 33:02d}") for i in range(2600)]
    path = write_txt(tmp_path / "gros.txt", rows)
    code, out, err = run("verifier", path, "--db", f"sqlite:///{db}", "--json")
    new = [f for f in json.loads(out)["findings"] if f["code"] == "W_PRODUIT_NOUVEAU"]
    assert code == 0 and len(new) == 33
    counts = {f["message"].split("« ")[1].split(" »")[0]: f["message"] for f in new}
    assert "(79 ligne(s) de l'export)" in counts["NOUVEAU-00"] and "(78 ligne(s) de l'export)" in counts["NOUVEAU-32"]
    # The console: counts per code first, then the first findings.
    lines = err.splitlines()
    assert "      33 × W_PRODUIT_NOUVEAU (Produit nouveau)" in lines
    assert lines.index("      33 × W_PRODUIT_NOUVEAU (Produit nouveau)") < next(
        i for i, line in enumerate(lines) if "[avertissement] W_PRODUIT_NOUVEAU" in line)


def _book_on(db: Path):
    """A workbook whose Paramètres sheet names this base, as a user sets it up."""
    book = E.new_book()
    book.sheets[0].name = "Commandes"
    book.set_mock_caller()
    ribbon.parametres()
    params = book.sheets["Paramètres"]
    keys = [r[0] for r in A.read_block(params)]
    params.range(f"B{keys.index('base') + 1}").value = f"sqlite:///{db}"
    return book


def test_excel_colours_every_cell_of_a_new_product_and_notes_the_first(tmp_path, engine):
    db = tmp_path / "gestan.db"
    init_db(db)
    rows = [row(order_id=f"405-000000{i}-000000{i}", sku="NOUVEAU") for i in range(1, 4)]
    rows.append(row(order_id="405-0000009-0000009", sku="TASSE-01", quantity_purchased="0"))
    book = _book_on(db)
    ribbon.charger(path=str(write_txt(tmp_path / "mars.txt", rows)))
    msg = ribbon.verifier()
    assert "1 × W_PRODUIT_NOUVEAU" in msg and "1 × E_QUANTITE" in msg
    sheet = book.sheets["Commandes"]
    sku = A.C.letter(HEADER.index("sku"))
    assert [sheet.range(f"{sku}{r}").color for r in (2, 3, 4)] == [A.ORANGE] * 3
    assert "3 ligne(s) de l'export" in sheet.range(f"{sku}2").note.text
    assert "Même constat sur 2 autres cellules" in sheet.range(f"{sku}2").note.text
    assert sheet.range(f"{sku}3").note is None and sheet.range(f"{sku}4").note is None
    controls = A.read_block(book.sheets["Contrôles"])
    assert [r[4] for r in controls[1:] if r[4]].count("W_PRODUIT_NOUVEAU") == 1
    # Corriger has nothing to write there: the sku cells keep their values and their colour.
    assert "0 cellule corrigée" in ribbon.corriger()
    assert [sheet.range(f"{sku}{r}").value for r in (2, 3, 4)] == ["NOUVEAU"] * 3
    assert [sheet.range(f"{sku}{r}").color for r in (2, 3, 4)] == [A.ORANGE] * 3
    # The seller fixes the quantity: Vérifier again clears its own marks and paints the same three cells.
    sheet.range(f"{A.C.letter(HEADER.index('quantity-purchased'))}5").value = "1"
    msg = ribbon.verifier()
    assert "Aucune erreur" in msg
    assert [sheet.range(f"{sku}{r}").color for r in (2, 3, 4, 5)] == [A.ORANGE] * 3 + [None]


def test_excel_charger_and_verifier_name_the_wrong_report(tmp_path, engine):
    book = E.new_book()
    book.sheets[0].name = "Commandes"
    book.set_mock_caller()
    path = write_report(tmp_path / "reglement", WRONG_REPORTS["reglement-v1"], "xlsx")
    msg = ribbon.charger(path=str(path))
    assert msg.startswith("Ce fichier est un rapport de paiements (règlement, fichier plat V1) Amazon, pas un rapport "
                          "de commandes")
    # Pasted by hand into the order sheet instead: Vérifier says the same.
    book.sheets["Commandes"].range("A1").value = [WRONG_REPORTS["avtr"], ["x"] * len(WRONG_REPORTS["avtr"])]
    msg = ribbon.verifier()
    assert msg.startswith("Ce fichier est le rapport des transactions TVA (AVTR) d'Amazon, pas un rapport de commandes")


def test_fba_shipments_file_loads_in_excel(tmp_path, engine):
    book = E.new_book()
    book.sheets[0].name = "Commandes"
    book.set_mock_caller()
    path = write_txt(tmp_path / "fba.txt", [fba_row(), fba_row()], header=FBA_HEADER)
    assert "2 lignes chargées" in ribbon.charger(path=str(path))
    assert "Aucune erreur" in ribbon.verifier()


def test_excel_integrer_of_a_header_only_sheet_says_there_is_no_order(tmp_path, engine):
    db = tmp_path / "gestan.db"
    init_db(db)
    _book_on(db)
    ribbon.charger(path=str(write_txt(tmp_path / "vide.txt", [])))
    assert "aucune commande" in ribbon.verifier() and "vous pouvez intégrer" not in ribbon.verifier()
    msg = ribbon.integrer()
    assert msg.startswith("Le fichier ne contient aucune commande") and msg.endswith("Rien n'a été écrit dans Gestan.")
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from integrations_amazon").fetchone() == (0,)
