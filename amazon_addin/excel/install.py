"""`amazon-addin installer-excel`: Excel set up on Windows in one command, after `pip install`.

What it does, and `--desinstaller` undoes from its own record:
- writes the running interpreter (`sys.executable`) as INTERPRETER_WIN into
  %USERPROFILE%\\.amazonimport\\amazonimport.conf, the user file the add-in's xlwings module reads
  (`GetConfigFilePath` with PROJECT_NAME "amazonimport");
- with `--classeur DOSSIER` (or a path ending in .xlsm): copies AmazonImport.xlsm there unless a workbook of
  that name is already there (it holds the user's settings), and writes INTERPRETER_WIN into the
  `xlwings.conf` beside it (`GetDirectoryConfigFilePath` of the workbook's xlwings module);
- copies AmazonImport.xlam into %APPDATA%\\Microsoft\\AddIns, the folder Excel's add-ins dialog lists;
- says in French how to tick the add-in once in Excel.

The conf files are xlwings' own format (VBA `Write #`: `"KEY","VALUE"` lines, ANSI, CRLF), read by an
`Input #` loop where the first line of a key wins. A line is ours only when the record says this command
wrote that very value into that file; every other line is the user's and is never changed. Running the
command again changes nothing, or moves our own lines to the interpreter now running it.

The paths are the Windows ones, built from the APPDATA and USERPROFILE variables, so that the command runs
(and is tested) on Linux with fake folders.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import SettingsError
from . import build as B

KEY = "INTERPRETER_WIN"
USER_CONF_DIR = f".{B.ADDIN_PROJECT_NAME}"
USER_CONF = f"{B.ADDIN_PROJECT_NAME}.conf"
NEIGHBOUR_CONF = "xlwings.conf"  # PROJECT_NAME of the standalone xlwings module
RECORD = "installer-excel.json"
ADDINS = ("Microsoft", "AddIns")
SHARE = ("share", "amazon-addin")  # where pyproject's data-files put the workbooks

TICK_IT = """Dernière étape, une seule fois, dans Excel :
  1. Fichier > Options > Compléments ;
  2. en bas, Gérer : « Compléments Excel », puis Atteindre… ;
  3. cochez « AmazonImport », puis OK.
L'onglet « Amazon » apparaît alors sur chaque classeur : ouvrez un rapport Amazon et cliquez sur Vérifier."""

UNTICK = ("Excel garde « AmazonImport » dans sa liste de compléments : s'il signale au démarrage qu'il ne le trouve "
          "plus, décochez-le (Fichier > Options > Compléments > Gérer : « Compléments Excel » > Atteindre…) et "
          "acceptez de le retirer de la liste.")


