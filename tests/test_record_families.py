"""Field families on small texts of our own: each case is one way reports write a value, and says
what the record must hold. Everything goes through the real txt extractor and build_record."""
from __future__ import annotations

import pytest

from extractors.txt import text_to_document
from pipeline.record import build_record

HEAD = "某某县2023年农村饮水安全补助资金项目绩效评价报告\n一、基本情况\n"


def record(body: str) -> dict:
    return build_record(text_to_document(HEAD + body, "case.txt"))


@pytest.mark.parametrize("body,field,want", [
    ("项目下达资金1,253,600.00元，实际支出1,003,000.00元。", "allocated_wan", 125.36),
    ("项目下达资金1,253,600.00元，实际支出1,003,000.00元。", "spent_wan", 100.3),
    ("全年下达资金1.35亿元，资金1.35亿元全部到位。", "received_wan", 13500.0),
    ("下达省级财政补助资金2.00万元，中央财政补助资金6.50万元，已全部拨付。", "allocated_wan", 8.5),
    ("预算执行率（C/B）3.46/3.46*100%=100%。", "execution_rate_pct", 100.0),
    ("预算执行率=实际支出/实际到位×100%，按比例得分。", "execution_rate_pct", None),
    ("资金到位率为34.58%，预算执行率达到96.2%。", "arrival_rate_pct", 34.58),
    ("截至年底，项目惠及4,215人，其中新增就业436人。", "beneficiaries", 4215),
    ("全年共救助困难群众二千三百人。", "beneficiaries", 2300),
    ("服务辖区参保居民超过1380人，覆盖14个行政村。", "beneficiaries", 1380),
    ("发放问卷180份，收回有效问卷172份，满意度为93.60%。", "survey_respondents", 172),
    ("满意度目标≥90%。发放问卷180份，服务对象满意度为93.60%。", "satisfaction_pct", 93.6),
    ("评价机构：某某衡信会计师事务所有限公司\n", "evaluator", "某某衡信会计师事务所有限公司"),
    ("项目资金总额为1,500,000元，截至年底已支付1,183,700元。", "spent_wan", 118.37),
    ("经评价，该项目综合评分为85.6分，评价结论为“良好”。", "grade", "良"),
    ("评价结论：项目总体实施较好，其中资金管理规范。", "grade", None),
], ids=lambda v: str(v)[:18])
def test_number_forms(body, field, want):
    assert record(body)[field] == (pytest.approx(want) if isinstance(want, float) else want)


def test_misread_labelled_firm_gives_way_to_its_whole_spelling():
    """OCR dropped a bracket in the signature line: the firm as the report spells it elsewhere wins."""
    rec = record("受县财政局委托，某某（吉林）会计师事务所（特殊普通合伙）对该项目开展评价。\n"
                 "某某（吉林）会计师事务所（特殊普通合伙）组成评价组。\n"
                 "评价机构：某某吉林）会计师事务所（特殊普通合伙）\n")
    assert rec["evaluator"] == "某某（吉林）会计师事务所（特殊普通合伙）"


def test_firm_named_most_but_misread_gives_way_to_a_whole_spelling():
    rec = record("受县财政局委托，某某（吉林）会计师事务所（特殊普通合伙）对该项目开展评价。\n"
                 "某某吉林）会计师事务所（特殊普通合伙）组成评价组。\n"
                 "某某吉林）会计师事务所（特殊普通合伙）出具本报告。\n")
    assert rec["evaluator"] == "某某（吉林）会计师事务所（特殊普通合伙）"


def test_region_from_county_alone():
    """Only the county is named: province and city come from the division data."""
    rec = build_record(text_to_document("托克托县2023年重点优抚对象补助资金绩效评价报告\n一、基本情况\n托克托县民政局……", "t.txt"))
    assert (rec["province"], rec["city"], rec["county"]) == ("内蒙古自治区", "呼和浩特市", "托克托县")


def test_ambiguous_county_is_left_empty_with_a_finding():
    """朝阳区 exists in Beijing and in Changchun: with no other place named it is not guessed."""
    from pipeline import rules
    rec = build_record(text_to_document("朝阳区2023年社区服务资金项目绩效评价报告\n一、基本情况\n朝阳区民政局……", "a.txt"))
    assert rec["county"] is None
    assert any(f["rule_id"] == "meta.missing_field" for f in rules.run(rec))


def test_ambiguous_county_settled_by_the_city_named():
    rec = build_record(text_to_document("朝阳区2023年社区服务资金项目绩效评价报告\n一、基本情况\n长春市朝阳区民政局……", "a.txt"))
    assert (rec["province"], rec["city"], rec["county"]) == ("吉林省", "长春市", "朝阳区")


