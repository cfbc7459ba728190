"""Settings of SPEC §5: defaults, `amazon_addin.toml` (current directory or --config), validation."""

from __future__ import annotations

import codecs
import difflib
import logging
import re
from dataclasses import dataclass, fields, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path, PureWindowsPath
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import SettingsError

DEFAULT_FILE = "amazon_addin.toml"
# What --verbose shows (files read, waits): French lines on stderr, nothing otherwise (not even the log).
details = logging.getLogger("amazon_addin.details")
details.propagate = False
details.addHandler(logging.NullHandler())
# The European Commission's VIES REST service ("check-vat-number"); a setting so tests use a local stand-in.
VIES_URL = "https://ec.europa.eu/taxation_customs/vies/rest-api/check-vat-number"
# Keys whose value is one of a few words (SPEC §5, §7 "Money and VAT").
CHOICES = {
    "regime_ue": ("oss", "france"),
    "date_facture": ("integration", "achat"),
    "vies": ("oui", "non"),
    "franchise_tva": ("oui", "non"),
    "stock_fba": ("oui", "non"),
    "fba_hors_france": ("erreur", "ignorer"),
}


@dataclass(frozen=True)
class Settings:
    base: str = "sqlite:///gestan.db"
    famille_produits: str = "AMAZON"
    famille_port: str = "PORT"
    produit_port: str = "PORT"
    fuseau_horaire: str = "Europe/Paris"
    jeu_caracteres: str = "cp1252"
    format_numero: str = "FA{year}{seq:06d}"
    format_numero_avoir: str = "AV{year}{seq:06d}"
    taux_tva_defaut: Decimal = Decimal("20")
    canal_defaut: str = "Amazon"
    produit_remise: str = "REMISE"
    produit_emballage: str = "EMBALLAGE"
    mapping: str | None = None
    taille_max_mo: int = 200
    lignes_max: int = 1048575
    attente_verrou_s: int = 30
    regime_ue: str = "oss"
    taux_change: str | None = None
    date_facture: str = "integration"
    vies: str = "oui"
    vies_url: str = VIES_URL
    tva_vendeur: str | None = None
    franchise_tva: str = "non"
    stock_fba: str = "non"
    fba_hors_france: str | None = None  # None or "erreur": E_FBA_HORS_FRANCE; "ignorer": such rows skipped
    mention_ic: str = "Exonération de TVA, article 262 ter I du CGI – Autoliquidation"
    mention_export: str = "Exonération de TVA, article 262 I du CGI"
    mention_franchise: str = "TVA non applicable, art. 293 B du CGI"
    # True when `base` came from a file rather than the default (verifier only uses an explicit base).
    base_explicite: bool = False

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.fuseau_horaire)


# ------------------------------------------------------------------------------------------ waits

@dataclass(frozen=True)
class Waits:
    """Every wait on a database, derived from `attente_verrou_s` alone."""

    connect_s: int  # a server that accepts and never answers: connection and login
    lock_s: int  # another integration holding the lock
    statement_s: int  # any one statement; generous, since only the lock is ever waited for


STATEMENT_MARGIN_S = 60
# What each server accepts, in seconds: PostgreSQL's lock_timeout/statement_timeout and SQLite's busy
# timeout are 32-bit milliseconds; MariaDB's innodb_lock_wait_timeout stops at 1073741824 s.
SERVER_WAIT_LIMITS_S = {"PostgreSQL": 2_147_483, "SQLite": 2_147_483, "MariaDB": 1_073_741_824}


def waits(lock_wait_s: int) -> Waits:
    return Waits(connect_s=lock_wait_s, lock_s=lock_wait_s, statement_s=2 * lock_wait_s + STATEMENT_MARGIN_S)


WAIT_MAX_S = (min(SERVER_WAIT_LIMITS_S.values()) - STATEMENT_MARGIN_S) // 2


# ------------------------------------------------------------------------------------- validation

_NUMBER_FORMAT_RE = re.compile(r"\{(year|seq(:0?\d+d)?)\}")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


def _fail(key: str, why: str) -> SettingsError:
    return SettingsError(f"Paramètre « {key} » invalide : {why}.")


def _time_zone(value: str) -> str | None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        return f"fuseau horaire « {value} » inconnu (ex. Europe/Paris)"
    return None


