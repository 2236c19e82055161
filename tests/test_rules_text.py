"""text.offtopic_boilerplate (pipeline/rules/text.py): a passage naming a programme the rest of the report never
talks about fires; the report's own programme, cited policy titles and everyday administrative words do not."""
from __future__ import annotations

import pytest

from tests.rulecase import findings, record

TITLE = "某县城乡居民基本养老保险经办服务补助资金绩效自评报告"
PROGRAMME = "城乡居民基本养老保险经办服务补助资金"
BODY = [
    "本局2022年城乡居民基本养老保险经办服务补助资金主要用于乡镇社保所的参保登记、待遇核定和资格认证等经办服务。",
    "全年新增城乡居民养老保险参保人员2760人，经办服务网点延伸到37个行政村，为参保居民提供上门办理和政策宣讲。",
    "城乡居民基本养老保险经办服务补助资金按照规定用途使用，单独核算，参保居民对经办服务的满意度达到91%。",
]
OFF = ("本局成立了项目实施工作专班，压实各方责任，明确创建国家森林城市专项资金支出方向，"
       "坚持勤俭办事，充分发挥湿地生态修复与珍稀候鸟栖息地保护专项资金的综合效益。")


def story(*paras, section="主要经验及做法", kind="paragraph"):
    return [{"text": p, "page": 4, "start": 0, "section": section, "kind": kind} for p in paras]


R = "text.offtopic_boilerplate"
CASES = [
    ("a passage about another programme's fund fires", story(*BODY, OFF), True),
    ("the report's own programme, named in full: silent", story(*BODY), False),
    ("the other programme is the report's topic throughout: silent",
     story(*BODY, OFF, "湿地生态修复成效明显，珍稀候鸟栖息地面积持续扩大，森林城市创建稳步推进。",
           "候鸟栖息地保护任务全面完成，湿地生态修复和森林城市建设不断深化。"), False),
    ("a cited policy title in 《》 is not a passage about that programme",
     story(*BODY, "依照《省级湿地生态修复与珍稀候鸟栖息地保护专项资金管理办法》规定的程序，对本项目资金的分配和使用进行了审核。"), False),
    ("the basis section may cite other programmes", story(*BODY) + story(OFF, section="（二）评价依据"), False),
    ("an action on funds (收回违规支出资金) is not a programme",
     story(*BODY, "建议主管部门强化日常核查，发现挪用问题时责成有关单位按期纠正并收回违规支出资金，维护资金安全运行。"), False),
    ("a heading is never judged", story(*BODY) + story(OFF, kind="heading"), False),
    ("a short passage is too little to judge", story(*BODY, "湿地生态修复与珍稀候鸟栖息地保护专项资金。"), False),
]


@pytest.mark.parametrize("title,narrative,fires", CASES, ids=[c[0] for c in CASES])
def test_offtopic(title, narrative, fires):
    got = findings("text", record(title=TITLE, programme=PROGRAMME, narrative=narrative))
    assert bool([f for f in got if f["rule_id"] == R]) is fires, title


def test_offtopic_evidence_is_the_passage():
    f = findings("text", record(title=TITLE, narrative=story(*BODY, OFF)))[0]
    assert f["evidence"].startswith("本局成立了项目实施工作专班") and "候鸟" in f["actual"] and f["page"] == 4


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
     story(*BODY, "三河市的参保居民代表参加了座谈，介绍了当地村组开展政策宣讲和上门服务的做法和体会。"), HOME, False),
]


@pytest.mark.parametrize("title,narrative,where,fires", PLACE_CASES, ids=[c[0] for c in PLACE_CASES])
def test_offtopic_passage_about_another_county(title, narrative, where, fires):
    got = findings("text", record(title=TITLE, programme=PROGRAMME, narrative=narrative, **where))
    assert bool([f for f in got if f["rule_id"] == R]) is fires, title
