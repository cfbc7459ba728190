"""Mapping converters (gestan/convert.py): each rule with a worked example, then through a real SQLite base
and the HFSQL dialect, which must still compile every statement."""

import pytest
from sqlalchemy import create_engine, insert, select, text

from amazon_addin.errors import SettingsError
from amazon_addin.gestan.convert import country, short_key, split_name
from amazon_addin.gestan.schema import Schema, load_mapping, parse_mapping


def test_country_codes_alpha2_to_alpha3_and_back():
    assert country("FR", "alpha3") == "FRA" and country("BE", "alpha3") == "BEL"
    assert country("FRA", "alpha2") == "FR" and country("DEU", "alpha2") == "DE"
    assert country("XX", "alpha3") == "XX"  # unknown to pycountry: written as it is, never guessed
    assert country(None, "alpha3") is None


def test_short_key_is_stable_never_a_truncation():
    """A dedup key longer than its column becomes a stable hash: two customers sharing their first 12
    characters never merge, and the same customer always gets the same text."""
    a, b = "DUPONTJEAN|75001|FR", "DUPONTJEAN|75002|FR"
    assert short_key(a, 12) == short_key(a, 12) and len(short_key(a, 12)) == 12
    assert short_key(a, 12) != short_key(b, 12) and short_key(a, 12).startswith("#")
    assert short_key("TVA:FR123", 12) == "TVA:FR123"  # fits: kept as it is


def test_name_split_rule():
    assert split_name("Jean Dupont", 20) == ("Jean", "Dupont")
    assert split_name("Marie de La Tour", 20) == ("Marie", "de La Tour")
    assert split_name("Dupont", 20) == (None, "Dupont")  # one word: the family name only
    assert split_name("Bartholomew-Alexander Smith", 20) == (None, "Bartholomew-Alexander Smith")  # first > 20


MAPPING = {
    "familles": {"table": "FAM", "code": "CD_FAM"},
    "produits": {"table": "PROD", "code": "CD", "famille": {"colonne": "IDFAM", "convertir": "id_par_code",
                                                             "table": "familles", "id": "IDFAM"},
                 "gere_stock": {"colonne": "GERE", "convertir": "booleen_entier"}},
    "clients": {"table": "CONTACT", "cle": {"colonne": "REF", "convertir": "cle_courte", "longueur": 12},
                "nom": {"colonne": "NOMF", "convertir": "nom_prenom", "prenom": "PRENOM", "longueur_prenom": 20},
                "pays": {"colonne": "CDPAYS", "convertir": "pays", "format": "alpha3"}, "region": False},
}


@pytest.fixture
def base(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'g.db'}")
    with engine.begin() as conn:
        for sql in ("CREATE TABLE FAM (IDFAM INTEGER PRIMARY KEY AUTOINCREMENT, CD_FAM TEXT, libelle TEXT)",
                    "CREATE TABLE PROD (CD TEXT PRIMARY KEY, libelle TEXT, IDFAM INTEGER, taux_tva NUMERIC, "
                    "prix_ttc NUMERIC, GERE INTEGER, stock INTEGER, stock_alerte INTEGER)",
                    "CREATE TABLE CONTACT (id INTEGER PRIMARY KEY AUTOINCREMENT, REF TEXT, NOMF TEXT, PRENOM TEXT, "
                    "societe TEXT, adresse1 TEXT, adresse2 TEXT, code_postal TEXT, ville TEXT, CDPAYS TEXT, "
                    "telephone TEXT, email TEXT, tva_intracom TEXT)",
                    "INSERT INTO FAM (CD_FAM) VALUES ('DIVERS'), ('AMAZON')"):
            conn.execute(text(sql))
    yield engine
    engine.dispose()


def test_converters_write_target_values_and_read_reference_ones(base):
    s = Schema(parse_mapping(MAPPING))
    with base.begin() as conn:
        conn.execute(insert(s.produits), [{"code": "T1", "famille": "AMAZON", "gere_stock": True, "stock": 0,
                                           "stock_alerte": 0}])
        conn.execute(insert(s.clients), [{"cle": "DUPONTJEAN|75001|FR", "nom": "Jean Dupont", "pays": "FR",
                                          "region": "Île-de-France"}])
        assert conn.execute(text("SELECT IDFAM, GERE FROM PROD")).all() == [(2, 1)]
        stored = conn.execute(text("SELECT REF, PRENOM, NOMF, CDPAYS FROM CONTACT")).one()
        assert stored[1:] == ("Jean", "Dupont", "FRA") and len(stored[0]) == 12
        # Read back, values are the reference's again; a WHERE on the key converts it the same way.
        p = s.produits
        assert conn.execute(select(p.c.famille, p.c.gere_stock)).one() == ("AMAZON", True)
        c = s.clients
        assert conn.execute(select(c.c.cle, c.c.pays).where(c.c.cle == "DUPONTJEAN|75001|FR")).one() == \
            ("DUPONTJEAN|75001|FR", "FR")
    assert "region" not in s.clients.c  # false: this base does not keep it


@pytest.mark.parametrize("section, said", [
    ({"produits": {"gere_stock": {"colonne": "G", "convertir": "magique"}}}, "convertisseur « magique » inconnu"),
    ({"clients": {"cle": {"colonne": "R", "convertir": "cle_courte", "longueur": 4}}}, "au moins 8"),
    ({"clients": {"pays": {"colonne": "P", "convertir": "pays", "format": "iso"}}}, "alpha2"),
    ({"clients": {"cle": False}}, "ne peut pas valoir false"),
    ({"factures": {"numero": {"numerotation": "base", "lue_par": "inconnue"}}}, "lue_par"),
])
def test_a_wrong_converter_is_one_french_sentence(section, said):
    with pytest.raises(SettingsError) as err:
        parse_mapping(section)
    assert said in err.value.message


def test_the_profile_is_found_by_its_name_and_says_what_is_left():
    m = load_mapping("gestan15")
    assert m.table("clients") == "CONTACT" and m.numbering_key == "commande"
    assert ("lignes_facture", None) in m.todo and ("familles", "code") in m.todo


def test_hfsql_compiles_every_converted_statement():
    """No RETURNING, no multi-row VALUES: the family id is a scalar subquery inside the one-row INSERT."""
    from amazon_addin.hfsql.base import HFSQLDialect

    s = Schema(load_mapping("gestan15"))
    sql = str(insert(s.produits).compile(dialect=HFSQLDialect()))
    assert "(SELECT" in sql and "IDFAMPROD" in sql and "RETURNING" not in sql
    sql = str(insert(s.clients).compile(dialect=HFSQLDialect()))
    assert "PRENOM" in sql and "RETURNING" not in sql
