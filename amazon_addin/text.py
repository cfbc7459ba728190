"""Text hygiene: control characters, U+FFFD, mojibake, and characters the Gestan charset cannot store."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class TextIssue:
    """What is wrong with one cell's text; `fixed` is the text with every repair applied (or None)."""

    reasons: tuple[str, ...]
    fixed: str | None
    severity: str  # "error" or "warning"


def _exact_mojibake(s: str) -> str | None:
    """The UTF-8 text that `s` is the cp1252/Latin-1 misreading of, when the inverse is exact."""
    for codec in ("cp1252", "latin-1"):
        try:
            repaired = s.encode(codec).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        if repaired != s:
            return repaired
    return None


def _probable_mojibake(s: str) -> str | None:
    import ftfy  # imported lazily: only non-ASCII cells get here

    if not ftfy.is_bad(s):
        return None
    fixed = ftfy.fix_encoding(s)
    return fixed if fixed != s else None


@lru_cache(maxsize=4096)
def _transliterate_char(ch: str, charset: str) -> str:
    for form in ("NFKC", "NFKD"):
        candidate = unicodedata.normalize(form, ch)
        if form == "NFKD":
            candidate = "".join(c for c in candidate if not unicodedata.combining(c))
        if candidate and candidate != ch and _encodable(candidate, charset):
            return candidate
    if unicodedata.category(ch) in ("So", "Sk", "Cs", "Co", "Cn", "Cf"):
        return ""  # emoji, pictographs, invisible formatting: nothing faithful to write
    from anyascii import anyascii

    return anyascii(ch)


def _encodable(s: str, charset: str) -> bool:
    try:
        s.encode(charset)
        return True
    except UnicodeEncodeError:
        return False


def transliterate(s: str, charset: str) -> str:
    """A faithful rendering of `s` in `charset`: `Łukasz` → `Lukasz`, `Ș` → `S`, `ﬁ` → `fi`."""
    out = []
    for ch in s:
        out.append(ch if _encodable(ch, charset) else _transliterate_char(ch, charset))
    # Dropped symbols must not leave double spaces behind.
    return " ".join("".join(out).split())


def unencodable(s: str, charset: str) -> list[str]:
    return sorted({ch for ch in s if not _encodable(ch, charset)})


def inspect(s: str, charset: str | None) -> TextIssue | None:
    """Check one cell. `charset` None means the column is not written to Gestan (no charset check)."""
    if s.isascii() and s.isprintable():
        return None  # the overwhelming majority of cells: nothing to do
    return _inspect(s, charset)


@lru_cache(maxsize=65536)  # names, cities and product labels repeat across rows
def _inspect(s: str, charset: str | None) -> TextIssue | None:
    reasons: list[str] = []
    severity = "warning"
    fixed = s
    if "\ufffd" in s:
        reasons.append("caractère de remplacement « \ufffd » (une lettre a été perdue à l'export)")
        severity = "error"
        fixed = fixed.replace("\ufffd", "")
    if _CONTROL_RE.search(s):
        codes = sorted({f"U+{ord(c):04X}" for c in _CONTROL_RE.findall(s)})
        reasons.append("caractères de contrôle invisibles (" + ", ".join(codes) + ")")
        severity = "error"
        fixed = " ".join(_CONTROL_RE.sub(" ", fixed).split())
    repaired = _exact_mojibake(fixed)
    if repaired is not None:
        reasons.append(f"texte mal décodé (« {s} » devrait être « {repaired} »)")
        severity = "error"
        fixed = repaired
    else:
        probable = _probable_mojibake(fixed)
        if probable is not None:
            reasons.append(f"texte probablement mal décodé (« {probable} » ?)")
            fixed = probable
    if charset is not None and not _encodable(fixed, charset):
        bad = unencodable(fixed, charset)
        if bad:
            shown = " ".join(bad[:8])
            verb = "ne peuvent pas être enregistrés" if len(bad) > 1 else "ne peut pas être enregistré"
            reasons.append(f"{shown} {verb} dans Gestan (jeu de caractères {charset})")
            severity = "error"
            fixed = transliterate(fixed, charset)
    if not reasons:
        return None
    return TextIssue(tuple(reasons), fixed if fixed != s else None, severity)


def plural(n: int, singular: str, many: str | None = None) -> str:
    """`n` and its noun agreed as French does: 0 and 1 take the singular ("1 erreur", "2 erreurs")."""
    return f"{n} {singular if abs(n) < 2 else (many or singular + 's')}"
