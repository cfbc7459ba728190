"""Intégrer: checked orders into Gestan, in one transaction, never twice (SPEC §3)."""

from __future__ import annotations

import getpass
import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

from sqlalchemy import insert, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError

from .. import invoicing
from ..checks import Verification, verify_table
from ..errors import SettingsError
from ..facts import ProductFact, counter_name, fold_city, render_number
from ..reader import Table
from .connect import describe_error, display_url
from .schema import Schema
from .admin import require_schema
from .store import LOCK_ROW, check_settings_fit, check_settings_rows, chunks, load_facts


class Blocked(Exception):
    """Errors remain in orders to integrate: nothing was written."""

    def __init__(self, verification: Verification):
        super().__init__("blocked")
        self.verification = verification


@dataclass
class Summary:
    invoices: list[dict] = field(default_factory=list)  # {commande, numero} created
    skipped: list[dict] = field(default_factory=list)  # {commande, numero} already in Gestan
    customers_created: int = 0
    products_created: int = 0
    postal_codes_added: int = 0
    new_products: list[dict] = field(default_factory=list)  # {code, libelle} created
    new_postal_codes: list[dict] = field(default_factory=list)  # {pays, code_postal, ville} added
    stock_movements: int = 0
    alerts: list = field(default_factory=list)
    rows_invoice: dict = field(default_factory=dict)  # sheet row → invoice number (for `N° facture`)
    verification: Verification | None = None
    integration_id: int | None = None

    def to_dict(self) -> dict:
        return {
            "invoices_created": len(self.invoices),
            "orders_skipped": len(self.skipped),
            "customers_created": self.customers_created,
            "products_created": self.products_created,
            "postal_codes_added": self.postal_codes_added,
            "stock_movements": self.stock_movements,
            "alerts": [a.to_dict() for a in self.alerts],
            "invoices": self.invoices,
            "skipped": self.skipped,
            "created_products": self.new_products,
            "added_postal_codes": self.new_postal_codes,
        }


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def take_lock(conn, schema: Schema, lock_wait_s: int = 30) -> None:
    """Serialise integrations: SQLite already holds its write lock (BEGIN IMMEDIATE); servers lock a row."""
    if conn.dialect.name == "sqlite":
        return
    wait = int(lock_wait_s)
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"SET LOCAL lock_timeout = '{wait}s'"))  # bounded wait, then a French message
    elif conn.dialect.name in ("mysql", "mariadb"):
        conn.execute(text(f"SET SESSION innodb_lock_wait_timeout = {wait}"))
    c = schema.compteurs
    q = select(c.c.valeur).where(c.c.nom == LOCK_ROW).with_for_update()
    if conn.execute(q).first() is None:
        try:
            with conn.begin_nested():
                conn.execute(insert(c).values(nom=LOCK_ROW, valeur=0))
        except IntegrityError:
            pass  # another run created it meanwhile
        conn.execute(q).first()


def integrate_table(engine, schema: Schema, table: Table, settings, *, file_name: str, sha256: str,
                    user: str | None = None, fail_before_commit=None) -> Summary:
    """Check then write, all inside one transaction holding the integration lock."""
    from .. import audit

    user = user or _os_user()
    base = display_url(engine)
    try:
        with engine.begin() as conn:
            reflected = require_schema(conn, schema)
            check_settings_fit(schema, settings, reflected.lengths)
            take_lock(conn, schema, settings.attente_verrou_s)
            check_settings_rows(conn, schema, settings)
            facts = load_facts(conn, schema, table, settings)
            verification = verify_table(table, settings, facts, predictions=False)
            if verification.has_errors:
                raise Blocked(verification)
            summary = _write(conn, schema, settings, verification, facts, file_name, sha256, user)
            if fail_before_commit is not None:
                fail_before_commit(conn)  # test hook: a crash after every write, before COMMIT
    except Blocked as blocked:
        errors = sum(1 for f in blocked.verification.findings if f.severity == "error")
        audit.refused(user=user, base=base, file_name=file_name, sha256=sha256, reason=f"{errors} erreur(s)")
        raise
    except SettingsError as exc:
        audit.refused(user=user, base=base, file_name=file_name, sha256=sha256, reason=exc.message)
        raise
    except (DBAPIError, SQLAlchemyError) as exc:
        message = "Intégration annulée, rien n'a été écrit. " + describe_error(exc, base)
        audit.refused(user=user, base=base, file_name=file_name, sha256=sha256, reason=message)
        raise SettingsError(message)
    audit.integration(user=user, base=base, file_name=file_name, sha256=sha256,
                      integration_id=summary.integration_id, invoices=summary.invoices, skipped=len(summary.skipped))
    return summary


