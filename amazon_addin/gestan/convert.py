"""Value converters a mapping declares per column, for a base that differs from the reference in shape.

Each converter becomes the SQLAlchemy type of its column, so the conversion happens at the one place where a
value becomes a target value: when it is bound (INSERT, UPDATE and WHERE alike) and when it is read back. The
rest of the adapter keeps writing reference values (`"FR"`, `True`, the family code, the whole name).

A mapping column written as an inline table selects one, e.g. `pays = { colonne = "CDPAYS", convertir = "pays",
format = "alpha3" }`. The converters, with their rules:

- `pays`: ISO 3166 country codes, `format = "alpha3"` ("FR" ↔ "FRA") or `"alpha2"`; a code pycountry does
  not know is written as it is.
- `booleen_entier`: a flag stored as an integer (1/0), read back as True/False.
- `id_par_code`: `table = "familles"` (a reference table) and `id = "IDFAMPROD"` (that table's id column in
  the base): the family code is written as the id of the family whose code it is, read back as the code.
- `cle_courte`: `longueur = 12`: a key longer than the column becomes `#` followed by the first characters
  of the base32 SHA-256 of the whole key (stable, the same key always gives the same text), never a
  truncation that could merge two customers; a key that fits is written as it is.
- `nom_prenom`: `prenom = "PRENOM"`, `longueur_prenom = 20`: the reference name is split into family name
  (this column) and first name: one word → family name only; else the first word is the first name and the
  rest the family name; a first word longer than `longueur_prenom` → the whole name as family name. Vérifier
  checks the whole name against the family-name column (W_TEXTE_TRONQUE), so nothing is cut unannounced.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field

from sqlalchemy import Integer, String, column, select, table
from sqlalchemy.types import TypeDecorator

from ..errors import SettingsError

NAMES = ("pays", "booleen_entier", "id_par_code", "cle_courte", "nom_prenom")
SHORTEST_KEY = 8  # below this a hash of the key would no longer be safely unique


@dataclass(frozen=True)
class Spec:
    """One converter as the mapping declares it: its name and parameters (already checked)."""

    name: str
    params: dict = field(default_factory=dict)

    def param(self, key: str):
        return self.params[key]


def parse_spec(where: str, section: dict) -> tuple[str, Spec | None]:
    """`{ colonne = "REAL", convertir = "name", ... }` → (real column, Spec); a refusal names `where`."""
    real = section.get("colonne")
    if not isinstance(real, str) or not real.strip():
        raise SettingsError(f"Fichier de correspondance : « {where} » doit donner « colonne = \"NOM_REEL\" ».")
    name = section.get("convertir")
    params = {k: v for k, v in section.items() if k not in ("colonne", "convertir")}
    if name is None:
        if params:
            raise SettingsError(f"Fichier de correspondance : « {where} » a des paramètres sans « convertir ».")
        return real.strip(), None
    if name not in NAMES:
        raise SettingsError(f"Fichier de correspondance : convertisseur « {name} » inconnu dans « {where} » "
                            f"(attendu : {', '.join(NAMES)}).")
    wanted = {"pays": {"format"}, "booleen_entier": set(), "id_par_code": {"table", "id"},
              "cle_courte": {"longueur"}, "nom_prenom": {"prenom", "longueur_prenom"}}[name]
    if set(params) != wanted:
        said = ", ".join(sorted(wanted)) or "aucun"
        raise SettingsError(f"Fichier de correspondance : « {where} » (convertir = \"{name}\") attend les "
                            f"paramètres : {said}.")
    _check_params(where, name, params)
    return real.strip(), Spec(name, params)


def _check_params(where: str, name: str, params: dict) -> None:
    def fail(why: str):
        raise SettingsError(f"Fichier de correspondance : « {where} » : {why}.")

    if name == "pays" and params["format"] not in ("alpha2", "alpha3"):
        fail("format doit valoir \"alpha2\" ou \"alpha3\"")
    if name == "cle_courte":
        n = params["longueur"]
        if not isinstance(n, int) or isinstance(n, bool) or n < SHORTEST_KEY:
            fail(f"longueur doit être un entier d'au moins {SHORTEST_KEY}")
    if name == "nom_prenom":
        n = params["longueur_prenom"]
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            fail("longueur_prenom doit être un entier positif")
        if not isinstance(params["prenom"], str) or not params["prenom"].strip():
            fail("prenom doit nommer la colonne du prénom")
    if name == "id_par_code":
        for key in ("table", "id"):
            if not isinstance(params[key], str) or not params[key].strip():
                fail(f"{key} doit être un nom non vide")


# --- the rules, as plain functions (each has worked examples in tests/test_convert.py) ---------------------

def country(code: str | None, fmt: str) -> str | None:
    """"FR" → "FRA" for alpha3, "FRA" → "FR" for alpha2; unknown codes unchanged."""
    import pycountry

    if code is None or not code.strip():
        return code
    found = pycountry.countries.get(alpha_2=code.upper()) if len(code) == 2 else \
        pycountry.countries.get(alpha_3=code.upper()) if len(code) == 3 else None
    if found is None:
        return code
    return found.alpha_3 if fmt == "alpha3" else found.alpha_2


def short_key(key: str | None, length: int) -> str | None:
    """The key itself when it fits; else `#` + base32 SHA-256, `length` characters in all (stable)."""
    if key is None or len(key) <= length:
        return key
    digest = base64.b32encode(hashlib.sha256(key.encode("utf-8")).digest()).decode("ascii")
    return "#" + digest[: length - 1]


def split_name(name: str | None, first_length: int) -> tuple[str | None, str | None]:
    """(first name, family name): "Jean Dupont" → ("Jean", "Dupont"); "Dupont" → (None, "Dupont")."""
    if name is None:
        return None, None
    words = name.split()
    if len(words) < 2 or len(words[0]) > first_length:
        return None, name.strip() or name
    return words[0], " ".join(words[1:])


# --- the rules as column types --------------------------------------------------------------------------

class CountryCode(TypeDecorator):
    impl = String
    cache_ok = True

    def __init__(self, fmt: str, length: int = 3):
        super().__init__(length)
        self.fmt = fmt

    def process_bind_param(self, value, dialect):
        return country(value, self.fmt)

    def process_result_value(self, value, dialect):
        return country(value, "alpha2")


class IntegerFlag(TypeDecorator):
    impl = Integer
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else int(bool(value))

    def process_result_value(self, value, dialect):
        return None if value is None else bool(value)


class ShortKey(TypeDecorator):
    """Remembers the keys it shortened, so a key read back is the one the adapter asked for."""

    impl = String
    cache_ok = False  # holds the keys it has seen

    def __init__(self, length: int):
        super().__init__(length)
        self.size = length
        self.seen: dict[str, str] = {}

    def process_bind_param(self, value, dialect):
        short = short_key(value, self.size)
        if short is not None and short != value:
            self.seen[short] = value
        return short

    def process_result_value(self, value, dialect):
        return self.seen.get(value, value)


class FamilyName(TypeDecorator):
    """The family-name part of a whole name; the first name goes to the column `first_name_default` fills."""

    impl = String
    cache_ok = True

    def __init__(self, length: int | None, first_length: int):
        super().__init__(length)
        self.first_length = first_length

    def process_bind_param(self, value, dialect):
        return split_name(value, self.first_length)[1]


class IdByCode(TypeDecorator):
    """Written as `(SELECT id FROM family WHERE code = ?)`, read as `(SELECT code ... WHERE id = col)`:
    both inside the statement, so no extra round trip and the same transaction."""

    impl = String  # the value bound is the code; the column itself holds the id
    cache_ok = False

    def __init__(self, real_table: str, id_col: str, code_col: str):
        super().__init__()
        self.ref = table(real_table, column(id_col), column(code_col))
        self.id_col, self.code_col = id_col, code_col

    def bind_expression(self, bindvalue):
        t = self.ref
        return select(t.c[self.id_col]).where(t.c[self.code_col] == bindvalue).scalar_subquery()

    def column_expression(self, col):
        t = self.ref
        return select(t.c[self.code_col]).where(t.c[self.id_col] == col).scalar_subquery()


def first_name_of(first_length: int):
    """The first name of a whole name, as `split_name` cuts it: how the bulk writer fills the first-name
    column from the name column, a whole column at a time (the same rule as the SQLAlchemy default)."""
    return lambda name: split_name(name, first_length)[0]


def first_name_default(ref_col: str, first_length: int):
    """The column default that fills the first-name column from the row's whole name."""
    def fill(context):
        return split_name(context.get_current_parameters().get(ref_col), first_length)[0]
    return fill


def column_type(spec: Spec, declared, mapping):
    """The SQLAlchemy type a converted column takes (`declared`: the reference type)."""
    length = getattr(declared, "length", None)
    if spec.name == "pays":
        return CountryCode(spec.param("format"), 3 if spec.param("format") == "alpha3" else 2)
    if spec.name == "booleen_entier":
        return IntegerFlag()
    if spec.name == "cle_courte":
        return ShortKey(spec.param("longueur"))
    if spec.name == "nom_prenom":
        return FamilyName(length, spec.param("longueur_prenom"))
    ref = spec.param("table")
    return IdByCode(mapping.table(ref), spec.param("id"), mapping.column(ref, "code"))
