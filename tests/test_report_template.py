"""The comparison page is a jinja2 template with autoescape, its charts ECharts options built in
pipeline/report.py: text from reports (county names, problem categories, messages, evidence)
reaches the page as text in every place it is shown (tables, chart JSON, cards); the charts lay out
what the data ask for (the 100 % pile-up as one counted marker, names kept inside the plot, each
cost against its peers' median); an installed copy carries the templates and the pinned library."""
from __future__ import annotations

import fnmatch
import hashlib
import json
import re
import tomllib
from pathlib import Path

from pipeline import report
from warehouse.store import Warehouse

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = '<img src=x onerror="alert(1)">'


def _summary(county: str, **kw) -> dict:
    keys = ["county", "city", "province", "fiscal_year", "programme", "total_score", "grade", "lead_doc_id",
            "allocated_wan", "received_wan", "spent_wan", "beneficiaries", "cost_per_beneficiary_yuan",
            "execution_rate_pct", "execution_vs_received_pct", "execution_vs_allocated_pct", "arrival_rate_pct",
            "arrival_rate_recomputed_pct"]
    row = dict.fromkeys(keys)
    row.update(county=county, fiscal_year=2023, programme="农机补贴", total_score=88.5, grade="良", lead_doc_id="d1",
               spent_wan=12.0, beneficiaries=40, cost_per_beneficiary_yuan=3000.0, execution_rate_pct=91.0,
               arrival_rate_pct=95.0)
    row.update(kw)
    return row


def _card(text: str) -> dict:
    r = dict(_summary(text), doc_id="d1", source_format="pdf", source_path="/x/d1.pdf", title=text, pages=3,
             n_renditions=1)
    return {"r": r, "doc_id": "d1", "place": text,
            "header": [{"field": "county", "label": "县区", "value": text, "page": 2, "text": text, "locator": None,
                        "crop": "data:image/png;base64,AAAA"}],
            "indicators": [{"level": 1, "dimension": "决策", "name": text, "weight": 20.0, "score": 15.0, "rate": 75.0,
                            "rate_pct": None, "page": 3, "evidence": text}],
            "funds": report._fund_rows([], r), "targets": [],
            "findings": [{"severity": "error", "rule_id": "score.total_mismatch", "message": text, "expected": "90",
                          "actual": "88.5", "page": 3, "evidence": text, "crop": None, "finding_key": "k"}],
            "problems": [{"text": text, "category": text}]}


def _data(text: str, mode: str = "inline") -> dict:
    cs = [_summary(text)]
    href = report._linker(mode, "report.cards")
    pbc = [{"county": text, "category": text, "n": 2, "n_reports": 1}]
    dr = [{"doc_id": "d1", "county": text, "city": None, "province": None, "fiscal_year": 2023, "programme": None,
           "dimension": "决策", "rate": 75.0, "score": 15.0, "weight": 20.0}]
    return {"summaries": cs, "n_reports": 1, "n_groups": 1, "severity_counts": {"error": 1},
            "charts": [report.score_chart(cs, href), report.rate_chart(cs, href), report.cost_chart(cs, set(), href),
                       report.heat_chart(pbc), report.dims_chart(dr, href)],
            "problems": [{"category": text, "n_reports": 1, "n_counties": 1, "n_problems": 2, "examples": [text, "第二条"]}],
            "outliers": [], "findings_cut": False, "cards_mode": mode, "href": href,
            "cards": [_card(text)] if mode != "none" else [],
            "findings": [{"doc_id": "d1", "severity": "error", "county": text, "fiscal_year": 2023, "programme": None,
                          "rule_id": "score.total_mismatch", "message": text, "expected": "90", "actual": "88.5",
                          "evidence": text, "page": 3}]}


def _chart_options(html: str) -> dict:
    m = re.search(r'<script type="application/json" id="chart-options">(.*?)</script>', html, re.S)
    return json.loads(m.group(1))


def test_report_text_is_escaped_everywhere_it_is_shown():
    html = report.render_html(_data(HOSTILE))
    assert "<img src=x" not in html and 'onerror="' not in html
    # tables, chart fallbacks and the card show it as text; the chart JSON carries it without a "<"
    assert html.count("&lt;img src=x onerror=") >= 10
    opts = _chart_options(html)                  # still valid JSON, the text intact once parsed
    assert opts["c-scores"]["series"][0]["data"][0]["tip"][0].startswith(HOSTILE)
    assert "\\u003cimg" in html


def test_figures_are_shown_as_before():
    html = report.render_html(_data("甲县"))
    assert '<td class="num" data-v="91.0">91</td>' in html                  # trailing zeros dropped
    assert '<td class="num" data-v="12.0">12</td>' in html and "<td>—</td>" in html   # missing is a dash
    assert '<td class="ev">甲县<br>第二条</td>' in html
    assert '<p class="note">未发现异常值 / no outliers</p>' in html


