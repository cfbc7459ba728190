"""Contract tests of the openpyxl engine: the xlwings public API the add-in uses behaves as with Excel,
the saved .xlsx says so when reopened with openpyxl, and the counter states the COM round trips."""

import datetime as dt
import inspect
import os

import openpyxl
import pytest
import xlwings as xw
from xlwings import base_classes as bc

from amazon_addin.excel import engine as E

RED = (255, 199, 206)


@pytest.fixture(autouse=True)
def engine():
    E.reset()
    E.activate()
    yield E
    E.reset()


def saved(book, tmp_path, name="out.xlsx"):
    path = tmp_path / name
    book.save(str(path))
    return openpyxl.load_workbook(path)


def fill_of(ws, ref):
    f = ws[ref].fill
    return None if f.fill_type is None else tuple(int(f.fgColor.rgb[i:i + 2], 16) for i in (2, 4, 6))


def make_xlsx(path, rows, title="Commandes"):
    wb = openpyxl.Workbook()
    wb.active.title = title
    for r in rows:
        wb.active.append(r)
    wb.save(path)
    return str(path)


def block(sheet):
    return sheet.range("A1", sheet.used_range.last_cell).options(ndim=2).value


# ------------------------------------------------------------------------------------ engine, books

def test_activate_is_idempotent():
    first, second = E.activate(), E.activate()
    assert first.name == second.name == "openpyxl" and xw.engines.active.name == "openpyxl"
    assert [e.name for e in xw.engines].count("openpyxl") == 1
    assert first.impl is E.ENGINE


def test_new_book_has_one_sheet1_and_numbered_names():
    book = xw.Book()
    assert [s.name for s in book.sheets] == ["Sheet1"]
    assert (book.name, book.fullname) == ("Book1", "Book1")
    other = E.new_book()
    assert other.name == "Book2" and other.app == book.app and xw.apps.count == 1
    assert xw.books.active == other


def test_open_by_path_twice_gives_the_same_book(tmp_path):
    path = make_xlsx(tmp_path / "export.xlsx", [["id", "qty"], ["405-1", 2]])
    book = xw.Book(path)
    assert book.name == "export.xlsx" and book.fullname == os.path.realpath(path)
    assert xw.Book(path) == book and E.open_book(path) == book and len(book.app.books) == 1
    assert book.sheets[0].name == "Commandes"


def test_save_save_again_close(tmp_path, monkeypatch):
    book = xw.Book()
    book.sheets[0].range("A1").value = "v1"
    target = tmp_path / "copy.xlsx"
    book.save(str(target))
    assert (book.name, book.fullname) == ("copy.xlsx", os.path.realpath(target))
    book.sheets[0].range("A1").value = "v2"
    book.save()
    assert openpyxl.load_workbook(target).active["A1"].value == "v2"
    book.close()
    assert len(xw.apps.active.books) == 0
    monkeypatch.chdir(tmp_path)
    unsaved = xw.Book()
    unsaved.save()  # like Excel: the book's name, in the working directory
    assert unsaved.fullname == os.path.realpath(tmp_path / "Book2.xlsx")


def test_opening_and_saving_are_not_counted(tmp_path):
    path = make_xlsx(tmp_path / "export.xlsx", [["a"]])
    E.counter.reset()
    book = E.open_book(path)
    assert E.counter.total == 0 and E.counter.calls == 0
    book.save(str(tmp_path / "b.xlsx"))
    book.close()
    assert not {"Books.open", "Book.save", "Book.close"} & set(E.counter.by_name)


# ------------------------------------------------------------------------------------------- sheets

