"""Build `workbook/AmazonImport.xlsm` and `workbook/AmazonImport.xlam` from the sources in `workbook/src/`.

Two builds give the same bytes. Every part is either written here or taken from a pinned input, the zip
entries are sorted, stored (not deflated, so the bytes do not depend on the zlib build) and dated
1980-01-01, and `docProps/core.xml` is fixed.

Where each part comes from:

- `xl/vbaProject.bin`: the VBA project of a workbook shipped inside the xlwings 0.37.8 package (BSD part
  only, never `xlwings/pro/`), edited with pyOpenVBA 6.5.0:
  - `.xlsm`: `quickstart_standalone.xlsm`, whose `xlwings` module and `Dictionary` class make the workbook
    work without the xlwings add-in;
  - `.xlam`: `quickstart_addin.xlam`, whose `xlwings` module is xlwings' custom add-in variant
    (`xlwings_custom_addin.bas`): it runs Python for `ActiveWorkbook` rather than `ThisWorkbook`, and reads
    its settings from the sheet `<PROJECT_NAME>.conf`. PROJECT_NAME is renamed from "myaddin" to
    "amazonimport", as xlwings' documentation tells custom add-ins to do, and the VBA project itself is
    renamed from "MyAddin" to "AmazonImport".
  In both, `Module1` is removed, a document module is added for any sheet whose code name has none (as
  Excel would), and the standard module `AmazonRibbon` is added from `workbook/src/AmazonRibbon.bas`
  (cp1252, CRLF); in the add-in every `r.<function>()` call gains `addin=True`. `vba_project.py` then puts
  right where pyOpenVBA's streams differ from Excel's.
- `xl/theme/theme1.xml`: copied from the same xlwings workbook.
- `customUI/customUI14.xml`: `workbook/src/customUI14.xml`, related from `_rels/.rels`.
- The sheets (from `workbook/src/parametres.toml` and `workbook/src/xlwings_conf.toml`), styles, workbook,
  content types, relationships and document properties: written below.
"""

from __future__ import annotations

import io
import re
import sys
import tempfile
import tomllib
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from xml.sax.saxutils import escape

from ..errors import AddinError
from .vba_project import ProjectShapeError, excel_shaped

RIBBON_FUNCTIONS = ("charger", "verifier", "corriger", "integrer", "avoir", "parametres")
RIBBON_MODULE = "AmazonRibbon"
RIBBON_IMPORT = "import amazon_addin.ribbon as r"

XLWINGS_VERSION = "0.37.8"
PYOPENVBA_VERSION = "6.5.0"

XLSM_NAME = "AmazonImport.xlsm"
XLAM_NAME = "AmazonImport.xlam"
ORDER_SHEET = "Commandes"
SETTINGS_SHEET = "Paramètres"
XLSM_CONF_SHEET = "xlwings.conf"
ADDIN_PROJECT_NAME = "amazonimport"  # xlwings' PROJECT_NAME: names the config sheet and files
ADDIN_VBA_PROJECT = "AmazonImport"  # the VBA project's own name (the template's is "MyAddin")
XLAM_CONF_SHEET = f"{ADDIN_PROJECT_NAME}.conf"

CUSTOMUI_PART = "customUI/customUI14.xml"
CUSTOMUI_NS = "http://schemas.microsoft.com/office/2009/07/customui"
CUSTOMUI_REL_TYPE = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
XLSM_MAIN_TYPE = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
XLAM_MAIN_TYPE = "application/vnd.ms-excel.addin.macroEnabled.main+xml"

REPO_DIR = Path(__file__).resolve().parents[2]
DEFAULT_OUT_DIR = REPO_DIR / "workbook"
DEFAULT_SRC_DIR = DEFAULT_OUT_DIR / "src"

ZIP_DATE = (1980, 1, 1, 0, 0, 0)
PINNED_DATE = "2026-01-01T00:00:00Z"  # docProps/core.xml created/modified: fixed, so builds are identical

