"""Setup mistakes as a new or careless user makes them (issue 15), tried from the command line on real
drivers and servers: each gives the exit code of SPEC §6 and one French sentence naming its cause, within a
bounded time, with nothing written."""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from amazon_addin.settings import WAIT_MAX_S
from backends import ALL, MARIADB_ADMIN, PG_ADMIN, _unavailable, new_backend
from exportgen import row, write_txt
from sentences import one_french_sentence

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "commandes.txt"
WAIT = 2  # attente_verrou_s in these tests
MARGIN = 40  # process start, imports and a loaded 2-core machine: generous, and far below the old 100+ s


def cli(*args, cwd, env=None):
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "amazon_addin", *map(str, args)], capture_output=True, cwd=cwd,
                          timeout=180, env={**os.environ, **(env or {})})
    return proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8"), time.monotonic() - start


def files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@contextlib.contextmanager
def read_only(path: Path):
    """The file or folder cannot be written, even by root (immutable flag), or by its owner (mode bits)."""
    if os.geteuid() == 0:
        if not shutil.which("chattr") or subprocess.run(["chattr", "+i", str(path)]).returncode:
            pytest.skip("lancé en root sur un système de fichiers sans attribut immuable : lecture seule impossible")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)
    else:
        mode = path.stat().st_mode
        path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield
        finally:
            path.chmod(mode)


# ------------------------------------------------------------------------- 1. names exact or refused

@pytest.mark.parametrize("kind", ALL)
def test_case_only_difference_in_a_mapping_is_refused_and_never_twinned(tmp_path, kind):
    """PostgreSQL stores `articles`; a mapping saying `ARTICLES` once passed check-db, failed integrer, and
    let init-db create an empty "ARTICLES" into which the next integrer booked. Now every command names both
    spellings and nothing is created or written."""
    backend = new_backend(kind, tmp_path)
    try:
        mapping = tmp_path / "noms.toml"
        (tmp_path / "amazon_addin.toml").write_text("mapping = 'noms.toml'\n", encoding="utf-8")
        mapping.write_text('[produits]\ntable = "articles"\n', encoding="utf-8")
        code, _, err, _ = cli("init-db", "--demo", "--db", backend.url, cwd=tmp_path)
        assert code == 0, err
        export = write_txt(tmp_path / "e.txt", [row(sku="TASSE-01", quantity_purchased="2")])

        mapping.write_text('[produits]\ntable = "ARTICLES"\n', encoding="utf-8")
        before = backend.dump()
        code, _, err, _ = cli("check-db", "--db", backend.url, cwd=tmp_path)
        assert code == 1 and "« ARTICLES »" in err and "« articles »" in err, err
        for command in (("init-db",), ("init-db", "--demo"), ("verifier", export), ("integrer", export)):
            code, out, err, _ = cli(*command, "--db", backend.url, cwd=tmp_path)
            sentence = one_french_sentence(err)
            assert code == 3 and out == "" and "« ARTICLES »" in sentence and "« articles »" in sentence, command
        assert backend.dump() == before  # no twin table, nothing booked

        mapping.write_text('[produits]\ntable = "articles"\nstock = "STOCK"\n', encoding="utf-8")
        code, _, err, _ = cli("check-db", "--db", backend.url, cwd=tmp_path)
        assert code == 1 and "« articles.STOCK »" in err and "« articles.stock »" in err, err
        code, _, err, _ = cli("integrer", export, "--db", backend.url, cwd=tmp_path)
        assert code == 3 and "« articles.stock »" in one_french_sentence(err)
        assert backend.dump() == before

        mapping.write_text('[produits]\ntable = "articles"\n', encoding="utf-8")  # the names as stored: it works
        assert cli("check-db", "--db", backend.url, cwd=tmp_path)[0] == 0
        code, _, err, _ = cli("integrer", export, "--db", backend.url, cwd=tmp_path)
        assert code == 0, err
        assert backend.query("select stock from articles where code = 'TASSE-01'") == [(10,)]
    finally:
        backend.drop()