def test_sheets_access_add_rename_delete():
    book = xw.Book()
    first = book.sheets[0]
    orders = book.sheets.add("Commandes", after=first)
    assert [s.name for s in book.sheets] == ["Sheet1", "Commandes"]
    assert book.sheets.active == orders and book.sheets["commandes"] == orders  # Excel: any case
    assert book.sheets[-1] == orders and orders.index == 2
    plain = book.sheets.add()  # Excel: before the active sheet, next default name
    assert [s.name for s in book.sheets] == ["Sheet1", "Sheet2", "Commandes"] and plain.name == "Sheet2"
    assert "Commandes" in [s.name for s in book.sheets]
    with pytest.raises(TypeError):  # always False with Excel: fail loudly instead
        "Commandes" in book.sheets  # noqa: B015
    with pytest.raises(ValueError):  # xlwings' own check
        book.sheets.add("COMMANDES")
    with pytest.raises(E.ComError):
        book.sheets["absent"]
    with pytest.raises(E.ComError):
        plain.name = "commandes"
    plain.name = "Aperçu"
    plain.name = "APERÇU"  # a case-only change keeps the name exact
    assert plain.name == "APERÇU"
    plain.delete()
    first.delete()
    assert [s.name for s in book.sheets] == ["Commandes"]
    with pytest.raises(E.ComError):  # a book keeps one visible sheet
        orders.delete()


def test_sheet_add_and_delete_cost_one_each():
    book = xw.Book()
    first = book.sheets[0]
    E.counter.reset()
    sheet = book.sheets.add("Alertes", after=first)
    assert E.counter.by_name["Sheets.add"] == 1
    sheet.delete()
    assert E.counter.by_name["Sheet.delete"] == 1


def test_hidden_sheet_is_saved_hidden(tmp_path):
    book = xw.Book()
    registry = book.sheets.add("_AmazonImport", after=book.sheets[0])
    registry.visible = False
    assert registry.visible is False and book.sheets.active.name == "Sheet1"
    with pytest.raises(E.ComError):  # the last visible sheet cannot be hidden
        book.sheets[0].visible = False
    wb = saved(book, tmp_path)
    assert wb["_AmazonImport"].sheet_state == "hidden" and wb["Sheet1"].sheet_state == "visible"
    assert wb.active.title == "Sheet1"


def test_clear_contents_keeps_formats_and_notes_clear_removes_all():
    sheet = xw.Book().sheets[0]
    sheet.range("A1").value = [["a", "b"], [1, 2]]
    sheet.range("B2").color = RED
    sheet.range("A1").api.AddComment("note")
    sheet.clear_contents()
    assert block(sheet) == [[None, None], [None, None]]
    assert sheet.range("B2").color == RED and sheet.range("A1").note.text == "note"
    sheet.clear()
    assert sheet.used_range.address == "$A$1" and sheet.range("A1").note is None
    assert sheet.range("B2").color is None


# -------------------------------------------------------------------------------------- reading

def test_used_range_and_aligned_block_read():
    sheet = xw.Book().sheets[0]
    sheet.range("B3").value = [["id", 7, dt.date(2024, 3, 1)], [True, None, dt.datetime(2024, 3, 1, 12, 30)]]
    used = sheet.used_range
    assert used.address == "$B$3:$D$4" and used.shape == (2, 3) and used.last_cell.address == "$D$4"
    data = block(sheet)
    assert len(data) == 4 and len(data[0]) == 4 and data[0] == [None] * 4  # aligned with the sheet from A1
    assert data[2] == [None, "id", 7.0, dt.datetime(2024, 3, 1)]
    assert data[3] == [None, True, None, dt.datetime(2024, 3, 1, 12, 30)]
    assert type(data[2][2]) is float and type(data[3][1]) is bool
    assert sheet.range("C3").value == 7.0 and sheet.range((3, 3)).value == 7.0
    assert sheet.cells(3, 2).value == "id" and sheet["B3"].value == "id"
    assert xw.Book().sheets[0].used_range.address == "$A$1"  # empty sheet, as Excel


def test_reading_a_saved_file_types_errors_and_options(tmp_path):
    path = make_xlsx(tmp_path / "in.xlsx", [[12, 2.5, dt.date(2024, 1, 2), True, "txt", "=1+1", "#N/A"]])
    wb = openpyxl.load_workbook(path)
    wb.active["G1"].data_type = "e"
    wb.save(path)
    sheet = xw.Book(path).sheets[0]
    row = sheet.range("A1:G1").value
    assert row == [12.0, 2.5, dt.datetime(2024, 1, 2), True, "txt", "=1+1", None]  # no recalculation
    assert sheet.range("G1").options(err_to_str=True).value == "#N/A"
    as_int = sheet.range("A1").options(numbers=int).value
    assert as_int == 12 and type(as_int) is int
    assert sheet.range("C1").options(dates=dt.date).value == dt.date(2024, 1, 2)
    assert sheet.range("H1:H2").options(empty="").value == ["", ""]


