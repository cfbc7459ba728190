"""Intégrer: checked orders into Gestan, in one transaction, never twice (SPEC §3)."""

from __future__ import annotations

import getpass
import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from itertools import accumulate, chain, compress, repeat
from operator import attrgetter, neg, sub
from pathlib import Path

from sqlalchemy import bindparam, insert, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError

from .. import exchange, fba, invoicing
from ..checks import Verification, verify_table
from ..errors import SettingsError
from ..facts import ProductFact, counter_name, render_number
from ..orders import ZERO, fingerprints
from ..reader import Table, no_gc
from . import bulk
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

    def skipped_text(self, plural) -> str:
        """The skipped orders as the user reads them: those already in Gestan, and apart those Amazon invoiced
        itself (SPEC §7 `I_FACTURE_PAR_AMAZON`), which were never "already integrated". `plural(n, one, many)`."""
        amazon = sum(1 for s in self.skipped if s["numero"] is None)
        text = plural(len(self.skipped) - amazon, "commande déjà intégrée passée", "commandes déjà intégrées passées")
        if amazon:
            text += ", " + plural(amazon, "commande facturée par Amazon passée", "commandes facturées par Amazon passées")
        return text

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
                    user: str | None = None, fail_before_commit=None, vies=None, today=None) -> Summary:
    """Check then write, all inside one transaction holding the integration lock. `vies` and `today` as for
    `verify_table`."""
    from .. import audit

    user = user or _os_user()
    base = display_url(engine)
    try:
        # The collector off for the whole transaction (some 0.4 s at 100k rows), its objects promoted after as
        # `no_gc` does for reading and Vérifier; a later full pass still sees them.
        with no_gc(), engine.begin() as conn:
            reflected = require_schema(conn, schema)
            check_settings_fit(schema, settings, reflected.lengths)
            take_lock(conn, schema, settings.attente_verrou_s)
            check_settings_rows(conn, schema, settings)
            facts = load_facts(conn, schema, table, settings)
            verification = verify_table(table, settings, facts, predictions=False, vies=vies, today=today)
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


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (service account, container)
        return "inconnu"


@dataclass
class _Run:
    """One integration's state, shared by the named steps of `_write`."""

    conn: object
    s: Schema
    settings: object
    verification: Verification
    facts: object
    file_name: str
    sha256: str
    user: str
    summary: Summary
    now: datetime = field(default_factory=lambda: datetime.now(timezone.utc).replace(tzinfo=None))
    orders: list = field(default_factory=list)  # the new orders, in numbering order
    plan: invoicing.Plan | None = None
    integration_id: int | None = None
    keys: dict = field(default_factory=dict)  # order id → customer key
    customer_ids: dict = field(default_factory=dict)  # customer key → id
    counters: dict = field(default_factory=dict)  # counter name → last sequence used
    numbers: dict = field(default_factory=dict)  # order id → invoice number
    invoice_ids: dict = field(default_factory=dict)  # invoice number → id
    sold: dict = field(default_factory=dict)  # product code → [quantity, {order id: None}] (ordered, no repeats)
    lines: "_LineColumns | None" = None  # every line of `orders` as columns, made once by `_write`


def _write(conn, schema: Schema, settings, verification: Verification, facts, file_name: str, sha256: str,
           user: str) -> Summary:
    """The transaction's steps, in order; each one reads and fills the run's small context."""
    run = _Run(conn, schema, settings, verification, facts, file_name, sha256, user, Summary(verification=verification))
    _split_new_from_skipped(run)
    _audit_row(run)
    if run.orders:
        run.plan = invoicing.plan(run.orders, facts, settings)
        run.lines = _LineColumns(run.orders)  # read by the invoices' totals, the lines and the stock movements
        for step in (_customers, _products, _numbers, _invoices, _lines_and_stock, _journal, _counters,
                     _postal_codes, _alerts):
            step(run)
    return run.summary


def _split_new_from_skipped(run: _Run) -> None:
    """Orders already in Gestan (changed or not) and orders Amazon invoiced are skipped, each counted once
    (SPEC §7: `orders_skipped` counts every skipped order); the others get numbers in (date, instant, id) order."""
    facts, v = run.facts, run.verification
    for oid in v.groups:
        if oid in facts.integrated:
            run.summary.skipped.append({"commande": oid, "numero": facts.integrated[oid]})
        elif oid in v.amazon_invoiced:
            run.summary.skipped.append({"commande": oid, "numero": None})
    run.summary.skipped.sort(key=lambda d: d["commande"])
    run.orders = invoicing.numbering_order([o for o in v.orders if o.order_id not in facts.integrated])


