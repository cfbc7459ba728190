"""The command line as a user runs it: real processes, exit codes, JSON shape, French sentences."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from exportgen import CORRUPT, make_corrupt, row, write_csv, write_encrypted_xlsx, write_txt, write_xls, write_xlsx

from samples import SAMPLES, needs_samples

ROOT = Path(__file__).resolve().parents[1]
FR_2017 = SAMPLES / "akretion-connector-amazon__5724843814017999.csv"


def run(*args, cwd=None):
    proc = subprocess.run([sys.executable, "-m", "amazon_addin", *map(str, args)], capture_output=True,
                          cwd=cwd or ROOT, timeout=600)
    out, err = proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")
    assert "Traceback" not in err and "Traceback" not in out
    return proc.returncode, out, err


def test_json_contract_on_a_clean_file(tmp_path):
    path = write_txt(tmp_path / "ok.txt", [row(), row(order_id="405-0000000-0000002")])
    code, out, err = run("verifier", path, "--json")
    assert code == 0
    data = json.loads(out)
    assert data == {"findings": [], "orders": 2}
    assert "Aucune erreur" in err


def test_json_findings_shape_and_exit_1(tmp_path):
    path = write_txt(tmp_path / "bad.txt", [row(quantity_purchased="0", ship_postal_code="7100",
                                                 ship_city="Roiffieux")])
    code, out, err = run("verifier", path, "--json")
    assert code == 1
    data = json.loads(out)
    assert data["orders"] == 1
    for f in data["findings"]:
        assert {"row", "column", "code", "severity", "message", "suggestion"} <= set(f)
        assert f["severity"] in ("error", "warning", "info")
    assert [(f["row"], f["column"], f["code"], f["suggestion"]) for f in data["findings"]] == [
        (2, "quantity-purchased", "E_QUANTITE", None), (2, "ship-postal-code", "W_CP_COMPLETE", "07100")]
    assert "1 erreur(s)" in err and "J2" in err


def test_human_summary_without_json(tmp_path):
    path = write_txt(tmp_path / "bad.txt", [row(buyer_name="JÃ¼rgen")])
    code, out, err = run("verifier", path)
    assert code == 1 and out == ""
    assert "E_CARACTERES" in err and "Jürgen" in err and "F2" in err


@pytest.mark.parametrize("kind", sorted(CORRUPT))
def test_unreadable_files_exit_2_with_one_sentence(tmp_path, kind):
    path = make_corrupt(tmp_path, kind)
    code, out, err = run("verifier", path, "--json")
    assert code == 2 and out == ""
    assert err.strip() and len(err.strip().splitlines()) == 1
    assert err.strip().endswith(".")


def test_password_protected_and_missing_file(tmp_path):
    path = write_encrypted_xlsx(tmp_path / "secret.xlsx")
    code, _, err = run("verifier", path)
    assert code == 2 and "mot de passe" in err
    code, _, err = run("verifier", tmp_path / "absent.txt")
    assert code == 2 and "introuvable" in err


def test_every_format_gives_the_same_findings(tmp_path):
    rows = [row(), row(order_id="405-0000000-0000009", ship_postal_code="7100", ship_city="Roiffieux",
                       quantity_purchased="0")]
    paths = [write_txt(tmp_path / "a.txt", rows), write_txt(tmp_path / "b.txt", rows, encoding="cp1252"),
             write_csv(tmp_path / "c.csv", rows), write_csv(tmp_path / "d.csv", rows, delimiter=","),
             write_xlsx(tmp_path / "e.xlsx", rows), write_xls(tmp_path / "f.xls", rows)]
    seen = []
    for p in paths:
        code, out, _ = run("verifier", p, "--json")
        assert code == 1, p
        seen.append([(f["cell"], f["code"], f["suggestion"]) for f in json.loads(out)["findings"]])
    assert all(s == seen[0] for s in seen)
    assert [c for _, c, _ in seen[0]] == ["E_QUANTITE", "W_CP_COMPLETE"]


def test_bad_setting_exit_3(tmp_path):
    path = write_txt(tmp_path / "ok.txt", [row()])
    (tmp_path / "amazon_addin.toml").write_text('fuseau_horaire = "Mars/Olympus"\n', encoding="utf-8")
    code, _, err = run("verifier", path, cwd=tmp_path)
    assert code == 3 and "fuseau_horaire" in err
    (tmp_path / "amazon_addin.toml").write_text('jeu_caracteres = "utf-8"\n', encoding="utf-8")
    assert run("verifier", path, cwd=tmp_path)[0] == 0
    code, _, err = run("--config", tmp_path / "nope.toml", "verifier", path)
    assert code == 3 and "introuvable" in err


ARGPARSE_ENGLISH = re.compile(r"\b(usage|error|required|unrecognized|invalid|choose|show|help message|"
                              r"ambiguous|positional|expected|exit)\b", re.I)


@pytest.mark.parametrize("args", [("verifier",), ("verifier", "x.txt", "--bogus"), ("inconnue",), ("--config",),
                                  ("integrer", "x.txt", "--db"), ("verifier", "x.txt", "--out")])
def test_usage_errors_are_french_and_exit_3(args):
    """A usage error is a settings problem (exit 3, README), said in French, the usage line included."""
    code, out, err = run(*args)
    assert code == 3 and out == "" and "commande incorrecte" in err, err
    assert err.startswith("utilisation : amazon-addin") and not ARGPARSE_ENGLISH.search(err), err


@pytest.mark.parametrize("args", [("-h",), ("verifier", "-h"), ("build-workbook", "--help")])
def test_help_is_french(args):
    code, out, err = run(*args)
    assert code == 0 and out.startswith("utilisation : amazon-addin") and "affiche cette aide" in out
    assert not ARGPARSE_ENGLISH.search(out.replace("--help", "").replace("-h,", "")), out


def test_real_2017_french_sample():
    needs_samples()
    code, out, _ = run("verifier", FR_2017, "--json")
    data = json.loads(out)
    assert code == 0 and data["orders"] == 10
    found = {(f["cell"], f["code"]): f for f in data["findings"]}
    # Row 6 is order 407-8251065-5874724, shipped to Roiffieux, whose 07100 lost its zero.
    assert found[("W6", "W_CP_COMPLETE")]["suggestion"] == "07100"
    # Amazon.fr gave no VAT in 2017 on these sales: it is derived at 20 % on each of the 11 rows.
    assert sum(1 for (_, c) in found if c == "W_TVA_CALCULEE") == 11
    assert not [f for f in data["findings"] if f["severity"] == "error"]


def test_real_samples_verdicts(tmp_path):
    from exportgen import write_ecb_rates, write_settings

    needs_samples()
    vat_report = SAMPLES / "TM312-vat_automation__AVTR_Sales Tax Transaction Report_Test Company.txt"
    code, _, err = run("verifier", vat_report)
    assert code == 2 and err.startswith("Ce fichier est le rapport des transactions TVA (AVTR) d'Amazon, pas un "
                                        "rapport de commandes : téléchargez")
    uk = SAMPLES / "yomajo-Amazon-Orders-Parser__sample_amzn_export.txt"  # a GBP sale of 8 May 2020
    code, out, _ = run("verifier", uk, "--json")
    assert code == 1 and [(f["cell"], f["code"]) for f in json.loads(out)["findings"]] == [("K2", "E_TAUX_CHANGE")]
    rates = write_ecb_rates(tmp_path / "eurofxref-hist.csv", "Date,USD,GBP,\n2020-05-08,1.0843,0.8760,\n")
    write_settings(tmp_path, taux_change=str(rates))
    code, out, _ = run("verifier", uk, "--json", cwd=tmp_path)
    assert (code, json.loads(out)) == (0, {"findings": [], "orders": 1})  # 1.84 on 10.59 is Spain's 21 %
    code, _, err = run("verifier", SAMPLES / "littlesnaf-CustomOrderService__sample-amazon-orders.txt", "--json")
    assert code == 2 and err.count(".") == 1 and "commandes non expédiées (sans les prix)" in err  # one sentence
    code, out, _ = run("verifier", SAMPLES / "akretion-connector-amazon__56460amz.csv", "--json")
    codes = sorted(f["code"] for f in json.loads(out)["findings"])
    assert code == 0 and codes == ["W_TEL_COMPLETE", "W_TEL_COMPLETE", "W_TVA_CALCULEE", "W_TVA_CALCULEE"]


def test_example_exports_in_the_repository():
    code, out, _ = run("verifier", ROOT / "examples" / "commandes.txt", "--json", "--config",
                       ROOT / "tests" / "settings" / "fixed-dates.toml")  # its Belgian buyer: no VIES here
    assert code == 0 and json.loads(out)["orders"] == 4
    code, out, _ = run("verifier", ROOT / "examples" / "commandes-a-corriger.txt", "--json")
    data = json.loads(out)
    assert code == 1
    assert {f["code"] for f in data["findings"]} == {
        "E_CARACTERES", "E_COMMANDE_INCOHERENTE", "E_QUANTITE", "W_CP_COMPLETE", "E_TVA_INCOHERENTE",
        "E_MONTANT", "E_PAYS"}


def test_summary_counts_per_code_then_first_findings_then_where_to_see_all(tmp_path):
    rows = [row(order_id=f"405-0000000-{n:07d}", quantity_purchased="0" if n % 10 == 0 else "1",
                item_tax="0.00", vat_exclusive_item_price="") for n in range(1, 31)]
    path = write_txt(tmp_path / "many.txt", rows)
    code, out, err = run("verifier", path, "--json")
    assert code == 1
    lines = err.splitlines()
    assert lines[2:4] == ["       3 × E_QUANTITE (Quantité invalide)", "      27 × W_TVA_CALCULEE (TVA calculée)"]  # 3 rows cannot be built
    assert "2 [avertissement] W_TVA_CALCULEE" in lines[4]  # then the findings, in sheet order
    assert "… et 10 autre(s) ; tout voir : --out annote.xlsx" in err
    # An amount's suggestion as a French user types it; JSON keeps Amazon's dot.
    assert "→ 4,00" in err and "→ 4.00" not in err
    assert {f["suggestion"] for f in json.loads(out)["findings"] if f["code"] == "W_TVA_CALCULEE"} == {"4.00"}


def test_an_unexpected_error_is_kept_in_the_log(tmp_path):
    """The command line meets a bug: one French sentence naming the log, the traceback in the log."""
    import os

    log = tmp_path / "amazon_addin.log"
    export = write_txt(tmp_path / "e.txt", [row()])
    forced = ("import sys, amazon_addin.checks as checks, amazon_addin.cli as cli\n"
              "def broken(*a, **k):\n    raise KeyError('bug forcé')\n"
              "checks.verify_table = broken\nsys.exit(cli.main(sys.argv[1:]))\n")
    proc = subprocess.run([sys.executable, "-c", forced, "verifier", str(export)], capture_output=True, cwd=ROOT,
                          env={**os.environ, "AMAZON_ADDIN_LOG": str(log)}, timeout=600)
    err = proc.stderr.decode("utf-8")
    assert proc.returncode == 2 and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 and "Erreur interne inattendue (KeyError)" in err and str(log) in err
    text = log.read_text(encoding="utf-8")
    assert "unexpected error in amazon-addin verifier" in text and "KeyError: 'bug forcé'" in text
    assert "in broken" in text


def test_the_process_ends_at_once_with_everything_said_and_written(tmp_path):
    """`python -m amazon_addin` ends its process without freeing its objects one by one: what it printed (a
    JSON larger than a pipe's buffer), its exit code, its audit log line and its base are all there."""
    import os
    import sqlite3

    from exportgen import order_id

    log = tmp_path / "audit.log"
    env = {**os.environ, "AMAZON_ADDIN_LOG": str(log)}
    rows = [row(order_id=order_id(k), quantity_purchased="0" if k % 2 else "1") for k in range(1500)]
    export = write_txt(tmp_path / "e.txt", rows)
    proc = subprocess.run([sys.executable, "-m", "amazon_addin", "verifier", str(export), "--json"],
                          capture_output=True, cwd=tmp_path, env=env, timeout=600)
    assert proc.returncode == 1 and len(proc.stdout) > 150_000  # a pipe holds 64 KiB
    assert len(json.loads(proc.stdout)["findings"]) >= 750 and "erreur(s)" in proc.stderr.decode("utf-8")
    clean = write_txt(tmp_path / "clean.txt", [r for k, r in enumerate(rows) if k % 2 == 0])
    db = tmp_path / "g.db"
    for args in (["init-db", "--db", f"sqlite:///{db}"], ["integrer", str(clean), "--db", f"sqlite:///{db}"]):
        done = subprocess.run([sys.executable, "-m", "amazon_addin", *args], capture_output=True, cwd=tmp_path,
                              env=env, timeout=600)
        assert done.returncode == 0, done.stderr.decode("utf-8")
    assert "750 facture(s) créée(s)" in done.stdout.decode("utf-8") + done.stderr.decode("utf-8")
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM factures").fetchone() == (750,)
    assert "integration" in log.read_text(encoding="utf-8")
