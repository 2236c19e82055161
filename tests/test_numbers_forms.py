"""Number forms (pipeline/record/numbers.py, pipeline/vocab.py NUM): amounts in 元 with thousands
separators, 亿元, capital numerals, percentages in words and as ratios — as parsers and inside a
report's sentences. Invented figures only."""
from __future__ import annotations

import re

import pytest

from extractors.txt import text_to_document
from pipeline.record import build_record
from pipeline.record.numbers import parse_amount, parse_number, parse_percent, parse_rate
from pipeline.vocab import NUM


@pytest.mark.parametrize("text,wan", [
    ("36,520,418.70元", 3652.041870),
    ("3,650.5万元", 3650.5),
    ("2.35亿元", 23500.0),
    ("4亿", 40000.0),
    ("612万", 612.0),
    ("柒拾伍万元", 75.0),            # capital numerals (大写)
    ("壹佰零伍万元", 105.0),
    ("叁仟肆佰元伍角", 0.34005),      # 元 and 角
    ("二十六万元", 26.0),
    ("零点五万元", 0.5),             # jionlp refuses it; cn2an reads the numeral
    ("18元", 0.0018),
])
def test_amounts_in_every_form_become_wan(text, wan):
    assert parse_amount(text) == pytest.approx(wan)


def test_a_group_of_three_does_not_run_on_into_more_digits():
    assert re.fullmatch(NUM, "12,345,678.90")
    assert re.match(NUM, "12,3456").group(0) == "12"       # not 12,345 followed by a stray 6
    assert re.match(NUM, "2021,2022").group(0) == "2021"    # two years, not one number


def test_capital_numerals_read_as_plain_numbers():
    assert parse_number("壹佰贰拾") == 120
    assert parse_number("十六") == 16


@pytest.mark.parametrize("text,pct,nd", [
    ("百分之六十五", 65.0, 0),
    ("百分之九十二点五", 92.5, 1),
    ("87.25%", 87.25, 2),
    ("0.85", 85.0, 0),          # a ratio: 0.85 of the budget is 85 %
    ("0.9734", 97.34, 2),
    ("1.00", 100.0, 0),
    ("1", None, 0),             # 1 % or 100 %? not guessed
])
def test_rates_in_words_and_as_ratios(text, pct, nd):
    v, d = parse_rate(text)
    assert (v if v is None else pytest.approx(v)) == (pct if pct is None else pytest.approx(pct))
    assert d == nd


def test_parse_percent_reads_words():
    assert parse_percent("百分之七十五") == 75.0


HEAD = "某某县2022年度乡村道路养护补助资金绩效自评报告\n一、基本情况\n"


def record(body: str) -> dict:
    return build_record(text_to_document(HEAD + body, "case.txt"))


@pytest.mark.parametrize("body,field,want", [
    ("县财政下达养护补助资金柒拾伍万元，实际支出柒拾万元。", "allocated_wan", 75.0),
    ("县财政下达养护补助资金柒拾伍万元，实际支出柒拾万元。", "spent_wan", 70.0),
    ("项目下达资金36,520,418.70元，实际支出30,112,000.00元。", "allocated_wan", 3652.04187),
    ("项目预算安排2.35亿元，实际支出2.1亿元。", "allocated_wan", 23500.0),
    ("全年执行数41.2万元，执行率为百分之八十。", "execution_rate_pct", 80.0),
    ("全年执行数41.2万元，执行率为百分之八十。", "spent_wan", 41.2),
    ("实际支出41.2万元，预算执行率为0.96，资金到位率1.00。", "execution_rate_pct", 96.0),   # a ratio
    ("实际支出41.2万元，预算执行率为0.96，资金到位率1.00。", "arrival_rate_pct", 100.0),
    ("按年初预算下达补助每人1200元/年，下达资金96万元。", "allocated_wan", 96.0),
    ("评价指标总分值为100分。对照目标开展绩效评分92分。", "total_score", 92.0),   # 总分值 is the maximum   # a per-person standard is no amount
])
def test_number_forms_in_sentences(body, field, want):
    assert record(body)[field] == pytest.approx(want)
