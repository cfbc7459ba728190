"""`check-db --proposer`: a ready mapping for a base, from what it really has.

Each reference table and column is matched to the base's own: the known Gestan 15 names first (the
`gestan15` profile, converters included), then names that look alike (difflib, with the abbreviations a
French ERP uses: QTE, MTT_, CD_, LIB_, MVT) among columns of a compatible type. Every guess is commented,
every gap is left "à compléter" and listed at the end.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from sqlalchemy import Boolean, Date, DateTime, Float, Integer, Numeric, String, inspect

from ..tomlfile import read_toml
from .schema import PROFILES, REFERENCE, TODO

OWN_TABLES = ("imports_amazon", "integrations_amazon", "compteurs")  # the add-in's: init-db creates them
THRESHOLD = 0.6
BOOLEANS = {name for cols in REFERENCE.values() for name, t, _ in cols if t is Boolean or isinstance(t, Boolean)}
SYNONYMS = {
    "familles": ["famprod", "famille", "familleproduit"],
    "produits": ["produit", "article", "articles"],
    "clients": ["contact", "client"],
    "factures": ["facture"],
    "lignes_facture": ["lignefacture", "lignesfacture", "factureligne", "lignfac", "detailfacture"],
    "mouvements_stock": ["mvtstock", "mouvementstock", "mouvementsstock", "stockmvt", "mvtstk"],
    "codes_postaux": ["cpostaux", "codespostaux", "codepostal", "cpostal"],
    "quantite": ["qte", "qty", "quantite"],
    "rang": ["numligne", "noligne", "ordre", "rang"],
    "prix_unitaire_ht": ["puht", "prixunitaireht", "puventeht"],
    "montant_ht": ["mttht", "montantht"], "montant_tva": ["mtttva", "montanttva"], "montant_ttc": ["mttttc"],
    "taux_tva": ["txtva", "tauxtva", "txtvavente"],
    "produit_code": ["cdproduit", "codeproduit"],
    "libelle": ["lib", "libelle", "designation"],
    "facture_id": ["idfacture"],
    "date": ["dt", "date"],
    "code_postal": ["cpostal", "codepostal", "cp"],
    "pays": ["cdpays", "pays"],
    "ville": ["ville", "commune"],
    "code": ["cd", "code"],
}


def _norm(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", name.casefold())


def score(ref: str, real: str) -> float:
    """How much `real` looks like the reference name `ref`, 0 to 1."""
    target = _norm(real)
    best = 0.0
    for word in [_norm(ref), *SYNONYMS.get(ref, [])]:
        best = max(best, difflib.SequenceMatcher(None, word, target).ratio())
        if len(word) >= 2 and target.startswith(word) and word != target:
            best = max(best, 0.75)
    return best


def _kind(type_) -> str:
    if isinstance(type_, type):
        type_ = type_()  # the reference declares some types by their class
    if isinstance(type_, (Boolean, Integer)):
        return "int"
    if isinstance(type_, (Numeric, Float)):
        return "num"
    if isinstance(type_, (Date, DateTime)):
        return "date"
    return "text" if isinstance(type_, String) else "other"


def _fits(ref_type, real_type) -> bool:
    a, b = _kind(ref_type), _kind(real_type)
    return a == b or {a, b} == {"int", "num"} or b == "other"


@dataclass
class Proposal:
    lines: list[str] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)  # "table.column" still à compléter

    @property
    def text(self) -> str:
        tail = ["", "# Écarts à compléter à la main :" if self.gaps else "# Aucun écart : tout est trouvé."]
        tail += [f"#   {g}" for g in self.gaps]
        return "\n".join(self.lines + tail) + "\n"


def _quoted(value) -> str:
    if value is False:
        return "false"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_quoted(v)}" for k, v in value.items()) + " }"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"' if isinstance(value, str) else str(value)


def propose(conn) -> Proposal:
    known, _ = read_toml(PROFILES / "gestan15.toml", "Profil gestan15")
    insp = inspect(conn)
    stored = {name.casefold(): name for name in insp.get_table_names()}
    out = Proposal(["# Correspondance proposée par « amazon-addin check-db --proposer » : relisez chaque ligne",
                    "# « deviné » avant de l'utiliser (paramètre mapping)."])
    taken: set[str] = set()
    for ref in REFERENCE:
        real, why = _table(ref, known.get(ref, {}), stored, taken)
        out.lines += ["", f"[{ref}]"]
        if real is None and ref in OWN_TABLES:
            out.lines.append("# table d'AmazonImport : « amazon-addin init-db » la crée sous ce nom")
            continue
        if real is None:
            out.lines.append(f'table = "{TODO}"  # aucune table ressemblante dans la base')
            out.gaps.append(f"{ref}.table")
            continue
        taken.add(real)
        out.lines.append(f'table = "{real}"  # {why}' if real != ref else f"# table trouvée sous son nom : {ref}")
        _columns(out, ref, real, known.get(ref, {}) if why.startswith("nom Gestan") else {}, insp)
    return out


def _table(ref: str, known: dict, stored: dict, taken: set) -> tuple[str | None, str]:
    name = known.get("table")
    if isinstance(name, str) and name.casefold() in stored and name != TODO:
        return stored[name.casefold()], "nom Gestan 15 connu"
    if ref.casefold() in stored:
        return stored[ref.casefold()], "nom de référence"
    if ref in OWN_TABLES:
        return None, ""
    scored = sorted(((score(ref, real), real) for real in stored.values() if real not in taken), reverse=True)
    if scored and scored[0][0] >= THRESHOLD:
        return scored[0][1], f"deviné : ressemble à « {ref} » ({scored[0][0]:.2f})"
    return None, ""


def _columns(out: Proposal, ref: str, real: str, known: dict, insp) -> None:
    columns = {c["name"]: c for c in insp.get_columns(real)}
    folded = {name.casefold(): name for name in columns}
    pk = insp.get_pk_constraint(real).get("constrained_columns") or []
    used: set[str] = set()
    declared = {name: type_ for name, type_, _ in REFERENCE[ref]}
    for name, type_, opts in REFERENCE[ref]:
        value = known.get(name)
        line = _known_column(name, value, folded)
        if line is not None:
            out.lines.append(line[0])
            used.update(line[1])
            continue
        if name == "id" and opts.get("primary_key") and len(pk) == 1 and pk[0] not in used:
            out.lines.append(f'id = "{pk[0]}"  # deviné : la clé primaire de {real}')
            used.add(pk[0])
            continue
        if name in folded and folded[name] not in used:
            used.add(folded[name])
            continue  # under its reference name: nothing to write
        guess = _guess(name, declared[name], columns, used)
        if guess is None:
            out.lines.append(f'{name} = "{TODO}"  # aucune colonne ressemblante')
            out.gaps.append(f"{ref}.{name}")
            continue
        used.add(guess[0])
        out.lines.append(f"{name} = {_quoted(_with_converter(name, declared[name], columns[guess[0]]))}"
                         f"  # deviné ({guess[1]:.2f})")


def _known_column(name: str, value, folded: dict) -> tuple[str, set] | None:
    """The profile's line for this column, when the base really has the names it uses."""
    if value is False:
        return f"{name} = false  # absente de Gestan 15", set()
    real = value.get("colonne") if isinstance(value, dict) else value
    if isinstance(value, dict) and "numerotation" in value:
        return f"{name} = {_quoted(value)}  # Gestan numérote ses factures", set()
    if not isinstance(real, str) or real.casefold() not in folded:
        return None
    spelled = folded[real.casefold()]
    value = dict(value, colonne=spelled) if isinstance(value, dict) else spelled
    return f"{name} = {_quoted(value)}  # nom Gestan 15 connu", {spelled}


def _guess(name: str, type_, columns: dict, used: set) -> tuple[str, float] | None:
    scored = sorted(((score(name, real), real) for real, c in columns.items()
                     if real not in used and _fits(type_, c["type"])), reverse=True)
    if scored and scored[0][0] >= THRESHOLD:
        return scored[0][1], scored[0][0]
    return None


def _with_converter(name: str, type_, real: dict):
    """A guessed column with the converter its shape asks for: alpha-3 countries, flags kept as integers."""
    length = getattr(real["type"], "length", None)
    if (name == "pays" or name.endswith("_pays")) and length == 3:
        return {"colonne": real["name"], "convertir": "pays", "format": "alpha3"}
    if _kind(type_) == "int" and name in BOOLEANS and _kind(real["type"]) == "int" and not isinstance(real["type"], Boolean):
        return {"colonne": real["name"], "convertir": "booleen_entier"}
    return real["name"]
