"""Two or three `integrer` processes at once on overlapping exports: each order once, numbering gap-free.

The runs really overlap: the lock is held until every process is seen waiting for it (on a server, its
session waits on the lock row; with SQLite, it holds the base open, the step just before BEGIN IMMEDIATE),
then released, so they all contend for it whatever the machine's speed.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from exportgen import row, write_txt
from observe import Server, opened_by, wait_until
from test_servers import _hold_lock

ROOT = Path(__file__).resolve().parents[1]


def order(n):
    day = 1 + n % 27
    when = f"2026-04-{day:02d}T{8 + n % 10:02d}:00:00+00:00"
    return row(order_id=f"405-{n:07d}-0000000", order_item_id=f"{n:014d}", sku=f"SKU-{n % 7}",
               purchase_date=when, payments_date=when, buyer_name=f"Client {n % 11}",
               bill_name=f"Client {n % 11}", recipient_name=f"Client {n % 11}")


@pytest.fixture
def base(demo_base):
    return demo_base


@pytest.mark.parametrize("runs", [3])
def test_parallel_integrations_create_each_order_once(tmp_path, base, runs):
    ranges = [range(1, 41), range(21, 61), range(41, 81)][:runs]
    exports = [write_txt(tmp_path / f"part{i}.txt", [order(n) for n in r]) for i, r in enumerate(ranges)]
    # Invoices dated the day they are issued (date_facture = integration, the default): overlapping files of
    # older sales can be integrated in any order without breaking the chronology of the numbers.
    (tmp_path / "amazon_addin.toml").write_text("attente_verrou_s = 600\n", encoding="utf-8")
    release = _hold_lock(base)
    try:
        procs = [subprocess.Popen([sys.executable, "-m", "amazon_addin", "integrer", str(e), "--db", base.url,
                                   "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
                 for e in exports]
        if base.kind == "sqlite":
            db = Path(base.url.removeprefix("sqlite:///"))
            for p in procs:
                wait_until(lambda: opened_by(p.pid, db), "an integration opening the base", proc=p)
        else:
            server = Server.of(base)
            try:
                wait_until(lambda: len(server.lock_waiters()) == runs, f"{runs} integrations waiting for the lock")
            finally:
                server.close()
    finally:
        release()
    results = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err.decode()
        results.append(json.loads(out))
    created = [i["commande"] for r in results for i in r["invoices"]]
    assert len(created) == len(set(created)) == 80  # every order exactly once, whoever got it
    assert sum(r["orders_skipped"] for r in results) == sum(len(r) for r in ranges) - 80
    numbers = sorted(n for (n,) in base.query("select numero from factures"))
    # One series per year of issue (two only if the run straddles New Year's midnight), each gap-free from 1.
    series = dict(base.query("select nom, valeur from compteurs where nom like 'FA%'"))
    assert numbers == sorted(f"{name}{i:06d}" for name, last in series.items() for i in range(1, last + 1))
    assert sum(series.values()) == 80
    journal = base.query("select commande from imports_amazon")
    assert sorted(c for (c,) in journal) == sorted(created)
    # Customers were deduplicated across the runs too: 11 distinct buyers.
    assert base.query("select count(*) from clients") == [(11,)]
