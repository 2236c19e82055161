"""Scans as they really arrive (issue #15): a red seal over the text is dropped by its colour and its
shape (a red letterhead stays), the debug image is the page after that clean-up, the bench's scoring
counts what a copy lost, and a degraded copy of a short report keeps its fields with no false alarm."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from corpus import degrade
from extractors import ocr, ocr_clean

ROOT = Path(__file__).resolve().parents[1]


def _page_with_letterhead() -> np.ndarray:
    """A 300 dpi A4 RGB page: a red letterhead band at the top, 40 lines of black 'text' bars."""
    img = Image.new("RGB", (1700, 2200), (250, 250, 250))
    d = ImageDraw.Draw(img)
    d.rectangle([200, 50, 1500, 120], fill=(215, 25, 30))
    for k in range(40):
        d.rectangle([150, 160 + k * 48, 1500, 190 + k * 48], fill=(15, 15, 15))
    return np.asarray(img)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_seal_is_found_where_stamped_and_a_red_letterhead_is_not_a_seal(seed):
    page = _page_with_letterhead()
    sealed = degrade.stamp(page, np.random.default_rng(seed), dpi=300)
    boxes = ocr_clean.seal_boxes(sealed)
    assert len(boxes) == 1
    y0, x0, y1, x1 = boxes[0]
    red = ocr_clean.red_mask(sealed)
    red[:140] = False                                   # the letterhead
    ys, xs = np.nonzero(red)
    assert y0 <= ys.min() and ys.max() < y1 and x0 <= xs.min() and xs.max() < x1   # the whole seal inside
    assert y0 > 140                                     # the letterhead is not in it
    assert ocr_clean.seal_boxes(page) == []             # no seal: nothing


def test_seal_ink_goes_black_strokes_under_it_and_the_letterhead_stay():
    page = _page_with_letterhead()
    sealed = degrade.stamp(page, np.random.default_rng(4), dpi=300)
    gray = ocr_clean.remove_seals(sealed)
    (y0, x0, y1, x1), = ocr_clean.seal_boxes(sealed)
    box = np.zeros(page.shape[:2], dtype=bool)
    box[y0:y1, x0:x1] = True
    red = ocr_clean.red_mask(sealed)
    on_paper = box & red & (page[..., 0] > 128)
    under = box & (page[..., 0] < 50)
    assert np.median(gray[on_paper]) > 200               # seal ink on paper is paper now (was ~150 grey)
    assert np.percentile(gray[under], 95) < 60           # text under the seal stays black
    assert gray[60:110, 250:1450].mean() < 120           # the red letterhead is still ink


def test_debug_image_is_the_page_after_seal_removal(tmp_path, monkeypatch):
    """``extract --debug`` writes what the recogniser read: the seal gone, the text bars kept."""
    monkeypatch.setenv("JIXIAO_OCR_DEBUG_DIR", str(tmp_path))
    monkeypatch.setattr(ocr, "tesseract_words", lambda *a, **k: [])     # the image, not the reading, is tested
    page = _page_with_letterhead()
    sealed = degrade.stamp(page, np.random.default_rng(5), dpi=300)
    ocr.ocr_image(Image.fromarray(sealed), page_no=3)
    seen = np.asarray(Image.open(tmp_path / "page-003.png"))
    assert seen.ndim == 2 and seen.shape == page.shape[:2]
    seal_on_paper = ocr_clean.red_mask(sealed) & (page[..., 0] > 128)
    seal_on_paper[:140] = False                              # the letterhead: stays ink
    assert (seen[seal_on_paper] < ocr.INK).mean() < 0.02     # no seal stroke is ink for the recogniser
    text = page[..., 0] < 50
    assert (seen[text] < ocr.INK).mean() > 0.95


def test_bench_scoring_counts_lost_fields_and_new_alarms():
    from bench import scans
    text = {"record": {"total_score": 88.5, "county": "某县", "title": "T",
                       "indicators": [{"level": 1, "dimension": "产出", "weight": 30, "score": 28.5, "rate_pct": 95}]},
            "findings": [{"rule_id": "text.x", "severity": "warning"}]}
    copy = {"record": {"total_score": 88.5, "county": "某具", "title": "T",
                       "indicators": [{"level": 1, "dimension": "产出", "weight": 30, "score": 28.5, "rate_pct": 95}]},
            "findings": [{"rule_id": "text.x", "severity": "warning"},
                         {"rule_id": "score.total_mismatch", "severity": "error"},
                         {"rule_id": "meta.low_confidence_ocr", "severity": "info"}]}
    ok, total, diffs = scans.compare(text["record"], copy["record"])
    assert (ok, total) == (3, 4) and diffs == ["county: '某具' ≠ '某县'"]
    assert scans.false_alarms(text, copy) == ["score.total_mismatch"]


# an invented short report (no seed's names or numbers): paragraphs and a ruled level-1 table
SHORT_PARAS = ["清河县2023年度乡村公路养护项目绩效评价报告", "一、项目基本情况",
               "清河县交通运输局负责实施乡村公路养护项目，年度预算资金520万元，实际到位资金500万元，"
               "实际支出资金480万元，资金执行率96%。",
               "二、绩效评价结论", "经综合评价，该项目得分86.5分，评价等级为良。各一级指标得分如下："]
SHORT_TABLE = [["一级指标", "分值", "得分", "得分率"], ["决策", "20", "18", "90%"], ["过程", "20", "17", "85%"],
               ["产出", "30", "27", "90%"], ["效益", "30", "24.5", "81.67%"], ["合计", "100", "86.5", "86.5%"]]
SHORT_TAIL = ["三、存在的问题", "1.养护台账记录不完整。", "2.部分路段巡查不及时。", "四、建议",
              "建立养护台账定期核查制度。", "清河县财政局", "2024年3月15日"]


def _short_pdf(d: Path) -> Path:
    """The short report as a text PDF with embedded CJK fonts (LibreOffice), as reports are exported."""
    import docx
    from corpus.generate import docx_to_pdf, soffice
    if not soffice():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI must have LibreOffice: `make test` runs `make setup-bench`")
        pytest.skip("LibreOffice (soffice) is needed to render the test PDF: run `make setup-bench`")
    doc = docx.Document()
    for t in SHORT_PARAS:
        doc.add_paragraph(t)
    table = doc.add_table(rows=len(SHORT_TABLE), cols=4)
    table.style = "Table Grid"
    for r, row in enumerate(SHORT_TABLE):
        # rows of 0.9 cm: a row the glyphs fill to its rules reads its strokes as rules (see README)
        table.rows[r].height = docx.shared.Cm(0.9)
        for c, t in enumerate(row):
            table.cell(r, c).text = t
    for t in SHORT_TAIL:
        doc.add_paragraph(t)
    src = d / "short.docx"
    doc.save(str(src))
    docx_to_pdf([src], d)
    assert (d / "short.pdf").exists(), "LibreOffice made no PDF"
    return d / "short.pdf"


def test_degraded_copy_of_a_short_report_keeps_its_fields_and_fires_no_alarm(tmp_path):
    if not ocr.available():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI must have tesseract with chi_sim (make setup-ocr)")
        pytest.skip("tesseract with the chi_sim model is not installed (run: make setup-ocr)")
    from bench import scans
    from pipeline.flow import process_file
    src = _short_pdf(tmp_path)
    copy = degrade.degrade_pdf(src, tmp_path / "phone.pdf", "phone", seed=2)
    text, scan = process_file(src), process_file(copy)
    assert text["status"] == "ok" and scan["status"] == "ok", scan.get("error")
    assert scan["record"]["ocr_pages"] >= 1
    ok, total, diffs = scans.compare(text["record"], scan["record"])
    assert total >= 8 and ok >= 0.9 * total, diffs
    assert scans.false_alarms(text, scan) == []


@pytest.mark.parametrize("read, printed", [
    ("城乡供水专项资金文出绩效目评报告", "城乡供水专项资金支出绩效自评报告"),   # 支→文, 自→目 on a rough scan
    ("部门整体目评表", "部门整体自评表"),
    ("实际文出资金215万元", "实际支出资金215万元"),
    ("开展项目评价工作", "开展项目评价工作"),                            # 项目评价 holds 目评: a word, kept
    ("县政府发文出台管理办法", "县政府发文出台管理办法"),                  # 发文出台 holds 文出: kept
])
def test_lookalike_misreadings_are_undone_only_where_no_word_has_them(read, printed):
    assert ocr.repair(read) == printed


def test_ocr_level1_weights_that_miss_100_are_info_not_a_warning():
    """Level-1 rows read from a scan whose weights add up to 145 (a row of another table taken in): the
    recogniser's table, so weight.total_not_100 is an info naming the page, never a warning."""
    from tests.test_low_confidence import _case, _findings, _ids
    doc, rec = _case()
    rec["indicators"].append(dict(rec["indicators"][0], dimension="满意度", name="满意度", weight=45.0, score=40.0))
    fs = _findings(doc, rec)
    assert "weight.total_not_100" not in _ids(fs, "warning") | _ids(fs, "error")
    assert any("weight.total_not_100" in f["message"] for f in fs if f["rule_id"] == "meta.low_confidence_ocr")
    doc, rec = _case(ocr=False)                          # the same table in a text rendition: the report's own
    rec["indicators"].append(dict(rec["indicators"][0], dimension="满意度", name="满意度", weight=45.0, score=40.0))
    assert "weight.total_not_100" in _ids(_findings(doc, rec), "warning")