_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_REL_BASE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CT_BASE = "application/vnd.openxmlformats-officedocument"
_XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_TEMPLATE_PROJECT_NAME = 'Public Const PROJECT_NAME As String = "myaddin"'
_PASSWORD_KEY = re.compile(r"pass|mot.?de.?passe|mdp|pwd|secret", re.IGNORECASE)
_URL_PASSWORD = re.compile(r"^[^:/]+://[^:/@]*:([^@]*)@")
_RUNPYTHON_CALL = re.compile(r'(RunPython "import amazon_addin\.ribbon as r; r\.\w+)\(\)"')

# A worksheet's document module as Excel writes it (the templates' Sheet1 and Sheet2, name aside).
_SHEET_MODULE = ('Attribute VB_Name = "{name}"\r\nAttribute VB_Base = "0{{00020820-0000-0000-C000-000000000046}}"\r\n'
                 "Attribute VB_GlobalNameSpace = False\r\nAttribute VB_Creatable = False\r\n"
                 "Attribute VB_PredeclaredId = True\r\nAttribute VB_Exposed = True\r\n"
                 "Attribute VB_TemplateDerived = False\r\nAttribute VB_Customizable = True\r\n")

# Cell styles (indexes into cellXfs of _styles_xml). _TEXT, _TEXT_COLUMN: formatted as Text, so that what the
# user types stays text (FAUX typed into a General cell of a French Excel becomes a boolean).
_PLAIN, _KEY, _VALUE, _COMMENT, _TEXT, _TEXT_COLUMN = 0, 1, 2, 3, 4, 5


class BuildError(AddinError):
    """A workbook source is wrong or an input is not the pinned one: nothing is written."""

    exit_code = 1


# ------------------------------------------------------------------------------------------ model

@dataclass(frozen=True)
class Cell:
    value: str | bool | int | float | None
    style: int = _PLAIN


@dataclass
class Sheet:
    name: str
    code_name: str  # binds the sheet to its VBA document module (Sheet1/Sheet2 exist in the templates)
    sheet_id: int
    rows: list[list[Cell]] = field(default_factory=list)
    widths: tuple[float, ...] = ()
    text_column: int = 0  # a column (1-based) whose empty cells are formatted as Text too
    selected: bool = False
    freeze_first_row: bool = False


@dataclass(frozen=True)
class Target:
    file_name: str
    template: str  # a workbook inside the xlwings package
    main_type: str
    addin: bool


XLSM = Target(XLSM_NAME, "quickstart_standalone.xlsm", XLSM_MAIN_TYPE, addin=False)
XLAM = Target(XLAM_NAME, "quickstart_addin.xlam", XLAM_MAIN_TYPE, addin=True)
TARGETS = (XLSM, XLAM)


@dataclass(frozen=True)
class Sources:
    ribbon_bas: str  # decoded, CRLF kept
    custom_ui: bytes
    settings: list[dict]
    conf: dict


# ------------------------------------------------------------------------------------------ sources

