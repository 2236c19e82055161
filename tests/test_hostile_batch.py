"""One badly named or badly made file never stops the batch, and a file's report lives exactly as
long as a file holds it (issue #14: D1, D2, D3, D13, D15).

Each test builds its own folder of synthetic reports (tests/hostile_files.py) and runs ingest the
way a user does: the CLI where the exit code matters, the API elsewhere."""
from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb

from pipeline.ingest import ingest
from tests.hostile_files import docx_bytes, good_report_text, write
from warehouse import paths

ROOT = Path(__file__).resolve().parents[1]


def rows(db: Path, sql: str, params=()) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def gbk_name(folder: Path, name: str) -> bytes:
    """The path of ``name`` in ``folder`` as a Chinese-Windows zip leaves it: GBK bytes, not UTF-8."""
    return os.fsencode(folder) + b"/" + name.encode("gbk")


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


# ------------------------------------------------------------------ D1: names that are not UTF-8

def test_gbk_named_files_are_logged_and_the_batch_goes_on(tmp_path):
    """A GBK-named attachment and a GBK-named report beside good reports: exit 0, one log row per
    file, every report stored, the name shown readably and kept losslessly."""
    folder = tmp_path / "in"
    for i in range(3):
        write(folder / f"r{i}.txt", good_report_text(i))
    with open(gbk_name(folder, "附件1资金明细表.xlsx"), "wb") as f:
        f.write(b"PK\x03\x04 not really a spreadsheet")
    with open(gbk_name(folder, "县级报告.txt"), "wb") as f:
        f.write(good_report_text(7).encode("utf-8"))
    db = tmp_path / "w.duckdb"
    proc = run_cli("ingest", str(folder), "--db", str(db), "--workers", "1")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    log = rows(db, "SELECT source_path, path_key, status FROM ingest_log")
    assert len(log) == 5
    by_name = {Path(p).name: (k, st) for p, k, st in log}
    assert by_name["附件1资金明细表.xlsx"][1] == "skipped"
    assert by_name["县级报告.txt"][1] == "ok"
    # the key gives the exact bytes back: the file can be found again on disk
    raw = paths.key_to_bytes(by_name["县级报告.txt"][0])
    assert raw == os.path.realpath(gbk_name(folder, "县级报告.txt")) and os.path.exists(raw)
    assert rows(db, "SELECT count(*) FROM reports")[0][0] == 4
    assert {Path(p).name for (p,) in rows(db, "SELECT source_path FROM reports")} >= {"县级报告.txt"}
    # a second run is just as calm: everything unchanged
    again = run_cli("ingest", str(folder), "--db", str(db), "--workers", "1")
    assert again.returncode == 0, again.stderr[-2000:]
    assert rows(db, "SELECT count(*) FROM reports")[0][0] == 4


def test_path_forms_are_readable_and_lossless(tmp_path):
    """readable() never yields text a VARCHAR refuses; key() tells every distinct name apart."""
    names = ["报告.txt".encode("gbk"), b"\xff\xfe.txt", "正常名.txt".encode("utf-8"), b"a%2Fb.txt"]
    keys = set()
    for n in names:
        p = os.fsencode(tmp_path) + b"/" + n
        open(p, "wb").close()
        shown = paths.readable(os.fsdecode(p))
        shown.encode("utf-8")                      # would raise on a lone surrogate
        k = paths.key(os.fsdecode(p))
        k.encode("utf-8")
        assert paths.key_to_bytes(k) == os.path.realpath(p)
        keys.add(k)
    assert len(keys) == len(names)
    assert paths.readable(os.fsdecode("报告.txt".encode("gbk"))) == "报告.txt"


# ------------------------------------------------------------------ D2/D15: values no column holds