def _audit_row(run: _Run) -> None:
    run.integration_id = run.conn.execute(insert(run.s.integrations_amazon).values(
        utilisateur=run.user[:100], date=run.now, fichier=run.file_name[:250], sha256=run.sha256,
        nb_factures=len(run.orders))).inserted_primary_key[0]
    run.summary.integration_id = run.integration_id


def _customers(run: _Run) -> None:
    """Found by key, else created once per key; existing customers are never overwritten."""
    conn, clients = run.conn, run.s.clients
    run.keys = {o.order_id: invoicing.customer_key(o) for o in run.orders}
    for part in chunks(sorted(set(run.keys.values()))):
        for row in conn.execute(select(clients.c.id, clients.c.cle).where(clients.c.cle.in_(part))):
            run.customer_ids[row.cle] = row.id
    new = {}
    for o in run.orders:
        key = run.keys[o.order_id]
        if key in run.customer_ids or key in new:
            continue
        b = o.billing
        new[key] = {
            "cle": key, "nom": b.name or o.buyer_name or o.shipping.name, "societe": o.company or None,
            "adresse1": b.line1, "adresse2": b.line2 or None, "code_postal": b.postcode, "ville": b.city,
            "region": b.region or None, "pays": b.country or o.shipping.country,
            "telephone": o.buyer_phone or b.phone or o.shipping.phone or None, "email": o.buyer_email or None,
            "tva_intracom": o.vat_number or None}
    if new:
        # One executemany, then the ids read back by the unique key in one query: no RETURNING or last-id
        # needed, and exact even if Gestan itself inserts customers meanwhile.
        before = bulk.last_id(conn, clients.c.id)
        bulk.insert_dicts(conn, clients, list(new.values()))
        run.customer_ids.update(bulk.ids_since(conn, clients.c.id, clients.c.cle, new, before))
    run.summary.customers_created = len(new)


def _products(run: _Run) -> None:
    """Unknown skus, as `invoicing.plan` announced them to Vérifier."""
    made = run.plan.products
    if made:
        bulk.insert_dicts(run.conn, run.s.produits, [p.to_row() for p in made.values()])
        for p in made.values():
            run.facts.products[p.code] = ProductFact(p.code, p.libelle, p.taux_tva, False, 0, 0)
    run.summary.products_created = len(made)
    run.summary.new_products = [{"code": p.code, "libelle": p.libelle} for p in made.values()]


def _numbers(run: _Run) -> None:
    """One counter row per rendered prefix, read under the lock, gap-free."""
    if run.s.base_numbering:
        return  # the base gives each invoice its id, which is its number (_invoices reads it back)
    count_numbers(run)


def count_numbers(run: _Run) -> None:
    """The gap-free counters of `run.settings.format_numero`, whatever the base does with invoice numbers (the
    credit note series uses them too)."""
    c, fmt = run.s.compteurs, run.settings.format_numero
    names: dict = {}  # invoice date → its counter's name
    for o in run.orders:
        name = names.get(o.invoice_date)
        if name is None:
            name = names[o.invoice_date] = counter_name(fmt, o.invoice_date)
        if name not in run.counters:
            row = run.conn.execute(select(c.c.valeur).where(c.c.nom == name).with_for_update()).first()
            if row is None:
                run.conn.execute(insert(c).values(nom=name, valeur=0))
            run.counters[name] = 0 if row is None else int(row.valeur)
        run.counters[name] += 1
        run.numbers[o.order_id] = render_number(fmt, o.invoice_date, run.counters[name])


def _invoice_row(o, numero: str, client_id: int) -> dict:
    """The invoice as issued: what the law wants printed is kept on it (SPEC §7 "Integration")."""
    ship, bill, vies = o.shipping, o.billing, o.vies
    euros = o.euros()
    ht, tva, ttc = o.total_ht, o.total_tva, o.total_ttc  # sums over the lines: each once
    return {
        "numero": numero, "date": o.invoice_date, "client_id": client_id, "canal": o.channel, "commande": o.order_id,
        "devise": o.currency, "total_ht": ht, "total_tva": tva, "total_ttc": ttc,
        "livraison_nom": ship.name, "livraison_adresse1": ship.line1, "livraison_adresse2": ship.line2 or None,
        "livraison_code_postal": ship.postcode, "livraison_ville": ship.city, "livraison_region": ship.region or None,
        "livraison_pays": ship.country, "livraison_telephone": ship.phone or None,
        "instructions": o.instructions or None, "commande_pro": o.b2b, "bon_commande": o.po_number or None,
        "taux_change": o.taux_change, "date_vente": o.sale_date, "expedie_par_amazon": o.fba, "regime": o.regime,
        "mention_tva": o.mention, "tva_client": o.vat_number or None, "facturation_nom": bill.name,
        "facturation_adresse1": bill.line1, "facturation_adresse2": bill.line2 or None,
        "facturation_code_postal": bill.postcode, "facturation_ville": bill.city,
        "facturation_pays": bill.country or ship.country, "taxe_marketplace": o.taxe_marketplace,
        "total_ht_eur": euros[0], "total_tva_eur": euros[1], "total_ttc_eur": euros[2],
        "vies_date": vies.checked_at if vies else None, "vies_reference": vies.reference if vies else None}