def read_sources(src_dir: Path = DEFAULT_SRC_DIR) -> Sources:
    """Read and check the sources kept in git; raise BuildError with a French sentence on any problem."""
    src_dir = Path(src_dir)
    if not src_dir.is_dir():
        raise BuildError(f"Dossier des sources du classeur introuvable : {src_dir} (la commande se lance depuis "
                         "une copie du dépôt).")

    def read(name: str) -> bytes:
        path = src_dir / name
        if not path.is_file():
            raise BuildError(f"Source du classeur introuvable : {path}.")
        return path.read_bytes()

    raw_bas = read(f"{RIBBON_MODULE}.bas")
    try:
        bas = raw_bas.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise BuildError(f"{RIBBON_MODULE}.bas n'est pas en cp1252 (l'encodage de VBA) : {exc}.")
    if raw_bas.replace(b"\r\n", b"").count(b"\n") or raw_bas.replace(b"\r\n", b"").count(b"\r"):
        raise BuildError(f"{RIBBON_MODULE}.bas doit avoir des fins de ligne CRLF (Windows) partout.")
    if not bas.startswith(f'Attribute VB_Name = "{RIBBON_MODULE}"\r\n'):
        raise BuildError(f'{RIBBON_MODULE}.bas doit commencer par Attribute VB_Name = "{RIBBON_MODULE}".')

    custom_ui = read("customUI14.xml")
    try:
        root = ET.fromstring(custom_ui)
    except ET.ParseError as exc:
        raise BuildError(f"customUI14.xml n'est pas un XML valide : {exc}.")
    if root.tag != f"{{{CUSTOMUI_NS}}}customUI":
        raise BuildError(f"customUI14.xml doit avoir la racine customUI de l'espace de noms {CUSTOMUI_NS}.")
    subs = set(ribbon_subs(bas))
    for action in onactions(custom_ui):
        module, _, sub = action.partition(".")
        if module != RIBBON_MODULE or sub not in subs:
            raise BuildError(f"customUI14.xml : onAction « {action} » ne désigne aucune "
                             f"Public Sub {sub}(control As IRibbonControl) de {RIBBON_MODULE}.bas.")

    try:
        settings = tomllib.loads(read("parametres.toml").decode("utf-8"))["setting"]
        conf = tomllib.loads(read("xlwings_conf.toml").decode("utf-8"))
        tables = (settings, conf["xlsm"]["entry"], conf["xlam"]["entry"])
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, KeyError, TypeError) as exc:
        raise BuildError(f"Source des feuilles illisible (parametres.toml, xlwings_conf.toml) : {exc!r}.")
    for table in tables:
        _check_entries(table)
    for variant in ("xlsm", "xlam"):
        _check_conf(variant, conf[variant])
    return Sources(bas, custom_ui, settings, conf)


def _check_entries(entries: list[dict]) -> None:
    seen = set()
    for entry in entries:
        key, value = entry.get("key"), entry.get("value")
        if not isinstance(key, str) or not key.strip() or key.casefold() in seen:
            raise BuildError(f"Clé vide ou en double dans les sources des feuilles : « {key} ».")
        seen.add(key.casefold())
        if _PASSWORD_KEY.search(key):
            raise BuildError(f"« {key} » : un mot de passe ne va jamais dans le classeur.")
        if isinstance(value, str):
            found = _URL_PASSWORD.match(value)
            if found and not re.fullmatch(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}", found.group(1)):
                raise BuildError(f"« {key} » : un mot de passe ne va jamais dans le classeur ; écrivez ${{NOM}} "
                                 "et définissez la variable d'environnement NOM.")


def _check_conf(variant: str, conf: dict) -> None:
    """xlwings' VBA reads each value through a String: only non-empty text, never a boolean or a number."""
    notes = conf.get("notes", [])
    if not isinstance(notes, list) or not all(isinstance(n, str) and n.strip() for n in notes):
        raise BuildError(f"xlwings_conf.toml [{variant}] : notes doit être une liste de textes.")
    for entry in conf["entry"]:
        key, value = entry["key"], entry.get("value")
        if not isinstance(value, str) or not value.strip():
            raise BuildError(f"xlwings_conf.toml [{variant}] « {key} » : la valeur doit être un texte non vide "
                             f"(\"False\", pas false ni une valeur vide) ; trouvé {value!r}.")
        if key != key.upper() or key != key.strip():
            raise BuildError(f"xlwings_conf.toml [{variant}] « {key} » : les clés de xlwings s'écrivent en "
                             "majuscules, sans espace autour.")


def ribbon_subs(bas: str) -> dict[str, str]:
    """Public Subs of a ribbon module with the callback signature → their RunPython command."""
    subs = {}
    pattern = re.compile(r"^Public Sub (\w+)\(control As IRibbonControl\)\r?\n(.*?)^End Sub", re.M | re.S)
    for match in pattern.finditer(bas):
        command = re.search(r'^\s*RunPython "([^"]*)"', match.group(2), re.M)
        subs[match.group(1)] = command.group(1) if command else ""
    return subs


def onactions(custom_ui: bytes) -> list[str]:
    root = ET.fromstring(custom_ui)
    return [el.get("onAction") for el in root.iter() if el.get("onAction")]


def addin_ribbon_bas(bas: str) -> str:
    """The add-in's module: every `r.<function>()` becomes `r.<function>(addin=True)`."""
    result, count = _RUNPYTHON_CALL.subn(r'\1(addin=True)"', bas)
    if count != len(ribbon_subs(bas)):
        raise BuildError(f"{RIBBON_MODULE}.bas : chaque Sub doit appeler RunPython \"{RIBBON_IMPORT}; "
                         "r.<fonction>()\" (sans argument) pour que le complément puisse y ajouter addin=True.")
    return result


