"""VIES, the European Commission's VAT number check (SPEC §7 "Money and VAT": reverse charge).

Reverse charge (regime `IC`) needs the buyer's VAT number confirmed in VIES. Vérifier asks the
Commission's REST service `check-vat-number` (POST, JSON `{"countryCode", "vatNumber",
"requesterMemberStateCode", "requesterNumber"}`; answer `{"valid", "requestDate", "requestIdentifier",
"name", "address", ...}`, or `{"actionSucceed": false, "errorWrappers": [{"error": "MS_UNAVAILABLE", ...}]}`)
for candidate orders only, once per number in a run, with a short timeout; after one network failure
the service counts as unreachable for the rest of the run, so a run offline waits once, not per order.
The endpoint is the setting `vies_url`; the consultation number (`requestIdentifier`) is only given when
the seller's own number (setting `tva_vendeur`) is sent as the requester.

This is the add-in's only network access; the core receives its answers as plain data.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timezone

log = logging.getLogger("amazon_addin")

VALID, INVALID, UNREACHABLE = "valid", "invalid", "unreachable"
TIMEOUT_S = 5.0

_ERRORS_FR = {
    "INVALID_INPUT": "numéro refusé comme mal formé",
    "INVALID_REQUESTER_INFO": "numéro du vendeur (tva_vendeur) refusé",
    "MS_UNAVAILABLE": "le service de l'État membre ne répond pas",
    "MS_MAX_CONCURRENT_REQ": "le service de l'État membre est saturé",
    "GLOBAL_MAX_CONCURRENT_REQ": "VIES est saturé",
    "SERVICE_UNAVAILABLE": "VIES est indisponible",
    "TIMEOUT": "l'État membre n'a pas répondu à temps",
    "VAT_BLOCKED": "numéro bloqué",
    "IP_BLOCKED": "accès bloqué par VIES",
}


@dataclass(frozen=True)
class Answer:
    """What VIES said of one number: `valid`, `invalid` or `unreachable`, when, and its consultation number."""

    status: str
    checked_at: datetime | None = None  # UTC, naive (the invoice's vies_date)
    reference: str | None = None  # VIES's requestIdentifier
    detail: str = ""  # French, for W_VIES

    @property
    def confirmed(self) -> bool:
        return self.status == VALID


def split_number(number: str) -> tuple[str, str]:
    """('BE', '0403019261') from 'BE 0403.019.261'; VIES writes Greece EL and Northern Ireland XI."""
    from stdnum.eu import vat as eu_vat

    compact = eu_vat.compact(number).upper()
    return compact[:2], compact[2:]


class Checker:
    """Asks VIES once per number; `check(number)` never raises."""

    def __init__(self, url: str, requester: str | None = None, timeout: float = TIMEOUT_S):
        self.url = url
        self.requester = split_number(requester) if requester else None
        self.timeout = timeout
        self._cache: dict[str, Answer] = {}
        self._down: str | None = None  # why the service itself could not be reached in this run

    def check(self, number: str) -> Answer:
        country, digits = split_number(number)
        key = country + digits
        if key not in self._cache:
            self._cache[key] = self._ask(country, digits)
        return self._cache[key]

    def _ask(self, country: str, digits: str) -> Answer:
        import urllib.error  # only when a number is asked: urllib.request loads ssl and http
        import urllib.request

        if self._down is not None:
            return Answer(UNREACHABLE, detail=self._down)
        body = {"countryCode": country, "vatNumber": digits}
        if self.requester:
            body["requesterMemberStateCode"], body["requesterNumber"] = self.requester
        request = urllib.request.Request(self.url, data=json.dumps(body).encode("utf-8"), method="POST",
                                         headers={"Content-Type": "application/json", "Accept": "application/json"})
        now = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                data = json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:  # VIES answers its own errors with 4xx/5xx and a JSON body
            try:
                data = json.loads(exc.read().decode("utf-8"))
            except (ValueError, OSError):
                return Answer(UNREACHABLE, detail=f"VIES a répondu par l'erreur HTTP {exc.code}")
        except (urllib.error.URLError, OSError, ValueError) as exc:
            log.info("VIES unreachable at %s: %s", self.url, exc)
            self._down = "service VIES injoignable"
            return Answer(UNREACHABLE, detail=self._down)
        return _answer(data, now)


def _answer(data, now: datetime) -> Answer:
    if not isinstance(data, dict):
        return Answer(UNREACHABLE, detail="réponse de VIES illisible")
    errors = data.get("errorWrappers") or []
    user_error = str(data.get("userError") or "").upper()
    if errors or (user_error and user_error not in ("VALID", "INVALID")):
        code = str(errors[0].get("error", "")) if errors and isinstance(errors[0], dict) else user_error
        return Answer(UNREACHABLE, detail=_ERRORS_FR.get(code.upper(), f"erreur VIES {code or 'inconnue'}"))
    valid = data.get("valid", data.get("isValid"))
    if not isinstance(valid, bool):
        return Answer(UNREACHABLE, detail="réponse de VIES illisible")
    checked = _instant(data.get("requestDate")) or now
    reference = str(data["requestIdentifier"]).strip() if data.get("requestIdentifier") else None
    if valid:
        return Answer(VALID, checked, reference or None)
    return Answer(INVALID, checked, reference or None, "numéro inconnu ou inactif dans VIES")


def _instant(text) -> datetime | None:
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.replace(microsecond=0)
