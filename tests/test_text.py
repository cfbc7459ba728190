import pytest

from amazon_addin import postcodes, text


def test_plain_text_is_fine():
    assert text.inspect("Cécile Dupré", "cp1252") is None
    assert text.inspect("Hello", "cp1252") is None


@pytest.mark.parametrize("bad, good", [("JÃ¼rgen", "Jürgen"), ("CÃ©cile", "Cécile"), ("Ã‰lodie", "Élodie"),
                                       ("MÃ¼ller straÃŸe", "Müller straße")])
def test_exact_mojibake_is_an_error_with_the_repair(bad, good):
    issue = text.inspect(bad, "cp1252")
    assert issue.severity == "error" and issue.fixed == good


def test_inexact_mojibake_is_a_warning():
    # "â€" followed by something that does not re-encode: ftfy's guess, not an exact inverse.
    issue = text.inspect("Ã©tÃ© ☃", None)
    assert issue is not None
    assert issue.fixed is not None and "été" in issue.fixed
    assert issue.severity == "warning"


@pytest.mark.parametrize("raw, fixed", [("Łukasz", "Lukasz"), ("Ștefan", "Stefan"), ("ﬁne", "fine"),
                                        ("Ørsted", "Ørsted"), ("Zoë 😀", "Zoë")])
def test_charset_transliteration(raw, fixed):
    issue = text.inspect(raw, "cp1252")
    if raw == fixed:
        assert issue is None  # Ø is in cp1252
    else:
        assert issue.severity == "error" and issue.fixed == fixed


def test_charset_only_when_asked():
    assert text.inspect("Łukasz", None) is None
    assert text.inspect("Łukasz", "utf-8") is None


def test_control_and_replacement_characters():
    issue = text.inspect("12 rue\x00 des\tLilas", "cp1252")
    assert issue.severity == "error" and issue.fixed == "12 rue des Lilas"
    assert "U+0000" in issue.reasons[0]
    lost = text.inspect("Orl\ufffdans", "cp1252")
    assert lost.severity == "error" and "perdue" in lost.reasons[0]


@pytest.mark.parametrize("country, raw, fixed", [
    ("FR", "7100", "07100"), ("FR", "1000", "01000"), ("DE", "1067", "01067"), ("IT", "118", "00118"),
    ("ES", "8001", "08001"), ("US", "2134", "02134"), ("US", "2134-1234", "02134-1234"), ("FI", "100", "00100"),
])
def test_postcode_restored(country, raw, fixed):
    assert postcodes.restore(country, raw) == fixed


@pytest.mark.parametrize("country, raw", [
    ("BE", "1000"), ("FR", "75012"), ("FR", "100"), ("GB", "SW1A 1AA"), ("FR", "ABC"), ("AT", "1010"),
    ("ES", "100"), ("XX", "123"),
])
def test_postcode_left_alone(country, raw):
    assert postcodes.restore(country, raw) is None


def test_phone_restored_in_france_only():
    assert postcodes.restore_phone("FR", "671944444") == "0671944444"
    assert postcodes.restore_phone("FR", "0671944444") is None
    assert postcodes.restore_phone("DE", "671944444") is None
    assert postcodes.restore_phone("FR", "+33 6 71 94 44 44") is None


def test_wording_agrees_in_number():
    from amazon_addin.text import inspect, plural

    assert plural(0, "erreur") == "0 erreur" and plural(1, "erreur") == "1 erreur" and plural(2, "erreur") == "2 erreurs"
    assert plural(3, "code postal ajouté", "codes postaux ajoutés") == "3 codes postaux ajoutés"
    one = inspect("Łukasz", "cp1252")
    many = inspect("Łukasz Šťastný", "cp1252")
    assert any("Ł ne peut pas être enregistré dans Gestan" in r for r in one.reasons)
    assert any("ne peuvent pas être enregistrés dans Gestan" in r for r in many.reasons)


def test_ids_turned_into_numbers_are_shown_without_a_decimal_point():
    from amazon_addin.checks import verify_table
    from amazon_addin.reader import build_table
    from amazon_addin.settings import Settings
    from exportgen import HEADER, cells, row

    grid = [list(HEADER)] + cells([row(order_item_id="x")])
    grid[1][HEADER.index("order-item-id")] = 40000000000011.0  # what Excel hands over from a number cell
    result = verify_table(build_table("e.xlsx", "xlsx", grid), Settings())
    f = next(f for f in result.findings if f.code == "E_IDENTIFIANT")
    assert "« 40000000000011 »" in f.message and ".0" not in f.message and f.suggestion == "40000000000011"