def test_reading_a_big_block_costs_a_small_constant():
    def cost(nrows, ncols):
        sheet = xw.Book().sheets[0]
        sheet.range("A1").value = [[r * ncols + c for c in range(ncols)] for r in range(nrows)]
        E.counter.reset()
        data = block(sheet)
        assert len(data) == nrows and len(data[0]) == ncols and data[-1][-1] == float(nrows * ncols - 1)
        assert E.counter.by_name["Range.raw_value"] == 1
        return E.counter.total

    assert cost(1000, 50) == cost(10, 5) <= 30


# -------------------------------------------------------------------------------------- writing

def test_writing_2d_scalars_and_none(tmp_path):
    sheet = xw.Book().sheets[0]
    sheet.range("A1").value = [["a", 1, 2.5], [None, True, dt.date(2024, 5, 6)]]
    assert sheet.range("A1:C2").value == [["a", 1.0, 2.5], [None, True, dt.datetime(2024, 5, 6)]]
    sheet.range("E1:F2").value = "x"  # a scalar fills the range, in one call
    assert sheet.range("E1:F2").value == [["x", "x"], ["x", "x"]]
    sheet.range("E1:F2").value = None
    sheet.range("A1").value = None
    assert sheet.range("A1").value is None and sheet.used_range.address == "$B$1:$C$2"
    ws = saved(sheet.book, tmp_path).active
    assert ws["B1"].value == 1 and ws["C2"].value.date() == dt.date(2024, 5, 6) and ws["E1"].value is None


def test_writing_a_big_block_costs_a_constant():
    def cost(nrows, ncols):
        sheet = xw.Book().sheets[0]
        E.counter.reset()
        sheet.range("A1").value = [["t"] * ncols for _ in range(nrows)]
        assert E.counter.by_name["Range.raw_value="] == 1
        return E.counter.total

    assert cost(1000, 50) == cost(3, 2)


def test_formula_unless_text_format_and_excel_entry_rules(tmp_path):
    sheet = xw.Book().sheets[0]
    sheet.range("A1:A4").number_format = "@"
    hostile = '=HYPERLINK("http://evil","x")'
    sheet.range("A1").value = [[hostile], ["00123"], ["+33 6 12"], ["-abc"]]
    sheet.range("B1").value = [["=1+1"], ["00123"], ["'=text"], ["1,5"], ["-abc"], ["+33612345678"]]
    assert sheet.range("A1:A4").value == [hostile, "00123", "+33 6 12", "-abc"]
    assert sheet.range("B1:B6").value == ["=1+1", 123.0, "=text", "1,5", "-abc", 33612345678.0]
    ws = saved(sheet.book, tmp_path).active
    assert (ws["A1"].value, ws["A1"].data_type) == (hostile, "s")
    assert (ws["A2"].value, ws["A2"].data_type) == ("00123", "s") and ws["A2"].number_format == "@"
    assert (ws["B1"].value, ws["B1"].data_type) == ("=1+1", "f")
    assert (ws["B3"].value, ws["B3"].data_type) == ("=text", "s")
    # What Excel parses by locale is kept as text and reported; nothing from the Text cells.
    assert [w[1] for w in E.ENGINE.risky_writes] == ["B4", "B5"]


def test_number_format_on_a_block_is_one_call(tmp_path):
    sheet = xw.Book().sheets[0]
    E.counter.reset()
    sheet.range("A1:C100").number_format = "@"
    sheet.range("D1:D100").number_format = "0.00"
    assert E.counter.by_name["Range.number_format="] == 2 and E.counter.total == 4
    assert sheet.range("B50").number_format == "@" and sheet.range("E1").number_format == "General"
    ws = saved(sheet.book, tmp_path).active
    assert ws["C100"].number_format == "@" and ws["D7"].number_format == "0.00"


