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
# The European Commission's VIES REST service ("check-vat-number"); a setting so tests use a local stand-in.
VIES_URL = "https://ec.europa.eu/taxation_customs/vies/rest-api/check-vat-number"
# Keys whose value is one of a few words (SPEC §5, §7 "Money and VAT").
CHOICES = {
    "regime_ue": ("oss", "france"),
    "date_facture": ("integration", "achat"),
    "vies": ("oui", "non"),
    "franchise_tva": ("oui", "non"),
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
    mention_ic: str = "Exonération de TVA, article 262 ter I du CGI – Autoliquidation"
    mention_export: str = "Exonération de TVA, article 262 I du CGI"
    mention_franchise: str = "TVA non applicable, art. 293 B du CGI"
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
                "produit_emballage", "mention_ic", "mention_export", "mention_franchise"):
        if not str(getattr(s, key)).strip():
            raise _fail(key, "une valeur non vide est attendue")
    for key, allowed in CHOICES.items():
        if getattr(s, key) not in allowed:
            raise _fail(key, f"« {getattr(s, key)} » : valeurs possibles " + " ou ".join(allowed))
    if not re.match(r"^https?://[^\s/]+", s.vies_url or ""):
        raise _fail("vies_url", "une adresse http:// ou https:// est attendue")
    if s.tva_vendeur is not None and not _valid_vat_number(s.tva_vendeur):
        raise _fail("tva_vendeur", f"« {s.tva_vendeur} » n'est pas un numéro de TVA intracommunautaire valide")
    return s


def _valid_vat_number(number: str) -> bool:
    from stdnum.eu import vat as eu_vat

    return eu_vat.is_valid(number)


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


# What each key means, for the `Paramètres` sheet (French, shown to the user).
EXPLANATIONS = {
    "base": "Base Gestan : sqlite:///chemin.db, un DSN ODBC, ou une adresse dont le mot de passe est ${VARIABLE}",
    "famille_produits": "Famille des produits créés pour les références Amazon inconnues",
    "famille_port": "Famille du produit de port",
    "produit_port": "Produit des lignes de frais de port",
    "fuseau_horaire": "Fuseau horaire du vendeur (date des factures)",
    "jeu_caracteres": "Jeu de caractères de la base Gestan",
    "format_numero": "Numéro de facture : {year} et {seq:06d} seulement",
    "taux_tva_defaut": "Taux de TVA (%) quand ni Amazon ni Gestan ne le donnent",
    "canal_defaut": "Canal de vente quand la colonne sales-channel est vide",
    "produit_remise": "Produit des lignes de remise",
    "produit_emballage": "Produit des lignes d'emballage cadeau",
    "mapping": "Fichier de correspondance des noms de tables et colonnes (facultatif)",
    "taille_max_mo": "Taille maximale d'un export (Mo)",
    "lignes_max": "Nombre maximal de lignes d'un export",
    "attente_verrou_s": "Attente maximale d'une base occupée (secondes)",
    "regime_ue": "Ventes aux particuliers de l'UE : oss (TVA du pays d'arrivée) ou france (sous le seuil de 10 000 €)",
    "taux_change": "Fichier des taux de change BCE (format eurofxref-hist.csv) pour les commandes hors euro",
    "date_facture": "Date des factures : integration (jour de l'intégration) ou achat (date de la vente)",
    "vies": "Vérifier les numéros de TVA des clients professionnels de l'UE dans VIES : oui ou non",
    "vies_url": "Adresse du service VIES de la Commission européenne",
    "tva_vendeur": "Votre numéro de TVA intracommunautaire (VIES rend alors un numéro de consultation)",
    "franchise_tva": "Franchise en base de TVA (art. 293 B du CGI) : oui ou non",
    "mention_ic": "Mention des livraisons intracommunautaires (autoliquidation)",
    "mention_export": "Mention des exportations",
    "mention_franchise": "Mention de la franchise en base",
}


def _known() -> dict:
    return {f.name: f.default for f in fields(Settings) if f.name != "base_explicite"}


def from_mapping(data: dict, base: Settings | None = None, source: str = "les paramètres") -> Settings:
    """Settings from key/value pairs (a TOML file, the `Paramètres` sheet) over `base`."""
    known = _known()
    values: dict = {}
    for key, value in data.items():
        if key not in known:
            raise SettingsError(f"Paramètre « {key} » inconnu dans {source}.")
        if isinstance(value, float) and value.is_integer() and isinstance(known[key], int) \
                and not isinstance(known[key], bool):
            value = int(value)  # a sheet gives numbers as floats
        if key in ("mapping", "taux_change", "tva_vendeur") and not isinstance(value, str):
            value = str(value)
        if key in CHOICES and isinstance(value, str):
            value = value.strip().casefold()
        values[key] = _coerce(key, value, known[key])
    if "base" in values:
        values["base_explicite"] = True
        _refuse_literal_password(values["base"])
    return validate(replace(base or Settings(), **values))


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


def load(config: str | Path | None = None, **overrides) -> Settings:
    """Defaults, then the TOML file (explicit path, else ./amazon_addin.toml, else ~/amazon_addin.toml)."""
    if config:
        path = Path(config)
        if not path.is_file():
            raise SettingsError(f"Fichier de paramètres « {path} » introuvable.")
    else:
        path = next((p for p in (Path(DEFAULT_FILE), Path.home() / DEFAULT_FILE) if p.is_file()), Path(DEFAULT_FILE))
    settings = Settings()
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SettingsError(f"Fichier de paramètres « {path} » illisible : {exc}.")
        settings = from_mapping(data, source=f"« {path} »")
    extra = {k: v for k, v in overrides.items() if v is not None}
    return validate(replace(settings, **extra)) if extra else settings
