"""Total rows of an indicator table are never read as indicators, wherever the total label sits
(first column, or a later column after merged cells left the first blank); a survey without
counts leaves respondents unknown. Invented tables."""
from __future__ import annotations

from extractors.model import Document, assemble, table_from_rows
from extractors.txt import text_to_document
from pipeline.record import build_record
from pipeline.record.indicators import rows_table

HEAD = ["一级指标", "二级指标", "三级指标", "分值", "得分"]


def _names(rows):
    doc = assemble(Document("t.docx", "docx"), [table_from_rows([HEAD] + rows)])
    return [it["name"] for it in rows_table(next(doc.tables())) or []]


def test_a_total_row_in_the_first_column_is_skipped():
    names = _names([["决策", "项目立项", "立项依据充分性", "5", "4"],
                    ["产出", "产出数量", "维修渠道长度", "20", "18"],
                    ["合计", "", "", "100", "86"]])
    assert "合计" not in names and "维修渠道长度" in names


def test_a_total_row_after_blank_merged_cells_is_skipped():
    names = _names([["过程", "资金管理", "资金到位率", "10", "9"],
                    ["", "", "总分", "100", "88"],
                    ["", "组织实施", "制度执行有效性", "6", "5"]])
    assert "总分" not in names and "制度执行有效性" in names


def test_a_survey_with_options_but_no_counts_leaves_respondents_unknown():
    rec = build_record(text_to_document("某镇污水管网项目绩效评价报告\n群众满意度为91.5%。\n", "s.txt"))
    assert rec["survey_respondents"] is None and rec["satisfaction_pct"] == 91.5


def test_the_header_repeated_on_a_continuation_page_and_misread_is_not_an_indicator():
    """A table joined across a page break keeps the second page's header when OCR read it
    differently ("“级指标" for "二级指标"); it is a header, not indicators named 一级指标."""
    names = _names([["产出", "产出数量", "维修渠道长度", "20", "18"],
                    ["一级指标", "“级指标", "一级指标", "分值", "得分"],
                    ["效益", "社会效益", "通行条件改善", "10", "9"]])
    assert names.count("一级指标") == 0 and "通行条件改善" in names and "维修渠道长度" in names
