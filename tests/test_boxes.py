"""Values read from a PDF carry their box on the page (issue #18): a span of the document text is
found again among the page's characters (normalised, whitespace dropped, repeated text told apart
by its neighbours), table rows by their cells; DOCX and TXT values get a locator instead. On the
seed PDFs and on our own sample reports printed to PDF, nearly every scalar has a box, and the text
layer inside the total score's box prints the score the record holds."""
from __future__ import annotations

import re
import sys
from functools import lru_cache
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from extractors.geometry import PageGeometry, key_of, locate
from pipeline.evidence import Box, crop_png
from pipeline.flow import process_file
from tests.conftest import SAMPLES

sys.path.insert(0, str(Path(__file__).parent))
from hostile_files import pdf_bytes  # noqa: E402

BOXED_SHARE = 0.95


def _page(lines: list[str], height: float = 20.0) -> PageGeometry:
    """A page whose lines stand one under the other, every character 10 pt wide."""
    geo = PageGeometry(width=600.0, height=800.0)
    for k, ln in enumerate(lines):
        geo.add(ln, (50.0, 40.0 + k * height, 50.0 + 10.0 * len(ln), 40.0 + k * height + 12.0))
    return geo


def test_key_drops_whitespace_and_folds_full_width_digits():
    assert key_of("得 分 ９２．５\n分")[0] == "得分92.5分"


def test_span_is_found_across_a_line_break_and_normalised_digits():
    geo = _page(["项目综合得分为８７．", "５分，等级良。"])
    text = "项目综合得分为87.5分，等级良。"
    s = text.index("87.5")
    box = locate({1: geo}, text, s, s + 4, 1)
    assert box is not None and box["page"] == 1
    assert box["y0"] == 40.0 and box["y1"] == 72.0          # both lines: the value wraps
    assert box["page_width"] == 600.0 and box["page_height"] == 800.0


def test_repeated_value_is_told_apart_by_its_neighbours():
    geo = _page(["权重分值为20分", "实际得分为20分"])
    text = "权重分值为20分\n实际得分为20分"
    s = text.rindex("20")
    box = locate({1: geo}, text, s, s + 2, 1)
    assert box["y0"] == 60.0, "the second line's 20, whose neighbours match"
    assert box["x0"] == 50.0 + 10 * 5 and box["x1"] == 50.0 + 10 * 7


def test_span_on_the_next_page_is_found_there():
    geometry = {1: _page(["第一页正文"]), 2: _page(["续表合计100"])}
    text = "第一页正文\n续表合计100"
    s = text.index("100")
    assert locate(geometry, text, s, s + 3, 1)["page"] == 2


def test_text_not_on_the_page_has_no_box():
    assert locate({1: _page(["别的文字"])}, "完全不同", 0, 4, 1) is None
    assert locate({}, "任何", 0, 2, 1) is None


def test_docx_and_txt_values_carry_a_locator_and_no_box():
    rec = process_file(str(SAMPLES / "s2_guangshan_pension.docx"))["record"]
    spanned = [p for p in rec["provenance"].values() if p.get("start") is not None]
    assert spanned and all(p.get("x0") is None for p in rec["provenance"].values())
    assert all(re.fullmatch(r"paragraph \d+|table \d+ row \d+ cell \d+", p["locator"]) for p in spanned)


# ---------------------------------------------------------------- real PDFs: share boxed, crop check

def text_in_box(pdf_path: Path, prov: dict) -> str:
    """The text layer inside a stored box (the box is top-left based; pypdfium2 bottom-left)."""
    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        page = pdf[prov["page"] - 1]
        left, bottom, right, top = page.get_cropbox()
        tp = page.get_textpage()
        return tp.get_text_bounded(left + prov["x0"] - 1, top - prov["y1"] - 1, left + prov["x1"] + 1,
                                   top - prov["y0"] + 1)
    finally:
        pdf.close()


def _numbers(text: str) -> set[float]:
    return {float(m.replace(",", "")) for m in re.findall(r"\d[\d,]*(?:\.\d+)?", text)}


def boxed_share(rec: dict) -> tuple[int, int]:
    """(scalar provenance rows with a box, scalar provenance rows)."""
    rows = [p for p in rec["provenance"].values() if isinstance(p, dict)]
    return sum(1 for p in rows if p.get("x0") is not None), len(rows)


@lru_cache(maxsize=None)
def _run(path: str) -> dict:
    return process_file(path)



@pytest.mark.seeds
def test_seed_pdfs_box_nearly_every_scalar(seeds):
    pdfs = sorted((seeds / "pdf").glob("*.pdf"))
    assert len(pdfs) >= 5
    for p in pdfs:
        boxed, total = boxed_share(_run(str(p))["record"])
        assert total and boxed / total >= BOXED_SHARE, f"{p.name}: {boxed}/{total} scalar provenance rows boxed"


