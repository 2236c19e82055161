"""Files that lie about their size or structure, and errors that are the file's fault (issue 14:
D6 gridSpan, D10 page size, D11 orphaned OCR children, D12 "internal error" for bad input).

Whatever could take the machine's memory before the fix runs in a forked child under a memory
limit (``in_child`` or the runner's workers), so a regression fails the test instead of the box."""
from __future__ import annotations

import io
import json
import multiprocessing as mp
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

import extractors
import pipeline.runner as runner
from extractors import ocr
from extractors.model import TABLE, Block, Cell, Document, assemble
from pipeline.flow import process_file
from tests.hostile_files import (DOC_NS, docx_bytes, docx_table_xml, docx_with_document_xml,
                                 docx_with_external_styles_bytes, fake_tesseract, good_report_text,
                                 gridspan_bomb_docx_bytes, huge_image_page_pdf_bytes, pdf_bytes, write)

ROOT = Path(__file__).resolve().parents[1]


def _child(conn, fn, args, mem_mb):
    import resource
    lim = mem_mb << 20
    resource.setrlimit(resource.RLIMIT_AS, (lim, lim))
    try:
        conn.send(("ok", fn(*args)))
    except BaseException as e:  # noqa: BLE001 — hand whatever happened to the test
        conn.send(("raised", f"{type(e).__name__}: {e}"))


def in_child(fn, *args, mem_mb: int = 1024, timeout: float = 120):
    """``fn(*args)`` in a forked child under a memory limit; its return value, or AssertionError."""
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_child, args=(child, fn, args, mem_mb))
    proc.start()
    try:
        if not parent.poll(timeout):
            raise AssertionError(f"still running after {timeout} s")
        kind, value = parent.recv()
    except EOFError:
        raise AssertionError(f"the child died (exit code {proc.exitcode})")
    finally:
        proc.kill()
        proc.join()
    assert kind == "ok", value
    return value


def _tables(path: str) -> list[tuple[int, list[list[str]]]]:
    doc = extractors.extract(path)
    return [(len(t.grid()[0]) if t.cells else 0, t.grid()) for t in doc.tables()]


# ---------------------------------------------------------------- D6: a span is a claim, the grid is the table

@pytest.mark.parametrize("span", ["999999999", "200000", "9" * 5000])
def test_docx_gridspan_is_clamped_to_the_tables_grid(tmp_path, span):
    """A 3-column table whose "合计" cell claims ``span`` columns reads as 3 columns, the cell
    spanning what is left of the grid, within 1 GB (before: 10^9 columns, 23.7 GB; 200000 held a
    worker till its timeout; 5000 digits were an internal error)."""
    rows = [[("一级指标", 1), ("分值", 1), ("得分", 1)], [("合计", span)], [("产出", 1), ("30", 1), ("27.5", 1)]]
    p = write(tmp_path / "span.docx", docx_with_document_xml(docx_table_xml(rows, grid_cols=3)))
    (width, grid), = in_child(_tables, str(p))
    assert width == 3
    assert grid == [["一级指标", "分值", "得分"], ["合计", "合计", "合计"], ["产出", "30", "27.5"]]


def test_docx_span_without_a_table_grid_stops_at_words_column_limit(tmp_path):
    """No w:tblGrid to clamp to: a span still stops at Word's own limit of 63 columns."""
    from extractors.docx import MAX_GRID_COLS
    rows = [[("项目", 1), ("金额", 1)], [("合计", "5000000")]]
    p = write(tmp_path / "nogrid.docx", docx_with_document_xml(docx_table_xml(rows, grid_cols=None)))
    (width, grid), = in_child(_tables, str(p))
    assert width == MAX_GRID_COLS and grid[1] == ["合计"] * MAX_GRID_COLS


def test_a_wide_table_keeps_every_real_cell(tmp_path):
    """Clamping spans never drops a cell: a row with more cells than the declared grid keeps them all."""
    rows = [[(f"列{k}", 1) for k in range(5)], [("合计", 99)]]
    p = write(tmp_path / "wide.docx", docx_with_document_xml(docx_table_xml(rows, grid_cols=2)))
    (width, grid), = in_child(_tables, str(p))
    assert grid[0] == [f"列{k}" for k in range(5)]
    assert grid[1][0] == "合计"