@pytest.mark.parametrize("kind", ALL)
def test_mapping_a_referenced_primary_key(tmp_path, kind):
    """Foreign keys follow a renamed primary key (familles.code, factures.id), instead of SQLAlchemy's
    English "Could not initialize target column"."""
    backend = new_backend(kind, tmp_path)
    try:
        (tmp_path / "noms.toml").write_text('[familles]\ncode = "FAM_CODE"\n[factures]\nid = "FAC_ID"\n'
                                             '[clients]\nid = "CLI_ID"\n', encoding="utf-8")
        (tmp_path / "amazon_addin.toml").write_text("mapping = 'noms.toml'\n", encoding="utf-8")
        code, _, err, _ = cli("init-db", "--demo", "--db", backend.url, cwd=tmp_path)
        assert code == 0, err
        code, _, err, _ = cli("integrer", EXAMPLE, "--db", backend.url, cwd=tmp_path)
        assert code == 0 and "4 facture(s) créée(s)" in err, err
        from sqlalchemy import inspect

        engine = backend.engine()
        try:
            fks = {(fk["referred_table"], tuple(fk["referred_columns"]))
                   for fk in inspect(engine).get_foreign_keys("lignes_facture")}
            assert fks == {("factures", ("FAC_ID",))}
            assert {fk["referred_columns"][0] for fk in inspect(engine).get_foreign_keys("produits")} == {"FAM_CODE"}
        finally:
            engine.dispose()
    finally:
        backend.drop()


def test_two_reference_tables_on_one_real_name_refused(tmp_path):
    (tmp_path / "noms.toml").write_text('[produits]\ntable = "FICHE"\n[clients]\ntable = "fiche"\n', encoding="utf-8")
    (tmp_path / "amazon_addin.toml").write_text("mapping = 'noms.toml'\n", encoding="utf-8")
    code, _, err, _ = cli("init-db", cwd=tmp_path)
    sentence = one_french_sentence(err)
    assert code == 3 and "« produits »" in sentence and "« clients »" in sentence and "FICHE" in sentence
    assert not (tmp_path / "gestan.db").exists()


# ------------------------------------------------------------------------- 2. every wait bounded

