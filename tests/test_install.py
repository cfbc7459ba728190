"""`amazon-addin installer-excel` and `--desinstaller`, run on Linux against fake Windows folders.

APPDATA and USERPROFILE point into a temporary folder: the command writes exactly where it would on
Windows (%APPDATA%\\Microsoft\\AddIns, %USERPROFILE%\\.amazonimport\\amazonimport.conf, xlwings.conf beside
the .xlsm). Whether Excel then shows the tab is the README's manual smoke test.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from amazon_addin import cli
from amazon_addin.excel import build as B
from amazon_addin.excel import install as I

ROOT = Path(__file__).resolve().parents[1]
HELENE = r"C:\Users\Hélène\AppData\Local\Programs\Python\Python312\python.exe"


@pytest.fixture
def windows(tmp_path, monkeypatch):
    """Fake APPDATA and USERPROFILE folders, and a documents folder for --classeur."""
    home, appdata, docs = tmp_path / "Users" / "lea", tmp_path / "Users" / "lea" / "AppData" / "Roaming", \
        tmp_path / "Users" / "lea" / "Documents"
    for folder in (home, appdata, docs):
        folder.mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("USERPROFILE", str(home))
    monkeypatch.setenv("APPDATA", str(appdata))
    return {"home": home, "appdata": appdata, "docs": docs, "root": tmp_path,
            "xlam": appdata / "Microsoft" / "AddIns" / B.XLAM_NAME,
            "user_conf": home / ".amazonimport" / "amazonimport.conf",
            "xlsm": docs / B.XLSM_NAME, "neighbour": docs / "xlwings.conf"}


def run(*args):
    """The real command line, in a subprocess (its sys.executable is this interpreter)."""
    proc = subprocess.run([sys.executable, "-m", "amazon_addin", "installer-excel", *map(str, args)],
                          capture_output=True, cwd=ROOT, timeout=120)
    err = proc.stderr.decode("utf-8")
    assert "Traceback" not in err, err
    return proc.returncode, err


def run_in_process(capsys, monkeypatch, executable, *args):
    """The command as `py -m amazon_addin` started by another interpreter would run it."""
    monkeypatch.setattr(sys, "executable", executable)
    code = cli.main(["installer-excel", *args])
    return code, capsys.readouterr().err


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def conf_line(value: str) -> bytes:
    return f'"INTERPRETER_WIN","{value}"\r\n'.encode("cp1252")


def test_installer_excel_copies_the_addin_and_names_the_running_python(windows):
    code, err = run("--classeur", windows["docs"])
    assert code == 0, err
    assert windows["xlam"].read_bytes() == (ROOT / "workbook" / B.XLAM_NAME).read_bytes()
    assert windows["xlsm"].read_bytes() == (ROOT / "workbook" / B.XLSM_NAME).read_bytes()
    assert windows["user_conf"].read_bytes() == conf_line(sys.executable), "xlwings' Write # format, CRLF"
    assert windows["neighbour"].read_bytes() == conf_line(sys.executable)
    # The French steps to tick the add-in once in Excel.
    assert "Fichier > Options > Compléments" in err and "Compléments Excel" in err and "Atteindre" in err
    assert "cochez « AmazonImport »" in err and sys.executable in err


def test_installer_excel_twice_changes_nothing_and_keeps_the_users_lines(windows):
    users_conf = b'"SHOW CONSOLE","True"\r\n'
    users_neighbour = b'"INTERPRETER_WIN","C:\\Python39\\python.exe"\r\n"CONDA ENV","base"'  # no final newline
    windows["user_conf"].parent.mkdir(parents=True)
    windows["user_conf"].write_bytes(users_conf)
    windows["neighbour"].write_bytes(users_neighbour)
    code, err = run("--classeur", windows["docs"])
    assert code == 0, err
    assert windows["user_conf"].read_bytes() == users_conf + conf_line(sys.executable)
    assert windows["neighbour"].read_bytes() == users_neighbour, "the user's own INTERPRETER_WIN line stays"
    assert "votre ligne INTERPRETER_WIN (« C:\\Python39\\python.exe ») est gardée" in err
    first = tree(windows["root"])
    code, err = run("--classeur", windows["docs"])
    assert code == 0 and tree(windows["root"]) == first, "a second run writes nothing new"
    assert err.count("déjà") >= 3, err


def test_a_users_own_workbook_is_never_replaced(windows):
    windows["xlsm"].write_bytes(b"my workbook, with my settings")
    code, err = run("--classeur", windows["xlsm"])
    assert code == 0, err
    assert windows["xlsm"].read_bytes() == b"my workbook, with my settings"
    assert "votre classeur existant est gardé" in err
    assert windows["neighbour"].read_bytes() == conf_line(sys.executable)


def test_desinstaller_undoes_exactly_what_installer_excel_wrote(windows):
    windows["user_conf"].parent.mkdir(parents=True)
    windows["user_conf"].write_bytes(b'"SHOW CONSOLE","True"\r\n')
    (windows["docs"] / "mes-commandes.xlsx").write_bytes(b"user data")
    before = tree(windows["root"])
    assert run("--classeur", windows["docs"])[0] == 0
    assert tree(windows["root"]) != before
    code, err = run("--desinstaller")
    assert code == 0, err
    assert tree(windows["root"]) == before, "every file as it was, the user's lines included"
    assert "décochez-le" in err and "« AmazonImport »" in err
    code, err = run("--desinstaller")
    assert code == 0 and "Rien à désinstaller" in err and tree(windows["root"]) == before


def test_desinstaller_keeps_what_the_user_changed_since(windows):
    assert run("--classeur", windows["docs"])[0] == 0
    windows["xlsm"].write_bytes(b"the workbook, now holding the user's settings")
    lines = windows["user_conf"].read_bytes()
    windows["user_conf"].write_bytes(lines + b'"SHOW CONSOLE","True"\r\n')
    code, err = run("--desinstaller")
    assert code == 0, err
    assert windows["xlsm"].read_bytes() == b"the workbook, now holding the user's settings"
    assert "modifié depuis l'installation, gardé" in err
    assert windows["user_conf"].read_bytes() == b'"SHOW CONSOLE","True"\r\n'
    assert not windows["xlam"].exists() and not windows["neighbour"].exists()


def test_another_python_moves_our_line_only(windows, capsys, monkeypatch):
    """Run again from another interpreter (a new Python): the line the installer wrote follows it; a line the
    user wrote never does. The path is written in the ANSI code page VBA's Input # reads (cp1252 here)."""
    code, _ = run_in_process(capsys, monkeypatch, r"C:\Python311\python.exe")
    assert code == 0
    conf = windows["user_conf"]
    conf.write_bytes(conf.read_bytes() + b'"CONDA PATH","C:\\conda"\r\n')
    code, err = run_in_process(capsys, monkeypatch, HELENE)
    assert code == 0 and "mis à jour" in err, err
    assert conf.read_bytes() == conf_line(HELENE) + b'"CONDA PATH","C:\\conda"\r\n'
    assert "Hélène".encode("cp1252") in conf.read_bytes()
    code, err = run_in_process(capsys, monkeypatch, HELENE, "--desinstaller")
    assert code == 0 and conf.read_bytes() == b'"CONDA PATH","C:\\conda"\r\n'


