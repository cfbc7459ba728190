"""The ribbon's Avoir button through the headless engine: the orders of the selected rows are listed in a
confirmation box, credited only on Oui, and their credit note numbers written in `N° avoir`."""

import sqlite3
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from amazon_addin import ribbon
from amazon_addin.excel import addin as A
from amazon_addin.excel import engine as E
from test_credit import FIRST, SECOND, THIRD, sold
from test_excel_flow import init_db
from exportgen import write_txt


def column(sheet, header):
    rows = A.read_block(sheet)
    col = rows[0].index(header)
    return [r[col] if col < len(r) else None for r in rows[1:]]


@pytest.mark.parametrize("addin", [False, True], ids=["xlsm", "xlam"])
def test_avoir_credits_the_selected_orders_after_a_confirmation(tmp_path, engine, addin):
    db = tmp_path / "gestan.db"
    init_db(db)
    book = E.new_book()
    book.sheets[0].name = "Commandes" if addin is False else "Mes ventes"
    book.sheets.add("Paramètres").range("A1").value = [["base", f"sqlite:///{db}"], ["date_facture", "achat"],
                                                       ["vies", "non"]]
    book.set_mock_caller()
    ribbon.charger(addin=addin, path=str(write_txt(tmp_path / "mars.txt", sold())))
    assert "3 factures créées" in ribbon.integrer(addin=addin)
    sheet = book.sheets["Commandes" if not addin else "mars"]
    sheet.activate()

    # Nothing selected on the orders (the header): a sentence, nothing written.
    sheet.range("A1").select()
    msg = ribbon.avoir(addin=addin)
    assert "Sélectionnez dans la feuille" in msg and "Rien n'a été écrit" in msg

    # Rows of the first two orders selected; the seller answers Non: nothing written.
    sheet.range("B2:C3").select()
    E.ENGINE.alert_answers.append("no")
    assert ribbon.avoir(addin=addin) == "Aucun avoir fait."
    box = E.ENGINE.alerts[-2]
    assert box["buttons"] == "yes_no" and f"  {FIRST}\n  {SECOND}" in box["prompt"] and THIRD not in box["prompt"]
    assert "Faire un avoir total pour 2 commandes ?" in box["prompt"]
    con = sqlite3.connect(db)
    assert con.execute("select count(*) from avoirs").fetchone() == (0,)

    # Oui: two credit notes, their numbers in `N° avoir` next to `N° facture`, the third row untouched.
    E.ENGINE.alert_answers.append("yes")
    msg = ribbon.avoir(addin=addin)
    year = datetime.now(ZoneInfo("Europe/Paris")).year
    assert msg.startswith("2 avoirs créés dans Gestan, 2 mouvements de stock rendus")
    assert f"AV{year}000001 annule la facture FA2026000001 (commande {FIRST})" in msg
    assert column(sheet, "N° avoir") == [f"AV{year}000001", f"AV{year}000002", None]
    assert column(sheet, "N° facture") == ["FA2026000001", "FA2026000002", "FA2026000003"]
    assert con.execute("select numero, motif from avoirs order by numero").fetchall()[0] == (
        f"AV{year}000001", f"Annulation de la facture FA2026000001 (commande Amazon {FIRST})")

    # The same rows again: refused in French, the sheet keeps its numbers.
    E.ENGINE.alert_answers.append("yes")
    msg = ribbon.avoir(addin=addin)
    assert f"La commande {FIRST} est déjà créditée" in msg and "rien n'a été écrit" in msg
    assert con.execute("select count(*) from avoirs").fetchone() == (2,)
    assert column(sheet, "N° avoir") == [f"AV{year}000001", f"AV{year}000002", None]
    con.close()
    book.close()
