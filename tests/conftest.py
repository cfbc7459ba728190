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


import pytest as _pytest

from backends import ALL as _ALL, new_backend as _new_backend


@_pytest.fixture(params=_ALL)
def demo_base(request, tmp_path):
    """A fresh Gestan base on every backend, created by `init-db --demo` as a user would."""
    import subprocess

    backend = _new_backend(request.param, tmp_path)
    try:
        proc = subprocess.run([sys.executable, "-m", "amazon_addin", "init-db", "--demo", "--db", backend.url],
                              capture_output=True, cwd=Path(__file__).resolve().parents[1])
        assert proc.returncode == 0, proc.stderr.decode("utf-8")
        yield backend
    finally:
        backend.drop()


from hypothesis import HealthCheck as _HealthCheck, settings as _hsettings

# On a slow, loaded machine an example may take seconds: no property test fails for time, only for its property.
_hsettings.register_profile("amazonimport", deadline=None, suppress_health_check=[_HealthCheck.too_slow])
_hsettings.load_profile("amazonimport")