def _docx_with_pages(text: str, pages: str) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(docx_bytes(text)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for item in src.infolist():
            if item.filename != "docProps/app.xml":
                z.writestr(item, src.read(item.filename))
        z.writestr("docProps/app.xml", f'<?xml version="1.0"?><Properties><Pages>{pages}</Pages></Properties>')
    return out.getvalue()


def test_docx_claiming_billions_of_pages_is_stored_with_pages_null(tmp_path):
    """docProps/app.xml says 3·10^9 (or 10^23) pages: the report is stored, pages is NULL, the log
    says which value did not fit, and the good report beside it is stored too."""
    folder = tmp_path / "in"
    write(folder / "a.docx", _docx_with_pages(good_report_text(1), "3000000000"))
    write(folder / "b.docx", _docx_with_pages(good_report_text(2), "1" + "0" * 23))
    write(folder / "c.txt", good_report_text(3))
    db = tmp_path / "w.duckdb"
    proc = run_cli("ingest", str(folder), "--db", str(db), "--workers", "1")
    assert proc.returncode == 0, proc.stderr[-2000:]
    log = {Path(p).name: (st, err, pages) for p, st, err, pages in
           rows(db, "SELECT source_path, status, error, pages FROM ingest_log")}
    assert [log[n][0] for n in ("a.docx", "b.docx", "c.txt")] == ["ok", "ok", "ok"]
    assert log["a.docx"][2] is None and "pages" in (log["a.docx"][1] or "")
    assert rows(db, "SELECT count(*) FROM reports WHERE pages IS NULL AND source_format = 'docx'")[0][0] == 2
    assert rows(db, "SELECT count(*) FROM reports")[0][0] == 3


def test_a_count_beyond_bigint_is_null_with_a_note_not_a_lost_report(tmp_path, monkeypatch):
    """A misread count of 10^23 people: the report is stored, beneficiaries is NULL, the log names
    the value."""
    import pipeline.runner as runner
    real = runner.process_file

    def inflate(path, *a, **k):
        res = real(path, *a, **k)
        if Path(path).name == "big.txt" and res.get("record"):
            res["record"] = dict(res["record"], beneficiaries=10 ** 23)
        return res
    monkeypatch.setattr(runner, "process_file", inflate)
    folder = tmp_path / "in"
    write(folder / "big.txt", good_report_text(4))
    write(folder / "ok.txt", good_report_text(5))
    db = tmp_path / "w.duckdb"
    s = ingest([folder], db, workers=1, progress=False)
    assert s.status["ok"] == 2
    (benef, err), = rows(db, "SELECT r.beneficiaries, l.error FROM reports r JOIN ingest_log l USING (doc_id) "
                             "WHERE r.source_path LIKE '%big.txt'")
    assert benef is None and "reports.beneficiaries=1" in err and "超出范围" in err


# ------------------------------------------------------------------ D3: a report lives as long as a file holds it

def _reports_by_file(db: Path) -> dict[str, str]:
    return {Path(p).name: d for p, d in rows(db, "SELECT d.source_path, d.doc_id FROM documents d "
                                                 "JOIN reports USING (doc_id)")}


def test_overwriting_a_file_with_a_copy_of_another_drops_its_old_report(tmp_path):
    """(a) cp b.txt a.txt: a.txt now holds b's text; a's old report must leave the views."""
    folder = tmp_path / "in"
    a = write(folder / "a.txt", good_report_text(1))
    b = write(folder / "b.txt", good_report_text(2))
    db = tmp_path / "w.duckdb"
    ingest([folder], db, workers=1, progress=False)
    old_a = _reports_by_file(db)["a.txt"]
    shutil.copy(b, a)
    ingest([folder], db, workers=1, progress=False)
    held = _reports_by_file(db)
    assert held["a.txt"] == held["b.txt"]
    assert rows(db, "SELECT count(*) FROM reports WHERE doc_id = ?", [old_a])[0][0] == 0
    assert rows(db, "SELECT count(*) FROM findings WHERE doc_id = ?", [old_a])[0][0] == 0
    assert rows(db, "SELECT count(*) FROM reports")[0][0] == 1


def test_a_copy_keeps_the_report_when_the_original_is_edited(tmp_path):
    """(b) cp a.txt c.txt (c skipped as unchanged), then edit a.txt: c still holds the old text,
    so that report stays, now and on the next run."""
    folder = tmp_path / "in"
    a = write(folder / "a.txt", good_report_text(1))
    db = tmp_path / "w.duckdb"
    ingest([folder], db, workers=1, progress=False)
    first = _reports_by_file(db)["a.txt"]
    shutil.copy(a, folder / "c.txt")
    ingest([folder], db, workers=1, progress=False)
    write(a, good_report_text(9))
    ingest([folder], db, workers=1, progress=False)
    held = _reports_by_file(db)
    assert held["c.txt"] == first and held["a.txt"] != first
    assert rows(db, "SELECT count(*) FROM reports")[0][0] == 2
    ingest([folder], db, workers=1, progress=False)
    assert _reports_by_file(db) == held


def test_relative_and_absolute_names_of_one_file_are_one_file(tmp_path, monkeypatch):
    """(c) ingest by absolute path, edit, ingest by relative path: one report, the new one."""
    folder = tmp_path / "in"
    a = write(folder / "a.txt", good_report_text(1))
    db = tmp_path / "w.duckdb"
    ingest([folder.resolve()], db, workers=1, progress=False)
    write(a, good_report_text(3))
    monkeypatch.chdir(tmp_path)
    ingest([Path("in")], db, workers=1, progress=False)
    assert rows(db, "SELECT count(*) FROM reports")[0][0] == 1
    assert rows(db, "SELECT count(DISTINCT path_key) FROM documents")[0][0] == 1
    (text,), = rows(db, "SELECT text FROM doc_text")
    assert "第4号" in text


# ------------------------------------------------------------------ D13: files that are not files

def test_a_fifo_is_logged_not_read_and_does_not_hang(tmp_path):
    """A FIFO named as the path, and one inside the folder: each gets a skipped row saying what it
    is; the good report is stored; nothing blocks on opening the pipe."""
    folder = tmp_path / "in"
    write(folder / "good.txt", good_report_text(1))
    os.mkfifo(folder / "pipe.txt")
    os.mkfifo(tmp_path / "alone.txt")
    db = tmp_path / "w.duckdb"
    s = ingest([folder, tmp_path / "alone.txt"], db, workers=1, progress=False)
    assert s.files == 3 and s.status["ok"] == 1
    log = {Path(p).name: (st, err) for p, st, err in rows(db, "SELECT source_path, status, error FROM ingest_log")}
    for name in ("pipe.txt", "alone.txt"):
        assert log[name][0] == "skipped" and "not a regular file" in log[name][1]


def test_a_library_that_cannot_load_in_the_memory_limit_is_memory_not_a_bug(tmp_path, monkeypatch):
    """An import that fails under the worker's memory limit while the record is built is reported
    as memory, with what to do, never as an internal error to report."""
    import pipeline.flow as flow

    def no_room(doc):
        raise ImportError("libfoo.so: failed to map segment from shared object")
    monkeypatch.setattr(flow, "build_record", no_room)
    res = flow.process_file(write(tmp_path / "a.txt", good_report_text(1)))
    assert res["status"] == "failed"
    assert "memory" in res["error"] and "--mem-mb" in res["error"] and "internal error" not in res["error"]
