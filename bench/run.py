"""AmazonImport benchmarks: every figure is a ratio against a baseline run in the same command.

    python bench/run.py            # 10k and 100k rows (a few minutes, pandas/openpyxl is the slow part)
    python bench/run.py --quick    # 10k rows only, no pandas baseline
    python bench/run.py --quick --only integrer --repeat 2   # one family of figures while developing

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

import bases  # noqa: E402
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


def peak_mb(args: list[str], cwd: Path | None = None) -> int:
    """Peak RSS of a command, measured from a small wrapper: a child forked from this (large) bench
    process would report the parent's pages as its own high-water mark."""
    return int(subprocess.run([PY, "-c", PEAK, *args], capture_output=True, text=True, check=True,
                              cwd=cwd).stdout)


REPEAT = 3  # each timed command runs this many times; the best counts, the spread is printed


def report(label: str, value: float, baseline: float, target: str, ok: bool, unit: str = "s",
           spread: list | None = None) -> None:
    ratio = value / baseline if baseline else float("inf")
    mark = "OK " if ok else "NON"
    noise = ""
    if spread:  # worst over best of each timed command behind the figure
        noise = "  (écart " + ", ".join(f"{lo:.2f}–{hi:.2f}" for lo, hi in spread) + ")"
    print(f"[{mark}] {label:<64} {value:8.2f} {unit} / {baseline:8.2f} {unit} = {ratio:6.2f}  (cible {target}){noise}",
          flush=True)
    RESULTS.append((label, ok))


CSV_READ = ("import csv,sys\nn=0\nwith open(sys.argv[1],newline='',encoding='utf-8') as f:\n"
            "    for row in csv.reader(f, delimiter='\\t'):\n        for c in row: n+=1\n")
CALAMINE_READ = ("import sys\nfrom python_calamine import CalamineWorkbook\n"
                 "wb=CalamineWorkbook.from_path(sys.argv[1]); rows=wb.get_sheet_by_index(0).to_python()\n")
PANDAS_READ = "import sys, pandas\npandas.read_excel(sys.argv[1], engine='openpyxl', dtype=str)\n"
SETTINGS = 'vies = "non"\n'  # the generated B2B buyers are invented: never asked of VIES


def interleaved(fns: list, spreads: list[list]) -> list[float]:
    """The best time of each of `fns`, run in turn REPEAT times (a, b, a, b...): a machine that slows down for
    a minute slows every command of a ratio alike, instead of the one that happened to run then."""
    times = [[] for _ in fns]
    for _ in range(REPEAT):
        for fn, t in zip(fns, times):
            t.append(fn())
    for t, spread in zip(times, spreads):
        spread.append((min(t), max(t)))
    return [min(t) for t in times]


def verifier_figures(tmp: Path, n: int, with_pandas: bool, bases: dict) -> dict:
    """Vérifier without a base, then on a base where the export's products and cities are new (the first run)
    and on one where they exist, each against a bare read of the same file."""
    txt = exports.write_txt(tmp / f"{n}.txt", n)
    xlsx = exports.write_xlsx(tmp / f"{n}.xlsx", n)
    def csv_read() -> float:
        return run_process([PY, "-c", CSV_READ, str(txt)])[0]

    def calamine_read() -> float:
        return run_process([PY, "-c", CALAMINE_READ, str(xlsx)])[0]

    def verifier(path: Path, extra: list):
        return lambda: run_process([PY, "-m", "amazon_addin", "verifier", str(path), "--json", *extra], cwd=tmp)[0]

    out = {}
    for label, extra in (("sans base", []), ("base, produits et villes nouveaux", ["--db", bases["new"].url]),
                         ("base, produits et villes connus", ["--db", bases["known"].url])):
        sp, sp_csv = [], []
        t, t_csv = interleaved([verifier(txt, extra), csv_read], [sp, sp_csv])
        report(f"verifier .txt {n} lignes, {label} / lecture csv", t, t_csv, "≤ 4×", t <= 4 * t_csv,
               spread=sp + sp_csv)
        out[("txt", label)] = t
        sp, sp_cal = [], []
        t, t_cal = interleaved([verifier(xlsx, extra), calamine_read], [sp, sp_cal])
        report(f"verifier .xlsx {n} lignes, {label} / calamine seul", t, t_cal, "≤ 2×", t <= 2 * t_cal,
               spread=sp + sp_cal)
        out[("xlsx", label)] = t
    if with_pandas:
        t_pd, _ = run_process([PY, "-c", PANDAS_READ, str(xlsx)])
        t_vx = out[("xlsx", "sans base")]
        report(f"pandas/openpyxl / verifier .xlsx {n} lignes (plus rapide de)", t_pd, t_vx, "≥ 10×",
               t_pd >= 10 * t_vx)
    return out