def _charset(value: str) -> str | None:
    try:
        codecs.lookup(value)
        "Aé".encode(value, errors="replace")
    except (LookupError, TypeError, ValueError):
        return f"« {value} » n'est pas un jeu de caractères de texte (ex. cp1252, utf-8, latin-1)"
    return None


def _number_format(value: str) -> str | None:
    rest = _NUMBER_FORMAT_RE.sub("", value)
    if "{" in rest or "}" in rest or "{seq" not in value:
        return "seuls {year} et {seq…} sont permis, et {seq…} est obligatoire (ex. FA{year}{seq:06d})"
    return None


def _percentage(value: Decimal) -> str | None:
    if not value.is_finite() or not (Decimal(0) <= value < Decimal(100)):
        return f"« {value} » : un pourcentage entre 0 et 100 est attendu (ex. 20 ou 5,5)"
    if value != value.quantize(Decimal("0.01")):
        return f"« {value} » : deux décimales au plus (ex. 5,5)"
    return None


def _whole(low: int, high: int):
    def check(value: int) -> str | None:
        if not low <= value <= high:
            return f"« {value} » : un nombre entier entre {low} et {high} est attendu"
        return None

    return check


def _lock_wait(value: int) -> str | None:
    if value < 1:
        return f"« {value} » : un nombre de secondes d'au moins 1 est attendu (ex. 30)"
    if value > WAIT_MAX_S:
        return (f"{value} s dépasse ce que les serveurs acceptent : au plus {WAIT_MAX_S} s (environ "
                f"{WAIT_MAX_S // 86400} jours), car PostgreSQL et SQLite comptent leurs délais en millisecondes "
                "sur 32 bits")
    return None


def _code(value: str) -> str | None:
    if not value.strip():
        return "une valeur non vide est attendue"
    if value != value.strip():
        return f"« {value} » commence ou finit par une espace, que Gestan garderait dans le code"
    return None


def _text(value: str) -> str | None:
    return None if value.strip() else "une valeur non vide est attendue"


def _choice(key: str):
    def check(value: str) -> str | None:
        allowed = CHOICES[key]
        return None if value in allowed else f"« {value} » : valeurs possibles " + " ou ".join(allowed)

    return check


def _optional_choice(key: str):
    def check(value: str | None) -> str | None:
        return None if value is None else _choice(key)(value)

    return check


def _url(value: str) -> str | None:
    return None if re.match(r"^https?://[^\s/]+", value or "") else "une adresse http:// ou https:// est attendue"


def _vat_number(value: str | None) -> str | None:
    if value is None or _valid_vat_number(value):
        return None
    return f"« {value} » n'est pas un numéro de TVA intracommunautaire valide"


# Each key's own check: its value → None, or the French reason it is refused. A new key adds one line.
CHECKS = {
    "famille_produits": _code,
    "famille_port": _code,
    "produit_port": _code,
    "produit_remise": _code,
    "produit_emballage": _code,
    "canal_defaut": _text,
    "fuseau_horaire": _time_zone,
    "jeu_caracteres": _charset,
    "format_numero": _number_format,
    "format_numero_avoir": _number_format,
    "taux_tva_defaut": _percentage,
    "taille_max_mo": _whole(1, 100_000),
    "lignes_max": _whole(1, 100_000_000),
    "attente_verrou_s": _lock_wait,
    "regime_ue": _choice("regime_ue"),
    "date_facture": _choice("date_facture"),
    "vies": _choice("vies"),
    "franchise_tva": _choice("franchise_tva"),
    "stock_fba": _choice("stock_fba"),
    "fba_hors_france": _optional_choice("fba_hors_france"),
    "vies_url": _url,
    "tva_vendeur": _vat_number,
    "mention_ic": _text,
    "mention_export": _text,
    "mention_franchise": _text,
}
# Keys holding a path: relative to the settings file that names them.
PATH_KEYS = ("mapping", "taux_change")


def validate(s: Settings) -> Settings:
    for f in fields(s):
        value = getattr(s, f.name)
        if isinstance(value, str) and _CONTROL_RE.search(value):
            shown = value.encode("unicode_escape").decode("ascii")
            raise _fail(f.name, f"« {shown} » contient un caractère de contrôle (tabulation, saut de ligne…)")
    for key, check in CHECKS.items():
        why = check(getattr(s, key))
        if why:
            raise _fail(key, why)
    if _series(s.format_numero_avoir) == _series(s.format_numero):
        raise _fail("format_numero_avoir", f"« {s.format_numero_avoir} » : les avoirs ont leur propre série, son "
                                           "préfixe doit différer de celui de format_numero (ex. AV{year}{seq:06d})")
    return s


