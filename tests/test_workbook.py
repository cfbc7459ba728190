"""The Excel workbook and add-in built by `amazon_addin.excel.build`, checked without Excel.

What these tests cannot prove (the ribbon shows, the buttons run Python) is the manual smoke test of the
README; everything that can be read from the files is checked here.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import io
import re
import struct
import warnings
import zipfile
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

import pytest

from amazon_addin.excel import build as B

REPO = Path(__file__).resolve().parents[1]
COMMITTED = REPO / "workbook"
SRC = COMMITTED / "src"
REBUILD = "run `amazon-addin build-workbook --out workbook` and commit workbook/AmazonImport.xlsm and workbook/AmazonImport.xlam"

# SPEC §5, in the order of the spec.
SPEC_SETTINGS = ("base", "famille_produits", "famille_port", "produit_port", "fuseau_horaire", "jeu_caracteres",
                 "format_numero", "format_numero_avoir", "taux_tva_defaut", "canal_defaut", "produit_remise", "produit_emballage", "mapping",
                 "taille_max_mo", "lignes_max", "attente_verrou_s")
LABELS = {"Charger", "Vérifier", "Corriger", "Intégrer", "Avoir", "Paramètres"}
CUI = f"{{{B.CUSTOMUI_NS}}}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
PASSWORD_WORDS = re.compile(r"password|passwd|pwd|mot.?de.?passe|mdp|secret", re.I)


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """Two independent builds, each a {file name: bytes} mapping."""
    result = []
    for run in ("a", "b"):
        out = tmp_path_factory.mktemp(f"workbook-{run}")
        paths = B.build_workbook(out)
        assert [p.name for p in paths] == [B.XLSM_NAME, B.XLAM_NAME]
        result.append({p.name: p.read_bytes() for p in paths})
    return result


@pytest.fixture(scope="module")
def built(builds):
    return builds[0]


@pytest.fixture(scope="module")
def files(built, tmp_path_factory):
    """The built files on disk (olevba and pyOpenVBA read paths)."""
    out = tmp_path_factory.mktemp("workbook-files")
    for name, data in built.items():
        (out / name).write_bytes(data)
    return {name: out / name for name in built}


@pytest.fixture(scope="module")
def books(built):
    """Both files loaded by openpyxl (keep_vba=True), once."""
    loaded = {name: load_with_openpyxl(data, name) for name, data in built.items()}
    yield loaded
    for book in loaded.values():
        book.vba_archive.close()  # openpyxl keeps an in-memory zip open for the VBA parts; close it explicitly


def parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return {name: package.read(name) for name in package.namelist()}


def modules(path: Path) -> dict[str, str]:
    from pyopenvba import ExcelFile

    with ExcelFile(path) as book:
        return book.vba_modules()


def body(source: str) -> list[str]:
    """A module's code without attribute lines, line endings normalised, trailing blank lines dropped."""
    lines = [line.rstrip() for line in source.replace("\r\n", "\n").replace("\r", "\n").split("\n")
             if not line.startswith("Attribute VB_")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def load_with_openpyxl(data: bytes, name: str):
    """openpyxl refuses the add-in's extension and its workbook content type (it lists only xlsx/xlsm/xltx/xltm);
    the add-in is read with the .xlsm content type, every other byte unchanged."""
    import openpyxl

    if name.endswith(".xlam"):
        source = parts(data)
        ct = source["[Content_Types].xml"]
        assert B.XLAM_MAIN_TYPE.encode() in ct
        source["[Content_Types].xml"] = ct.replace(B.XLAM_MAIN_TYPE.encode(), B.XLSM_MAIN_TYPE.encode())
        data = B.zip_parts(source)
    return openpyxl.load_workbook(io.BytesIO(data), keep_vba=True)


def kv_block(sheet) -> list[tuple]:
    """Rows from A1 down to the first empty A cell, as xlwings' VBA (GetConfigFromSheet) reads them."""
    rows = []
    for row in sheet.iter_rows(min_row=1, max_col=3, values_only=True):
        if row[0] is None:
            break
        rows.append(row)
    return rows


# ------------------------------------------------------------------------------------------ reproducible

def test_two_builds_give_identical_bytes(builds):
    first, second = builds
    for name in first:
        assert first[name] == second[name], f"{name}: two builds differ, the build is not reproducible"


def test_committed_workbooks_are_up_to_date(built):
    for name, data in built.items():
        committed = COMMITTED / name
        assert committed.is_file(), f"{committed} is missing: {REBUILD}"
        if committed.read_bytes() != data:
            changed = sorted(n for n, d in parts(data).items() if parts(committed.read_bytes()).get(n) != d)
            pytest.fail(f"{committed.name} is not the build of workbook/src/ (parts differing: {changed}): {REBUILD}")


def test_zip_entries_are_sorted_stored_and_dated_1980(built):
    for name, data in built.items():
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            infos = package.infolist()
        assert [i.filename for i in infos] == sorted(i.filename for i in infos), name
        assert {i.date_time for i in infos} == {B.ZIP_DATE}, name
        assert {i.compress_type for i in infos} == {zipfile.ZIP_STORED}, name
        core = parts(data)["docProps/core.xml"].decode()
        assert core.count(B.PINNED_DATE) == 2, "docProps/core.xml must carry the pinned dates only"


# ------------------------------------------------------------------------------------------ package

def test_every_xml_part_parses(built):
    for name, data in built.items():
        for part, content in parts(data).items():
            if part.endswith((".xml", ".rels")):
                try:
                    ET.fromstring(content)
                except ET.ParseError as exc:
                    pytest.fail(f"{name}: {part} is not well-formed XML: {exc}")


def test_content_types(built):
    for name, main_type in ((B.XLSM_NAME, B.XLSM_MAIN_TYPE), (B.XLAM_NAME, B.XLAM_MAIN_TYPE)):
        types = ET.fromstring(parts(built[name])["[Content_Types].xml"])
        overrides = {o.get("PartName"): o.get("ContentType") for o in types.iter(f"{CT}Override")}
        defaults = {d.get("Extension"): d.get("ContentType") for d in types.iter(f"{CT}Default")}
        assert overrides["/xl/workbook.xml"] == main_type, name
        assert defaults["bin"] == "application/vnd.ms-office.vbaProject", name
        assert defaults["xml"] == "application/xml", f"{name}: customUI14.xml is covered by the xml Default"
        names = set(parts(built[name]))
        for part in overrides:
            assert part.lstrip("/") in names, f"{name}: content type for a missing part {part}"


def test_customui_part_and_relationship(built):
    source = (SRC / "customUI14.xml").read_bytes()
    for name, data in built.items():
        package = parts(data)
        assert package[B.CUSTOMUI_PART] == source, f"{name}: customUI14.xml differs from workbook/src"
        rels = ET.fromstring(package["_rels/.rels"])
        found = [r for r in rels.iter(f"{PKG_REL}Relationship") if r.get("Type") == B.CUSTOMUI_REL_TYPE]
        assert [r.get("Target") for r in found] == ["customUI/customUI14.xml"], name
        ids = [r.get("Id") for r in rels.iter(f"{PKG_REL}Relationship")]
        assert len(ids) == len(set(ids)), f"{name}: duplicate relationship ids in _rels/.rels"


def test_ribbon_tab_and_buttons():
    root = ET.fromstring((SRC / "customUI14.xml").read_bytes())
    assert root.tag == f"{CUI}customUI"
    tabs = list(root.iter(f"{CUI}tab"))
    assert [t.get("label") for t in tabs] == ["Amazon"]
    groups = list(tabs[0].iter(f"{CUI}group"))
    assert len(groups) == 1
    buttons = list(groups[0].iter(f"{CUI}button"))
    assert {b.get("label") for b in buttons} == LABELS
    for button in buttons:
        label = button.get("label")
        assert button.get("size") == "large", label
        assert re.fullmatch(r"[A-Za-z]+", button.get("imageMso") or ""), f"{label}: built-in imageMso icon"
        assert button.get("screentip") and len(button.get("supertip") or "") > 20, f"{label}: French tips"
        assert button.get("onAction", "").startswith(f"{B.RIBBON_MODULE}."), label
    ids = [el.get("id") for el in root.iter() if el.get("id")]
    assert len(ids) == len(set(ids))


def test_openpyxl_loads_both_files(books):
    xlsm = books[B.XLSM_NAME]
    assert xlsm.sheetnames == [B.ORDER_SHEET, B.SETTINGS_SHEET, B.XLSM_CONF_SHEET]
    assert xlsm.active.title == B.ORDER_SHEET
    assert xlsm.code_name == "ThisWorkbook"
    assert [ws.sheet_properties.codeName for ws in xlsm] == ["Sheet1", "Sheet3", "Sheet2"]
    assert xlsm[B.ORDER_SHEET].max_row == 1 and xlsm[B.ORDER_SHEET]["A1"].value is None
    xlam = books[B.XLAM_NAME]
    assert xlam.sheetnames == [B.XLAM_CONF_SHEET]
    assert xlam.views[0].visibility == "hidden"


# ------------------------------------------------------------------------------------------ sheets

def test_parametres_sheet_holds_every_spec_setting_and_no_password(books):
    sheet = books[B.XLSM_NAME][B.SETTINGS_SHEET]
    rows = kv_block(sheet)
    assert tuple(r[0] for r in rows) == SPEC_SETTINGS
    assert sheet.max_row == len(SPEC_SETTINGS), "nothing below the settings (the ribbon reads the whole block)"
    for key, value, comment in rows:
        assert isinstance(comment, str) and len(comment) > 15, f"{key}: French comment in column C"
        assert not PASSWORD_WORDS.search(key), key
        if isinstance(value, str):
            assert not re.match(r"^[^:/]+://[^:/@]*:[^@]+@", value), f"{key}: a password in a URL"
    for row in sheet.iter_rows(values_only=True):
        for value in row[:2]:
            assert not (isinstance(value, str) and PASSWORD_WORDS.search(value)), value


def test_parametres_sheet_values_are_the_settings_defaults(books):
    try:
        from amazon_addin.settings import Settings
    except ImportError as exc:  # settings.py is edited by others; its absence is not this module's failure
        pytest.skip(f"amazon_addin.settings not importable: {exc}")
    defaults = Settings()
    sheet = books[B.XLSM_NAME][B.SETTINGS_SHEET]
    for key, value, _ in kv_block(sheet):
        expected = getattr(defaults, key)
        if isinstance(expected, Decimal):
            assert Decimal(str(value)) == expected, key
        else:
            assert value == expected, f"{key}: sheet {value!r}, Settings default {expected!r}"


CONF_SHEETS = {B.XLSM_NAME: B.XLSM_CONF_SHEET, B.XLAM_NAME: B.XLAM_CONF_SHEET}
# Keys whose value is a path the user sets elsewhere (xlwings.conf beside the workbook, the user's file):
# present in the sheet, even empty, they would hide it.
USER_KEYS = {"INTERPRETER_WIN", "INTERPRETER_MAC", "INTERPRETER", "PYTHONPATH", "CONDA PATH", "CONDA ENV",
             "UDF MODULES", "LICENSE_KEY"}


def xlwings_vba(name: str) -> str:
    """The xlwings VBA module shipped in the built file's template (what GetConfig really does)."""
    import xlwings

    source = {B.XLSM_NAME: "xlwings.bas", B.XLAM_NAME: "xlwings_custom_addin.bas"}[name]
    return (Path(xlwings.__file__).parent / source).read_text(encoding="cp1252")


def test_xlwings_config_sheet_reading_is_what_the_tests_assume():
    """kv_block() emulates GetConfigFromSheet: keys from A1 down to the last cell before a gap, value beside."""
    for name in CONF_SHEETS:
        vba = xlwings_vba(name)
        reader = vba[vba.index("Function GetConfigFromSheet"):vba.index("End Function", vba.index("Function GetConfigFromSheet"))]
        assert 'Set lastCell = sht.Range("A1").End(xlDown)' in reader
        assert "d.Add UCase(cell.Value), cell.Offset(0, 1).Value" in reader
        assert "Function ExpandEnvironmentStrings(ByVal s As String)" in vba, "values go through a String"


def test_config_cells_are_text_never_boolean_or_number(books):
    """Item 1 of issue 11: a boolean cell reaches xlwings' VBA as "Faux" in a French Windows (run-time error 13)."""
    for name, sheet_name in CONF_SHEETS.items():
        sheet = books[name][sheet_name]
        cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
        assert cells, name
        for cell in cells:
            assert cell.data_type == "s" and isinstance(cell.value, str), (name, cell.coordinate, cell.value)
        for key, value, _ in kv_block(sheet):
            assert value in ("False", "True") or not re.fullmatch(r"(?i)vrai|faux|true|false|[\d.,]+", value), value
        values = [sheet.cell(r, 2) for r in range(1, len(kv_block(sheet)) + 1)]
        assert {c.number_format for c in values} == {"@"}, f"{name}: values formatted as Text"
        assert sheet.column_dimensions["B"].number_format == "@", f"{name}: a value typed in a new row stays text"


def test_config_sheets_hide_nothing_of_the_users_files(books):
    """Item 2 of issue 11: every key row xlwings reads has a value; the keys that the user's own files set
    (INTERPRETER_WIN...) are absent; every key is one xlwings' VBA asks for, once; the keys it asks for with
    the Boolean literal False as default are given as text, so that no Boolean is ever turned into a string."""
    for name, sheet_name in CONF_SHEETS.items():
        sheet = books[name][sheet_name]
        vba = xlwings_vba(name)
        rows = kv_block(sheet)
        keys = [key for key, _, _ in rows]
        assert len({k.upper() for k in keys}) == len(keys), f"{name}: d.Add of a duplicate key is error 457"
        for key, value, comment in rows:
            assert isinstance(value, str) and value.strip(), f"{name}: {key} has no value and would hide the files"
            assert f'GetConfig("{key}"' in vba, f"{name}: {key} is not an xlwings key"
            assert isinstance(comment, str) and len(comment) > 15, f"{name}: {key} has a French comment in C"
        assert not USER_KEYS & set(keys), f"{name}: {sorted(USER_KEYS & set(keys))} would hide the user's files"
        boolean_defaults = set(re.findall(r'GetConfig\("([^"]+)", (?:False|True)\)', vba))
        assert boolean_defaults == {"USE UDF SERVER", "SHOW CONSOLE", "DEBUG UDFS"}
        assert boolean_defaults <= set(keys), f"{name}: {sorted(boolean_defaults - set(keys))}"
        column_a = [c.value for c in sheet["A"] if c.value is not None]
        assert column_a == keys, f"{name}: nothing but keys in column A (a note there becomes a key)"
        notes = " ".join(str(c.value) for c in sheet["E"] if c.value)
        assert "installer-excel" in notes and "INTERPRETER_WIN" in notes, f"{name}: notes in column E"
    xlam_notes = " ".join(str(c.value) for c in books[B.XLAM_NAME][B.XLAM_CONF_SHEET]["E"] if c.value)
    assert rf".{B.ADDIN_PROJECT_NAME}\{B.ADDIN_PROJECT_NAME}.conf" in xlam_notes
    assert "ImportPythonUDFs" in " ".join(str(c.value) for c in books[B.XLSM_NAME][B.XLSM_CONF_SHEET]["E"] if c.value)
    assert "_xlwings.conf" not in books[B.XLSM_NAME].sheetnames


def test_a_boolean_or_empty_config_value_is_refused(tmp_path):
    text = (SRC / "xlwings_conf.toml").read_text(encoding="utf-8")
    for bad in ('value = false', 'value = ""', "value = 0"):
        for name in ("AmazonRibbon.bas", "customUI14.xml", "parametres.toml"):
            (tmp_path / name).write_bytes((SRC / name).read_bytes())
        (tmp_path / "xlwings_conf.toml").write_text(text.replace('value = "False"', bad, 1), encoding="utf-8")
        with pytest.raises(B.BuildError, match="texte non vide"):
            B.read_sources(tmp_path)


# ------------------------------------------------------------------------------------------ VBA

def test_olevba_lists_the_modules(built):
    with warnings.catch_warnings():  # oletools 0.60 uses pyparsing names deprecated since pyparsing 3.1
        warnings.simplefilter("ignore", DeprecationWarning)
        from oletools.olevba import VBA_Parser

    for name, data in built.items():
        parser = VBA_Parser(name, data=data)
        try:
            found = {Path(vba_name).stem for _, _, vba_name, _ in parser.extract_macros()}
        finally:
            parser.close()
        assert {"xlwings", B.RIBBON_MODULE, "Dictionary", "ThisWorkbook"} <= found, f"{name}: {sorted(found)}"
        assert "Module1" not in found, name


def test_every_onaction_resolves_to_a_ribbon_callback(files):
    bas = (SRC / f"{B.RIBBON_MODULE}.bas").read_bytes().decode("cp1252")
    subs = B.ribbon_subs(bas)
    actions = B.onactions((SRC / "customUI14.xml").read_bytes())
    assert len(actions) == len(B.RIBBON_FUNCTIONS)
    for action in actions:
        module, _, sub = action.partition(".")
        assert module == B.RIBBON_MODULE, action
        assert re.search(rf"^Public Sub {sub}\(control As IRibbonControl\)\r$", bas, re.M), action
        assert sub in subs
    for name, path in files.items():
        in_file = B.ribbon_subs(modules(path)[B.RIBBON_MODULE])
        assert set(in_file) == set(subs), f"{name}: the built module has other callbacks than AmazonRibbon.bas"


def _runpython_call(command: str) -> ast.Call:
    tree = ast.parse(command)
    assert len(tree.body) == 2, command
    imported, call = tree.body
    assert isinstance(imported, ast.Import) and [(a.name, a.asname) for a in imported.names] == [
        ("amazon_addin.ribbon", "r")], command
    assert isinstance(call, ast.Expr) and isinstance(call.value, ast.Call), command
    func = call.value.func
    assert isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "r", command
    return call.value


def test_each_runpython_command_names_a_ribbon_function(files):
    for name, path in files.items():
        addin = name == B.XLAM_NAME
        subs = B.ribbon_subs(modules(path)[B.RIBBON_MODULE])
        called = []
        for sub, command in subs.items():
            call = _runpython_call(command)
            assert call.func.attr in B.RIBBON_FUNCTIONS, f"{name}: {sub} calls r.{call.func.attr}"
            assert call.func.attr == sub.casefold(), f"{name}: {sub} calls r.{call.func.attr}"
            assert not call.args, command
            keywords = {k.arg: ast.literal_eval(k.value) for k in call.keywords}
            assert keywords == ({"addin": True} if addin else {}), f"{name}: {command}"
            called.append(call.func.attr)
        assert sorted(called) == sorted(B.RIBBON_FUNCTIONS), name


def test_ribbon_functions_exist_in_python():
    if importlib.util.find_spec("amazon_addin.ribbon") is None:
        pytest.skip("amazon_addin/ribbon.py does not exist yet (written separately): "
                    "the RunPython targets cannot be checked against it")
    ribbon = importlib.import_module("amazon_addin.ribbon")
    for func in B.RIBBON_FUNCTIONS:
        assert hasattr(ribbon, func), f"amazon_addin.ribbon.{func} is called by the ribbon but does not exist"
        assert "addin" in inspect.signature(getattr(ribbon, func)).parameters, f"{func}(addin=True) from the .xlam"


def test_ribbon_bas_is_cp1252_with_crlf():
    raw = (SRC / f"{B.RIBBON_MODULE}.bas").read_bytes()
    raw.decode("cp1252")
    assert raw.count(b"\n") == raw.count(b"\r\n") == raw.count(b"\r"), "CRLF line endings only"
    assert raw.startswith(f'Attribute VB_Name = "{B.RIBBON_MODULE}"\r\n'.encode())


def test_xlwings_vba_module_is_the_0_37_8_one(files):
    """The Python side must be exactly the version of the VBA module (RunPython's arguments, the DLL name)."""
    import xlwings

    assert xlwings.__version__ == B.XLWINGS_VERSION
    package = Path(xlwings.__file__).parent
    references = {B.XLSM_NAME: "xlwings.bas", B.XLAM_NAME: "xlwings_custom_addin.bas"}
    for name, path in files.items():
        code = modules(path)["xlwings"]
        assert f"'Version: {xlwings.__version__}" in code, name
        assert f'Public Const XLWINGS_VERSION As String = "{xlwings.__version__}"' in code, name
        reference = body((package / references[name]).read_text(encoding="cp1252"))
        if name == B.XLAM_NAME:
            reference = [line.replace('"myaddin"', f'"{B.ADDIN_PROJECT_NAME}"') if "PROJECT_NAME As String" in line
                         else line for line in reference]
        assert body(code) == reference, f"{name}: the xlwings module is not xlwings {xlwings.__version__}'s"
        runpython = [line for line in body(code) if line.startswith("Public Function RunPython")]
        assert runpython == ["Public Function RunPython(PythonCommand As String)"], name
    addin_code = modules(files[B.XLAM_NAME])["xlwings"]
    assert "Set wb = ActiveWorkbook" in addin_code, "the add-in's RunPython acts on the active workbook"
    assert f'Public Const PROJECT_NAME As String = "{B.ADDIN_PROJECT_NAME}"' in addin_code


def test_every_callback_first_checks_that_a_workbook_is_active(files):
    """Item 3 of issue 11: with no workbook open (or only one in Protected View) the add-in's tab stays and
    ActiveWorkbook is Nothing: RunPython would stop on run-time error 91. Each callback says so in French first."""
    for name, path in files.items():
        code = modules(path)[B.RIBBON_MODULE]
        consts = dict(re.findall(r'^Private Const (\w+) As String = (".*?")\r$', code.replace(" _\r\n    ", " "),
                                 re.M))
        texts = {key: "".join(ast.literal_eval(part.strip()) for part in value.split(" & "))
                 for key, value in consts.items()}
        bodies = re.findall(r"^Public Sub (\w+)\(control As IRibbonControl\)\r\n(.*?)^End Sub", code, re.M | re.S)
        assert sorted(sub.casefold() for sub, _ in bodies) == sorted(B.RIBBON_FUNCTIONS), name
        for sub, text in bodies:
            lines = [line.strip() for line in text.split("\r\n") if line.strip()]
            assert lines[0] == "If ActiveWorkbook Is Nothing Then", f"{name}: {sub} is not guarded first"
            box = re.fullmatch(r"MsgBox (\w+), vbExclamation, (\w+)", lines[1])
            assert box and lines[2:4] == ["Exit Sub", "End If"], f"{name}: {sub}: {lines[:4]}"
            message, title = texts[box.group(1)], texts[box.group(2)]
            assert title == "AmazonImport"
            assert "Aucun classeur" in message and "Activer la modification" in message, message
            assert lines[4].startswith("RunPython "), f"{name}: {sub} runs Python only after the guard"


def _ole_streams(data: bytes) -> dict[str, bytes]:
    import olefile

    with zipfile.ZipFile(io.BytesIO(data)) as package:
        vba = package.read("xl/vbaProject.bin")
    with olefile.OleFileIO(io.BytesIO(vba)) as ole:
        return {"/".join(entry): ole.openstream(entry).read() for entry in ole.listdir()}


def _dir_records(raw: bytes) -> tuple[list[tuple[int, bytes]], int]:
    """The records of a decompressed dir stream as MS-OVBA 2.3.4.2 lays them out (Id u16, Size u32, Data),
    up to the PROJECTMODULES Terminator and its Reserved u32; and the offset right after that Reserved field."""
    records, at = [], 0
    while True:
        record_id, size = struct.unpack_from("<HI", raw, at)
        if record_id == 0x0009:  # PROJECTVERSION: Reserved u32 (= 4), VersionMajor u32, VersionMinor u16
            records.append((record_id, raw[at + 6:at + 12]))
            at += 12
            continue
        records.append((record_id, raw[at + 6:at + 6 + size]))
        at += 6 + size
        if record_id == 0x0010:  # Terminator (2 bytes) + Reserved (4 bytes): the end of the stream
            assert size == 0, "the Reserved field of the Terminator is 0"
            return records, at


def test_vba_dir_stream_ends_where_ms_ovba_says(built):
    """Item 6 of issue 11: pyOpenVBA wrote the Terminator's Reserved field twice. Decompressed with oletools
    (not the library that compressed it), the dir stream ends right after it, and its module count is right."""
    from oletools.olevba import decompress_stream

    for name, data in built.items():
        raw = bytes(decompress_stream(bytearray(_ole_streams(data)["VBA/dir"])))
        records, end = _dir_records(raw)
        assert end == len(raw), f"{name}: {len(raw) - end} byte(s) after the dir stream's Terminator"
        count = struct.unpack("<H", dict(records)[0x000F])[0]
        assert count == sum(1 for record_id, _ in records if record_id == 0x0019), name  # MODULENAME records
        project_name = dict(records)[0x0004].decode("cp1252")
        assert project_name == ("AmazonImport" if name == B.XLAM_NAME else "VBAProject"), name
        project = _ole_streams(data)["PROJECT"].decode("cp1252")
        assert f'\r\nName="{project_name}"\r\n' in project, f"{name}: PROJECT and dir name the project alike"


def test_every_sheet_code_name_has_its_document_module(built, files):
    """Item 6 of issue 11: a sheet's codeName names its document module, declared Document= in the PROJECT
    stream, as Excel writes it (Paramètres had codeName Sheet3 and no module)."""
    workbook_base, sheet_base = "0{00020819-0000-0000-C000-000000000046}", "0{00020820-0000-0000-C000-000000000046}"
    for name, data in built.items():
        package = parts(data)
        book = ET.fromstring(package["xl/workbook.xml"]).find(f"{{{B._NS_MAIN}}}workbookPr").get("codeName")
        sheets = [ET.fromstring(content).find(f"{{{B._NS_MAIN}}}sheetPr").get("codeName")
                  for part, content in sorted(package.items()) if part.startswith("xl/worksheets/sheet")]
        project = _ole_streams(data)["PROJECT"].decode("cp1252")
        documents = re.findall(r"^Document=(\w+)/&H00000000\r$", project, re.M)
        assert sorted(documents) == sorted([book, *sheets]), f"{name}: {documents} for {book}, {sheets}"
        assert not set(re.findall(r"^(?:Class|Module)=(\w+)\r$", project, re.M)) & set(documents), name
        code = modules(files[name])
        for module, base in [(book, workbook_base)] + [(sheet, sheet_base) for sheet in sheets]:
            header = code[module]
            assert header.startswith(f'Attribute VB_Name = "{module}"\r\nAttribute VB_Base = "{base}"\r\n'), module
            assert "Attribute VB_PredeclaredId = True\r\n" in header and "Attribute VB_Exposed = True\r\n" in header
    xlsm = modules(files[B.XLSM_NAME])
    assert xlsm["Sheet3"] == xlsm["Sheet2"].replace('"Sheet2"', '"Sheet3"'), "the module Excel writes for a sheet"


# Microsoft's "Office Fluent User Interface Control Identifiers", Excel lists, as published in
# https://github.com/OfficeDev/office-fluent-ui-command-identifiers (commit b230a0df45036b2d5e8b49ebf368b3f90ada8d63,
# 2024-03-18): the files "Office 2013/excelcontrols.xlsx", "Office 2016/…", "Office 2019/…" and "Microsoft 365/
# {Current Channel, Monthly Enterprise Channel, Semi-Annual Enterprise Channel}/excelcontrols.xlsx" all list these
# names (column "Control Name", with their "Control Type"). Checked there by hand: the icons first chosen are in
# none of the Excel lists (ReviewAcceptChange is a Word control, ImportAccess an Access one).
EXCEL_CONTROL_IDS = {"FileOpen": "button", "ErrorChecking": "button", "ReplaceDialog": "button",
                     "DatabaseQueryNew": "button", "PropertySheet": "button",
                     "Undo": "gallery"}  # imageMso takes the image of any control, whatever its type


def test_every_icon_is_a_published_excel_control_identifier():
    """Item 8 of issue 11: an imageMso that Excel does not know shows no icon."""
    root = ET.fromstring((SRC / "customUI14.xml").read_bytes())
    icons = {el.get("label"): el.get("imageMso") for el in root.iter() if el.get("imageMso")}
    assert set(icons) == LABELS
    for label, icon in icons.items():
        assert icon in EXCEL_CONTROL_IDS, f"{label}: {icon} is not in Microsoft's Excel control identifiers"


def test_no_pro_code_in_the_builder():
    source = Path(B.__file__).read_text(encoding="utf-8")
    assert not re.search(r"(import|from)\s+xlwings\.pro|LICENSE_KEY", source)


def test_a_password_in_the_sources_is_refused(tmp_path):
    for name in ("AmazonRibbon.bas", "customUI14.xml", "xlwings_conf.toml"):
        (tmp_path / name).write_bytes((SRC / name).read_bytes())
    text = (SRC / "parametres.toml").read_text(encoding="utf-8")
    (tmp_path / "parametres.toml").write_text(
        text.replace('"sqlite:///gestan.db"', '"postgresql://gestan:secret@serveur/gestan"'), encoding="utf-8")
    out = tmp_path / "out"
    with pytest.raises(B.BuildError, match="mot de passe"):
        B.build_workbook(out, src_dir=tmp_path)
    assert not out.exists(), "nothing is written when a source is refused"


def test_build_workbook_writes_where_out_says_default_the_current_folder(tmp_path, built):
    """Never into the installed package's tree: --out DOSSIER, else the current folder."""
    import subprocess
    import sys

    committed = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in COMMITTED.glob("AmazonImport.*")}
    out = tmp_path / "classeurs"
    for args, where in ((["--out", out], out), ([], tmp_path)):
        proc = subprocess.run([sys.executable, "-m", "amazon_addin", "build-workbook", *map(str, args)],
                              capture_output=True, cwd=tmp_path, timeout=300)
        assert proc.returncode == 0, proc.stderr.decode("utf-8")
        assert {p.name: p.read_bytes() for p in where.glob("AmazonImport.*")} == built
    assert {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in COMMITTED.glob("AmazonImport.*")} == committed


def test_build_dependency_is_the_build_extra_named_in_the_readme():
    import tomllib

    extras = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    pin = f"pyOpenVBA=={B.PYOPENVBA_VERSION}"
    assert pin in extras["build"] and pin in extras["test"]  # the workbook tests build it too
    assert 'pip install -e ".[build]"' in (REPO / "README.md").read_text(encoding="utf-8")
