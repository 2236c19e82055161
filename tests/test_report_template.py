"""The comparison page is a jinja2 template with autoescape: text from reports (county names,
problem categories, messages, evidence) reaches the page as text, in every place it is shown
(table cells, chart labels, tooltips); and an installed copy carries the templates."""
from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

from pipeline import report
from warehouse.store import Warehouse

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = '<img src=x onerror="alert(1)">'


def _summary(county: str) -> dict:
    keys = ["county", "city", "province", "fiscal_year", "programme", "total_score", "grade", "lead_doc_id",
            "allocated_wan", "received_wan", "spent_wan", "beneficiaries", "cost_per_beneficiary_yuan",
            "execution_rate_pct", "execution_vs_received_pct", "execution_vs_allocated_pct", "arrival_rate_pct",
            "arrival_rate_recomputed_pct"]
    row = dict.fromkeys(keys)
    row.update(county=county, fiscal_year=2023, programme="农机补贴", total_score=88.5, grade="良", lead_doc_id="d1",
               spent_wan=12.0, beneficiaries=40, cost_per_beneficiary_yuan=3000.0, execution_rate_pct=91.0,
               arrival_rate_pct=95.0)
    return row


def _data(text: str) -> dict:
    cs = [_summary(text)]
    return {"summaries": cs, "n_reports": 1, "n_groups": 1, "severity_counts": {"error": 1},
            "score_chart": report.hbar([(text, 88.5, "#1565c0", f"{text}：88.5 分")], " 分", cls="chart scores"),
            "rate_chart": report.scatter([(text, 95.0, 91.0, "#1565c0")], "资金到位率 %", "预算执行率 %"),
            "cost_chart": report.hbar([(text, 3000.0, "#5c6bc0", text)], " 元", log=True, cls="chart cost"),
            "problems": [{"category": text, "n_reports": 1, "n_counties": 1, "n_problems": 2, "examples": [text, "第二条"]}],
            "problem_chart": report.hbar([(text, 1.0, "#8d6e63", text)], " 份", cls="chart problems"),
            "outliers": [], "findings_cut": False,
            "findings": [{"doc_id": "d1", "severity": "error", "county": text, "fiscal_year": 2023, "programme": None,
                          "rule_id": "score.total_mismatch", "message": text, "expected": "90", "actual": "88.5",
                          "evidence": text, "page": 3}]}


def test_report_text_is_escaped_everywhere_it_is_shown():
    html = report.render_html(_data(HOSTILE))
    assert "<img" not in html and 'onerror="' not in html
    # the county name appears escaped in the tables, the chart labels and the tooltips
    assert html.count("&lt;img src=x onerror=") >= 8


def test_figures_are_shown_as_before():
    html = report.render_html(_data("甲县"))
    assert '<td class="num" data-v="91.0">91</td>' in html                  # trailing zeros dropped
    assert '<td class="num" data-v="12.0">12</td>' in html and "<td>—</td>" in html   # missing is a dash
    assert ">3,000 元</text>" in html and ">88.5 分</text>" in html
    assert '<td class="ev">甲县<br>第二条</td>' in html
    assert '<p class="note">未发现异常值 / no outliers</p>' in html


def test_an_empty_warehouse_gives_a_page_that_says_there_is_nothing_to_compare(tmp_path):
    Warehouse(tmp_path / "w.duckdb").close()
    con = report.open_for_report(tmp_path / "w.duckdb")
    try:
        html = report.build_html(con)
    finally:
        con.close()
    assert "<svg" not in html
    assert "没有可比较的数据" in html and "没有同时给出执行率和到位率的报告" in html


def test_an_installed_copy_carries_every_template():
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = conf["tool"]["setuptools"]["package-data"]["pipeline"]
    files = [p.relative_to(ROOT / "pipeline").as_posix() for p in (ROOT / "pipeline" / "templates").iterdir()]
    assert files and all(any(fnmatch.fnmatch(f, pat) for pat in patterns) for f in files), (files, patterns)
    assert any(d.lower().startswith("jinja2==") for d in conf["project"]["dependencies"])
