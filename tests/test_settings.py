"""Settings files as users write them (Windows editors, backslash paths, typos), each key checked with its
own French sentence, and the command line's --config and --verbose. Real processes, real files."""

import codecs
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from amazon_addin.errors import SettingsError
from amazon_addin.settings import WAIT_MAX_S, Settings, from_mapping, load
from exportgen import row, write_txt
from sentences import one_french_sentence

ROOT = Path(__file__).resolve().parents[1]


def cli(*args, cwd, env=None):
    proc = subprocess.run([sys.executable, "-m", "amazon_addin", *map(str, args)], capture_output=True, cwd=cwd,
                          timeout=120, env={**os.environ, **(env or {})})
    return proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")


@pytest.fixture
def export(tmp_path):
    return write_txt(tmp_path / "export.txt", [row()])


def settings_file(folder: Path, text: str, encoding: str = "utf-8") -> Path:
    path = folder / "amazon_addin.toml"
    path.write_bytes(text.encode(encoding))
    return path


# ------------------------------------------------------------------------------- files from Windows editors

@pytest.mark.parametrize("encoding, said", [("utf-8-sig", "UTF-8 avec BOM"), ("utf-16", "UTF-16"),
                                            ("cp1252", "Windows-1252"), ("utf-8", "UTF-8")])
def test_settings_file_read_as_notepad_and_powershell_save_it(tmp_path, export, encoding, said):
    settings_file(tmp_path, 'canal_defaut = "Amazon Été"\nfamille_produits = "MAISON"\n', encoding)
    code, _, err = cli("--verbose", "verifier", export, cwd=tmp_path)
    assert code == 0, err
    assert f"Paramètres : « {tmp_path / 'amazon_addin.toml'} » lu ({said})." in err
    assert load(tmp_path / "amazon_addin.toml").canal_defaut == "Amazon Été"


def test_binary_settings_file_says_to_save_as_utf8(tmp_path, export):
    (tmp_path / "amazon_addin.toml").write_bytes(b"base\x00= \x01\x02")
    code, _, err = cli("verifier", export, cwd=tmp_path)
    assert code == 3 and "enregistrez-le en UTF-8" in one_french_sentence(err)


@pytest.mark.parametrize("line, key, escape", [
    ('base = "sqlite:///C:\\temp\\new.db"', "base", "tabulation"),  # \t and \n: silently another file name
    ('mapping = "C:\\Gestan\\m.toml"', "mapping", "TOML refuse"),  # \G: a syntax error in TOML
    ('mapping = "\\\\serveur\\partage\\m.toml"', "mapping", "TOML refuse"),
])
def test_backslash_path_refused_with_the_advice_to_use_apostrophes_or_slashes(tmp_path, export, line, key, escape):
    settings_file(tmp_path, line + "\n")
    before = sorted(p.name for p in tmp_path.iterdir())
    for command in (("init-db",), ("verifier", export)):
        code, _, err = cli(*command, cwd=tmp_path)
        text = one_french_sentence(err)
        assert code == 3 and f"ligne 1 ({key})" in text and escape in text, text
        assert "entre apostrophes" in text and "/" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no base with a TAB in its name


def test_backslash_path_between_apostrophes_or_doubled_is_the_windows_path(tmp_path):
    settings_file(tmp_path, "mapping = 'C:\\Gestan\\m.toml'\nbase = \"sqlite:///C:\\\\temp\\\\new.db\"\n")
    s = load(tmp_path / "amazon_addin.toml")
    assert s.mapping == "C:\\Gestan\\m.toml" and s.base == "sqlite:///C:\\temp\\new.db"


def test_toml_syntax_errors_are_french_with_their_line(tmp_path, export):
    settings_file(tmp_path, 'famille_produits = "A"\nbase = sqlite:///x.db\n')
    code, _, err = cli("verifier", export, cwd=tmp_path)
    text = one_french_sentence(err)
    assert code == 3 and "ligne 2" in text and "entre guillemets ou apostrophes" in text


