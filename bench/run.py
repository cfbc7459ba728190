"""AmazonImport benchmarks: every figure is a ratio against a baseline run in the same command.

    python bench/run.py            # 10k and 100k rows (a few minutes, pandas/openpyxl is the slow part)
    python bench/run.py --quick    # 10k rows only, no pandas baseline

Machines here are shared and noisy: absolute times are printed for information, targets are ratios.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import exports  # noqa: E402

PY = sys.executable
RESULTS: list[tuple[str, bool]] = []


def run_process(args: list[str], cwd: Path | None = None) -> tuple[float, int]:
    """Wall time and peak RSS (MB) of one whole process."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"échec ({proc.returncode}) : {' '.join(args)}")
    return elapsed, usage.ru_maxrss // 1024


PEAK = ("import os, subprocess, sys\np = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, "
        "stderr=subprocess.DEVNULL)\n_, _, ru = os.wait4(p.pid, 0)\nprint(ru.ru_maxrss // 1024)\n")


def peak_mb(args: list[str]) -> int:
    """Peak RSS of a command, measured from a small wrapper: a child forked from this (large) bench
    process would report the parent's pages as its own high-water mark."""
    return int(subprocess.run([PY, "-c", PEAK, *args], capture_output=True, text=True, check=True).stdout)


def best_of(n: int, fn):
    return min(fn() for _ in range(n))


def report(label: str, value: float, baseline: float, target: str, ok: bool, unit: str = "s") -> None:
    ratio = value / baseline if baseline else float("inf")
    mark = "OK " if ok else "NON"
    print(f"[{mark}] {label:<58} {value:8.2f} {unit} / {baseline:8.2f} {unit} = {ratio:6.2f}  (cible {target})")
    RESULTS.append((label, ok))


CSV_READ = ("import csv,sys\nn=0\nwith open(sys.argv[1],newline='',encoding='utf-8') as f:\n"
            "    for row in csv.reader(f, delimiter='\\t'):\n        for c in row: n+=1\n")
CALAMINE_READ = ("import sys\nfrom python_calamine import CalamineWorkbook\n"
                 "wb=CalamineWorkbook.from_path(sys.argv[1]); rows=wb.get_sheet_by_index(0).to_python()\n")
PANDAS_READ = "import sys, pandas\npandas.read_excel(sys.argv[1], engine='openpyxl', dtype=str)\n"


def verifier_figures(tmp: Path, n: int, with_xlsx: bool, with_pandas: bool) -> dict:
    txt = exports.write_txt(tmp / f"{n}.txt", n)
    verify = [PY, "-m", "amazon_addin", "verifier", str(txt), "--json"]
    t_ver = best_of(2, lambda: run_process(verify)[0])
    t_csv = best_of(2, lambda: run_process([PY, "-c", CSV_READ, str(txt)])[0])
    report(f"verifier .txt {n} lignes vs lecture csv", t_ver, t_csv, "≤ 4×", t_ver <= 4 * t_csv)
    out = {"txt": t_ver}
    if with_xlsx:
        xlsx = exports.write_xlsx(tmp / f"{n}.xlsx", n)
        t_vx = best_of(2, lambda: run_process([PY, "-m", "amazon_addin", "verifier", str(xlsx), "--json"])[0])
        t_cal = best_of(2, lambda: run_process([PY, "-c", CALAMINE_READ, str(xlsx)])[0])
        report(f"verifier .xlsx {n} lignes vs calamine seul", t_vx, t_cal, "≤ 2×", t_vx <= 2 * t_cal)
        if with_pandas:
            t_pd, _ = run_process([PY, "-c", PANDAS_READ, str(xlsx)])
            report(f"verifier .xlsx {n} lignes vs pandas/openpyxl (plus rapide de)", t_pd, t_vx, "≥ 10×",
                   t_pd >= 10 * t_vx)
    return out