# ------------------------------------------------------------------------------------------ inputs

def _xlwings_dir() -> Path:
    import xlwings

    if xlwings.__version__ != XLWINGS_VERSION:
        raise BuildError(f"xlwings {XLWINGS_VERSION} attendu, {xlwings.__version__} installé : le module VBA du "
                         "classeur doit être exactement de la version du paquet Python.")
    return Path(xlwings.__file__).resolve().parent


def _check_pyopenvba() -> None:
    try:
        version = metadata.version("pyOpenVBA")
    except metadata.PackageNotFoundError:
        raise BuildError(f"pyOpenVBA n'est pas installé : pip install pyOpenVBA=={PYOPENVBA_VERSION}.")
    if version != PYOPENVBA_VERSION:
        raise BuildError(f"pyOpenVBA {PYOPENVBA_VERSION} attendu, {version} installé : la construction ne serait "
                         "plus identique octet pour octet.")


def _vba_project(template: bytes, target: Target, bas: str, code_names: list[str]) -> bytes:
    """The template's VBA project without Module1, with AmazonRibbon, a document module for every sheet's
    code name (`code_names`), and for the add-in its PROJECT_NAME and project name; shaped as Excel writes it."""
    from pyopenvba import ExcelFile, VBAModuleKind

    suffix = Path(target.file_name).suffix
    with tempfile.TemporaryDirectory(prefix="amazon-workbook-") as tmp:
        source, built = Path(tmp) / f"template{suffix}", Path(tmp) / f"built{suffix}"
        source.write_bytes(template)
        with ExcelFile(source) as book:
            project = book.vba_project()
            if "Module1" in project.module_names():
                project.delete_module("Module1")
            present = {name.casefold() for name in project.module_names()}
            documents = tuple(code for code in code_names if code.casefold() not in present)
            for code in documents:  # a sheet whose code name has no module yet: Excel would have given it one
                project.add_module(code, _SHEET_MODULE.format(name=code), kind=VBAModuleKind.other)
            project.add_module(RIBBON_MODULE, bas, kind=VBAModuleKind.standard)
            if target.addin:
                code = book.get_module("xlwings")
                if code.count(_TEMPLATE_PROJECT_NAME) != 1:
                    raise BuildError("Module xlwings du complément : la ligne PROJECT_NAME attendue est introuvable.")
                renamed = _TEMPLATE_PROJECT_NAME.replace("myaddin", ADDIN_PROJECT_NAME)
                book.set_module("xlwings", code.replace(_TEMPLATE_PROJECT_NAME, renamed))
            book.save(built)
        with zipfile.ZipFile(built) as package:
            try:
                vba = excel_shaped(package.read("xl/vbaProject.bin"), documents=documents,
                                   project_name=ADDIN_VBA_PROJECT if target.addin else None)
            except ProjectShapeError as exc:
                raise BuildError(f"Projet VBA écrit par pyOpenVBA inattendu ({exc}) : la version {PYOPENVBA_VERSION} "
                                 "est attendue.")
        checked = Path(tmp) / f"checked{suffix}"
        checked.write_bytes(zip_parts({"xl/vbaProject.bin": vba, **_minimal_package(template)}))
        with ExcelFile(checked) as book:
            problems = book.validate()
            names = book.module_names()
        if problems:
            raise BuildError(f"Projet VBA incohérent après modification : {'; '.join(problems)}.")
        if "Module1" in names or not {"xlwings", "Dictionary", RIBBON_MODULE, *code_names} <= set(names):
            raise BuildError(f"Modules VBA inattendus : {', '.join(names)}.")
        return vba


def _minimal_package(template: bytes) -> dict[str, bytes]:
    """The template's parts other than its project: enough for pyOpenVBA to reopen a project for checking."""
    with zipfile.ZipFile(io.BytesIO(template)) as package:
        return {name: package.read(name) for name in package.namelist() if name != "xl/vbaProject.bin"}


