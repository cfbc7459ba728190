"""The UDFs import and compute on Linux (xlwings' decorators pass through)."""

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def load_udfs(tmp_path, monkeypatch, db):
    """The UDF module as Excel imports it, its settings naming `db`, no engine cached from a prior test."""
    cfg = tmp_path / "amazon_addin.toml"
    cfg.write_text(f'base = "sqlite:///{db}"\n', encoding="utf-8")
    monkeypatch.setenv("AMAZON_ADDIN_CONFIG", str(cfg))
    monkeypatch.syspath_prepend(str(ROOT / "udfs"))
    module = importlib.import_module("gestan_udfs")
    module._gestan.cache_clear()
    return module


@pytest.fixture
def udfs(tmp_path, monkeypatch):
    db = tmp_path / "g.db"
    subprocess.run([sys.executable, "-m", "amazon_addin", "init-db", "--demo", "--db", f"sqlite:///{db}"],
                   check=True, capture_output=True)
    return load_udfs(tmp_path, monkeypatch, db), db


def test_stock_and_invoice(udfs, tmp_path):
    module, db = udfs
    assert module.GESTAN_STOCK("TASSE-01") == 12
    assert module.GESTAN_STOCK("INCONNU").startswith("#INCONNU : le produit « INCONNU »")  # not "empty"
    assert module.GESTAN_STOCK("  ") is None and module.GESTAN_STOCK(None) is None
    assert module.GESTAN_FACTURE("405-1000001-0000001") == ""
    subprocess.run([sys.executable, "-m", "amazon_addin", "integrer", str(ROOT / "examples" / "commandes.txt"),
                    "--db", f"sqlite:///{db}", "--config", str(ROOT / "tests" / "settings" / "fixed-dates.toml")],
                   check=True, capture_output=True)
    assert module.GESTAN_FACTURE("405-1000001-0000001") == "FA2026000001"
    assert module.GESTAN_STOCK("TASSE-01") == 3


def test_vat_rate(udfs):
    module, _ = udfs
    assert module.AMAZON_TAUX_TVA(24, 4) == 20
    assert module.AMAZON_TAUX_TVA("21,10", "1,10") == 5.5 and module.AMAZON_TAUX_TVA(24.0, 4.0) == 20
    assert module.AMAZON_TAUX_TVA("abc", 1).startswith("#VALEUR")
    for impossible in ((10, 12), (10, 10), (10, -1), (-24, 4), (0, 0)):  # AMAZON_TAUX_TVA(10;12) was −600
        assert module.AMAZON_TAUX_TVA(*impossible).startswith("#VALEUR"), impossible
    assert module.AMAZON_TAUX_TVA(None, 4) is None and module.AMAZON_TAUX_TVA(24, "") is None


def test_a_numeric_cell_is_read_as_the_reader_reads_it(udfs):
    """Excel hands a product code typed as a number over as a float: 3760123456789.0 is "3760123456789"."""
    import sqlite3

    module, db = udfs
    with sqlite3.connect(db) as con:
        con.execute("insert into produits (code, libelle, famille, taux_tva, prix_ttc, gere_stock, stock, "
                    "stock_alerte) values ('3760123456789', 'Miel', 'AMAZON', 5.5, 8.5, 1, 7, 2)")
    assert module.GESTAN_STOCK(3760123456789.0) == 7
    assert module.GESTAN_FACTURE(" 405-1000001-0000001 ") == ""  # trimmed, as the reader does
    assert module.GESTAN_FACTURE("2.20764E+13").startswith("#VALEUR : le n° de commande")  # as the reader says
    assert module.GESTAN_FACTURE(None) is None


def test_a_base_without_tables_is_a_sentence_not_a_traceback(tmp_path, monkeypatch):
    import sqlite3

    empty = tmp_path / "vide.db"
    sqlite3.connect(empty).close()
    module = load_udfs(tmp_path, monkeypatch, empty)
    for value in (module.GESTAN_STOCK("TASSE-01"), module.GESTAN_FACTURE("405-1000001-0000001")):
        assert value.startswith("#GESTAN : ") and "check-db" in value and "Traceback" not in value, value


def test_an_unexpected_failure_is_a_sentence_and_a_log(udfs, monkeypatch, tmp_path):
    module, _ = udfs
    log = tmp_path / "udf.log"
    monkeypatch.setenv("AMAZON_ADDIN_LOG", str(log))

    def broken(config):
        raise RuntimeError("panne forcée")

    monkeypatch.setattr(module, "_gestan", broken)
    value = module.GESTAN_STOCK("TASSE-01")
    assert value.startswith("#GESTAN : erreur inattendue (RuntimeError)") and str(log) in value
    assert "RuntimeError: panne forcée" in log.read_text(encoding="utf-8")


def test_missing_base_is_a_message_not_a_crash(tmp_path, monkeypatch):
    module = load_udfs(tmp_path, monkeypatch, tmp_path / "absent.db")
    assert module.GESTAN_STOCK("TASSE-01").startswith("#GESTAN") and not (tmp_path / "absent.db").exists()
