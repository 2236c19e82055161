"""The steps of extractors/pdf.py, each alone: page kinds, the scanned-pages threshold, and the
sequence that joins a table running onto the next page and drops furniture lines."""
from __future__ import annotations

import pytest

from extractors import pdf
from extractors.errors import NeedsOCR
from extractors.model import TABLE, Block, Cell
from tests.hostile_files import pdf_bytes


def _table(page: int, rows: list[list[str]]) -> Block:
    cells = [Cell(r, c, t) for r, row in enumerate(rows) for c, t in enumerate(row)]
    return Block(TABLE, "", page=page, cells=cells)


def test_items_to_seq_joins_a_table_continued_on_the_next_page_without_its_repeated_header():
    first = _table(1, [["指标", "分值"], ["产出", "30"]])
    second = _table(2, [["指标", "分值"], ["效益", "40"]])
    seq = pdf.items_to_seq([["一、概况", first], [second]], [["一、概况"], []])
    assert seq[0] == ("一、概况", 1)
    assert len(seq) == 2 and seq[1] is first
    assert [row[0] for row in first.grid()] == ["指标", "产出", "效益"]


def test_items_to_seq_keeps_only_lines_strip_furniture_kept():
    seq = pdf.items_to_seq([["正文一行", "第 3 页"], ["第二页正文"]], [["正文一行"], ["第二页正文"]])
    assert seq == [("正文一行", 1), ("第二页正文", 2)]


def test_a_table_on_a_new_page_with_other_columns_is_not_joined():
    first = _table(1, [["a", "b"]])
    other = _table(2, [["x", "y", "z"]])
    seq = pdf.items_to_seq([[first], [other]], [[], []])
    assert seq == [first, other]


@pytest.mark.parametrize("n, textless, refused", [(4, [0, 1], True), (4, [0], False), (1, [0], True)])
def test_half_the_pages_scanned_without_ocr_is_needs_ocr(n, textless, refused):
    pages = pdf._Pages(n, lines=[[] for _ in range(n)], textless=list(textless))
    if refused:
        with pytest.raises(NeedsOCR):
            pdf._refuse_mostly_scanned(pages, ocr=False)
    else:
        pdf._refuse_mostly_scanned(pages, ocr=False)


def test_path_to_pages_reads_a_text_page_as_its_lines(tmp_path):
    f = tmp_path / "r.pdf"
    f.write_bytes(pdf_bytes("某区公共卫生服务项目绩效评价报告\n一、项目概况\n本项目年度预算资金共计三百万元。"))
    pages = pdf.path_to_pages(f)
    assert pages.n == 1 and not pages.textless and not pages.plumber
    assert any("项目概况" in ln for ln in pages.lines[0])
