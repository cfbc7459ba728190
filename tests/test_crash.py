"""Crash safety: `integrer` processes killed with SIGKILL leave all or nothing, and the next run completes.

Each kill that the tests rely on happens at a moment seen from outside: the integration waiting for the lock,
or inside its transaction with rows already written, held there by another session (a reader that keeps
SQLite from committing; an uncommitted postal code on a server). So they prove their point on a slow, loaded
machine. Kills at random moments add breadth on top.
"""

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from exportgen import row, write_txt
from observe import Server, hold_sqlite_commit, wait_until

ROOT = Path(__file__).resolve().parents[1]
ORDERS = 1500
FIXED_DATES = ROOT / "tests" / "settings" / "fixed-dates.toml"


def export(tmp_path: Path) -> Path:
    rows = []
    for n in range(1, ORDERS + 1):
        when = f"2026-05-{1 + n % 28:02d}T{n % 24:02d}:00:00+00:00"
        for k in range(1 + n % 2):
            rows.append(row(order_id=f"405-{n:07d}-0000000", order_item_id=f"{n:09d}{k:05d}", sku=f"SKU-{n % 13}",
                            purchase_date=when, payments_date=when, buyer_name=f"Client {n % 97}",
                            bill_name=f"Client {n % 97}", recipient_name=f"Client {n % 97}",
                            ship_city="Lyon" if n == ORDERS else "Orléans",
                            ship_postal_code="69001" if n == ORDERS else "45000"))
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


@pytest.fixture
def run(tmp_path):
    """Start `integrer` on the big export."""
    path = export(tmp_path)
    # Invoices dated on their sale (numbers FA2026… whatever the day), no VIES; lock waits long enough for the
    # test to act on a loaded machine.
    (tmp_path / "amazon_addin.toml").write_text(FIXED_DATES.read_text(encoding="utf-8")
                                                + "attente_verrou_s = 600\n", encoding="utf-8")
    env = {**os.environ, "AMAZON_ADDIN_LOG": str(tmp_path / "journal.log")}

    def start(base):
        return subprocess.Popen([sys.executable, "-m", "amazon_addin", "integrer", str(path), "--db", base.url],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tmp_path, env=env)

    def complete(base):
        done = subprocess.run([sys.executable, "-m", "amazon_addin", "integrer", str(path), "--db", base.url],
                              capture_output=True, cwd=tmp_path, env=env, timeout=600)
        assert done.returncode == 0, done.stderr.decode()
        assert invariants(base) == ORDERS
        assert base.query("select count(distinct commande) from imports_amazon") == [(ORDERS,)]

    start.complete = complete
    return start


def kill(proc) -> None:
    assert proc.poll() is None, "the integration ended before the kill"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=120)
    assert proc.returncode == -signal.SIGKILL


def hold_mid_run(base, db_path: Path | None):
    """Keep an integration from committing once it has written, and say when it is there.
    SQLite: an open read transaction (its SHARED lock bars the EXCLUSIVE lock a commit needs); the rollback
    journal appears with the first written page. Servers: another session's uncommitted insert of the postal
    code the export's last order adds; the integration's own insert waits on it, its rows already written.
    Returns (seen, release): `seen()` is truthy once the integration is held in the middle of its writes."""
    if base.kind == "sqlite":
        return hold_sqlite_commit(db_path, "factures")
    from test_servers import hold_new_city

    release = hold_new_city(base)
    server = Server.of(base)

    def seen():
        return [w for w in server.lock_waiters() if "codes_postaux" in w.query.lower() and w.has_written]

    return seen, lambda: (release(), server.close())


def test_sigkill_in_the_middle_of_the_writes(tmp_path, base, run):
    db_path = Path(base.url.removeprefix("sqlite:///")) if base.kind == "sqlite" else None
    seen, release = hold_mid_run(base, db_path)
    try:
        proc = run(base)
        wait_until(seen, "the integration inside its transaction with rows written", proc=proc)
        kill(proc)
    finally:
        release()
    assert invariants(base) == 0, "the killed integration left rows behind"
    run.complete(base)


@pytest.mark.parametrize("kind", ["postgresql", "mariadb-pyodbc"])
def test_sigkill_while_waiting_for_the_lock(tmp_path, run, kind):
    """Killed while another integration holds the lock (seen waiting on the server): nothing written, and the
    lock is free again for the next run."""
    from backends import new_backend
    from test_servers import _hold_lock

    backend = new_backend(kind, tmp_path)
    try:
        code = subprocess.run([sys.executable, "-m", "amazon_addin", "init-db", "--demo", "--db", backend.url],
                              capture_output=True, cwd=ROOT).returncode
        assert code == 0
        release = _hold_lock(backend)
        server = Server.of(backend)
        try:
            proc = run(backend)
            wait_until(server.lock_waiters, "the integration waiting for the lock", proc=proc)
            kill(proc)
        finally:
            release()
            server.close()
        assert invariants(backend) == 0
        run.complete(backend)
    finally:
        backend.drop()


def test_sigkill_at_random_moments(tmp_path, base, run):
    """Kills at random moments of whole runs (before, during, around the commit): every state seen is all or
    nothing, and the next run completes whatever the kills left."""
    rnd = random.Random(20261127)
    start = time.monotonic()
    probe = subprocess.run([sys.executable, "-m", "amazon_addin", "verifier", str(tmp_path / "big.txt")],
                           capture_output=True, cwd=ROOT)
    assert probe.returncode == 0, probe.stderr.decode()
    span = (time.monotonic() - start) * 2.5  # how long a run takes here, so kills land all along it
    for _ in range(6):
        proc = run(base)
        time.sleep(rnd.uniform(0.05, span))  # the moment is the variable here, not a wait for an event
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=600)
        count = invariants(base)
        assert count in (0, ORDERS), f"half a batch is in: {count} invoices"
        if count == ORDERS:
            break
    run.complete(base)