def test_ocr_survey_counts_that_miss_the_respondents_make_its_rate_finding_info():
    from pipeline.rules import ocr as guard_mod
    from tests.test_low_confidence import _case
    from pipeline.record import ocr_check
    doc, rec = _case()
    rec["survey"] = {"issued": 40.0, "valid": 40.0, "page": 3, "evidence": "非常满意 | 满意 | 一般",
                     "options": [{"label": "非常满意", "count": 61.0}, {"label": "满意", "count": 12.0},
                                 {"label": "一般", "count": 2.0}]}       # 75 counted of 40 respondents: misread
    ocr_check.extract(doc, rec)
    rec["ocr_pages"] = 2
    alarm = {"rule_id": "survey.rate_mismatch", "severity": "warning", "message": "满意度应为…", "page": 3,
             "evidence": "非常满意 | 满意 | 一般"}
    out, = guard_mod.guard(rec, [alarm])
    assert out["rule_id"] == "meta.low_confidence_ocr" and out["severity"] == "info"
    rec["survey"]["options"][0]["count"] = 26.0                            # 40 of 40: the report's own figures
    rec["ocr_suspects"] = []
    ocr_check.extract(doc, rec)
    assert not [s for s in rec["ocr_suspects"] if s["field"] == "survey"]


def test_ocr_funding_parts_far_from_their_total_make_the_sum_finding_info():
    from pipeline.record import ocr_check
    from pipeline.rules import ocr as guard_mod
    from tests.test_low_confidence import _case
    doc, rec = _case()
    ev = "合计 | 530.5"
    rec["fund_sources"] = [{"kind": "year", "allocated_wan": 230.5, "page": 2, "evidence": "2021 | 230.5"},
                           {"kind": "year", "allocated_wan": 300000.0, "page": 2, "evidence": "2022 | 300000"},
                           {"kind": "total", "allocated_wan": 530.5, "page": 2, "evidence": ev}]
    ocr_check.extract(doc, rec)
    rec["ocr_pages"] = 2
    alarm = {"rule_id": "funds.sum_mismatch", "severity": "warning", "message": "合计应为…", "page": 2, "evidence": ev}
    assert guard_mod.guard(rec, [alarm])[0]["rule_id"] == "meta.low_confidence_ocr"
    rec["fund_sources"][1]["allocated_wan"] = 290.0      # 520.5 for 530.5: near, the report's own slip stays
    rec["ocr_suspects"] = []
    ocr_check.extract(doc, rec)
    assert guard_mod.guard(rec, [alarm])[0]["rule_id"] == "funds.sum_mismatch"


