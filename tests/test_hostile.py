"""Hostile and broken inputs (`tests/hostile/build_corpus.py`): the real command, in a real process, must
answer each one with its exit code and one French sentence, within bounded time and memory, and write nothing.

"Nothing lost, nothing doubled, nobody in": an unreadable file is refused, never half-read; a readable one
gives all its orders; nothing in a file is executed or evaluated; nothing is written by `verifier`, and
`integrer` leaves the database as it was when it refuses.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "hostile"))

import build_corpus as B  # noqa: E402

TIME_LIMIT_S = 30  # CPU seconds: what a case costs, whatever else the machine is doing
HANG_LIMIT_S = 600  # wall seconds: only a process that never ends, even on a loaded machine
RSS_LIMIT_MB = 600
SAFETY_AS_BYTES = 6 * 1024 ** 3  # a runaway child dies at 6 GB of address space instead of filling the machine

# Runs the command with its output in files and prints its exit code, peak RSS and CPU time (its own and its
# children's, the isolated reader's included): measured from this small wrapper, since a child forked from the
# (large) pytest process would report pytest's pages as its own.
WRAPPER = r"""
import json, os, resource, subprocess, sys, time
out, err, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
def cap():
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
start = time.perf_counter()
with open(out, "wb") as fo, open(err, "wb") as fe:
    p = subprocess.Popen(sys.argv[4:], stdout=fo, stderr=fe, stdin=subprocess.DEVNULL, preexec_fn=cap)
    _, status, usage = os.wait4(p.pid, 0)
print(json.dumps({"rc": os.waitstatus_to_exitcode(status), "rss_mb": usage.ru_maxrss / 1024,
                  "seconds": usage.ru_utime + usage.ru_stime, "wall": time.perf_counter() - start}))
