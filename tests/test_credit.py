"""Avoir: a wrong integration, a cancelled or a changed order is corrected by a credit note, never by editing
an issued invoice (French law). Tried as a user would, on SQLite, PostgreSQL and MariaDB."""

import json
import os
import signal
import subprocess
import sys
from datetime import datetime
from decimal import Decimal as D
from pathlib import Path
from zoneinfo import ZoneInfo


from exportgen import row, write_txt
from observe import Server, hold_sqlite_commit, wait_until

ROOT = Path(__file__).resolve().parents[1]
FIXED_DATES = ROOT / "tests" / "settings" / "fixed-dates.toml"  # date_facture = achat, vies = non
FIRST, SECOND, THIRD = "405-0000001-0000000", "405-0000002-0000000", "405-0000003-0000000"


def cli(*args, cwd=None, env=None):
    proc = subprocess.run([sys.executable, "-m", "amazon_addin", *map(str, args), "--config", FIXED_DATES],
                          capture_output=True, cwd=cwd or ROOT, timeout=600, env={**os.environ, **(env or {})})
    err = proc.stderr.decode("utf-8")
    assert "Traceback" not in err
    return proc.returncode, proc.stdout.decode("utf-8"), err


def today() -> str:
    return datetime.now(ZoneInfo("Europe/Paris")).date().isoformat()


def sold(first_qty=2, second_price="19.00", second_tax="3.17"):
    """Three orders of stock-managed products; the corrected export changes the first two."""
    price, tax = D("12.00") * first_qty, D("2.00") * first_qty
    second_ht = str(D(second_price) - D(second_tax))
    return [row(order_id=FIRST, order_item_id="10000000000001", sku="TASSE-01", quantity_purchased=str(first_qty),
                item_price=str(price), item_tax=str(tax), vat_exclusive_item_price=str(price - tax),
                shipping_price="4.80", shipping_tax="0.80", vat_exclusive_shipping_price="4.00",
                purchase_date="2026-03-02T10:00:00+00:00", payments_date="2026-03-02T10:00:00+00:00"),
            row(order_id=SECOND, order_item_id="10000000000002", sku="BOUGIE-LAV", item_price=second_price,
                item_tax=second_tax, vat_exclusive_item_price=second_ht, purchase_date="2026-03-03T10:00:00+00:00",
                payments_date="2026-03-03T10:00:00+00:00"),
            row(order_id=THIRD, order_item_id="10000000000003", sku="LIVRE-CUISINE", item_price="21.10",
                item_tax="1.10", vat_exclusive_item_price="20.00", purchase_date="2026-03-04T10:00:00+00:00",
                payments_date="2026-03-04T10:00:00+00:00")]


def money(rows) -> list:
    return [tuple(D(str(v)) if isinstance(v, (float, D)) else v for v in r) for r in rows]


def stock(base, code):
    return base.query(f"select stock from produits where code = '{code}'")[0][0]


