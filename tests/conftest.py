"""Shared test setup: make the builders in `tests/exportgen.py` importable from every test module
(`from exportgen import ...`), whatever pytest's import mode or rootdir."""

import sys
from pathlib import Path

_TESTS = str(Path(__file__).resolve().parent)
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)