def test_hyperlink_formulas_are_saved_as_formulas(tmp_path):
    sheet = xw.Book().sheets[0]
    link = "=HYPERLINK(\"#'Commandes'!M5\",\"M5\")"
    sheet.range("A1").value = [[link, "texte"]]
    assert sheet.range("A1").formula == link and sheet.range("A1").hyperlink == "#'Commandes'!M5"
    ws = saved(sheet.book, tmp_path).active
    assert (ws["A1"].value, ws["A1"].data_type) == (link, "f")


# --------------------------------------------------------------------------------------- styles

def test_multi_area_colour_in_one_call(tmp_path):
    sheet = xw.Book().sheets[0]
    E.counter.reset()
    sheet.range("B5,B9:B12,D40").color = RED
    assert E.counter.by_name["Range.color="] == 1 and E.counter.total == 3  # Sheet.range + Interior + Color
    assert sheet.range("B5").color == RED and sheet.range("B11").color == RED and sheet.range("D40").color == RED
    assert sheet.range("B6").color is None and sheet.range("C1").color is None
    sheet.range("B9:B10").color = None
    assert sheet.range("B9").color is None and sheet.range("B11").color == RED
    sheet.range("A1").color = "#00ff00"
    ws = saved(sheet.book, tmp_path).active
    assert fill_of(ws, "B5") == RED and fill_of(ws, "B12") == RED and fill_of(ws, "D40") == RED
    assert fill_of(ws, "B9") is None and fill_of(ws, "B6") is None and fill_of(ws, "A1") == (0, 255, 0)


def test_200_scattered_cells_through_10_addresses_cost_about_10():
    sheet = xw.Book().sheets[0]
    cells = [f"{col}{row}" for col in "BDFHJ" for row in range(2, 82, 2)]  # 200 isolated cells
    addresses = [",".join(cells[i:i + 20]) for i in range(0, 200, 20)]
    assert all(len(a) <= 255 for a in addresses)
    E.counter.reset()
    for address in addresses:
        sheet.range(address).color = RED
    assert E.counter.by_name["Range.color="] == 10 and E.counter.total == 30
    assert all(sheet.range(c).color == RED for c in cells)
    E.counter.reset()  # the cell-by-cell alternative xlwings offers costs one call per cell
    sheet.range("B2:J81").set_colors([[None] * 9 for _ in range(80)])
    assert E.counter.total >= 3 * 720 and sheet.range("B2").color is None


def test_address_longer_than_255_characters_fails_like_excel():
    sheet = xw.Book().sheets[0]
    address = ",".join(f"A{r}" for r in range(1, 200, 2))
    assert len(address) > 255
    with pytest.raises(E.ComError):
        sheet.range(address)


def test_font_width_autofit(tmp_path):
    sheet = xw.Book().sheets[0]
    sheet.range("A1").value = [["Code", "Libellé"]]
    sheet.range("A1:B1").font.bold = True
    sheet.range("B1").font.color = (192, 0, 0)
    assert sheet.range("A1").font.bold is True and sheet.range("A2").font.bold is False
    assert sheet.range("B1").font.color == (192, 0, 0) and sheet.range("A1").font.color == (0, 0, 0)
    sheet.range("A1:B1").column_width = 20
    assert sheet.range("B1").column_width == 20 and sheet.range("C1").column_width == 8.43
    E.counter.reset()
    sheet.autofit()
    sheet.range("A:B").autofit()
    assert E.counter.by_name["Sheet.autofit"] == 1 and E.counter.total == 4 + 1 + 4  # Rows and Columns AutoFit
    ws = saved(sheet.book, tmp_path).active
    assert ws["A1"].font.b and ws["B1"].font.b and ws["B1"].font.color.rgb == "FFC00000"
    assert ws.column_dimensions["A"].width == 20


# ---------------------------------------------------------------------------------------- notes