def _series(number_format: str) -> str:
    """A number format without its sequence: what names its counter (two series never share one)."""
    return re.sub(r"\{seq(:[^}]*)?\}", "", number_format).casefold()


def _valid_vat_number(number: str) -> bool:
    from stdnum.eu import vat as eu_vat

    return eu_vat.is_valid(number)


def _coerce(key: str, value, default):
    if isinstance(default, Decimal):
        if isinstance(value, bool):
            raise _fail(key, f"« {value} » n'est pas un nombre")
        try:
            return Decimal(str(value).strip().replace(",", "."))
        except InvalidOperation:
            raise _fail(key, f"« {value} » n'est pas un nombre")
    if isinstance(default, bool):
        raise _fail(key, "paramètre interne")
    if isinstance(default, int):
        if isinstance(value, str) and value.strip().isdigit():
            return int(value.strip())
        if isinstance(value, bool) or not isinstance(value, int):
            raise _fail(key, f"« {value} » n'est pas un nombre entier")
        return value
    if not isinstance(value, str):
        raise _fail(key, f"« {value} » n'est pas un texte (écrivez-le entre guillemets)")
    return value


# What each key means, for the `Paramètres` sheet (French, shown to the user).
EXPLANATIONS = {
    "base": "Base Gestan : sqlite:///chemin.db, un DSN ODBC, ou une adresse dont le mot de passe est ${VARIABLE}",
    "famille_produits": "Famille des produits créés pour les références Amazon inconnues",
    "famille_port": "Famille du produit de port",
    "produit_port": "Produit des lignes de frais de port",
    "fuseau_horaire": "Fuseau horaire du vendeur (date des factures)",
    "jeu_caracteres": "Jeu de caractères de la base Gestan",
    "format_numero": "Numéro de facture : {year} et {seq:06d} seulement",
    "format_numero_avoir": "Numéro d'avoir (série à part, sans trou) : {year} et {seq:06d} seulement",
    "taux_tva_defaut": "Taux de TVA (%) quand ni Amazon ni Gestan ne le donnent",
    "canal_defaut": "Canal de vente quand la colonne sales-channel est vide",
    "produit_remise": "Produit des lignes de remise",
    "produit_emballage": "Produit des lignes d'emballage cadeau",
    "mapping": "Fichier de correspondance des noms de tables et colonnes (facultatif)",
    "taille_max_mo": "Taille maximale d'un export (Mo)",
    "lignes_max": "Nombre maximal de lignes d'un export",
    "attente_verrou_s": "Attente maximale d'une base occupée ou d'un serveur qui ne répond pas (secondes)",
    "regime_ue": "Ventes aux particuliers de l'UE : oss (TVA du pays d'arrivée) ou france (sous le seuil de 10 000 €)",
    "taux_change": "Fichier des taux de change BCE (format eurofxref-hist.csv) pour les commandes hors euro",
    "date_facture": "Date des factures : integration (jour de l'intégration) ou achat (date de la vente)",
    "vies": "Vérifier les numéros de TVA des clients professionnels de l'UE dans VIES : oui ou non",
    "vies_url": "Adresse du service VIES de la Commission européenne",
    "tva_vendeur": "Votre numéro de TVA intracommunautaire (VIES rend alors un numéro de consultation)",
    "franchise_tva": "Franchise en base de TVA (art. 293 B du CGI) : oui ou non",
    "stock_fba": "Ventes expédiées par Amazon (FBA) : sortir aussi le stock de Gestan, oui ou non",
    "fba_hors_france": "Expéditions FBA parties d'un centre hors de France : erreur (vide) ou ignorer",
    "mention_ic": "Mention des livraisons intracommunautaires (autoliquidation)",
    "mention_export": "Mention des exportations",
    "mention_franchise": "Mention de la franchise en base",
}


def _known() -> dict:
    return {f.name: f.default for f in fields(Settings) if f.name != "base_explicite"}