def test_a_grade_legend_with_its_comparison_misread_is_no_verdict():
    """A legend of the grade bands whose "≥" was read as "关" and "良" as "恨" on a scan is still a legend
    (it opens with "分为四个等级"), so it gives no second grade (which fired grade.band_mismatch and
    number.restated_mismatch)."""
    from extractors.model import Document
    from pipeline.record import meta
    legend = Document("x.pdf", "pdf")
    legend.text = "根据综合得分，将评价结果分为四个等级:优(得分关90分);恨〈80分冬得分<90分)。"
    assert meta.grades(legend) == []
    verdict = Document("x.pdf", "pdf")
    verdict.text = "经评价，该项目综合得分87分，评价等级为良。"
    assert [g for g, _, _ in meta.grades(verdict)] == ["良"]


def test_garbled_score_cell_is_not_read_as_the_total(tmp_path):
    """A recogniser that garbles the score cell of a form ("评价得分 | <junk>3") must not make the junk's
    stray last digit the total score: a figure read past a cell border has to open its cell. The score
    the conclusion states is read instead (without the rule, total_score was 3.0)."""
    from pipeline.flow import process_file
    src = tmp_path / "r.txt"
    src.write_text("临溪县2024年度农村道路养护补助资金绩效评价报告\n"
                   "项目支出绩效评价情况\t评价得分\t六Li和3\t评价等级\t良\n"
                   "一、项目基本情况\n临溪县交通运输局负责实施农村道路养护补助项目。\n"
                   "二、评价结论\n经评价，本项目评价得分86.4分，评价等级为良。\n", encoding="utf-8")
    rec = process_file(str(src))["record"]
    assert rec["total_score"] == 86.4
