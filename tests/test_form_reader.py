"""The form reader (pipeline/record/form*.py) on invented 自评表 in every shape a portal gives them:
a DOCX/PDF table block, pipe rows, one cell per line, every cell run together, an OCR'd copy with
garble. Units, places and figures are made up."""
from __future__ import annotations

import pytest

from extractors.model import Document, Block, assemble, table_from_rows, PARAGRAPH
from extractors.txt import text_to_document
from pipeline import rules
from pipeline.record import build_record, empty_record, form, form_cells

TITLE = "项目支出绩效自评表\n（2023年度）\n项目名称 乡村道路养护经费\n主管部门 某某县交通运输局\n"


def record(text: str) -> dict:
    return build_record(text_to_document(text, "form.txt"))


def rule_ids(rec: dict) -> set[str]:
    return {f["rule_id"] for f in rules.run(rec)}


def table_doc(rows: list[list[str]], before: str = TITLE) -> Document:
    doc = Document("form.docx", "docx")
    blocks = [Block(PARAGRAPH, ln) for ln in before.strip().split("\n")] + [table_from_rows(rows)]
    return assemble(doc, blocks)


def test_table_block_columns_by_label_and_rate_picks_the_base():
    doc = table_doc([
        ["项目资金（万元）", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
        ["年度资金总额", "120", "150", "135", "10", "90%", "9"],
        ["其中：本年财政拨款", "120", "150", "135", "", "", ""],
    ])
    rec = build_record(doc)
    # 90 % = 135 / 150: the report's base is the full-year budget, not the opening one
    assert (rec["allocated_wan"], rec["spent_wan"], rec["execution_rate_pct"]) == (150, 135, 90)
    p = rec["provenance"]["allocated_wan"]
    assert p["source"] == "form" and p["shape"] == "table"


def test_pipe_rows_repeated_central_row_is_not_added_twice():
    text = TITLE + ("资金投入情况（万元） |\n全年预算数(A) | 实际执行数(B) | 资金执行率(B/A×100%) | |||\n"
                    "年度资金总额: | 420.5 | 378.45 | 90% | |||\n其中:中央财政资金 | 420.5 | 378.45 | 90% | |||\n"
                    "地方财政资金 | |||||\n其他资金 | |||||\n")
    rec = record(text)
    assert (rec["allocated_wan"], rec["spent_wan"], rec["execution_rate_pct"]) == (420.5, 378.45, 90)
    assert "funds.execution_rate_mismatch" not in rule_ids(rec)


def test_cell_per_line_bare_rate_and_weight_from_the_header():
    cells = ["预算执行情况（万元）", "(20分)", "预算数(A)", "执行数(B)", "执行率(B/A)", "得分", "(20分*执行率)",
             "年度财政资金总额", "80", "36", "45", "9", "年度绩效目标"]
    rec = record(TITLE + "\n\n".join(cells) + "\n")
    assert (rec["allocated_wan"], rec["spent_wan"], rec["execution_rate_pct"]) == (80, 36, 45)
    assert "funds.low_execution" in rule_ids(rec)


def test_run_together_cells_split_by_the_forms_arithmetic():
    text = TITLE + ("资金投入(万元) 年初预算数(A)实际执行数(B)权重(10分)执行率(B/A)得分评分方法"
                    "年度资金总额:250.4187.821075%7.5按执行率乘以权重计,不超过本项权重。其他资金年度总体目标完成\n")
    rec = record(text)
    # 250.41 / 87.82 would give 35 %: only 250.4 / 187.82 agrees with the stated 75 %
    assert (rec["allocated_wan"], rec["spent_wan"], rec["execution_rate_pct"]) == (250.4, 187.82, 75)


def test_solver_keeps_the_split_the_rate_accepts():
    roles = ["budget", "executed", "rate", "score"]
    rd = form_cells.solve(form_cells.tokens("60054090%18"), roles, form_cells.Hints(20.0, True))
    assert rd.values == {"budget": 600.0, "executed": 540.0, "rate": 90.0, "score": 18.0}


def test_ambiguous_split_is_left_unknown():
    rd = form_cells.solve(form_cells.tokens("523.4118.7"), ["initial", "executed"], form_cells.Hints())
    assert "initial" not in rd.values and "executed" not in rd.values


def test_garbled_ocr_keeps_rate_weight_and_score_confirmed_by_arithmetic():
    text = ("部门整体绩效自评表主管部门某某区文化旅游委自评总分(分)91.6年初预算数调整后预算数全年执行数执行率"
            "执行率分值执行率得分年度总金额.41.08.2其中财政拨款.41.08.286.5108.65年初绩效目标全年目标实际完成情况\n")
    rec = record(text)
    assert rec["execution_rate_pct"] == 86.5 and rec["total_score"] == 91.6
    assert rec["allocated_wan"] is None and rec["spent_wan"] is None   # the amounts were lost


def test_ocr_garbled_labels_and_letter_for_zero():
    text = ("部门整体绩效自评表 自评总分(分)96.4 年初预箅数全年(i周整)预算数实际执行数执行率(%)执行率分值执行率得分(分)"
            "O64%106.4当年绩效目标年初绩效目标\n")
    rec = record(text)
    assert rec["execution_rate_pct"] == 64


def test_zero_total_row_is_unknown_and_sub_row_holds_the_money():
    text = TITLE + ("资金情况 (万元) 年初预算数 全年预算数 全年执行数 权重 执行率 得分 年度资金总额: 0 0 0 20 0 0 "
                    "其中:本年财政拨款 60 58.5 58.5 其他资金 上年结转 年度总体目标 预期目标\n")
    rec = record(text)
    assert rec["spent_wan"] == 58.5
    assert rec["execution_rate_pct"] is None        # the 0 is a placeholder, not a stated rate


def test_zero_budget_gives_no_rate_from_nothing():
    text = TITLE + "项目资金 全年预算数 全年执行数 权重 执行率 得分 0 75.3 10 100% 10 年度总体目标\n"
    rec = record(text)
    assert rec["allocated_wan"] is None
    assert "funds.execution_rate_mismatch" not in rule_ids(rec)


def test_scoring_standard_column_is_not_the_score():
    hs = form.headers("年初预算数 全年预算数 全年执行数 分值 执行率 评分标准 得分 年度资金总额 100 100 80 10 80% 8")
    assert hs and hs[0].roles == ["initial", "adjusted", "executed", "weight", "rate", "method", "score"]


INDICATORS = ("一级指标 二级指标 三级指标 年度指标值 实际完成值 分值 得分 偏差原因分析及改进措施\n"
              "产出指标(50分) 数量指标 指标1:修缮道路里程 ≥12公里 12公里 20 18 质量指标 指标1:验收合格率 100% 100% 30 30\n"
              "效益指标(30分) 社会效益指标 指标1:群众出行条件改善 明显 明显 30 27\n"
              "满意度指标(10分) 社会公众满意度指标 指标1:沿线群众满意度 ≥90% 93% 10 10\n总分 100 {total}\n")
BUDGET = ("资金情况(万元) 年初预算数 全年预算数 全年执行数 分值 执行率 得分\n"
          "年度资金总额: 200 200 180 10 90% 9\n年度总体目标 完成道路养护\n")


def test_indicator_part_becomes_level1_rows_and_total_mismatch_fires():
    rec = record(TITLE + BUDGET + INDICATORS.format(total=95))
    l1 = {i["name"]: (i["weight"], i["score"]) for i in rec["indicators"] if i["level"] == 1}
    assert l1 == {"产出指标": (50, 48), "效益指标": (30, 27), "满意度指标": (10, 10), "预算执行率": (10, 9)}
    assert rec["total_score"] == 95
    assert "score.total_mismatch" in rule_ids(rec)        # 48 + 27 + 10 + 9 = 94


def test_consistent_form_gives_no_total_mismatch_and_targets_are_read():
    rec = record(TITLE + BUDGET + INDICATORS.format(total=94))
    assert "score.total_mismatch" not in rule_ids(rec)
    t = next(t for t in rec["targets"] if t["name"] == "修缮道路里程")
    assert (t["direction"], t["target_value"], t["actual_value"]) == (">=", 12, 12)


def test_groups_that_do_not_add_up_leave_the_table_unread():
    bad = INDICATORS.format(total=94).replace("30 30", "25 25")   # 产出 weights 45 ≠ 50
    rec = record(TITLE + BUDGET + bad)
    assert not [i for i in rec["indicators"] if i.get("source") == "form"]


def test_form_outranks_the_narrative_and_says_so():
    text = TITLE + BUDGET + "二、自评情况\n项目预算执行率为80%，资金使用规范。\n"
    rec = record(text)
    assert rec["execution_rate_pct"] == 90
    p = rec["provenance"]["execution_rate_pct"]
    assert p["source"] == "form" and p["replaced"]["value"] == 80


def test_basic_facts_cells_with_unit_in_the_label():
    text = TITLE + "计划安排资金 (万元) | 350 |\n实际到位资金 (万元) | 3,50.0,1 |\n"
    rec = record(text)
    assert rec["allocated_wan"] == 350
    assert rec["provenance"]["allocated_wan"]["source"] == "form"


def test_not_a_form_is_left_alone():
    doc = text_to_document("一、基本情况\n本项目下达资金100万元，实际支出95万元，预算执行率为95%。\n", "n.txt")
    rec = empty_record()
    form.extract(doc, rec)
    assert rec == empty_record()


@pytest.mark.parametrize("run,expected", [
    ("512.3 | 470.6 | 92%", 3),
    ("250.4187.821075%7.5", 2),
    ("48.21 47.9 — 99% —", 5),
])
def test_tokens_keep_cells_and_explicit_empties(run, expected):
    assert len(form_cells.tokens(run)) == expected


def test_table_block_empty_cells_keep_their_columns():
    doc = table_doc([
        ["项目资金（万元）", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
        ["年度资金总额", "64", "", "48", "10", "", "7.5"],
    ])
    rec = build_record(doc)
    # the empty 全年预算数 cell is not filled with the next figure
    assert (rec["allocated_wan"], rec["spent_wan"], rec["execution_rate_pct"]) == (64, 48, None)


def test_amounts_in_yuan_under_a_yuan_header():
    text = TITLE + ("项目资金（元） 年初预算数 全年预算数 全年执行数 分值 执行率 得分\n"
                    "年度资金总额: 1250000 1250000 1000000 10 80% 8\n年度总体目标\n")
    rec = record(text)
    assert (rec["allocated_wan"], rec["spent_wan"], rec["execution_rate_pct"]) == (125, 100, 80)


def test_rate_written_as_a_ratio_in_a_flattened_spreadsheet():
    text = TITLE + ("项目资金 年初预算数 全年预算数 全年执行数 分值 执行率 得分\n"
                    "年度资金总额 36.5 36.5 32.85 10 0.9 9\n年度总体目标\n")
    rec = record(text)
    assert rec["execution_rate_pct"] == 90 and rec["spent_wan"] == 32.85


def test_total_row_is_the_labelled_one_not_the_first():
    text = TITLE + ("资金来源 预算数 执行数 执行率\n中央资金 60 54 90%\n县级资金 40 36 90%\n合计 100 90 90%\n"
                    "年度总体目标\n")
    rec = record(text)
    assert (rec["allocated_wan"], rec["spent_wan"]) == (100, 90)


def test_rows_by_project_without_a_total_are_not_taken_for_the_total():
    text = TITLE + ("项目名称 预算数 执行数 执行率\n道路养护 60 54 90%\n桥梁维修 40 20 50%\n年度总体目标\n")
    rec = record(text)
    assert rec["provenance"].get("allocated_wan", {}).get("source") != "form"
    assert rec["provenance"].get("execution_rate_pct", {}).get("source") != "form"


@pytest.mark.parametrize("text", [
    "年初预算数调整后预算数实际执行数分值执行率得分资金总额:" + "9" * 60,
    "全年预算数 全年执行数 执行率 " + "1.2.3.4.5.6.7.8.9 " * 20,
    "全年预算数|全年执行数|执行率|" + "||||%%%" * 30,
    "自评总分(分) 一级指标 分值 得分 产出指标(50分) " + "100 100 " * 50 + "总分",
    "年初预算数实际执行数执行率执行率分值执行率得分资金总额" + ".O.I.l" * 20,
])
def test_hostile_runs_neither_raise_nor_invent_amounts(text):
    rec = empty_record()
    form.extract(text_to_document(text, "h.txt"), rec)
    assert rec["allocated_wan"] is None or rec["allocated_wan"] >= 0
