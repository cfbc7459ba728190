"""TOML files as Windows users write them (settings, mapping): Notepad's BOM, PowerShell's UTF-16, cp1252,
and backslash paths, each read or refused with one French sentence.

TOML reads `\\t`, `\\n`, `\\U…` inside "double quotes" as escapes: `"C:\\temp\\new.db"` silently becomes a TAB and
a newline, `"C:\\Gestan\\m.toml"` a syntax error. No setting ever needs such an escape, so a double-quoted
value holding one is refused with the advice to write it between apostrophes ('C:\\temp\\new.db', TOML's
literal string, read as is) or with `/`.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from .errors import SettingsError
from .reader import decode_text

ENCODING_FR = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 avec BOM", "utf-16": "UTF-16", "cp1252": "Windows-1252"}

_KEY_RE = re.compile(r"""^\s*("[^"]*"|'[^']*'|[A-Za-z0-9_.-]+)\s*=""")
# Escapes a setting may hold: an escaped backslash or quote, a Unicode code point.
_HARMLESS_ESCAPE = re.compile(r'\\(?:\\|"|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8})')
_ESCAPE_NAMES = {"t": "une tabulation", "n": "un saut de ligne", "r": "un retour chariot", "b": "un retour arrière",
                 "f": "un saut de page", "e": "un caractère d'échappement"}

# tomllib's English messages (Python 3.11-3.13), said in French.
_SYNTAX_FR = [
    (r"Expected '=' after a key", "« = » attendu après le nom du paramètre"),
    (r"Invalid value", "valeur illisible (un texte s'écrit entre guillemets ou apostrophes : cle = 'valeur')"),
    (r"Invalid statement|Invalid initial character for a key part|Found invalid character",
     "ligne illisible (attendu : cle = 'valeur')"),
    (r"Unterminated string|Unclosed", "guillemet, crochet ou accolade non refermé"),
    (r"Cannot (overwrite a value|declare .* twice)|Duplicate", "paramètre ou section écrit deux fois"),
    (r"Expected newline or end of document", "une seule valeur par ligne est permise"),
    (r"Illegal character", "caractère interdit dans une valeur"),
    (r"Unescaped '\\'|Invalid hex value|Unicode scalar", "barre oblique inverse mal placée : écrivez la valeur "
                                                        "entre apostrophes ('C:\\dossier\\fichier') ou avec des /"),
    (r"date|time", "date ou heure illisible"),
]


def read_toml(path: Path, what: str) -> tuple[dict, str]:
    """(data, encoding in French) of a TOML file; `what` names it in messages ("Fichier de paramètres")."""
    try:
        raw = path.read_bytes()
    except IsADirectoryError:
        raise SettingsError(f"{what} « {path} » est un dossier : donnez le chemin du fichier lui-même.")
    except PermissionError:
        raise SettingsError(f"{what} « {path} » illisible : droits de lecture refusés.")
    except FileNotFoundError:
        raise SettingsError(f"{what} « {path} » introuvable.")
    except OSError as exc:
        raise SettingsError(f"{what} « {path} » illisible ({exc.strerror or 'erreur du système'}).")
    if b"\x00" in raw and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SettingsError(f"{what} « {path} » illisible : ce n'est pas un fichier texte, ou un UTF-16 sans "
                            "marque d'ordre ; enregistrez-le en UTF-8 (Bloc-notes : Enregistrer sous, Encodage "
                            "UTF-8).")
    text, encoding = decode_text(raw)
    if "\ufffd" in text:
        raise SettingsError(f"{what} « {path} » illisible : des octets ne sont pas du texte ; enregistrez-le en "
                            "UTF-8 (Bloc-notes : Enregistrer sous, Encodage UTF-8).")
    _refuse_escapes(text, path, what)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{what} « {path} » illisible{_where(str(exc))} : {_syntax_fr(str(exc))}.")
    return data, ENCODING_FR.get(encoding, encoding)


def _where(message: str) -> str:
    m = re.search(r"line (\d+), column (\d+)", message)
    return f" à la ligne {m.group(1)}, colonne {m.group(2)}" if m else ""


def _syntax_fr(message: str) -> str:
    for pattern, french in _SYNTAX_FR:
        if re.search(pattern, message, re.I):
            return french
    return "syntaxe incorrecte (attendu : une ligne cle = 'valeur' par paramètre)"


def _refuse_escapes(text: str, path: Path, what: str) -> None:
    for number, key, value in _basic_strings(text):
        rest = _HARMLESS_ESCAPE.sub("", value)
        pos = rest.find("\\")
        if pos < 0:
            continue
        after = rest[pos + 1: pos + 2]
        means = _ESCAPE_NAMES.get(after)
        why = f"« \\{after} » y serait lu comme {means}" if means else "TOML refuse cette barre oblique inverse"
        plain = value.replace("\\\\", "\\")
        raise SettingsError(
            f"{what} « {path} », ligne {number} ({key}) : « {plain} » contient des barres obliques inverses "
            f"entre guillemets, {why} ; écrivez la valeur entre apostrophes ('{plain}') ou avec des / "
            f"({plain.replace(chr(92), '/')}).")


def _basic_strings(text: str):
    """(line number, key, raw content) of each one-line "double-quoted" string, skipping comments,
    'literal' strings and multi-line strings (which a setting does not need)."""
    for number, line in enumerate(text.splitlines(), start=1):
        m = _KEY_RE.match(line)
        key = m.group(1).strip("\"'") if m else "?"
        i, n = (m.end() if m else 0), len(line)
        while i < n:
            c = line[i]
            if c == "#":
                break
            if line.startswith(('"""', "'''"), i):
                break  # multi-line strings: left to TOML
            if c == "'":
                end = line.find("'", i + 1)
                i = n if end < 0 else end + 1
                continue
            if c == '"':
                j = i + 1
                while j < n and line[j] != '"':
                    j += 2 if line[j] == "\\" else 1
                yield number, key, line[i + 1: min(j, n)]
                i = j + 1
                continue
            i += 1
