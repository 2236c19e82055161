"""The foundation: one document model from every format, the same report read the same way
whatever its format or encoding, a re-run that changes nothing, and module boundaries."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

import extractors
from extractors.model import TABLE
from pipeline import ingest
from pipeline.flow import process_file
from pipeline.record.indicators import columns_table, rows_table
from tests.conftest import ROOT
from tests.hostile_files import good_report_text


def _level1_rows(path: Path) -> list[tuple]:
    doc = extractors.extract(path)
    for b in doc.tables():
        rows = columns_table(b) or rows_table(b)
        if rows and sum(1 for r in rows if r["level"] == 1) >= 4:
            return sorted((r["name"], r["weight"], r["score"]) for r in rows if r["level"] == 1)
    return []


def test_score_table_cells_identical_across_formats(seeds):
    """The level-1 score table comes out with the same cells from txt, docx and pdf, for every seed
    report that has one in its txt rendition (most do: at least three must)."""
    stems = sorted(p.stem for p in (seeds / "txt").glob("*.txt")
                   if all((seeds / f / f"{p.stem}.{f}").exists() for f in ("docx", "pdf")))
    compared = 0
    for stem in stems:
        got = {fmt: _level1_rows(seeds / fmt / f"{stem}.{fmt}") for fmt in ("txt", "docx", "pdf")}
        if not got["txt"]:
            continue
        assert got["txt"] == got["docx"] == got["pdf"], (stem, got)
        compared += 1
    assert compared >= 3, f"only {compared} of {len(stems)} seed reports gave a level-1 table from their txt"


def test_other_encodings_give_the_same_document(seeds):
    """GB18030 and UTF-8-with-BOM+CRLF copies decode to the very same text (same doc_id)."""
    ids = {process_file(p)["doc_id"] for p in sorted((seeds / "encodings").glob("*.txt"))}
    ids.add(process_file(next((seeds / "txt").glob("000_*.txt")))["doc_id"])
    assert len(ids) == 1


def test_every_block_knows_where_it_is(seeds):
    """Pages and spans: each block's text is exactly its span of Document.text; PDF blocks carry a page."""
    doc = extractors.extract(next((seeds / "pdf").glob("004_*.pdf")))
    assert doc.pages and doc.pages > 1
    for b in doc.blocks:
        assert doc.text[b.start:b.end] == b.text
        assert b.page is not None and 1 <= b.page <= doc.pages
    assert any(b.kind == TABLE for b in doc.blocks)


def test_scanned_pdf_without_ocr_is_needs_ocr(seeds, monkeypatch):
    """An image-only PDF is never 'ok' with no text: without OCR it is needs_ocr with a reason."""
    from extractors import ocr
    monkeypatch.setattr(ocr, "available", lambda: False)
    res = process_file(next((seeds / "scanned").glob("*.pdf")))
    assert res["status"] == "needs_ocr"
    assert "OCR" in res["error"]


def test_short_text_page_is_not_sent_to_ocr(tmp_path, monkeypatch):
    """A text PDF whose last page holds only a date (under the 'no text layer' threshold) and no
    image keeps that date and never starts OCR: only a page that draws an image can be a scan."""
    from extractors import ocr
    from tests.hostile_files import pdf_bytes
    text = good_report_text(3)
    body = text.count("\n") + 1
    pdf = tmp_path / "dated.pdf"
    pdf.write_bytes(pdf_bytes(text + "\n" * (45 - body % 45) + "2024年5月6日", lines_per_page=45))

    def no_ocr(*a, **k):
        raise AssertionError("OCR started for a page without an image")
    monkeypatch.setattr(ocr, "ocr_pages", no_ocr)
    monkeypatch.setattr(ocr, "available", lambda: True)
    doc = extractors.extract(pdf)
    assert doc.pages >= 2 and not doc.meta.get("ocr_pages")
    assert doc.blocks[-1].text == "2024年5月6日" and doc.blocks[-1].page == doc.pages


def _counts(db: Path) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t: con.execute(f"select count(*) from {t}").fetchone()[0]
                for t in ("reports", "indicators", "problems", "findings", "provenance", "documents")}
    finally:
        con.close()


