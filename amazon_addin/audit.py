"""The audit log: who integrated which file (name, SHA-256) into which base, and which invoices.

The database keeps the same facts (`integrations_amazon`, `imports_amazon`); this rotating text log also
keeps the attempts that wrote nothing. Never a password: bases are named as the user wrote them, masked.
"""

from __future__ import annotations

import logging
import os
from logging.handlers import RotatingFileHandler
from pathlib import Path

_LOGGER = "amazon_addin.audit"


def log_path() -> Path:
    return Path(os.environ.get("AMAZON_ADDIN_LOG") or Path.home() / ".amazonimport" / "amazon_addin.log")


def _logger() -> logging.Logger:
    logger = logging.getLogger(_LOGGER)
    path = log_path()
    current = getattr(logger, "_addin_path", None)
    if current != path:
        for h in list(logger.handlers):
            logger.removeHandler(h)
            h.close()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handler = RotatingFileHandler(path, maxBytes=1_000_000, backupCount=5, encoding="utf-8")
        except OSError:
            handler = logging.NullHandler()  # an unwritable log never stops an integration
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
        logger._addin_path = path
    return logger


def integration(*, user: str, base: str, file_name: str, sha256: str, integration_id, invoices: list[dict],
                skipped: int) -> None:
    numbers = ", ".join(i["numero"] for i in invoices) or "aucune"
    _logger().info("integration id=%s utilisateur=%s base=%s fichier=%s sha256=%s factures=%d passees=%d "
                   "numeros=[%s]", integration_id, user, base, file_name, sha256, len(invoices), skipped, numbers)


def refused(*, user: str, base: str, file_name: str, sha256: str, reason: str) -> None:
    _logger().warning("integration refusee utilisateur=%s base=%s fichier=%s sha256=%s raison=%s",
                      user, base, file_name, sha256, reason)


def database_error(*, base: str, detail: str) -> None:
    """A database error no rule of `gestan.diagnose` names: its driver text is kept here, not shown."""
    _logger().warning("erreur de base non reconnue base=%s detail=%s", base, detail[:2000])