def test_a_card_shows_each_header_value_with_its_evidence_and_crop():
    html = report.render_html(_data("乙县"))
    card = html[html.index('id="card-d1"'):]
    assert '<summary title="第 2 页：乙县">乙县</summary>' in card
    assert '<img class="crop" src="data:image/png;base64,AAAA"' in card
    assert "score.total_mismatch" in card and "应为 90" in card
    assert '<tr class="lvl1">' in card and 'data-v="75.0">75</td>' in card


def test_an_empty_warehouse_gives_a_page_that_says_there_is_nothing_to_compare(tmp_path):
    Warehouse(tmp_path / "w.duckdb").close()
    con = report.open_for_report(tmp_path / "w.duckdb")
    try:
        html = report.build_html(con)
    finally:
        con.close()
    assert 'class="chart"' not in html and _chart_options(html) == {}
    assert html.count("没有可比较的数据") == 5


def test_reports_at_the_same_rates_share_one_marker_that_counts_them():
    cs = [_summary(f"县{i}", lead_doc_id=f"d{i}", arrival_rate_pct=100.0, execution_rate_pct=100.0) for i in range(6)]
    cs.append(_summary("远县", lead_doc_id="d9", arrival_rate_pct=40.0, execution_rate_pct=35.0))
    data = report.rate_chart(cs, report._linker("inline", "x"))["option"]["series"][0]["data"]
    assert len(data) == 2
    pile = next(d for d in data if d["value"] == [100.0, 100.0])
    assert pile["label"]["formatter"] == "6" and pile["label"]["position"] == "inside"
    assert pile["symbolSize"] > next(d for d in data if d is not pile)["symbolSize"]
    assert sum("县" in t for t in pile["tip"]) == 6          # the tooltip names every report there