def integration_figures(tmp: Path, n: int) -> float:
    """Intégrer's write phase vs the floor (executemany) and vs an ORM row by row, same rows."""
    from amazon_addin.checks import verify_table
    from amazon_addin.gestan import Schema, make_engine
    from amazon_addin.gestan.admin import init_db
    from amazon_addin.gestan.integrate import integrate_table
    from amazon_addin.reader import read_table
    from amazon_addin.settings import Settings

    txt = tmp / f"{n}.txt"
    if not txt.exists():
        exports.write_txt(txt, n)
    settings = Settings(vies="non")  # the generated B2B buyers are invented: never asked of VIES
    table = read_table(txt)
    verify_table(table, settings)  # warm-up: one-off imports and caches must not count as "verify"
    start = time.perf_counter()
    verification = verify_table(table, settings)
    t_verify = time.perf_counter() - start

    def fresh(name):
        db = tmp / f"{name}-{n}.db"
        if db.exists():
            db.unlink()
        engine = make_engine(f"sqlite:///{db}", must_exist=False)
        init_db(engine, Schema(), settings)
        return engine

    engine = fresh("integrer")
    start = time.perf_counter()
    summary = integrate_table(engine, Schema(), table, settings, file_name="bench", sha256="0")
    t_total = time.perf_counter() - start
    engine.dispose()
    t_write = max(t_total - t_verify, 1e-6)  # the transaction's own work: facts, customers, invoices...
    invoices = len(summary.invoices)
    lines = sum(len(o.lines) for o in verification.orders)

    engine = fresh("executemany")
    t_floor = _executemany(engine, verification)
    engine.dispose()
    report(f"integrer {n} lignes ({invoices} factures, {lines} lignes) vs executemany", t_write, t_floor,
           "≤ 3×", t_write <= 3 * t_floor)
    engine = fresh("orm")
    t_orm = _orm_row_by_row(engine, verification)
    engine.dispose()
    report(f"integrer {n} lignes vs ORM ligne à ligne (plus rapide de)", t_orm, t_write, "≥ 10×",
           t_orm >= 10 * t_write)
    return t_total


def _executemany(engine, verification) -> float:
    """The floor: one executemany per table, same invoices, lines and journal rows, one transaction."""
    from sqlalchemy import insert

    from amazon_addin.gestan import Schema
    from amazon_addin.gestan.integrate import _invoice_row

    s = Schema()
    start = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(insert(s.clients), [{"id": 1, "cle": "x", "nom": "x"}])
        factures, lignes, journal = [], [], []
        for n, o in enumerate(verification.orders, start=1):
            # The very invoice rows Intégrer writes (every column of SPEC §4), not a narrower stand-in.
            factures.append({"id": n, **_invoice_row(o, f"FA{n:08d}", 1)})
            lignes += [{"facture_id": n, "rang": r, "produit_code": l.product_code, "libelle": l.label,
                        "quantite": l.quantity, "prix_unitaire_ht": l.unit_ht, "montant_ht": l.ht,
                        "montant_tva": l.tva, "montant_ttc": l.ttc, "taux_tva": l.rate}
                       for r, l in enumerate(o.lines, start=1)]
            journal.append({"commande": o.order_id, "canal": o.channel, "facture_id": n})
        conn.execute(insert(s.factures), factures)
        conn.execute(insert(s.lignes_facture), lignes)
        conn.execute(insert(s.imports_amazon), journal)
    return time.perf_counter() - start


def _orm_row_by_row(engine, verification) -> float:
    """What many importers do: ORM objects, a flush per invoice to learn its id."""
    from sqlalchemy.orm import Session, registry

    from amazon_addin.gestan import Schema
    from amazon_addin.gestan.integrate import _invoice_row

    s = Schema()
    reg = registry()

    class Facture:  # noqa: D401 - plain mapped classes
        pass

    class Ligne:
        pass

    class Journal:
        pass

    reg.map_imperatively(Facture, s.factures)
    reg.map_imperatively(Ligne, s.lignes_facture)
    reg.map_imperatively(Journal, s.imports_amazon)
    start = time.perf_counter()
    with Session(engine) as session:
        for n, o in enumerate(verification.orders, start=1):
            f = Facture()
            for key, value in _invoice_row(o, f"FA{n:08d}", None).items():  # the same invoice as Intégrer's
                setattr(f, key, value)
            session.add(f)
            session.flush()
            for r, l in enumerate(o.lines, start=1):
                line = Ligne()
                line.facture_id, line.rang, line.produit_code, line.libelle = f.id, r, l.product_code, l.label
                line.quantite, line.prix_unitaire_ht, line.montant_ht = l.quantity, l.unit_ht, l.ht
                line.montant_tva, line.montant_ttc, line.taux_tva = l.tva, l.ttc, l.rate
                session.add(line)
                session.flush()
            j = Journal()
            j.commande, j.canal, j.facture_id = o.order_id, o.channel, f.id
            session.add(j)
            session.flush()
        session.commit()
    return time.perf_counter() - start


