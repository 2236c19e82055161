"""The two corpus rules, on record lists shaped like warehouse.corpus.corpus_records builds them."""
from __future__ import annotations

import random

import pytest

from pipeline.rules import REGISTRY, run_corpus

COST = REGISTRY["compare.cost_per_beneficiary_outlier"]
DUP = REGISTRY["text.duplicate_passage"]
CJK = "财政资金项目绩效评价管理单位预算执行完成情况指标得分社会服务保障工作人员补助发放监督检查档案宣传政策"


def filler(seed: int, n: int = 30) -> list[str]:
    rnd = random.Random(seed)
    return ["".join(rnd.choice(CJK) for _ in range(rnd.randint(25, 70))) + "。" for _ in range(n)]


def rec(doc_id: str, county: str | None = None, text: str = "", **kw) -> dict:
    r = {"doc_id": doc_id, "county": county, "province": None, "city": None, "subject": None, "programme": None,
         "spent_wan": None, "beneficiaries": None, "text": text, "problems": [], "report_group": doc_id}
    r.update(kw)
    return r


def costs(pairs, **kw) -> list[dict]:
    return [rec(f"d{i}", f"县{i}", spent_wan=s, beneficiaries=b, **kw) for i, (s, b) in enumerate(pairs)]


COST_CASES = [
    {"title": "one report ten times dearer per person than its peers",
     "input": [(10, 100), (12, 100), (9, 100), (11, 100), (100, 100)], "flagged": ["d4"]},
    {"title": "one report ten times cheaper per person",
     "input": [(10, 100), (12, 100), (9, 100), (11, 100), (1, 100)], "flagged": ["d4"]},
    {"title": "ordinary spread: no outlier",
     "input": [(10, 100), (15, 100), (9, 100), (20, 100), (25, 100)], "flagged": []},
    {"title": "too few peers to judge",
     "input": [(10, 100), (12, 100), (1000, 100)], "flagged": []},
    {"title": "unknown beneficiaries or spending are not peers (never 0)",
     "input": [(10, 100), (12, None), (None, 100), (11, 100), (1000, 100)], "flagged": []},
    {"title": "a robust z beyond 3.5 on a tight cluster, below 10×",
     "input": [(10, 100), (10.2, 100), (9.9, 100), (10.1, 100), (10, 100), (10.05, 100), (60, 100)], "flagged": ["d6"]},
]


@pytest.mark.parametrize("case", COST_CASES, ids=[c["title"] for c in COST_CASES])
def test_cost_per_beneficiary_outlier(case):
    found = list(COST.check_corpus(costs(case["input"])))
    assert sorted(f["doc_id"] for f in found) == case["flagged"]
    for f in found:
        assert f["rule_id"] == COST.id and f["expected"] and f["actual"] and "万元" in f["evidence"]
        float(f["expected"]), float(f["actual"])              # numbers the outliers view can cast


def test_cost_outlier_compares_only_within_a_programme_and_one_rendition_per_report():
    recs = costs([(10, 100), (12, 100), (9, 100), (11, 100)], programme="甲") + \
        [rec("x", "外县", spent_wan=1000, beneficiaries=100, programme="乙")]
    assert list(COST.check_corpus(recs)) == []                    # "乙" has no peers
    recs = costs([(10, 100), (12, 100), (9, 100), (11, 100)])
    recs.append(rec("pdf", "县0", spent_wan=1000, beneficiaries=100, report_group="d0"))   # not a primary
    assert list(COST.check_corpus(recs)) == []


COPIED = ("本项目在实施过程中建立了由分管领导牵头、业务股室具体负责、财务人员全程参与的工作机制，"
          "对资金申报、审核、拨付和使用情况逐笔登记，确保补助对象信息准确、资金安全运行。")
POLICY = "依据《某省预算绩效管理条例》《某省财政厅关于深化预算绩效管理改革的实施意见》及专项资金管理细则等有关规定组织本次评价，全面客观反映资金使用效益。"


def corpus(n: int, copied_into=(), copy=COPIED, edit=lambda s: s, **kw) -> list[dict]:
    out = []
    for i in range(n):
        sents = filler(100 + i)
        if i in copied_into:
            sents.insert(5, edit(copy) if i else copy)
        out.append(rec(f"r{i}", f"县{i}", "\n".join(sents), **kw))
    return out