def test_paths_in_a_settings_file_are_relative_to_that_file(tmp_path, export):
    """mapping and a sqlite:/// file named in ~/conf/amazon_addin.toml are beside it, wherever the command runs."""
    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "noms.toml").write_text('[factures]\nnumero = "FAC_NUM"\n', encoding="utf-8")
    settings_file(conf, "mapping = 'noms.toml'\nbase = 'sqlite:///gestan.db'\n")
    elsewhere = tmp_path / "ailleurs"
    elsewhere.mkdir()
    code, _, err = cli("--config", conf / "amazon_addin.toml", "-v", "init-db", cwd=elsewhere)
    assert code == 0, err
    assert (conf / "gestan.db").is_file() and not list(elsewhere.iterdir())
    assert f"Correspondance des noms : « {conf / 'noms.toml'} » lue (UTF-8)." in err
    code, _, err = cli("--config", conf / "amazon_addin.toml", "integrer", export, cwd=elsewhere)
    assert code == 0, err
    import sqlite3

    with sqlite3.connect(conf / "gestan.db") as con:
        assert con.execute("select FAC_NUM from factures").fetchall() == [("FA2026000001",)]


# ------------------------------------------------------------------------------- one sentence per key

@pytest.mark.parametrize("line, key, words", [
    ('taux_tva_defaut = "NaN"', "taux_tva_defaut", "pourcentage"),
    ("taux_tva_defaut = nan", "taux_tva_defaut", "pourcentage"),
    ('taux_tva_defaut = "Infinity"', "taux_tva_defaut", "pourcentage"),
    ('taux_tva_defaut = "5,555"', "taux_tva_defaut", "deux décimales"),
    ('taux_tva_defaut = "vingt"', "taux_tva_defaut", "n'est pas un nombre"),
    ('jeu_caracteres = "rot13"', "jeu_caracteres", "jeu de caractères de texte"),
    ('jeu_caracteres = "base64"', "jeu_caracteres", "jeu de caractères de texte"),
    ('jeu_caracteres = "klingon"', "jeu_caracteres", "jeu de caractères de texte"),
    ("attente_verrou_s = 100000000", "attente_verrou_s", "dépasse ce que les serveurs acceptent"),
    ("attente_verrou_s = 0", "attente_verrou_s", "au moins 1"),
    ("attente_verrou_s = 2.5", "attente_verrou_s", "nombre entier"),
    ("lignes_max = -5", "lignes_max", "entre 1 et"),
    ('format_numero = "FA{annee}{seq}"', "format_numero", "{year}"),
    ('famille_produits = " AMAZON"', "famille_produits", "espace"),
    ('canal_defaut = ""', "canal_defaut", "non vide"),
    ('fuseau_horaire = "Mars/Olympus"', "fuseau_horaire", "inconnu"),
    ('canal_defaut = "Amazon\\u0009FR"', "canal_defaut", "caractère de contrôle"),
    ('famile_produits = "X"', "famile_produits", "vouliez-vous dire « famille_produits »"),
])
def test_each_key_is_refused_with_its_own_sentence(tmp_path, export, line, key, words):
    settings_file(tmp_path, line + "\n")
    code, out, err = cli("verifier", export, "--json", cwd=tmp_path)
    text = one_french_sentence(err)
    assert code == 3 and out == "" and f"« {key} »" in text and words in text, text


def test_lock_wait_limit_is_what_every_server_accepts():
    assert from_mapping({"attente_verrou_s": WAIT_MAX_S}).attente_verrou_s == WAIT_MAX_S
    with pytest.raises(SettingsError):
        from_mapping({"attente_verrou_s": WAIT_MAX_S + 1})
    # PostgreSQL's statement_timeout (the longest derived wait) is a 32-bit count of milliseconds.
    from amazon_addin.settings import waits

    assert waits(WAIT_MAX_S).statement_s * 1000 <= 2**31 - 1