def test_ingest_twice_changes_nothing(tmp_path, samples):
    """Re-running ingest over the same folder adds no rows; every file is logged 'skipped'."""
    db = tmp_path / "w.duckdb"
    ingest.ingest([samples], db, workers=1, progress=False)
    first = _counts(db)
    assert first["reports"] >= 6 and first["indicators"] > 0
    ingest.ingest([samples], db, workers=1, progress=False)
    assert _counts(db) == first
    con = duckdb.connect(str(db), read_only=True)
    statuses = con.execute("select status, count(*) from ingest_log where run_id = "
                           "(select run_id from ingest_log order by logged_at desc limit 1) group by 1").fetchall()
    con.close()
    assert dict(statuses).keys() == {"skipped"}


def test_a_changed_file_replaces_its_earlier_version(tmp_path):
    """An edited file (same path, other bytes) replaces its earlier report — no stale twin left in
    the views or the audit list — unless another file still holds that earlier text; a changed file
    that can no longer be read keeps its earlier report."""
    folder = tmp_path / "in"
    folder.mkdir()
    a, b = folder / "a.txt", folder / "b.txt"
    a.write_text(good_report_text(5), encoding="utf-8")
    b.write_text(good_report_text(5), encoding="utf-8")          # a copy: the same report
    db = tmp_path / "w.duckdb"
    ingest.ingest([folder], db, workers=1, progress=False)

    def reports() -> list[str]:
        con = duckdb.connect(str(db), read_only=True)
        try:
            return sorted(r[0] for r in con.execute("SELECT doc_id FROM reports").fetchall())
        finally:
            con.close()
    (first,) = reports()
    a.write_text(good_report_text(6), encoding="utf-8")          # a edited: b still holds the first text
    ingest.ingest([folder], db, workers=1, progress=False)
    both = reports()
    assert len(both) == 2 and first in both
    b.write_text(good_report_text(7), encoding="utf-8")          # b edited too: nobody holds the first text
    ingest.ingest([folder], db, workers=1, progress=False)
    now = reports()
    assert len(now) == 2 and first not in now
    con = duckdb.connect(str(db), read_only=True)
    try:
        for t in ("indicators", "problems", "findings", "doc_text", "documents", "provenance"):
            assert con.execute(f"SELECT count(*) FROM {t} WHERE doc_id = ?", [first]).fetchone()[0] == 0, t
    finally:
        con.close()
    a.write_bytes(b"")                                            # a now unreadable: its report stays
    ingest.ingest([folder], db, workers=1, progress=False)
    assert reports() == now


def test_corpus_passes_run_only_when_the_reports_change(tmp_path, samples, monkeypatch):
    """The corpus passes (groups, categories, corpus rules) read the whole warehouse: a re-run where
    every file is unchanged skips them; a new report, or a crash before they ran, brings them back."""
    import shutil
    folder = tmp_path / "in"
    shutil.copytree(samples, folder)
    db = tmp_path / "w.duckdb"
    ingest.ingest([folder], db, workers=1, progress=False)
    ran = []
    real = ingest._corpus_passes
    monkeypatch.setattr(ingest, "_corpus_passes", lambda wh: (ran.append(1), real(wh)))
    ingest.ingest([folder], db, workers=1, progress=False)
    assert ran == []
    (folder / "new.txt").write_text(good_report_text(77), encoding="utf-8")
    ingest.ingest([folder], db, workers=1, progress=False)
    assert ran == [1]
    con = duckdb.connect(str(db))                 # as if the last run had died before its passes
    con.execute("DELETE FROM corpus_state")
    con.close()
    ingest.ingest([folder], db, workers=1, progress=False)
    assert ran == [1, 1]


LAYERS = {"extractors": {"pipeline", "warehouse", "corpus", "bench"},
          "warehouse": {"pipeline.cli", "corpus", "bench"}}


@pytest.mark.parametrize("package", sorted(LAYERS))
def test_lower_layers_do_not_import_upper_ones(package):
    """extractors know nothing of the pipeline or the warehouse (one format in, one model out)."""
    for py in (ROOT / package).rglob("*.py"):
        tree = ast.parse(py.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else []
            for n in names:
                assert not any(n == f or n.startswith(f + ".") for f in LAYERS[package]), f"{py}: imports {n}"


@pytest.mark.parametrize("command", ["ingest", "extract", "query", "audit", "rules", "report"])
def test_every_command_help_teaches_with_examples(command):
    """`--help` of every command shows at least one example to copy."""
    out = subprocess.run([sys.executable, "-m", "pipeline", command, "--help"], capture_output=True,
                         text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 0
    assert "example" in out.stdout.lower() or "示例" in out.stdout
    assert "python -m pipeline " + command in out.stdout