def test_grid_is_bounded_by_the_cells_it_holds():
    """Whatever an extractor declares, grid() is as large as the cells can fill: a cell claiming
    10^9 columns keeps its text over the columns that exist, no more."""
    b = Block(TABLE, "", cells=[Cell(0, 0, "标题", colspan=10**9), Cell(1, 0, "甲"), Cell(1, 1, "乙"),
                                Cell(2, 0, "丙", rowspan=10**9), Cell(2, 1, "丁")])
    assert in_child(b.grid) == [["标题", "标题"], ["甲", "乙"], ["丙", "丁"]]
    assert in_child(b.grid, False) == [["标题", ""], ["甲", "乙"], ["丙", "丁"]]


def test_an_ordinary_table_grid_is_unchanged():
    """Merged cells inside a real table still fill their whole span (the bound never bites)."""
    b = Block(TABLE, "", cells=[Cell(0, 0, "指标", colspan=2), Cell(0, 2, "得分"), Cell(1, 0, "产出", rowspan=2),
                                Cell(1, 1, "数量"), Cell(1, 2, "9"), Cell(2, 1, "质量"), Cell(2, 2, "8")])
    assert b.grid() == [["指标", "指标", "得分"], ["产出", "数量", "9"], ["产出", "质量", "8"]]


def test_cells_scattered_over_a_vast_grid_leave_the_table_out_with_a_warning():
    """Cells on a diagonal of 10^6 × 10^6 cannot be condensed: the table is left out, said so,
    and the rest of the document is kept."""
    sparse = Block(TABLE, "", cells=[Cell(i * 1000, i * 1000, str(i)) for i in range(300)])
    with pytest.raises(AssertionError, match="TableTooLarge"):
        in_child(sparse.grid)
    doc = in_child(assemble, Document("x.docx", "docx"), [Block("paragraph", "正文一段。"), sparse])
    assert [b.kind for b in doc.blocks] == ["paragraph"]
    assert any("table was left out" in w for w in doc.warnings)


def _hog(path, *a, **k):
    block = bytearray(3 << 30)           # 3 GB: over the 512 MB limit below
    return {"source_path": str(path), "n": len(block)}


def _hang(path, *a, **k):
    time.sleep(600)


def test_extract_command_is_bounded_like_an_ingest_worker(tmp_path, monkeypatch, capsys):
    """`extract FILE` reads in a worker under ingest's limits: over memory or over time it stops
    with a message that says which limit and what to do, exit 2 (not an OOM kill of the shell)."""
    from pipeline import cli
    p = write(tmp_path / "r.txt", good_report_text(1))
    monkeypatch.setattr(runner, "process_file", _hog)
    assert cli.main(["extract", str(p), "--mem-mb", "512"]) == 2
    err = capsys.readouterr().err
    assert "memory" in err and "--mem-mb" in err and "内存" in err, err
    monkeypatch.setattr(runner, "process_file", _hang)
    assert cli.main(["extract", str(p), "--timeout", "2"]) == 2
    err = capsys.readouterr().err
    assert "took longer than 2 s" in err and "--timeout" in err, err


def _address_space(mb: int):
    def limit():
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (mb << 20, mb << 20))
    return limit


def test_extract_command_reads_the_gridspan_file_in_bounded_memory(tmp_path):
    """`python -m pipeline extract` on the gridSpan file prints its record, in a shell that allows
    it 2 GB (before: the kernel's OOM killer ended it at 23.7 GB)."""
    p = write(tmp_path / "r.docx", gridspan_bomb_docx_bytes())
    out = subprocess.run([sys.executable, "-m", "pipeline", "extract", str(p), "--compact", "--mem-mb", "1024"],
                         cwd=ROOT, capture_output=True, text=True, timeout=180, preexec_fn=_address_space(2048))
    assert out.returncode == 0, out.stderr[-2000:]
    rec = json.loads(out.stdout)
    assert rec["status"] == "ok" and rec["title"]


# ---------------------------------------------------------------- D10: page size is capped by pixels

@pytest.fixture
def ocr_sizes(monkeypatch):
    """OCR 'installed', reading nothing: the size of each page image handed to it is recorded."""
    sizes: list[tuple[int, int]] = []
    monkeypatch.setattr(ocr, "available", lambda: True)

    def record(img, page_no=1):
        sizes.append(img.size)
        return [], 0.0
    monkeypatch.setattr(ocr, "ocr_image", record)
    return sizes


