"""Render the README's picture of a verified sheet: `python docs/capture.py` (needs LibreOffice and pdftoppm).

Runs `amazon-addin verifier --out` on the example export with errors, keeps the columns a reader needs,
and turns the sheets `Commandes` and `Contrôles` into PNG files under docs/.
"""

import subprocess
import sys
import tempfile
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter

ROOT = Path(__file__).resolve().parents[1]
KEEP = ["A", "F", "H", "J", "L", "M", "N", "Q", "U", "W", "X"]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        copy = tmp / "annote.xlsx"
        subprocess.run([sys.executable, "-m", "amazon_addin", "verifier",
                        str(ROOT / "examples" / "commandes-a-corriger.txt"), "--out", str(copy)], check=False)
        for sheet, name, widths in (("Commandes", "verifier-commandes", [21, 17, 15, 6, 7, 7, 7, 19, 11, 8, 10]),
                                    ("Contrôles", "verifier-controles", [8, 6, 16, 10, 22, 90, 16])):
            wb = openpyxl.load_workbook(copy)
            ws = wb[sheet]
            if sheet == "Commandes":
                for col in range(ws.max_column, 0, -1):
                    if get_column_letter(col) not in KEEP:
                        ws.delete_cols(col)
            for i, w in enumerate(widths, start=1):
                ws.column_dimensions[get_column_letter(i)].width = w
            for other in wb.sheetnames:
                if other != sheet:
                    del wb[other]
            ws.page_setup.orientation = "landscape"
            ws.sheet_properties.pageSetUpPr.fitToPage = True
            ws.page_setup.fitToWidth = 1
            ws.print_options.gridLines = True
            view = tmp / f"{name}.xlsx"
            wb.save(view)
            subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp), str(view)],
                           check=True, capture_output=True)
            subprocess.run(["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", "-singlefile", "-x", "100",
                            "-y", "130", "-W", "1600", "-H", "260" if sheet == "Commandes" else "300",
                            str(tmp / f"{name}.pdf"), str(ROOT / "docs" / name)], check=True)


if __name__ == "__main__":
    main()