def test_sheet_values_coerced_like_a_file():
    s = from_mapping({"taux_tva_defaut": 5.5, "attente_verrou_s": 12.0, "lignes_max": "1000"}, Settings())
    assert (s.taux_tva_defaut, s.attente_verrou_s, s.lignes_max) == (Decimal("5.5"), 12, 1000)


def test_format_numero_longer_than_the_number_column_refused_before_anything_is_written(tmp_path):
    settings_file(tmp_path, 'format_numero = "FACTURE-AMAZON-MARKETPLACE-{year}-{seq:06d}"\n')
    code, _, err = cli("init-db", cwd=tmp_path)
    text = one_french_sentence(err)
    assert code == 3 and "format_numero" in text and "38 caractères" in text and "factures.numero" in text
    assert not (tmp_path / "gestan.db").exists()  # not even an empty file


# ------------------------------------------------------------------------------- --config, ~, --verbose

def test_config_errors_say_what_is_wrong(tmp_path, export):
    code, _, err = cli("--config", tmp_path, "verifier", export, cwd=tmp_path)
    assert code == 3 and "est un dossier" in one_french_sentence(err)
    code, _, err = cli("--config", tmp_path / "absent.toml", "verifier", export, cwd=tmp_path)
    assert code == 3 and "introuvable" in one_french_sentence(err)
    code, _, err = cli("verifier", export, "--config", tmp_path / "absent.toml", cwd=tmp_path)
    assert code == 3 and "introuvable" in err


def test_home_settings_file_is_read_and_named(tmp_path, export):
    """The documented fallback: ~/amazon_addin.toml when the current folder has none (what Excel finds)."""
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir(), work.mkdir()
    settings_file(home, 'fuseau_horaire = "Mars/Olympus"\n')
    env = {"HOME": str(home), "USERPROFILE": str(home)}
    code, _, err = cli("verifier", export, cwd=work, env=env)
    assert code == 3 and "fuseau_horaire" in err
    settings_file(home, 'canal_defaut = "Maison"\n')
    code, _, err = cli("-v", "verifier", export, cwd=work, env=env)
    assert code == 0 and f"Paramètres : « {home / 'amazon_addin.toml'} » lu (UTF-8)." in err
    settings_file(work, 'canal_defaut = "Ici"\n')  # the current folder's file wins
    code, _, err = cli("verifier", export, "--verbose", cwd=work, env=env)
    assert code == 0 and f"« {work / 'amazon_addin.toml'} » lu" in err and str(home) not in err
    (work / "amazon_addin.toml").unlink(), (home / "amazon_addin.toml").unlink()
    code, _, err = cli("-v", "verifier", export, cwd=work, env=env)
    assert code == 0 and "aucun fichier" in err and "valeurs par défaut" in err


def test_verbose_names_the_base_and_its_waits(tmp_path, export):
    settings_file(tmp_path, "attente_verrou_s = 7\n")
    assert cli("init-db", cwd=tmp_path)[0] == 0
    code, _, err = cli("-v", "integrer", export, cwd=tmp_path)
    assert code == 0, err
    assert "Base : sqlite:///gestan.db ; attentes : connexion 7 s, verrou 7 s, instruction 74 s." in err
    code, _, err = cli("integrer", export, cwd=tmp_path)
    assert "Paramètres" not in err and "attentes" not in err  # quiet without --verbose


def test_bom_in_a_mapping_file(tmp_path):
    mapping = tmp_path / "m.toml"
    mapping.write_bytes(codecs.BOM_UTF8 + '[produits]\ntable = "ARTICLES"\n'.encode("utf-8"))
    settings_file(tmp_path, "mapping = 'm.toml'\n")
    code, _, err = cli("init-db", cwd=tmp_path)
    assert code == 0 and "ARTICLES" in err
