"""Real servers: connection settings without secrets, French sentences, bounded lock waits."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from backends import MARIADB_ADMIN, SERVERS, new_backend
from observe import Server, wait_until

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "commandes.txt"
FIXED_DATES = ROOT / "tests" / "settings" / "fixed-dates.toml"  # date_facture = achat, vies = non
NO_VIES = 'vies = "non"\n'  # the example's Belgian buyer is never looked up on the network


def cli(*args, cwd=None, env=None):
    if cwd is None and args[0] == "integrer":
        args = (*args, "--config", FIXED_DATES)
    proc = subprocess.run([sys.executable, "-m", "amazon_addin", *map(str, args)], capture_output=True,
                          cwd=cwd or ROOT, timeout=600, env={**os.environ, **(env or {})})
    out, err = proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")
    assert "Traceback" not in err
    return proc.returncode, out, err


@pytest.fixture
def base(demo_base):
    return demo_base


@pytest.mark.parametrize("url", [
    "postgresql+psycopg://postgres@127.0.0.1:1/test",
    "mysql+pyodbc://root:@127.0.0.1:1/test?driver=MariaDB+Unicode",
])
def test_unreachable_server_is_one_sentence(url):
    for command in ("check-db", "init-db", "integrer"):
        args = (command, EXAMPLE, "--db", url) if command == "integrer" else (command, "--db", url)
        code, out, err = cli(*args)
        assert code == 3 and out == ""
        assert "injoignable" in err and len(err.strip().splitlines()) == 1, err


def test_wrong_password_never_shown(tmp_path):
    new_backend("mariadb-pyodbc", tmp_path).drop()  # skips outside CI when the server is absent
    url = "mysql+pyodbc://root:Mauvais;Secret@127.0.0.1:3306/test?driver=MariaDB+Unicode"
    code, out, err = cli("integrer", EXAMPLE, "--db", url)
    assert code == 3 and "mot de passe incorrect" in err
    assert "Mauvais" not in err + out and "Secret" not in err + out


def test_password_from_the_environment_and_dsn(tmp_path):
    backend = new_backend("mariadb-pyodbc", tmp_path)
    user, password = f"ai_{uuid.uuid4().hex[:8]}", "Pa55;w{o}rd"
    admin = create_engine(MARIADB_ADMIN, isolation_level="AUTOCOMMIT")
    name = backend.url.split("/")[-1].split("?")[0]
    with admin.connect() as conn:
        conn.execute(text(f"CREATE USER '{user}'@'%' IDENTIFIED BY '{password}'"))
        conn.execute(text(f"CREATE USER '{user}'@'localhost' IDENTIFIED BY '{password}'"))
        conn.execute(text(f"GRANT ALL ON {name}.* TO '{user}'@'%'"))
        conn.execute(text(f"GRANT ALL ON {name}.* TO '{user}'@'localhost'"))
    try:
        (tmp_path / "amazon_addin.toml").write_text(
            f'base = "mysql+pyodbc://{user}:${{GESTAN_MDP}}@127.0.0.1:3306/{name}?driver=MariaDB+Unicode&charset=utf8mb4"\n'
            + NO_VIES, encoding="utf-8")
        code, _, err = cli("init-db", "--demo", cwd=tmp_path, env={"GESTAN_MDP": password})
        assert code == 0, err
        code, out, err = cli("integrer", EXAMPLE, "--json", cwd=tmp_path, env={"GESTAN_MDP": password})
        assert code == 0, err
        assert password not in out + err
        code, _, err = cli("integrer", EXAMPLE, cwd=tmp_path, env={"GESTAN_MDP": "faux"})
        assert code == 3 and "mot de passe incorrect" in err and "faux" not in err
        # An ODBC DSN holds the connection; the URL names only the DSN.
        ini = tmp_path / "odbc.ini"
        ini.write_text(f"[GestanTest]\nDriver=MariaDB Unicode\nServer=127.0.0.1\nPort=3306\nDatabase={name}\n"
                       f"User={user}\nPassword={password}\nCharset=utf8mb4\n", encoding="utf-8")
        code, out, err = cli("integrer", EXAMPLE, "--db", "mysql+pyodbc://@GestanTest", "--json",
                             env={"ODBCINI": str(ini)})
        assert code == 0, err
        assert '"orders_skipped": 4' in out
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP USER IF EXISTS '{user}'@'%'"))
            conn.execute(text(f"DROP USER IF EXISTS '{user}'@'localhost'"))
        admin.dispose()
        backend.drop()


def _hold_lock(backend):
    """Another integration in progress: the same lock, held in an open transaction. Returns a release."""
    if backend.kind == "sqlite":
        import sqlite3

        con = sqlite3.connect(backend.url.removeprefix("sqlite:///"), isolation_level=None)
        con.execute("BEGIN IMMEDIATE")
        return lambda: (con.execute("ROLLBACK"), con.close())
    engine = create_engine(backend.url)
    conn = engine.connect()
    trans = conn.begin()
    conn.execute(text("SELECT valeur FROM compteurs WHERE nom = '_VERROU_AMAZON' FOR UPDATE")).all()
    return lambda: (trans.rollback(), conn.close(), engine.dispose())


def hold_new_city(backend, country="FR", postcode="69001", city="Lyon"):
    """Another session inserts, without committing, the postal code an integration of `export_to_lyon` will
    add: that integration's own insert then waits on it, inside its transaction, after its first writes.
    Returns a release."""
    engine = create_engine(backend.url)
    conn = engine.connect()
    trans = conn.begin()
    conn.execute(text("INSERT INTO codes_postaux (pays, code_postal, ville) VALUES (:p, :c, :v)"),
                 {"p": country, "c": postcode, "v": city})
    return lambda: (trans.rollback(), conn.close(), engine.dispose())


def export_to_lyon(path: Path, orders: int = 40) -> Path:
    sys.path.insert(0, str(ROOT / "tests"))
    from exportgen import row, write_txt

    return write_txt(path, [row(order_id=f"405-{n:07d}-0000000", order_item_id=f"{n:014d}", sku=f"SKU-{n % 9}",
                                buyer_name=f"Client {n}", bill_name=f"Client {n}", ship_city="Lyon",
                                ship_postal_code="69001") for n in range(1, orders + 1)])


def test_lock_wait_is_bounded_then_retry_works(tmp_path, base):
    """Busy base: the integration waits `attente_verrou_s`, not the server's own default (50 s in MariaDB,
    forever in PostgreSQL, 5 s in SQLite), then says so; the retry works."""
    wait_s = 6
    (tmp_path / "amazon_addin.toml").write_text(f"attente_verrou_s = {wait_s}\n" + NO_VIES, encoding="utf-8")
    before = base.dump()
    release = _hold_lock(base)
    try:
        proc = subprocess.Popen([sys.executable, "-m", "amazon_addin", "integrer", str(EXAMPLE), "--db", base.url],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
        started = time.monotonic()
        if base.kind != "sqlite":  # the wait itself is visible on a server: time it from there
            server = Server.of(base)
            try:
                wait_until(server.lock_waiters, "the integration waiting for the lock", proc=proc)
            finally:
                server.close()
            started = time.monotonic()
        out, err = proc.communicate(timeout=300)
        waited = time.monotonic() - started
    finally:
        release()
    err = err.decode("utf-8")
    assert proc.returncode == 3 and "occupée" in err and "rien n'a été écrit" in err, err
    assert waited >= wait_s - 1.5, waited  # it did wait the setting (a lower bound holds on any machine)
    assert waited < wait_s + 40, waited  # and gave up then, well before MariaDB's 50 s or forever
    assert base.dump() == before
    code, out, err = cli("integrer", EXAMPLE, "--db", base.url, cwd=tmp_path)
    assert code == 0 and "4 facture(s) créée(s)" in err


@pytest.mark.parametrize("kind", SERVERS)
def test_accents_and_emoji_survive(tmp_path, kind):
    backend = new_backend(kind, tmp_path)
    try:
        assert cli("init-db", "--db", backend.url)[0] == 0
        sys.path.insert(0, str(ROOT / "tests"))
        from exportgen import row, write_txt

        export = write_txt(tmp_path / "e.txt", [row(product_name="Bol « Été » 🍜 — ½ litre", sku="BOL-1",
                                                      recipient_name="Zoë Ørsted-Núñez")])
        (tmp_path / "amazon_addin.toml").write_text('jeu_caracteres = "utf-8"\n', encoding="utf-8")
        code, _, err = cli("integrer", export, "--db", backend.url, cwd=tmp_path)
        assert code == 0, err
        assert backend.query("select libelle from produits where code = 'BOL-1'") == [("Bol « Été » 🍜 — ½ litre",)]
        assert backend.query("select livraison_nom from factures") == [("Zoë Ørsted-Núñez",)]
    finally:
        backend.drop()


@pytest.mark.parametrize("kind", SERVERS)
def test_server_going_away_mid_run(tmp_path, kind):
    """The server drops the integration's connection in the middle of its writes: one French sentence,
    nothing half-written, and the retry completes. The cut happens only once the integration is seen, from
    the server, inside its transaction with rows already written (held there by another session's
    uncommitted postal code), so it proves its point on any machine."""
    backend = new_backend(kind, tmp_path)
    try:
        assert cli("init-db", "--demo", "--db", backend.url)[0] == 0
        export = export_to_lyon(tmp_path / "lyon.txt")
        (tmp_path / "amazon_addin.toml").write_text("attente_verrou_s = 600\n", encoding="utf-8")
        before = backend.dump()
        server = Server.of(backend)
        release = hold_new_city(backend)
        try:
            proc = subprocess.Popen([sys.executable, "-m", "amazon_addin", "integrer", str(export), "--db",
                                     backend.url], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
            waiting = wait_until(lambda: [w for w in server.lock_waiters() if "codes_postaux" in w.query.lower()],
                                 "the integration waiting on the new postal code", proc=proc)[0]
            assert waiting.has_written, "the integration had written nothing yet: not the middle of a run"
            server.cut(waiting)
            out, err = proc.communicate(timeout=300)
        finally:
            release()
            server.close()
        err = err.decode("utf-8")
        assert "Traceback" not in err
        assert proc.returncode == 3, err
        assert len(err.strip().splitlines()) == 1 and "rien n'a été écrit" in err, err
        assert backend.dump() == before
        code, out, err = cli("integrer", export, "--db", backend.url, "--json", cwd=tmp_path)
        assert code == 0, err
        assert backend.query("select count(*) from factures") == [(40,)]
        assert backend.query("select ville from codes_postaux where code_postal = '69001'") == [("Lyon",)]
    finally:
        backend.drop()