# What an invoice takes from its order and from each of its addresses, each object read in one C-level pass
# (the orders are in numbering order, scattered in memory: one visit each, not one per column).
_ORDER_FIELDS = ("invoice_date", "channel", "order_id", "currency", "instructions", "b2b", "po_number", "taux_change",
                 "sale_date", "fba", "regime", "mention", "vat_number", "taxe_marketplace", "vies", "shipping",
                 "billing")
_ADDRESS_FIELDS = ("name", "line1", "line2", "postcode", "city", "region", "country", "phone")


def _by_column(fields: tuple[str, ...], objects: list) -> list[list]:
    """Each of `fields` (two or more attribute names) of every object, one list per field. Read object by
    object into one flat list that each field is a strided slice of: `zip(*rows)` would visit every object once
    per field, each visit a cache miss at 100k rows."""
    flat = list(chain.from_iterable(map(attrgetter(*fields), objects)))
    return [flat[k::len(fields)] for k in range(len(fields))]


def _invoice_columns(orders: list, numbers: list, client_ids: list, lines: "_LineColumns") -> dict[str, list]:
    """The invoices of `_invoice_row`, built a whole column at a time ({key: values}, one value per order)
    rather than as a 38-key dict per order; the totals summed once per order from the line columns."""
    def or_none(values) -> list:
        return [v or None for v in values]

    (day, channel, order_id, currency, instructions, b2b, po_number, rate, sale_date, fba_, regime, mention,
     vat_number, taxe_marketplace, vies, ship, bill) = _by_column(_ORDER_FIELDS, orders)
    s_name, s_line1, s_line2, s_postcode, s_city, s_region, s_country, s_phone = _by_column(_ADDRESS_FIELDS, ship)
    b_name, b_line1, b_line2, b_postcode, b_city, _, b_country, _ = _by_column(_ADDRESS_FIELDS, bill)
    # As Order.total_ht/_tva/_ttc: each order's lines summed, here as differences of running sums (exact in
    # Decimal: 28 digits hold any export's grand total to the cent).
    ht, tva, ttc = (lines.per_order_sums(lines.columns[key]) for key in ("montant_ht", "montant_tva", "montant_ttc"))
    ht_eur, tva_eur, ttc_eur = [], [], []
    to_euros = exchange.to_euros
    for h, t, r in zip(ht, tva, rate):  # as Order.euros
        if r is None:
            ht_eur.append(None)
            tva_eur.append(None)
            ttc_eur.append(None)
        else:
            h, t = to_euros(h, r), to_euros(t, r)
            ht_eur.append(h)
            tva_eur.append(t)
            ttc_eur.append(h + t)
    return {
        "numero": numbers, "date": day, "client_id": client_ids, "canal": channel, "commande": order_id,
        "devise": currency, "total_ht": ht, "total_tva": tva, "total_ttc": ttc,
        "livraison_nom": s_name, "livraison_adresse1": s_line1, "livraison_adresse2": or_none(s_line2),
        "livraison_code_postal": s_postcode, "livraison_ville": s_city, "livraison_region": or_none(s_region),
        "livraison_pays": s_country, "livraison_telephone": or_none(s_phone),
        "instructions": or_none(instructions), "commande_pro": b2b, "bon_commande": or_none(po_number),
        "taux_change": rate, "date_vente": sale_date, "expedie_par_amazon": fba_, "regime": regime,
        "mention_tva": mention, "tva_client": or_none(vat_number), "facturation_nom": b_name,
        "facturation_adresse1": b_line1, "facturation_adresse2": or_none(b_line2),
        "facturation_code_postal": b_postcode, "facturation_ville": b_city,
        "facturation_pays": [c or s for c, s in zip(b_country, s_country)], "taxe_marketplace": taxe_marketplace,
        "total_ht_eur": ht_eur, "total_tva_eur": tva_eur, "total_ttc_eur": ttc_eur,
        "vies_date": [v.checked_at if v else None for v in vies],
        "vies_reference": [v.reference if v else None for v in vies]}


