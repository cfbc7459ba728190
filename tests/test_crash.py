"""Crash safety: `integrer` processes killed with SIGKILL at random moments leave all or nothing."""

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from exportgen import row, write_txt

ROOT = Path(__file__).resolve().parents[1]
ORDERS = 1500
FIXED_DATES = str(ROOT / "tests" / "settings" / "fixed-dates.toml")  # numbers FA2026… whatever the day


def export(tmp_path: Path) -> Path:
    rows = []
    for n in range(1, ORDERS + 1):
        when = f"2026-05-{1 + n % 28:02d}T{n % 24:02d}:00:00+00:00"
        for k in range(1 + n % 2):
            rows.append(row(order_id=f"405-{n:07d}-0000000", order_item_id=f"{n:09d}{k:05d}", sku=f"SKU-{n % 13}",
                            purchase_date=when, payments_date=when, buyer_name=f"Client {n % 97}",
                            bill_name=f"Client {n % 97}", recipient_name=f"Client {n % 97}"))
    return write_txt(tmp_path / "big.txt", rows)


def invariants(base) -> int:
    """What any committed state must satisfy; returns the number of invoices."""
    invoices = base.query("select count(*) from factures")[0][0]
    orphans = base.query("select count(*) from factures f where not exists "
                         "(select 1 from lignes_facture l where l.facture_id = f.id)")[0][0]
    journal = base.query("select count(*) from imports_amazon")[0][0]
    numbers = sorted(n for (n,) in base.query("select numero from factures"))
    counter = base.query("select valeur from compteurs where nom = 'FA2026'")
    assert orphans == 0, "an invoice without lines"
    assert journal == invoices, "journal and invoices disagree"
    assert numbers == [f"FA2026{i:06d}" for i in range(1, invoices + 1)], "numbering has a gap"
    assert counter == ([(invoices,)] if invoices else counter), "counter and invoices disagree"
    audits = base.query("select coalesce(sum(nb_factures), 0) from integrations_amazon")[0][0]
    assert audits == invoices, "the audit trail disagrees with the invoices"
    return invoices


@pytest.fixture
def base(demo_base):
    return demo_base


def test_sigkill_at_random_moments(tmp_path, base):
    path = export(tmp_path)
    rnd = random.Random(20261127)
    env = {**os.environ, "AMAZON_ADDIN_LOG": str(tmp_path / "journal.log")}
    # How long a full run takes here, so kills land before, during and around the commit.
    start = time.monotonic()
    probe = subprocess.run([sys.executable, "-m", "amazon_addin", "verifier", str(path)], capture_output=True,
                           cwd=ROOT, env=env)
    assert probe.returncode == 0, probe.stderr.decode()
    span = (time.monotonic() - start) * 2.5
    seen_states = set()
    for _ in range(6):
        proc = subprocess.Popen([sys.executable, "-m", "amazon_addin", "integrer", str(path), "--db", base.url,
                                 "--config", FIXED_DATES],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT, env=env)
        time.sleep(rnd.uniform(0.05, span))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=120)
        count = invariants(base)
        assert count in (0, ORDERS), f"half a batch is in: {count} invoices"
        seen_states.add(count)
        if count == ORDERS:
            break
    # The next run completes (or finds everything already there), whatever the kills left.
    done = subprocess.run([sys.executable, "-m", "amazon_addin", "integrer", str(path), "--db", base.url,
                           "--config", FIXED_DATES],
                          capture_output=True, cwd=ROOT, env=env, timeout=300)
    assert done.returncode == 0, done.stderr.decode()
    assert invariants(base) == ORDERS
    assert base.query("select count(distinct commande) from imports_amazon") == [(ORDERS,)]