def integration_figures(tmp: Path, n: int, kind: str, known, with_orm: bool, with_peak: bool) -> float:
    """Intégrer's write phase (integrer minus verifier --db on the same base and file, whole processes) against
    one raw DB-API executemany per table of the very rows it wrote (customers, invoices, lines, stock movements,
    journal), into the same schema, in one transaction."""
    txt = tmp / f"{n}.txt"
    sp_ver, sp_int, sp_floor = [], [], []
    written = []

    def verifier() -> float:
        return run_process([PY, "-m", "amazon_addin", "verifier", str(txt), "--json", "--db", known.url], cwd=tmp)[0]

    def integrer() -> float:
        base = known.clone(f"int-{n}-{len(written)}")
        written.append(base)
        return run_process([PY, "-m", "amazon_addin", "integrer", str(txt), "--json", "--db", base.url], cwd=tmp)[0]

    rows = {}

    def floor() -> float:
        if not rows:  # the very rows Intégrer wrote, read back from its first base
            rows.update(written[0].written_rows())
        base = known.clone(f"floor-{n}")
        try:
            start = time.perf_counter()
            base.executemany(rows)
            return time.perf_counter() - start
        finally:
            base.drop()

    t_ver, t_int, t_floor = interleaved([verifier, integrer, floor], [sp_ver, sp_int, sp_floor])
    for base in written:
        base.drop()
    t_write = max(t_int - t_ver, 1e-6)
    counts = ", ".join(f"{len(v)} {k}" for k, (_, v) in rows.items())
    report(f"integrer {kind} {n} lignes, écriture (integrer − verifier) / executemany DB-API", t_write, t_floor,
           "≤ 2×", t_write <= 2 * t_floor, spread=sp_int + sp_ver + sp_floor)
    print(f"      ({counts} ; integrer {t_int:.2f} s, verifier --db {t_ver:.2f} s)")
    if with_peak:
        base = known.clone(f"peak-{n}")
        peak = peak_mb([PY, "-m", "amazon_addin", "integrer", str(txt), "--json", "--db", base.url], cwd=tmp)
        base.drop()
        report(f"mémoire de pointe, integrer {kind} {n} lignes", peak, 600, "≤ 600 Mo", peak <= 600, unit="Mo")
    if with_orm:
        t_orm = _orm_figure(tmp, n)
        report(f"ORM ligne à ligne / écriture integrer {n} lignes (plus rapide de)", t_orm, t_write, "≥ 10×",
               t_orm >= 10 * t_write)
    return t_int