class _LineColumns:
    """Every invoice line of the run, in invoice then line order, as columns (lignes_facture's keys, plus
    `kind`), with how many lines each order has: made once, read by the invoices' totals, the lines and the
    stock movements."""

    def __init__(self, orders: list):
        per_order = list(map(attrgetter("lines"), orders))
        self.counts = list(map(len, per_order))
        every = list(chain.from_iterable(per_order))
        self.columns = dict(zip(_LINE_KEYS_KIND, _by_column(_LINE_FIELDS, every)))
        self.ends = list(accumulate(self.counts))  # one past each order's last line

    def per_order(self, values: list) -> list:
        """One value per order, repeated for each of its lines."""
        return list(chain.from_iterable(map(repeat, values, self.counts)))

    def per_order_sums(self, col: list) -> list:
        running = list(accumulate(col, initial=ZERO))
        return list(map(sub, map(running.__getitem__, self.ends), map(running.__getitem__, [0, *self.ends[:-1]])))


def _invoices(run: _Run) -> None:
    if run.s.base_numbering:
        return _invoices_numbered_by_base(run)
    f = run.s.factures
    ids = list(map(attrgetter("order_id"), run.orders))
    numbers = list(map(run.numbers.__getitem__, ids))
    client_ids = list(map(run.customer_ids.__getitem__, map(run.keys.__getitem__, ids)))
    columns = _invoice_columns(run.orders, numbers, client_ids, run.lines)
    before = bulk.last_id(run.conn, f.c.id)
    bulk.insert_columns(run.conn, f, columns)
    run.invoice_ids = bulk.ids_since(run.conn, f.c.id, f.c.numero, numbers, before)


# lignes_facture's columns taken from each invoice line (besides facture_id and rang), in one pass per line.
LINE_KEYS = ("produit_code", "libelle", "quantite", "prix_unitaire_ht", "montant_ht", "montant_tva", "montant_ttc",
             "taux_tva")
_LINE_KEYS_KIND = (*LINE_KEYS, "kind")
_LINE_FIELDS = ("product_code", "label", "quantity", "unit_ht", "ht", "tva", "ttc", "rate", "kind")


def _invoices_numbered_by_base(run: _Run) -> None:
    """The base's automatic id is the number: the ids are read back by the business key the add-in writes
    (the order id), keeping only ids that were not there before the insert, so an older invoice of Gestan's
    with the same reference is never taken for ours."""
    f = run.s.factures
    key = f.c[run.s.mapping.numbering_key]
    rows = [_invoice_row(o, None, run.customer_ids[run.keys[o.order_id]]) for o in run.orders]
    values = [r[run.s.mapping.numbering_key] for r in rows]
    before = _all_ids_by(run.conn, f.c.id, key, values)
    run.conn.execute(insert(f), rows)
    after = _all_ids_by(run.conn, f.c.id, key, values)
    for o, value in zip(run.orders, values):
        new = after.get(value, set()) - before.get(value, set())
        if len(new) != 1:
            raise SettingsError(f"Intégration annulée, rien n'a été écrit : la facture de la commande {o.order_id} "
                                f"ne se relit pas par {f.name}.{key.name} ({len(new)} facture(s) trouvée(s)).")
        run.numbers[o.order_id] = str(next(iter(new)))
        run.invoice_ids[run.numbers[o.order_id]] = next(iter(new))


def _all_ids_by(conn, id_col, key_col, keys: list) -> dict:
    """{key: {ids}}: every row holding each key."""
    out: dict = {}
    for part in chunks(sorted(set(keys))):
        for row in conn.execute(select(key_col, id_col).where(key_col.in_(part))):
            out.setdefault(row[0], set()).add(row[1])
    return out


