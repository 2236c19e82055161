"""Lines → blocks for the line-based extractors (PDF text, pasted text): which numbered lines are
headings, and how lines a PDF broke at the margin join back into paragraphs."""
from __future__ import annotations

from extractors.model import HEADING, PARAGRAPH
from extractors.structure import lines_to_blocks

BODY = "评价组按照评分标准逐项打分，对扣分事项均注明了扣分理由和依据，并与项目单位"   # a full line (40 chars)


def _blocks(lines):
    return [(b.kind, b.level, b.text) for b in lines_to_blocks([(t, 1) for t in lines])]


def test_numbered_item_wrapped_at_the_margin_is_a_paragraph_not_a_heading():
    """"一、…。…" running to the margin is a problem item whose sentence goes on, on the next line."""
    got = _blocks([BODY, BODY, "第五部分存在的主要问题",
                   "一、满意度调查覆盖面偏窄。调查样本集中在少数乡镇，未能全面反映服务对象的真实评", "价。",
                   "二、内部管理制度执行不到位。已制定的管理办法在审核、复核等环节执行不严，个别", "环节流于形式。"])
    assert got[-3:] == [
        (HEADING, 1, "第五部分存在的主要问题"),
        (PARAGRAPH, None, "一、满意度调查覆盖面偏窄。调查样本集中在少数乡镇，未能全面反映服务对象的真实评价。"),
        (PARAGRAPH, None, "二、内部管理制度执行不到位。已制定的管理办法在审核、复核等环节执行不严，个别环节流于形式。")]


def test_short_numbered_lines_stay_headings():
    got = _blocks([BODY, BODY, "一、项目基本情况", "（二）组织实施（3分）", "1.项目资金落实情况", BODY + "。"])
    assert got[1:4] == [(HEADING, 1, "一、项目基本情况"), (HEADING, 2, "（二）组织实施（3分）"),
                        (HEADING, 3, "1.项目资金落实情况")]


def test_a_full_width_heading_without_a_sentence_end_stays_a_heading():
    title = "一、城乡低保对象动态管理专项补助资金项目基本情况及绩效目标设定情况概述"
    got = _blocks([BODY, BODY, title, BODY + "。"])
    assert got[1] == (HEADING, 1, title)
