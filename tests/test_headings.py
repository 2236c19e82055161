"""One vocabulary of headings: the outline parts (sections.py), the items under them (problems.py)
and meta.missing_section read the same lists (pipeline/vocab.py), so they cannot disagree.
Texts are invented."""
from __future__ import annotations

import pytest

from extractors.txt import text_to_document
from pipeline import rules, vocab
from pipeline.record import build_record
from pipeline.record import problems, sections

REPORT = """某某县2023年度农村人居环境整治资金绩效评价报告
一、基本情况
本项目年度预算安排资金120万元，实际支出111万元。
二、评价结论
经评价，综合得分88分，评价等级为良。
三、存在的问题
（一）部分村庄保洁经费拨付滞后，影响日常保洁。
（二）项目档案资料不完整，部分验收记录缺失。
四、{advice}
（一）加快经费拨付，按季度足额拨付到村。
（二）完善档案管理，建立项目验收台账。
"""


@pytest.mark.parametrize("advice", ["对策", "改进措施", "意见和建议", "相关建议"])
def test_an_advice_heading_gives_items_and_no_missing_section(advice):
    rec = build_record(text_to_document(REPORT.format(advice=advice), "r.txt"))
    assert len(rec["recommendations"]) == 2
    assert rec["sections"]["建议"] is True
    missing = [f for f in rules.run(rec) if f["rule_id"] == "meta.missing_section"]
    assert not missing, missing


def test_sections_and_items_read_the_vocabulary():
    assert sections.SECTIONS is vocab.SECTION_HEADINGS
    for word in vocab.ADVICE_HEADINGS:
        assert problems.ADVICE_HEAD.search(word)
    from pipeline.rules.meta import MissingSection
    assert set(MissingSection.required) == set(vocab.SECTION_HEADINGS)


@pytest.mark.parametrize("heading", ["三、存在的主要问题", "（三）问题及原因分析", "三、问题", "五、问题和建议", "不足之处"])
def test_problem_headings_count_for_both_sections_and_items(heading):
    import re
    assert re.search(vocab.SECTION_HEADINGS["存在问题"], heading)
    assert problems.PROBLEM_HEAD.search(heading)
