"""The user's marks are never lost (issue 12, item 4): a cell's own note and fill come back when the add-in's
mark goes, the add-in's note is added to the user's and cut out again, and the add-in's marks follow the
cells when the user inserts a column, sorts or filters (through the headless engine, which moves cells as
Excel does)."""

import pytest

from amazon_addin.excel import addin as A
from amazon_addin.excel import engine as E
from amazon_addin.excel import marking, registry
from amazon_addin.settings import Settings
from exportgen import HEADER, row, write_txt

YELLOW = (255, 255, 0)
QTY = HEADER.index("quantity-purchased")  # column J
S = Settings()


@pytest.fixture
def book(tmp_path):
    E.reset()
    E.activate()
    rows = [row(order_id=f"405-{n:07d}-0000000", order_item_id=f"{n:014d}", sku=f"SKU-{n}",
                quantity_purchased="0" if n in (2, 4) else "1") for n in range(1, 7)]
    book = E.new_book()
    book.sheets[0].name = "Commandes"
    A.load_export(book, write_txt(tmp_path / "export.txt", rows), S)
    yield book
    book.close()
    E.reset()


def sheet_of(book):
    return book.sheets["Commandes"]


def note(sheet, cell):
    n = sheet.range(cell).note
    return None if n is None else n.text


def red_cells(sheet):
    return {c.coordinate for c in sheet.api._cells.values()
            if c.fill.fill_type == "solid" and c.fill.fgColor.rgb == "FFFFC7CE"}


def noted(sheet):
    return {c.coordinate: c.comment.text for c in sheet.api._cells.values() if c.comment is not None}


def test_a_users_note_and_fill_come_back_when_the_mark_goes(book):
    sheet = sheet_of(book)
    sheet.range("J3").color = YELLOW
    sheet.range("J3").api.AddComment("à voir avec le client")
    A.run_verifier(book, S)
    assert sheet.range("J3").color == A.RED
    text = note(sheet, "J3")
    assert text.startswith("à voir avec le client\n\n[AmazonImport]\n") and text.endswith("[/AmazonImport]")
    assert "Quantité « 0 » invalide" in text
    sheet.range("J3").value = "2"
    A.run_verifier(book, S)
    assert sheet.range("J3").color == YELLOW and note(sheet, "J3") == "à voir avec le client"
    assert note(sheet, "J5").startswith("[AmazonImport]\n[Erreur] Quantité")  # its own note, nothing before


def test_the_users_additions_to_a_shared_note_stay(book):
    sheet = sheet_of(book)
    sheet.range("J3").api.AddComment("avant")
    A.run_verifier(book, S)
    sheet.range("J3").note.text = note(sheet, "J3") + "\naprès, ajouté par l'utilisateur"
    sheet.range("J3").value = "1"
    A.run_verifier(book, S)
    assert note(sheet, "J3") == "avant\naprès, ajouté par l'utilisateur"


def test_a_second_verifier_with_nothing_changed_touches_no_cell(book):
    A.run_verifier(book, S)
    sheet = sheet_of(book)
    before = (red_cells(sheet), noted(sheet))
    E.counter.reset()
    A.run_verifier(book, S)
    assert "Range.api.AddComment" not in E.counter.by_name and "Range.color=" not in E.counter.by_name
    assert (red_cells(sheet), noted(sheet)) == before


def test_marks_follow_an_inserted_column(book):
    sheet = sheet_of(book)
    sheet.range("A9").color = YELLOW  # the user's own, untouched by anything below
    A.run_verifier(book, S)
    assert red_cells(sheet) == {"J3", "J5"}
    sheet.range("B:B").insert("right")  # everything from B moves one column right, notes and fills too
    assert red_cells(sheet) == {"K3", "K5"} and "Quantité" in note(sheet, "K3")
    sheet.range("J3").color = YELLOW  # the user paints the cell now at the old address
    sheet.range("J3").api.AddComment("ma note sur l'ancienne adresse")
    sheet.range("K3").value = "1"  # and fixes the first quantity, where it is now
    result = A.run_verifier(book, S)
    assert {f.cell for f in result.findings if f.code == "E_QUANTITE"} == {"K5"}
    assert red_cells(sheet) == {"K5"} and note(sheet, "K3") is None
    assert sheet.range("J3").color == YELLOW and note(sheet, "J3") == "ma note sur l'ancienne adresse"
    assert sheet.range("A9").color == YELLOW


def test_a_column_inserted_right_of_a_mark_loses_the_copied_fill(book):
    sheet = sheet_of(book)
    A.run_verifier(book, S)
    sheet.range("K:K").insert("right")  # Excel gives the new K the format of J: red on rows 3 and 5
    assert red_cells(sheet) == {"J3", "J5", "K3", "K5"}
    A.run_verifier(book, S)
    assert red_cells(sheet) == {"J3", "J5"} and note(sheet, "K3") is None