def test_credit_two_orders_then_integrate_the_corrected_export(tmp_path, demo_base):
    base = demo_base
    code, out, err = cli("integrer", write_txt(tmp_path / "ventes.txt", sold()), "--db", base.url, "--json")
    assert code == 0, err
    assert stock(base, "TASSE-01") == 10 and stock(base, "BOUGIE-LAV") == 29

    code, out, err = cli("avoir", "--commande", FIRST, "--commande", SECOND, "--motif", "Commande modifiée par "
                         "Amazon", "--db", base.url, "--json")
    assert code == 0, err
    year = today()[:4]
    made = json.loads(out)
    assert [(c["commande"], c["facture"], c["avoir"]) for c in made["credit_notes"]] == [
        (FIRST, "FA2026000001", f"AV{year}000001"), (SECOND, "FA2026000002", f"AV{year}000002")]
    assert f"AV{year}000001  annule la facture FA2026000001 (commande {FIRST}, 28,80 EUR)" in err
    # The credit note mirrors its invoice: same lines, rates and amounts (positive, as Gestan prints them),
    # dated the day it is made, with who, when and why.
    notes = base.query("select a.numero, a.date, f.numero, a.motif, a.total_ht, a.total_tva, a.total_ttc, "
                       "a.utilisateur, a.cree_le, a.integration_id from avoirs a join factures f "
                       "on f.id = a.facture_id order by a.numero")
    assert [(n, str(d), f, m) for n, d, f, m, *_ in notes] == [
        (f"AV{year}000001", today(), "FA2026000001", "Commande modifiée par Amazon"),
        (f"AV{year}000002", today(), "FA2026000002", "Commande modifiée par Amazon")]
    assert all(who and when is not None and integration == 1 for *_, who, when, integration in notes)
    invoice_lines = base.query("select f.numero, l.rang, l.produit_code, l.quantite, l.montant_ht, l.montant_tva, "
                               "l.montant_ttc, l.taux_tva from lignes_facture l join factures f on f.id = l.facture_id "
                               "where f.commande in ('%s', '%s') order by f.numero, l.rang" % (FIRST, SECOND))
    credit_lines = base.query("select f.numero, l.rang, l.produit_code, l.quantite, l.montant_ht, l.montant_tva, "
                              "l.montant_ttc, l.taux_tva from lignes_avoir l join avoirs a on a.id = l.avoir_id "
                              "join factures f on f.id = a.facture_id order by f.numero, l.rang")
    assert money(credit_lines) == money(invoice_lines) and len(credit_lines) == 3
    # Stock comes back, by incoming movements linked to the credit note.
    assert stock(base, "TASSE-01") == 12 and stock(base, "BOUGIE-LAV") == 30
    back = base.query("select m.produit_code, m.quantite, a.numero from mouvements_stock m "
                      "join avoirs a on a.id = m.avoir_id order by a.numero")
    assert back == [("TASSE-01", 2, f"AV{year}000001"), ("BOUGIE-LAV", 1, f"AV{year}000002")]

    # Crediting twice is refused, in French, and writes nothing.
    before = base.dump()
    code, _, err = cli("avoir", "--commande", SECOND, "--db", base.url)
    assert code == 3
    assert (f"La commande {SECOND} est déjà créditée : sa facture FA2026000002 est annulée par l'avoir "
            f"AV{year}000002. Une facture ne se crédite qu'une fois ; rien n'a été écrit.") in err
    assert base.dump() == before

    # Vérifier says what will happen to the credited orders; Intégrer invoices them again.
    corrected = write_txt(tmp_path / "ventes-corrigees.txt", sold(first_qty=1, second_price="17.00",
                                                                   second_tax="2.83"))
    code, out, err = cli("verifier", corrected, "--db", base.url, "--json")
    codes = [(f["code"], f["cell"]) for f in json.loads(out)["findings"]]
    assert code == 0 and ("I_COMMANDE_AVOIR", "A2") in codes and ("I_COMMANDE_AVOIR", "A3") in codes
    assert ("I_DEJA_INTEGREE", "A4") in codes
    code, out, err = cli("integrer", corrected, "--db", base.url, "--json")
    assert code == 0, err
    again = json.loads(out)
    new = {i["commande"]: i["numero"] for i in again["invoices"]}
    assert again["orders_skipped"] == 1 and set(new) == {FIRST, SECOND}
    # The new invoices are dated the day of their integration (after the credit note), whatever date_facture
    # says; date_vente keeps the purchase date.
    issued = base.query("select numero, commande, date, date_vente from factures order by numero")
    assert [(n, c, str(d), str(v)) for n, c, d, v in issued] == [
        ("FA2026000001", FIRST, "2026-03-02", "2026-03-02"), ("FA2026000002", SECOND, "2026-03-03", "2026-03-03"),
        ("FA2026000003", THIRD, "2026-03-04", "2026-03-04"),
        (new[FIRST], FIRST, today(), "2026-03-02"), (new[SECOND], SECOND, today(), "2026-03-03")]
    series = f"FA{year}"
    expected = ["FA2026000004", "FA2026000005"] if year == "2026" else [f"{series}000001", f"{series}000002"]
    assert sorted(new.values()) == expected  # contiguous in both series
    # Stock is out again (the corrected quantities), and the journal names the new invoices.
    assert stock(base, "TASSE-01") == 11 and stock(base, "BOUGIE-LAV") == 29
    journal = base.query("select j.commande, f.numero, j.avoir_id from imports_amazon j join factures f "
                         "on f.id = j.facture_id order by j.commande")
    assert journal == [(FIRST, new[FIRST], None), (SECOND, new[SECOND], None), (THIRD, "FA2026000003", None)]
    # Invoices minus credit notes = what Amazon finally charged, to the cent.
    invoiced = sum(D(str(t)) for (t,) in base.query("select total_ttc from factures"))
    credited = sum(D(str(t)) for (t,) in base.query("select total_ttc from avoirs"))
    assert invoiced - credited == D("12.00") + D("4.80") + D("17.00") + D("21.10")
    # The new invoice can be credited in its turn: one credit note per invoice, not per order.
    code, out, err = cli("avoir", "--commande", FIRST, "--db", base.url, "--json")
    assert code == 0, err
    assert json.loads(out)["credit_notes"][0]["facture"] == new[FIRST]
    assert base.query("select count(*) from avoirs")[0][0] == 3


