"""The ``hfsql+pyodbc`` dialect (amazon_addin/hfsql, docs/hfsql.md).

1. Every statement the add-in issues, compiled by the dialect without a connection, with its exact SQL.
2. ``create_engine("hfsql+pyodbc://...")`` and the ODBC connection strings it builds (password masked).
3. The connector over real ODBC drivers (PostgreSQL Unicode, MariaDB Unicode): connect, transactions,
   reflection through the ODBC catalog, id read-back, row locks, round trips, then the add-in's whole
   integration through the command line. No HFSQL server exists here: these runs check the dialect's
   SQL and its ODBC handling, not HFSQL itself (see docs/hfsql.md, "Not tested").
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from decimal import Decimal as D
from pathlib import Path

import pytest
from sqlalchemy import (Boolean, Column, Date, DateTime, Integer, MetaData, Numeric, String, Table, create_engine,
                        event, exc, func, insert, inspect, literal, select, text, update)
from sqlalchemy.dialects import registry
from sqlalchemy.schema import CreateTable

from amazon_addin.gestan.integrate import take_lock
from amazon_addin.gestan.schema import Mapping, Schema
from amazon_addin.gestan.store import LOCK_ROW, _like_prefix
from amazon_addin.hfsql import CURRENCY
from amazon_addin.hfsql.pyodbc import HFSQLDialect_pyodbc, OdbcConnectionString, mask

ROOT = Path(__file__).resolve().parents[1]
REGISTER = ("hfsql.pyodbc", "amazon_addin.hfsql.pyodbc", "HFSQLDialect_pyodbc")
registry.register(*REGISTER)


@pytest.fixture(scope="module")
def dialect():
    return HFSQLDialect_pyodbc()


@pytest.fixture(scope="module")
def s():
    return Schema()


def sql(stmt, dialect, **kw) -> str:
    """The statement's SQL on one line (whitespace runs collapsed), IN lists expanded as at execution."""
    compile_kwargs = {"render_postcompile": True, **kw.pop("compile_kwargs", {})}
    compiled = stmt.compile(dialect=dialect, compile_kwargs=compile_kwargs, **kw)
    return " ".join(str(compiled).split())


def params(stmt, dialect, **kw) -> list:
    compiled = stmt.compile(dialect=dialect, compile_kwargs={"render_postcompile": True}, **kw)
    values = compiled.construct_params()
    return [values[k] for k in compiled.positiontup]


# ---------------------------------------------------------------------------------------------------------
# 1. Compilation: every statement of schema.py, store.py, integrate.py, admin.py


CREATE = {
    "familles": "CREATE TABLE familles ( code VARCHAR(20) NOT NULL, libelle VARCHAR(100), PRIMARY KEY (code) )",
    "produits": "CREATE TABLE produits ( code VARCHAR(60) NOT NULL, libelle VARCHAR(500), famille VARCHAR(20), "
                "taux_tva NUMERIC(5, 2), prix_ttc NUMERIC(12, 2), gere_stock BOOLEAN NOT NULL, "
                "stock INTEGER NOT NULL, stock_alerte INTEGER NOT NULL, PRIMARY KEY (code) )",
    "clients": "CREATE TABLE clients ( id INTEGER AUTO_INCREMENT NOT NULL, cle VARCHAR(250) NOT NULL, "
               "nom VARCHAR(200), societe VARCHAR(200), adresse1 VARCHAR(250), adresse2 VARCHAR(250), "
               "code_postal VARCHAR(20), ville VARCHAR(100), region VARCHAR(100), pays VARCHAR(2), "
               "telephone VARCHAR(40), email VARCHAR(250), tva_intracom VARCHAR(20), PRIMARY KEY (id), "
               "UNIQUE (cle) )",
    "codes_postaux": "CREATE TABLE codes_postaux ( id INTEGER AUTO_INCREMENT NOT NULL, pays VARCHAR(2) NOT NULL, "
                     "code_postal VARCHAR(20) NOT NULL, ville VARCHAR(100) NOT NULL, PRIMARY KEY (id), "
                     "UNIQUE (pays, code_postal, ville) )",
    "factures": "CREATE TABLE factures ( id INTEGER AUTO_INCREMENT NOT NULL, numero VARCHAR(30) NOT NULL, "
                "\"date\" DATE NOT NULL, client_id INTEGER, canal VARCHAR(40), commande VARCHAR(40), "
                "devise VARCHAR(3), total_ht NUMERIC(12, 2), total_tva NUMERIC(12, 2), total_ttc NUMERIC(12, 2), "
                "livraison_nom VARCHAR(200), livraison_adresse1 VARCHAR(250), livraison_adresse2 VARCHAR(250), "
                "livraison_code_postal VARCHAR(20), livraison_ville VARCHAR(100), livraison_region VARCHAR(100), "
                "livraison_pays VARCHAR(2), livraison_telephone VARCHAR(40), instructions VARCHAR(500), "
                "commande_pro BOOLEAN, bon_commande VARCHAR(100), taux_change NUMERIC(14, 6), date_vente DATE, "
                "expedie_par_amazon BOOLEAN, regime VARCHAR(20), mention_tva VARCHAR(250), tva_client VARCHAR(20), "
                "facturation_nom VARCHAR(200), facturation_adresse1 VARCHAR(250), facturation_adresse2 VARCHAR(250), "
                "facturation_code_postal VARCHAR(20), facturation_ville VARCHAR(100), facturation_pays VARCHAR(2), "
                "taxe_marketplace NUMERIC(12, 2), total_ht_eur NUMERIC(12, 2), total_tva_eur NUMERIC(12, 2), "
                "total_ttc_eur NUMERIC(12, 2), vies_date DATETIME, vies_reference VARCHAR(60), PRIMARY KEY (id), "
                "UNIQUE (numero) )",
    "lignes_facture": "CREATE TABLE lignes_facture ( id INTEGER AUTO_INCREMENT NOT NULL, facture_id INTEGER NOT NULL, "
                      "rang INTEGER NOT NULL, produit_code VARCHAR(60), libelle VARCHAR(500), quantite INTEGER, "
                      "prix_unitaire_ht NUMERIC(14, 4), montant_ht NUMERIC(12, 2), montant_tva NUMERIC(12, 2), "
                      "montant_ttc NUMERIC(12, 2), taux_tva NUMERIC(5, 2), PRIMARY KEY (id) )",
    "mouvements_stock": "CREATE TABLE mouvements_stock ( id INTEGER AUTO_INCREMENT NOT NULL, "
                        "produit_code VARCHAR(60) NOT NULL, \"date\" DATE NOT NULL, quantite INTEGER NOT NULL, "
                        "facture_id INTEGER, libelle VARCHAR(250), avoir_id INTEGER, PRIMARY KEY (id) )",
    "imports_amazon": "CREATE TABLE imports_amazon ( id INTEGER AUTO_INCREMENT NOT NULL, "
                      "commande VARCHAR(40) NOT NULL, canal VARCHAR(40), facture_id INTEGER, integration_id INTEGER, fichier VARCHAR(250), "
                      "date_import DATETIME, empreinte VARCHAR(64), avoir_id INTEGER, PRIMARY KEY (id), "
                      "UNIQUE (commande) )",
    "integrations_amazon": "CREATE TABLE integrations_amazon ( id INTEGER AUTO_INCREMENT NOT NULL, "
                           "utilisateur VARCHAR(100), \"date\" DATETIME, fichier VARCHAR(250), sha256 VARCHAR(64), "
                           "nb_factures INTEGER, PRIMARY KEY (id) )",
    "avoirs": "CREATE TABLE avoirs ( id INTEGER AUTO_INCREMENT NOT NULL, numero VARCHAR(30) NOT NULL, "
              "\"date\" DATE NOT NULL, facture_id INTEGER NOT NULL, client_id INTEGER, motif VARCHAR(250), "
              "devise VARCHAR(3), taux_change NUMERIC(14, 6), total_ht NUMERIC(12, 2), total_tva NUMERIC(12, 2), "
              "total_ttc NUMERIC(12, 2), integration_id INTEGER, utilisateur VARCHAR(100), cree_le DATETIME, "
              "PRIMARY KEY (id), UNIQUE (numero), UNIQUE (facture_id) )",
    "lignes_avoir": "CREATE TABLE lignes_avoir ( id INTEGER AUTO_INCREMENT NOT NULL, avoir_id INTEGER NOT NULL, "
                    "rang INTEGER NOT NULL, produit_code VARCHAR(60), libelle VARCHAR(500), quantite INTEGER, "
                    "prix_unitaire_ht NUMERIC(14, 4), montant_ht NUMERIC(12, 2), montant_tva NUMERIC(12, 2), "
                    "montant_ttc NUMERIC(12, 2), taux_tva NUMERIC(5, 2), PRIMARY KEY (id) )",
    "compteurs": "CREATE TABLE compteurs ( nom VARCHAR(40) NOT NULL, valeur INTEGER NOT NULL, PRIMARY KEY (nom) )",
}


