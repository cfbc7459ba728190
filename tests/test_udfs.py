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
    assert module.GESTAN_STOCK("INCONNU") is None
    assert module.GESTAN_STOCK("  ") is None
    assert module.GESTAN_FACTURE("405-1000001-0000001") == ""
    subprocess.run([sys.executable, "-m", "amazon_addin", "integrer", str(ROOT / "examples" / "commandes.txt"),
                    "--db", f"sqlite:///{db}", "--config", str(ROOT / "tests" / "settings" / "fixed-dates.toml")],
                   check=True, capture_output=True)
    assert module.GESTAN_FACTURE("405-1000001-0000001") == "FA2026000001"
    assert module.GESTAN_STOCK("TASSE-01") == 3


def test_vat_rate(udfs):
    module, _ = udfs
    assert module.AMAZON_TAUX_TVA(24, 4) == 20
    assert module.AMAZON_TAUX_TVA("21,10", "1,10") == 5.5
    assert module.AMAZON_TAUX_TVA(10, 10) is None
    assert module.AMAZON_TAUX_TVA("abc", 1).startswith("#VALEUR")


def test_missing_base_is_a_message_not_a_crash(tmp_path, monkeypatch):
    module = load_udfs(tmp_path, monkeypatch, tmp_path / "absent.db")
    assert module.GESTAN_STOCK("TASSE-01").startswith("#GESTAN") and not (tmp_path / "absent.db").exists()
