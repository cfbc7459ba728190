"""The ribbon's functions on headless workbooks (openpyxl engine): what Excel would show, and its cost."""

import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
import xlwings as xw

from amazon_addin import ribbon
from amazon_addin.excel import addin as A
from amazon_addin.excel import engine as E
from amazon_addin.settings import Settings
from exportgen import row, write_txt, write_xlsx

ROOT = Path(__file__).resolve().parents[1]
RED, ORANGE, BLUE, GREEN = ("FFFFC7CE", "FFFFD599", "FFDDEBF7", "FFC6EFCE")


def fill(ws, cell):
    f = ws[cell].fill
    return f.fgColor.rgb if f is not None and f.fill_type == "solid" else None


def order(n, **kw):
    return row(order_id=f"405-{n:07d}-0000000", **kw)


def cli(*args, cwd=None):
    proc = subprocess.run([sys.executable, "-m", "amazon_addin", *map(str, args)], capture_output=True,
                          cwd=cwd or ROOT, timeout=600)
    assert "Traceback" not in proc.stderr.decode("utf-8")
    return proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")


@pytest.fixture
def headless():
    E.activate()
    E.counter.reset()
    return E


def test_verifier_out_colours_and_annotates(tmp_path):
    rows = [order(1, quantity_purchased="0"), order(2, ship_postal_code="7100", ship_city="Roiffieux"),
            order(3, buyer_name="=HYPERLINK(\"http://evil\",\"x\")", recipient_name="Łukasz")]
    export = write_txt(tmp_path / "export.txt", rows)
    copy = tmp_path / "annote.xlsx"
    code, out, err = cli("verifier", export, "--out", copy, "--json")
    assert code == 1, err
    findings = json.loads(out)["findings"]
    wb = openpyxl.load_workbook(copy)
    ws = wb["Commandes"]
    for f in findings:
        assert fill(ws, f["cell"]) == {"error": RED, "warning": ORANGE, "info": BLUE}[f["severity"]], f
        assert f["message"] in ws[f["cell"]].comment.text
    assert fill(ws, "A2") is None and ws["A2"].comment is None  # unmarked cells untouched
    # Text from the export stays text: the hostile buyer name is not a formula, zeros are kept.
    assert ws["F4"].value == "=HYPERLINK(\"http://evil\",\"x\")" and ws["F4"].data_type == "s"
    assert ws["W3"].value == "7100" and ws["W3"].data_type == "s"
    controls = wb["Contrôles"]
    listed = [(controls.cell(r, 2).value, controls.cell(r, 3).value, controls.cell(r, 5).value)
              for r in range(2, controls.max_row + 1)]
    assert listed == [(f["row"], f["column"], f["code"]) for f in findings]
    assert controls["A2"].value.startswith("=HYPERLINK(\"#'Commandes'!")
    assert "Aperçu" in wb.sheetnames and "_AmazonImport" in wb.sheetnames
    assert wb["_AmazonImport"].sheet_state == "hidden"


def test_appliquer_writes_suggestions_in_green(tmp_path):
    export = write_txt(tmp_path / "export.txt", [order(1, buyer_name="JÃ¼rgen", ship_postal_code="7100",
                                                        ship_city="Roiffieux")])
    copy = tmp_path / "corrige.xlsx"
    code, out, err = cli("verifier", export, "--out", copy, "--appliquer", "--json")
    ws = openpyxl.load_workbook(copy)["Commandes"]
    assert ws["F2"].value == "Jürgen" and fill(ws, "F2") == GREEN
    assert ws["W2"].value == "07100" and fill(ws, "W2") == GREEN
    # What is reported is what remains in the copy, not what was found before the corrections.
    assert code == 0 and json.loads(out) == {"findings": [], "orders": 1, "corrections": 2}
    assert "2 cellule(s) corrigée(s)" in err and "0 erreur(s), 0 avertissement(s)" in err
    assert "Aucune erreur" in err and "E_CARACTERES" not in err
    # The corrected copy verifies clean and could be integrated.
    code, out, _ = cli("verifier", copy, "--json")
    assert code == 0 and json.loads(out)["findings"] == []


