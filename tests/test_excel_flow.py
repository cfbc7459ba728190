"""The whole flow a seller walks (issue 12), in both variants, through the headless engine:
Paramètres → Charger → Vérifier → edit → Corriger → Vérifier → Intégrer → Intégrer.

Each step asserts what the seller would see: the focus on the order sheet with the first error selected,
Corriger writing the VAT in the tax cell and never touching a price, the same base read by Vérifier and
Intégrer, hidden rows integrated and said, light-blue rows and no prediction left after Intégrer, the stock
alerts still shown the second time, and sheets a person can read."""

import datetime as dt
import sqlite3
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from amazon_addin import ribbon
from amazon_addin.excel import addin as A
from amazon_addin.excel import engine as E
from exportgen import HEADER, row, write_txt

ROOT = Path(__file__).resolve().parents[1]
COL = {name: A.C.letter(HEADER.index(name)) for name in HEADER}


def init_db(path):
    proc = subprocess.run([sys.executable, "-m", "amazon_addin", "init-db", "--demo", "--db", f"sqlite:///{path}"],
                          capture_output=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr


def export(tmp_path):
    rows = [
        # A book at 5.5 % in Gestan, Amazon gave no VAT: the rate comes from the base, in Aperçu as in Gestan.
        row(order_id="405-0000001-0000001", order_item_id="10000000000001", sku="LIVRE-CUISINE",
            product_name="Livre « Cuisine du marché »", item_price="21.10", item_tax="", vat_exclusive_item_price=""),
        # Ten cups: the stock falls under its alert level.
        row(order_id="405-0000002-0000002", order_item_id="10000000000002", sku="TASSE-01", quantity_purchased="10",
            item_price="120.00", item_tax="20.00", vat_exclusive_item_price="100.00"),
        # A new product, a quantity the seller fixes by hand.
        row(order_id="405-0000003-0000003", order_item_id="10000000000003", sku="NOUVEAU", quantity_purchased="0"),
        # A postcode Excel lost its zero on, shipping without VAT.
        row(order_id="405-0000004-0000004", order_item_id="10000000000004", ship_postal_code="7100",
            ship_city="Roiffieux", bill_postal_code="7100", bill_city="Roiffieux", shipping_price="3.90",
            shipping_tax="", vat_exclusive_shipping_price=""),
        # An order the seller hides: still integrated (the export is the truth), and said.
        row(order_id="405-0000005-0000005", order_item_id="10000000000005"),
    ]
    return write_txt(tmp_path / "juin.txt", rows)


def active(book):
    return book.sheets.active.name


def selected(book):
    return book.app.selection.address.replace("$", "")


@pytest.mark.parametrize("addin", [False, True], ids=["xlsm", "xlam"])
def test_the_whole_flow_a_seller_walks(tmp_path, engine, addin):
    db = tmp_path / "gestan.db"
    init_db(db)
    book = E.new_book()
    if addin:
        book.sheets[0].name = "Mes chiffres"
        book.sheets[0].range("A1").value = "à garder"
    else:
        book.sheets[0].name = "Commandes"
    book.set_mock_caller()

    # Paramètres, then the seller names the base and types numbers as a French Excel keeps them.
    assert "Paramètres valides" in ribbon.parametres(addin=addin)
    params = book.sheets["Paramètres"]
    keys = [r[0] for r in A.read_block(params)]
    assert params.range(f"B{keys.index('base') + 1}").value is None  # the default base is no choice of theirs
    params.range(f"B{keys.index('base') + 1}").value = f"sqlite:///{db}"
    params.range(f"B{keys.index('taille_max_mo') + 1}").value = "150,0"
    params.range(f"B{keys.index('taux_tva_defaut') + 1}").value = "20,0"
    params.range(f"B{keys.index('attente_verrou_s') + 1}").value = "20"
    assert ribbon.settings_for(book).taille_max_mo == 150
    if addin:
        book.sheets["Mes chiffres"].activate()

    msg = ribbon.charger(addin=addin, path=str(export(tmp_path)))
    name = "juin" if addin else "Commandes"
    assert f"5 lignes chargées dans la feuille « {name} »" in msg
    sheet = book.sheets[name]
    assert active(book) == name

    # Vérifier: the quantity is the only error; the focus stays on the orders, the error selected.
    msg = ribbon.verifier(addin=addin)
    assert "1 erreur," in msg, msg
    qty = f"{COL['quantity-purchased']}4"
    assert active(book) == name and selected(book) == qty and sheet.range(qty).color == A.RED
    preview = A.read_block(book.sheets["Aperçu"])
    book_line = next(r for r in preview if r[1] == "LIVRE-CUISINE")
    assert book_line[8] == 5.5 and book_line[6] == 1.1  # the base's rate, as Intégrer will book it

    # The seller fixes the quantity and hides an order, then Corriger.
    sheet.range(qty).value = "1"
    sheet.range("6:6").rows.hidden = True
    msg = ribbon.corriger(addin=addin)
    assert "cellules corrigées" in msg and active(book) == name
    tax, price = f"{COL['item-tax']}2", f"{COL['item-price']}2"
    assert sheet.range(price).raw_value == 21.1 and sheet.range(tax).raw_value == 1.1  # VAT in its own cell
    assert sheet.range(tax).number_format == "0.00" and sheet.range(tax).color == A.GREEN
    assert "[Corrigé] Valeur d'origine : (vide)" in sheet.range(tax).note.text
    assert sheet.range(f"{COL['shipping-price']}5").raw_value == 3.9
    assert sheet.range(f"{COL['shipping-tax']}5").raw_value == 0.65
    assert sheet.range(f"{COL['ship-postal-code']}5").raw_value == "07100"
    assert "0 cellule corrigée" in ribbon.corriger(addin=addin)  # Corriger twice = Corriger once

    msg = ribbon.verifier(addin=addin)
    assert "0 erreur," in msg and active(book) == name
    controls = A.read_block(book.sheets["Contrôles"])
    assert any(r[4] == "I_LIGNES_MASQUEES" for r in controls[1:])

    # Intégrer, with the Aperçu's sheet active: the add-in still integrates the orders, not Aperçu.
    if addin:
        book.sheets["Aperçu"].activate()
    msg = ribbon.integrer(addin=addin)
    assert "5 factures créées" in msg and "1 ligne de la feuille est masquée" in msg, msg
    assert active(book) == name
    header = A.read_block(sheet)[0]
    invoice_col = A.C.letter(header.index("N° facture"))
    assert sheet.range(f"{invoice_col}6").value.startswith("FA")  # the hidden row got its invoice
    assert sheet.range("A2").color == A.BLUE and sheet.range("B6").color == A.BLUE
    notes = [c.comment.text for c in sheet.api._cells.values() if c.comment is not None]
    assert not any("sera créé" in t or "sera ajouté" in t for t in notes)
    alerts = A.read_block(book.sheets["Alertes stock"])
    assert alerts[1][:8] == ["TASSE-01", "Tasse en grès émaillé", 12, 10, 2, 5, "405-0000002-0000002", "oui"]

    with sqlite3.connect(db) as con:
        tva = con.execute("select f.total_tva, f.total_ttc from factures f where commande = '405-0000001-0000001'") \
            .fetchone()
    assert tuple(Decimal(str(x)).quantize(Decimal("0.01")) for x in tva) == (Decimal("1.10"), Decimal("21.10"))

    # Intégrer again: nothing new, and the products still under their alert level are still shown.
    msg = ribbon.integrer(addin=addin)
    assert "0 facture créée" in msg and "5 commandes déjà intégrées passées" in msg
    alerts = A.read_block(book.sheets["Alertes stock"])
    assert [r[0] for r in alerts[1:] if r[0]] == ["TASSE-01"] and alerts[1][4] == 2 and alerts[1][7] is None
    assert active(book) == name and sheet.range("A3").color == A.BLUE
    if addin:
        assert book.sheets["Mes chiffres"].range("A1").value == "à garder"
    book.close()


def test_integrer_without_a_base_refuses_and_creates_none(tmp_path, engine, monkeypatch):
    """The add-in's Intégrer never falls back to ./gestan.db: Vérifier could not have read it."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("AMAZON_ADDIN_CONFIG", raising=False)
    book = E.new_book()
    book.set_mock_caller()
    ribbon.charger(addin=True, path=str(export(tmp_path)))
    msg = ribbon.integrer(addin=True)
    assert "Aucune base Gestan n'est configurée" in msg and "Paramètres" in msg and "Rien n'a été écrit" in msg
    assert not (tmp_path / "gestan.db").exists() and list(tmp_path.glob("*.db")) == []
    book.close()


def test_sheets_a_person_can_read(tmp_path, engine):
    db = tmp_path / "gestan.db"
    init_db(db)
    book = E.new_book()
    book.sheets[0].name = "Commandes"
    book.sheets.add("Paramètres").range("A1").value = [["base", f"sqlite:///{db}"]]
    book.set_mock_caller()
    ribbon.charger(path=str(export(tmp_path)))
    ribbon.verifier()
    sheet = book.sheets["Commandes"]
    when = sheet.range(f"{COL['purchase-date']}2")
    assert when.raw_value == dt.datetime(2026, 3, 5, 11, 0)  # 10:00 UTC, the seller's time in Paris
    assert when.number_format == "dd/mm/yyyy hh:mm"
    assert sheet.range(f"{COL['item-price']}2").number_format == "0.00"
    assert sheet.range(f"{COL['order-id']}2").number_format == "@"
    assert sheet.range(f"{COL['order-id']}1").column_width >= len("405-0000001-0000001")
    preview = book.sheets["Aperçu"]
    rows = A.read_block(preview)
    assert rows[0][9] == "Prix unitaire HT" and preview.range("J1").column_width >= len("Prix unitaire HT")
    total = next(r[2] for r in rows if r[2] and str(r[2]).startswith("Total EUR"))
    assert preview.range("A1").column_width >= len("405-0000001-0000001")
    assert preview.range("C1").column_width >= len(total)
    assert preview.range("F1").number_format == "0.00" and preview.range("J1").number_format == "0.00##"
    unit = next(r for r in rows if r[1] == "TASSE-01")
    assert unit[4] == 10 and unit[9] == 10.0  # 100.00 HT for ten cups
    controls = book.sheets["Contrôles"]
    assert controls.range("F1").column_width >= 60 and controls.range("E1").column_width >= len("E_QUANTITE")
    book.close()