def _lines_and_stock(run: _Run) -> None:
    """Every line; for stock-managed products one outgoing movement per line, then one atomic decrement per
    product (negative stock is allowed). Both tables are built column by column."""
    orders, numbers, products, stock_fba = run.orders, run.numbers, run.facts.products, run.settings.stock_fba
    lines = run.lines
    ids = list(map(attrgetter("order_id"), orders))
    invoice_ids = list(map(run.invoice_ids.__getitem__, map(numbers.__getitem__, ids)))
    cols = lines.columns
    columns = {"facture_id": lines.per_order(invoice_ids),
               "rang": list(chain.from_iterable(map(range, repeat(1), map((1).__add__, lines.counts))))}
    columns.update((key, cols[key]) for key in LINE_KEYS)
    bulk.insert_columns(run.conn, run.s.lignes_facture, columns)
    managed = {sku for sku, product in products.items() if product.gere_stock}
    moves = lines.per_order([fba.moves_seller_stock(o.fba, stock_fba) for o in orders])
    order_of = lines.per_order(range(len(orders)))
    moved = [m and k == "item" and c in managed for m, k, c in zip(moves, cols["kind"], cols["produit_code"])]
    code = list(compress(cols["produit_code"], moved))
    if code:
        which = list(compress(order_of, moved))  # each movement's order, by position in `orders`
        quantity = list(compress(cols["quantite"], moved))
        texts = {k: f"Facture {numbers[ids[k]]} (Amazon {ids[k]})" for k in dict.fromkeys(which)}
        days = list(map(attrgetter("invoice_date"), orders))
        bulk.insert_columns(run.conn, run.s.mouvements_stock, {
            "produit_code": code, "date": list(map(days.__getitem__, which)), "quantite": list(map(neg, quantity)),
            "facture_id": list(map(invoice_ids.__getitem__, which)), "libelle": list(map(texts.__getitem__, which))})
        for sku, qty, k in zip(code, quantity, which):
            entry = run.sold.get(sku)
            if entry is None:
                entry = run.sold[sku] = [0, {}]
            entry[0] += qty
            entry[1][ids[k]] = None  # a dict, not a list: `in` on a growing list was quadratic
        p = run.s.produits
        decrement = update(p).where(p.c.code == bindparam("b_code")).values(stock=p.c.stock - bindparam("b_qty"))
        run.conn.execute(decrement, [{"b_code": sku, "b_qty": qty} for sku, (qty, _) in run.sold.items()])
    run.summary.stock_movements = len(code)


def _journal(run: _Run) -> None:
    """One journal row per invoice, with the fingerprint that tells a changed order when it comes back."""
    v, orders, summary = run.verification, run.orders, run.summary
    ids = list(map(attrgetter("order_id"), orders))
    numbers = list(map(run.numbers.__getitem__, ids))
    kept = fingerprints(v.cols, {oid: v.groups[oid] for oid in ids})
    summary.invoices += [{"commande": oid, "numero": numero} for oid, numero in zip(ids, numbers)]
    summary.rows_invoice.update((row, numero) for o, numero in zip(orders, numbers) for row in o.rows)
    journal = {"commande": ids, "canal": list(map(attrgetter("channel"), orders)),
               "facture_id": list(map(run.invoice_ids.__getitem__, numbers)),
               "integration_id": [run.integration_id] * len(ids), "fichier": [run.file_name[:250]] * len(ids),
               "date_import": [run.now] * len(ids), "empreinte": list(map(kept.__getitem__, ids))}
    # A credited order invoiced again keeps its one journal row (order ids are unique there): it now names the
    # new invoice and no credit note (the credit note still names the old invoice).
    credited = run.facts.credited
    again = [i for i, oid in enumerate(ids) if oid in credited]
    if again:
        fresh = [i for i, oid in enumerate(ids) if oid not in credited]
        rows = [{key: values[i] for key, values in journal.items()} for i in again]
        journal = {key: [values[i] for i in fresh] for key, values in journal.items()}
    else:
        rows = []
    if journal["commande"]:
        bulk.insert_columns(run.conn, run.s.imports_amazon, journal)
    j = run.s.imports_amazon
    for r in rows:
        run.conn.execute(update(j).where(j.c.commande == r["commande"]).values(**r, avoir_id=None))


def _counters(run: _Run) -> None:
    c = run.s.compteurs
    for name, value in run.counters.items():
        run.conn.execute(update(c).where(c.c.nom == name).values(valeur=value))


def _postal_codes(run: _Run) -> None:
    """Each new (country, postcode, city) of a delivery or billing address, as `invoicing.plan` announced."""
    places = run.plan.places
    if places:
        bulk.insert_dicts(run.conn, run.s.codes_postaux, [p.to_row() for p in places.values()])
    run.summary.postal_codes_added = len(places)
    run.summary.new_postal_codes = [p.to_row() for p in places.values()]


def _alerts(run: _Run) -> None:
    run.summary.alerts = invoicing.stock_alerts({k: (v[0], list(v[1])) for k, v in run.sold.items()}, run.facts.products)
