"""Score-table rules (pipeline/rules/score.py): each case names what it proves; near misses must stay silent."""
from __future__ import annotations

import pytest

from tests.rulecase import fired, ind, record

L1_OK = [ind(1, "决策", 20, 18.47, 92.35), ind(1, "过程", 20, 9.12, 45.6), ind(1, "产出", 30, 23, 76.67),
         ind(1, "效益", 30, 21, 70.0)]  # 71.59 in all

CASES = [
    # score.total_mismatch
    ("total equals level-1 sum: silent", record(total_score=71.59, indicators=L1_OK), {}),
    ("total off by 1 point fires", record(total_score=72.59, indicators=L1_OK), {"score.total_mismatch": "error"}),
    ("total within rounding of 2-decimal parts: silent",
     record(total_score=71.6, indicators=L1_OK[:3] + [ind(1, "效益", 30, 21.005)]), {}),
    ("level-1 weights not 100 (row missing): total not judged",
     record(total_score=90, indicators=L1_OK[:3]), {}),
    ("narrative copies of indicators are ignored when a table exists",
     record(total_score=71.59, indicators=L1_OK + [dict(ind(1, "决策", 20, 10), source="narrative")]), {}),
    # score.child_sum_mismatch
    ("children add up to parent: silent",
     record(indicators=[ind(1, "决策", 20, 19, parent=None), ind(2, "项目立项", 8, 8, parent="决策"),
                        ind(2, "绩效目标", 12, 11, parent="决策")]), {}),
    ("children scores do not add up fires",
     record(indicators=[ind(1, "决策", 20, 19), ind(2, "项目立项", 8, 8, parent="决策"),
                        ind(2, "绩效目标", 12, 10, parent="决策")]), {"score.child_sum_mismatch": "error"}),
    ("children weights short of the parent are not judged (a missed row looks the same; nor are their scores)",
     record(indicators=[ind(1, "决策", 20, 19), ind(2, "项目立项", 8, 8, parent="决策"),
                        ind(2, "绩效目标", 10, 10, parent="决策")]), {}),
    ("children weights above the parent are an error",
     record(indicators=[ind(1, "决策", 20, 19), ind(2, "项目立项", 12, 8, parent="决策"),
                        ind(2, "绩效目标", 12, 11, parent="决策")]), {"score.child_sum_mismatch": "error"}),
    ("single child is not a sum: silent",
     record(indicators=[ind(1, "决策", 20, 19), ind(2, "项目立项", 8, 8, parent="决策")]), {}),
    # score.rate_mismatch
    ("rate equals score/weight rounded: silent", record(indicators=[ind(2, "资金到位率", 7, 5, 71.43)]), {}),
    ("rate that is a truncation (71.42 for 71.428…) is info only",
     record(indicators=[ind(2, "资金到位率", 7, 5, 71.42)]), {"score.rate_mismatch": "info"}),
    ("88.67 for 47/53 = 88.679… is truncation: info only",
     record(indicators=[ind(1, "产出", 53, 47, 88.67)]), {"score.rate_mismatch": "info"}),
    ("rate stated with one decimal agrees at one decimal: silent",
     record(indicators=[ind(2, "资金到位率", 7, 5, 71.4)]), {}),
    ("rate from a rounded score (11.33 of 11.333…) agrees: silent",
     record(indicators=[ind(2, "过程", 20, 11.33, 56.67)]), {}),
    ("wrong rate fires", record(indicators=[ind(2, "资金到位率", 7, 5, 81.43)]), {"score.rate_mismatch": "warning"}),
    ("rate without weight is not judged", record(indicators=[ind(2, "资金到位率", None, 5, 81.43)]), {}),
    # score.over_weight
    ("score above weight fires", record(indicators=[ind(3, "制度执行", 4, 4.5)]), {"score.over_weight": "error"}),
    ("negative score fires", record(indicators=[ind(3, "制度执行", 4, -1)]), {"score.over_weight": "error"}),
    ("score equal to weight: silent", record(indicators=[ind(3, "制度执行", 4, 4)]), {}),
    # weight.total_not_100
    ("level-1 weights 20+20+30+25 fire", record(indicators=L1_OK[:3] + [ind(1, "效益", 25, 22)]),
     {"weight.total_not_100": "warning"}),
    ("only two level-1 rows read: not judged", record(indicators=L1_OK[:2]), {}),
    ("three rows short of 100 may be a missed row: silent", record(indicators=L1_OK[:3]), {}),
    ("three rows above 100 fire (no missing row explains an excess)",
     record(indicators=L1_OK[:2] + [ind(1, "产出", 70, 60)]), {"weight.total_not_100": "warning"}),
    # grade.band_mismatch
    ("良 with 83.65 is right", record(total_score=83.65, grade="良"), {}),
    ("优秀 spelled out with 94.5 is right", record(total_score=94.5, grade="优秀"), {}),
    ("boundary 90 may be 良 or 优", record(total_score=90.0, grade="良"), {}),
    ("boundary 80 may be 中", record(total_score=80.0, grade="中"), {}),
    ("优 with 83.65 fires", record(total_score=83.65, grade="优"), {"grade.band_mismatch": "error"}),
    ("差 with 71.59 fires", record(total_score=71.59, grade="差"), {"grade.band_mismatch": "error"}),
    # number.restated_mismatch
    ("total 97.00 and 97 agree", record(statements=[
        {"quantity": "total_score", "value": 97.0, "text": "97.00分", "evidence": "自评分97.00分"},
        {"quantity": "total_score", "value": 97.0, "text": "97分", "evidence": "得分97分"}]), {}),
    ("total 71.59 and 71.6 agree (rounding)", record(statements=[
        {"quantity": "total_score", "value": 71.59, "text": "71.59", "evidence": "a"},
        {"quantity": "total_score", "value": 71.6, "text": "71.6", "evidence": "b"}]), {}),
    ("total 83.65 and 84.65 fire", record(statements=[
        {"quantity": "total_score", "value": 83.65, "text": "83.65分", "evidence": "a"},
        {"quantity": "total_score", "value": 84.65, "text": "84.65分", "evidence": "b"}]),
     {"number.restated_mismatch": "warning"}),
    ("grade 优秀 and 优 agree", record(statements=[
        {"quantity": "grade", "value": "优秀", "evidence": "a"}, {"quantity": "grade", "value": "优", "evidence": "b"}]), {}),
    ("grade 良 and 优 fire", record(statements=[
        {"quantity": "grade", "value": "良", "evidence": "a"}, {"quantity": "grade", "value": "优", "evidence": "b"}]),
     {"number.restated_mismatch": "warning"}),
    ("amount 64,153元 and 6.4153万元 agree", record(statements=[
        {"quantity": "spent_wan", "value": 6.4153, "text": "64,153元", "evidence": "a"},
        {"quantity": "spent_wan", "value": 6.42, "text": "6.42万元", "evidence": "b"}]), {}),
    ("amount 27.48 and 27.84 万元 fire", record(statements=[
        {"quantity": "allocated_wan", "value": 27.48, "text": "27.48万元", "evidence": "a"},
        {"quantity": "allocated_wan", "value": 27.84, "text": "27.84万元", "evidence": "b"}]),
     {"number.restated_mismatch": "warning"}),
    # score.full_marks_despite_problem
    ("full marks on 绩效目标合理性 while problems say 绩效目标设置不合理 fires",
     record(indicators=[ind(3, "绩效目标合理性", 3, 3, parent="绩效目标")],
            problems=[{"seq": 1, "text": "绩效目标设置不合理，年度任务分解不细", "page": 9}]),
     {"score.full_marks_despite_problem": "warning"}),
    ("full marks on 制度执行有效性 while 内控制度不健全 fires",
     record(indicators=[ind(3, "制度执行有效性", 4, 4)],
            problems=[{"seq": 1, "text": "内控制度不健全，执行流于形式", "page": 9}]),
     {"score.full_marks_despite_problem": "warning"}),
    ("deducted indicator with matching problem: silent",
     record(indicators=[ind(3, "绩效目标合理性", 3, 2)],
            problems=[{"seq": 1, "text": "绩效目标设置不合理", "page": 9}]), {}),
    ("full marks but problem about another area: silent",
     record(indicators=[ind(3, "资金到位率", 3, 3), ind(3, "政策宣传", 2, 2)],
            problems=[{"seq": 1, "text": "绩效目标设置不合理", "page": 9}]), {}),
    ("generic words shared (管理, 项目) are not a match",
     record(indicators=[ind(3, "项目管理规范性", 3, 3)],
            problems=[{"seq": 1, "text": "项目档案管理不规范", "page": 9}]), {}),
    ("a term that is the object, not the subject, of the shortcoming is not a match",
     record(indicators=[ind(3, "政策宣传", 2, 2)],
            problems=[{"seq": 1, "text": "申报的绩效目标不能体现政策宣传的产出与成效", "page": 9}]), {}),
    ("the same term as the subject of the shortcoming fires",
     record(indicators=[ind(3, "政策宣传", 2, 2)],
            problems=[{"seq": 1, "text": "政策宣传的覆盖面不能满足群众需求", "page": 9}]),
     {"score.full_marks_despite_problem": "warning"}),
    ("政策宣传 full marks while 政策宣传力度不足 fires",
     record(indicators=[ind(3, "政策宣传", 2, 2)], problems=[{"seq": 1, "text": "政策宣传力度不足", "page": 9}]),
     {"score.full_marks_despite_problem": "warning"}),
    ("full marks on the area 资金管理 while 资金拨付进度偏慢 fires",
     record(indicators=[ind(2, "资金管理", 10, 10)],
            problems=[{"seq": 1, "text": "资金拨付进度偏慢，影响资金使用效率", "page": 9}]),
     {"score.full_marks_despite_problem": "warning"}),
    ("full marks on 组织实施 while 档案资料管理不规范 fires",
     record(indicators=[ind(2, "组织实施", 8, 8)],
            problems=[{"seq": 1, "text": "项目档案资料管理不规范，部分佐证材料缺失", "page": 9}]),
     {"score.full_marks_despite_problem": "warning"}),
    ("an area's term named without a shortcoming is silent",
     record(indicators=[ind(2, "资金管理", 10, 10)],
            problems=[{"seq": 1, "text": "资金拨付及时，但绩效目标设置不够细化", "page": 9}]), {}),
    ("another area's shortcoming under full marks on 资金管理 is silent",
     record(indicators=[ind(2, "资金管理", 10, 10), ind(2, "产出时效", 5, 5)],
            problems=[{"seq": 1, "text": "项目前期论证不够充分", "page": 9}]), {}),
    ("level-1 full marks are not judged",
     record(indicators=[ind(1, "绩效目标", 20, 20)], problems=[{"seq": 1, "text": "绩效目标设置不合理", "page": 9}]), {}),
]


