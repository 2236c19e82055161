"""The audit sheet shows evidence (issue #18): a crop per PDF-sourced finding anchored in its row,
the value marked in the sentence of a DOCX/TXT finding, Chinese headers for the reviewer (CSV and
JSON keep the contract's names), old English sheets still import, and a review carries over to a
re-rendered copy of the same report (a new doc_id in the same report group)."""
from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import duckdb
import openpyxl
import pytest

from pipeline import audit
from pipeline.cli import main
from pipeline.record.schema import empty_record
from warehouse.store import Warehouse

sys.path.insert(0, str(Path(__file__).parent))
from hostile_files import pdf_bytes  # noqa: E402

H = audit.XLSX_HEADER
# an invented report (no county, programme or figure of a seed or a real case): its grade does not
# follow from its score, so grade.band_mismatch fires on it
REPORT = """青禾县2023年农村饮水安全巩固提升资金
绩效评价报告

一、项目基本情况
青禾县水利局负责实施农村饮水安全巩固提升工程，2023年新建和改造集中供水工程12处，惠及农村人口8,640人。

二、资金情况
2023年上级下达资金1,250.00万元，实际到位1,250.00万元，资金到位率100%；全年实际支出1,180.00万元，预算执行率94.40%。

三、评价结论
经评价，青禾县2023年农村饮水安全巩固提升资金绩效评价综合得分84.50分，评价等级为“优”。评价等级划分标准为：90分（含）以上为优，80分（含）至90分为良，60分（含）至80分为中，60分以下为差。

四、存在的问题
部分供水工程水质检测频次不足，管护经费保障不到位。

五、建议
建立长效管护机制，落实水质定期检测制度。

青禾县财政局
二〇二四年四月十日
"""
GRADE_SENTENCE = "综合得分84.50分，评价等级为“优”。评价等级划分标准为：90分（含）以上为优"
BOX = {"x0": 60.0, "y0": 40.0, "x1": 140.0, "y1": 54.0, "page_width": 595.0, "page_height": 842.0}