def round_trips(tmp: Path, n: int, bad: int) -> None:
    """COM round trips of the ribbon's buttons by the headless engine's counter (its cost table follows
    xlwings' Windows implementation): `bad` cells damaged one way each, scattered over six columns."""
    from amazon_addin import ribbon
    from amazon_addin.excel import engine as E

    rows = exports.rows(n)
    col = {name: exports.HEADER.index(name) for name in exports.HEADER}
    damages = [("quantity-purchased", "0"), ("ship-postal-code", "7100"), ("product-name", "Bol\x07bleu"),
               ("item-tax", ""), ("ship-country", "France"), ("item-price", "-24.00")]
    step = n // bad
    for k, i in enumerate(range(5, n, step)):
        if k == bad:
            break
        name, value = damages[k % len(damages)]
        rows[i][col[name]] = value
        if name == "item-tax":
            rows[i][col["vat-exclusive-item-price"]] = ""
    path = tmp / f"rt-{n}.txt"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("\t".join(exports.HEADER) + "\n")
        for r in rows:
            fh.write("\t".join(r) + "\n")
    E.reset()
    E.activate()
    book = E.new_book()
    book.sheets[0].name = "Commandes"
    params = book.sheets.add("Paramètres", after=book.sheets[0])
    params.range("A1").value = [["vies", "non"]]  # the export's EU buyers are never looked up on the network
    book.set_mock_caller()

    def cost(button, **kwargs):
        E.counter.reset()
        message = button(**kwargs)
        return E.counter.total, message

    cost(ribbon.charger, path=str(path))
    first, _ = cost(ribbon.verifier)
    sheet = book.sheets["Commandes"]
    marked = sum(1 for c in sheet.api._cells.values() if c.comment is not None)
    again, _ = cost(ribbon.verifier)
    fix, msg = cost(ribbon.corriger)
    written = int(msg.split()[0])
    budget = 2 * marked + 40
    report(f"allers-retours Excel, Vérifier {n} lignes, {marked} cellules marquées", first, budget,
           "≤ 2 par cellule marquée + 40", first <= budget, unit="  ")
    report("allers-retours Excel, Vérifier à nouveau sans changement", again, budget,
           "≤ 2 par cellule marquée + 40", again <= budget, unit="  ")
    report(f"allers-retours Excel, Corriger {written} cellules / Vérifier + 2 par cellule écrite", fix,
           first + 2 * written, "≤ 1", fix <= first + 2 * written, unit="  ")
    book.close()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="10k lignes seulement, sans pandas")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cœurs ; dossier {tmp}")
        small = verifier_figures(tmp, 10_000, with_xlsx=True, with_pandas=False)
        t_int_small = integration_figures(tmp, 10_000)
        if not args.quick:
            big = verifier_figures(tmp, 100_000, with_xlsx=True, with_pandas=True)
            growth = (big["txt"] / 100_000) / (small["txt"] / 10_000)
            report("croissance verifier : temps par ligne 100k / 10k", growth, 1.0, "≤ 1.2", growth <= 1.2, unit=" ")
            t_int_big = integration_figures(tmp, 100_000)
            growth = (t_int_big / 100_000) / (t_int_small / 10_000)
            report("croissance integrer : temps par ligne 100k / 10k", growth, 1.0, "≤ 1.2", growth <= 1.2, unit=" ")
            peak = peak_mb([PY, "-m", "amazon_addin", "verifier", str(tmp / "100000.txt"), "--json"])
            report("mémoire de pointe, verifier 100k lignes", peak, 600, "≤ 600 Mo", peak <= 600, unit="Mo")
        round_trips(tmp, 5_000, 300)
    failed = [label for label, ok in RESULTS if not ok]
    print(f"\n{len(RESULTS) - len(failed)} cible(s) atteinte(s), {len(failed)} manquée(s).")


if __name__ == "__main__":
    main()
