"""The catalogue of findings: one small class per stable code, with its severity and French template.

Modelled on frictionless-py's error catalogue: a finding knows its code, severity, message template,
and where it is (1-based sheet row, canonical column name, cell address).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import ClassVar

from .columns import MONEY

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
    # A finding said once for many cells (a new product, a new city): the other cells it covers, which Excel
    # colours without a note (SPEC §7: "every such cell is coloured, the first carries the note").
    also: tuple = ()

    def __post_init__(self) -> None:
        if not self.severity:
            self.severity = self.severity_default

    @property
    def message(self) -> str:
        # A code with several causes keeps one template per cause, chosen by the `case` parameter.
        template = self.template[self.params["case"]] if isinstance(self.template, dict) else self.template
        return template.format(**self.params)

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
    template = {
        "arithmetic": "TVA incohérente : TTC {ttc} ≠ HT {ht} + TVA {tva} (écart {gap}).",
        "above_ttc": "TVA incohérente : la TVA {tva} atteint ou dépasse le montant TTC {ttc} ; à {rate} % elle "
                     "serait de {fixed}.",
        "negative": "TVA incohérente : une TVA négative ({tva}) sur {ttc} TTC est impossible ; à {rate} % elle "
                    "serait de {fixed}.",
        "too_high": "TVA incohérente : {tva} sur {ttc} TTC fait un taux de {implied} %, au-delà de tout taux légal "
                    "(aucun taux de l'UE ne dépasse 27 %) ; à {rate} % elle serait de {fixed}.",
        "unbookable": "TVA incohérente : {tva} sur {ttc} TTC ({implied} %) ne peut pas être enregistrée de façon "
                      "cohérente à un taux à deux décimales ; à {rate} % elle serait de {fixed}.",
    }


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
    template = {
        "not_legal": "La TVA {tva} sur {ttc} TTC donne un taux de {rate} %, qui n'est pas un taux légal en {country} "
                     "au {day} ({legal}) ; elle est gardée telle qu'Amazon l'a donnée.",
        "catalogue": "La TVA d'Amazon {tva} sur {ttc} TTC ({rate} %) ne correspond pas au taux de {wanted} % du "
                     "produit dans Gestan : la facture porte {fixed} de TVA à {wanted} % (le catalogue fait foi), "
                     "jamais le montant d'Amazon.",
        "other_rate": "La TVA du port {tva} sur {ttc} TTC est au taux de {rate} %, pas à celui de l'article de la "
                      "ligne ({wanted} %) : elle est gardée telle qu'Amazon l'a donnée.",
    }


class VatComputed(Finding):
    code = "W_TVA_CALCULEE"
    severity_default = WARNING
    title = "TVA calculée"
    template = {
        "one": "Amazon n'indique pas de TVA pour une vente taxable en {country} : elle sera calculée au taux "
               "de {rate} % ({tva} sur {ttc} TTC).",
        "split": "Amazon n'indique pas de TVA sur le port d'une commande à plusieurs taux : le port sans TVA "
                 "({ttc} TTC) est réparti au prorata des articles TTC ({parts}), TVA calculée sur chaque part ; "
                 "indiquez la TVA du port de chaque ligne pour qu'elle suive son article.",
    }


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
    template = ("Le produit « {sku} » n'existe pas dans Gestan : il sera créé dans la famille {family}, au taux "
                "de {rate} % et au prix TTC de {price} ({count} ligne(s) de l'export).")


class NewCity(Finding):
    code = "W_VILLE_NOUVELLE"
    severity_default = WARNING
    title = "Ville nouvelle"
    template = ("« {postcode} {city} » ({country}) n'est pas dans la table des codes postaux : il y sera ajouté "
                "({count} ligne(s) de l'export).")


class EarlierDate(Finding):
    code = "E_DATE_ANTERIEURE"
    severity_default = ERROR
    title = "Date antérieure"
    template = ("La facture serait datée du {day} (paramètre date_facture = achat), avant la dernière facture de "
                "la série {series} ({last}) : les numéros doivent suivre les dates. Intégrez d'abord les commandes "
                "les plus anciennes, ou passez le paramètre date_facture à « integration ».")


class DuplicateRow(Finding):
    code = "W_LIGNE_DOUBLE"
    severity_default = WARNING
    title = "Ligne en double"
    template = ("Cette ligne répète la ligne {first_row} (commande {order}, article {item}) à l'identique "
                "(téléchargements fusionnés ?) : Intégrer l'ignorera.")


class ConflictingRow(Finding):
    code = "E_LIGNE_DOUBLE"
    severity_default = ERROR
    title = "Ligne en double"
    template = {
        "different": "La commande {order} a déjà l'article {item} à la ligne {first_row}, avec d'autres valeurs : "
                     "gardez la bonne ligne et supprimez l'autre.",
        "no_item_id": "Cette ligne répète la ligne {first_row} de la commande {order} à l'identique, et l'export n'a "
                      "pas de colonne order-item-id pour savoir s'il s'agit d'un second article : supprimez la copie.",
    }


class TooLongText(Finding):
    code = "W_TEXTE_TRONQUE"
    severity_default = WARNING
    title = "Texte tronqué"
    template = ("Texte de {length} caractères : la colonne {target} de Gestan n'en garde que {limit} ; Intégrer "
                "écrira le texte coupé.")


class TooLongKey(Finding):
    code = "E_TROP_LONG"
    severity_default = ERROR
    title = "Identifiant trop long"
    template = ("Identifiant de {length} caractères : la colonne {target} de Gestan n'en accepte que {limit}, et le "
                "couper pourrait confondre deux identifiants ; raccourcissez-le dans l'export et dans Gestan.")


class NegativeInvoice(Finding):
    code = "E_FACTURE_NEGATIVE"
    severity_default = ERROR
    title = "Facture négative"
    template = ("La facture de la commande {order} serait négative ({ttc} TTC) : les remises dépassent les montants "
                "vendus. Une facture négative est un avoir : corrigez les remises.")


class ExcessivePromotion(Finding):
    code = "W_REMISE_EXCESSIVE"
    severity_default = WARNING
    title = "Remise excessive"
    template = "La remise {promo} dépasse ce qu'elle réduit ({what} : {amount})."


class ModifiedOrder(Finding):
    code = "W_COMMANDE_MODIFIEE"
    severity_default = WARNING
    title = "Commande modifiée"
    template = ("La commande {order} est déjà facturée ({invoice}) mais revient avec un autre contenu : Intégrer la "
                "passera, sa facture reste valable. Pour la corriger, faites un avoir "
                "(`amazon-addin avoir --commande {order}`) puis intégrez à nouveau.")


class WrongRegimeVat(Finding):
    code = "E_TVA_REGIME"
    severity_default = ERROR
    title = "TVA sur une vente exonérée"
    template = ("Amazon indique {tva} de TVA, mais cette vente relève du régime {regime} ({why}) : la TVA est de "
                "0 %. Une TVA imprimée sur la facture serait due (CGI art. 283-3) ; mettez 0.00, ou corrigez les "
                "données de l'acheteur (numéro de TVA, pays).")


class MarketplaceVat(Finding):
    code = "I_TVA_MARKETPLACE"
    severity_default = INFO
    title = "TVA collectée par Amazon"
    template = ("Vente vers {country} : Amazon a collecté et reverse la TVA locale ({tax}) comme place de marché "
                "(fournisseur présumé). La facture est à 0 % ; la taxe d'Amazon est gardée à part "
                "(taxe_marketplace).")


class InvoicedByAmazon(Finding):
    code = "I_FACTURE_PAR_AMAZON"
    severity_default = INFO
    title = "Facturée par Amazon"
    template = ("La commande {order} a été facturée par Amazon (service de calcul de TVA, is-amazon-invoiced) : "
                "pas de seconde facture, Intégrer la passera.")


class ViesUnconfirmed(Finding):
    code = "W_VIES"
    severity_default = WARNING
    title = "Numéro de TVA non confirmé"
    template = ("Numéro de TVA {number} non confirmé par VIES ({detail}) : la vente est facturée avec TVA "
                "({regime}), pas en autoliquidation.")


class MissingExchangeRate(Finding):
    code = "E_TAUX_CHANGE"
    severity_default = ERROR
    title = "Taux de change manquant"
    template = {
        "no_file": "Commande en {currency} : aucun fichier de taux de change BCE n'est indiqué (paramètre "
                   "taux_change, fichier eurofxref-hist.csv de la BCE) ; les livres sont en euros.",
        "no_rate": "Commande en {currency} : le fichier de taux (paramètre taux_change) n'a pas de taux pour "
                   "{currency} au {day} ou avant.",
        "stale": "Commande en {currency} du {day} : le dernier taux du fichier (paramètre taux_change) date du "
                 "{last} ; téléchargez à nouveau eurofxref-hist.csv.",
    }


class NoOrders(Finding):
    code = "E_AUCUNE_COMMANDE"
    severity_default = ERROR
    title = "Aucune commande"
    template = ("Le fichier ne contient aucune commande : il n'a que sa ligne d'en-tête. Le plus souvent, la période "
                "choisie dans Seller Central n'en contenait pas : téléchargez à nouveau le rapport sur les bonnes "
                "dates.")


class FbaAbroad(Finding):
    code = "E_FBA_HORS_FRANCE"
    severity_default = ERROR
    title = "Expédiée hors de France"
    template = ("Expédition Amazon partie du centre {centre} ({country}), hors de France : c'est une vente faite "
                "depuis ce pays (Pan-EU), pas une vente française ni OSS, et elle ne peut pas être facturée ici. "
                "Mettez le paramètre fba_hors_france à « ignorer » pour laisser ces lignes de côté.")


class FbaSkipped(Finding):
    code = "I_FBA_HORS_FRANCE"
    severity_default = INFO
    title = "Expédiée hors de France, ignorée"
    template = ("Expédition Amazon partie du centre {centre} ({country}), hors de France : ligne ignorée "
                "(paramètre fba_hors_france = ignorer) ; déclarez cette vente dans ce pays.")


class FbaUnknownCentre(Finding):
    code = "W_FBA_CENTRE_INCONNU"
    severity_default = WARNING
    title = "Centre Amazon inconnu"
    template = ("Centre d'expédition Amazon « {centre} » inconnu : le pays d'où la marchandise est partie ne peut "
                "pas être vérifié. La ligne est facturée comme une expédition depuis la France ; si elle est partie "
                "d'un autre pays, c'est une vente de ce pays ({count} ligne(s) de l'export).")


class AlreadyIntegrated(Finding):
    code = "I_DEJA_INTEGREE"
    severity_default = INFO
    title = "Déjà intégrée"
    template = "La commande {order} est déjà dans Gestan (facture {invoice}) : Intégrer la passera."


class CreditedOrder(Finding):
    code = "I_COMMANDE_AVOIR"
    severity_default = INFO
    title = "Commande créditée"
    template = ("La commande {order} a été annulée par un avoir (facture {invoice}) : Intégrer la facturera à "
                "nouveau, datée du jour de l'intégration ({day}).")


class RoundingGap(Finding):
    code = "I_ECART_ARRONDI"
    severity_default = INFO
    title = "Écart d'arrondi"
    template = {
        "gap": "Écart d'arrondi de {gap} : HT {ht} + TVA {tva} ≠ TTC {ttc} ; la TVA enregistrée sera {fixed} "
               "pour que le TTC reste celui d'Amazon.",
        "rate": "La TVA {tva} n'est pas cohérente au centime avec le taux de {rate} % sur {ht} HT : la TVA "
                "enregistrée sera {fixed}, calculée sur le TTC {ttc}, qui reste celui d'Amazon.",
    }


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
        PhoneRestored, NewProduct, NewCity, EarlierDate, AlreadyIntegrated, CreditedOrder, RoundingGap, DuplicateRow,
        ConflictingRow, TooLongText, TooLongKey, NegativeInvoice, ExcessivePromotion, ModifiedOrder, WrongRegimeVat,
        MarketplaceVat, InvoicedByAmazon, ViesUnconfirmed, MissingExchangeRate, HiddenRows, NoOrders, FbaAbroad,
        FbaSkipped, FbaUnknownCentre,
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


def count_by_code(findings: list[Finding]) -> list[tuple[str, int, str]]:
    """(code, count, French title), errors first, then warnings, then information."""
    counts: dict[str, int] = {}
    rank: dict[str, int] = {}
    titles: dict[str, str] = {}
    for f in findings:
        counts[f.code] = counts.get(f.code, 0) + 1
        rank[f.code] = min(rank.get(f.code, 9), SEVERITY_RANK[f.severity])
        titles.setdefault(f.code, f.title or f.code)
    return [(code, counts[code], titles[code]) for code in sorted(counts, key=lambda c: (rank[c], c))]


def count_lines(findings: list[Finding]) -> list[str]:
    """One line per code: "     2 × E_QUANTITE (Quantité invalide)"."""
    return [f"  {n:>6} × {code} ({title})" for code, n, title in count_by_code(findings)]


def suggestion_text(f: Finding) -> str | None:
    """The suggestion as a French reader types it: an amount with a decimal comma (3,52). JSON keeps the
    machine form (3.52), as Amazon's own files do."""
    s = f.suggestion
    if s is None or f.column not in _MONEY:
        return s
    return s.replace(".", ",") if _DECIMAL_RE.match(s) else s


_DECIMAL_RE = re.compile(r"^-?\d+\.\d+$")
_MONEY = frozenset(MONEY)
