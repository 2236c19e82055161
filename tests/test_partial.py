"""The `partial` status (issue #17, docling's partial success): a report stored without some of its
content says so. A PDF whose minority of pages are scans, read where OCR is not installed, is
stored with its text pages, logged `partial`, and its warnings name the pages left out; the
report is in the tables and views exactly like an `ok` one. A clean read stays `ok`."""
from __future__ import annotations

import io

import duckdb
import pytest

from extractors import ocr, pdf
from pipeline.flow import process_file
from pipeline.ingest import ingest
from tests.hostile_files import good_report_text, huge_image_page_pdf_bytes, pdf_bytes


def _report_halves() -> tuple[str, str]:
    lines = good_report_text(7).split("\n")
    return "\n".join(lines[: len(lines) // 2]), "\n".join(lines[len(lines) // 2:])


def _scan_in_the_middle() -> bytes:
    """Three A4 pages: text, an image-only page (a scan: no text layer), text."""
    from pypdf import PdfReader, PdfWriter
    first, second = _report_halves()
    w = PdfWriter()
    for part in (pdf_bytes(first), huge_image_page_pdf_bytes(side_pt=595), pdf_bytes(second)):
        w.append(PdfReader(io.BytesIO(part)))
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


@pytest.fixture
def no_ocr(monkeypatch):
    monkeypatch.setattr(ocr, "available", lambda: False)


@pytest.fixture
def mixed_pdf(tmp_path):
    p = tmp_path / "in" / "mixed.pdf"
    p.parent.mkdir()
    p.write_bytes(_scan_in_the_middle())
    return p


def test_scanned_page_without_ocr_is_named_not_dropped(mixed_pdf, no_ocr):
    doc = pdf.extract(mixed_pdf)
    assert doc.pages == 3
    assert doc.meta["pages_lost"] == [2]
    assert doc.meta["lost"] and any("page(s) 2:" in w and "OCR" in w for w in doc.warnings), doc.warnings
    first, second = _report_halves()
    assert first.split("\n")[0] in doc.text and second.split("\n")[-1] in doc.text   # pages 1 and 3 kept


def test_a_report_missing_a_page_is_partial_and_says_which(mixed_pdf, no_ocr):
    res = process_file(mixed_pdf)
    assert res["status"] == "partial", res["error"]
    assert res["record"] is not None
    assert any("page(s) 2" in w for w in res["warnings"]), res["warnings"]
    assert "第 2 页" in res["error"]         # the reason, also in Chinese


def test_a_clean_pdf_stays_ok_with_no_warnings(tmp_path, no_ocr):
    p = tmp_path / "clean.pdf"
    p.write_bytes(pdf_bytes(good_report_text(8)))
    res = process_file(p)
    assert (res["status"], res["warnings"], res["error"]) == ("ok", [], None)


def test_ingest_stores_a_partial_report_like_an_ok_one(mixed_pdf, tmp_path, no_ocr):
    db = tmp_path / "w.duckdb"
    summary = ingest([mixed_pdf], db, workers=1, progress=False)
    assert dict(summary.status) == {"partial": 1}, summary.lines()
    assert any("page(s) 2" in line for line in summary.lines())     # the run's summary names the page
    con = duckdb.connect(str(db), read_only=True)
    try:
        ((status, warnings, doc_id),) = con.execute("SELECT status, warnings, doc_id FROM ingest_log").fetchall()
        assert status == "partial"
        assert any("page(s) 2" in w for w in warnings), warnings
        for table in ("reports", "doc_text", "canonical_reports", "report_metrics"):
            assert con.execute(f"SELECT count(*) FROM {table} WHERE doc_id = ?", [doc_id]).fetchone()[0] == 1, table
        assert con.execute("SELECT count(*) FROM ingest_log WHERE list_contains(warnings, ?)",
                           [warnings[0]]).fetchone()[0] == 1      # a list a query can search, not text
    finally:
        con.close()


def test_a_partial_and_an_ok_report_of_one_batch_are_both_stored(mixed_pdf, tmp_path, no_ocr):
    from warehouse.store import Warehouse
    clean = tmp_path / "clean.pdf"
    clean.write_bytes(pdf_bytes(good_report_text(9)))
    results = [process_file(mixed_pdf), process_file(clean)]
    assert [r["status"] for r in results] == ["partial", "ok"]
    wh = Warehouse(tmp_path / "b.duckdb")
    try:
        wh.write_many(results, "run")
        got = dict(wh.con.execute("SELECT l.status, count(r.doc_id) FROM ingest_log l "
                                  "LEFT JOIN reports r USING (doc_id) GROUP BY 1").fetchall())
    finally:
        wh.close()
    assert got == {"partial": 1, "ok": 1}


def test_a_partial_file_is_read_again_by_the_next_ingest_an_ok_one_is_skipped(mixed_pdf, tmp_path, no_ocr):
    """Unchanged bytes are skipped, unless they were stored `partial`: once OCR is installed the
    next ingest completes the report without --force."""
    clean = mixed_pdf.parent / "clean.pdf"
    clean.write_bytes(pdf_bytes("\n".join(reversed(good_report_text(9).split("\n")))))
    db = tmp_path / "w.duckdb"
    ingest([mixed_pdf.parent], db, workers=1, progress=False)
    again = ingest([mixed_pdf.parent], db, workers=1, progress=False)
    assert dict(again.status) == {"partial": 1, "skipped": 1}, again.lines()


def test_a_table_left_out_makes_the_read_partial_a_mere_note_does_not():
    from extractors.model import TABLE, Block, Cell, Document, assemble
    from pipeline.flow import read_status
    sparse = Block(TABLE, "", cells=[Cell(i * 1000, i * 1000, str(i)) for i in range(300)])
    doc = assemble(Document("x.docx", "docx"), [Block("paragraph", "正文一段。"), sparse])
    got = read_status(doc)
    assert got["status"] == "partial" and "table was left out" in got["warnings"][0]
    noted = Document("y.doc", "txt", warnings=["named .doc but read as text"])
    assert read_status(noted) == {"status": "ok", "error": "named .doc but read as text",
                                  "warnings": ["named .doc but read as text"]}
