from amazon_addin.excel import marks


def test_runs_merge_vertical_neighbours():
    assert marks.runs(["M5", "M6", "M7", "M9", "B2", "AA3", "M8"]) == ["B2", "M5:M9", "AA3"]


def test_pack_respects_excel_limit():
    cells = [f"C{r}" for r in range(2, 2000, 2)]  # nothing merges
    packed = marks.addresses(cells)
    assert all(len(a) <= 255 for a in packed)
    assert sum(len(a.split(",")) for a in packed) == len(cells)
    assert len(packed) < len(cells) / 30  # ~40 cells an address instead of one call each


def test_row_areas():
    assert marks.row_areas([5, 6, 7, 10], "BD") == ["A5:BD7,A10:BD10"]
    assert marks.row_areas([], "BD") == []
