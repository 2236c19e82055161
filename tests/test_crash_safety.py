"""Crash safety and concurrency of the warehouse (issue #7): an ingest killed with SIGKILL and
re-run holds exactly what a clean run holds; a second ingest on a locked warehouse stops with a
clear message; ``query`` refuses writes."""
from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tests.hostile_files import docx_bytes, good_report_text, write

ROOT = Path(__file__).resolve().parents[1]
N_REPORTS = 30
N_RACE = 10
IGNORED_COLS = {"run_id", "seconds", "ingested_at", "first_seen", "logged_at", "applied_at", "updated_at"}


def make_corpus(folder: Path, n: int = N_REPORTS) -> list[Path]:
    files = []
    for i in range(n):
        if i % 6 == 5:
            files.append(write(folder / f"r{i:02d}.docx", docx_bytes(good_report_text(100 + i))))
        else:
            files.append(write(folder / f"r{i:02d}.txt", good_report_text(100 + i)))
    return files


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "pipeline", *args]


def snapshot(db: Path) -> dict[str, list[tuple]]:
    """Every table's rows (sorted, duplicates kept) without run ids, timestamps and timings;
    ingest_log as each file's set of real outcomes (not the 'unchanged, skipped' rows a re-run adds)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1").fetchall()]
        out: dict[str, list[tuple]] = {}
        for t in tables:
            if t == "ingest_log":
                rows = con.execute("SELECT source_path, status, doc_id FROM ingest_log "
                                   "WHERE error IS NULL OR error NOT LIKE 'unchanged since the last ingest%'").fetchall()
                out[t] = sorted(set(rows), key=repr)
                continue
            cols = [r[0] for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' AND table_name = ? "
                "ORDER BY ordinal_position", [t]).fetchall() if r[0] not in IGNORED_COLS]
            rows = con.execute(f"SELECT {', '.join(cols)} FROM {t}").fetchall()
            out[t] = sorted(rows, key=repr)
        return out
    finally:
        con.close()


def count(db: Path, sql: str) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def _processes_with(arg: str) -> list[int]:
    """pids whose command line holds ``arg``."""
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if arg.encode() in (d / "cmdline").read_bytes().split(b"\0"):
                    out.append(int(d.name))
            except OSError:
                pass
    return out


def start_and_kill(folder: Path, db: Path, after: int) -> int:
    """Start an ingest (writing batches of 4), SIGKILL it once its progress shows ``after`` files
    stored; the count seen."""
    proc = subprocess.Popen(cli("ingest", str(folder), "--db", str(db), "--workers", "1", "--progress"),
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env=dict(os.environ, JIXIAO_WRITE_BATCH="4"))
    seen, buf = 0, b""
    deadline = time.monotonic() + 120
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            r, _, _ = select.select([proc.stderr], [], [], 0.2)
            if not r:
                continue
            buf += os.read(proc.stderr.fileno(), 65536)
            m = re.findall(rb"stored=(\d+)", buf[-400:])
            if m:
                seen = int(m[-1])
            if seen >= after:
                proc.send_signal(signal.SIGKILL)
                break
    finally:
        proc.wait(30)
        proc.stderr.close()
    return seen


@pytest.mark.slow
def test_sigkill_mid_run_then_rerun_equals_clean_run(tmp_path):
    from pipeline.ingest import ingest
    folder = tmp_path / "in"
    make_corpus(folder)
    clean_db = tmp_path / "clean.duckdb"
    ingest([folder], clean_db, workers=2, progress=False)
    assert count(clean_db, "SELECT count(*) FROM reports") == N_REPORTS

    db = tmp_path / "crash.duckdb"
    seen = start_and_kill(folder, db, after=8)
    assert 8 <= seen < N_REPORTS, "the first ingest must be killed mid-run"
    # its worker host and workers (forks: same command line) notice the writer is gone and end,
    # at the latest after the file in hand; none is left waiting for work
    deadline = time.monotonic() + 90
    while _processes_with(str(db)) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not _processes_with(str(db)), "processes of the killed ingest are still running"
    stored = count(db, "SELECT count(*) FROM reports")
    assert 0 < stored < N_REPORTS                     # it really stopped half way
    ingest([folder], db, workers=2, progress=False)   # the re-run

    got, want = snapshot(db), snapshot(clean_db)
    assert set(got) == set(want)
    for table in want:
        assert got[table] == want[table], f"table {table} differs from a clean run"
    # no file processed twice into the warehouse, none lost
    assert count(db, "SELECT count(*) - count(DISTINCT doc_id) FROM reports") == 0
    assert count(db, "SELECT count(DISTINCT source_path) FROM ingest_log") == N_REPORTS


def test_second_ingest_on_a_locked_warehouse_stops_with_clear_message(tmp_path):
    folder = tmp_path / "in"
    write(folder / "r.txt", good_report_text(1))
    db = tmp_path / "w.duckdb"
    from warehouse.store import Warehouse
    Warehouse(db).close()                       # a warehouse (a foreign DuckDB file would be refused)
    holder = duckdb.connect(str(db))            # another ingest holds the warehouse
    try:
        proc = subprocess.run(cli("ingest", str(folder), "--db", str(db), "--quiet"), cwd=ROOT,
                              capture_output=True, text=True, timeout=120)
    finally:
        holder.close()
    assert proc.returncode != 0
    assert "in use by another process" in proc.stderr and "请等待" in proc.stderr, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    # the warehouse is intact and the next run works
    from pipeline.ingest import ingest
    assert ingest([folder], db, workers=1, progress=False).status["ok"] == 1
    assert count(db, "SELECT count(*) FROM reports") == 1


@pytest.mark.slow
def test_two_ingests_at_once_do_not_corrupt(tmp_path):
    folder = tmp_path / "in"
    make_corpus(folder, N_RACE)
    db = tmp_path / "w.duckdb"
    args = cli("ingest", str(folder), "--db", str(db), "--workers", "1", "--quiet")
    a = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    b = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    results = [(p.wait(180), p.communicate()[1]) for p in (a, b)]
    assert any(rc == 0 for rc, _ in results), results
    for rc, err in results:
        assert rc == 0 or (rc == 2 and "in use by another process" in err), err[-2000:]
    assert count(db, "SELECT count(*) FROM reports") == N_RACE
    assert count(db, "SELECT count(*) - count(DISTINCT doc_id) FROM reports") == 0
    assert count(db, "SELECT count(*) FROM (SELECT doc_id, seq FROM indicators GROUP BY ALL HAVING count(*) > 1)") == 0


@pytest.fixture(scope="module")
def small_db(tmp_path_factory):
    from pipeline.ingest import ingest
    tmp = tmp_path_factory.mktemp("q")
    write(tmp / "in" / "r.txt", good_report_text(1))
    ingest([tmp / "in"], tmp / "w.duckdb", workers=1, progress=False)
    return tmp / "w.duckdb"


@pytest.mark.parametrize("sql", [
    "INSERT INTO reports (doc_id) VALUES ('intruder')",
    "DROP TABLE reports",
    "DELETE FROM reports",
    "UPDATE reports SET total_score = 0",
    "CREATE TABLE extra (x INTEGER)",
    "SELECT 1; DROP TABLE ingest_log",
    "COPY reports TO '/tmp/jixiao_exfil.csv'",          # writes outside the warehouse
    "ATTACH '/tmp/jixiao_other.duckdb' AS other",
])
def test_query_refuses_writes(small_db, sql, capsys):
    from pipeline.cli import main
    before = snapshot(small_db)
    rc = main(["query", "--db", str(small_db), sql])      # the command itself, in-process
    err = capsys.readouterr().err
    assert rc != 0
    assert "read-only" in err, err
    assert snapshot(small_db) == before


def test_query_reads(small_db):
    proc = subprocess.run(cli("query", "--db", str(small_db), "SELECT status, count(*) AS n FROM ingest_log GROUP BY 1"),
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "ok" in proc.stdout, proc.stderr


def test_record_the_warehouse_refuses_is_logged_and_rolled_back(tmp_path, monkeypatch):
    """A value a column refuses, met half way through a report's rows: the report's transaction
    is rolled back whole (no reports row without its indicators), the file is logged, the batch goes on."""
    import pipeline.runner as runner
    from pipeline.ingest import ingest
    folder = tmp_path / "in"
    bad = write(folder / "a_bad.txt", good_report_text(1))
    good = write(folder / "b_good.txt", good_report_text(2))
    real = runner.process_file

    def poison(path, *a, **k):
        res = real(path, *a, **k)
        if Path(path).name == bad.name and res.get("record"):
            rec = dict(res["record"])
            rec["indicators"] = list(rec.get("indicators") or []) + [{"level": 1, "name": "x", "weight": "heavy"}]
            res["record"] = rec
        return res
    monkeypatch.setattr(runner, "process_file", poison)
    db = tmp_path / "w.duckdb"
    s = ingest([folder], db, workers=1, progress=False)
    assert s.files == 2
    con = duckdb.connect(str(db), read_only=True)
    try:
        status, error = con.execute("SELECT status, error FROM ingest_log WHERE source_path = ?", [str(bad)]).fetchone()
        assert status == "failed" and "could not be stored" in error and "无法写入" in error
        # the warehouse's own words (the value it refused), not the aborted transaction that followed
        assert "heavy" in error and "aborted" not in error.lower()
        assert con.execute("SELECT status FROM ingest_log WHERE source_path = ?", [str(good)]).fetchone()[0] == "ok"
        assert con.execute("SELECT count(*) FROM reports").fetchone()[0] == 1
        assert con.execute("SELECT count(*) FROM indicators WHERE doc_id NOT IN (SELECT doc_id FROM reports)").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM doc_text").fetchone()[0] == 1
    finally:
        con.close()


def test_ingest_with_wait_queues_behind_the_holder(tmp_path):
    """--wait: an ingest started while another process holds the warehouse waits (saying so once)
    and runs when the holder lets go, instead of stopping."""
    import threading
    folder = tmp_path / "in"
    write(folder / "r.txt", good_report_text(1))
    db = tmp_path / "w.duckdb"
    from warehouse.store import Warehouse
    Warehouse(db).close()                       # a warehouse (a foreign DuckDB file would be refused)
    holder = duckdb.connect(str(db))
    release = threading.Timer(4.0, holder.close)
    release.start()
    try:
        proc = subprocess.run(cli("ingest", str(folder), "--db", str(db), "--quiet", "--wait", "120"), cwd=ROOT,
                              capture_output=True, text=True, timeout=300)
    finally:
        release.join()
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "waiting up to 120 s" in proc.stderr and "等待中" in proc.stderr
    assert count(db, "SELECT count(*) FROM reports") == 1