def test_notes_add_read_clear_and_save(tmp_path):
    sheet = xw.Book().sheets[0]
    cell = sheet.range("C3")
    assert cell.api  # xlwings tests it before every write
    cell.api.AddComment("Quantité nulle")
    assert sheet.range("C3").note.text == "Quantité nulle" and sheet.range("C4").note is None
    with pytest.raises(E.ComError):  # Excel refuses a second note
        sheet.range("C3").api.AddComment("encore")
    with pytest.raises(ValueError):  # xlwings' add_note checks first
        sheet.range("C3").add_note("encore")
    sheet.range("A1").api.AddComment("a")
    sheet.range("D9").add_note("d")
    assert [n.text for n in sheet.notes] == ["a", "Quantité nulle", "d"]
    wb = saved(sheet.book, tmp_path)
    assert wb.active["C3"].comment.text == "Quantité nulle" and wb.active["D9"].comment.text == "d"
    sheet.range("A1:C3,D9").api.ClearComments()
    assert sheet.range("C3").note is None and sheet.range("D9").note is None and len(sheet.notes) == 0
    assert saved(sheet.book, tmp_path, "again.xlsx").active["C3"].comment is None


def test_one_addcomment_per_note_and_add_note_costs_more():
    sheet = xw.Book().sheets[0]
    E.counter.reset()
    for row in range(1, 51):
        sheet.range(f"B{row}").api.AddComment(f"note {row}")
    assert E.counter.by_name["Range.api.AddComment"] == 50
    assert E.counter.total == 100  # Sheet.range + AddComment (Range.api is free)
    E.counter.reset()
    sheet.range("C1").add_note("xlwings")
    assert E.counter.by_name["Range.note"] == 1 and E.counter.by_name["Range.add_note"] == 1
    assert E.counter.by_name["Range.shape"] == 1 and E.counter.total == 4  # vs 2 with AddComment
    E.counter.reset()
    sheet.used_range.api.ClearComments()
    assert E.counter.total == 2 and len(sheet.notes) == 0


# ------------------------------------------------------------------------------------------ app

def test_app_status_bar_alert_and_properties():
    book = xw.Book()
    app = book.app
    assert app.status_bar is False  # Excel's own text
    app.status_bar = "Vérifier : lecture…"
    app.status_bar = "Vérifier : contrôles…"
    assert app.status_bar == "Vérifier : contrôles…"
    assert E.ENGINE.status_bar_history == ["Vérifier : lecture…", "Vérifier : contrôles…"]
    assert app.alert("3 erreurs", title="AmazonImport", buttons="ok") == "ok"
    E.ENGINE.alert_answers.append("no")
    assert app.alert("Intégrer ?", title="AmazonImport", buttons="yes_no") == "no"
    assert [a["prompt"] for a in E.ENGINE.alerts] == ["3 erreurs", "Intégrer ?"]
    assert E.ENGINE.alerts[0]["title"] == "AmazonImport"
    with pytest.raises(RuntimeError):
        with app.properties(screen_updating=False, calculation="manual", enable_events=False):
            assert (app.screen_updating, app.calculation, app.enable_events) == (False, "manual", False)
            raise RuntimeError("restored anyway")
    assert (app.screen_updating, app.calculation, app.enable_events) == (True, "automatic", True)
    app.display_alerts = False
    app.visible = False
    assert app.display_alerts is False and app.visible is False
    with pytest.raises(KeyError):
        app.calculation = "sometimes"


def test_book_caller_through_the_mock_caller(tmp_path):
    book = E.open_book(make_xlsx(tmp_path / "AmazonImport.xlsx", [["x"]]))
    book.set_mock_caller()
    caller = xw.Book.caller()
    assert caller == book and caller.sheets[0].range("A1").value == "x"
    E.reset()  # forgets the mock caller: Book.caller() fails outside Excel again
    with pytest.raises(Exception):
        xw.Book.caller()


# ---------------------------------------------------------------------------------- the interface

NEEDED = {  # base_classes member -> what the add-in's API needs from the engine
    "App": ["api", "visible", "screen_updating", "display_alerts", "enable_events", "calculation",
            "status_bar", "alert", "books", "pid", "quit", "activate", "version", "selection"],
    "Books": ["active", "__call__", "__len__", "__iter__", "add", "open"],
    "Book": ["api", "name", "sheets", "app", "close", "save", "fullname", "activate"],
    "Sheets": ["api", "active", "__call__", "__len__", "__iter__", "add"],
    "Sheet": ["api", "name", "book", "index", "range", "cells", "activate", "clear_contents", "clear",
              "autofit", "delete", "used_range", "visible", "notes", "tables"],
    "Range": ["api", "__len__", "row", "column", "shape", "raw_value", "formula", "clear_contents",
              "clear", "number_format", "address", "color", "set_colors", "font", "column_width", "autofit",
              "note", "add_note", "__call__", "has_array", "select", "insert", "delete", "sort", "row_hidden",
              "autofilter"],
    "Font": ["bold", "italic", "size", "color", "name"],
    "Note": ["api", "text", "author", "delete"],
    "Apps": ["keys", "add", "cleanup", "__iter__", "__len__", "__getitem__"],
}
MAIN_ONLY = {"Range": ["sheet"], "App": ["engine"]}  # used by main.py, not declared in base_classes


