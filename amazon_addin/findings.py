"""The catalogue of findings: one small class per stable code, with its severity and French template.

Modelled on frictionless-py's error catalogue: a finding knows its code, severity, message template,
and where it is (1-based sheet row, canonical column name, cell address).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

ERROR = "error"
WARNING = "warning"
INFO = "info"
SEVERITY_RANK = {ERROR: 0, WARNING: 1, INFO: 2}
SEVERITY_FR = {ERROR: "erreur", WARNING: "avertissement", INFO: "information"}


@dataclass(eq=False)
class Finding:
    code: ClassVar[str] = "FINDING"
    severity_default: ClassVar[str] = INFO
    title: ClassVar[str] = ""
    template: ClassVar[str] = "{detail}"

    row: int
    column: str | None
    cell: str | None = None
    suggestion: str | None = None
    params: dict = field(default_factory=dict)
    severity: str = ""
    # Position of the column in the sheet (for sorting); -1 when the finding has no column.
    col_index: int = -1

    def __post_init__(self) -> None:
        if not self.severity:
            self.severity = self.severity_default

    @property
    def message(self) -> str:
        return self.template.format(**self.params)

    def sort_key(self) -> tuple:
        return (self.row, self.col_index, self.code)

    def to_dict(self) -> dict:
        return {
            "row": self.row,
            "column": self.column,
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "suggestion": self.suggestion,
            "cell": self.cell,
        }


class MissingColumn(Finding):
    code = "E_COLONNE_MANQUANTE"
    severity_default = ERROR
    title = "Colonne manquante"
    template = "La colonne obligatoire « {name} » est absente de la ligne d'en-tête."


class EmptyField(Finding):
    code = "E_CHAMP_VIDE"
    severity_default = ERROR
    title = "Champ vide"
    template = "Le champ « {name} » est vide ; il est obligatoire pour créer la facture."


class BadCharacters(Finding):
    code = "E_CARACTERES"
    severity_default = ERROR
    title = "Caractères non reconnus"
    template = "Caractères non reconnus : {detail}."


class BadQuantity(Finding):
    code = "E_QUANTITE"
    severity_default = ERROR
    title = "Quantité invalide"
    template = "Quantité « {value} » invalide : un nombre entier supérieur ou égal à 1 est attendu."


class BadAmount(Finding):
    code = "E_MONTANT"
    severity_default = ERROR
    title = "Montant invalide"
    template = "Montant « {value} » invalide : {detail}."


class BadDate(Finding):
    code = "E_DATE"
    severity_default = ERROR
    title = "Date illisible"
    template = (
        "Date « {value} » illisible : formats acceptés 2017-02-07T14:19:32+00:00, 07/02/2017 14:19 "
        "ou une date Excel."
    )


class BadIdentifier(Finding):
    code = "E_IDENTIFIANT"
    severity_default = ERROR
    title = "Identifiant abîmé par Excel"
    template = "{detail}"


class BadBoolean(Finding):
    code = "E_BOOLEEN"
    severity_default = ERROR
    title = "Valeur oui/non illisible"
    template = "Valeur « {value} » illisible : true ou false attendu."


class VatMismatch(Finding):
    code = "E_TVA_INCOHERENTE"
    severity_default = ERROR
    title = "TVA incohérente"
    template = "TVA incohérente : TTC {ttc} ≠ HT {ht} + TVA {tva} (écart {gap})."


class OrderMismatch(Finding):
    code = "E_COMMANDE_INCOHERENTE"
    severity_default = ERROR
    title = "Commande incohérente"
    template = (
        "Les lignes de la commande {order} ne concordent pas : « {value} » ici, « {first} » "
        "à la ligne {first_row}."
    )


class BadCountry(Finding):
    code = "E_PAYS"
    severity_default = ERROR
    title = "Pays inconnu"
    template = "Pays « {value} » inconnu : un code ISO 3166 à deux lettres est attendu (FR, BE, DE…)."


class BadCurrency(Finding):
    code = "E_DEVISE"
    severity_default = ERROR
    title = "Devise inconnue"
    template = "Devise « {value} » inconnue : un code ISO 4217 est attendu (EUR, GBP…)."


class VatRate(Finding):
    code = "W_TAUX_TVA"
    severity_default = WARNING
    title = "Taux de TVA inhabituel"
    template = (
        "La TVA {tva} sur {ttc} TTC donne un taux de {rate} %, qui n'est pas un taux légal en {country} "
        "au {day} ({legal})."
    )


class VatComputed(Finding):
    code = "W_TVA_CALCULEE"
    severity_default = WARNING
    title = "TVA calculée"
    template = (
        "Amazon n'indique pas de TVA pour une vente taxable en {country} : elle sera calculée au taux "
        "de {rate} % ({tva} sur {ttc} TTC)."
    )


class PostcodeRestored(Finding):
    code = "W_CP_COMPLETE"
    severity_default = WARNING
    title = "Code postal incomplet"
    template = (
        "Code postal « {value} » : le zéro initial a été perdu (Excel) ; le code postal {country} "
        "correct est « {fixed} »."
    )


class PhoneRestored(Finding):
    code = "W_TEL_COMPLETE"
    severity_default = WARNING
    title = "Téléphone incomplet"
    template = "Téléphone « {value} » : le zéro initial a été perdu (Excel) ; numéro corrigé « {fixed} »."


class NewProduct(Finding):
    code = "W_PRODUIT_NOUVEAU"
    severity_default = WARNING
    title = "Produit nouveau"
    template = "Le produit « {sku} » n'existe pas dans Gestan : il sera créé dans la famille {family}."


class NewCity(Finding):
    code = "W_VILLE_NOUVELLE"
    severity_default = WARNING
    title = "Ville nouvelle"
    template = "« {postcode} {city} » ({country}) n'est pas dans la table des codes postaux : il y sera ajouté."


class EarlierDate(Finding):
    code = "W_DATE_ANTERIEURE"
    severity_default = WARNING
    title = "Date antérieure"
    template = "La facture serait datée du {day}, avant la dernière facture de {year} ({last})."


class AlreadyIntegrated(Finding):
    code = "I_DEJA_INTEGREE"
    severity_default = INFO
    title = "Déjà intégrée"
    template = "La commande {order} est déjà dans Gestan (facture {invoice}) : Intégrer la passera."


class RoundingGap(Finding):
    code = "I_ECART_ARRONDI"
    severity_default = INFO
    title = "Écart d'arrondi"
    template = (
        "Écart d'arrondi de {gap} : HT {ht} + TVA {tva} ≠ TTC {ttc} ; la TVA enregistrée sera {fixed} "
        "pour que le TTC reste celui d'Amazon."
    )


class HiddenRows(Finding):
    code = "I_LIGNES_MASQUEES"
    severity_default = INFO
    title = "Lignes masquées"
    template = "{count} ligne(s) masquée(s) ou filtrée(s)"

    @property
    def message(self) -> str:  # the export is the truth: hidden rows count like the others, said out loud
        n = self.params["count"]
        if n == 1:
            return ("1 ligne de la feuille est masquée ou filtrée : elle est vérifiée et intégrée comme les "
                    "autres (l'export fait foi).")
        return (f"{n} lignes de la feuille sont masquées ou filtrées : elles sont vérifiées et intégrées comme "
                "les autres (l'export fait foi).")


CATALOGUE: dict[str, type[Finding]] = {
    cls.code: cls
    for cls in (
        MissingColumn, EmptyField, BadCharacters, BadQuantity, BadAmount, BadDate, BadIdentifier, BadBoolean,
        VatMismatch, OrderMismatch, BadCountry, BadCurrency, VatRate, VatComputed, PostcodeRestored,
        PhoneRestored, NewProduct, NewCity, EarlierDate, AlreadyIntegrated, RoundingGap, HiddenRows,
    )
}


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Sorted by row, column position, code; at most one finding per (row, column, code)."""
    seen: set[tuple] = set()
    out = []
    for f in sorted(findings, key=Finding.sort_key):
        key = (f.row, f.column, f.code)
        if key in seen:
            continue
        seen.add(key)
        out.append(f)
    return out


def count_by_severity(findings: list[Finding]) -> dict[str, int]:
    counts = {ERROR: 0, WARNING: 0, INFO: 0}
    for f in findings:
        counts[f.severity] += 1
    return counts
