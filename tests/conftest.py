"""Shared test setup: make the builders in `tests/exportgen.py` importable from every test module
(`from exportgen import ...`), whatever pytest's import mode or rootdir."""

import sys
from pathlib import Path

_TESTS = str(Path(__file__).resolve().parent)
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)


import os as _os
import tempfile as _tempfile

# The audit log goes to a throw-away file for the whole session (subprocesses inherit it), never to the
# developer's ~/.amazonimport.
_os.environ.setdefault("AMAZON_ADDIN_LOG", _os.path.join(_tempfile.mkdtemp(prefix="ai-audit-"), "audit.log"))