"""


class Run:
    def __init__(self, rc, out, err, rss_mb, seconds):
        self.rc, self.out, self.err, self.rss_mb, self.seconds = rc, out, err, rss_mb, seconds

    def __repr__(self):
        return f"Run(rc={self.rc}, {self.seconds:.1f} s CPU, {self.rss_mb:.0f} Mo, err={self.err[-500:]!r})"


def run_cli(args, cwd: Path, timeout=HANG_LIMIT_S) -> Run:
    out, err = cwd / "stdout.bin", cwd / "stderr.bin"
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONFAULTHANDLER="")
    env.pop("AMAZON_ADDIN_DEBUG", None)
    cmd = [sys.executable, "-c", WRAPPER, str(out), str(err), str(SAFETY_AS_BYTES),
           sys.executable, "-m", "amazon_addin", *map(str, args)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, cwd=cwd, env=env, start_new_session=True)
    try:
        stdout, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the wrapper and the command: their own session
        proc.communicate()
        pytest.fail(f"{' '.join(map(str, args))} : plus de {timeout} s")
    info = json.loads(stdout)
    run = Run(info["rc"], out.read_bytes().decode("utf-8"), err.read_bytes().decode("utf-8"), info["rss_mb"],
              info["seconds"])
    out.unlink()
    err.unlink()
    return run


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    directory = tmp_path_factory.mktemp("corpus")
    return {c.name: c for c in B.build(directory)}


@pytest.fixture
def workdir(tmp_path):
    d = tmp_path / "cwd"
    d.mkdir()
    return d


def config_args(case):
    return ["--config", case.config_path] if case.config_path else []


def listing(*dirs) -> set:
    return {(str(p), p.is_dir() or p.is_fifo() or p.is_symlink() or p.stat().st_size)
            for d in dirs for p in Path(d).rglob("*")}


def assert_no_crash(run: Run):
    for trace in ("Traceback", "panicked", "stack backtrace", "memory allocation of"):  # Python, then Rust
        assert trace not in run.err and trace not in run.out, run
    assert run.rc >= 0, run  # not killed by a signal (SIGABRT from calamine, SIGKILL from the OOM killer)


def assert_one_french_sentence(run: Run, expected: str):
    assert run.out == "", run
    text = run.err.strip()
    assert len(text.splitlines()) == 1, run
    assert text.endswith("."), run
    assert expected in text, run
    assert "Erreur interne" not in text, run  # the last-resort message means an exception slipped through
    for english in ("Error", "error:", "Exception", "errno", "Errno"):
        assert english not in text, run


def test_corpus_is_large_and_varied():
    assert len(B.CASES) >= 30
    names = [c.name for _, c in B.CASES]
    assert len(set(names)) == len(names)
    assert {c.exit for _, c in B.CASES} == {0, 1, 2}
    for _, c in B.CASES:
        assert (c.sentence is not None) == (c.exit == 2), c
        assert c.exit != 1 or c.codes, c


def test_the_builder_is_a_script_too(tmp_path):
    proc = subprocess.run([sys.executable, str(ROOT / "tests" / "hostile" / "build_corpus.py"), str(tmp_path)],
                          capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert len(proc.stdout.decode("utf-8").splitlines()) >= len(B.CASES)
    assert (tmp_path / "bombe.xlsx").stat().st_size < 2 * 1024 ** 2  # 1 GB inside, cheap to build


@pytest.mark.parametrize("name", [c.name for _, c in B.CASES])
def test_verifier_on_hostile_input(corpus, workdir, name):
    case = corpus[name]
    before = listing(case.path.parent, workdir)
    run = run_cli([*config_args(case), "verifier", case.path, "--json"], cwd=workdir)
    assert_no_crash(run)
    assert run.rc == case.exit, run
    assert run.seconds < TIME_LIMIT_S, run
    assert run.rss_mb <= RSS_LIMIT_MB, run
    if case.exit == 2:
        assert_one_french_sentence(run, case.sentence)
    else:
        data = json.loads(run.out)
        codes = {f["code"] for f in data["findings"]}
        assert set(case.codes) <= codes, run.out[:2000]
        messages = "\n".join(f["message"] for f in data["findings"])
        for text in case.texts:  # a formula reaches the findings as the text it is, never computed
            assert text in messages, messages
        if case.exit == 0:
            assert not [f for f in data["findings"] if f["severity"] == "error"], run.out[:2000]
        if case.orders is not None:  # nothing lost, nothing doubled
            assert data["orders"] == case.orders, run.out[:2000]
    assert listing(case.path.parent, workdir) == before  # verifier writes nothing, anywhere near
    assert not Path("/tmp/amazon-addin-zip-slip.txt").exists()


def dump(db: Path) -> list:
    con = sqlite3.connect(db)
    try:
        return list(con.iterdump())
    finally:
        con.close()


@pytest.mark.parametrize("name", [c.name for _, c in B.CASES if c.integrer])
def test_integrer_refuses_and_writes_nothing(corpus, workdir, name):
    case = corpus[name]
    db = workdir / "g.db"
    url = f"sqlite:///{db}"
    assert run_cli(["init-db", "--db", url, "--demo"], cwd=workdir).rc == 0
    before = dump(db)
    run = run_cli([*config_args(case), "integrer", case.path, "--db", url, "--json"], cwd=workdir)
    assert_no_crash(run)
    assert run.rc == (2 if case.exit == 2 else 1), run
    assert run.seconds < TIME_LIMIT_S and run.rss_mb <= RSS_LIMIT_MB, run
    if case.exit == 2:
        assert_one_french_sentence(run, case.sentence)
    else:
        assert "Rien n'a été écrit" in run.err
    assert dump(db) == before


def test_verifier_with_a_database_leaves_it_alone(corpus, workdir):
    """`verifier --db` reads the base and never creates nor changes it, on hostile input too."""
    db = workdir / "g.db"
    url = f"sqlite:///{db}"
    run = run_cli(["verifier", corpus["formules.txt"].path, "--db", url, "--json"], cwd=workdir)
    assert run.rc == 3 and not db.exists(), run  # no base: said, not created
    assert run_cli(["init-db", "--db", url], cwd=workdir).rc == 0
    before = dump(db)
    for name in ("formules.txt", "bombe.xlsx", "entites.xlsx", "nul.txt"):
        run = run_cli(["verifier", corpus[name].path, "--db", url, "--json"], cwd=workdir)
        assert run.rc == corpus[name].exit, run
    assert dump(db) == before


def test_macro_workbook_really_holds_vba(corpus):
    """The .xls case is not a decoy: oletools finds its VBA project (which nothing here ever runs)."""
    olevba = pytest.importorskip("oletools.olevba")
    parser = olevba.VBA_Parser(str(corpus["macros.xls"].path))
    try:
        assert parser.type == "OLE"
        assert parser.detect_vba_macros()
        modules = [name for _, _, name, _ in parser.extract_macros()]
        assert "ThisWorkbook.cls" in modules
    finally:
        parser.close()


def test_the_bombs_are_real(corpus):
    """What the zip headers say: 1 GB in 1 MB; 6 GB over shared bytes."""
    import zipfile

    with zipfile.ZipFile(corpus["bombe.xlsx"].path) as zf:
        info = zf.getinfo("xl/sharedStrings.xml")
        assert info.file_size >= 1024 ** 3 and info.compress_size < 1.1 * 1024 ** 2
        with zf.open(info) as fh:
            assert fh.read(1 << 20).endswith(b"A" * 1000)
    with zipfile.ZipFile(corpus["bombe-superposee.xlsx"].path) as zf:
        assert sum(i.file_size for i in zf.infolist()) > 6 * 1024 ** 3 - 1
    size = corpus["bombe.xlsx"].path.stat().st_size
    assert size < 2 * 1024 ** 2


# ------------------------------------------------------------------ what the up-front scans take at its word

def big_sheet_with_far_cell(path: Path) -> Path:
    """A sheet of more than `SHEET_FULL_SCAN_MAX` bytes of XML (~6 500 orders of ~2.7 KB), no `<dimension>`
    (openpyxl's streaming writer omits it too), and one valued cell in XFD1048576."""
    from amazon_addin.defences import SHEET_FULL_SCAN_MAX

    sheet = B.sheet_xml(B._order_grid(SHEET_FULL_SCAN_MAX // 2500), extra=B.FAR_CELL)
    if len(sheet) <= SHEET_FULL_SCAN_MAX:
        raise RuntimeError("the sheet must be larger than SHEET_FULL_SCAN_MAX")
    return B.with_sheet(path, sheet)


def test_large_crafted_sheet_cannot_abort_the_add_in(tmp_path, workdir):
    """Too large to be scanned up front, the sheet is read in the child process, which dies on its memory
    limit; the add-in says why, with the cell, as the up-front scan would have."""
    path = big_sheet_with_far_cell(tmp_path / "grande.xlsx")
    run = run_cli(["verifier", path, "--json"], cwd=workdir)
    assert_no_crash(run)
    assert run.rc == 2, run
    assert_one_french_sentence(run, B.SPAN)
    assert "XFD1048576" in run.err, run


def test_a_dying_reader_is_one_sentence(tmp_path, monkeypatch):
    """Whatever kills calamine (here: a memory limit far below what the sheet needs, so Rust aborts) ends the
    child, never the add-in: one French sentence, and the child's last words in the add-in's log."""
    import dataclasses

    from amazon_addin import audit, defences, isolated
    from amazon_addin.errors import ReadError

    log = tmp_path / "amazon_addin.log"
    monkeypatch.setenv("AMAZON_ADDIN_LOG", str(log))
    audit.setup()
    path = B.with_sheet(tmp_path / "petit.xlsx", B.sheet_xml(B._order_grid(2000)))
    inspected = defences.inspect_workbook(path, "xlsx", 200, choose=lambda sheets: 0)
    assert isolated.read_sheet(path, inspected)[0][0][0] == "order-id"  # with its real limit, it reads
    starved = dataclasses.replace(inspected, memory_limit=20 << 20)
    with pytest.raises(ReadError) as refused:
        isolated.read_sheet(path, starved)
    assert "n'a pas pu être lu jusqu'au bout" in refused.value.message
    assert "petit.xlsx" in refused.value.message
    text = log.read_text(encoding="utf-8")
    assert "isolated read of petit.xlsx died" in text and "memory allocation" in text