def test_large_page_is_rendered_within_the_pixel_cap(tmp_path, ocr_sizes):
    """A 2400 pt (33 in) square scan is rendered at the dpi that fits MAX_PAGE_PIXELS, not at 300
    dpi (10000² px); an A4 scan still at the full 300 dpi."""
    big = write(tmp_path / "big.pdf", huge_image_page_pdf_bytes(side_pt=2400, grey=0xFF))
    extractors.extract(big)
    (w, h), = ocr_sizes
    assert w * h <= ocr.MAX_PAGE_PIXELS
    assert w >= 2400 / 72 * ocr.MIN_DPI            # still readable: at least MIN_DPI
    ocr_sizes.clear()
    a4 = write(tmp_path / "a4.pdf", huge_image_page_pdf_bytes(side_pt=595, grey=0xFF))
    extractors.extract(a4)
    (w, h), = ocr_sizes
    assert abs(w - 595 / 72 * ocr.DPI) <= 2


def test_page_too_large_to_read_says_so_not_memory(tmp_path, monkeypatch):
    """The 660-byte PDF with a 14400 pt page: 'page too large to read', never rendered (before:
    60000² px, 3.6 GB, then 're-run with a larger --mem-mb', which could not help)."""
    monkeypatch.setattr(ocr, "available", lambda: True)
    p = write(tmp_path / "huge.pdf", huge_image_page_pdf_bytes())
    assert p.stat().st_size < 1000
    (res,) = list(runner.run_files([p], workers=1, timeout=120, mem_mb=1024))
    assert res["status"] == "failed", res
    assert "too large to read" in res["error"] and "页面过大" in res["error"], res["error"]
    assert "mem-mb" not in res["error"] and "memory" not in res["error"]


def test_too_large_page_beside_text_pages_is_left_out_with_a_warning(tmp_path, ocr_sizes):
    from pypdf import PdfReader, PdfWriter
    w = PdfWriter()
    for part in (pdf_bytes(good_report_text(5)), huge_image_page_pdf_bytes()):
        w.append(PdfReader(io.BytesIO(part)))
    buf = io.BytesIO()
    w.write(buf)
    p = write(tmp_path / "mixed.pdf", buf.getvalue())
    status, error, sizes = in_child(_read_recording_sizes, p, ocr_sizes)
    assert status == "partial", error               # stored, the page it lacks named (issue 17)
    assert "page(s) 2 too large to read" in error
    assert sizes == []                              # the huge page was never rendered


def _read_recording_sizes(path, sizes):
    res = process_file(path)
    return res["status"], res["error"], list(sizes)


# ---------------------------------------------------------------- D11: a timeout stops the worker's children too

def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state not in ("Z", "X")          # a zombie waits for its parent (or init) only