@pytest.mark.parametrize("cls", sorted(NEEDED))
def test_engine_implements_what_xlwings_impl_interface_declares(cls):
    base, ours = getattr(bc, cls), getattr(E, cls)
    assert issubclass(ours, base)
    for member in NEEDED[cls]:
        assert hasattr(base, member), f"xlwings {xw.__version__} no longer declares {cls}.{member}"
        assert member in vars(ours), f"the engine does not implement {cls}.{member}"
        declared, implemented = inspect.getattr_static(base, member), inspect.getattr_static(ours, member)
        if isinstance(declared, property):
            assert isinstance(implemented, property), f"{cls}.{member} must be a property"
            assert declared.fset is None or implemented.fset is not None, f"{cls}.{member} needs a setter"
        else:
            static = isinstance(declared, staticmethod)
            params = list(inspect.signature(declared.__func__ if static else declared).parameters)
            params = params if static else params[1:]
            func = implemented.__func__ if isinstance(implemented, staticmethod) else implemented
            inspect.signature(func).bind(*([] if static else [None]), *[None] * len(params))  # arity
    for member in MAIN_ONLY.get(cls, []):
        assert f"self.impl.{member}" in inspect.getsource(getattr(xw.main, cls)), f"main.{cls} drifted"
        assert isinstance(inspect.getattr_static(ours, member), property)


def test_main_py_call_shapes_the_engine_relies_on():
    # main.Sheets.add passes a third positional `name` that base_classes does not declare.
    call = "self.impl.add(before and before.impl, after and after.impl, name)"
    assert call in inspect.getsource(xw.main.Sheets.add)
    inspect.signature(E.Sheets.add).bind(None, None, None, "x")
    # main.Books.open expects KeyError from impl(name) for a book that is not open, and reads impl.app.
    source = inspect.getsource(xw.main.Books.open)
    assert "except KeyError" in source and "self.impl.app.engine.type" in source
    # main.App.alert passes five positional arguments; Book.caller uses the mock caller first.
    assert "self.impl.alert(prompt, title, buttons, mode, callback)" in inspect.getsource(xw.main.App.alert)
    assert "_mock_caller" in inspect.getsource(xw.main.Book.caller)
    # The conversion stages call these on the engine impl.
    assert callable(E.ENGINE.clean_value_data) and callable(E.ENGINE.prepare_xl_data_element)


# ------------------------------------------------------------------ any text, as Excel stores it

from hypothesis import given, settings as hsettings, strategies as st  # noqa: E402


def _round_trip(tmp_path, text: str):
    book = xw.Book()
    sheet = book.sheets[0]
    sheet.range("A1:B1").number_format = "@"  # how the add-in writes strangers' text
    sheet.range("A1:B1").raw_value = [[text, "x"]]
    sheet.range("B1").api.AddComment(text)
    path = tmp_path / "texte.xlsx"
    book.save(str(path))
    book.close()
    again = xw.Book(str(path))
    try:
        return again.sheets[0].range("A1").raw_value, again.sheets[0].range("B1").note.text
    finally:
        again.close()


@hsettings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(codec=None, exclude_categories=()), min_size=1, max_size=40))
def test_any_text_survives_a_write_and_a_read_back(tmp_path_factory, text):
    """Controls, CR, U+FFFE/FFFF, lone surrogates, literal `_x0041_`: stored as OOXML `_xHHHH_` escapes, the
    cell and its note read back as written, through the engine and through calamine (the add-in's reader)."""
    from python_calamine import CalamineWorkbook

    tmp_path = tmp_path_factory.mktemp("texte")
    cell, note = _round_trip(tmp_path, text)
    assert cell == text and note == text
    if not any("\ud800" <= ch <= "\udfff" for ch in text):  # calamine gives UTF-8 strings: no lone surrogate
        assert CalamineWorkbook.from_path(str(tmp_path / "texte.xlsx")).get_sheet_by_index(0).to_python()[0][0] == text