@pytest.mark.seeds
def test_seed_total_score_box_prints_the_recorded_score(seeds):
    for p in sorted((seeds / "pdf").glob("*.pdf")):
        rec = _run(str(p))["record"]
        prov = rec["provenance"]["total_score"]
        assert prov.get("x0") is not None, p.name
        assert rec["total_score"] in _numbers(text_in_box(p, prov)), (p.name, text_in_box(p, prov))
        png = crop_png(p, Box.from_row(prov))          # the crop every output embeds renders that region
        assert png[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.seeds
def test_seed_detail_rows_are_boxed_on_their_page(seeds):
    """Indicator, fund, expense and target rows: most carry a box, every box inside its page."""
    have = total = 0
    for p in sorted((seeds / "pdf").glob("*.pdf")):
        rec = _run(str(p))["record"]
        for key in ("indicators", "fund_sources", "expense_details", "targets"):
            for it in rec[key]:
                total += 1
                if it.get("x0") is not None:
                    have += 1
                    assert 0 <= it["x0"] < it["x1"] <= it["page_width"] + 1
                    assert 0 <= it["y0"] < it["y1"] <= it["page_height"] + 1
    assert total and have / total >= 0.9, f"{have}/{total} detail rows boxed"


def _sample_pdf(tmp_path: Path, src: Path) -> Path:
    out = tmp_path / (src.stem + ".pdf")
    out.write_bytes(pdf_bytes(src.read_text(encoding="utf-8")))
    return out


@pytest.mark.parametrize("name", ["s1_cangxi_rural_road.txt", "s5_huanjiang_employment.txt",
                                  "s6_tuoketuo_veterans.txt"])
def test_sample_reports_printed_to_pdf_are_boxed(tmp_path, name):
    """Our own samples as PDFs (text layer, wrapped lines): scalars boxed, the score box prints it."""
    pdf = _sample_pdf(tmp_path, SAMPLES / name)
    rec = process_file(str(pdf))["record"]
    boxed, total = boxed_share(rec)
    assert total and boxed / total >= BOXED_SHARE, f"{boxed}/{total}"
    if rec["total_score"] is not None:
        assert rec["total_score"] in _numbers(text_in_box(pdf, rec["provenance"]["total_score"]))


def test_scanned_page_boxes_come_from_ocr_lines_and_cells(tmp_path):
    """OCR lines share their box over their characters, table cells take their cell's box; pixels
    at the OCR render's dpi become points."""
    from extractors import ocr
    from extractors.model import TABLE, Block, Cell
    from extractors.pdf import ocr_geometry
    pdf = tmp_path / "scan.pdf"
    pdf.write_bytes(pdf_bytes("任意"))
    line = ocr.OcrLine("综合得分76.40分")
    line.box = (300, 600, 1500, 660)
    table = Block(TABLE, "", page=1, cells=[Cell(0, 0, "产出"), Cell(0, 1, "28.5")])
    table.cell_boxes = [(300, 900, 700, 960), (700, 900, 1000, 960)]
    geometry = ocr_geometry(pdf, {0: [line, table]})
    size = pdfium.PdfDocument(str(pdf))[0].get_size()
    k = 72.0 / ocr.render_dpi(*size)
    text = "综合得分76.40分\n产出\t28.5"
    s = text.index("76.40")
    box = locate(geometry, text, s, s + 5, 1)
    assert box["y0"] == pytest.approx(600 * k, abs=0.05) and box["y1"] == pytest.approx(660 * k, abs=0.05)
    assert 300 * k < box["x0"] < box["x1"] < 1500 * k, "only the value's part of the line"
    s = text.index("28.5")
    cell = locate(geometry, text, s, s + 4, 1)
    assert (cell["x0"], cell["x1"]) == (pytest.approx(700 * k, abs=0.05), pytest.approx(1000 * k, abs=0.05))


def _table_doc(rows: list[tuple[float, list[tuple[float, str]]]]):
    """A PDF-like document whose page 1 prints table cells at (x, y), 10 pt a character."""
    from extractors.model import Document
    geo = PageGeometry(width=600.0, height=800.0)
    for y, cells in rows:
        for x, t in cells:
            geo.add(t, (x, y, x + 10.0 * len(t), y + 12.0))
    return Document("t.pdf", "pdf", pages=1, geometry={1: geo})


def test_table_row_is_boxed_on_its_own_line_with_repeated_values():
    from pipeline.record.prov import evidence_box
    doc = _table_doc([(100.0, [(50, "指标名称"), (250, "分值"), (350, "得分")]),
                      (120.0, [(50, "资金到位率"), (250, "10"), (350, "10")]),
                      (140.0, [(50, "预算执行率"), (250, "10"), (350, "8")])])
    box = evidence_box(doc, 1, "预算执行率 | 10 | 8")
    assert (box["y0"], box["y1"]) == (140.0, 152.0), "the row of its name, not the first row holding 10"
    assert (box["x0"], box["x1"]) == (50.0, 360.0)
    both = evidence_box(doc, 1, "资金到位率 | 10 | 10")
    assert both["x1"] == 370.0, "each of the two 10s its own cell"


def test_table_read_down_is_boxed_as_a_column():
    """Items laid out as columns (指标 / 分值 / 得分 rows): the item's column, not a row."""
    from pipeline.record.prov import evidence_box
    doc = _table_doc([(100.0, [(50, "指标"), (150, "决策"), (250, "过程")]),
                      (120.0, [(50, "分值"), (150, "20"), (250, "30")]),
                      (140.0, [(50, "得分"), (150, "18"), (250, "27")])])
    box = evidence_box(doc, 1, "指标 过程 | 分值 30 | 得分 27")
    assert (box["x0"], box["x1"], box["y0"], box["y1"]) == (250.0, 270.0, 100.0, 152.0)


def test_row_with_too_few_cells_on_the_page_has_no_box():
    from pipeline.record.prov import evidence_box
    doc = _table_doc([(100.0, [(50, "别的表"), (250, "100%"), (350, "已完成")])])
    assert evidence_box(doc, 1, "满意度指标 | 服务对象满意度 | 问卷 | 100% | 已完成") is None


def test_merged_cell_quoted_once_per_column_is_found_once():
    from pipeline.record.prov import evidence_box
    doc = _table_doc([(100.0, [(50, "资金来源合计"), (250, "560")])])
    box = evidence_box(doc, 1, "资金来源合计 | 资金来源合计 | 资金来源合计 | 560")
    assert (box["x0"], box["x1"], box["y0"]) == (50.0, 280.0, 100.0)
