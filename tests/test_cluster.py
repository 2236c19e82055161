"""Ingest on a Dask cluster (issue #16): the same rows as the local pool, every file exactly once
when a worker dies mid-run, a file that hangs or kills its process logged without stalling the
cluster, a path a worker cannot read logged ``failed``, and a scheduler that goes away mid-run:
exit 2, what was stored kept, a re-run finishes the rest."""
from __future__ import annotations

import os
import re
import select
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tests.hostile_files import NOT_A_REPORT, before_reading, docx_bytes, good_report_text, pdf_bytes, write
from tests.test_crash_safety import cli, count, snapshot

pytest.importorskip("distributed")

ROOT = Path(__file__).resolve().parents[1]


def make_formats(folder: Path, n: int = 3) -> list[Path]:
    """``n`` synthetic reports in each of TXT, DOCX and PDF, one text that is no report, one note file.
    Every file holds a report of its own: renditions of one report share a doc_id, and which of them
    the reports row names depends on the order results reach the writer, with the local pool too."""
    files = []
    for i in range(n):
        files.append(write(folder / f"r{i}.txt", good_report_text(700 + i)))
        files.append(write(folder / f"r{i}.docx", docx_bytes(good_report_text(710 + i))))
        files.append(write(folder / f"r{i}.pdf", pdf_bytes(good_report_text(720 + i))))
    files.append(write(folder / "recipe.txt", NOT_A_REPORT))
    write(folder / "notes.csv", "a,b\n1,2\n")
    return files


def make_texts(folder: Path, n: int) -> list[Path]:
    return [write(folder / f"t{i:02d}.txt", good_report_text(800 + i)) for i in range(n)]


def run_log(db: Path, run_id: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT source_path, status, error FROM ingest_log WHERE run_id = ? ORDER BY 1",
                           [run_id]).fetchall()
    finally:
        con.close()


# floats are measurements (boxes on the page, in points): equal within half a point, a fraction of a
# character. Boxes come from the PDF's own metrics (extractors/geometry.py); this guards against float
# noise between processes, not against a box in another place
BOX_TOLERANCE_PT = 0.5


def _same_value(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) <= BOX_TOLERANCE_PT
    return a == b


def assert_same_rows(got: dict, want: dict) -> None:
    assert set(got) == set(want)
    for table in want:
        assert len(got[table]) == len(want[table]), f"table {table}: {len(got[table])} rows, a local ingest {len(want[table])}"
        for g, w in zip(got[table], want[table]):
            assert len(g) == len(w) and all(map(_same_value, g, w)), f"table {table} differs from a local ingest: {g} != {w}"


@pytest.fixture
def dask_cluster():
    """A LocalCluster of 2 worker processes (not daemons, as ingest requires) and a client to it."""
    import dask
    from distributed import Client, LocalCluster
    with dask.config.set({"distributed.worker.daemon": False}):      # also for workers restarted later
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                               silence_logs=50)
        client = Client(cluster)
        try:
            yield cluster, client
        finally:
            client.close()
            cluster.close()


@pytest.fixture
def thread_cluster():
    """Workers as threads of this process: a patched ``process_file`` (``before_reading``) reaches the
    per-file children they fork."""
    from distributed import LocalCluster
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0",
                           silence_logs=50)
    try:
        yield cluster
    finally:
        cluster.close()


def one_rendition_each(seeds: Path, folder: Path) -> list[Path]:
    """Each seed report once, the formats taken in turn (TXT, DOCX, PDF, …): renditions of one
    report share a doc_id, and which one its reports row names depends on arrival order."""
    formats = ("txt", "docx", "pdf")
    out = []
    for i, f in enumerate(sorted((seeds / "txt").glob("*.txt"))):
        ext = formats[i % 3]
        src = seeds / ext / f"{f.stem}.{ext}"
        out.append(write(folder / "seeds" / src.name, src.read_bytes()))
    return out