def test_amount_suggestions_in_french_decimals_and_written_as_numbers(tmp_path):
    export = write_txt(tmp_path / "export.txt", [order(1, item_price="24.00", item_tax="3.50",
                                                        vat_exclusive_item_price="20.00")])
    annotated, fixed = tmp_path / "annote.xlsx", tmp_path / "corrige.xlsx"
    code, out, err = cli("verifier", export, "--out", annotated, "--json")
    (f,) = json.loads(out)["findings"]
    assert code == 1 and (f["code"], f["suggestion"]) == ("E_TVA_INCOHERENTE", "4.00")
    book = openpyxl.load_workbook(annotated)
    assert "À mettre à la place : 4,00" in book["Commandes"][f["cell"]].comment.text
    assert book["Contrôles"]["G2"].value == "4,00" and "→ 4,00" in err
    code, _, _ = cli("verifier", export, "--out", fixed, "--appliquer")
    cell = openpyxl.load_workbook(fixed)["Commandes"][f["cell"]]
    assert code == 0 and cell.value == 4.0 and cell.data_type == "n" and cell.number_format == "0.00"


def test_second_run_clears_only_its_own_marks(tmp_path, headless):
    export = write_txt(tmp_path / "export.txt", [order(1, quantity_purchased="0"), order(2)])
    book = E.new_book()
    book.sheets[0].name = "Commandes"
    A.load_export(book, export, Settings())
    sheet = book.sheets["Commandes"]
    sheet.range("B3").color = (1, 2, 3)  # the user's own fill
    sheet.range("C3").api.AddComment("ma note")  # and own note
    first = A.run_verifier(book, Settings())
    assert first.has_errors and sheet.range("J2").color == A.RED
    sheet.range("J2").value = "1"  # the user fixes the cell
    second = A.run_verifier(book, Settings())
    assert not second.has_errors
    assert sheet.range("J2").color is None and sheet.range("J2").note is None
    assert sheet.range("B3").color == (1, 2, 3) and sheet.range("C3").note.text == "ma note"
    book.close()


def test_ribbon_entry_points_on_a_mock_caller(tmp_path, headless):
    db = tmp_path / "g.db"
    assert cli("init-db", "--demo", "--db", f"sqlite:///{db}")[0] == 0
    book = E.new_book()
    book.sheets[0].name = "Commandes"
    settings_sheet = book.sheets.add("Paramètres", after=book.sheets[0])
    settings_sheet.range("A1").value = [["Paramètre", "Valeur"], ["base", f"sqlite:///{db}"],
                                        ["date_facture", "achat"]]  # numbers FA2026… whatever the day
    book.set_mock_caller()
    export = write_xlsx(tmp_path / "export.xlsx", [order(1, sku="TASSE-01", quantity_purchased="10",
                                                         item_price="120.00", item_tax="20.00",
                                                         vat_exclusive_item_price="100.00"),
                                                   order(2, sku="NOUVEAU")], numeric=True)
    msg = ribbon.charger(path=str(export))
    assert "2 lignes chargées" in msg
    msg = ribbon.verifier()
    assert "0 erreur," in msg
    sheet = book.sheets["Commandes"]
    assert sheet.range("H3").color == A.ORANGE  # W_PRODUIT_NOUVEAU on the sku
    msg = ribbon.integrer()
    assert "2 factures créées" in msg and "sous le seuil" in msg
    header = A.read_block(sheet)[0]
    col = header.index("N° facture") + 1
    assert [sheet.range((r, col)).value for r in (2, 3)] == ["FA2026000001", "FA2026000002"]
    alerts = book.sheets["Alertes stock"].range("A1:G2").value
    assert alerts[1][:6] == ["TASSE-01", "Tasse en grès émaillé", 12, 10, 2, 5]
    # Again: everything is already there; the rows turn light blue and nothing is created.
    assert "0 facture créée" in ribbon.integrer()
    ribbon.verifier()
    assert sheet.range("A2").color == A.BLUE and sheet.range("B3").color == A.BLUE
    assert "Paramètres valides" in ribbon.parametres()
    values = dict((r[0], r[1]) for r in book.sheets["Paramètres"].range("A1:B16").value)
    assert values["base"] == f"sqlite:///{db}" and "famille_produits" in values
    assert book.sheets["Paramètres"].range("E2").value == "AMAZON"
    book.close()