@dataclass
class Record:
    """What this command wrote: conf lines (file, key, value) and copied files (path, SHA-256)."""

    path: Path
    lines: list[dict] = field(default_factory=list)
    files: list[dict] = field(default_factory=list)
    created: list[str] = field(default_factory=list)  # conf files that did not exist before

    @classmethod
    def load(cls, path: Path) -> Record:
        if not path.is_file():
            return cls(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(path, list(data["lines"]), list(data["files"]), list(data.get("created", [])))
        except (ValueError, KeyError, TypeError):
            raise SettingsError(f"Le fichier {path} est illisible : supprimez-le puis relancez la commande.")

    def save(self) -> None:
        data = {"lines": self.lines, "files": self.files, "created": self.created}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

    def line(self, conf: Path) -> dict | None:
        return next((e for e in self.lines if e["file"] == str(conf) and e["key"] == KEY), None)

    def file(self, path: Path) -> dict | None:
        return next((e for e in self.files if e["path"] == str(path)), None)


# ------------------------------------------------------------------------------------------ places

def _windows_folder(variable: str) -> Path:
    value = os.environ.get(variable, "").strip()
    if not value:
        raise SettingsError(f"La variable d'environnement {variable} de Windows est absente : cette commande "
                            "règle Excel sous Windows (APPDATA et USERPROFILE y sont toujours définies).")
    return Path(value)


def _places() -> dict[str, Path]:
    home, appdata = _windows_folder("USERPROFILE"), _windows_folder("APPDATA")
    return {"user_conf": home / USER_CONF_DIR / USER_CONF, "record": home / USER_CONF_DIR / RECORD,
            "addins": appdata.joinpath(*ADDINS)}


def packaged_workbook(name: str) -> Path:
    """A built workbook: in a copy of the repository, else where `pip install` put the package's data files."""
    candidates = [B.DEFAULT_OUT_DIR / name]
    for scheme in (sysconfig.get_default_scheme(), f"{os.name}_user"):
        try:
            candidates.append(Path(sysconfig.get_path("data", scheme)).joinpath(*SHARE, name))
        except KeyError:
            continue
    for path in candidates:
        if path.is_file():
            return path
    raise SettingsError(f"{name} est introuvable dans le paquet installé (cherché : "
                        f"{', '.join(str(p) for p in candidates)}) : réinstallez amazon-addin avec pip.")


def _target_xlsm(where: str) -> Path:
    path = Path(os.path.expandvars(where)).expanduser()  # %USERPROFILE%\Documents typed in PowerShell too
    if path.suffix.lower() != ".xlsm":
        path = path / B.XLSM_NAME
    if not path.parent.is_dir():
        raise SettingsError(f"Le dossier {path.parent} n'existe pas : créez-le ou indiquez un autre --classeur.")
    return path


# ------------------------------------------------------------------------------------------ conf files

def _encoding() -> str:
    # VBA's Input # reads the file in the ANSI code page: cp1252 on a French Windows.
    return "mbcs" if sys.platform == "win32" else "cp1252"


def _fields(line: bytes) -> list[str]:
    text = line.decode(_encoding(), errors="replace")
    return [f.strip() for f in next(csv.reader([text], skipinitialspace=True), [])]


def _lines(conf: Path) -> list[bytes]:
    if not conf.is_file():
        return []
    return conf.read_bytes().splitlines(keepends=True)


def _first(lines: list[bytes]) -> tuple[int, str | None]:
    """Index and value of the first line of KEY (xlwings compares keys without case), or (-1, None)."""
    for i, line in enumerate(lines):
        fields = _fields(line)
        if fields and fields[0].casefold() == KEY.casefold():
            return i, fields[1] if len(fields) > 1 else ""
    return -1, None


def _conf_line(value: str) -> bytes:
    try:
        return f'"{KEY}","{value}"\r\n'.encode(_encoding())
    except UnicodeEncodeError:
        raise SettingsError(f"Le chemin de Python « {value} » contient des caractères que le fichier de "
                            "configuration de xlwings ne peut pas contenir : installez Python dans un dossier "
                            "au nom sans ces caractères.")


def _write_lines(conf: Path, lines: list[bytes]) -> None:
    try:
        conf.parent.mkdir(parents=True, exist_ok=True)
        conf.write_bytes(b"".join(lines))
    except OSError as exc:
        raise SettingsError(f"Impossible d'écrire {conf} ({exc.strerror}).")


def set_interpreter(conf: Path, value: str, record: Record) -> str:
    """Make `conf` name `value` as INTERPRETER_WIN, unless a line of the user's names another: a French line."""
    lines = _lines(conf)
    index, current = _first(lines)
    ours = record.line(conf)
    if current == value:
        return f"{conf} : {KEY} déjà réglé sur {value}."
    if index >= 0 and not (ours and current == ours["value"]):
        return (f"{conf} : votre ligne {KEY} (« {current} ») est gardée telle quelle ; supprimez-la puis relancez "
                f"la commande pour utiliser {value}.")
    if index >= 0:
        lines[index] = _conf_line(value)
        said = "mis à jour"
    else:
        if lines and not lines[-1].endswith(b"\n"):
            lines[-1] += b"\r\n"
        if not conf.exists():
            record.created.append(str(conf))
        lines.append(_conf_line(value))
        said = "écrit"
    _write_lines(conf, lines)
    if ours:
        ours["value"] = value
    else:
        record.lines.append({"file": str(conf), "key": KEY, "value": value})
    return f"{conf} : {KEY} {said} ({value})."


def remove_interpreter(entry: dict, record: Record) -> str:
    conf = Path(entry["file"])
    lines = _lines(conf)
    index, current = _first(lines)
    if index < 0 or current != entry["value"]:
        return f"{conf} : rien à retirer (la ligne {KEY} n'est plus celle que l'installation avait écrite)."
    del lines[index]
    if not b"".join(lines).strip() and str(conf) in record.created:
        conf.unlink()
        record.created.remove(str(conf))
        return f"{conf} : supprimé (il ne contenait que la ligne de l'installation)."
    _write_lines(conf, lines)
    return f"{conf} : ligne {KEY} retirée, vos autres lignes sont gardées."


# ------------------------------------------------------------------------------------------ copies

def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def copy_file(source: Path, target: Path, record: Record, replace: bool) -> str:
    """Copy `source` to `target` (bytes only: no "downloaded from the Internet" mark travels with them);
    with `replace` False, a different file already there is the user's and stays."""
    data = source.read_bytes()
    if target.is_file() and target.read_bytes() == data:
        said = f"{target} : déjà à jour."
    elif target.is_file() and not replace:
        return f"{target} : votre classeur existant est gardé tel quel (il contient vos paramètres)."
    else:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        except PermissionError:
            raise SettingsError(f"{target} est utilisé (Excel est-il ouvert ?) : fermez Excel puis relancez la "
                                "commande.")
        except OSError as exc:
            raise SettingsError(f"Impossible d'écrire {target} ({exc.strerror}).")
        said = f"{target} : copié."
    entry = record.file(target)
    if entry:
        entry["sha256"] = _sha256(data)
    else:
        record.files.append({"path": str(target), "sha256": _sha256(data)})
    return said


def remove_file(entry: dict) -> str:
    path = Path(entry["path"])
    if not path.is_file():
        return f"{path} : déjà absent."
    if _sha256(path.read_bytes()) != entry["sha256"]:
        return f"{path} : modifié depuis l'installation, gardé."
    try:
        path.unlink()
    except PermissionError:
        raise SettingsError(f"{path} est utilisé (Excel est-il ouvert ?) : fermez Excel puis relancez la commande.")
    return f"{path} : supprimé."


# ------------------------------------------------------------------------------------------ commands

def install(classeur: str | None = None) -> list[str]:
    """Set Excel up for the running interpreter; return what was done, in French."""
    places = _places()
    _conf_line(sys.executable)  # an interpreter path the conf file cannot hold stops everything before any write
    xlsm = _target_xlsm(classeur) if classeur is not None else None
    sources = {name: packaged_workbook(name) for name in (B.XLAM_NAME, *([B.XLSM_NAME] if xlsm else []))}
    record = Record.load(places["record"])
    xlam = places["addins"] / B.XLAM_NAME
    said = []
    try:  # the record keeps whatever was done, even if a later step fails
        said.append(copy_file(sources[B.XLAM_NAME], xlam, record, replace=True))
        said.append(set_interpreter(places["user_conf"], sys.executable, record))
        if xlsm is not None:
            said.append(copy_file(sources[B.XLSM_NAME], xlsm, record, replace=False))
            said.append(set_interpreter(xlsm.parent / NEIGHBOUR_CONF, sys.executable, record))
    finally:
        if record.lines or record.files:
            record.save()
    return said + ["", TICK_IT]


def uninstall() -> list[str]:
    """Undo what `install` wrote, as its record says; the user's own lines and files stay."""
    places = _places()
    record = Record.load(places["record"])
    if not record.lines and not record.files:
        return ["Rien à désinstaller : installer-excel n'a rien écrit pour cet utilisateur."]
    said = []
    try:
        while record.lines:
            said.append(remove_interpreter(record.lines[0], record))
            record.lines.pop(0)
        while record.files:
            said.append(remove_file(record.files[0]))
            record.files.pop(0)
    finally:
        if record.lines or record.files:
            record.save()
        else:
            record.path.unlink(missing_ok=True)
    return said + ["", UNTICK]