@pytest.mark.slow
@pytest.mark.seeds
def test_local_cluster_stores_the_same_rows_as_the_local_pool(tmp_path, seeds):
    from pipeline.ingest import ingest
    folder = tmp_path / "in"
    make_formats(folder)
    seeded = one_rendition_each(seeds, folder)
    assert {p.suffix for p in seeded} == {".txt", ".docx", ".pdf"}
    local, on_cluster = tmp_path / "local.duckdb", tmp_path / "cluster.duckdb"
    ingest([folder], local, workers=2, progress=False)
    s = ingest([folder], on_cluster, cluster="local:2", progress=False)
    assert s.status["ok"] + s.status["partial"] == 9 + len(seeded) and s.files == 11 + len(seeded)
    assert_same_rows(snapshot(on_cluster), snapshot(local))
    assert count(on_cluster, "SELECT count(*) FROM reports") == 9 + len(seeded)


@pytest.mark.slow
def test_worker_killed_mid_run_logs_every_file_once_and_rerun_equals_clean_run(tmp_path, monkeypatch, dask_cluster):
    from pipeline import cluster as dask_run
    from pipeline.ingest import ingest
    cluster, client = dask_cluster
    folder = tmp_path / "in"
    files = make_texts(folder, 14) + [write(folder / "d.docx", docx_bytes(good_report_text(900)))]
    clean = tmp_path / "clean.duckdb"
    ingest([folder], clean, workers=2, progress=False)

    killed: list[int] = []
    real_run = dask_run.ClusterRunner.run

    def run_then_kill_a_busy_worker(self, paths, heartbeat=None):
        for res in real_run(self, paths, heartbeat):
            yield res
            if res is not None and not killed:
                busy = [w for w, keys in client.processing().items() if keys]
                pids = client.run(os.getpid, workers=busy[:1] or None)
                pid = next(iter(pids.values()))
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
    monkeypatch.setattr(dask_run.ClusterRunner, "run", run_then_kill_a_busy_worker)

    db = tmp_path / "cluster.duckdb"
    s = ingest([folder], db, cluster=cluster.scheduler_address, progress=False)
    assert killed, "a worker must have been killed mid-run"
    log = run_log(db, s.run_id)
    assert sorted(p for p, _, _ in log) == sorted(str(f) for f in files), "every file logged exactly once"
    assert count(db, "SELECT count(*) - count(DISTINCT doc_id) FROM reports") == 0
    assert count(db, "SELECT count(*) FROM (SELECT doc_id, seq FROM indicators GROUP BY ALL HAVING count(*) > 1)") == 0

    monkeypatch.setattr(dask_run.ClusterRunner, "run", real_run)
    ingest([folder], db, cluster=cluster.scheduler_address, progress=False)     # the re-run
    assert_same_rows(snapshot(db), snapshot(clean))


def test_file_that_hangs_or_kills_its_process_is_logged_and_the_cluster_goes_on(tmp_path, monkeypatch, thread_cluster):
    from pipeline.ingest import ingest
    folder = tmp_path / "in"
    make_texts(folder, 4)
    write(folder / "hang.txt", good_report_text(950))
    write(folder / "die.txt", good_report_text(951))
    acts = {"hang.txt": lambda: time.sleep(120), "die.txt": lambda: os._exit(3)}
    before_reading(monkeypatch, "hang.txt", acts["hang.txt"])
    before_reading(monkeypatch, "die.txt", acts["die.txt"])
    db = tmp_path / "w.duckdb"
    s = ingest([folder], db, cluster=thread_cluster.scheduler_address, timeout=3, progress=False)
    log = {Path(p).name: (st, why) for p, st, why in run_log(db, s.run_id)}
    assert log["hang.txt"][0] == "skipped" and "longer than 3 s" in log["hang.txt"][1]
    assert log["die.txt"][0] == "failed" and "code 3" in log["die.txt"][1]
    assert [log[f"t{i:02d}.txt"][0] for i in range(4)] == ["ok"] * 4


