"""Ruled tables of text-layer PDFs found from the vector drawing (extractors/pdf_tables.py)
must give the same cells as pdfplumber's table finder, which they replace on most pages."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from extractors import pdf as P
from extractors.model import Block
from extractors.ocr_tables import Seg
from extractors.pdf_tables import SCALE, find_grids, table_page

LONG = "这是一个较长的单元格说明文字，用于检验单元格内自动换行后的多行文字会被正确地连接成一行而不丢字。"


def _shade(cell, fill: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shd)


def _make_docx(path: Path) -> None:
    import docx
    d = docx.Document()
    d.add_paragraph("一、项目基本情况")
    d.add_paragraph("表格之前的一段说明文字。")
    t = d.add_table(rows=5, cols=4)
    t.style = "Table Grid"
    head = ["一级指标", "二级指标", "分值", "得分"]
    for j, h in enumerate(head):
        t.cell(0, j).text = h
    _shade(t.cell(0, 0), "D9D9D9")                 # shaded header cell
    t.cell(1, 0).merge(t.cell(2, 0)).text = "产出指标"   # two rows high
    t.cell(1, 1).text = "数量指标"
    t.cell(2, 1).text = LONG                          # wraps onto several lines
    t.cell(1, 2).text, t.cell(1, 3).text = "20", "19"
    t.cell(2, 2).text, t.cell(2, 3).text = "30", "28.5"
    t.cell(3, 0).merge(t.cell(3, 1)).text = "效益指标"   # two columns wide
    t.cell(3, 2).text, t.cell(3, 3).text = "30", "27"
    t.cell(4, 0).merge(t.cell(4, 1)).text = "合计"
    t.cell(4, 2).text, t.cell(4, 3).text = "80", "74.5"
    d.add_paragraph("表格之后的文字，位于两个表格之间。")
    # a long table: runs onto the next page
    t2 = d.add_table(rows=1, cols=3)
    t2.style = "Table Grid"
    for j, h in enumerate(["序号", "三级指标", "得分"]):
        t2.cell(0, j).text = h
    for k in range(1, 61):
        r = t2.add_row().cells
        r[0].text, r[1].text, r[2].text = str(k), f"第{k}项指标完成情况", f"{k % 10}.5"
    d.add_paragraph("长表之后的结论文字。")
    d.save(str(path))


@pytest.fixture(scope="module")
def ruled_pdf(tmp_path_factory) -> Path:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if not exe:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI must have LibreOffice to render the test PDF: `make test` runs `make setup-bench`")
        pytest.skip("LibreOffice (soffice) is needed to render the test PDF: run `make setup-bench` "
                    "(apt-get install libreoffice-writer fonts-noto-cjk)")
    d = tmp_path_factory.mktemp("pdf_tables")
    src = d / "ruled.docx"
    _make_docx(src)
    subprocess.run([exe, f"-env:UserInstallation=file://{d / 'lo-profile'}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(d), str(src)], check=True, capture_output=True, timeout=180)
    out = d / "ruled.pdf"
    assert out.exists(), "LibreOffice made no PDF"
    return out


def _cells(b: Block) -> list[tuple]:
    return sorted((c.row, c.col, c.rowspan, c.colspan, c.text) for c in b.cells)


def _both_finders(path: Path) -> list[tuple[int, list, list]]:
    """(page, vector items, pdfplumber items) for every page that draws paths."""
    import pdfplumber
    import pypdfium2 as pdfium
    out = []
    pdf = pdfium.PdfDocument(str(path))
    try:
        with pdfplumber.open(str(path)) as pl:
            for i in range(len(pdf)):
                page = pdf[i]
                if P._path_count(page) < P.MIN_PATHS_FOR_TABLE:
                    continue
                tp = page.get_textpage()
                v = table_page(page, tp, i + 1, P._cell_text, P._cells_to_block)
                out.append((i + 1, v, P._table_page(pl.pages[i], i + 1)))
    finally:
        pdf.close()
    return out


def _squash(items: list) -> str:
    return re.sub(r"\s+", "", "".join(x for x in items if isinstance(x, str)))


def test_vector_cells_equal_pdfplumber(ruled_pdf):
    pages = _both_finders(ruled_pdf)
    assert len(pages) >= 2, "the long table should put rules on a second page"
    n_tables = 0
    for pno, vec, plumb in pages:
        assert vec is not None, f"vector finder gave up on page {pno}"
        tv = [x for x in vec if isinstance(x, Block)]
        tp = [x for x in plumb if isinstance(x, Block)]
        assert len(tv) == len(tp) >= 1
        for a, b in zip(tv, tp):
            assert _cells(a) == _cells(b)
        assert _squash(vec) == _squash(plumb), f"text outside tables differs on page {pno}"
        n_tables += len(tv)
    assert n_tables >= 3


def test_merged_multiline_and_shaded_cells(ruled_pdf):
    _, vec, _ = _both_finders(ruled_pdf)[0]
    first = next(x for x in vec if isinstance(x, Block))
    by_text = {c.text: c for c in first.cells}
    assert (first.n_rows, first.n_cols) == (5, 4)
    assert (by_text["产出指标"].rowspan, by_text["产出指标"].colspan) == (2, 1)
    assert (by_text["效益指标"].rowspan, by_text["效益指标"].colspan) == (1, 2)
    assert (by_text["一级指标"].row, by_text["一级指标"].col) == (0, 0)   # shading drew no extra rule
    assert LONG in by_text, "wrapped cell text not joined into one line"
    # reading order: text before the table, the table, the text after it
    kinds = [("T" if isinstance(x, Block) else x.strip()) for x in vec if not isinstance(x, str) or x.strip()]
    assert kinds.index("表格之前的一段说明文字。") < kinds.index("T") < kinds.index("表格之后的文字，位于两个表格之间。")


def test_extract_joins_continued_table_and_records_finder(ruled_pdf, monkeypatch):
    monkeypatch.delenv("JIXIAO_PDF_TABLES", raising=False)
    doc = P.extract(ruled_pdf)
    finder = doc.meta["table_finder"]
    assert finder["pdfplumber"] == [] and finder["vector"] == doc.meta["table_pages"]
    tables = list(doc.tables())
    assert len(tables) == 2
    long = tables[1]
    assert long.n_rows == 61 and long.n_cols == 3          # header + 60 rows, across the page break
    g = long.grid()
    assert g[0] == ["序号", "三级指标", "得分"] and g[60] == ["60", "第60项指标完成情况", "0.5"]
    monkeypatch.setenv("JIXIAO_PDF_TABLES", "pdfplumber")
    old = P.extract(ruled_pdf)
    assert old.meta["table_finder"]["vector"] == []
    assert [_cells(t) for t in old.tables()] == [_cells(t) for t in tables]
    assert re.sub(r"\s+", "", old.text) == re.sub(r"\s+", "", doc.text)


def test_rotated_page_falls_back_to_pdfplumber(ruled_pdf, tmp_path, monkeypatch):
    import pypdfium2 as pdfium
    pdf = pdfium.PdfDocument(str(ruled_pdf))
    pdf[0].set_rotation(90)
    assert table_page(pdf[0], pdf[0].get_textpage(), 1, P._cell_text, P._cells_to_block) is None
    out = tmp_path / "rotated.pdf"
    pdf.save(str(out))
    pdf.close()
    monkeypatch.delenv("JIXIAO_PDF_TABLES", raising=False)
    doc = P.extract(out)
    assert doc.meta["table_finder"]["pdfplumber"] == [1]
    assert 2 in doc.meta["table_finder"]["vector"]


def _segs(lines):
    return [Seg(p * SCALE, a * SCALE, b * SCALE) for p, a, b in lines]


def test_grid_from_segments_merges_where_no_rule_is_drawn():
    # 3 rows × 3 columns, 100 pt wide cells, 20 pt rows; the rule between columns 1 and 2 is
    # missing in the first row (a header cell two columns wide), the one between rows 1 and 2
    # is missing under the first column (a cell two rows high)
    h = _segs([(0, 0, 300), (20, 0, 300), (40, 100, 300), (60, 0, 300)])
    v = _segs([(0, 0, 60), (100, 0, 60), (200, 20, 60), (300, 0, 60)])
    grids = find_grids(h, v)
    assert len(grids) == 1
    cells = sorted(grids[0].cells)
    assert cells == [(0, 0, 1, 1), (0, 1, 1, 2), (1, 0, 2, 1), (1, 1, 1, 1), (1, 2, 1, 1), (2, 1, 1, 1), (2, 2, 1, 1)]
    # lines that do not cross make no table
    assert find_grids(_segs([(0, 0, 300), (20, 0, 300)]), _segs([(500, 100, 200), (600, 100, 200)])) == []


@pytest.mark.seeds
def test_seed_pdfs_use_vector_finder_with_pdfplumber_cells(seeds, monkeypatch):
    files = sorted((seeds / "pdf").glob("*.pdf"))
    assert files
    n_tables = 0
    for f in files:
        monkeypatch.delenv("JIXIAO_PDF_TABLES", raising=False)
        doc = P.extract(f)
        assert doc.meta["table_finder"]["pdfplumber"] == [], f.name
        assert doc.meta["table_finder"]["vector"] == doc.meta["table_pages"], f.name
        monkeypatch.setenv("JIXIAO_PDF_TABLES", "pdfplumber")
        old = P.extract(f)
        assert [_cells(t) for t in doc.tables()] == [_cells(t) for t in old.tables()], f.name
        n_tables += len(list(doc.tables()))
    assert n_tables >= 5