def test_create_table_for_every_reference_table(dialect, s):
    assert [ref for ref, _ in s.tables()] == list(CREATE)
    for ref, table in s.tables():
        assert sql(CreateTable(table), dialect) == CREATE[ref], ref


def test_create_table_with_a_customer_mapping_quotes_real_names(dialect):
    mapped = Schema(Mapping({"factures": "FACTURE"}, {("factures", "numero"): "NumFacture",
                                                      ("factures", "date"): "DATE_FACT"}))
    ddl = sql(CreateTable(mapped.factures), dialect)
    assert ddl.startswith('CREATE TABLE "FACTURE" ( id INTEGER AUTO_INCREMENT NOT NULL, '
                          '"NumFacture" VARCHAR(30) NOT NULL, "DATE_FACT" DATE NOT NULL, ')
    assert ddl.endswith('PRIMARY KEY (id), UNIQUE ("NumFacture") )')
    q = select(mapped.factures.c.numero).where(mapped.factures.c.date == dt.date(2026, 3, 5))
    assert sql(q, dialect) == 'SELECT "FACTURE"."NumFacture" FROM "FACTURE" WHERE "FACTURE"."DATE_FACT" = ?'


def test_store_load_facts_statements(dialect, s):
    p, j, cp, f, c = s.produits, s.imports_amazon, s.codes_postaux, s.factures, s.compteurs
    q = select(p.c.code, p.c.libelle, p.c.taux_tva, p.c.gere_stock, p.c.stock, p.c.stock_alerte) \
        .where(p.c.code.in_(["EMBALLAGE", "PORT", "TASSE-01"]))
    assert sql(q, dialect) == ("SELECT produits.code, produits.libelle, produits.taux_tva, produits.gere_stock, "
                               "produits.stock, produits.stock_alerte FROM produits "
                               "WHERE produits.code IN (?, ?, ?)")
    assert params(q, dialect) == ["EMBALLAGE", "PORT", "TASSE-01"]
    q = select(j.c.commande, f.c.numero, j.c.empreinte).select_from(j.outerjoin(f, j.c.facture_id == f.c.id)) \
        .where(j.c.commande.in_(["405-1", "171-2"]))
    assert sql(q, dialect) == ("SELECT imports_amazon.commande, factures.numero, imports_amazon.empreinte "
                               "FROM imports_amazon LEFT OUTER JOIN factures ON imports_amazon.facture_id = factures.id "
                               "WHERE imports_amazon.commande IN (?, ?)")
    # A journal no longer than the export is counted, then read whole with the same join and no WHERE.
    assert sql(select(func.count()).select_from(j), dialect) == "SELECT count(*) AS count_1 FROM imports_amazon"
    q = select(cp.c.pays, cp.c.code_postal, cp.c.ville).where(cp.c.pays.in_(["BE", "FR"]))
    assert sql(q, dialect) == ("SELECT codes_postaux.pays, codes_postaux.code_postal, codes_postaux.ville "
                               "FROM codes_postaux WHERE codes_postaux.pays IN (?, ?)")
    q = select(c.c.nom).where(c.c.nom != LOCK_ROW)
    assert sql(q, dialect) == "SELECT compteurs.nom FROM compteurs WHERE compteurs.nom != ?"
    assert params(q, dialect) == ["_VERROU_AMAZON"]
    q = select(func.max(f.c.date)).where(f.c.numero.like(_like_prefix("FA_20%"), escape="\\"))
    assert sql(q, dialect) == ("SELECT max(factures.\"date\") AS max_1 FROM factures "
                               "WHERE factures.numero LIKE ? ESCAPE '\\'")
    assert params(q, dialect) == ["FA\\_20\\%%"]