DUP_CASES = [
    {"title": "verbatim passage in two counties' reports", "input": corpus(6, (1, 4)), "flagged": ["r1", "r4"]},
    {"title": "near-verbatim: a county name and a number changed",
     "input": corpus(6, (0, 3), edit=lambda s: s.replace("分管领导", "主要领导").replace("逐笔", "每笔")),
     "flagged": ["r0", "r3"]},
    {"title": "genre wording in most reports is not a copy", "input": corpus(6, (0, 1, 2, 3, 4)), "flagged": []},
    {"title": "policy citations are not a copy", "input": corpus(6, (1, 4), copy=POLICY), "flagged": []},
    {"title": "central-policy background and the sentence continuing it (这项工作…) are not a copy",
     "input": corpus(6, (1, 4), copy="推进医养结合是党中央、国务院的重要决策部署，是深化改革的重要内容。"
                                     "认真抓好这项工作，对于提升服务水平、保障合法权益、整合服务资源、提高管理效能、"
                                     "确保老年群体共享发展成果、推动形成长效管理机制都具有十分重要的现实意义和深远的历史影响。"), "flagged": []},
    {"title": "short passages are not compared", "input": corpus(6, (1, 4), copy="资金到位及时，管理规范。"),
     "flagged": []},
    {"title": "no shared passage", "input": corpus(6), "flagged": []},
]


@pytest.mark.parametrize("case", DUP_CASES, ids=[c["title"] for c in DUP_CASES])
def test_duplicate_passage(case):
    found = list(DUP.check_corpus(case["input"]))
    assert sorted(f["doc_id"] for f in found) == case["flagged"]
    for f in found:
        assert "分管领导" in f["evidence"] or "领导" in f["evidence"]
        assert f["actual"] and f["doc_id"] not in f["actual"]     # names the other copy


def test_duplicate_passage_ignores_the_same_unit_and_the_same_report_in_two_formats():
    same_unit = corpus(6, (1, 4))
    same_unit[4]["county"] = same_unit[1]["county"]
    assert list(DUP.check_corpus(same_unit)) == []
    recs = corpus(6, (1,))
    recs.append(dict(recs[1], doc_id="r1pdf", report_group="r1"))  # PDF rendition of r1
    assert list(DUP.check_corpus(recs)) == []


def test_run_corpus_runs_both_rules():
    recs = corpus(5, (1, 4)) + costs([(10, 100), (12, 100), (9, 100), (11, 100), (500, 100)])
    ids = {f["rule_id"] for f in run_corpus(recs)}
    assert {COST.id, DUP.id} <= ids


def test_programme_names_that_differ_only_in_generic_words_are_peers():
    from pipeline.rules.corpus import programme_groups
    names = ["2023年某事项补助资金项目", "某事项专项补助资金", "甲县某事项财政补助资金项目重点绩效评价", "农田建设项目"]
    recs = [rec(f"g{i}", "甲县", programme=n) for i, n in enumerate(names)]
    groups = sorted(sorted(r["doc_id"] for r in g) for g in programme_groups(recs))
    assert groups == [["g0", "g1", "g2"], ["g3"]]


def test_duplicate_passage_reads_streamed_texts_like_carried_ones():
    """From the warehouse, records come without their text and the rule streams it (texts(doc_ids)):
    the findings are the same as with the texts carried in the records, and every text is asked for
    once, in record order."""
    recs = corpus(6, (1, 4))
    carried = list(DUP.check_corpus(recs))
    by_id = {r["doc_id"]: r["text"] for r in recs}
    bare = [{k: v for k, v in r.items() if k != "text"} for r in recs]
    asked: list[str] = []

    def texts(ids):
        for d in ids:
            asked.append(d)
            yield d, by_id[d]
    streamed = list(DUP.check_corpus(bare, texts))
    assert streamed == carried and sorted(f["doc_id"] for f in streamed) == ["r1", "r4"]
    assert asked == [r["doc_id"] for r in recs]
    assert list(DUP.check_corpus(bare)) == []      # no texts at all: nothing to compare, no crash
