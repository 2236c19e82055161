"""Where an amount is stated in several places, one ranking of evidence decides (pipeline/record/funds.py)
and the provenance says which evidence won; breakdowns and notices feed the sum and restatement rules.
Invented texts only."""
from __future__ import annotations

import pytest

from extractors.txt import text_to_document
from pipeline import rules
from pipeline.record import build_record
from tests.rulecase import fired, record as rule_record

HEAD = "某某县2022年度乡村道路养护补助资金绩效自评报告\n"


def record(body: str, head: str = HEAD) -> dict:
    return build_record(text_to_document(head + body, "case.txt"))


CASES = [
    ("the final amount after a cut wins over the first allocation",
     "一、基本情况\n道路养护补助资金下达我县150万元，其中省级120万元，市级30万元，调减25万元，全年实际下达125万元。\n",
     "allocated_wan", 125.0),
    ("a stated total wins over the first item of a list",
     "一、基本情况\n2022年度，下达桥梁维修项目60万元；路面修补项目35.5万元；共计下达养护资金95.5万元。\n",
     "allocated_wan", 95.5),
    ("a year between the label and the amount is not another figure",
     "一、基本情况\n县财政局下达某某镇2022年乡村道路养护补助资金480万元。\n", "allocated_wan", 480.0),
    ("the allocation of the title's fund wins among several notices",
     "一、基本情况\n下达某某镇2022年其他配套资金64万元。下达某某镇2022年乡村道路养护补助资金480万元。\n",
     "allocated_wan", 480.0),
    ("a statement of the year's fund when no label names the amount",
     "一、基本情况\n2022年省、市乡村道路养护补助资金860万元，已全部及时下达各乡镇。\n", "allocated_wan", 860.0),
    ("amounts split by year: the year evaluated wins, even over another year's total",
     "一、基本情况\n2021年共下达养护补助资金80万元；2022年下达养护补助资金50万元。\n", "allocated_wan", 50.0),
    ("a cut-off date later than the year evaluated is not another year",
     "一、基本情况\n下达养护补助资金50万元，截至2023年3月31日，实际支出48.5万元。\n", "spent_wan", 48.5),
    ("the budget the stated rate divides by wins (全年 over 年初)",
     "一、基本情况\n年初预算数为50万元，全年预算数为60万元，全年执行数为58万元，执行率为96.67%。\n", "allocated_wan", 60.0),
    ("what is left over is not the budget",
     "一、基本情况\n项目预算资金未使用完的原因是剩余0.52万元为质保金。项目下达预算300万元。\n", "allocated_wan", 300.0),
    ("an amount under a 资金到位 lead-in is the received amount",
     "一、基本情况\n1、资金到位情况。\n县财政局下达我局养护经费50.00万元。\n2、资金使用情况。\n项目资金共50万元，已完成拨付42.5万元。\n",
     "received_wan", 50.0),
    ("under a 资金使用 lead-in only an amount with a spending verb is spent",
     "一、基本情况\n1、资金到位情况。\n县财政局下达我局养护经费50.00万元。\n2、资金使用情况。\n项目资金共50万元，已完成拨付42.5万元。\n",
     "spent_wan", 42.5),
    ("转移支付 is a kind of fund, not a payment",
     "一、基本情况\n下达中央转移支付养护项目40万元。\n", "spent_wan", None),
    ("a line of the budget by economic kind is not the spending",
     "一、基本情况\n资金统筹使用，人员经费120.1万元，公用支出79.9万元。\n", "spent_wan", None),
]


@pytest.mark.parametrize("title,body,field,want", CASES, ids=[c[0] for c in CASES])
def test_amount_ranking(title, body, field, want):
    got = record(body)[field]
    assert got == (pytest.approx(want) if want is not None else None), title


def test_provenance_names_the_winning_evidence():
    rec = record(CASES[0][1])
    assert rec["provenance"]["allocated_wan"]["via"] == "label+final"
    rec = record(CASES[4][1])
    assert rec["provenance"]["allocated_wan"]["via"] == "year_fund"


def ids(rec: dict) -> set[str]:
    return {f["rule_id"] for f in rules.run(rec)}


def test_a_breakdown_that_does_not_add_up_fires_sum_mismatch():
    rec = record("一、基本情况\n下达某某县2022年乡村道路养护补助资金500万元。其中：桥梁维修300万元，路面修补190万元。\n")
    assert "funds.sum_mismatch" in ids(rec)


def test_a_breakdown_that_adds_up_is_silent_even_with_a_later_cut():
    rec = record("一、基本情况\n养护资金下达我县150万元，其中省级120万元，市级30万元，调减25万元，全年实际下达125万元。\n")
    assert "funds.sum_mismatch" not in ids(rec)


def test_a_breakdown_naming_only_some_parts_is_silent():
    rec = record("一、基本情况\n下达某某县2022年乡村道路养护补助资金500万元，其中：桥梁维修300万元，路面修补150万元等，其余用于日常养护。\n")
    assert "funds.sum_mismatch" not in ids(rec)


def test_a_breakdown_far_short_of_its_total_names_only_some_parts():
    rec = record("一、基本情况\n全年支出资金480万元，其中：道路修补200万元，桥梁维护100万元。\n")
    assert "funds.sum_mismatch" not in ids(rec)


def test_one_notice_stated_with_two_amounts_is_a_restated_mismatch():
    rec = record("一、基本情况\n某财建〔2022〕17号文件下达我县养护资金8万元。\n"
                 "二、资金情况\n某财建〔2022〕17号文件下达我县养护资金9万元。\n")
    assert "number.restated_mismatch" in ids(rec)


def test_two_notices_with_their_own_amounts_are_not_a_restatement():
    rec = record("一、基本情况\n某财建〔2022〕17号文件下达我县养护资金8万元。某财建〔2022〕30号文件下达我县养护资金9万元。\n"
                 "二、资金情况\n某财建〔2022〕17号文件下达我县养护资金8万元。\n")
    assert "number.restated_mismatch" not in ids(rec)


@pytest.mark.parametrize("title,rec,expected", [
    ("99 % for 99.9 % spent: rounding would claim full execution, so cutting below 100 is silent",
     rule_record(allocated_wan=800, spent_wan=799.3, execution_rate_pct=99.0), {}),
    ("a truncation that stays below 100 either way is still info",
     rule_record(allocated_wan=53, spent_wan=47, execution_rate_pct=88.67), {"funds.execution_rate_mismatch": "info"}),
], ids=lambda v: str(v)[:40])
def test_rate_cut_below_full_execution(title, rec, expected):
    assert fired("funds", rec) == expected, title
