"""The one entry point of Vérifier shared by the command line and the Excel side."""

from __future__ import annotations

from pathlib import Path

from .checks import Verification, verify_table
from .reader import read_table
from .settings import Settings


def verify_file(path: str | Path, settings: Settings, facts=None) -> Verification:
    """Read an export and check it. Raises `ReadError` when the file cannot be read at all."""
    return verify_table(read(path, settings), settings, facts)


def read(path: str | Path, settings: Settings):
    return read_table(path, max_mb=settings.taille_max_mo, max_rows=settings.lignes_max)
