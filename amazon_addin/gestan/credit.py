"""Avoir: a full credit note for each invoice of some orders or of one integration, in one transaction under
the integration lock (French law: an issued invoice is never deleted or edited, a credit note corrects it).

A credit note mirrors its invoice: the same lines (products, quantities, rates), amounts positive as Gestan
prints a credit note, numbered gap-free in its own series (`format_numero_avoir`), dated the day it is made.
Stock taken out by the invoice comes back (incoming movements linked to the credit note); the journal row of
the order names the credit note, so a corrected export of that order is invoiced again by Intégrer. The
numbering, lock and id helpers are `integrate.py`'s own, called here.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from decimal import Decimal
from types import SimpleNamespace

from sqlalchemy import func, insert, inspect, select, update
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from ..errors import SettingsError
from ..facts import counter_name
from ..text import plural
from . import bulk
from . import integrate as I
from .admin import require_schema
from .connect import describe_error, display_url
from .schema import Schema
from .store import check_settings_fit, chunks

MOTIF_MAX = 250
CENT = Decimal("0.01")


@dataclass
class CreditSummary:
    credits: list[dict] = field(default_factory=list)  # {commande, facture, avoir, total_ttc, devise}
    stock_movements: int = 0
    motif: str = ""
    date: date | None = None

    def to_dict(self) -> dict:
        return {"credit_notes_created": len(self.credits), "stock_movements": self.stock_movements,
                "date": self.date.isoformat() if self.date else None, "motif": self.motif,
                "credit_notes": [{**c, "total_ttc": format(c["total_ttc"], "f")} for c in self.credits]}


@dataclass
class _Invoice:
    """A journal row and the invoice it names."""

    journal_id: int
    commande: str
    facture_id: int | None
    numero: str | None
    integration_id: int | None
    avoir_id: int | None


def credit(engine, schema: Schema, settings, *, orders: list[str] | None = None, integration: int | None = None,
           motif: str | None = None, user: str | None = None, today: date | None = None,
           fail_before_commit=None) -> CreditSummary:
    """Credit every invoice of `orders` (Amazon order ids) or of `integration` (an `integrations_amazon` id):
    all of them or none. Refused in French, nothing written, when one is unknown or already credited."""
    from .. import audit

    user = user or I._os_user()
    base = display_url(engine)
    motif = _motif(motif)
    day = today or datetime.now(settings.zone).date()
    asked = _asked(orders, integration)
    try:
        with engine.begin() as conn:
            reflected = require_schema(conn, schema)
            check_settings_fit(schema, settings, reflected.lengths)
            I.take_lock(conn, schema, settings.attente_verrou_s)
            invoices = _targets(conn, schema, orders, integration)
            summary = _write(conn, schema, settings, invoices, motif, user, day)
            if fail_before_commit is not None:
                fail_before_commit(conn)  # test hook: a crash after every write, before COMMIT
    except SettingsError as exc:
        audit.credit_refused(user=user, base=base, asked=asked, reason=exc.message)
        raise
    except (DBAPIError, SQLAlchemyError) as exc:
        message = "Avoir annulé, rien n'a été écrit. " + describe_error(exc, base)
        audit.credit_refused(user=user, base=base, asked=asked, reason=message)
        raise SettingsError(message)
    for c in summary.credits:
        audit.credit_note(user=user, base=base, numero=c["avoir"], invoice=c["facture"], order=c["commande"],
                          total=f"{c['total_ttc']} {c['devise'] or ''}".strip(), motif=summary.motif)
    return summary


def _asked(orders, integration) -> str:
    if integration is not None:
        return f"integration {integration}"
    return "commandes " + ",".join(orders or [])


def _motif(motif: str | None) -> str:
    text = " ".join((motif or "").split())
    if len(text) > MOTIF_MAX:
        raise SettingsError(f"Le motif de l'avoir fait {len(text)} caractères ; {MOTIF_MAX} au plus : "
                            "raccourcissez-le. Rien n'a été écrit.")
    return text


def _targets(conn, schema: Schema, orders: list[str] | None, integration: int | None) -> list[_Invoice]:
    """The journal rows to credit, in order of invoice number; a French refusal when one cannot be."""
    j, f = schema.imports_amazon, schema.factures
    cols = (j.c.id, j.c.commande, j.c.facture_id, f.c.numero, j.c.integration_id, j.c.avoir_id)
    joined = j.outerjoin(f, j.c.facture_id == f.c.id)
    found: list[_Invoice] = []
    if integration is not None:
        ia = schema.integrations_amazon
        if conn.execute(select(ia.c.id).where(ia.c.id == integration)).first() is None:
            raise SettingsError(f"L'intégration {integration} n'existe pas : « amazon-addin integrations » liste "
                                "les intégrations de cette base. Rien n'a été écrit.")
        found = [_Invoice(*r) for r in conn.execute(select(*cols).select_from(joined)
                                                    .where(j.c.integration_id == integration))]
        if not found:
            raise SettingsError(f"L'intégration {integration} n'a plus de facture à créditer (aucune, ou toutes "
                                "déjà créditées puis intégrées à nouveau). Rien n'a été écrit.")
    else:
        wanted = list(dict.fromkeys(o.strip() for o in orders or [] if o.strip()))
        if not wanted:
            raise SettingsError("Indiquez au moins une commande (--commande NUMÉRO) ou une intégration "
                                "(--integration N). Rien n'a été écrit.")
        for part in chunks(wanted):
            found += [_Invoice(*r) for r in conn.execute(select(*cols).select_from(joined)
                                                         .where(j.c.commande.in_(part)))]
        unknown = [o for o in wanted if o not in {i.commande for i in found}]
        if unknown:
            never = "n'a jamais été intégrée" if len(unknown) == 1 else "n'ont jamais été intégrées"
            raise SettingsError(f"{_orders_fr(unknown)} {never} dans Gestan : il n'y a pas de facture à créditer. "
                                "Rien n'a été écrit.")
    _refuse_credited(conn, schema, found)
    missing = [i.commande for i in found if i.facture_id is None or i.numero is None]
    if missing:
        raise SettingsError(f"La facture de {_orders_fr(missing, article=False)} n'est plus dans Gestan : il n'y a "
                            "rien à créditer. Rien n'a été écrit.")
    return sorted(found, key=lambda i: i.numero)


def _refuse_credited(conn, schema: Schema, found: list[_Invoice]) -> None:
    """A French invoice is credited once: the journal says so, and so does the credit note table."""
    a = schema.avoirs
    by_invoice = {}
    ids = [i.facture_id for i in found if i.facture_id is not None]
    for part in chunks(ids):
        for row in conn.execute(select(a.c.facture_id, a.c.numero).where(a.c.facture_id.in_(part))):
            by_invoice[row.facture_id] = row.numero
    done = [i for i in found if i.avoir_id is not None or i.facture_id in by_invoice]
    if done:
        first = done[0]
        numero = by_invoice.get(first.facture_id) or _credit_number(conn, schema, first.avoir_id)
        more = f" (et {plural(len(done) - 1, 'autre', 'autres')} : {', '.join(i.commande for i in done[1:])})" \
            if len(done) > 1 else ""
        raise SettingsError(f"La commande {first.commande} est déjà créditée : sa facture {first.numero} est annulée "
                            f"par l'avoir {numero}{more}. Une facture ne se crédite qu'une fois ; rien n'a été "
                            "écrit.")


def _credit_number(conn, schema: Schema, avoir_id) -> str:
    a = schema.avoirs
    row = conn.execute(select(a.c.numero).where(a.c.id == avoir_id)).first() if avoir_id is not None else None
    return row.numero if row is not None else "?"


def _orders_fr(orders: list[str], article: bool = True) -> str:
    shown = ", ".join(orders[:10]) + (f" … (+{len(orders) - 10})" if len(orders) > 10 else "")
    if len(orders) == 1:
        return f"{'La commande' if article else 'la commande'} {shown}"
    return f"{'Les commandes' if article else 'les commandes'} {shown}"


def _write(conn, schema: Schema, settings, invoices: list[_Invoice], motif: str, user: str,
           day: date) -> CreditSummary:
    _chronology(conn, schema, settings, day)
    numbers = _numbers(conn, schema, settings, invoices, day)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    heads = _invoice_heads(conn, schema, [i.facture_id for i in invoices])
    rows = []
    for inv in invoices:
        h = heads[inv.facture_id]
        why = motif or f"Annulation de la facture {inv.numero} (commande Amazon {inv.commande})"
        rows.append({"numero": numbers[inv.numero], "date": day, "facture_id": inv.facture_id,
                     "client_id": h.client_id, "motif": why[:MOTIF_MAX], "devise": h.devise,
                     "taux_change": h.taux_change, "total_ht": h.total_ht, "total_tva": h.total_tva,
                     "total_ttc": h.total_ttc, "integration_id": inv.integration_id, "utilisateur": user[:100],
                     "cree_le": now})
    a = schema.avoirs
    before = bulk.last_id(conn, a.c.id)
    bulk.insert_dicts(conn, a, rows)
    ids = bulk.ids_since(conn, a.c.id, a.c.numero, [r["numero"] for r in rows], before)
    credit_of = {inv.facture_id: ids[numbers[inv.numero]] for inv in invoices}
    _lines(conn, schema, credit_of)
    moved = _stock(conn, schema, credit_of, {inv.facture_id: (numbers[inv.numero], inv) for inv in invoices}, day)
    j = schema.imports_amazon
    for inv in invoices:
        conn.execute(update(j).where(j.c.id == inv.journal_id).values(avoir_id=credit_of[inv.facture_id]))
    summary = CreditSummary(stock_movements=moved, motif=motif, date=day)
    for inv, row in zip(invoices, rows):
        summary.credits.append({"commande": inv.commande, "facture": inv.numero, "avoir": row["numero"],
                                "total_ttc": _cents(row["total_ttc"]), "devise": row["devise"]})
    return summary


def _cents(amount) -> Decimal:
    return Decimal(str(amount if amount is not None else 0)).quantize(CENT)


def _chronology(conn, schema: Schema, settings, day: date) -> None:
    """Numbers follow dates in the credit note series too: never a note dated before the last one."""
    a = schema.avoirs
    prefix = counter_name(settings.format_numero_avoir, day)
    last = conn.execute(select(func.max(a.c.date)).where(a.c.numero.like(_like(prefix), escape="\\"))).scalar()
    if last is not None and day < last:
        raise SettingsError(f"Le dernier avoir de la série {prefix} est daté du {last:%d/%m/%Y}, après aujourd'hui "
                            f"({day:%d/%m/%Y}) : vérifiez la date de cet ordinateur. Rien n'a été écrit.")


def _like(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _numbers(conn, schema: Schema, settings, invoices: list[_Invoice], day: date) -> dict:
    """Invoice number → credit note number, by Intégrer's own gap-free counters (its `_numbers` and `_counters`
    steps on the credit note series)."""
    run = I._Run(conn, schema, replace(settings, format_numero=settings.format_numero_avoir), None, None, "", "", "",
                 I.Summary())
    run.orders = [SimpleNamespace(order_id=inv.numero, invoice_date=day) for inv in invoices]
    I.count_numbers(run)
    I._counters(run)
    return run.numbers


def _invoice_heads(conn, schema: Schema, ids: list[int]) -> dict:
    f = schema.factures
    out = {}
    for part in chunks(ids):
        for row in conn.execute(select(f.c.id, f.c.client_id, f.c.devise, f.c.taux_change, f.c.total_ht,
                                       f.c.total_tva, f.c.total_ttc).where(f.c.id.in_(part))):
            out[row.id] = row
    return out


def _lines(conn, schema: Schema, credit_of: dict) -> None:
    """Each invoice line once more on its credit note: same rank, product, quantity, rate and amounts."""
    lf, la = schema.lignes_facture, schema.lignes_avoir
    lines = []
    for part in chunks(list(credit_of)):
        q = select(lf.c.facture_id, lf.c.rang, lf.c.produit_code, lf.c.libelle, lf.c.quantite, lf.c.prix_unitaire_ht,
                   lf.c.montant_ht, lf.c.montant_tva, lf.c.montant_ttc, lf.c.taux_tva) \
            .where(lf.c.facture_id.in_(part)).order_by(lf.c.facture_id, lf.c.rang)
        for r in conn.execute(q):
            lines.append({"avoir_id": credit_of[r.facture_id], "rang": r.rang, "produit_code": r.produit_code,
                          "libelle": r.libelle, "quantite": r.quantite, "prix_unitaire_ht": r.prix_unitaire_ht,
                          "montant_ht": r.montant_ht, "montant_tva": r.montant_tva, "montant_ttc": r.montant_ttc,
                          "taux_tva": r.taux_tva})
    bulk.insert_dicts(conn, la, lines)


def _stock(conn, schema: Schema, credit_of: dict, named: dict, day: date) -> int:
    """What each invoice took out of stock comes back: one incoming movement per outgoing one, linked to the
    credit note, then one atomic increment per product."""
    m, p = schema.mouvements_stock, schema.produits
    back, per_product = [], {}
    for part in chunks(list(credit_of)):
        q = select(m.c.facture_id, m.c.produit_code, m.c.quantite).where(
            m.c.facture_id.in_(part), m.c.quantite < 0).order_by(m.c.facture_id, m.c.id)
        for r in conn.execute(q):
            numero, inv = named[r.facture_id]
            back.append({"produit_code": r.produit_code, "date": day, "quantite": -r.quantite, "facture_id": None,
                         "avoir_id": credit_of[r.facture_id],
                         "libelle": f"Avoir {numero} (facture {inv.numero}, Amazon {inv.commande})"[:250]})
            per_product[r.produit_code] = per_product.get(r.produit_code, 0) - r.quantite
    if back:
        conn.execute(insert(m), back)
        for code, qty in sorted(per_product.items()):
            conn.execute(update(p).where(p.c.code == code).values(stock=p.c.stock + qty))
    return len(back)


@dataclass
class IntegrationRow:
    id: int
    date: datetime | None
    utilisateur: str | None
    fichier: str | None
    sha256: str | None
    factures: int
    avoirs: int

    def to_dict(self) -> dict:
        return {"id": self.id, "date": self.date.isoformat(sep=" ") if self.date else None,
                "utilisateur": self.utilisateur, "fichier": self.fichier, "sha256": self.sha256,
                "invoices": self.factures, "credit_notes": self.avoirs}


def integrations(engine, schema: Schema) -> list[IntegrationRow]:
    """The audit trail: every integration with its invoice count and how many of them were credited since."""
    ia, a = schema.integrations_amazon, schema.avoirs
    with engine.connect() as conn:
        insp = inspect(conn)
        if not insp.has_table(ia.name):
            raise SettingsError(f"La base n'a pas de journal des intégrations (table {ia.name}) : lancez "
                                "« amazon-addin init-db ».")
        credited = {}
        if insp.has_table(a.name):  # a base not yet upgraded by init-db has no credit notes
            credited = dict(conn.execute(select(a.c.integration_id, func.count()).group_by(a.c.integration_id))
                            .all())
        rows = conn.execute(select(ia.c.id, ia.c.date, ia.c.utilisateur, ia.c.fichier, ia.c.sha256,
                                   ia.c.nb_factures).order_by(ia.c.id)).all()
    return [IntegrationRow(r.id, r.date, r.utilisateur, r.fichier, r.sha256, int(r.nb_factures or 0),
                           int(credited.get(r.id, 0))) for r in rows]
