"""A suggestion only ever replaces the value it corrects (issue 12, item 1).

For every finding code that carries a suggestion (the catalogue of `findings.py`, each code classified
below): writing the suggestion into its own cell and verifying again removes that finding, changes no other
cell, and never changes an order's TTC; Corriger (and `verifier --out --appliquer`) twice is Corriger once.
"""

import json
import subprocess
import sys
from pathlib import Path

import openpyxl
from hypothesis import given, settings as hsettings, strategies as st

from amazon_addin import findings as F
from amazon_addin.checks import verify_table
from amazon_addin.excel import addin as A
from amazon_addin.excel import corriger
from amazon_addin.excel import engine as E
from amazon_addin.reader import build_table
from amazon_addin.settings import Settings
from exportgen import HEADER, cells, row, write_txt

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = Settings()

# Codes whose findings carry a suggestion, and those that never do: a new code must be placed in one.
SUGGESTS = {"E_CARACTERES", "E_MONTANT", "E_IDENTIFIANT", "E_TVA_INCOHERENTE", "E_COMMANDE_INCOHERENTE",
            "E_PAYS", "E_DEVISE", "W_TVA_CALCULEE", "W_CP_COMPLETE", "W_TEL_COMPLETE", "I_ECART_ARRONDI",
            "W_TEXTE_TRONQUE", "E_TVA_REGIME"}
NEVER = {"E_COLONNE_MANQUANTE", "E_CHAMP_VIDE", "E_QUANTITE", "E_DATE", "E_BOOLEEN", "W_TAUX_TVA",
         "W_PRODUIT_NOUVEAU", "W_VILLE_NOUVELLE", "E_DATE_ANTERIEURE", "I_DEJA_INTEGREE", "I_COMMANDE_AVOIR", "I_LIGNES_MASQUEES",
         "E_LIGNE_DOUBLE", "W_LIGNE_DOUBLE", "E_TROP_LONG", "E_TAUX_CHANGE", "E_FACTURE_NEGATIVE",
         "W_REMISE_EXCESSIVE", "W_COMMANDE_MODIFIEE", "W_VIES", "I_TVA_MARKETPLACE", "I_FACTURE_PAR_AMAZON",
         "E_AUCUNE_COMMANDE", "E_FBA_HORS_FRANCE", "I_FBA_HORS_FRANCE", "W_FBA_CENTRE_INCONNU"}

# One way to damage a row for each code that suggests (the values a seller's exports really hold).
DAMAGE = {
    "E_CARACTERES": [dict(buyer_name="JÃ¼rgen Müller", bill_name="JÃ¼rgen Müller"),
                     dict(product_name="Bol\x07bleu"), dict(recipient_name="Łukasz Nowak")],
    "E_MONTANT": [dict(item_price="-24.00")],
    "E_IDENTIFIANT": [dict(order_item_id="12345678901234.0")],
    "E_TVA_INCOHERENTE": [dict(item_tax="9.00")],
    "E_COMMANDE_INCOHERENTE": [dict(buyer_email="autre@example.com")],
    "E_PAYS": [dict(ship_country="France"), dict(bill_country="UK")],
    "E_DEVISE": [dict(currency="€")],
    "W_TVA_CALCULEE": [dict(item_tax="", vat_exclusive_item_price=""),
                       dict(shipping_price="3.90", shipping_tax="", vat_exclusive_shipping_price=""),
                       dict(item_tax="0.00", vat_exclusive_item_price="")],
    "W_CP_COMPLETE": [dict(ship_postal_code="7100", ship_city="Roiffieux", bill_postal_code="7100",
                           bill_city="Roiffieux")],
    "W_TEL_COMPLETE": [dict(buyer_phone_number="612345678")],
    "I_ECART_ARRONDI": [dict(vat_exclusive_item_price="19.99"), dict(item_tax="4.01", vat_exclusive_item_price="")],
    "W_TEXTE_TRONQUE": [dict(ship_address_1="12 rue de l'Église " + "bâtiment B " * 30)],
    "E_TVA_REGIME": [dict(ship_country="US", ship_postal_code="10001", ship_city="New York", bill_country="US",
                          bill_postal_code="10001", bill_city="New York", vat_exclusive_item_price="")],
}