def test_store_settings_rows_statements(dialect, s):
    fam, prod = s.familles, s.produits
    q = select(fam.c.code).where(fam.c.code.in_(["AMAZON", "PORT"]))
    assert sql(q, dialect) == "SELECT familles.code FROM familles WHERE familles.code IN (?, ?)"
    q = select(prod.c.code).where(prod.c.code.in_(["PORT", "REMISE", "EMBALLAGE"]))
    assert sql(q, dialect) == "SELECT produits.code FROM produits WHERE produits.code IN (?, ?, ?)"


def test_integration_lock_is_a_row_write_then_a_plain_select(dialect, s):
    c = s.compteurs
    q = select(c.c.valeur).where(c.c.nom == LOCK_ROW).with_for_update()
    assert sql(q, dialect) == "SELECT compteurs.valeur FROM compteurs WHERE compteurs.nom = ?"
    lock = dialect.for_update_lock_statement(q)
    assert sql(lock, dialect) == "UPDATE compteurs SET valeur=compteurs.valeur WHERE compteurs.nom = ?"
    assert params(lock, dialect) == ["_VERROU_AMAZON"]
    q = select(c.c.valeur).where(c.c.nom == "FA2026").with_for_update()
    assert sql(q, dialect) == "SELECT compteurs.valeur FROM compteurs WHERE compteurs.nom = ?"
    assert params(dialect.for_update_lock_statement(q), dialect) == ["FA2026"]
    assert sql(insert(c).values(nom=LOCK_ROW, valeur=0), dialect) == \
        "INSERT INTO compteurs (nom, valeur) VALUES (?, ?)"
    # read locks have no HFSQL equivalent: nothing is rendered, nothing is written
    assert sql(select(c.c.valeur).with_for_update(read=True), dialect) == "SELECT compteurs.valeur FROM compteurs"
    with pytest.raises(exc.CompileError):
        dialect.for_update_lock_statement(select(c.c.nom, s.familles.c.code).with_for_update())