def _ids_by(conn, id_col, key_col, keys: list) -> dict:
    """{key: id} for rows just inserted, found by their unique business key."""
    out = {}
    for part in chunks(keys):
        for row in conn.execute(select(key_col, id_col).where(key_col.in_(part))):
            out[row[0]] = row[1]
    return out


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (service account, container)
        return "inconnu"


def _write(conn, schema: Schema, settings, verification: Verification, facts, file_name: str, sha256: str,
           user: str) -> Summary:
    s = schema
    summary = Summary(verification=verification)
    new_orders = []
    for o in verification.orders:
        if o.order_id in facts.integrated:
            summary.skipped.append({"commande": o.order_id, "numero": facts.integrated[o.order_id]})
        else:
            new_orders.append(o)
    summary.skipped.sort(key=lambda d: d["commande"])
    new_orders = invoicing.numbering_order(new_orders)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    integration_id = conn.execute(insert(s.integrations_amazon).values(
        utilisateur=user[:100], date=now, fichier=file_name[:250], sha256=sha256, nb_factures=len(new_orders)
    )).inserted_primary_key[0]
    summary.integration_id = integration_id
    if not new_orders:
        return summary

    # Customers: found by key, else created once per key.
    keys = {o.order_id: invoicing.customer_key(o) for o in new_orders}
    customer_ids: dict[str, int] = {}
    for part in chunks(sorted(set(keys.values()))):
        for row in conn.execute(select(s.clients.c.id, s.clients.c.cle).where(s.clients.c.cle.in_(part))):
            customer_ids[row.cle] = row.id
    new_customers = {}
    for o in new_orders:
        key = keys[o.order_id]
        if key in customer_ids or key in new_customers:
            continue
        b = o.billing
        new_customers[key] = {
            "cle": key, "nom": b.name or o.buyer_name or o.shipping.name, "societe": o.company or None,
            "adresse1": b.line1, "adresse2": b.line2 or None, "code_postal": b.postcode, "ville": b.city,
            "region": b.region or None, "pays": b.country or o.shipping.country,
            "telephone": o.buyer_phone or b.phone or o.shipping.phone or None, "email": o.buyer_email or None,
            "tva_intracom": o.vat_number or None}
    if new_customers:
        # One executemany, then the ids read back by the unique key: no RETURNING or last-id needed, and
        # exact even if Gestan itself inserts customers meanwhile.
        conn.execute(insert(s.clients), list(new_customers.values()))
        customer_ids.update(_ids_by(conn, s.clients.c.id, s.clients.c.cle, list(new_customers)))
    summary.customers_created = len(new_customers)

    # Products: unknown skus created in the default family, at the rate their first line carries.
    new_products = {}
    for o in new_orders:
        for line in o.lines:
            if line.kind == "item" and line.product_code not in facts.products and \
                    line.product_code not in new_products:
                new_products[line.product_code] = {
                    "code": line.product_code, "libelle": line.label, "famille": settings.famille_produits,
                    "taux_tva": line.rate, "prix_ttc": (line.ttc / line.quantity).quantize(Decimal("0.01")),
                    "gere_stock": False, "stock": 0, "stock_alerte": 0}
    if new_products:
        conn.execute(insert(s.produits), list(new_products.values()))
        for p in new_products.values():
            facts.products[p["code"]] = ProductFact(p["code"], p["libelle"], p["taux_tva"], False, 0, 0)
    summary.products_created = len(new_products)
    summary.new_products = [{"code": p["code"], "libelle": p["libelle"]} for p in new_products.values()]

    # Numbers: one counter row per rendered prefix, read under the lock, gap-free.
    counters: dict[str, int] = {}
    numbers: dict[str, str] = {}
    for o in new_orders:
        name = counter_name(settings.format_numero, o.invoice_date)
        if name not in counters:
            row = conn.execute(select(s.compteurs.c.valeur).where(s.compteurs.c.nom == name)
                               .with_for_update()).first()
            if row is None:
                conn.execute(insert(s.compteurs).values(nom=name, valeur=0))
                counters[name] = 0
            else:
                counters[name] = int(row.valeur)
        counters[name] += 1
        numbers[o.order_id] = render_number(settings.format_numero, o.invoice_date, counters[name])

    invoices = []
    for o in new_orders:
        ship = o.shipping
        invoices.append({
            "numero": numbers[o.order_id], "date": o.invoice_date, "client_id": customer_ids[keys[o.order_id]],
            "canal": o.channel, "commande": o.order_id, "devise": o.currency, "total_ht": o.total_ht,
            "total_tva": o.total_tva, "total_ttc": o.total_ttc, "livraison_nom": ship.name,
            "livraison_adresse1": ship.line1, "livraison_adresse2": ship.line2 or None,
            "livraison_code_postal": ship.postcode, "livraison_ville": ship.city,
            "livraison_region": ship.region or None, "livraison_pays": ship.country,
            "livraison_telephone": ship.phone or None, "instructions": o.instructions or None,
            "commande_pro": o.b2b, "bon_commande": o.po_number or None})
    conn.execute(insert(s.factures), invoices)
    invoice_ids = _ids_by(conn, s.factures.c.id, s.factures.c.numero, [i["numero"] for i in invoices])

    lines, movements, journal = [], [], []
    sold: dict[str, list] = {}
    for o in new_orders:
        numero = numbers[o.order_id]
        facture_id = invoice_ids[numero]
        for rang, line in enumerate(o.lines, start=1):
            lines.append({"facture_id": facture_id, "rang": rang, "produit_code": line.product_code,
                          "libelle": line.label, "quantite": line.quantity, "prix_unitaire_ht": line.unit_ht,
                          "montant_ht": line.ht, "montant_tva": line.tva, "montant_ttc": line.ttc,
                          "taux_tva": line.rate})
            product = facts.products.get(line.product_code)
            if line.kind == "item" and product is not None and product.gere_stock:
                movements.append({"produit_code": line.product_code, "date": o.invoice_date,
                                  "quantite": -line.quantity, "facture_id": facture_id,
                                  "libelle": f"Facture {numero} (Amazon {o.order_id})"})
                entry = sold.setdefault(line.product_code, [0, []])
                entry[0] += line.quantity
                if o.order_id not in entry[1]:
                    entry[1].append(o.order_id)
        journal.append({"commande": o.order_id, "canal": o.channel, "facture_id": facture_id,
                        "integration_id": integration_id, "fichier": file_name[:250], "date_import": now})
        summary.invoices.append({"commande": o.order_id, "numero": numero})
        for number in o.rows:
            summary.rows_invoice[number] = numero
    conn.execute(insert(s.lignes_facture), lines)
    if movements:
        conn.execute(insert(s.mouvements_stock), movements)
        p = s.produits
        for code, (qty, _) in sold.items():  # atomic decrement: negative stock is allowed
            conn.execute(update(p).where(p.c.code == code).values(stock=p.c.stock - qty))
    summary.stock_movements = len(movements)
    conn.execute(insert(s.imports_amazon), journal)
    for name, value in counters.items():
        conn.execute(update(s.compteurs).where(s.compteurs.c.nom == name).values(valeur=value))

    # Postal codes: each (country, postcode, city) of a delivery or billing address, once.
    new_places = {}
    for o in new_orders:
        for a in (o.shipping, o.billing):
            if a.country and a.postcode and a.city:
                folded = (a.country.upper(), a.postcode.strip(), fold_city(a.city))
                if folded not in facts.postal and folded not in new_places:
                    new_places[folded] = {"pays": a.country.upper(), "code_postal": a.postcode.strip(),
                                          "ville": a.city.strip()}
    if new_places:
        conn.execute(insert(s.codes_postaux), list(new_places.values()))
    summary.postal_codes_added = len(new_places)
    summary.new_postal_codes = list(new_places.values())

    summary.alerts = invoicing.stock_alerts({k: (v[0], v[1]) for k, v in sold.items()}, facts.products)
    return summary