def test_score_table_in_columns():
    rec = record("二、评价结论\n指标\t决策\t过程\t产出\t效益\t合计\n分值\t20\t20\t30\t30\t100\n"
                 "得分\t18\t17.5\t27\t26\t88.5\n得分率\t90%\t87.5%\t90%\t86.67%\t88.5%\n综合得分88.5分，等级为良。\n")
    l1 = {i["dimension"]: (i["weight"], i["score"], i["rate_pct"]) for i in rec["indicators"] if i["level"] == 1}
    assert l1 == {"决策": (20, 18, 90), "过程": (20, 17.5, 87.5), "产出": (30, 27, 90), "效益": (30, 26, 86.67)}
    assert (rec["total_score"], rec["grade"]) == (88.5, "良")


def test_aliases_map_to_the_four_dimensions():
    rec = record("指标\t分值\t得分\n投入\t15\t14\n项目管理\t25\t20\n产出\t30\t28\n效果\t30\t27\n")
    assert {i["name"]: i["dimension"] for i in rec["indicators"] if i["level"] == 1} == \
        {"投入": "决策", "项目管理": "过程", "产出": "产出", "效果": "效益"}


def test_narrative_scores_when_no_table():
    rec = record("三、绩效分析\n（一）决策指标：分值20分，得分19分。\n（二）过程指标：分值25分，得分22分。\n"
                 "1.项目立项（分值7分，得分6分）\n")
    got = {(i["level"], i["name"]): (i["weight"], i["score"]) for i in rec["indicators"]}
    assert got[(1, "决策")] == (20, 19) and got[(1, "过程")] == (25, 22)
    assert got[(2, "项目立项")] == (7, 6)


def test_grade_legend_is_not_the_grade():
    rec = record("评价等级分为四档：优（得分≥90分）、良、中、差。\n项目综合得分为72.5分，评价等级为“中”。\n")
    assert (rec["total_score"], rec["grade"]) == (72.5, "中")


def test_problems_and_recommendations_in_any_numbering():
    rec = record("四、存在的问题\n一是绩效目标不够细化量化。\n二是资金拨付不及时。\n三是档案资料管理不规范。\n"
                 "五、意见建议\n— 完善绩效目标。\n— 加快资金拨付进度。\n")
    assert [p["text"][:6] for p in rec["problems"]] == ["绩效目标不够", "资金拨付不及", "档案资料管理"]
    assert len(rec["recommendations"]) == 2
    assert all(p["category"] for p in rec["problems"])


def test_the_problems_chapter_wins_over_a_review_subsection_that_also_names_problems():
    """A review of the self-evaluation has its own "（三）发现问题" with two lines (an OCR line
    break makes two paragraphs of one sentence); the report's problems are the chapter's items."""
    rec = record("五、自评抽查复核情况\n（一）复核结论\n自评报告基本反映了项目实施情况。\n（二）发现问题及原因分析\n"
                 "经复核，部分绩效指标设置过于简单，与预\n算安排的资金量不相匹配；\n自评报告对满意度未作量化评价。\n"
                 "六、存在的问题\n（一）公示制度执行不到位\n部分村未按时公示补贴名单。\n（二）资金拨付滞后\n"
                 "第二批资金拨付晚于计划两个月。\n七、建议\n（一）严格执行公示制度\n（二）加快资金拨付\n")
    assert [p["text"][:6] for p in rec["problems"]] == ["公示制度执行", "资金拨付滞后"]


def test_targets_with_direction_and_status():
    rec = record("绩效指标\t指标值\t实际完成值\t完成情况\n培训人数\t≥1,200人\t1,085人\t已完成\n投诉率\t≤5%\t3%\t已完成\n")
    t = {x["name"]: (x["direction"], x["target_value"], x["actual_value"], x["status"]) for x in rec["targets"]}
    assert t["培训人数"] == (">=", 1200, 1085, "已完成")
    assert t["投诉率"] == ("<=", 5, 3, "已完成")


def test_every_scalar_found_has_provenance():
    rec = record("项目下达资金36.84万元，实际支出12.5173万元，预算执行率为33.98%。项目总得分为71.59分，绩效评级为“中”。\n")
    for f in ("allocated_wan", "spent_wan", "execution_rate_pct", "total_score", "grade"):
        p = rec["provenance"][f]
        assert p["text"] and p["start"] < p["end"], f


def test_county_lookup_finds_what_the_division_pattern_finds():
    """find_counties (suffix lookup, fast) gives the matches of the 3 000-name regex: leftmost,
    then longest, not overlapping — on every sample report and on overlapping names."""
    from pipeline.record import region
    from tests.conftest import ROOT
    pat = region._index()[3]
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "corpus" / "samples").glob("*.txt"))]
    texts.append("香港南区医疗保障局与贵港市港南区、启东市、海门区和托克托县交流；朝阳区朝阳县。")
    for t in texts:
        want = [(m.start(), m.end(), m.group()) for m in pat.finditer(t)]
        assert want and list(region.find_counties(t)) == want
