"""The comparison views (warehouse/migrations/002_views.sql) over small synthetic warehouses:
one report in two formats counts once, recomputed rates and cost per person, problem frequency,
indicator rates and outliers. Records are written through Warehouse.write, as ingest does."""
from __future__ import annotations

import random

import pytest

from pipeline.dedupe import group_reports
from pipeline.ingest import refresh_corpus_findings
from pipeline.record.schema import empty_record
from warehouse.store import Warehouse

CJK = "财政资金项目绩效评价管理单位预算执行完成情况指标得分社会服务保障工作人员补助发放监督检查档案宣传政策"


def synthetic_text(seed: int, n: int = 1500) -> str:
    rnd = random.Random(seed)
    sents = ["".join(rnd.choice(CJK) for _ in range(rnd.randint(20, 50))) + "。" for _ in range(n // 35)]
    return "绩效评价报告\n" + "\n".join(sents)


def store(wh: Warehouse, doc_id: str, text: str, fmt: str = "docx", findings=(), **fields) -> dict:
    rec = empty_record()
    rec.update(doc_id=doc_id, source_path=f"/in/{doc_id}.{fmt}", source_format=fmt, text_chars=len(text), **fields)
    fnd = [{"doc_id": doc_id, "rule_id": rid, "severity": sev, "message": "m"} for rid, sev in findings]
    wh.write({"record": rec, "status": "ok", "source_path": rec["source_path"], "doc_id": doc_id,
              "findings": fnd, "file_sha": doc_id, "seconds": 0.0, "pages": 1}, "run", document_text=text)
    return rec


def rows(wh: Warehouse, sql: str, *params) -> list[dict]:
    cur = wh.con.execute(sql, list(params))
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


@pytest.fixture
def wh(tmp_path):
    w = Warehouse(tmp_path / "t.duckdb")
    yield w
    w.close()


def test_pdf_and_docx_of_one_report_count_once_and_the_complete_one_leads(wh):
    text = synthetic_text(1)
    pdf_text = "第 1 页\n" + text.replace("。\n", "。\n\n", 40) + "\n- 2 -"     # page marks, other breaks
    base = dict(province="甲省", city="乙市", county="丙县", fiscal_year=2024, programme="补助")
    store(wh, "pdf0001", pdf_text, "pdf", findings=[("x.a", "error"), ("x.b", "error")], total_score=80.0, **base)
    store(wh, "docx001", text, "docx", findings=[("x.a", "error")], total_score=80.0, grade="良",
          allocated_wan=200.0, received_wan=100.0, spent_wan=50.0, execution_rate_pct=50.0, arrival_rate_pct=50.0,
          beneficiaries=400, **base)
    refresh_corpus_findings(wh)
    groups = rows(wh, "SELECT * FROM report_groups ORDER BY doc_id")
    assert {g["group_id"] for g in groups} == {"docx001"}
    cs = rows(wh, "SELECT * FROM county_summary")
    assert len(cs) == 1
    s = cs[0]
    assert s["n_reports"] == 1 and s["lead_doc_id"] == "docx001" and s["grade"] == "良"
    assert s["execution_vs_received_pct"] == 50.0 and s["execution_vs_allocated_pct"] == 25.0
    assert s["arrival_rate_recomputed_pct"] == 50.0 and s["arrival_rate_pct"] == 50.0
    assert s["cost_per_beneficiary_yuan"] == 1250.0          # 50 万元 × 10000 / 400 人
    assert (s["findings_error"], s["findings_warning"]) == (1, 0)   # the PDF's findings are not added


def test_reports_from_one_template_but_other_counties_stay_apart(wh):
    text = synthetic_text(2)
    store(wh, "a", text, county="甲县", fiscal_year=2024)
    store(wh, "b", text + "补", county="乙县", fiscal_year=2024)
    store(wh, "c", text + "补充", county="甲县", fiscal_year=2023)
    refresh_corpus_findings(wh)
    assert rows(wh, "SELECT count(DISTINCT group_id) AS n FROM report_groups")[0]["n"] == 3
    assert rows(wh, "SELECT sum(n_reports) AS n FROM county_summary")[0]["n"] == 3


def test_views_work_before_any_grouping_and_without_amounts(wh):
    store(wh, "solo", synthetic_text(3), county="丁县", fiscal_year=2022, beneficiaries=0, spent_wan=None)
    s = rows(wh, "SELECT * FROM county_summary")[0]          # report_groups still empty
    assert s["n_reports"] == 1
    assert s["cost_per_beneficiary_yuan"] is None and s["execution_vs_received_pct"] is None   # unknown, not 0


def test_problem_frequency_counts_reports_and_counties_once(wh):
    text = synthetic_text(4)
    probs = [{"text": "预算执行率偏低，资金结余较多", "category": None}, {"text": "资金支出进度缓慢", "category": None}]
    for doc, fmt, county, t in [("p1", "docx", "甲县", text), ("p1pdf", "pdf", "甲县", text + "\n第2页"),
                                ("p2", "docx", "乙县", synthetic_text(5))]:
        store(wh, doc, t, fmt, county=county, fiscal_year=2024, problems=probs)
    refresh_corpus_findings(wh)
    pf = {r["category"]: r for r in rows(wh, "SELECT * FROM problem_frequency")}
    row = pf["预算执行率偏低/资金使用进度慢"]
    assert (row["n_reports"], row["n_counties"], row["n_problems"]) == (2, 2, 4)
    assert 1 <= len(row["examples"]) <= 3


def test_indicator_rates_recompute_score_over_weight(wh):
    store(wh, "i1", synthetic_text(6), county="甲县", fiscal_year=2024, indicators=[
        {"level": 1, "dimension": "决策", "name": "决策", "weight": 20.0, "score": 15.0, "rate_pct": 75.0},
        {"level": 1, "dimension": "产出", "name": "产出", "weight": 0.0, "score": 0.0}])
    r = {x["dimension"]: x for x in rows(wh, "SELECT * FROM indicator_rates")}
    assert r["决策"]["rate"] == 75.0 and r["决策"]["rate_stated_pct"] == 75.0
    assert r["产出"]["rate"] is None                          # no weight: no rate, not a division error


def test_outliers_show_cost_rule_findings_and_execution_rate_extremes(wh):
    rates = [95.0, 96.4, 97.0, 98.0, 99.0, 96.5, 12.0]
    costs = [(100.0, 1000), (115.0, 1000), (90.0, 1000), (110.0, 1000), (105.0, 1000), (95.0, 1000), (5000.0, 1000)]
    for i, (rate, (spent, people)) in enumerate(zip(rates, costs)):
        store(wh, f"o{i}", synthetic_text(10 + i), county=f"县{i}", fiscal_year=2024, programme="补助",
              execution_rate_pct=rate, spent_wan=spent, beneficiaries=people)
    refresh_corpus_findings(wh)
    out = rows(wh, "SELECT * FROM outliers ORDER BY metric, doc_id")
    assert [(o["metric"], o["doc_id"]) for o in out] == [("cost_per_beneficiary_yuan", "o6"), ("execution_rate_pct", "o6")]
    cost = out[0]
    assert cost["value"] == 50000.0 and cost["peer_median"] == 1025.0   # the others' median
    assert out[1]["robust_z"] < -3.5


def test_grouping_is_deterministic_and_order_free():
    items = [{"doc_id": f"d{i}", "text": synthetic_text(i % 3), "source_format": "pdf" if i % 2 else "docx"}
             for i in range(6)]
    a = group_reports(items)
    b = group_reports(list(reversed(items)))
    assert a == b
    assert len({g for g, _, _ in a.values()}) == 3
    assert sum(p for _, p, _ in a.values()) == 3


def test_a_text_rendition_leads_over_a_more_complete_scan():
    """OCR misreads characters (a title, a firm's name): a scan never becomes the primary while a
    text rendition of the same report exists, even when it yielded more fields."""
    items = [{"doc_id": "scan", "text": synthetic_text(1), "source_format": "pdf", "ocr_pages": 4, "completeness": 40},
             {"doc_id": "text", "text": synthetic_text(1), "source_format": "pdf", "ocr_pages": 0, "completeness": 30}]
    g = group_reports(items)
    assert g["text"][:2] == ("text", True) and g["scan"][:2] == ("text", False)