def test_errors_become_one_french_box(tmp_path, headless):
    book = E.new_book()
    book.sheets[0].name = "Commandes"
    book.set_mock_caller()
    msg = ribbon.charger(path=str(tmp_path / "absent.txt"))
    assert "introuvable" in msg
    settings_sheet = book.sheets.add("Paramètres", after=book.sheets[0])
    settings_sheet.range("A1").value = [["base", "postgresql://u:secret@localhost/x"]]
    msg = ribbon.verifier()
    assert "mot de passe" in msg and "secret" not in msg
    book.close()


def test_an_unexpected_error_is_kept_in_the_log(tmp_path, headless, monkeypatch):
    """A ribbon button that meets a bug: the box names the log file, which holds the traceback (stderr is
    deleted by xlwings when Python ends normally, so it cannot be there)."""
    log = tmp_path / "journal" / "amazon_addin.log"
    monkeypatch.setenv("AMAZON_ADDIN_LOG", str(log))
    export = write_txt(tmp_path / "e.txt", [order(1)])
    book = E.new_book()
    book.sheets[0].name = "Commandes"
    book.set_mock_caller()
    assert "ligne chargée" in ribbon.charger(path=str(export))

    def broken(*args, **kwargs):
        raise ZeroDivisionError("bug forcé par le test")

    monkeypatch.setattr(A, "wanted", broken)
    msg = ribbon.verifier()
    assert "Erreur inattendue (ZeroDivisionError)" in msg and str(log) in msg, msg
    text = log.read_text(encoding="utf-8")
    assert "unexpected error in ribbon verifier" in text
    assert "Traceback (most recent call last)" in text and "ZeroDivisionError: bug forcé par le test" in text
    assert "in broken" in text  # the whole traceback, down to the failing frame
    book.close()


# One way each to get a finding on one cell, as real exports do (issue 12, item 12: 300 findings on 5,000 rows).
COST_DAMAGES = [dict(quantity_purchased="0"), dict(ship_postal_code="7100", ship_city="Roiffieux"),
                dict(product_name="Bol\x07bleu"), dict(item_tax="", vat_exclusive_item_price=""),
                dict(ship_country="France"), dict(item_price="-24.00")]


def costed(label, button, **kwargs):
    E.counter.reset()
    message = button(**kwargs)
    return E.counter.total, message


