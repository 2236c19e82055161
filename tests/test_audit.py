"""The audit list (pipeline/audit.py) over small synthetic warehouses written through Warehouse.write,
as ingest does: order, columns, the XLSX layout, and reviewers' marks surviving a re-ingest."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import duckdb
import openpyxl
import pytest

from pipeline import audit
from pipeline.cli import main
from pipeline.record.schema import empty_record
from warehouse.store import Warehouse

CONTEXT = ["doc_id", "source_path", "title", "province", "city", "county", "fiscal_year"]
FINDING = ["rule_id", "severity", "message", "expected", "actual", "evidence", "page"]
H = audit.XLSX_HEADER          # the list sheet's (Chinese) header of each column


def finding(rule_id: str, severity: str, expected=None, actual=None, evidence=None, page=None, message=None) -> dict:
    return {"rule_id": rule_id, "severity": severity, "message": message or f"{rule_id} 需核对",
            "expected": expected, "actual": actual, "evidence": evidence, "page": page}


def write_report(wh: Warehouse, doc_id: str, county: str | None, findings: list[dict]) -> None:
    rec = empty_record()
    rec.update(doc_id=doc_id, source_path=f"/in/{doc_id}.txt", source_format="txt", title=f"{county}项目绩效评价报告",
               province="甲省", city="乙市", county=county, fiscal_year=2024)
    fnd = [dict(f, doc_id=doc_id) for f in findings]
    wh.write({"record": rec, "status": "ok", "source_path": rec["source_path"], "doc_id": doc_id,
              "findings": fnd, "file_sha": doc_id, "seconds": 0.0, "pages": 1}, "run")


def build(db: Path, reports: dict[str, tuple[str | None, list[dict]]], corpus: list[dict] = ()) -> Path:
    wh = Warehouse(db)
    try:
        for doc_id, (county, fnd) in reports.items():
            write_report(wh, doc_id, county, fnd)
        if corpus:
            wh.replace_corpus_findings(sorted({f["rule_id"] for f in corpus}), [dict(f, doc_id=None) for f in corpus])
    finally:
        wh.close()
    return db


def sample(db: Path) -> Path:
    return build(db, {
        "doc_b": ("乙县", [finding("score.total_mismatch", "info", "80", "81", "总分81分", 3),
                          finding("funds.sum_mismatch", "error", "100", "120", "合计120万元", 2)]),
        "doc_a": ("甲县", [finding("score.rate_mismatch", "warning", "90", "95", "得分率95%", 1),
                          finding("grade.band_mismatch", "error", "良", "优", "等级为优", 1)]),
        "doc_c": (None, [finding("meta.missing_field", "warning", None, None, None, None)]),
    }, corpus=[finding("text.duplicate_passage", "warning", None, "2", "重复段落", None)])


def run(capsys, *args) -> tuple[int, str, str]:
    code = main(["audit", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def export_rows(capsys, db: Path, *extra) -> list[dict]:
    code, out, _ = run(capsys, "--db", db, "--format", "json", *extra)
    assert code == 0
    return json.loads(out)


def fill_marks(xlsx: Path, marks: dict[str, tuple[str, str]]) -> None:
    """As a reviewer would: pick ✓/✗ and write a comment in the rows of the given rule ids."""
    wb = openpyxl.load_workbook(xlsx)
    ws = wb[audit.SHEET_LIST]
    head = [c.value for c in ws[1]]
    rule, mark, comment = head.index(H["rule_id"]), head.index(audit.MARK), head.index(audit.COMMENT)
    for row in ws.iter_rows(min_row=2):
        if row[rule].value in marks:
            row[mark].value, row[comment].value = marks[row[rule].value]
    wb.save(xlsx)


def test_findings_come_worst_first_then_county_doc_rule_with_corpus_findings(tmp_path, capsys):
    rows = export_rows(capsys, sample(tmp_path / "w.duckdb"))
    got = [(r["severity"], r["county"], r["doc_id"], r["rule_id"]) for r in rows]
    assert got == [
        ("error", "乙县", "doc_b", "funds.sum_mismatch"),      # county by code point: 乙 (4E59) < 甲 (7532)
        ("error", "甲县", "doc_a", "grade.band_mismatch"),
        ("warning", "甲县", "doc_a", "score.rate_mismatch"),
        ("warning", None, "doc_c", "meta.missing_field"),
        ("warning", None, None, "text.duplicate_passage"),     # corpus-level: no report, still listed
        ("info", "乙县", "doc_b", "score.total_mismatch"),
    ]


def test_csv_and_json_carry_report_context_finding_columns_and_a_key(tmp_path, capsys):
    db = sample(tmp_path / "w.duckdb")
    code, out, _ = run(capsys, "--db", db)                       # csv to stdout by default
    assert code == 0
    table = list(csv.DictReader(io.StringIO(out)))
    assert set(CONTEXT + FINDING + ["finding_key"]) <= set(table[0])
    first = table[0]
    assert (first["doc_id"], first["source_path"], first["county"], first["fiscal_year"], first["province"]) == \
           ("doc_b", "/in/doc_b.txt", "乙县", "2024", "甲省")
    assert (first["expected"], first["actual"], first["evidence"], first["page"]) == ("100", "120", "合计120万元", "2")
    rows = export_rows(capsys, db)
    assert [r["finding_key"] for r in rows] == [r["finding_key"] for r in table]
    assert len({r["finding_key"] for r in rows}) == len(rows)
    assert rows[0]["page"] == 2 and rows[0]["fiscal_year"] == 2024


def test_out_file_format_follows_suffix_and_severity_filter_keeps_worse(tmp_path, capsys):
    db = sample(tmp_path / "w.duckdb")
    out = tmp_path / "a.json"
    assert run(capsys, "--db", db, "--out", out, "--severity", "warning")[0] == 0
    rows = json.loads(out.read_text(encoding="utf-8"))
    assert {r["severity"] for r in rows} == {"error", "warning"} and len(rows) == 5


def test_finding_key_ignores_message_but_not_figures_or_evidence():
    k = audit.finding_key("d", "r", "1", "2", "证据文本")
    assert k == audit.finding_key("d", "r", "1", "2", "证据 文本")             # whitespace is extraction noise
    assert k != audit.finding_key("d", "r", "1", "3", "证据文本")
    assert k != audit.finding_key("d", "r", "1", "2", "别的证据")
    assert k != audit.finding_key(None, "r", "1", "2", "证据文本")


def test_identical_findings_get_distinct_keys(tmp_path, capsys):
    twice = [finding("score.over_weight", "error", "5", "6", "得分6分", 1),
             finding("score.over_weight", "error", "5", "6", "得分6分", 2)]
    rows = export_rows(capsys, build(tmp_path / "w.duckdb", {"d": ("县", twice)}))
    assert len({r["finding_key"] for r in rows}) == 2


def test_xlsx_has_frozen_filtered_coloured_list_summary_and_mark_choices(tmp_path, capsys):
    from pipeline.rules import REGISTRY
    rid = sorted(REGISTRY)[0] if REGISTRY else "score.total_mismatch"
    db = build(tmp_path / "w.duckdb", {
        "d1": ("甲县", [finding(rid, "error", "1", "2", "证据一", 1), finding("x.other", "warning", "a", "b", "证据二", 2)]),
        "d2": ("乙县", [finding(rid, "info", "3", "4", "证据三", 1)])})
    xlsx = tmp_path / "audit.xlsx"
    code, _, err = run(capsys, "--db", db, "--format", "xlsx", "--out", xlsx)
    assert code == 0 and "3 findings" in err
    wb = openpyxl.load_workbook(xlsx)
    assert wb.sheetnames == [audit.SHEET_LIST, audit.SHEET_SUMMARY, audit.SHEET_STALE]
    ws = wb[audit.SHEET_LIST]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:") and ws.auto_filter.ref.endswith("4")
    head = [c.value for c in ws[1]]
    assert {audit.MARK, audit.COMMENT, H["finding_key"], H["rule_id"]} <= set(head)
    sev, ev = head.index(H["severity"]), head.index(H["evidence"])
    colours = {row[sev].value: row[sev].fill.fgColor.rgb[-6:] for row in ws.iter_rows(min_row=2)}
    assert colours == {"错误": audit.FILLS["error"], "警告": audit.FILLS["warning"], "提示": audit.FILLS["info"]}
    assert ws.cell(row=2, column=ev + 1).alignment.wrap_text
    assert ws.column_dimensions[openpyxl.utils.get_column_letter(ev + 1)].width >= 10
    mark_col = openpyxl.utils.get_column_letter(head.index(audit.MARK) + 1)
    dvs = ws.data_validations.dataValidation
    assert any(dv.type == "list" and "✓" in dv.formula1 and "✗" in dv.formula1 and f"{mark_col}2" in str(dv.sqref)
               for dv in dvs)
    summary = list(wb[audit.SHEET_SUMMARY].iter_rows(values_only=True))
    by_rule = {r[0]: r for r in summary if r and r[0] == rid}
    assert by_rule[rid][3:7] == (1, 0, 1, 2)                       # error, warning, info, total
    if rid in REGISTRY:
        assert by_rule[rid][1] == audit.SEVERITY_ZH[REGISTRY[rid].severity] and by_rule[rid][2] == REGISTRY[rid].doc
    county = {r[0]: r[1:5] for r in summary if r and r[0] in ("甲县", "乙县")}
    assert county == {"甲县": (1, 1, 0, 2), "乙县": (0, 0, 1, 1)}


def test_reviews_survive_reingest_and_import_is_idempotent(tmp_path, capsys):
    db = sample(tmp_path / "w.duckdb")
    xlsx = tmp_path / "audit.xlsx"
    assert run(capsys, "--db", db, "--out", xlsx)[0] == 0
    fill_marks(xlsx, {"grade.band_mismatch": ("✓", "等级确有错误"), "score.total_mismatch": ("x", "四舍五入，不算问题")})
    assert run(capsys, "--db", db, "--import", xlsx)[0] == 0
    con = duckdb.connect(str(db), read_only=True)
    first = con.execute("SELECT finding_key, mark, comment, reviewed_at FROM reviews ORDER BY 1").fetchall()
    con.close()
    assert sorted(m for _, m, _, _ in first) == ["✓", "✗"]           # "x" normalised to ✗
    code, _, err = run(capsys, "--db", db, "--import", xlsx)          # the same file again: nothing changes
    assert code == 0 and "2 unchanged" in err
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT finding_key, mark, comment, reviewed_at FROM reviews ORDER BY 1").fetchall() == first
    con.close()

    # re-ingest: same facts, reworded messages — the marks must come back
    wh = Warehouse(db)
    write_report(wh, "doc_a", "甲县", [finding("score.rate_mismatch", "warning", "90", "95", "得分率95%", 1),
                                       finding("grade.band_mismatch", "error", "良", "优", "等级为优", 1, message="新措辞")])
    wh.close()
    rows = {r["rule_id"]: r for r in export_rows(capsys, db)}
    assert (rows["grade.band_mismatch"]["review_mark"], rows["grade.band_mismatch"]["review_comment"]) == ("✓", "等级确有错误")
    assert rows["score.total_mismatch"]["review_mark"] == "✗"
    assert rows["score.rate_mismatch"]["review_mark"] is None
    xlsx2 = tmp_path / "again.xlsx"
    assert run(capsys, "--db", db, "--out", xlsx2)[0] == 0
    ws = openpyxl.load_workbook(xlsx2)[audit.SHEET_LIST]
    head = [c.value for c in ws[1]]
    marks = {r[head.index(H["rule_id"])]: (r[head.index(audit.MARK)], r[head.index(audit.COMMENT)])
             for r in ws.iter_rows(min_row=2, values_only=True)}
    assert marks["grade.band_mismatch"] == ("✓", "等级确有错误")


def test_review_of_a_vanished_finding_moves_to_the_stale_sheet(tmp_path, capsys):
    db = sample(tmp_path / "w.duckdb")
    xlsx = tmp_path / "audit.xlsx"
    run(capsys, "--db", db, "--out", xlsx)
    fill_marks(xlsx, {"funds.sum_mismatch": ("✓", "合计有误")})
    assert run(capsys, "--db", db, "--import", xlsx)[0] == 0
    wh = Warehouse(db)                                   # the report is fixed: the finding is gone
    write_report(wh, "doc_b", "乙县", [finding("score.total_mismatch", "info", "80", "81", "总分81分", 3)])
    wh.close()
    rows = export_rows(capsys, db)
    assert "funds.sum_mismatch" not in {r["rule_id"] for r in rows}
    out = tmp_path / "after.xlsx"
    code, _, err = run(capsys, "--db", db, "--out", out)
    assert code == 0 and "1 stale" in err
    stale = list(openpyxl.load_workbook(out)[audit.SHEET_STALE].iter_rows(values_only=True))
    head = list(stale[0])
    assert len(stale) == 2
    assert (stale[1][head.index(audit.STALE_HEADER["rule_id"])], stale[1][head.index(audit.MARK)],
            stale[1][head.index(audit.COMMENT)]) == \
           ("funds.sum_mismatch", "✓", "合计有误")
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM reviews").fetchone()[0] == 1     # kept, never deleted
    con.close()
    wb = openpyxl.load_workbook(out)                     # a stale review can still be edited there
    wb[audit.SHEET_STALE].cell(row=2, column=head.index(audit.COMMENT) + 1, value="已整改")
    wb.save(out)
    assert run(capsys, "--db", db, "--import", out)[0] == 0
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT mark, comment FROM reviews").fetchall() == [("✓", "已整改")]
    con.close()


def test_empty_warehouse_exports_header_only_and_says_why(tmp_path, capsys):
    db = build(tmp_path / "w.duckdb", {})
    code, out, err = run(capsys, "--db", db)
    assert code == 0
    assert out.splitlines() == [",".join(audit.COLUMNS)]
    assert "empty" in err and "ingest" in err
    xlsx = tmp_path / "e.xlsx"
    code, _, err = run(capsys, "--db", db, "--out", xlsx)
    assert code == 0 and "empty" in err
    ws = openpyxl.load_workbook(xlsx)[audit.SHEET_LIST]
    assert ws.max_row == 1 and ws.cell(row=1, column=1).value == "严重程度"


def test_export_of_an_old_warehouse_without_reviews_table_does_not_write(tmp_path, capsys):
    db = tmp_path / "old.duckdb"
    con = duckdb.connect(str(db))
    # as the first release left it: migration 001 only, recorded (migrate() always records)
    con.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMP)")
    con.execute((Path(audit.__file__).parents[1] / "warehouse/migrations/001_init.sql").read_text(encoding="utf-8"))
    con.execute("INSERT INTO schema_migrations (version, name) VALUES (1, '001_init')")
    con.execute("INSERT INTO findings (doc_id, rule_id, severity, message) VALUES ('d', 'r.x', 'error', 'm')")
    con.close()
    assert [r["rule_id"] for r in export_rows(capsys, db)] == ["r.x"]
    con = duckdb.connect(str(db), read_only=True)
    assert not con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name='reviews'").fetchone()[0]
    con.close()


def test_missing_database_fails_with_a_clear_message_and_creates_nothing(tmp_path, capsys):
    db = tmp_path / "nope.duckdb"
    code, out, err = run(capsys, "--db", db)
    assert code != 0 and "no warehouse" in err and out == ""
    code, _, err = run(capsys, "--db", db, "--import", tmp_path / "x.xlsx")
    assert code != 0 and "no warehouse" in err
    assert not db.exists()


def test_import_of_a_file_that_is_not_an_audit_list_fails_clearly(tmp_path, capsys):
    db = sample(tmp_path / "w.duckdb")
    other = tmp_path / "other.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["a", "b"])
    wb.save(other)
    code, _, err = run(capsys, "--db", db, "--import", other)
    assert code != 0 and "finding_key" in err
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a workbook", encoding="utf-8")
    code, _, err = run(capsys, "--db", db, "--import", bad)
    assert code != 0 and "XLSX" in err


@pytest.mark.parametrize("raw,want", [("✓", "✓"), ("√", "✓"), (" V ", "✓"), ("×", "✗"), ("X", "✗"), ("误报", "✗"),
                                      ("", None), (None, None), ("待定", "待定")])
def test_marks_are_normalised_and_unknown_marks_kept(raw, want):
    assert audit.normalise_mark(raw) == want


def test_importing_an_older_unreviewed_export_erases_nothing(tmp_path, capsys):
    db = sample(tmp_path / "w.duckdb")
    old, new = tmp_path / "old.xlsx", tmp_path / "new.xlsx"
    run(capsys, "--db", db, "--out", old)
    run(capsys, "--db", db, "--out", new)
    fill_marks(new, {"funds.sum_mismatch": ("✗", "表内合计正确")})
    assert run(capsys, "--db", db, "--import", new)[0] == 0
    code, _, err = run(capsys, "--db", db, "--import", old)            # blank reviewer columns
    assert code == 0 and "imported 0 reviews" in err
    rows = {r["rule_id"]: r for r in export_rows(capsys, db)}
    assert (rows["funds.sum_mismatch"]["review_mark"], rows["funds.sum_mismatch"]["review_comment"]) == ("✗", "表内合计正确")