# ------------------------------------------------------------------------------------------ sheets

def _kv_sheet(name: str, code_name: str, sheet_id: int, entries: list[dict], widths=(22, 28, 120)) -> Sheet:
    rows = [[Cell(e["key"], _KEY), Cell(_cell_value(e.get("value")), _VALUE), Cell(e.get("comment"), _COMMENT)]
            for e in entries]
    return Sheet(name, code_name, sheet_id, rows, tuple(widths))


def _conf_sheet(name: str, code_name: str, sheet_id: int, conf: dict, selected: bool = False) -> Sheet:
    """An xlwings configuration sheet: keys in A from A1 down, their text in B (formatted as Text), a comment
    in C, and the notes in E, where xlwings' GetConfig never reads (it reads A from A1 to the first gap)."""
    entries, notes = conf["entry"], conf.get("notes", [])
    rows = [[Cell(e["key"], _KEY), Cell(e["value"], _TEXT), Cell(e.get("comment"), _COMMENT)] for e in entries]
    rows += [[] for _ in range(len(notes) - len(rows))]
    for row, note in zip(rows, notes):
        row += [Cell(None)] * (4 - len(row)) + [Cell(note)]
    return Sheet(name, code_name, sheet_id, rows, (30, 12, 80, 3, 140), selected=selected, text_column=2)


def _cell_value(value):
    return None if value == "" else value


def sheets_for(target: Target, sources: Sources) -> list[Sheet]:
    if target.addin:
        return [_conf_sheet(XLAM_CONF_SHEET, "Sheet2", 1, sources.conf["xlam"], selected=True)]
    return [
        Sheet(ORDER_SHEET, "Sheet1", 1, selected=True, freeze_first_row=True),
        _kv_sheet(SETTINGS_SHEET, "Sheet3", 3, sources.settings),
        _conf_sheet(XLSM_CONF_SHEET, "Sheet2", 2, sources.conf["xlsm"]),
    ]


def _column(index: int) -> str:
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _cell_xml(ref: str, cell: Cell) -> str:
    style = f' s="{cell.style}"' if cell.style else ""
    value = cell.value
    if value is None:
        return f'<c r="{ref}"{style}/>' if cell.style else ""
    if isinstance(value, bool):
        return f'<c r="{ref}"{style} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"{style}><v>{value!r}</v></c>'
    text = str(value)
    space = ' xml:space="preserve"' if text != text.strip() or "\n" in text else ""
    return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{escape(text)}</t></is></c>'


def _sheet_xml(sheet: Sheet) -> str:
    rows, last_col = [], 0
    for r, cells in enumerate(sheet.rows, start=1):
        xml = "".join(_cell_xml(f"{_column(c)}{r}", cell) for c, cell in enumerate(cells, start=1))
        if xml:
            rows.append(f'<row r="{r}">{xml}</row>')
            last_col = max(last_col, len(cells))
    dimension = f"A1:{_column(last_col)}{len(sheet.rows)}" if rows else "A1"
    selected = ' tabSelected="1"' if sheet.selected else ""
    if sheet.freeze_first_row:
        view = ('<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
                '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>')
    else:
        view = '<selection activeCell="B1" sqref="B1"/>' if rows else ""
    cols = "".join(f'<col min="{i}" max="{i}" width="{w}"'
                   + (f' style="{_TEXT_COLUMN}"' if i == sheet.text_column else "") + ' customWidth="1"/>'
                   for i, w in enumerate(sheet.widths, start=1))
    return (f'{_XML_DECL}<worksheet xmlns="{_NS_MAIN}" xmlns:r="{_NS_REL}">'
            f'<sheetPr codeName="{sheet.code_name}"/><dimension ref="{dimension}"/>'
            f'<sheetViews><sheetView{selected} workbookViewId="0">{view}</sheetView></sheetViews>'
            f'<sheetFormatPr defaultRowHeight="15"/>'
            + (f"<cols>{cols}</cols>" if cols else "")
            + (f'<sheetData>{"".join(rows)}</sheetData>' if rows else "<sheetData/>")
            + '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
            "</worksheet>")


