"""Crops of the page around a value (issue #18): ``crop_png`` renders the region around a box with
the box outlined in red and caches the render; ``box_for``/``finding_crop`` find a value's box and
its PDF through the warehouse and return None (never raise) for a DOCX/TXT report, a PDF that is
gone or a value without a box; ``python -m pipeline evidence`` writes the PNG or says why not
(exit 2). The report below is invented: its grade does not follow from its score."""
from __future__ import annotations

import io
import sys
from pathlib import Path

import duckdb
import pytest
from PIL import Image

from pipeline import evidence as ev
from pipeline.audit import load_findings
from pipeline.cli import main
from pipeline.flow import process_file
from tests.conftest import SAMPLES
from warehouse.store import Warehouse

sys.path.insert(0, str(Path(__file__).parent))
from hostile_files import pdf_bytes  # noqa: E402

REPORT = """松岭县2022年城乡环境卫生整治专项资金
绩效评价报告

一、项目基本情况
松岭县住建局负责实施城乡环境卫生整治，2022年新建垃圾转运站6座，服务群众31,200人。

二、资金情况
2022年上级下达资金860.00万元，实际到位860.00万元，资金到位率100%；全年实际支出802.00万元，预算执行率93.26%。

三、评价结论
经评价，松岭县2022年城乡环境卫生整治专项资金绩效评价综合得分71.20分，评价等级为“优”。评价等级划分标准为：90分（含）以上为优，80分（含）至90分为良，60分（含）至80分为中，60分以下为差。

四、存在的问题
部分转运站运行台账不完整，保洁人员培训不足。

五、建议
完善运行台账，加强保洁人员培训。

松岭县财政局
二〇二三年五月八日
"""


def _store(tmp_path: Path) -> tuple:
    """A warehouse holding the invented report as a PDF and a DOCX sample: (db, pdf, pdf doc_id, docx doc_id)."""
    pdf = tmp_path / "songling.pdf"
    pdf.write_bytes(pdf_bytes(REPORT))
    db = tmp_path / "w.duckdb"
    wh = Warehouse(db)
    ids = []
    for path in (pdf, SAMPLES / "s2_guangshan_pension.docx"):
        res = process_file(str(path))
        assert res["status"] == "ok", res["error"]
        wh.write(res, "run", document_text=res.get("text"))
        ids.append(res["doc_id"])
    wh.close()
    return db, pdf, ids[0], ids[1]


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    """Read only by the tests that use it (one ingest for the module)."""
    return _store(tmp_path_factory.mktemp("evidence"))


@pytest.fixture
def own(tmp_path):
    """A warehouse of the test's own, whose PDF it may change or delete."""
    return _store(tmp_path)


def _red_pixels(png: bytes) -> int:
    img = Image.open(io.BytesIO(png)).convert("RGB")
    return sum(1 for r, g, b in img.get_flattened_data() if r > 180 and g < 80 and b < 80)