def test_integrate_write_statements(dialect, s):
    now = dt.datetime(2026, 3, 5, 10, 0, 0, 123456)
    q = insert(s.integrations_amazon).values(utilisateur="marie", date=now, fichier="commandes.txt",
                                             sha256="ab" * 32, nb_factures=4)
    assert sql(q, dialect) == ("INSERT INTO integrations_amazon (utilisateur, \"date\", fichier, sha256, nb_factures) "
                               "VALUES (?, ?, ?, ?, ?)")
    q = select(s.clients.c.id, s.clients.c.cle).where(s.clients.c.cle.in_(["a|1|FR", "b|2|FR"]))
    assert sql(q, dialect) == "SELECT clients.id, clients.cle FROM clients WHERE clients.cle IN (?, ?)"
    q = insert(s.clients).values(cle="k", nom="N", societe=None, adresse1="1 rue", adresse2=None, code_postal="45000",
                                 ville="Orléans", region=None, pays="FR", telephone=None, email=None,
                                 tva_intracom=None)
    assert sql(q, dialect) == ("INSERT INTO clients (cle, nom, societe, adresse1, adresse2, code_postal, ville, "
                               "region, pays, telephone, email, tva_intracom) "
                               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
    # executemany: one row per VALUES, never a multi-row VALUES
    keys = ["code", "libelle", "famille", "taux_tva", "prix_ttc", "gere_stock", "stock", "stock_alerte"]
    assert sql(insert(s.produits), dialect, column_keys=keys) == (
        "INSERT INTO produits (code, libelle, famille, taux_tva, prix_ttc, gere_stock, stock, stock_alerte) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
    invoice = {
        "numero": "FA2026000001", "date": dt.date(2026, 3, 5), "client_id": 1, "canal": "Amazon.fr",
        "commande": "405-1", "devise": "GBP", "total_ht": D("10.00"), "total_tva": D("0.00"), "total_ttc": D("10.00"),
        "livraison_nom": "N", "livraison_adresse1": "1 rue", "livraison_adresse2": None,
        "livraison_code_postal": "SW1A 1AA", "livraison_ville": "London", "livraison_region": None,
        "livraison_pays": "GB", "livraison_telephone": None, "instructions": None, "commande_pro": False,
        "bon_commande": None, "taux_change": D("0.842"), "date_vente": dt.date(2026, 3, 5),
        "expedie_par_amazon": False, "regime": "DEEMED", "mention_tva": "Exonération de TVA, article 262 I du CGI",
        "tva_client": None, "facturation_nom": "N", "facturation_adresse1": "1 rue", "facturation_adresse2": None,
        "facturation_code_postal": "SW1A 1AA", "facturation_ville": "London", "facturation_pays": "GB",
        "taxe_marketplace": D("2.00"), "total_ht_eur": D("11.88"), "total_tva_eur": D("0.00"),
        "total_ttc_eur": D("11.88"), "vies_date": None, "vies_reference": None}
    assert list(invoice) == [c.key for c in s.factures.columns][1:]  # every column but the id, in order
    assert sql(insert(s.factures), dialect, column_keys=list(invoice)) == (
        "INSERT INTO factures (numero, \"date\", client_id, canal, commande, devise, total_ht, total_tva, total_ttc, "
        "livraison_nom, livraison_adresse1, livraison_adresse2, livraison_code_postal, livraison_ville, "
        "livraison_region, livraison_pays, livraison_telephone, instructions, commande_pro, bon_commande, "
        "taux_change, date_vente, expedie_par_amazon, regime, mention_tva, tva_client, facturation_nom, "
        "facturation_adresse1, facturation_adresse2, facturation_code_postal, facturation_ville, facturation_pays, "
        "taxe_marketplace, total_ht_eur, total_tva_eur, total_ttc_eur, vies_date, vies_reference) "
        "VALUES (" + ", ".join(["?"] * 38) + ")")
    keys = ["facture_id", "rang", "produit_code", "libelle", "quantite", "prix_unitaire_ht", "montant_ht",
            "montant_tva", "montant_ttc", "taux_tva"]
    assert sql(insert(s.lignes_facture), dialect, column_keys=keys) == (
        "INSERT INTO lignes_facture (facture_id, rang, produit_code, libelle, quantite, prix_unitaire_ht, "
        "montant_ht, montant_tva, montant_ttc, taux_tva) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
    keys = ["produit_code", "date", "quantite", "facture_id", "libelle"]
    assert sql(insert(s.mouvements_stock), dialect, column_keys=keys) == (
        "INSERT INTO mouvements_stock (produit_code, \"date\", quantite, facture_id, libelle) VALUES (?, ?, ?, ?, ?)")
    p = s.produits
    q = update(p).where(p.c.code == "TASSE-01").values(stock=p.c.stock - 3)
    assert sql(q, dialect) == "UPDATE produits SET stock=(produits.stock - ?) WHERE produits.code = ?"
    assert params(q, dialect) == [3, "TASSE-01"]
    keys = ["commande", "canal", "facture_id", "integration_id", "fichier", "date_import", "empreinte"]
    assert sql(insert(s.imports_amazon), dialect, column_keys=keys) == (
        "INSERT INTO imports_amazon (commande, canal, facture_id, integration_id, fichier, date_import, empreinte) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)")
    c = s.compteurs
    q = update(c).where(c.c.nom == "FA2026").values(valeur=4)
    assert sql(q, dialect) == "UPDATE compteurs SET valeur=? WHERE compteurs.nom = ?"
    assert params(q, dialect) == [4, "FA2026"]
    assert sql(insert(s.codes_postaux), dialect, column_keys=["pays", "code_postal", "ville"]) == \
        "INSERT INTO codes_postaux (pays, code_postal, ville) VALUES (?, ?, ?)"


def test_admin_statements(dialect, s):
    assert sql(select(func.count()).select_from(s.factures), dialect) == "SELECT count(*) AS count_1 FROM factures"
    fam, prod, cp, cnt = s.familles, s.produits, s.codes_postaux, s.compteurs
    assert sql(select(fam.c.code).where(fam.c.code == "AMAZON"), dialect) == \
        "SELECT familles.code FROM familles WHERE familles.code = ?"
    assert sql(insert(fam).values(code="AMAZON", libelle="Produits Amazon"), dialect) == \
        "INSERT INTO familles (code, libelle) VALUES (?, ?)"
    q = insert(prod).values(code="PORT", libelle="Frais de port", famille="PORT", taux_tva=D("20"),
                            prix_ttc=D("0.00"), gere_stock=False, stock=0, stock_alerte=0)
    assert sql(q, dialect) == ("INSERT INTO produits (code, libelle, famille, taux_tva, prix_ttc, gere_stock, stock, "
                               "stock_alerte) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
    assert params(q, dialect) == ["PORT", "Frais de port", "PORT", D("20"), D("0.00"), False, 0, 0]
    assert sql(select(cnt.c.nom).where(cnt.c.nom == LOCK_ROW), dialect) == \
        "SELECT compteurs.nom FROM compteurs WHERE compteurs.nom = ?"
    q = select(cp.c.id).where(cp.c.pays == "FR", cp.c.code_postal == "45000", cp.c.ville == "Orléans")
    assert sql(q, dialect) == ("SELECT codes_postaux.id FROM codes_postaux WHERE codes_postaux.pays = ? "
                               "AND codes_postaux.code_postal = ? AND codes_postaux.ville = ?")
    assert sql(insert(cp).values(pays="FR", code_postal="45000", ville="Orléans"), dialect) == \
        "INSERT INTO codes_postaux (pays, code_postal, ville) VALUES (?, ?, ?)"


def test_init_db_adds_a_missing_column_with_one_plain_alter_table(dialect, s):
    """What `admin.add_missing_columns` sends for each column a base of the previous version lacks."""
    from sqlalchemy.schema import CreateColumn

    preparer = dialect.identifier_preparer

    def alter(table, key):
        return f"ALTER TABLE {preparer.format_table(table)} ADD COLUMN {CreateColumn(table.c[key]).compile(dialect=dialect)}"

    assert alter(s.factures, "taux_change") == "ALTER TABLE factures ADD COLUMN taux_change NUMERIC(14, 6)"
    assert alter(s.factures, "date_vente") == "ALTER TABLE factures ADD COLUMN date_vente DATE"
    assert alter(s.factures, "vies_date") == "ALTER TABLE factures ADD COLUMN vies_date DATETIME"
    assert alter(s.factures, "expedie_par_amazon") == "ALTER TABLE factures ADD COLUMN expedie_par_amazon BOOLEAN"
    assert alter(s.imports_amazon, "empreinte") == "ALTER TABLE imports_amazon ADD COLUMN empreinte VARCHAR(64)"
    mapped = Schema(Mapping({"factures": "FACTURE"}, {("factures", "regime"): "Regime"}))
    assert alter(mapped.factures, "regime") == 'ALTER TABLE "FACTURE" ADD COLUMN "Regime" VARCHAR(20)'


def test_id_read_back_plans(dialect, s):
    """After each single-row INSERT with an automatic id, the key-retrieval select the dialect runs."""
    plan = dialect.id_lookup_plan
    assert plan(s.clients, {"cle": "dupre|45000|FR", "nom": "Cécile"}) == \
        ("SELECT id FROM clients WHERE cle = ?", ["dupre|45000|FR"], True)
    assert plan(s.factures, {"numero": "FA2026000001", "date": dt.date(2026, 3, 5), "commande_pro": False}) == \
        ("SELECT id FROM factures WHERE numero = ?", ["FA2026000001"], True)
    assert plan(s.imports_amazon, {"commande": "405-1", "canal": "Amazon.fr"}) == \
        ("SELECT id FROM imports_amazon WHERE commande = ?", ["405-1"], True)
    assert plan(s.codes_postaux, {"pays": "FR", "code_postal": "45000", "ville": "Orléans"}) == \
        ("SELECT id FROM codes_postaux WHERE pays = ? AND code_postal = ? AND ville = ?",
         ["FR", "45000", "Orléans"], True)
    # integrations_amazon has no unique column: every exactly comparable inserted value, greatest id
    values = {"utilisateur": "marie", "date": dt.datetime(2026, 3, 5, 10, 0), "fichier": "commandes.txt",
              "sha256": "ab" * 32, "nb_factures": 4}
    assert plan(s.integrations_amazon, values) == (
        "SELECT MAX(id) FROM integrations_amazon WHERE utilisateur = ? AND fichier = ? AND sha256 = ? "
        "AND nb_factures = ?", ["marie", "commandes.txt", "ab" * 32, 4], False)
    # an explicit key through Table.info wins
    t = Table("doc", MetaData(), Column("id", Integer, primary_key=True), Column("ref", String(20)),
              Column("n", Integer), info={"hfsql_lookup_key": ("ref", "n")})
    assert plan(t, {"ref": "R1", "n": 2}) == ("SELECT id FROM doc WHERE ref = ? AND n = ?", ["R1", 2], True)
    assert plan(t, {}) is None


def test_dialect_flags(dialect):
    d = dialect
    assert (d.name, d.driver, d.paramstyle) == ("hfsql", "pyodbc", "qmark")
    assert d.supports_statement_cache is True
    assert d.supports_native_boolean is True and d.supports_native_decimal is True
    assert d.supports_sequences is False
    assert d.postfetch_lastrowid is True
    assert d.insert_returning is False and d.update_returning is False and d.delete_returning is False
    assert d.insert_executemany_returning is False
    assert d.use_insertmanyvalues is False and d.supports_multivalues_insert is False
    assert d.transactions == "odbc"


def test_what_hfsql_cannot_say_is_refused(dialect, s):
    c = s.compteurs
    with pytest.raises(exc.CompileError):
        sql(insert(c).values(nom="x", valeur=1).returning(c.c.nom), dialect)
    with pytest.raises(exc.CompileError):
        sql(insert(c).values([{"nom": "a", "valeur": 1}, {"nom": "b", "valeur": 2}]), dialect)
    with pytest.raises(exc.CompileError):
        sql(select(c.c.nom).limit(5).offset(10), dialect)
    with pytest.raises(exc.CompileError):
        sql(select(literal(1)), dialect)
    assert sql(select(c.c.nom).order_by(c.c.nom).limit(1), dialect) == \
        "SELECT TOP 1 compteurs.nom FROM compteurs ORDER BY compteurs.nom"


def test_types_and_literals(dialect):
    t = Table("t", MetaData(), Column("a", CURRENCY()), Column("b", DateTime), Column("c", String),
              Column("d", Numeric(14, 4)), Column("e", Boolean), Column("f", Date), Column("g", String(5)))
    assert sql(CreateTable(t), dialect) == ("CREATE TABLE t ( a CURRENCY, b DATETIME, c TEXT, d NUMERIC(14, 4), "
                                            "e BOOLEAN, f DATE, g VARCHAR(5) )")
    q = select(t.c.g).where(t.c.f == dt.date(2026, 3, 5), t.c.b < dt.datetime(2026, 3, 5, 9, 8, 7, 654000))
    assert sql(q, dialect, compile_kwargs={"literal_binds": True}) == \
        "SELECT t.g FROM t WHERE t.f = '20260305' AND t.b < '20260305090807654'"
    assert sql(select(t.c.g).where(t.c.g == "l'été"), dialect, compile_kwargs={"literal_binds": True}) == \
        "SELECT t.g FROM t WHERE t.g = 'l''été'"


def test_result_processing_tolerates_driver_forms(dialect):
    num = Numeric(12, 2).dialect_impl(dialect).result_processor(dialect, None)
    assert num(D("1.50")) == D("1.50") and num(1.5) == D("1.50") and num("2,25") == D("2.25") and num(None) is None
    boo = Boolean().dialect_impl(dialect).result_processor(dialect, None)
    assert [boo(v) for v in (True, 0, 1, "0", "1", "F", None)] == [True, False, True, False, True, False, None]
    day = Date().dialect_impl(dialect).result_processor(dialect, None)
    assert day("20260305") == dt.date(2026, 3, 5) == day(dt.datetime(2026, 3, 5, 1, 2))
    stamp = DateTime().dialect_impl(dialect).result_processor(dialect, None)
    assert stamp("20260305090807654") == dt.datetime(2026, 3, 5, 9, 8, 7, 654000)


# ---------------------------------------------------------------------------------------------------------
# 2. create_engine and connection strings


def test_create_engine_with_the_registered_dialect():
    engine = create_engine("hfsql+pyodbc://gestan:s3cret@srv-erp:4900/GESTAN?driver=HFSQL")
    assert engine.dialect.name == "hfsql" and engine.dialect.driver == "pyodbc"
    assert isinstance(engine.dialect, HFSQLDialect_pyodbc)
    assert "s3cret" not in repr(engine.url)


def connect_string(url: str) -> OdbcConnectionString:
    engine = create_engine(url)
    (cstr,), _kw = engine.dialect.create_connect_args(engine.url)
    return cstr


def test_connection_string_for_a_server():
    cstr = connect_string("hfsql+pyodbc://gestan:s3cret@srv-erp:4900/GESTAN?driver=HFSQL")
    assert str(cstr) == "DRIVER={HFSQL};Server Name=srv-erp;Server Port=4900;Database=GESTAN;UID=gestan;PWD=s3cret"
    assert repr(cstr) == repr("DRIVER={HFSQL};Server Name=srv-erp;Server Port=4900;Database=GESTAN;UID=gestan;PWD=***")
    assert "s3cret" not in repr(cstr) and "s3cret" not in cstr.masked
    # the default driver is PC SOFT's "HFSQL"; a port left out is the driver's (4900)
    assert str(connect_string("hfsql+pyodbc://gestan@srv-erp/GESTAN")) == \
        "DRIVER={HFSQL};Server Name=srv-erp;Database=GESTAN;UID=gestan"


def test_connection_string_for_a_dsn():
    assert str(connect_string("hfsql+pyodbc://@GESTAN_DSN")) == "DSN=GESTAN_DSN"
    cstr = connect_string("hfsql+pyodbc://compta:p%3Bw%7Dd@GESTAN_DSN")
    assert str(cstr) == "DSN=GESTAN_DSN;UID=compta;PWD={p;w}}d}"
    assert repr(cstr) == repr("DSN=GESTAN_DSN;UID=compta;PWD=***")


def test_connection_string_other_forms():
    cstr = connect_string("hfsql+pyodbc://u:pw@127.0.0.1:5432/db?driver=PostgreSQL+Unicode&BoolsAsChar=0")
    assert str(cstr) == "DRIVER={PostgreSQL Unicode};Server=127.0.0.1;Port=5432;Database=db;UID=u;PWD=pw;BoolsAsChar=0"
    raw = "DRIVER={HFSQL};Server Name=srv;Database=G;UID=u;PWD=top;secret"
    cstr = connect_string("hfsql+pyodbc:///?odbc_connect=" + raw.replace(";", "%3B").replace("=", "%3D"))
    assert str(cstr) == raw and "top" not in repr(cstr)
    assert mask("UID=a;Pwd = {x;y}};z};Database=d") == "UID=a;Pwd = ***;Database=d"
    engine = create_engine("hfsql+pyodbc://u@srv/db?transactions=sql")
    engine.dialect.create_connect_args(engine.url)
    assert engine.dialect.transactions == "sql"


def test_make_engine_takes_the_password_from_the_environment(monkeypatch):
    from amazon_addin.gestan.connect import make_engine

    monkeypatch.setenv("GESTAN_PWD", "tr;s")
    engine = make_engine("hfsql+pyodbc://gestan:${GESTAN_PWD}@srv/GESTAN", from_settings=True)
    cstr = engine.dialect.create_connect_args(engine.url)[0][0]
    assert str(cstr).endswith("UID=gestan;PWD={tr;s}") and "tr;s" not in repr(cstr)


# ---------------------------------------------------------------------------------------------------------
# 3. Over real ODBC drivers


SERVERS = {
    "postgresql": {
        "driver": "PostgreSQL Unicode",
        "admin": "DRIVER={PostgreSQL Unicode};Server=127.0.0.1;Port=5432;Database=test;UID=postgres",
        "create": "CREATE DATABASE {db}",
        "drop": "DROP DATABASE IF EXISTS {db} WITH (FORCE)",
        "url": "hfsql+pyodbc://postgres@127.0.0.1:5432/{db}?driver=PostgreSQL+Unicode&BoolsAsChar=0&Protocol=7.4-0",
    },
    "mariadb": {
        "driver": "MariaDB Unicode",
        "admin": "DRIVER={MariaDB Unicode};Server=127.0.0.1;Port=3306;Database=test;UID=root",
        "create": "CREATE DATABASE {db} CHARACTER SET utf8mb4",
        "drop": "DROP DATABASE IF EXISTS {db}",
        "url": "hfsql+pyodbc://root@127.0.0.1:3306/{db}?driver=MariaDB+Unicode&CHARSET=utf8mb4",
    },
}


def _unavailable(why: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"required in CI but unavailable: {why}")
    pytest.skip(f"not available outside CI: {why}")


@pytest.fixture(params=list(SERVERS))
def odbc(request):
    """A database of its own (hfsql_t_<random>) on a local server, reached by an hfsql+pyodbc URL."""
    import pyodbc

    spec = SERVERS[request.param]
    if spec["driver"] not in pyodbc.drivers():
        _unavailable(f"ODBC driver « {spec['driver']} » not installed (pyodbc.drivers() = {pyodbc.drivers()})")
    try:
        admin = pyodbc.connect(spec["admin"], autocommit=True, timeout=30)
    except pyodbc.Error as err:
        _unavailable(f"{request.param} server unreachable through ODBC: {err}")
    db = f"hfsql_t_{uuid.uuid4().hex[:10]}"
    admin.cursor().execute(spec["create"].format(db=db))
    try:
        yield request.param, spec["url"].format(db=db)
    finally:
        admin.cursor().execute(spec["drop"].format(db=db))
        admin.close()


def test_connect_ping_and_backend(odbc):
    kind, url = odbc
    engine = create_engine(url, pool_pre_ping=True)
    try:
        with engine.connect() as conn:
            assert conn.dialect.name == "hfsql"
            assert {"postgresql": "PostgreSQL", "mariadb": "MariaDB"}[kind] in conn.dialect.backend_dbms
        with engine.connect() as conn:  # second checkout goes through the dialect's ping
            assert conn.exec_driver_sql("SELECT 1").scalar() == 1
    finally:
        engine.dispose()


@pytest.mark.parametrize("mode", ["odbc", "sql"])
def test_transactions_commit_and_rollback(odbc, mode):
    _kind, url = odbc
    engine = create_engine(url + f"&transactions={mode}")
    schema = Schema()
    try:
        schema.metadata.create_all(engine, tables=[schema.familles])
        fam = schema.familles
        with engine.begin() as conn:
            conn.execute(insert(fam).values(code="GARDEE", libelle="validée"))
        with pytest.raises(RuntimeError):
            with engine.begin() as conn:
                conn.execute(insert(fam).values(code="ANNULEE", libelle="annulée"))
                assert conn.execute(select(func.count()).select_from(fam)).scalar() == 2
                raise RuntimeError("boom")
        with engine.connect() as conn:
            assert [r.code for r in conn.execute(select(fam.c.code))] == ["GARDEE"]
            conn.rollback()
            # a savepoint that fails rolls back alone (no RELEASE SAVEPOINT is ever sent)
            with conn.begin():
                try:
                    with conn.begin_nested():
                        conn.execute(insert(fam).values(code="GARDEE", libelle="doublon"))
                except exc.IntegrityError:
                    pass
                conn.execute(insert(fam).values(code="APRES", libelle="après le savepoint"))
            assert sorted(r.code for r in conn.execute(select(fam.c.code))) == ["APRES", "GARDEE"]
    finally:
        engine.dispose()


def test_isolation_levels_and_autocommit_through_odbc_attributes(odbc):
    kind, url = odbc
    show = {"postgresql": "SHOW transaction_isolation", "mariadb": "SELECT @@tx_isolation"}[kind]
    engine = create_engine(url, isolation_level="SERIALIZABLE", pool_size=1, max_overflow=0)
    schema = Schema()
    try:
        schema.metadata.create_all(engine, tables=[schema.familles])
        with engine.connect() as conn:
            assert conn.get_isolation_level() == "SERIALIZABLE"
            assert conn.exec_driver_sql(show).scalar().upper().replace("-", " ") == "SERIALIZABLE"
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(insert(schema.familles).values(code="AUTO", libelle="sans transaction"))
            other = engine.dialect.loaded_dbapi.connect(str(engine.dialect.create_connect_args(engine.url)[0][0]))
            try:
                assert other.cursor().execute("SELECT code FROM familles").fetchall()[0][0] == "AUTO"
            finally:
                other.close()
        with engine.connect() as conn:  # the pooled connection is back in its transactional level
            assert conn.get_isolation_level() == "SERIALIZABLE"
            conn.execute(insert(schema.familles).values(code="TXN", libelle="annulée"))
            conn.rollback()
            assert conn.execute(select(schema.familles.c.code)).scalars().all() == ["AUTO"]
    finally:
        engine.dispose()
    plain = create_engine(url, pool_size=1, max_overflow=0)  # no level asked: the driver's default comes back
    try:
        with plain.connect() as conn:
            default_level = conn.get_isolation_level()
        assert default_level in ("READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE", "READ UNCOMMITTED")
        with plain.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            assert conn.get_isolation_level() == "AUTOCOMMIT"
        with plain.connect() as conn:
            assert conn.get_isolation_level() == default_level
            assert conn.connection.dbapi_connection.autocommit is False
    finally:
        plain.dispose()


def test_reflection_through_the_odbc_catalog(odbc):
    _kind, url = odbc
    engine = create_engine(url)
    schema = Schema()
    try:
        assert inspect(engine).get_table_names() == []
        schema.metadata.create_all(engine)
        insp = inspect(engine)
        assert sorted(insp.get_table_names()) == sorted(t.name for _, t in schema.tables())
        with engine.connect() as conn:
            assert engine.dialect.has_table(conn, "FACTURES") and not engine.dialect.has_table(conn, "nope")
        cols = {c["name"]: c for c in insp.get_columns("factures")}
        assert list(cols) == [c.name for c in schema.factures.columns]
        assert isinstance(cols["total_ttc"]["type"], Numeric)
        assert (cols["total_ttc"]["type"].precision, cols["total_ttc"]["type"].scale) == (12, 2)
        assert isinstance(cols["date"]["type"], Date) and not cols["date"]["nullable"]
        assert isinstance(cols["numero"]["type"], String) and cols["numero"]["type"].length == 30
        assert isinstance(cols["commande_pro"]["type"], (Boolean, Integer))
        assert isinstance(cols["id"]["type"], Integer)
        assert insp.get_pk_constraint("compteurs")["constrained_columns"] == ["nom"]
        with pytest.raises(exc.NoSuchTableError):
            insp.get_columns("absente")
        # create_all(checkfirst) finds the tables and creates nothing twice
        schema.metadata.create_all(engine)
    finally:
        engine.dispose()


def test_new_ids_read_back_by_key_even_when_another_writer_inserts_meanwhile(odbc):
    import pyodbc

    _kind, url = odbc
    engine = create_engine(url)
    schema = Schema()
    cl = schema.clients
    try:
        schema.metadata.create_all(engine, tables=[cl, schema.integrations_amazon, schema.codes_postaux])
        odbc_string = str(engine.dialect.create_connect_args(engine.url)[0][0])
        gestan = pyodbc.connect(odbc_string, autocommit=True)
        if "MariaDB" in gestan.getinfo(pyodbc.SQL_DBMS_NAME):
            gestan.cursor().execute("SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',ANSI_QUOTES')")
        fired = []

        @event.listens_for(engine, "after_cursor_execute")
        def gestan_writes_between_our_insert_and_our_read_back(conn, cursor, statement, *args):
            if statement.startswith("INSERT INTO clients") and not fired:
                fired.append(statement)
                gestan.cursor().execute("INSERT INTO clients (cle, nom) VALUES (?, ?)", "gestan|1", "Gestan")

        with engine.begin() as conn:
            ours = conn.execute(insert(cl).values(cle="amazon|1", nom="Cécile")).inserted_primary_key[0]
            second = conn.execute(insert(cl).values(cle="amazon|2", nom="Lucas")).inserted_primary_key[0]
            integ = conn.execute(insert(schema.integrations_amazon).values(
                utilisateur="marie", date=dt.datetime(2026, 3, 5, 10, 0, 0, 123456), fichier="f.txt",
                sha256="ab" * 32, nb_factures=1)).inserted_primary_key[0]
            place = conn.execute(insert(schema.codes_postaux).values(
                pays="FR", code_postal="45000", ville="Orléans")).inserted_primary_key[0]
        gestan.close()
        assert fired
        with engine.connect() as conn:
            rows = dict(conn.execute(select(cl.c.cle, cl.c.id)).all())
            assert rows["amazon|1"] == ours and rows["amazon|2"] == second
            assert rows["gestan|1"] > ours  # MAX(id) right after our INSERT would have been Gestan's row
            assert conn.execute(select(schema.integrations_amazon.c.id)).scalar() == integ
            assert conn.execute(select(schema.codes_postaux.c.id)).scalar() == place
    finally:
        engine.dispose()


def test_round_trips_decimal_dates_booleans_accents_and_emoji(odbc):
    _kind, url = odbc
    engine = create_engine(url)
    meta = MetaData()
    t = Table("essai", meta, Column("id", Integer, primary_key=True), Column("cle", String(40), unique=True),
              Column("montant", Numeric(12, 2)), Column("prix", Numeric(14, 4)), Column("jour", Date),
              Column("instant", DateTime), Column("drapeau", Boolean), Column("texte", String(200)))
    texte = "Crème brûlée « été » — Ærøskøbing 😀 ½"
    try:
        meta.create_all(engine)
        with engine.begin() as conn:
            for i, flag in enumerate((True, False, None)):
                conn.execute(insert(t).values(cle=f"k{i}", montant=D("1234567890.05"), prix=D("0.0001"),
                                              jour=dt.date(2026, 2, 28), instant=dt.datetime(2026, 2, 28, 23, 59, 58),
                                              drapeau=flag, texte=texte))
        with engine.connect() as conn:
            rows = conn.execute(select(t).order_by(t.c.cle)).all()
        assert [r.drapeau for r in rows] == [True, False, None]
        r = rows[0]
        assert r.montant == D("1234567890.05") and isinstance(r.montant, D)
        assert r.prix == D("0.0001") and isinstance(r.prix, D)
        assert r.jour == dt.date(2026, 2, 28) and type(r.jour) is dt.date
        assert r.instant == dt.datetime(2026, 2, 28, 23, 59, 58)
        assert r.texte == texte
        with engine.connect() as conn:
            # LIKE ... ESCAPE '\' with the add-in's own escaping of %, _ and \
            conn.execute(insert(t).values(cle="FA_2026%1", texte="x"))
            conn.execute(insert(t).values(cle="FAX2026Y1", texte="y"))
            conn.execute(insert(t).values(cle="FA\\2026", texte="z"))
            found = conn.execute(select(t.c.cle).where(t.c.cle.like(_like_prefix("FA_2026%"), escape="\\"))).all()
            assert [f.cle for f in found] == ["FA_2026%1"]
            found = conn.execute(select(t.c.cle).where(t.c.cle.like(_like_prefix("FA\\"), escape="\\"))).all()
            assert [f.cle for f in found] == ["FA\\2026"]
            conn.rollback()
    finally:
        engine.dispose()


def test_with_for_update_blocks_a_second_integration_until_commit(odbc):
    kind, url = odbc
    engine = create_engine(url)
    schema = Schema()
    c = schema.compteurs
    try:
        schema.metadata.create_all(engine, tables=[c])
        with engine.begin() as conn:
            conn.execute(insert(c).values(nom=LOCK_ROW, valeur=0))
        events = []

        def second():
            with engine.begin() as conn:
                take_lock(conn, schema)
                events.append(("second locked", time.monotonic()))

        from observe import Server, wait_until

        server = Server(kind, url.split("/")[-1].split("?")[0])
        try:
            with engine.begin() as conn:
                take_lock(conn, schema)
                worker = threading.Thread(target=second)
                worker.start()
                wait_until(server.lock_waiters, "the second integration waiting on the lock row")
                assert events == []  # seen waiting on our row lock, not done
                released = time.monotonic()
        finally:
            server.close()
        worker.join(30)
        assert not worker.is_alive()
        assert events and events[0][1] >= released
        # the lock row missing: take_lock creates it inside a savepoint
        with engine.begin() as conn:
            conn.execute(c.delete())
        with engine.begin() as conn:
            take_lock(conn, schema)
        with engine.connect() as conn:
            assert conn.execute(select(c.c.nom)).scalars().all() == [LOCK_ROW]
    finally:
        engine.dispose()


# Invoices dated by their sale (numbers do not depend on the day the suite runs); VIES not asked.
FIXED_DATES = ROOT / "tests" / "settings" / "fixed-dates.toml"


def cli(*args) -> tuple[int, str, str]:
    """The add-in's command line in a subprocess, with the dialect registered as the entry point would."""
    if args[0] in ("verifier", "integrer"):
        args = (*args, "--config", FIXED_DATES)
    wrapper = ("import sys; from sqlalchemy.dialects import registry; "
               f"registry.register{REGISTER!r}; "
               "import amazon_addin.cli as cli; sys.exit(cli.main(sys.argv[1:]))")
    proc = subprocess.run([sys.executable, "-c", wrapper, *map(str, args)], capture_output=True, cwd=ROOT,
                          timeout=600, env={**os.environ, "PYTHONPATH": str(ROOT)})
    out, err = proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")
    assert "Traceback" not in err, err
    return proc.returncode, out, err


def test_init_db_upgrades_a_base_of_the_previous_version_through_odbc(odbc):
    from backends import NEW_COLUMNS, create_previous_version

    _kind, url = odbc
    engine = create_engine(url)
    try:
        create_previous_version(engine)
        before = {c["name"] for c in inspect(engine).get_columns("factures")}
        assert not before & set(NEW_COLUMNS["factures"])
    finally:
        engine.dispose()
    assert cli("check-db", "--db", url)[0] == 1
    code, _out, err = cli("init-db", "--db", url, "--demo")
    assert code == 0, err
    assert "Colonnes ajoutées : factures.taux_change" in err and "imports_amazon.empreinte" in err
    assert cli("check-db", "--db", url)[0] == 0
    code, out, err = cli("integrer", ROOT / "examples" / "commandes.txt", "--db", url, "--json")
    assert code == 0 and json.loads(out)["invoices_created"] == 4, err


def test_whole_integration_through_the_command_line(odbc):
    _kind, url = odbc
    code, _out, err = cli("init-db", "--db", url, "--demo")
    assert code == 0, err
    assert "Tables créées : familles, produits, clients, codes_postaux, factures" in err
    code, out, err = cli("integrer", ROOT / "examples" / "commandes.txt", "--db", url, "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["invoices_created"] == 4 and summary["orders_skipped"] == 0
    assert [i["numero"] for i in summary["invoices"]] == [f"FA202600000{n}" for n in range(1, 5)]
    assert summary["customers_created"] == 4 and summary["stock_movements"] == 5
    code, out, err = cli("integrer", ROOT / "examples" / "commandes.txt", "--db", url, "--json")
    assert code == 0, err
    assert json.loads(out)["invoices_created"] == 0 and json.loads(out)["orders_skipped"] == 4
    code, _out, err = cli("check-db", "--db", url)
    assert code == 0, err

    engine = create_engine(url)
    s = Schema()
    try:
        with engine.connect() as conn:
            f, l, cl, j, i = s.factures, s.lignes_facture, s.clients, s.imports_amazon, s.integrations_amazon
            invoices = conn.execute(select(f.c.id, f.c.numero, f.c.client_id, f.c.total_ttc, f.c.date)
                                    .order_by(f.c.numero)).all()
            assert [r.numero for r in invoices] == [f"FA202600000{n}" for n in range(1, 5)]
            assert all(isinstance(r.total_ttc, D) and isinstance(r.date, dt.date) for r in invoices)
            client_ids = set(conn.execute(select(cl.c.id)).scalars())
            assert {r.client_id for r in invoices} == client_ids and len(client_ids) == 4
            for inv in invoices:  # every line and journal row points at its own invoice's id
                lines = conn.execute(select(func.count()).select_from(l).where(l.c.facture_id == inv.id)).scalar()
                assert lines >= 1
                assert conn.execute(select(j.c.facture_id).where(j.c.facture_id == inv.id)).scalar() == inv.id
            runs = conn.execute(select(i.c.id, i.c.nb_factures).order_by(i.c.id)).all()
            assert [r.nb_factures for r in runs] == [4, 0]
            assert set(conn.execute(select(j.c.integration_id)).scalars()) == {runs[0].id}
            assert conn.execute(text("SELECT stock FROM produits WHERE code = 'TASSE-01'")).scalar() == 3
    finally:
        engine.dispose()