def test_control_characters_are_stored_as_excel_does(tmp_path):
    """What Excel itself writes for a vertical tab, a CR and a literal escape-like text."""
    _round_trip(tmp_path, "a\x0bb\rc _x0041_")
    import zipfile

    with zipfile.ZipFile(tmp_path / "texte.xlsx") as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "a_x000B_b_x000D_c _x005F_x0041_" in sheet


# ------------------------------------------------------------------- focus, selection, user gestures

def test_sheets_add_activates_the_new_sheet_and_activate_moves_the_focus(tmp_path):
    book = xw.Book()
    first = book.sheets[0]
    E.counter.reset()
    added = book.sheets.add("Aperçu", after=first)  # after the last sheet: Add, Move, Activate, Counts
    cost = E.counter.total - 12  # what main.Sheets.add asks first: the sheets' names, to refuse a taken one
    assert E.counter.by_name["Sheets.add"] == 1 and cost == 1 + 2 + 1  # Book.sheets, Sheets.__iter__, name
    assert book.sheets.active == added
    E.counter.reset()
    first.activate()
    assert book.sheets.active == first
    assert E.counter.by_name["Sheet.activate"] == 1 and E.counter.by_name["Book.activate"] == 1
    wb = saved(book, tmp_path)
    assert wb.active.title == "Sheet1" and [ws.sheet_view.tabSelected for ws in wb.worksheets] == [True, False]


def test_select_works_on_the_active_sheet_only_and_selection_reads_it(tmp_path):
    book = xw.Book()
    orders, other = book.sheets[0], book.sheets.add("Autre")
    with pytest.raises(E.ComError):  # Excel: "Select method of Range class failed"
        orders.range("M5").select()
    orders.activate()
    E.counter.reset()
    orders.range("M5").select()
    assert E.counter.total == 2  # Sheet.range + Select
    assert book.selection.address == "$M$5" and book.app.selection.sheet == orders
    assert saved(book, tmp_path)["Sheet1"].sheet_view.selection[0].activeCell == "M5"
    assert other.name == "Autre"


def test_colour_of_a_range_as_excel_reports_it():
    sheet = xw.Book().sheets[0]
    sheet.range("A1:B2").value = [["a", "b"], ["c", "d"]]
    E.counter.reset()
    assert sheet.range("A1:B2,D9").color is None and E.counter.total == 1 + 2  # ColorIndex only
    sheet.range("A1,B2").color = RED
    assert sheet.range("A1,B2").color == RED
    with pytest.raises(TypeError):  # mixed: Interior.Color is Null, xlwings' int_to_rgb(None) fails
        sheet.range("A1:B2").color
    with pytest.raises(TypeError):
        sheet.range("A1,C7").color  # one filled cell, one empty and unformatted cell


def _grid(sheet, address):
    return sheet.range(address).value


def test_inserting_a_column_shifts_values_fills_notes_and_widths_and_copies_the_left_format(tmp_path):
    sheet = xw.Book().sheets[0]
    sheet.range("A1").value = [["id", "qty", "city"], ["1", 2, "Lyon"], ["2", 0, "Metz"]]
    sheet.range("B3").color = RED
    sheet.range("B3").api.AddComment("quantité nulle")
    sheet.range("C1").column_width = 30
    E.counter.reset()
    sheet.range("B:B").insert("right")
    assert E.counter.by_name["Range.insert"] == 1
    assert _grid(sheet, "A1:D1") == ["id", None, "qty", "city"]
    assert sheet.range("C3").value == 0 and sheet.range("C3").color == RED
    assert sheet.range("C3").note.text == "quantité nulle" and sheet.range("B3").note is None
    assert sheet.range("B3").color == (255, 255, 255) or sheet.range("B3").color is None
    assert sheet.range("D1").column_width == 30 and sheet.range("C1").column_width == 8.43
    sheet.range("D:D").insert("right")  # right of a marked column: the new cells take the left format
    assert sheet.range("D3").color == RED and sheet.range("D3").note is None and sheet.range("D3").value is None
    ws = saved(sheet.book, tmp_path).active
    assert ws["C3"].comment.text == "quantité nulle" and ws["E1"].value == "city"
    assert ws.column_dimensions["E"].width == 30


