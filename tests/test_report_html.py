"""`python -m pipeline report` writes a page that a real (headless) browser renders without script
errors: every chart is drawn by the inlined ECharts (each marks itself on the library's 'finished'
event), the report cards are there, and a finding on a PDF shows the crop of its page, drawn by
pipeline/evidence.py from a real PDF. Chromium comes from `make setup-browser`; without it these
browser tests skip off-CI and fail in CI."""
from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.ingest import refresh_corpus_findings
from pipeline.record.schema import empty_record
from warehouse.store import Warehouse

ROOT = Path(__file__).resolve().parents[1]
COPIED = ("本项目在实施过程中建立了由分管领导牵头、业务股室具体负责、财务人员全程参与的工作机制，"
          "对资金申报、审核、拨付和使用情况逐笔登记，确保补助对象信息准确、资金安全运行。")
N_CHARTS = 5
SCORE_BOX = (72.0, 96.0, 240.0, 124.0)       # where the invented PDF prints its total, in points


def _browser() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("CI needs a headless browser for the HTML report test: run `make setup-browser`")
    pytest.skip("no chromium found; `make setup-browser` installs it (Debian: apt-get install chromium)")


def _pdf(path: Path) -> Path:
    """A one-page PDF (A4 in points) printing a total score inside SCORE_BOX."""
    from PIL import Image, ImageDraw, ImageFont
    img = Image.new("RGB", (595, 842), "white")
    draw = ImageDraw.Draw(img)
    draw.text((SCORE_BOX[0] + 4, SCORE_BOX[1] + 4), "Score 83.5", fill="black", font=ImageFont.load_default(size=20))
    draw.text((72, 160), "Other lines of the page", fill="black", font=ImageFont.load_default(size=14))
    img.save(path, "PDF", resolution=72.0)
    return path


def _store(wh, doc_id, text, fmt="docx", findings=(), source=None, **fields):
    rec = empty_record()
    rec.update(doc_id=doc_id, source_path=str(source) if source else f"/in/{doc_id}.{fmt}", source_format=fmt,
               text_chars=len(text), **fields)
    box = dict(zip(("x0", "y0", "x1", "y1"), SCORE_BOX), page=1, page_width=595.0, page_height=842.0)
    rec["provenance"] = {"total_score": dict(box if fmt == "pdf" else {"page": 1}, start=0, end=4, text="综合得分 83.5 分")}
    fnd = [{"doc_id": doc_id, "rule_id": rid, "severity": sev, "message": f"<b>{rid}</b> 请核实",
            "evidence": "原文<script>alert(1)</script>", **(box if fmt == "pdf" else {})} for rid, sev in findings]
    wh.write({"record": rec, "status": "ok", "source_path": rec["source_path"], "doc_id": doc_id, "findings": fnd,
              "file_sha": doc_id, "seconds": 0.0, "pages": 1}, "run", document_text=text)


def _fill(wh, pdf: Path) -> None:
    for i in range(6):
        rnd = random.Random(i)
        sents = ["".join(rnd.choice("财政资金项目绩效评价管理单位预算执行完成情况") for _ in range(40)) + "。" for _ in range(30)]
        if i in (1, 4):
            sents.insert(3, COPIED)
        spent = 500.0 if i == 5 else 10.0 + i
        _store(wh, f"r{i}", "\n".join(sents), "pdf" if i == 0 else "docx", source=pdf if i == 0 else None,
               county=f"测试{i}县", fiscal_year=2024, programme="补助",
               total_score=70.0 + 4 * i, grade="优" if i > 4 else "良" if i > 2 else "中",
               allocated_wan=100.0, received_wan=80.0 + i, spent_wan=spent, execution_rate_pct=90.0 - i,
               arrival_rate_pct=80.0 + i, beneficiaries=100,
               indicators=[{"level": 1, "dimension": d, "name": d, "weight": 25.0, "score": 20.0 + i % 3}
                           for d in ("决策", "过程", "产出", "效益")],
               problems=[{"text": "预算执行率偏低，资金结余较多"}, {"text": "政策宣传不到位"}],
               findings=[("score.total_mismatch", "error"), ("funds.low_execution", "warning")])


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("rep")
    wh = Warehouse(d / "w.duckdb")
    _fill(wh, _pdf(d / "r0.pdf"))
    refresh_corpus_findings(wh)
    wh.close()
    out = d / "report.html"
    proc = subprocess.run([sys.executable, "-m", "pipeline", "report", "--db", str(d / "w.duckdb"), "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return out


def test_report_is_one_self_contained_file(report):
    html = report.read_text(encoding="utf-8")
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html)   # no CDN, no network
    assert "<link" not in html and "@import" not in html
    assert "<script>alert(1)</script>" not in html                           # evidence text is escaped
    assert html.count('class="chart"') == N_CHARTS and html.count('class="fallback"') == N_CHARTS
    for section in ("scores", "execution", "cost", "problems", "dimensions", "outliers", "findings", "reports"):
        assert f"id='{section}'" in html or f'id="{section}"' in html
    assert "compare.cost_per_beneficiary_outlier" in html and "text.duplicate_passage" in html
    assert html.count('class="card"') == 6                                   # six reports, cards inline


def _dump_dom(path: Path) -> str:
    browser = _browser()
    proc = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0",
                           "--no-first-run", "--disable-extensions", f"--user-data-dir={path.parent / 'profile'}",
                           "--virtual-time-budget=5000", "--dump-dom", path.as_uri()],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def _chart_divs(dom: str) -> dict[str, str]:
    """chart id → the chart's element as the browser left it (up to its fallback button)."""
    out = {}
    for m in re.finditer(r'<div class="chart" id="(c-[a-z]+)"', dom):
        out[m.group(1)] = dom[m.start():dom.index('class="show-table"', m.start())]
    return out


