"""text.offtopic_boilerplate (pipeline/rules/text.py): a passage naming a programme the rest of the report never
talks about fires; the report's own programme, cited policy titles and everyday administrative words do not."""
from __future__ import annotations

import pytest

from tests.rulecase import findings, record

TITLE = "某区国有企业退休人员社会化管理专项补助资金绩效自评报告"
BODY = [
    "我单位2023年国有企业退休人员社会化管理专项补助资金主要用于接收辖区国有企业退休人员，做好移交后的社会化管理服务工作。",
    "全年接收国有企业退休人员412人，社会化管理工作覆盖9个社区，为退休人员提供活动场所和走访慰问等服务。",
    "国有企业退休人员社会化管理专项补助资金严格按照规定用途使用，专款专用，退休人员满意度超过80%。",
]
OFF = ("我单位组建了绩效工作领导小组，明确职责分工，明确创建全省民族团结进步示范街道专项资金使用范围，"
       "坚持厉行节约，有效发挥铸牢中华民族共同体意识开展民族团结进步示范创建工作专项资金的最大效能。")


def story(*paras, section="主要经验及做法", kind="paragraph"):
    return [{"text": p, "page": 4, "start": 0, "section": section, "kind": kind} for p in paras]


R = "text.offtopic_boilerplate"
CASES = [
    ("a passage about another programme's fund fires", story(*BODY, OFF), True),
    ("the report's own programme, named in full: silent", story(*BODY), False),
    ("the other programme is the report's topic throughout: silent",
     story(*BODY, OFF, "民族团结进步示范创建工作成效明显，铸牢中华民族共同体意识深入人心，共同体建设持续推进。",
           "民族团结进步示范街道创建任务全面完成，中华民族共同体意识不断增强。"), False),
    ("a cited policy title in 《》 is not a passage about that programme",
     story(*BODY, "依照《中央财政衔接推进乡村振兴补助资金管理办法》规定的程序，对本项目资金的分配和使用进行了审核。"), False),
    ("the basis section may cite other programmes", story(*BODY) + story(OFF, section="（二）评价依据"), False),
    ("an action on funds (责令退回违规支出资金) is not a programme",
     story(*BODY, "建议财政部门加强监督检查，对发现的问题责令限期整改并退回违规支出资金，确保资金安全。"), False),
    ("a heading is never judged", story(*BODY) + story(OFF, kind="heading"), False),
    ("a short passage is too little to judge", story(*BODY, "开展民族团结进步示范创建工作专项资金。"), False),
]


@pytest.mark.parametrize("title,narrative,fires", CASES, ids=[c[0] for c in CASES])
def test_offtopic(title, narrative, fires):
    got = findings("text", record(title=TITLE, programme="国有企业退休人员社会化管理专项补助资金", narrative=narrative))
    assert bool([f for f in got if f["rule_id"] == R]) is fires, title


def test_offtopic_evidence_is_the_passage():
    f = findings("text", record(title=TITLE, narrative=story(*BODY, OFF)))[0]
    assert f["evidence"].startswith("我单位组建了绩效工作领导小组") and "民族团结" in f["actual"] and f["page"] == 4


def test_offtopic_works_without_a_title():
    got = findings("text", record(title=None, narrative=story(*BODY, OFF)))
    assert [f["rule_id"] for f in got] == [R]


HOME = dict(province="江苏省", city="南通市", county="启东市")
OTHER_PLACE = "三河市医疗保障局围绕城乡医疗救助资金，统筹安排项目资金，重点支持困难群众医疗救助，组织各乡镇完成年度任务。"
PLACE_CASES = [
    ("a passage about a fund in another county fires", story(*BODY, OTHER_PLACE), HOME, True),
    ("the same county named in the passage: silent",
     story(*BODY, OTHER_PLACE.replace("三河市", "启东市")), HOME, False),
    ("a county the report names elsewhere too (a real neighbour): silent",
     story(*BODY, OTHER_PLACE, "本项目与三河市开展了经验交流，借鉴其救助资金管理做法。"), HOME, False),
    ("a city-level report naming one of its own counties: silent",
     story(*BODY, OTHER_PLACE.replace("三河市", "海门区")), dict(province="江苏省", city="南通市", county=None), False),
    ("a county name read out of the report's own longer place name (港南区 in 香港南区): silent",
     story(*BODY, OTHER_PLACE.replace("三河市", "香港南区")), dict(province="香港特别行政区", city=None, county="南区"), False),
    ("a passage without funds or a project is not judged",
     story(*BODY, "三河市的退休人员代表参加了座谈，介绍了当地社区开展文体活动和走访慰问的做法和体会。"), HOME, False),
]


@pytest.mark.parametrize("title,narrative,where,fires", PLACE_CASES, ids=[c[0] for c in PLACE_CASES])
def test_offtopic_passage_about_another_county(title, narrative, where, fires):
    got = findings("text", record(title=TITLE, programme="国有企业退休人员社会化管理专项补助资金", narrative=narrative, **where))
    assert bool([f for f in got if f["rule_id"] == R]) is fires, title
