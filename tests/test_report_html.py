"""`python -m pipeline report` writes one self-contained HTML page that a real (headless) browser
renders without script errors, with the charts and tables in the DOM. Chromium comes from
`make setup-browser`; without it these browser tests skip off-CI and fail in CI."""
from __future__ import annotations

import os
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


def _browser() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("CI needs a headless browser for the HTML report test: run `make setup-browser`")
    pytest.skip("no chromium found; `make setup-browser` installs it (Debian: apt-get install chromium)")


def _store(wh, doc_id, text, fmt="docx", findings=(), **fields):
    rec = empty_record()
    rec.update(doc_id=doc_id, source_path=f"/in/{doc_id}.{fmt}", source_format=fmt, text_chars=len(text), **fields)
    fnd = [{"doc_id": doc_id, "rule_id": rid, "severity": sev, "message": f"<b>{rid}</b> 请核实",
            "evidence": "原文<script>alert(1)</script>"} for rid, sev in findings]
    wh.write({"record": rec, "status": "ok", "source_path": rec["source_path"], "doc_id": doc_id, "findings": fnd,
              "file_sha": doc_id, "seconds": 0.0, "pages": 1}, "run", document_text=text)


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("rep")
    wh = Warehouse(d / "w.duckdb")
    import random
    for i in range(6):
        rnd = random.Random(i)
        sents = ["".join(rnd.choice("财政资金项目绩效评价管理单位预算执行完成情况") for _ in range(40)) + "。" for _ in range(30)]
        if i in (1, 4):
            sents.insert(3, COPIED)
        spent = 500.0 if i == 5 else 10.0 + i
        _store(wh, f"r{i}", "\n".join(sents), county=f"测试{i}县", fiscal_year=2024, programme="补助",
               total_score=70.0 + 4 * i, grade="优" if i > 4 else "良" if i > 2 else "中",
               allocated_wan=100.0, received_wan=80.0 + i, spent_wan=spent, execution_rate_pct=90.0 - i,
               arrival_rate_pct=80.0 + i, beneficiaries=100,
               problems=[{"text": "预算执行率偏低，资金结余较多"}, {"text": "政策宣传不到位"}],
               findings=[("score.total_mismatch", "error"), ("funds.low_execution", "warning")])
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
    assert html.count("<svg") >= 4
    assert "<script>alert(1)</script>" not in html                           # evidence text is escaped
    for section in ("scores", "execution", "cost", "problems", "outliers", "findings"):
        assert f"id='{section}'" in html
    assert "compare.cost_per_beneficiary_outlier" in html and "text.duplicate_passage" in html


def _dump_dom(path: Path) -> str:
    browser = _browser()
    proc = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0",
                           "--no-first-run", "--disable-extensions", f"--user-data-dir={path.parent / 'profile'}",
                           "--virtual-time-budget=5000", "--dump-dom", path.as_uri()],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def test_report_renders_in_a_headless_browser_without_script_errors(report):
    dom = _dump_dom(report)
    assert 'data-ready="1"' in dom                     # the page's script ran to the end
    assert 'data-error="1"' not in dom, re.search(r"JS error:[^<]*", dom)
    assert dom.count('class="bar"') >= 6 + 1           # one bar per county in the score chart, and more
    assert dom.count('class="point"') == 6             # execution vs arrival: one point per county
    assert "人均成本" in dom and "测试5县" in dom


def test_the_browser_check_catches_a_script_error(report, tmp_path):
    broken = tmp_path / "broken.html"
    broken.write_text(report.read_text(encoding="utf-8").replace("</body>", "<script>undefinedFn();</script></body>"),
                      encoding="utf-8")
    assert 'data-error="1"' in _dump_dom(broken)