def test_report_renders_in_a_headless_browser_without_script_errors(report):
    dom = _dump_dom(report)
    assert 'data-ready="1"' in dom                     # the page's script ran to the end
    assert 'data-error="1"' not in dom, re.search(r"JS error:[^<]*", dom)
    assert f'data-charts="{N_CHARTS}"' in dom and f'data-charts-rendered="{N_CHARTS}"' in dom
    charts = _chart_divs(dom)
    assert set(charts) == {"c-scores", "c-rates", "c-cost", "c-heat", "c-dims"}
    for cid, el in charts.items():
        assert 'data-rendered="1"' in el, cid          # ECharts' 'finished' event fired for this chart
        size = re.search(r'<svg[^>]*width="(\d+)"[^>]*height="(\d+)"', el)
        assert size and int(size.group(1)) > 300 and int(size.group(2)) > 100, cid
    assert "测试5县" in dom and "人均成本" in dom


def test_a_pdf_finding_shows_the_crop_of_its_page_in_the_report_card(report):
    dom = _dump_dom(report)
    card = dom[dom.index('id="card-r0"'):dom.index('id="card-r1"')]
    crops = re.findall(r'<img class="crop" src="data:image/png;base64,([A-Za-z0-9+/=]+)"', card)
    assert len(crops) >= 2                             # the two findings (and the total score's evidence)
    import base64
    import io
    from PIL import Image
    img = Image.open(io.BytesIO(base64.b64decode(crops[0])))
    assert img.width >= 300 and img.height >= 40       # about 110 dpi around the box
    other = dom[dom.index('id="card-r1"'):]
    assert '<img class="crop"' not in other.split('id="card-r2"')[0]   # a DOCX report: text evidence only
    assert "原文" in other


def test_the_browser_check_catches_a_script_error(report, tmp_path):
    broken = tmp_path / "broken.html"
    broken.write_text(report.read_text(encoding="utf-8").replace("</body>", "<script>undefinedFn();</script></body>"),
                      encoding="utf-8")
    assert 'data-error="1"' in _dump_dom(broken)


def test_the_browser_check_catches_a_chart_that_did_not_draw(report, tmp_path):
    broken = tmp_path / "nochart.html"
    html = report.read_text(encoding="utf-8")
    broken.write_text(html.replace('id="c-cost"', 'id="c-cost-missing"', 1), encoding="utf-8")
    dom = _dump_dom(broken)
    assert f'data-charts-rendered="{N_CHARTS}"' not in dom


def test_a_docx_primary_takes_its_header_crops_from_the_pdf_rendition(tmp_path):
    from pipeline import report as page
    text = "\n".join("".join(random.Random(k).choice("财政资金项目绩效评价管理单位预算执行完成情况") for _ in range(40)) + "。"
                     for k in range(30))
    wh = Warehouse(tmp_path / "w.duckdb")
    base = dict(county="样例县", fiscal_year=2023, programme="补助", total_score=83.5, grade="良")
    _store(wh, "pdfcopy", "第 1 页\n" + text, "pdf", source=_pdf(tmp_path / "copy.pdf"), **base)
    _store(wh, "docxmain", text, "docx", allocated_wan=10.0, received_wan=9.0, spent_wan=8.0, **base)
    refresh_corpus_findings(wh)
    wh.close()
    page.write_report(tmp_path / "w.duckdb", tmp_path / "r.html", cards="inline", crops="all")
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    card = html[html.index('id="card-docxmain"'):]
    assert 'id="card-pdfcopy"' not in html                        # one report, one card
    assert "PDF 版本" in card and '<img class="crop" src="data:image/png;base64,' in card