def test_every_code_is_classified_and_every_suggesting_code_is_exercised():
    assert SUGGESTS | NEVER == set(F.CATALOGUE) and not SUGGESTS & NEVER, set(F.CATALOGUE) ^ (SUGGESTS | NEVER)
    assert set(DAMAGE) == SUGGESTS
    for code, variants in DAMAGE.items():  # each damage does produce its code, with a suggestion
        for damage in variants:
            first = row(order_id="405-0000001-0000001", order_item_id="00000000000001")
            damaged = row(**{"order_id": "405-0000001-0000001" if code == "E_COMMANDE_INCOHERENTE" else
                             "405-0000002-0000002", "order_item_id": "00000000000002", **damage})
            result = verify(table_of([first, damaged]))
            assert any(f.code == code and f.suggestion is not None for f in result.findings), (code, damage)


def test_never_suggesting_codes_carry_no_suggestion():
    rows = [row(order_id="405-0000001-0000001", quantity_purchased="0"),
            row(order_id="405-0000002-0000002", purchase_date="hier", is_business_order="peut-être"),
            row(order_id="405-0000003-0000003", item_tax="3.00", vat_exclusive_item_price="21.00"),
            row(order_id="405-0000004-0000004", sku="")]
    result = verify(table_of(rows))
    assert {f.code for f in result.findings} & NEVER
    assert all(f.suggestion is None for f in result.findings if f.code in NEVER)


def table_of(rows):
    return build_table("export.txt", "txt", [list(HEADER)] + cells(rows))


def verify(table):
    return verify_table(table, SETTINGS)


def ttc_by_order(result):
    return {o.order_id: (o.total_ttc, o.amazon_ttc) for o in result.orders}


def write(table, f):
    """The suggestion written into its own cell, typed as Corriger writes it."""
    r, c = A.marking.cell_pos(f.cell)
    value, _ = corriger.typed_suggestion(f.column, f.suggestion, SETTINGS)
    i = table.row_numbers.index(r)
    table.rows[i] = list(table.rows[i])
    table.rows[i][c] = value
    return table


@st.composite
def exports(draw):
    """Orders of one to three rows, each row damaged in up to three ways drawn from DAMAGE."""
    out = []
    for n in range(draw(st.integers(1, 5))):
        oid = f"405-{n + 1:07d}-0000000"
        for k in range(draw(st.integers(1, 3))):
            damage = {}
            for code in draw(st.lists(st.sampled_from(sorted(DAMAGE)), max_size=3, unique=True)):
                damage.update(draw(st.sampled_from(DAMAGE[code])))
            if damage.get("buyer_email") and k == 0:
                damage.pop("buyer_email")  # incoherence needs a first row to differ from
            out.append(row(**{"order_id": oid, "order_item_id": f"{n:07d}{k:07d}", "sku": f"SKU-{n}-{k}", **damage}))
    return out


@hsettings(max_examples=200, deadline=None)
@given(exports())
def test_each_suggestion_fixes_its_own_finding_and_never_an_amount_it_does_not_correct(rows):
    before = verify(table_of(rows))
    totals = ttc_by_order(before)
    for f in before.findings:
        if f.suggestion is None:
            continue
        after = verify(write(table_of(rows), f))
        assert not any(g.cell == f.cell and g.code == f.code for g in after.findings), (f.code, f.cell, f.suggestion)
        for oid, ttc in ttc_by_order(after).items():
            assert oid not in totals or totals[oid] == ttc, (f.code, f.cell, oid)
        # A value put in its cell is a good one: no error of its own there (a fixed price may let the VAT
        # check of its row run, and reveal the tax cell's own error: that is not the suggestion's doing).
        new_errors = {g.code for g in after.findings if g.severity == F.ERROR and g.cell == f.cell} - \
            {g.code for g in before.findings if g.cell == f.cell}
        if pending_in_column(before, f):  # the order's other rows still hold the value Corriger fixes with it
            new_errors.discard("E_COMMANDE_INCOHERENTE")
        assert not new_errors, (f.code, f.cell, f.suggestion, new_errors)


def pending_in_column(result, f):
    column = A.marking.cell_pos(f.cell)[1]
    return any(g.cell != f.cell and g.suggestion is not None and A.marking.cell_pos(g.cell)[1] == column
               for g in result.findings if g.cell)