def _orm_figure(tmp: Path, n: int) -> float:
    """What many importers do: the same invoices through ORM objects, a flush per row to learn ids."""
    from amazon_addin.checks import verify_table
    from amazon_addin.gestan import Schema, make_engine
    from amazon_addin.gestan.admin import init_db
    from amazon_addin.reader import read_table
    from amazon_addin.settings import Settings

    settings = Settings(vies="non")
    verification = verify_table(read_table(tmp / f"{n}.txt"), settings)
    db = tmp / f"orm-{n}.db"
    db.unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{db}", must_exist=False)
    init_db(engine, Schema(), settings)
    try:
        return _orm_row_by_row(engine, verification)
    finally:
        engine.dispose()
        db.unlink(missing_ok=True)


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
    global REPEAT
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="10k lignes seulement, sans pandas")
    p.add_argument("--only", choices=("verifier", "integrer", "excel"), help="une seule famille de mesures")
    p.add_argument("--repeat", type=int, default=REPEAT, help=f"exécutions par commande mesurée ({REPEAT})")
    args = p.parse_args()
    REPEAT = args.repeat
    sizes = (10_000,) if args.quick else (10_000, 100_000)
    # The package's bytecode first, as `pip install` writes it and as any second run finds it: with
    # PYTHONDONTWRITEBYTECODE set (as on some machines here) every timed process would compile it from source.
    subprocess.run([PY, "-m", "compileall", "-q", str(ROOT / "amazon_addin")], check=True, stdout=subprocess.DEVNULL)
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        (tmp / "amazon_addin.toml").write_text(SETTINGS, encoding="utf-8")
        print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cœurs ; dossier {tmp} ; meilleur de {REPEAT}")
        kinds = ["sqlite"] + (["postgresql"] if bases.postgresql_available() else [])
        if "postgresql" not in kinds:
            print(f"[NON] PostgreSQL indisponible ({bases.PG_ADMIN}) : ses mesures manquent")
            RESULTS.append(("postgresql", False))
        made = {kind: {"new": bases.Base.create(kind, tmp, "new", known=False),
                       "known": bases.Base.create(kind, tmp, "known", known=True)} for kind in kinds}
        try:
            ver, integ = {}, {}
            for n in sizes:
                if args.only in (None, "verifier"):
                    ver[n] = verifier_figures(tmp, n, with_pandas=n == 100_000, bases=made["sqlite"])
                elif not (tmp / f"{n}.txt").exists():
                    exports.write_txt(tmp / f"{n}.txt", n)
                if args.only in (None, "integrer"):
                    for kind in kinds:
                        integ[(kind, n)] = integration_figures(tmp, n, kind, made[kind]["known"],
                                                               with_orm=kind == "sqlite",
                                                               with_peak=kind == "sqlite" and n == 100_000)
            if len(sizes) == 2:
                _growth(ver, integ, kinds)
                if args.only in (None, "verifier"):
                    peak = peak_mb([PY, "-m", "amazon_addin", "verifier", str(tmp / "100000.txt"), "--json"], cwd=tmp)
                    report("mémoire de pointe, verifier 100k lignes", peak, 600, "≤ 600 Mo", peak <= 600, unit="Mo")
        finally:
            for pair in made.values():
                for base in pair.values():
                    base.drop()
        if args.only in (None, "excel"):
            round_trips(tmp, 5_000, 300)
    failed = [label for label, ok in RESULTS if not ok]
    print(f"\n{len(RESULTS) - len(failed)} cible(s) atteinte(s), {len(failed)} manquée(s).")


def _growth(ver: dict, integ: dict, kinds: list) -> None:
    for key, label in ((("txt", "sans base"), "verifier .txt"),
                       (("txt", "base, produits et villes nouveaux"), "verifier .txt --db (nouveaux)")):
        if 10_000 in ver and 100_000 in ver:
            growth = (ver[100_000][key] / 100_000) / (ver[10_000][key] / 10_000)
            report(f"croissance {label} : temps par ligne 100k / 10k", growth, 1.0, "≤ 1.2", growth <= 1.2, unit=" ")
    for kind in kinds:
        if (kind, 10_000) in integ and (kind, 100_000) in integ:
            growth = (integ[(kind, 100_000)] / 100_000) / (integ[(kind, 10_000)] / 10_000)
            report(f"croissance integrer {kind} : temps par ligne 100k / 10k", growth, 1.0, "≤ 1.2", growth <= 1.2,
                   unit=" ")


if __name__ == "__main__":
    main()