def test_inserting_and_deleting_rows_shift_rows_below():
    sheet = xw.Book().sheets[0]
    sheet.range("A1").value = [["h"], ["r2"], ["r3"]]
    sheet.range("A3").api.AddComment("n3")
    sheet.range("2:2").insert("down")
    assert _grid(sheet, "A1:A4") == ["h", None, "r2", "r3"] and sheet.range("A4").note.text == "n3"
    sheet.range("3:3").delete("up")
    assert _grid(sheet, "A1:A3") == ["h", None, "r3"] and sheet.range("A3").note.text == "n3"
    sheet.range("A:A").delete("left")
    assert sheet.used_range.address == "$A$1" and sheet.range("A3").note is None


def test_sorting_moves_rows_with_their_notes_and_fills_blanks_last():
    sheet = xw.Book().sheets[0]
    sheet.range("A1").value = [["name", "qty"], ["b", 2], [None, 1], ["C", 3], ["a", 4]]
    sheet.range("B2").color = RED
    sheet.range("B2").api.AddComment("deux")
    sheet.range("A1:B5").sort([1], [True], has_headers=True)
    assert _grid(sheet, "A2:B5") == [["a", 4.0], ["b", 2.0], ["C", 3.0], [None, 1.0]]
    assert sheet.range("B3").note.text == "deux" and sheet.range("B3").color == RED
    assert sheet.range("B2").note is None and sheet.range("B2").color is None
    sheet.range("A1:B5").sort([2], [False], has_headers=True)
    assert _grid(sheet, "B2:B5") == [4.0, 3.0, 2.0, 1.0] and sheet.range("B4").note.text == "deux"


def test_hiding_and_filtering_rows_moves_nothing(tmp_path):
    sheet = xw.Book().sheets[0]
    sheet.range("A1").value = [["country", "qty"], ["FR", 1], ["BE", 2], ["FR", 3], ["DE", 4]]
    sheet.range("A3").api.AddComment("belge")
    data = sheet.range("A1:B5")
    data.autofilter.apply_values(1, ["FR"])
    assert [sheet.range(f"A{r}").rows.hidden for r in range(2, 6)] == [False, True, False, True]
    assert sheet.range("A3").value == "BE" and sheet.range("A3").note.text == "belge"
    assert sheet.range("A2:A5").rows.hidden is None
    app = sheet.book.app
    E.counter.reset()
    visible = app.api.WorksheetFunction.Subtotal(103, sheet.range("A2:A5").api)
    assert visible == 2 and E.counter.total == 1 + 2  # Sheet.range + WorksheetFunction.Subtotal
    data.autofilter.clear()
    assert sheet.range("A2:A5").rows.hidden is False
    sheet.range("4:5").rows.hidden = True
    assert sheet.book.app.api.WorksheetFunction.Subtotal(103, sheet.range("A2:A5").api) == 2
    assert saved(sheet.book, tmp_path).active.row_dimensions[4].hidden


def test_a_whole_column_format_is_one_call_and_new_cells_take_it(tmp_path):
    sheet = xw.Book().sheets[0]
    sheet.range("B2").value = "déjà là"
    E.counter.reset()
    sheet.range("A:B,D:D").number_format = "@"
    assert E.counter.total == 2 and sheet.range("B2").number_format == "@"
    sheet.range("A1:D1").raw_value = [["=1+1", "00123", "x", "=2+2"]]  # typed later, into Text columns
    assert sheet.range("A1:D1").value == ["=1+1", "00123", "x", "=2+2"] and E.ENGINE.risky_writes == []
    assert sheet.used_range.address == "$A$1:$D$2"  # a column's format does not grow the used range
    ws = saved(sheet.book, tmp_path).active
    assert (ws["A1"].value, ws["A1"].data_type) == ("=1+1", "s") and ws["C1"].number_format == "General"