def test_path_a_worker_cannot_read_is_logged_failed_with_the_reason(tmp_path, monkeypatch, thread_cluster):
    from pipeline import cluster as dask_run
    from pipeline.ingest import ingest
    folder = tmp_path / "in"
    make_texts(folder, 3)
    real = dask_run.readable
    monkeypatch.setattr(dask_run, "readable", lambda p: Path(p).name != "t01.txt" and real(p))
    db = tmp_path / "w.duckdb"
    s = ingest([folder], db, cluster=thread_cluster.scheduler_address, progress=False)
    log = {Path(p).name: (st, why) for p, st, why in run_log(db, s.run_id)}
    assert log["t01.txt"][0] == "failed" and "same path" in log["t01.txt"][1]
    assert log["t00.txt"][0] == log["t02.txt"][0] == "ok"


@pytest.mark.parametrize("address, words", [("localhost:8786", "not an address"), ("local:0", "1 or more"),
                                            ("tcp://127.0.0.1:9", "cannot reach")])
def test_unusable_cluster_address_stops_with_a_message_and_exit_2(tmp_path, address, words):
    folder = tmp_path / "in"
    make_texts(folder, 1)
    db = tmp_path / "w.duckdb"
    env = dict(os.environ, DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT="1s")
    out = subprocess.run(cli("ingest", str(folder), "--db", str(db), "--cluster", address),
                         cwd=ROOT, capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 2
    assert words in out.stderr and "Traceback" not in out.stderr
    assert not db.exists(), "nothing may be written when the cluster cannot be used"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_stored(proc: subprocess.Popen, at_least: int, seconds: float = 120) -> int:
    """Read the ingest's progress bar until it shows ``at_least`` files stored; the count seen."""
    seen, buf, deadline = 0, b"", time.monotonic() + seconds
    while proc.poll() is None and time.monotonic() < deadline and seen < at_least:
        r, _, _ = select.select([proc.stderr], [], [], 0.2)
        if r:
            buf += os.read(proc.stderr.fileno(), 65536)
            m = re.findall(rb"stored=(\d+)", buf[-400:])
            seen = int(m[-1]) if m else seen
    return seen


@pytest.mark.slow
def test_scheduler_gone_mid_run_exits_2_keeps_what_was_stored_and_rerun_finishes(tmp_path):
    from pipeline.ingest import ingest
    folder = tmp_path / "in"
    n = 80
    make_texts(folder, n)
    clean = tmp_path / "clean.duckdb"
    ingest([folder], clean, workers=2, progress=False)

    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = dict(os.environ, DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT="3s", DASK_DISTRIBUTED__WORKER__DAEMON="False",
               JIXIAO_WRITE_BATCH="4", JIXIAO_CLUSTER_CHUNK="1")     # results one by one, stored 4 at a time
    bin_dir = Path(sys.executable).parent
    scheduler = subprocess.Popen([str(bin_dir / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                  "--no-dashboard"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    worker = subprocess.Popen([str(bin_dir / "dask"), "worker", address, "--nthreads", "1", "--no-dashboard"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    db = tmp_path / "w.duckdb"
    try:
        proc = subprocess.Popen(cli("ingest", str(folder), "--db", str(db), "--cluster", address, "--progress"),
                                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        seen = _wait_stored(proc, at_least=4)
        assert 4 <= seen < n, "the scheduler must go away mid-run"
        scheduler.kill()
        rest = b""
        try:
            rest = proc.stderr.read()
            proc.wait(60)
        finally:
            proc.stderr.close()
        message = rest.decode("utf-8", "replace")
        assert proc.returncode == 2, message[-2000:]
        assert "scheduler" in message and "run the same ingest" in message and "Traceback" not in message
    finally:
        for p in (scheduler, worker):
            p.kill()
            p.wait(30)
    stored = count(db, "SELECT count(*) FROM reports")
    assert 4 <= stored < n                                   # what was stored before is intact
    ingest([folder], db, workers=2, progress=False)          # the re-run (here on the local pool)
    assert_same_rows(snapshot(db), snapshot(clean))