def run(capsys, *args) -> tuple[int, str, str]:
    code = main(["audit", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def export_json(capsys, db: Path) -> list[dict]:
    code, out, err = run(capsys, "--db", db, "--format", "json")
    assert code == 0, err
    return json.loads(out)


def write_report(wh: Warehouse, doc_id: str, fmt: str, path: Path, findings: list[dict]) -> None:
    rec = empty_record()
    rec.update(doc_id=doc_id, source_path=str(path), source_format=fmt, title="丙县项目绩效评价报告",
               province="甲省", city="乙市", county="丙县", fiscal_year=2023)
    wh.write({"record": rec, "status": "ok", "source_path": str(path), "doc_id": doc_id,
              "findings": [dict(f, doc_id=doc_id) for f in findings], "file_sha": doc_id, "seconds": 0.0,
              "pages": 1}, "run")


def finding(rule_id: str, actual: str, evidence: str, page=1, box: dict | None = None, severity="error") -> dict:
    return dict({"rule_id": rule_id, "severity": severity, "message": f"{rule_id} 需核对", "expected": "1",
                 "actual": actual, "evidence": evidence, "page": page}, **(box or {}))


@pytest.fixture
def mixed(tmp_path) -> Path:
    """A warehouse with a PDF report (two findings with a box, one without) and a TXT report."""
    pdf = tmp_path / "src" / "c.pdf"
    pdf.parent.mkdir()
    pdf.write_bytes(pdf_bytes(REPORT))
    txt = tmp_path / "src" / "d.txt"
    txt.write_text(REPORT, encoding="utf-8")
    db = tmp_path / "w.duckdb"
    wh = Warehouse(db)
    try:
        write_report(wh, "pdfdoc", "pdf", pdf, [
            finding("score.total_mismatch", "84.50", "综合得分84.50分", box=BOX),
            finding("funds.execution_rate_mismatch", "94.40", "预算执行率94.40%", box=dict(BOX, y0=80.0, y1=94.0)),
            finding("meta.missing_field", "未识别", "没有框的问题", severity="warning")])
        write_report(wh, "txtdoc", "txt", txt, [finding("grade.band_mismatch", "优", GRADE_SENTENCE, page=None)])
    finally:
        wh.close()
    return db


def list_sheet(path: Path, **kw):
    wb = openpyxl.load_workbook(path, **kw)
    ws = wb[audit.SHEET_LIST]
    head = [c.value for c in ws[1]]
    return ws, head


def rows_by_rule(ws, head) -> dict[str, int]:
    """rule_id → the sheet row (1-based) it is on."""
    col = head.index(H["rule_id"]) + 1
    return {ws.cell(row=n, column=col).value: n for n in range(2, ws.max_row + 1)}


# ---------------------------------------------------------------- crops

def test_each_pdf_finding_with_a_box_gets_one_crop_anchored_in_its_row(mixed, tmp_path, capsys):
    out = tmp_path / "a.xlsx"
    code, _, err = run(capsys, "--db", mixed, "--format", "xlsx", "--out", out)
    assert code == 0 and "crops: 2 of 3 PDF findings" in err
    ws, head = list_sheet(out)
    assert H["crop"] == audit.CROP and audit.CROP in head
    crop_col = head.index(audit.CROP)                     # 0-based, as anchors count
    at = {img.anchor._from.row + 1: img for img in ws._images}
    rows = rows_by_rule(ws, head)
    assert set(at) == {rows["score.total_mismatch"], rows["funds.execution_rate_mismatch"]}
    for n, img in at.items():
        shown_w, shown_h = img.anchor.ext.width / 9525, img.anchor.ext.height / 9525   # EMU per pixel
        assert img.anchor._from.col == crop_col
        assert ws.row_dimensions[n].height >= shown_h * 0.75        # the row is as tall as its crop (pt)
        assert 0 < shown_w <= audit.MAX_IMG_PX[0] and 0 < shown_h <= audit.MAX_IMG_PX[1]
    # a row without a crop is as tall as its wrapped sentence (two lines here), not a crop
    assert ws.row_dimensions[rows["grade.band_mismatch"]].height == 2 * audit.LINE_PT


def test_crops_come_from_the_cache_beside_the_warehouse_on_re_export(mixed, tmp_path, capsys, monkeypatch):
    from pipeline import evidence
    first = tmp_path / "a.xlsx"
    assert run(capsys, "--db", mixed, "--format", "xlsx", "--out", first)[0] == 0
    cache = audit.crop_cache_for(mixed)
    assert len(list(cache.glob("*.png"))) == 2

    def no_render(*a, **k):
        raise AssertionError("rendered again although the crop is cached")
    monkeypatch.setattr(evidence, "render_crop", no_render)
    again = tmp_path / "b.xlsx"
    code, _, err = run(capsys, "--db", mixed, "--format", "xlsx", "--out", again)
    assert code == 0 and "crops: 2 of 3" in err
    assert len(list_sheet(again)[0]._images) == 2


def test_no_crops_option_and_csv_have_no_images(mixed, tmp_path, capsys):
    out = tmp_path / "a.xlsx"
    assert run(capsys, "--db", mixed, "--format", "xlsx", "--out", out, "--no-crops")[0] == 0
    assert list_sheet(out)[0]._images == []
    assert not audit.crop_cache_for(mixed).exists()


def test_a_moved_pdf_costs_its_crop_not_the_export(mixed, tmp_path, capsys):
    (tmp_path / "src" / "c.pdf").unlink()
    out = tmp_path / "a.xlsx"
    code, _, err = run(capsys, "--db", mixed, "--format", "xlsx", "--out", out)
    assert code == 0 and "2 no file" in err
    ws, head = list_sheet(out)
    assert ws._images == []
    snippet = ws.cell(row=rows_by_rule(ws, head)["score.total_mismatch"], column=head.index(audit.CROP) + 1).value
    assert "【84.50】" in str(snippet)                    # the marked sentence stands in for the crop


def test_a_damaged_cached_crop_costs_its_picture_not_the_export(mixed, tmp_path, capsys):
    assert run(capsys, "--db", mixed, "--format", "xlsx", "--out", tmp_path / "a.xlsx")[0] == 0
    for png in audit.crop_cache_for(mixed).glob("*.png"):
        png.write_bytes(b"not a picture")
    out = tmp_path / "b.xlsx"
    code, _, err = run(capsys, "--db", mixed, "--format", "xlsx", "--out", out)
    assert code == 0 and "crops: 0 of 3" in err and "2 failed" in err
    assert list_sheet(out)[0]._images == []


# ---------------------------------------------------------------- the value marked in text sources

def test_a_text_finding_shows_its_sentence_with_the_value_in_bold_red(mixed, tmp_path, capsys):
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    out = tmp_path / "a.xlsx"
    assert run(capsys, "--db", mixed, "--format", "xlsx", "--out", out)[0] == 0
    ws, head = list_sheet(out, rich_text=True)
    n = rows_by_rule(ws, head)["grade.band_mismatch"]
    ev = ws.cell(row=n, column=head.index(H["evidence"]) + 1).value
    at = GRADE_SENTENCE.index("“优”") + 1                                  # the grade, not the band table's 优
    assert isinstance(ev, CellRichText) and str(ev) == GRADE_SENTENCE[:at] + "【优】" + GRADE_SENTENCE[at + 1:]
    marked = [b for b in ev if isinstance(b, TextBlock)]
    assert [b.text for b in marked] == ["【优】"] and marked[0].font.b and marked[0].font.color.rgb == "FFC00000"
    crop = ws.cell(row=n, column=head.index(audit.CROP) + 1).value
    assert "评价等级为“【优】”" in str(crop)


@pytest.mark.parametrize("evidence,actual,printed,want", [
    ("到位资金1,250.00万元，支出1,180.00万元", "1250", None, "1,250.00"),
    ("预算执行率为95%，上年为93%", "95.00", None, "95%"),
    ("共12处，其中新建112处", "12", None, "12"),
    ("合计 | 595.53 | 563.59 | 452.46", "595.53万元", None, "595.53"),          # the unit is in the header
    ("得分率九成，实为90.5分", "90.5", "90.5", "90.5"),
    ("文中写明“项目尚未实施”", "项目尚未实施", None, "项目尚未实施"),
])
def test_value_span_finds_the_value_however_it_is_printed(evidence, actual, printed, want):
    a, b = audit.value_span(evidence, actual, printed)
    assert evidence[a:b] == want


def test_with_the_printed_value_the_place_provenance_puts_it_wins_over_an_earlier_one():
    head = "上年得分84.50分，本年度各项工作有序推进，评价组"          # the context before the value
    ev = (head + "复核后综合打分为")[:audit.PROVENANCE_PAD] + "84.50分，等级为良。"
    a, _ = audit.value_span(ev, "84.50", "84.50")
    assert a == audit.PROVENANCE_PAD
    a, _ = audit.value_span(ev, "84.50", None)                       # without it: the first place
    assert a == ev.index("84.50")


def test_value_span_is_none_when_the_value_is_not_in_the_evidence():
    assert audit.value_span("合计120万元", "130", None) is None
    assert audit.value_span(None, "1", None) is None


# ---------------------------------------------------------------- the reviewer's language

def test_sheet_speaks_chinese_and_csv_json_keep_contract_names(mixed, tmp_path, capsys):
    out = tmp_path / "a.xlsx"
    assert run(capsys, "--db", mixed, "--format", "xlsx", "--out", out)[0] == 0
    ws, head = list_sheet(out)
    assert head == [H[c] for c in audit.XLSX_COLUMNS]
    assert {"严重程度", "县区", "规则", "说明", "应为", "报告值", "证据", "页码", "证据截图", "复核标记", "复核意见"} <= set(head)
    sev, rid, area = head.index("严重程度"), head.index("规则编号"), head.index("规则")
    body = list(ws.iter_rows(min_row=2, values_only=True))
    assert {r[sev] for r in body} == {"错误", "警告"}
    assert {r[rid] for r in body} == {"score.total_mismatch", "funds.execution_rate_mismatch", "meta.missing_field",
                                      "grade.band_mismatch"}
    assert {r[area] for r in body if r[rid] == "funds.execution_rate_mismatch"} == {"资金"}
    code, text, _ = run(capsys, "--db", mixed, "--format", "csv")
    table = list(csv.DictReader(io.StringIO(text)))
    assert list(table[0]) == audit.COLUMNS and {r["severity"] for r in table} == {"error", "warning"}
    assert list(export_json(capsys, mixed)[0]) == audit.COLUMNS


def test_a_sheet_with_the_old_english_headers_still_imports(mixed, tmp_path, capsys):
    rows = export_json(capsys, mixed)
    target = next(r for r in rows if r["rule_id"] == "grade.band_mismatch")
    old = tmp_path / "old.xlsx"                    # as `audit --format xlsx` wrote it before #18
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = audit.SHEET_LIST
    ws.append([{"review_mark": audit.OLD_MARK, "review_comment": audit.COMMENT}.get(c, c) for c in audit.COLUMNS])
    for r in rows:
        vals = dict(r)
        if r is target:
            vals.update(review_mark="√", review_comment="等级确实定高了")
        ws.append([vals.get(c) for c in audit.COLUMNS])
    wb.save(old)
    code, _, err = run(capsys, "--db", mixed, "--import", old)
    assert code == 0 and "1 new" in err
    got = {r["rule_id"]: (r["review_mark"], r["review_comment"]) for r in export_json(capsys, mixed)}
    assert got["grade.band_mismatch"] == ("✓", "等级确实定高了")
    con = duckdb.connect(str(mixed), read_only=True)
    assert con.execute("SELECT severity, evidence FROM reviews").fetchall() == [("error", GRADE_SENTENCE)]
    con.close()


def mark_and_import(capsys, db, xlsx: Path, rule_id: str, mark: str, comment: str) -> None:
    """What a reviewer does: export the sheet, mark the row of ``rule_id`` with a comment, import it."""
    assert run(capsys, "--db", db, "--format", "xlsx", "--out", xlsx)[0] == 0
    wb = openpyxl.load_workbook(xlsx)
    ws = wb[audit.SHEET_LIST]
    head = [c.value for c in ws[1]]
    n = rows_by_rule(ws, head)[rule_id]
    ws.cell(row=n, column=head.index(audit.MARK) + 1, value=mark)
    ws.cell(row=n, column=head.index(audit.COMMENT) + 1, value=comment)
    wb.save(xlsx)
    assert run(capsys, "--db", db, "--import", xlsx)[0] == 0


def test_the_new_sheet_round_trips_marks_and_stores_english_severities(mixed, tmp_path, capsys):
    mark_and_import(capsys, mixed, tmp_path / "a.xlsx", "score.total_mismatch", "✗", "表内合计无误")
    con = duckdb.connect(str(mixed), read_only=True)
    assert con.execute("SELECT mark, comment, severity, rule_id FROM reviews").fetchall() == \
           [("✗", "表内合计无误", "error", "score.total_mismatch")]
    con.close()
    again = tmp_path / "b.xlsx"
    assert run(capsys, "--db", mixed, "--format", "xlsx", "--out", again)[0] == 0
    ws, head = list_sheet(again)
    n = rows_by_rule(ws, head)["score.total_mismatch"]
    assert ws.cell(row=n, column=head.index(audit.MARK) + 1).value == "✗"
    assert len(ws._images) == 2                      # images do not disturb the reviewer columns


# ---------------------------------------------------------------- reviews on report groups

def ingest(folder: Path, db: Path, capsys) -> None:
    assert main(["ingest", str(folder), "--db", str(db)]) == 0
    capsys.readouterr()


def write_docx(path: Path, text: str) -> None:
    import docx
    d = docx.Document()
    for para in text.split("\n"):
        d.add_paragraph(para)
    d.save(str(path))


@pytest.mark.parametrize("before_010", [False, True], ids=["group-key", "review-from-before-migration-010"])
def test_a_review_carries_to_a_re_rendered_copy_of_the_same_report(tmp_path, capsys, before_010):
    src, db = tmp_path / "in", tmp_path / "w.duckdb"
    src.mkdir()
    (src / "report.txt").write_text(REPORT, encoding="utf-8")
    ingest(src, db, capsys)
    mark_and_import(capsys, db, tmp_path / "a.xlsx", "grade.band_mismatch", "✓", "84.5分应为良")
    if before_010:      # as a review imported before migration 010 holds it: no group columns
        con = duckdb.connect(str(db))
        con.execute("UPDATE reviews SET group_id = NULL, group_key = NULL")
        con.close()

    # the same report rendered again: a DOCX with a page footer, so its text (and doc_id) differs
    write_docx(src / "report_v2.docx", REPORT + "\n第1页 共1页")
    ingest(src, db, capsys)
    rows = [r for r in export_json(capsys, db) if r["rule_id"] == "grade.band_mismatch"]
    con = duckdb.connect(str(db), read_only=True)
    groups = dict(con.execute("SELECT doc_id, group_id FROM report_groups").fetchall())
    con.close()
    assert len({r["doc_id"] for r in rows}) == 2                       # two renditions, two doc_ids …
    assert len({groups[r["doc_id"]] for r in rows}) == 1               # … one report group
    assert {(r["review_mark"], r["review_comment"]) for r in rows} == {("✓", "84.5分应为良")}
    out = tmp_path / "b.xlsx"
    code, _, err = run(capsys, "--db", db, "--format", "xlsx", "--out", out)
    assert code == 0 and "0 stale" in err
    ws, head = list_sheet(out)
    carried = [ws.cell(row=n, column=head.index(audit.MARK) + 1) for n in range(2, ws.max_row + 1)
               if ws.cell(row=n, column=head.index(H["rule_id"]) + 1).value == "grade.band_mismatch"]
    assert sorted(c.value for c in carried) == ["✓", "✓"]
    assert sum(1 for c in carried if c.comment and "另一版本" in c.comment.text) == 1   # says where it came from


def review_all(db: Path, tmp_path: Path, capsys, comment: str) -> None:
    """Export, mark every finding ✓ with the comment, import."""
    xlsx = tmp_path / "reviewed.xlsx"
    assert run(capsys, "--db", db, "--format", "xlsx", "--out", xlsx, "--no-crops")[0] == 0
    wb = openpyxl.load_workbook(xlsx)
    ws = wb[audit.SHEET_LIST]
    head = [c.value for c in ws[1]]
    for n in range(2, ws.max_row + 1):
        ws.cell(row=n, column=head.index(audit.MARK) + 1, value="✓")
        ws.cell(row=n, column=head.index(audit.COMMENT) + 1, value=comment)
    wb.save(xlsx)
    assert run(capsys, "--db", db, "--import", xlsx)[0] == 0


def test_a_review_survives_its_file_being_replaced_by_a_re_rendered_copy(tmp_path, capsys):
    src, db = tmp_path / "in", tmp_path / "w.duckdb"
    src.mkdir()
    (src / "report.txt").write_text(REPORT, encoding="utf-8")
    ingest(src, db, capsys)
    before = {r["doc_id"] for r in export_json(capsys, db)}
    review_all(db, tmp_path, capsys, "已核")
    (src / "report.txt").write_text(REPORT + "\n第1页 共1页\n", encoding="utf-8")   # printed again, same place
    ingest(src, db, capsys)
    rows = export_json(capsys, db)
    assert {r["doc_id"] for r in rows}.isdisjoint(before)           # the old report is gone: a new doc_id
    assert {(r["rule_id"], r["review_mark"], r["review_comment"]) for r in rows} == \
           {(r["rule_id"], "✓", "已核") for r in rows}
    code, _, err = run(capsys, "--db", db, "--format", "json", "--out", tmp_path / "x.json")
    assert code == 0 and "0 stale" in err


def test_a_file_now_holding_another_report_does_not_take_the_old_reviews(tmp_path, capsys):
    src, db = tmp_path / "in", tmp_path / "w.duckdb"
    src.mkdir()
    (src / "report.txt").write_text(REPORT, encoding="utf-8")
    ingest(src, db, capsys)
    review_all(db, tmp_path, capsys, "已核")
    other = REPORT.replace("84.50", "79.50").replace("青禾县", "白石县")     # another report, same file name
    (src / "report.txt").write_text(other, encoding="utf-8")
    ingest(src, db, capsys)
    rows = export_json(capsys, db)
    grade = [r for r in rows if r["rule_id"] == "grade.band_mismatch"]
    assert grade and all(r["review_mark"] is None for r in grade)


def test_a_review_does_not_leak_to_another_report_with_the_same_sentence(tmp_path, capsys):
    db = tmp_path / "w.duckdb"
    wh = Warehouse(db)
    try:
        for d in ("doc_one", "doc_two"):
            write_report(wh, d, "txt", tmp_path / f"{d}.txt", [finding("grade.band_mismatch", "优", GRADE_SENTENCE)])
    finally:
        wh.close()
    one = next(r for r in export_json(capsys, db) if r["doc_id"] == "doc_one")
    con = duckdb.connect(str(db))
    con.execute("INSERT INTO reviews (finding_key, mark, doc_id, rule_id, expected, actual, evidence) "
                "VALUES (?, '✓', 'doc_one', 'grade.band_mismatch', '1', '优', ?)", [one["finding_key"], GRADE_SENTENCE])
    con.close()
    marks = {r["doc_id"]: r["review_mark"] for r in export_json(capsys, db)}
    assert marks == {"doc_one": "✓", "doc_two": None}


# ---------------------------------------------------------------- end to end on an ingested PDF

def boxed_keys(db: Path, capsys) -> tuple[set[str], int]:
    """(finding_keys of the findings whose value has a box, number of PDF findings)."""
    con = duckdb.connect(str(db), read_only=True)
    rows = audit.load_findings(con)
    con.close()
    capsys.readouterr()
    pdf = [r for r in rows if r["source_format"] == "pdf"]
    return {r["finding_key"] for r in pdf if r["x0"] is not None}, len(pdf)


def crop_keys(xlsx: Path) -> list[str]:
    """The 问题编号 of the row each image is anchored in, one entry per image."""
    ws, head = list_sheet(xlsx)
    key = head.index(H["finding_key"]) + 1
    return [ws.cell(row=img.anchor._from.row + 1, column=key).value for img in ws._images]


def test_an_ingested_pdf_gets_one_crop_per_finding_with_a_box(tmp_path, capsys):
    src, db = tmp_path / "in", tmp_path / "w.duckdb"
    src.mkdir()
    (src / "report.pdf").write_bytes(pdf_bytes(REPORT))
    ingest(src, db, capsys)
    boxed, n_pdf = boxed_keys(db, capsys)
    out = tmp_path / "a.xlsx"
    code, _, err = run(capsys, "--db", db, "--format", "xlsx", "--out", out)
    assert code == 0 and f"crops: {len(boxed)} of {n_pdf} PDF findings" in err
    assert boxed, "the planted grade error's value should have a box on its page"
    keys = crop_keys(out)
    assert sorted(keys) == sorted(boxed)                       # one image per boxed finding, in its own row
    ws, head = list_sheet(out)
    grade_row = rows_by_rule(ws, head)["grade.band_mismatch"]
    assert ws.cell(row=grade_row, column=head.index(H["finding_key"]) + 1).value in keys


@pytest.mark.seeds
@pytest.mark.slow
def test_seed_pdfs_get_one_crop_per_finding_with_a_box(seeds, tmp_path, capsys):
    db = tmp_path / "w.duckdb"
    ingest(seeds / "pdf", db, capsys)
    boxed, n_pdf = boxed_keys(db, capsys)
    out = tmp_path / "a.xlsx"
    code, _, err = run(capsys, "--db", db, "--format", "xlsx", "--out", out)
    assert code == 0 and f"crops: {len(boxed)} of {n_pdf} PDF findings" in err
    assert sorted(crop_keys(out)) == sorted(boxed)