def test_a_crowd_of_positions_is_counted_by_whole_percent():
    # 100 reports at distinct tenths of a percent near 95 %: one marker per whole percent instead
    cs = [_summary(f"县{i}", lead_doc_id=f"d{i}", arrival_rate_pct=95.0 + (i % 10) / 10,
                   execution_rate_pct=90.0 + (i // 10) / 10 + (i % 3)) for i in range(100)]
    data = report.rate_chart(cs, lambda d: None)["option"]["series"][0]["data"]
    assert len(data) <= report.ROWS_VISIBLE * 2
    assert sum(int(d["label"]["formatter"]) if d["label"]["position"] == "inside" else 1 for d in data) == 100
    few = report.rate_chart(cs[:5], lambda d: None)["option"]["series"][0]["data"]
    assert len(few) == 5                                          # few reports keep their own markers


def test_a_name_near_the_right_edge_is_written_to_the_left_of_its_point():
    cs = [_summary("边县", lead_doc_id="a", arrival_rate_pct=99.0, execution_rate_pct=70.0),
          _summary("中县", lead_doc_id="b", arrival_rate_pct=50.0, execution_rate_pct=60.0)]
    option = report.rate_chart(cs, lambda d: None)["option"]
    pos = {d["name"]: d["label"]["position"] for d in option["series"][0]["data"]}
    assert pos == {"边县 2023": "left", "中县 2023": "right"}
    assert option["series"][0]["labelLayout"] == {"hideOverlap": True}   # overlapping names are not drawn


def test_each_cost_is_drawn_against_its_own_programmes_median():
    cs = [_summary(f"县{i}", lead_doc_id=f"a{i}", programme="养老补助", cost_per_beneficiary_yuan=float(100 + i))
          for i in range(4)]
    cs.append(_summary("外县", lead_doc_id="b", programme="道路养护", cost_per_beneficiary_yuan=9000.0))
    chart = report.cost_chart(cs, {"b"}, lambda d: None)
    assert chart["option"]["xAxis"]["type"] == "log"
    rows = {r[0]: r for r in chart["rows"]}
    assert rows["县0 2023 养老补助"][4] == 102.0                  # median of the other three of its programme
    assert rows["外县 2023 道路养护"][4] == 101.5                  # no peers of its own: all the others
    bars = chart["option"]["series"][0]["data"]
    assert bars[0]["itemStyle"]["color"] == "#c62828"            # the outlier, dearest first


def test_score_bars_sit_over_the_grade_bands():
    chart = report.score_chart([_summary("甲县", total_score=58.0, grade="差")], lambda d: None)
    bands = chart["option"]["series"][0]["markArea"]["data"]
    assert [b[0]["name"] for b in bands] == ["差", "中", "良", "优"]
    assert chart["option"]["xAxis"]["min"] <= 50


def test_fund_sources_are_added_up_against_the_total_row():
    rows = [{"name": "省级", "kind": "source", "allocated_wan": 10.0, "received_wan": 8.0, "spent_wan": 8.0},
            {"name": "县级", "kind": "source", "allocated_wan": 5.0, "received_wan": 5.0, "spent_wan": 4.0},
            {"name": "合计", "kind": "total", "allocated_wan": 15.0, "received_wan": 14.0, "spent_wan": 12.0}]
    funds = report._fund_rows(rows, {"spent_wan": 12.0, "received_wan": 14.0, "allocated_wan": 15.0})
    ok = {c["label"]: c["ok"] for c in funds["checks"]}
    assert ok == {"下达": True, "到位": False, "支出": True}      # 8 + 5 ≠ 14
    assert funds["lines"][0]["exec_pct"] == 100.0 and funds["exec_recomputed"] == 85.71


def test_a_target_claimed_met_is_checked_against_its_figures():
    assert report._target_met({"direction": ">=", "target_value": 95.0, "actual_value": 90.0}) is False
    assert report._target_met({"direction": "<=", "target_value": 7.0, "actual_value": 5.0}) is True
    assert report._target_met({"direction": ">=", "target_value": None, "actual_value": 5.0}) is None


def test_many_reports_get_one_card_page_each_linked_from_the_index(tmp_path):
    assert report.cards_mode("auto", report.CARDS_INLINE_MAX) == "inline"
    assert report.cards_mode("auto", report.CARDS_INLINE_MAX + 1) == "pages"
    html = report.render_html(_data("丙县", mode="pages"))
    assert 'href="report.cards/d1.html"' in html and 'id="card-d1"' not in html
    page = report.render_card(_card("丙县"), "../report.html")
    assert 'href="../report.html"' in page and 'id="card-d1"' in page
    assert len(page) < 100_000                                    # the library stays on the index
    assert report.card_file("../../etc/x") != "../../etc/x.html" and "/" not in report.card_file("../../etc/x")


def test_the_vendored_echarts_is_the_pinned_release():
    src = report.ECHARTS.read_bytes()
    assert hashlib.sha256(src).hexdigest() == report.ECHARTS_SHA256
    assert f'version="{report.ECHARTS_VERSION}"'.encode() in src
    assert (report.ECHARTS.parent / "echarts.LICENSE.txt").is_file() and (report.ECHARTS.parent / "echarts.NOTICE.txt").is_file()


def test_an_installed_copy_carries_every_template():
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = conf["tool"]["setuptools"]["package-data"]["pipeline"]
    files = [p.relative_to(ROOT / "pipeline").as_posix() for p in (ROOT / "pipeline" / "templates").rglob("*")
             if p.is_file()]
    assert "templates/vendor/echarts.min.js" in files
    assert all(any(fnmatch.fnmatch(f, pat) for pat in patterns) for f in files), (files, patterns)
    assert any(d.lower().startswith("jinja2==") for d in conf["project"]["dependencies"])


def _warehouse(tmp_path, n: int) -> Path:
    from pipeline.record.schema import empty_record
    wh = Warehouse(tmp_path / "w.duckdb")
    for i in range(n):
        rec = empty_record()
        rec.update(doc_id=f"doc{i}", source_path=f"/in/doc{i}.docx", source_format="docx", text_chars=10,
                   county=f"试{i}县", fiscal_year=2022, total_score=80.0 + i, grade="良",
                   provenance={"total_score": {"page": 1, "start": 0, "end": 4, "text": f"得分 {80 + i}"}})
        wh.write({"record": rec, "status": "ok", "source_path": rec["source_path"], "doc_id": rec["doc_id"],
                  "findings": [{"doc_id": rec["doc_id"], "rule_id": "meta.missing_field", "severity": "warning",
                                "message": "缺少字段", "evidence": "得分"}],
                  "file_sha": rec["doc_id"], "seconds": 0.0, "pages": 1}, "run", document_text=f"报告{i}" * 50)
    wh.close()
    return tmp_path / "w.duckdb"


def test_card_pages_are_written_beside_the_index_and_old_ones_are_replaced(tmp_path):
    db = _warehouse(tmp_path, 3)
    out = tmp_path / "site" / "cmp.html"
    out.parent.mkdir()
    (out.parent / "cmp.cards").mkdir()
    (out.parent / "cmp.cards" / "gone0000.html").write_text("a card of a report no longer stored", encoding="utf-8")
    (out.parent / "cmp.cards" / "notes.txt").write_text("the user's own file", encoding="utf-8")
    got = report.write_report(db, out, cards="pages", crops="none")
    assert got["mode"] == "pages" and got["cards"] == 3
    index = out.read_text(encoding="utf-8")
    for i in range(3):
        assert f'href="cmp.cards/doc{i}.html"' in index
        page = (out.parent / "cmp.cards" / f"doc{i}.html").read_text(encoding="utf-8")
        assert f"试{i}县" in page and 'href="../cmp.html"' in page
    assert not (out.parent / "cmp.cards" / "gone0000.html").exists()
    assert (out.parent / "cmp.cards" / "notes.txt").exists()


class _Broken(report.Crops):
    def finding(self, con, row):
        raise OSError("the PDF was moved")

    def field(self, con, doc_id, field):
        raise ValueError("damaged page")


def test_a_crop_that_cannot_be_drawn_costs_the_crop_not_the_page(tmp_path, capsys):
    db = _warehouse(tmp_path, 2)
    got = report.write_report(db, tmp_path / "r.html", cards="inline", crops=_Broken())
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert got["mode"] == "inline" and html.count('class="card"') == 2
    assert '<img class="crop"' not in html and "缺少字段" in html          # the finding keeps its text
    assert "no crop" in capsys.readouterr().err
