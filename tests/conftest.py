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


# ------------------------------------------------------------------------------------------ VIES stand-in

class ViesStandIn:
    """A local stand-in for the Commission's VIES REST service `check-vat-number`, on 127.0.0.1 (port 0): the
    request and answer shapes of the real one, nothing ever reaching the internet.

    `answers`: compact number (`BE0403019261`) → "valid", "invalid", or an error code such as
    "MS_UNAVAILABLE" (answered as VIES does, HTTP 500 with `errorWrappers`); unknown numbers are invalid.
    `requests` records every JSON body received."""

    def __init__(self):
        import http.server
        import json
        import threading

        self.answers: dict[str, str] = {}
        self.requests: list[dict] = []
        stand_in = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                stand_in.requests.append(body)
                number = f"{body.get('countryCode', '')}{body.get('vatNumber', '')}"
                answer = stand_in.answers.get(number, "invalid")
                if answer in ("valid", "invalid"):
                    status, data = 200, {
                        "countryCode": body.get("countryCode"), "vatNumber": body.get("vatNumber"),
                        "requestDate": "2026-03-05T10:15:30.123Z", "valid": answer == "valid",
                        "requestIdentifier": f"WAPI{len(stand_in.requests):08d}" if body.get("requesterNumber") else "",
                        "name": "ATELIER DUBOIS" if answer == "valid" else "---", "address": "---"}
                else:
                    status, data = 500, {"actionSucceed": False,
                                         "errorWrappers": [{"error": answer, "message": answer}]}
                payload = json.dumps(data).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):  # quiet
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/taxation_customs/vies/rest-api/check-vat-number"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(10)


@_pytest.fixture
def vies_server():
    stand_in = ViesStandIn()
    try:
        yield stand_in
    finally:
        stand_in.close()


@_pytest.fixture
def rates_file(tmp_path):
    """A small rates file in the ECB's eurofxref-hist.csv layout, for the setting `taux_change`."""
    from exportgen import write_ecb_rates

    return write_ecb_rates(tmp_path / "eurofxref-hist.csv")


# ------------------------------------------------------------------------------------------ headless Excel

@_pytest.fixture
def engine():
    """The headless xlwings engine, fresh for the test and reset after it (no book survives a test)."""
    from amazon_addin.excel import engine as E

    E.reset()
    E.activate()
    yield E
    E.reset()