def test_migration_adds_boxes_locator_and_finding_field(stored):
    con = duckdb.connect(str(stored[0]), read_only=True)
    cols = lambda t: {r[0] for r in con.execute(                       # noqa: E731
        "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [t]).fetchall()}
    box = {"x0", "y0", "x1", "y1", "page_width", "page_height"}
    for t in ("provenance", "indicators", "fund_sources", "expense_details", "targets", "findings"):
        assert box <= cols(t), t
    assert "locator" in cols("provenance") and "field" in cols("findings")
    con.close()


def test_box_for_reads_the_stored_box_of_a_pdf_value(stored):
    db, _, pdf_id, docx_id = stored
    box = ev.box_for(db, pdf_id, "total_score")
    assert isinstance(box, ev.Box) and box.page == 1 and box.x1 > box.x0 and box.y1 > box.y0
    assert ev.box_for(db, docx_id, "total_score") is None, "a DOCX value has no box"
    assert ev.box_for(db, pdf_id, "no_such_field") is None


def test_crop_outlines_the_box_at_about_110_dpi(stored):
    db, pdf, pdf_id, _ = stored
    box = ev.box_for(db, pdf_id, "total_score")
    png = ev.crop_png(pdf, box)
    img = Image.open(io.BytesIO(png))
    left, top, right, bottom = ev.crop_region(box, box.page_width, box.page_height)
    assert abs(img.width - (right - left) * 110 / 72) <= 2 and abs(img.height - (bottom - top) * 110 / 72) <= 2
    assert _red_pixels(png) > 50, "the box is outlined in red"
    assert img.width > (box.x1 - box.x0) * 110 / 72, "the crop shows the value with its surroundings"


def test_crop_is_served_from_the_cache_and_renewed_for_other_bytes(own, tmp_path, monkeypatch):
    db, pdf, pdf_id, _ = own
    box = ev.box_for(db, pdf_id, "total_score")
    cache = tmp_path / "crops"
    first = ev.crop_png(pdf, box, cache_dir=cache)
    assert len(list(cache.glob("*.png"))) == 1
    monkeypatch.setattr(ev, "render_crop", lambda *a, **k: pytest.fail("rendered again despite the cache"))
    assert ev.crop_png(pdf, box, cache_dir=cache) == first
    pdf.write_bytes(pdf_bytes(REPORT.replace("松岭县", "柏川县")))       # other bytes at the same path
    monkeypatch.undo()
    ev.crop_png(pdf, box, cache_dir=cache)
    assert len(list(cache.glob("*.png"))) == 2


def test_finding_crop_for_a_pdf_finding_and_none_for_docx(stored):
    db, _, pdf_id, docx_id = stored
    con = duckdb.connect(str(db), read_only=True)
    rows = load_findings(con)
    con.close()
    on_pdf = [r for r in rows if r["doc_id"] == pdf_id and r["page"] is not None]
    assert on_pdf and all(r["x0"] is not None for r in on_pdf), "every finding on a PDF page has its box"
    assert any(r["field"] == "grade" or r["field"] == "total_score" for r in on_pdf)
    png = ev.finding_crop(db, on_pdf[0]["finding_key"])
    assert png is not None and _red_pixels(png) > 50
    on_docx = [r for r in rows if r["doc_id"] == docx_id]
    assert all(ev.finding_crop(db, r["finding_key"]) is None for r in on_docx)
    assert ev.finding_crop(db, "0000000000000000") is None


def test_a_pdf_gone_since_ingest_gives_none_not_an_error(own, capsys):
    db, pdf, pdf_id, _ = own
    pdf.unlink()
    assert ev.field_crop(db, pdf_id, "total_score") is None
    assert ev.row_crop({"doc_id": pdf_id, "source_path": str(pdf), "page": 1, "x0": 1, "y0": 1, "x1": 9,
                        "y1": 9, "page_width": 595, "page_height": 842}) is None
    assert main(["evidence", "--db", str(db), pdf_id, "total_score", "--out", str(pdf.with_suffix(".png"))]) == 2
    assert "no longer at" in capsys.readouterr().err


def test_evidence_command_writes_the_crop(stored, tmp_path, capsys):
    db, _, pdf_id, _ = stored
    out = tmp_path / "out" / "score.png"
    assert main(["evidence", "--db", str(db), pdf_id, "total_score", "--out", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    con = duckdb.connect(str(db), read_only=True)
    key = next(r["finding_key"] for r in load_findings(con) if r["doc_id"] == pdf_id)
    con.close()
    assert main(["evidence", "--db", str(db), key, "--out", str(tmp_path / "f.png")]) == 0


@pytest.mark.parametrize("args,says", [
    (["0000000000000000"], "no finding with key"),
    (["{docx}", "total_score"], "DOCX"),
    (["{pdf}", "no_such_field"], "no value for field"),
    (["a", "b", "c"], "give one FINDING_KEY"),
])
def test_evidence_command_says_why_there_is_no_crop(stored, tmp_path, capsys, args, says):
    db, _, pdf_id, docx_id = stored
    args = [a.format(pdf=pdf_id, docx=docx_id) for a in args]
    assert main(["evidence", "--db", str(db), *args, "--out", str(tmp_path / "x.png")]) == 2
    assert says in capsys.readouterr().err
    assert not (tmp_path / "x.png").exists()


def test_evidence_command_without_a_warehouse_exits_2(tmp_path, capsys):
    assert main(["evidence", "--db", str(tmp_path / "none.duckdb"), "k", "--out", str(tmp_path / "x.png")]) == 2
    assert "no warehouse" in capsys.readouterr().err


def test_detail_rows_and_findings_are_stored_with_their_boxes(tmp_path):
    """The writer stores the boxes of indicator, fund, expense and target rows, and a finding that
    names its field takes that value's box."""
    from pipeline.record.schema import empty_record
    rec = empty_record()
    box = {"page": 2, "x0": 50.0, "y0": 100.0, "x1": 300.0, "y1": 112.0, "page_width": 595.0, "page_height": 842.0}
    rec.update(doc_id="d1", source_path="/in/d1.pdf", source_format="pdf")
    rec["indicators"] = [dict(box, level=1, name="产出", weight=30.0, score=27.0, evidence="产出 | 30 | 27")]
    rec["fund_sources"] = [dict(box, name="中央", allocated_wan=10.0, evidence="中央 | 10")]
    rec["expense_details"] = [dict(box, name="印刷费", amount_yuan=500.0, evidence="印刷费 500")]
    rec["targets"] = [dict(box, name="覆盖率", evidence="覆盖率 | 95%")]
    finding = {"doc_id": "d1", "rule_id": "score.rate_mismatch", "severity": "warning", "message": "m",
               "evidence": "产出 | 30 | 27", "page": 2, "field": "indicators[0].score"}
    wh = Warehouse(tmp_path / "w.duckdb")
    wh.write({"record": rec, "status": "ok", "source_path": "/in/d1.pdf", "doc_id": "d1", "findings": [finding],
              "file_sha": "s1", "seconds": 0.0, "pages": 2}, "run", document_text="x")
    for t in ("indicators", "fund_sources", "expense_details", "targets"):
        assert wh.con.execute(f"SELECT page, x0, y1, page_width FROM {t}").fetchall() == [(2, 50.0, 112.0, 595.0)], t
    assert wh.con.execute("SELECT field, x0, y0, x1, y1 FROM findings").fetchall() == [
        ("indicators[0].score", 50.0, 100.0, 300.0, 112.0)]
    assert ev.box_for(wh, "d1", "indicators[0].score") == ev.Box(2, 50.0, 100.0, 300.0, 112.0, 595.0, 842.0)
    wh.close()