def _styles_xml() -> str:
    def font(extra: str = "", color: str = '<color theme="1"/>') -> str:
        return f'<font>{extra}<sz val="11"/>{color}<name val="Calibri"/><family val="2"/><scheme val="minor"/></font>'

    fonts = font() + font("<b/>") + font("<i/>", '<color rgb="FF595959"/>')
    fills = ('<fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
             '<fill><patternFill patternType="solid"><fgColor rgb="FFFFF2CC"/><bgColor indexed="64"/></patternFill>'
             "</fill>")
    xfs = ('<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'  # _PLAIN
           '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'  # _KEY
           '<xf numFmtId="0" fontId="0" fillId="2" borderId="0" xfId="0" applyFill="1" applyAlignment="1">'
           '<alignment horizontal="left"/></xf>'  # _VALUE
           '<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/>'  # _COMMENT
           '<xf numFmtId="49" fontId="0" fillId="2" borderId="0" xfId="0" applyNumberFormat="1" applyFill="1" '
           'applyAlignment="1"><alignment horizontal="left"/></xf>'  # _TEXT
           '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>')  # _TEXT_COLUMN
    return (f'{_XML_DECL}<styleSheet xmlns="{_NS_MAIN}">'
            f'<fonts count="3">{fonts}</fonts><fills count="3">{fills}</fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            f'<cellXfs count="6">{xfs}</cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            '<dxfs count="0"/><tableStyles count="0" defaultTableStyle="TableStyleMedium2" '
            'defaultPivotStyle="PivotStyleLight16"/></styleSheet>')


# ------------------------------------------------------------------------------------------ package

def _workbook_xml(target: Target, sheets: list[Sheet]) -> str:
    hidden = ' visibility="hidden"' if target.addin else ""
    entries = "".join(f'<sheet name="{escape(s.name)}" sheetId="{s.sheet_id}" r:id="rId{i}"/>'
                      for i, s in enumerate(sheets, start=1))
    return (f'{_XML_DECL}<workbook xmlns="{_NS_MAIN}" xmlns:r="{_NS_REL}">'
            '<workbookPr codeName="ThisWorkbook"/>'
            f'<bookViews><workbookView{hidden} xWindow="0" yWindow="0" windowWidth="28800" windowHeight="15600" '
            f'activeTab="0"/></bookViews><sheets>{entries}</sheets><calcPr calcId="191029"/></workbook>')


def _relationships(rels: list[tuple[str, str, str]]) -> str:
    body = "".join(f'<Relationship Id="{i}" Type="{t}" Target="{target}"/>' for i, t, target in rels)
    return f'{_XML_DECL}<Relationships xmlns="{_NS_PKG_REL}">{body}</Relationships>'