def from_mapping(data: dict, base: Settings | None = None, source: str = "les paramètres",
                 folder: Path | None = None) -> Settings:
    """Settings from key/value pairs (a TOML file, the `Paramètres` sheet) over `base`; relative paths
    are taken from `folder` (the settings file's own folder)."""
    known = _known()
    values: dict = {}
    for key, value in data.items():
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f" (vouliez-vous dire « {close[0]} » ?)" if close else ""
            raise SettingsError(f"Paramètre « {key} » inconnu dans {source}{hint}.")
        if isinstance(value, float) and value.is_integer() and isinstance(known[key], int) \
                and not isinstance(known[key], bool):
            value = int(value)  # a sheet gives numbers as floats
        if key in (*PATH_KEYS, "tva_vendeur") and not isinstance(value, str):
            value = str(value)
        if key in CHOICES and isinstance(value, str):
            value = value.strip().casefold()
        values[key] = _coerce(key, value, known[key])
    if folder is not None:
        for key in PATH_KEYS:
            if values.get(key):
                values[key] = str(_beside(folder, values[key]))
        if "base" in values:
            values["base"] = sqlite_beside(folder, values["base"])
    if "base" in values:
        values["base_explicite"] = True
        _refuse_literal_password(values["base"])
    return validate(replace(base or Settings(), **values))


def _is_absolute(path: str) -> bool:
    return Path(path).is_absolute() or PureWindowsPath(path).is_absolute() or path.startswith(("/", "\\"))


def _beside(folder: Path, path: str) -> Path:
    return Path(path) if _is_absolute(path) or path.startswith("~") else folder / path


_SQLITE_FILE_RE = re.compile(r"^(sqlite(?:\+\w+)?:///)([^?]+)(\?.*)?$")


def sqlite_beside(folder: Path, url: str) -> str:
    """`sqlite:///gestan.db` in a settings file means the gestan.db beside that file."""
    m = _SQLITE_FILE_RE.match(url)
    if not m or m.group(2) == ":memory:" or m.group(2).startswith("file:") or _is_absolute(m.group(2)):
        return url
    return f"{m.group(1)}{(folder / m.group(2)).as_posix()}{m.group(3) or ''}"


def _refuse_literal_password(url: str) -> None:
    m = re.match(r"^[^:/]+://[^:/@]*:([^@]*)@", url)
    if m and not re.fullmatch(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}", m.group(1)):
        raise SettingsError(
            "Un mot de passe ne doit jamais figurer dans les paramètres : écrivez ${NOM_VARIABLE} à sa place "
            "et définissez cette variable d'environnement, ou utilisez un DSN ODBC.")


def describe_for_sheet(s: Settings) -> list[list[str]]:
    rows = []
    for key in EXPLANATIONS:
        value = getattr(s, key)
        rows.append([key, "" if value is None else str(value), EXPLANATIONS[key]])
    return rows


def candidates() -> list[Path]:
    """Where settings are looked for without --config: the current folder, then the home folder (the one
    place Excel, whose current folder is not the user's, can find them)."""
    return [Path(DEFAULT_FILE), Path.home() / DEFAULT_FILE]


def load(config: str | Path | None = None, **overrides) -> Settings:
    """Defaults, then the TOML file (explicit path, else ./amazon_addin.toml, else ~/amazon_addin.toml)."""
    from .tomlfile import read_toml

    if config:
        path = Path(config)
        if path.is_dir():
            raise SettingsError(f"Le fichier de paramètres « {path} » est un dossier : donnez le chemin du "
                                f"fichier lui-même (ex. {path / DEFAULT_FILE}).")
        if not path.is_file():
            raise SettingsError(f"Fichier de paramètres « {path} » introuvable (dossier courant : {Path.cwd()}).")
    else:
        path = next((p for p in candidates() if p.is_file()), None)
    settings = Settings()
    if path is None:
        details.info("Paramètres : aucun fichier (%s) ; valeurs par défaut.",
                     " ni ".join(f"« {p} »" for p in candidates()))
    else:
        data, encoding = read_toml(path, "Fichier de paramètres")
        details.info("Paramètres : « %s » lu (%s).", path.resolve(), encoding)
        settings = from_mapping(data, source=f"« {path} »", folder=path.resolve().parent)
    extra = {k: v for k, v in overrides.items() if v is not None}
    return validate(replace(settings, **extra)) if extra else settings