@pytest.mark.parametrize("title,rec,expected", CASES, ids=[c[0] for c in CASES])
def test_score_rules(title, rec, expected):
    assert fired("score", rec) == expected, title


def test_messages_name_the_numbers():
    from tests.rulecase import findings
    f = findings("score", record(total_score=72.59, indicators=L1_OK))[0]
    assert f["expected"] == "71.59" and f["actual"] == "72.59" and "71.59" in f["message"]


RESTATED = [
    ("a 'total' of 4 is a misread, not a restatement", [("total_score", 87.46, "87.46分"), ("total_score", 4.0, "4")], {}),
    ("a scoring criterion (执行率低于100%的按比例扣分) is not a statement of the rate",
     [("execution_rate_pct", 96.2, "96.20%"), ("execution_rate_pct", 100.0, "执行率低于100%的按比例扣分")], {}),
    ("the majority value is the reference", [("total_score", 87.46, "87.46"), ("total_score", 87.64, "87.64"),
                                             ("total_score", 87.46, "87.46分")], {"number.restated_mismatch": "87.46"}),
]


@pytest.mark.parametrize("title,sts,expected", RESTATED, ids=[c[0] for c in RESTATED])
def test_restated_reference(title, sts, expected):
    from tests.rulecase import findings
    rec = record(statements=[{"quantity": q, "value": v, "text": t, "evidence": t} for q, v, t in sts])
    assert {f["rule_id"]: f["expected"] for f in findings("score", rec)} == expected, title