def _content_types(target: Target, sheets: list[Sheet]) -> str:
    overrides = [("/xl/workbook.xml", target.main_type)]
    overrides += [(f"/xl/worksheets/sheet{i}.xml", f"{_CT_BASE}.spreadsheetml.worksheet+xml")
                  for i in range(1, len(sheets) + 1)]
    overrides += [("/xl/theme/theme1.xml", f"{_CT_BASE}.theme+xml"),
                  ("/xl/styles.xml", f"{_CT_BASE}.spreadsheetml.styles+xml"),
                  ("/docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml"),
                  ("/docProps/app.xml", f"{_CT_BASE}.extended-properties+xml")]
    body = ('<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            + "".join(f'<Override PartName="{p}" ContentType="{t}"/>' for p, t in overrides))
    return f'{_XML_DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">{body}</Types>'


def _core_xml(target: Target) -> str:
    description = ("Complément Excel : ruban Amazon (Charger, Vérifier, Corriger, Intégrer, Paramètres) sur le "
                   "classeur actif." if target.addin else
                   "Vérifie les rapports de commandes Amazon et les intègre dans Gestan (ruban Amazon).")
    return (f'{_XML_DECL}<cp:coreProperties '
            'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<dc:title>AmazonImport</dc:title><dc:description>{escape(description)}</dc:description>"
            "<dc:creator>AmazonImport</dc:creator><cp:lastModifiedBy>amazon-addin build-workbook</cp:lastModifiedBy>"
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{PINNED_DATE}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{PINNED_DATE}</dcterms:modified></cp:coreProperties>')


def _app_xml() -> str:
    return (f'{_XML_DECL}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
            'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
            "<Application>Microsoft Excel</Application><DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop>"
            "<LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc>"
            "<HyperlinksChanged>false</HyperlinksChanged><AppVersion>16.0300</AppVersion></Properties>")


def package_parts(target: Target, sources: Sources, xlwings_dir: Path) -> dict[str, bytes]:
    """Every part of one workbook, by zip entry name."""
    template = (xlwings_dir / target.template).read_bytes()
    with zipfile.ZipFile(io.BytesIO(template)) as package:
        theme = package.read("xl/theme/theme1.xml")
    bas = addin_ribbon_bas(sources.ribbon_bas) if target.addin else sources.ribbon_bas
    sheets = sheets_for(target, sources)
    n = len(sheets)
    parts = {
        "[Content_Types].xml": _content_types(target, sheets),
        "_rels/.rels": _relationships([
            ("rId1", f"{_REL_BASE}/officeDocument", "xl/workbook.xml"),
            ("rId2", "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties",
             "docProps/core.xml"),
            ("rId3", f"{_REL_BASE}/extended-properties", "docProps/app.xml"),
            ("rId4", CUSTOMUI_REL_TYPE, CUSTOMUI_PART),
        ]),
        "docProps/app.xml": _app_xml(),
        "docProps/core.xml": _core_xml(target),
        "xl/workbook.xml": _workbook_xml(target, sheets),
        "xl/_rels/workbook.xml.rels": _relationships(
            [(f"rId{i}", f"{_REL_BASE}/worksheet", f"worksheets/sheet{i}.xml") for i in range(1, n + 1)]
            + [(f"rId{n + 1}", f"{_REL_BASE}/theme", "theme/theme1.xml"),
               (f"rId{n + 2}", f"{_REL_BASE}/styles", "styles.xml"),
               (f"rId{n + 3}", "http://schemas.microsoft.com/office/2006/relationships/vbaProject",
                "vbaProject.bin")]),
        "xl/styles.xml": _styles_xml(),
        **{f"xl/worksheets/sheet{i}.xml": _sheet_xml(s) for i, s in enumerate(sheets, start=1)},
    }
    parts = {name: text.encode("utf-8") for name, text in parts.items()}
    parts["xl/theme/theme1.xml"] = theme
    parts["xl/vbaProject.bin"] = _vba_project(template, target, bas, [s.code_name for s in sheets])
    parts[CUSTOMUI_PART] = sources.custom_ui
    return parts


def zip_parts(parts: dict[str, bytes]) -> bytes:
    """Sorted, stored entries with a fixed date and attributes: the same parts always give the same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as package:
        for name in sorted(parts):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_STORED
            info.create_system = 0
            info.external_attr = 0
            package.writestr(info, parts[name])
    return buffer.getvalue()


def build_bytes(target: Target, sources: Sources | None = None) -> bytes:
    _check_pyopenvba()
    return zip_parts(package_parts(target, sources or read_sources(), _xlwings_dir()))


def build_workbook(out_dir: Path = DEFAULT_OUT_DIR, src_dir: Path = DEFAULT_SRC_DIR) -> list[Path]:
    """Build AmazonImport.xlsm and AmazonImport.xlam into `out_dir` from `src_dir`; return the paths written.

    Both files are built in memory before either is written, so a bad source writes nothing.
    """
    _check_pyopenvba()
    sources = read_sources(src_dir)
    xlwings_dir = _xlwings_dir()
    built = {target.file_name: zip_parts(package_parts(target, sources, xlwings_dir)) for target in TARGETS}
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in built.items():
        path = out_dir / name
        path.write_bytes(data)
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    """`amazon-addin build-workbook`: rebuild the committed workbooks, list them in French."""
    try:
        paths = build_workbook()
    except AddinError as exc:
        sys.stderr.write(exc.message + "\n")
        return exc.exit_code
    print("Fichiers écrits :")
    for path in paths:
        try:
            shown = path.relative_to(Path.cwd())
        except ValueError:
            shown = path
        print(f"  {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