def test_marks_follow_a_sort(book):
    sheet = sheet_of(book)
    A.run_verifier(book, S)
    sheet.range("A7").color = YELLOW  # the user's colour on the last order
    last = len(A.read_block(sheet))
    sheet.range(f"A1:{A.C.letter(len(HEADER) - 1)}{last}").sort([1], [False], has_headers=True)  # newest first
    # 405-0000002 was row 3: it is now row 6; 405-0000004, row 5, is now row 4; the yellow order now row 2.
    assert red_cells(sheet) == {"J6", "J4"} and sheet.range("A2").color == YELLOW
    E.counter.reset()
    result = A.run_verifier(book, S)  # same findings where the cells are now: nothing to repaint
    assert {f.cell for f in result.findings if f.code == "E_QUANTITE"} == {"J4", "J6"}
    assert "Range.api.AddComment" not in E.counter.by_name and "Range.color=" not in E.counter.by_name
    sheet.range("J6").value = "1"
    A.run_verifier(book, S)
    assert red_cells(sheet) == {"J4"} and note(sheet, "J6") is None and sheet.range("A2").color == YELLOW


def test_a_sorted_row_edited_elsewhere_is_found_by_its_note(book):
    sheet = sheet_of(book)
    A.run_verifier(book, S)
    sheet.range("F3").value = "Nom corrigé"  # a cell the add-in never marked, in a marked row
    last = len(A.read_block(sheet))
    sheet.range(f"A1:{A.C.letter(len(HEADER) - 1)}{last}").sort([1], [False], has_headers=True)
    sheet.range("J6").value = "1"  # the edited row, now row 6, fixed
    A.run_verifier(book, S)
    assert red_cells(sheet) == {"J4"} and note(sheet, "J6") is None


def test_filtered_rows_keep_their_marks_and_are_counted(book):
    sheet = sheet_of(book)
    last = len(A.read_block(sheet))
    data = sheet.range(f"A1:{A.C.letter(len(HEADER) - 1)}{last}")
    data.autofilter.apply_values(1, ["405-0000001-0000000", "405-0000003-0000000"])  # rows 3 to 7 hidden but 4
    result = A.run_verifier(book, S)
    hidden = [f for f in result.findings if f.code == "I_LIGNES_MASQUEES"]
    assert len(hidden) == 1 and hidden[0].params["count"] == 4 and "4 lignes" in hidden[0].message
    assert red_cells(sheet) == {"J3", "J5"}  # marked although hidden: the export is the truth
    sheet.range("J5").value = "1"
    A.run_verifier(book, S)
    assert red_cells(sheet) == {"J3"} and sheet.range("J3").rows.hidden is True
    controls = A.read_block(book.sheets["Contrôles"])
    assert any(r[4] == "I_LIGNES_MASQUEES" for r in controls[1:])


def test_a_renamed_order_sheet_keeps_its_marks(tmp_path):
    E.reset()
    E.activate()
    book = E.new_book()
    book.set_mock_caller()
    rows = [row(order_id="405-0000001-0000000", quantity_purchased="0")]
    A.load_export(book, write_txt(tmp_path / "juin.txt", rows), S, addin=True)
    A.run_verifier(book, S, addin=True)
    sheet = book.sheets["juin"]
    sheet.name = "juin corrigé"
    sheet.range("J2").value = "1"
    A.run_verifier(book, S, addin=True)
    assert sheet.range("J2").color is None and sheet.range("J2").note is None
    book.close()


# ------------------------------------------------------------------------------------------- units

def test_note_blocks_combine_and_strip():
    ours = marking.block("[Erreur] x")
    assert marking.combine(None, ours) == ours and marking.strip(ours) == ""
    both = marking.combine("à moi", ours)
    assert both == "à moi\n\n" + ours and marking.strip(both) == "à moi"
    assert marking.strip(both + "\nsuite") == "à moi\nsuite" and marking.ours_in(both + "\nsuite") == ours
    assert marking.strip("rien à nous") == "rien à nous" and marking.ours_in("rien") is None


def test_columns_align_by_header_and_rows_by_fingerprint():
    mapping, inserted = marking.align(["a", "b", "c"], ["a", "x", "b", "c"], 3, 4)
    assert mapping == {0: 0, 1: 2, 2: 3} and inserted == [1]
    mapping, _ = marking.align(["a", "b", "c"], ["a", "B2", "c"], 3, 3)  # a renamed header keeps its place
    assert mapping == {0: 0, 1: 1, 2: 2}
    old = registry.SheetMarks(header=["a", "b"], width=2, excluded=[1],
                             rows={2: marking.fingerprint(["k2", 0], [0]), 3: marking.fingerprint(["k3", 0], [0])},
                             cells={(2, 1): registry.CellMark(fill=A.RED, painted=True)})
    moved = marking.track(old, [["a", "b"], ["k3", 5], ["k2", 7]], header_row=1)
    assert list(moved.state.cells) == [(3, 1)] and moved.lost == 0