@pytest.fixture
def silent_server():
    """A listener on 127.0.0.1 that accepts connections and never says a word."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(32)
    listener.settimeout(0.2)
    accepted, stop = [], threading.Event()

    def serve():
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], accepted
    finally:
        stop.set()
        thread.join(5)
        for conn in accepted:
            conn.close()
        listener.close()


SILENT_URLS = {
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:{port}/test",
    "mariadb-pyodbc": "mysql+pyodbc://root:@127.0.0.1:{port}/test?driver=MariaDB+Unicode",
    "odbc": "hfsql+pyodbc://postgres@127.0.0.1:{port}/test?driver=PostgreSQL+Unicode",  # a generic ODBC driver
}
ODBC_DRIVERS = {"mariadb-pyodbc": "MariaDB Unicode", "odbc": "PostgreSQL Unicode"}


@pytest.mark.parametrize("kind", sorted(SILENT_URLS))
def test_a_server_that_never_answers_is_named_within_the_bound(tmp_path, silent_server, kind):
    if kind in ODBC_DRIVERS:
        import pyodbc

        if ODBC_DRIVERS[kind] not in pyodbc.drivers():
            _unavailable(f"pilote ODBC {ODBC_DRIVERS[kind]} absent")
    port, accepted = silent_server
    url = SILENT_URLS[kind].format(port=port)
    (tmp_path / "amazon_addin.toml").write_text(f"attente_verrou_s = {WAIT}\n", encoding="utf-8")
    before = files(tmp_path)
    for n, command in enumerate((("check-db",), ("init-db",), ("integrer", EXAMPLE)), start=1):
        code, out, err, seconds = cli(*command, "--db", url, cwd=tmp_path)
        sentence = one_french_sentence(err)
        assert code == 3 and out == "" and "ne répond pas" in sentence, sentence
        assert seconds < WAIT + MARGIN, f"{command}: {seconds:.1f} s"
        assert len(accepted) >= n  # the command did reach the silent server: the bound is what stopped it
    assert files(tmp_path) == before


def test_longest_lock_wait_accepted_by_every_server(tmp_path, demo_base):
    """attente_verrou_s at its maximum: every derived timeout is one the driver and server accept."""
    (tmp_path / "amazon_addin.toml").write_text(f"attente_verrou_s = {WAIT_MAX_S}\n", encoding="utf-8")
    code, _, err, _ = cli("integrer", EXAMPLE, "--db", demo_base.url, cwd=tmp_path)
    assert code == 0 and "4 facture(s) créée(s)" in err, err


# ------------------------------------------------------------------------- 3. driver errors named

def _server_up(kind: str) -> None:
    new_backend(kind, Path("/nonexistent")).drop()  # skips outside CI (fails in CI) when the server is absent


def _refused(tmp_path, url, *words, commands=(("check-db",), ("init-db",), ("integrer", EXAMPLE))):
    before = files(tmp_path)
    for command in commands:
        code, out, err, seconds = cli(*command, "--db", url, cwd=tmp_path)
        sentence = one_french_sentence(err)
        assert code == 3 and out == "", sentence
        assert all(w in sentence for w in words) and "injoignable" not in sentence, sentence
        assert seconds < 30 + MARGIN
    assert files(tmp_path) == before


def test_postgresql_unknown_role_and_database(tmp_path):
    _server_up("postgresql")
    base = PG_ADMIN.rsplit("@", 1)[1].rsplit("/", 1)[0]
    role = f"ai_nobody_{uuid.uuid4().hex[:6]}"
    _refused(tmp_path, f"postgresql+psycopg://{role}@{base}/test", "rôle absent", f"« {role} »")
    db = f"ai_absente_{uuid.uuid4().hex[:6]}"
    _refused(tmp_path, f"postgresql+psycopg://postgres@{base}/{db}", f"« {db} »", "n'existe pas sur le serveur")


def test_postgresql_missing_rights_and_read_only_server(tmp_path):
    backend = new_backend("postgresql", tmp_path)
    role = f"ai_lecteur_{uuid.uuid4().hex[:6]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        assert cli("init-db", "--demo", "--db", backend.url, cwd=tmp_path)[0] == 0
        with admin.connect() as conn:
            conn.execute(text(f"CREATE ROLE {role} LOGIN"))
        before = backend.dump()
        no_rights = backend.url.replace("postgres@", f"{role}@")
        _refused(tmp_path, no_rights, "Droits insuffisants", commands=(("verifier", EXAMPLE), ("integrer", EXAMPLE)))
        with admin.connect() as conn:
            conn.execute(text(f"ALTER DATABASE {backend._name} SET default_transaction_read_only = on"))
        _refused(tmp_path, backend.url, "lecture seule", commands=(("integrer", EXAMPLE),))
        assert backend.dump() == before
    finally:
        backend.drop()
        with admin.connect() as conn:
            conn.execute(text(f"DROP ROLE IF EXISTS {role}"))
        admin.dispose()


def test_mariadb_unknown_database_and_user_without_rights(tmp_path):
    backend = new_backend("mariadb-pyodbc", tmp_path)
    user = f"ai_{uuid.uuid4().hex[:8]}"
    admin = create_engine(MARIADB_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        db = f"ai_absente_{uuid.uuid4().hex[:6]}"
        _refused(tmp_path, backend.url.replace(backend._name, db), f"« {db} »", "n'existe pas sur le serveur")
        with admin.connect() as conn:
            for host in ("%", "localhost"):
                conn.execute(text(f"CREATE USER '{user}'@'{host}'"))
        _refused(tmp_path, backend.url.replace("root:@", f"{user}:@"), f"« {user} »", "pas de droits sur cette base")
    finally:
        with admin.connect() as conn:
            for host in ("%", "localhost"):
                conn.execute(text(f"DROP USER IF EXISTS '{user}'@'{host}'"))
        admin.dispose()
        backend.drop()


def test_odbc_driver_typo_and_unknown_dsn(tmp_path):
    import pyodbc

    if "MariaDB Unicode" not in pyodbc.drivers():
        _unavailable("pilote ODBC MariaDB Unicode absent")
    _refused(tmp_path, "mysql+pyodbc://root:@127.0.0.1:3306/test?driver=MariaDB+Unicod",
             "« MariaDB Unicod » introuvable", "MariaDB Unicode")  # the installed ones are listed
    dsn = f"GESTAN_{uuid.uuid4().hex[:6]}"
    _refused(tmp_path, f"mysql+pyodbc://@{dsn}", f"DSN ODBC « {dsn} » n'existe pas")


def test_sqlite_local_causes_are_named_never_unreachable(tmp_path):
    db = tmp_path / "gestan.db"
    assert cli("init-db", "--db", f"sqlite:///{db}", cwd=tmp_path)[0] == 0
    not_db = tmp_path / "notes.db"
    not_db.write_text("des notes, pas une base\n", encoding="utf-8")
    cases = [
        (f"sqlite:///{not_db}", ("n'est pas une base SQLite",)),
        (f"sqlite:///{tmp_path}", ("est un dossier",)),
        (f"sqlite:///{tmp_path / 'absent' / 'gestan.db'}", ("dossier", "n'existe pas")),
        (f"sqlite:///{tmp_path / ('x' * 5000)}.db", ("chemin trop long",)),
        ("sqlite://", ("en mémoire",)),
        ("sqlite:///:memory:", ("en mémoire",)),
    ]
    for url, words in cases:
        _refused(tmp_path, url, *words)
    code, _, err, _ = cli("check-db", "--db", "gestan.db", cwd=tmp_path)
    assert code == 3 and "écrivez sqlite:///gestan.db" in one_french_sentence(err)
    code, _, err, _ = cli("check-db", "--db", f"sqlite:///{tmp_path / 'nouvelle.db'}", cwd=tmp_path)
    assert code == 3 and "init-db" in one_french_sentence(err)  # the folder exists: init-db will work


def test_sqlite_read_only_file_and_folder(tmp_path):
    folder = tmp_path / "base"
    folder.mkdir()
    db = folder / "gestan.db"
    assert cli("init-db", "--demo", "--db", f"sqlite:///{db}", cwd=tmp_path)[0] == 0
    before = db.read_bytes()
    with read_only(db):
        _refused(tmp_path, f"sqlite:///{db}", "lecture seule", "droits d'écriture",
                 commands=(("integrer", EXAMPLE), ("init-db", "--demo")))
        assert cli("check-db", "--db", f"sqlite:///{db}", cwd=tmp_path)[0] == 0  # reading needs no write right
    with read_only(folder):
        _refused(tmp_path, f"sqlite:///{db}", "lecture seule", "journal", commands=(("integrer", EXAMPLE),))
        _refused(tmp_path, f"sqlite:///{folder / 'autre.db'}", "lecture seule", "ne peut pas y être créée",
                 commands=(("init-db",),))
        code, _, err, _ = cli("demo", cwd=folder)
        sentence = one_french_sentence(err)
        assert code == 3 and "dossier courant" in sentence and "cd ~" in sentence
    assert db.read_bytes() == before and sorted(p.name for p in folder.iterdir()) == ["gestan.db"]


# ------------------------------------------------------------------------- 4. the configured families

@pytest.mark.parametrize("kind", ALL)
def test_init_demo_and_demo_use_the_configured_families_and_products(tmp_path, kind):
    """famille_produits = "BOUTIQUE" once made init-db --demo fail on FOREIGN KEY constraint failed."""
    backend = new_backend(kind, tmp_path)
    try:
        (tmp_path / "amazon_addin.toml").write_text(
            'famille_produits = "BOUTIQUE"\nfamille_port = "FRAIS"\nproduit_port = "LIVRAISON"\n', encoding="utf-8")
        code, _, err, _ = cli("init-db", "--demo", "--db", backend.url, cwd=tmp_path)
        assert code == 0, err
        assert sorted(backend.query("select code from familles")) == [("BOUTIQUE",), ("FRAIS",)]
        assert backend.query("select famille from produits where code = 'TASSE-01'") == [("BOUTIQUE",)]
        code, _, err, _ = cli("integrer", EXAMPLE, "--db", backend.url, cwd=tmp_path)
        assert code == 0, err
        assert backend.query("select count(*) from lignes_facture where produit_code = 'LIVRAISON'")[0][0] > 0
        if kind == "sqlite":
            code, _, err, _ = cli("demo", cwd=tmp_path)
            assert code == 0 and "Alerte stock" in err, err
    finally:
        backend.drop()