def test_refusals_are_one_french_sentence_and_write_nothing(windows, capsys, monkeypatch):
    before = tree(windows["root"])
    code, err = run_in_process(capsys, monkeypatch, r"C:\Users\Łukasz\Python312\python.exe")
    assert code == 3 and "ne peut pas contenir" in err and tree(windows["root"]) == before
    code, err = run_in_process(capsys, monkeypatch, HELENE, "--classeur", str(windows["docs"] / "absent"))
    assert code == 3 and "n'existe pas" in err and tree(windows["root"]) == before
    code, err = run_in_process(capsys, monkeypatch, HELENE, "--desinstaller", "--classeur", str(windows["docs"]))
    assert code == 3 and "sans --classeur" in err
    monkeypatch.delenv("APPDATA")
    code, err = run_in_process(capsys, monkeypatch, HELENE)
    assert code == 3 and "APPDATA" in err and "Windows" in err and tree(windows["root"]) == before


def test_the_workbooks_travel_with_the_package(tmp_path, monkeypatch):
    """`pip install` (not editable) puts the built workbooks under <prefix>/share/amazon-addin; the installer
    finds them there when there is no copy of the repository."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["data-files"]
    assert data == {"/".join(I.SHARE): [f"workbook/{B.XLSM_NAME}", f"workbook/{B.XLAM_NAME}"]}
    share = tmp_path.joinpath("prefix", *I.SHARE)
    share.mkdir(parents=True)
    (share / B.XLAM_NAME).write_bytes(b"xlam")
    monkeypatch.setattr(B, "DEFAULT_OUT_DIR", tmp_path / "no-repository")
    monkeypatch.setattr(I.sysconfig, "get_path", lambda name, scheme=None: str(tmp_path / "prefix"))
    assert I.packaged_workbook(B.XLAM_NAME) == share / B.XLAM_NAME
    with pytest.raises(I.SettingsError, match="réinstallez amazon-addin"):
        I.packaged_workbook(B.XLSM_NAME)