def test_round_trips_5000_rows_300_findings(tmp_path, headless):
    """What each button costs in COM round trips, by the engine's counter (weights: the cost table of
    engine.py, from xlwings' Windows implementation). Printed with -s; `bench/run.py` prints it too."""
    rows = []
    for n in range(5000):
        damage = COST_DAMAGES[(n // 16) % len(COST_DAMAGES)] if n % 16 == 5 and n < 16 * 300 else {}
        rows.append(row(**{"order_id": f"405-{n:07d}-0000000", "order_item_id": f"{n:014d}", "sku": f"S{n % 50}",
                           **damage}))
    export = write_txt(tmp_path / "big.txt", rows)
    book = E.new_book()
    book.sheets[0].name = "Commandes"
    book.set_mock_caller()
    load, _ = costed("charger", ribbon.charger, path=str(export))
    first, msg = costed("verifier", ribbon.verifier)
    assert "200 erreurs, 100 avertissements" in msg
    sheet = book.sheets["Commandes"]
    marked = sum(1 for c in sheet.api._cells.values() if c.comment is not None)
    fills = E.counter.by_name["Range.color="]
    again, _ = costed("verifier", ribbon.verifier)
    fix, msg = costed("corriger", ribbon.corriger)
    written = int(msg.split()[0])
    after, _ = costed("verifier", ribbon.verifier)
    print(f"\nAllers-retours COM, 5 000 lignes dont {marked} cellules marquées : Charger {load} ; Vérifier {first} "
          f"(cible {2 * marked + 40} = 2 × {marked} + 40 ; {2 * marked} pour les notes, {3 * fills} pour "
          f"{fills} adresses de couleur, {first - 2 * marked - 3 * fills} pour le reste) ; Vérifier sans "
          f"changement {again} ; Corriger de {written} cellules {fix} (cible {first + 2 * written}) ; "
          f"Vérifier ensuite {after}")
    assert marked == 300 and written == 250
    # A note costs 2 (the cell, AddComment); colours 3 per multi-area address of 255 characters at most.
    assert first <= 2 * marked + 3 * fills + 50
    assert fills <= marked / 30
    assert again <= 50 and after <= 2 * written + 50  # what did not change is not redone
    assert fix <= first + 2 * written
    book.close()


def test_verifier_without_a_reachable_base_still_checks_the_sheet(tmp_path, headless):
    book = E.new_book()
    book.sheets[0].name = "Commandes"
    book.sheets.add("Paramètres", after=book.sheets[0]).range("A1").value = [
        ["base", f"sqlite:///{tmp_path / 'absent.db'}"]]
    book.set_mock_caller()
    export = write_txt(tmp_path / "export.txt", [order(1, quantity_purchased="0")])
    ribbon.charger(path=str(export))
    msg = ribbon.verifier()
    assert "1 erreur," in msg and "Contrôles de la base Gestan non faits" in msg and "init-db" in msg
    assert book.sheets["Commandes"].range("J2").color == A.RED
    assert not (tmp_path / "absent.db").exists()
    code, _, err = cli("verifier", export, "--out", tmp_path / "c.xlsx", "--db", f"sqlite:///{tmp_path / 'absent.db'}")
    assert code == 3 and "init-db" in err
    book.close()


HOSTILE = ["=1+1", "+33 6 12 34 56 78", "-2+3", "@SUM(A1)", "\tTab", "\rCR", "=cmd|' /C calc'!A0"]


def test_hostile_text_stays_text_in_every_cell_written(tmp_path, headless):
    db = tmp_path / "g.db"
    assert cli("init-db", "--demo", "--db", f"sqlite:///{db}")[0] == 0
    import sqlite3

    con = sqlite3.connect(db)
    con.execute("update produits set libelle = '=HYPERLINK(\"http://x\")' where code = 'TASSE-01'")
    con.commit()
    con.close()
    rows = [order(1, sku="TASSE-01", quantity_purchased="10", item_price="120.00", item_tax="20.00",
                  vat_exclusive_item_price="100.00", buyer_name=HOSTILE[0], recipient_name=HOSTILE[1],
                  ship_address_1=HOSTILE[2], ship_address_2=HOSTILE[3], delivery_instructions=HOSTILE[6]),
            order(1, sku="NOUVEAU", product_name=HOSTILE[3], buyer_name=HOSTILE[6], recipient_name=HOSTILE[1],
                  ship_address_1=HOSTILE[2], ship_address_2=HOSTILE[3], delivery_instructions=HOSTILE[6])]
    export = write_txt(tmp_path / "e.txt", rows)
    book = E.new_book()
    book.sheets[0].name = "Commandes"
    params = book.sheets.add("Paramètres", after=book.sheets[0])
    params.range("A1:B2").number_format = "@"  # as the user would, to type a value starting with "="
    params.range("A1").value = [["base", f"sqlite:///{db}"], ["format_numero", "=F{year}{seq:04d}"]]
    book.set_mock_caller()
    E.ENGINE.risky_writes.clear()
    ribbon.charger(path=str(export))
    ribbon.verifier()  # the buyer names disagree: E_COMMANDE_INCOHERENTE suggests "=1+1" in Contrôles
    sheet = book.sheets["Commandes"]
    sheet.range("F3").value = HOSTILE[0]  # the user fixes the row by typing the same hostile text
    sheet.range("F3").number_format = "@"
    assert "facture créée" in ribbon.integrer()
    ribbon.verifier()
    out = tmp_path / "saved.xlsx"
    book.save(str(out))
    book.close()
    assert E.ENGINE.risky_writes == []  # every stranger's text went to a Text-formatted cell
    wb = openpyxl.load_workbook(out)
    for ws in wb.worksheets:
        for line in ws.iter_rows():
            for cell in line:
                if cell.data_type == "f":  # the only formulas are the add-in's own links
                    assert ws.title == "Contrôles" and cell.column == 1 and cell.value.startswith('=HYPERLINK("#'), \
                        (ws.title, cell.coordinate, cell.value)
    invoice_col = [c.value for c in wb["Commandes"][1]].index("N° facture") + 1
    assert wb["Commandes"].cell(2, invoice_col).value == "=F20260001"
    assert wb["Alertes stock"]["B2"].value == '=HYPERLINK("http://x")'
    preview = [c.value for line in wb["Aperçu"].iter_rows() for c in line]
    assert HOSTILE[0] in preview and HOSTILE[3] in preview


def test_relative_paths_of_the_settings_sheet_start_from_the_workbook_folder(tmp_path, headless, monkeypatch):
    folder = tmp_path / "Gestan"
    folder.mkdir()
    (folder / "noms.toml").write_text('[factures]\nnumero = "FAC_NUM"\n', encoding="utf-8")
    book = E.new_book()
    book.sheets[0].name = "Commandes"
    params = book.sheets.add("Paramètres", after=book.sheets[0])
    params.range("A1").value = [["base", "sqlite:///gestan.db"], ["mapping", "noms.toml"]]
    book.save(str(folder / "AmazonImport.xlsx"))
    book.close()
    monkeypatch.chdir(tmp_path)  # Excel's current folder is not the workbook's
    monkeypatch.setenv("AMAZON_ADDIN_CONFIG", "")
    reopened = E.open_book(folder / "AmazonImport.xlsx")
    try:
        s = ribbon.settings_for(reopened)
    finally:
        reopened.close()
    assert s.base == f"sqlite:///{(folder / 'gestan.db').as_posix()}" and s.mapping == str(folder / "noms.toml")


CONTROLS = "\x01\x07\x0b\x0c\x1b\x1f\x7f"  # no CR or LF: a .txt export ends its lines there


def test_control_characters_round_trip_in_the_annotated_copy(tmp_path):
    """An export whose texts hold every kind of control character (the very files Vérifier exists for):
    the copy is written, each such cell holds its original text (as Excel stores it: `_xHHHH_`), is marked
    E_CARACTERES with its French note, and the corrected copy is clean."""
    from amazon_addin.reader import read_table

    first = {"product-name": f"Bol{CONTROLS}bleu", "recipient-name": "Zoé\x0bMartin",
             "ship-address-1": "1 rue\x1f des Lilas _x0041_", "buyer-name": "Jean\x07Dupont"}
    second = {"product-name": "Tasse\x1b\x00"}
    export = write_txt(tmp_path / "export.txt", [order(1, **{k.replace("-", "_"): v for k, v in first.items()}),
                                                 order(2, product_name=second["product-name"])])
    copy = tmp_path / "annote.xlsx"
    code, out, err = cli("verifier", export, "--out", copy, "--json")
    assert code == 1, err
    marked = {f["cell"] for f in json.loads(out)["findings"] if f["code"] == "E_CARACTERES"}
    table = read_table(copy)  # the add-in's own reader: calamine, in its child process
    wb = openpyxl.load_workbook(copy)
    for i, texts in enumerate((first, second)):
        for column, text in texts.items():
            cell = table.cell(i, column)
            assert table.value(i, column) == text, cell
            assert cell in marked, (cell, marked)
            assert "Caractères non reconnus" in wb["Commandes"][cell].comment.text
    fixed = tmp_path / "corrige.xlsx"
    code, _, err = cli("verifier", export, "--out", fixed, "--appliquer")
    code, out, err = cli("verifier", fixed, "--json")
    assert "E_CARACTERES" not in {f["code"] for f in json.loads(out)["findings"]}, out


def test_addin_charger_loads_into_a_new_sheet_named_after_the_file(tmp_path, headless):
    """Issue 11, item 4: the add-in works in the user's own workbook; Charger never empties a sheet of it
    (COM changes cannot be undone), it adds one named after the file, unique, next to the active one."""
    export = write_txt(tmp_path / "commandes-juin.txt", [order(1), order(2, quantity_purchased="0")])
    book = E.new_book()
    mine = book.sheets[0]
    mine.name = "Mes chiffres"
    mine.range("A1").value = [["Mon texte", 42.0], ["à garder", None]]
    mine.range("B2").color = (1, 2, 3)
    mine.range("A2").api.AddComment("ma note")
    book.set_mock_caller()
    msg = ribbon.charger(addin=True, path=str(export))
    assert "2 lignes chargées dans la feuille « commandes-juin »" in msg
    # The loaded sheet after the user's, then the add-in's own (set up once, filled by Vérifier).
    assert [s.name for s in book.sheets if s.visible] == ["Mes chiffres", "commandes-juin", "Aperçu", "Contrôles"]
    assert book.sheets.active.name == "commandes-juin"
    loaded = book.sheets["commandes-juin"]
    assert loaded.range("A2").value == "405-0000001-0000000"
    assert "1 erreur," in ribbon.verifier(addin=True)  # Vérifier acts on the sheet just loaded
    assert loaded.range("J3").color == A.RED
    mine.activate()
    msg = ribbon.charger(addin=True, path=str(export))  # the same file again: a second sheet
    assert "« commandes-juin (2) »" in msg
    assert book.sheets.active.name == "commandes-juin (2)"
    assert [s.name for s in book.sheets if s.visible][:2] == ["Mes chiffres", "commandes-juin (2)"]
    assert loaded.range("A2").value == "405-0000001-0000000", "the first loaded sheet keeps its data"
    assert mine.range("A1:B2").value == [["Mon texte", 42.0], ["à garder", None]]
    assert mine.range("B2").color == (1, 2, 3) and mine.range("A2").note.text == "ma note"
    book.close()


def test_sheet_names_for_loaded_files_are_legal_unique_and_never_the_addins_own():
    taken = ["Feuil1", "commandes", "COMMANDES (2)"]
    assert A.sheet_name_for(r"C:\Users\Léa\Téléchargements\commandes.txt", taken) == "commandes (3)"
    assert A.sheet_name_for("/tmp/Contrôles.csv", []) == "Contrôles (2)"  # Vérifier rebuilds its own sheets
    assert A.sheet_name_for("/tmp/history.txt", []) == "history (2)"  # a name Excel reserves
    assert A.sheet_name_for(r"C:\tmp\'a:b?.txt", []) == "a_b_"
    long = A.sheet_name_for("/tmp/" + "x" * 40 + ".txt", ["x" * 31])
    assert long == "x" * 27 + " (2)" and len(long) == A.SHEET_NAME_MAX
    for name in (A.sheet_name_for(f"/tmp/{n}.txt", []) for n in ("[1]*?", "' espace '", "tab\tcontrole")):
        assert name and len(name) <= 31 and not set(name) & set(":\\/?*[]\t") and name[0] != "'" != name[-1], name


def test_both_variants_act_on_the_calling_workbook_not_the_active_one(tmp_path, headless):
    """Issue 11, item 5: xw.Book.caller() (xlwings passes --wb and --hwnd), never xw.books.active, which can be
    a workbook of another Excel instance."""
    export = write_txt(tmp_path / "export.txt", [order(1)])
    caller = E.new_book()
    caller.sheets[0].name = "Commandes"
    caller.set_mock_caller()
    other = E.new_book()
    assert xw.books.active == other and xw.Book.caller() == caller
    assert "chargée dans la feuille « Commandes »" in ribbon.charger(path=str(export))
    assert "chargée dans la feuille « export »" in ribbon.charger(addin=True, path=str(export))
    assert "0 erreur," in ribbon.verifier(addin=True) and "0 erreur," in ribbon.verifier()
    assert [s.name for s in other.sheets] == ["Sheet1"] and other.sheets[0].range("A1").value is None
    assert {"Commandes", "export", "Contrôles", "Aperçu"} <= {s.name for s in caller.sheets}
    caller.close()
    other.close()


def test_parametres_round_trips_and_reads_numbers_as_a_french_excel_keeps_them(tmp_path, headless):
    """Issue 12, item 3: what Paramètres writes is read back unchanged; numbers typed in a French Excel
    ("20,0", 20, "1 048 575") are accepted; Paramètres leaves the focus on the order sheet."""
    db = tmp_path / "g.db"
    assert cli("init-db", "--demo", "--db", f"sqlite:///{db}")[0] == 0
    book = E.new_book()
    book.sheets[0].name = "Commandes"
    book.set_mock_caller()
    ribbon.charger(path=str(write_txt(tmp_path / "e.txt", [order(1, sku="TASSE-01")])))
    book.sheets["Commandes"].activate()
    before = ribbon.settings_for(book)
    assert "Paramètres valides" in ribbon.parametres()
    assert book.sheets.active.name == "Commandes"
    assert ribbon.settings_for(book) == before  # read back unchanged (the default base stays the default)
    sheet = book.sheets["Paramètres"]
    keys = [r[0] for r in A.read_block(sheet)]

    def put(key, value):
        sheet.range(f"B{keys.index(key) + 1}").value = value

    put("base", f"sqlite:///{db}")
    put("taille_max_mo", "150,0")
    put("lignes_max", "1 048 575")
    put("attente_verrou_s", 20.0)
    put("taux_tva_defaut", "20,0")
    s = ribbon.settings_for(book)
    assert (s.taille_max_mo, s.lignes_max, s.attente_verrou_s, str(s.taux_tva_defaut)) == (150, 1048575, 20, "20.0")
    assert "Paramètres valides" in ribbon.parametres()
    assert ribbon.settings_for(book) == s  # and written back as they were read
    assert "0 erreur," in ribbon.verifier()
    assert "1 facture créée" in ribbon.integrer()
    put("taille_max_mo", "beaucoup")
    assert "« taille_max_mo » invalide" in ribbon.verifier()
    book.close()


def test_parametres_never_clears_a_users_own_sheet_named_parametres(tmp_path, headless):
    """A workbook of the user's (the .xlam acts on any) may already have a sheet « Paramètres » of its own:
    the button refuses, names the cell, and leaves every cell as it was (COM changes cannot be undone)."""
    book = E.new_book()
    book.sheets[0].name = "Commandes"
    book.set_mock_caller()
    ribbon.charger(path=str(write_txt(tmp_path / "e.txt", [order(1)])))
    own = book.sheets.add("Paramètres", after=book.sheets["Commandes"])
    own.range("D3").value = "Tarifs fournisseur 2026"
    message = ribbon.parametres()
    assert message.startswith("La feuille « Paramètres » de ce classeur contient autre chose que les paramètres "
                              "de l'add-in (cellule D3)") and "Rien n'a été modifié." in message
    assert book.sheets["Paramètres"].range("D3").value == "Tarifs fournisseur 2026"
    own.range("D3").value = None  # emptied by the user: the sheet is the add-in's to write
    assert "Paramètres valides" in ribbon.parametres()
    assert book.sheets["Paramètres"].range("A1").value == "Paramètre"
    assert "Paramètres valides" in ribbon.parametres()  # and its own content is rewritten, not refused
    book.close()


def test_sheet_values_take_the_type_the_setting_wants():
    assert [ribbon.sheet_value("taille_max_mo", v) for v in ("200", "200,0", " 200.0 ", "1\u00a0048\u202f575")] \
        == [200, 200, 200, 1048575]
    assert ribbon.sheet_value("taille_max_mo", "200,5") == "200,5"  # left for the settings' own sentence
    assert ribbon.sheet_value("produit_port", 123.0) == "123" and ribbon.sheet_value("mapping", 7.0) == "7"
    assert ribbon.sheet_value("taux_tva_defaut", "5,5") == "5,5"
