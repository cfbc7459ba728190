"""The add-in's log: who integrated which file (name, SHA-256) into which base, which invoices, every refusal,
and the traceback of every unexpected error, in one rotating text file.

Everything the `amazon_addin` logger (and its children: `.audit`, `.hfsql`) says goes to that file, never to
the user's terminal or Excel: xlwings deletes the standard error of a RunPython call that ends normally, so a
message that says "le détail est dans le journal" must mean this file. The database keeps the same audit
facts (`integrations_amazon`, `imports_amazon`). Never a password: bases are named as the user wrote them,
masked.
"""

from __future__ import annotations

import logging
import os
from logging.handlers import RotatingFileHandler
from pathlib import Path

_ROOT = "amazon_addin"


def log_path() -> Path:
    return Path(os.environ.get("AMAZON_ADDIN_LOG") or Path.home() / ".amazonimport" / "amazon_addin.log")


def setup() -> Path | None:
    """Point the `amazon_addin` logger at the rotating file (again if AMAZON_ADDIN_LOG changed). Returns the
    file's path, or None when it cannot be written (a log never stops an integration)."""
    logger = logging.getLogger(_ROOT)
    path = log_path()
    if getattr(logger, "_addin_path", None) != path:
        for h in list(logger.handlers):
            logger.removeHandler(h)
            h.close()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handler = RotatingFileHandler(path, maxBytes=1_000_000, backupCount=5, encoding="utf-8")
            logger._addin_file = path
        except OSError:
            handler = logging.NullHandler()
            logger._addin_file = None
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False  # never the root's last-resort handler, which writes to stderr
        logger._addin_path = path
    return logger._addin_file


def unexpected(where: str, exc: BaseException) -> str:
    """Log an unexpected error with its traceback; returns where the user can find it, in French."""
    path = setup()
    logging.getLogger(_ROOT).error("unexpected error in %s", where, exc_info=(type(exc), exc, exc.__traceback__))
    if path is None:
        return f"le journal de l'add-in n'a pas pu être écrit ({log_path()})"
    return f"le détail est dans le journal de l'add-in : {path}"


def _audit() -> logging.Logger:
    setup()
    return logging.getLogger(_ROOT + ".audit")


def integration(*, user: str, base: str, file_name: str, sha256: str, integration_id, invoices: list[dict],
                skipped: int) -> None:
    numbers = ", ".join(i["numero"] for i in invoices) or "aucune"
    _audit().info("integration id=%s utilisateur=%s base=%s fichier=%s sha256=%s factures=%d passees=%d "
                  "numeros=[%s]", integration_id, user, base, file_name, sha256, len(invoices), skipped, numbers)


def refused(*, user: str, base: str, file_name: str, sha256: str, reason: str) -> None:
    _audit().warning("integration refusee utilisateur=%s base=%s fichier=%s sha256=%s raison=%s",
                     user, base, file_name, sha256, reason)


def credit_note(*, user: str, base: str, numero: str, invoice: str, order: str, total: str, motif: str) -> None:
    """One line per credit note: who, when (the line's time), which invoice and order, how much, why."""
    _audit().info("avoir numero=%s facture=%s commande=%s total=%s utilisateur=%s base=%s motif=%s",
                  numero, invoice, order, total, user, base, motif or "(par défaut)")


def credit_refused(*, user: str, base: str, asked: str, reason: str) -> None:
    _audit().warning("avoir refuse utilisateur=%s base=%s demande=%s raison=%s", user, base, asked, reason)


def database_error(*, base: str, detail: str) -> None:
    """A database error no rule of `gestan.diagnose` names: its driver text is kept here, not shown."""
    _audit().warning("erreur de base non reconnue base=%s detail=%s", base, detail[:2000])