def test_credit_a_whole_integration_listed_by_integrations(tmp_path):
    from backends import new_backend

    base = new_backend("sqlite", tmp_path)
    assert subprocess.run([sys.executable, "-m", "amazon_addin", "init-db", "--demo", "--db", base.url],
                          capture_output=True, cwd=ROOT).returncode == 0
    export = write_txt(tmp_path / "mauvais-fichier.txt", sold())
    assert cli("integrer", export, "--db", base.url)[0] == 0
    code, out, err = cli("integrations", "--db", base.url, "--json")
    (listed,) = json.loads(out)
    assert code == 0 and listed["id"] == 1 and listed["fichier"] == "mauvais-fichier.txt"
    assert listed["invoices"] == 3 and listed["credit_notes"] == 0 and len(listed["sha256"]) == 64
    assert "mauvais-fichier.txt" in err and listed["sha256"] in err

    code, out, err = cli("avoir", "--integration", "1", "--db", base.url, "--json")
    assert code == 0, err
    assert [c["facture"] for c in json.loads(out)["credit_notes"]] == ["FA2026000001", "FA2026000002",
                                                                       "FA2026000003"]
    assert stock(base, "TASSE-01") == 12 and stock(base, "LIVRE-CUISINE") == 40
    assert json.loads(cli("integrations", "--db", base.url, "--json")[1])[0]["credit_notes"] == 3
    # The audit log has each credit note: who, which invoice, why.
    log = Path(os.environ["AMAZON_ADDIN_LOG"]).read_text(encoding="utf-8")
    assert f"avoir numero=AV{today()[:4]}000003 facture=FA2026000003 commande={THIRD}" in log

    before = base.dump()
    code, _, err = cli("avoir", "--integration", "1", "--db", base.url)
    assert code == 3 and "est déjà créditée" in err
    code, _, err = cli("avoir", "--integration", "7", "--db", base.url)
    assert code == 3 and "L'intégration 7 n'existe pas : « amazon-addin integrations » liste" in err
    code, _, err = cli("avoir", "--commande", "405-9999999-9999999", "--db", base.url)
    assert code == 3 and ("La commande 405-9999999-9999999 n'a jamais été intégrée dans Gestan : il n'y a pas de "
                          "facture à créditer. Rien n'a été écrit.") in err
    code, _, err = cli("avoir", "--db", base.url)
    assert code == 3 and "--commande" in err
    assert base.dump() == before


def test_credit_note_series_must_differ_from_invoices(tmp_path):
    (tmp_path / "amazon_addin.toml").write_text('format_numero_avoir = "FA{year}-{seq:04d}"\n'
                                                'format_numero = "FA{year}-{seq:06d}"\n', encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "amazon_addin", "avoir", "--commande", FIRST, "--db",
                           f"sqlite:///{tmp_path / 'x.db'}"], capture_output=True, cwd=tmp_path)
    err = proc.stderr.decode("utf-8")
    assert proc.returncode == 3 and "format_numero_avoir" in err and "propre série" in err


# ------------------------------------------------------------------------------------------ SIGKILL

def invariants(base) -> int:
    """Any committed state after `avoir` on the three invoices of `sold()`: all credited or none."""
    notes = base.query("select count(*) from avoirs")[0][0]
    lines = base.query("select count(*) from lignes_avoir")[0][0]
    marked = base.query("select count(*) from imports_amazon where avoir_id is not null")[0][0]
    back = base.query("select count(*) from mouvements_stock where avoir_id is not null")[0][0]
    counter = base.query("select valeur from compteurs where nom like 'AV%'")
    assert (notes, lines, marked, back) in ((0, 0, 0, 0), (3, 4, 3, 3)), (notes, lines, marked, back)
    assert counter == ([(notes,)] if notes else counter)
    assert (stock(base, "TASSE-01"), stock(base, "BOUGIE-LAV")) == ((12, 30) if notes else (10, 29))
    return notes


def _hold_stock_row(base, db_path):
    """Keep `avoir` from committing once it has written, and say when it is there. SQLite: an open read
    transaction bars the commit, the rollback journal appears with the first written page. Servers: another
    session's uncommitted update of a product's stock; the credit's own stock update waits on it, its credit
    notes already written."""
    if base.kind == "sqlite":
        return hold_sqlite_commit(db_path, "avoirs")
    from sqlalchemy import create_engine, text

    engine = create_engine(base.url)
    conn = engine.connect()
    trans = conn.begin()
    conn.execute(text("UPDATE produits SET stock_alerte = stock_alerte WHERE code = 'BOUGIE-LAV'"))
    server = Server.of(base)

    def seen():
        return [w for w in server.lock_waiters() if "produits" in w.query.lower() and w.has_written]

    return seen, lambda: (trans.rollback(), conn.close(), engine.dispose(), server.close())


def test_sigkill_during_avoir_leaves_all_or_nothing(tmp_path, demo_base):
    base = demo_base
    assert cli("integrer", write_txt(tmp_path / "ventes.txt", sold()), "--db", base.url)[0] == 0
    (tmp_path / "amazon_addin.toml").write_text("attente_verrou_s = 600\n", encoding="utf-8")
    env = {**os.environ, "AMAZON_ADDIN_LOG": str(tmp_path / "journal.log")}
    db_path = Path(base.url.removeprefix("sqlite:///")) if base.kind == "sqlite" else None
    seen, release = _hold_stock_row(base, db_path)
    try:
        proc = subprocess.Popen([sys.executable, "-m", "amazon_addin", "avoir", "--integration", "1", "--db",
                                 base.url], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tmp_path, env=env)
        wait_until(seen, "avoir inside its transaction with rows written", proc=proc)
        assert proc.poll() is None, "avoir ended before the kill"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=120)
        assert proc.returncode == -signal.SIGKILL
    finally:
        release()
    assert invariants(base) == 0, "the killed credit left rows behind"
    code, _, err = cli("avoir", "--integration", "1", "--db", base.url, cwd=tmp_path)
    assert code == 0, err
    assert invariants(base) == 3