@hsettings(max_examples=60, deadline=None)
@given(exports())
def test_corriger_changes_only_suggested_cells_keeps_every_ttc_and_twice_is_once(tmp_path_factory, rows):
    """Through the headless engine, as the button runs: every cell compared before and after."""
    tmp = tmp_path_factory.mktemp("corriger")
    export = write_txt(tmp / "export.txt", rows)
    E.reset()
    E.activate()
    book = E.new_book()
    book.sheets[0].name = "Commandes"
    try:
        A.load_export(book, export, SETTINGS)
        first = A.run_verifier(book, SETTINGS)
        sheet = book.sheets["Commandes"]
        grid = A.read_block(sheet)
        n, after = corriger.run_corriger(book, SETTINGS)
        grid_after = A.read_block(sheet)
        changed = {A.marking.cell_name(r + 1, c) for r in range(max(len(grid), len(grid_after)))
                   for c in range(max(len(x) for x in grid + grid_after))
                   if cell(grid, r, c) != cell(grid_after, r, c)}
        # Every changed cell is one Corriger says it changed (green, its note keeping the old value): the
        # first Vérifier's suggestions, and those their fixes revealed (an order made coherent, its VAT derived).
        told = {c.coordinate for c in sheet.api._cells.values()
                if c.comment is not None and "[Corrigé] Valeur d'origine" in c.comment.text}
        assert changed == told and len(changed) == n, (changed ^ told)
        for address in changed:
            assert sheet.range(address).color in (A.GREEN, A.RED, A.ORANGE, A.BLUE)
        totals = ttc_by_order(first)
        for oid, ttc in ttc_by_order(after).items():
            assert oid not in totals or totals[oid] == ttc, oid
        state = snapshot(sheet)
        remaining = [(f.cell, f.code, f.suggestion) for f in after.findings
                     if f.suggestion is not None and f.severity != F.INFO]
        assert corriger.run_corriger(book, SETTINGS)[0] == 0, remaining  # Corriger twice = Corriger once
        assert snapshot(sheet) == state
    finally:
        book.close()


def cell(grid, r, c):
    return grid[r][c] if r < len(grid) and c < len(grid[r]) else None


def snapshot(sheet):
    ws = sheet.api
    return {(c.row, c.column): (c.value, c.fill.fgColor.rgb if c.fill.fill_type else None,
                                c.comment.text if c.comment else None) for c in ws._cells.values()}


def cli(*args):
    proc = subprocess.run([sys.executable, "-m", "amazon_addin", *map(str, args)], capture_output=True, cwd=ROOT,
                          timeout=600)
    assert "Traceback" not in proc.stderr.decode("utf-8")
    return proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")


def test_appliquer_on_empty_tax_cells_leaves_every_amount_as_amazon_gave_it(tmp_path):
    """Issue 12, "done when": `verifier --out --appliquer` on an export with empty tax cells."""
    rows = [row(order_id="405-0000001-0000001", item_price="24.00", item_tax="", vat_exclusive_item_price="",
                shipping_price="3.90", shipping_tax="", vat_exclusive_shipping_price=""),
            row(order_id="405-0000002-0000002", item_price="21.10", item_tax="", vat_exclusive_item_price="",
                quantity_purchased="2"),
            row(order_id="405-0000003-0000003", item_price="12.00", item_tax="0.00", vat_exclusive_item_price="")]
    export = write_txt(tmp_path / "export.txt", rows)
    fixed = tmp_path / "corrige.xlsx"
    code, out, err = cli("verifier", export, "--out", fixed, "--appliquer", "--json")
    assert code == 0, err
    ws = openpyxl.load_workbook(fixed)["Commandes"]
    head = [c.value for c in ws[1]]
    col = {name: head.index(name) + 1 for name in ("item-price", "shipping-price", "item-tax", "shipping-tax")}
    prices = [(ws.cell(r, col["item-price"]).value, ws.cell(r, col["shipping-price"]).value) for r in (2, 3, 4)]
    assert prices == [(24.0, 3.9), (21.1, 0.0), (12.0, 0.0)]  # Amazon's amounts, as numbers
    assert [ws.cell(r, col["item-tax"]).value for r in (2, 3, 4)] == [4.0, 3.52, 2.0]  # the VAT, in its own cell
    assert ws.cell(2, col["shipping-tax"]).value == 0.65
    assert ws.cell(2, col["item-tax"]).number_format == "0.00" and ws.cell(2, col["item-tax"]).data_type == "n"
    assert "Valeur d'origine : (vide)" in ws.cell(2, col["item-tax"]).comment.text
    code, out, _ = cli("verifier", fixed, "--json")
    assert code == 0 and "W_TVA_CALCULEE" not in {f["code"] for f in json.loads(out)["findings"]}
    again = tmp_path / "corrige2.xlsx"  # the corrected copy corrected again: nothing more to write
    code, _, _ = cli("verifier", fixed, "--out", again, "--appliquer")
    ws2 = openpyxl.load_workbook(again)["Commandes"]
    assert [[c.value for c in r] for r in ws2.iter_rows()] == [[c.value for c in r] for r in ws.iter_rows()]
