"""Settings of SPEC §5: defaults, `amazon_addin.toml` (current directory or --config), validation."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
import codecs
from decimal import Decimal, InvalidOperation

from .errors import SettingsError

DEFAULT_FILE = "amazon_addin.toml"


@dataclass(frozen=True)
class Settings:
    base: str = "sqlite:///gestan.db"
    famille_produits: str = "AMAZON"
    famille_port: str = "PORT"
    produit_port: str = "PORT"
    fuseau_horaire: str = "Europe/Paris"
    jeu_caracteres: str = "cp1252"
    format_numero: str = "FA{year}{seq:06d}"
    taux_tva_defaut: Decimal = Decimal("20")
    canal_defaut: str = "Amazon"
    produit_remise: str = "REMISE"
    produit_emballage: str = "EMBALLAGE"
    mapping: str | None = None
    taille_max_mo: int = 200
    lignes_max: int = 1048575
    attente_verrou_s: int = 30
    # True when `base` came from a file rather than the default (verifier only uses an explicit base).
    base_explicite: bool = False

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.fuseau_horaire)


_NUMBER_FORMAT_RE = re.compile(r"\{(year|seq(:0?\d+d)?)\}")


def _fail(key: str, why: str) -> SettingsError:
    return SettingsError(f"Paramètre « {key} » invalide : {why}.")


def validate(s: Settings) -> Settings:
    try:
        ZoneInfo(s.fuseau_horaire)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise _fail("fuseau_horaire", f"fuseau horaire « {s.fuseau_horaire} » inconnu (ex. Europe/Paris)")
    try:
        codecs.lookup(s.jeu_caracteres)
    except (LookupError, TypeError):
        raise _fail("jeu_caracteres", f"jeu de caractères « {s.jeu_caracteres} » inconnu (ex. cp1252)")
    rest = _NUMBER_FORMAT_RE.sub("", s.format_numero)
    if "{" in rest or "}" in rest or "{seq" not in s.format_numero:
        raise _fail("format_numero", "seuls {year} et {seq…} sont permis, et {seq…} est obligatoire")
    if not (Decimal(0) <= s.taux_tva_defaut < Decimal(100)):
        raise _fail("taux_tva_defaut", "un pourcentage entre 0 et 100 est attendu")
    for key in ("taille_max_mo", "lignes_max", "attente_verrou_s"):
        if getattr(s, key) <= 0:
            raise _fail(key, "un entier positif est attendu")
    for key in ("famille_produits", "famille_port", "produit_port", "canal_defaut", "produit_remise",
                "produit_emballage"):
        if not str(getattr(s, key)).strip():
            raise _fail(key, "une valeur non vide est attendue")
    return s


def _coerce(key: str, value, default):
    if key == "taux_tva_defaut":
        try:
            return Decimal(str(value).replace(",", "."))
        except InvalidOperation:
            raise _fail(key, f"« {value} » n'est pas un nombre")
    if isinstance(default, bool):
        raise _fail(key, "paramètre interne")
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise _fail(key, f"« {value} » n'est pas un nombre entier")
        return value
    if not isinstance(value, str):
        raise _fail(key, f"« {value} » n'est pas un texte")
    return value


def load(config: str | Path | None = None, **overrides) -> Settings:
    """Defaults, then the TOML file (explicit path must exist), then non-None overrides."""
    values: dict = {}
    path = Path(config) if config else Path(DEFAULT_FILE)
    if config and not path.is_file():
        raise SettingsError(f"Fichier de paramètres « {path} » introuvable.")
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SettingsError(f"Fichier de paramètres « {path} » illisible : {exc}.")
        known = {f.name: f.default for f in fields(Settings) if f.name != "base_explicite"}
        for key, value in data.items():
            if key not in known:
                raise SettingsError(f"Paramètre « {key} » inconnu dans « {path} ».")
            values[key] = _coerce(key, value, known[key])
        if "base" in values:
            values["base_explicite"] = True
    for key, value in overrides.items():
        if value is not None:
            values[key] = value
    return validate(replace(Settings(), **values))
