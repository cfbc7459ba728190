"""Read a workbook's order sheet with calamine in a child process, never in the add-in's own.

calamine is Rust: a crafted file that makes it allocate hundreds of gigabytes, or any bug that panics where
Rust aborts, ends the process that runs it, with no exception to catch. `defences.inspect_workbook` refuses
what it can recognise beforehand; whatever it takes at its word is read here, in a child interpreter with a
memory limit, whose death is only a French sentence for the user (exit 2) and a line in the add-in's log.

The child sends the cells back pickled on its standard output (strings shared as in the reader, so a
100 000-row sheet travels in ~30 MB and ~0.3 s). The pickle comes from our own code in the child, never from
the file: cell texts are pickled as strings, they cannot become opcodes.
"""

from __future__ import annotations

import logging
import os
import pickle
import subprocess
import sys
from pathlib import Path

from . import defences
from .errors import ReadError

log = logging.getLogger("amazon_addin")

# The child's whole program: only the standard library and python_calamine, so it starts in ~50 ms.
CHILD = r"""
import gc, pickle, sys
gc.disable()
path, wanted, index, limit = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
try:
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard == resource.RLIM_INFINITY or limit < hard:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
except (ImportError, ValueError, OSError):
    pass  # Windows has no RLIMIT_AS: a runaway allocation there still only ends this child
from python_calamine import CalamineWorkbook, PasswordError
out = sys.stdout.buffer
try:
    wb = CalamineWorkbook.from_path(path)
    names = wb.sheet_names
    if wanted not in names:
        wanted = names[index] if 0 <= index < len(names) else None
    if wanted is None:
        answer = ("damaged", "no sheet")
    else:
        rows = wb.get_sheet_by_name(wanted).to_python(skip_empty_area=False)
        same = {}.setdefault  # one object per distinct text: a smaller pickle, and the reader's sharing
        for r in rows:
            r[:] = [same(v, v) if type(v) is str else v for v in r]
        answer = ("ok", wanted, rows)
except PasswordError:
    answer = ("password",)
except Exception as exc:
    answer = ("damaged", type(exc).__name__ + ": " + str(exc)[:300])
pickle.dump(answer, out, protocol=pickle.HIGHEST_PROTOCOL)
out.flush()
"""

PASSWORD = "Le classeur est protégé par un mot de passe : enregistrez-le sans mot de passe."
DAMAGED = "Le classeur est endommagé : il ne peut pas être lu."
# A read that takes longer than this (plus a second per MB of file) is a crafted file, not a slow machine:
# 100 000 orders take ~5 s here.
TIMEOUT_BASE_S = 300


def read_sheet(path: Path, inspected: defences.Inspected) -> tuple[list[list], str]:
    """(rows, sheet name) of the order sheet that `inspected` chose. Raises `ReadError`."""
    if inspected.sheet is None:
        raise ReadError("Le classeur ne contient aucune feuille.")
    timeout = TIMEOUT_BASE_S + path.stat().st_size / (1 << 20)
    cmd = [sys.executable, "-c", CHILD, str(path), inspected.sheet, str(inspected.index),
           str(inspected.memory_limit)]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    flags = getattr(subprocess, "CREATE_NO_WINDOW", 0)  # no console window flashing over Excel
    try:
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, env=env, timeout=timeout,
                              creationflags=flags)
    except subprocess.TimeoutExpired:
        log.warning("isolated read of %s killed after %.0f s", path.name, timeout)
        raise ReadError(f"La lecture du classeur « {defences.shown(path.name)} » ne s'est pas terminée en "
                        f"{timeout:.0f} s : ouvrez-le dans Excel, réenregistrez-le, puis réessayez.")
    except OSError as exc:
        raise ReadError(f"La lecture du classeur « {defences.shown(path.name)} » n'a pas pu être lancée "
                        f"({exc.strerror or type(exc).__name__}).")
    answer = _answer(proc.stdout) if proc.returncode == 0 else None
    if answer is None:
        log.warning("isolated read of %s died (exit %s): %s", path.name, proc.returncode,
                    proc.stderr[-2000:].decode("utf-8", "replace"))
        defences.explain_failure(path, inspected)  # raises the precise sentence when the file's extent was it
        raise ReadError(f"Le classeur « {defences.shown(path.name)} » n'a pas pu être lu jusqu'au bout (contenu "
                        "anormal ou mémoire insuffisante) : ouvrez-le dans Excel et réenregistrez-le, ou utilisez "
                        "le rapport .txt téléchargé d'Amazon.")
    if answer[0] == "ok":
        return answer[2], answer[1]
    if answer[0] == "password" or "password" in answer[-1].lower() or "encrypt" in answer[-1].lower():
        raise ReadError(PASSWORD)
    log.info("calamine refused %s: %s", path.name, answer[-1])
    raise ReadError(DAMAGED)


def _answer(data: bytes):
    try:
        answer = pickle.loads(data)
    except Exception:  # noqa: BLE001 - a child that died mid-write
        return None
    return answer if isinstance(answer, tuple) and answer and answer[0] in ("ok", "password", "damaged") else None