def test_timeout_stops_the_workers_tesseract_too(tmp_path, monkeypatch):
    """A scanned page whose tesseract never returns: when the file passes --timeout, the worker
    and the tesseract it started both end (before: tesseract was orphaned and ran on)."""
    bin_dir = tmp_path / "bin"
    fake_tesseract(bin_dir, sleep_s=600)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    ocr._langs.cache_clear()
    scan = write(tmp_path / "in" / "scan.pdf", huge_image_page_pdf_bytes(side_pt=300, grey=0xFF))
    pids_file = bin_dir / "tesseract.pids"
    try:
        (res,) = list(runner.run_files([scan], workers=1, timeout=15, mem_mb=2048))
        assert res["status"] == "skipped" and "took longer" in res["error"], res
        assert pids_file.exists(), "tesseract never started: the test proves nothing"
        pids = [int(x) for x in pids_file.read_text().split()]
        deadline = time.monotonic() + 10
        while any(_alive(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(0.1)             # SIGKILL is delivered at once; this only waits for it
        assert not [p for p in pids if _alive(p)], "tesseract outlived its worker"
    finally:
        ocr._langs.cache_clear()
        for p in (int(x) for x in pids_file.read_text().split()) if pids_file.exists() else ():
            if _alive(p):
                os.kill(p, signal.SIGKILL)


def _whoami(path, *a, **k):
    return {"source_path": str(path), "pid": os.getpid(), "pgid": os.getpgid(0), "status": "ok", "error": None}


def test_workers_lead_their_own_process_group_apart_from_host_and_writer(tmp_path, monkeypatch):
    """Killing a worker's group can never reach the host or the writer: each worker leads its own."""
    p = write(tmp_path / "r.txt", good_report_text(1))
    monkeypatch.setattr(runner, "process_file", _whoami)
    with runner.WorkerHost(workers=1, timeout=60) as host:
        (res,) = list(runner.run_files([p], host=host))
        host_group = os.getpgid(host._proc.pid)
    assert res["pgid"] == res["pid"]
    assert res["pgid"] not in (host_group, os.getpgid(0))


# ---------------------------------------------------------------- D12: the file's fault is not "internal error"

def test_docx_with_external_styles_is_read_without_its_styles(tmp_path):
    """A styles relationship that points outside the file (broken or hostile) costs the style
    names only: the report is read, and the warning says why headings came from numbering."""
    p = write(tmp_path / "ext.docx", docx_with_external_styles_bytes())
    res = process_file(p)
    assert res["status"] == "ok", res["error"]
    assert res["record"]["title"]
    assert "styles part could not be read" in res["error"] and "样式表" in res["error"]
    assert "internal error" not in res["error"]


def _lxml_error(path):
    from lxml import etree
    etree.fromstring(b"<w:document><w:body>")


def _zip_missing_part(path):
    with zipfile.ZipFile(path) as z:
        z.read("word/no-such-part.xml")         # KeyError raised inside zipfile


def _docx_external_part(path):
    import docx
    docx.Document(str(path)).styles             # ValueError raised inside python-docx


def _our_own_bug(path):
    return {}["a key this program forgot"]      # KeyError raised in this project's code


@pytest.mark.parametrize("reader, broken", [(_lxml_error, True), (_zip_missing_part, True),
                                            (_docx_external_part, True), (_our_own_bug, False)])
def test_parser_errors_are_bad_input_and_own_errors_stay_internal(tmp_path, monkeypatch, reader, broken):
    """An error a parsing library raises on the file's bytes is a broken or hostile file (failed,
    with what to do); an error raised in this program's own code is still an internal error."""
    p = write(tmp_path / "r.docx", docx_with_external_styles_bytes())
    monkeypatch.setitem(extractors.EXTRACTORS, "docx", reader)
    res = process_file(p)
    assert res["status"] == "failed"
    if broken:
        assert "broken or hostile DOCX" in res["error"] and "Word" in res["error"], res["error"]
        assert "internal error" not in res["error"]
    else:
        assert "internal error" in res["error"], res["error"]


def test_docx_without_a_body_is_a_broken_file(tmp_path):
    xml = f'<?xml version="1.0" encoding="UTF-8"?><w:document {DOC_NS}></w:document>'.encode()
    res = process_file(write(tmp_path / "nobody.docx", docx_with_document_xml(xml)))
    assert res["status"] == "failed" and "no document body" in res["error"], res["error"]


@pytest.mark.parametrize("error", [
    ImportError("/venv/lxml/etree.cpython-311-x86_64-linux-gnu.so: failed to map segment from shared object"),
    OSError("/venv/pypdfium2_raw/libpdfium.so: failed to map segment from shared object"),
    OSError(12, "Cannot allocate memory")])
def test_library_that_cannot_load_in_the_memory_limit_is_a_memory_failure(tmp_path, monkeypatch, error):
    """The memory limit hit while a reader's library loads says memory and what to do, through
    the workers exactly as ingest logs it (before: 'internal error ImportError')."""
    p = write(tmp_path / "r.docx", docx_bytes(good_report_text(2)))

    def cannot_load(path):
        raise error
    monkeypatch.setitem(extractors.EXTRACTORS, "docx", cannot_load)
    (res,) = list(runner.run_files([p], workers=1, timeout=60, mem_mb=2048))
    assert res["status"] == "failed"
    assert "memory limit (2048 MB)" in res["error"] and "--mem-mb" in res["error"] and "内存" in res["error"]
    assert "internal error" not in res["error"]


MEMORY_SCRIPT = """
import json, resource, sys
from pipeline.flow import process_file
assert "lxml" not in sys.modules           # the DOCX reader's library is loaded below, under the limit
vm = int(open("/proc/self/status").read().split("VmSize:")[1].split()[0]) * 1024
resource.setrlimit(resource.RLIMIT_AS, (vm + (2 << 20),) * 2)
r = process_file(sys.argv[1])
print(json.dumps({"status": r["status"], "error": r["error"]}))
"""


def test_real_memory_limit_while_lxml_loads_is_reported_as_memory(tmp_path):
    """The real thing, in a fresh interpreter: 2 MB of room left, then a DOCX is read, so lxml
    cannot be mapped. The file is logged as out of memory, not as a bug to report."""
    p = write(tmp_path / "r.docx", docx_bytes(good_report_text(3)))
    out = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT, str(p)], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    res = json.loads(out.stdout.strip().splitlines()[-1])
    assert res["status"] == "failed" and "memory" in res["error"], res
    assert "internal error" not in res["error"]
